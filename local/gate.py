"""The manifest's REQUEST authorizer run in front of non-public REST routes and WebSocket $connect.

The decision rules are local.authorizer's; the signing keys it verifies against are created in
moto (Secrets Manager + SSM) when the stack starts, as the rotation schedule would in AWS.
"""

from __future__ import annotations

from typing import Any

from functions.manifest import AUTHORIZER
from local.authorizer import Denial, authorizer_event, decide
from local.lambda_runtime import FunctionRuntime


def bootstrap_signing_keys() -> None:
    """Create the first signing key set in moto (blocking; run in a thread)."""
    from tradetrack.auth.key_store import reset_key_caches, rotate_signing_keys
    from tradetrack.aws import aws_client

    rotate_signing_keys(aws_client("secretsmanager"), aws_client("ssm"))
    reset_key_caches()


class Gate:
    def __init__(self, runtime: FunctionRuntime) -> None:
        self.runtime = runtime
        self.spec = next((spec for spec in runtime.functions if spec.name == AUTHORIZER), None)

    @property
    def enabled(self) -> bool:
        return self.spec is not None

    async def authorize(self, event: dict[str, Any]) -> Denial | dict[str, Any]:
        """The event with requestContext.authorizer, or the gateway's refusal (no authorizer: as is)."""
        if self.spec is None:
            return event
        try:
            result = await self.runtime.invoke(self.spec, authorizer_event(event))
        except Exception as exc:
            return decide(event, error=exc)
        return decide(event, result)
