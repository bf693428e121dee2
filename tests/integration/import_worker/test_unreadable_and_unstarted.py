"""The import worker refusing what it cannot import: an unreadable file fails the import with the
reason; starting before the upload is 409, someone else's import 404."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from tests.integration.import_worker.support import (
    BUCKET,
    USER,
    Db,
    uploaded,
    worker,
)
from tradetrack.imports import jobs
from tradetrack.imports import status as status_of
from tradetrack.imports.jobs import run_import
from tradetrack.imports.models import UploadRequest


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"symbol,trade_date\nINFY,2024-04-01\n", "VALIDATION_ERROR", "missing required column"),
        (b"symbol,price\n" + "caf\xe9".encode("latin-1") + b",1\n", "UNPROCESSABLE", "UTF-8"),
        (b"", "UNPROCESSABLE", "empty"),
    ],
)
def test_an_unreadable_file_fails_the_import_with_the_reason(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, body: bytes, code: str, words: str
) -> None:
    import_id = uploaded(mongo_db, s3, body)
    deps, finished = worker(mongo_db, redis_client, s3)
    assert run_import(deps, import_id) == "failed"
    status = status_of.import_status(mongo_db, USER, import_id)
    assert status.state == "failed" and status.error is not None
    assert status.error.code == code and words in status.error.message
    assert [d["state"] for d in finished] == ["failed"]


def test_starting_before_the_upload_is_409_and_an_unknown_import_404(mongo_db: Db, s3: Any) -> None:
    from tradetrack.errors import Conflict, NotFound

    ticket = jobs.create_upload(
        mongo_db, s3, BUCKET, USER, UploadRequest.model_validate({"format": "generic"})
    )
    with pytest.raises(Conflict):
        jobs.start_import(mongo_db, s3, BUCKET, USER, ticket.import_id, enqueue=lambda _: None)
    with pytest.raises(NotFound):
        jobs.start_import(mongo_db, s3, BUCKET, "usr_other", ticket.import_id, enqueue=lambda _: None)
    assert status_of.import_status(mongo_db, USER, ticket.import_id).state == "awaiting_upload"
