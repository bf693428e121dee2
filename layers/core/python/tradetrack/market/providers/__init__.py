"""Quote providers behind one interface: Kite, Upstox and a simulated feed."""

from tradetrack.market.providers.base import (
    ProviderError,
    ProviderRateLimited,
    QuoteProvider,
    fetch_in_batches,
)

__all__ = ["ProviderError", "ProviderRateLimited", "QuoteProvider", "fetch_in_batches"]
