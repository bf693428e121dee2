"""Settings from environment variables, validated once per container (at cold start)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tradetrack import __version__


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    stage: str = Field("local", alias="STAGE", pattern=r"^[a-z][a-z0-9-]{0,20}$")
    version: str = Field(__version__, alias="APP_VERSION")
    aws_region: str = Field("ap-south-1", alias="AWS_REGION")

    mongodb_uri: str = Field("mongodb://127.0.0.1:27017", alias="MONGODB_URI")
    # In AWS the URI (with its credentials) stays in Secrets Manager; this ARN names it.
    mongodb_uri_secret_arn: str = Field("", alias="MONGODB_URI_SECRET_ARN")
    mongodb_db: str = Field("tradetrack", alias="MONGODB_DB", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    # In AWS, ElastiCache's RBAC user ({"username", "password"}, rotated) is in Secrets Manager and
    # the URL is rediss:// (TLS); empty (local, tests): the URL alone, plain Redis.
    redis_auth_secret_arn: str = Field("", alias="REDIS_AUTH_SECRET_ARN")
    # How long a call to Mongo or Redis may wait for a server before it counts as down.
    dependency_timeout_ms: int = Field(2000, alias="DEPENDENCY_TIMEOUT_MS", ge=50, le=30_000)

    max_body_bytes: int = Field(1_048_576, alias="MAX_BODY_BYTES", ge=1024)
    cors_allow_origins: tuple[str, ...] = Field(("*",), alias="CORS_ALLOW_ORIGINS")
    # Where WebSocket handlers post to clients; empty: derived from the event (https://domain/stage).
    ws_management_endpoint: str = Field("", alias="WS_MANAGEMENT_ENDPOINT")
    ws_connection_ttl_s: int = Field(7200, alias="WS_CONNECTION_TTL_S", ge=60)

    # Market data (flow 5): the quote provider, its credentials secret and the feed's ticks.
    quote_provider: Literal["simulated", "kite", "upstox"] = Field("simulated", alias="QUOTE_PROVIDER")
    market_data_secret_name: str = Field("", alias="MARKET_DATA_SECRET_NAME")  # {"apiKey","accessToken"}
    kite_base_url: str = Field("https://api.kite.trade", alias="KITE_BASE_URL")
    upstox_base_url: str = Field("https://api.upstox.com", alias="UPSTOX_BASE_URL")
    # Angel One SmartAPI, ICICI Direct Breeze and ShareKhan (docs/brokers.md; the tests' stubs replace them)
    angelone_base_url: str = Field("https://apiconnect.angelone.in", alias="ANGELONE_BASE_URL")
    angelone_login_url: str = Field(
        "https://smartapi.angelone.in/publisher-login", alias="ANGELONE_LOGIN_URL"
    )
    breeze_base_url: str = Field("https://api.icicidirect.com/breezeapi/api/v1", alias="BREEZE_BASE_URL")
    breeze_login_url: str = Field("https://api.icicidirect.com/apiuser/login", alias="BREEZE_LOGIN_URL")
    sharekhan_base_url: str = Field("https://api.sharekhan.com", alias="SHAREKHAN_BASE_URL")
    sharekhan_login_url: str = Field(
        "https://api.sharekhan.com/skapi/auth/login.html", alias="SHAREKHAN_LOGIN_URL"
    )
    simulated_feed_seed: int = Field(7, alias="SIMULATED_FEED_SEED")
    feed_tick_interval_s: float = Field(5.0, alias="FEED_TICK_INTERVAL_S", gt=0, le=60)
    feed_window_s: float = Field(55.0, alias="FEED_WINDOW_S", gt=0, le=900)  # one invocation's loop
    feed_ticks: int = Field(0, alias="FEED_TICKS", ge=0, le=1000)  # 0: fill the window in market hours
    feed_fanout_workers: int = Field(32, alias="FEED_FANOUT_WORKERS", ge=1, le=256)
    # A tick past one shard of (connection, frame) posts sends its shards to the ws-fanout queue, one
    # fan-out invocation each (WS_FANOUT_QUEUE_URL; empty: the tick posts everything itself).
    feed_fanout_shard_size: int = Field(500, alias="FEED_FANOUT_SHARD_SIZE", ge=1, le=5000)
    ws_fanout_queue_url: str = Field("", alias="WS_FANOUT_QUEUE_URL")
    # A shard older than this (a retry of a failed one included) is dropped: newer ticks superseded it.
    feed_fanout_max_age_s: float = Field(30.0, alias="FEED_FANOUT_MAX_AGE_S", gt=0, le=900)
    # Alert notification events go to this SQS queue (the notifications feature); empty: logged only.
    notifications_queue_url: str = Field("", alias="NOTIFICATIONS_QUEUE_URL")

    # Notifications (flow 6): the sender (an SES identity), its configuration set, the SMS sender id,
    # where unsubscribe links point (the public REST API base URL) and the key that signs them.
    notify_from_email: str = Field("TradeTrack <alerts@tradetrack.example>", alias="NOTIFY_FROM_EMAIL")
    ses_configuration_set: str = Field("", alias="SES_CONFIGURATION_SET")
    sms_sender_id: str = Field("", alias="SMS_SENDER_ID", pattern=r"^[A-Za-z0-9]{0,11}$")
    public_api_url: str = Field("http://127.0.0.1:3000", alias="PUBLIC_API_URL")
    unsubscribe_secret_name: str = Field("tradetrack/local/unsubscribe-key", alias="UNSUBSCRIBE_SECRET_NAME")
    unsubscribe_link_ttl_days: int = Field(60, alias="UNSUBSCRIBE_LINK_TTL_DAYS", ge=1, le=365)
    # Delivered events and channels are remembered this long (the DLQ keeps messages 14 days).
    notify_idempotency_ttl_s: int = Field(14 * 86_400, alias="NOTIFY_IDEMPOTENCY_TTL_S", ge=60)

    # Brokers and sync (flow 3). The platform's broker apps ({"zerodha": {"apiKey", "apiSecret"},
    # "upstox": {"apiKey", "apiSecret"}}) live in Secrets Manager; broker access tokens are encrypted
    # with the KMS key BROKER_TOKEN_KEY_ID before they reach Mongo.
    broker_secret_name: str = Field("tradetrack/local/broker-apps", alias="BROKER_SECRET_NAME")
    broker_token_key_id: str = Field("alias/tradetrack-local-broker-tokens", alias="BROKER_TOKEN_KEY_ID")
    kite_login_url: str = Field("https://kite.zerodha.com/connect/login", alias="KITE_LOGIN_URL")
    simulated_broker_url: str = Field("http://127.0.0.1:3002", alias="SIMULATED_BROKER_URL")
    # Where the OAuth callback sends the browser when done (the SPA); empty: it answers with JSON.
    app_url: str = Field("", alias="APP_URL")
    sync_queue_url: str = Field("", alias="SYNC_QUEUE_URL")
    trade_updates_queue_url: str = Field("", alias="TRADE_UPDATES_QUEUE_URL")
    # Uploaded imports (docs/imports.md): the bucket the files are PUT to and the worker's queue.
    imports_bucket: str = Field("", alias="IMPORTS_BUCKET")
    imports_queue_url: str = Field("", alias="IMPORTS_QUEUE_URL")
    import_batch_rows: int = Field(2000, alias="IMPORT_BATCH_ROWS", ge=1, le=20_000)
    # Reports (docs/reports.md): files go to REPORTS_BUCKET (TradeTrackStorage's reports bucket) under
    # reports/<userId>/; the report worker's queue; the KMS key for SSE-KMS (empty: the bucket's default
    # encryption); how long a download URL lives.
    reports_bucket: str = Field("", alias="REPORTS_BUCKET")
    reports_queue_url: str = Field("", alias="REPORTS_QUEUE_URL")
    reports_kms_key_id: str = Field("", alias="REPORTS_KMS_KEY_ID")
    report_url_ttl_s: int = Field(300, alias="REPORT_URL_TTL_S", ge=30, le=3600)
    # Trade screenshots (docs/attachments.md): ATTACHMENTS_BUCKET (TradeTrackStorage's attachments
    # bucket), the attachment worker's queue, the KMS key for SSE-KMS (empty: the bucket's default),
    # how long an upload form and a download URL live.
    attachments_bucket: str = Field("", alias="ATTACHMENTS_BUCKET")
    attachments_queue_url: str = Field("", alias="ATTACHMENTS_QUEUE_URL")
    attachments_kms_key_id: str = Field("", alias="ATTACHMENTS_KMS_KEY_ID")
    attachment_url_ttl_s: int = Field(300, alias="ATTACHMENT_URL_TTL_S", ge=30, le=3600)
    sync_interval_s: int = Field(300, alias="SYNC_INTERVAL_S", ge=60, le=86_400)
    broker_timeout_s: float = Field(5.0, alias="BROKER_TIMEOUT_S", gt=0, le=60)

    # Auth: the private signing keys (Secrets Manager) and the public keys (SSM parameter).
    auth_signing_secret: str = Field("tradetrack/local/auth-signing-keys", alias="AUTH_SIGNING_SECRET_NAME")
    auth_public_keys_parameter: str = Field(
        "/tradetrack/local/auth/public-keys", alias="AUTH_PUBLIC_KEYS_PARAMETER"
    )
    bcrypt_cost: int = Field(12, alias="BCRYPT_COST", ge=4, le=16)

    # Paper trading (docs/paper.md): MIS margin = value / leverage; a market fill's slippage in basis
    # points per lot of depth it takes (a buy pays more, a sell gets less); the quantity a tick offers
    # each instrument and side to resting orders (0: unlimited, each crossed order fills whole); the
    # IST time the feed's pass squares MIS positions off.
    paper_mis_leverage: int = Field(5, alias="PAPER_MIS_LEVERAGE", ge=1, le=50)
    paper_slippage_bps_per_lot: int = Field(0, alias="PAPER_SLIPPAGE_BPS_PER_LOT", ge=0, le=1000)
    paper_slippage_lot: int = Field(100, alias="PAPER_SLIPPAGE_LOT", ge=1, le=1_000_000)
    paper_tick_volume: int = Field(0, alias="PAPER_TICK_VOLUME", ge=0, le=100_000_000)
    paper_mis_squareoff_ist: str = Field(
        "15:20", alias="PAPER_MIS_SQUAREOFF_IST", pattern=r"^[0-2][0-9]:[0-5][0-9]$"
    )
    # An MIS position is stopped out (sold at market by the feed's pass) once its mark-to-market
    # loss reaches this percentage of the margin it blocks (docs/paper.md, "Margin call").
    paper_mis_stopout_pct: int = Field(100, alias="PAPER_MIS_STOPOUT_PCT", ge=1, le=100)
    # Fills only while NSE/BSE equity is open (09:15-15:30 IST, trading days); orders placed outside
    # wait for the open (a market order as an AMO). Off: fills at any hour (the test suite, practice).
    paper_market_hours: bool = Field(True, alias="PAPER_MARKET_HOURS")

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("mongodb_uri")
    @classmethod
    def _mongo_scheme(cls, value: str) -> str:
        if not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _credentials_over_tls(self) -> Settings:
        if self.redis_auth_secret_arn and not self.redis_url.startswith("rediss://"):
            raise ValueError(
                "REDIS_AUTH_SECRET_ARN needs a rediss:// (TLS) REDIS_URL: credentials never go in clear"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        try:
            return cls.model_validate(dict(env))
        except ValidationError as exc:
            problems = "; ".join(
                f"{err['loc'][0]}: {err['msg']}" if err["loc"] else err["msg"] for err in exc.errors()
            )
            raise ConfigError(f"invalid configuration: {problems}") from exc


@cache
def get_settings() -> Settings:
    """The container's settings, read on first use and kept."""
    return Settings.from_env()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
