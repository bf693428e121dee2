"""Every broker TradeTrack speaks to, one row each: the one place a broker is described.

The factory (clients), the catalogue and the brokers handler (GET /v1/brokers, the callback route),
the rate limits (limits.py), the models and sync messages (through `BrokerName`) and the CDK
template (the broker-apps secret's shape) all read this table. Adding a broker is one client module
in this package, one stub server under local/ for the tests, its name in names.BrokerName and one
row here (docs/brokers.md, "Adding a broker").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypedDict, TypeGuard

from tradetrack.brokers import angelone, breeze, kite, sharekhan, upstox
from tradetrack.brokers.apps import BrokerApp, broker_apps, secret_name
from tradetrack.brokers.base import BrokerClient, RequestClass, RequestGate
from tradetrack.brokers.expiry import Lifetime, TokenExpiry
from tradetrack.brokers.names import BROKER_NAMES, BrokerName, Capability, LoginKind
from tradetrack.config import Settings, get_settings
from tradetrack.errors import DependencyUnavailable

# The stage the local stack (`make dev`, the tests) runs as: the only one offering local-only brokers.
LOCAL_STAGE = "local"
SECRET_FIELDS = ("apiKey", "apiSecret")  # the usual shape of a broker app in the secret


class WireArgs(TypedDict):
    gate: RequestGate
    timeout_s: float
    deadline: float | None


@dataclass(frozen=True)
class ClientContext:
    """What a row's client factory gets: the app, the session's token (empty: a login client), the
    settings (base URLs), the rate-limit gate, the request timeout and the Lambda's deadline."""

    app: BrokerApp
    access_token: str
    settings: Settings
    gate: RequestGate
    deadline: float | None
    callback_url: str  # where the broker's login sends the browser back (its redirect URI)

    @property
    def timeout_s(self) -> float:
        return self.settings.broker_timeout_s

    def wire(self) -> WireArgs:
        """The keyword arguments every client takes for its wire: gate, timeout, deadline."""
        return {"gate": self.gate, "timeout_s": self.timeout_s, "deadline": self.deadline}


@dataclass(frozen=True)
class Rate:
    """A request budget: `capacity` requests per `per_seconds` (a token bucket per broker app)."""

    capacity: int
    per_seconds: float = 1.0


@dataclass(frozen=True)
class BrokerSpec:
    name: BrokerName
    title: str  # as GET /v1/brokers shows it
    client: Callable[[ClientContext], BrokerClient]
    login: LoginKind
    token_expiry: TokenExpiry
    rate_limits: Mapping[RequestClass, Rate]  # per broker app, shared by every container (Redis)
    capabilities: frozenset[Capability]
    url_settings: tuple[str, ...]  # the Settings fields naming its base URLs (tests point them at stubs)
    secret_fields: tuple[str, ...] = SECRET_FIELDS  # its entry in the broker-apps secret (and CDK's)
    local_only: bool = False  # offered only by the local stack (LOCAL_STAGE), never in a deployment
    notes: str = field(default="", compare=False)

    def offered_on(self, settings: Settings) -> bool:
        return not self.local_only or settings.stage == LOCAL_STAGE


def _kite(ctx: ClientContext) -> kite.KiteClient:
    return kite.KiteClient(
        ctx.app.api_key,
        ctx.access_token,
        api_secret=ctx.app.api_secret,
        base_url=ctx.settings.kite_base_url,
        login_url=ctx.settings.kite_login_url,
        **ctx.wire(),
    )


def _upstox(ctx: ClientContext) -> upstox.UpstoxClient:
    return upstox.UpstoxClient(
        ctx.access_token,
        api_key=ctx.app.api_key,
        api_secret=ctx.app.api_secret,
        redirect_uri=ctx.callback_url,
        base_url=ctx.settings.upstox_base_url,
        **ctx.wire(),
    )


def _simulated(ctx: ClientContext) -> kite.KiteClient:
    """The local stack's simulated broker (local/simulated/) speaks Kite v3 from a local server."""
    base = ctx.settings.simulated_broker_url.rstrip("/")
    return kite.KiteClient(
        ctx.app.api_key,
        ctx.access_token,
        api_secret=ctx.app.api_secret,
        base_url=base,
        login_url=f"{base}/connect/login",
        **ctx.wire(),
        name="simulated",
    )


def _angelone(ctx: ClientContext) -> angelone.AngelOneClient:
    return angelone.AngelOneClient(
        ctx.app.api_key,
        ctx.access_token,
        base_url=ctx.settings.angelone_base_url,
        login_url=ctx.settings.angelone_login_url,
        # the deployment's static IP registered with Angel One (optional: SmartAPI reads it for orders)
        public_ip=ctx.app.fields.get("clientPublicIp") or "127.0.0.1",
        **ctx.wire(),
    )


def _breeze(ctx: ClientContext) -> breeze.BreezeClient:
    return breeze.BreezeClient(
        ctx.app.api_key,
        ctx.access_token,
        api_secret=ctx.app.api_secret,
        base_url=ctx.settings.breeze_base_url,
        login_url=ctx.settings.breeze_login_url,
        **ctx.wire(),
    )


def _sharekhan(ctx: ClientContext) -> sharekhan.SharekhanClient:
    return sharekhan.SharekhanClient(
        ctx.app.api_key,
        ctx.access_token,
        api_secret=ctx.app.api_secret,
        vendor_key=ctx.app.fields.get("vendorKey", ""),  # a vendor login's key (optional)
        version_id=ctx.app.fields.get("versionId", ""),  # 1005 or 1006 (optional)
        base_url=ctx.settings.sharekhan_base_url,
        login_url=ctx.settings.sharekhan_login_url,
        **ctx.wire(),
    )


def _rates(limits: Mapping[RequestClass, tuple[int, int]]) -> dict[RequestClass, Rate]:
    """A client module's (capacity, per seconds) limits as registry rates."""
    return {kind: Rate(capacity, per_seconds) for kind, (capacity, per_seconds) in limits.items()}


_ROWS = (
    BrokerSpec(
        name="zerodha",
        title="Zerodha (Kite Connect v3)",
        client=_kite,
        login="oauth_redirect",
        token_expiry=kite.TOKEN_EXPIRY,
        # Kite Connect: 10 requests/s for everything but quotes (1/s).
        rate_limits={"general": Rate(10), "order": Rate(10), "quote": Rate(1)},
        capabilities=frozenset({"fills", "orders", "positions", "holdings", "charges", "quotes"}),
        url_settings=("kite_base_url", "kite_login_url"),
        notes="No historical trades API: the first sync's backfill asks for a tradebook import.",
    ),
    BrokerSpec(
        name="upstox",
        title="Upstox (API v2)",
        client=_upstox,
        login="oauth_redirect",
        token_expiry=upstox.TOKEN_EXPIRY,
        # Upstox v2: 50 requests/s.
        rate_limits={"general": Rate(50), "order": Rate(50), "quote": Rate(50)},
        capabilities=frozenset({"fills", "orders", "positions", "holdings", "history", "quotes"}),
        url_settings=("upstox_base_url",),
    ),
    BrokerSpec(
        name="simulated",
        title="Simulated broker (Kite v3 format, for trying TradeTrack out)",
        client=_simulated,
        login="oauth_redirect",
        token_expiry=kite.TOKEN_EXPIRY,
        rate_limits={"general": Rate(500), "order": Rate(500), "quote": Rate(50)},
        capabilities=frozenset({"fills", "orders", "positions", "holdings", "charges", "quotes"}),
        url_settings=("simulated_broker_url",),
        local_only=True,
    ),
    BrokerSpec(
        name="angelone",
        title="Angel One (SmartAPI)",
        client=_angelone,
        # the publisher login's redirect (client code + PIN + TOTP: AngelOneClient.login, not offered yet)
        login="oauth_redirect",
        token_expiry=Lifetime(24),  # 24-28 hours; the grant takes the jwtToken's own `exp`
        # SmartAPI: 1 request/s per book and per client; a sync asks four books (angelone.RATE_LIMITS).
        rate_limits=_rates(angelone.RATE_LIMITS),
        capabilities=frozenset({"fills", "orders", "positions", "holdings"}),
        url_settings=("angelone_base_url", "angelone_login_url"),
        secret_fields=("apiKey",),  # the SmartAPI key (publisher login needs no secret)
        notes="No historical trades API: import the tradebook.",
    ),
    BrokerSpec(
        name="breeze",
        title="ICICI Direct (Breeze)",
        client=_breeze,
        login="session_token",  # ICICI's login page hands back an API session key (no state)
        token_expiry=breeze.TOKEN_EXPIRY,
        # Breeze: 100 calls a minute (5,000 a day) per API key.
        rate_limits=_rates(breeze.RATE_LIMITS),
        capabilities=frozenset({"fills", "orders", "positions", "holdings", "history"}),
        url_settings=("breeze_base_url", "breeze_login_url"),
        notes="Symbols are ICICI stock codes (RELIND for RELIANCE) until the security master is mapped.",
    ),
    BrokerSpec(
        name="sharekhan",
        title="ShareKhan",
        client=_sharekhan,
        login="oauth_redirect",  # an encrypted request_token and our state come back
        token_expiry=sharekhan.TOKEN_EXPIRY,
        rate_limits=_rates(sharekhan.RATE_LIMITS),  # not published: a conservative 5/s
        capabilities=frozenset({"fills", "orders", "positions", "holdings"}),
        url_settings=("sharekhan_base_url", "sharekhan_login_url"),
        notes="Response bodies are undocumented: check the rows against a live account first.",
    ),
)

REGISTRY: Mapping[BrokerName, BrokerSpec] = MappingProxyType({row.name: row for row in _ROWS})
if set(REGISTRY) != set(BROKER_NAMES) or len(REGISTRY) != len(_ROWS):  # a name without a row, a row twice
    raise RuntimeError(f"broker registry rows {tuple(REGISTRY)} do not match BrokerName {BROKER_NAMES}")


def is_broker(name: str) -> TypeGuard[BrokerName]:
    return name in REGISTRY


def spec(name: str) -> BrokerSpec:
    """The row of broker `name`; ValueError for a name TradeTrack does not know."""
    if not is_broker(name):
        raise ValueError(f"unknown broker {name!r}")
    return REGISTRY[name]


def callback_url(broker: str, settings: Settings | None = None) -> str:
    """Where the broker sends the browser back (registered in the broker's developer console)."""
    base = (settings or get_settings()).public_api_url.rstrip("/")
    return f"{base}/v1/broker-accounts/callback/{broker}"


def configured_brokers(settings: Settings | None = None) -> frozenset[BrokerName]:
    """The brokers a user can connect here: offered on this stage (local-only rows only by the local
    stack) and with every field of their app in the broker-apps secret."""
    settings = settings or get_settings()
    apps = broker_apps("the broker apps")
    return frozenset(
        row.name
        for row in _ROWS
        if row.offered_on(settings) and row.name in apps and apps[row.name].has(row.secret_fields)
    )


def broker_app(broker: str) -> BrokerApp:
    """The app credentials for `broker`; DependencyUnavailable when they are not all configured."""
    row = spec(broker)
    app = broker_apps(f"the {broker} app credentials").get(broker)
    if app is None or not app.has(row.secret_fields):
        missing = ", ".join(row.secret_fields)
        raise DependencyUnavailable(
            "broker-apps", f"the {broker} app is not configured ({secret_name()}: {missing})"
        )
    return app


def secret_template() -> dict[str, dict[str, str]]:
    """The broker-apps secret as CDK creates it: an empty entry of the right shape per deployable
    broker (ops fill in the values; an entry left empty is not offered)."""
    return {row.name: dict.fromkeys(row.secret_fields, "") for row in _ROWS if not row.local_only}
