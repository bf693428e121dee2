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
    stack = TradeTrackStack(
        app,
        f"TradeTrack-{settings.stage}",
        settings=settings,
        functions=functions,
        env=environment(app.node.try_get_context("region"), environ),
        description=f"TradeTrack serverless trade journal backend ({settings.stage})",
        termination_protection=settings.is_production,
    )
    for key, value in {"Project": "TradeTrack", "Stage": settings.stage, "ManagedBy": "cdk"}.items():
        Tags.of(app).add(key, value)
    enable_nag(app)
    return stack
