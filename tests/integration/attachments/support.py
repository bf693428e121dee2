"""What the attachments tests share: moto's bucket and queue read back, the worker run on the
queue's messages, a trade, a screenshot with EXIF, and the ask, upload, confirm and list steps."""

from __future__ import annotations

import io
from typing import Any

import boto3
import requests
from PIL import Image
from pymongo.database import Database

from local.events.sqs import sqs_record
from tests.integration.test_trades_api import execute, get, trades
from tests.support.auth import Account
from tests.support.gateway import Gateway, Reply
from tests.support.lambda_events import lambda_context

Db = Database[dict[str, Any]]


BUCKET = "test-attachments"


REGION = "ap-south-1"


def objects() -> list[str]:
    s3: Any = boto3.client("s3", region_name=REGION)
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def drain() -> list[dict[str, Any]]:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName="attachments")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    for message in got.get("Messages", []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return list(got.get("Messages", []))


def run_worker(messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    from functions.attachment_worker.handler import lambda_handler

    batch = drain() if messages is None else messages
    event = {"Records": [sqs_record(message, "attachments") for message in batch]}
    return dict(lambda_handler(event, lambda_context("attachment_worker")))


def a_trade(gateway: Gateway, account: Account) -> str:
    execute(gateway, account, "BUY", 10, "100", at="09:20")
    execute(gateway, account, "SELL", 10, "105", at="10:20")
    return str(trades(gateway, account)[0]["tradeId"])


def screenshot(size: tuple[int, int] = (1200, 800), fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, (240, 240, 240))
    for x in range(size[0]):
        image.putpixel((x, size[1] // 2), (200, 0, 0))
    tags = Image.Exif()
    tags[0x010F] = "PhoneMaker"  # Make
    tags[0x8825] = {1: "N", 2: (12.0, 58.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, fmt, exif=tags)
    return out.getvalue()


def ask(gateway: Gateway, account: Account, trade_id: str, **body: Any) -> Reply:
    return gateway.request(
        "POST", f"/v1/attachments/trades/{trade_id}", json_body=body, token=account.access_token
    )


def upload(form: dict[str, Any], data: bytes, name: str = "chart.png") -> int:
    reply = requests.post(form["url"], data=form["fields"], files={"file": (name, data)}, timeout=10)
    return reply.status_code


def confirm(gateway: Gateway, account: Account, attachment_id: str) -> Reply:
    return gateway.request("POST", f"/v1/attachments/{attachment_id}/confirm", token=account.access_token)


def attach(gateway: Gateway, account: Account, trade_id: str, data: bytes, name: str = "chart.jpg") -> str:
    """Ask, upload and confirm; the attachment's id."""
    reply = ask(gateway, account, trade_id, fileName=name)
    assert reply.status == 201, reply.text
    assert upload(reply.body["upload"], data, name) == 204
    assert confirm(gateway, account, reply.body["attachment"]["attachmentId"]).status == 202
    return str(reply.body["attachment"]["attachmentId"])


def listed(gateway: Gateway, account: Account, trade_id: str) -> list[dict[str, Any]]:
    reply = get(gateway, account, f"/v1/attachments/trades/{trade_id}")
    assert reply.status == 200, reply.text
    return list(reply.body["items"])


def orphan_with_a_screenshot(api: Gateway, trader: Account) -> tuple[str, str]:
    """(the anchor, the attachment): a trade with a note and a ready screenshot whose opening fill
    is deleted, so its annotation is orphaned (tradetrack.trade_notes)."""
    buy = execute(api, trader, "BUY", 10, "100", at="09:20")
    execute(api, trader, "SELL", 10, "105", at="10:20")
    anchor = str(trades(api, trader)[0]["tradeId"])
    noted = api.request(
        "PATCH", f"/v1/trades/{anchor}", json_body={"notes": "breakout"}, token=trader.access_token
    )
    assert noted.status == 200, noted.text
    attachment_id = attach(api, trader, anchor, screenshot((640, 480), "PNG"))
    assert run_worker() == {"batchItemFailures": []}
    deleted = api.request("DELETE", f"/v1/executions/{buy['executionId']}", token=trader.access_token)
    assert deleted.status == 204, deleted.text
    return anchor, attachment_id
