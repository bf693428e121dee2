"""The Lambda authorizer (REQUEST type) for REST routes and WebSocket $connect."""

from __future__ import annotations

from typing import Any

from tradetrack.auth.access_tokens import InvalidToken
from tradetrack.auth.authorizer import allow_policy, authenticate
from tradetrack.auth.key_store import public_keys
from tradetrack.auth.revocation import RevocationUnknown
from tradetrack.cache.client import get_redis
from tradetrack.observability import MetricUnit, logger, metrics

from aws_lambda_powertools.utilities.typing import LambdaContext

UNAUTHORIZED = "Unauthorized"  # the exact message that makes API Gateway answer 401


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        claims = authenticate(event, public_keys(), get_redis())
    except InvalidToken as exc:
        logger.info("access refused", extra={"reason": str(exc), "methodArn": event.get("methodArn")})
        raise Exception(UNAUTHORIZED) from None
    except RevocationUnknown as exc:  # fail closed: API Gateway answers 500, the client retries
        logger.error("revocation stores unavailable; access refused", extra={"error": str(exc)})
        metrics.add_metric(name="RevocationCheckUnavailable", unit=MetricUnit.Count, value=1)
        raise Exception("revocation check unavailable") from None
    return allow_policy(event, claims)
