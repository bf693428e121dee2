"""tradetrack.aws makes each boto3 client once, also when threads ask for it at once (the sync
worker's records run on a pool; boto3's default Session, which makes clients, is not thread-safe)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from tradetrack import aws
from tradetrack.config import Settings


@pytest.fixture
def no_clients(app_env: Settings) -> Iterator[None]:
    kept = dict(aws._clients)
    aws.reset_aws_clients()
    yield
    aws.reset_aws_clients()
    for (service, endpoint), client in kept.items():
        aws.use_aws_client(service, client, endpoint_url=endpoint)


def test_threads_asking_for_a_client_at_once_get_one_client_made_once(
    no_clients: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given boto3 making clients slowly, and counting how many it made and how many at once
    made: list[str] = []
    lock = threading.Lock()
    at_once = most = 0

    def slow_client(service: str, **kwargs: Any) -> object:
        nonlocal at_once, most
        with lock:
            at_once += 1
            most = max(most, at_once)
        time.sleep(0.05)
        with lock:
            at_once -= 1
            made.append(service)
        return object()

    monkeypatch.setattr(boto3, "client", slow_client)
    start = threading.Barrier(8, timeout=10)

    def ask(_: int) -> Any:
        start.wait()
        return aws.aws_client("kms")

    # When eight threads ask for the KMS client at the same moment
    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = list(pool.map(ask, range(8)))
    # Then one client was made, never two at once, and every thread got it
    assert made == ["kms"] and most == 1
    assert all(client is clients[0] for client in clients)
    assert aws.aws_client("kms") is clients[0]
