"""An account's first sync and its holdings, end to end on moto SQS: the broker's holdings stored as
snapshot opening lots of the day (tradetrack.openings.broker_holdings), once however often the sync
is delivered, not counted twice beside an imported tradebook, the cost later sales realize against,
and a failing holdings call that does not fail the sync."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.integration.sync.conftest import kite_fixture, serve_kite_day, serve_upstox_day
from tests.integration.sync.test_pipeline import (
    DOWN,
    first_sync,
    logs,
    notifications,
    queue_first_sync,
    stored_account,
    sync_now,
)
from tests.support.broker_stub import BrokerStub, Reply
from tests.support.pipeline import KITE_APP, Pipeline, connected_account
from tradetrack.aws import aws_client
from tradetrack.timeutil import IST, ist_date

Document = dict[str, Any]
INFY_ISIN = "INE009A01021"
INFY = f"ISIN:{INFY_ISIN}"


def kite_holding(
    symbol: str, isin: str, quantity: int, average: str, *, exchange: str = "NSE", t1: int = 0
) -> Document:
    """A /portfolio/holdings row as Kite documents it (numbers exact)."""
    return {
        "tradingsymbol": symbol,
        "exchange": exchange,
        "isin": isin,
        "product": "CNC",
        "quantity": quantity,
        "used_quantity": 0,
        "t1_quantity": t1,
        "average_price": Decimal(average),
        "last_price": Decimal("1550.5"),
    }


def holdings_reply(*rows: Document) -> Document:
    return {"status": "success", "data": list(rows)}


def holding_ten_infy(kite: BrokerStub, mongo_db: Database[Document]) -> Document:
    """A Zerodha account of u1 on the documented Kite day, holding 10 INFY bought at 1500."""
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", holdings_reply(kite_holding("INFY", INFY_ISIN, 10, "1500")))
    return account


def opening_lots(db: Database[Document], account: Document) -> list[Document]:
    return sorted(
        db["executions"].find({"accountId": account["_id"], "source": "opening"}), key=lambda e: e["symbol"]
    )


def trades_of(db: Database[Document], account: Document, instrument: str) -> list[Document]:
    return list(db["trades"].find({"accountId": account["_id"], "instrument": instrument}))


def open_units(db: Database[Document], account: Document, instrument: str) -> int:
    return sum(t["openQuantity"] for t in trades_of(db, account, instrument) if t["status"] == "open")


def kite_sell(symbol: str, quantity: int, price: str, at: datetime, trade_id: str) -> Document:
    """A /trades row: a delivery sell filled at `at`."""
    stamp = at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "trade_id": trade_id,
        "order_id": f"9{trade_id}",
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "instrument_token": 408065,
        "product": "CNC",
        "average_price": Decimal(price),
        "quantity": quantity,
        "exchange_order_id": f"8{trade_id}",
        "transaction_type": "SELL",
        "fill_timestamp": stamp,
        "order_timestamp": stamp[11:],
        "exchange_timestamp": stamp,
    }


def test_a_first_sync_stores_the_brokers_holdings_as_snapshot_lots_of_the_day(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Zerodha account whose Kite holdings are the documented two (AARON, and
    # SBIN at an average of 801.78125), a sold-out row and a row without an average price
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    documented = json.loads(kite_fixture("holdings.json"), parse_float=Decimal)["data"]
    sold_out = kite_holding("TCS", "INE467B01029", 0, "3500")
    no_average = kite_holding("IDEA", "INE669E01016", 100, "0")
    kite.route("GET", "/portfolio/holdings", holdings_reply(*documented, sold_out, no_average))
    today = ist_date(datetime.now(UTC))
    # When its first sync runs
    first_sync(pipeline, account)
    # Then each holding is an opening lot of the account: a snapshot of today, from Zerodha
    aaron, sbin = opening_lots(mongo_db, account)
    assert (aaron["symbol"], aaron["quantity"], aaron["price"]) == ("AARON", 1, 1_610_000)
    assert (sbin["symbol"], sbin["exchange"], sbin["quantity"]) == ("SBIN", "BSE", 16)
    assert sbin["externalId"] == f"broker-holdings:{today.isoformat()}:INE062A01020"
    assert (sbin["snapshot"], sbin["openingOf"], sbin["side"], sbin["product"]) == (
        True,
        "zerodha",
        "BUY",
        "CNC",
    )
    assert sbin["executedAt"].astimezone(IST) == datetime.combine(today, datetime.min.time(), IST)
    # and its cost is the broker's average × units exactly (12,828.5), the price shown to 4 decimals
    assert (sbin["cost"], sbin["price"]) == (128_285_000, 8_017_812)
    # and its trade is open with those units
    assert open_units(mongo_db, account, "ISIN:INE062A01020") == 16
    # and the sync log counts the lots and the two rows that are not holdings
    (log,) = logs(mongo_db, account)
    assert log["status"] == "success"
    holdings = log["holdings"]
    assert (holdings["status"], holdings["lots"], holdings["skipped"], holdings["asOf"]) == (
        "done",
        2,
        2,
        today.isoformat(),
    )
    assert {row["symbol"] for row in holdings["skippedRows"]} == {"TCS", "IDEA"}
    (request,) = kite.requests_to("GET", "/portfolio/holdings")
    assert request.headers["Authorization"] == f"token {KITE_APP['apiKey']}:access-token-1"

    # When the account syncs again (the five-minute schedule, a manual sync)
    sync_now(pipeline, account)
    # Then its holdings are read again for the holdings snapshot (GET /v1/holdings), but they are
    # not opening lots again: the lots are as they were
    assert len(kite.requests_to("GET", "/portfolio/holdings")) == 2
    assert "holdings" not in logs(mongo_db, account)[-1]
    assert logs(mongo_db, account)[-1]["holdingsSnapshot"] == {"status": "stored", "count": 4}
    assert [lot["_id"] for lot in opening_lots(mongo_db, account)] == [aaron["_id"], sbin["_id"]]


def test_a_first_sync_delivered_again_stores_its_holdings_once(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a first sync whose holdings were stored, its request still in the sync queue
    account = holding_ten_infy(kite, mongo_db)
    queue_first_sync(account)
    (message,) = pipeline.receive("sync")
    assert pipeline.deliver("sync", [message]) == set()
    lots_before = opening_lots(mongo_db, account)
    trades_before = trades_of(mongo_db, account, INFY)
    # When SQS delivers the same request again
    aws_client("sqs").send_message(QueueUrl=pipeline.queues["sync"].url, MessageBody=message["Body"])
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
    # Then the lots are duplicates: nothing stored twice, the trade unchanged
    assert opening_lots(mongo_db, account) == lots_before
    assert [(t["_id"], t["openQuantity"]) for t in trades_of(mongo_db, account, INFY)] == [
        (t["_id"], t["openQuantity"]) for t in trades_before
    ]
    assert open_units(mongo_db, account, INFY) == 10
    (log,) = logs(mongo_db, account)
    assert (log["holdings"]["lots"], log["holdings"]["duplicates"]) == (1, 1)


def test_a_tradebook_imported_after_the_first_sync_does_not_count_a_holding_twice(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], redis_client: redis.Redis
) -> None:
    # Given a Zerodha account whose first sync stored its holding of 10 INFY at 1500
    from tradetrack.imports.models import ImportRequest
    from tradetrack.imports.service import import_csv

    account = holding_ten_infy(kite, mongo_db)
    first_sync(pipeline, account)
    assert open_units(mongo_db, account, INFY) == 10
    # When the user imports the Console tradebook with the buy of those 10 INFY a month earlier
    bought: date = ist_date(datetime.now(UTC)) - timedelta(days=30)
    tradebook = (
        "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,"
        "order_id,order_execution_time\n"
        f"INFY,{INFY_ISIN},{bought.isoformat()},NSE,EQ,EQ,buy,false,10.000000,1400.000000,55500001,"
        f"1100000055500001,{bought.isoformat()}T10:00:00\n"
    )
    report = import_csv(
        mongo_db,
        redis_client,
        "u1",
        ImportRequest(format="zerodha_tradebook", csv=tradebook, account_id=account["_id"]),
    )
    assert report.imported == 1
    # Then exactly 10 units are open, not 20: the buy explains the holding, at its own price
    assert open_units(mongo_db, account, INFY) == 10
    (trade,) = [t for t in trades_of(mongo_db, account, INFY) if t["status"] == "open"]
    assert (trade["quantity"], trade["avgEntry"]) == (10, 14_000_000)


def test_a_later_sell_of_a_holding_realizes_pnl_against_the_holdings_cost(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a Zerodha account whose first sync stored its holding of 10 INFY at 1500
    account = holding_ten_infy(kite, mongo_db)
    first_sync(pipeline, account)
    (lot,) = opening_lots(mongo_db, account)
    # When the user sells the 10 INFY at 1600 and the account syncs
    day = json.loads(kite_fixture("trades.json"), parse_float=Decimal)
    day["data"].append(kite_sell("INFY", 10, "1600", datetime.now(UTC), "77700001"))
    kite.route("GET", "/trades", day)
    sync_now(pipeline, account)
    # Then the sell closes the holding's lot: 1,000 of P&L against its cost of 15,000
    (trade,) = trades_of(mongo_db, account, INFY)
    assert (trade["status"], trade["quantity"], trade["openQuantity"]) == ("closed", 10, 0)
    assert lot["_id"] in trade["executionIds"]
    assert (trade["avgEntry"], trade["avgExit"]) == (15_000_000, 16_000_000)
    assert trade["realizedPnl"] == 10_000_000
    # and no unmatched exit is left for data quality
    assert mongo_db["data_quality"].count_documents({"accountId": account["_id"], "instrument": INFY}) == 0


def test_a_failing_holdings_call_does_not_fail_the_first_sync(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Zerodha account, Kite serving the day but failing /portfolio/holdings
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", Reply(503, DOWN, headers={"Retry-After": "0"}))
    # When its first sync runs
    first_sync(pipeline, account)
    # Then the sync succeeded on its first attempt, the day's fills stored and no lot
    (log,) = logs(mongo_db, account)
    assert (log["status"], log["attempt"]) == ("success", 1)
    assert mongo_db["executions"].count_documents({"accountId": account["_id"]}) == 4
    assert opening_lots(mongo_db, account) == []
    # and the log says the holdings failed, and why
    assert log["holdings"]["status"] == "failed"
    assert "NetworkException" in log["holdings"]["reason"]
    stored = stored_account(mongo_db, account)
    assert (stored["lastSyncStatus"], stored["backfill"]["status"]) == ("success", "import_required")
    assert notifications(pipeline, "sync_failed") == []


def test_a_first_upstox_sync_stores_its_long_term_holdings(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Upstox account holding YESBANK and RELINFRA
    account = connected_account(mongo_db, user_id="u1", broker="upstox", access_token="upstox-token")
    serve_upstox_day(kite, history=True, holdings=True)
    # When its first sync runs
    first_sync(pipeline, account)
    # Then its holdings are snapshot lots from Upstox, next to the backfilled history
    lots = opening_lots(mongo_db, account)
    assert [(lot["symbol"], lot["quantity"], lot["cost"]) for lot in lots] == [
        ("RELINFRA", 1, 1_925_500),
        ("YESBANK", 36, 6_750_000),
    ]
    assert {(lot["openingOf"], lot["snapshot"]) for lot in lots} == {("upstox", True)}
    assert logs(mongo_db, account)[-1]["holdings"]["lots"] == 2
    assert stored_account(mongo_db, account)["backfill"]["status"] == "done"
