"""The Notifications capability (flow 6): SES sending identity and configuration set, the SMS
permission, and the key that signs unsubscribe links.

The queue, its DLQ and alarm come from the manifest's QueueSource (Queues); producers get
sqs:SendMessage from their `sends_to`. Here: the notifier may send email only as the stage's
identity through its configuration set, and publish SMS only to phone numbers (so may the phone
verification function, for its codes); the unsubscribe
key is readable by the notifier (it signs links) and the notifications API (it verifies them).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from constructs import Construct

from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.settings import StageSettings

NOTIFIER = "notifier"  # sends: SES, SNS, signs unsubscribe links
INBOX = "notifications"  # the REST routes: verifies unsubscribe links
PHONE = "phone"  # phone verification: sends its codes by SMS


class Notifications(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: Mapping[str, ManifestFunction],
        public_api_url: str,
    ) -> None:
        super().__init__(scope, construct_id)
        missing = [name for name in (NOTIFIER, INBOX) if name not in functions]
        if missing:
            raise ValueError(f"the Notifications capability needs {', '.join(missing)} in the manifest")
        notifier, inbox = functions[NOTIFIER].function, functions[INBOX].function

        # Named statically, like the secrets: the property would be a token (a Ref) in the template.
        self.configuration_set_name = f"tradetrack-{settings.stage}-notifications"
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=self.configuration_set_name,
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(settings.email_domain),
            configuration_set=self.configuration_set,
        )
        self.sender = f"TradeTrack <alerts@{settings.email_domain}>"

        self.unsubscribe_key_name = f"tradetrack/{settings.stage}/unsubscribe-key"
        self.unsubscribe_key = secretsmanager.Secret(
            self,
            "UnsubscribeKey",
            secret_name=self.unsubscribe_key_name,
            description="TradeTrack HMAC key signing the one-click unsubscribe links in emails",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.unsubscribe_key,
            "AwsSolutions-SMG4",
            "Rotating this key would invalidate every unsubscribe link already emailed (they live 60 "
            "days); it is replaced deliberately, not on a schedule.",
        )
        for function in (notifier, inbox):
            self.unsubscribe_key.grant_read(function)
            function.add_environment("UNSUBSCRIBE_SECRET_NAME", self.unsubscribe_key_name)

        notifier.add_environment("NOTIFY_FROM_EMAIL", self.sender)
        notifier.add_environment("SES_CONFIGURATION_SET", self.configuration_set_name)
        notifier.add_environment("PUBLIC_API_URL", public_api_url)
        self._grant_email(notifier)
        self._grant_sms(notifier)
        if PHONE in functions:
            self._grant_sms(functions[PHONE].function)

    def _grant_email(self, notifier: lambda_.Function) -> None:
        stack = Stack.of(self)
        configuration_set_arn = stack.format_arn(
            service="ses",
            resource="configuration-set",
            resource_name=self.configuration_set_name,
        )
        notifier.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[self.identity.email_identity_arn, configuration_set_arn],
            )
        )

    def _grant_sms(self, notifier: lambda_.Function) -> None:
        # A publish to a phone number has no resource ARN, so sns:Publish needs Resource "*"; the
        # Deny takes every topic and platform endpoint (they all have ARNs) out of it, leaving SMS.
        notifier.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
        notifier.add_to_role_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sns:Publish"],
                resources=[f"arn:{Stack.of(self).partition}:sns:*:*:*"],
            )
        )
        acknowledge(
            notifier.role or notifier,
            "AwsSolutions-IAM5",
            "SMS to a phone number is an sns:Publish without a resource ARN, which IAM only matches "
            "with Resource '*'; an explicit Deny on every SNS ARN limits it to phone numbers.",
            "Resource::*",
        )
