"""Builds the whole app, for `cdk synth` (cdk/app.py) and for the infrastructure tests alike."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from aws_cdk import App, Environment, Tags

from functions.manifest import FUNCTIONS, FunctionSpec
from tradetrack_infra.nag import enable_nag
from tradetrack_infra.settings import StageSettings
from tradetrack_infra.stack import TradeTrackStack
from tradetrack_infra.web_hosting import BackendEndpoints, WebHostingStack

DEFAULT_REGION = "ap-south-1"


def environment(region: str | None, environ: Mapping[str, str] = os.environ) -> Environment:
    """The region from context `region` (default Mumbai, where the users and NSE are), never the
    CLI's profile default; the account from the CLI when it has one. Nothing is looked up at synth."""
    return Environment(account=environ.get("CDK_DEFAULT_ACCOUNT") or None, region=region or DEFAULT_REGION)


def build_app(
    app: App,
    *,
    functions: Sequence[FunctionSpec] = FUNCTIONS,
    deps_layer_path: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> TradeTrackStack:
    settings = StageSettings.from_context(app.node)
    if deps_layer_path is not None:
        settings = replace(settings, deps_layer_path=deps_layer_path)
    env = environment(app.node.try_get_context("region"), environ)
    stack = TradeTrackStack(
        app,
        f"TradeTrack-{settings.stage}",
        settings=settings,
        functions=functions,
        env=env,
        description=f"TradeTrack serverless trade journal backend ({settings.stage})",
        termination_protection=settings.is_production,
    )
    web_hosting(app, stack, env)
    for key, value in {"Project": "TradeTrack", "Stage": settings.stage, "ManagedBy": "cdk"}.items():
        Tags.of(app).add(key, value)
    enable_nag(app)
    return stack


def web_hosting(app: App, backend: TradeTrackStack, env: Environment) -> WebHostingStack | None:
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
    web = WebHostingStack(
        app,
        f"TradeTrackWeb-{settings.stage}",
        stage=settings.stage,
        endpoints=endpoints,
        removal_policy=settings.removal_policy,
        env=env,
        description=f"TradeTrack trader web app: S3 + CloudFront ({settings.stage})",
        termination_protection=settings.is_production,
    )
    web.add_stack_dependency(backend)
    return web
