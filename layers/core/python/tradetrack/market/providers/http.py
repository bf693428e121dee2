"""The quote providers' HTTP helper: the package's one JSON client lives in tradetrack.brokers.http."""

from tradetrack.brokers.http import HttpReply, get_json, request_json, retry_after

__all__ = ["HttpReply", "get_json", "request_json", "retry_after"]
