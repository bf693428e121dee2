"""Cold start: import-and-init of each handler in a fresh interpreter, median of 5 rounds.

Run by `make bench`. Init means what a Lambda container does before its first event:
import the handler module (building its resolver) and read the settings. The interpreter is
the runtime's, CPython 3.12 (scripts/build_lambda_python.sh), and it sees only what Lambda
would, as Lambda ships it: the deps layer's pins installed for this machine's CPU with 3.12
bytecode (build/bench-runtime, with boto3 as the runtime provides it), the core layer as `make
build` stages it (build/layers/core, 3.12 bytecode), and the function code without bytecode (a
copy of functions/, as CDK zips it); nothing is written back (PYTHONDONTWRITEBYTECODE: /opt
and /var/task are read-only in Lambda); `python -S` keeps site-packages out. The environment is the
one Lambda and CDK give a function (LAMBDA_TASK_ROOT and the POWERTOOLS_* variables, plus the
function's own from the manifest), so tracing is on, as in AWS: without LAMBDA_TASK_ROOT the
Powertools Tracer turns itself off and the X-Ray SDK takes its non-Lambda path (a sampler that
builds a botocore client), neither of which happens in Lambda.

Goal (issue #14): every handler's median <= 300 ms (wall clock, which Lambda's init duration
is). Each round times every handler once, in turn, so the five figures of a handler are spread over
the whole run rather than taken back to back. Machines shared with other work inflate wall
figures; read them from a quiet machine. The CPU columns (process time, min and median) are printed
beside them: they move less with load, and the load average before and after the run says how quiet
it was.

`--instructions [name,...]` counts instead of timing: each handler's init once under valgrind's
callgrind (user-space instructions, in millions; ~50x slower). The count does not move with the
machine's load, so a change to what init does can be compared on a busy machine (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from functions.manifest import FUNCTIONS
from local import machine_speed

RUNS = 5
ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "build" / "bench-runtime"
CORE = ROOT / "build" / "layers" / "core" / "python"
GOAL_MS = 300.0
CACHE = Path(
    os.environ.get("TRADETRACK_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tradetrack"
)
LAMBDA_PYTHON = CACHE / "python-3.12.14" / "bin" / "python3.12"
# Handlers timed again over layers stripped of their bytecode: how layers shipped before `make
# build` compiled them cold-started (Lambda compiled every module from source, each time).
WITHOUT_BYTECODE = ("health", "trades")

PROBE = """
import json, time
t0, c0 = time.perf_counter(), time.process_time()
import importlib
module = importlib.import_module({module!r})
from tradetrack.config import get_settings
get_settings()
print(json.dumps({{"ms": (time.perf_counter() - t0) * 1000, "cpu_ms": (time.process_time() - c0) * 1000}}))
"""


def lambda_env(module: str, environment: dict[str, str], layers: str, task: Path) -> dict[str, str]:
    """The environment Lambda and CDK give the function, with `layers` and `task` on the path."""
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{layers}:{task}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "ap-south-1",
        "AWS_LAMBDA_FUNCTION_NAME": module.split(".")[1],
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": str(task),
        "POWERTOOLS_SERVICE_NAME": module.split(".")[1],
        "POWERTOOLS_METRICS_NAMESPACE": "TradeTrack",
        "OPENBLAS_NUM_THREADS": "1",  # as the CDK stack sets it (tradetrack_infra/manifest_function.py)
        **environment,
    }


def cold_start_ms(module: str, environment: dict[str, str], layers: str, task: Path) -> tuple[float, float]:
    """Wall and CPU milliseconds of one cold init: `layers` (a path list) and the function code in `task`."""
    out = subprocess.run(
        [str(LAMBDA_PYTHON), "-S", "-c", PROBE.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
        cwd=task,
        env=lambda_env(module, environment, layers, task),
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return float(figures["ms"]), float(figures["cpu_ms"])


def init_instructions_m(module: str, environment: dict[str, str], layers: str, task: Path) -> float:
    """Millions of user-space instructions one cold init executes (valgrind's callgrind counts them)."""
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            str(LAMBDA_PYTHON),
            "-S",
            "-c",
            PROBE.format(module=module),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=task,
        env=lambda_env(module, environment, layers, task),
    )
    collected = re.search(r"Collected : (\d+)", out.stderr)
    if collected is None:
        raise RuntimeError(f"no instruction count from valgrind: {out.stderr[-300:]}")
    return int(collected.group(1)) / 1e6


def count_instructions(names: list[str]) -> int:
    """`--instructions`: each handler's init once under callgrind (all handlers when none is named)."""
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind")
        return 2
    specs = [spec for spec in FUNCTIONS if not names or spec.name in names]
    print(f"cold init instructions on {LAMBDA_PYTHON.name} over the shipped layers (millions, callgrind)")
    with tempfile.TemporaryDirectory() as scratch:
        task = copy_without_bytecode(ROOT / "functions", Path(scratch) / "task" / "functions").parent
        for spec in specs:
            try:
                count = init_instructions_m(spec.module, spec.environment, f"{RUNTIME}:{CORE}", task)
            except subprocess.CalledProcessError as exc:
                error = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
                print(f"  {spec.name:<17} failed: {error[0]}")
                continue
            print(f"  {spec.name:<17} {count:8.1f} M instructions", flush=True)
    return 0


def copy_without_bytecode(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".built"))
    return target


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1_048_576


def main() -> int:
    missing = [str(p) for p in (LAMBDA_PYTHON, RUNTIME / ".built", CORE.parent / ".built") if not p.exists()]
    if missing:
        print(f"missing: {', '.join(missing)}: run `make bench`, which builds them")
        return 2
    if sys.argv[1:2] == ["--instructions"]:
        return count_instructions([name for arg in sys.argv[2:] for name in arg.split(",") if name])
    print(
        f"cold import-and-init on {LAMBDA_PYTHON.name} (the runtime's), layers with 3.12 bytecode, "
        f"fresh interpreter, median of {RUNS} rounds (ms); goal: median <= {GOAL_MS:.0f}"
    )
    print("load average (1, 5, 15 min) before: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(machine_speed.describe("before"), flush=True)
    met = 0
    with tempfile.TemporaryDirectory() as scratch:
        task = copy_without_bytecode(ROOT / "functions", Path(scratch) / "task" / "functions").parent
        shipped = f"{RUNTIME}:{CORE}"
        # Round-robin: each round times every handler once, so a spell of a slower machine (this VM's
        # speed drifts for minutes at a time) falls on a round, not on the few handlers timed in it.
        runs: dict[str, list[tuple[float, float]]] = {spec.name: [] for spec in FUNCTIONS}
        failed: dict[str, str] = {}
        for round_no in range(1, RUNS + 1):
            print(f"  round {round_no} of {RUNS}", flush=True)
            for spec in FUNCTIONS:
                if spec.name in failed:
                    continue
                try:
                    runs[spec.name].append(cold_start_ms(spec.module, spec.environment, shipped, task))
                except subprocess.CalledProcessError as exc:  # e.g. a module of a layer not staged here
                    failed[spec.name] = ((exc.stderr or "").strip().splitlines()[-1:] or ["no output"])[0]
        for spec in FUNCTIONS:
            if spec.name in failed:
                error = failed[spec.name]
                print(f"  {spec.name:<17} failed to import: {error}  goal <= {GOAL_MS:.0f}: NOT met")
                continue
            samples = sorted(wall for wall, _ in runs[spec.name])
            median = statistics.median(samples)
            cpus = sorted(cpu for _, cpu in runs[spec.name])
            met += median <= GOAL_MS
            verdict = "met" if median <= GOAL_MS else "NOT met"
            print(
                f"  {spec.name:<17} min {samples[0]:7.1f}  median {median:7.1f}  max {samples[-1]:7.1f}"
                f"  (cpu min {cpus[0]:6.1f}, median {statistics.median(cpus):6.1f})"
                f"  goal <= {GOAL_MS:.0f}: {verdict}"
            )
        print(f"cold init goal (median <= {GOAL_MS:.0f} ms): {met} of {len(FUNCTIONS)} met")
        print("load average (1, 5, 15 min) after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(machine_speed.describe("after"))
        bare = ":".join(
            str(copy_without_bytecode(source, Path(scratch) / name))
            for source, name in ((RUNTIME, "deps"), (CORE, "core"))
        )
        for spec in FUNCTIONS:
            if spec.name in WITHOUT_BYTECODE:
                bare_runs = [cold_start_ms(spec.module, spec.environment, bare, task) for _ in range(3)]
                median = statistics.median(wall for wall, _ in bare_runs)
                print(
                    f"  {spec.name:<17} median {median:7.1f} over layers without bytecode (as shipped before)"
                )
    deps = ROOT / "build" / "layers" / "deps"
    if deps.exists():
        print(
            f"layer sizes unzipped: deps {dir_size_mb(deps):.1f} MB, core {dir_size_mb(CORE.parent):.2f} MB"
        )
    else:
        print("layer sizes: run `make build` first")
    return 0  # a missed goal is a figure to report, not a reason to skip the benchmarks after this one


if __name__ == "__main__":
    sys.exit(main())
