"""The local stack's real broker apps from ZERODHA_API_KEY/SECRET and UPSTOX_API_KEY/SECRET: what
`make dev` puts in the broker-apps secret, and so what GET /v1/brokers offers besides the simulator."""

from __future__ import annotations

import pytest

from local.brokers import SIMULATED_APP
from local.config import BROKER_APP_VARIABLES, LocalConfig
from local.stack import LocalStack
from tradetrack.brokers.registry import REGISTRY, spec


def test_no_variables_offer_only_the_simulated_broker() -> None:
    # Given an environment without broker app variables
    config = LocalConfig.from_env({})
    # Then no real app is configured, and the stack stores only the simulated broker's
    assert config.broker_apps == {}
    assert LocalStack.from_config(config).broker_apps == {"simulated": SIMULATED_APP}


def test_a_key_and_secret_configure_that_broker() -> None:
    # Given Zerodha's and Upstox's app variables (with stray spaces)
    env = {
        "ZERODHA_API_KEY": " kitekey ",
        "ZERODHA_API_SECRET": "kitesecret",
        "UPSTOX_API_KEY": "upkey",
        "UPSTOX_API_SECRET": "upsecret",
    }
    # When the stack's configuration is read
    config = LocalConfig.from_env(env)
    # Then both apps are configured, next to the simulated broker's
    assert LocalStack.from_config(config).broker_apps == {
        "simulated": SIMULATED_APP,
        "zerodha": {"apiKey": "kitekey", "apiSecret": "kitesecret"},
        "upstox": {"apiKey": "upkey", "apiSecret": "upsecret"},
    }


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"ZERODHA_API_KEY": "kitekey"}, "ZERODHA_API_SECRET"),
        ({"UPSTOX_API_SECRET": "upsecret"}, "UPSTOX_API_KEY"),
    ],
)
def test_half_an_app_is_refused_at_start(env: dict[str, str], missing: str) -> None:
    # Given a key without its secret (or the reverse) / When the configuration is read
    with pytest.raises(SystemExit) as refused:
        LocalConfig.from_env(env)
    # Then the stack does not start, naming the missing variable
    assert missing in str(refused.value)


def test_every_deployable_broker_of_the_registry_is_configured_by_its_variables() -> None:
    # Given a variable set for each field of every deployable broker's app (ZERODHA_API_KEY, ...)
    env = {name: f"v-{name}" for variables in BROKER_APP_VARIABLES.values() for name in variables.values()}
    # When the stack's configuration is read
    config = LocalConfig.from_env(env)
    # Then every broker of the registry but the local-only simulator has its app, field by field
    assert set(config.broker_apps) == {name for name, row in REGISTRY.items() if not row.local_only}
    zerodha = config.broker_apps["zerodha"]
    assert zerodha == {"apiKey": "v-ZERODHA_API_KEY", "apiSecret": "v-ZERODHA_API_SECRET"}
    for name, app in config.broker_apps.items():
        assert set(app) == set(spec(name).secret_fields)
