"""The testing toolkit: the simulator's clock, the assertions and the pytest plugin."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from journeykit.engine import Engine
from journeykit.journeys import Journey, on_event, send, wait
from journeykit.models import Customer
from journeykit.templates import MessageTemplate, Templates
from journeykit.testing import Simulator, assert_not_sent, assert_sent

pytest_plugins = ["pytester"]

START = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)
DOCS = Path(__file__).parent.parent / "docs" / "testing.md"


def engine() -> Engine:
    return Engine(
        journeys=[
            Journey(
                id="hello",
                trigger=on_event("signed_up"),
                steps=[send("hi"), wait("2d"), send("again")],
            )
        ],
        templates=Templates(
            templates={n: {"default": MessageTemplate(subject=n, text=n)} for n in ("hi", "again")}
        ),
    )


def customer() -> Customer:
    return Customer(
        id="c",
        email="c@example.com",
        timezone="America/New_York",
        created_at=START,
        consent={"email": "opted_in"},
    )


def test_advance_runs_the_ticks_due_on_the_way_at_their_instants() -> None:
    sim = Simulator(engine(), customer())
    sim.event("signed_up")
    sim.advance("1d")
    assert [m.template for m in sim.sent] == ["hi"]
    sim.advance(START + timedelta(days=5))
    assert [(m.template, m.at) for m in sim.sent] == [
        ("hi", START),
        ("again", START + timedelta(days=2)),
    ]
    assert sim.now == START + timedelta(days=5)
    with pytest.raises(Exception, match="forward only"):
        sim.advance(START)


def test_assertions_filter_by_time_and_count() -> None:
    sim = Simulator(engine(), customer())
    sim.event("signed_up")
    sim.advance("3d")
    assert len(assert_sent(sim, times=2)) == 2
    assert_sent(sim, template="again", within="2d")
    with pytest.raises(AssertionError, match="within 1d"):
        assert_sent(sim, template="again", within="1d")
    assert_not_sent(sim, template="again", within="1d")
    assert_not_sent(sim, template="hi", after=START + timedelta(hours=1))
    with pytest.raises(AssertionError, match="sent 2 times"):
        assert_sent(sim, times=3)
    with pytest.raises(AssertionError, match="timeline:\n2026-05-04 04:00 EDT  event signed_up"):
        assert_not_sent(sim, template="hi")


def _python_blocks(text: str) -> dict[str, str]:
    """The docs' ```python blocks, keyed by the file name in their first comment."""
    found = {}
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        first, _, rest = block.partition("\n")
        assert first.startswith("# "), "each python block on the page names its file"
        found[first[2:].strip()] = rest
    return found


def test_the_docs_pytest_examples_pass_with_the_plugin(pytester: pytest.Pytester) -> None:
    blocks = _python_blocks(DOCS.read_text())
    assert set(blocks) == {"test_cart.py", "conftest.py"}
    pytester.makepyfile(**{name[:-3]: body for name, body in blocks.items()})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_failing_test_shows_the_journeykit_timeline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fails="""
        def test_expects_a_welcome_that_never_comes(sim):
            sim.event("signed_up")
            sim.advance("1d")
            assert sim.sent, "no message"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*journeykit timeline*", "2026-03-02 10:00 CET  event signed_up", "*stage - -> prospect*"]
    )
