"""tradetrack.coldstart.defer_package_init on a package of its own: what runs when, for both modes
(submodules alone, as redis and Powertools' packages are deferred; the `__init__` first, as numpy is)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tradetrack import init_bindings

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


@pytest.fixture
def gathering_package(tmp_path: Path) -> Path:
    """`pkg` whose `__init__` gathers `Thing` and `Other as Renamed` from its submodule `gathered`
    (as Powertools' event_handler gathers Response from api_gateway) and binds `ASCENDING` and
    `DESCENDING` to literals (as pymongo's does); each module logs its run."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "import builtins\nbuiltins.RAN.append('init')\nVERSION = '.'.join(['1', '0'])\n"
        "ASCENDING = 1\nDESCENDING = -1\n"
        "from pkg.gathered import Thing, Other as Renamed\n"
    )
    (root / "gathered.py").write_text(
        "import builtins\nbuiltins.RAN.append('gathered')\nclass Thing: pass\nclass Other: pass\n"
    )
    return tmp_path


@pytest.fixture
def shadowing_package(tmp_path: Path) -> Path:
    """`pkg` whose `__init__` binds a function over its submodule of the same name, as Powertools'
    data_classes does (`from .event_source import event_source`)."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "import builtins\nbuiltins.RAN.append('init')\nfrom .helper import helper\n"
    )
    (root / "helper.py").write_text(
        "import builtins\nbuiltins.RAN.append('helper')\ndef helper(): return 'called'\n"
    )
    return tmp_path


@pytest.fixture
def cyclic_package(tmp_path: Path) -> Path:
    """`pkg` whose submodules import each other in a cycle that resolves only when `c` comes first
    (its `__init__` imports `c`), as pymongo's do: `b` imports `c` before defining `B`, which `c`
    imports from `b`."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("import builtins\nbuiltins.RAN.append('init')\nfrom pkg import c\n")
    (root / "b.py").write_text(
        "import builtins\nbuiltins.RAN.append('b')\nfrom pkg import c\nclass B: pass\n"
    )
    (root / "c.py").write_text("import builtins\nbuiltins.RAN.append('c')\nfrom pkg.b import B\n")
    return tmp_path


def package_init(directory: Path, source: str) -> Path:
    """`directory/__init__.py` holding `source` (the directory made)."""
    directory.mkdir()
    init = directory / "__init__.py"
    init.write_text(source)
    return init


def run(
    package: Path, init_first: bool, steps: str, *, gather: bool = False, prelude: tuple[str, ...] = ()
) -> list[object]:
    code = f"""
import builtins, json, sys
sys.path.insert(0, {str(package)!r})
builtins.RAN = []
builtins.INIT_FIRST = {init_first!r}
from tradetrack.coldstart import defer_package_init
out = []
module = defer_package_init(
    "pkg", submodules_alone={not init_first!r}, gather={gather!r}, prelude={prelude!r}
)
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


def test_submodules_alone_answers_a_gathered_name_from_its_submodule_without_the_init(
    gathering_package: Path,
) -> None:
    # Given pkg registered with its __init__ deferred, submodules alone; its __init__ gathers
    # `Thing` and `Other as Renamed` from pkg.gathered
    # When those names are asked of the package, then one only the __init__ defines
    seen = run(
        gathering_package,
        False,
        "thing, renamed = module.Thing, module.Renamed\nimport pkg.gathered as g\n"
        "out.append([thing is g.Thing, renamed is g.Other])\nout.append(list(builtins.RAN))\n"
        "out.append(module.VERSION)\nout.append(list(builtins.RAN))\nout.append(module.Thing is g.Thing)",
        gather=True,
    )
    # Then the gathered names are the submodule's own objects, loaded without the __init__, which
    # ran only for its own name and left them the same objects
    assert seen == [[], [True, True], ["gathered"], "1.0", ["gathered", "init"], True]


def test_a_prelude_is_imported_before_the_first_submodule_asked_for(cyclic_package: Path) -> None:
    # Given pkg registered with its __init__ deferred, submodules alone, whose `b` cannot be
    # imported first (its cycle with `c` resolves only from `c`)
    steps = (
        "try:\n    import pkg.b\n    out.append(pkg.b.B is sys.modules['pkg.c'].B)\n"
        "except ImportError as error:\n    out.append(type(error).__name__)\n"
        "out.append(list(builtins.RAN))\nout.append('__getattr__' in vars(module))"
    )
    # When `pkg.b` is imported first, without a prelude and (in another interpreter) with `pkg.c`'s
    without = run(cyclic_package, False, steps)
    with_prelude = run(cyclic_package, False, steps, prelude=("pkg.c",))
    # Then without it the import fails as a plain `import pkg.b` of the unrun package would; with
    # it `c` came first and `b` imported whole, the __init__ still unrun
    assert without == [[], "ImportError", ["b", "c"], True]
    assert with_prelude == [[], True, ["c", "b"], True]


def test_submodules_alone_answers_a_literal_name_without_the_init(gathering_package: Path) -> None:
    # Given pkg registered with its __init__ deferred, submodules alone; its __init__ binds
    # `ASCENDING = 1` and `DESCENDING = -1`
    # When they are imported from the package, then a name the __init__ computes is read
    seen = run(
        gathering_package,
        False,
        "from pkg import ASCENDING, DESCENDING\nout.append([ASCENDING, DESCENDING])\n"
        "out.append(list(builtins.RAN))\nout.append(module.VERSION)\nout.append(list(builtins.RAN))\n"
        "out.append([module.ASCENDING, module.DESCENDING])",
        gather=True,
    )
    # Then the literals came without running anything; the computed name ran the __init__, which
    # bound the same values
    assert seen == [[], [1, -1], [], "1.0", ["init", "gathered"], [1, -1]]


def test_literal_names_are_the_inits_top_level_literals_bound_nowhere_else(tmp_path: Path) -> None:
    # Given an __init__ binding literals, some of them bound again later: computed, imported, under
    # an `if`, in a function, by a star import; and dunder names
    init = package_init(
        tmp_path / "pkg",
        "ONE = 1\nMINUS = -1\nNAME = 'x'\nPAIR = (1, 'a')\n"
        "COMPUTED = len('abc')\n"
        "LATER = 1\nLATER = len('ab')\n"
        "IMPORTED = 1\nfrom .alpha import IMPORTED\n"
        "CONDITIONAL = 1\nif True:\n    CONDITIONAL = 2\n"
        "GLOBAL = 1\ndef reset():\n    global GLOBAL\n    GLOBAL = 2\n"
        "STARRED = 1\nfrom .star import *\nAFTER = 'after'\n"
        "__all__ = ['ONE']\n__version__ = '1.0'\n",
    )
    # When its literal names are read
    literals = init_bindings.literal_names("pkg", str(init))
    # Then only the literals bound once at top level, after any star import, count
    assert literals == {"AFTER": "after"}
    # And without the star import, every literal bound once
    unstarred = package_init(tmp_path / "unstarred", init.read_text().replace("from .star import *\n", ""))
    assert init_bindings.literal_names("pkg", str(unstarred)) == {
        "ONE": 1,
        "MINUS": -1,
        "NAME": "x",
        "PAIR": (1, "a"),
        "STARRED": 1,
        "AFTER": "after",
    }


def test_gathered_names_are_the_inits_top_level_imports_from_its_own_submodules(tmp_path: Path) -> None:
    # Given a package whose __init__ imports from its submodules, relatively and absolutely, and
    # from elsewhere, under a condition and with a star (whose names, unknown, replace any before it)
    init = package_init(
        tmp_path / "pkg",
        "from .early import Zero\n"
        "from .star import *\n"
        "from .alpha import One, Two as Deux\n"
        "from pkg.beta.gamma import Three\n"
        "from other.module import Four\n"
        "from . import delta\n"
        "import pkg.epsilon\n"
        "if True:\n"
        "    from .zeta import Five\n"
        "SIX = 6\n",
    )
    # When its gathered names are read
    gathered = init_bindings.gathered_names("pkg", str(init))
    # Then each top-level name from a submodule maps to (submodule, its name there); nothing else
    assert gathered == {
        "One": ("pkg.alpha", "One"),
        "Deux": ("pkg.alpha", "Two"),
        "Three": ("pkg.beta.gamma", "Three"),
    }
    # And an __init__ that is not source (or cannot be read) gathers nothing: every name runs it
    assert init_bindings.gathered_names("pkg", str(init.with_suffix(".pyc"))) == {}
    assert init_bindings.gathered_names("pkg", str(tmp_path / "missing.py")) == {}


def test_a_gathered_name_shadowing_its_submodule_is_the_inits_however_the_submodule_was_imported(
    shadowing_package: Path,
) -> None:
    # Given pkg registered with its __init__ deferred, whose __init__ binds the function `helper`
    # over its submodule `helper`
    # When the submodule is imported by its full name before the name is asked of the package, and
    # (in another interpreter) after it
    first = run(
        shadowing_package,
        False,
        "import pkg.helper\nfrom pkg import helper\nout.append(helper())\nout.append(list(builtins.RAN))",
        gather=True,
    )
    then = run(
        shadowing_package,
        False,
        "from pkg import helper\nimport pkg.helper\nout.append([helper(), pkg.helper()])\n"
        "out.append(list(builtins.RAN))",
        gather=True,
    )
    # Then the name is the function either way, as a plain import leaves it, without the __init__
    assert first == [[], "called", ["helper"]]
    assert then == [[], ["called", "called"], ["helper"]]
