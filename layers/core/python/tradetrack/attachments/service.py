"""Screenshots on trades (docs/attachments.md): a presigned upload, a confirmation that queues the
upload for the attachment worker, the trade's list with short-lived presigned links, deletion.

1. `request_upload` (POST /v1/attachments/trades/{tradeId}): the user's trade (404 otherwise), at
   most MAX_PER_TRADE screenshots (counted under a Redis lock on the trade), an attachment
   `awaiting_upload` and an S3 presigned POST for one fixed key under a per-user random prefix
   (attachments/<userId>/<random>/upload) with a content-length-range of 1..MAX_BYTES.
2. `confirm_upload` (POST /v1/attachments/{id}/confirm): the object is there (409 otherwise) and
   within MAX_BYTES (413 otherwise: it is deleted and the attachment `rejected`); the attachment is
   `processing` and {"attachmentId", "userId"} goes to the attachments queue. Not an S3 event: the
   confirmation works alike on moto and in AWS and keeps the storage stack free of any reference to
   the backend's queue.
3. `process_upload` (the attachment worker): the bytes are sniffed and cleaned
   (tradetrack.attachments.images: PNG, JPEG, WebP only; EXIF, XMP and text dropped, the EXIF
   orientation read first), decoded, turned upright by that orientation and thumbnailed
   (tradetrack.attachments.thumbnails, Pillow, the worker's layer only); the cleaned
   image and the thumbnail are written (SSE-KMS) and the upload's version deleted for good, then the
   attachment is `ready`. Anything else is `rejected` with why, and its upload deleted.

Attachments follow their anchor as annotations do (tradetrack.trade_notes): a trade lists the
screenshots of its own id and of the anchors whose opening execution it now holds; an orphaned
anchor keeps its screenshots, which go with the orphan when it is attached to a trade and are
deleted with it when it is discarded (tradetrack.orphans).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import redis
from pymongo.database import Database

from tradetrack.attachments import repository as repo
from tradetrack.attachments.images import MAX_BYTES, ImageRejected, clean_image, exif_orientation
from tradetrack.attachments.models import (
    AttachmentList,
    AttachmentOut,
    AttachmentUpload,
    AttachRequest,
    UploadForm,
)
from tradetrack.cache.locks import redis_lock
from tradetrack.db import trades
from tradetrack.errors import Conflict, NotFound, PayloadTooLarge
from tradetrack.observability import logger
from tradetrack.timeutil import IST
from tradetrack.trade_notes import anchor_execution

if TYPE_CHECKING:  # Pillow is in the attachment worker's layer only
    from tradetrack.attachments.thumbnails import Processed

Document = dict[str, Any]
Outcome = Literal["ready", "rejected", "already_done", "missing"]
MAX_PER_TRADE = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Storage:
    """The attachments bucket, its client and the KMS key for SSE-KMS (empty: the bucket's default)."""

    s3: Any
    bucket: str
    kms_key_id: str = ""
    url_ttl_s: int = 300

    def encryption(self) -> Document:
        if not self.kms_key_id:
            return {}
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id, "BucketKeyEnabled": True}


def default_storage() -> Storage:
    """The configured bucket (ATTACHMENTS_BUCKET, ATTACHMENTS_KMS_KEY_ID, ATTACHMENT_URL_TTL_S)."""
    from tradetrack.aws import aws_client
    from tradetrack.config import get_settings

    settings = get_settings()
    return Storage(
        aws_client("s3"),
        settings.attachments_bucket,
        settings.attachments_kms_key_id,
        settings.attachment_url_ttl_s,
    )


def safe_file_name(name: str | None) -> str | None:
    if name is None:
        return None
    return _UNSAFE.sub("-", name).strip(".-")[:100] or None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _out(doc: Document, storage: Storage | None = None) -> AttachmentOut:
    url = thumbnail_url = expires_at = None
    if storage is not None and doc["status"] == "ready":
        url = _presigned_get(storage, doc["prefix"] + repo.IMAGE, doc["contentType"], doc.get("fileName"))
        thumbnail_url = _presigned_get(storage, doc["prefix"] + repo.THUMBNAIL, "image/jpeg", None)
        expires_at = (datetime.now(UTC) + timedelta(seconds=storage.url_ttl_s)).astimezone(IST)
    return AttachmentOut(
        attachment_id=doc["_id"],
        trade_id=doc["anchor"],
        status=doc["status"],
        file_name=doc.get("fileName"),
        content_type=doc.get("contentType"),
        size=doc.get("size"),
        width=doc.get("width"),
        height=doc.get("height"),
        thumbnail_width=doc.get("thumbnailWidth"),
        thumbnail_height=doc.get("thumbnailHeight"),
        created_at=_aware(doc["createdAt"]).astimezone(IST),
        ready_at=_aware(doc["readyAt"]).astimezone(IST) if doc.get("readyAt") else None,
        url=url,
        thumbnail_url=thumbnail_url,
        expires_at=expires_at,
        error=doc.get("error"),
    )


def _presigned_get(storage: Storage, key: str, content_type: str, file_name: str | None) -> str:
    params = {"Bucket": storage.bucket, "Key": key, "ResponseContentType": content_type}
    if file_name:
        params["ResponseContentDisposition"] = f'inline; filename="{file_name}"'
    url: str = storage.s3.generate_presigned_url("get_object", Params=params, ExpiresIn=storage.url_ttl_s)
    return url


def _trade(db: Database[Document], user_id: str, trade_id: str) -> Document:
    doc = trades.get_trade(db, user_id, trade_id)
    if doc is None:
        raise NotFound("no such trade")
    return doc


def _on_trade(db: Database[Document], user_id: str, trade: Document) -> list[Document]:
    """The attachments the trade shows: its own anchor's, and those of anchors whose opening
    execution it holds when the anchor's own trade is gone (tradetrack.trade_notes.placed)."""
    own = trade["_id"]
    holds = set(trade.get("executionIds") or ())
    candidates = [
        own,
        *(f"trd_{e.removeprefix('exe_')}{suffix}" for e in sorted(holds) for suffix in ("", "_i")),
    ]
    found = repo.of_anchors(db, user_id, candidates)
    others = sorted({doc["anchor"] for doc in found} - {own})
    alive = {anchor for anchor in others if trades.get_trade(db, user_id, anchor) is not None}  # few
    return [
        doc
        for doc in found
        if doc["anchor"] == own or (doc["anchor"] not in alive and anchor_execution(doc["anchor"]) in holds)
    ]


def _form_expired(doc: Document, storage: Storage, now: datetime) -> bool:
    return _aware(doc["createdAt"]) + timedelta(seconds=storage.url_ttl_s) < now


def _counts(doc: Document, storage: Storage, now: datetime) -> bool:
    """Whether a screenshot counts towards the trade's limit: not a rejected one, nor one whose
    upload form expired unused (S3 refuses it now; it stays listed until deleted)."""
    if doc["status"] == "awaiting_upload":
        return not _form_expired(doc, storage, now)
    return bool(doc["status"] != "rejected")


def request_upload(
    db: Database[Document],
    cache: redis.Redis,
    storage: Storage,
    user_id: str,
    trade_id: str,
    request: AttachRequest,
    *,
    now: datetime | None = None,
) -> AttachmentUpload:
    """An attachment awaiting its upload and the presigned POST to upload it (see the module)."""
    trade = _trade(db, user_id, trade_id)
    moment = now or datetime.now(UTC)
    with redis_lock(cache, repo.trade_lock_key(user_id, trade_id)):
        kept = [doc for doc in _on_trade(db, user_id, trade) if _counts(doc, storage, moment)]
        if len(kept) >= MAX_PER_TRADE:
            raise Conflict(
                f"a trade has at most {MAX_PER_TRADE} screenshots: delete one first",
                details=[{"field": "tradeId", "issue": "too_many_attachments", "limit": MAX_PER_TRADE}],
            )
        prefix = repo.new_prefix(user_id)
        doc: Document = {
            "_id": repo.new_attachment_id(),
            "userId": user_id,
            "anchor": trade_id,
            "status": "awaiting_upload",
            "fileName": safe_file_name(request.file_name),
            "prefix": prefix,
            "createdAt": moment,
            "updatedAt": moment,
        }
        repo.create(db, doc)
    fields: dict[str, str] = {}
    conditions: list[Any] = [["content-length-range", 1, MAX_BYTES]]
    if storage.kms_key_id:
        fields = {
            "x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id": storage.kms_key_id,
        }
        conditions += [{name: value} for name, value in fields.items()]
    post = storage.s3.generate_presigned_post(
        Bucket=storage.bucket,
        Key=prefix + repo.UPLOAD,
        Fields=fields,
        Conditions=conditions,
        ExpiresIn=storage.url_ttl_s,
    )
    form = UploadForm(
        url=post["url"],
        fields={str(k): str(v) for k, v in post["fields"].items()},
        max_bytes=MAX_BYTES,
        expires_at=(moment + timedelta(seconds=storage.url_ttl_s)).astimezone(IST),
    )
    return AttachmentUpload(attachment=_out(doc), upload=form)


def _owned(db: Database[Document], user_id: str, attachment_id: str) -> Document:
    doc = repo.get(db, user_id, attachment_id)
    if doc is None:
        raise NotFound("no such attachment")
    return doc


def _object(storage: Storage, key: str, *, body: bool = False) -> Document | None:
    """HEAD (or GET, `body`) of one object; None when it is not there."""
    from botocore.exceptions import ClientError

    try:
        if body:
            found: Document = storage.s3.get_object(Bucket=storage.bucket, Key=key)
        else:
            found = storage.s3.head_object(Bucket=storage.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return found


def _version(found: Document) -> str | None:
    """The object's version id; None in a bucket without versioning ("null" or absent)."""
    version = found.get("VersionId")
    return str(version) if version and version != "null" else None


def confirm_upload(
    db: Database[Document],
    storage: Storage,
    user_id: str,
    attachment_id: str,
    enqueue: Callable[[Document], None],
    *,
    now: datetime | None = None,
) -> AttachmentOut:
    """Queue the uploaded file for the worker (202); a confirmed attachment answers with its state."""
    doc = _owned(db, user_id, attachment_id)
    if doc["status"] != "awaiting_upload":
        return _out(doc)
    key = doc["prefix"] + repo.UPLOAD
    head = _object(storage, key)
    moment = now or datetime.now(UTC)
    if head is None and _form_expired(doc, storage, moment):
        raise Conflict(
            "the upload form expired unused: delete this attachment and ask for another",
            details=[{"field": "attachmentId", "issue": "upload_expired"}],
        )
    if head is None:
        raise Conflict(
            "the screenshot is not uploaded yet: POST it to the upload form first",
            details=[{"field": "attachmentId", "issue": "not_uploaded"}],
        )
    size = int(head["ContentLength"])
    if size > MAX_BYTES:  # S3's policy refuses these; an upload made otherwise is refused here
        storage.s3.delete_object(Bucket=storage.bucket, Key=key)
        error = f"the file is {size:,} bytes; at most {MAX_BYTES:,} are accepted"
        repo.set_state(db, attachment_id, "rejected", moment, error=error)
        raise PayloadTooLarge(
            error, details=[{"field": "file", "issue": "too_large", "limitBytes": MAX_BYTES}]
        )
    repo.set_state(db, attachment_id, "processing", moment)
    enqueue({"attachmentId": attachment_id, "userId": user_id})
    return _out(doc | {"status": "processing"})


def attachment_status(
    db: Database[Document], storage: Storage, user_id: str, attachment_id: str
) -> AttachmentOut:
    return _out(_owned(db, user_id, attachment_id), storage)


def list_for_trade(db: Database[Document], storage: Storage, user_id: str, trade_id: str) -> AttachmentList:
    trade = _trade(db, user_id, trade_id)
    return AttachmentList(
        items=[_out(doc, storage) for doc in _on_trade(db, user_id, trade)], limit=MAX_PER_TRADE
    )


def _delete_objects(storage: Storage, docs: Sequence[Document]) -> None:
    """The objects of these attachments (deleting one that is not there is no error in S3)."""
    for doc in docs:
        for name in (repo.UPLOAD, repo.IMAGE, repo.THUMBNAIL):
            storage.s3.delete_object(Bucket=storage.bucket, Key=doc["prefix"] + name)


def delete_attachment(db: Database[Document], storage: Storage, user_id: str, attachment_id: str) -> None:
    doc = _owned(db, user_id, attachment_id)
    _delete_objects(storage, [doc])
    repo.delete(db, [attachment_id])


def discard_anchor(db: Database[Document], storage: Storage, user_id: str, anchor: str) -> int:
    """Delete every attachment of the anchor (its orphaned annotation is discarded); how many."""
    docs = repo.of_anchors(db, user_id, [anchor])
    if docs and not storage.bucket:  # a function not granted the bucket: keep them rather than lose track
        logger.warning(
            "attachments kept: no ATTACHMENTS_BUCKET", extra={"anchor": anchor, "count": len(docs)}
        )
        return 0
    _delete_objects(storage, docs)
    repo.delete(db, [doc["_id"] for doc in docs])
    return len(docs)


def move_anchor(db: Database[Document], user_id: str, anchor: str, trade_id: str) -> None:
    """The anchor's attachments go to the trade its orphaned annotation was attached to."""
    repo.move_anchor(db, user_id, anchor, trade_id)


# ---- the worker --------------------------------------------------------------------------------


@dataclass
class WorkerDeps:
    db: Database[Document]
    storage: Storage
    # (cleaned image, EXIF orientation) -> size as shown, JPEG thumbnail, its size and the image
    # turned upright when the orientation turns it (tradetrack.attachments.thumbnails.thumbnail: Pillow)
    thumbnail: Callable[[bytes, int], Processed]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def _read_upload(storage: Storage, key: str) -> tuple[bytes, str | None] | None:
    """(at most MAX_BYTES + 1 bytes of the upload, its version id); None when it is gone."""
    got = _object(storage, key, body=True)
    if got is None:
        return None
    with got["Body"] as body:
        data: bytes = body.read(MAX_BYTES + 1)
    return data, _version(got)


def _forget_upload(storage: Storage, key: str, version: str | None) -> None:
    """Delete the upload; its version too, so that the bytes as sent (with their EXIF) are not kept
    as a noncurrent version of the versioned bucket."""
    if version:
        storage.s3.delete_object(Bucket=storage.bucket, Key=key, VersionId=version)
    else:
        storage.s3.delete_object(Bucket=storage.bucket, Key=key)


def process_upload(deps: WorkerDeps, attachment_id: str) -> Outcome:
    """Clean, thumbnail and store one upload (see the module); idempotent. The state is written
    before the upload is deleted, so a run cut short between the two leaves no attachment stuck in
    `processing`: the message's next delivery finds it ready (or rejected) and deletes the upload."""
    storage = deps.storage
    doc = repo.get_any(deps.db, attachment_id)
    if doc is None:
        return "missing"
    key = doc["prefix"] + repo.UPLOAD
    if doc["status"] in ("ready", "rejected"):
        left = _object(storage, key)
        if left is not None:
            _forget_upload(storage, key, _version(left))
        return "already_done"
    read = _read_upload(storage, key)
    if read is None:
        return "missing"
    data, version = read
    try:
        kind, cleaned = clean_image(data)
        size, thumb, thumb_size, upright = deps.thumbnail(cleaned, exif_orientation(data))
    except ImageRejected as exc:
        repo.set_state(deps.db, attachment_id, "rejected", deps.clock(), error=str(exc))
        _forget_upload(storage, key, version)
        return "rejected"
    cleaned = upright or cleaned
    encryption = storage.encryption()
    storage.s3.put_object(
        Bucket=storage.bucket, Key=doc["prefix"] + repo.IMAGE, Body=cleaned, ContentType=kind, **encryption
    )
    storage.s3.put_object(
        Bucket=storage.bucket,
        Key=doc["prefix"] + repo.THUMBNAIL,
        Body=thumb,
        ContentType="image/jpeg",
        **encryption,
    )
    moment = deps.clock()
    fields = {
        "readyAt": moment,
        "contentType": kind,
        "size": len(cleaned),
        "width": size[0],
        "height": size[1],
        "thumbnailWidth": thumb_size[0],
        "thumbnailHeight": thumb_size[1],
    }
    if not repo.set_state(deps.db, attachment_id, "ready", moment, **fields):  # deleted meanwhile
        _delete_objects(storage, [doc])
        return "missing"
    _forget_upload(storage, key, version)
    return "ready"
