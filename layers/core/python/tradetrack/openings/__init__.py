"""Opening lots: holdings bought before the journal's data starts (docs/opening-lots.md)."""
