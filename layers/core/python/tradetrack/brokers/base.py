"""What every broker client gives the sync pipeline, and the errors it raises.

Clients speak their broker's wire format and return these broker-neutral records; prices are
Decimal (parsed from the JSON text, never through float), times are timezone-aware.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from tradetrack.brokers.names import BrokerName as BrokerName  # noqa: PLC0414 - re-exported for the clients

Side = Literal["BUY", "SELL"]
# Which of a broker's rate limits a request counts against (Kite: 10 req/s general, 1 req/s quotes).
RequestClass = Literal["general", "quote", "order"]
# Blocks until the broker's rate limit admits one more request of this class (the sync worker backs
# it with a Redis token bucket per API key, so every container shares the limit).
RequestGate = Callable[[RequestClass], None]


def no_gate(_: RequestClass) -> None:
    """A gate that admits everything (tests, the simulated broker)."""


@dataclass(frozen=True)
class BrokerFill:
    """One execution (a trade in Kite and Upstox terms): an order fills in one or more of these."""

    trade_id: str  # the broker's id of the fill: our externalId
    order_id: str
    symbol: str  # the trading symbol as the exchange knows it (INFY, NIFTY25DECFUT)
    exchange: str  # NSE, BSE, NFO, BFO, CDS, BCD, MCX
    side: Side
    quantity: int
    price: Decimal
    executed_at: datetime
    product: str | None = None  # CNC, MIS, NRML, MTF (Kite); D, I, MTF (Upstox)
    segment: str | None = None  # EQ, FO, CDS, COM when the broker says; else from the exchange
    fees: Decimal = Decimal(0)  # Upstox historical trades carry charges; elsewhere 0 (charges computed)


@dataclass(frozen=True)
class BrokerOrder:
    order_id: str
    status: str  # the broker's own status text: COMPLETE, OPEN, CANCELLED, REJECTED, ...
    symbol: str
    exchange: str
    side: Side
    quantity: int
    filled_quantity: int
    average_price: Decimal | None
    product: str | None
    placed_at: datetime | None
    status_message: str | None = None
    # The rest of an order book row (Kite v3 /orders; Upstox v2 /order/retrieve-all): stored and served
    # by GET /v1/orders, None where the broker leaves it out.
    pending_quantity: int | None = None
    cancelled_quantity: int | None = None
    price: Decimal | None = None  # the limit price (0 on a market order)
    trigger_price: Decimal | None = None
    order_type: str | None = None  # MARKET, LIMIT, SL, SL-M
    variety: str | None = None  # regular, amo, co, iceberg, auction (Kite); SIMPLE, AMO... (Upstox)
    validity: str | None = None  # DAY, IOC, TTL
    exchange_order_id: str | None = None
    parent_order_id: str | None = None
    exchange_at: datetime | None = None  # exchange_timestamp: when the exchange acknowledged it
    updated_at: datetime | None = None  # exchange_update_timestamp: the last change at the exchange
    tag: str | None = None


@dataclass(frozen=True)
class BrokerPosition:
    """A net position as the broker reports it (positive long, negative short)."""

    symbol: str
    exchange: str
    product: str | None
    quantity: int
    average_price: Decimal | None
    last_price: Decimal | None = None
    multiplier: int = 1  # units per lot: Kite gives MCX (and CDS) quantities in lots


@dataclass(frozen=True)
class BrokerHolding:
    symbol: str
    exchange: str
    quantity: int
    average_price: Decimal | None
    last_price: Decimal | None = None
    isin: str | None = None
    # The rest of a holdings row (Kite v3 /portfolio/holdings; Upstox v2 long-term-holdings):
    # `quantity` above counts units in T+1 settlement where the broker's own quantity does not.
    product: str | None = None
    t1_quantity: int = 0  # bought, still in T+1 settlement
    collateral_quantity: int = 0  # pledged as margin
    close_price: Decimal | None = None  # the previous session's close


@dataclass(frozen=True)
class TokenGrant:
    """What a completed login gives: the access token and whose it is."""

    access_token: str
    broker_user_id: str
    expires_at: datetime  # Kite: the next 06:00 IST; Upstox: the next 03:30 IST
    user_name: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderCharges:
    """Exact fees of one order from the broker's charges API (Kite POST /charges/orders)."""

    order_id: str
    total: Decimal
    breakdown: Mapping[str, Decimal] = field(default_factory=dict)


class BrokerError(Exception):
    """A broker refused or failed a request. `error_type` is the broker's own class of error
    (Kite's error_type, Upstox's errorCode); `retryable` says whether trying again can help."""

    retryable = False

    def __init__(
        self, message: str, *, error_type: str = "GeneralException", status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status


class BrokerAuthError(BrokerError):
    """The access token is invalid or expired (Kite TokenException, HTTP 401/403): log in again."""


class BrokerInputError(BrokerError):
    """The request was wrong (Kite InputException, HTTP 400): retrying the same request cannot help."""


class BrokerPermissionError(BrokerError):
    """The app or user may not do this (Kite PermissionException, Upstox UDAPI100050 and the like)."""


class BrokerUnavailable(BrokerError):
    """5xx, a timeout, a reset connection, Kite NetworkException: try again later."""

    retryable = True


class BrokerRateLimited(BrokerUnavailable):
    """HTTP 429: try again after `retry_after_s`."""

    def __init__(
        self, message: str, *, retry_after_s: float = 1.0, error_type: str = "RateLimited", status: int = 429
    ) -> None:
        super().__init__(message, error_type=error_type, status=status)
        self.retry_after_s = retry_after_s


class BrokerUnsupported(BrokerError):
    """The broker has no API for this (Zerodha: historical trades)."""


class Broker(Protocol):
    """A logged-in broker session: what the sync worker reads."""

    name: BrokerName

    def trades(self) -> list[BrokerFill]:
        """Today's fills."""
        ...

    def orders(self) -> list[BrokerOrder]:
        """Today's orders."""
        ...

    def positions(self) -> list[BrokerPosition]:
        """Net positions (overnight and today's)."""
        ...

    def holdings(self) -> list[BrokerHolding]: ...

    def historical_trades(self, start: date, end: date) -> list[BrokerFill]:
        """Fills between two dates (inclusive); BrokerUnsupported where the broker has no such API."""
        ...


class BrokerLogin(Protocol):
    """The OAuth side of a broker: where to send the user, and how to turn the callback into a token."""

    name: BrokerName

    def login_url(self, state: str) -> str: ...

    def complete_login(self, params: Mapping[str, str]) -> TokenGrant:
        """Exchange the callback's query parameters (Kite request_token, Upstox code) for a token."""
        ...


class BrokerClient(Broker, BrokerLogin, Protocol):
    """What a registry row's client factory makes: one object that is both the login and, given an
    access token, the session (tradetrack.brokers.registry)."""
