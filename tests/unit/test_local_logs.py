"""The local stack's log format: one human-readable line per entry by default, JSON on request."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from functions.manifest import FunctionSpec
from local.__main__ import parse_args
from local.lambda_runtime import make_context
from local.logs import (
    JsonFormatter,
    KeyValueFormatter,
    RenderedStream,
    isolate_powertools_log_keys,
    render_handler_line,
)

POWERTOOLS_LINE = json.dumps(
    {
        "level": "INFO",
        "location": "post_alert:31",
        "message": "alert created",
        "timestamp": "2026-12-06 17:58:13,243+0000",
        "service": "tradetrack",
        "cold_start": True,
        "function_name": "tradetrack-local-alerts",
        "function_memory_size": 256,
        "function_arn": "arn:aws:lambda:ap-south-1:123456789012:function:tradetrack-local-alerts",
        "function_request_id": "req-1",
        "correlation_id": "req-1",
        "alertId": "alr_1",
        "symbol": "NSE:TCS",
    }
)


def test_a_handler_entry_reads_as_time_level_function_message_and_its_keys() -> None:
    # When a Powertools JSON entry of the alerts function is rendered
    line = render_handler_line(POWERTOOLS_LINE)
    # Then it is the stack's own line shape, in UTC, without the keys every entry repeats
    assert line == (
        "2026-12-06T17:58:13.243Z INFO  alerts         alert created "
        "alertId=alr_1 symbol=NSE:TCS cold_start=true requestId=req-1"
    )


def test_a_handler_traceback_follows_indented() -> None:
    entry = {
        **json.loads(POWERTOOLS_LINE),
        "level": "ERROR",
        "exception": "Traceback:\n  boom\nValueError: x",
    }
    assert render_handler_line(json.dumps(entry)).splitlines()[1:] == [
        "    Traceback:",
        "      boom",
        "    ValueError: x",
    ]


def test_other_lines_pass_through() -> None:
    for line in ("TradeTrack local stack is running", "{not json", '{"some": "document"}', "[1, 2]"):
        assert render_handler_line(line) == line


def test_the_stream_renders_whole_lines_written_in_pieces() -> None:
    # Given a rendered stream, When an entry arrives in two writes, then a banner line
    target = io.StringIO()
    stream = RenderedStream(target)
    stream.write(POWERTOOLS_LINE[:40])
    assert target.getvalue() == ""
    stream.write(POWERTOOLS_LINE[40:] + "\nbanner\n")
    # Then each complete line is written once, rendered
    assert target.getvalue().splitlines() == [render_handler_line(POWERTOOLS_LINE), "banner"]


def _record(**extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("local.rest", logging.INFO, __file__, 1, "GET %s %s", ("/v1/me", 200), None)
    record.__dict__.update(extra)
    record.created = 1796579893.243
    return record


def test_the_stacks_own_entries_in_text_and_in_json() -> None:
    record = _record(function="users")
    assert (
        KeyValueFormatter().format(record)
        == "2026-12-06T17:58:13.243Z INFO  rest           GET /v1/me 200 function=users"
    )
    assert json.loads(JsonFormatter().format(record)) == {
        "timestamp": "2026-12-06T17:58:13.243Z",
        "level": "INFO",
        "component": "rest",
        "message": "GET /v1/me 200",
        "function": "users",
    }


def test_log_keys_of_concurrent_invocations_stay_their_own() -> None:
    # Given Powertools' one Logger, injecting the Lambda context of two functions running at once
    isolate_powertools_log_keys()
    output = io.StringIO()
    logger = Logger(service="log-keys-test", level="INFO", logger_handler=logging.StreamHandler(output))
    both_started = threading.Barrier(2)

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> None:
        both_started.wait(timeout=5)  # both contexts are injected before either logs
        logger.info("done", extra={"sent": event["name"]})

    def invoke(name: str) -> None:
        handler({"name": name}, make_context(FunctionSpec(name=name, capability="Test")))

    threads = [threading.Thread(target=invoke, args=(name,)) for name in ("alerts", "users")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then each entry names its own function
    entries = [json.loads(line) for line in output.getvalue().splitlines()]
    assert sorted((e["function_name"], e["sent"]) for e in entries) == [
        ("tradetrack-local-alerts", "alerts"),
        ("tradetrack-local-users", "users"),
    ]


def test_the_format_comes_from_the_flag_or_local_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_LOG_FORMAT", raising=False)
    assert parse_args([]).log_format == "text"
    monkeypatch.setenv("LOCAL_LOG_FORMAT", "JSON")
    assert parse_args([]).log_format == "json"
    assert parse_args(["--log-format", "text"]).log_format == "text"
    monkeypatch.setenv("LOCAL_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit):
        parse_args([])


def test_a_metrics_document_reads_as_one_metric_line() -> None:
    emf = {
        "_aws": {
            "Timestamp": 1796579893243,
            "CloudWatchMetrics": [
                {"Namespace": "TradeTrack", "Metrics": [{"Name": "ColdStart", "Unit": "Count"}]}
            ],
        },
        "function_name": "tradetrack-local-alerts",
        "ColdStart": [1.0],
    }
    assert (
        render_handler_line(json.dumps(emf))
        == "2026-12-06T17:58:13.243Z METRIC alerts         metrics ColdStart=1.0"
    )
