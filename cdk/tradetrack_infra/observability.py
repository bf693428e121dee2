"""The alarms that matter from day one (API 5XX, function errors, dead letters) and the ops topic
every alarm of the stack notifies, on ALARM and on OK.

The topic lives here, in the backend stack, because its alarms publish to it; the dashboards and
composite alarms read these alarms and live in the operations stack (operations.py), the backend
stack being near CloudFormation's 500-resource limit.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from tradetrack_infra.naming import pascal

PERIOD = Duration.minutes(5)


class Observability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        ops_email: str = "",
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.alarms: list[cloudwatch.IAlarm] = []
        self.function_alarms: dict[str, cloudwatch.Alarm] = {}
        self.rest_5xx_alarm: cloudwatch.Alarm | None = None
        # CloudWatch publishes to an encrypted topic only with a customer managed key it may use.
        self.topic_key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"TradeTrack {stage}: encrypts the ops alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.topic_key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"TradeTrack-{stage}-ops-alarms",
            display_name=f"TradeTrack {stage} alarms",
            master_key=self.topic_key,
            enforce_ssl=True,
        )
        if ops_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(ops_email))

    def watch_rest_api(self, api: apigateway.RestApi) -> None:
        self.rest_5xx_alarm = api.metric_server_error(period=PERIOD, statistic="Sum").create_alarm(
            self,
            "RestApi5xxAlarm",
            alarm_description=f"TradeTrack {self.stage}: the REST API answered 5XX",
            threshold=5,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarms.append(self.rest_5xx_alarm)

    def watch_function(self, name: str, function: lambda_.IFunction) -> None:
        alarm = function.metric_errors(period=PERIOD, statistic="Sum").create_alarm(
            self,
            f"{pascal(name)}ErrorsAlarm",
            alarm_description=f"TradeTrack {self.stage}: {name} raised errors",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.function_alarms[name] = alarm
        self.alarms.append(alarm)

    def watch_count(self, metric: str, *, namespace: str, service: str, description: str) -> None:
        """An alarm on any count of a Powertools metric (dimension `service`: the emitting function)
        in a period, e.g. a paper ledger that drifted from its fills."""
        alarm = cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric,
            dimensions_map={"service": service},
            period=PERIOD,
            statistic="Sum",
        ).create_alarm(
            self,
            f"{metric}Alarm",
            alarm_description=f"TradeTrack {self.stage}: {description}",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarms.append(alarm)

    def watch_alarm(self, alarm: cloudwatch.IAlarm) -> None:
        self.alarms.append(alarm)

    def notify_every_alarm(self, scope: Construct) -> int:
        """Send ALARM and OK of every metric alarm under `scope` to the ops topic; how many."""
        action = cloudwatch_actions.SnsAction(self.topic)
        alarms = [node for node in scope.node.find_all() if isinstance(node, cloudwatch.Alarm)]
        for alarm in alarms:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        return len(alarms)
