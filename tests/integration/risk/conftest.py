"""The sync pipeline's fixtures (moto queues, the Kite stub), for the real-account monitor test."""

from tests.integration.sync.conftest import kite, pipeline

__all__ = ["kite", "pipeline"]
