"""Least privilege per function: the manifest says what each function uses, its role gets only that.

`stores` (mongo, redis) decides the VPC placement and the data-store secrets; `sends_to` the queues;
`uses` the broker-token KMS key and the broker/market secrets.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack

from functions.manifest import FUNCTIONS, FunctionSpec
from tests.infrastructure.conftest import Synthesized
from tradetrack_infra.paths import CORE_LAYER_DIR, REPO_ROOT

pytestmark = pytest.mark.infrastructure

MONGO_CLIENT = "tradetrack.db.client"
REDIS_CLIENT = "tradetrack.cache.client"
# Functions whose modules import a store client they never call, and why.
IMPORTS_BUT_NEVER_CALLS = {
    # Every route is public: tradetrack.rest's caller checks (Redis, then Mongo) run only for a
    # caller the authorizer let in; the OpenAPI document is built from the siblings' route tables.
    "docs": (MONGO_CLIENT, REDIS_CLIENT),
}
ENI_ACTIONS = {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces"}


def statements(app: Synthesized, spec: FunctionSpec) -> list[dict[str, Any]]:
    function = app.resources("AWS::Lambda::Function")[app.function_id(spec.name)]["Properties"]
    role_id = function["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in app.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resources_for(app: Synthesized, spec: FunctionSpec, action: str) -> list[Any]:
    return [
        resource
        for statement in statements(app, spec)
        if action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    ]


def resolved(app: Synthesized, token: str) -> Any:
    return Stack.of(app.stack).resolve(token)


def test_every_store_function_is_in_the_vpc_and_no_other(dev_app: Synthesized) -> None:
    # Given every function of the dev app
    functions = dev_app.resources("AWS::Lambda::Function")
    for spec in FUNCTIONS:
        props = functions[dev_app.function_id(spec.name)]["Properties"]
        eni = {
            a for s in statements(dev_app, spec) for a in as_list(s["Action"]) if str(a).startswith("ec2:")
        }
        if spec.stores:
            # Then one using Mongo or Redis runs in the functions' subnets behind the functions' group
            config = json.dumps(props["VpcConfig"])
            assert len(props["VpcConfig"]["SubnetIds"]) == 2, spec.name
            assert config.count("FunctionsSubnet") == 2 and "FunctionsSecurityGroup" in config, spec.name
            assert len(props["VpcConfig"]["SecurityGroupIds"]) == 1, spec.name
            # And its role may manage the network interfaces Lambda attaches
            assert eni >= ENI_ACTIONS, spec.name
        else:
            # And one using neither stays outside the VPC, without network-interface permissions
            assert "VpcConfig" not in props, spec.name
            assert eni == set(), spec.name


def test_only_mongo_functions_read_the_mongo_secret(dev_app: Synthesized) -> None:
    # Given the Mongo URI secret's deploy-time parameter
    mongo_secret = {"Ref": "MongoUriSecretArn"}
    for spec in FUNCTIONS:
        readable = resources_for(dev_app, spec, "secretsmanager:GetSecretValue")
        variables = dev_app.resources("AWS::Lambda::Function")[dev_app.function_id(spec.name)]["Properties"][
            "Environment"
        ]["Variables"]
        # Then exactly the functions that declare mongo may read it and are told its ARN
        assert (mongo_secret in readable) == ("mongo" in spec.stores), spec.name
        assert ("MONGODB_URI_SECRET_ARN" in variables) == ("mongo" in spec.stores), spec.name


def test_only_redis_functions_read_the_redis_secret(dev_app: Synthesized) -> None:
    # Given the cache's RBAC secret (in the network stack)
    for spec in FUNCTIONS:
        readable = json.dumps(resources_for(dev_app, spec, "secretsmanager:GetSecretValue"))
        # Then exactly the functions that declare redis may read it
        assert ("CacheAuthSecret" in readable) == ("redis" in spec.stores), spec.name


def test_the_docs_function_reads_no_secret_and_runs_outside_the_vpc(dev_app: Synthesized) -> None:
    # Given the docs function (public OpenAPI document and Swagger UI)
    (docs,) = [spec for spec in FUNCTIONS if spec.name == "docs"]
    props = dev_app.resources("AWS::Lambda::Function")[dev_app.function_id("docs")]["Properties"]

    # Then it may read no secret at all and is in no VPC
    assert resources_for(dev_app, docs, "secretsmanager:GetSecretValue") == []
    assert "VpcConfig" not in props


def test_functions_send_only_to_the_queues_they_name(dev_app: Synthesized) -> None:
    # Given the manifest's queues, by name
    queues = {
        name: resolved(dev_app, built.queue.queue_arn) for name, built in dev_app.stack.queues.by_name.items()
    }
    for spec in FUNCTIONS:
        # Then a function may send to exactly the queues of its `sends_to`
        sendable = resources_for(dev_app, spec, "sqs:SendMessage")
        assert sorted(map(json.dumps, sendable)) == sorted(json.dumps(queues[q]) for q in spec.sends_to), (
            spec.name
        )


def test_only_functions_using_broker_tokens_may_use_their_key(dev_app: Synthesized) -> None:
    # Given the KMS key broker access tokens are encrypted with
    assert dev_app.stack.broker_sync is not None
    key = resolved(dev_app, dev_app.stack.broker_sync.token_key.key_arn)
    for spec in FUNCTIONS:
        decryptable = resources_for(dev_app, spec, "kms:Decrypt")
        # Then only the functions that declare "broker-tokens" may decrypt with it
        assert (key in decryptable) == ("broker-tokens" in spec.uses), spec.name


def test_functions_act_on_buckets_only_as_the_manifest_names(dev_app: Synthesized) -> None:
    # Given every function's policy statements
    for spec in FUNCTIONS:
        granted = sorted(
            str(action)
            for statement in statements(dev_app, spec)
            for action in as_list(statement["Action"])
            if str(action).startswith("s3:")
        )
        # Then its S3 actions are exactly those its `buckets` name (none for most functions)
        named = sorted(action for use in spec.buckets for action in use.actions)
        assert granted == named, spec.name
    # And the manifest names them for the functions that presign, read and write the files
    users = {spec.name: {use.bucket for use in spec.buckets} for spec in FUNCTIONS if spec.buckets}
    assert users == {
        "imports": {"imports"},
        "import_worker": {"imports"},
        "reports": {"reports"},
        "attachments": {"attachments"},
        "attachment_worker": {"attachments"},
        "data_quality": {"attachments"},  # a discarded orphan's screenshots (tradetrack.orphans)
    }


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_declared_stores_match_the_clients_the_handler_imports(spec: FunctionSpec) -> None:
    # Given every module the handler imports, directly or through the layer (statically)
    modules = import_closure(spec.module)
    excused = IMPORTS_BUT_NEVER_CALLS.get(spec.name, ())

    # Then it declares mongo exactly when it reaches the Mongo client, and redis the Redis client
    for store, client in (("mongo", MONGO_CLIENT), ("redis", REDIS_CLIENT)):
        if client in excused:
            assert store not in spec.stores, f"{spec.name} is excused from {store}: drop it from the list"
            continue
        assert (store in spec.stores) == (client in modules), f"{spec.name}: stores vs imports of {client}"


def import_closure(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen or (path := module_path(module)) is None:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        todo += list(imported_by(path, module))
    return seen


def module_path(module: str) -> Path | None:
    for root in (CORE_LAYER_DIR / "python", REPO_ROOT):
        base = root.joinpath(*module.split("."))
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def imported_by(path: Path, module: str) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            yield name
            yield from (f"{name}.{alias.name}" for alias in node.names)
