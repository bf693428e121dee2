"""`make dev`'s default store keeps its data across restarts (LOCAL_STORE=embedded: a snapshot under
LOCAL_STORE_DIR), LOCAL_STORE=memory keeps nothing, and an import a restart interrupted fails."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from local.background import BackgroundStack
from local.config import LocalConfig
from local.stack import LocalStack
from tests.e2e.accounts import PASSWORD, register_and_login
from tradetrack.db import imports

pytestmark = pytest.mark.e2e


def stack_of(store: str, directory: Path) -> LocalStack:
    config = LocalConfig.from_env({"LOCAL_STORE": store, "LOCAL_STORE_DIR": str(directory)})
    return LocalStack.from_config(
        config, port=0, ws_port=0, moto_port=0, broker_port=0, schedules_enabled=False, demo=False
    )


def login(stack: LocalStack, email: str) -> int:
    reply = requests.post(
        f"{stack.rest_url}/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    return reply.status_code


def test_the_default_store_keeps_users_executions_and_imports_across_a_restart(tmp_path: Path) -> None:
    # Given a user with a manual execution and an import left running, on the default store
    first = stack_of("embedded", tmp_path)
    with BackgroundStack(first):
        user_id, token = register_and_login(first.rest_url, prefix="keep")
        email = first.mongo["tradetrack"]["users"].find_one({"_id": user_id})["email"]
        fill = {"symbol": "SBIN", "exchange": "NSE", "side": "BUY", "quantity": 5, "price": "765.2"}
        fill["executedAt"] = "2024-04-01T09:20:00+05:30"
        posted = requests.post(
            f"{first.rest_url}/v1/executions",
            json=fill,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert posted.status_code == 201, posted.text
        db = first.mongo["tradetrack"]
        imports.create_import(
            db, user_id, "imp_" + "0" * 24, import_format="generic", account_id="a", now=datetime.now(UTC)
        )
        db[imports.IMPORTS].update_one({"_id": "imp_" + "0" * 24}, {"$set": {"state": "running"}})
    # When the stack restarts over the same directory
    second = stack_of("embedded", tmp_path)
    with BackgroundStack(second):
        # Then the user logs in and finds the execution; the interrupted import has failed, saying why
        assert login(second, email) == 200
        assert second.mongo["tradetrack"]["executions"].count_documents({"userId": user_id}) == 1
        left = imports.get_import(second.mongo["tradetrack"], user_id, "imp_" + "0" * 24)
        assert left is not None and left["state"] == "failed" and left["error"]["code"] == "INTERRUPTED"
    assert (tmp_path / "embedded").is_dir()


def test_the_memory_store_keeps_nothing(tmp_path: Path) -> None:
    first = stack_of("memory", tmp_path)
    with BackgroundStack(first):
        user_id, _ = register_and_login(first.rest_url, prefix="forget")
        email = first.mongo["tradetrack"]["users"].find_one({"_id": user_id})["email"]
    second = stack_of("memory", tmp_path)
    with BackgroundStack(second):
        assert login(second, email) == 401
    assert not (tmp_path / "embedded").exists()


def test_the_demo_account_syncs_after_a_restart(tmp_path: Path) -> None:
    # Given the demo trader, connected to the simulated broker on a first start of the default store
    config = LocalConfig.from_env({"LOCAL_STORE": "embedded", "LOCAL_STORE_DIR": str(tmp_path)})

    def demo_stack() -> LocalStack:
        return LocalStack.from_config(
            config, port=0, ws_port=0, moto_port=0, broker_port=0, schedules_enabled=False
        )

    first = demo_stack()
    with BackgroundStack(first):
        assert first.demo is not None
        account_id = first.demo.account_id
    # When the stack restarts (a new KMS key in moto, a new session at the simulated broker): a
    # new process in `make dev`; here moto's keys, kept by this process, are dropped as it would be
    from moto.kms.models import kms_backends

    kms_backends.reset()
    second = demo_stack()
    with BackgroundStack(second):
        assert second.demo is not None and second.demo.account_id == account_id
        reply = requests.post(
            f"{second.rest_url}/v1/auth/login",
            json={"email": second.demo.email, "password": second.demo.password},
            timeout=30,
        )
        headers = {"Authorization": f"Bearer {reply.json()['accessToken']}"}
        started = requests.post(
            f"{second.rest_url}/v1/broker-accounts/{account_id}/sync", json={}, headers=headers, timeout=30
        )
        assert started.status_code == 202, started.text
        # Then the same account syncs with its renewed token (it failed to decrypt before)
        deadline = time.monotonic() + 60
        status = "running"
        while status == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            logs = requests.get(
                f"{second.rest_url}/v1/broker-accounts/{account_id}/sync-logs", headers=headers, timeout=30
            ).json()["items"]
            status = logs[0]["status"] if logs else "running"
        assert status == "success", logs
