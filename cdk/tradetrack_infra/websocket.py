"""The WebSocket API (API.md, "WebSocket"): routes from the manifest's `websocket` route keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IDependable

from tradetrack_infra.nag import acknowledge, resource_finding
from tradetrack_infra.settings import StageSettings

ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "connectionId": "$context.connectionId",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "errorMessage": "$context.error.message",
}

CONNECT = "$connect"
CONNECT_IDENTITY_SOURCE = "route.request.querystring.token"  # browsers cannot set headers on a WebSocket
AFTER_CONNECT = (
    "API Gateway authorizes WebSocket connections only on $connect; later frames on the "
    "connection ({route}) cannot carry an authorizer."
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """IAccessLogSettings is a jsii interface, not a struct: Python must implement it."""

    def __init__(
        self, destination: apigwv2.IAccessLogDestination, log_format: apigateway.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return self._format


@dataclass(frozen=True)
class WebSocketTarget:
    route_key: str
    function: lambda_.Function
    # What the route invokes (the function's `live` alias, canary.py); None: the function itself.
    invoke: lambda_.IFunction | None = None


class WebSocket(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        routes: Sequence[WebSocketTarget],
        logging_account: IDependable | None,
        authorizer: lambda_.IFunction | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        connects = any(target.route_key == CONNECT for target in routes)
        if connects and authorizer is None:
            raise ValueError("the WebSocket $connect route needs the authorizer function")
        self.authorizer = (
            None
            if authorizer is None
            else authorizers.WebSocketLambdaAuthorizer(
                "ConnectAuthorizer",
                authorizer,
                authorizer_name=f"tradetrack-ws-{settings.stage}-access-token",
                identity_source=[CONNECT_IDENTITY_SOURCE],
            )
        )
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=f"tradetrack-ws-{settings.stage}",
            description=f"TradeTrack WebSocket API ({settings.stage})",
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=settings.stage,
            auto_deploy=True,
            detailed_metrics_enabled=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=settings.throttle_rate_limit, burst_limit=settings.throttle_burst_limit
            ),
            access_log_settings=_AccessLogSettings(
                apigwv2.LogGroupLogDestination(self.access_logs),
                apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        # Execution logs (errors and flow) need the account's CloudWatch role.
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.add_property_override("DefaultRouteSettings.LoggingLevel", "INFO")
        cfn_stage.add_property_override("DefaultRouteSettings.DataTraceEnabled", False)
        if logging_account is not None:
            self.stage.node.add_dependency(logging_account)

        granted: set[str] = set()
        for target in routes:
            route = self.api.add_route(
                target.route_key,
                integration=integrations.WebSocketLambdaIntegration(
                    f"{_route_id(target.route_key)}Integration", target.invoke or target.function
                ),
                authorizer=self.authorizer if target.route_key == CONNECT else None,
            )
            if target.route_key != CONNECT:
                acknowledge(route, "AwsSolutions-APIG4", AFTER_CONNECT.format(route=target.route_key))
            if target.function.node.path not in granted:
                granted.add(target.function.node.path)
                self.grant_manage_connections(target.function)
        acknowledge(
            self.stage,
            "AwsSolutions-APIG3",
            "WAF cannot be associated with WebSocket APIs; connections are throttled by the stage.",
        )

    @property
    def callback_url(self) -> str:
        """Where the Management API is reached: https://{apiId}.execute-api.{region}.amazonaws.com/{stage}."""
        return self.stage.callback_url

    def grant_manage_connections(self, function: lambda_.Function) -> None:
        """Post to and disconnect this stage's clients, and learn where to post (WS_MANAGEMENT_ENDPOINT)."""
        stack = Stack.of(self)
        arns = [
            stack.format_arn(
                service="execute-api",
                resource=self.api.api_id,
                resource_name=f"{self.stage.stage_name}/{verb}/@connections/*",
            )
            for verb in ("POST", "DELETE")
        ]
        assert function.role is not None
        iam.Grant.add_to_principal(
            grantee=function, actions=["execute-api:ManageConnections"], resource_arns=arns
        )
        function.add_environment("WS_MANAGEMENT_ENDPOINT", self.callback_url)
        acknowledge(
            function.role,
            "AwsSolutions-IAM5",
            "Connection ids are minted per client at $connect; the grant is limited to POST/DELETE on "
            "@connections of this API's stage.",
            *(resource_finding(self, arn) for arn in arns),
        )


def _route_id(route_key: str) -> str:
    return "".join(part.capitalize() for part in route_key.strip("$").replace("-", "_").split("_"))
