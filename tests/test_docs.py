"""The documentation site says what the code does.

Python examples in ``docs/*.md`` run as doctests (``--doctest-glob=*.md``). What they
cannot cover is checked here: the generated presets page is current, the command line
examples print what the page shows, diagrams are the ones the code draws, every public
module has an API page, and the docstring conversion the API reference uses.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
TOOLS = DOCS / "tools"


def tool(name: str) -> ModuleType:
    """A script of ``docs/tools`` (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"docs_tools_{name}", TOOLS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the presets page --------------------------------------------------------------------


def test_the_presets_page_is_generated_from_the_code() -> None:
    gen = tool("gen_presets")
    assert gen.PAGE.read_text(encoding="utf-8") == gen.render(), (
        "docs/presets.md is stale: run python docs/tools/gen_presets.py"
    )


def test_the_presets_page_shows_each_journey_its_diagram_and_both_languages() -> None:
    from journeykit import presets

    page = (DOCS / "presets.md").read_text(encoding="utf-8")
    for journey in presets.journeys(
        shop_name="Kaffeboden", shop_url="https://kaffeboden.example", currency="SEK"
    ):
        assert f"```mermaid\n{journey.to_mermaid()}\n```" in page, journey.id
    sections = re.split(r"^## ", page, flags=re.M)
    journeys = [s for s in sections if s.split("\n", 1)[0] in {*presets.JOURNEYS, "feedback loop"}]
    assert len(journeys) == len(presets.JOURNEYS)
    for section in journeys:
        assert section.count('=== "English"') == 1
        assert section.count('=== "Svenska"') == 1
        assert section.count("**Subject:**") == 2
        assert section.count("**Preheader:**") == 2


def test_a_journey_without_its_lifecycle_phases_stops_the_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gen = tool("gen_presets")
    monkeypatch.setattr(gen, "SERVES", {k: v for k, v in gen.SERVES.items() if k != "sunset"})
    with pytest.raises(AssertionError, match=r"no phases for \['sunset'\]"):
        gen.render()
    monkeypatch.setattr(gen, "SERVES", {**gen.SERVES, "sunset": ("retention", "delight")})
    with pytest.raises(AssertionError, match=r"no such phase \['delight'\]"):
        gen.render()


def test_the_phase_table_marks_what_serves_says() -> None:
    gen = tool("gen_presets")
    page = (DOCS / "presets.md").read_text(encoding="utf-8")
    for name, phases in gen.SERVES.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| [{name}]"))
        marks = [cell.strip() for cell in row.strip("|").split("|")[1:]]
        assert [p for p, mark in zip(gen.PHASES, marks, strict=True) if mark == "●"] == list(phases)


# --- the command line page ---------------------------------------------------------------


def console_examples(page: str) -> list[tuple[str, str]]:
    """Each ``$ command`` of the page's console blocks, with the output shown under it."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", page, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


def test_console_examples_are_split_into_commands_and_their_output() -> None:
    page = "text\n```console\n$ one\nout 1\nout 2\n$ two\n```\n```json\n$ not\n```\n"
    assert console_examples(page) == [("one", "out 1\nout 2\n"), ("two", "")]


def test_the_command_line_page_shows_what_the_commands_print(tmp_path: Path) -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name, content in re.findall(r'```\w+ title="([^"]+)"\n(.*?)```', page, flags=re.S):
        (tmp_path / name).write_text(content, encoding="utf-8")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    examples = console_examples(page)
    assert len(examples) >= 8
    for command, shown in examples:
        done = subprocess.run(
            command,
            shell=True,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.stdout == shown, f"$ {command}"


# --- the other pages ---------------------------------------------------------------------


def test_the_journeys_page_draws_the_journey_it_builds() -> None:
    page = (DOCS / "journeys.md").read_text(encoding="utf-8")
    first = re.search(r"```pycon\n(.*?)```", page, flags=re.S)
    assert first is not None
    namespace: dict[str, Any] = {}
    for example in doctest.DocTestParser().get_examples(first.group(1)):
        exec(compile(example.source, "journeys.md", "single"), namespace)
    assert f"```mermaid\n{namespace['cart'].to_mermaid()}\n```" in page


def test_every_public_module_has_an_api_page() -> None:
    package = ROOT / "src" / "journeykit"
    public = {"journeykit"} | {
        f"journeykit.{p.stem if p.is_file() else p.name}"
        for p in package.iterdir()
        if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").is_file())
    }
    documented = {}
    for page in (DOCS / "api").glob("*.md"):
        documented.update(
            dict.fromkeys(
                re.findall(r"^::: (journeykit[\w.]*)$", page.read_text(), flags=re.M), page.name
            )
        )
    # the command and the demo have pages of their own (cli.md, demo.md)
    assert public - {"journeykit.cli", "journeykit.demo"} == set(documented)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name in set(documented.values()):
        assert f"api/{name}" in config, f"api/{name} is not in the nav"


# --- docstrings as the API reference shows them -----------------------------------------


def test_doctest_blocks_become_pycon_code() -> None:
    convert = tool("rest_docstrings").rest_to_markdown
    text = "Sum them:\n>>> 1 + 1\n2\n\nThen more text."
    assert (
        convert(text, "journeykit") == "Sum them:\n\n```pycon\n>>> 1 + 1\n2\n```\n\nThen more text."
    )


def test_roles_become_code_linked_where_the_site_has_a_page() -> None:
    convert = tool("rest_docstrings").rest_to_markdown
    assert convert(":class:`Engine` and :func:`~journeykit.time.shift`", "journeykit.engine") == (
        '<autoref identifier="journeykit.engine.Engine" optional><code>Engine</code></autoref> and '
        '<autoref identifier="journeykit.time.shift" optional><code>shift</code></autoref>'
    )


def test_rest_simple_tables_become_markdown_tables() -> None:
    convert = tool("rest_docstrings").rest_to_markdown
    text = "=====  ==========\nstage  who\n=====  ==========\nnew    just came\nloyal  a | b\n=====  ==========\n"
    assert convert(text, "journeykit").splitlines() == [
        "| stage | who |",
        "|---|---|",
        "| new | just came |",
        "| loyal | a \\| b |",
    ]
    wrapped = "====  =====\na     b\n====  =====\nx     one\n      two\ny     three\n====  =====\n"
    assert convert(wrapped, "journeykit").splitlines()[2:] == ["| x | one two |", "| y | three |"]
    headless = "====  =====\n`a|b`  c|d\n====  =====\n"
    assert convert(headless, "journeykit").splitlines() == [
        "|  |  |",
        "|---|---|",
        "| `a|b` | c\\|d |",
    ]


def test_code_block_directives_become_fenced_code() -> None:
    convert = tool("rest_docstrings").rest_to_markdown
    text = "Like this:\n\n.. code-block:: python\n\n    def f():\n        return 1\n\nAfter."
    assert convert(text, "journeykit") == (
        "Like this:\n\n```python\ndef f():\n    return 1\n```\n\nAfter."
    )


def test_a_list_after_a_line_of_text_is_set_apart_and_fences_are_left_alone() -> None:
    convert = tool("rest_docstrings").rest_to_markdown
    assert convert("Options:\n- one\n- two", "journeykit") == "Options:\n\n- one\n- two"
    fenced = "```text\n>>> not a doctest here\n:func:`x`\n```"
    assert convert(fenced, "journeykit") == fenced


def test_objects_are_documented_under_their_public_module() -> None:
    public_module = tool("rest_docstrings")._public_module
    assert public_module("journeykit.journeys._journey.Journey") == "journeykit.journeys"
    assert public_module("journeykit.engine.Engine.handle") == "journeykit.engine.Engine"


def test_constants_documented_by_a_comment_get_it_as_their_docstring() -> None:
    comment_above = tool("rest_docstrings")._comment_above
    lines = ["x = 1", "#: The default policy:", "#: quiet at night.", "POLICY = 2"]
    assert comment_above(lines, 4) == "The default policy: quiet at night."
    assert comment_above(lines, 1) == ""
