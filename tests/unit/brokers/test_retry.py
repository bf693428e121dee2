"""with_retries: full-jitter backoff for retryable broker errors, within a deadline."""

from __future__ import annotations

import pytest

from tests.unit.brokers.wire import FakeClock
from tradetrack.brokers.base import BrokerAuthError, BrokerError, BrokerRateLimited, BrokerUnavailable
from tradetrack.brokers.retry import RetryPolicy, with_retries


class Script:
    """A call failing with the given errors in turn, then answering "ok"."""

    def __init__(self, *errors: BrokerError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def unavailable() -> BrokerUnavailable:
    return BrokerUnavailable("down", error_type="NetworkException", status=503)


def test_backoff_is_full_jitter_capped() -> None:
    policy = RetryPolicy(base_s=0.25, cap_s=8.0)
    assert [policy.backoff_s(n, lambda: 1.0) for n in range(7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.backoff_s(3, lambda: 0.0) == 0.0
    assert policy.backoff_s(2, lambda: 0.5) == 0.5


def test_retryable_errors_are_retried_until_success() -> None:
    clock = FakeClock()
    call = Script(unavailable(), unavailable())
    assert with_retries(call, RetryPolicy(), sleep=clock.sleep, clock=clock, rand=lambda: 1.0) == "ok"
    assert call.calls == 3 and clock.sleeps == [0.25, 0.5]


def test_a_non_retryable_error_is_raised_at_once() -> None:
    clock = FakeClock()
    call = Script(BrokerAuthError("expired", error_type="TokenException", status=403))
    with pytest.raises(BrokerAuthError):
        with_retries(call, RetryPolicy(), sleep=clock.sleep, clock=clock)
    assert call.calls == 1 and clock.sleeps == []


def test_an_error_that_is_not_a_broker_error_is_not_retried() -> None:
    calls = []

    def broken() -> str:
        calls.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        with_retries(broken, RetryPolicy(), sleep=lambda _: None)
    assert len(calls) == 1


def test_rate_limited_waits_at_least_retry_after() -> None:
    clock = FakeClock()
    call = Script(
        BrokerRateLimited("slow down", retry_after_s=5.0), BrokerRateLimited("again", retry_after_s=0.01)
    )
    assert with_retries(call, RetryPolicy(), sleep=clock.sleep, clock=clock, rand=lambda: 1.0) == "ok"
    assert clock.sleeps == [5.0, 0.5]  # Retry-After, then the larger backoff


def test_exhausted_attempts_raise_the_last_error() -> None:
    clock = FakeClock()
    last = BrokerUnavailable("still down", error_type="DataException", status=502)
    call = Script(unavailable(), unavailable(), unavailable(), last, unavailable())
    with pytest.raises(BrokerUnavailable) as caught:
        with_retries(call, RetryPolicy(attempts=4), sleep=clock.sleep, clock=clock, rand=lambda: 0.0)
    assert caught.value is last and call.calls == 4 and len(clock.sleeps) == 3


def test_a_wait_past_the_deadline_is_not_started() -> None:
    # Given 1 s left and a broker asking for 2 s
    clock = FakeClock(start=50.0)
    call = Script(BrokerRateLimited("slow down", retry_after_s=2.0))
    # When retried / Then the rate-limit error is raised without sleeping
    with pytest.raises(BrokerRateLimited):
        with_retries(call, RetryPolicy(), sleep=clock.sleep, clock=clock, deadline=51.0)
    assert clock.sleeps == [] and call.calls == 1


def test_waits_that_fit_before_the_deadline_are_taken() -> None:
    clock = FakeClock(start=0.0)
    call = Script(unavailable(), unavailable(), unavailable())
    with pytest.raises(BrokerUnavailable):
        with_retries(call, RetryPolicy(), sleep=clock.sleep, clock=clock, deadline=1.0, rand=lambda: 1.0)
    # 0.25 (ends 0.25) and 0.5 (ends 0.75) fit; 1.0 (would end 1.75) does not
    assert clock.sleeps == [0.25, 0.5] and call.calls == 3
