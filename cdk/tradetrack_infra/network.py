"""The network stack: the VPC the data-store functions run in, the Redis cache and the Atlas link.

Its own stack (TradeTrackNetwork-<stage>): the backend stack is near CloudFormation's 500-resource
limit. The backend reads the subnets, the functions' security group, the cache endpoint and its
secret by cross-stack reference; nothing here refers to the backend, so there is no cycle.

- Subnets: public (the NAT gateways and their Elastic IPs), private with egress (functions that use
  Mongo or Redis, per `stores` in functions/manifest.py) and isolated (ElastiCache: no route out).
- NAT: one gateway (dev) or one per AZ (prod), each with an Elastic IP. Those IPs are the only
  addresses the functions reach the internet from: brokers, and Atlas when there is no PrivateLink,
  allow-list them (output NatElasticIps).
- VPC endpoints: Secrets Manager, KMS, SQS, SSM and CloudWatch Logs (interface, private DNS) and S3
  (gateway), so AWS calls of functions in the VPC stay off the NAT (cheaper, and no internet path).
- Security groups, least privilege: the functions' group may reach the endpoints (443), the cache
  (its port), Atlas (27015-27017 over NAT, or the PrivateLink endpoint's ports) and HTTPS anywhere
  (brokers, SES, SNS, API Gateway management); the endpoints' and the cache's groups admit only the
  functions' group (and the cache's rotation nothing: it calls the ElastiCache API, not Redis).
- VPC flow logs (rejected and accepted) to CloudWatch Logs, kept the stage's retention.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, CfnResource, Environment, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from tradetrack_infra.atlas import AtlasLink
from tradetrack_infra.cache import RedisCache
from tradetrack_infra.manifest_function import FunctionNetwork
from tradetrack_infra.settings import StageSettings

VPC_CIDR = "10.40.0.0/16"
HTTPS = 443
# The interface endpoints the functions in the VPC use (everything else goes through the NAT).
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
}


class NetworkStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StageSettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        flow_logs = logs.LogGroup(
            self, "FlowLogs", retention=settings.log_retention, removal_policy=settings.removal_policy
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            availability_zones=[f"{self.region}{suffix}" for suffix in "abc"[: settings.network_azs]],
            nat_gateways=settings.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="Functions", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20
                ),
                ec2.SubnetConfiguration(
                    name="Cache", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.S3,
                    subnets=[ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)],
                )
            },
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        self.function_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        for subnet in [*self.vpc.public_subnets, *self.vpc.private_subnets, *self.vpc.isolated_subnets]:
            # The AZs are named (synth is offline: no lookup), so a stage can span three of them.
            _ignore_lint(subnet.node.default_child, "W3010")
        provider = self.node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
        if provider is not None:
            # CDK's provider (it strips the default security group's rules): DependsOn repeats GetAtt.
            _ignore_lint(provider.node.try_find_child("Handler"), "W3005")

        self.functions_security_group = ec2.SecurityGroup(
            self,
            "FunctionsSecurityGroup",
            vpc=self.vpc,
            description="TradeTrack functions that use Mongo or Redis: out to endpoints, cache, Atlas, HTTPS",
            allow_all_outbound=False,
        )
        self.functions_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(HTTPS),
            "HTTPS: brokers, SES, SNS, API Gateway (through the NAT)",
        )
        endpoints_security_group = ec2.SecurityGroup(
            self,
            "EndpointsSecurityGroup",
            vpc=self.vpc,
            description="TradeTrack VPC interface endpoints: HTTPS from the functions only",
            allow_all_outbound=False,
        )
        endpoints_security_group.add_ingress_rule(
            self.functions_security_group, ec2.Port.tcp(HTTPS), "HTTPS from the TradeTrack functions"
        )
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {
            name: self.vpc.add_interface_endpoint(
                name,
                service=service,
                private_dns_enabled=True,
                subnets=self.function_subnets,
                security_groups=[endpoints_security_group],
                open=False,
            )
            for name, service in INTERFACE_ENDPOINTS.items()
        }

        # A Redis URL in context means an existing Redis: no cache is built.
        self.cache = (
            None
            if settings.redis_url
            else RedisCache(
                self, "Cache", settings=settings, vpc=self.vpc, clients=self.functions_security_group
            )
        )
        self.atlas = AtlasLink(
            self,
            "Atlas",
            vpc=self.vpc,
            clients=self.functions_security_group,
            subnets=self.function_subnets,
            endpoint_service_name=settings.atlas_private_link_service,
        )

        self.nat_elastic_ips = [
            eip.ref
            for subnet in self.vpc.public_subnets
            if (eip := subnet.node.try_find_child("EIP"))
            if isinstance(eip, ec2.CfnEIP)
        ]
        CfnOutput(
            self,
            "NatElasticIps",
            value=Fn.join(",", self.nat_elastic_ips),
            description="The functions' egress IPs: add each to the Atlas project's IP access list",
        )
        CfnOutput(
            self,
            "VpcId",
            value=self.vpc.vpc_id,
            description="The TradeTrack VPC (Atlas PrivateLink asks for it)",
        )
        CfnOutput(
            self,
            "FunctionSubnetIds",
            value=Fn.join(
                ",", self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
            ),
            description="Private subnets of the functions (and of the Atlas PrivateLink endpoint)",
        )

    def for_functions(self) -> FunctionNetwork:
        """Where the backend's functions that use Mongo or Redis run."""
        return FunctionNetwork(self.vpc, self.function_subnets, self.functions_security_group)


def build_network(app: Construct, settings: StageSettings, env: Environment) -> NetworkStack:
    """The stage's network stack, for app_builder.py (deployed before the backend, which reads it)."""
    return NetworkStack(
        app,
        f"TradeTrackNetwork-{settings.stage}",
        stack_name=f"TradeTrackNetwork-{settings.stage}",
        settings=settings,
        env=env,
        description=f"TradeTrack VPC, NAT, endpoints, ElastiCache Redis, Atlas link ({settings.stage})",
        termination_protection=settings.is_production,
    )


def _ignore_lint(resource: IConstruct | None, check: str) -> None:
    if isinstance(resource, CfnResource):
        resource.add_metadata("cfn-lint", {"config": {"ignore_checks": [check]}})
