"""The Lambda authorizer's decision for REST requests and WebSocket $connect (REQUEST type)."""

from __future__ import annotations

from typing import Any

import redis
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from tradetrack.auth.access_tokens import AccessClaims, InvalidToken, verify_access_token
from tradetrack.auth.revocation import DatabaseOf, is_revoked

MAX_TOKEN_LENGTH = 4096


def extract_token(event: dict[str, Any]) -> str | None:
    """Bearer token from the Authorization header; for WebSocket $connect, the `token` query value."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    context = event.get("requestContext") or {}
    if context.get("eventType") == "CONNECT" or context.get("routeKey") == "$connect":
        token = (event.get("queryStringParameters") or {}).get("token")
        return str(token) if token else None
    return None


def authenticate(
    event: dict[str, Any],
    public_keys: dict[str, RSAPublicKey],
    cache: redis.Redis,
    database: DatabaseOf | None = None,
) -> AccessClaims:
    """The caller's claims. Raises InvalidToken (401), or RevocationUnknown when neither Redis nor
    Mongo can say whether the token was revoked (the caller fails closed)."""
    token = extract_token(event)
    if not token:
        raise InvalidToken("no token")
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("token too long")
    claims = verify_access_token(token, public_keys)
    if is_revoked(cache, claims.sub, claims.iat, claims.jti, database=database):
        raise InvalidToken("token revoked")
    return claims


def allow_policy(event: dict[str, Any], claims: AccessClaims) -> dict[str, Any]:
    """Allow this caller. REST results are cached per token, so the policy covers the whole stage."""
    method_arn = str(event["methodArn"])
    if (event.get("requestContext") or {}).get("eventType") == "CONNECT":
        resource = method_arn
    else:
        api_arn, _, rest = method_arn.partition("/")
        stage = rest.split("/", 1)[0]
        resource = f"{api_arn}/{stage}/*"
    return {
        "principalId": claims.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}],
        },
        # issuedAt and jti let every handler refuse a token revoked after API Gateway cached this answer.
        "context": {"userId": claims.sub, "role": claims.role, "issuedAt": claims.iat, "jti": claims.jti},
    }
