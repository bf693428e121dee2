"""`python -m local` (make dev): the local stack over functions/manifest.py."""

from __future__ import annotations

import argparse
import os
import sys

from local.config import HELP_EPILOG, LocalConfig
from local.logs import FORMATS


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
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=os.environ.get("LOCAL_LOG_FORMAT", "text").strip().lower() or "text",
        help=(
            "text (default): every log line, the stack's and the handlers' (Powertools JSON), as "
            "`time level component message key=value`; json: the handlers' JSON as Lambda writes it "
            "and the stack's own lines as JSON. Default from LOCAL_LOG_FORMAT."
        ),
    )
    args = parser.parse_args(argv)
    if args.log_format not in FORMATS:
        parser.error(f"LOCAL_LOG_FORMAT={args.log_format!r}: expected one of {', '.join(FORMATS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = LocalConfig.from_env()
    from local.server import main as serve

    return serve(config, log_format=args.log_format)


if __name__ == "__main__":
    sys.exit(main())
