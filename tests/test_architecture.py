"""The import rules of docs/architecture.md, checked against the code's import graph.

The table on that page is the rule: each part of the library, its modules, and the
parts it may import. Every module of ``src/journeykit`` is read with ``ast`` (module-level
imports, imports inside functions and ``TYPE_CHECKING`` blocks alike), placed in its
part, and each import it makes is checked against the table. The imports that run when
modules load must have no cycle, and only the parts that may touch files, the terminal,
the clock, the environment or randomness do.
"""

from __future__ import annotations

import ast
import graphlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SRC = ROOT / "src"
PAGE = ROOT / "docs" / "architecture.md"
HEADER = "| part | modules | may import |"

#: Parts allowed to read files, the terminal, the clock, the environment or randomness.
HOSTS = frozenset({"cli", "demo", "datasets"})
#: Standard-library modules that read or write the world outside the arguments.
IMPURE_MODULES = frozenset(
    {
        "os",
        "io",
        "sys.stdin",
        "pathlib",
        "shutil",
        "tempfile",
        "glob",
        "fileinput",
        "gzip",
        "bz2",
        "lzma",
        "zipfile",
        "tarfile",
        "subprocess",
        "socket",
        "urllib",
        "http",
        "importlib.resources",
        "random",
        "secrets",
        "time",
        "uuid",
        "concurrent",
        "multiprocessing",
        "threading",
        "asyncio",
    }
)
IMPURE_CALLS = frozenset({"open", "print", "input"})
CLOCK_CALLS = frozenset({"now", "today", "utcnow", "getenv"})


@dataclass(frozen=True)
class Rules:
    parts: dict[str, tuple[str, ...]]  # part -> module names (each with its submodules)
    allowed: dict[str, frozenset[str] | None]  # part -> parts it may import (None: any)


def parse_rules(text: str) -> Rules:
    """The table under ``HEADER`` in the architecture page."""
    lines = text.splitlines()
    start = lines.index(HEADER) + 2  # skip the header and its |---| line
    parts: dict[str, tuple[str, ...]] = {}
    allowed: dict[str, frozenset[str] | None] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        part, modules, may = (cell.strip() for cell in line.strip("|").split("|"))
        parts[part] = tuple(re.findall(r"`(journeykit[\w.]*)`", modules))
        if may == "anything":
            allowed[part] = None
        elif may == "nothing":
            allowed[part] = frozenset()
        else:
            allowed[part] = frozenset(name.strip() for name in may.split(","))
    return Rules(parts, allowed)


@cache
def rules() -> Rules:
    return parse_rules(PAGE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Import:
    target: str  # the journeykit module (or the standard module) imported
    line: int
    at_load: bool  # runs when the module loads (not in a function, not TYPE_CHECKING)


def module_files() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "journeykit").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(tree: ast.Module, module: str, is_package: bool, known: set[str]) -> Iterator[Import]:
    package = module if is_package else module.rpartition(".")[0]

    def visit(nodes: list[ast.stmt], at_load: bool) -> Iterator[Import]:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(alias.name, node.lineno, at_load)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    name = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    name = node.module or ""
                submodules = [f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in known]
                for target in submodules:
                    yield Import(target, node.lineno, at_load)
                if len(submodules) < len(node.names):
                    yield Import(name, node.lineno, at_load)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(node.body, False)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                yield from visit(node.body, False)
                yield from visit(node.orelse, at_load)
            else:  # class bodies, with, for, try...: their statements run as written
                inner: list[ast.stmt] = []
                for field in ("body", "orelse", "finalbody"):
                    value = getattr(node, field, None)
                    if isinstance(value, list):
                        inner += [child for child in value if isinstance(child, ast.stmt)]
                for handler in getattr(node, "handlers", None) or []:
                    inner += handler.body
                yield from visit(inner, at_load)

    yield from visit(tree.body, True)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def graph() -> dict[str, list[Import]]:
    files = module_files()
    known = set(files)
    return {
        name: list(
            _imports(
                ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", known
            )
        )
        for name, path in files.items()
    }


def part_of(module: str, table: Rules) -> str | None:
    """The part whose listed module is the longest prefix of ``module``; the package
    itself (``journeykit``) holds only its ``__init__``."""
    best: tuple[int, str] | None = None
    for part, names in table.parts.items():
        for name in names:
            inside = module == name or (module.startswith(name + ".") and name != "journeykit")
            if inside and (best is None or len(name) > best[0]):
                best = (len(name), part)
    return None if best is None else best[1]


# --- the table itself --------------------------------------------------------------------


def test_the_table_parses_and_names_only_its_own_parts() -> None:
    table = rules()
    assert {"errors", "time", "models", "conditions", "engine", "templates", "cli"} <= set(
        table.parts
    )
    for part, may in table.allowed.items():
        assert may is None or may <= set(table.parts), (part, may)
        assert part != "errors" or may == frozenset()


def test_the_parser_reads_anything_nothing_and_lists() -> None:
    text = f"intro\n\n{HEADER}\n|---|---|---|\n| a | `journeykit.a`, `journeykit._a` | nothing |\n| b | `journeykit.b` | a, errors |\n| c | `journeykit.c` | anything |\n\nafter"
    table = parse_rules(text)
    assert table.parts == {
        "a": ("journeykit.a", "journeykit._a"),
        "b": ("journeykit.b",),
        "c": ("journeykit.c",),
    }
    assert table.allowed == {"a": frozenset(), "b": frozenset({"a", "errors"}), "c": None}


def test_every_module_is_placed_in_one_part() -> None:
    table = rules()
    unplaced = [m for m in module_files() if part_of(m, table) is None]
    assert unplaced == [], f"add these modules to the table in {PAGE.name}: {unplaced}"


def test_part_of_prefers_the_longest_listed_name() -> None:
    table = Rules({"x": ("journeykit.a",), "y": ("journeykit.a.b",), "api": ("journeykit",)}, {})
    assert part_of("journeykit.a.c", table) == "x"
    assert part_of("journeykit.a.b.c", table) == "y"
    assert part_of("journeykit", table) == "api"
    assert part_of("journeykit.z", table) is None  # the package holds only its __init__


# --- the rules on the code ---------------------------------------------------------------


def test_every_import_is_one_the_table_allows() -> None:
    table = rules()
    wrong = []
    for module, imports in graph().items():
        part = part_of(module, table)
        assert part is not None
        may = table.allowed[part]
        for imp in imports:
            if not imp.target.startswith("journeykit"):
                continue
            target = part_of(imp.target, table)
            if target in (part, "errors") or may is None:
                continue
            if target not in may:
                wrong.append(f"{module}:{imp.line} imports {imp.target} ({part} -> {target})")
    assert wrong == [], "\n".join(wrong)


def test_the_checker_sees_imports_in_functions_and_type_checking_blocks() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from journeykit.time import Duration\n"
        "if TYPE_CHECKING:\n"
        "    from journeykit.engine import Engine\n"
        "def f():\n"
        "    from . import _x\n"
        "    import journeykit.stages\n"
    )
    known = {"journeykit.pkg._x"}
    found = list(_imports(ast.parse(source), "journeykit.pkg.mod", False, known))
    assert [(i.target, i.at_load) for i in found] == [
        ("typing", True),
        ("journeykit.time", True),
        ("journeykit.engine", False),
        ("journeykit.pkg._x", False),
        ("journeykit.stages", False),
    ]


def test_no_import_cycle_when_modules_load() -> None:
    # importing journeykit.a.b runs journeykit.a's __init__ first, unless the importer is
    # inside journeykit.a (whose __init__ is then already running)
    files = module_files()
    edges: dict[str, set[str]] = {}
    for module, imports in graph().items():
        own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 2)}
        targets: set[str] = set()
        for imp in imports:
            if not imp.at_load or not imp.target.startswith("journeykit"):
                continue
            pieces = imp.target.split(".")
            for i in range(1, len(pieces) + 1):
                name = ".".join(pieces[:i])
                if name in files and name not in own:
                    targets.add(name)
        edges[module] = targets
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def test_no_cycle_between_parts_when_modules_load() -> None:
    table = rules()
    edges: dict[str, set[str]] = {part: set() for part in table.parts}
    for module, imports in graph().items():
        part = part_of(module, table)
        assert part is not None
        for imp in imports:
            target = part_of(imp.target, table) if imp.target.startswith("journeykit") else None
            if imp.at_load and target is not None and target != part:
                edges[part].add(target)
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as cycle:
        pytest.fail(f"parts import each other: {' -> '.join(cycle.args[1])}")


def test_only_the_hosts_touch_files_the_terminal_the_clock_or_randomness() -> None:
    table = rules()
    found = []
    for module, path in module_files().items():
        if part_of(module, table) in HOSTS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imp in graph()[module]:
            name = imp.target
            if any(name == bad or name.startswith(bad + ".") for bad in IMPURE_MODULES):
                found.append(f"{module}:{imp.line} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in IMPURE_CALLS:
                    found.append(f"{module}:{node.lineno} calls {func.id}()")
                if isinstance(func, ast.Attribute) and func.attr in CLOCK_CALLS:
                    found.append(f"{module}:{node.lineno} calls .{func.attr}()")
            if isinstance(node, ast.Attribute) and node.attr == "environ":
                found.append(f"{module}:{node.lineno} reads environ")
    assert found == [], "\n".join(found)


def test_the_purity_check_catches_a_clock_read_and_a_file() -> None:
    tree = ast.parse(
        "import pathlib\nfrom datetime import datetime\nx = datetime.now()\nopen('f')\n"
    )
    calls = [
        n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id  # type: ignore[union-attr]
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
    ]
    assert "now" in CLOCK_CALLS & set(calls)
    assert "open" in IMPURE_CALLS & set(calls)
    imported = [i.target for i in _imports(tree, "journeykit.x", False, set())]
    assert "pathlib" in imported
    assert "pathlib" in IMPURE_MODULES
