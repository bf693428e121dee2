"""An EventBridge rule per manifest `Schedule`, invoking its function (with {"task": …} as the
event when the Schedule names a task)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from functions.manifest import FunctionSpec
from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.naming import pascal


class Schedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: Sequence[FunctionSpec],
        functions: Mapping[str, ManifestFunction],
        stage: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        for spec in specs:
            for schedule in spec.schedules:
                if schedule.rule in self.rules:
                    raise ValueError(f"schedule rule {schedule.rule!r} is declared twice in the manifest")
                self.rules[schedule.rule] = events.Rule(
                    self,
                    pascal(schedule.rule),
                    description=f"TradeTrack {stage}: {schedule.rule} -> {spec.name}",
                    schedule=events.Schedule.expression(schedule.expression),
                    targets=[
                        targets.LambdaFunction(
                            functions[spec.name].function,
                            event=events.RuleTargetInput.from_object({"task": schedule.task})
                            if schedule.task
                            else None,
                            retry_attempts=2,
                            max_event_age=Duration.minutes(5),
                        )
                    ],
                )
