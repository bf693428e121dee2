"""One Lambda function from its `FunctionSpec` in functions/manifest.py."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions.manifest import FunctionSpec
from tradetrack_infra.layers import ARCHITECTURE, RUNTIME, SharedLayers
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.paths import ASSET_EXCLUDES, function_asset_dir
from tradetrack_infra.runtime_config import RuntimeConfig
from tradetrack_infra.settings import StageSettings

METRICS_NAMESPACE = "TradeTrack"


@dataclass(frozen=True)
class FunctionNetwork:
    """The VPC's private subnets (egress through the NAT) and the functions' security group."""

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    security_group: ec2.ISecurityGroup


@dataclass(frozen=True)
class FunctionDeps:
    """What every function is built with."""

    settings: StageSettings
    layers: SharedLayers
    runtime_config: RuntimeConfig
    # Where a function that uses Mongo or Redis runs (network.py); None: no VPC (tests of one stack).
    network: FunctionNetwork | None = None


class ManifestFunction(Construct):
    """The function, its own log group and its own role (no managed policies)."""

    def __init__(self, scope: Construct, spec: FunctionSpec, deps: FunctionDeps) -> None:
        super().__init__(scope, spec.name)
        settings = deps.settings
        self.spec = spec
        self.log_group = logs.LogGroup(
            self, "Logs", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"TradeTrack {settings.stage} {spec.name} function",
        )
        self.log_group.grant_write(self.role)
        deps.runtime_config.grant_for(spec, self.role)
        in_vpc = deps.network is not None and bool(spec.stores)
        if in_vpc:
            # What Lambda needs to attach the function to the VPC. The ENI actions take no
            # resource-level condition Lambda can meet at create time, so Resource '*' (acknowledged
            # below with X-Ray's), instead of the managed AWSLambdaVPCAccessExecutionRole.
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSubnets",
                        "ec2:DeleteNetworkInterface",
                        "ec2:AssignPrivateIpAddresses",
                        "ec2:UnassignPrivateIpAddresses",
                    ],
                    resources=["*"],
                )
            )
        network = deps.network if in_vpc else None

        self.function = lambda_.Function(
            self,
            "Function",
            description=f"TradeTrack {spec.capability}: {spec.name}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(function_asset_dir(spec)), exclude=ASSET_EXCLUDES),
            handler=spec.lambda_handler,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            reserved_concurrent_executions=spec.reserved_concurrency,
            layers=deps.layers.for_function(spec.layers),
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnets if network else None,
            security_groups=[network.security_group] if network else None,
            environment={
                "POWERTOOLS_SERVICE_NAME": spec.name,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "STAGE": settings.stage,
                "LOG_LEVEL": settings.log_level,
                "CORS_ALLOW_ORIGINS": ",".join(settings.cors_allow_origins),
                # numpy's OpenBLAS starts one thread per vCPU at import (~30 ms of a cold start);
                # our arrays are a trader's days, far below where BLAS threads pay off.
                "OPENBLAS_NUM_THREADS": "1",
                **deps.runtime_config.environment_for(spec),
                **spec.environment,
            },
        )
        # CDK makes the function depend on its role and on the role's policy; the role dependency
        # is also implied by the Role GetAtt, which cfn-lint reports (W3005) for every function.
        cfn_function = self.function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        cfn_function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        acknowledge(
            self.role,
            "AwsSolutions-IAM5",
            "X-Ray active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and, for a function "
            "in the VPC, Lambda's ENI actions (ec2:CreateNetworkInterface, ...) support no resource-level "
            "permissions Lambda can use, so AWS requires Resource '*'.",
            "Resource::*",
        )
