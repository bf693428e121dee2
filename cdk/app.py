"""CDK entry point (cdk.json): `cdk synth -c stage=dev`. Everything else is in tradetrack_infra."""

from __future__ import annotations

from aws_cdk import App

from tradetrack_infra.app_builder import build_app

app = App()
build_app(app)
app.synth()
