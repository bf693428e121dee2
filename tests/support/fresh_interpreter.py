"""A fresh interpreter with the environment Lambda gives a function (tracing on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from functions.manifest import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]


def lambda_env(function: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_TRACE")}
    env.update(
        {
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "POWERTOOLS_SERVICE_NAME": function,
            # The trace header Lambda sets per invocation (X-Ray's Lambda context reads it).
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",  # the discard port: segments go nowhere
        }
    )
    for spec in FUNCTIONS:  # what CDK deploys the function with (health: tracing off)
        if spec.name == function:
            env.update(spec.environment)
    return env


def run_fresh(code: str, function: str, extra_env: dict[str, str] | None = None) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,  # the assertion below shows stderr
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**lambda_env(function), **(extra_env or {})},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
