"""The whole local stack in one object: `async with LocalStack(port=0, ws_port=0) as stack: ...`."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Iterable, Mapping
from pathlib import Path
from typing import Any

import redis
from aiohttp import web

from functions.manifest import FUNCTIONS, FunctionSpec, queue_url_variable
from local.aws import (
    FAKE_CREDENTIALS,
    UNSET,
    MotoServer,
    QueueBinding,
    create_buckets,
    create_queues,
    sqs_client,
)
from local.broker_server import SimulatedKiteServer
from local.brokers import SIMULATED_APP, bootstrap_brokers
from local.config import LocalConfig
from local.demo import Demo, seed_demo, session_clock
from local.embedded import embedded_mongo, embedded_redis, load_snapshot, mongo_for, redis_for, save_snapshot
from local.env import EnvPatch
from local.gate import Gate, bootstrap_signing_keys
from local.instances import ProcessInstances, redis_url_of
from local.lambda_runtime import SHUTTING_DOWN, FunctionRuntime, LambdaHandler
from local.migrations import resume_stored_work
from local.outbox import bootstrap_notifications
from local.queues import QueueDelivery
from local.rest import INTEGRATION_TIMEOUT_S, RestServer
from local.schedules import Scheduler
from local.simulated import DEMO_USER_ID, SimulatedBroker
from local.websocket import WebSocketServer

log = logging.getLogger("local.stack")
# Functions that scale out in AWS and run here in worker processes, one per CPU (the market feed's
# fan-out shards), when Redis is a real server the processes can reach.
SCALED_OUT = ("ws_fanout",)


class LocalStack:
    """REST and WebSocket APIs, moto, SQS delivery and schedules over the manifest's functions.

    `mongo_client` / `redis_client` default to the embedded stand-ins; `handlers` replaces the
    handler of a function by name (test doubles). Port 0 binds a free port; see the *_port attributes.
    While running, the stack owns os.environ's AWS/endpoint variables and the tradetrack clients.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        ws_port: int = 3001,
        moto_port: int = 0,
        functions: Iterable[FunctionSpec] = FUNCTIONS,
        handlers: Mapping[str, LambdaHandler] | None = None,
        mongo_client: Any = None,
        redis_client: redis.Redis | None = None,
        schedules_enabled: bool = True,
        schedule_speedup: float = 1.0,
        sqs_poll_interval_s: float = 0.5,
        broker_port: int = 0,  # `python -m local` passes 3002 (LocalConfig)
        demo: bool = False,  # `python -m local` seeds the demo trader (LocalConfig)
        # real broker apps besides the simulated broker's (LocalConfig.broker_apps)
        broker_apps: Mapping[str, Mapping[str, str]] | None = None,
        # function name → worker processes (local.instances); None: SCALED_OUT, one per CPU
        instances: Mapping[str, int] | None = None,
        # the embedded Mongo's snapshot directory: loaded at start, written at stop (LOCAL_STORE=embedded)
        snapshot_dir: Path | None = None,
        # how long a REST request waits for its function: API Gateway's 29 s (local.rest); a bench
        # that gives a function more time to be measured, however slow, gives the API more too
        integration_timeout_s: float = INTEGRATION_TIMEOUT_S,
    ) -> None:
        self.integration_timeout_s = integration_timeout_s
        self.host = host
        self.snapshot_dir = snapshot_dir if mongo_client is None else None
        self.port = port
        self.ws_port = ws_port
        self.mongo_embedded = mongo_client is None
        self.redis_embedded = redis_client is None
        self.mongo = mongo_client if mongo_client is not None else embedded_mongo()
        self.redis: redis.Redis = redis_client if redis_client is not None else embedded_redis()
        self.runtime = FunctionRuntime(functions, handlers)
        self.schedules_enabled = schedules_enabled
        self.scheduler = Scheduler(self.runtime, speedup=schedule_speedup)  # parses every expression now
        self.websocket = WebSocketServer(self.runtime)
        self.moto = MotoServer(host, moto_port)
        self._sqs_poll_interval_s = sqs_poll_interval_s
        # The simulated broker (Kite v3 wire format) that "simulated" broker accounts log in to.
        self.broker = SimulatedKiteServer(
            SimulatedBroker(),
            api_key=SIMULATED_APP["apiKey"],
            api_secret=SIMULATED_APP["apiSecret"],
            host=host,
            port=broker_port,
            now=session_clock,
        )
        # What the broker-apps secret holds: GET /v1/brokers offers exactly these brokers.
        self.broker_apps = {"simulated": SIMULATED_APP, **(broker_apps or {})}
        self.demo_enabled = demo
        cpus = max(2, os.cpu_count() or 2)
        self.instance_counts = dict(instances if instances is not None else dict.fromkeys(SCALED_OUT, cpus))
        self.demo: Demo | None = None
        self._env = EnvPatch()
        self._runners: list[web.AppRunner] = []
        self.queues: dict[str, QueueBinding] = {}
        self.delivery: QueueDelivery | None = None
        self.sqs: Any = None
        self._snapshot_loaded = False  # never write over a snapshot that was not read

    @classmethod
    def from_config(cls, config: LocalConfig, **overrides: Any) -> LocalStack:
        options: dict[str, Any] = {
            "host": config.host,
            "port": config.port,
            "ws_port": config.ws_port,
            "moto_port": config.moto_port,
            "mongo_client": mongo_for(config.mongodb_uri) if config.mongodb_uri else None,
            "redis_client": redis_for(config.redis_url) if config.redis_url else None,
            "schedules_enabled": config.schedules_enabled,
            "schedule_speedup": config.schedule_speedup,
            "sqs_poll_interval_s": config.sqs_poll_interval_s,
            "broker_port": config.broker_port,
            "demo": config.demo,
            "snapshot_dir": (
                Path(config.store_dir) / "embedded"
                # "auto" is resolved by `python -m local` (local/server.py); the stack alone, which
                # starts no server, takes it as "embedded"
                if config.store in ("auto", "embedded") and not config.mongodb_uri
                else None
            ),
            "broker_apps": config.broker_apps,
        }
        return cls(**{**options, **overrides})

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}"

    @property
    def management_endpoint(self) -> str:
        return f"http://{self.host}:{self.ws_port}"

    async def __aenter__(self) -> LocalStack:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def start(self) -> None:
        from tradetrack.aws import reset_aws_clients
        from tradetrack.cache.client import use_redis_client
        from tradetrack.config import get_settings, reset_settings
        from tradetrack.db.client import use_mongo_client

        SHUTTING_DOWN.clear()
        self._env.remove(*UNSET)
        self._env.set({**FAKE_CREDENTIALS, "STAGE": "local"})
        self._env.set_default({"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true"})
        if self.scheduler.speedup != 1:
            # The market feed loops through its minute in 5 s ticks: a faster minute, faster ticks.
            self._env.set_default(
                {
                    "FEED_WINDOW_S": f"{55 / self.scheduler.speedup:.6g}",
                    "FEED_TICK_INTERVAL_S": f"{5 / self.scheduler.speedup:.6g}",
                }
            )
        try:
            moto_endpoint = await asyncio.to_thread(self.moto.start)
            self.ws_port = await self._serve(self.websocket.app(), self.ws_port)
            self._env.set(
                {
                    "AWS_ENDPOINT_URL": moto_endpoint,
                    "WS_MANAGEMENT_ENDPOINT": self.management_endpoint,
                    "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": self.management_endpoint,
                }
            )
            reset_settings()
            reset_aws_clients()
            use_mongo_client(self.mongo)
            use_redis_client(self.redis)
            if self.snapshot_dir is not None:
                loaded = await asyncio.to_thread(load_snapshot, self.mongo, self.snapshot_dir)
                log.info("embedded Mongo: %d documents loaded from %s", loaded, self.snapshot_dir)
                self._snapshot_loaded = True
            if Gate(self.runtime).enabled:
                await asyncio.to_thread(bootstrap_signing_keys)
            self._env.set(await asyncio.to_thread(create_buckets, moto_endpoint))
            self.sqs = sqs_client(moto_endpoint)
            self.queues = await asyncio.to_thread(create_queues, self.sqs, self.runtime.functions)
            # Producers find their queues as in AWS (functions.manifest.FunctionSpec.sends_to).
            self._env.set({queue_url_variable(name): binding.url for name, binding in self.queues.items()})
            reset_settings()
            await asyncio.to_thread(bootstrap_notifications)
            await asyncio.to_thread(resume_stored_work)
            self._env.set({"SIMULATED_BROKER_URL": await self.broker.start()})
            reset_settings()
            await asyncio.to_thread(bootstrap_brokers, self.broker_apps)
            if self.demo_enabled:
                user = DEMO_USER_ID
                self.demo = await asyncio.to_thread(seed_demo, self.broker.access_token(user), user)
            self._start_instances()
            self.delivery = QueueDelivery(
                self.runtime, self.sqs, self.queues, poll_interval_s=self._sqs_poll_interval_s
            )
            self.delivery.start()
            if self.schedules_enabled:
                self.scheduler.start()
            rest = RestServer(
                self.runtime,
                cors_origins=get_settings().cors_allow_origins or ("*",),
                integration_timeout_s=self.integration_timeout_s,
            )
            self.port = await self._serve(rest.app(), self.port)
            self.broker.redirect_url = f"{self.rest_url}/v1/broker-accounts/callback/simulated"
            self._env.set_default({"PUBLIC_API_URL": self.rest_url})  # unsubscribe links in emails
            reset_settings()
        except BaseException:
            await self.stop()
            raise

    def _start_instances(self) -> None:
        url = redis_url_of(self.redis)
        for spec in self.runtime.functions:
            count = self.instance_counts.get(spec.name, 0)
            if count <= 0:
                continue
            if url is None:
                log.info("%s runs in-process: worker processes need a real Redis", spec.name)
                continue
            self.runtime.instances[spec.name] = ProcessInstances(
                spec, count, {**os.environ, "REDIS_URL": url}
            )

    async def _serve(self, app: web.Application, port: int) -> int:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        SHUTTING_DOWN.set()  # running invocations see no time left (the import worker stops)
        await _bounded("schedules", self.scheduler.stop())
        if self.delivery is not None:
            await _bounded("queue deliveries", self.delivery.stop())
            self.delivery = None
        await _bounded("WebSocket connections", self.websocket.close_all())
        for instances in self.runtime.instances.values():
            await asyncio.to_thread(instances.close)
        self.runtime.instances.clear()
        await _bounded("simulated broker", self.broker.stop())
        for runner in reversed(self._runners):
            await _bounded("HTTP server", runner.cleanup())
        self._runners.clear()
        self.runtime.close()  # the in-process instances' threads
        if self.moto.endpoint:
            await asyncio.to_thread(self.moto.stop)
            self.moto.endpoint = ""
        if self.snapshot_dir is not None and self._snapshot_loaded:
            saved = await asyncio.to_thread(save_snapshot, self.mongo, self.snapshot_dir)
            log.info("embedded Mongo: %d documents saved to %s", saved, self.snapshot_dir)
        self.release()

    def release(self) -> None:
        """Give the process back what start() took: the environment, settings and clients (the end of
        stop(); alone when a stop cannot finish, so that the process's next stack starts clean)."""
        from tradetrack.auth.key_store import reset_key_caches
        from tradetrack.aws import reset_aws_clients
        from tradetrack.cache.client import use_redis_client
        from tradetrack.config import reset_settings
        from tradetrack.db.client import use_mongo_client

        use_mongo_client(None)
        use_redis_client(None)
        reset_aws_clients()
        reset_key_caches()
        self._env.restore()
        reset_settings()
        SHUTTING_DOWN.clear()  # contexts made from now on (a test's, after this stack) have their time

    async def send_to_queue(self, queue: str, body: str | Mapping[str, Any], **kwargs: Any) -> str:
        """Publish to a manifest queue by name; the message id."""
        if self.delivery is None:
            raise RuntimeError("the stack is not running")
        return await asyncio.to_thread(self.delivery.send, queue, body, **kwargs)

    async def fire_schedule(self, rule: str) -> None:
        await self.scheduler.fire(rule)


STEP_TIMEOUT_S = 20.0


async def _bounded(step: str, awaitable: Awaitable[None]) -> None:
    """One step of stop(), given up (with a warning) when it waits longer than STEP_TIMEOUT_S: a
    request still waiting for an instance must not keep the stack, and its process, from stopping."""
    try:
        await asyncio.wait_for(awaitable, STEP_TIMEOUT_S)
    except TimeoutError:
        log.warning("stopping: %s still busy after %.0f s, left behind", step, STEP_TIMEOUT_S)
