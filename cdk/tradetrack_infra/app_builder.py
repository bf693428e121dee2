"""Builds the whole app, for `cdk synth` (cdk/app.py) and for the infrastructure tests alike.

`cdk synth -c stage=<name>` (make synth): the stage's stacks at the top of the app (build_app).
`cdk synth -c pipeline=true` (make synth PIPELINE=1): the deploy pipeline, whose stages each hold the
same stacks in a `TradeTrackStage` (build_pipeline_app). Both build the stacks with `build_stage`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from aws_cdk import App, Environment, Stage, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.manifest import AUTHORIZER, FUNCTIONS, FunctionSpec
from tradetrack_infra.broker_sync import SYNC_QUEUE
from tradetrack_infra.edge import CLOUDFRONT_REGION, ApiFirewallStack, CdnFirewallStack, associate_with_stage
from tradetrack_infra.nag import enable_nag
from tradetrack_infra.naming import pascal
from tradetrack_infra.network import build_network
from tradetrack_infra.operations import CapabilityView, OperationsInputs, OperationsStack
from tradetrack_infra.pipeline import PIPELINE_STACK, PipelineSettings, PipelineStack
from tradetrack_infra.settings import StageSettings
from tradetrack_infra.stack import TradeTrackStack
from tradetrack_infra.storage import StorageStack
from tradetrack_infra.web_hosting import BackendEndpoints, WebHostingStack

DEFAULT_REGION = "ap-south-1"
NO_OPS_EMAIL_WARNING = (
    "WARNING: no ops email: every alarm publishes to the ops topic, which nobody is subscribed to. "
    "Synthesize with -c opsEmail=ops@example.com (docs/operations.md)."
)


def environment(region: str | None, environ: Mapping[str, str] = os.environ) -> Environment:
    """The region from context `region` (default Mumbai, where the users and NSE are), never the
    CLI's profile default; the account from the CLI when it has one. Nothing is looked up at synth."""
    return Environment(account=environ.get("CDK_DEFAULT_ACCOUNT") or None, region=region or DEFAULT_REGION)


def pipeline_requested(app: App) -> bool:
    return str(app.node.try_get_context("pipeline") or "").lower() in {"1", "true", "yes"}


def stage_settings(app: App, stage: str | None, deps_layer_path: Path | None = None) -> StageSettings:
    settings = StageSettings.from_context(app.node, stage)
    return settings if deps_layer_path is None else replace(settings, deps_layer_path=deps_layer_path)


def build_app(
    app: App,
    *,
    functions: Sequence[FunctionSpec] = FUNCTIONS,
    deps_layer_path: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> TradeTrackStack:
    """`cdk synth -c stage=<name>`: that stage's stacks at the top of the app; the backend stack."""
    settings = stage_settings(app, None, deps_layer_path)
    env = environment(settings.region, environ)
    pin_availability_zones(app, env)
    stack = build_stage(app, settings, functions=functions, env=env)
    if not settings.ops_email:
        # Not a construct annotation: those fail the compliance check, and dev is fine without one.
        print(NO_OPS_EMAIL_WARNING, file=sys.stderr)
    tag(app, settings.stage)
    enable_nag(app)
    return stack


def build_stage(
    scope: Construct, settings: StageSettings, *, functions: Sequence[FunctionSpec], env: Environment
) -> TradeTrackStack:
    """Every stack of one stage, in `scope`: the App (`cdk synth -c stage=...`) or the pipeline's
    `TradeTrackStage`, so the pipeline deploys exactly what `make synth` builds. A new stack is one
    call here; give it `stack_name=` its construct id (test_pipeline.py checks) so that both ways
    deploy to the same CloudFormation stacks."""
    stack = TradeTrackStack(
        scope,
        f"TradeTrack-{settings.stage}",
        stack_name=f"TradeTrack-{settings.stage}",
        settings=settings,
        functions=functions,
        network=build_network(scope, settings, env),  # VPC, NAT, endpoints, Redis, Atlas link (network.py)
        env=env,
        description=f"TradeTrack serverless trade journal backend ({settings.stage})",
        termination_protection=settings.is_production,
    )
    web_hosting(scope, stack, env)
    api_firewall(scope, stack, env)
    # The reports function reads the storage stack's SSM parameters (reports.py): deploy it first.
    stack.add_stack_dependency(storage(scope, settings, env))
    operations(scope, stack, functions, env)
    return stack


class TradeTrackStage(Stage):
    """One stage of the pipeline (dev, staging, prod): the stacks `build_stage` builds."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: Sequence[FunctionSpec] = FUNCTIONS,
    ) -> None:
        env = Environment(account=settings.account, region=settings.region or DEFAULT_REGION)
        super().__init__(scope, construct_id, env=env)
        self.settings = settings
        self.backend = build_stage(self, settings, functions=functions, env=env)
        tag(self, settings.stage)


def build_pipeline_app(
    app: App,
    *,
    functions: Sequence[FunctionSpec] = FUNCTIONS,
    deps_layer_path: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> PipelineStack:
    """`cdk synth -c pipeline=true`: the pipeline stack, deploying each of its stages' stacks, every
    stage with its settings (cdk.json `stages.<name>`)."""
    pipeline_settings = PipelineSettings.from_context(app.node, environ)
    stages = {name: stage_settings(app, name, deps_layer_path) for name in pipeline_settings.stages}
    # A stage without an account of its own deploys to the pipeline's.
    stages = {name: replace(s, account=s.account or pipeline_settings.account) for name, s in stages.items()}
    for settings in stages.values():
        pin_availability_zones(
            app, Environment(account=settings.account, region=settings.region or DEFAULT_REGION)
        )

    def stage_factory(scope: Construct, name: str) -> Stage:
        return TradeTrackStage(scope, pascal(name), settings=stages[name], functions=functions)

    pipeline = PipelineStack(
        app,
        PIPELINE_STACK,
        settings=pipeline_settings,
        stage_factory=stage_factory,
        cross_account=any(s.account != pipeline_settings.account for s in stages.values()),
        env=Environment(
            account=pipeline_settings.account,
            region=app.node.try_get_context("region") or DEFAULT_REGION,
        ),
        description="TradeTrack deploy pipeline: synth (check, test, synth), then dev, staging, prod",
        termination_protection=True,
    )
    tag(app, None)
    enable_nag(app)
    return pipeline


def pin_availability_zones(app: App, env: Environment) -> None:
    """No lookup at synth: the network stack names its AZs (<region>a, b, c: network.py) and CDK's Vpc
    checks them against the stack's, which it would look up from AWS for a concrete account (the
    pipeline's stages, a synth with credentials). Give it those three (unless context names others)."""
    if env.account is None or env.region is None:
        return
    key = f"availability-zones:account={env.account}:region={env.region}"
    if app.node.try_get_context(key) is None:
        app.node.set_context(key, [f"{env.region}{zone}" for zone in "abc"])


def tag(scope: Construct, stage: str | None) -> None:
    tags = {"Project": "TradeTrack", "ManagedBy": "cdk", **({"Stage": stage} if stage else {})}
    for key, value in tags.items():
        Tags.of(scope).add(key, value)


def web_hosting(app: Construct, backend: TradeTrackStack, env: Environment) -> WebHostingStack | None:
    """The web app's stack (its own: the backend stack is near the 500-resource limit), given the
    backend's REST and WebSocket APIs by cross-stack reference; None when the backend has neither."""
    if backend.api is None or backend.websocket is None:
        return None
    settings = backend.settings
    endpoints = BackendEndpoints(
        region=backend.region,
        rest_api_id=backend.api.rest_api.rest_api_id,
        rest_stage=settings.stage,
        websocket_api_id=backend.websocket.api.api_id,
        websocket_stage=backend.websocket.stage.stage_name,
        uploads_bucket_name=backend.import_uploads.bucket.bucket_name if backend.import_uploads else None,
    )
    cdn_firewall = cdn_firewall_stack(app, settings, env)
    web = WebHostingStack(
        app,
        f"TradeTrackWeb-{settings.stage}",
        stack_name=f"TradeTrackWeb-{settings.stage}",
        stage=settings.stage,
        endpoints=endpoints,
        removal_policy=settings.removal_policy,
        log_retention=settings.log_retention,
        web_acl_arn=cdn_firewall.web_acl.arn,
        env=env,
        description=f"TradeTrack trader web app: S3 + CloudFront ({settings.stage})",
        termination_protection=settings.is_production,
    )
    web.add_stack_dependency(backend)
    return web


def cdn_firewall_stack(app: Construct, settings: StageSettings, env: Environment) -> CdnFirewallStack:
    """The web app's CLOUDFRONT web ACL: in us-east-1 whatever the app's region (edge.py); the web
    stack reads its ARN by a weak cross-region reference."""
    return CdnFirewallStack(
        app,
        f"TradeTrackWafCdn-{settings.stage}",
        stack_name=f"TradeTrackWafCdn-{settings.stage}",
        stage=settings.stage,
        log_retention=settings.log_retention,
        removal_policy=settings.removal_policy,
        env=Environment(account=env.account, region=CLOUDFRONT_REGION),
        description=f"TradeTrack WAF web ACL for the web app's CloudFront distribution ({settings.stage})",
        termination_protection=settings.is_production,
    )


def api_firewall(app: Construct, backend: TradeTrackStack, env: Environment) -> ApiFirewallStack | None:
    """The REST stage's REGIONAL web ACL in its own stack; only the association (one resource) goes
    on the stage in the near-full backend stack, which then deploys after the ACL."""
    if backend.api is None:
        return None
    settings = backend.settings
    firewall = ApiFirewallStack(
        app,
        f"TradeTrackWafApi-{settings.stage}",
        stack_name=f"TradeTrackWafApi-{settings.stage}",
        stage=settings.stage,
        log_retention=settings.log_retention,
        removal_policy=settings.removal_policy,
        env=env,
        description=f"TradeTrack WAF web ACL on the REST API stage ({settings.stage})",
        termination_protection=settings.is_production,
    )
    associate_with_stage(backend.api.rest_api.deployment_stage, firewall.web_acl.arn)
    return firewall


def storage(app: Construct, settings: StageSettings, env: Environment) -> StorageStack:
    """Reports/exports and attachments buckets (storage.py); depends on no other stack."""
    return StorageStack(
        app,
        f"TradeTrackStorage-{settings.stage}",
        stack_name=f"TradeTrackStorage-{settings.stage}",
        stage=settings.stage,
        removal_policy=settings.removal_policy,
        cors_allow_origins=settings.cors_allow_origins,
        env=env,
        description=f"TradeTrack reports, exports and attachments buckets ({settings.stage})",
        termination_protection=settings.is_production,
    )


# The functions whose errors mean broker syncs stop: the scheduler that enqueues, the worker that syncs.
SYNC_FUNCTIONS = ("sync_scheduler", "sync_worker")


def operations(
    app: Construct, backend: TradeTrackStack, specs: Sequence[FunctionSpec], env: Environment
) -> OperationsStack:
    """The ops stack (dashboards per manifest capability, composite alarms), reading the backend's
    functions and alarms by cross-stack reference; its own stack for the 500-resource limit."""
    observability = backend.observability
    by_name = backend.functions.by_name
    queues = backend.queues.by_name
    views: dict[str, tuple[dict[str, lambda_.IFunction], list[cloudwatch.IAlarm]]] = {}
    for spec in specs:
        functions, alarms = views.setdefault(spec.capability, ({}, []))
        functions[spec.name] = by_name[spec.name].function
        alarms.append(observability.function_alarms[spec.name])
        alarms.extend(queues[source.queue].dead_letter_alarm for source in spec.queues)
    sync_stalled: list[cloudwatch.IAlarm] = []
    if backend.broker_sync is not None:
        views["BrokerSync"][1].insert(0, backend.broker_sync.sync_backlog_alarm)
        sync_stalled = [
            backend.broker_sync.sync_backlog_alarm,
            queues[SYNC_QUEUE].dead_letter_alarm,
            *(observability.function_alarms[name] for name in SYNC_FUNCTIONS if name in by_name),
        ]
    behind_api = [s.name for s in specs if s.rest or s.websocket or s.name == AUTHORIZER]
    api_errors = [
        *([observability.rest_5xx_alarm] if observability.rest_5xx_alarm else []),
        *(observability.function_alarms[name] for name in behind_api),
    ]
    api_capability = next((s.capability for s in specs if s.rest), None)
    capabilities = {
        capability: CapabilityView(
            functions=functions,
            alarms=alarms,
            rest_api=backend.api.rest_api if backend.api and capability == api_capability else None,
        )
        for capability, (functions, alarms) in views.items()
    }
    settings = backend.settings
    ops = OperationsStack(
        app,
        f"TradeTrackOps-{settings.stage}",
        stack_name=f"TradeTrackOps-{settings.stage}",
        stage=settings.stage,
        inputs=OperationsInputs(
            topic=backend.observability.topic,
            capabilities=capabilities,
            sync_stalled=sync_stalled,
            api_errors=api_errors,
        ),
        env=env,
        description=f"TradeTrack dashboards per capability and composite alarms ({settings.stage})",
        termination_protection=settings.is_production,
    )
    ops.add_stack_dependency(backend)
    return ops
