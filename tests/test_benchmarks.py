"""The benchmarks still measure what they say: their definitions are valid today.

``python -m benchmarks`` is not run by CI (it takes minutes and its figures need a quiet
machine), so a change that makes a benchmark's definitions invalid would otherwise go
unnoticed until someone wants the figures. Each module is imported and the definitions
it times are built.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
NAMES = sorted(
    m.name for m in pkgutil.iter_modules([str(BENCHMARKS)]) if m.name.startswith("bench_")
)


@pytest.mark.parametrize("name", NAMES)
def test_every_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.main)


def test_the_engine_benchmark_builds_its_engine_and_the_busy_customer() -> None:
    from benchmarks.bench_engine import busy_customer, journeys_engine

    engine = journeys_engine()
    state, _ = busy_customer(engine, orders=5)
    assert {run.journey for run in state.runs} == {f"j{n}" for n in range(5)}


def test_the_template_benchmark_renders_its_cart_mail() -> None:
    from benchmarks.bench_templates import _context, _templates

    message = _templates().render("cart_reminder", _context())
    assert message.html is not None
    assert "Produkt 5" in message.html
