"""cdk-nag (AwsSolutions) and cfn-lint accept what `cdk synth` produces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs

from tests.infrastructure.conftest import Synthesized
from tradetrack_infra.nag import enable_nag

pytestmark = pytest.mark.infrastructure

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def violations(app: Synthesized, plugin_prefix: str = "") -> list[dict[str, Any]]:
    return [
        violation
        for report in app.report["pluginReports"]
        if report["pluginName"].startswith(plugin_prefix)
        for violation in report["violations"]
    ]


@pytest.mark.parametrize("variant", ["dev_app", "probe_app"])
def test_cdk_nag_reports_no_unacknowledged_findings(variant: str, request: pytest.FixtureRequest) -> None:
    # Given the app synthesized with the AwsSolutions pack (synth itself raises on an error)
    app: Synthesized = request.getfixturevalue(variant)

    # When the validation report of that synth is read
    (nag,) = [r for r in app.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]

    # Then the pack ran and left no finding, every acknowledged one with a reason
    assert nag["violations"] == []
    assert nag["suppressedViolations"], "the pack reported nothing at all: did it run?"
    assert all(len(s["reason"].strip()) > 20 for s in nag["suppressedViolations"])
    # And no other plugin (CloudFormation Validate) has a finding either, error or warning
    assert violations(app) == []


# Issue #17: fewer acknowledgements than the 112 it counted. An acknowledgement is one reason given
# at one scope (the report's suppressedViolations entries), however many constructs it answers for.
ACKNOWLEDGEMENT_BUDGET = 112


def test_cdk_nag_acknowledgements_stay_under_budget(dev_app: Synthesized) -> None:
    # Given the dev app's AwsSolutions report
    (nag,) = [r for r in dev_app.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]

    # When its acknowledgements are counted
    given = {(s["acknowledgedId"], s["acknowledgedAt"]) for s in nag["suppressedViolations"]}
    answered = sum(len(s["violatingConstructs"]) for s in nag["suppressedViolations"])

    # Then there are fewer than the budget, each answering for one construct or more
    print(f"cdk-nag: {len(given)} acknowledgements answer for {answered} findings")
    assert len(given) < ACKNOWLEDGEMENT_BUDGET
    assert answered >= len(given)


def test_cdk_nag_runs_on_every_synth(tmp_path: Path) -> None:
    # Given an app with nag enabled the way cdk/app.py does, holding a queue that allows plain HTTP
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Unsafe")
    sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.UNENCRYPTED)
    enable_nag(app)

    # When it is synthesized, Then synth fails naming the AwsSolutions rule
    with pytest.raises(RuntimeError, match=r"AwsSolutions-SQS"):
        app.synth()


@pytest.mark.parametrize("variant", ["dev_app", "probe_app"])
def test_cfn_lint_finds_nothing(variant: str, request: pytest.FixtureRequest) -> None:
    # Given the synthesized backend template and its nested stacks' (canary releases, REST routes)
    app: Synthesized = request.getfixturevalue(variant)
    nested = sorted(app.assembly_dir.glob(f"{app.stack.artifact_id.replace('-', '')}*.nested.template.json"))
    assert len(nested) == len(app.resources("AWS::CloudFormation::Stack"))

    # When cfn-lint checks them as `make synth` does
    result = subprocess.run(
        [str(CFN_LINT), str(app.template_path), *map(str, nested)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    # Then it reports no error and no warning
    assert result.returncode == 0, result.stdout + result.stderr
