"""The attachments' upload forms (POST /v1/attachments/trades/{tradeId}): the storage key and
expiry S3 is asked for, ten screenshots a trade, expired forms not counted, bad requests 4xx."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.attachments.support import (
    Db,
    a_trade,
    ask,
    confirm,
    drain,
)
from tests.integration.test_trades_api import get
from tests.support.auth import new_account
from tests.support.gateway import Gateway
from tradetrack.attachments import repository
from tradetrack.config import reset_settings


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
