"""How the functions reach MongoDB Atlas: PrivateLink when its endpoint service is given, else the NAT.

The URI (with its credentials) stays in the Secrets Manager secret ops fill (MONGODB_URI_SECRET_ARN,
as before); Atlas only accepts TLS, and the URI ops store must be the mongodb+srv:// one Atlas shows
(TLS on by default) or carry tls=true (docs/operations.md, "Network, cache and the Atlas link").

- PrivateLink (context atlasPrivateLinkServiceName = the endpoint service Atlas shows when an AWS
  private endpoint is added to the project): an interface endpoint in the functions' subnets whose
  security group admits the functions on 1024-65535 (Atlas maps each node to its own port there),
  and the functions may connect to it on those ports. Ops then give Atlas the endpoint id (output
  AtlasEndpointId) and use the private-endpoint connection string.
- NAT (no service name): the functions may open 27015-27017 to the internet (Atlas's ports) through
  the NAT gateways; ops add the NAT Elastic IPs (output NatElasticIps) to the project's access list.

MongoDB's `awscdk-resources-mongodbatlas` constructs are not used: they need the MongoDB::Atlas::*
CloudFormation extensions activated in the account and an Atlas API key secret before the first
deploy; ops register the project, cluster, user and private endpoint in Atlas by hand instead.
"""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

ATLAS_PORTS = ec2.Port.tcp_range(27015, 27017)
PRIVATE_LINK_PORTS = ec2.Port.tcp_range(1024, 65535)


class AtlasLink(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        clients: ec2.SecurityGroup,
        subnets: ec2.SubnetSelection,
        endpoint_service_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.endpoint: ec2.InterfaceVpcEndpoint | None = None
        if not endpoint_service_name:
            clients.add_egress_rule(
                ec2.Peer.any_ipv4(), ATLAS_PORTS, "MongoDB Atlas through the NAT (its IP access list)"
            )
            return
        endpoint_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="MongoDB Atlas PrivateLink endpoint: from the TradeTrack functions only",
            allow_all_outbound=False,
        )
        endpoint_group.add_ingress_rule(clients, PRIVATE_LINK_PORTS, "MongoDB from the TradeTrack functions")
        clients.add_egress_rule(endpoint_group, PRIVATE_LINK_PORTS, "MongoDB Atlas over PrivateLink")
        self.endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointService(endpoint_service_name),
            subnets=subnets,
            security_groups=[endpoint_group],
            # Atlas's connection string names the endpoint's own DNS names, not a private zone.
            private_dns_enabled=False,
            open=False,
        )
        CfnOutput(
            self,
            "AtlasEndpointId",
            value=self.endpoint.vpc_endpoint_id,
            description="Give this VPC endpoint id to Atlas (Network Access > Private Endpoint)",
        )
