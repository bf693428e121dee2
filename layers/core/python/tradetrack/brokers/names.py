"""The names every layer shares about brokers: which brokers there are, how their users log in and
what their APIs can do. No imports: models, sync messages and the registry all read these.

A new broker adds its name to `BrokerName` and its row to tradetrack.brokers.registry (a test
checks that the two agree).
"""

from __future__ import annotations

from typing import Literal, get_args

BrokerName = Literal["zerodha", "upstox", "simulated", "angelone", "breeze", "sharekhan"]
BROKER_NAMES: tuple[BrokerName, ...] = get_args(BrokerName)

# How a user gives TradeTrack a session: a redirect to the broker's login page and back
# (`oauth_redirect`: Kite, Upstox), an API login with the user's credentials (`api_login`: client
# code + PIN + TOTP), or a session token the broker's login page hands back (`session_token`).
LoginKind = Literal["oauth_redirect", "api_login", "session_token"]

# What a broker's API gives us. fills/orders/positions/holdings: today's trade book, order book,
# net positions and demat holdings; charges: exact fees per order; history: fills of past days
# (the first sync's backfill); quotes: market quotes (TradeTrack's quote providers use them).
Capability = Literal["fills", "orders", "positions", "holdings", "charges", "history", "quotes"]
