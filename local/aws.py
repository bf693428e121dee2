"""moto as the local AWS (SQS, SNS, SES, S3, Secrets Manager, KMS) and the manifest's queues in it."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from functions.manifest import FunctionSpec, QueueSource
from local.events.common import REGION

log = logging.getLogger("local.aws")

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}
UNSET = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


def dlq_name(queue: str) -> str:
    return f"{queue}-dlq"


@dataclass(frozen=True)
class QueueBinding:
    """A manifest queue with its consumer, as created in moto."""

    source: QueueSource
    consumer: FunctionSpec
    url: str
    dlq_url: str


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()


def sqs_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def queue_sources(functions: Iterable[FunctionSpec]) -> list[tuple[QueueSource, FunctionSpec]]:
    found: dict[str, tuple[QueueSource, FunctionSpec]] = {}
    for spec in functions:
        for source in spec.queues:
            if source.queue in found:
                raise ValueError(
                    f"queue {source.queue} has two consumers: {found[source.queue][1].name}, {spec.name}"
                )
            found[source.queue] = (source, spec)
    return list(found.values())


def create_queues(sqs: Any, functions: Iterable[FunctionSpec]) -> dict[str, QueueBinding]:
    """Each manifest queue with its DLQ (RedrivePolicy maxReceiveCount from the manifest)."""
    bindings: dict[str, QueueBinding] = {}
    for source, spec in queue_sources(functions):
        dlq_url = sqs.create_queue(
            QueueName=dlq_name(source.queue), Attributes={"MessageRetentionPeriod": "1209600"}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": source.max_receive_count}
        url = sqs.create_queue(
            QueueName=source.queue,
            Attributes={
                "VisibilityTimeout": str(source.visibility_timeout_s),
                "RedrivePolicy": json.dumps(policy),
            },
        )["QueueUrl"]
        bindings[source.queue] = QueueBinding(source, spec, url, dlq_url)
        log.info(
            "queue ready", extra={"queue": source.queue, "consumer": spec.name, "dlq": dlq_name(source.queue)}
        )
    return bindings


IMPORTS_BUCKET = "tradetrack-local-imports"
REPORTS_BUCKET = "tradetrack-local-reports"  # TradeTrackStorage's reports bucket in AWS
ATTACHMENTS_BUCKET = "tradetrack-local-attachments"  # TradeTrackStorage's attachments bucket in AWS


def create_buckets(endpoint: str) -> dict[str, str]:
    """The buckets the functions use, in moto; the environment variables that name them."""
    import boto3

    s3: Any = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    # moto's state is per process: a stack started earlier in it made the bucket already
    for bucket in (IMPORTS_BUCKET, REPORTS_BUCKET, ATTACHMENTS_BUCKET):
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return {
        "IMPORTS_BUCKET": IMPORTS_BUCKET,
        "REPORTS_BUCKET": REPORTS_BUCKET,
        "ATTACHMENTS_BUCKET": ATTACHMENTS_BUCKET,
    }
