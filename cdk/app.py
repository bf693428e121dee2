"""CDK entry point (cdk.json): `cdk synth -c stage=dev`, or the deploy pipeline with `-c pipeline=true`.
Everything else is in tradetrack_infra."""

from __future__ import annotations

from aws_cdk import App

from tradetrack_infra.app_builder import build_app, build_pipeline_app, pipeline_requested

app = App()
if pipeline_requested(app):
    build_pipeline_app(app)
else:
    build_app(app)
app.synth()
