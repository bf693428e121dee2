"""ElastiCache Redis: Multi-AZ replication group, TLS, at-rest encryption, RBAC users and rotation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.manifest import FUNCTIONS
from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_network import (
    network_alone,
    network_template,
    of_type,
    security_group_id,
    subnets_by_tier,
)

pytestmark = pytest.mark.infrastructure


def only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = resources.items()
    return logical_id, resource["Properties"]


def test_replication_group_is_multi_az_tls_only_encrypted_and_rbac(dev_app: Synthesized) -> None:
    # Given the dev network stack's Redis
    template = network_template(dev_app)
    _, group = only(of_type(template, "AWS::ElastiCache::ReplicationGroup"))
    key_id, key = only(of_type(template, "AWS::KMS::Key"))
    user_group_id, user_group = only(of_type(template, "AWS::ElastiCache::UserGroup"))
    subnet_group_id, subnet_group = only(of_type(template, "AWS::ElastiCache::SubnetGroup"))

    # Then it is Redis 7.1, cluster mode disabled, a primary and a replica with automatic failover
    assert group["Engine"] == "redis"
    assert group["EngineVersion"] == "7.1"
    assert group["CacheNodeType"] == "cache.t4g.micro"
    assert group["NumCacheClusters"] == 2
    assert group["MultiAZEnabled"] is True
    assert group["AutomaticFailoverEnabled"] is True
    assert "NumNodeGroups" not in group
    # And TLS is required in transit, data encrypted at rest with a rotated customer managed key
    assert group["TransitEncryptionEnabled"] is True
    assert group["TransitEncryptionMode"] == "required"
    assert group["AtRestEncryptionEnabled"] is True
    assert group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["EnableKeyRotation"] is True
    # And clients authenticate as RBAC users (no shared AUTH token), on a non-default port
    assert group["UserGroupIds"] == [user_group["UserGroupId"]] == ["tradetrack-dev"]
    assert user_group_id in template.to_json()["Resources"][_id_of(template, "ReplicationGroup")]["DependsOn"]
    assert "AuthToken" not in group
    assert group["Port"] == 6380
    # And it lives in the isolated subnets behind the cache's security group
    assert group["CacheSubnetGroupName"] == {"Ref": subnet_group_id}
    isolated = subnets_by_tier(template)["Cache"]
    assert {s["Ref"] for s in subnet_group["SubnetIds"]} == set(isolated)
    cache_group = security_group_id(template, "TradeTrack Redis")
    assert group["SecurityGroupIds"] == [{"Fn::GetAtt": [cache_group, "GroupId"]}]
    # And its slow log goes to CloudWatch, and a day of snapshots is kept
    (delivery,) = group["LogDeliveryConfigurations"]
    assert delivery["LogType"] == "slow-log" and delivery["DestinationType"] == "cloudwatch-logs"
    assert group["SnapshotRetentionLimit"] == 1


def test_prod_cache_nodes_are_larger() -> None:
    # Given the prod network / Then its nodes are cache.t4g.small (context cacheNodeType overrides)
    _, group = only(of_type(network_alone(stage="prod"), "AWS::ElastiCache::ReplicationGroup"))
    assert group["CacheNodeType"] == "cache.t4g.small"
    _, sized = only(
        of_type(network_alone(cacheNodeType="cache.m7g.large"), "AWS::ElastiCache::ReplicationGroup")
    )
    assert sized["CacheNodeType"] == "cache.m7g.large"


def test_default_user_is_off_and_the_app_user_password_comes_from_the_secret(dev_app: Synthesized) -> None:
    # Given the dev cache's users, user group and secret
    template = network_template(dev_app)
    users = {
        u["Properties"]["UserName"]: u["Properties"]
        for u in of_type(template, "AWS::ElastiCache::User").values()
    }
    _, user_group = only(of_type(template, "AWS::ElastiCache::UserGroup"))
    secret_id, secret = only(of_type(template, "AWS::SecretsManager::Secret"))

    # Then the group holds exactly the switched-off default user and the app user
    assert set(users) == {"default", "tradetrack"}
    assert users["default"]["AccessString"] == "off -@all"
    assert set(user_group["UserIds"]) == {users["default"]["UserId"], users["tradetrack"]["UserId"]}
    # And the app user may run every command but the dangerous ones
    assert users["tradetrack"]["AccessString"] == "on ~* &* +@all -@dangerous"
    # And its password is the generated secret's (a dynamic reference, never in the template)
    mode = users["tradetrack"]["AuthenticationMode"]
    assert mode["Type"] == "password"
    (password,) = mode["Passwords"]
    rendered = json.dumps(password)
    assert "resolve:secretsmanager" in rendered and secret_id in rendered and "password" in rendered
    generator = secret["GenerateSecretString"]
    assert json.loads(generator["SecretStringTemplate"]) == {
        "username": "tradetrack",
        "userId": users["tradetrack"]["UserId"],
    }
    assert generator["GenerateStringKey"] == "password"
    assert generator["PasswordLength"] == 64
    assert generator["ExcludePunctuation"] is True


def test_the_secret_is_rotated_every_30_days_by_a_function_limited_to_that_user(dev_app: Synthesized) -> None:
    # Given the dev cache's rotation
    template = network_template(dev_app)
    secret_id, _ = only(of_type(template, "AWS::SecretsManager::Secret"))
    _, schedule = only(of_type(template, "AWS::SecretsManager::RotationSchedule"))
    functions = of_type(template, "AWS::Lambda::Function")
    rotation_id = schedule["RotationLambdaARN"]["Fn::GetAtt"][0]
    rotation = functions[rotation_id]["Properties"]
    users = {
        u["Properties"]["UserName"]: u["Properties"]
        for u in of_type(template, "AWS::ElastiCache::User").values()
    }

    # Then the secret rotates every 30 days with the rotation function
    assert schedule["SecretId"] == {"Ref": secret_id}
    assert schedule["RotationRules"]["ScheduleExpression"] == "rate(30 days)"
    assert rotation["Handler"] == "handler.lambda_handler"
    assert rotation["Runtime"] == "python3.14"  # the latest: it needs no layer
    assert rotation["TracingConfig"] == {"Mode": "Active"}
    # And its role may change and describe the app user and no other ElastiCache resource
    role_id = rotation["Role"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    elasticache = [
        s for s in statements if any(str(a).startswith("elasticache:") for a in _list(s["Action"]))
    ]
    assert len(elasticache) == 1
    assert sorted(_list(elasticache[0]["Action"])) == ["elasticache:DescribeUsers", "elasticache:ModifyUser"]
    resource = json.dumps(elasticache[0]["Resource"])
    assert f":user:{users['tradetrack']['UserId']}" in resource
    # And it may write the secret's versions, that secret only
    writes = [s for s in statements if "secretsmanager:PutSecretValue" in _list(s["Action"])]
    assert writes and all(s["Resource"] == {"Ref": secret_id} for s in writes)


def test_redis_functions_get_the_tls_url_and_the_secret_and_others_neither(dev_app: Synthesized) -> None:
    # Given the backend's functions in the dev app
    functions = dev_app.resources("AWS::Lambda::Function")

    for spec in FUNCTIONS:
        variables = functions[dev_app.function_id(spec.name)]["Properties"]["Environment"]["Variables"]
        if "redis" in spec.stores:
            # Then a function using Redis gets rediss://<primary endpoint>:<port>/0 and the secret's ARN
            url = json.dumps(variables["REDIS_URL"])
            assert url.startswith('{"Fn::Join": ["", ["rediss://"'), spec.name
            assert "PrimaryEndPoint" in url and url.endswith('"/0"]]}'), spec.name
            assert "REDIS_AUTH_SECRET_ARN" in variables, spec.name
        else:
            # And the others get neither
            assert "REDIS_URL" not in variables and "REDIS_AUTH_SECRET_ARN" not in variables, spec.name


def test_network_stack_passes_cdk_nag_with_only_the_rbac_acknowledgement(dev_app: Synthesized) -> None:
    # Given the validation report of the dev synth
    (nag,) = [r for r in dev_app.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    suppressed = [
        s
        for s in nag["suppressedViolations"]
        if any(c["constructPath"].startswith("TradeTrackNetwork-") for c in s["violatingConstructs"])
    ]
    assert suppressed, "no finding of the network stack at all: was it checked?"

    # Then of the ElastiCache rules only AEC6 (AUTH token) is acknowledged, RBAC replacing it
    rules = sorted({s["ruleName"] for s in suppressed})
    assert [rule for rule in rules if "AEC" in rule] == ["AwsSolutions-AEC6"]
    # And its only other acknowledgement is the rotation role's Resource '*' (X-Ray, GetRandomPassword)
    assert set(rules) <= {"AwsSolutions-AEC6", "AwsSolutions-IAM5[Resource::*]"}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _id_of(template: Any, kind: str) -> str:
    (logical_id,) = template.find_resources(f"AWS::ElastiCache::{kind}")
    return str(logical_id)
