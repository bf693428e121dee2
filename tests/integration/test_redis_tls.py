"""The layer's Redis client against a TLS-only Redis with RBAC users, as ElastiCache is set up.

A real redis-server (TLS port only, the default user off, the `tradetrack` user with the cache
stack's access string) and a private CA trusted through SSL_CERT_FILE; the credentials come from a
(moto) Secrets Manager secret named by REDIS_AUTH_SECRET_ARN, as in AWS.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from local.stores import free_port
from tradetrack.aws import aws_client
from tradetrack.cache.client import (
    RedisCredentials,
    create_redis_client,
    get_redis,
    redis_credentials_from_secret,
    use_redis_client,
)
from tradetrack.config import ConfigError, Settings, reset_settings

PASSWORD = "a-long-test-password-0123456789abcdef"
ACCESS_STRING = "on ~* &* +@all -@dangerous"  # the cache stack's (cdk/tradetrack_infra/cache.py)


@dataclass(frozen=True)
class TlsRedis:
    port: int
    ca_file: Path


def _certificates(workdir: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for the host name "localhost" only."""
    ca_key, ca_crt = workdir / "ca.key", workdir / "ca.crt"
    key, csr, crt = workdir / "server.key", workdir / "server.csr", workdir / "server.crt"
    ext = workdir / "server.ext"
    ext.write_text("subjectAltName=DNS:localhost\n")
    run = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
         "-days", "1", "-subj", "/CN=TradeTrack test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
        ["x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
         "-days", "1", "-extfile", ext],
    ]  # fmt: skip
    for args in run:
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)
    return ca_crt, crt, key


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsRedis]:
    binary, openssl = shutil.which("redis-server"), shutil.which("openssl")
    if binary is None or openssl is None:
        pytest.skip("redis-server and openssl are needed (make servers)")
    workdir = tmp_path_factory.mktemp("tls-redis")
    ca, crt, key = _certificates(workdir)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--tls-cert-file",
            str(crt),
            "--tls-key-file",
            str(key),
            "--tls-ca-cert-file",
            str(ca),
            "--tls-auth-clients",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--user",
            "default",
            "off",
            "--user",
            "tradetrack",
            *ACCESS_STRING.split(),
            f">{PASSWORD}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        trusted = redis.Redis(
            host="localhost",
            port=port,
            ssl=True,
            ssl_ca_certs=str(ca),
            username="tradetrack",
            password=PASSWORD,
        )
        while True:
            try:
                trusted.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the TLS redis-server did not start")
                time.sleep(0.1)
        trusted.close()
        yield TlsRedis(port=port, ca_file=ca)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def trusting_the_ca(tls_redis: TlsRedis, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test CA in the default trust store, as Amazon's CA is on Lambda."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_redis.ca_file))
    yield
    use_redis_client(None)
    reset_settings()


def test_the_client_logs_in_over_tls_with_the_secrets_credentials(
    tls_redis: TlsRedis, trusting_the_ca: None, moto_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the RBAC user's credentials in Secrets Manager, and the settings a Lambda gets
    secret = aws_client("secretsmanager").create_secret(
        Name="tradetrack/test/redis-auth",
        SecretString=json.dumps(
            {"username": "tradetrack", "password": PASSWORD, "userId": "tradetrack-test-app"}
        ),
    )
    monkeypatch.setenv("REDIS_URL", f"rediss://localhost:{tls_redis.port}/0")
    monkeypatch.setenv("REDIS_AUTH_SECRET_ARN", secret["ARN"])
    reset_settings()
    use_redis_client(None)

    # When the container's client is used
    client = get_redis()
    client.set("tls:probe", "1", ex=30)

    # Then it talks to Redis over TLS as the tradetrack user
    assert client.get("tls:probe") == "1"
    assert client.acl_whoami() == "tradetrack"
    connection = client.connection_pool.get_connection()
    try:
        assert isinstance(connection, redis.SSLConnection)
    finally:
        client.connection_pool.release(connection)
    # And the rate limiter's Lua (EVAL) is allowed by the access string, while FLUSHALL is not
    assert client.eval("return redis.call('INCR', KEYS[1])", 1, "tls:counter") == 1
    with pytest.raises(redis.exceptions.NoPermissionError):
        client.flushall()


def test_a_certificate_for_another_host_name_is_refused(tls_redis: TlsRedis, trusting_the_ca: None) -> None:
    # Given the server's certificate names "localhost" only
    credentials = RedisCredentials(username="tradetrack", password=PASSWORD)

    # When the client connects to it as 127.0.0.1 / Then the host name check refuses the connection
    client = create_redis_client(
        f"rediss://127.0.0.1:{tls_redis.port}/0", timeout_ms=2000, credentials=credentials
    )
    with pytest.raises(redis.exceptions.ConnectionError, match=r"(?i)certificate|hostname|match"):
        client.ping()


def test_an_untrusted_certificate_is_refused(tls_redis: TlsRedis) -> None:
    # Given a client whose trust store lacks the server's CA (no SSL_CERT_FILE)
    credentials = RedisCredentials(username="tradetrack", password=PASSWORD)
    client = create_redis_client(
        f"rediss://localhost:{tls_redis.port}/0", timeout_ms=2000, credentials=credentials
    )

    # When it connects / Then verification fails: no silent fallback to an unverified channel
    with pytest.raises(redis.exceptions.ConnectionError, match=r"(?i)certificate"):
        client.ping()


def test_wrong_or_missing_credentials_are_refused(tls_redis: TlsRedis, trusting_the_ca: None) -> None:
    # Given the right server over TLS
    url = f"rediss://localhost:{tls_redis.port}/0"

    # When the client logs in with a stale password / Then Redis refuses it
    stale = RedisCredentials(username="tradetrack", password="not-the-password-0123456789")
    with pytest.raises(redis.exceptions.AuthenticationError):
        create_redis_client(url, timeout_ms=2000, credentials=stale).ping()
    # And without credentials the (switched off) default user cannot run anything
    with pytest.raises(redis.exceptions.RedisError):
        create_redis_client(url, timeout_ms=2000).ping()


def test_plain_text_to_the_tls_port_does_not_work(tls_redis: TlsRedis) -> None:
    # Given a redis:// (no TLS) URL to the TLS-only port / When used / Then no command gets through
    with pytest.raises(redis.exceptions.ConnectionError):
        create_redis_client(f"redis://localhost:{tls_redis.port}/0", timeout_ms=500).ping()


@pytest.mark.parametrize(
    ("secret", "valid"),
    [
        ('{"username": "tradetrack", "password": "p4ssw0rd-long-enough", "userId": "u"}', True),
        ('{"username": "tradetrack"}', False),
        ('{"username": "", "password": "x"}', False),
        ("just-a-password", False),
        ("[1, 2]", False),
    ],
)
def test_the_secret_must_hold_a_username_and_a_password(secret: str, valid: bool) -> None:
    # Given a secret's text / When read as Redis credentials / Then only username+password JSON passes
    if valid:
        assert redis_credentials_from_secret(secret) == RedisCredentials("tradetrack", "p4ssw0rd-long-enough")
    else:
        with pytest.raises(ConfigError, match="username and password"):
            redis_credentials_from_secret(secret)


def test_credentials_are_never_configured_for_plain_redis() -> None:
    # Given an AUTH secret with a redis:// URL / When settings are read / Then cold start fails
    with pytest.raises(ConfigError, match="rediss://"):
        Settings.from_env(
            {
                "REDIS_URL": "redis://cache.internal:6379/0",
                "REDIS_AUTH_SECRET_ARN": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:x-AbCdEf",
            }
        )
    # And with rediss:// they are accepted
    settings = Settings.from_env(
        {
            "REDIS_URL": "rediss://cache.internal:6380/0",
            "REDIS_AUTH_SECRET_ARN": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:x-AbCdEf",
        }
    )
    assert settings.redis_auth_secret_arn.endswith("x-AbCdEf")
