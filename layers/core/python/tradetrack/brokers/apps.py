"""The platform's broker apps (the credentials of TradeTrack's app at each broker) from Secrets Manager.

BROKER_SECRET_NAME holds one JSON object per broker, {"zerodha": {"apiKey", "apiSecret"}, ...}: the
fields each broker needs are its registry row's `secret_fields` (tradetrack.brokers.registry, which
also decides which entries are complete). Read through Powertools Parameters and cached for five
minutes per container.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    # Every non-empty text field of the broker's entry (apiKey and apiSecret included): brokers
    # whose login needs more than a key and secret read the rest from here.
    fields: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, fields: Mapping[str, str]) -> BrokerApp:
        return cls(fields.get("apiKey", ""), fields.get("apiSecret", ""), dict(fields))

    def has(self, names: tuple[str, ...]) -> bool:
        return all(self.fields.get(name) for name in names)


@cache
def _secrets() -> SecretsProvider:
    # Powertools Parameters imports boto3 (~150 ms): made on first use, not at cold start.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=aws_client("secretsmanager"))


def secret_name() -> str:
    return get_settings().broker_secret_name


def broker_apps(what: str) -> dict[str, BrokerApp]:
    """Every broker entry in the secret, with its non-empty text fields (an empty template entry, as
    CDK creates it, has none). `what` names the caller's need in the DependencyUnavailable."""
    name = secret_name()
    try:
        entries = json.loads(str(_secrets().get(name, max_age=MAX_AGE_S)))
        if not isinstance(entries, dict):
            raise TypeError(f"{name} is not a JSON object")
    except Exception as exc:
        raise DependencyUnavailable("broker-apps", f"{what} cannot be read") from exc
    apps: dict[str, BrokerApp] = {}
    for broker, entry in entries.items():
        if isinstance(entry, dict):
            fields = {str(k): str(v) for k, v in entry.items() if isinstance(v, str) and v}
            apps[str(broker)] = BrokerApp.of(fields)
    return apps


def reset_broker_apps() -> None:
    _secrets.cache_clear()
