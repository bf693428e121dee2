"""Every index the application's queries rely on, declared in code and created idempotently.

Each feature adds its collection's indexes to INDEXES. Rules (ARCHITECTURE.md, "Storage"):
plain and unique indexes only; no TTL, partial or text indexes (FerretDB v1 must run them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

__all__ = ["ASCENDING", "DESCENDING", "INDEXES", "SCANS", "IndexModel", "ensure_indexes"]

INDEXES: dict[str, list[IndexModel]] = {
    "users": [
        IndexModel([("emailLower", ASCENDING)], unique=True, name="email_unique"),
    ],
    "executions": [
        IndexModel(
            [
                ("userId", ASCENDING),
                ("accountId", ASCENDING),
                ("source", ASCENDING),
                ("externalId", ASCENDING),
            ],
            unique=True,
            name="execution_identity",
        ),
        IndexModel(
            [
                ("userId", ASCENDING),
                ("accountId", ASCENDING),
                ("instrument", ASCENDING),
                ("executedAt", ASCENDING),
            ],
            name="by_instrument",
        ),
        # GET /v1/executions, newest first with _id as the keyset tie-break, and its filters
        IndexModel(
            [("userId", ASCENDING), ("executedAt", DESCENDING), ("_id", DESCENDING)], name="by_user_newest"
        ),
        IndexModel(
            [("userId", ASCENDING), ("symbol", ASCENDING), ("executedAt", DESCENDING), ("_id", DESCENDING)],
            name="by_symbol_newest",
        ),
        IndexModel(
            [
                ("userId", ASCENDING),
                ("accountId", ASCENDING),
                ("executedAt", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="by_account_newest",
        ),
        IndexModel(
            [("userId", ASCENDING), ("source", ASCENDING), ("executedAt", DESCENDING), ("_id", DESCENDING)],
            name="by_source_newest",
        ),
        # the symbol an ISIN was last traded under (tradetrack.db.executions.latest_symbol_of_isin)
        IndexModel(
            [("userId", ASCENDING), ("isin", ASCENDING), ("executedAt", DESCENDING), ("_id", DESCENDING)],
            name="by_isin_newest",
        ),
        # A corporate action's holders, across users (tradetrack.corporate.service.recompute_holders)
        IndexModel([("instrument", ASCENDING), ("userId", ASCENDING)], name="by_instrument_holder"),
        # a user's contracts of one underlying, by instrument-key prefix (tradetrack.expiries.service)
        IndexModel([("userId", ASCENDING), ("instrument", ASCENDING)], name="by_user_instrument"),
    ],
    # GET /v1/imports: a user's imports, newest first, (createdAt, _id) keyset (tradetrack.db.imports)
    "imports": [
        IndexModel(
            [("userId", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)], name="by_user_newest"
        ),
    ],
    # GET /v1/reports: a user's reports, newest first, (createdAt, _id) keyset (tradetrack.reports.repository)
    "reports": [
        IndexModel(
            [("userId", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)], name="by_user_newest"
        ),
    ],
    # the symbols an ISIN is known by (tradetrack.db.instrument_aliases.symbol_keys_of); reads by _id
    "instrument_aliases": [
        IndexModel([("isin", ASCENDING)], name="by_isin"),
    ],
    # the stock derivatives that delivered into a user's equity (tradetrack.db.deliveries)
    "deliveries": [
        IndexModel([("userId", ASCENDING), ("equity", ASCENDING)], name="by_user_equity"),
    ],
    # a user's FMVs of 31 Jan 2018 (tradetrack.db.fmv.fmv_of)
    "fmv_2018": [
        IndexModel([("userId", ASCENDING), ("isin", ASCENDING)], name="by_user_isin"),
    ],
    # a user's settlement prices, latest expiry first (tradetrack.db.settlements.list_for)
    "settlements": [
        IndexModel(
            [("userId", ASCENDING), ("expiry", DESCENDING), ("_id", ASCENDING)], name="by_user_expiry"
        ),
    ],
    "trades": [
        IndexModel(
            [("userId", ASCENDING), ("accountId", ASCENDING), ("instrument", ASCENDING)], name="by_instrument"
        ),
        IndexModel(
            [("userId", ASCENDING), ("openedAt", DESCENDING), ("_id", DESCENDING)], name="by_user_opened"
        ),
        # GET /v1/trades filtered by status, symbol, category, tag or account: newest opened first with
        # the keyset's _id tie-break, so a rare filter value reads only its own trades, in order
        *(
            IndexModel(
                [("userId", ASCENDING), (key, ASCENDING), ("openedAt", DESCENDING), ("_id", DESCENDING)],
                name=f"by_{name}_newest",
            )
            for key, name in (
                ("status", "status"),
                ("symbol", "symbol"),
                ("category", "category"),
                ("tags", "tag"),
                ("accountId", "account"),
            )
        ),
        # GET /v1/trades?sort=netPnl / -netPnl (any filter a residual); ?sort=closedAt / -closedAt
        # lists closed trades only and is served by by_status_closed_id below
        IndexModel(
            [("userId", ASCENDING), ("netPnl", DESCENDING), ("_id", DESCENDING)], name="by_user_net_pnl"
        ),
        # the market feed's symbols with an open position, of any user (tradetrack.db.trades.open_instruments)
        IndexModel(
            [("status", ASCENDING), ("exchange", ASCENDING), ("symbol", ASCENDING)],
            name="by_status_exchange_symbol",
        ),
        # the daily summary: a user's trades closed on one day; GET /v1/trades?sort=(-)closedAt
        IndexModel(
            [("userId", ASCENDING), ("status", ASCENDING), ("closedAt", ASCENDING), ("_id", ASCENDING)],
            name="by_status_closed_id",
        ),
    ],
    "alerts": [
        IndexModel([("userId", ASCENDING), ("_id", DESCENDING)], name="by_user_newest"),  # GET /v1/alerts
        IndexModel([("status", ASCENDING), ("symbol", ASCENDING)], name="by_status_symbol"),  # each feed tick
    ],
    "notifications": [
        # GET /v1/notifications (newest first) and ?unread=true
        IndexModel(
            [("userId", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)], name="by_user_newest"
        ),
        IndexModel(
            [("userId", ASCENDING), ("readAt", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)],
            name="by_user_unread_newest",
        ),
    ],
    "broker_accounts": [
        # GET /v1/broker-accounts
        IndexModel(
            [("userId", ASCENDING), ("createdAt", ASCENDING), ("_id", ASCENDING)], name="by_user_created"
        ),
        IndexModel([("status", ASCENDING)], name="by_status"),  # the scheduler, every 5 minutes
    ],
    "sync_logs": [
        IndexModel(
            [("accountId", ASCENDING), ("startedAt", DESCENDING), ("_id", DESCENDING)],
            name="by_account_newest",
        ),
    ],
    # GET /v1/data-quality (tradetrack.quality.repository.issues_of)
    "data_quality": [
        IndexModel(
            [("userId", ASCENDING), ("instrument", ASCENDING), ("_id", ASCENDING)],
            name="by_user_instrument_id",
        ),
    ],
    "corporate_actions": [
        # the actions on a user's instruments (tradetrack.db.corporate_actions.actions_for)
        IndexModel([("keys", ASCENDING), ("scope", ASCENDING)], name="by_key_scope"),
        # the demergers giving a new company its lots (tradetrack.db.corporate_actions.demergers_touching)
        IndexModel([("newIsin", ASCENDING), ("scope", ASCENDING)], name="by_new_isin_scope"),
        # GET /v1/admin/corporate-actions, latest ex-date first
        IndexModel(
            [("scope", ASCENDING), ("exDate", DESCENDING), ("_id", DESCENDING)], name="by_scope_ex_date"
        ),
    ],
    # GET /v1/admin/audit (filters: user, event, time range) and GET /v1/me/security-events, newest
    # first with the keyset's _id tie-break (tradetrack.db.audit.find_audit)
    "audit_log": [
        IndexModel([("at", DESCENDING), ("_id", DESCENDING)], name="by_newest"),
        IndexModel([("userId", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="by_user_newest"),
        IndexModel([("event", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="by_event_newest"),
        IndexModel(
            [("userId", ASCENDING), ("event", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)],
            name="by_user_event_newest",
        ),
    ],
    # login attempts counted while Redis is down (tradetrack.db.login_throttle): expired windows go
    "login_throttle": [IndexModel([("expiresAt", ASCENDING)], name="by_expiry")],
    # the analytics' per-day aggregates and the open positions (tradetrack.db.daily_pnl): a range of
    # a user's months (packed days) or days; a user's pairs with open trades. aggregate_state: by _id.
    "daily_pnl": [
        IndexModel([("userId", ASCENDING), ("month", ASCENDING)], unique=True, name="by_user_month")
    ],
    "daily_pnl_pairs": [
        IndexModel([("userId", ASCENDING), ("day", ASCENDING)], unique=True, name="by_user_day")
    ],
    "pair_state": [IndexModel([("userId", ASCENDING), ("hasOpen", ASCENDING)], name="by_user_open")],
    # the tax report's FY sales per pair (tradetrack.db.fy_sales): a user's documents of one FY
    "fy_sales": [IndexModel([("userId", ASCENDING), ("fy", ASCENDING)], name="by_user_fy")],
    # GET /v1/orders (tradetrack.db.orders.user_orders): newest placed first, _id the keyset tie-break,
    # for a user, an account of theirs, and either with ?status= (state)
    "orders": [
        IndexModel(
            [("userId", ASCENDING), ("placedAt", DESCENDING), ("_id", DESCENDING)], name="by_user_placed"
        ),
        IndexModel(
            [("userId", ASCENDING), ("state", ASCENDING), ("placedAt", DESCENDING), ("_id", DESCENDING)],
            name="by_user_state_placed",
        ),
        IndexModel(
            [("userId", ASCENDING), ("accountId", ASCENDING), ("placedAt", DESCENDING), ("_id", DESCENDING)],
            name="by_account_placed",
        ),
        IndexModel(
            [
                ("userId", ASCENDING),
                ("accountId", ASCENDING),
                ("state", ASCENDING),
                ("placedAt", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="by_account_state_placed",
        ),
    ],
    # GET /v1/holdings (tradetrack.db.holdings.user_snapshots): a user's snapshots, one per account
    "holdings": [IndexModel([("userId", ASCENDING), ("_id", ASCENDING)], name="by_user")],
    # a user's ledgers by _id (tradetrack.db.ledgers): the `_id` index serves Atlas; the user
    # beside the `$in` is the equality FerretDB pushes down (it scans for `_id $in` alone)
    "ledgers": [IndexModel([("userId", ASCENDING), ("_id", ASCENDING)], name="by_user")],
    # Paper trading (tradetrack.paper's account_store, order_store, holding_store): a user's
    # accounts; an account's orders newest first (and its pending ones); the resting limit orders
    # a tick crosses, by instrument, side and price (never a scan of all orders); an account's
    # holdings
    "paper_accounts": [IndexModel([("userId", ASCENDING), ("createdAt", ASCENDING)], name="by_user")],
    "paper_orders": [
        IndexModel(
            [("userId", ASCENDING), ("accountId", ASCENDING), ("createdAt", DESCENDING)],
            name="by_account_newest",
        ),
        IndexModel(
            [("state", ASCENDING), ("quoteSymbol", ASCENDING), ("side", ASCENDING), ("price", ASCENDING)],
            name="resting_by_price",
        ),
        IndexModel([("state", ASCENDING), ("expiresAt", ASCENDING)], name="pending_by_expiry"),
        # untriggered SL / SL-M orders a tick triggers; the live MIS orders the 15:20 square-off cancels
        IndexModel(
            [("state", ASCENDING), ("quoteSymbol", ASCENDING), ("side", ASCENDING), ("trigger", ASCENDING)],
            name="stops_by_trigger",
        ),
        IndexModel([("product", ASCENDING), ("state", ASCENDING)], name="by_product_state"),
    ],
    "paper_holdings": [
        IndexModel([("userId", ASCENDING), ("accountId", ASCENDING)], name="by_account"),
        # the open MIS positions the 15:20 square-off closes
        IndexModel([("product", ASCENDING), ("quantity", ASCENDING)], name="open_by_product"),
    ],
    # Risk (tradetrack.risk.repository): limits read by _id, a user's all at once, the monitored
    # ones by the monitor; violations newest first, a user's or one account's (keyset pages)
    "risk_limits": [
        IndexModel([("userId", ASCENDING)], name="by_user"),
        IndexModel([("monitored", ASCENDING)], name="by_monitored"),
    ],
    "risk_violations": [
        IndexModel(
            [("userId", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)], name="by_user_newest"
        ),
        IndexModel(
            [("userId", ASCENDING), ("accountId", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)],
            name="by_account_newest",
        ),
    ],
    # a trade's screenshots, oldest first, by the anchors it shows (tradetrack.attachments.repository)
    "attachments": [
        IndexModel(
            [("userId", ASCENDING), ("anchor", ASCENDING), ("createdAt", ASCENDING), ("_id", ASCENDING)],
            name="by_anchor",
        )
    ],
}

# The queries allowed to read a collection without an index bounding them, by
# "collection:module.function" of the code that sends them, with the reason. The test suite
# records every query's shape and fails on any other that no index above serves
# (tests/support/query_shapes.py; docs/performance.md).
_EVERY_USER = "the identity migration lists every user once"
SCANS: dict[str, str] = {
    "executions:tradetrack.migrations.identity.users_with_data": _EVERY_USER,
    "trades:tradetrack.migrations.identity.users_with_data": _EVERY_USER,
    "ledgers:tradetrack.migrations.identity.users_with_data": _EVERY_USER,
    "executions:rebuild_ledgers.main": "the repair script lists every user once",
    "imports:tradetrack.db.imports.unfinished": (
        "the local stack's start (dev only) recovers the imports a restart interrupted, once per start"
    ),
}

# Indexes an earlier release declared and a later one replaced: dropped by ensure_indexes when present.
RETIRED: dict[str, list[str]] = {
    "executions": ["by_user_time", "by_symbol_time", "by_account_time", "by_source_time"],
    "trades": [
        "by_status_closed",
        "by_status_opened",
        "by_symbol_opened",
        "by_category_opened",
        "by_tag",
        "by_account_opened",
    ],
    "broker_accounts": ["by_user"],
    "data_quality": ["by_user_instrument"],
    "notifications": ["by_user_unread"],
    "audit_log": ["by_user_time", "by_event_time"],
}

_FORBIDDEN_OPTIONS = ("expireAfterSeconds", "partialFilterExpression", "sparse", "collation")


def ensure_indexes(db: Database[Any], indexes: Mapping[str, Sequence[IndexModel]] | None = None) -> list[str]:
    """Create the declared indexes that are missing; returns the names of all declared indexes.

    Only missing indexes are sent, one per createIndexes call: FerretDB v1.24.2 drops the
    connection (a server panic) when one call repeats several indexes that already exist.
    """
    declared = INDEXES if indexes is None else indexes
    names: list[str] = []
    for collection, models in declared.items():
        existing = db[collection].index_information() if models else {}
        for retired in RETIRED.get(collection, []) if indexes is None else []:
            if retired in existing and retired not in {m.document["name"] for m in models}:
                db[collection].drop_index(retired)
                del existing[retired]
        for model in models:
            spec = model.document
            bad = [opt for opt in _FORBIDDEN_OPTIONS if opt in spec]
            if bad:
                raise ValueError(f"index on {collection} uses {bad}: not portable to FerretDB v1")
            name = spec["name"]
            if name in existing:
                have = [(field, int(order)) for field, order in existing[name]["key"]]
                want = [(field, int(order)) for field, order in spec["key"].items()]
                if have != want or bool(existing[name].get("unique")) != bool(spec.get("unique")):
                    raise ValueError(
                        f"index {collection}.{name} exists with another definition: {existing[name]}"
                    )
            else:
                db[collection].create_indexes([model])
            names.append(name)
    return names
