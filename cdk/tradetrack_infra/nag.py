"""cdk-nag (v3: a CDK validation plugin) and the one way this app acknowledges a finding."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Stage, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def enable_nag(stage: Stage) -> None:
    """Run the AwsSolutions pack on every synth of `stage`; any unacknowledged error fails synth."""
    Validations.of(stage).add_plugins(AwsSolutionsChecks(stage, verbose=True))


def acknowledge(scope: IConstruct, rule: str, reason: str, *findings: str) -> None:
    """Acknowledge `rule` on `scope` and its children; with findings, only those ("Resource::*")."""
    # Validation ids are namespaced by plugin: "AwsSolutions::AwsSolutions-L1".
    namespaced = f"AwsSolutions::{rule}" if rule.startswith("AwsSolutions-") else rule
    ids = [f"{namespaced}[{finding}]" for finding in findings] if findings else [namespaced]
    for rule_id in ids:
        Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def resource_finding(scope: IConstruct, arn: str) -> str:
    """The IAM5 finding id cdk-nag reports for a policy resource: "Resource::arn:aws:...:<Ref>/*"."""
    return f"Resource::{_render(Stack.of(scope).resolve(arn))}"


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), *_ = value.items()
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(_render(part) for part in parts)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding")
