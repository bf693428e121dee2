"""A Lambda cold start runs with the garbage collector paused.

A cold start imports 600-800 modules (Powertools, pydantic, pymongo, redis, numpy, ours) whose
objects live as long as the container. The collector's passes over them during the import free
next to nothing, and they cost more as the heap grows: about 130 young and 10 middle passes and
one full pass over ~67,000 objects for analytics, 5% of its init's instructions and more of its
time (each pass walks memory the import has just left). So in Lambda only (AWS_LAMBDA_FUNCTION_NAME
is set), `import tradetrack` pauses it, and building the handler's entry point
(`logger.inject_lambda_context`, the last step of every handler module; tradetrack.observability)
resumes it, after `gc.freeze()` has put what the import made out of the collector's sight for
good: no pass, then or later, walks it again (docs/performance.md, "Cold start").
Tests and the local stack (no AWS_LAMBDA_FUNCTION_NAME) keep the collector as it is.
"""

from __future__ import annotations

import gc
import os

_state = {"paused": False}


def pause_collector() -> None:
    """In Lambda, stop automatic collection until `resume_collector()`; elsewhere nothing."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and gc.isenabled() and not _state["paused"]:
        gc.disable()
        _state["paused"] = True


def resume_collector() -> None:
    """End the pause (once): what the cold start allocated is frozen, then collection resumes."""
    if _state["paused"]:
        _state["paused"] = False
        gc.freeze()
        gc.enable()
