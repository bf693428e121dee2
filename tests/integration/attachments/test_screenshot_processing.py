"""Screenshots on trades through the attachment worker (docs/attachments.md): an upload sniffed,
cleaned of its metadata, turned upright, thumbnailed and listed; a redelivery after a run cut
short; anything but an image, or over 5 MB, rejected and deleted."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from tests.integration.attachments.support import (
    BUCKET,
    REGION,
    Db,
    a_trade,
    ask,
    attach,
    confirm,
    drain,
    listed,
    objects,
    run_worker,
    screenshot,
    upload,
)
from tests.integration.test_trades_api import get
from tests.support.auth import new_account
from tests.support.gateway import Gateway
from tradetrack.attachments import repository
from tradetrack.attachments.images import MAX_BYTES


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
