"""Where the functions find MongoDB and Redis, without a secret in any environment variable.

The Mongo URI (it carries credentials) stays in Secrets Manager; functions get its ARN.
The Redis URL must be credential-free. Both come from context when given, otherwise from
CloudFormation parameters without defaults, so a deploy cannot go out with a placeholder.
"""

from __future__ import annotations

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from tradetrack_infra.nag import acknowledge
from tradetrack_infra.settings import REDIS_URL_PATTERN, SECRETSMANAGER_ARN_PATTERN, StageSettings


class RuntimeConfig(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self.mongodb_uri_secret_arn = settings.mongodb_uri_secret_arn or self._parameter(
            "MongoUriSecretArn",
            "Complete ARN of the Secrets Manager secret holding the MongoDB URI",
            SECRETSMANAGER_ARN_PATTERN,
        )
        self.redis_url = settings.redis_url or self._parameter(
            "RedisUrl", "redis[s]://host[:port][/db] of ElastiCache, without credentials", REDIS_URL_PATTERN
        )

    def _parameter(self, name: str, description: str, pattern: str) -> str:
        # The stack owns the parameter so its logical id is exactly `name`.
        parameter = CfnParameter(self, name, type="String", description=description, allowed_pattern=pattern)
        parameter.override_logical_id(name)
        if "Secret" in name:
            # Reported on the stack, so acknowledged there.
            acknowledge(
                Stack.of(self),
                "CloudFormation-Validate::W2509",
                f"{name} is the ARN of a secret, not a secret: NoEcho would only hide which one is used.",
            )
        return parameter.value_as_string

    @property
    def environment(self) -> dict[str, str]:
        return {"MONGODB_URI_SECRET_ARN": self.mongodb_uri_secret_arn, "REDIS_URL": self.redis_url}

    def grant_read(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resource_arns=[self.mongodb_uri_secret_arn],
        )
