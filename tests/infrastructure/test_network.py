"""The network stack: VPC over 2-3 AZs, NAT with Elastic IPs, VPC endpoints, security groups, Atlas link."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Template

from tests.infrastructure.conftest import Synthesized, cdk_json_context
from tradetrack_infra.network import INTERFACE_ENDPOINTS, NetworkStack
from tradetrack_infra.settings import SettingsError, StageSettings

pytestmark = pytest.mark.infrastructure

REGION = "ap-south-1"
ATLAS_SERVICE = "com.amazonaws.vpce.ap-south-1.vpce-svc-0123456789abcdef0"
EXPECTED_SERVICES = {"secretsmanager", "kms", "sqs", "ssm", "logs"}


def network_stack(app: Synthesized) -> NetworkStack:
    """The stage's network stack, a sibling of the backend stack."""
    scope = app.stack.node.scope
    assert scope is not None
    (network,) = [child for child in scope.node.children if isinstance(child, NetworkStack)]
    return network


def network_template(app: Synthesized) -> Template:
    return Template.from_stack(network_stack(app))


def network_alone(**context: Any) -> Template:
    """The network stack by itself (no backend, no nag): quick, for the stage-dependent variants."""
    app = App(context={**cdk_json_context(), "stage": "dev", **context})
    settings = StageSettings.from_context(app.node)
    stack = NetworkStack(app, "Network", settings=settings, env=Environment(region=REGION))
    return Template.from_stack(stack)


def of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {key: dict(value) for key, value in template.find_resources(resource_type).items()}


def subnets_by_tier(template: Template) -> dict[str, dict[str, dict[str, Any]]]:
    tiers: dict[str, dict[str, dict[str, Any]]] = {}
    for logical_id, subnet in of_type(template, "AWS::EC2::Subnet").items():
        tags = {tag["Key"]: tag["Value"] for tag in subnet["Properties"]["Tags"]}
        tiers.setdefault(tags["aws-cdk:subnet-name"], {})[logical_id] = subnet["Properties"]
    return tiers


def security_group_id(template: Template, description_start: str) -> str:
    (found,) = [
        logical_id
        for logical_id, group in of_type(template, "AWS::EC2::SecurityGroup").items()
        if group["Properties"]["GroupDescription"].startswith(description_start)
    ]
    return found


def egress_of(template: Template, group_id: str) -> set[tuple[Any, ...]]:
    """(protocol, from, to, destination) of every egress rule of the group, inline or separate."""
    (group,) = [g for k, g in of_type(template, "AWS::EC2::SecurityGroup").items() if k == group_id]
    rules = list(group["Properties"].get("SecurityGroupEgress", []))
    rules += [
        rule["Properties"]
        for rule in of_type(template, "AWS::EC2::SecurityGroupEgress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    return {
        (
            rule["IpProtocol"],
            rule.get("FromPort"),
            rule.get("ToPort"),
            rule.get("CidrIp") or rule["DestinationSecurityGroupId"]["Fn::GetAtt"][0],
        )
        for rule in rules
    }


def ingress_of(template: Template, group_id: str) -> set[tuple[Any, ...]]:
    (group,) = [g for k, g in of_type(template, "AWS::EC2::SecurityGroup").items() if k == group_id]
    rules = list(group["Properties"].get("SecurityGroupIngress", []))
    rules += [
        rule["Properties"]
        for rule in of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    return {
        (
            rule["IpProtocol"],
            rule.get("FromPort"),
            rule.get("ToPort"),
            rule.get("CidrIp") or rule["SourceSecurityGroupId"]["Fn::GetAtt"][0],
        )
        for rule in rules
    }


def test_dev_vpc_has_public_function_and_cache_subnets_in_two_azs(dev_app: Synthesized) -> None:
    # Given the dev app's network stack
    template = network_template(dev_app)

    # Then one VPC with DNS (private endpoints need it) holds three tiers of subnets over two AZs
    (vpc,) = of_type(template, "AWS::EC2::VPC").values()
    assert vpc["Properties"]["CidrBlock"] == "10.40.0.0/16"
    assert vpc["Properties"]["EnableDnsHostnames"] is True
    assert vpc["Properties"]["EnableDnsSupport"] is True
    tiers = subnets_by_tier(template)
    assert set(tiers) == {"Public", "Functions", "Cache"}
    for name, subnets in tiers.items():
        assert sorted(s["AvailabilityZone"] for s in subnets.values()) == [f"{REGION}a", f"{REGION}b"], name
        # And only the public tier gives its instances public addresses
        assert {s["MapPublicIpOnLaunch"] for s in subnets.values()} == {name == "Public"}


def test_dev_has_one_nat_gateway_with_an_elastic_ip_that_is_output_for_atlas(dev_app: Synthesized) -> None:
    # Given the dev network
    template = network_template(dev_app)

    # Then one NAT gateway (cost) in a public subnet, with an Elastic IP of the VPC domain
    (nat,) = of_type(template, "AWS::EC2::NatGateway").values()
    (eip_id, eip), *_ = of_type(template, "AWS::EC2::EIP").items()
    assert eip["Properties"]["Domain"] == "vpc"
    assert nat["Properties"]["AllocationId"] == {"Fn::GetAtt": [eip_id, "AllocationId"]}
    assert nat["Properties"]["SubnetId"]["Ref"] in subnets_by_tier(template)["Public"]
    # And the stack outputs that IP, for the Atlas access list
    outputs = template.to_json()["Outputs"]
    assert outputs["NatElasticIps"]["Value"] == {"Ref": eip_id}  # CDK folds a join of one


def test_prod_spans_three_azs_with_a_nat_gateway_and_elastic_ip_in_each() -> None:
    # Given the network of stage prod
    template = network_alone(stage="prod")

    # Then every tier has a subnet in each of three AZs
    for name, subnets in subnets_by_tier(template).items():
        assert sorted(s["AvailabilityZone"] for s in subnets.values()) == [f"{REGION}{z}" for z in "abc"], (
            name
        )
    # And each public subnet has its own NAT gateway and Elastic IP, all three output for Atlas
    nats = of_type(template, "AWS::EC2::NatGateway")
    eips = of_type(template, "AWS::EC2::EIP")
    assert len(nats) == 3 and len(eips) == 3
    assert {n["Properties"]["AllocationId"]["Fn::GetAtt"][0] for n in nats.values()} == set(eips)
    assert {n["Properties"]["SubnetId"]["Ref"] for n in nats.values()} == set(
        subnets_by_tier(template)["Public"]
    )
    joined = template.to_json()["Outputs"]["NatElasticIps"]["Value"]["Fn::Join"][1]
    assert sorted(ref["Ref"] for ref in joined) == sorted(eips)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"networkAzs": 4}, "networkAzs"),
        ({"natGateways": 3}, "natGateways"),
        ({"natGateways": 0}, "natGateways"),
        ({"atlasPrivateLinkServiceName": "vpce-svc-123"}, "atlasPrivateLinkServiceName"),
        ({"cacheNodeType": "t4g.micro"}, "cacheNodeType"),
    ],
)
def test_network_context_is_validated(context: dict[str, Any], message: str) -> None:
    # Given a context describing an impossible network / When settings are read / Then it is refused
    with pytest.raises(SettingsError, match=message):
        network_alone(**context)


def test_function_subnets_leave_through_the_nat_and_cache_subnets_not_at_all(dev_app: Synthesized) -> None:
    # Given the routes of the dev network
    template = network_template(dev_app)
    tiers = subnets_by_tier(template)
    associations = of_type(template, "AWS::EC2::SubnetRouteTableAssociation").values()
    table_of = {
        a["Properties"]["SubnetId"]["Ref"]: a["Properties"]["RouteTableId"]["Ref"] for a in associations
    }
    default_routes: dict[str, dict[str, Any]] = {
        route["Properties"]["RouteTableId"]["Ref"]: route["Properties"]
        for route in of_type(template, "AWS::EC2::Route").values()
        if route["Properties"].get("DestinationCidrBlock") == "0.0.0.0/0"
    }

    # Then the functions' subnets reach the internet only through a NAT gateway
    for subnet_id in tiers["Functions"]:
        assert "NatGatewayId" in default_routes[table_of[subnet_id]]
    # And the public ones through the internet gateway
    for subnet_id in tiers["Public"]:
        assert "GatewayId" in default_routes[table_of[subnet_id]]
    # And the cache's subnets have no default route at all
    for subnet_id in tiers["Cache"]:
        assert table_of[subnet_id] not in default_routes


def test_interface_endpoints_for_the_aws_services_functions_call(dev_app: Synthesized) -> None:
    # Given the dev network's VPC endpoints
    template = network_template(dev_app)
    endpoints = of_type(template, "AWS::EC2::VPCEndpoint").values()
    interface = [e["Properties"] for e in endpoints if e["Properties"]["VpcEndpointType"] == "Interface"]
    functions_tier = subnets_by_tier(template)["Functions"]
    endpoints_group = security_group_id(template, "TradeTrack VPC interface endpoints")

    # Then Secrets Manager, KMS, SQS, SSM and CloudWatch Logs each have one, with private DNS
    assert len(INTERFACE_ENDPOINTS) == len(interface) == len(EXPECTED_SERVICES)
    assert {e["ServiceName"] for e in interface} == {f"com.amazonaws.{REGION}.{s}" for s in EXPECTED_SERVICES}
    for endpoint in interface:
        assert endpoint["PrivateDnsEnabled"] is True
        # And they sit in the functions' subnets behind the endpoints' security group
        assert {s["Ref"] for s in endpoint["SubnetIds"]} == set(functions_tier)
        assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": [endpoints_group, "GroupId"]}]


def test_s3_gateway_endpoint_serves_the_function_subnets(dev_app: Synthesized) -> None:
    # Given the dev network
    template = network_template(dev_app)
    endpoints = of_type(template, "AWS::EC2::VPCEndpoint").values()
    (gateway,) = [e["Properties"] for e in endpoints if e["Properties"]["VpcEndpointType"] == "Gateway"]
    associations = of_type(template, "AWS::EC2::SubnetRouteTableAssociation").values()
    functions_tier = subnets_by_tier(template)["Functions"]
    function_tables = {
        a["Properties"]["RouteTableId"]["Ref"]
        for a in associations
        if a["Properties"]["SubnetId"]["Ref"] in functions_tier
    }

    # Then S3 is a gateway endpoint on exactly the functions' route tables
    assert gateway["ServiceName"]["Fn::Join"][1][-1] == ".s3"
    assert {table["Ref"] for table in gateway["RouteTableIds"]} == function_tables


def test_security_groups_admit_only_the_functions_and_let_them_out_only_where_needed(
    dev_app: Synthesized,
) -> None:
    # Given the dev network's security groups
    template = network_template(dev_app)
    functions = security_group_id(template, "TradeTrack functions that use Mongo or Redis")
    endpoints = security_group_id(template, "TradeTrack VPC interface endpoints")
    cache = security_group_id(template, "TradeTrack Redis")

    # Then the functions' group admits nothing and leaves only for HTTPS, the cache's port and Atlas
    assert ingress_of(template, functions) == set()
    assert egress_of(template, functions) == {
        ("tcp", 443, 443, "0.0.0.0/0"),
        ("tcp", 6380, 6380, cache),
        ("tcp", 27015, 27017, "0.0.0.0/0"),
    }
    # And the endpoints and the cache admit only the functions' group, each on its one port
    assert ingress_of(template, endpoints) == {("tcp", 443, 443, functions)}
    assert ingress_of(template, cache) == {("tcp", 6380, 6380, functions)}
    # And neither of them may open a connection anywhere (CDK's "disallow all" placeholder rule)
    for group in (endpoints, cache):
        assert egress_of(template, group) == {("icmp", 252, 86, "255.255.255.255/32")}
    # And no group anywhere admits the internet
    for properties in of_type(template, "AWS::EC2::SecurityGroup").values():
        ingress = properties["Properties"].get("SecurityGroupIngress", [])
        assert all(rule.get("CidrIp") != "0.0.0.0/0" for rule in ingress)


def test_vpc_flow_logs_record_all_traffic_to_an_expiring_log_group(dev_app: Synthesized) -> None:
    # Given the dev network
    template = network_template(dev_app)
    (flow_log,) = of_type(template, "AWS::EC2::FlowLog").values()
    log_groups = of_type(template, "AWS::Logs::LogGroup")

    # Then the VPC's accepted and rejected traffic goes to a log group kept 30 days
    props = flow_log["Properties"]
    assert props["ResourceType"] == "VPC"
    assert props["TrafficType"] == "ALL"
    assert props["LogDestinationType"] == "cloud-watch-logs"
    assert log_groups[props["LogGroupName"]["Ref"]]["Properties"]["RetentionInDays"] == 30


def test_atlas_private_link_endpoint_replaces_the_internet_route_to_atlas() -> None:
    # Given the Atlas PrivateLink endpoint service in context
    template = network_alone(atlasPrivateLinkServiceName=ATLAS_SERVICE)
    functions = security_group_id(template, "TradeTrack functions that use Mongo or Redis")
    atlas = security_group_id(template, "MongoDB Atlas PrivateLink endpoint")
    endpoints = of_type(template, "AWS::EC2::VPCEndpoint").values()
    (endpoint,) = [e["Properties"] for e in endpoints if e["Properties"]["ServiceName"] == ATLAS_SERVICE]

    # Then an interface endpoint to it sits in the functions' subnets, without a private zone
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["PrivateDnsEnabled"] is False
    assert {s["Ref"] for s in endpoint["SubnetIds"]} == set(subnets_by_tier(template)["Functions"])
    assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": [atlas, "GroupId"]}]
    # And its group admits only the functions, on the ports Atlas maps its nodes to
    assert ingress_of(template, atlas) == {("tcp", 1024, 65535, functions)}
    # And the functions reach Atlas only through it: no more 27015-27017 to the internet
    egress = egress_of(template, functions)
    assert ("tcp", 1024, 65535, atlas) in egress
    assert not any(rule[1] == 27015 for rule in egress)
    # And the endpoint id is output for ops to register in Atlas
    outputs = template.to_json()["Outputs"]
    assert any(key.startswith("AtlasAtlasEndpointId") for key in outputs)


def test_cfn_lint_finds_nothing_in_the_network_stack(dev_app: Synthesized) -> None:
    # Given the network stack's synthesized template
    path = dev_app.assembly_dir / network_stack(dev_app).template_file

    # When cfn-lint checks it as `make synth` does / Then it reports no error and no warning
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_network_stack_reads_nothing_from_another_stack(dev_app: Synthesized) -> None:
    # Given the network stack's template, and the backend's
    network = json.dumps(network_template(dev_app).to_json())
    backend = json.dumps(dev_app.template.to_json())

    # Then the network refers to no other stack (the backend may read it: no dependency cycle)
    assert "Fn::ImportValue" not in network and "Fn::GetStackOutput" not in network
    # And the backend does read it (subnets, security group, the cache's endpoint and secret)
    assert "TradeTrackNetwork-dev" in backend
    assert network_stack(dev_app) in dev_app.stack.dependencies
