"""Lambda's SQS event (one batch of Records)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from local.events.common import ACCOUNT_ID, REGION


def queue_arn(queue: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}"


def _attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode("ascii") if isinstance(binary, bytes) else binary,
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType", "String"),
    }


def sqs_record(message: Mapping[str, Any], queue: str) -> dict[str, Any]:
    """One Record from a boto3 ReceiveMessage message (with AttributeNames/MessageAttributeNames All)."""
    attributes = {
        key: str(value)
        for key, value in (message.get("Attributes") or {}).items()
        if key
        in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
            "AWSTraceHeader",
        )
    }
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": {
            name: _attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn(queue),
        "awsRegion": REGION,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: Sequence[Mapping[str, Any]], queue: str) -> dict[str, Any]:
    return {"Records": [sqs_record(message, queue) for message in messages]}
