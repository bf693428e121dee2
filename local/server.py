"""`python -m local`: start the stack, print the banner, run until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import sys
import threading
import time
import warnings
from contextlib import ExitStack
from pathlib import Path

from local import event_loop, stores
from local.config import LocalConfig
from local.logs import configure_logging
from local.stack import LocalStack

log = logging.getLogger("local.server")


def banner(stack: LocalStack, store: str = "") -> str:
    mongo = "embedded (mongomock, in-process)" if stack.mongo_embedded else store or "external (MONGODB_URI)"
    redis = "embedded (fakeredis, in-process)" if stack.redis_embedded else "external (REDIS_URL)"
    queues = ", ".join(stack.queues) or "none"
    rules = ", ".join(f"{s.rule} {s.expression}" for s, _, _ in stack.scheduler.rules) or "none"
    if stack.scheduler.rules and not stack.schedules_enabled:
        rules += " (off)"
    lines = [
        "TradeTrack local stack is running",
        f"  REST API        {stack.rest_url}/v1/health",
        f"  OpenAPI         {stack.rest_url}/v1/openapi.json",
        f"  Swagger UI      {stack.rest_url}/v1/docs",
        f"  WebSocket API   {stack.ws_url}/",
        f"  Management API  {stack.management_endpoint}/@connections/{{connectionId}}",
        f"  moto (AWS)      {stack.moto.endpoint}",
        f"  Outbox          {stack.rest_url}/_local/outbox (email and SMS sent through moto)",
        f"  MongoDB         {mongo}",
        f"  Redis           {redis}",
        f"  SQS queues      {queues}",
        f"  Schedules       {rules}",
        f"  Sim. broker     {stack.broker.url} (Kite v3 wire format)",
    ]
    if stack.demo is not None:
        lines.append(
            f"  Demo user       {stack.demo.email} / {stack.demo.password} (simulated broker account)"
        )
    lines += [
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


async def serve(config: LocalConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    with ExitStack() as servers:
        config, store = await asyncio.to_thread(start_store, config, servers)
        stack = LocalStack.from_config(config)
        async with stack:
            print(banner(stack, store), flush=True)
            await stop.wait()
            log.info("shutting down")
    log.info("stopped")


def start_store(config: LocalConfig, servers: ExitStack) -> tuple[LocalConfig, str]:
    """LOCAL_STORE=ferretdb: FerretDB on the chosen backend over a kept data directory, stopped
    with `servers`; the config then points MONGODB_URI at it. LOCAL_STORE=auto (the default): the
    same when it can start, else the embedded store with a warning saying why. Otherwise the
    config as it is."""
    if config.store not in ("auto", "ferretdb") or config.mongodb_uri:
        return config, ""
    data = Path(config.store_dir) / f"ferretdb-{config.store_backend}"
    log.info("starting %s, data in %s", stores.describe(config.store_backend), data)
    try:
        url = servers.enter_context(stores.run_ferretdb(data, config.store_backend, throwaway=False))
    except stores.ServerUnavailable as exc:
        if config.store == "ferretdb":
            raise SystemExit(f"LOCAL_STORE=ferretdb could not start: {exc}") from exc
        log.warning(
            "FerretDB could not start (%s): using the embedded store instead, kept in %s; it slows "
            "down past a few thousand trades. `make servers` installs what FerretDB needs.",
            exc,
            Path(config.store_dir) / "embedded",
        )
        return dataclasses.replace(config, store="embedded"), ""
    described = f"{stores.describe(config.store_backend)} at {url} (data kept in {data})"
    return dataclasses.replace(config, mongodb_uri=url), described


def main(config: LocalConfig, log_format: str = "text") -> int:
    configure_logging(config.log_level, log_format)
    # Powertools warns on every invocation without application metrics; noise on a dev console.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    if config.port:  # a broker login's callback sends the browser back into the app served here
        os.environ.setdefault("APP_URL", f"http://{config.host}:{config.port}")
    event_loop.run(serve(config))
    _exit_past_lingering_invocations()
    return 0


def _idle_pool_worker(thread: threading.Thread) -> bool:
    """A kept pool's worker waiting for work (the sync worker's order-book writers, the notifier's
    senders: tradetrack keeps them across invocations): its innermost Python frame is the pool's own
    loop, blocked on its queue. It ends with the interpreter; it is no invocation."""
    frame = sys._current_frames().get(thread.ident or -1)
    return (
        frame is not None
        and frame.f_code.co_name == "_worker"
        and frame.f_code.co_filename.endswith(os.path.join("concurrent", "futures", "thread.py"))
    )


def lingering_invocations() -> list[threading.Thread]:
    """The threads other than this one that would hold the process at exit, idle pool workers not
    counted."""
    return [
        t
        for t in threading.enumerate()
        if t is not threading.current_thread() and not t.daemon and not _idle_pool_worker(t)
    ]


def _exit_past_lingering_invocations(grace_s: float = 2.0) -> None:
    """A handler still running after the stack stopped (the import worker inside one batch's write)
    would hold the process at exit until it returns: give it `grace_s`, then exit anyway. What it
    was doing is redone by design (the import resumes from its checkpoint; its writes are
    idempotent), and moto's queues and uploads end with the process in any case."""
    deadline = time.monotonic() + grace_s
    for thread in lingering_invocations():
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    lingering = [t.name for t in lingering_invocations()]
    if lingering:
        log.warning("exiting with invocations still running: %s", ", ".join(lingering))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
