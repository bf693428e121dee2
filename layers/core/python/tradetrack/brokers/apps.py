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


def broker_app(broker: str) -> BrokerApp:
    """The app credentials for `broker`; DependencyUnavailable when they are not configured."""
    name = get_settings().broker_secret_name
    try:
        raw = _secrets().get(name, max_age=MAX_AGE_S)
        entry = json.loads(str(raw)).get(broker) or {}
    except Exception as exc:
        raise DependencyUnavailable("broker-apps", f"the {broker} app credentials cannot be read") from exc
    api_key, api_secret = str(entry.get("apiKey") or ""), str(entry.get("apiSecret") or "")
    if not api_key or not api_secret:
        raise DependencyUnavailable("broker-apps", f"the {broker} app is not configured ({name})")
    return BrokerApp(api_key, api_secret)


def reset_broker_apps() -> None:
    _secrets.cache_clear()
