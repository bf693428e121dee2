"""WAFv2 web ACLs in front of the REST stage and the web app's CloudFront distribution (docs/operations.md).

Two stacks, neither the backend (`TradeTrack-<stage>` is near CloudFormation's 500-resource limit):

- `TradeTrackWafApi-<stage>`, in the app's region: the REGIONAL web ACL for the REST API's stage. It
  depends on nothing; the one association resource sits on the stage in the backend stack
  (`associate_with_stage`, reading the ACL's ARN by weak reference, so the backend deploys after it):
  cdk-nag's AwsSolutions-APIG3 looks for the association in the stage's own stack.
- `TradeTrackWafCdn-<stage>`, always in us-east-1 (CloudFront accepts CLOUDFRONT-scope ACLs from there
  only): its ARN goes to the web stack by a weak cross-region reference (`Fn::GetStackOutput`), so the
  app synthesizes offline, without credentials or lookups.

Both ACLs allow by default and run, in order: Amazon's IP reputation list, a rate limit per client IP
(blocked past it for the rest of the 5-minute window), AWS's known-bad-inputs and common rule sets.
The common set's 8 KB body limit only counts: `POST /v1/imports` takes CSV bodies up to 1 MB (the
handlers enforce their own body limits). Each ACL logs the requests a rule blocked or counted to
CloudWatch Logs (`aws-waf-logs-...`, kept `logRetentionDays`), Authorization and Cookie redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import ArnFormat, CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

CLOUDFRONT_REGION = "us-east-1"
WINDOW_S = 300
# Requests per client IP in WINDOW_S. One trader's app makes a few calls a page (~10 a second at
# most, briefly); the limits leave room for several traders behind one address (Indian mobile
# carriers put many subscribers behind one IPv4 address, CGNAT), not for a scraper or a
# credential stuffer.
CDN_RATE_LIMIT = 3_000
# At the REST stage the web app's calls arrive from CloudFront, whose edge servers are shared by
# many traders: the per-client limit there is keyed on X-Forwarded-For (set by CloudFront), and a
# per-source-address limit five times higher catches direct callers who forge that header.
API_CLIENT_RATE_LIMIT = 2_000
API_SOURCE_RATE_LIMIT = 10_000
LOG_GROUP_PREFIX = "aws-waf-logs-"  # WAF delivers only to log groups named so
REDACTED_HEADERS = ("authorization", "cookie")
LOGGED_ACTIONS = ("BLOCK", "COUNT")


@dataclass(frozen=True)
class ManagedGroup:
    name: str
    # Rules of the group that only count (their matches are logged and labelled, not blocked).
    count_only: tuple[str, ...] = ()


MANAGED_GROUPS = (
    ManagedGroup("AWSManagedRulesAmazonIpReputationList"),
    ManagedGroup("AWSManagedRulesKnownBadInputsRuleSet"),
    # SizeRestrictions_BODY blocks bodies over 8 KB; CSV imports send up to 1 MB.
    ManagedGroup("AWSManagedRulesCommonRuleSet", count_only=("SizeRestrictions_BODY",)),
)


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    # "IP": the connection's source address; "FORWARDED_IP": the first address in X-Forwarded-For.
    key: str = "IP"


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )


def _rate_rule(rate: RateLimit, priority: int, prefix: str) -> wafv2.CfnWebACL.RuleProperty:
    forwarded = (
        # Without the header the rule does not apply at all; with one that holds no valid address
        # NO_MATCH lets it pass this rule (MATCH would block it outright). The source-address limit
        # counts both.
        wafv2.CfnWebACL.ForwardedIPConfigurationProperty(
            header_name="X-Forwarded-For", fallback_behavior="NO_MATCH"
        )
        if rate.key == "FORWARDED_IP"
        else None
    )
    return wafv2.CfnWebACL.RuleProperty(
        name=rate.name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type=rate.key,
                limit=rate.limit,
                evaluation_window_sec=WINDOW_S,
                forwarded_ip_config=forwarded,
            )
        ),
        visibility_config=_visibility(f"{prefix}-{rate.name}"),
    )


def _managed_rule(group: ManagedGroup, priority: int, prefix: str) -> wafv2.CfnWebACL.RuleProperty:
    overrides = [
        wafv2.CfnWebACL.RuleActionOverrideProperty(
            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
        )
        for rule in group.count_only
    ]
    return wafv2.CfnWebACL.RuleProperty(
        name=group.name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=group.name, rule_action_overrides=overrides or None
            )
        ),
        visibility_config=_visibility(f"{prefix}-{group.name}"),
    )


class LoggedWebAcl(Construct):
    """A web ACL (managed groups + per-IP rate limits) and its CloudWatch Logs logging."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        scope_name: str,
        rates: Sequence[RateLimit],
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        # IP reputation first (cheapest block), then the rate limits, then the content rule sets.
        reputation, *content = MANAGED_GROUPS
        rules = [
            _managed_rule(reputation, 0, name),
            *(_rate_rule(rate, 1 + i, name) for i, rate in enumerate(rates)),
            *(_managed_rule(group, 1 + len(rates) + i, name) for i, group in enumerate(content)),
        ]
        self.acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope=scope_name,
            description=f"{name}: AWS managed rule groups and per-IP rate limits",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(name),
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"{LOG_GROUP_PREFIX}{name}",
            retention=log_retention,
            removal_policy=removal_policy,
        )
        # WAF wants the log group's ARN without the ":*" that LogGroup.log_group_arn ends with.
        log_group_arn = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name=self.log_group.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.acl.attr_arn,
            log_destination_configs=[log_group_arn],
            # Only what a rule blocked or counted: every allowed request would cost ~1.5 KB of log
            # ingestion (~$300/month at 100k users); CloudWatch metrics and sampled requests cover the rest.
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [
                    {
                        "Behavior": "KEEP",
                        "Requirement": "MEETS_ANY",
                        "Conditions": [{"ActionCondition": {"Action": action}} for action in LOGGED_ACTIONS],
                    }
                ],
            },
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in REDACTED_HEADERS
            ],
        )

    @property
    def arn(self) -> str:
        return self.acl.attr_arn


class ApiFirewallStack(Stack):
    """The REGIONAL web ACL for the REST API's stage (`TradeTrackWafApi-<stage>`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.web_acl = LoggedWebAcl(
            self,
            "Api",
            name=f"tradetrack-{stage}-api",
            scope_name="REGIONAL",
            rates=(
                RateLimit("RatePerClientIp", API_CLIENT_RATE_LIMIT, key="FORWARDED_IP"),
                RateLimit("RatePerSourceIp", API_SOURCE_RATE_LIMIT),
            ),
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        CfnOutput(self, "ApiWebAclArn", value=self.web_acl.arn)


def associate_with_stage(stage: apigateway.Stage, web_acl_arn: str) -> wafv2.CfnWebACLAssociation:
    """Put the REST stage behind a REGIONAL web ACL: one resource, in the stage's (backend) stack."""
    return wafv2.CfnWebACLAssociation(
        stage, "WebAclAssociation", resource_arn=stage.stage_arn, web_acl_arn=web_acl_arn
    )


class CdnFirewallStack(Stack):
    """The CLOUDFRONT web ACL for the web app's distribution (`TradeTrackWafCdn-<stage>`, us-east-1)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if self.region != CLOUDFRONT_REGION:
            raise ValueError(f"CloudFront web ACLs are created in {CLOUDFRONT_REGION}, not {self.region}")
        self.web_acl = LoggedWebAcl(
            self,
            "Cdn",
            name=f"tradetrack-{stage}-cdn",
            scope_name="CLOUDFRONT",
            rates=(RateLimit("RatePerIp", CDN_RATE_LIMIT),),
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        CfnOutput(self, "CdnWebAclArn", value=self.web_acl.arn)
