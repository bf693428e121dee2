"""Per-stage settings, read once from CDK context (cdk.json, overridden by `-c key=value`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Node

from tradetrack_infra.paths import DEFAULT_DEPS_LAYER_DIR, resolve_repo_path

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,20}$")  # the same rule as tradetrack.config.Settings.stage
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A Redis URL without credentials: secrets never go into plain Lambda environment variables.
REDIS_URL_PATTERN = r"^rediss?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[0-9]{1,2})?$"
SECRETSMANAGER_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)
PRODUCTION_STAGES = frozenset({"prod"})
DEPLOYMENT_CONFIG = "CANARY_10PERCENT_5MINUTES"
DEPLOYMENT_CONFIGS = (
    DEPLOYMENT_CONFIG,
    "CANARY_10PERCENT_15MINUTES",
    "LINEAR_10PERCENT_EVERY_1MINUTE",
    "ALL_AT_ONCE",
)
# The endpoint service Atlas shows when a PrivateLink endpoint is added to the project.
ATLAS_ENDPOINT_SERVICE_PATTERN = r"^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[0-9a-f]{8,17}$"

_RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
}


class SettingsError(ValueError):
    """The CDK context does not describe a deployable stage."""


@dataclass(frozen=True)
class StageSettings:
    stage: str
    log_level: str
    log_retention: logs.RetentionDays
    cors_allow_origins: tuple[str, ...]
    throttle_rate_limit: int
    throttle_burst_limit: int
    deps_layer_path: Path
    # Given: used as is. None: the stack asks for it as a CloudFormation parameter at deploy time.
    mongodb_uri_secret_arn: str | None
    redis_url: str | None
    # The API Gateway CloudWatch role is one per account and region: let only one stage own it.
    manage_api_gateway_account: bool
    # The SES identity notifications are sent from (alerts@<domain>); verify its DKIM records after deploy.
    email_domain: str = "tradetrack.example"
    # The web app (SPA) the broker OAuth callback sends the browser back to; empty: it answers JSON.
    app_url: str = ""
    # Where every alarm is sent (SNS email subscription to the ops topic); empty: no subscription.
    ops_email: str = ""
    # The network stack (network.py): availability zones (2 or 3), NAT gateways (each with an Elastic
    # IP Atlas allow-lists), the ElastiCache node type, and the Atlas PrivateLink endpoint service
    # (com.amazonaws.vpce.<region>.vpce-svc-...; empty: Atlas is reached through the NAT IPs).
    network_azs: int = 2
    nat_gateways: int = 1
    cache_node_type: str = "cache.t4g.micro"
    atlas_private_link_service: str = ""
    # Where the stage deploys (the pipeline's stages; plain synth: the CLI's account); None: unset.
    account: str | None = None
    region: str | None = None
    # How CodeDeploy shifts the functions' `live` aliases to a new version (canary.py).
    deployment_config: str = "CANARY_10PERCENT_5MINUTES"

    @property
    def is_production(self) -> bool:
        return self.stage in PRODUCTION_STAGES

    @property
    def removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.is_production else RemovalPolicy.DESTROY

    @classmethod
    def from_context(cls, node: Node, stage: str | None = None) -> StageSettings:
        """The settings of `stage` (default: context `stage`): a `-c key=value` (a top-level context
        key) wins over the stage's block in cdk.json (`stages.<stage>.key`), which wins over defaults."""
        stage = str(stage or node.try_get_context("stage") or "dev")
        blocks = node.try_get_context("stages") or {}
        block = blocks.get(stage, {}) if isinstance(blocks, dict) else {}

        def get(key: str, default: Any = None) -> Any:
            value = node.try_get_context(key)
            if value is None or value == "":
                value = block.get(key)
            return default if value is None or value == "" else value

        if not STAGE_PATTERN.match(stage):
            raise SettingsError(f"context stage={stage!r} must match {STAGE_PATTERN.pattern}")

        log_level = str(get("logLevel", "INFO")).upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"context logLevel={log_level!r} must be one of {', '.join(LOG_LEVELS)}")

        retention_days = _as_int("logRetentionDays", get("logRetentionDays", 30))
        if retention_days not in _RETENTION_BY_DAYS:
            allowed = ", ".join(str(days) for days in _RETENTION_BY_DAYS)
            raise SettingsError(f"context logRetentionDays={retention_days} must be one of {allowed}")

        redis_url = get("redisUrl")
        if redis_url is not None and not re.match(REDIS_URL_PATTERN, str(redis_url)):
            raise SettingsError("context redisUrl must be redis[s]://host[:port][/db] without credentials")
        secret_arn = get("mongoUriSecretArn")
        if secret_arn is not None and not re.match(SECRETSMANAGER_ARN_PATTERN, str(secret_arn)):
            raise SettingsError("context mongoUriSecretArn must be a complete Secrets Manager secret ARN")

        return cls(
            stage=stage,
            log_level=log_level,
            log_retention=_RETENTION_BY_DAYS[retention_days],
            cors_allow_origins=_as_origins(get("corsAllowOrigins", ["*"])),
            throttle_rate_limit=_as_int("apiThrottleRateLimit", get("apiThrottleRateLimit", 100)),
            throttle_burst_limit=_as_int("apiThrottleBurstLimit", get("apiThrottleBurstLimit", 200)),
            deps_layer_path=resolve_repo_path(str(get("depsLayerPath", DEFAULT_DEPS_LAYER_DIR))),
            mongodb_uri_secret_arn=None if secret_arn is None else str(secret_arn),
            redis_url=None if redis_url is None else str(redis_url),
            manage_api_gateway_account=_as_bool(get("manageApiGatewayAccount", True)),
            email_domain=_as_domain(get("emailDomain", "tradetrack.example")),
            app_url=_as_app_url(get("appUrl", "")),
            ops_email=_as_email(get("opsEmail", "")),
            **_network(get, production=stage in PRODUCTION_STAGES),
            account=_as_account(get("account")),
            region=None if get("region") is None else str(get("region")),
            deployment_config=_as_choice("deploymentConfig", get("deploymentConfig", DEPLOYMENT_CONFIG)),
        )


def _network(get: Callable[[str, Any], Any], *, production: bool) -> dict[str, Any]:
    """Three AZs and a NAT gateway in each for production; two AZs and one NAT elsewhere (cost)."""
    azs = _as_int("networkAzs", get("networkAzs", 3 if production else 2))
    if azs not in (2, 3):
        raise SettingsError(f"context networkAzs={azs} must be 2 or 3")
    nat_gateways = _as_int("natGateways", get("natGateways", azs if production else 1))
    if not 1 <= nat_gateways <= azs:
        raise SettingsError(f"context natGateways={nat_gateways} must be between 1 and networkAzs")
    node_type = str(get("cacheNodeType", "cache.t4g.small" if production else "cache.t4g.micro"))
    if not re.fullmatch(r"cache\.[a-z0-9]+\.[a-z0-9]+", node_type):
        raise SettingsError(f"context cacheNodeType={node_type!r} must be a node type (cache.t4g.small)")
    service = str(get("atlasPrivateLinkServiceName", "")).strip()
    if service and not re.fullmatch(ATLAS_ENDPOINT_SERVICE_PATTERN, service):
        raise SettingsError(
            f"context atlasPrivateLinkServiceName={service!r}: com.amazonaws.vpce.<region>.vpce-svc-<id>"
        )
    return {
        "network_azs": azs,
        "nat_gateways": nat_gateways,
        "cache_node_type": node_type,
        "atlas_private_link_service": service,
    }


def _as_int(key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"context {key}={value!r} must be an integer") from None


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}


def _as_origins(value: Any) -> tuple[str, ...]:
    # From cdk.json a list; from `-c corsAllowOrigins=...` a JSON list or a comma-separated string.
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text.startswith("[") else text.split(",")
    origins = tuple(str(origin).strip() for origin in value if str(origin).strip())
    if not origins:
        raise SettingsError("context corsAllowOrigins must name at least one origin (or '*')")
    return origins


def _as_domain(value: Any) -> str:
    domain = str(value).strip().lower()
    if not re.match(r"^(?=.{4,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$", domain):
        raise SettingsError(f"context emailDomain={value!r} must be a domain name (e.g. tradetrack.in)")
    return domain


def _as_app_url(value: Any) -> str:
    # Where users are redirected after a broker login: https only, no query or fragment to append to.
    url = str(value).strip().rstrip("/")
    if url and not re.match(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$", url):
        raise SettingsError(f"context appUrl={value!r} must be an https:// URL without query or fragment")
    return url


def _as_email(value: Any) -> str:
    email = str(value).strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", email):
        raise SettingsError(f"context opsEmail={email!r} must be an email address")
    return email


def _as_account(value: Any) -> str | None:
    if value is None:
        return None
    account = str(value).strip()
    if not re.fullmatch(r"[0-9]{12}", account):
        raise SettingsError(f"context account={value!r} must be a 12-digit AWS account id")
    return account


def _as_choice(key: str, value: Any) -> str:
    choice = str(value).strip().upper()
    if choice not in DEPLOYMENT_CONFIGS:
        raise SettingsError(f"context {key}={value!r} must be one of {', '.join(DEPLOYMENT_CONFIGS)}")
    return choice
