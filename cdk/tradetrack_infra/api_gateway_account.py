"""The account-level role API Gateway needs to write execution logs (REST and WebSocket).

Built here with an inline policy instead of the AWS managed AmazonAPIGatewayPushToCloudWatchLogs.
It is one setting per account and region, so it is retained on delete and only one stage per
account should own it (context manageApiGatewayAccount=false for the others).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from tradetrack_infra.nag import acknowledge, resource_finding


class ApiGatewayAccount(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        logs_arn = Stack.of(self).format_arn(service="logs", resource="*")
        self.role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway account role: writes REST and WebSocket execution logs",
            inline_policies={
                "ExecutionLogs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=[
                                "logs:CreateLogGroup",
                                "logs:CreateLogStream",
                                "logs:DescribeLogGroups",
                                "logs:DescribeLogStreams",
                                "logs:PutLogEvents",
                                "logs:GetLogEvents",
                                "logs:FilterLogEvents",
                            ],
                            resources=[logs_arn],
                        )
                    ]
                )
            },
        )
        self.role.apply_removal_policy(RemovalPolicy.RETAIN)
        self.account = apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=self.role.role_arn)
        self.account.apply_removal_policy(RemovalPolicy.RETAIN)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "API Gateway names the execution log groups itself (API-Gateway-Execution-Logs_{apiId}/"
            "{stage} for REST, /aws/apigateway/{apiId}/{stage} for WebSocket) for every API in the "
            "account; the role is limited to CloudWatch Logs in this account and region.",
            resource_finding(self, logs_arn),
        )

    @property
    def dependable(self) -> IDependable:
        """Stages with execution logging must be created after the account has its role."""
        return self.account
