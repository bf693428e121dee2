"""Cold start: import-and-init of each handler in a fresh interpreter, median of 5 runs.

Run by `make bench`. Init means what a Lambda container does before its first event:
import the handler module (building its resolver) and read the settings. The interpreter
sees only what Lambda would: the deps layer's pins installed for this machine
(build/bench-runtime, with boto3 as the runtime provides it), the core layer and the
function code; `python -S` keeps the dev venv's extra packages out. Tracing is on, as in AWS.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from functions.manifest import FUNCTIONS

RUNS = 5
RUNTIME = Path(__file__).resolve().parent.parent / "build" / "bench-runtime"
GOAL_MS = {"health": 300.0}
ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, time
t0 = time.perf_counter()
import importlib
module = importlib.import_module({module!r})
from tradetrack.config import get_settings
get_settings()
print(json.dumps({{"ms": (time.perf_counter() - t0) * 1000}}))
"""


def cold_start_ms(module: str, environment: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-S", "-c", PROBE.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": f"{RUNTIME}:{ROOT / 'layers' / 'core' / 'python'}:{ROOT}",
            "AWS_REGION": "ap-south-1",
            "AWS_LAMBDA_FUNCTION_NAME": module.split(".")[1],
            **environment,
        },
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["ms"])


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1_048_576


def main() -> int:
    if not RUNTIME.exists():
        print(f"{RUNTIME} is missing: run `make bench`, which builds it")
        return 2
    print(f"cold import-and-init, fresh interpreter, median of {RUNS} (ms)")
    for spec in FUNCTIONS:
        samples = sorted(cold_start_ms(spec.module, spec.environment) for _ in range(RUNS))
        median = statistics.median(samples)
        goal = GOAL_MS.get(spec.name)
        verdict = (
            "" if goal is None else (f"  goal <= {goal:.0f}: " + ("met" if median <= goal else "MISSED"))
        )
        print(
            f"  {spec.name:<16} median {median:7.1f}  min {samples[0]:7.1f}  max {samples[-1]:7.1f}{verdict}"
        )
    deps = ROOT / "build" / "layers" / "deps"
    core = ROOT / "layers" / "core"
    if deps.exists():
        print(f"layer sizes unzipped: deps {dir_size_mb(deps):.1f} MB, core {dir_size_mb(core):.2f} MB")
    else:
        print("layer sizes: run `make build` first")
    return 0  # a missed goal is a figure to report, not a reason to skip the benchmarks after this one


if __name__ == "__main__":
    sys.exit(main())
