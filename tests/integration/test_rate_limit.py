from __future__ import annotations

import time

import redis

from tradetrack.cache.rate_limit import API_PER_USER, LOGIN_PER_ACCOUNT, LOGIN_PER_IP, Limit, refill, take


def test_a_bucket_allows_its_capacity_then_refuses_with_a_retry_time(redis_client: redis.Redis) -> None:
    decisions = [take(redis_client, LOGIN_PER_ACCOUNT, "a@example.in") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert 1 <= decisions[-1].retry_after_s <= 12  # one token refills in 12 s


def test_subjects_have_separate_buckets(redis_client: redis.Redis) -> None:
    assert not take(redis_client, LOGIN_PER_ACCOUNT, "a@example.in", cost=6).allowed
    assert take(redis_client, LOGIN_PER_ACCOUNT, "b@example.in").allowed


def test_the_api_limit_is_a_hundred_a_second_per_user(redis_client: redis.Redis) -> None:
    assert take(redis_client, API_PER_USER, "usr_1", cost=100).allowed
    refused = take(redis_client, API_PER_USER, "usr_1")
    assert not refused.allowed and refused.retry_after_s == 1


def test_tokens_refill_over_time(redis_client: redis.Redis) -> None:
    fast = Limit("test-fast", capacity=2, per_seconds=0.2)
    assert take(redis_client, fast, "x", cost=2).allowed
    assert not take(redis_client, fast, "x").allowed
    time.sleep(0.15)
    assert take(redis_client, fast, "x").allowed


def test_idle_buckets_expire(redis_client: redis.Redis) -> None:
    take(redis_client, LOGIN_PER_ACCOUNT, "a@example.in")
    assert 0 < redis_client.pttl("rl:login-account:a@example.in") <= 61_000


def test_a_refilled_bucket_allows_its_capacity_again_and_only_its_own(redis_client: redis.Redis) -> None:
    # Given two addresses whose login buckets are empty
    for address in ("127.0.0.1", "10.0.0.9"):
        assert take(redis_client, LOGIN_PER_IP, address, cost=5).allowed
        assert not take(redis_client, LOGIN_PER_IP, address).allowed
    # When one is refilled
    refill(redis_client, LOGIN_PER_IP, "127.0.0.1")
    # Then it allows its whole capacity again, and the other still refuses
    assert take(redis_client, LOGIN_PER_IP, "127.0.0.1", cost=5).allowed
    assert not take(redis_client, LOGIN_PER_IP, "10.0.0.9").allowed
