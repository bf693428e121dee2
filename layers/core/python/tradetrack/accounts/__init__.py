"""Broker accounts: connecting one (the OAuth login, oauth.py), listing, disconnecting and syncing
them (service.py), and serving what the sync stored (orderbook.py). Broker clients are in
tradetrack.brokers; the sync pipeline (tradetrack.sync) is imported from here, never the reverse."""
