"""ElastiCache for Redis: a Multi-AZ replication group, TLS only, encrypted at rest, RBAC users.

Why a replication group (cluster mode disabled) and not ElastiCache Serverless, by cost and fit
(on-demand list prices, us-east-1, late 2025; Mumbai is within ~10%, check before budgeting):

- 1k users (well under 100 MB, a few hundred commands/s at the market's open): two
  cache.t4g.micro nodes in two AZs (primary + replica, automatic failover) cost about
  2 x $0.016/h = ~$23/month. Serverless Redis OSS bills at least 1 GB of storage: ~$0.125/GB-h =
  ~$91/month before any request (ECPUs); Serverless Valkey's 100 MB minimum is ~$6/month.
- 100k users (~1 GB of sessions, rate-limit buckets, quotes and WebSocket state, ~2-5k commands/s
  in market hours): two cache.t4g.small/medium nodes, ~$47-95/month, against ~$91 storage + ECPUs
  (~$0.0034 per million: ~5 billion commands a month = ~$17) for Serverless Redis OSS.
- Fit decided it where the prices are close: Serverless is a cluster behind one endpoint, so a
  transaction or Lua script may only touch keys of one hash slot (CROSSSLOT otherwise), and the
  layer's Lua scripts (market subscriptions, refresh tokens, rate limits) were written for one
  Redis. A cluster-mode-disabled group runs them unchanged; the node type is context
  cacheNodeType (cache.t4g.micro outside prod, cache.t4g.small in prod) and can grow in place.

Security: TLS required in transit (TransitEncryptionMode required; clients use rediss:// and verify
the certificate), encryption at rest with a customer managed KMS key (rotated yearly), a non-default
port, isolated subnets (no route out), a security group admitting only the functions' group, and
RBAC: the default user is switched off and the functions log in as the `tradetrack` user, whose
password is generated into a Secrets Manager secret and rotated every 30 days by the function in
redis_rotation/ (two passwords are valid during a rotation, so no function is locked out).
"""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, Duration, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from tradetrack_infra.layers import ARCHITECTURE
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.paths import ASSET_EXCLUDES
from tradetrack_infra.redis_rotation import handler as rotation_handler
from tradetrack_infra.settings import StageSettings

ENGINE_VERSION = "7.1"
# Not 6379 (cdk-nag AEC5: a default port is the first one scanned).
PORT = 6380
APP_USERNAME = "tradetrack"
# Every key and channel, every command but the dangerous ones (KEYS, FLUSHALL, CONFIG, DEBUG, ...).
APP_ACCESS_STRING = "on ~* &* +@all -@dangerous"
ROTATION_DAYS = 30
# Monday 02:30-03:30 IST: far from market hours (09:15-15:30 IST) and the daily summary.
MAINTENANCE_WINDOW = "sun:21:00-sun:22:00"
ROTATION_RUNTIME = lambda_.Runtime.PYTHON_3_14
ROTATION_ASSET_DIR = rotation_handler.__file__.rsplit("/", 1)[0]


class RedisCache(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        vpc: ec2.IVpc,
        clients: ec2.SecurityGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = settings.stage
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="TradeTrack Redis: from the TradeTrack functions only",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(clients, ec2.Port.tcp(PORT), "Redis (TLS) from the functions")
        clients.add_egress_rule(self.security_group, ec2.Port.tcp(PORT), "Redis (TLS)")

        app_user_id = f"tradetrack-{stage}-app"
        self.auth_secret = secretsmanager.Secret(
            self,
            "AuthSecret",
            description=f"TradeTrack {stage}: the ElastiCache RBAC user the functions log in to Redis as",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"username": APP_USERNAME, "userId": app_user_id}),
                generate_string_key="password",
                password_length=rotation_handler.PASSWORD_LENGTH,
                exclude_punctuation=True,
                include_space=False,
            ),
            removal_policy=settings.removal_policy,
        )
        default_user = elasticache.CfnUser(
            self,
            "DefaultUser",
            engine="redis",
            user_id=f"tradetrack-{stage}-default",
            user_name="default",  # a user group must hold a user named "default": switched off
            access_string="off -@all",
            authentication_mode={"Type": "no-password-required"},
        )
        self.app_user = elasticache.CfnUser(
            self,
            "AppUser",
            engine="redis",
            user_id=app_user_id,
            user_name=APP_USERNAME,
            access_string=APP_ACCESS_STRING,
            # Read once at creation; later rotations change it through the ElastiCache API.
            authentication_mode={
                "Type": "password",
                "Passwords": [self.auth_secret.secret_value_from_json("password").unsafe_unwrap()],
            },
        )
        user_group = elasticache.CfnUserGroup(
            self,
            "UserGroup",
            engine="redis",
            user_group_id=f"tradetrack-{stage}",
            user_ids=[default_user.user_id, self.app_user.user_id],
        )
        user_group.node.add_dependency(default_user, self.app_user)

        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "SubnetGroup",
            description=f"TradeTrack {stage} Redis: isolated subnets",
            subnet_ids=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids,
        )
        self.key = kms.Key(
            self,
            "AtRestKey",
            description=f"TradeTrack {stage}: encrypts Redis data at rest (ElastiCache)",
            enable_key_rotation=True,
            removal_policy=settings.removal_policy,
        )
        slow_log = logs.LogGroup(
            self, "SlowLog", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_description=f"TradeTrack {stage} Redis: sessions, rate limits, quotes, sockets",
            engine="redis",
            engine_version=ENGINE_VERSION,
            cache_node_type=settings.cache_node_type,
            num_cache_clusters=2,  # a primary and a replica in another AZ
            multi_az_enabled=True,
            automatic_failover_enabled=True,
            port=PORT,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=self.key.key_arn,
            user_group_ids=[user_group.user_group_id],
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[self.security_group.security_group_id],
            auto_minor_version_upgrade=True,
            preferred_maintenance_window=MAINTENANCE_WINDOW,
            snapshot_retention_limit=1,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=slow_log.log_group_name
                        )
                    ),
                    log_format="json",
                    log_type="slow-log",
                )
            ],
        )
        self.replication_group.node.add_dependency(user_group)
        acknowledge(
            self.replication_group,
            "AwsSolutions-AEC6",
            "Clients authenticate with RBAC (UserGroupIds: the default user off, the tradetrack user's "
            "rotated password in Secrets Manager); ElastiCache refuses an AuthToken together with RBAC.",
        )
        self.url = Fn.join(
            "",
            [
                "rediss://",
                self.replication_group.attr_primary_end_point_address,
                ":",
                self.replication_group.attr_primary_end_point_port,
                "/0",
            ],
        )
        self.rotation = self._rotation(settings, app_user_id)

    def _rotation(self, settings: StageSettings, app_user_id: str) -> lambda_.Function:
        log_group = logs.LogGroup(
            self, "RotationLogs", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        role = iam.Role(
            self,
            "RotationRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"TradeTrack {settings.stage} Redis password rotation",
        )
        log_group.grant_write(role)
        stack = Stack.of(self)
        user_arn = stack.format_arn(
            service="elasticache",
            resource="user",
            resource_name=app_user_id,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["elasticache:ModifyUser", "elasticache:DescribeUsers"], resources=[user_arn]
            )
        )
        function = lambda_.Function(
            self,
            "Rotation",
            description=f"TradeTrack {settings.stage}: rotates the Redis RBAC user's password",
            # The latest Python (cdk-nag L1 passes): the handler needs only the runtime's boto3, not
            # the layers the app's functions are pinned to python3.12 for.
            runtime=ROTATION_RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(ROTATION_ASSET_DIR, exclude=ASSET_EXCLUDES),
            handler="handler.lambda_handler",
            timeout=Duration.minutes(5),
            memory_size=256,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        cfn_function = function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        # As for the manifest functions: CDK's DependsOn on the role repeats the Role GetAtt (W3005).
        cfn_function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        self.auth_secret.add_rotation_schedule(
            "Rotation", rotation_lambda=function, automatically_after=Duration.days(ROTATION_DAYS)
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "X-Ray tracing and secretsmanager:GetRandomPassword support no resource-level permissions: "
            "AWS requires Resource '*'.",
            "Resource::*",
        )
        return function

    def grant_read(self, grantee: iam.IGrantable) -> None:
        self.auth_secret.grant_read(grantee)
