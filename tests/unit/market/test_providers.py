"""Quote providers against local stub servers speaking Kite's and Upstox's documented formats."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tradetrack.market.providers import ProviderError, ProviderRateLimited, fetch_in_batches
from tradetrack.market.providers.base import Throttle
from tradetrack.market.providers.kite import KiteQuotes
from tradetrack.market.providers.simulated import SimulatedQuotes
from tradetrack.market.providers.upstox import UpstoxQuotes
from tradetrack.timeutil import IST

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "market"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Stub:
    """A scripted HTTP server: each request takes the next (status, body, headers) reply."""

    replies: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            state.requests.append((parts.path, parse_qs(parts.query), dict(self.headers.items())))
            status, body, headers = state.replies.pop(0) if state.replies else (500, {}, {})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def no_wait() -> Throttle:
    return Throttle(0.0)


def test_kite_quote_is_requested_with_i_params_and_v3_headers(stub: Stub) -> None:
    # Given Kite answering /quote with two instruments
    stub.replies.append((200, fixture("kite_quote.json"), {}))
    kite = KiteQuotes("key123", "tok456", base_url=stub.url, throttle=no_wait())
    # When both are fetched
    quotes = kite.fetch(["NSE:INFY", "NSE:NIFTY 50"])
    # Then one GET /quote carried i= per instrument and the v3 headers
    ((path, query, headers),) = stub.requests
    assert path == "/quote"
    assert query["i"] == ["NSE:INFY", "NSE:NIFTY 50"]
    assert headers["X-Kite-Version"] == "3"
    assert headers["Authorization"] == "token key123:tok456"
    # And prices are exact decimals, the timestamp is IST, change is from the previous close
    infy = quotes["NSE:INFY"]
    assert infy.ltp == Decimal("1545.8")
    assert infy.close == Decimal("1534.75")
    assert infy.open == Decimal("1530")
    assert infy.volume == 2417566
    assert infy.ts.isoformat() == "2025-11-14T10:31:02+05:30"
    assert infy.to_json()["change"] == "11.05"
    assert infy.to_json()["changePct"] == "0.72"
    assert quotes["NSE:NIFTY 50"].ltp == Decimal("25910.05")


def test_kite_token_error_envelope_is_a_provider_error(stub: Stub) -> None:
    stub.replies.append((403, fixture("kite_token_error.json"), {}))
    kite = KiteQuotes("k", "expired", base_url=stub.url, throttle=no_wait())
    with pytest.raises(ProviderError) as caught:
        kite.fetch(["NSE:INFY"])
    assert caught.value.error_type == "TokenException"
    assert caught.value.status == 403
    assert "access_token" in caught.value.message


def test_kite_429_is_rate_limited_with_retry_after(stub: Stub) -> None:
    stub.replies.append((429, fixture("kite_rate_limited.json"), {"Retry-After": "2"}))
    kite = KiteQuotes("k", "t", base_url=stub.url, throttle=no_wait())
    with pytest.raises(ProviderRateLimited) as caught:
        kite.fetch(["NSE:INFY"])
    assert caught.value.retry_after_s == 2
    assert caught.value.error_type == "NetworkException"


def test_kite_error_status_in_a_200_body_is_still_an_error(stub: Stub) -> None:
    body = {"status": "error", "message": "Invalid instrument", "error_type": "InputException"}
    stub.replies.append((200, body, {}))
    with pytest.raises(ProviderError) as caught:
        KiteQuotes("k", "t", base_url=stub.url, throttle=no_wait()).fetch(["NSE:NOPE"])
    assert caught.value.error_type == "InputException"


def test_kite_batches_500_instruments_a_call(stub: Stub) -> None:
    # Given 1,001 symbols / When fetched in batches / Then three calls: 500, 500, 1
    stub.replies.extend([(200, {"status": "success", "data": {}}, {})] * 3)
    kite = KiteQuotes("k", "t", base_url=stub.url, throttle=no_wait())
    fetch_in_batches(kite, [f"NSE:S{i}" for i in range(1001)])
    assert [len(q["i"]) for _, q, _ in stub.requests] == [500, 500, 1]


def test_throttle_spaces_calls_one_second_apart() -> None:
    # Given a fake clock / When three calls pass the 1 req/s throttle back to back
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    throttle = Throttle(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        throttle.wait()
    # Then the second and third waited a second each
    assert slept == [1.0, 1.0]


def test_upstox_ltp_maps_instrument_keys_back_to_symbols(stub: Stub) -> None:
    stub.replies.append((200, fixture("upstox_ltp.json"), {}))
    upstox = UpstoxQuotes("bearer-tok", base_url=stub.url, throttle=no_wait())
    quotes = upstox.fetch(["NSE:INFY", "NSE:NIFTY 50", "NSE:UNMAPPED"])
    ((path, query, headers),) = stub.requests
    assert path == "/v2/market-quote/ltp"
    assert query["instrument_key"] == ["NSE_EQ|INE009A01021,NSE_INDEX|Nifty 50"]
    assert headers["Authorization"] == "Bearer bearer-tok"
    assert quotes["NSE:INFY"].ltp == Decimal("1545.8")
    assert quotes["NSE:NIFTY 50"].ltp == Decimal("25910.05")
    assert "NSE:UNMAPPED" not in quotes
    # LTP has no previous close: change stays null
    assert quotes["NSE:INFY"].to_json()["change"] is None


def test_upstox_error_envelope_and_429(stub: Stub) -> None:
    stub.replies.append((401, fixture("upstox_error.json"), {}))
    stub.replies.append(
        (
            429,
            {"status": "error", "errors": [{"errorCode": "UDAPI10005", "message": "Too Many Request Sent"}]},
            {},
        )
    )
    upstox = UpstoxQuotes("t", base_url=stub.url, throttle=no_wait())
    with pytest.raises(ProviderError) as caught:
        upstox.fetch(["NSE:INFY"])
    assert caught.value.error_type == "UDAPI100050"
    with pytest.raises(ProviderRateLimited):
        upstox.fetch(["NSE:INFY"])


def test_simulated_feed_is_deterministic_for_a_seed_and_realistic() -> None:
    # Given two simulated feeds of one seed (two containers) over a session, minute by minute
    moments = [datetime(2025, 11, 14, 9, 15, tzinfo=IST) + timedelta(minutes=m) for m in range(0, 375, 19)]
    clock = iter(moments * 2)
    a = SimulatedQuotes(seed=42, clock=lambda: next(clock))
    b = SimulatedQuotes(seed=42, clock=lambda: next(clock))
    symbols = ["NSE:NIFTY 50", "NSE:NIFTY BANK", "NSE:INFY"]
    # Then they quote the same prices at the same moments, and the prices move
    qa = [a.fetch(symbols) for _ in moments]
    qb = [b.fetch(symbols) for _ in moments]
    assert [{s: q.ltp for s, q in x.items()} for x in qa] == [{s: q.ltp for s, q in x.items()} for x in qb]
    assert len({x["NSE:INFY"].ltp for x in qa}) > 5
    nifty = qa[-1]["NSE:NIFTY 50"]
    assert Decimal("24000") < nifty.ltp < Decimal("28000")
    assert nifty.low is not None and nifty.high is not None and nifty.low <= nifty.ltp <= nifty.high
    assert (nifty.ltp * 20) % 1 == 0  # tick size 0.05
