"""Every Lambda function and what triggers it: read by the CDK app and by the local stack.

One description serves both, so the local stack routes a request to exactly the function
API Gateway would, and a route added here is deployed and served locally alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Store = Literal["mongo", "redis"]


@dataclass(frozen=True)
class RestRoute:
    method: HttpMethod
    path: str  # API Gateway resource path, e.g. "/v1/trades/{tradeId}" or "/v1/auth/{proxy+}"
    public: bool = False  # True: no authorizer (health, login, OAuth callbacks)


@dataclass(frozen=True)
class Schedule:
    rule: str
    expression: str  # EventBridge "rate(5 minutes)" or "cron(30 10 ? * MON-FRI *)" (UTC)
    # The rule sends {"task": task} (a constant input) instead of the Scheduled Event: a function
    # with several rules tells them apart by it (market_feed's paper-reconcile)
    task: str | None = None


@dataclass(frozen=True)
class QueueSource:
    queue: str
    batch_size: int = 10
    max_receive_count: int = 3
    visibility_timeout_s: int = 60


Bucket = Literal["imports", "reports", "attachments"]
# Extra Lambda layers a function carries beside the shared two (layers.py): "images" is Pillow
# (layers/images/requirements.txt), for the attachment worker only.
Layer = Literal["images"]


@dataclass(frozen=True)
class BucketUse:
    """A bucket a function uses and the S3 actions it needs on the bucket's objects: the capability
    construct that owns the bucket (imports.py, reports.py) grants exactly these, on its prefix."""

    bucket: Bucket
    actions: tuple[str, ...]


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # folder under functions/
    capability: str  # the CDK construct that owns it
    rest: tuple[RestRoute, ...] = ()
    websocket: tuple[str, ...] = ()  # route keys: "$connect", "$disconnect", "$default"
    schedules: tuple[Schedule, ...] = ()
    queues: tuple[QueueSource, ...] = ()
    memory_mb: int = 256
    timeout_s: int = 10
    # "function": the asset is functions/<name>; "all": functions/ (a handler reading its siblings)
    asset: Literal["function", "all"] = "function"
    environment: dict[str, str] = field(default_factory=dict)
    # Posts to WebSocket clients without being behind a WebSocket route (the market feed): CDK grants
    # ManageConnections on the WebSocket stage and sets WS_MANAGEMENT_ENDPOINT.
    posts_to_websocket: bool = False
    # Manifest queues this function sends to: CDK grants sqs:SendMessage and sets <QUEUE>_QUEUE_URL
    # (e.g. NOTIFICATIONS_QUEUE_URL); the local stack sets the same variables.
    sends_to: tuple[str, ...] = ()
    # Lambda reserved concurrency (None: unreserved). The sync worker's is sized to the brokers'
    # rate limits, so a backlog cannot make more concurrent callers than the limits admit.
    reserved_concurrency: int | None = None
    # What else the function needs from AWS, granted by the capability construct that owns it:
    # "broker-tokens" (KMS encrypt/decrypt of broker access tokens), "broker-secrets" (the platform's
    # broker API keys in Secrets Manager), "market-data-secret" (the quote provider's credentials).
    uses: tuple[str, ...] = ()
    # The data stores the function talks to. Either one puts the function in the VPC's private
    # subnets (network.py) and grants it that store's secret: Mongo's URI, Redis's AUTH credentials.
    # A function with none stays outside the VPC and reads neither secret.
    stores: tuple[Store, ...] = ()
    buckets: tuple[BucketUse, ...] = ()
    layers: tuple[Layer, ...] = ()

    @property
    def module(self) -> str:
        """Import path of the handler module inside this repository."""
        return f"functions.{self.name}.handler"

    @property
    def lambda_handler(self) -> str:
        """The Lambda `handler` setting, relative to the asset root."""
        return "handler.lambda_handler" if self.asset == "function" else f"{self.name}.handler.lambda_handler"


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="health",
        capability="Api",
        rest=(RestRoute("GET", "/v1/health", public=True),),
        # A dependency ping called by monitors: Lambda's active tracing records it; the X-Ray SDK
        # (190 ms of cold start) would add nothing.
        environment={"POWERTOOLS_TRACE_DISABLED": "true"},
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="docs",
        capability="Api",
        rest=(
            RestRoute("GET", "/v1/openapi.json", public=True),
            RestRoute("GET", "/v1/docs", public=True),
        ),
        asset="all",
        memory_mb=512,
    ),
    FunctionSpec(
        name="ws_connection",
        capability="WebSocket",
        websocket=("$connect", "$disconnect", "$default"),
        stores=("redis",),
    ),
    FunctionSpec(
        name="auth",
        capability="Auth",
        rest=(
            RestRoute("POST", "/v1/auth/register", public=True),
            RestRoute("POST", "/v1/auth/login", public=True),
            RestRoute("POST", "/v1/auth/refresh", public=True),
            RestRoute("POST", "/v1/auth/logout", public=True),
            RestRoute("POST", "/v1/auth/logout-all"),
            RestRoute("POST", "/v1/auth/change-password"),
        ),
        memory_mb=1024,  # bcrypt at cost 12 is CPU-bound: more memory buys more CPU
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="users",
        capability="Auth",
        rest=(
            RestRoute("GET", "/v1/me"),
            RestRoute("PATCH", "/v1/me"),
            RestRoute("GET", "/v1/admin/users"),
            RestRoute("PATCH", "/v1/admin/users/{userId}"),
            RestRoute("DELETE", "/v1/admin/users/{userId}"),
        ),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(name="authorizer", capability="Auth", memory_mb=512, stores=("mongo", "redis")),
    FunctionSpec(
        name="security",
        capability="Auth",
        # The audit log: all of it for administrators, a user's own security events (docs/security.md)
        rest=(RestRoute("GET", "/v1/admin/audit"), RestRoute("GET", "/v1/me/security-events")),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="executions",
        capability="Trades",
        rest=(
            RestRoute("POST", "/v1/executions"),
            RestRoute("GET", "/v1/executions"),
            RestRoute("DELETE", "/v1/executions/{executionId}"),
        ),
        sends_to=("notifications",),  # trades_changed (source manual) for the user's open WebSockets
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="paper",
        capability="Trades",
        # Paper trading (docs/paper.md): accounts, orders filled on cached quotes, fills journaled.
        # Its ten routes (the handler's resolver and OpenAPI list them) share one greedy resource:
        # the backend stack has no room for ten resources and their methods (test_stack_limits).
        rest=(RestRoute("GET", "/v1/paper/{proxy+}"), RestRoute("POST", "/v1/paper/{proxy+}")),
        sends_to=("notifications",),  # a fill's trades_changed, as a manual fill's (tradetrack.executions)
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="risk",
        capability="Trades",
        # Risk limits (user and account) and the monitor's violations (docs/risk.md): five routes
        # on one greedy resource, routed and documented by the handler (as paper's, test_stack_limits)
        rest=(RestRoute("GET", "/v1/risk/{proxy+}"), RestRoute("PUT", "/v1/risk/{proxy+}")),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="imports",
        capability="Trades",
        rest=(
            RestRoute("POST", "/v1/imports"),
            # Files of any size (docs/imports.md): a presigned S3 PUT, then the import-worker function.
            RestRoute("POST", "/v1/imports/uploads"),
            RestRoute("POST", "/v1/imports/{importId}/start"),
            RestRoute("GET", "/v1/imports"),
            RestRoute("GET", "/v1/imports/{importId}"),
        ),
        sends_to=("imports",),
        memory_mb=1024,
        timeout_s=60,
        stores=("mongo", "redis"),
        # presigns uploads (PUT), checks their size (HEAD), deletes refused ones
        buckets=(BucketUse("imports", ("s3:PutObject", "s3:GetObject", "s3:DeleteObject")),),
    ),
    FunctionSpec(
        name="import_worker",
        capability="Trades",
        # One import a message; a run stops 60 s before its timeout and queues the import again to
        # continue from its checkpoint, so the visibility timeout only covers one run.
        queues=(QueueSource("imports", batch_size=1, max_receive_count=3, visibility_timeout_s=960),),
        sends_to=("imports",),
        posts_to_websocket=True,  # the "import" frame when an import finishes
        reserved_concurrency=5,
        memory_mb=1024,
        timeout_s=900,
        stores=("mongo", "redis"),
        buckets=(BucketUse("imports", ("s3:GetObject", "s3:DeleteObject")),),
    ),
    FunctionSpec(
        name="reports",
        capability="Reports",
        # docs/reports.md: queue a report (202), then its status and a short-lived download URL; the
        # same function renders the queued reports (one a message) into the reports bucket and sends
        # a report_ready notification. One function, not two: the backend stack is near
        # CloudFormation's 500 resources.
        rest=(
            RestRoute("POST", "/v1/reports"),
            RestRoute("GET", "/v1/reports"),
            RestRoute("GET", "/v1/reports/{reportId}"),
        ),
        queues=(QueueSource("reports", batch_size=1, max_receive_count=3, visibility_timeout_s=360),),
        sends_to=("reports", "notifications"),
        memory_mb=1024,
        timeout_s=300,
        stores=("mongo", "redis"),
        # writes a report, presigns its download
        buckets=(BucketUse("reports", ("s3:PutObject", "s3:GetObject")),),
    ),
    FunctionSpec(
        name="attachments",
        capability="Attachments",
        # Screenshots on trades (docs/attachments.md): ask for a presigned POST, confirm the upload
        # (queued for the worker), list a trade's with presigned links, get, delete. Its routes share
        # one greedy resource, routed and documented by the handler (test_stack_limits).
        rest=(
            RestRoute("GET", "/v1/attachments/{proxy+}"),
            RestRoute("POST", "/v1/attachments/{proxy+}"),
            RestRoute("DELETE", "/v1/attachments/{proxy+}"),
        ),
        sends_to=("attachments",),
        stores=("mongo", "redis"),
        # presigns the upload POST and the downloads; deletes a refused upload and deleted screenshots
        buckets=(BucketUse("attachments", ("s3:PutObject", "s3:GetObject", "s3:DeleteObject")),),
    ),
    FunctionSpec(
        name="attachment_worker",
        capability="Attachments",
        # One upload a message: sniffed, stripped of metadata, thumbnailed with Pillow (its own layer,
        # which only this function carries), stored; or rejected.
        queues=(QueueSource("attachments", batch_size=1, max_receive_count=3, visibility_timeout_s=180),),
        memory_mb=1024,  # a 40-megapixel canvas decodes to 160 MB; more memory is more CPU to resize it
        timeout_s=30,
        stores=("mongo",),
        layers=("images",),
        # reads the upload, writes the cleaned image and thumbnail, deletes the upload's version
        buckets=(
            BucketUse(
                "attachments", ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion")
            ),
        ),
    ),
    FunctionSpec(
        name="trades",
        capability="Trades",
        rest=(
            RestRoute("GET", "/v1/trades"),
            RestRoute("GET", "/v1/trades/{tradeId}"),
            RestRoute("PATCH", "/v1/trades/{tradeId}"),
            RestRoute("GET", "/v1/positions"),
            RestRoute("GET", "/v1/portfolio"),
        ),
        sends_to=("notifications",),  # PATCH /v1/trades: trades_changed (manual) for open WebSockets
        memory_mb=512,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="opening_lots",
        capability="Trades",
        rest=(
            RestRoute("POST", "/v1/opening-lots"),
            RestRoute("GET", "/v1/opening-lots"),
            RestRoute("PATCH", "/v1/opening-lots/{lotId}"),
            RestRoute("DELETE", "/v1/opening-lots/{lotId}"),
            RestRoute("POST", "/v1/opening-lots/import"),
        ),
        memory_mb=1024,  # a holdings XLSX is unzipped and read in memory
        timeout_s=60,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="data_quality",
        capability="Trades",
        rest=(
            RestRoute("GET", "/v1/data-quality"),
            RestRoute("PUT", "/v1/settlements"),
            RestRoute("GET", "/v1/settlements"),
            RestRoute("DELETE", "/v1/settlements/{exchange}/{underlying}/{expiry}"),
            RestRoute("POST", "/v1/data-quality/orphans/{anchor}/attach"),
            RestRoute("DELETE", "/v1/data-quality/orphans/{anchor}"),
        ),
        timeout_s=29,  # API Gateway's integration limit: a settlement re-derives its expiry's pairs
        stores=("mongo", "redis"),
        # a discarded orphaned annotation takes its screenshots with it (tradetrack.orphans)
        buckets=(BucketUse("attachments", ("s3:DeleteObject",)),),
    ),
    FunctionSpec(
        name="corporate_actions",
        capability="Trades",
        rest=(
            RestRoute("POST", "/v1/admin/corporate-actions"),
            RestRoute("GET", "/v1/admin/corporate-actions"),
            RestRoute("DELETE", "/v1/admin/corporate-actions/{actionId}"),
            RestRoute("POST", "/v1/admin/corporate-actions/import"),
            RestRoute("GET", "/v1/corporate-actions"),
            RestRoute("POST", "/v1/corporate-actions"),
            RestRoute("DELETE", "/v1/corporate-actions/{actionId}"),
            RestRoute("POST", "/v1/corporate-actions/{actionId}/disable"),
        ),
        # A change re-derives the trades of every holder of the instrument, synchronously.
        memory_mb=1024,
        timeout_s=29,  # API Gateway's integration limit
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="analytics",
        capability="Analytics",
        rest=(
            *(
                RestRoute("GET", f"/v1/analytics/{route}")
                for route in (
                    "summary",
                    "by-category",
                    "by-symbol",
                    "by-weekday",
                    "by-hour",
                    "timeseries",
                    "tax-pnl",
                    "fmv",
                )
            ),
            RestRoute("PUT", "/v1/analytics/fmv/{isin}"),
            RestRoute("DELETE", "/v1/analytics/fmv/{isin}"),
        ),
        memory_mb=1024,  # numpy over every trade of the user: more memory buys more CPU
        timeout_s=29,  # API Gateway's integration limit
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="market",
        capability="MarketData",
        rest=(RestRoute("GET", "/v1/market/status"), RestRoute("GET", "/v1/market/quotes")),
        uses=("market-data-secret",),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="alerts",
        capability="MarketData",
        rest=(
            RestRoute("POST", "/v1/alerts"),
            RestRoute("GET", "/v1/alerts"),
            RestRoute("DELETE", "/v1/alerts/{alertId}"),
        ),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="market_feed",
        capability="MarketData",
        # EventBridge's minimum rate: each invocation ticks every 5 s for 55 s (market hours).
        schedules=(
            Schedule("market-feed", "rate(1 minute)"),
            # every paper account reconciled after the close, 15:45 IST (docs/paper.md)
            Schedule("paper-reconcile", "cron(15 10 ? * MON-FRI *)", task="paper-reconcile"),
        ),
        posts_to_websocket=True,
        # Past one shard of posts a tick queues its shards: one ws_fanout invocation per shard.
        sends_to=("notifications", "ws-fanout"),
        uses=("market-data-secret",),
        memory_mb=512,
        timeout_s=70,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="ws_fanout",
        capability="MarketData",
        # One shard a record, so shards run on parallel instances; a shard's quotes are stale after
        # FEED_FANOUT_MAX_AGE_S (30 s), so a failed shard is retried once or twice at most.
        queues=(QueueSource("ws-fanout", batch_size=1, max_receive_count=3, visibility_timeout_s=15),),
        posts_to_websocket=True,
        # A post is ~1.1 ms of botocore CPU: a 500-post shard needs a whole vCPU (1769 MB) to take ~0.6 s.
        memory_mb=1769,
        timeout_s=15,
        stores=("redis",),
    ),
    FunctionSpec(
        name="notifier",
        capability="Notifications",
        queues=(QueueSource("notifications", batch_size=10, max_receive_count=3, visibility_timeout_s=180),),
        posts_to_websocket=True,
        timeout_s=30,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="notifications",
        capability="Notifications",
        rest=(
            RestRoute("GET", "/v1/notifications"),
            RestRoute("POST", "/v1/notifications/{notificationId}/read"),
            # Unsubscribe links in emails: signed, so no login (GET: a browser; POST: RFC 8058 one-click).
            RestRoute("GET", "/v1/notifications/unsubscribe", public=True),
            RestRoute("POST", "/v1/notifications/unsubscribe", public=True),
        ),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="phone",
        capability="Notifications",
        # Phone verification: a code by SMS (sns:Publish to phone numbers, granted by Notifications).
        rest=(RestRoute("POST", "/v1/me/phone"), RestRoute("POST", "/v1/me/phone/verify")),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="daily_summary",
        capability="Notifications",
        # 16:00 IST, after the 15:30 close, Monday to Friday (NSE holidays are skipped by the function).
        schedules=(Schedule("daily-summary", "cron(30 10 ? * MON-FRI *)"),),
        sends_to=("notifications",),
        timeout_s=300,
        stores=("mongo",),
    ),
    FunctionSpec(
        name="brokers",
        capability="BrokerSync",
        rest=(
            RestRoute("GET", "/v1/brokers"),
            RestRoute("POST", "/v1/broker-accounts"),
            RestRoute("GET", "/v1/broker-accounts"),
            # The broker redirects the user's browser here: no bearer token; `state` binds it to the user.
            RestRoute("GET", "/v1/broker-accounts/callback/{broker}", public=True),
            RestRoute("DELETE", "/v1/broker-accounts/{accountId}"),
            RestRoute("POST", "/v1/broker-accounts/{accountId}/sync"),
            RestRoute("GET", "/v1/broker-accounts/{accountId}/sync-logs"),
        ),
        sends_to=("sync",),
        uses=("broker-tokens", "broker-secrets"),
        timeout_s=15,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="orders",
        capability="BrokerSync",
        # The order book and holdings each broker sync stores (tradetrack.sync.orderbook).
        rest=(RestRoute("GET", "/v1/orders"), RestRoute("GET", "/v1/holdings")),
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="sync_scheduler",
        capability="BrokerSync",
        schedules=(Schedule("broker-sync", "rate(5 minutes)"),),
        sends_to=("sync", "notifications"),
        memory_mb=512,
        timeout_s=120,
        stores=("mongo",),
    ),
    FunctionSpec(
        name="sync_worker",
        capability="BrokerSync",
        # One message: one account; a batch of up to 10, synced 4 at a time in one invocation
        # (functions/sync_worker/handler.py WORKERS), 2 invocations at most: up to 8 syncs at once.
        # Kite allows 10 req/s per API key across all its users (kite.trade forum, "Clarity on API
        # rate limit"): the Redis limiter is the guarantee; 8 syncs of ~2 req/s queue on it briefly.
        queues=(QueueSource("sync", batch_size=10, max_receive_count=3, visibility_timeout_s=180),),
        sends_to=("trade-updates", "notifications"),
        uses=("broker-tokens", "broker-secrets"),
        reserved_concurrency=2,
        memory_mb=512,
        timeout_s=120,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="trade_updates",
        capability="BrokerSync",
        queues=(QueueSource("trade-updates", batch_size=10, max_receive_count=3, visibility_timeout_s=360),),
        sends_to=("notifications",),
        reserved_concurrency=10,
        memory_mb=1024,
        timeout_s=60,
        stores=("mongo", "redis"),
    ),
    FunctionSpec(
        name="auth_keys",
        capability="Auth",
        schedules=(Schedule("rotate-auth-keys", "rate(30 days)"),),
    ),
)

# The REQUEST authorizer in front of every route that is not public, and of WebSocket $connect.
AUTHORIZER = "authorizer"


def function(name: str) -> FunctionSpec:
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(f"no function named {name!r} in functions/manifest.py")


def queue_url_variable(queue: str) -> str:
    """The environment variable that tells a producer (`sends_to`) where a queue is."""
    return f"{queue.upper().replace('-', '_')}_QUEUE_URL"
