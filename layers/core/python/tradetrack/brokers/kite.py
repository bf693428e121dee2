"""Zerodha Kite Connect v3 (kite.trade/docs/connect/v3): the read side of an account and its login.

Every request carries `X-Kite-Version: 3` and `Authorization: token api_key:access_token`. Success is
{"status": "success", "data": ...}; failure is {"status": "error", "message", "error_type"} with a
4xx/5xx status (TokenException comes with 403). Times are "YYYY-MM-DD HH:MM:SS" in IST.
The journal is read-only: this client never places, modifies or cancels an order.
"""

from __future__ import annotations

import hashlib
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

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
    OrderCharges,
    RequestClass,
    RequestGate,
    TokenGrant,
    no_gate,
)
from tradetrack.brokers.expiry import DailyExpiry
from tradetrack.brokers.http import (
    HttpReply,
    Malformed,
    obj,
    objects,
    opt_text,
    retry_after,
    text,
)
from tradetrack.brokers.kite_records import (
    ChargeRequest,
    KiteProfile,
    charges_of,
    fill_of,
    holding_of,
    order_of,
    path_segment,
    position_of,
)
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.brokers.wire import Wire
from tradetrack.timeutil import IST, to_ist

KITE_API = "https://api.kite.trade"
KITE_LOGIN = "https://kite.zerodha.com/connect/login"
TOKEN_EXPIRY = DailyExpiry(6, 0)  # a Kite access token dies at the next 06:00 IST
_UNAVAILABLE = frozenset({"NetworkException", "DataException"})


def _now_ist() -> datetime:
    return datetime.now(IST)


def kite_error(status: int, body: Any, headers: Mapping[str, str]) -> BrokerError:
    """The BrokerError for a Kite error reply (an error envelope, an HTTP error status, or both)."""
    envelope = body if isinstance(body, Mapping) else {}
    error_type = str(envelope.get("error_type") or "") or None
    message = str(envelope.get("message") or f"Kite answered HTTP {status}")
    if status == 429:
        return BrokerRateLimited(
            message, retry_after_s=retry_after(headers), error_type=error_type or "RateLimited", status=status
        )
    if error_type == "TokenException" or (error_type is None and status in (401, 403)):
        return BrokerAuthError(message, error_type="TokenException", status=status)
    if error_type == "InputException" or (error_type is None and status == 400):
        return BrokerInputError(message, error_type="InputException", status=status)
    if error_type == "PermissionException":
        return BrokerPermissionError(message, error_type=error_type, status=status)
    if error_type in _UNAVAILABLE or status >= 500:
        return BrokerUnavailable(message, error_type=error_type or "GeneralException", status=status)
    return BrokerError(message, error_type=error_type or "GeneralException", status=status)


def _success_data(reply: HttpReply, what: str) -> Any:
    body = reply.body
    if isinstance(body, Mapping) and (body.get("status") == "error" or body.get("error_type")):
        raise kite_error(reply.status, body, reply.headers)
    if reply.status >= 300:
        raise kite_error(reply.status, body, reply.headers)
    if not isinstance(body, Mapping) or body.get("status") != "success" or "data" not in body:
        shape = "not JSON" if body is None else "not a success envelope"
        raise BrokerUnavailable(
            f"Kite sent a malformed reply to {what} (HTTP {reply.status}, {shape})",
            error_type="DataException",
            status=reply.status,
        )
    return body["data"]


def parse_order_id(body: Any) -> str:
    """The order_id of an order placement/modification/cancellation reply (the journal never sends one)."""
    reply = HttpReply(200, {}, body)
    try:
        return text(obj(_success_data(reply, "an order request"), "data"), "order_id")
    except Malformed as exc:
        raise BrokerUnavailable(
            f"Kite sent a malformed order reply: {exc}", error_type="DataException"
        ) from exc


class KiteClient:
    """A Kite Connect session (Broker) and the Kite login (BrokerLogin) for one API key.

    `deadline` is a `clock()` (monotonic) time, the Lambda's end: no request or retry wait passes it.
    `name` is "simulated" for the simulated broker, which speaks Kite's format.
    """

    def __init__(
        self,
        api_key: str,
        access_token: str = "",
        *,
        api_secret: str = "",
        name: BrokerName = "zerodha",
        base_url: str = KITE_API,
        login_url: str = KITE_LOGIN,
        gate: RequestGate = no_gate,
        timeout_s: float = 5.0,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _now_ist,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.name: BrokerName = name
        self.api_key = api_key
        self.access_token = access_token
        self._secret = api_secret
        self._login = login_url
        self._now = now
        self._wire = Wire(
            "Kite", base_url, gate, timeout_s, retry, deadline, sleep=sleep, clock=clock, rand=rand
        )

    # -- the wire --------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"X-Kite-Version": "3"}
        if self.access_token:
            headers["Authorization"] = f"token {self.api_key}:{self.access_token}"
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        kind: RequestClass = "general",
    ) -> Any:
        """The `data` of one call: gated, retried, within the deadline. `path` must not hold a secret."""
        return self._wire.call(
            method,
            path,
            self._headers(),
            read=_success_data,
            query=query,
            form=form,
            json_body=json_body,
            kind=kind,
        )

    def _today(self) -> date:
        return to_ist(self._now()).date()

    # -- login -----------------------------------------------------------------------------------

    def login_url(self, state: str) -> str:
        """Kite's login page; Kite hands `redirect_params` (our state) back on the redirect."""
        query = {
            "v": "3",
            "api_key": self.api_key,
            "redirect_params": urllib.parse.urlencode({"state": state}),
        }
        return f"{self._login}?{urllib.parse.urlencode(query)}"

    def complete_login(self, params: Mapping[str, str]) -> TokenGrant:
        """Exchange the redirect's request_token (status=success) for an access token."""
        request_token = params.get("request_token") or ""
        if params.get("status") != "success" or not request_token:
            raise BrokerInputError(
                f"the Kite login did not succeed (status {params.get('status') or 'missing'})",
                error_type="InputException",
            )
        if not self._secret:
            raise ValueError("api_secret is required to complete a Kite login")
        checksum = hashlib.sha256((self.api_key + request_token + self._secret).encode()).hexdigest()
        form = {"api_key": self.api_key, "request_token": request_token, "checksum": checksum}
        data = self._send("POST", "/session/token", form=form)

        def grant() -> TokenGrant:
            session = obj(data, "data")
            extra = {"login_time": str(session["login_time"])} if session.get("login_time") else {}
            return TokenGrant(
                access_token=text(session, "access_token"),
                broker_user_id=text(session, "user_id"),
                expires_at=TOKEN_EXPIRY.after(self._now()),
                user_name=opt_text(session, "user_name"),
                extra=extra,
            )

        result = self._wire.parse("POST /session/token", grant)
        self.access_token = result.access_token
        return result

    def logout(self) -> None:
        """Invalidate the access token (DELETE /session/token), when an account is disconnected."""
        self._send(
            "DELETE", "/session/token", query=[("api_key", self.api_key), ("access_token", self.access_token)]
        )

    def profile(self) -> KiteProfile:
        data = self._send("GET", "/user/profile")

        def parse() -> KiteProfile:
            user = obj(data, "data")
            return KiteProfile(
                user_id=text(user, "user_id"),
                user_name=opt_text(user, "user_name"),
                email=opt_text(user, "email"),
                broker=opt_text(user, "broker"),
                exchanges=tuple(str(item) for item in user.get("exchanges") or ()),
                products=tuple(str(item) for item in user.get("products") or ()),
            )

        return self._wire.parse("GET /user/profile", parse)

    # -- the account -----------------------------------------------------------------------------

    def trades(self) -> list[BrokerFill]:
        data = self._send("GET", "/trades")
        today = self._today()
        return self._wire.parse(
            "GET /trades", lambda: [fill_of(item, today) for item in objects(data, "data")]
        )

    def order_trades(self, order_id: str) -> list[BrokerFill]:
        path = f"/orders/{path_segment(order_id)}/trades"
        data = self._send("GET", path)
        today = self._today()
        return self._wire.parse(
            f"GET {path}", lambda: [fill_of(item, today) for item in objects(data, "data")]
        )

    def orders(self) -> list[BrokerOrder]:
        data = self._send("GET", "/orders")
        today = self._today()
        return self._wire.parse(
            "GET /orders", lambda: [order_of(item, today) for item in objects(data, "data")]
        )

    def order_history(self, order_id: str) -> list[BrokerOrder]:
        """Every state the order went through, oldest first (GET /orders/{order_id})."""
        path = f"/orders/{path_segment(order_id)}"
        data = self._send("GET", path)
        today = self._today()
        return self._wire.parse(
            f"GET {path}", lambda: [order_of(item, today) for item in objects(data, "data")]
        )

    def positions(self) -> list[BrokerPosition]:
        """The net positions (Kite's "net" list: overnight and today's together)."""
        data = self._send("GET", "/portfolio/positions")
        return self._wire.parse(
            "GET /portfolio/positions",
            lambda: [position_of(item) for item in objects(obj(data, "data").get("net"), "net")],
        )

    def holdings(self) -> list[BrokerHolding]:
        data = self._send("GET", "/portfolio/holdings")
        return self._wire.parse(
            "GET /portfolio/holdings", lambda: [holding_of(item) for item in objects(data, "data")]
        )

    def historical_trades(self, start: date, end: date) -> list[BrokerFill]:
        raise BrokerUnsupported(
            "Zerodha has no API for past trades: import the Console tradebook (CSV) instead",
            error_type="Unsupported",
        )

    def order_charges(self, orders: Sequence[ChargeRequest | BrokerOrder]) -> list[OrderCharges]:
        """Exact charges of executed orders (POST /charges/orders), in the order given."""
        requests = [item if isinstance(item, ChargeRequest) else ChargeRequest.of(item) for item in orders]
        if not requests:
            return []
        data = self._send("POST", "/charges/orders", json_body=[request.to_json() for request in requests])
        return self._wire.parse("POST /charges/orders", lambda: charges_of(requests, data))
