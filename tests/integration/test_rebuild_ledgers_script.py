"""scripts/rebuild_ledgers.py: the ops repair after a crash between storing executions and recomputing."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pymongo.database import Database

from tradetrack.config import Settings
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.models.executions import ExecutionIn
from tradetrack.timeutil import IST

SCRIPT = Path(__file__).parents[2] / "scripts" / "rebuild_ledgers.py"
Document = dict[str, Any]


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rebuild_ledgers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stored_without_recompute(db: Database[Document], user: str) -> None:
    """A buy and a sell of INFY stored as a crashed request leaves them: executions, no trades."""
    fills = [
        ExecutionIn.model_validate(
            {
                "symbol": "INFY",
                "exchange": "NSE",
                "side": side,
                "quantity": 10,
                "price": price,
                "executedAt": datetime(2026, 11, 20, hour, 0, tzinfo=IST),
                "externalId": f"{user}-{side}",
            }
        )
        for side, price, hour in (("BUY", "1500", 10), ("SELL", "1510", 11))
    ]
    insert_executions(db, [to_document(user, "manual", fill) for fill in fills])


def test_a_named_user_gets_trades_back(
    app_env: Settings, mongo_db: Database[Document], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given executions stored without their trades
    stored_without_recompute(mongo_db, "usr_a")
    assert mongo_db["trades"].count_documents({}) == 0
    # When ops run the script for the user
    status = script().main(["usr_a"])
    # Then the round trip is a closed trade again, with its ledger, and the run says so
    assert status == 0
    (trade,) = mongo_db["trades"].find({"userId": "usr_a"})
    assert (trade["status"], trade["realizedPnl"]) == ("closed", 100 * 10_000)
    assert mongo_db["ledgers"].count_documents({"userId": "usr_a"}) == 1
    assert "usr_a: 1 trades" in capsys.readouterr().out


def test_all_users_are_rebuilt_with_all(app_env: Settings, mongo_db: Database[Document]) -> None:
    # Given two users in that state
    for user in ("usr_a", "usr_b"):
        stored_without_recompute(mongo_db, user)
    # When ops run the script with --all
    status = script().main(["--all"])
    # Then both have their trade
    assert status == 0
    assert sorted(t["userId"] for t in mongo_db["trades"].find()) == ["usr_a", "usr_b"]


def test_no_user_named_is_a_usage_error(app_env: Settings) -> None:
    # When the script is run with neither user ids nor --all, then it stops with a usage error
    with pytest.raises(SystemExit) as stopped:
        script().main([])
    assert stopped.value.code == 2
