"""One ANY method per routed path: 405 with `Allow` for a method the path does not serve, and the
CORS preflight answer for OPTIONS (what the local stack's router does, local/rest.py).

Without it API Gateway answers a wrong method on a real path like an unknown path (403 "Missing
Authentication Token", which gateway_responses.py turns into 404). API Gateway prefers a path's
explicit methods and sends every other method to ANY, so one MOCK method per path does both jobs
(it replaces the OPTIONS method CDK's default preflight added: the stack's resource count stays).
The methods are open (a preflight carries no credentials): api.py acknowledges cdk-nag's APIG4/COG4.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import aws_apigateway as apigateway

# The request headers the SPA sends (local/rest.py's preflight allows the same).
CORS_ALLOW_HEADERS = "Authorization,Content-Type,Idempotency-Key,X-Amz-Date,X-Api-Key"
PREFLIGHT_MAX_AGE_SECONDS = 600
# A MOCK integration maps the request through a template chosen by Content-Type; a type without
# a template is refused with 415 (passthrough NEVER) instead of reaching the mock unparsed.
TEMPLATED_CONTENT_TYPES = (
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
    "application/xml",
    "text/csv",
)
# The mock's status: 204 for a preflight, 405 for anything else that reached ANY.
STATUS_TEMPLATE = '{"statusCode": #if($context.httpMethod == "OPTIONS")204#{else}405#end}'


def not_allowed_body(allowed: Sequence[str]) -> str:
    """The API.md error body naming the request's method, its path and the methods that path serves."""
    message = f"$context.httpMethod is not allowed on $context.path: use {', '.join(allowed)}"
    return json.dumps({"error": {"code": "METHOD_NOT_ALLOWED", "message": message, "details": []}})


def origin_template(origins: Sequence[str]) -> str:
    """VTL echoing the request's Origin when it is one of several allowed (one static header can't)."""
    condition = " || ".join(f"$origin == {json.dumps(origin)}" for origin in origins)
    return (
        '#set($origin = $input.params().header.get("Origin"))\n'
        '#if($origin == "")#set($origin = $input.params().header.get("origin"))#end\n'
        f"#if({condition})\n"
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n"
        "#end\n"
    )


def add_method_fallbacks(
    api: apigateway.RestApi, served: Mapping[str, Sequence[str]], allow_origins: Sequence[str]
) -> list[apigateway.Method]:
    """Add the ANY method to every path in `served` (path -> the methods it serves)."""
    wildcard = "*" in allow_origins
    default_origin = "*" if wildcard else allow_origins[0]
    origin_vtl = "" if wildcard or len(allow_origins) == 1 else origin_template(allow_origins)
    added = []
    for path, methods in sorted(served.items()):
        allowed = sorted(set(methods))
        cors = {
            "method.response.header.Access-Control-Allow-Origin": f"'{default_origin}'",
            **({} if wildcard else {"method.response.header.Vary": "'Origin'"}),
        }
        preflight = {
            **cors,
            "method.response.header.Access-Control-Allow-Methods": f"'{','.join([*allowed, 'OPTIONS'])}'",
            "method.response.header.Access-Control-Allow-Headers": f"'{CORS_ALLOW_HEADERS}'",
            "method.response.header.Access-Control-Max-Age": f"'{PREFLIGHT_MAX_AGE_SECONDS}'",
        }
        not_allowed = {**cors, "method.response.header.Allow": f"'{', '.join(allowed)}'"}
        integration = apigateway.MockIntegration(
            passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
            request_templates=dict.fromkeys(TEMPLATED_CONTENT_TYPES, STATUS_TEMPLATE),
            integration_responses=[
                apigateway.IntegrationResponse(
                    selection_pattern="204",
                    status_code="204",
                    response_parameters=preflight,
                    response_templates={"application/json": origin_vtl},
                ),
                apigateway.IntegrationResponse(
                    status_code="405",
                    response_parameters=not_allowed,
                    response_templates={"application/json": origin_vtl + not_allowed_body(allowed)},
                ),
            ],
        )
        method = api.root.resource_for_path(path).add_method(
            "ANY",
            integration,
            authorization_type=apigateway.AuthorizationType.NONE,
            method_responses=[
                apigateway.MethodResponse(
                    status_code="204", response_parameters=dict.fromkeys(preflight, True)
                ),
                apigateway.MethodResponse(
                    status_code="405",
                    response_parameters=dict.fromkeys(not_allowed, True),
                    response_models={"application/json": apigateway.Model.ERROR_MODEL},
                ),
            ],
        )
        added.append(method)
    return added
