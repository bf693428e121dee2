"""WAFv2 web ACLs on the REST stage (REGIONAL) and the web app's CloudFront distribution (us-east-1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from tests.infrastructure.conftest import Synthesized
from tradetrack_infra.edge import (
    API_CLIENT_RATE_LIMIT,
    API_SOURCE_RATE_LIMIT,
    CDN_RATE_LIMIT,
    CdnFirewallStack,
)

pytestmark = pytest.mark.infrastructure

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
MANAGED = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


def stack_named(app: Synthesized, name: str) -> Stack:
    """A stack of the synthesized app by its name, wherever the app builder put it."""
    (stack,) = [
        c for c in app.stack.node.root.node.find_all() if isinstance(c, Stack) and c.stack_name == name
    ]
    return stack


def template(app: Synthesized, name: str) -> dict[str, Any]:
    return dict(Template.from_stack(stack_named(app, name)).to_json())


def one(rendered: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = [
        (k, v) for k, v in rendered["Resources"].items() if v["Type"] == resource_type
    ]
    return logical_id, resource["Properties"]


def rules_by_name(acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in acl["Rules"]}


def output_value(app: Synthesized, reference: dict[str, Any]) -> Any:
    """What a weak cross-stack reference (Fn::GetStackOutput) resolves to in its producer's template."""
    ref = reference["Fn::GetStackOutput"]
    producer = template(app, ref["StackName"])
    return producer["Outputs"][ref["OutputName"]]["Value"]


@pytest.mark.parametrize(
    ("stack", "scope"), [("TradeTrackWafCdn-dev", "CLOUDFRONT"), ("TradeTrackWafApi-dev", "REGIONAL")]
)
def test_each_web_acl_runs_the_managed_groups_and_a_rate_limit_per_ip(
    dev_app: Synthesized, stack: str, scope: str
) -> None:
    # Given the web ACL of the stack
    _, acl = one(template(dev_app, stack), "AWS::WAFv2::WebACL")
    rules = rules_by_name(acl)

    # Then it is of the scope its resource needs and lets through what no rule blocks
    assert acl["Scope"] == scope
    assert acl["DefaultAction"] == {"Allow": {}}
    # And the three AWS managed groups run with their own actions (no group-wide override to count)
    for name in MANAGED:
        statement = rules[name]["Statement"]["ManagedRuleGroupStatement"]
        assert (statement["VendorName"], statement["Name"]) == ("AWS", name)
        assert rules[name]["OverrideAction"] == {"None": {}}
    # And only the common set's 8 KB body rule counts instead of blocking (CSV imports send up to 1 MB)
    common = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [{"ActionToUse": {"Count": {}}, "Name": "SizeRestrictions_BODY"}]
    for name in MANAGED[1:]:
        assert "RuleActionOverrides" not in rules[name]["Statement"]["ManagedRuleGroupStatement"]
    # And at least one rate-based rule blocks an IP past its limit in a 5-minute window
    rates = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rates
    for rule in rates:
        statement = rule["Statement"]["RateBasedStatement"]
        assert rule["Action"] == {"Block": {}}
        assert statement["AggregateKeyType"] in {"IP", "FORWARDED_IP"}
        assert statement["EvaluationWindowSec"] == 300
        assert 100 <= statement["Limit"] <= 20_000
    # And the IP reputation list goes first, every rule has its own priority, metrics and samples
    assert min(acl["Rules"], key=lambda r: r["Priority"])["Name"] == "AWSManagedRulesAmazonIpReputationList"
    assert len({r["Priority"] for r in acl["Rules"]}) == len(acl["Rules"]) == len(MANAGED) + len(rates)
    for visibility in [acl["VisibilityConfig"], *(r["VisibilityConfig"] for r in acl["Rules"])]:
        assert visibility["CloudWatchMetricsEnabled"] is True
        assert visibility["SampledRequestsEnabled"] is True
    assert len({r["VisibilityConfig"]["MetricName"] for r in acl["Rules"]}) == len(acl["Rules"])


def test_cloudfront_acl_counts_each_viewer_ip(dev_app: Synthesized) -> None:
    # Given the CloudFront web ACL (CloudFront sees the viewer's own address)
    _, acl = one(template(dev_app, "TradeTrackWafCdn-dev"), "AWS::WAFv2::WebACL")

    # Then its one rate rule is keyed on the connection's source IP
    (rate,) = [
        r["Statement"]["RateBasedStatement"] for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]
    ]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == CDN_RATE_LIMIT


def test_api_acl_counts_the_client_behind_cloudfront_and_the_direct_caller(dev_app: Synthesized) -> None:
    # Given the REST stage's web ACL (the web app's calls reach the stage from CloudFront's edges)
    _, acl = one(template(dev_app, "TradeTrackWafApi-dev"), "AWS::WAFv2::WebACL")
    rules = rules_by_name(acl)

    # Then one limit is per client address as CloudFront forwards it (X-Forwarded-For) ...
    client = rules["RatePerClientIp"]["Statement"]["RateBasedStatement"]
    assert client["AggregateKeyType"] == "FORWARDED_IP"
    # (a header holding no valid address is not blocked for it: MATCH would apply the block at once)
    assert client["ForwardedIPConfig"] == {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH"}
    # ... and a higher one per source address catches direct callers forging that header
    source = rules["RatePerSourceIp"]["Statement"]["RateBasedStatement"]
    assert source["AggregateKeyType"] == "IP"
    assert (client["Limit"], source["Limit"]) == (API_CLIENT_RATE_LIMIT, API_SOURCE_RATE_LIMIT)
    assert source["Limit"] > client["Limit"]


def test_cloudfront_acl_lives_in_us_east_1_and_the_distribution_uses_it(dev_app: Synthesized) -> None:
    # Given the CloudFront web ACL's stack and the web app's distribution (app region ap-south-1)
    cdn = stack_named(dev_app, "TradeTrackWafCdn-dev")
    web = template(dev_app, "TradeTrackWeb-dev")
    _, distribution = one(web, "AWS::CloudFront::Distribution")
    acl_id, _ = one(template(dev_app, "TradeTrackWafCdn-dev"), "AWS::WAFv2::WebACL")

    # Then the ACL's stack is in us-east-1, the only region CloudFront takes web ACLs from
    assert cdn.region == "us-east-1"
    assert dev_app.stack.region == "ap-south-1"
    # And the distribution names that ACL's ARN by a cross-region stack-output reference (no custom
    # resource, nothing looked up at synth)
    reference = distribution["DistributionConfig"]["WebACLId"]
    assert reference["Fn::GetStackOutput"]["StackName"] == "TradeTrackWafCdn-dev"
    assert reference["Fn::GetStackOutput"]["Region"] == "us-east-1"
    assert output_value(dev_app, reference) == {"Fn::GetAtt": [acl_id, "Arn"]}
    custom = [r["Type"] for r in web["Resources"].values() if r["Type"].startswith("Custom::")]
    assert custom == ["Custom::CDKBucketDeployment"]  # the app's upload; no cross-region reader


def test_rest_stage_is_associated_with_the_regional_acl(dev_app: Synthesized) -> None:
    # Given the association on the backend's REST stage and the API web ACL
    backend = dict(dev_app.template.to_json())
    _, association = one(backend, "AWS::WAFv2::WebACLAssociation")
    acl_id, _ = one(template(dev_app, "TradeTrackWafApi-dev"), "AWS::WAFv2::WebACL")
    rest_api = next(k for k, v in backend["Resources"].items() if v["Type"] == "AWS::ApiGateway::RestApi")
    stage = next(k for k, v in backend["Resources"].items() if v["Type"] == "AWS::ApiGateway::Stage")

    # Then it names this API's stage by its ARN ...
    parts = association["ResourceArn"]["Fn::Join"][1]
    assert parts == [
        "arn:aws:apigateway:ap-south-1::/restapis/",
        {"Ref": rest_api},
        "/stages/",
        {"Ref": stage},
    ]
    # ... and the regional ACL, read from its stack in the same region
    reference = association["WebACLArn"]
    assert reference["Fn::GetStackOutput"]["Region"] == "ap-south-1"
    assert output_value(dev_app, reference) == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_web_acl_stacks_depend_on_nothing_so_no_cycle_can_form(dev_app: Synthesized) -> None:
    # Given the two web ACL stacks and their consumers
    api_acl = stack_named(dev_app, "TradeTrackWafApi-dev")
    cdn_acl = stack_named(dev_app, "TradeTrackWafCdn-dev")
    web = stack_named(dev_app, "TradeTrackWeb-dev")

    # Then the ACL stacks deploy first: they depend on no stack, their consumers on them
    assert api_acl.dependencies == []
    assert cdn_acl.dependencies == []
    assert api_acl in dev_app.stack.dependencies
    assert cdn_acl in web.dependencies
    # And the backend gains a single resource for it (the association)
    backend_waf = [
        v for v in dev_app.template.to_json()["Resources"].values() if v["Type"].startswith("AWS::WAFv2")
    ]
    assert len(backend_waf) == 1


@pytest.mark.parametrize(
    ("stack", "region"), [("TradeTrackWafCdn-dev", "us-east-1"), ("TradeTrackWafApi-dev", "ap-south-1")]
)
def test_each_web_acl_logs_to_a_waf_log_group_with_secrets_redacted(
    dev_app: Synthesized, stack: str, region: str
) -> None:
    # Given the ACL, its logging configuration and its log group
    rendered = template(dev_app, stack)
    acl_id, _ = one(rendered, "AWS::WAFv2::WebACL")
    group_id, group = one(rendered, "AWS::Logs::LogGroup")
    _, logging = one(rendered, "AWS::WAFv2::LoggingConfiguration")

    # Then the group has the name WAF requires and the stage's retention (30 days)
    assert group["LogGroupName"].startswith("aws-waf-logs-tradetrack-dev-")
    assert group["RetentionInDays"] == 30
    # And the ACL logs into that group, named by its ARN without the ":*" suffix WAF refuses
    assert logging["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    (destination,) = logging["LogDestinationConfigs"]
    assert destination["Fn::Join"][1] == [
        f"arn:aws:logs:{region}:",
        {"Ref": "AWS::AccountId"},
        ":log-group:",
        {"Ref": group_id},
    ]
    # And only requests a rule blocked or counted are logged (allowed ones are metrics and samples)
    assert logging["LoggingFilter"] == {
        "DefaultBehavior": "DROP",
        "Filters": [
            {
                "Behavior": "KEEP",
                "Requirement": "MEETS_ANY",
                "Conditions": [
                    {"ActionCondition": {"Action": "BLOCK"}},
                    {"ActionCondition": {"Action": "COUNT"}},
                ],
            }
        ],
    }
    # And the tokens and session cookies requests carry never reach the logs
    assert logging["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]


def test_waf_findings_are_met_not_acknowledged(dev_app: Synthesized) -> None:
    # Given the cdk-nag report of the synth
    (nag,) = [r for r in dev_app.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    suppressed = {v["ruleName"].split("[")[0] for v in nag["suppressedViolations"]}

    # Then neither the REST stage's WAF rule (APIG3) nor CloudFront's (CFR2) is acknowledged, and
    # neither is reported: the stage and the distribution have their web ACLs
    assert "AwsSolutions-APIG3" not in suppressed
    assert "AwsSolutions-CFR2" not in suppressed
    assert nag["violations"] == []


def test_cloudfront_acl_stack_refuses_any_region_but_us_east_1(tmp_path: Path) -> None:
    # Given an app putting the CloudFront ACL stack in Mumbai
    app = App(outdir=str(tmp_path))

    # When it is built, Then it fails naming us-east-1
    with pytest.raises(ValueError, match="us-east-1"):
        CdnFirewallStack(
            app,
            "Cdn",
            stage="dev",
            log_retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
            env=Environment(region="ap-south-1"),
        )


@pytest.mark.parametrize("stack", ["TradeTrackWafCdn-dev", "TradeTrackWafApi-dev"])
def test_cfn_lint_finds_nothing_in_the_waf_templates(dev_app: Synthesized, stack: str) -> None:
    # Given a web ACL stack's synthesized template
    path = dev_app.assembly_dir / stack_named(dev_app, stack).template_file

    # When cfn-lint checks it as `make synth` does, Then it reports nothing
    result = subprocess.run(
        [str(CFN_LINT), str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(path.read_text())["Resources"]
