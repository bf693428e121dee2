"""An SQS queue with a dead-letter queue per manifest `QueueSource`, consumed by its function."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.manifest import FunctionSpec, QueueSource, queue_url_variable
from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.naming import pascal

DLQ_RETENTION = Duration.days(14)


class ConsumedQueue(Construct):
    def __init__(self, scope: Construct, source: QueueSource, *, stage: str) -> None:
        super().__init__(scope, pascal(source.queue))
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This is the dead-letter queue of its queue; its depth alarms instead of redriving further.",
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(source.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letters, max_receive_count=source.max_receive_count
            ),
        )
        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "DeadLettersAlarm",
            alarm_description=f"TradeTrack {stage}: messages of {source.queue} failed "
            f"{source.max_receive_count} times and wait in its dead-letter queue",
            metric=self.dead_letters.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )


class Queues(Construct):
    """`by_name` maps a manifest queue name to its queue, for producers to be granted later."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: Sequence[FunctionSpec],
        functions: Mapping[str, ManifestFunction],
        stage: str,
        targets: Mapping[str, lambda_.IFunction] | None = None,
    ) -> None:
        """`targets`: what a queue's event source invokes per function (its `live` alias, canary.py)."""
        super().__init__(scope, construct_id)
        self.by_name: dict[str, ConsumedQueue] = {}
        for spec in specs:
            for source in spec.queues:
                if source.queue in self.by_name:
                    raise ValueError(f"queue {source.queue!r} has more than one consumer in the manifest")
                if source.visibility_timeout_s < spec.timeout_s:
                    raise ValueError(
                        f"queue {source.queue!r}: visibility timeout {source.visibility_timeout_s}s is "
                        f"shorter than {spec.name}'s timeout {spec.timeout_s}s (SQS would redeliver "
                        "messages still being processed)"
                    )
                consumed = ConsumedQueue(self, source, stage=stage)
                self.by_name[source.queue] = consumed
                (targets or {}).get(spec.name, functions[spec.name].function).add_event_source(
                    event_sources.SqsEventSource(
                        consumed.queue,
                        batch_size=source.batch_size,
                        report_batch_item_failures=True,
                        # With reserved concurrency, the poller must not start more invocations than
                        # it admits: throttled messages come back with their receive count raised
                        # and would reach the DLQ without ever running.
                        max_concurrency=spec.reserved_concurrency,
                    )
                )
        for spec in specs:
            for queue in spec.sends_to:
                if queue not in self.by_name:
                    raise ValueError(f"{spec.name} sends to {queue!r}, which no manifest function consumes")
                producer = functions[spec.name].function
                self.by_name[queue].queue.grant_send_messages(producer)
                producer.add_environment(queue_url_variable(queue), self.by_name[queue].queue.queue_url)
