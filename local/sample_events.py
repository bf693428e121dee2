"""Sample events for every manifest function, written to events/<function>/*.json.

`python -m local.sample_events` rewrites them; ids and times are fixed so the files only change
when the event builders or the manifest do (a test checks the committed files are current).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from functions.manifest import AUTHORIZER, FUNCTIONS, FunctionSpec, RestRoute
from local.authorizer import authorizer_event
from local.events.common import REST_API_ID, WS_API_ID
from local.events.rest import rest_event
from local.events.scheduled import scheduled_event
from local.events.sqs import sqs_event
from local.events.websocket import connect_event, disconnect_event, message_event

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"
EPOCH_MS = 1_767_252_600_000  # 2026-01-01T07:30:00Z (13:00 IST)
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
CONNECTION_ID = "L0SM9cOFvHcCIhw="
REST_DOMAIN = f"{REST_API_ID}.execute-api.ap-south-1.amazonaws.com"
WS_DOMAIN = f"{WS_API_ID}.execute-api.ap-south-1.amazonaws.com"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
SOURCE_IP = "203.0.113.10"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _example_path(route: RestRoute) -> tuple[str, dict[str, str]]:
    params: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        name = match[1].rstrip("+")
        params[name] = "example/path" if match[1].endswith("+") else f"example-{name}"
        return params[name]

    return re.sub(r"\{([^}]+)\}", fill, route.path), params


def _rest(route: RestRoute) -> dict[str, Any]:
    path, params = _example_path(route)
    body = b'{"example": true}' if route.method in ("POST", "PUT", "PATCH") else b""
    headers = [
        ("Accept", "application/json"),
        ("Host", REST_DOMAIN),
        ("User-Agent", USER_AGENT),
        ("X-Forwarded-For", SOURCE_IP),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    if body:
        headers.append(("Content-Type", "application/json"))
    return rest_event(
        method=route.method,
        path=path,
        resource=route.path,
        path_parameters=params,
        headers=headers,
        body=body,
        source_ip=SOURCE_IP,
        request_id=REQUEST_ID,
        epoch_ms=EPOCH_MS,
        domain_name=REST_DOMAIN,
    )


def _message(route_key: str, body: str) -> dict[str, Any]:
    return message_event(
        route_key=route_key,
        connection_id=CONNECTION_ID,
        request_id=REQUEST_ID,
        epoch_ms=EPOCH_MS + 5_000,
        connected_at_ms=EPOCH_MS,
        body=body,
        domain_name=WS_DOMAIN,
        source_ip=SOURCE_IP,
        user_agent=USER_AGENT,
    )


def _websocket(route_key: str) -> dict[str, dict[str, Any]]:
    if route_key == "$connect":
        headers = [("Host", WS_DOMAIN), ("Sec-WebSocket-Version", "13"), ("User-Agent", USER_AGENT)]
        event = connect_event(
            connection_id=CONNECTION_ID,
            request_id=REQUEST_ID,
            epoch_ms=EPOCH_MS,
            headers=headers,
            query=[("token", "example-access-token")],
            domain_name=WS_DOMAIN,
            source_ip=SOURCE_IP,
        )
        return {"connect": event}
    if route_key == "$disconnect":
        event = disconnect_event(
            connection_id=CONNECTION_ID,
            request_id=REQUEST_ID,
            epoch_ms=EPOCH_MS + 60_000,
            connected_at_ms=EPOCH_MS,
            domain_name=WS_DOMAIN,
            source_ip=SOURCE_IP,
            user_agent=USER_AGENT,
        )
        return {"disconnect": event}
    if route_key == "$default":
        return {
            "default_ping": _message(route_key, '{"action":"ping"}'),
            "default_bad_frame": _message(route_key, "{not json"),
        }
    return {f"route_{_slug(route_key)}": _message(route_key, json.dumps({"action": route_key}))}


SAMPLE_USER = "usr_0123456789abcdef0123456789abcdef"


def _as_authorized(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the route receives it once the REQUEST authorizer has allowed the caller."""
    context = {"userId": SAMPLE_USER, "role": "user", "principalId": SAMPLE_USER, "integrationLatency": 0}
    return {**event, "requestContext": {**event["requestContext"], "authorizer": context}}


def events_for(spec: FunctionSpec) -> dict[str, dict[str, Any]]:
    """File stem → event, for every trigger of `spec`."""
    events: dict[str, dict[str, Any]] = {}
    if spec.name == AUTHORIZER:
        events["request_get_v1_me"] = authorizer_event(_rest(RestRoute("GET", "/v1/me")))
        events["request_ws_connect"] = authorizer_event(_websocket("$connect")["connect"])
    for route in spec.rest:
        event = _rest(route)
        events[f"{route.method.lower()}_{_slug(route.path)}"] = (
            event if route.public else _as_authorized(event)
        )
    for route_key in spec.websocket:
        events.update({stem: _as_authorized(event) for stem, event in _websocket(route_key).items()})
    for source in spec.queues:
        message = {
            "MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
            "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
            "Body": json.dumps({"example": True}),
            "Attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": str(EPOCH_MS),
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": str(EPOCH_MS + 2),
            },
            "MD5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        }
        events[f"sqs_{_slug(source.queue)}"] = sqs_event([message], source.queue)
    for schedule in spec.schedules:
        moment = datetime.fromtimestamp(EPOCH_MS / 1000, UTC)
        events[f"schedule_{_slug(schedule.rule)}"] = (
            {"task": schedule.task}
            if schedule.task
            else scheduled_event(schedule.rule, event_id=REQUEST_ID, time=moment)
        )
    return events


def render(functions: tuple[FunctionSpec, ...] = FUNCTIONS) -> dict[str, str]:
    """Relative path under events/ → file text."""
    return {
        f"{spec.name}/{stem}.json": json.dumps(event, indent=2, ensure_ascii=False) + "\n"
        for spec in functions
        for stem, event in events_for(spec).items()
    }


def main() -> int:
    for relative, text in render().items():
        target = EVENTS_DIR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote events/{relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
