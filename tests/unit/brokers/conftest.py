"""The broker client tests run against a local stub of the broker's HTTP API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.broker_stub import BrokerStub


@pytest.fixture
def broker_stub() -> Iterator[BrokerStub]:
    with BrokerStub() as stub:
        yield stub
