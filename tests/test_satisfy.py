"""The cycle reasoner's "no" must be certain: whenever conditions do hold together for some
customer at one instant, it must not claim they cannot."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from journeykit._satisfy import can_hold_together
from journeykit.conditions import Condition, EvalContext, count, in_stage, since
from journeykit.facts import FactsSpec
from journeykit.models import Customer, Event
from tests import strategies as s

STAGES = ("new", "repeat", "lapsed")


@given(
    st.lists(st.tuples(s.conditions, st.sampled_from(STAGES)), min_size=1, max_size=3),
    s.event_lists,
    s.customers,
    st.integers(0, 90 * 24),
)
def test_a_no_is_never_wrong(
    pairs: list[tuple[Condition, str]], events: list[Event], customer: Customer, hours: int
) -> None:
    now = s.EPOCH + timedelta(days=400, hours=hours)
    facts = FactsSpec.for_conditions([c for c, _ in pairs]).fold_all(events)
    # in a cascade every transition fires the instant its stage was entered
    holds = all(
        c.evaluate(EvalContext(customer, facts, now, stage=stage, stage_entered_at=now))
        for c, stage in pairs
    )
    if holds:
        assert can_hold_together(pairs)


def test_exclusions_it_proves() -> None:
    assert not can_hold_together(
        [(since("order_placed") > "90d", "a"), (since("order_placed") <= "90d", "b")]
    )
    assert not can_hold_together(
        [(since("order_placed") > "180d", "a"), (since("order_placed") < "90d", "b")]
    )
    assert not can_hold_together(
        [(count("order_placed") >= 2, "a"), (count("order_placed") == 1, "b")]
    )
    assert not can_hold_together([(in_stage("b"), "a")])
    assert not can_hold_together(
        [(since("order_placed") > "1mo", "a"), (since("order_placed") < "1mo", "b")]
    )


def test_what_it_cannot_see_is_reported_as_possible() -> None:
    # exclusive in truth (an order within 30 days is not 90 days ago), but across quantities
    assert can_hold_together(
        [(since("order_placed") > "90d", "a"), (count("order_placed", within="30d") >= 1, "b")]
    )
    # a customer who never ordered satisfies both when never=True
    assert can_hold_together(
        [
            (since("order_placed", never=True) > "90d", "a"),
            (since("order_placed", never=True) < "30d", "b"),
        ]
    )
