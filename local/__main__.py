"""`python -m local` (make dev): the local stack over functions/manifest.py."""

from __future__ import annotations

import argparse
import sys

from local.config import HELP_EPILOG, LocalConfig


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local",
        description=(
            "TradeTrack local stack: API Gateway REST and WebSocket emulation over the handlers in "
            "functions/manifest.py, SQS delivery and EventBridge schedules on moto, with embedded "
            "Mongo and Redis stand-ins unless MONGODB_URI / REDIS_URL are set."
        ),
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parse_args(sys.argv[1:] if argv is None else argv)
    config = LocalConfig.from_env()
    from local.server import main as serve

    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
