"""Per-pair ledgers: recomputation from facts (by `_id` alone) against a full rebuild, on the real
MongoDB-wire server: same trades, idempotent facts, removals, overrides, fallbacks, concurrency."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.database import Database

from tradetrack.db import ledgers
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.db.ledgers import LEDGERS, Ledger, ledger_id, read_ledger
from tradetrack.db.trades import set_annotations
from tradetrack.journal import annotate_trade
from tradetrack.models.executions import ExecutionIn
from tradetrack.models.trades import PatchTradeRequest
from tradetrack.trades import analytics_version, pair_locks, rebuild_ledgers, recompute, recompute_pairs

Db = Database[dict[str, Any]]
Doc = dict[str, Any]
USER = "usr_a"
INFY = ("acc-1", "EQ:INFY")
T0 = datetime(2026, 2, 2, 9, 20)


def fill(
    n: int,
    side: str,
    qty: int,
    price: str = "100",
    *,
    minutes: int | None = None,
    symbol: str = "INFY",
    product: str | None = "MIS",
) -> Doc:
    """An execution document as the API stores it (account acc-1, external id T<n>); MIS by
    default, so that same-day fills are plain FIFO (delivery equity nets them by day first)."""
    item = ExecutionIn(
        account_id="acc-1",
        symbol=symbol,
        exchange="NSE",
        side=side,
        quantity=qty,
        price=Decimal(price),
        fees=Decimal("1.25"),
        executed_at=T0 + timedelta(minutes=n if minutes is None else minutes, microseconds=n * 7),
        external_id=f"T{n}",
        product=product,
    )
    return to_document(USER, "manual", item)


def apply(db: Db, cache: redis.Redis, facts: list[Doc], **options: Any) -> list[Doc]:
    """What a writer does: store the fills, then recompute their pairs with them as facts."""
    insert_executions(db, facts)
    return recompute_pairs(db, cache, USER, set(), facts=facts, **options)


def remove(db: Db, cache: redis.Redis, execution_id: str, pair: tuple[str, str] = INFY) -> None:
    db["executions"].delete_one({"_id": execution_id})
    recompute(db, cache, USER, [pair], facts=(), removed=[execution_id])


def trades(db: Db) -> list[Doc]:
    """The stored trades, without the moment they were computed."""
    docs = db["trades"].find({"userId": USER}).sort("_id", 1)
    return [{k: v for k, v in doc.items() if k != "computedAt"} for doc in docs]


def ledger_of(db: Db, pair: tuple[str, str] = INFY) -> Ledger:
    found = read_ledger(db, USER, pair)
    assert found is not None
    return found


def rebuilt(db: Db, cache: redis.Redis) -> list[Doc]:
    """The trades after a full rebuild from the executions collection."""
    rebuild_ledgers(db, cache, USER)
    return trades(db)


@pytest.fixture
def db(mongo_db: Db) -> Db:
    """This test's own database (dropped afterwards by mongo_db)."""
    return mongo_db


# ---- the fast path is the rebuild ---------------------------------------------------------------

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("fills"),
            st.lists(
                st.tuples(
                    st.sampled_from(["BUY", "SELL"]),
                    st.integers(min_value=1, max_value=40),
                    st.sampled_from(["100", "101.5", "99.25"]),
                    st.integers(min_value=0, max_value=20),  # few instants: ties are common
                    st.sampled_from(["INFY", "TCS"]),
                    st.sampled_from([None, "MIS", "CNC"]),
                ),
                min_size=1,
                max_size=6,
            ),
        ),
        st.tuples(st.just("remove"), st.integers(min_value=0, max_value=1000)),
        st.tuples(st.just("again"), st.integers(min_value=0, max_value=1000)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_recomputing_from_facts_gives_the_trades_of_a_full_rebuild(
    db: Db, redis_client: redis.Redis, script: list[tuple[Any, ...]]
) -> None:
    for name in ("executions", "trades", LEDGERS):
        db[name].delete_many({})
    stored: list[Doc] = []
    n = 0
    # Given fills arriving in batches, some deleted and some batches delivered again, each change
    # recomputed from its facts (a pipeline-created account: no ledger means no execution yet)
    for kind, arg in script:
        if kind == "fills":
            batch = []
            for side, qty, price, minute, symbol, product in arg:
                n += 1
                batch.append(fill(n, side, qty, price, minutes=minute, symbol=symbol, product=product))
            apply(db, redis_client, batch, missing_ledger_is_empty=True)
            stored.extend(batch)
        elif kind == "remove" and stored:
            gone = stored.pop(arg % len(stored))
            remove(db, redis_client, gone["_id"], (gone["accountId"], gone["instrument"]))
        elif kind == "again" and stored:
            again = stored[arg % len(stored) :]
            returned = apply(db, redis_client, again, missing_ledger_is_empty=True)
            # recompute_pairs returns every trade of the pairs, as stored
            pairs = {(f["accountId"], f["instrument"]) for f in again}
            assert sorted(t["_id"] for t in returned) == [
                t["_id"] for t in trades(db) if (t["accountId"], t["instrument"]) in pairs
            ]
    fast, fast_ledgers = trades(db), all_fills(db)
    # When everything is rebuilt from the executions collection
    # Then nothing changes: the same trades, the same ledgers
    assert rebuilt(db, redis_client) == fast
    assert all_fills(db) == fast_ledgers
    assert sorted(f["_id"] for f in stored) == sorted(e for fills in fast_ledgers.values() for e in fills)


def all_fills(db: Db) -> dict[str, dict[str, Doc]]:
    return {doc["_id"]: Ledger.from_document(doc).fills for doc in db[LEDGERS].find({})}


# ---- idempotence, removal ----------------------------------------------------------------------


def test_the_same_facts_twice_change_nothing(db: Db, redis_client: redis.Redis) -> None:
    # Given fills recomputed from their facts
    facts = [fill(1, "BUY", 10), fill(2, "SELL", 4, "101"), fill(3, "BUY", 3, "99")]
    apply(db, redis_client, facts)
    before = list(db["trades"].find({}).sort("_id", 1))  # computedAt included
    ledger = db[LEDGERS].find_one({"_id": ledger_id(USER, *INFY)})
    version = analytics_version(redis_client, USER)
    # When the same facts come again (a redelivered message, a re-imported file)
    count = recompute(db, redis_client, USER, [INFY], facts=facts)
    # Then no trade and no ledger is rewritten, and analytics stay valid
    assert count == 1
    assert list(db["trades"].find({}).sort("_id", 1)) == before
    assert db[LEDGERS].find_one({"_id": ledger_id(USER, *INFY)}) == ledger
    assert analytics_version(redis_client, USER) == version


def test_a_removed_execution_leaves_the_trades(db: Db, redis_client: redis.Redis) -> None:
    # Given a round trip closed by a sell
    buy, sell = fill(1, "BUY", 10), fill(2, "SELL", 10, "103")
    apply(db, redis_client, [buy, sell])
    assert [(t["status"], t["executionIds"]) for t in trades(db)] == [("closed", [buy["_id"], sell["_id"]])]
    # When the sell is deleted
    remove(db, redis_client, sell["_id"])
    # Then the trade is open again, without it, and the ledger has forgotten it
    assert [(t["status"], t["executionIds"], t["openQuantity"]) for t in trades(db)] == [
        ("open", [buy["_id"]], 10)
    ]
    assert list(ledger_of(db).fills) == [buy["_id"]]
    # And deleting the buy leaves no trade at all
    remove(db, redis_client, buy["_id"])
    assert trades(db) == []
    assert ledger_of(db).trade_ids == []


# ---- category overrides -------------------------------------------------------------------------


def test_an_override_survives_recomputation_and_a_new_trade_id(db: Db, redis_client: redis.Redis) -> None:
    # Given an open trade the trader annotates (category long_term, a note)
    first = fill(10, "BUY", 10)
    apply(db, redis_client, [first])
    (trade,) = trades(db)
    request = PatchTradeRequest.model_validate({"category": "long_term", "notes": "conviction"})
    annotate_trade(db, redis_client, USER, trade["_id"], request)
    assert ledger_of(db).annotations == {
        trade["_id"]: {"categoryOverride": "long_term", "notes": "conviction"}
    }
    # When a later fill adds to it (recomputed from the ledger, not from the trade)
    apply(db, redis_client, [fill(11, "BUY", 5)])
    (after,) = trades(db)
    assert (after["_id"], after["quantity"]) == (trade["_id"], 15)
    assert (after["category"], after["categoryOverride"], after["notes"]) == (
        "long_term",
        "long_term",
        "conviction",
    )
    # When an earlier fill arrives that now opens the round trip (the trade gets another id)
    earlier = fill(5, "BUY", 1)
    apply(db, redis_client, [earlier])
    (rekeyed,) = trades(db)
    assert rekeyed["_id"] != trade["_id"] and rekeyed["executionIds"][0] == earlier["_id"]
    # Then the annotation follows the execution that had opened the trade (kept under its anchor)
    assert (rekeyed["category"], rekeyed["categoryOverride"], rekeyed["notes"]) == (
        "long_term",
        "long_term",
        "conviction",
    )
    assert ledger_of(db).annotations == {
        trade["_id"]: {"categoryOverride": "long_term", "notes": "conviction"}
    }
    # And a full rebuild keeps it too
    assert rebuilt(db, redis_client) == trades(db)
    # And clearing it brings back the automatic category, in the trade and in the ledger
    annotate_trade(
        db, redis_client, USER, rekeyed["_id"], PatchTradeRequest.model_validate({"category": None})
    )
    apply(db, redis_client, [fill(12, "SELL", 16, "104")])
    (closed,) = trades(db)
    assert (closed["category"], closed["categoryOverride"], closed["status"]) == ("intraday", None, "closed")
    assert ledger_of(db).annotations == {rekeyed["_id"]: {"notes": "conviction"}}


def test_an_annotation_waits_for_a_recompute_of_its_pair(db: Db, redis_client: redis.Redis) -> None:
    # Given a trade, and its pair locked by a recomputation in progress
    apply(db, redis_client, [fill(1, "BUY", 10)])
    (trade,) = trades(db)
    request = PatchTradeRequest.model_validate({"category": "swing"})
    done = threading.Event()

    def annotate() -> None:
        annotate_trade(db, redis_client, USER, trade["_id"], request)
        done.set()

    with pair_locks(redis_client, USER, [INFY]):
        worker = threading.Thread(target=annotate)
        worker.start()
        time.sleep(0.3)
        # Then the annotation waits
        assert not done.is_set()
        assert ledger_of(db).annotations == {}
    worker.join(timeout=10)
    # And is applied once the lock is free
    assert done.is_set()
    assert ledger_of(db).annotations == {trade["_id"]: {"categoryOverride": "swing"}}
    assert trades(db)[0]["category"] == "swing"


# ---- missing and overflowing ledgers -------------------------------------------------------------


def test_a_missing_ledger_is_rebuilt_from_the_collections(db: Db, redis_client: redis.Redis) -> None:
    # Given trades recomputed the old way (no ledger: data from before ledgers), one overridden
    old = [fill(1, "BUY", 10), fill(2, "SELL", 10, "101"), fill(3, "SELL", 5, "102")]
    insert_executions(db, old)
    recompute(db, redis_client, USER, [INFY])
    db[LEDGERS].delete_many({})
    closed = trades(db)[0]["_id"]
    set_annotations(db, USER, closed, {"categoryOverride": "swing", "tags": ["x"]})
    # When new facts arrive for the pair (the caller cannot vouch for a missing ledger)
    new = fill(4, "BUY", 5, "100")
    apply(db, redis_client, [new])
    # Then the trades are those of all the executions, and the override is kept
    fast = trades(db)
    assert [(t["status"], len(t["executionIds"])) for t in fast] == [("closed", 2), ("closed", 2)]
    assert (fast[0]["category"], fast[0]["tags"]) == ("swing", ["x"])
    assert rebuilt(db, redis_client) == fast
    # And the pair has a complete ledger again, with the stored trades and the override
    ledger = ledger_of(db)
    assert sorted(ledger.fills) == sorted(f["_id"] for f in [*old, new])
    assert (ledger.complete, ledger.open_quantity) == (True, 0)
    assert ledger.trade_ids == [t["_id"] for t in fast] and ledger.annotations == {
        closed: {"categoryOverride": "swing", "tags": ["x"]}
    }


def test_a_pipeline_pair_without_a_ledger_has_no_executions_yet(db: Db, redis_client: redis.Redis) -> None:
    # Given an execution stored without going through recompute (nothing should do that)
    insert_executions(db, [fill(1, "BUY", 10)])
    # When facts come for a pair the caller vouches for (missing ledger = no executions)
    new = fill(2, "BUY", 3)
    returned = apply(db, redis_client, [new], missing_ledger_is_empty=True)
    # Then the trades are derived from the facts alone: the collections were not scanned
    assert [(t["executionIds"], t["quantity"]) for t in trades(db)] == [([new["_id"]], 3)]
    assert [t["_id"] for t in returned] == [t["_id"] for t in trades(db)]
    assert list(ledger_of(db).fills) == [new["_id"]]


def test_an_overflowing_pair_is_always_read_from_the_executions(
    db: Db, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledgers, "MAX_FILLS", 3)
    # Given a pair with more fills than a ledger holds
    apply(db, redis_client, [fill(n, "BUY", 1) for n in range(1, 5)])
    stored = db[LEDGERS].find_one({"_id": ledger_id(USER, *INFY)})
    assert stored is not None
    assert (stored["overflow"], stored["fillCount"], stored["fills"]) == (True, 4, None)
    assert (ledger_of(db).complete, ledger_of(db).open_quantity) == (False, None)
    # When an execution is stored behind recompute's back and later facts come
    insert_executions(db, [fill(5, "BUY", 1)])
    apply(db, redis_client, [fill(6, "BUY", 1)])
    # Then the recomputation read the executions collection: every fill is in the trade
    (trade,) = trades(db)
    assert trade["quantity"] == 6
    # And below the limit again (executions deleted) the ledger holds the fills again
    for n in range(1, 5):
        remove(db, redis_client, fill(n, "BUY", 1)["_id"])
    assert (ledger_of(db).complete, ledger_of(db).open_quantity) == (True, 2)


# ---- concurrency and repair ----------------------------------------------------------------------


def test_concurrent_recomputations_of_a_pair_lose_nothing(db: Db, redis_client: redis.Redis) -> None:
    # Given eight writers storing fills of the same pair at the same time
    batches = [[fill(w * 10 + i, "BUY" if i % 2 else "SELL", 1 + i) for i in range(5)] for w in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(batches))

    def write(batch: list[Doc]) -> None:
        try:
            insert_executions(db, batch)
            start.wait()
            recompute_pairs(db, redis_client, USER, [], facts=batch, missing_ledger_is_empty=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    # Then the ledger has every fill and the trades are those of a full rebuild
    assert sorted(ledger_of(db).fills) == sorted(f["_id"] for batch in batches for f in batch)
    fast = trades(db)
    assert rebuilt(db, redis_client) == fast


def test_a_retry_after_a_crash_before_the_ledger_write_repairs_the_pair(
    db: Db, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(db, redis_client, [fill(1, "BUY", 10)])
    # Given a recomputation that dies after writing the trades, before writing the ledger
    facts = [fill(2, "SELL", 4, "101"), fill(3, "SELL", 8, "102")]

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("lambda timed out")

    with monkeypatch.context() as patched:
        patched.setattr("tradetrack.trades.write_ledgers", crash)
        with pytest.raises(RuntimeError):
            apply(db, redis_client, facts)
    assert len(ledger_of(db).fills) == 1
    # When the message is delivered again
    apply(db, redis_client, facts)
    # Then the ledger and the trades are those of a full rebuild
    assert sorted(ledger_of(db).fills) == sorted(f["_id"] for f in [fill(1, "BUY", 10), *facts])
    assert rebuilt(db, redis_client) == trades(db)


def test_rebuild_repairs_executions_the_ledger_never_saw(db: Db, redis_client: redis.Redis) -> None:
    # Given an execution stored, then a crash before its recomputation (no retry)
    apply(db, redis_client, [fill(1, "BUY", 10)])
    lost = fill(2, "SELL", 10, "101")
    insert_executions(db, [lost])
    # And a later change of the pair, recomputed from its ledger: the lost fill is not seen
    apply(db, redis_client, [fill(3, "BUY", 1)])
    assert lost["_id"] not in ledger_of(db).fills
    # When ops rebuild the user's ledgers
    count = rebuild_ledgers(db, redis_client, USER)
    # Then the ledger and the trades have it
    assert lost["_id"] in ledger_of(db).fills
    assert count == 2 and [t["status"] for t in trades(db)] == ["closed", "open"]
