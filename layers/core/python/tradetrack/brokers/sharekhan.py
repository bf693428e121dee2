"""ShareKhan open API (api.sharekhan.com/skapi; the official SDK shareconnect 1.0.0.11,
SharekhanApi/sharekhanConnect.py and sharekhanExceptions.py): the read side of an account and its login.

Login (the SDK's login_url, generate_session and get_access_token): the user signs in at
/skapi/auth/login.html?api_key=..&state=..[&version_id=..]; ShareKhan redirects back with an
encrypted `request_token`: AES-256-GCM under the app's secret key (UTF-8, 32 bytes), an all-zero
16-byte nonce and a 16-byte tag, base64 of "<request id>|<customer id>". We decrypt it, swap the two
fields, encrypt "<customer id>|<request id>" the same way (base64url without padding when a version
id is used, standard base64 otherwise) and POST {"apiKey", "requestToken", "state"[, "versionId"]} to
/skapi/services/access/token. Requests then carry `api-key`, `access-token` (and `Authorization`, the
SDK sends the token there too) and `Content-type: application/json`; a vendor login adds `vendor-key`.

Every account call names the customer id in its path, so the access token we keep is
"<customer id>:<token>". Reads: reports/{customerId} (the day's orders), orders/{exchange}/
{customerId}/{orderId}/trades (an order's fills), trades/{customerId} (the SDK: "Retrieves all
positions") and holdings/{customerId}. Exchanges are ShareKhan's codes: NC (NSE cash), BC (BSE
cash), NF (NSE F&O), BF (BSE F&O), RN (NSE currency), MX (MCX).

ShareKhan documents no response bodies (its SDK passes the JSON through): the rows are read by the
SDK's own request-side names (orderId, tradingSymbol, exchange, transactionType B/S, quantity, price,
productType ...) with the usual alternatives (docs/brokers.md says which). Errors are the SDK's
{"error_type": "TokenException", "message"} or {"errorType": "input_error", "message"}.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final

from typing_extensions import Unpack

from tradetrack.brokers.base import (
    BrokerAuthError,
    BrokerError,
    BrokerFill,
    BrokerHolding,
    BrokerInputError,
    BrokerName,
    BrokerOrder,
    BrokerPermissionError,
    BrokerPosition,
    BrokerRateLimited,
    BrokerUnavailable,
    BrokerUnsupported,
    RequestClass,
    TokenGrant,
)
from tradetrack.brokers.expiry import DailyExpiry
from tradetrack.brokers.http import (
    HttpReply,
    Malformed,
    decimal,
    integer,
    objects,
    opt_text,
    retry_after,
    text,
)
from tradetrack.brokers.wire import Wire, WireOptions, ist_time, sdk_exception_error, side_of, terminal_status
from tradetrack.timeutil import IST

NAME: Final = "sharekhan"
SHAREKHAN_API = "https://api.sharekhan.com"
SHAREKHAN_LOGIN = "https://api.sharekhan.com/skapi/auth/login.html"
TOKEN_PATH = "/skapi/services/access/token"  # noqa: S105 - a route, not a secret
# ShareKhan publishes no rate limits; a conservative budget until it does.
RATE_LIMITS: Final[Mapping[RequestClass, tuple[int, int]]] = {
    "general": (5, 1),
    "order": (5, 1),
    "quote": (5, 1),
}
# ShareKhan does not say when a token lapses: we take the day's end (midnight IST).
TOKEN_EXPIRY = DailyExpiry(0, 0)
_NONCE = bytes(16)  # the SDK's iv: base64 "AAAAAAAAAAAAAAAAAAAAAA=="
_EXCHANGES = {"NC": "NSE", "BC": "BSE", "NF": "NFO", "BF": "BFO", "RN": "CDS", "MX": "MCX"}
_TIMES = (
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%b-%Y %H:%M:%S",
)
_TERMINAL = {
    "FULLY EXECUTED": "COMPLETE",
    "EXECUTED": "COMPLETE",
    "COMPLETE": "COMPLETE",
    "TRADED": "COMPLETE",
    "CANCELLED": "CANCELLED",
    "CANCELED": "CANCELLED",
    "REJECTED": "REJECTED",
    "RMS REJECTED": "REJECTED",
    "EXCHANGE REJECTED": "REJECTED",
}
_FILLED_STATES = frozenset({"COMPLETE", "PARTLY EXECUTED", "PARTIALLY EXECUTED"})
# The snake-case error types ShareKhan's gateway writes (`errorType`), by our class of error.
_ERROR_TYPES: Mapping[str, type[BrokerError]] = {
    "input_error": BrokerInputError,
    "token_error": BrokerAuthError,
    "auth_error": BrokerAuthError,
    "session_expired": BrokerAuthError,
    "permission_error": BrokerPermissionError,
    "rate_limit": BrokerRateLimited,
    "server_error": BrokerUnavailable,
}


def _now_ist() -> datetime:
    return datetime.now(IST)


def _b64decode(value: str) -> bytes:
    """Base64 in either alphabet, padded or not; a '+' a query string turned into a space restored."""
    token = value.strip().replace(" ", "+")
    padded = token + "=" * (-len(token) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def exchange_token(request_token: str, secret_key: str, *, version_id: str = "") -> str:
    """The `requestToken` to send for the `request_token` ShareKhan redirected with (the SDK's
    generate_session / generate_session_without_versionId); ValueError when it does not decrypt."""
    from cryptography.exceptions import InvalidTag  # imported here: only a login needs it
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = secret_key.encode()
    if len(key) != 32:
        raise ValueError("the ShareKhan secret key must be 32 bytes (AES-256)")
    cipher = AESGCM(key)
    try:
        plain = cipher.decrypt(_NONCE, _b64decode(urllib.parse.unquote(request_token)), None).decode()
    except (InvalidTag, binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("the ShareKhan request token does not decrypt with this secret key") from None
    request_id, bar, customer_id = plain.partition("|")
    if not bar or not request_id or not customer_id:
        raise ValueError("the ShareKhan request token is not <request id>|<customer id>")
    sealed = cipher.encrypt(_NONCE, f"{customer_id}|{request_id}".encode(), None)
    if version_id:
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")
    return base64.b64encode(sealed).decode()


def customer_of(request_token: str, secret_key: str) -> str:
    """The customer id sealed in a login's request token (one exchange_token has opened)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plain = AESGCM(secret_key.encode()).decrypt(_NONCE, _b64decode(urllib.parse.unquote(request_token)), None)
    return plain.decode().partition("|")[2]


def sharekhan_error(status: int, body: Any, headers: Mapping[str, str]) -> BrokerError:
    """The BrokerError for a ShareKhan failure: the SDK's error_type, the gateway's errorType, or the
    HTTP status."""
    envelope = body if isinstance(body, Mapping) else {}
    message = str(envelope.get("message") or f"ShareKhan answered HTTP {status}")
    if envelope.get("error_type"):
        return sdk_exception_error(str(envelope["error_type"]), message, status, headers)
    kind_name = str(envelope.get("errorType") or "").lower()
    if status == 429 or kind_name == "rate_limit":
        return BrokerRateLimited(
            message, retry_after_s=retry_after(headers), error_type=kind_name or "RateLimited", status=status
        )
    kind = _ERROR_TYPES.get(kind_name)
    if kind is None:
        kind = {401: BrokerAuthError, 403: BrokerAuthError, 400: BrokerInputError}.get(status, BrokerError)
        kind = BrokerUnavailable if status >= 500 else kind
    return kind(message, error_type=kind_name or f"HTTP{status}", status=status)


def _read(reply: HttpReply, what: str) -> Any:
    """The `data` of a reply (a JSON list or object passed through, as the SDK does)."""
    body = reply.body
    inner = body.get("status") if isinstance(body, Mapping) else None
    inner_status = inner if isinstance(inner, int) and not isinstance(inner, bool) else 0
    failed_inside = inner_status >= 400
    if reply.status >= 300 or (
        isinstance(body, Mapping) and (body.get("error_type") or body.get("errorType") or failed_inside)
    ):
        status = inner_status if failed_inside and reply.status < 300 else reply.status
        raise sharekhan_error(status, body, reply.headers)
    if isinstance(body, list):
        return body
    if not isinstance(body, Mapping) or "data" not in body:
        shape = "not JSON" if body is None else "not a data envelope"
        raise BrokerUnavailable(
            f"ShareKhan sent a malformed reply to {what} (HTTP {reply.status}, {shape})",
            error_type="DataException",
            status=reply.status,
        )
    return body["data"]


def _pick(record: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` the row has (ShareKhan's response names are undocumented: see the module)."""
    for name in names:
        if record.get(name) not in (None, ""):
            return record[name]
    return None


def _pick_text(record: Mapping[str, Any], *names: str) -> str:
    value = _pick(record, *names)
    if value is None:
        raise Malformed(f"{names[0]} is missing")
    return text({names[0]: value}, names[0])


def _pick_decimal(record: Mapping[str, Any], *names: str) -> Decimal | None:
    value = _pick(record, *names)
    return None if value is None else decimal({names[0]: value}, names[0])


def _pick_integer(record: Mapping[str, Any], *names: str) -> int | None:
    value = _pick(record, *names)
    return None if value is None else integer({names[0]: value}, names[0])


class SharekhanClient:
    """A ShareKhan session (Broker) and its login (BrokerLogin). The access token is
    "<customer id>:<ShareKhan access token>" (the customer id is in every path)."""

    def __init__(
        self,
        api_key: str,
        access_token: str = "",
        *,
        api_secret: str = "",
        vendor_key: str = "",
        version_id: str = "",
        base_url: str = SHAREKHAN_API,
        login_url: str = SHAREKHAN_LOGIN,
        now: Callable[[], datetime] = _now_ist,
        **options: Unpack[WireOptions],
    ) -> None:
        self.name: BrokerName = NAME
        self.api_key = api_key
        self.access_token = access_token
        self._secret = api_secret
        self._vendor = vendor_key
        self._version = version_id
        self._login = login_url
        self._now = now
        self._wire = Wire("ShareKhan", base_url, **options)

    # -- the wire --------------------------------------------------------------------------------

    def _session(self) -> tuple[str, str]:
        customer, colon, token = self.access_token.partition(":")
        if not colon or not customer or not token:
            raise BrokerAuthError(
                "the ShareKhan session is not <customer id>:<token>: log in again",
                error_type="TokenException",
            )
        return customer, token

    def _headers(self, token: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "api-key": self.api_key}
        if token:
            headers["access-token"] = token
            headers["Authorization"] = token
        if self._vendor:
            headers["vendor-key"] = self._vendor
        return headers

    def _rows(self, path: str) -> list[Mapping[str, Any]]:
        _, token = self._session()
        data = self._wire.call("GET", path, self._headers(token), read=_read)
        return self._wire.parse(f"GET {path}", lambda: objects(_as_list(data), "data"))

    # -- login -----------------------------------------------------------------------------------

    def login_url(self, state: str) -> str:
        query = {"api_key": self.api_key, "state": state}
        if self._vendor:
            query["vendor_key"] = self._vendor
        if self._version:
            query["version_id"] = self._version
        return f"{self._login}?{urllib.parse.urlencode(query)}"

    def complete_login(self, params: Mapping[str, str]) -> TokenGrant:
        """Turn the redirect's encrypted request_token into an access token (POST .../access/token)."""
        request_token = params.get("request_token") or params.get("requestToken") or ""
        if not request_token:
            raise BrokerInputError(
                "the ShareKhan login returned no request_token", error_type="InputException"
            )
        if not self._secret:
            raise ValueError("api_secret (the ShareKhan secret key) is required to complete a login")
        try:
            sealed = exchange_token(request_token, self._secret, version_id=self._version)
            customer = customer_of(request_token, self._secret)
        except ValueError as exc:
            raise BrokerInputError(str(exc), error_type="InputException") from exc
        state = params.get("state") or ""
        body: dict[str, Any] = {
            "apiKey": self.api_key,
            "requestToken": sealed,
            # ShareKhan wants a number here (a text state is refused): ours when it is one, else the
            # SDK's own 12345 (our state has done its job: it matched the callback to the account)
            "state": int(state) if state.isdigit() else 12345,
        }
        if self._vendor:
            body["vendorkey"] = self._vendor
        if self._version:
            body["versionId"] = self._version
        data = self._wire.call("POST", TOKEN_PATH, self._headers(""), read=_read, json_body=body)

        def grant() -> TokenGrant:
            session = data if isinstance(data, Mapping) else {}
            token = _pick_text(session, "token", "accessToken", "access_token")
            user = str(_pick(session, "customerId", "loginId") or customer)
            return TokenGrant(
                access_token=f"{user}:{token}",
                broker_user_id=user,
                expires_at=TOKEN_EXPIRY.after(self._now()),
                user_name=opt_text(session, "customerName") or opt_text(session, "loginId"),
            )

        result = self._wire.parse(f"POST {TOKEN_PATH}", grant)
        self.access_token = result.access_token
        return result

    # -- the account -----------------------------------------------------------------------------

    def orders(self) -> list[BrokerOrder]:
        customer, _ = self._session()
        path = f"/skapi/services/reports/{_segment(customer)}"
        rows = self._rows(path)
        return self._wire.parse(f"GET {path}", lambda: [_order(row) for row in rows])

    def trades(self) -> list[BrokerFill]:
        """Today's fills: each order that traded (the day's report), then its trades."""
        customer, _ = self._session()
        fills: list[BrokerFill] = []
        for order in self.orders():
            if order.status not in _FILLED_STATES and not order.filled_quantity:
                continue
            code = _EXCHANGE_CODES.get(order.exchange, order.exchange)
            where = "/".join(_segment(part) for part in (code, customer, order.order_id))
            path = f"/skapi/services/orders/{where}/trades"
            rows = self._rows(path)
            fills += self._wire.parse(f"GET {path}", partial(_fills, rows, order))
        return fills

    def positions(self) -> list[BrokerPosition]:
        customer, _ = self._session()
        path = f"/skapi/services/trades/{_segment(customer)}"
        rows = self._rows(path)
        return self._wire.parse(f"GET {path}", lambda: [_position(row) for row in rows])

    def holdings(self) -> list[BrokerHolding]:
        customer, _ = self._session()
        path = f"/skapi/services/holdings/{_segment(customer)}"
        rows = self._rows(path)
        return self._wire.parse(f"GET {path}", lambda: [_holding(row) for row in rows])

    def historical_trades(self, start: date, end: date) -> list[BrokerFill]:
        raise BrokerUnsupported(
            "ShareKhan has no API for past trades: import its tradebook (CSV) instead",
            error_type="Unsupported",
        )


_EXCHANGE_CODES = {ours: theirs for theirs, ours in _EXCHANGES.items()}


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _as_list(data: Any) -> Any:
    """A list as it is; one object as a list of one (some ShareKhan replies send a single row)."""
    if data is None:
        return []
    return [data] if isinstance(data, Mapping) else data


def _exchange(record: Mapping[str, Any]) -> str:
    code = _pick_text(record, "exchange", "exchangeCode").upper()
    return _EXCHANGES.get(code, code)


def _side(record: Mapping[str, Any]) -> Any:
    """B/S, and the SDK's BM/SM/SAM variants (their first letter)."""
    value = str(_pick(record, "transactionType", "buySell", "side") or "").strip().upper()
    return side_of({"side": value[:1] if value[:2] in ("BM", "SM", "SA") else value}, "side")


def _time(record: Mapping[str, Any], *names: str) -> datetime | None:
    return ist_time(_pick(record, *names), _TIMES)


def _order(record: Mapping[str, Any]) -> BrokerOrder:
    status = terminal_status(_pick_text(record, "orderStatus", "status"), _TERMINAL)
    quantity = _pick_integer(record, "quantity", "orderQty") or 0
    filled = _pick_integer(record, "executedQty", "filledQty", "tradedQty", "execQty")
    if filled is None:
        filled = quantity if status == "COMPLETE" else 0
    return BrokerOrder(
        order_id=_pick_text(record, "orderId", "orderID"),
        status=status,
        symbol=_pick_text(record, "tradingSymbol", "symbol").upper(),
        exchange=_exchange(record),
        side=_side(record),
        quantity=quantity,
        filled_quantity=filled,
        average_price=_pick_decimal(record, "avgPrice", "averagePrice", "tradedPrice") or None,
        product=opt_text(record, "productType"),
        placed_at=_time(record, "orderDateTime", "orderTime", "orderDate"),
        status_message=opt_text(record, "rejectionReason") or opt_text(record, "remarks"),
        pending_quantity=_pick_integer(record, "pendingQty", "remainingQty"),
        price=_pick_decimal(record, "price", "orderPrice"),
        trigger_price=_pick_decimal(record, "triggerPrice"),
        order_type=opt_text(record, "orderType"),
        validity=opt_text(record, "validity"),
        exchange_order_id=opt_text(record, "exchangeOrderId") or opt_text(record, "exchOrderId"),
        exchange_at=_time(record, "exchangeDateTime", "exchangeTime"),
    )


def _fills(rows: list[Mapping[str, Any]], order: BrokerOrder) -> list[BrokerFill]:
    return [_fill(row, order) for row in rows]


def _fill(record: Mapping[str, Any], order: BrokerOrder) -> BrokerFill:
    executed = _time(record, "tradeDateTime", "tradeTime", "exchangeDateTime") or order.placed_at
    if executed is None:
        raise Malformed("a trade has no readable tradeDateTime")
    return BrokerFill(
        trade_id=_pick_text(record, "tradeId", "exchangeTradeId", "tradeNo"),
        order_id=str(_pick(record, "orderId") or order.order_id),
        symbol=str(_pick(record, "tradingSymbol", "symbol") or order.symbol).upper(),
        exchange=_exchange(record) if _pick(record, "exchange", "exchangeCode") else order.exchange,
        side=_side(record) if _pick(record, "transactionType", "buySell", "side") else order.side,
        quantity=_pick_integer(record, "tradeQty", "quantity", "tradedQty") or 0,
        price=_pick_decimal(record, "tradePrice", "price", "tradedPrice") or Decimal(0),
        executed_at=executed,
        product=opt_text(record, "productType") or order.product,
    )


def _position(record: Mapping[str, Any]) -> BrokerPosition:
    net = _pick_integer(record, "netQuantity", "netQty", "quantity")
    if net is None:
        net = (_pick_integer(record, "buyQty") or 0) - (_pick_integer(record, "sellQty") or 0)
    return BrokerPosition(
        symbol=_pick_text(record, "tradingSymbol", "symbol").upper(),
        exchange=_exchange(record),
        product=opt_text(record, "productType"),
        quantity=net,
        average_price=_pick_decimal(record, "averagePrice", "avgPrice", "netPrice", "buyAvgPrice") or None,
        last_price=_pick_decimal(record, "ltp", "lastTradedPrice"),
    )


def _holding(record: Mapping[str, Any]) -> BrokerHolding:
    return BrokerHolding(
        symbol=_pick_text(record, "tradingSymbol", "symbol", "scripName").upper(),
        exchange=_exchange(record) if _pick(record, "exchange", "exchangeCode") else "NSE",
        quantity=_pick_integer(record, "quantity", "holdingQty", "totalQty") or 0,
        average_price=_pick_decimal(record, "averagePrice", "avgPrice", "buyAvgPrice") or None,
        last_price=_pick_decimal(record, "ltp", "lastTradedPrice"),
        isin=opt_text(record, "isin") or opt_text(record, "isinCode"),
        product=opt_text(record, "productType"),
    )
