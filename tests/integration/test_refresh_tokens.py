"""Refresh-token families in the real Redis: rotation, reuse detection, revocation, races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import redis

from tradetrack.auth import refresh_tokens as rt


def test_rotation_spends_the_token_and_issues_a_successor(redis_client: redis.Redis) -> None:
    first = rt.start_family(redis_client, "usr_a")
    rotation = rt.rotate_token(redis_client, first)
    assert rotation.outcome == "ok" and rotation.user_id == "usr_a" and rotation.token
    assert rotation.token != first
    assert len(first) >= 43  # 256 bits, url-safe base64


def test_a_spent_token_presented_again_revokes_the_whole_family(redis_client: redis.Redis) -> None:
    # Given a family two rotations deep and a second family of the same user
    first = rt.start_family(redis_client, "usr_a")
    second = rt.rotate_token(redis_client, first).token
    other_session = rt.start_family(redis_client, "usr_a")
    assert second
    # When the first (spent) token is replayed
    replay = rt.rotate_token(redis_client, first)
    # Then it is reported as reuse, and the family's live token is dead too; the other session lives
    assert replay.outcome == "reused"
    assert rt.rotate_token(redis_client, second).outcome == "missing"
    assert rt.rotate_token(redis_client, other_session).outcome == "ok"


def test_tokens_are_stored_hashed(redis_client: redis.Redis) -> None:
    token = rt.start_family(redis_client, "usr_a")
    dump = " ".join(str(k) for k in redis_client.keys("*"))
    for key in redis_client.keys("auth:rt:*"):
        dump += " ".join(str(v) for v in redis_client.hgetall(key).values())
    assert token not in dump


def test_two_concurrent_uses_of_one_token_cannot_both_succeed(redis_client: redis.Redis) -> None:
    # Given one live token / When 8 threads present it at once
    token = rt.start_family(redis_client, "usr_a")
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(
            r.outcome for r in pool.map(lambda _: rt.rotate_token(redis_client, token), range(8))
        )
    # Then exactly one rotation succeeded, and the replays killed the family
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"reused", "missing"}


def test_revoke_all_ends_every_family_of_the_user_only(redis_client: redis.Redis) -> None:
    mine = [rt.start_family(redis_client, "usr_a") for _ in range(3)]
    theirs = rt.start_family(redis_client, "usr_b")
    assert rt.revoke_all(redis_client, "usr_a") == 3
    assert all(rt.rotate_token(redis_client, t).outcome == "missing" for t in mine)
    assert rt.rotate_token(redis_client, theirs).outcome == "ok"


def test_tokens_expire_within_seven_days(redis_client: redis.Redis) -> None:
    rt.start_family(redis_client, "usr_a")
    ttls = [redis_client.ttl(k) for k in redis_client.keys("auth:*")]
    assert ttls and all(0 < ttl <= 7 * 24 * 3600 for ttl in ttls)
