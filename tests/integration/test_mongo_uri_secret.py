"""In AWS the MongoDB URI comes from Secrets Manager (moto here), read once per container."""

from __future__ import annotations

import json

import boto3
import pytest

from tradetrack.config import ConfigError, reset_settings
from tradetrack.db import client as db_client
from tradetrack.db.client import mongo_uri_from_secret


@pytest.mark.parametrize(
    "secret",
    [
        "mongodb+srv://app:pw@cluster0.example.mongodb.net/",
        json.dumps({"uri": "mongodb://app:pw@10.0.0.1:27017/?tls=true"}),
        "mongodb://app:p%40ss@a.example.net:27017,b.example.net:27017/db?replicaSet=rs0&ssl=true",
        "mongodb://127.0.0.1:27017/",  # this machine only: a local server, no TLS needed
        "mongodb://[::1]:27017,localhost:27018/",
    ],
)
def test_the_uri_is_read_plain_or_from_json(secret: str) -> None:
    assert mongo_uri_from_secret(secret).startswith("mongodb")


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("mongodb://app:pw@10.0.0.1:27017/", "must use TLS"),
        ("mongodb+srv://app:pw@cluster0.example.mongodb.net/?tls=false", "must use TLS"),
        ("mongodb://app:pw@db.example.net/?ssl=false", "must use TLS"),
        ("mongodb://app:pw@127.0.0.1:27017,db.example.net:27017/", "must use TLS"),
        ("mongodb+srv://app:pw@cluster0.example.mongodb.net/?tlsAllowInvalidCertificates=true", "verify"),
        ("mongodb://db.example.net/?tls=true&tlsInsecure=true", "verify"),
    ],
)
def test_a_uri_to_another_machine_without_verified_tls_is_a_config_error(secret: str, says: str) -> None:
    # Given a secret whose URI would send credentials and trades in clear, or to an unverified server
    # When it is read, Then the cold start stops, saying why
    with pytest.raises(ConfigError, match=says):
        mongo_uri_from_secret(secret)


@pytest.mark.parametrize("secret", ["postgres://x", json.dumps({"url": "mongodb://x"}), ""])
def test_a_secret_without_a_mongo_uri_is_a_config_error(secret: str) -> None:
    with pytest.raises(ConfigError):
        mongo_uri_from_secret(secret)


def test_the_client_connects_with_the_uri_from_the_secret(
    moto_aws: None, monkeypatch: pytest.MonkeyPatch, mongo_server: object
) -> None:
    # Given the test server's URI stored as a secret and only its ARN in the environment
    url = getattr(mongo_server, "url", None)
    if url is None:
        pytest.skip("needs a real MongoDB-wire server")
    arn = boto3.client("secretsmanager").create_secret(Name="tradetrack/test/mongo-uri", SecretString=url)[
        "ARN"
    ]
    monkeypatch.setenv("MONGODB_URI_SECRET_ARN", arn)
    monkeypatch.setenv("MONGODB_URI", "mongodb://wrong-host.invalid:1")
    reset_settings()
    db_client.use_mongo_client(None)
    try:
        # When the client is made / Then it reaches the server named in the secret
        assert db_client.get_mongo_client().admin.command("ping")["ok"] == 1.0
    finally:
        db_client.get_mongo_client().close()
        db_client.use_mongo_client(None)
        reset_settings()
