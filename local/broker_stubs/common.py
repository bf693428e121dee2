"""What the Angel One, Breeze and ShareKhan stub servers share: a small trading book per user (fills,
the orders and net positions they make, holdings), access tokens a restart does not forget, the
request log, fault injection, and an aiohttp app whose errors each stub writes in its broker's shape.

The book is broker-neutral; each stub renders it in its broker's wire format. `demo_day()` seeds a
day: an INFY round trip, an open RELIANCE buy, a cancelled order, and two holdings.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from aiohttp import web

from local.app_server import AppServer
from local.broker_faults import FaultInjection
from tradetrack.brokers.http import dumps
from tradetrack.timeutil import IST, to_ist

Clock = Callable[[], datetime]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Side = Literal["BUY", "SELL"]
OrderStatus = Literal["COMPLETE", "CANCELLED", "REJECTED", "OPEN"]


@dataclass(frozen=True)
class StubOrder:
    order_id: str
    symbol: str  # the exchange's symbol (INFY)
    exchange: str  # NSE, BSE, NFO, ...
    side: Side
    quantity: int
    price: Decimal  # the limit price; the fills' price
    placed_at: time  # IST, today
    status: OrderStatus = "COMPLETE"
    product: str = "CNC"  # our neutral product: CNC (delivery), MIS (intraday), NRML (carry forward)
    fills: int = 1  # how many fills a complete order has (its quantity split evenly, the rest in the last)
    message: str = ""

    def fill_quantities(self) -> list[int]:
        if self.status != "COMPLETE":
            return []
        share, rest = divmod(self.quantity, self.fills)
        return [share] * (self.fills - 1) + [share + rest]


@dataclass(frozen=True)
class StubFill:
    trade_id: str
    order: StubOrder
    quantity: int
    at: datetime  # IST


@dataclass(frozen=True)
class StubHolding:
    symbol: str
    exchange: str
    isin: str
    quantity: int
    average_price: Decimal
    last_price: Decimal
    close_price: Decimal


@dataclass(frozen=True)
class StubPosition:
    symbol: str
    exchange: str
    product: str
    quantity: int  # signed
    average_price: Decimal
    buy_quantity: int
    sell_quantity: int


@dataclass
class StubBook:
    """One user's day at the broker: orders (their fills follow) and holdings."""

    orders: list[StubOrder] = field(default_factory=list)
    holdings: list[StubHolding] = field(default_factory=list)

    def fills(self, day: datetime) -> list[StubFill]:
        """Today's fills, a second apart from each order's placing."""
        local = to_ist(day).date()
        result: list[StubFill] = []
        for order in self.orders:
            for number, quantity in enumerate(order.fill_quantities(), start=1):
                at = datetime.combine(local, order.placed_at, IST) + timedelta(seconds=number)
                result.append(StubFill(f"{order.order_id}{number:02d}", order, quantity, at))
        return result

    def positions(self, day: datetime) -> list[StubPosition]:
        """Net positions of today's fills, by symbol, exchange and product (buy-weighted average)."""
        keyed: dict[tuple[str, str, str], list[StubFill]] = {}
        for fill in self.fills(day):
            keyed.setdefault((fill.order.symbol, fill.order.exchange, fill.order.product), []).append(fill)
        positions = []
        for (symbol, exchange, product), fills in keyed.items():
            bought = sum(f.quantity for f in fills if f.order.side == "BUY")
            sold = sum(f.quantity for f in fills if f.order.side == "SELL")
            side = "BUY" if bought >= sold else "SELL"
            sided = [f for f in fills if f.order.side == side]
            value = sum((f.order.price * f.quantity for f in sided), Decimal(0))
            count = sum(f.quantity for f in sided)
            average = (value / count).quantize(Decimal("0.01")) if count else Decimal(0)
            positions.append(StubPosition(symbol, exchange, product, bought - sold, average, bought, sold))
        return positions


def demo_day() -> StubBook:
    """A day a sync can journal: an INFY round trip in two fills, an open RELIANCE buy, a cancelled
    order, and two delivery holdings."""
    return StubBook(
        orders=[
            StubOrder("2411201000001", "INFY", "NSE", "BUY", 10, Decimal("1500.50"), time(9, 20, 5), fills=2),
            StubOrder("2411201000002", "INFY", "NSE", "SELL", 10, Decimal("1512.25"), time(10, 5, 40)),
            StubOrder("2411201000003", "RELIANCE", "NSE", "BUY", 5, Decimal("2400.00"), time(11, 2, 0)),
            StubOrder(
                "2411201000004",
                "TCS",
                "NSE",
                "BUY",
                1,
                Decimal("3000.00"),
                time(11, 30, 0),
                status="CANCELLED",
                message="Cancelled by the user",
            ),
        ],
        holdings=[
            StubHolding(
                "TCS", "NSE", "INE467B01029", 3, Decimal("3310.40"), Decimal("3342.15"), Decimal("3330.00")
            ),
            StubHolding(
                "HDFCBANK", "NSE", "INE040A01034", 12, Decimal("1502.75"), Decimal("1611.30"), Decimal("1600")
            ),
        ],
    )


class StubError(Exception):
    """Raised by a stub's handler: answered in the broker's error shape by `error_reply`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """`body` as JSON, a Decimal as its exact number."""
    return web.Response(
        text=dumps(body), status=status, content_type="application/json", headers=headers or {}
    )


class StubBrokerServer(FaultInjection, AppServer):
    """A broker stand-in over StubBooks: tokens, the request log, faults, and its error shape.

    A subclass adds its routes (`routes`) and writes its broker's error envelope (`error_reply`);
    `fail_next(status, code)` answers the next requests with that error (429 and 5xx as its broker
    sends them). `now` is the server's clock (tests move it)."""

    thread_name = "broker-stub"

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        books: dict[str, StubBook] | None = None,
        redirect_url: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        now: Clock | None = None,
    ) -> None:
        FaultInjection.__init__(self)
        AppServer.__init__(self, host, port)
        self.api_key = api_key
        self.api_secret = api_secret
        self.books: dict[str, StubBook] = books if books is not None else {}
        self.redirect_url = redirect_url
        self.now: Clock = now or (lambda: datetime.now(UTC))
        self.requests: deque[tuple[str, str]] = deque(maxlen=10_000)
        self.revoked_users: set[str] = set()  # logged out or expired: TokenException until a new login

    # -- tokens ------------------------------------------------------------------------------------

    def mac(self, purpose: str, user_id: str) -> str:
        return hmac.new(
            self.api_secret.encode(), f"{purpose}:{user_id}".encode(), hashlib.sha256
        ).hexdigest()[:32]

    def access_token(self, user_id: str) -> str:
        """The session token a login of `user_id` gives (tests can seed a connection with it)."""
        return f"{user_id}.{self.mac('access', user_id)}"

    def token_user(self, token: str) -> str | None:
        """Whose session `token` is; None when it is not one of ours or its user was logged out."""
        user_id, _, mac = token.rpartition(".")
        valid = bool(user_id) and hmac.compare_digest(mac, self.mac("access", user_id))
        return user_id if valid and user_id not in self.revoked_users else None

    def revoke(self, user_id: str) -> None:
        """Expire `user_id`'s session until the user logs in again."""
        self.revoked_users.add(user_id)

    def log_in(self, user_id: str) -> str:
        """A new session for `user_id` (a login): its token."""
        self.revoked_users.discard(user_id)
        return self.access_token(user_id)

    def redirect(self, params: Mapping[str, str]) -> web.Response:
        """The login page's answer: back to `redirect_url` with `params` added to its query."""
        separator = "&" if "?" in self.redirect_url else "?"
        return web.Response(
            status=302, headers={"Location": f"{self.redirect_url}{separator}{urlencode(params)}"}
        )

    def book(self, user_id: str) -> StubBook:
        return self.books.setdefault(user_id, StubBook())

    # -- the app -------------------------------------------------------------------------------------

    def routes(self) -> Iterable[web.RouteDef]:
        raise NotImplementedError

    def error_reply(self, status: int, code: str, message: str, retry_after_s: float | None) -> web.Response:
        raise NotImplementedError

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(list(self.routes()))
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        fault = self._take_fault(request.path)
        if fault is not None:
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.status:
                return self.error_reply(fault.status, fault.error_type, fault.message, fault.retry_after_s)
        try:
            return await handler(request)
        except StubError as error:
            return self.error_reply(error.status, error.code, error.message, None)
        except web.HTTPNotFound:
            return self.error_reply(404, "", "Route not found", None)
        except web.HTTPMethodNotAllowed:
            return self.error_reply(405, "", "Method not allowed", None)
