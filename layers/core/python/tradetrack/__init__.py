"""TradeTrack's shared code, shipped to every function as the core Lambda layer."""

import importlib.util as _importlib_util
import sys as _sys

from tradetrack.coldstart import defer_package_inits as _defer_package_inits
from tradetrack.coldstart import pause_collector as _pause_collector

__version__ = "0.1.0"

# In Lambda, the rest of the cold start runs with the garbage collector paused (tradetrack.coldstart).
_pause_collector()
# In Lambda, redis's package __init__ (its asyncio, cluster and sentinel clients) is skipped too.
_defer_package_inits()

# pymongo tries its pyOpenSSL TLS backend first: it imports cryptography.x509 (~60 ms of cold
# start) and only then finds pyOpenSSL missing and falls back to the standard ssl module. The
# layer ships cryptography (for JWTs) but not pyOpenSSL, so that attempt can only fail: fail it
# up front. Where pyOpenSSL is installed, pymongo is left to use it.
if _importlib_util.find_spec("OpenSSL") is None:
    _sys.modules.setdefault("pymongo.pyopenssl_context", None)  # type: ignore[arg-type]
