"""Stack TradeTrackOps-<stage>: one dashboard per capability and the composite alarms ops page on.

Its own stack because the backend stack is near CloudFormation's 500-resource limit. It reads the
backend's functions, API and alarms by (weak) cross-stack reference; the alarms themselves and the
ops topic they notify stay in the backend stack (observability.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from tradetrack_infra.naming import pascal

PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class CapabilityView:
    """What one capability's dashboard shows: its functions, its alarms, and its REST API if any."""

    functions: Mapping[str, lambda_.IFunction]
    alarms: Sequence[cloudwatch.IAlarm]
    rest_api: apigateway.RestApi | None = None


@dataclass(frozen=True)
class OperationsInputs:
    topic: sns.ITopic
    capabilities: Mapping[str, CapabilityView]
    # Any of these in ALARM: broker syncs are not happening (backlog, dead letters, worker errors).
    sync_stalled: Sequence[cloudwatch.IAlarm] = field(default_factory=tuple)
    # Any of these in ALARM: API callers see errors (REST 5XX, errors of a function behind an API).
    api_errors: Sequence[cloudwatch.IAlarm] = field(default_factory=tuple)


class OperationsStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, inputs: OperationsInputs, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        action = cloudwatch_actions.SnsAction(inputs.topic)
        self.composite_alarms: dict[str, cloudwatch.CompositeAlarm] = {}
        for key, alarms, meaning in (
            ("sync-stalled", inputs.sync_stalled, "broker syncs are stalled (backlog, dead letters, errors)"),
            ("api-errors", inputs.api_errors, "API callers see errors (REST 5XX or a function's errors)"),
        ):
            if not alarms:
                continue
            composite = cloudwatch.CompositeAlarm(
                self,
                f"{pascal(key)}Alarm",
                composite_alarm_name=f"TradeTrack-{stage}-{key}",
                alarm_description=f"TradeTrack {stage}: {meaning}",
                alarm_rule=cloudwatch.AlarmRule.any_of(
                    *(cloudwatch.AlarmRule.from_alarm(a, cloudwatch.AlarmState.ALARM) for a in alarms)
                ),
            )
            composite.add_alarm_action(action)
            composite.add_ok_action(action)
            self.composite_alarms[key] = composite

        self.dashboards: dict[str, cloudwatch.Dashboard] = {}
        for capability, view in inputs.capabilities.items():
            self.dashboards[capability] = self._dashboard(capability, view)

    def _dashboard(self, capability: str, view: CapabilityView) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self,
            f"{pascal(capability)}Dashboard",
            dashboard_name=f"TradeTrack-{self.stage}-{capability}",
            default_interval=Duration.hours(3),
        )
        if view.alarms:
            dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(title=f"{capability} alarms", alarms=list(view.alarms), width=24)
            )
        if view.rest_api is not None:
            api = view.rest_api
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="REST requests and errors",
                    left=[
                        api.metric_count(period=PERIOD, statistic="Sum"),
                        api.metric_client_error(period=PERIOD, statistic="Sum"),
                        api.metric_server_error(period=PERIOD, statistic="Sum"),
                    ],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="REST latency p95",
                    left=[
                        api.metric_latency(period=PERIOD, statistic="p95"),
                        api.metric_integration_latency(period=PERIOD, statistic="p95"),
                    ],
                    width=12,
                ),
            )
        for name, function in view.functions.items():
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{name}: invocations, errors, throttles",
                    left=[
                        function.metric_invocations(period=PERIOD, statistic="Sum"),
                        function.metric_errors(period=PERIOD, statistic="Sum"),
                        function.metric_throttles(period=PERIOD, statistic="Sum"),
                    ],
                    right=[function.metric_duration(period=PERIOD, statistic="p95")],
                    width=12,
                )
            )
        return dashboard
