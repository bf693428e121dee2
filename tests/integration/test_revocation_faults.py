"""Revocations survive Redis: killed, stopped or restarted empty (issue #15 item 5).

Each test runs its own redis-server process (the suite's shared one is never killed), points the
tradetrack package at it, and kills (SIGKILL), stops (SIGSTOP) or restarts it; Mongo is the suite's
FerretDB. A revoked access token must stay refused throughout, and login throttling must fail closed.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from pymongo.database import Database

from local.events.rest import rest_event
from local.lambda_runtime import make_context
from tests.support.auth import Account, login, new_account
from tests.support.gateway import Gateway
from tests.support.servers import free_port
from tradetrack.cache.client import create_redis_client, use_redis_client
from tradetrack.db import users
from tradetrack.db.client import create_mongo_client, use_mongo_client

Db = Database[dict[str, Any]]


class RedisProcess:
    """A redis-server of this test's own, on a fixed port so that a restart keeps its URL."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (make servers)")
        cmd = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([*cmd, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc is not None:
            self.signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def own_redis(gateway: Gateway, tmp_path: Path) -> Iterator[RedisProcess]:
    """The tradetrack package on a redis-server this test may kill; the suite's client after."""
    server = RedisProcess(tmp_path)
    server.start()
    client = create_redis_client(server.url, timeout_ms=300)
    use_redis_client(client)
    yield server
    client.close()
    server.stop()


def me(gateway: Gateway, token: str) -> int:
    return gateway.request("GET", "/v1/me", token=token).status


def logout_all(gateway: Gateway, account: Account) -> int:
    return gateway.request("POST", "/v1/auth/logout-all", token=account.access_token).status


def test_a_redis_killed_after_logout_all_does_not_bring_the_revoked_tokens_back(
    gateway: Gateway, own_redis: RedisProcess
) -> None:
    # Given a user with two sessions, who logs out everywhere
    account = new_account(gateway)
    other = login(gateway, account.email).body["accessToken"]
    assert me(gateway, other) == 200
    assert logout_all(gateway, account) == 204
    # When Redis is killed
    own_redis.kill()
    # Then both access tokens stay refused (Mongo holds the mark), and a new login still works
    assert me(gateway, account.access_token) == 401
    assert me(gateway, other) == 401
    fresh = login(gateway, account.email)
    assert fresh.status == 200 and fresh.body["refreshToken"] is None
    assert me(gateway, fresh.body["accessToken"]) == 200


def test_after_an_empty_redis_restart_the_revoked_token_is_refused(
    gateway: Gateway, own_redis: RedisProcess
) -> None:
    # Given a user who logged out everywhere while Redis was up
    account = new_account(gateway)
    assert logout_all(gateway, account) == 204
    assert me(gateway, account.access_token) == 401
    # When Redis restarts empty (killed, started again on the same port without its data)
    own_redis.kill()
    own_redis.start()
    # Then the old token is still refused, and a token from a new login is accepted
    assert me(gateway, account.access_token) == 401
    fresh = login(gateway, account.email)
    assert fresh.status == 200 and fresh.body["refreshToken"]
    assert me(gateway, fresh.body["accessToken"]) == 200
    assert me(gateway, account.access_token) == 401


def test_logout_all_while_redis_is_killed_revokes_and_the_restart_does_not_undo_it(
    gateway: Gateway, own_redis: RedisProcess
) -> None:
    # Given a user with a session, and Redis killed
    account = new_account(gateway)
    own_redis.kill()
    # When the user logs out everywhere
    assert logout_all(gateway, account) == 204
    # Then the token is refused while Redis is down and after it restarts empty
    assert me(gateway, account.access_token) == 401
    own_redis.start()
    assert me(gateway, account.access_token) == 401
    refreshed = gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": account.refresh_token})
    assert refreshed.status == 401


def test_redis_killed_in_the_middle_of_logout_all_leaves_the_tokens_refused(
    gateway: Gateway, own_redis: RedisProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a user with two sessions, and Redis that dies right after logout-all wrote its mark to
    # Mongo, before the mark reaches Redis and before the refresh-token families are dropped
    account = new_account(gateway)
    other = login(gateway, account.email).body
    write_mark = users.set_access_cutoff

    def write_then_kill(*args: Any, **kwargs: Any) -> None:
        write_mark(*args, **kwargs)
        own_redis.kill()

    monkeypatch.setattr(users, "set_access_cutoff", write_then_kill)
    # When the user logs out everywhere
    assert logout_all(gateway, account) == 204
    # Then both access tokens are refused while Redis is down, and after it restarts empty
    assert me(gateway, account.access_token) == 401
    assert me(gateway, other["accessToken"]) == 401
    own_redis.start()
    assert me(gateway, account.access_token) == 401
    assert me(gateway, other["accessToken"]) == 401


def test_logout_all_while_redis_is_stopped_keeps_its_refresh_tokens_from_working_after(
    gateway: Gateway, own_redis: RedisProcess
) -> None:
    # Given a user with a session, and Redis frozen (SIGSTOP: it comes back with all its data)
    account = new_account(gateway)
    own_redis.signal(signal.SIGSTOP)
    try:
        # When the user logs out everywhere (Redis cannot drop the refresh-token families)
        assert logout_all(gateway, account) == 204
        assert me(gateway, account.access_token) == 401
    finally:
        own_redis.signal(signal.SIGCONT)
    # Then, Redis back with the old families, neither the access nor the refresh token works
    assert me(gateway, account.access_token) == 401
    refreshed = gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": account.refresh_token})
    assert refreshed.status == 401


def test_logout_refuses_that_sessions_access_token_even_after_an_empty_redis_restart(
    gateway: Gateway, own_redis: RedisProcess
) -> None:
    # Given two sessions of one user
    account = new_account(gateway)
    other = login(gateway, account.email).body
    # When the first session logs out
    reply = gateway.request("POST", "/v1/auth/logout", json_body={"refreshToken": account.refresh_token})
    assert reply.status == 204
    # Then its access token is refused, the other session's is not, also after Redis restarts empty
    assert me(gateway, account.access_token) == 401
    assert me(gateway, other["accessToken"]) == 200
    own_redis.kill()
    own_redis.start()
    assert me(gateway, account.access_token) == 401
    assert me(gateway, other["accessToken"]) == 200


def test_login_throttling_holds_while_redis_is_down(gateway: Gateway, own_redis: RedisProcess) -> None:
    # Given an account, and Redis killed
    account = new_account(gateway)
    own_redis.kill()
    # When six logins on that account come from six addresses within a minute
    statuses = [
        login(gateway, account.email, "wrong password!!", source_ip=f"10.1.0.{i}").status for i in range(5)
    ]
    sixth = login(gateway, account.email, source_ip="10.1.0.99")
    # Then the sixth is refused (counted in Mongo)
    assert statuses == [401] * 5
    assert sixth.status == 429 and int(sixth.headers["Retry-After"]) >= 1


def test_when_neither_redis_nor_mongo_answers_login_and_tokens_fail_closed(
    gateway: Gateway, own_redis: RedisProcess, mongo_db: Db
) -> None:
    # Given a user with a token, then Redis killed and Mongo unreachable
    account = new_account(gateway)
    own_redis.kill()
    use_mongo_client(create_mongo_client(f"mongodb://127.0.0.1:{free_port()}", timeout_ms=200))
    # When the user logs in and uses the token
    attempt = login(gateway, account.email)
    used = gateway.request("GET", "/v1/me", token=account.access_token)
    # Then the login is a 503 (no unthrottled attempt) and the token is not let in (the authorizer
    # fails: a 503 with Retry-After, which a client retries, where a 401 would log the user out)
    assert attempt.status == 503 and attempt.error_code() == "DEPENDENCY_UNAVAILABLE"
    assert used.status == 503 and used.error_code() == "DEPENDENCY_UNAVAILABLE"
    assert used.headers["Retry-After"] == "5"


def test_a_handler_refuses_a_logged_out_token_the_gateway_still_caches_with_redis_killed(
    gateway: Gateway, own_redis: RedisProcess
) -> None:
    # Given a request the authorizer allowed (API Gateway keeps that answer for 5 minutes)
    account = new_account(gateway)
    route = gateway.router.match("GET", "/v1/me")
    assert route is not None
    headers = [("Authorization", f"Bearer {account.access_token}")]
    event = rest_event(
        method="GET", path="/v1/me", resource="/v1/me", headers=headers, request_id="r-1", epoch_ms=0
    )
    allowed = gateway.authorize(event)
    assert isinstance(allowed, dict)
    # When the session logs out, Redis is killed, and the cached answer is used again
    reply = gateway.request("POST", "/v1/auth/logout", json_body={"refreshToken": account.refresh_token})
    assert reply.status == 204
    own_redis.kill()
    handler = importlib.import_module(route.spec.module).lambda_handler
    answer = handler(allowed, make_context(route.spec))
    # Then the handler itself refuses the token (its jti is denied in Mongo)
    assert answer["statusCode"] == 401
