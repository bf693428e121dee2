"""Rotates the access-token signing keys: on deploy (custom resource) and on a schedule."""

from __future__ import annotations

from typing import Any

from tradetrack.auth.key_store import rotate_signing_keys
from tradetrack.aws import aws_client
from tradetrack.observability import logger

from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("RequestType") == "Delete":  # stack deletion: the secret goes with the stack
        return {"PhysicalResourceId": event.get("PhysicalResourceId", "auth-signing-keys")}
    keyset = rotate_signing_keys(aws_client("secretsmanager"), aws_client("ssm"))
    logger.info("signing keys rotated", extra={"activeKid": keyset.active.kid, "keys": len(keyset.keys)})
    return {"PhysicalResourceId": "auth-signing-keys", "Data": {"activeKid": keyset.active.kid}}
