"""Canary releases: a `live` alias per function behind the APIs and queues, shifted by CodeDeploy.

Every function that serves traffic (REST and WebSocket routes, the authorizer, queue consumers) is
invoked through its alias `live`; a deploy publishes a new version and CodeDeploy moves the alias to it
by the stage's deployment config (CANARY_10PERCENT_5MINUTES: 10% of invocations for 5 minutes, then
all), rolling back on its alarms (the function's errors, the REST API's 5XX, its queues' dead letters).

Versions, aliases, their deployment groups and queue event sources live in a nested stack: the backend
stack is near CloudFormation's 500 resources and a nested stack counts as one. References only go
parent -> nested (function names, alarm names, queue ARNs as parameters) and nested -> parent (alias
ARNs as outputs, for the integrations), never in a cycle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import IResolveContext, IStringProducer, Lazy, NestedStack, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.manifest import AUTHORIZER, FunctionSpec
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.naming import pascal

ALIAS_NAME = "live"
DEPLOYMENT_CONFIGS: Mapping[str, codedeploy.ILambdaDeploymentConfig] = {
    "CANARY_10PERCENT_5MINUTES": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
    "CANARY_10PERCENT_15MINUTES": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_15_MINUTES,
    "LINEAR_10PERCENT_EVERY_1MINUTE": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE,
    "ALL_AT_ONCE": codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
}
CODEDEPLOY_LAMBDA_POLICY = "service-role/AWSCodeDeployRoleForLambdaLimited"


def released(spec: FunctionSpec) -> bool:
    """Whether `spec` serves traffic a bad deploy would hurt: routes, the authorizer, queue consumers.
    Scheduled jobs run a few times a day or minute and are not canaried (their alarm still pages)."""
    return bool(spec.rest or spec.websocket or spec.queues or spec.name == AUTHORIZER)


@jsii.implements(IStringProducer)
class _FunctionHash:
    """The logical id of a version: a hash of the function's resolved configuration and layers, so
    that any change to code, environment, memory, layers... publishes a new version (as CDK's own
    `Function.currentVersion` does, which would put the version in the function's, the full, stack)."""

    def __init__(
        self, prefix: str, function: lambda_.Function, layers: Sequence[lambda_.ILayerVersion]
    ) -> None:
        self.prefix = prefix
        self.function = function
        self.layers = layers

    def produce(self, context: IResolveContext) -> str:
        stack = Stack.of(self.function)
        parts: list[Any] = [_resolved_properties(stack, self.function.node.default_child)]
        parts.extend(_resolved_properties(stack, layer.node.default_child) for layer in self.layers)
        digest = hashlib.md5(json.dumps(parts, sort_keys=True).encode(), usedforsecurity=False)
        return f"{self.prefix}{digest.hexdigest()}"


def _resolved_properties(stack: Stack, resource: Any) -> Any:
    return stack.resolve(resource._cfn_properties) if resource is not None else None


class CanaryReleases(NestedStack):
    """`aliases` maps each released function's name to its `live` alias (what the APIs, the authorizer
    and the queue event sources invoke); `add_deployment_groups` adds CodeDeploy once the alarms exist."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        specs: Sequence[FunctionSpec],
        functions: Mapping[str, lambda_.Function],
        layers: Sequence[lambda_.ILayerVersion],
        deployment_config: str,
    ) -> None:
        super().__init__(
            scope, construct_id, description=f"TradeTrack {stage}: live aliases and canary deploys"
        )
        if deployment_config not in DEPLOYMENT_CONFIGS:
            raise ValueError(
                f"deployment config {deployment_config!r} is not one of {', '.join(DEPLOYMENT_CONFIGS)}"
            )
        self.stage = stage
        self.deployment_config = DEPLOYMENT_CONFIGS[deployment_config]
        self.specs = [spec for spec in specs if released(spec)]
        self.aliases: dict[str, lambda_.Alias] = {}
        self.groups: dict[str, codedeploy.LambdaDeploymentGroup] = {}
        self._scopes: dict[str, Construct] = {}
        for spec in self.specs:
            function = functions[spec.name]
            scope_ = self._scopes[spec.name] = Construct(self, pascal(spec.name))
            version = lambda_.Version(
                scope_,
                "Version",
                lambda_=function,
                # Kept on replacement: CodeDeploy rolls the alias back to the previous version.
                removal_policy=RemovalPolicy.RETAIN,
            )
            cfn_version = version.node.default_child
            assert isinstance(cfn_version, lambda_.CfnVersion)
            cfn_version.override_logical_id(
                Lazy.uncached_string(_FunctionHash(f"{pascal(spec.name)}Version", function, layers))
            )
            self.aliases[spec.name] = lambda_.Alias(scope_, "Live", alias_name=ALIAS_NAME, version=version)

    def targets(
        self, scope: Construct, functions: Mapping[str, lambda_.Function]
    ) -> dict[str, lambda_.IFunction]:
        """What the APIs and authorizers in `scope` (the backend stack) invoke: each released function's
        alias, referenced from `scope` without invoke permissions (`allow_invoke` grants them here, in
        this stack: one resource fewer per function in the near-full backend); other functions as is."""
        holder = Construct(scope, "LiveAliases")
        return {
            name: (
                lambda_.Function.from_function_attributes(
                    holder, pascal(name), function_arn=self.aliases[name].function_arn, skip_permissions=True
                )
                if name in self.aliases
                else function
            )
            for name, function in functions.items()
        }

    def allow_invoke(self, construct_id: str, names: Iterable[str], api_id: str) -> None:
        """Let API Gateway's API `api_id` (any stage, route or authorizer of it) invoke `names`' aliases."""
        source_arn = Stack.of(self).format_arn(service="execute-api", resource=api_id, resource_name="*")
        for name in names:
            if name in self.aliases:
                self.aliases[name].add_permission(
                    construct_id,
                    principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                    source_arn=source_arn,
                )

    def add_deployment_groups(self, alarms: Mapping[str, Sequence[cloudwatch.IAlarm]]) -> None:
        """A deployment group per alias, rolling back when any of `alarms[name]` fires (at most 10)."""
        application = codedeploy.LambdaApplication(
            self, "Application", application_name=f"TradeTrack-{self.stage}"
        )
        role = iam.Role(
            self,
            "DeployRole",
            assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
            description=f"TradeTrack {self.stage}: CodeDeploy shifts the live aliases",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(CODEDEPLOY_LAMBDA_POLICY)],
        )
        acknowledge(
            role,
            "AwsSolutions-IAM4",
            "AWSCodeDeployRoleForLambdaLimited is AWS's scoped-down CodeDeploy policy for Lambda (alias "
            "updates, alarm reads, CodeDeployHook_* invokes only); one role for every deployment group.",
            f"Policy::arn:<AWS::Partition>:iam::aws:policy/{CODEDEPLOY_LAMBDA_POLICY}",
        )
        for spec in self.specs:
            watched = list(dict.fromkeys(alarms.get(spec.name, ())))
            if len(watched) > 10:
                raise ValueError(
                    f"{spec.name}: CodeDeploy watches at most 10 alarms a group ({len(watched)})"
                )
            self.groups[spec.name] = codedeploy.LambdaDeploymentGroup(
                self._scopes[spec.name],
                "Deployment",
                alias=self.aliases[spec.name],
                application=application,
                deployment_config=self.deployment_config,
                alarms=watched,
                role=role,
                auto_rollback=codedeploy.AutoRollbackConfig(
                    failed_deployment=True, stopped_deployment=True, deployment_in_alarm=bool(watched)
                ),
            )
