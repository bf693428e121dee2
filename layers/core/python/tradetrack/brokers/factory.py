"""The client for an account's broker, made by its registry row: a login client, or a logged-in session."""

from __future__ import annotations

from tradetrack.brokers import registry
from tradetrack.brokers.base import Broker, BrokerClient, BrokerLogin, RequestGate, no_gate
from tradetrack.config import get_settings


def client(
    broker: str, access_token: str = "", *, gate: RequestGate = no_gate, deadline: float | None = None
) -> BrokerClient:
    row = registry.spec(broker)
    settings = get_settings()
    context = registry.ClientContext(
        app=registry.broker_app(broker),
        access_token=access_token,
        settings=settings,
        gate=gate,
        deadline=deadline,
        callback_url=registry.callback_url(broker, settings),
    )
    return row.client(context)


def login_client(broker: str) -> BrokerLogin:
    return client(broker)


def session(
    broker: str, access_token: str, *, gate: RequestGate = no_gate, deadline: float | None = None
) -> Broker:
    return client(broker, access_token, gate=gate, deadline=deadline)
