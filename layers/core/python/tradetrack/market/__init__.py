"""Market data: the NSE calendar, quote providers, the quote cache, subscriptions, the feed and alerts."""
