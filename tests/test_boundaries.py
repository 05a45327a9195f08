"""When a windowed condition next changes on its own: never later than it does.

The engine wakes a host at the first instant a watched condition starts to hold
(``wake_at``); it finds it from each time-dependent part's next change
(:func:`journeykit.conditions._boundaries.compile_boundary`). A boundary found late would
be a missed wake-up; one found early for a monotone comparison would cost a probe. Both
are checked here against the condition itself, evaluated at the instants around it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from journeykit._time.crossing import to_datetime, to_micros
from journeykit.conditions import EvalContext, count, facts_spec, total
from journeykit.conditions._boundaries import compile_boundary
from journeykit.models import Customer, Event
from journeykit.time import zone

UTC = timezone.utc
START = datetime(2026, 1, 1, tzinfo=UTC)
ZONES = ("UTC", "Europe/Stockholm", "Australia/Lord_Howe")
OPS = ("==", "!=", "<", "<=", ">", ">=")


@st.composite
def windows(draw: st.DrawFn) -> tuple[object, list[Event], datetime, str]:
    """A windowed count or total, events to fold, a ``now`` and a zone. Some windows are
    long (two-day buckets) and some streams longer than the exact tail (128 events)."""
    within = draw(st.sampled_from(["3d", "1mo", "600d"]))
    op = draw(st.sampled_from(OPS))
    many = draw(st.booleans())
    n = draw(st.integers(130, 180) if many else st.integers(0, 12))
    span = 700 * 24 if within == "600d" else 40 * 24
    # sparse, or dense near the end: then a bucket shares its span with exact times
    dense = draw(st.integers(0, 3 * n if many else 48))
    hours = sorted(draw(st.lists(st.integers(span - dense, span), min_size=n, max_size=n)))
    kind = draw(st.sampled_from(["count", "total"]))
    events = [
        Event(
            id=f"e{i}",
            customer_id="c1",
            type="gift_card_bought",
            at=START + timedelta(hours=h, minutes=i % 60),
            properties={"amount": str(draw(st.integers(-3, 20)))},
        )
        for i, h in enumerate(hours)
    ]
    if kind == "count":
        # thresholds past the tail keep every event, so the window has buckets
        threshold = draw(st.integers(120, n + 2) if many else st.integers(0, 6))
        cond: object = count("gift_card_bought", within=within)._make(op, threshold)
    else:
        cond = total("gift_card_bought", "amount", within=within)._make(
            op, draw(st.integers(-5, 60))
        )
    end = START + timedelta(hours=span + 1)
    now = end + timedelta(hours=draw(st.integers(0, 24 * 40)))
    return cond, events, now, draw(st.sampled_from(ZONES))


def _holds(cond: object, customer: Customer, facts: object, at: datetime) -> bool:
    return cond.evaluate(EvalContext(customer, facts, at))  # type: ignore[attr-defined,arg-type]


@settings(max_examples=500)
@given(windows(), st.lists(st.floats(0, 1), max_size=4))
def test_a_window_boundary_is_the_first_change_never_later(
    case: tuple[object, list[Event], datetime, str], fractions: list[float]
) -> None:
    cond, events, now, tz = case
    customer = Customer(id="c1", created_at=START, timezone=tz)
    spec = facts_spec([cond])  # type: ignore[list-item]
    facts = spec.fold_all(events, now=now)
    boundary = compile_boundary(cond)  # type: ignore[arg-type]
    assert boundary is not None
    found = boundary(EvalContext(customer, facts, now), zone(tz))
    before = _holds(cond, customer, facts, now)
    if found is None:
        # nothing drops that changes the answer: not even when everything has dropped
        later = now + timedelta(days=800)
        assert _holds(cond, customer, facts, later) == before
        return
    assert found > to_micros(now)
    at = to_datetime(found)
    # constant up to the boundary (checked just before it and at points in between)
    assert _holds(cond, customer, facts, at - timedelta(microseconds=1)) == before
    for f in fractions:
        inside = now + (at - now) * f
        if inside < at:
            assert _holds(cond, customer, facts, inside) == before
    if cond.op not in ("==", "!="):  # type: ignore[attr-defined]
        assert _holds(cond, customer, facts, at) != before  # monotone: it changed there
