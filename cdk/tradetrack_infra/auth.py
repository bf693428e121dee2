"""The Auth capability's resources: where the access-token signing keys live, and who may touch them.

The private signing key set is a Secrets Manager secret, the public keys an SSM String parameter
(tradetrack.auth.key_store). CloudFormation creates both with placeholders; a custom resource runs
the `auth_keys` rotation once so the keys exist after the first deploy. Later rotations are the
manifest's schedule (Schedules).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CustomResource, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk import custom_resources as cr
from constructs import Construct

from functions.manifest import AUTHORIZER
from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge, resource_finding
from tradetrack_infra.settings import StageSettings

ISSUER = "auth"  # signs access tokens: reads the private keys
ROTATOR = "auth_keys"  # rotates the keys: writes the secret and the public keys
BCRYPT_COST = "12"


class Auth(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: Mapping[str, ManifestFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        missing = [name for name in (ISSUER, AUTHORIZER, ROTATOR) if name not in functions]
        if missing:
            raise ValueError(f"the Auth capability needs the functions {', '.join(missing)} in the manifest")
        issuer, rotator = functions[ISSUER].function, functions[ROTATOR].function
        self.authorizer: lambda_.Function = functions[AUTHORIZER].function

        # Named statically: `Secret.secret_name` would be a token parsed out of the ARN.
        self.signing_keys_name = f"tradetrack/{settings.stage}/auth-signing-keys"
        self.signing_keys = secretsmanager.Secret(
            self,
            "SigningKeys",
            secret_name=self.signing_keys_name,
            description="TradeTrack access-token signing keys (private key set JSON); set by auth_keys",
            # A random placeholder: the custom resource below replaces it with a key set.
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True),
            # Every stage: the name is fixed, so a retained secret would block the next stack. Losing it
            # only ends live access tokens (15 minutes); refresh tokens live in Redis.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.public_keys = ssm.StringParameter(
            self,
            "PublicKeys",
            parameter_name=f"/tradetrack/{settings.stage}/auth/public-keys",
            description="TradeTrack access-token public keys by kid (JSON); set by auth_keys",
            string_value="{}",
        )

        issuer.add_environment("AUTH_SIGNING_SECRET_NAME", self.signing_keys_name)
        issuer.add_environment("BCRYPT_COST", BCRYPT_COST)
        self.authorizer.add_environment("AUTH_PUBLIC_KEYS_PARAMETER", self.public_keys.parameter_name)
        rotator.add_environment("AUTH_SIGNING_SECRET_NAME", self.signing_keys_name)
        rotator.add_environment("AUTH_PUBLIC_KEYS_PARAMETER", self.public_keys.parameter_name)

        self.signing_keys.grant_read(issuer)
        self.public_keys.grant_read(self.authorizer)  # public keys only, never the private secret
        self.signing_keys.grant_read(rotator)
        self.signing_keys.grant_write(rotator)
        self.public_keys.grant_write(rotator)
        acknowledge(
            self.signing_keys,
            "AwsSolutions-SMG4",
            "The key set is rotated by the auth_keys function on an EventBridge schedule (rate(30 days)), "
            "not by Secrets Manager rotation: each rotation must also publish the public keys to SSM and "
            "keep the previous key for tokens still in flight.",
        )

        self.initial_keys = self._initial_keys(settings, rotator)

    def _initial_keys(self, settings: StageSettings, rotator: lambda_.Function) -> CustomResource:
        """Runs auth_keys on create (and when the secret or parameter is replaced); Delete is a no-op."""
        provider_logs = logs.LogGroup(
            self, "KeysProviderLogs", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        provider_role = iam.Role(
            self,
            "KeysProviderRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"TradeTrack {settings.stage} custom-resource framework for the auth signing keys",
        )
        provider_logs.grant_write(provider_role)
        provider = cr.Provider(
            self,
            "KeysProvider",
            on_event_handler=rotator,
            framework_on_event_role=provider_role,
            log_group=provider_logs,
        )
        resource = CustomResource(
            self,
            "InitialKeys",
            service_token=provider.service_token,
            resource_type="Custom::AuthSigningKeys",
            # Only what identifies the stores, nothing that changes per deploy. The Refs also order
            # the resource after the secret and the parameter (an explicit DependsOn is W3005).
            properties={
                "SigningSecretArn": self.signing_keys.secret_arn,
                "PublicKeysParameter": self.public_keys.parameter_name,
            },
        )
        framework = provider.node.find_child("framework-onEvent").node.default_child
        assert isinstance(framework, lambda_.CfnFunction)
        # As for the manifest functions: CDK's DependsOn on the role repeats the Role GetAtt.
        framework.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        # X-Ray on every function (#17), the framework's one too: a deploy's key creation is traced.
        framework.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        provider_role.add_to_policy(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        acknowledge(
            provider_role,
            "AwsSolutions-IAM5",
            "X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no "
            "resource-level permissions, so AWS requires Resource '*'.",
            "Resource::*",
        )
        acknowledge(
            provider_role,
            "AwsSolutions-IAM5",
            "The Provider framework invokes auth_keys by ARN and by ARN:* (any version or alias of that "
            "one function); CDK grants both.",
            resource_finding(self, f"{rotator.function_arn}:*"),
        )
        return resource
