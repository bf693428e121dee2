"""Corporate actions that change a holding's units, symbol or ISIN, and parsers of their sources."""
