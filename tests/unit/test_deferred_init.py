"""tradetrack.coldstart.defer_package_init on a package of its own: what runs when, for both modes
(submodules alone, as redis is deferred; the `__init__` first, as numpy is)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """`pkg`: its `__init__` and its submodule `sub` each append to a log when they run; `sub`
    reads a name the `__init__` defines, as numpy's core reads what numpy's `__init__` set up."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("import builtins\nbuiltins.RAN.append('init')\nVERSION = '1.0'\n")
    (root / "sub.py").write_text(
        "import builtins, sys\nbuiltins.RAN.append('sub')\n"
        "SEEN = getattr(sys.modules['pkg'], 'VERSION', None) if builtins.INIT_FIRST else None\n"
    )
    return tmp_path


def run(package: Path, init_first: bool, steps: str) -> list[object]:
    code = f"""
import builtins, json, sys
sys.path.insert(0, {str(package)!r})
builtins.RAN = []
builtins.INIT_FIRST = {init_first!r}
from tradetrack.coldstart import defer_package_init
out = []
module = defer_package_init("pkg", submodules_alone={not init_first!r})
out.append(list(builtins.RAN))
{steps}
print(json.dumps(out))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_init_first_runs_the_init_before_a_submodule_imported_by_name(package: Path) -> None:
    # Given pkg registered with its __init__ deferred, submodules not alone
    # When nothing is asked, then `import pkg.sub`, then a name of the __init__
    seen = run(
        package,
        True,
        "import pkg.sub\nout.append(list(builtins.RAN))\nout.append(pkg.sub.SEEN)\n"
        "out.append(pkg.VERSION)\nout.append('__getattr__' in vars(module))",
    )
    # Then registering ran nothing; the import ran the __init__ first, once, and the submodule
    # found what the __init__ defined; afterwards the package is plain
    assert seen == [[], ["init", "sub"], "1.0", "1.0", False]


def test_init_first_runs_the_init_on_any_name(package: Path) -> None:
    # Given pkg registered with its __init__ deferred, submodules not alone
    # When a name is read, twice
    seen = run(
        package,
        True,
        "out.append(module.VERSION)\nout.append(module.VERSION)\nout.append(list(builtins.RAN))",
    )
    # Then the __init__ ran once, on the first read
    assert seen == [[], "1.0", "1.0", ["init"]]


def test_submodules_alone_import_without_the_init(package: Path) -> None:
    # Given pkg registered with its __init__ deferred, submodules alone (how redis is deferred)
    # When its submodule is imported, then a name of the __init__ is read
    seen = run(
        package,
        False,
        "import pkg.sub\nout.append(list(builtins.RAN))\n"
        "out.append(module.VERSION)\nout.append(list(builtins.RAN))",
    )
    # Then the submodule ran alone, and the __init__ only when its own name was asked for
    assert seen == [[], ["sub"], "1.0", ["sub", "init"]]
