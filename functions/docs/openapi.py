"""The served OpenAPI document made faithful to what the API answers, for every route at once.

Each function's resolver documents its own routes; `finish` then adds what only the whole API knows:
the bearer-token scheme on the routes behind the authorizer (the manifest says which are public),
the API.md error body for the statuses API Gateway, the authorizer and the shared resolver answer
(400 for a request failing validation, where Powertools would document its unused 422 shape),
no body on 204, and a summary saying what an operation does instead of repeating its path.
A route documents a status only it answers (409, 422, 401 on a public route) in its own
`responses=`, with `error_responses(...)` from tradetrack.models.errors.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from typing import Any

from tradetrack.market.symbols import EXCHANGES
from tradetrack.models.errors import ERROR_DESCRIPTIONS, ErrorBody
from tradetrack.models.executions import SYMBOL_PATTERN

BEARER = "bearerAuth"
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
}
_STATE_CHANGING = ("post", "put", "patch", "delete")

# What an operation does, where its handler gave no summary; keyed by "METHOD path".
SUMMARIES: dict[str, str] = {
    "GET /v1/health": "Service health",
    "POST /v1/auth/register": "Register an account",
    "POST /v1/auth/login": "Sign in with email and password",
    "POST /v1/auth/refresh": "Exchange a refresh token for new tokens",
    "POST /v1/auth/logout": "Sign out this session",
    "POST /v1/auth/logout-all": "Sign out every session",
    "GET /v1/me": "Your profile",
    "PATCH /v1/me": "Update your profile and notification preferences",
    "GET /v1/admin/users": "List users (admin)",
    "PATCH /v1/admin/users/{userId}": "Change a user's role (admin)",
    "DELETE /v1/admin/users/{userId}": "Delete a user (admin)",
    "GET /v1/executions": "List executions (fills)",
    "POST /v1/executions": "Record an execution by hand",
    "DELETE /v1/executions/{executionId}": "Delete a manual execution",
    "POST /v1/imports": "Import a broker tradebook or generic CSV",
    "GET /v1/trades": "List round-trip trades",
    "GET /v1/trades/{tradeId}": "One trade with its fills",
    "PATCH /v1/trades/{tradeId}": "Annotate a trade (notes, tags, setup)",
    "GET /v1/positions": "Open positions",
    "GET /v1/portfolio": "Portfolio overview",
    "GET /v1/opening-lots": "List opening lots (holdings bought before the journal)",
    "POST /v1/opening-lots": "Add an opening lot",
    "POST /v1/opening-lots/import": "Import opening lots from a holdings file",
    "PATCH /v1/opening-lots/{lotId}": "Correct an opening lot",
    "DELETE /v1/opening-lots/{lotId}": "Delete an opening lot",
    "GET /v1/settlements": "List settlement prices of expired contracts",
    "PUT /v1/settlements": "Set the settlement price of an expired contract",
    "DELETE /v1/settlements/{exchange}/{underlying}/{expiry}": "Delete a settlement price",
    "GET /v1/data-quality": "Data-quality report (orphans, unmatched exits, unknown contracts)",
    "POST /v1/data-quality/orphans/{anchor}/attach": "Attach an orphaned annotation to a trade",
    "DELETE /v1/data-quality/orphans/{anchor}": "Discard an orphaned annotation",
    "GET /v1/corporate-actions": "Corporate actions applied to your trades",
    "POST /v1/corporate-actions": "Record a corporate action for your account",
    "DELETE /v1/corporate-actions/{actionId}": "Delete one of your corporate actions",
    "POST /v1/corporate-actions/{actionId}/disable": "Stop applying a platform corporate action to you",
    "GET /v1/admin/corporate-actions": "List platform corporate actions (admin)",
    "POST /v1/admin/corporate-actions": "Add a platform corporate action (admin)",
    "POST /v1/admin/corporate-actions/import": "Import NSE corporate actions (admin)",
    "DELETE /v1/admin/corporate-actions/{actionId}": "Delete a platform corporate action (admin)",
    "GET /v1/analytics/summary": "P&L summary and performance metrics",
    "GET /v1/analytics/by-category": "P&L by category (intraday, delivery, F&O)",
    "GET /v1/analytics/by-symbol": "P&L by symbol",
    "GET /v1/analytics/by-weekday": "P&L by weekday",
    "GET /v1/analytics/by-hour": "P&L by hour of entry",
    "GET /v1/analytics/timeseries": "Daily/weekly/monthly P&L series",
    "GET /v1/analytics/tax-pnl": "Tax P&L for a financial year",
    "GET /v1/analytics/fmv": "Fair market values (31 Jan 2018 grandfathering)",
    "PUT /v1/analytics/fmv/{isin}": "Set a security's fair market value",
    "DELETE /v1/analytics/fmv/{isin}": "Delete a fair market value",
    "GET /v1/market/status": "Market open/closed status",
    "GET /v1/market/quotes": "Latest quotes of symbols",
    "GET /v1/alerts": "List price alerts",
    "POST /v1/alerts": "Create a price alert",
    "DELETE /v1/alerts/{alertId}": "Delete a price alert",
    "GET /v1/notifications": "List notifications",
    "POST /v1/notifications/{notificationId}/read": "Mark a notification read",
    "GET /v1/notifications/unsubscribe": "Unsubscribe from an email link",
    "POST /v1/notifications/unsubscribe": "Unsubscribe in one click (RFC 8058)",
    "GET /v1/brokers": "Brokers you can connect",
    "GET /v1/broker-accounts": "List connected broker accounts",
    "POST /v1/broker-accounts": "Connect a broker account",
    "DELETE /v1/broker-accounts/{accountId}": "Disconnect a broker account",
    "GET /v1/broker-accounts/callback/{broker}": "Broker OAuth callback",
    "POST /v1/broker-accounts/{accountId}/sync": "Sync a broker account now",
    "GET /v1/broker-accounts/{accountId}/sync-logs": "Sync history of a broker account",
}

# Errors of public routes beyond the shared ones (a route behind the authorizer says its own with
# `responses=error_responses(...)`); keyed by "METHOD path".
ROUTE_ERRORS: dict[str, tuple[int, ...]] = {
    "POST /v1/auth/register": (409,),  # the email is taken
    "POST /v1/auth/login": (401,),  # wrong email or password
    "POST /v1/auth/refresh": (401,),  # refresh token unknown, expired, reused or cut off
    "POST /v1/auth/logout": (401,),
}


# API-wide parameter conventions (API.md), declared once for every route that follows them.
CURSOR = {
    "type": "string",
    "maxLength": 512,
    "format": "cursor",
    "description": "opaque: the nextCursor of the previous page (absent for the first page)",
}
DATE_OR_DATE_TIME = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "maxLength": 0},  # ?to= is no bound
    ],
    "description": "an ISO 8601 date (a whole IST day) or date-time (naive: IST)",
}
ISIN = {
    "type": "string",
    "format": "isin",
    "description": "ISO 6166: 2 letters, 9 letters/digits and a Luhn check digit (any case)",
}

SYMBOL = {
    "type": "string",
    "maxLength": 40,
    "pattern": SYMBOL_PATTERN,
    "description": "a trading symbol (letters, digits, space, & _ . -), any case",
}

FINANCIAL_YEAR = {
    "type": "string",
    "format": "financial-year",
    "description": "an Indian financial year, e.g. 2025-26 (April to March; default: the current one)",
}
_QUOTED = r"\s*(?:" + "|".join(EXCHANGES) + r"):[A-Za-z0-9][A-Za-z0-9 &_.\-]{0,39}\s*"
SYMBOLS = {
    "type": "string",
    "pattern": rf"^{_QUOTED}(?:,{_QUOTED}){{0,99}}$",
    "description": "EXCHANGE:SYMBOL,... (at most 100)",
}


def _declare_decimals(node: Any) -> None:
    """Every Decimal (pydantic's anyOf: a bounded number | a bare string) says its string is a
    decimal number (the number branch's bounds and the field's digits apply to it as well)."""
    if isinstance(node, dict):
        branches = node.get("anyOf")
        if isinstance(branches, list):
            numbers = [b for b in branches if isinstance(b, dict) and b.get("type") == "number"]
            for branch in branches:
                if numbers and branch == {"type": "string"}:
                    branch["format"] = "decimal"
        for value in node.values():
            _declare_decimals(value)
    elif isinstance(node, list):
        for value in node:
            _declare_decimals(value)


def _declare_conventions(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        name, where = parameter.get("name"), parameter.get("in")
        optional = not parameter.get("required")
        if where == "query" and name == "cursor":
            parameter["schema"] = dict(CURSOR)
        elif where == "query" and name in {"from", "to"} and "format" not in json.dumps(parameter["schema"]):
            # a bound the handler parses itself (a typed date/datetime parameter documents its own format)
            described = parameter.get("description") or DATE_OR_DATE_TIME["description"]
            parameter["schema"] = {**DATE_OR_DATE_TIME, "description": described}
        elif name == "isin" and (where == "path" or optional):
            parameter["schema"] = dict(ISIN)
        elif where == "query" and name == "symbol":
            parameter["schema"] = dict(SYMBOL)
        elif where == "path" and name == "expiry":
            parameter["schema"] = {
                "type": "string",
                "format": "date",
                "description": "the expiry day, YYYY-MM-DD",
            }
        elif where == "query" and name == "fy":
            parameter["schema"] = dict(FINANCIAL_YEAR)
        elif where == "query" and name == "symbols":
            described = parameter.get("description") or SYMBOLS["description"]
            parameter["schema"] = {**SYMBOLS, "maxLength": 6500, "description": described}
        else:
            continue
        parameter["description"] = parameter["schema"]["description"]


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": dict(_ERROR_REF)}},
    }
    if status == 429:
        response["headers"] = copy.deepcopy(_RETRY_AFTER)
    return response


def _humanized(operation: dict[str, Any], method: str) -> str:
    """ "post_attach_orphan_v1_..." -> "Attach orphan": the handler's name without its verb prefix."""
    name = str(operation.get("operationId") or "").split("_v1_")[0]
    words = [w for w in name.split("_") if w]
    if len(words) > 1 and words[0] in {*_HTTP_METHODS, "read", "remove"}:
        words = words[1:]
    return " ".join(words).capitalize() if words else method.upper()


def _summary(operation: dict[str, Any], method: str, path: str) -> str:
    key = f"{method.upper()} {path}"
    summary = str(operation.get("summary") or "")
    if summary and summary != key:
        return summary  # the handler named it
    if key in SUMMARIES:
        return SUMMARIES[key]
    description = str(operation.get("description") or "").strip()
    if description:
        return re.split(r"(?<=[.:;])\s|\n", description, maxsplit=1)[0].rstrip(".:;")
    return _humanized(operation, method)


def _statuses(method: str, path: str, operation: dict[str, Any], public: bool) -> list[int]:
    """The errors this operation can answer whatever its handler does."""
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    has_path_params = any(p.get("in") == "path" for p in operation.get("parameters", []))
    statuses = [429, 503]  # the stage's throttle and the per-user limit; Mongo or Redis away
    if has_input:
        statuses.append(400)  # parameter or body validation (the shared resolver)
    if not public:
        statuses += [401, 403]  # the authorizer: no/invalid/revoked token; a token without the right
    if has_path_params or (not public and has_input):
        statuses.append(404)  # the object named by the path (or a query/body id) is not the caller's
    if "requestBody" in operation:
        statuses += [413, 415]  # over the body limit; a multipart body
    if method in _STATE_CHANGING and not public:
        statuses += [409, 422]  # a write conflicting with the stored state; well-formed but not applicable
    elif any(p.get("name") in {"from", "to"} for p in operation.get("parameters", [])):
        statuses.append(422)  # from after to: each bound valid, the pair not
    return statuses + list(ROUTE_ERRORS.get(f"{method.upper()} {path}", ()))


def _finish_responses(method: str, path: str, operation: dict[str, Any], public: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    auto = responses.get("422")
    if auto and "HTTPValidationError" in str(auto):
        del responses["422"]  # Powertools' shape: this API answers validation errors with 400
    for code, response in responses.items():
        if code == "204" or code.startswith("3"):
            response.pop("content", None)
        elif code.startswith(("4", "5")) and int(code) in ERROR_DESCRIPTIONS:
            # A route's own error response: the API.md body whatever it named
            response["content"] = {"application/json": {"schema": dict(_ERROR_REF)}}
            if code == "429":
                response.setdefault("headers", copy.deepcopy(_RETRY_AFTER))
    for status in _statuses(method, path, operation, public):
        responses.setdefault(str(status), _error_response(status))
    operation["responses"] = dict(sorted(responses.items()))


def distinct_components(schema: dict[str, Any], seen: dict[str, Any], function: str) -> dict[str, Any]:
    """`schema` (one function's document) with each component that another function already defined
    differently under the same name renamed "<Function><Name>" (its $refs too), so merging keeps both
    (Powertools' merge keeps the last one: a route would be documented with another's model)."""
    defined: dict[str, Any] = schema.get("components", {}).get("schemas", {})
    prefix = "".join(part.capitalize() for part in function.split("_"))
    renames = {name: f"{prefix}{name}" for name, body in defined.items() if seen.get(name, body) != body}
    if renames:
        text = json.dumps(schema)
        for name, renamed in renames.items():
            text = text.replace(f'"#/components/schemas/{name}"', f'"#/components/schemas/{renamed}"')
        schema = json.loads(text)
        defined = schema["components"]["schemas"]
        for name, renamed in renames.items():
            defined[renamed] = defined.pop(name)
    for name, body in defined.items():
        seen.setdefault(name, body)
    return schema


def finish(spec: dict[str, Any], public_routes: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`spec` (the merged document) with security, error responses and summaries; modified in place."""
    public = {(method.upper(), path) for method, path in public_routes}
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs"))
    schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorBody"].pop("$defs", None)
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The accessToken from POST /v1/auth/login (15 minutes); refresh it with "
            "POST /v1/auth/refresh.",
        }
    }
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            is_public = (method.upper(), path) in public
            operation["security"] = [] if is_public else [{BEARER: []}]
            operation["summary"] = _summary(operation, method, path)
            _declare_conventions(operation)
            _finish_responses(method, path, operation, is_public)
    _declare_decimals(spec)
    text = str(spec.get("paths"))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}'" not in text:
            schemas.pop(unused, None)
    return spec
