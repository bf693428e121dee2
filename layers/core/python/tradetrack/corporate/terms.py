"""A request's terms checked and read as a CorporateAction: a 400 naming the field when they are not one."""

from __future__ import annotations

from tradetrack.corporate.api_models import CorporateActionIn, parse_ratio
from tradetrack.corporate.models import CorporateAction
from tradetrack.errors import ValidationFailed


def invalid(field: str, message: str, issue: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": f"body.{field}", "issue": issue, "message": message}])


def model_ratio(kind: str, ratio: str | None) -> tuple[int, int]:
    """The API's "a:b" as CorporateAction's (ratio_from, ratio_to) (api_models' docstring)."""
    if kind == "rename":
        if ratio is not None and len(set(parse_ratio(ratio))) != 1:
            raise invalid("ratio", "a rename keeps the units: omit the ratio (or give 1:1)")
        return 1, 1
    if ratio is None:
        raise invalid("ratio", f'a {kind} needs its ratio "a:b"', "missing")
    first, second = parse_ratio(ratio)
    return (second, first) if kind == "demerger" else (first, second)


def api_ratio(kind: str, ratio_from: int, ratio_to: int) -> str | None:
    if kind == "rename":
        return None
    return f"{ratio_to}:{ratio_from}" if kind == "demerger" else f"{ratio_from}:{ratio_to}"


def _field_of(message: str) -> str:
    """The body field a CorporateAction's complaint is about."""
    for needle, name in (("ratio", "ratio"), ("face value", "ratio"), ("cost_percent", "costPercent")):
        if needle in message:
            return name
    return "newIsin" if "new_" in message else "kind"


def action_of(request: CorporateActionIn, *, old_isin: str | None, source: str) -> CorporateAction:
    """The request's action, checked: a 400 naming the field when it is not one."""
    if request.symbol is None and request.isin is None:
        raise invalid("symbol", "give the symbol or the isin of the security", "missing")
    if request.kind == "demerger" and request.new_isin is None:
        raise invalid(
            "newIsin", "a demerger needs newIsin: the new company's shares are lots of it", "missing"
        )
    if request.kind == "rename" and request.new_isin is not None and old_isin is None:
        raise invalid(
            "isin", "the symbol's ISIN is not known: give isin, the ISIN before the rename", "missing"
        )
    if request.kind not in ("rename", "demerger") and (request.new_isin or request.new_symbol):
        field = "newIsin" if request.new_isin else "newSymbol"
        raise invalid(
            field, f"a {request.kind} keeps the symbol and ISIN: {field} is for renames and demergers"
        )
    if request.kind != "demerger" and request.cost_percent is not None:
        raise invalid("costPercent", "costPercent applies to demergers only")
    if request.new_isin is not None and request.new_isin == old_isin:
        raise invalid("newIsin", "newIsin is the security's ISIN already")
    ratio_from, ratio_to = model_ratio(request.kind, request.ratio)
    try:
        return CorporateAction(
            kind=request.kind,
            symbol=request.symbol or old_isin or "",
            isin=old_isin,
            ex_date=request.ex_date,
            ratio_from=ratio_from,
            ratio_to=ratio_to,
            new_symbol=request.new_symbol,
            new_isin=request.new_isin,
            cost_percent=request.cost_percent,
            source=source,
            purpose=request.purpose or "",
        )
    except ValueError as exc:
        raise invalid(_field_of(str(exc)), str(exc)) from None
