"""Risk limits, pre-trade checks and the risk monitor (issue #19; docs/risk.md)."""
