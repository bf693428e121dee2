"""Screenshots on trades through the gateway over the test store, Redis and moto's S3 and SQS:
POST /v1/attachments/trades/{tradeId} (a presigned POST) → the upload → POST .../confirm → the
attachments queue → the attachment worker → GET /v1/attachments/trades/{tradeId} with presigned links;
rejected uploads, the 5 MB and 10-a-trade limits, isolation, deletion (docs/attachments.md)."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from PIL import Image
from pymongo.database import Database

from local.events.sqs import sqs_record
from tests.integration.test_trades_api import execute, get, trades
from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tests.support.lambda_events import lambda_context
from tradetrack.attachments import repository
from tradetrack.attachments.images import MAX_BYTES
from tradetrack.config import reset_settings

Db = Database[dict[str, Any]]
BUCKET = "test-attachments"
REGION = "ap-south-1"


@pytest.fixture
def api(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    """moto's attachments bucket and queue, named in the environment."""
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs: Any = boto3.client("sqs", region_name=REGION)
    monkeypatch.setenv("ATTACHMENTS_BUCKET", BUCKET)
    monkeypatch.setenv("ATTACHMENTS_QUEUE_URL", sqs.create_queue(QueueName="attachments")["QueueUrl"])
    reset_settings()
    return gateway


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


def test_a_screenshot_is_uploaded_cleaned_thumbnailed_and_listed(api: Gateway, mongo_db: Db) -> None:
    # Given a trader's trade
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    # When they ask to attach a screenshot
    reply = ask(api, trader, trade_id, fileName="my chart (1).jpg")
    # Then they get an attachment awaiting its upload and a presigned POST for one key of theirs
    assert reply.status == 201, reply.text
    attachment, form = reply.body["attachment"], reply.body["upload"]
    assert (attachment["status"], attachment["tradeId"], attachment["fileName"]) == (
        "awaiting_upload", trade_id, "my-chart-1-.jpg",
    )  # fmt: skip
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    key = form["fields"]["key"]
    assert ["content-length-range", 1, MAX_BYTES] in policy["conditions"]
    assert {"key": key} in policy["conditions"] and form["maxBytes"] == 5 * 1024 * 1024
    prefix, user, token, name = key.split("/")
    assert (prefix, user, name) == ("attachments", trader.user_id, "upload") and len(token) >= 43
    # When the JPEG (with EXIF: maker, GPS) is uploaded to the form and confirmed
    assert upload(form, screenshot()) == 204
    confirmed = confirm(api, trader, attachment["attachmentId"])
    # Then it is queued for the worker
    assert (confirmed.status, confirmed.body["status"]) == (202, "processing"), confirmed.text
    # When the worker runs
    messages = drain()
    assert len(messages) == 1
    assert run_worker(messages) == {"batchItemFailures": []}
    # Then the trade lists it ready, with the image's size and a 320-pixel-wide thumbnail
    [item] = listed(api, trader, trade_id)
    assert (item["status"], item["contentType"], item["width"], item["height"]) == (
        "ready",
        "image/jpeg",
        1200,
        800,
    )
    assert (item["thumbnailWidth"], item["thumbnailHeight"]) == (320, 213)
    original = requests.get(item["url"], timeout=10)
    thumb = requests.get(item["thumbnailUrl"], timeout=10)
    assert "X-Amz-Expires=300" in item["url"] and original.status_code == thumb.status_code == 200
    # And the image served has no EXIF left, the thumbnail is a 320 × 213 JPEG
    assert b"PhoneMaker" not in original.content and not Image.open(io.BytesIO(original.content)).getexif()
    assert len(original.content) == item["size"]
    small = Image.open(io.BytesIO(thumb.content))
    assert (small.format, small.size) == ("JPEG", (320, 213))
    # And the upload as sent is gone: only the cleaned image and the thumbnail are kept
    base = key.removesuffix("upload")
    assert objects() == [base + repository.IMAGE, base + repository.THUMBNAIL]
    # And a redelivered message changes nothing, and a second confirmation queues nothing
    stored = mongo_db[repository.ATTACHMENTS].find_one({"_id": item["attachmentId"]})
    assert run_worker(messages) == {"batchItemFailures": []}
    assert mongo_db[repository.ATTACHMENTS].find_one({"_id": item["attachmentId"]}) == stored
    assert objects() == [base + repository.IMAGE, base + repository.THUMBNAIL]
    assert confirm(api, trader, item["attachmentId"]).body["status"] == "ready"
    assert drain() == []


def test_a_portrait_phone_photo_stored_sideways_is_served_upright_without_exif(api: Gateway) -> None:
    # Given a trader's trade and a portrait phone photo as the phone stores it: a 1200 × 800 frame
    # with EXIF Orientation 6 (turn 90° clockwise to show), whose stored bottom-left corner, a red
    # block, is the picture's top-left
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    frame = Image.new("RGB", (1200, 800), (240, 240, 240))
    frame.paste((220, 0, 0), (0, 700, 100, 800))
    tags = Image.Exif()
    tags[0x0112] = 6  # Orientation
    tags[0x010F] = "PhoneMaker"  # Make
    photo = io.BytesIO()
    frame.save(photo, "JPEG", exif=tags, quality=95)
    # When it is attached and the worker runs
    attach(api, trader, trade_id, photo.getvalue())
    assert run_worker() == {"batchItemFailures": []}
    # Then it is listed ready as the portrait it is, with a portrait thumbnail
    [item] = listed(api, trader, trade_id)
    assert (item["status"], item["width"], item["height"]) == ("ready", 800, 1200)
    assert (item["thumbnailWidth"], item["thumbnailHeight"]) == (320, 480)
    # And the image and the thumbnail served are upright (the red block top left), without EXIF
    original = Image.open(io.BytesIO(requests.get(item["url"], timeout=10).content)).convert("RGB")
    small = Image.open(io.BytesIO(requests.get(item["thumbnailUrl"], timeout=10).content)).convert("RGB")
    assert (original.size, small.size) == ((800, 1200), (320, 480))
    assert not original.getexif()
    for picture in (original, small):
        width, height = picture.size
        top_left: Any = picture.getpixel((5, 5))
        bottom_right: Any = picture.getpixel((width - 6, height - 6))
        assert top_left[0] > 150 > top_left[1] and bottom_right[1] > 200  # red there, grey here


def test_a_redelivery_after_a_run_cut_short_deletes_the_upload_left_behind(
    api: Gateway, mongo_db: Db
) -> None:
    # Given a screenshot the worker made ready, whose upload was left behind (a run cut short after
    # it stored the state and before it deleted the upload)
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    attachment_id = attach(api, trader, trade_id, screenshot((400, 300)))
    messages = drain()
    assert run_worker(messages) == {"batchItemFailures": []}
    [item] = listed(api, trader, trade_id)
    base = mongo_db[repository.ATTACHMENTS].find_one({"_id": attachment_id})["prefix"]  # type: ignore[index]
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=BUCKET, Key=base + repository.UPLOAD, Body=screenshot((400, 300)))
    # When SQS delivers the message again
    assert run_worker(messages) == {"batchItemFailures": []}
    # Then the upload is gone and the screenshot is as it was
    assert objects() == [base + repository.IMAGE, base + repository.THUMBNAIL]
    assert get(api, trader, f"/v1/attachments/{attachment_id}").body["readyAt"] == item["readyAt"]


def test_the_upload_form_asks_s3_for_the_storage_key_and_expires_in_five_minutes(
    api: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the storage stack's KMS key configured (as CDK sets it)
    key_arn = "arn:aws:kms:ap-south-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000000"
    monkeypatch.setenv("ATTACHMENTS_KMS_KEY_ID", key_arn)
    reset_settings()
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    # When an upload form is asked for
    reply = ask(api, trader, trade_id)
    # Then its fields and its signed policy require SSE-KMS with that key, and it expires in 300 s
    fields = reply.body["upload"]["fields"]
    assert fields["x-amz-server-side-encryption"] == "aws:kms"
    assert fields["x-amz-server-side-encryption-aws-kms-key-id"] == key_arn
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"x-amz-server-side-encryption": "aws:kms"} in policy["conditions"]
    assert {"x-amz-server-side-encryption-aws-kms-key-id": key_arn} in policy["conditions"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 290 <= (expires - datetime.now(UTC)).total_seconds() <= 300


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("chart.png", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),  # a Windows executable, renamed
        ("chart.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("chart.jpg", b"<!doctype html><html><body><script>alert(1)</script></body></html>"),
    ],
)
def test_anything_but_an_image_is_rejected_by_its_bytes_and_deleted(
    api: Gateway, name: str, data: bytes
) -> None:
    # Given a trader's trade and a file that is no image, named like one
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    # When it is uploaded, confirmed and processed
    attachment_id = attach(api, trader, trade_id, data, name)
    assert run_worker() == {"batchItemFailures": []}
    # Then the attachment is rejected with why, and nothing of it is kept
    [item] = listed(api, trader, trade_id)
    assert (item["status"], item["error"], item["url"]) == ("rejected", "not a PNG, JPEG or WebP image", None)
    assert item["attachmentId"] == attachment_id
    assert objects() == []


def test_a_file_over_5_mb_is_refused_and_deleted(api: Gateway) -> None:
    # Given an attachment whose upload is one byte over 5 MB (moto does not enforce the POST policy's
    # content-length-range, which S3 does: the confirmation checks the size too)
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    reply = ask(api, trader, trade_id)
    assert upload(reply.body["upload"], b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES - 7)) == 204
    # When it is confirmed
    refused = confirm(api, trader, reply.body["attachment"]["attachmentId"])
    # Then it is 413, rejected, deleted, and nothing is queued
    assert (refused.status, refused.error_code()) == (413, "PAYLOAD_TOO_LARGE"), refused.text
    assert refused.body["error"]["details"][0]["limitBytes"] == MAX_BYTES
    [item] = listed(api, trader, trade_id)
    assert item["status"] == "rejected" and "5,242,880" in item["error"]
    assert objects() == [] and drain() == []


def test_another_users_trade_and_attachment_are_404(api: Gateway) -> None:
    # Given an owner's trade with a ready screenshot
    owner, intruder = new_account(api), new_account(api)
    trade_id = a_trade(api, owner)
    attachment_id = attach(api, owner, trade_id, screenshot((400, 300), "PNG"))
    run_worker()

    def owner_view() -> Any:
        return [(i["attachmentId"], i["status"]) for i in listed(api, owner, trade_id)]

    # When the intruder reads, confirms or deletes it, or lists or attaches to the trade, Then 404
    assert_isolated(api, owner, intruder, [OwnedRoute("GET", "/v1/attachments/{id}"),
                                           OwnedRoute("POST", "/v1/attachments/{id}/confirm"),
                                           OwnedRoute("DELETE", "/v1/attachments/{id}")],
                    attachment_id, owner_view=owner_view)  # fmt: skip
    assert_isolated(api, owner, intruder, [OwnedRoute("GET", "/v1/attachments/trades/{id}"),
                                           OwnedRoute("POST", "/v1/attachments/trades/{id}", json_body={})],
                    trade_id, owner_view=owner_view)  # fmt: skip
    assert len(objects()) == 2


def test_delete_removes_the_objects(api: Gateway) -> None:
    # Given a ready screenshot
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    attachment_id = attach(api, trader, trade_id, screenshot((800, 600), "WEBP"))
    run_worker()
    assert len(objects()) == 2
    # When it is deleted
    reply = api.request("DELETE", f"/v1/attachments/{attachment_id}", token=trader.access_token)
    # Then 204, the trade lists nothing, and its objects are gone
    assert reply.status == 204, reply.text
    assert listed(api, trader, trade_id) == [] and objects() == []
    assert get(api, trader, f"/v1/attachments/{attachment_id}").status == 404


def test_a_trade_takes_ten_screenshots(api: Gateway) -> None:
    # Given a trade with ten screenshots asked for
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    ids = [ask(api, trader, trade_id).body["attachment"]["attachmentId"] for _ in range(10)]
    # When an eleventh is asked for, Then 409 says the limit
    refused = ask(api, trader, trade_id)
    assert (refused.status, refused.error_code()) == (409, "CONFLICT"), refused.text
    assert refused.body["error"]["details"] == [
        {"field": "tradeId", "issue": "too_many_attachments", "limit": 10}
    ]
    # When one is deleted, Then another may be added
    assert api.request("DELETE", f"/v1/attachments/{ids[0]}", token=trader.access_token).status == 204
    assert ask(api, trader, trade_id).status == 201


def test_upload_forms_that_expired_unused_do_not_count(api: Gateway, mongo_db: Db) -> None:
    # Given a trade with ten upload forms asked for and never used, ten minutes ago (their 300 s over)
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    ids = [ask(api, trader, trade_id).body["attachment"]["attachmentId"] for _ in range(10)]
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    mongo_db[repository.ATTACHMENTS].update_many(
        {"_id": {"$in": ids}}, {"$set": {"createdAt": ten_minutes_ago}}
    )
    # When another is asked for, Then it is given: the expired ones do not count
    assert ask(api, trader, trade_id).status == 201
    # And confirming an expired one says so (409 upload_expired), and it may be deleted
    late = confirm(api, trader, ids[0])
    assert (late.status, late.body["error"]["details"][0]["issue"]) == (409, "upload_expired"), late.text
    assert api.request("DELETE", f"/v1/attachments/{ids[0]}", token=trader.access_token).status == 204


def test_bad_requests_are_4xx(api: Gateway) -> None:
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    attachment_id = ask(api, trader, trade_id).body["attachment"]["attachmentId"]
    # a confirmation before the upload: 409 not_uploaded, and nothing queued
    early = confirm(api, trader, attachment_id)
    assert (early.status, early.body["error"]["details"][0]["issue"]) == (409, "not_uploaded")
    assert drain() == []
    # an unknown field, a file name too long, a body that is no object: 400
    assert ask(api, trader, trade_id, contentType="image/png").status == 400
    assert ask(api, trader, trade_id, fileName="x" * 201).status == 400
    raw = api.request("POST", f"/v1/attachments/trades/{trade_id}", raw_body="[1]", token=trader.access_token)
    assert raw.status == 400
    # a malformed attachment id: 400; an unknown one or trade: 404; anonymous: 401
    assert get(api, trader, "/v1/attachments/att_xyz").status == 400
    assert get(api, trader, "/v1/attachments/att_000000000000000000000000").status == 404
    assert ask(api, trader, "trd_unknown").status == 404
    assert api.request("GET", f"/v1/attachments/trades/{trade_id}").status == 401


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


def test_a_screenshot_is_deleted_with_its_orphaned_annotation(api: Gateway) -> None:
    # Given an orphaned annotation whose trade had a screenshot
    trader = new_account(api)
    anchor, attachment_id = orphan_with_a_screenshot(api, trader)
    # Then the screenshot is kept while the annotation is (listed by id, objects in S3)
    assert get(api, trader, f"/v1/attachments/{attachment_id}").body["status"] == "ready"
    assert len(objects()) == 2
    # When the user discards the orphaned annotation
    reply = api.request("DELETE", f"/v1/data-quality/orphans/{anchor}", token=trader.access_token)
    # Then the screenshot and its objects are deleted with it
    assert reply.status == 204, reply.text
    assert get(api, trader, f"/v1/attachments/{attachment_id}").status == 404
    assert objects() == []


def test_a_screenshot_goes_with_its_orphaned_annotation_to_the_trade_it_is_attached_to(api: Gateway) -> None:
    # Given an orphaned annotation whose trade had a screenshot, and another trade
    trader = new_account(api)
    anchor, attachment_id = orphan_with_a_screenshot(api, trader)
    execute(api, trader, "BUY", 5, "200", symbol="TCS", at="11:00")
    [target] = [t["tradeId"] for t in trades(api, trader) if t["symbol"] == "TCS"]
    assert listed(api, trader, target) == []
    # When the orphan is attached to that trade
    body = {"tradeId": target}
    reply = api.request(
        "POST", f"/v1/data-quality/orphans/{anchor}/attach", json_body=body, token=trader.access_token
    )
    # Then the trade lists the screenshot
    assert reply.status == 200, reply.text
    assert [(i["attachmentId"], i["tradeId"], i["status"]) for i in listed(api, trader, target)] == [
        (attachment_id, target, "ready")
    ]
