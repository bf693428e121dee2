"""One dashboard and the alarms that matter from day one (API 5XX, function errors, dead letters).

Alarms have no actions yet: the Notifications capability brings the topic they publish to.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from tradetrack_infra.naming import pascal

PERIOD = Duration.minutes(5)


class Observability(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.alarms: list[cloudwatch.IAlarm] = []
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"TradeTrack-{stage}", default_interval=Duration.hours(3)
        )

    def watch_rest_api(self, api: apigateway.RestApi) -> None:
        server_errors = api.metric_server_error(period=PERIOD, statistic="Sum")
        self.alarms.append(
            server_errors.create_alarm(
                self,
                "RestApi5xxAlarm",
                alarm_description=f"TradeTrack {self.stage}: the REST API answered 5XX",
                threshold=5,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="REST requests and errors",
                left=[
                    api.metric_count(period=PERIOD, statistic="Sum"),
                    api.metric_client_error(period=PERIOD, statistic="Sum"),
                    server_errors,
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

    def watch_function(self, name: str, function: lambda_.IFunction) -> None:
        errors = function.metric_errors(period=PERIOD, statistic="Sum")
        self.alarms.append(
            errors.create_alarm(
                self,
                f"{pascal(name)}ErrorsAlarm",
                alarm_description=f"TradeTrack {self.stage}: {name} raised errors",
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"{name}: invocations, errors, throttles",
                left=[
                    function.metric_invocations(period=PERIOD, statistic="Sum"),
                    errors,
                    function.metric_throttles(period=PERIOD, statistic="Sum"),
                ],
                right=[function.metric_duration(period=PERIOD, statistic="p95")],
                width=12,
            )
        )

    def watch_alarm(self, alarm: cloudwatch.IAlarm) -> None:
        self.alarms.append(alarm)
