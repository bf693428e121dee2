"""What the broker clients share on the wire: one call gated, retried and kept within the deadline,
and a reply read without letting a KeyError or TypeError out (both become BrokerUnavailable)."""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypedDict, TypeVar

from tradetrack.brokers.base import (
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerPermissionError,
    BrokerRateLimited,
    BrokerUnavailable,
    RequestClass,
    RequestGate,
    Side,
    no_gate,
)
from tradetrack.brokers.http import (
    HttpReply,
    Malformed,
    opt_decimal,
    opt_integer,
    opt_text,
    request_json,
    retry_after,
)
from tradetrack.brokers.retry import RetryPolicy, with_retries
from tradetrack.timeutil import IST

T = TypeVar("T")


class WireOptions(TypedDict, total=False):
    """A client's say in how its Wire reaches the broker (the Wire's own keyword fields): a client
    takes them as `**options: Unpack[WireOptions]` and hands them on, so no client repeats the list."""

    gate: RequestGate
    timeout_s: float
    retry: RetryPolicy | None
    deadline: float | None
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    rand: Callable[[], float]


@dataclass(frozen=True)
class Wire:
    """How one client reaches its broker. `label` names the broker in errors ("Kite").

    `deadline` is a `clock()` (monotonic) time, the Lambda's end: no request or retry wait passes it.
    """

    label: str
    base_url: str
    gate: RequestGate = no_gate
    timeout_s: float = 5.0
    retry: RetryPolicy | None = None  # None: RetryPolicy()
    deadline: float | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def call(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        *,
        read: Callable[[HttpReply, str], T],
        query: Sequence[tuple[str, str]] = (),
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        kind: RequestClass = "general",
    ) -> T:
        """`read(reply, what)` of one call: gated, retried, within the deadline. No secret in `path`."""
        url = self.base_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        what = f"{method} {path}"

        def once() -> T:
            self.gate(kind)
            timeout = self._timeout_s(what)
            try:
                reply = request_json(method, url, headers, form=form, json_body=json_body, timeout_s=timeout)
            except OSError as exc:
                raise network_error(what, exc) from exc
            return read(reply, what)

        return with_retries(
            once,
            self.retry or RetryPolicy(),
            sleep=self.sleep,
            clock=self.clock,
            deadline=self.deadline,
            rand=self.rand,
            what=what,
        )

    def _timeout_s(self, what: str) -> float:
        """The request timeout, cut to the time left before the deadline (none left: BrokerUnavailable)."""
        if self.deadline is None:
            return self.timeout_s
        left = self.deadline - self.clock()
        if left <= 0:
            raise BrokerUnavailable(f"{what}: no time left before the deadline", error_type="Timeout")
        return min(self.timeout_s, left)

    def parse(self, what: str, parse: Callable[[], T]) -> T:
        """`parse()` of the reply to `what`; an unexpected shape is BrokerUnavailable (DataException)."""
        try:
            return parse()
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise BrokerUnavailable(
                f"{self.label} sent a malformed reply to {what}: {exc}", error_type="DataException"
            ) from exc


def network_error(what: str, exc: OSError) -> BrokerUnavailable:
    reason = getattr(exc, "reason", None)
    if isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError):
        return BrokerUnavailable(f"{what} timed out", error_type="Timeout")
    return BrokerUnavailable(f"{what} failed: {type(reason or exc).__name__}", error_type="NetworkError")


def transaction_side(record: Mapping[str, Any]) -> Side:
    """A record's transaction_type (BUY or SELL), as both brokers write it."""
    value = str(record.get("transaction_type") or "").upper()
    if value == "BUY":
        return "BUY"
    if value == "SELL":
        return "SELL"
    raise Malformed("transaction_type is not BUY or SELL")


_SIDES: dict[str, Side] = {"BUY": "BUY", "B": "BUY", "SELL": "SELL", "S": "SELL"}


def side_of(record: Mapping[str, Any], name: str) -> Side:
    """The side a record's `name` field gives, however the broker spells it: BUY/B/Buy or SELL/S/Sell
    (Angel One transactiontype, Breeze action, ShareKhan buySell)."""
    side = _SIDES.get(str(record.get(name) or "").strip().upper())
    if side is None:
        raise Malformed(f"{name} is not a buy or a sell")
    return side


def ist_time(value: Any, formats: Sequence[str]) -> datetime | None:
    """An IST wall-clock text in the first of `formats` that reads it; None when none does."""
    if not isinstance(value, str) or not value.strip():
        return None
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=IST)
        except ValueError:
            continue
    return None


def jwt_claims(token: str) -> Mapping[str, Any]:
    """The payload of a JWT (read, not verified: the broker checks its own tokens); empty when the
    token is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return {}
    return payload if isinstance(payload, Mapping) else {}


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT; None when the token is not a JWT or carries no expiry."""
    exp = jwt_claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return datetime.fromtimestamp(exp, UTC)


def sdk_exception_error(
    error_type: str, message: str, status: int, headers: Mapping[str, str]
) -> BrokerError:
    """The BrokerError for an error envelope naming a Kite-style exception class ("error_type":
    TokenException, InputException, PermissionException, NetworkException, DataException,
    OrderException, GeneralException), as the Angel One and ShareKhan SDKs raise them by name."""
    if status == 429:
        return BrokerRateLimited(
            message, retry_after_s=retry_after(headers), error_type=error_type, status=status
        )
    kind: type[BrokerError] = {
        "TokenException": BrokerAuthError,
        "InputException": BrokerInputError,
        "PermissionException": BrokerPermissionError,
        "NetworkException": BrokerUnavailable,
        "DataException": BrokerUnavailable,
    }.get(error_type, BrokerUnavailable if status >= 500 else BrokerError)
    return kind(message, error_type=error_type, status=status)


def contract_symbol(
    underlying: str, expiry: datetime | None, strike: Decimal | None, option: str | None
) -> str:
    """A derivative's symbol from its parts, as the CSV imports name contracts: "NIFTY 27FEB2025 24800
    CE" for an option, "NIFTY 27FEB2025 FUT" for a future; the underlying alone without an expiry."""
    if expiry is None:
        return underlying
    parts = [underlying, expiry.strftime("%d%b%Y").upper()]
    if option:
        parts += [format(strike.normalize(), "f")] if strike else []
        parts.append(option.upper())
    else:
        parts.append("FUT")
    return " ".join(parts)


def terminal_status(status: str, terminal: Mapping[str, str]) -> str:
    """A broker's order status as the order book reads it: its terminal statuses mapped to COMPLETE,
    CANCELLED or REJECTED (`terminal`, keys upper case), every other one upper-cased as it is."""
    text = " ".join(status.upper().split())
    return terminal.get(text, text)


class OrderDetails(TypedDict):
    pending_quantity: int | None
    cancelled_quantity: int | None
    price: Decimal | None
    trigger_price: Decimal | None
    order_type: str | None
    variety: str | None
    validity: str | None
    exchange_order_id: str | None
    parent_order_id: str | None
    exchange_at: datetime | None
    updated_at: datetime | None
    tag: str | None


class HoldingDetails(TypedDict):
    product: str | None
    t1_quantity: int
    collateral_quantity: int
    close_price: Decimal | None


def order_details(record: Mapping[str, Any], time_of: Callable[[Any], datetime | None]) -> OrderDetails:
    """The order book fields Kite v3 and Upstox v2 name alike (BrokerOrder's keyword arguments past
    the ones the sync needs); what a broker leaves out is None (Upstox: cancelled quantity, update time)."""
    return {
        "pending_quantity": opt_integer(record, "pending_quantity"),
        "cancelled_quantity": opt_integer(record, "cancelled_quantity"),
        "price": opt_decimal(record, "price"),
        "trigger_price": opt_decimal(record, "trigger_price"),
        "order_type": opt_text(record, "order_type"),
        "variety": opt_text(record, "variety"),
        "validity": opt_text(record, "validity"),
        "exchange_order_id": opt_text(record, "exchange_order_id"),
        "parent_order_id": opt_text(record, "parent_order_id"),
        "exchange_at": time_of(record.get("exchange_timestamp")),
        "updated_at": time_of(record.get("exchange_update_timestamp")),
        "tag": opt_text(record, "tag"),
    }


def holding_details(record: Mapping[str, Any]) -> HoldingDetails:
    """The holdings fields Kite v3 and Upstox v2 name alike (BrokerHolding's keyword arguments)."""
    return {
        "product": opt_text(record, "product"),
        "t1_quantity": opt_integer(record, "t1_quantity") or 0,
        "collateral_quantity": opt_integer(record, "collateral_quantity") or 0,
        "close_price": opt_decimal(record, "close_price"),
    }
