"""The local stack's start: imports its previous run left unfinished (moto kept neither their
uploads nor their queue messages), recovered by the capability's own rule."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def recover_interrupted_imports() -> None:
    """Imports a previous run of the stack left queued or running: their uploads and messages were in
    moto, which keeps nothing across restarts. Those past storing finish; the others fail, saying so,
    after the trades of the rows they stored are derived (tradetrack.imports.jobs)."""
    from tradetrack.aws import aws_client
    from tradetrack.cache.client import get_redis
    from tradetrack.config import get_settings
    from tradetrack.db import imports
    from tradetrack.db.client import get_database
    from tradetrack.imports.jobs import WorkerDeps, recover_without_upload

    settings = get_settings()
    deps = WorkerDeps(
        db=get_database(),
        cache=get_redis(),
        s3=aws_client("s3"),
        bucket=settings.imports_bucket,
        batch_rows=settings.import_batch_rows,
        should_stop=lambda: False,
    )
    for doc in imports.unfinished(deps.db):
        outcome = recover_without_upload(deps, doc["_id"])
        log.warning("import %s interrupted by the last stop: %s", doc["_id"], outcome)
