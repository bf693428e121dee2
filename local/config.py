"""Settings of the local stack, from environment variables (`python -m local --help` lists them)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from local.stores import DEV_BACKEND, ferretdb_backend
from tradetrack.brokers.registry import REGISTRY

STORES = ("auto", "embedded", "memory", "ferretdb")


def _variable(broker: str, secret_field: str) -> str:
    """ZERODHA_API_KEY for zerodha's apiKey: the broker, then the field in upper snake case."""
    return f"{broker}_{re.sub(r'(?<!^)(?=[A-Z])', '_', secret_field)}".upper()


# Real broker apps for the local stack: a variable per field of each deployable broker's secret
# entry (its registry row's secret_fields), e.g. ZERODHA_API_KEY and ZERODHA_API_SECRET.
BROKER_APP_VARIABLES: dict[str, dict[str, str]] = {
    name: {secret_field: _variable(name, secret_field) for secret_field in row.secret_fields}
    for name, row in REGISTRY.items()
    if not row.local_only
}
DEFAULT_STORE_DIR = str(Path(__file__).resolve().parent.parent / ".local-state")

HELP_EPILOG = """\
environment variables of the local stack:
  HOST                      address every server binds (default 127.0.0.1)
  PORT                      REST API port (default 3000; 0 picks a free port)
  WS_PORT                   WebSocket API + management API port (default 3001; 0 picks a free port)
  MOTO_PORT                 moto server port for SQS/SNS/SES/S3/Secrets/KMS (default 0: a free port)
  MONGODB_URI               a real MongoDB-wire server; unset: LOCAL_STORE decides
  LOCAL_STORE               "auto" (default): "ferretdb" when it can start, else "embedded" with a
                            warning (docs/local-store.md); "ferretdb": start FerretDB v1.24.2 (built
                            by `make servers`, which `make dev` runs) on 127.0.0.1:<free port>, its
                            data kept in LOCAL_STORE_DIR/ferretdb-<backend>, failing if it cannot;
                            "embedded": in-process mongomock, saved to LOCAL_STORE_DIR/embedded at
                            stop and loaded at start (slow past a few thousand trades); "memory":
                            the same, kept nowhere
  TRADETRACK_FERRETDB_BACKEND  FerretDB's backend with LOCAL_STORE=ferretdb: "postgresql" (default:
                            Debian's PostgreSQL, started on a free loopback port) or "sqlite"
  LOCAL_STORE_DIR           where LOCAL_STORE=embedded/ferretdb keep their data (default
                            <project>/.local-state)
  REDIS_URL                 a real Redis server; unset: embedded in-process fakeredis
  LOCAL_SCHEDULES           "on" (default) or "off": fire the manifest's EventBridge schedules
  LOCAL_SCHEDULE_SPEEDUP    divide rate() periods by this factor (default 1; e.g. 60 turns
                            "rate(5 minutes)" into every 5 s); cron() schedules keep wall-clock time
  LOCAL_SQS_POLL_INTERVAL   seconds between polls of an empty queue (default 0.5)
  SIMULATED_BROKER_PORT     the simulated broker (Kite v3 format) port (default 3002; 0: a free port)
  LOCAL_DEMO                "on" (default) or "off": the demo user demo@tradetrack.local (password
                            demo-password-2026) with an account at the simulated broker, synced by
                            the broker-sync schedule every 5 minutes
  LOG_LEVEL                 level of the stack's own logs (default INFO)
  ZERODHA_API_KEY / ZERODHA_API_SECRET  your Kite Connect app (developers.kite.trade): with both
                            set, GET /v1/brokers offers zerodha; register
                            PUBLIC_API_URL/v1/broker-accounts/callback/zerodha as its redirect URL
  UPSTOX_API_KEY / UPSTOX_API_SECRET    your Upstox app (account.upstox.com/developer/apps), likewise
                            with PUBLIC_API_URL/v1/broker-accounts/callback/upstox; unset: only the
                            simulated broker is offered. Every broker of the registry likewise:
                            <BROKER>_<FIELD> per field of its app (ANGELONE_API_KEY, BREEZE_API_KEY
                            / BREEZE_API_SECRET, ...: docs/brokers.md)

passed through to the handlers (tradetrack.config):
  MONGODB_DB (tradetrack), APP_VERSION, MAX_BODY_BYTES (1048576), CORS_ALLOW_ORIGINS (*),
  DEPENDENCY_TIMEOUT_MS (2000), WS_CONNECTION_TTL_S (7200), POWERTOOLS_LOG_LEVEL,
  POWERTOOLS_METRICS_DISABLED (the stack sets it to true unless given)
  QUOTE_PROVIDER (simulated), SIMULATED_FEED_SEED (7), FEED_TICKS (0: one tick outside market
  hours, a minute of ticks inside), FEED_TICK_INTERVAL_S / FEED_WINDOW_S (5 / 55, divided by
  LOCAL_SCHEDULE_SPEEDUP unless given), NOTIFY_FROM_EMAIL, PUBLIC_API_URL (unsubscribe links;
  default the REST API's URL), APP_URL (where a broker login's callback sends the browser: the
  web app's /brokers; `python -m local` defaults it to http://HOST:PORT, the app it serves)

set by the stack for the handlers (any value you give is replaced):
  STAGE=local, AWS_REGION=AWS_DEFAULT_REGION=ap-south-1, fake AWS_ACCESS_KEY_ID/SECRET,
  AWS_ENDPOINT_URL (moto), WS_MANAGEMENT_ENDPOINT (http://HOST:WS_PORT), NOTIFICATIONS_QUEUE_URL
  (one <QUEUE>_QUEUE_URL per manifest queue, in moto), SIMULATED_BROKER_URL; moto holds the broker
  token KMS key (BROKER_TOKEN_KEY_ID) and the broker apps secret (BROKER_SECRET_NAME)

local-only routes: GET /_local/outbox lists the email and SMS sent through moto (nothing leaves it)
"""


@dataclass(frozen=True)
class LocalConfig:
    host: str = "127.0.0.1"
    port: int = 3000
    ws_port: int = 3001
    moto_port: int = 0
    mongodb_uri: str = ""  # empty: embedded
    redis_url: str = ""  # empty: embedded
    schedules_enabled: bool = True
    schedule_speedup: float = 1.0
    sqs_poll_interval_s: float = 0.5
    log_level: str = "INFO"
    broker_port: int = 3002
    demo: bool = True
    store: str = "auto"  # with mongodb_uri empty: "auto", "embedded", "memory" or "ferretdb"
    store_backend: str = DEV_BACKEND
    store_dir: str = DEFAULT_STORE_DIR
    # {"zerodha": {"apiKey", "apiSecret"}, ...}: the real broker apps given (BROKER_APP_VARIABLES)
    broker_apps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalConfig:
        env = os.environ if environ is None else environ
        try:
            config = cls(
                host=env.get("HOST", "127.0.0.1"),
                port=int(env.get("PORT", "3000")),
                ws_port=int(env.get("WS_PORT", "3001")),
                moto_port=int(env.get("MOTO_PORT", "0")),
                mongodb_uri=env.get("MONGODB_URI", ""),
                redis_url=env.get("REDIS_URL", ""),
                schedules_enabled=env.get("LOCAL_SCHEDULES", "on").lower() not in ("off", "0", "false", "no"),
                schedule_speedup=float(env.get("LOCAL_SCHEDULE_SPEEDUP", "1")),
                sqs_poll_interval_s=float(env.get("LOCAL_SQS_POLL_INTERVAL", "0.5")),
                log_level=env.get("LOG_LEVEL", "INFO").upper(),
                broker_port=int(env.get("SIMULATED_BROKER_PORT", "3002")),
                demo=env.get("LOCAL_DEMO", "on").lower() not in ("off", "0", "false", "no"),
                store=env.get("LOCAL_STORE", "auto").strip().lower() or "auto",
                store_backend=ferretdb_backend(DEV_BACKEND, dict(env)),
                store_dir=env.get("LOCAL_STORE_DIR") or DEFAULT_STORE_DIR,
                broker_apps=broker_apps(env),
            )
        except ValueError as exc:
            raise SystemExit(f"invalid local stack configuration: {exc}") from exc
        if config.store not in STORES:
            raise SystemExit(f"LOCAL_STORE={config.store!r}: expected one of {', '.join(STORES)}")
        if config.store == "ferretdb" and config.mongodb_uri:
            raise SystemExit("set MONGODB_URI or LOCAL_STORE=ferretdb, not both")
        if config.schedule_speedup <= 0 or config.sqs_poll_interval_s <= 0:
            raise SystemExit("LOCAL_SCHEDULE_SPEEDUP and LOCAL_SQS_POLL_INTERVAL must be positive")
        return config


def broker_apps(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The apps of the brokers whose variables are all set; a broker with some set and not others is
    refused (a half-configured app would be offered by GET /v1/brokers and then fail at login)."""
    apps: dict[str, dict[str, str]] = {}
    for broker, variables in BROKER_APP_VARIABLES.items():
        values = {secret_field: env.get(name, "").strip() for secret_field, name in variables.items()}
        missing = [variables[secret_field] for secret_field, value in values.items() if not value]
        if missing and len(missing) < len(values):
            raise ValueError(
                f"{missing[0]} is not set: {broker} needs all of {', '.join(variables.values())}"
            )
        if not missing:
            apps[broker] = values
    return apps
