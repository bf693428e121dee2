"""API Gateway REST API proxy events (payload format 1.0)."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from local.events.common import ACCOUNT_ID, REST_API_ID, STAGE, api_gateway_time, body_field

_IDENTITY_NULLS = (
    "cognitoIdentityPoolId",
    "accountId",
    "cognitoIdentityId",
    "caller",
    "accessKey",
    "principalOrgId",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
    "userArn",
    "user",
)


def _single_and_multi(
    pairs: Sequence[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def rest_event(
    *,
    method: str,
    path: str,
    resource: str,
    path_parameters: Mapping[str, str] | None = None,
    headers: Sequence[tuple[str, str]] = (),
    query: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    request_id: str,
    epoch_ms: int,
    domain_name: str = "127.0.0.1:3000",
) -> dict[str, Any]:
    """The event API Gateway sends to a Lambda proxy integration for one request."""
    all_headers = list(headers)
    present = {name.lower() for name, _ in all_headers}
    port = domain_name.rpartition(":")[2] if ":" in domain_name else "443"
    for name, value in (
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Port", port),
        ("X-Forwarded-Proto", "http"),
    ):
        if name.lower() not in present:
            all_headers.append((name, value))
    single_headers, multi_headers = _single_and_multi(all_headers)
    single_query, multi_query = _single_and_multi(query)
    user_agent = next((value for name, value in all_headers if name.lower() == "user-agent"), None)
    text, is_base64 = body_field(body)
    identity: dict[str, Any] = dict.fromkeys(_IDENTITY_NULLS)
    identity.update(sourceIp=source_ip, userAgent=user_agent)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": format(zlib.crc32(resource.encode()) % 0xFFFFFF, "06x"),
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": request_id.replace("-", "")[:16] + "=",
            "requestTime": api_gateway_time(epoch_ms),
            "path": f"/{STAGE}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": STAGE,
            "domainPrefix": domain_name.split(".", maxsplit=1)[0].split(":", maxsplit=1)[0],
            "requestTimeEpoch": epoch_ms,
            "requestId": request_id,
            "identity": identity,
            "domainName": domain_name,
            "apiId": REST_API_ID,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }
