"""The configured provider (QUOTE_PROVIDER), made once per container."""

from __future__ import annotations

import json
import threading

from tradetrack.config import ConfigError, get_settings
from tradetrack.market.providers.base import QuoteProvider
from tradetrack.market.providers.kite import KiteQuotes
from tradetrack.market.providers.simulated import SimulatedQuotes
from tradetrack.market.providers.upstox import UpstoxQuotes

_lock = threading.Lock()
_provider: QuoteProvider | None = None


def _credentials() -> dict[str, str]:
    """{"apiKey", "accessToken"} from the Secrets Manager secret MARKET_DATA_SECRET_NAME."""
    name = get_settings().market_data_secret_name
    if not name:
        raise ConfigError("MARKET_DATA_SECRET_NAME is required for the kite and upstox quote providers")
    from tradetrack.aws import aws_client

    secret = aws_client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    data = json.loads(secret)
    return {str(k): str(v) for k, v in data.items()}


def build_provider() -> QuoteProvider:
    settings = get_settings()
    if settings.quote_provider == "kite":
        creds = _credentials()
        return KiteQuotes(creds["apiKey"], creds["accessToken"], base_url=settings.kite_base_url)
    if settings.quote_provider == "upstox":
        return UpstoxQuotes(_credentials()["accessToken"], base_url=settings.upstox_base_url)
    return SimulatedQuotes(seed=settings.simulated_feed_seed)


def get_provider() -> QuoteProvider:
    global _provider  # noqa: PLW0603 - one provider (and its rate limit) per container
    with _lock:
        if _provider is None:
            _provider = build_provider()
        return _provider


def use_provider(provider: QuoteProvider | None) -> None:
    global _provider  # noqa: PLW0603
    with _lock:
        _provider = provider
