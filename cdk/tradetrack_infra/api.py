"""The REST API (API.md): a route per manifest `RestRoute`, each a Lambda proxy integration."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IDependable

from functions.manifest import RestRoute
from tradetrack_infra.api_routes import RouteStack, place_groups
from tradetrack_infra.gateway_responses import add_gateway_responses
from tradetrack_infra.method_fallback import add_method_fallbacks
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.settings import StageSettings

ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
    "xrayTraceId": "$context.xrayTraceId",
}

NOT_COGNITO = (
    "Auth is a Lambda REQUEST authorizer verifying asymmetrically signed access JWTs (kid), not Cognito."
)
AUTHORIZER_CACHE_TTL = Duration.minutes(5)
WITHOUT_AUTHORIZATION = (
    "Only the manifest's public routes (API.md: health, docs, register, login, refresh, OAuth callbacks, "
    "unsubscribe, logout) and each path's ANY fallback (CORS preflight and 405, a MOCK integration: "
    "method_fallback.py) have no authorizer; browsers send preflights without credentials."
)


@dataclass(frozen=True)
class RouteTarget:
    route: RestRoute
    function: lambda_.IFunction


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        routes: Sequence[RouteTarget],
        logging_account: IDependable | None,
        authorizer: lambda_.IFunction | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if authorizer is None and any(not target.route.public for target in routes):
            raise ValueError("non-public REST routes need the authorizer function (functions/manifest.py)")
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        self.rest_api = apigateway.RestApi(
            self,
            "RestApi",
            rest_api_name=f"tradetrack-{settings.stage}",
            description=f"TradeTrack REST API ({settings.stage})",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=False,  # the account role is ApiGatewayAccount's, without managed policies
            deploy_options=apigateway.StageOptions(
                stage_name=settings.stage,
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
                logging_level=apigateway.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # bodies carry passwords and tokens
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_logs),
                access_log_format=apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        if logging_account is not None:
            self.rest_api.deployment_stage.node.add_dependency(logging_account)
        self.validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        allow_origin = "*" if "*" in settings.cors_allow_origins else settings.cors_allow_origins[0]
        add_gateway_responses(self.rest_api, allow_origin)
        # Built only when a route uses it: CDK refuses an authorizer attached to no method.
        self.authorizer = (
            None
            if authorizer is None or all(target.route.public for target in routes)
            else apigateway.RequestAuthorizer(
                self,
                "Authorizer",
                authorizer_name=f"tradetrack-{settings.stage}-access-token",
                handler=authorizer,
                identity_sources=[apigateway.IdentitySource.header("Authorization")],
                results_cache_ttl=AUTHORIZER_CACHE_TTL,
            )
        )

        # Every path below /v1/<name> lives in a nested stack (api_routes.py): the backend is near 500.
        self.route_stacks: Mapping[str, RouteStack] = place_groups(
            self, self.rest_api, [target.route.path for target in routes], stage=settings.stage
        )
        seen: set[tuple[str, str]] = set()
        for target in routes:
            key = (target.route.method, target.route.path)
            if key in seen:
                raise ValueError(
                    f"two functions claim the REST route {target.route.method} {target.route.path}"
                )
            seen.add(key)
            self._add_route(target)
        served: dict[str, list[str]] = {}
        for target in routes:
            served.setdefault(target.route.path, []).append(target.route.method)
        add_method_fallbacks(self.rest_api, served, settings.cors_allow_origins)
        # Once for the API (this construct: the RestApi and the nested stacks of its methods), not per
        # method: cdk-nag's per-method findings are all answered by these two facts, and
        # tests/infrastructure/test_auth.py asserts, route by route, that every route the manifest
        # does not mark public is CUSTOM-authorized (a stronger check than APIG4).
        acknowledge(self, "AwsSolutions-COG4", NOT_COGNITO)
        acknowledge(self, "AwsSolutions-APIG4", WITHOUT_AUTHORIZATION)

    @property
    def url(self) -> str:
        return self.rest_api.url

    def _add_route(self, target: RouteTarget) -> None:
        route = target.route
        resource = self.rest_api.root.resource_for_path(route.path)
        resource.add_method(
            route.method,
            # One invoke permission per function for this API (its execute-api ARN), not one per
            # method: CloudFormation's 500 resources a stack would not hold one per route.
            apigateway.LambdaIntegration(target.function, scope_permission_to_method=False),
            request_validator=self.validator,
            authorization_type=(
                apigateway.AuthorizationType.NONE if route.public else apigateway.AuthorizationType.CUSTOM
            ),
            authorizer=None if route.public else self.authorizer,
        )
