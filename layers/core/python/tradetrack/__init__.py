"""TradeTrack's shared code, shipped to every function as the core Lambda layer."""

__version__ = "0.1.0"
