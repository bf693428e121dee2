"""Where the functions find MongoDB and Redis, without a secret in any environment variable.

The Mongo URI (it carries credentials) stays in Secrets Manager; functions get its ARN.
The Redis URL must be credential-free: the ElastiCache cache of the network stack (rediss://, its
RBAC user's credentials in a secret whose ARN functions get), or the URL given in context.
What is not given comes from CloudFormation parameters without defaults, so a deploy cannot go out
with a placeholder. Only functions that declare the store (`stores` in functions/manifest.py) get
its variables and may read its secret.
"""

from __future__ import annotations

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from functions.manifest import FunctionSpec
from tradetrack_infra.cache import RedisCache
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.settings import REDIS_URL_PATTERN, SECRETSMANAGER_ARN_PATTERN, StageSettings


class RuntimeConfig(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        cache: RedisCache | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.mongodb_uri_secret_arn = settings.mongodb_uri_secret_arn or self._parameter(
            "MongoUriSecretArn",
            "Complete ARN of the Secrets Manager secret holding the MongoDB URI",
            SECRETSMANAGER_ARN_PATTERN,
        )
        # A URL in context wins (an existing Redis); else the network stack's cache and its secret.
        self.redis_auth_secret = None if settings.redis_url or cache is None else cache.auth_secret
        self.redis_url = (
            settings.redis_url
            or (cache.url if cache else None)
            or self._parameter(
                "RedisUrl",
                "redis[s]://host[:port][/db] of ElastiCache, without credentials",
                REDIS_URL_PATTERN,
            )
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

    def environment_for(self, spec: FunctionSpec) -> dict[str, str]:
        variables: dict[str, str] = {}
        if "mongo" in spec.stores:
            variables["MONGODB_URI_SECRET_ARN"] = self.mongodb_uri_secret_arn
        if "redis" in spec.stores:
            variables["REDIS_URL"] = self.redis_url
            if self.redis_auth_secret is not None:
                variables["REDIS_AUTH_SECRET_ARN"] = self.redis_auth_secret.secret_arn
        return variables

    def grant_for(self, spec: FunctionSpec, grantee: iam.IGrantable) -> None:
        """Read access to the secrets of the stores `spec` uses, and to no other."""
        if "mongo" in spec.stores:
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resource_arns=[self.mongodb_uri_secret_arn],
            )
        if "redis" in spec.stores and self.redis_auth_secret is not None:
            self.redis_auth_secret.grant_read(grantee)
