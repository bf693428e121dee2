"""Auth benchmarks (`make bench`): authorizer throughput and login latency at the real bcrypt cost."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from tests.bench.goals import report
from tests.support.auth import PASSWORD, login, register
from tests.support.gateway import Gateway
from tradetrack.auth.access_tokens import issue_access_token, verify_access_token
from tradetrack.auth.authorizer import allow_policy, authenticate
from tradetrack.auth.keys import load_public_keys, rotate
from tradetrack.cache.rate_limit import Limit
from tradetrack.config import Settings, reset_settings

pytestmark = pytest.mark.bench


def test_authorizer_decisions_per_second(
    benchmark: Any, app_env: Settings, redis_client: redis.Redis
) -> None:
    # One authorizer decision: parse + RS256 verify + revocation lookup in Redis + policy. The user's
    # revocation marks are read from Mongo into Redis on the first (warm-up) decision, then once a
    # minute: the steady state is one Redis MGET a decision.
    keyset = rotate(None)
    keys = load_public_keys(json.dumps(keyset.public_keys()))
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:ap-south-1:123456789012:api/prod/GET/v1/me",
        "headers": {"Authorization": f"Bearer {issue_access_token('usr_bench', 'user', keyset.active)}"},
        "requestContext": {},
    }

    def decide() -> dict[str, Any]:
        return allow_policy(event, authenticate(event, keys, redis_client))

    policy = benchmark.pedantic(decide, rounds=2000, warmup_rounds=50)
    assert policy["principalId"] == "usr_bench"
    rate = 1 / benchmark.stats.stats.median
    report(
        benchmark,
        "authorizer decisions (RS256 + Redis revocation)",
        rate,
        "/s",
        ">= 5000/s per core",
        rate >= 5000,
    )


def test_token_verifications_per_second(benchmark: Any) -> None:
    # Signature and claims only: what a core does per token without the Redis revocation lookup.
    keyset = rotate(None)
    keys = load_public_keys(json.dumps(keyset.public_keys()))
    token = issue_access_token("usr_bench", "user", keyset.active)
    claims = benchmark.pedantic(lambda: verify_access_token(token, keys), rounds=3000, warmup_rounds=50)
    assert claims.sub == "usr_bench"
    report(
        benchmark,
        "access-token verifications",
        1 / benchmark.stats.stats.median,
        "/s",
        "part of the authorizer's",
        None,
    )


def test_login_at_bcrypt_cost_12(
    benchmark: Any, gateway: Gateway, app_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BCRYPT_COST", "12")
    reset_settings()
    # Repeated logins of one account would hit the 5/min limit: keep the check (and its cost), lift the cap.
    roomy = Limit("bench-login", capacity=1_000_000, per_seconds=1)
    monkeypatch.setattr("tradetrack.auth.service.LOGIN_PER_ACCOUNT", roomy)
    monkeypatch.setattr("tradetrack.auth.service.LOGIN_PER_IP", roomy)
    user = register(gateway, "bench@example.in")

    def one_login() -> int:
        return login(gateway, user["email"], PASSWORD).status

    assert benchmark.pedantic(one_login, rounds=15, warmup_rounds=1) == 200
    benchmark.extra_info["bcrypt_cost"] = 12
    median_ms = benchmark.stats.stats.median * 1000
    report(
        benchmark,
        "POST /v1/auth/login at bcrypt cost 12 (in-process gateway)",
        median_ms,
        "ms",
        "for the record",
        None,
    )
