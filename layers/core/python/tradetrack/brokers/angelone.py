"""Angel One SmartAPI (smartapi.angelbroking.com/docs; the official SDK smartapi-python 1.5.5,
SmartApi/smartConnect.py): the read side of an account and its two logins.

Every request carries the SDK's headers: `Content-Type`/`Accept: application/json`, `X-UserType: USER`,
`X-SourceID: WEB`, `X-ClientLocalIP`, `X-ClientPublicIP`, `X-MACAddress`, `X-PrivateKey: <api_key>`,
and once logged in `Authorization: Bearer <jwtToken>`. Success is {"status": true, "message":
"SUCCESS", "errorcode": "", "data": ...}; failure is {"status": false, "message", "errorcode": "AB1007",
"data": null} (the API gateway writes `errorCode`: AG8001 invalid token), or an SDK-style
{"error_type": "TokenException", "message"}; past its rate limit the gateway answers HTTP 403 in plain
text ("Access denied because of exceeding access rate"). Times are IST; the trade book gives only the
time of day of a fill (today's book). The journal is read-only: no order is ever placed.

Logins: the publisher login (`login_url`: smartapi.angelone.in/publisher-login?api_key=..&state=..
redirects back with auth_token, feed_token and refresh_token), or the API login with client code,
PIN and TOTP (POST /rest/auth/angelbroking/user/v1/loginByPassword). A jwtToken lives 24-28 hours:
its own `exp` claim says when it dies.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
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
from tradetrack.brokers.http import (
    HttpReply,
    Malformed,
    decimal,
    integer,
    obj,
    objects,
    opt_decimal,
    opt_integer,
    opt_text,
    retry_after,
    text,
)
from tradetrack.brokers.upstox import plain_symbol
from tradetrack.brokers.wire import (
    Wire,
    WireOptions,
    ist_time,
    jwt_claims,
    jwt_expiry,
    sdk_exception_error,
    side_of,
    terminal_status,
)
from tradetrack.timeutil import IST, to_ist

NAME: Final = "angelone"
ANGELONE_API = "https://apiconnect.angelone.in"
ANGELONE_LOGIN = "https://smartapi.angelone.in/publisher-login"
LOGIN_PATH = "/rest/auth/angelbroking/user/v1/loginByPassword"
PROFILE_PATH = "/rest/secure/angelbroking/user/v1/getProfile"
LOGOUT_PATH = "/rest/secure/angelbroking/user/v1/logout"
TRADE_BOOK_PATH = "/rest/secure/angelbroking/order/v1/getTradeBook"
ORDER_BOOK_PATH = "/rest/secure/angelbroking/order/v1/getOrderBook"
POSITIONS_PATH = "/rest/secure/angelbroking/order/v1/getPosition"
HOLDINGS_PATH = "/rest/secure/angelbroking/portfolio/v1/getHolding"
# SmartAPI's rate limits (its docs' rate-limit table) are per endpoint and per logged-in client: the
# order, trade, position and holding books 1 request a second each, orders 20 a second. Our bucket is
# per app and shared by every endpoint, so it admits 10 a second; a book asked twice within the same
# second gets the gateway's 403 rate refusal, which is retried after a backoff.
RATE_LIMITS: Final[Mapping[RequestClass, tuple[int, int]]] = {
    "general": (10, 1),
    "order": (20, 1),
    "quote": (10, 1),
}
_TOKEN_LIFETIME = timedelta(hours=24)  # when a jwtToken carries no readable `exp` (Angel: 24-28 hours)
_TIME_FORMATS = ("%d-%b-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
# SmartAPI's error codes (its docs' error-code table; the same list in its Go and Java SDKs).
_AUTH_CODES = frozenset(
    {
        "AG8001",  # invalid token
        "AG8002",  # token expired
        "AG8003",  # token missing
        "AB8050",  # invalid refresh token
        "AB8051",  # refresh token expired
        "AB1010",  # AMX session expired
        "AB1011",  # client not login
        "AB1000",  # invalid email or password
        "AB1001",  # invalid email
        "AB1002",  # invalid password length
        "AB1007",  # the docs' example: "Login Id or password is invalid"
        "AB1050",  # invalid TOTP
        "AB1032",  # user not found
    }
)
_PERMISSION_CODES = frozenset({"AB1005", "AB1006", "AB2002"})  # not a USER; blocked for trading; ROBO
_INPUT_CODES = frozenset({"AB1003", "AB1008", "AB1009", "AB1012", "AB1018", "AB1031", "AB4008"})
_SERVER_CODES = frozenset({"AB1004", "AB2000", "AB2001"})  # something went wrong; internal error
_RATE_CODES = frozenset({"AB1019", "AB1021"})  # too many requests
# "Order/Trade/Holding/Position not found": the book is empty, not an error.
_EMPTY_CODES = frozenset({"AB1013", "AB1014", "AB1015", "AB1016"})
_RATE_TEXT = "exceeding access rate"
_TERMINAL = {"COMPLETE": "COMPLETE", "CANCELLED": "CANCELLED", "REJECTED": "REJECTED"}


def _now_ist() -> datetime:
    return datetime.now(IST)


def angelone_error(status: int, body: Any, raw: bytes, headers: Mapping[str, str]) -> BrokerError:
    """The BrokerError for a SmartAPI error reply: its errorcode/errorCode, an SDK error_type, the
    gateway's plain-text rate-limit refusal, or its HTTP status alone."""
    envelope = body if isinstance(body, Mapping) else {}
    code = str(envelope.get("errorcode") or envelope.get("errorCode") or "") or None
    message = str(envelope.get("message") or raw.decode("utf-8", "replace").strip()[:200] or "")
    message = message or f"Angel One answered HTTP {status}"
    if status == 429 or code in _RATE_CODES or _RATE_TEXT in message.lower():
        return BrokerRateLimited(
            message, retry_after_s=retry_after(headers), error_type=code or "RateLimited", status=status
        )
    if envelope.get("error_type"):
        return sdk_exception_error(str(envelope["error_type"]), message, status, headers)
    kind, default = _error_class(code, status)
    return kind(message, error_type=code or default, status=status)


def _error_class(code: str | None, status: int) -> tuple[type[BrokerError], str]:
    """The class of a SmartAPI error code (or, without one, of the HTTP status) and its default name."""
    if code in _AUTH_CODES or (code is None and status in (401, 403)):
        return BrokerAuthError, "TokenException"
    if code in _PERMISSION_CODES or status == 403:
        return BrokerPermissionError, "PermissionException"
    if code in _SERVER_CODES or status >= 500:
        return BrokerUnavailable, "ServerError"
    if code in _INPUT_CODES or status == 400:
        return BrokerInputError, "InputException"
    return BrokerError, "AngelOneError"


def _read(reply: HttpReply, what: str) -> Any:
    """The `data` of a success envelope; None for an empty book ("data": null, or a not-found code)."""
    body = reply.body
    failed = isinstance(body, Mapping) and (
        body.get("status") in (False, "false") or body.get("error_type") or body.get("errorCode")
    )
    if failed or reply.status >= 300:
        code = str(body.get("errorcode") or body.get("errorCode") or "") if isinstance(body, Mapping) else ""
        if reply.status < 300 and code in _EMPTY_CODES:
            return None
        raise angelone_error(reply.status, body, reply.raw, reply.headers)
    if not isinstance(body, Mapping) or body.get("status") not in (True, "true"):
        shape = "not JSON" if body is None else "not a success envelope"
        raise BrokerUnavailable(
            f"Angel One sent a malformed reply to {what} (HTTP {reply.status}, {shape})",
            error_type="DataException",
            status=reply.status,
        )
    return body.get("data")


class AngelOneClient:
    """An Angel One SmartAPI session (Broker) and its logins (BrokerLogin; `login` for client code +
    PIN + TOTP). `deadline` is a `clock()` (monotonic) time: no request or retry wait passes it."""

    def __init__(
        self,
        api_key: str,
        access_token: str = "",
        *,
        base_url: str = ANGELONE_API,
        login_url: str = ANGELONE_LOGIN,
        public_ip: str = "127.0.0.1",
        local_ip: str = "127.0.0.1",
        mac_address: str = "00:00:00:00:00:00",
        now: Callable[[], datetime] = _now_ist,
        **options: Unpack[WireOptions],
    ) -> None:
        self.name: BrokerName = NAME
        self.api_key = api_key
        self.access_token = access_token
        self._login = login_url
        self._ips = (local_ip, public_ip, mac_address)
        self._now = now
        self._wire = Wire("Angel One", base_url, **options)

    # -- the wire --------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        local_ip, public_ip, mac = self._ips
        headers = {
            "Accept": "application/json",
            "X-UserType": "USER",
            "X-SourceID": "WEB",
            "X-ClientLocalIP": local_ip,
            "X-ClientPublicIP": public_ip,
            "X-MACAddress": mac,
            "X-PrivateKey": self.api_key,
        }
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return headers

    def _send(self, method: str, path: str, *, json_body: Any = None) -> Any:
        """The `data` of one call: gated, retried, within the deadline."""
        return self._wire.call(method, path, self._headers(), read=_read, json_body=json_body)

    def _rows(self, path: str) -> list[Mapping[str, Any]]:
        data = self._send("GET", path)
        return self._wire.parse(f"GET {path}", lambda: objects(data or [], "data"))

    # -- login -----------------------------------------------------------------------------------

    def login_url(self, state: str) -> str:
        """The publisher login page; it sends the browser back with auth_token and our state."""
        return f"{self._login}?{urllib.parse.urlencode({'api_key': self.api_key, 'state': state})}"

    def complete_login(self, params: Mapping[str, str]) -> TokenGrant:
        """The publisher login's redirect (auth_token, feed_token, refresh_token), or client code,
        PIN and TOTP for the API login (clientcode, password, totp)."""
        if params.get("auth_token"):
            self.access_token = params["auth_token"]
            extra = {key: params[key] for key in ("refresh_token", "feed_token") if params.get(key)}
            return self._grant(self.access_token, extra)
        if params.get("clientcode") and params.get("password") and params.get("totp"):
            return self.login(params["clientcode"], params["password"], params["totp"])
        raise BrokerInputError(
            "the Angel One login returned no auth_token (nor client code, PIN and TOTP)",
            error_type="InputException",
        )

    def login(self, client_code: str, pin: str, totp: str) -> TokenGrant:
        """The API login: client code, trading PIN and the current TOTP give a jwtToken."""
        self.access_token = ""
        body = {"clientcode": client_code, "password": pin, "totp": totp}
        data = self._send("POST", LOGIN_PATH, json_body=body)

        def tokens() -> tuple[str, dict[str, str]]:
            session = obj(data, "data")
            extra = {
                key: value
                for key, name in (("refresh_token", "refreshToken"), ("feed_token", "feedToken"))
                if (value := opt_text(session, name))
            }
            return text(session, "jwtToken"), extra

        token, extra = self._wire.parse(f"POST {LOGIN_PATH}", tokens)
        self.access_token = token
        return self._grant(token, extra)

    def _grant(self, token: str, extra: Mapping[str, str]) -> TokenGrant:
        data = self._send("GET", PROFILE_PATH)

        def grant() -> TokenGrant:
            user = obj(data, "data")
            return TokenGrant(
                access_token=token,
                broker_user_id=text(user, "clientcode"),
                expires_at=jwt_expiry(token) or self._now() + _TOKEN_LIFETIME,
                user_name=opt_text(user, "name"),
                extra=dict(extra),
            )

        return self._wire.parse(f"GET {PROFILE_PATH}", grant)

    def logout(self) -> None:
        """End the session (POST .../user/v1/logout with the client code: the jwtToken's `username`
        claim, else the profile's), when an account is disconnected."""
        code = jwt_claims(self.access_token).get("username")
        if not isinstance(code, str) or not code:
            data = self._send("GET", PROFILE_PATH)
            code = self._wire.parse(f"GET {PROFILE_PATH}", lambda: text(obj(data, "data"), "clientcode"))
        self._send("POST", LOGOUT_PATH, json_body={"clientcode": code})

    # -- the account -----------------------------------------------------------------------------

    def trades(self) -> list[BrokerFill]:
        today = to_ist(self._now()).date()
        rows = self._rows(TRADE_BOOK_PATH)
        return self._wire.parse(f"GET {TRADE_BOOK_PATH}", lambda: [_fill(row, today) for row in rows])

    def orders(self) -> list[BrokerOrder]:
        rows = self._rows(ORDER_BOOK_PATH)
        return self._wire.parse(f"GET {ORDER_BOOK_PATH}", lambda: [_order(row) for row in rows])

    def positions(self) -> list[BrokerPosition]:
        rows = self._rows(POSITIONS_PATH)
        return self._wire.parse(f"GET {POSITIONS_PATH}", lambda: [_position(row) for row in rows])

    def holdings(self) -> list[BrokerHolding]:
        rows = self._rows(HOLDINGS_PATH)
        return self._wire.parse(f"GET {HOLDINGS_PATH}", lambda: [_holding(row) for row in rows])

    def historical_trades(self, start: date, end: date) -> list[BrokerFill]:
        raise BrokerUnsupported(
            "Angel One has no API for past trades: import its tradebook (CSV) instead",
            error_type="Unsupported",
        )


def _symbol(record: Mapping[str, Any], exchange: str) -> str:
    return plain_symbol(text(record, "tradingsymbol"), exchange)


def _fill(record: Mapping[str, Any], today: date) -> BrokerFill:
    exchange = text(record, "exchange").upper()
    clock = ist_time(f"{today.isoformat()} {record.get('filltime') or ''}", ("%Y-%m-%d %H:%M:%S",))
    executed = clock or ist_time(record.get("filltime"), _TIME_FORMATS)
    if executed is None:
        raise Malformed("filltime is not HH:MM:SS")
    return BrokerFill(
        trade_id=text(record, "fillid"),
        order_id=text(record, "orderid"),
        symbol=_symbol(record, exchange),
        exchange=exchange,
        side=side_of(record, "transactiontype"),
        quantity=integer(record, "fillsize"),
        price=decimal(record, "fillprice"),
        executed_at=executed,
        product=opt_text(record, "producttype"),
    )


def _order(record: Mapping[str, Any]) -> BrokerOrder:
    exchange = text(record, "exchange").upper()
    status = opt_text(record, "orderstatus") or text(record, "status")
    average = opt_decimal(record, "averageprice")
    return BrokerOrder(
        order_id=text(record, "orderid"),
        status=terminal_status(status, _TERMINAL),
        symbol=_symbol(record, exchange),
        exchange=exchange,
        side=side_of(record, "transactiontype"),
        quantity=integer(record, "quantity"),
        filled_quantity=opt_integer(record, "filledshares") or 0,
        average_price=average or None,
        product=opt_text(record, "producttype"),
        placed_at=ist_time(record.get("updatetime"), _TIME_FORMATS),
        status_message=opt_text(record, "text"),
        pending_quantity=opt_integer(record, "unfilledshares"),
        cancelled_quantity=opt_integer(record, "cancelsize"),
        price=opt_decimal(record, "price"),
        trigger_price=opt_decimal(record, "triggerprice"),
        order_type=opt_text(record, "ordertype"),
        variety=opt_text(record, "variety"),
        validity=opt_text(record, "duration"),
        exchange_order_id=opt_text(record, "exchorderid"),
        parent_order_id=opt_text(record, "parentorderid"),
        exchange_at=ist_time(record.get("exchtime"), _TIME_FORMATS),
        updated_at=ist_time(record.get("exchorderupdatetime"), _TIME_FORMATS),
        tag=opt_text(record, "ordertag"),
    )


def _position(record: Mapping[str, Any]) -> BrokerPosition:
    exchange = text(record, "exchange").upper()
    average = opt_decimal(record, "netprice") or opt_decimal(record, "avgnetprice")
    return BrokerPosition(
        symbol=_symbol(record, exchange),
        exchange=exchange,
        product=opt_text(record, "producttype"),
        quantity=integer(record, "netqty"),
        average_price=average or None,
        last_price=opt_decimal(record, "ltp"),
    )


def _holding(record: Mapping[str, Any]) -> BrokerHolding:
    exchange = text(record, "exchange").upper()
    t1 = opt_integer(record, "t1quantity") or 0
    settled = opt_integer(record, "realisedquantity")
    quantity = integer(record, "quantity")
    average = opt_decimal(record, "averageprice")
    return BrokerHolding(
        symbol=_symbol(record, exchange),
        exchange=exchange,
        # `quantity` counts T+1 shares when realisedquantity does not: settled + T+1 either way.
        quantity=max(quantity, (settled if settled is not None else quantity) + t1),
        average_price=average if average else None,
        last_price=opt_decimal(record, "ltp"),
        isin=opt_text(record, "isin"),
        product=opt_text(record, "product"),
        t1_quantity=t1,
        collateral_quantity=opt_integer(record, "collateralquantity") or 0,
        close_price=opt_decimal(record, "close"),
    )
