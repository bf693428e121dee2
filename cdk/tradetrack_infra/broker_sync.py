"""The BrokerSync capability (flow 3): the key that encrypts broker access tokens, the secrets holding
the platform's broker apps and the quote provider's credentials, and the alarm on a stuck sync.

The queues (sync, trade-updates), their DLQs and alarms come from the manifest's QueueSources
(Queues), the five-minute rule from its Schedule (Schedules), producers' sqs:SendMessage from their
`sends_to`. Here, a function gets exactly what its spec `uses` lists:

- "broker-tokens": kms:Encrypt and kms:Decrypt on the token key (BROKER_TOKEN_KEY_ID);
- "broker-secrets": read the broker-apps secret (BROKER_SECRET_NAME);
- "market-data-secret": read the quote provider's secret (MARKET_DATA_SECRET_NAME).

Both secrets are created with a placeholder of the right shape; ops put the real values after deploy:
`aws secretsmanager put-secret-value --secret-id tradetrack/<stage>/broker-apps --secret-string ...`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from functions.manifest import FunctionSpec
from tradetrack.brokers import registry
from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.queues import ConsumedQueue
from tradetrack_infra.settings import SettingsError, StageSettings

BROKERS = "brokers"  # the REST routes, including the public OAuth callback
SYNC_QUEUE = "sync"  # one message per broker account to sync, consumed by sync_worker

USES_KMS_KEY = "broker-tokens"
USES_BROKER_APPS = "broker-secrets"
USES_MARKET_DATA = "market-data-secret"
USES = (USES_KMS_KEY, USES_BROKER_APPS, USES_MARKET_DATA)

# The shapes the layer reads, the values empty until ops put the real ones: the broker apps' shape is
# the broker registry's (an entry per deployable broker with its row's secret_fields).
BROKER_APPS_TEMPLATE = registry.secret_template()
MARKET_DATA_TEMPLATE = {"apiKey": "", "accessToken": ""}
# CloudFormation can only create a secret from a template by generating one key into it: this one
# holds random text and means "not filled in yet"; a put-secret-value of the real JSON drops it.
PLACEHOLDER_KEY = "placeholder"

# The scheduler enqueues every account every 5 minutes and a message fails to its DLQ within
# 3 receives x 180 s; a message older than 15 minutes means the workers are not keeping up or stuck.
SYNC_BACKLOG_AGE = Duration.minutes(15)


def _titles() -> str:
    return ", ".join(registry.spec(name).title for name in BROKER_APPS_TEMPLATE)


def _shape() -> str:
    """{"zerodha": {"apiKey", "apiSecret"}, ...}: the secret's keys without their values."""
    entries = []
    for name, fields in BROKER_APPS_TEMPLATE.items():
        keys = ", ".join(json.dumps(key) for key in fields)
        entries.append(f"{json.dumps(name)}: {{{keys}}}")
    return "{" + ", ".join(entries) + "}"


class BrokerSync(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        specs: Sequence[FunctionSpec],
        functions: Mapping[str, ManifestFunction],
        queues: Mapping[str, ConsumedQueue],
        public_api_url: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if settings.stage == registry.LOCAL_STAGE:
            # The layer offers the local-only brokers (the simulator) on that stage: never deploy it.
            raise SettingsError(
                f"stage {settings.stage!r} is the local stack's (it offers the simulated broker): "
                "deploy under another name"
            )
        if BROKERS not in functions:
            raise ValueError(f"the BrokerSync capability needs {BROKERS} in the manifest")
        if SYNC_QUEUE not in queues:
            raise ValueError(f"the BrokerSync capability needs a consumer of the queue {SYNC_QUEUE!r}")
        users = _users_by_need(specs, functions)

        self.token_key = kms.Key(
            self,
            "TokenKey",
            alias=f"alias/tradetrack-{settings.stage}-broker-tokens",
            description=f"TradeTrack {settings.stage}: encrypts users' broker access tokens before Mongo",
            enable_key_rotation=True,
            # Outside prod the stack's deletion takes the key (tokens are re-issued at the next login).
            removal_policy=settings.removal_policy,
            pending_window=Duration.days(30 if settings.is_production else 7),
        )
        for function in users[USES_KMS_KEY]:
            # Tokens are a few hundred bytes: direct Encrypt/Decrypt, no data keys (GenerateDataKey).
            self.token_key.grant(function, "kms:Encrypt", "kms:Decrypt")
            function.add_environment("BROKER_TOKEN_KEY_ID", self.token_key.key_arn)

        self.broker_apps_name = f"tradetrack/{settings.stage}/broker-apps"
        self.broker_apps = self._placeholder_secret(
            "BrokerApps",
            settings,
            name=self.broker_apps_name,
            template=BROKER_APPS_TEMPLATE,
            description=f"TradeTrack broker apps ({_titles()}): {_shape()}; set by ops",
            rotation_reason="The app credentials are issued and rotated in each broker's developer "
            "console; no Lambda can mint them, so ops put the new ones here.",
        )
        for function in users[USES_BROKER_APPS]:
            self.broker_apps.grant_read(function)
            function.add_environment("BROKER_SECRET_NAME", self.broker_apps_name)

        self.market_data_name = f"tradetrack/{settings.stage}/market-data"
        self.market_data = self._placeholder_secret(
            "MarketData",
            settings,
            name=self.market_data_name,
            template=MARKET_DATA_TEMPLATE,
            description='TradeTrack quote provider credentials: {"apiKey", "accessToken"}; set by ops',
            rotation_reason="The quote provider's apiKey comes from its developer console and its "
            "accessToken from an interactive broker login; a rotation Lambda can produce neither.",
        )
        for function in users[USES_MARKET_DATA]:
            self.market_data.grant_read(function)
            function.add_environment("MARKET_DATA_SECRET_NAME", self.market_data_name)

        brokers = functions[BROKERS].function
        # The OAuth callback the broker apps must be registered with: PUBLIC_API_URL/v1/broker-accounts/
        # callback/{broker}; APP_URL is where it sends the browser afterwards (empty: answers JSON).
        brokers.add_environment("PUBLIC_API_URL", public_api_url)
        brokers.add_environment("APP_URL", settings.app_url)

        self.sync_backlog_alarm = self._sync_backlog_alarm(settings, queues[SYNC_QUEUE])

    def _placeholder_secret(
        self,
        construct_id: str,
        settings: StageSettings,
        *,
        name: str,
        template: Mapping[str, Any],
        description: str,
        rotation_reason: str,
    ) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            construct_id,
            secret_name=name,  # static, like the other secrets: `secret_name` would be a token
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(template),
                generate_string_key=PLACEHOLDER_KEY,
                exclude_punctuation=True,
            ),
            # The values are typed in by ops, so prod keeps them; not on a failed first create, though,
            # where a retained secret of this fixed name would block the next attempt.
            removal_policy=(
                RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if settings.is_production else RemovalPolicy.DESTROY
            ),
        )
        acknowledge(secret, "AwsSolutions-SMG4", rotation_reason)
        return secret

    def _sync_backlog_alarm(self, settings: StageSettings, sync: ConsumedQueue) -> cloudwatch.Alarm:
        minutes = int(SYNC_BACKLOG_AGE.to_minutes())
        return cloudwatch.Alarm(
            self,
            "SyncBacklogAlarm",
            alarm_description=f"TradeTrack {settings.stage}: a broker sync has waited over {minutes} "
            "minutes in the sync queue (workers stuck, throttled or failing)",
            metric=sync.queue.metric_approximate_age_of_oldest_message(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            threshold=SYNC_BACKLOG_AGE.to_seconds(),
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )


def _users_by_need(
    specs: Sequence[FunctionSpec], functions: Mapping[str, ManifestFunction]
) -> dict[str, list[lambda_.Function]]:
    users: dict[str, list[lambda_.Function]] = {need: [] for need in USES}
    for spec in specs:
        for need in spec.uses:
            if need not in users:
                raise ValueError(
                    f"{spec.name} uses {need!r}; functions/manifest.py knows only {', '.join(USES)}"
                )
            users[need].append(functions[spec.name].function)
    return users
