"""The broker registry: one row per broker, read by the factory, the catalogue, the limits and CDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args

import pytest

from tradetrack.accounts import service
from tradetrack.brokers import factory, limits, registry
from tradetrack.brokers.apps import BrokerApp
from tradetrack.brokers.base import no_gate
from tradetrack.brokers.names import BROKER_NAMES, BrokerName, Capability
from tradetrack.config import Settings, reset_settings
from tradetrack.errors import Conflict, DependencyUnavailable
from tradetrack.models.executions import Source
from tradetrack.sync.messages import TradeUpdate

APP = BrokerApp.of({"apiKey": "key", "apiSecret": "secret"})


def context(settings: Settings, token: str = "") -> registry.ClientContext:
    return registry.ClientContext(
        app=APP,
        access_token=token,
        settings=settings,
        gate=no_gate,
        deadline=None,
        callback_url="http://api.test/v1/broker-accounts/callback/x",
    )


def test_every_broker_name_has_exactly_one_row() -> None:
    # Given the one BrokerName type / Then the registry has a row per name, and no other
    assert set(registry.REGISTRY) == set(BROKER_NAMES)
    assert all(name == row.name for name, row in registry.REGISTRY.items())
    # And the models and sync messages take exactly those names (an execution's source too)
    assert set(BROKER_NAMES) <= set(get_args(Source))
    assert set(get_args(TradeUpdate.model_fields["broker"].annotation)) == set(BROKER_NAMES)


@pytest.mark.parametrize("name", BROKER_NAMES)
def test_each_row_is_complete(name: BrokerName) -> None:
    # Given a broker's row
    row = registry.REGISTRY[name]
    # Then its base-URL settings exist on Settings, it has a budget per request class,
    # it can at least read fills, and its secret has at least one field
    assert row.url_settings and set(row.url_settings) <= set(Settings.model_fields)
    assert set(row.rate_limits) == {"general", "order", "quote"}
    assert all(rate.capacity > 0 and rate.per_seconds > 0 for rate in row.rate_limits.values())
    assert "fills" in row.capabilities and row.capabilities <= set(get_args(Capability))
    assert row.secret_fields and row.title


@pytest.mark.parametrize("name", BROKER_NAMES)
def test_a_rows_client_is_that_broker_at_its_configured_url(name: BrokerName) -> None:
    # Given settings pointing each base URL at a stub address
    urls = {field: f"http://127.0.0.1:9/{field}" for field in registry.REGISTRY[name].url_settings}
    settings = Settings.model_validate(
        {"STAGE": "local", **{Settings.model_fields[f].alias: u for f, u in urls.items()}}
    )
    # When the row makes a login client
    client = registry.REGISTRY[name].client(context(settings))
    # Then it speaks for that broker, and its login URL leads to the configured host
    assert client.name == name
    assert client.login_url("st4te").startswith("http")


def test_the_rate_limits_are_the_rows() -> None:
    # Given Kite's row (10 requests/s, quotes 1/s) / Then the token buckets are those budgets
    buckets = limits.limits_of("zerodha")
    assert (buckets["general"].capacity, buckets["quote"].capacity) == (10, 1)
    assert len({bucket.name for name in BROKER_NAMES for bucket in limits.limits_of(name).values()}) == (
        3 * len(BROKER_NAMES)
    )


def test_the_catalogue_is_the_registry() -> None:
    # Given the registry / Then GET /v1/brokers' catalogue has one entry per row, in its words
    by_name = {info.broker: info for info in service.CATALOGUE.items}
    assert set(by_name) == set(BROKER_NAMES)
    assert by_name["zerodha"].login_expires == "daily at 06:00 IST"
    assert by_name["upstox"].login_expires == "daily at 03:30 IST"
    assert by_name["upstox"].capabilities.historical_trades is True
    assert by_name["zerodha"].capabilities.exact_charges is True


@pytest.fixture
def apps_in_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, BrokerApp]]:
    apps: dict[str, BrokerApp] = {}
    monkeypatch.setattr(registry, "broker_apps", lambda what: apps)
    yield apps
    reset_settings()


def test_a_deployment_never_offers_the_local_only_simulator(
    apps_in_secret: dict[str, BrokerApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a secret holding the apps of Zerodha and the simulated broker, and an empty Upstox entry
    apps_in_secret.update({"zerodha": APP, "simulated": APP, "upstox": BrokerApp.of({})})
    # When the functions run on a deployed stage
    monkeypatch.setenv("STAGE", "dev")
    reset_settings()
    # Then only Zerodha is configured: the simulator is the local stack's, Upstox has no app
    assert registry.configured_brokers() == {"zerodha"}
    assert [info.broker for info in service.list_brokers().items] == ["zerodha"]
    with pytest.raises(Conflict, match="not configured on this server"):
        service.require_offered("simulated")
    # While the local stack offers the simulator with the same secret
    monkeypatch.setenv("STAGE", "local")
    reset_settings()
    assert registry.configured_brokers() == {"zerodha", "simulated"}


def test_an_app_missing_a_field_of_its_row_is_not_configured(apps_in_secret: dict[str, BrokerApp]) -> None:
    # Given a Zerodha entry with a key but no secret
    apps_in_secret["zerodha"] = BrokerApp.of({"apiKey": "key"})
    # Then Zerodha is not offered, and asking for its app says which secret and fields
    assert "zerodha" not in registry.configured_brokers()
    with pytest.raises(DependencyUnavailable, match="apiKey, apiSecret"):
        registry.broker_app("zerodha")


def test_the_factory_builds_the_rows_client(apps_in_secret: dict[str, BrokerApp]) -> None:
    # Given Upstox's app / When the factory makes a session for it
    apps_in_secret["upstox"] = APP
    session = factory.session("upstox", "t0ken")
    # Then it is an Upstox client; and an unknown broker is refused
    assert session.name == "upstox"
    with pytest.raises(ValueError, match="unknown broker"):
        factory.session("nosuch", "t0ken")
