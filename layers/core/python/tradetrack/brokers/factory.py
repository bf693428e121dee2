"""The client for an account's broker: a login (OAuth) client, or a logged-in session."""

from __future__ import annotations

from tradetrack.brokers.apps import BrokerApp, broker_app
from tradetrack.brokers.base import Broker, BrokerLogin, RequestGate, no_gate
from tradetrack.brokers.kite import KiteClient
from tradetrack.brokers.upstox import UpstoxClient
from tradetrack.config import Settings, get_settings

BROKERS = ("zerodha", "upstox", "simulated")


def callback_url(broker: str, settings: Settings | None = None) -> str:
    """Where the broker sends the browser back (registered in the broker's developer console)."""
    base = (settings or get_settings()).public_api_url.rstrip("/")
    return f"{base}/v1/broker-accounts/callback/{broker}"


def _client(
    broker: str,
    app: BrokerApp,
    access_token: str,
    *,
    settings: Settings,
    gate: RequestGate,
    deadline: float | None,
) -> KiteClient | UpstoxClient:
    timeout = settings.broker_timeout_s
    if broker == "zerodha":
        return KiteClient(
            app.api_key,
            access_token,
            api_secret=app.api_secret,
            base_url=settings.kite_base_url,
            login_url=settings.kite_login_url,
            gate=gate,
            timeout_s=timeout,
            deadline=deadline,
        )
    if broker == "upstox":
        return UpstoxClient(
            access_token,
            api_key=app.api_key,
            api_secret=app.api_secret,
            redirect_uri=callback_url("upstox", settings),
            base_url=settings.upstox_base_url,
            gate=gate,
            timeout_s=timeout,
            deadline=deadline,
        )
    if broker == "simulated":  # speaks Kite v3 from a local server
        base = settings.simulated_broker_url.rstrip("/")
        return KiteClient(
            app.api_key,
            access_token,
            api_secret=app.api_secret,
            base_url=base,
            login_url=f"{base}/connect/login",
            gate=gate,
            timeout_s=timeout,
            deadline=deadline,
            name="simulated",
        )
    raise ValueError(f"unknown broker {broker!r}")


def login_client(broker: str) -> BrokerLogin:
    settings = get_settings()
    return _client(broker, broker_app(broker), "", settings=settings, gate=no_gate, deadline=None)


def session(
    broker: str, access_token: str, *, gate: RequestGate = no_gate, deadline: float | None = None
) -> Broker:
    settings = get_settings()
    return _client(broker, broker_app(broker), access_token, settings=settings, gate=gate, deadline=deadline)
