"""ICICI Direct Breeze (api.icicidirect.com/breezeapi/documents; the official SDK breeze-connect 1.0.69,
breeze_connect/breeze_connect.py and config.py): the read side of an account and its login.

Login: the user signs in at api.icicidirect.com/apiuser/login?api_key=<quote_plus(api_key)>; ICICI
hands the app an API session key (`apisession`, posted to the redirect URL as API_Session). GET
customerdetails with the JSON body {"SessionToken": <apisession>, "AppKey": <api_key>} answers the
account's `session_token`: base64("<user id>:<session key>"), what every later call sends as
`X-SessionToken`. A session key lives 24 hours or until midnight IST, whichever comes first.

Every other call is a GET (or POST/PUT/DELETE) with a JSON body, signed: `X-Checksum: token
sha256(<timestamp> + <body> + <api secret>)`, `X-Timestamp` (UTC, "YYYY-MM-DDTHH:MM:SS.000Z"),
`X-AppKey`, `X-SessionToken`. Replies are {"Success": ..., "Status": 200, "Error": null}; failures
{"Success": null, "Status": 500, "Error": "<text>"}, usually with HTTP 200. Times are IST
("05-Feb-2025 10:41:24"); dates are sent as ISO-8601 ("2025-02-05T06:00:00.000Z").

Symbols are ICICI's own stock codes (RELIND for RELIANCE, ITC for ITC): mapping them to NSE symbols
needs ICICI's security master, which this client does not download. The journal is read-only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
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
    RequestClass,
    TokenGrant,
)
from tradetrack.brokers.expiry import DailyExpiry
from tradetrack.brokers.http import (
    HttpReply,
    Malformed,
    decimal,
    dumps,
    integer,
    obj,
    objects,
    opt_decimal,
    opt_integer,
    opt_text,
    retry_after,
    text,
)
from tradetrack.brokers.wire import Wire, WireOptions, contract_symbol, ist_time, side_of, terminal_status
from tradetrack.timeutil import IST, to_ist

NAME: Final = "breeze"
BREEZE_API = "https://api.icicidirect.com/breezeapi/api/v1"
BREEZE_LOGIN = "https://api.icicidirect.com/apiuser/login"
CUSTOMER_PATH = "/customerdetails"
TRADES_PATH = "/trades"
ORDERS_PATH = "/order"
POSITIONS_PATH = "/portfoliopositions"
HOLDINGS_PATH = "/portfolioholdings"
DEMAT_PATH = "/dematholdings"
# The exchanges whose books are read (Breeze asks one exchange_code a call): cash and F&O of both.
EXCHANGES = ("NSE", "BSE", "NFO", "BFO")
# Breeze's limits (its API documentation): 100 calls a minute and 5,000 a day per API key; orders
# 10 a second (the SDK's README, SEBI's 2025 circular).
RATE_LIMITS: Final[Mapping[RequestClass, tuple[int, int]]] = {
    "general": (100, 60),
    "order": (10, 1),
    "quote": (100, 60),
}
TOKEN_EXPIRY = DailyExpiry(0, 0)  # the next midnight IST
_DATES = ("%d-%b-%Y",)
_TIMES = ("%d-%b-%Y %H:%M:%S", "%d-%b-%Y %H:%M", "%Y-%m-%d %H:%M:%S")
# The customer-details errors the SDK names (api_util), and the session errors of the other calls.
_AUTH_ERRORS = (
    "invalid session",
    "resource not available",
    "session key is expired",
    "could not authenticate",
)
_PERMISSION_ERRORS = ("public key does not exist",)
_RATE_ERRORS = ("limit exceed", "too many request", "rate limit")
_EMPTY = "no data found"
# The SDK's own input checks (config.ResponseMessage): the server answers the same texts.
_INPUT_ERRORS = ("cannot be empty", "should be either", "should be more than", "should only contain")
_TERMINAL = {
    "EXECUTED": "COMPLETE",
    "CANCELLED": "CANCELLED",
    "EXPIRED": "CANCELLED",
    "PARTIALLY EXECUTED AND EXPIRED": "CANCELLED",
    "PARTIALLY EXECUTED AND CANCELLED": "CANCELLED",
    "REJECTED": "REJECTED",
}


def _now_ist() -> datetime:
    return datetime.now(IST)


def session_expiry(now: datetime) -> datetime:
    """When a session key made at `now` lapses: 24 hours on or at midnight IST, whichever is first
    (ICICI's "What is a Session Key" article): the next midnight IST."""
    return TOKEN_EXPIRY.after(now)


def iso_day(day: date) -> str:
    """A date as Breeze's from_date/to_date want it (the SDK's README: "...T06:00:00.000Z")."""
    return f"{day.isoformat()}T06:00:00.000Z"


def breeze_error(status: int, body: Any, headers: Mapping[str, str]) -> BrokerError:
    """The BrokerError for a Breeze failure: its `Error` text and `Status`, or the HTTP status alone."""
    envelope = body if isinstance(body, Mapping) else {}
    message = str(envelope.get("Error") or f"Breeze answered HTTP {status}")
    inner = envelope.get("Status")
    code = inner if isinstance(inner, int) and not isinstance(inner, bool) and inner >= 400 else status
    lowered = message.lower()
    if code == 429 or any(text in lowered for text in _RATE_ERRORS):
        return BrokerRateLimited(message, retry_after_s=retry_after(headers), status=code)
    if code == 401 or any(text in lowered for text in _AUTH_ERRORS):
        return BrokerAuthError(message, error_type="SessionError", status=code)
    if code == 403 or any(text in lowered for text in _PERMISSION_ERRORS):
        return BrokerPermissionError(message, error_type="PermissionError", status=code)
    if code == 400 or any(text in lowered for text in _INPUT_ERRORS):
        return BrokerInputError(message, error_type="InputError", status=code)
    if code >= 500:
        return BrokerUnavailable(message, error_type="ServerError", status=code)
    return BrokerError(message, error_type="BreezeError", status=code)


def _read(reply: HttpReply, what: str) -> Any:
    """The `Success` of a reply; None when Breeze says there is no data ("No Data Found")."""
    body = reply.body
    if isinstance(body, Mapping) and (body.get("Error") or reply.status >= 300):
        if _EMPTY in str(body.get("Error") or "").lower():
            return None
        raise breeze_error(reply.status, body, reply.headers)
    if reply.status >= 300:
        raise breeze_error(reply.status, body, reply.headers)
    if not isinstance(body, Mapping) or "Success" not in body:
        shape = "not JSON" if body is None else "not a Success envelope"
        raise BrokerUnavailable(
            f"Breeze sent a malformed reply to {what} (HTTP {reply.status}, {shape})",
            error_type="DataException",
            status=reply.status,
        )
    return body["Success"]


class BreezeClient:
    """An ICICI Direct Breeze session (Broker) and its login (BrokerLogin). `access_token` is the
    customer details' base64 session_token; every call is signed with `api_secret`."""

    def __init__(
        self,
        api_key: str,
        access_token: str = "",
        *,
        api_secret: str = "",
        base_url: str = BREEZE_API,
        login_url: str = BREEZE_LOGIN,
        exchanges: Iterable[str] = EXCHANGES,
        now: Callable[[], datetime] = _now_ist,
        **options: Unpack[WireOptions],
    ) -> None:
        self.name: BrokerName = NAME
        self.api_key = api_key
        self.access_token = access_token
        self._secret = api_secret
        self._login = login_url
        self._exchanges = tuple(exchanges)
        self._now = now
        self._wire = Wire("Breeze", base_url, **options)

    # -- the wire --------------------------------------------------------------------------------

    def signed_headers(self, body: str) -> dict[str, str]:
        """The SDK's generate_headers: the body signed with the app secret at this second (UTC)."""
        if not self._secret:
            raise ValueError("api_secret is required to sign Breeze requests")
        stamp = self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        checksum = hashlib.sha256((stamp + body + self._secret).encode()).hexdigest()
        return {
            "Accept": "application/json",
            "X-Checksum": f"token {checksum}",
            "X-Timestamp": stamp,
            "X-AppKey": self.api_key,
            "X-SessionToken": self.access_token,
        }

    def _send(self, path: str, body: Mapping[str, str], *, signed: bool = True) -> Any:
        """The `Success` of GET `path` with a JSON body (signed), gated, retried, within the deadline."""
        headers = self.signed_headers(dumps(body)) if signed else {"Accept": "application/json"}
        return self._wire.call("GET", path, headers, read=_read, json_body=dict(body))

    def _rows(self, path: str, body: Mapping[str, str]) -> list[Mapping[str, Any]]:
        data = self._send(path, body)
        return self._wire.parse(f"GET {path}", lambda: objects(data or [], "Success"))

    # -- login -----------------------------------------------------------------------------------

    def login_url(self, state: str) -> str:
        """ICICI's login page for the app (it carries no state: the callback is matched by the app)."""
        return f"{self._login}?api_key={urllib.parse.quote_plus(self.api_key)}"

    def complete_login(self, params: Mapping[str, str]) -> TokenGrant:
        """Turn the login's API session key (apisession / API_Session) into the account's session."""
        session = params.get("apisession") or params.get("API_Session") or params.get("session_token") or ""
        if not session:
            raise BrokerInputError("the Breeze login returned no API session key", error_type="InputError")
        body = {"SessionToken": session, "AppKey": self.api_key}
        data = self._send(CUSTOMER_PATH, body, signed=False)

        def grant() -> TokenGrant:
            customer = obj(data, "Success")
            token = text(customer, "session_token")
            try:
                user_id = base64.b64decode(token, validate=True).decode("ascii").split(":", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                raise Malformed("session_token is not base64 of user:session") from None
            return TokenGrant(
                access_token=token,
                broker_user_id=opt_text(customer, "idirect_userid") or user_id,
                expires_at=session_expiry(self._now()),
                user_name=opt_text(customer, "idirect_user_name"),
            )

        result = self._wire.parse(f"GET {CUSTOMER_PATH}", grant)
        self.access_token = result.access_token
        return result

    # -- the account -----------------------------------------------------------------------------

    def trades(self) -> list[BrokerFill]:
        today = to_ist(self._now()).date()
        return self.historical_trades(today, today)

    def historical_trades(self, start: date, end: date) -> list[BrokerFill]:
        """Fills from `start` to `end` (inclusive): the trade list of each exchange names the orders
        that traded, and each order's trade detail gives its fills (exchange trade id, time, price)."""
        fills: list[BrokerFill] = []
        for exchange in self._exchanges:
            body = {"exchange_code": exchange, "from_date": iso_day(start), "to_date": iso_day(end)}
            rows = self._rows(TRADES_PATH, body)
            orders = self._wire.parse(f"GET {TRADES_PATH}", partial(_by_order, rows))
            for order_id, row in orders.items():
                details = self._rows(TRADES_PATH, {"exchange_code": exchange, "order_id": order_id})
                fills += self._wire.parse(f"GET {TRADES_PATH}", partial(_fills, details, row, order_id))
        return fills

    def orders(self) -> list[BrokerOrder]:
        today = iso_day(to_ist(self._now()).date())
        orders: list[BrokerOrder] = []
        for exchange in self._exchanges:
            rows = self._rows(ORDERS_PATH, {"exchange_code": exchange, "from_date": today, "to_date": today})
            orders += self._wire.parse(f"GET {ORDERS_PATH}", partial(_orders, rows))
        return orders

    def positions(self) -> list[BrokerPosition]:
        rows = self._rows(POSITIONS_PATH, {})
        return self._wire.parse(f"GET {POSITIONS_PATH}", lambda: [_position(row) for row in rows])

    def holdings(self) -> list[BrokerHolding]:
        """Equity holdings (portfolioholdings of NSE: quantity and average price), each with its ISIN
        from the demat holdings when the stock code is there."""
        rows = self._rows(HOLDINGS_PATH, {"exchange_code": "NSE"})
        demat = self._rows(DEMAT_PATH, {})

        def parse() -> list[BrokerHolding]:
            isins = {text(row, "stock_code"): opt_text(row, "stock_ISIN") for row in demat}
            return [_holding(row, isins) for row in rows if integer(row, "quantity") > 0]

        return self._wire.parse(f"GET {HOLDINGS_PATH}", parse)


def _day(record: Mapping[str, Any], name: str) -> datetime | None:
    return ist_time(record.get(name), _DATES)


def _symbol(record: Mapping[str, Any]) -> str:
    """The stock code; a derivative's contract from its expiry, strike and right ("Call"/"Put")."""
    right = (opt_text(record, "right") or "").upper()
    option = {"CALL": "CE", "PUT": "PE"}.get(right)
    expiry = _day(record, "expiry_date")
    strike = opt_decimal(record, "strike_price") if option else None
    return contract_symbol(text(record, "stock_code").upper(), expiry, strike, option)


def _by_order(rows: list[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The trade list's rows by order id (an order's rows name the same contract): the orders to detail."""
    return {text(row, "order_id"): row for row in rows}


def _fills(details: list[Mapping[str, Any]], row: Mapping[str, Any], order_id: str) -> list[BrokerFill]:
    return [_fill(detail, row, order_id) for detail in details]


def _orders(rows: list[Mapping[str, Any]]) -> list[BrokerOrder]:
    return [_order(row) for row in rows]


def _fill(detail: Mapping[str, Any], row: Mapping[str, Any], order_id: str) -> BrokerFill:
    executed = ist_time(detail.get("exchange_trade_time"), _TIMES)
    if executed is None:
        raise Malformed("exchange_trade_time is not DD-Mon-YYYY HH:MM:SS")
    trade_id = opt_text(detail, "trade_id") or f"{order_id}/{text(detail, 'exchange_trade_id')}"
    return BrokerFill(
        trade_id=trade_id,
        order_id=order_id,
        symbol=_symbol(row),
        exchange=text(row, "exchange_code").upper(),
        side=side_of(detail, "action"),
        quantity=integer(detail, "executed_quantity"),
        price=decimal(detail, "execution_price"),
        executed_at=executed,
        product=opt_text(row, "product_type"),
    )


def _order(record: Mapping[str, Any]) -> BrokerOrder:
    quantity = integer(record, "quantity")
    pending = opt_integer(record, "pending_quantity")
    cancelled = opt_integer(record, "cancelled_quantity")
    status = terminal_status(text(record, "status"), _TERMINAL)
    filled = quantity - (pending or 0) - (cancelled or 0) if status != "REJECTED" else 0
    return BrokerOrder(
        order_id=text(record, "order_id"),
        status=status,
        symbol=_symbol(record),
        exchange=text(record, "exchange_code").upper(),
        side=side_of(record, "action"),
        quantity=quantity,
        filled_quantity=max(filled, 0),
        average_price=opt_decimal(record, "average_price") or None,
        product=opt_text(record, "product_type"),
        placed_at=ist_time(record.get("order_datetime"), _TIMES),
        status_message=opt_text(record, "user_remark"),
        pending_quantity=pending,
        cancelled_quantity=cancelled,
        price=opt_decimal(record, "price"),
        trigger_price=opt_decimal(record, "stoploss"),
        order_type=(opt_text(record, "order_type") or "").upper() or None,
        validity=(opt_text(record, "validity") or "").upper() or None,
        exchange_order_id=opt_text(record, "exchange_order_id"),
        parent_order_id=opt_text(record, "parent_order_id"),
        exchange_at=ist_time(record.get("exchange_acknowledgement_date"), _TIMES),
    )


def _position(record: Mapping[str, Any]) -> BrokerPosition:
    quantity = integer(record, "quantity")
    action = str(record.get("action") or "").strip().upper()
    return BrokerPosition(
        symbol=_symbol(record),
        exchange=text(record, "exchange_code").upper(),
        product=opt_text(record, "product_type"),
        quantity=-abs(quantity) if action == "SELL" else quantity,
        average_price=opt_decimal(record, "average_price") or None,
        last_price=opt_decimal(record, "ltp"),
    )


def _holding(record: Mapping[str, Any], isins: Mapping[str, str | None]) -> BrokerHolding:
    code = text(record, "stock_code")
    return BrokerHolding(
        symbol=code.upper(),
        exchange=text(record, "exchange_code").upper(),
        quantity=integer(record, "quantity"),
        average_price=opt_decimal(record, "average_price") or None,
        last_price=opt_decimal(record, "current_market_price") or None,
        isin=isins.get(code),
        product=opt_text(record, "product_type"),
    )
