"""Upstox API v2 (upstox.com/developer/api-documentation): the read side of an account and its login.

Requests carry `Authorization: Bearer <access_token>` and `Accept: application/json`. Success is
{"status": "success", "data": ...}; failure is {"status": "error", "errors": [{"error_code",
"message", "property_path", "invalid_value"}]} (older replies also carry the camelCase errorCode,
propertyPath, invalidValue). Exchanges are NSE, BSE, NFO, BFO, CDS, BCD, MCX, NSCOM; instrument keys
name a segment first ("NSE_FO|52618"). Times are IST.
"""

from __future__ import annotations

import random
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

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
    RequestGate,
    TokenGrant,
    no_gate,
)
from tradetrack.brokers.expiry import DailyExpiry
from tradetrack.brokers.http import (
    HttpReply,
    Malformed,
    decimal,
    integer,
    obj,
    objects,
    opt_decimal,
    opt_text,
    retry_after,
    text,
)
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.brokers.wire import Wire, holding_details, order_details, transaction_side
from tradetrack.observability import logger
from tradetrack.timeutil import IST, to_ist

UPSTOX_API = "https://api.upstox.com"
HISTORY_SEGMENTS = ("EQ", "FO", "COM", "CD")  # every segment but MF (mutual funds are not exchange fills)
HISTORY_PAGE_SIZE = 100
TOKEN_EXPIRY = DailyExpiry(3, 30)  # an Upstox access token dies at the next 03:30 IST
# Upstox's error codes (the error-codes page of its API documentation).
_AUTH_CODES = frozenset({"UDAPI100050", "UDAPI100016"})  # invalid token, invalid credentials
_PERMISSION_CODES = frozenset({"UDAPI100067", "UDAPI100073"})  # not with an extended_token; client inactive
_RATE_CODES = frozenset({"UDAPI10005"})  # too many requests
_SERVER_CODES = frozenset({"UDAPI100500"})  # something went wrong
# The segment part of an instrument key, and what our exchange is for it.
_SEGMENT_EXCHANGE = {
    "NSE_EQ": "NSE",
    "BSE_EQ": "BSE",
    "NSE_FO": "NFO",
    "BSE_FO": "BFO",
    "NCD_FO": "CDS",
    "BCD_FO": "BCD",
    "MCX_FO": "MCX",
    "NSE_COM": "NSCOM",
    "NSE_INDEX": "NSE",
    "BSE_INDEX": "BSE",
    "MCX_INDEX": "MCX",
}
# Historical trades name the exchange (NSE) and the segment (FO) apart.
_DERIVED = {
    ("NSE", "FO"): "NFO",
    ("BSE", "FO"): "BFO",
    ("NSE", "CD"): "CDS",
    ("BSE", "CD"): "BCD",
    ("MCX", "COM"): "MCX",
    ("MCX", "FO"): "MCX",
    ("NSE", "COM"): "NSCOM",
}
_OUR_SEGMENT = {"EQ": "EQ", "FO": "FO", "COM": "COM", "CD": "CDS"}
# "INFY-EQ": an NSE/BSE equity symbol with its series; the exchange knows it as INFY.
_SERIES = re.compile(r"^(?P<symbol>.+?)-(?:EQ|BE|BZ|BL|SM|ST|IL)$")
_BARE_UNDERLYING = re.compile(r"^[A-Z&_.\-]+$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d-%b-%Y %H:%M:%S")

T = TypeVar("T")


def _now_ist() -> datetime:
    return datetime.now(IST)


def upstox_error(status: int, body: Any, headers: Mapping[str, str]) -> BrokerError:
    """The BrokerError for an Upstox error reply (its errors[0], its HTTP status, or both)."""
    envelope = body if isinstance(body, Mapping) else {}
    errors = envelope.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else {}
    code = str(first.get("error_code") or first.get("errorCode") or "") or None
    message = str(first.get("message") or f"Upstox answered HTTP {status}")
    if status == 429 or code in _RATE_CODES:
        return BrokerRateLimited(
            message, retry_after_s=retry_after(headers), error_type=code or "RateLimited", status=status
        )
    if code in _AUTH_CODES or status == 401:
        return BrokerAuthError(message, error_type=code or "Unauthorized", status=status)
    if code in _PERMISSION_CODES or status == 403:
        return BrokerPermissionError(message, error_type=code or "Forbidden", status=status)
    if code in _SERVER_CODES or status >= 500:
        return BrokerUnavailable(message, error_type=code or "ServerError", status=status)
    if status == 400:
        return BrokerInputError(message, error_type=code or "BadRequest", status=status)
    return BrokerError(message, error_type=code or "UpstoxError", status=status)


def _envelope(reply: HttpReply, what: str, *, bare: bool = False) -> Mapping[str, Any]:
    """The success body of a reply; `bare`: the token API answers its object without {"status", "data"}."""
    body = reply.body
    if reply.status >= 300 or (isinstance(body, Mapping) and body.get("status") == "error"):
        raise upstox_error(reply.status, body, reply.headers)
    if isinstance(body, Mapping) and (body.get("status") == "success" or bare):
        return body
    shape = "not JSON" if body is None else "not a success envelope"
    raise BrokerUnavailable(
        f"Upstox sent a malformed reply to {what} (HTTP {reply.status}, {shape})",
        error_type="DataException",
        status=reply.status,
    )


def exchange_of(exchange: str, *, segment: str | None = None, instrument_key: str | None = None) -> str:
    """Our exchange (NSE, BSE, NFO, BFO, CDS, BCD, MCX, NSCOM) for Upstox's way of naming it."""
    if instrument_key and "|" in instrument_key:
        prefix = instrument_key.split("|", 1)[0].upper()
        if prefix in _SEGMENT_EXCHANGE:
            return _SEGMENT_EXCHANGE[prefix]
    name = exchange.strip().upper()
    if name in _SEGMENT_EXCHANGE:
        return _SEGMENT_EXCHANGE[name]
    if segment and (name, segment.upper()) in _DERIVED:
        return _DERIVED[(name, segment.upper())]
    return name


def plain_symbol(symbol: str, exchange: str) -> str:
    """The exchange's symbol: an equity's series suffix goes ("INFY-EQ" is INFY on NSE)."""
    symbol = symbol.strip().upper()
    if exchange in ("NSE", "BSE"):
        match = _SERIES.match(symbol)
        if match:
            return match["symbol"]
    return symbol


def _ist_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=IST)
        except ValueError:
            continue
    return None


def financial_years(start: date, end: date) -> Iterator[tuple[date, date]]:
    """[start, end] cut at Indian financial-year ends (31 March): one historical-trades query each."""
    current = start
    while current <= end:
        year_end = date(current.year + (1 if current.month >= 4 else 0), 3, 31)
        last = min(end, year_end)
        yield current, last
        current = last + timedelta(days=1)


def _fy_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def _trading_symbol(record: Mapping[str, Any]) -> str:
    value = record.get("trading_symbol") or record.get("tradingsymbol")
    if not isinstance(value, str) or not value:
        raise Malformed("trading_symbol is missing")
    return value


class UpstoxClient:
    """An Upstox session (Broker) and the Upstox OAuth login (BrokerLogin).

    `deadline` is a `clock()` (monotonic) time, the Lambda's end: no request or retry wait passes it.
    """

    def __init__(
        self,
        access_token: str = "",
        *,
        api_key: str = "",
        api_secret: str = "",
        redirect_uri: str = "",
        base_url: str = UPSTOX_API,
        gate: RequestGate = no_gate,
        timeout_s: float = 5.0,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _now_ist,
        rand: Callable[[], float] = random.random,
        page_size: int = HISTORY_PAGE_SIZE,
    ) -> None:
        self.name: BrokerName = "upstox"
        self.access_token = access_token
        self.api_key = api_key
        self._secret = api_secret
        self._redirect_uri = redirect_uri
        self._now = now
        self._page_size = page_size
        self._wire = Wire(
            "Upstox", base_url, gate, timeout_s, retry, deadline, sleep=sleep, clock=clock, rand=rand
        )

    # -- the wire --------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        form: Mapping[str, str] | None = None,
        kind: RequestClass = "general",
        bare: bool = False,
    ) -> Mapping[str, Any]:
        """The success body of one call: gated, retried, within the deadline."""
        read = partial(_envelope, bare=bare)
        return self._wire.call(method, path, self._headers(), read=read, query=query, form=form, kind=kind)

    def _list(self, path: str, parse: Callable[[Mapping[str, Any]], T]) -> list[T]:
        body = self._send("GET", path)
        return self._wire.parse(
            f"GET {path}", lambda: [parse(item) for item in objects(body.get("data") or [], "data")]
        )

    # -- login -----------------------------------------------------------------------------------

    def login_url(self, state: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.api_key,
            "redirect_uri": self._redirect_uri,
            "state": state,
        }
        return f"{self._wire.base_url}/v2/login/authorization/dialog?{urllib.parse.urlencode(query)}"

    def complete_login(self, params: Mapping[str, str]) -> TokenGrant:
        """Exchange the redirect's authorization code for an access token (the code is single-use)."""
        code = params.get("code") or ""
        if not code:
            raise BrokerInputError(
                "the Upstox login returned no authorization code", error_type="InputException"
            )
        if not (self.api_key and self._secret and self._redirect_uri):
            raise ValueError("api_key, api_secret and redirect_uri are required to complete an Upstox login")
        form = {
            "code": code,
            "client_id": self.api_key,
            "client_secret": self._secret,
            "redirect_uri": self._redirect_uri,
            "grant_type": "authorization_code",
        }
        body = self._send("POST", "/v2/login/authorization/token", form=form, bare=True)

        def grant() -> TokenGrant:
            session = obj(body["data"], "data") if body.get("status") == "success" else body
            return TokenGrant(
                access_token=text(session, "access_token"),
                broker_user_id=text(session, "user_id"),
                expires_at=TOKEN_EXPIRY.after(self._now()),
                user_name=opt_text(session, "user_name"),
            )

        result = self._wire.parse("POST /v2/login/authorization/token", grant)
        self.access_token = result.access_token
        return result

    def logout(self) -> None:
        """Invalidate the access token (DELETE /v2/logout), when an account is disconnected."""
        self._send("DELETE", "/v2/logout")

    # -- the account -----------------------------------------------------------------------------

    def trades(self) -> list[BrokerFill]:
        return self._list("/v2/order/trades/get-trades-for-day", _fill)

    def orders(self) -> list[BrokerOrder]:
        return self._list("/v2/order/retrieve-all", _order)

    def positions(self) -> list[BrokerPosition]:
        return self._list("/v2/portfolio/short-term-positions", _position)

    def holdings(self) -> list[BrokerHolding]:
        return self._list("/v2/portfolio/long-term-holdings", _holding)

    def historical_trades(self, start: date, end: date) -> list[BrokerFill]:
        """Fills from `start` to `end` (inclusive) in every segment, one financial year and page at a time.

        Upstox keeps the last 3 financial years: earlier dates are not asked for, and a rejected
        query for the oldest year (whether the current one counts among the three) is skipped.
        """
        today = to_ist(self._now()).date()
        current_fy = _fy_start(today)
        oldest = current_fy.replace(year=current_fy.year - 3)
        surely_kept = current_fy.replace(year=current_fy.year - 2)
        fills: list[BrokerFill] = []
        for first, last in financial_years(max(start, oldest), min(end, today)):
            for segment in HISTORY_SEGMENTS:
                try:
                    fills.extend(self._history(segment, first, last))
                except BrokerInputError as exc:
                    if first >= surely_kept:
                        raise
                    logger.warning(
                        "Upstox refused historical trades for an old financial year; skipped",
                        extra={"segment": segment, "from": first.isoformat(), "error_type": exc.error_type},
                    )
        return fills

    def _history(self, segment: str, first: date, last: date) -> list[BrokerFill]:
        path = "/v2/charges/historical-trades"
        fills: list[BrokerFill] = []
        page = 1
        while True:
            query = [
                ("segment", segment),
                ("start_date", first.isoformat()),
                ("end_date", last.isoformat()),
                ("page_number", str(page)),
                ("page_size", str(self._page_size)),
            ]
            rows, pages = self._wire.parse(
                f"GET {path}", partial(_history_page, self._send("GET", path, query=query))
            )
            fills.extend(rows)
            if (pages is not None and page >= pages) or (pages is None and len(rows) < self._page_size):
                return fills
            page += 1


def _fill(record: Mapping[str, Any]) -> BrokerFill:
    exchange = exchange_of(text(record, "exchange"), instrument_key=opt_text(record, "instrument_token"))
    executed = _ist_time(record.get("exchange_timestamp")) or _ist_time(record.get("order_timestamp"))
    if executed is None:
        raise Malformed("a trade has no readable exchange_timestamp or order_timestamp")
    return BrokerFill(
        trade_id=text(record, "trade_id"),
        order_id=text(record, "order_id"),
        symbol=plain_symbol(_trading_symbol(record), exchange),
        exchange=exchange,
        side=transaction_side(record),
        quantity=integer(record, "quantity"),
        price=decimal(record, "average_price"),
        executed_at=executed,
        product=opt_text(record, "product"),
    )


def _order(record: Mapping[str, Any]) -> BrokerOrder:
    exchange = exchange_of(text(record, "exchange"), instrument_key=opt_text(record, "instrument_token"))
    filled = integer(record, "filled_quantity") if record.get("filled_quantity") is not None else 0
    return BrokerOrder(
        order_id=text(record, "order_id"),
        status=text(record, "status").upper(),  # "complete" → COMPLETE, as Kite writes it
        symbol=plain_symbol(_trading_symbol(record), exchange),
        exchange=exchange,
        side=transaction_side(record),
        quantity=integer(record, "quantity"),
        filled_quantity=filled,
        average_price=opt_decimal(record, "average_price") or None,
        product=opt_text(record, "product"),
        placed_at=_ist_time(record.get("order_timestamp")),
        status_message=opt_text(record, "status_message"),
        **order_details(record, _ist_time),
    )


def _position(record: Mapping[str, Any]) -> BrokerPosition:
    exchange = exchange_of(text(record, "exchange"), instrument_key=opt_text(record, "instrument_token"))
    return BrokerPosition(
        symbol=plain_symbol(_trading_symbol(record), exchange),
        exchange=exchange,
        product=opt_text(record, "product"),
        quantity=integer(record, "quantity"),
        average_price=opt_decimal(record, "average_price") or None,
        last_price=opt_decimal(record, "last_price"),
    )


def _holding(record: Mapping[str, Any]) -> BrokerHolding:
    exchange = exchange_of(text(record, "exchange"), instrument_key=opt_text(record, "instrument_token"))
    return BrokerHolding(
        symbol=plain_symbol(_trading_symbol(record), exchange),
        exchange=exchange,
        quantity=integer(record, "quantity"),
        average_price=opt_decimal(record, "average_price") or None,
        last_price=opt_decimal(record, "last_price"),
        isin=opt_text(record, "isin"),
        **holding_details(record),
    )


def _history_page(body: Mapping[str, Any]) -> tuple[list[BrokerFill], int | None]:
    fills = [fill for item in objects(body.get("data") or [], "data") if (fill := _history_fill(item))]
    meta = body.get("meta_data")
    page = meta.get("page") if isinstance(meta, Mapping) else None
    pages = (
        integer(page, "total_pages")
        if isinstance(page, Mapping) and page.get("total_pages") is not None
        else None
    )
    return fills, pages


def _history_fill(record: Mapping[str, Any]) -> BrokerFill | None:
    segment = text(record, "segment").upper()
    if segment not in _OUR_SEGMENT:
        return None  # MF: a mutual fund unit, not an exchange fill
    exchange = exchange_of(
        text(record, "exchange"), segment=segment, instrument_key=opt_text(record, "instrument_token")
    )
    try:
        day = datetime.strptime(text(record, "trade_date"), "%Y-%m-%d")
    except ValueError:
        raise Malformed("trade_date is not YYYY-MM-DD") from None
    return BrokerFill(
        trade_id=text(record, "trade_id"),
        order_id=opt_text(record, "order_id") or "",  # the history has no order ids
        symbol=_history_symbol(record, segment, exchange),
        exchange=exchange,
        side=transaction_side(record),
        quantity=integer(record, "quantity"),
        price=decimal(record, "price"),
        executed_at=day.replace(tzinfo=IST),  # the history has no time of day: 00:00 IST, as the CSV import
        segment=_OUR_SEGMENT[segment],
    )


def _history_symbol(record: Mapping[str, Any], segment: str, exchange: str) -> str:
    """The contract's symbol, named as the Upstox CSV import names it: a derivative row carrying only
    its underlying (NIFTY) gets expiry, strike and option type ("NIFTY 25APR2024 22500 CE", or FUT)."""
    symbol = plain_symbol(str(record.get("symbol") or "") or text(record, "scrip_name"), exchange)
    expiry = opt_text(record, "expiry")
    if segment == "EQ" or not expiry or not _BARE_UNDERLYING.match(symbol):
        return symbol
    try:
        expiry_day = datetime.strptime(expiry, "%Y-%m-%d")
    except ValueError:
        raise Malformed("expiry is not YYYY-MM-DD") from None
    option = (opt_text(record, "option_type") or "").upper()
    strike = opt_decimal(record, "strike_price")
    parts = [symbol, expiry_day.strftime("%d%b%Y").upper()]
    if option:
        parts += [format(strike.normalize(), "f")] if strike else []
        parts.append(option)
    else:
        parts.append("FUT")
    return " ".join(parts)
