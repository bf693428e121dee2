"""What CDK creates for BrokerSync, made in moto: the KMS key for broker tokens and the broker apps secret."""

from __future__ import annotations

import json
from collections.abc import Mapping

from local.broker_server import DEFAULT_API_KEY, DEFAULT_API_SECRET

# The local stack's "simulated" broker app: what the simulated Kite server checks checksums with.
SIMULATED_APP = {"apiKey": DEFAULT_API_KEY, "apiSecret": DEFAULT_API_SECRET}


def bootstrap_brokers(apps: Mapping[str, Mapping[str, str]]) -> str:
    """Create (or find) the token key under BROKER_TOKEN_KEY_ID's alias and store `apps` as the
    BROKER_SECRET_NAME secret; blocking (run in a thread). Returns the key id."""
    from tradetrack.aws import aws_client
    from tradetrack.brokers.apps import reset_broker_apps
    from tradetrack.config import get_settings

    settings = get_settings()
    kms = aws_client("kms")
    alias = settings.broker_token_key_id
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    key_id = aliases.get(alias)
    if key_id is None:
        key_id = kms.create_key(Description="TradeTrack local broker tokens")["KeyMetadata"]["KeyId"]
        if alias.startswith("alias/"):
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    manager = aws_client("secretsmanager")
    value = json.dumps({name: dict(app) for name, app in apps.items()})
    try:
        manager.create_secret(Name=settings.broker_secret_name, SecretString=value)
    except manager.exceptions.ResourceExistsException:
        manager.put_secret_value(SecretId=settings.broker_secret_name, SecretString=value)
    reset_broker_apps()
    return str(key_id)
