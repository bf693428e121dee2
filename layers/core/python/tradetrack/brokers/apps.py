"""The platform's broker apps (api key and secret per broker) from Secrets Manager.

BROKER_SECRET_NAME holds {"zerodha": {"apiKey", "apiSecret"}, "upstox": {...}, "simulated": {...}};
read through Powertools Parameters and cached for five minutes per container.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.errors import DependencyUnavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

MAX_AGE_S = 300


@dataclass(frozen=True)
class BrokerApp:
    api_key: str
    api_secret: str


@cache
def _secrets() -> SecretsProvider:
    # Powertools Parameters imports boto3 (~150 ms): made on first use, not at cold start.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=aws_client("secretsmanager"))


def _apps(what: str) -> dict[str, BrokerApp]:
    """Every broker app in the secret with both its apiKey and apiSecret set (an empty template
    entry, as CDK creates it, is not configured)."""
    name = get_settings().broker_secret_name
    try:
        entries = json.loads(str(_secrets().get(name, max_age=MAX_AGE_S)))
        if not isinstance(entries, dict):
            raise TypeError(f"{name} is not a JSON object")
    except Exception as exc:
        raise DependencyUnavailable("broker-apps", f"{what} cannot be read") from exc
    apps: dict[str, BrokerApp] = {}
    for broker, entry in entries.items():
        if isinstance(entry, dict):
            api_key, api_secret = str(entry.get("apiKey") or ""), str(entry.get("apiSecret") or "")
            if api_key and api_secret:
                apps[str(broker)] = BrokerApp(api_key, api_secret)
    return apps


def broker_app(broker: str) -> BrokerApp:
    """The app credentials for `broker`; DependencyUnavailable when they are not configured."""
    app = _apps(f"the {broker} app credentials").get(broker)
    if app is None:
        name = get_settings().broker_secret_name
        raise DependencyUnavailable("broker-apps", f"the {broker} app is not configured ({name})")
    return app


def configured_brokers() -> frozenset[str]:
    """The brokers whose app credentials are configured: the only ones GET /v1/brokers offers."""
    return frozenset(_apps("the broker apps"))


def reset_broker_apps() -> None:
    _secrets.cache_clear()
