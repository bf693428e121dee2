"""scripts/migrate_identity.py: data stored by the previous release (trade ids alone as externalIds,
`EXCHANGE:SYMBOL` instrument keys, annotations on trades named after the old execution ids) gets
this release's identity, on the real MongoDB-wire server and Redis."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tradetrack.analytics.fifo import trade_id_for
from tradetrack.brokers.base import BrokerFill
from tradetrack.config import Settings
from tradetrack.db.client import get_database
from tradetrack.db.executions import execution_id
from tradetrack.db.instrument_aliases import learn, with_isins
from tradetrack.db.ledgers import LEDGER_VERSION, ledger_id
from tradetrack.models.executions import SEGMENT_OF_EXCHANGE, ExecutionIn
from tradetrack.money import to_scaled
from tradetrack.sync.fills import to_execution
from tradetrack.sync.messages import TradeUpdate
from tradetrack.sync.updates import apply_trade_update
from tradetrack.timeutil import IST, as_utc

SCRIPT = Path(__file__).parents[2] / "scripts" / "migrate_identity.py"
Document = dict[str, Any]
Db = Database[Document]
KITE = "acc-kite"
INFY_ISIN = "INE009A01021"
INFY = f"ISIN:{INFY_ISIN}"  # the INFY key now: its ISIN, known from a tradebook that carried it
NIFTY_CE = "NFO:NIFTY:2024-06:CE:22000"
BUY_AT = datetime(2025, 3, 12, 10, 0, tzinfo=IST)
SELL_AT = datetime(2025, 3, 13, 11, 0, tzinfo=IST)
COLLECTIONS = ("executions", "trades", "ledgers", "data_quality", "instrument_aliases")


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migrate_identity", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def legacy_fill(
    user: str,
    account: str,
    source: str,
    external_id: str,
    symbol: str,
    exchange: str,
    side: str,
    quantity: int,
    price: str,
    at: datetime,
    *,
    product: str,
    fees: str = "0",
) -> Document:
    """An execution as the previous release stored it: no feesGiven, tradeDate or isin."""
    return {
        "_id": execution_id(user, account, source, external_id),
        "userId": user,
        "accountId": account,
        "source": source,
        "externalId": external_id,
        "symbol": symbol,
        "exchange": exchange,
        "segment": SEGMENT_OF_EXCHANGE[exchange],
        "instrument": f"{exchange}:{symbol}",
        "side": side,
        "quantity": quantity,
        "price": to_scaled(Decimal(price)),
        "fees": to_scaled(Decimal(fees)),
        "executedAt": as_utc(at),
        "product": product,
        "orderId": f"ord-{external_id}",
        "createdAt": datetime(2025, 3, 14, tzinfo=UTC),
    }


def legacy_trade(fills: list[Document], *, status: str, **annotation: Any) -> Document:
    """A trade as the previous release stored it, named after its opening fill's old id."""
    opening = fills[0]
    return {
        "_id": trade_id_for(opening["_id"]),
        "userId": opening["userId"],
        "accountId": opening["accountId"],
        "instrument": opening["instrument"],
        "symbol": opening["symbol"],
        "exchange": opening["exchange"],
        "segment": opening["segment"],
        "direction": "LONG",
        "status": status,
        "openedAt": opening["executedAt"],
        "quantity": opening["quantity"],
        "executionIds": [doc["_id"] for doc in fills],
        "autoCategory": "swing",
        "category": annotation.get("categoryOverride") or "swing",
        "notes": annotation.get("notes", ""),
        "tags": annotation.get("tags", []),
        "strategy": annotation.get("strategy"),
        "categoryOverride": annotation.get("categoryOverride"),
    }


def legacy_ledger(fills: list[Document], trade_ids: list[str]) -> Document:
    first = fills[0]
    return {
        "_id": ledger_id(first["userId"], first["accountId"], first["instrument"]),
        "userId": first["userId"],
        "accountId": first["accountId"],
        "instrument": first["instrument"],
        "symbol": first["symbol"],
        "exchange": first["exchange"],
        "segment": first["segment"],
        "version": 1,
        "overflow": False,
        "fillCount": len(fills),
        "fills": None,
        "tradeIds": trade_ids,
        "updatedAt": datetime(2025, 3, 14, tzinfo=UTC),
    }


class Legacy:
    """One user's documents from the previous release: a Zerodha-synced INFY round trip annotated
    by the user, an open NIFTY option bought through Kite, and an INFY buy entered by hand."""

    def __init__(self, db: Db, user: str) -> None:
        self.user = user
        self.buy = legacy_fill(
            user, KITE, "zerodha", "1001", "INFY", "NSE", "BUY", 10, "1500", BUY_AT, product="CNC"
        )
        self.sell = legacy_fill(
            user, KITE, "zerodha", "1002", "INFY", "NSE", "SELL", 10, "1510", SELL_AT, product="CNC"
        )
        self.option = legacy_fill(
            user,
            KITE,
            "zerodha",
            "2001",
            "NIFTY24JUN22000CE",
            "NFO",
            "BUY",
            50,
            "100",
            datetime(2024, 6, 20, 10, 0, tzinfo=IST),
            product="NRML",
        )
        self.manual = legacy_fill(
            user,
            "manual",
            "manual",
            "man_0123456789abcdef",
            "INFY",
            "NSE",
            "BUY",
            5,
            "1490",
            datetime(2025, 3, 14, 9, 30, tzinfo=IST),
            product="CNC",
            fees="20",
        )
        self.round_trip = legacy_trade(
            [self.buy, self.sell],
            status="closed",
            notes="Breakout above 1490",
            tags=["swing"],
            strategy="momentum",
        )
        trades = [
            self.round_trip,
            legacy_trade([self.option], status="open"),
            legacy_trade([self.manual], status="open"),
        ]
        db["executions"].insert_many([self.buy, self.sell, self.option, self.manual])
        db["trades"].insert_many(trades)
        db["ledgers"].insert_many(
            [
                legacy_ledger([self.buy, self.sell], [self.round_trip["_id"]]),
                legacy_ledger([self.option], [trades[1]["_id"]]),
                legacy_ledger([self.manual], [trades[2]["_id"]]),
            ]
        )
        # What this release wrote before the migration, recomputing a legacy pair
        db["data_quality"].insert_one(
            {
                "_id": f"dq_legacy_{user}",
                "userId": user,
                "accountId": KITE,
                "instrument": "NFO:NIFTY24JUN22000CE",
            }
        )

    @property
    def new_buy_id(self) -> str:
        return execution_id(self.user, KITE, "zerodha", "NSE:2025-03-12:1001")


def teach_infy_isin(db: Db) -> None:
    """Another user's tradebook carried INFY's ISIN: the platform knows EQ:INFY → its ISIN."""
    learn(
        db,
        [
            ExecutionIn.model_validate(
                {
                    "symbol": "INFY",
                    "exchange": "NSE",
                    "side": "BUY",
                    "quantity": 1,
                    "price": "1500",
                    "executedAt": BUY_AT,
                    "isin": INFY_ISIN,
                }
            )
        ],
    )


@pytest.fixture
def db(app_env: Settings) -> Db:
    """The application database with its indexes (the unique execution identity among them)."""
    database = get_database()
    teach_infy_isin(database)
    return database


def snapshot(db: Db, user: str | None = None) -> dict[str, list[Document]]:
    """Every document of the collections the migration touches (of `user` only, if given)."""
    query = {} if user is None else {"userId": user}
    return {
        name: list(db[name].find(query if name != "instrument_aliases" else {}).sort("_id", 1))
        for name in COLLECTIONS
    }


def sync_again(db: Db, cache: redis.Redis, user: str) -> tuple[int, int]:
    """The next Kite sync delivers the INFY buy (trade 1001) in this release's identity."""
    fill = BrokerFill(
        trade_id="1001",
        order_id="ord-1001",
        symbol="INFY",
        exchange="NSE",
        side="BUY",
        quantity=10,
        price=Decimal("1500"),
        executed_at=BUY_AT,
        product="CNC",
    )
    items = with_isins(db, [to_execution(fill, KITE)])
    update = TradeUpdate(user_id=user, account_id=KITE, broker="zerodha", sync_id="syn_1", executions=items)
    applied = apply_trade_update(db, cache, update)
    return applied.inserted, applied.duplicates


def test_fills_trades_and_annotations_get_the_new_identity(
    db: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a user's documents from the previous release (and another user's)
    legacy = Legacy(db, "usr_a")
    Legacy(db, "usr_b")
    other_before = snapshot(db, "usr_b")
    # When ops migrate the user
    status = script().main(["usr_a"])
    # Then every fill an exchange numbered has its new externalId, `_id` and instrument
    assert status == 0
    executions = {doc["externalId"]: doc for doc in db["executions"].find({"userId": "usr_a"})}
    assert sorted(executions) == [
        "NFO:2024-06-20:2001",
        "NSE:2025-03-12:1001",
        "NSE:2025-03-13:1002",
        "man_0123456789abcdef",
    ]
    buy = executions["NSE:2025-03-12:1001"]
    assert buy["_id"] == legacy.new_buy_id
    assert (buy["instrument"], buy["isin"], buy["tradeDate"], buy["feesGiven"]) == (
        INFY,
        INFY_ISIN,
        "2025-03-12",
        False,
    )
    option = executions["NFO:2024-06-20:2001"]
    assert option["_id"] == execution_id("usr_a", KITE, "zerodha", "NFO:2024-06-20:2001")
    assert (option["instrument"], option["isin"], option["tradeDate"]) == (NIFTY_CE, None, "2024-06-20")
    # the old `_id`s are gone; the manual fill keeps its own, updated in place
    old_ids = [legacy.buy["_id"], legacy.sell["_id"], legacy.option["_id"]]
    assert db["executions"].count_documents({"_id": {"$in": old_ids}}) == 0
    manual = executions["man_0123456789abcdef"]
    assert manual["_id"] == legacy.manual["_id"]
    assert (manual["instrument"], manual["feesGiven"], manual["tradeDate"]) == (INFY, True, "2025-03-14")
    # Then the trades are derived again under the new keys, the annotation on the new trade id
    trades = {doc["_id"]: doc for doc in db["trades"].find({"userId": "usr_a"})}
    assert {(doc["accountId"], doc["instrument"]) for doc in trades.values()} == {
        (KITE, INFY),
        (KITE, NIFTY_CE),
        ("manual", INFY),
    }
    round_trip = trades[trade_id_for(legacy.new_buy_id)]
    assert (round_trip["status"], round_trip["realizedPnl"]) == ("closed", 10 * to_scaled(Decimal(10)))
    assert (round_trip["notes"], round_trip["tags"], round_trip["strategy"]) == (
        "Breakout above 1490",
        ["swing"],
        "momentum",
    )
    assert legacy.round_trip["_id"] not in trades
    # Then every ledger and data-quality document is current and under a new key
    ledgers = list(db["ledgers"].find({"userId": "usr_a"}))
    assert {(doc["accountId"], doc["instrument"]) for doc in ledgers} == {
        (KITE, INFY),
        (KITE, NIFTY_CE),
        ("manual", INFY),
    }
    assert all(doc["version"] == LEDGER_VERSION for doc in ledgers)
    assert {doc["instrument"] for doc in db["data_quality"].find({"userId": "usr_a"})} <= {INFY, NIFTY_CE}
    # Then the run says what it did, and the other user's documents are as they were
    out = capsys.readouterr().out
    assert "usr_a: 3 executions re-identified, 1 updated in place, 1 annotated trades carried" in out
    assert "3 trades after the rebuild" in out
    assert snapshot(db, "usr_b") == other_before


def test_the_same_kite_fill_synced_after_the_migration_is_a_duplicate(
    db: Db, redis_client: redis.Redis
) -> None:
    # Given a migrated user
    Legacy(db, "usr_a")
    assert script().main(["usr_a"]) == 0
    before = snapshot(db, "usr_a")
    # When the next Kite sync delivers a fill the previous release stored
    inserted, duplicates = sync_again(db, redis_client, "usr_a")
    # Then it is the fill already there, not a second one, and the trades are as they were
    assert (inserted, duplicates) == (0, 1)
    after = snapshot(db, "usr_a")
    assert after["executions"] == before["executions"]
    assert [doc["_id"] for doc in after["trades"]] == [doc["_id"] for doc in before["trades"]]


def test_a_fill_synced_again_before_the_migration_becomes_one_fill_with_its_annotation(
    db: Db, redis_client: redis.Redis
) -> None:
    # Given a sync that ran before the migration stored the INFY buy a second time, in the new identity
    legacy = Legacy(db, "usr_a")
    assert sync_again(db, redis_client, "usr_a") == (1, 0)
    assert db["executions"].count_documents({"userId": "usr_a", "accountId": KITE}) == 4
    # When ops migrate the user
    assert script().main(["usr_a"]) == 0
    # Then the two are one fill, and the round trip under its new id keeps the annotation
    kite = list(db["executions"].find({"userId": "usr_a", "accountId": KITE}))
    assert sorted(doc["externalId"] for doc in kite) == [
        "NFO:2024-06-20:2001",
        "NSE:2025-03-12:1001",
        "NSE:2025-03-13:1002",
    ]
    (round_trip,) = db["trades"].find({"userId": "usr_a", "accountId": KITE, "instrument": INFY})
    assert round_trip["_id"] == trade_id_for(legacy.new_buy_id)
    assert (round_trip["status"], round_trip["notes"]) == ("closed", "Breakout above 1490")


def test_a_second_run_changes_nothing(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a migrated user
    Legacy(db, "usr_a")
    assert script().main(["usr_a"]) == 0
    migrated = snapshot(db)
    capsys.readouterr()
    # When ops run the migration again, then no document changes and the run says so
    assert script().main(["usr_a"]) == 0
    assert snapshot(db) == migrated
    assert "usr_a: up to date, nothing to change" in capsys.readouterr().out


def test_a_dry_run_writes_nothing(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    # Given users with documents of the previous release
    Legacy(db, "usr_a")
    Legacy(db, "usr_b")
    before = snapshot(db)
    # When ops run the migration with --dry-run
    status = script().main(["--all", "--dry-run"])
    # Then nothing is written, and each user's line says what would change
    assert status == 0
    assert snapshot(db) == before
    out = capsys.readouterr().out
    for user in ("usr_a", "usr_b"):
        assert f"{user}: would change: 3 executions re-identified, 1 updated in place" in out


def test_an_annotation_kept_only_in_a_ledger_is_carried(db: Db) -> None:
    # Given this release recomputed a legacy pair before the migration, keeping in its ledger the
    # annotation of a trade whose fill the user has since deleted (an orphan: on no trade)
    legacy = Legacy(db, "usr_a")
    orphan = trade_id_for(execution_id("usr_a", KITE, "zerodha", "0999"))
    db["ledgers"].update_one(
        {"_id": ledger_id("usr_a", KITE, "NSE:INFY")},
        {"$set": {"version": LEDGER_VERSION, "annotations": {orphan: {"notes": "gap up, sold too early"}}}},
    )
    # When ops migrate the user
    assert script().main(["usr_a"]) == 0
    # Then the annotation is in the pair's ledger under the new key, and listed as an orphan
    ledger = db["ledgers"].find_one({"_id": ledger_id("usr_a", KITE, INFY)})
    assert ledger is not None
    assert ledger["annotations"][orphan] == {"notes": "gap up, sold too early"}
    (issues,) = db["data_quality"].find({"userId": "usr_a", "instrument": INFY})
    assert [item["anchor"] for item in issues["orphans"]] == [orphan]
    assert db["trades"].find_one({"_id": trade_id_for(legacy.new_buy_id)}) is not None


def test_all_users_are_migrated_and_a_failed_user_sets_the_exit_status(
    db: Db, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two users of the previous release, and a migration of usr_a already running
    Legacy(db, "usr_a")
    Legacy(db, "usr_b")
    redis_client.set("lock:migrate-identity:usr_a", "someone-else", px=60_000)
    # When ops migrate every user
    status = script().main(["--all"])
    # Then usr_a is reported failed (exit status 1) and left alone, while usr_b is migrated
    assert status == 1
    out = capsys.readouterr().out
    assert "usr_a: FAILED" in out
    assert "usr_b: 3 executions re-identified" in out
    legacy_keys = {"NSE:INFY", "NFO:NIFTY24JUN22000CE"}
    assert (
        db["executions"].count_documents({"userId": "usr_a", "instrument": {"$in": list(legacy_keys)}}) == 4
    )
    assert (
        db["executions"].count_documents({"userId": "usr_b", "instrument": {"$in": list(legacy_keys)}}) == 0
    )
    # When the other migration has finished, a second run completes usr_a and leaves usr_b as it is
    redis_client.delete("lock:migrate-identity:usr_a")
    usr_b = snapshot(db, "usr_b")
    assert script().main(["--all"]) == 0
    assert db["executions"].count_documents({"instrument": {"$in": list(legacy_keys)}}) == 0
    assert snapshot(db, "usr_b") == usr_b


def test_a_run_whose_rebuild_failed_is_completed_by_the_next(
    db: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a migration whose rebuild failed after the documents were rewritten
    legacy = Legacy(db, "usr_a")

    def unavailable(*_: Any, **__: Any) -> int:
        raise ConnectionError("mongo went away")

    with monkeypatch.context() as patched:
        patched.setattr("tradetrack.migrations.identity.rebuild_ledgers", unavailable)
        assert script().main(["usr_a"]) == 1
    assert "usr_a: FAILED ConnectionError: mongo went away" in capsys.readouterr().out
    # its ledgers are placeholders that no recomputation trusts
    assert {doc["version"] for doc in db["ledgers"].find({"userId": "usr_a"})} == {0}
    # When ops run it again
    assert script().main(["usr_a"]) == 0
    # Then it finishes: current ledgers, the round trip derived again with its annotation
    out = capsys.readouterr().out
    assert "usr_a: 0 executions re-identified, 0 updated in place, 0 annotated trades carried" in out
    assert {doc["version"] for doc in db["ledgers"].find({"userId": "usr_a"})} == {LEDGER_VERSION}
    round_trip = db["trades"].find_one({"_id": trade_id_for(legacy.new_buy_id)})
    assert round_trip is not None
    assert (round_trip["realizedPnl"], round_trip["notes"]) == (
        10 * to_scaled(Decimal(10)),
        "Breakout above 1490",
    )
    assert "usr_a: up to date" in (script().main(["usr_a"]), capsys.readouterr().out)[1]
