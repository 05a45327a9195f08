"""Facts: the fold is order-independent, duplicate-proof, bounded, and exact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from journeykit.conditions import count, prop, since, total
from journeykit.errors import InvalidInputError
from journeykit.facts import Facts, FactsSpec
from journeykit.models import Event
from tests import strategies as s

UTC = timezone.utc
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ev(eid: str, kind: str, days: float, **props: object) -> Event:
    return Event(
        id=eid,
        customer_id="c1",
        type=kind,
        at=T0 + timedelta(days=days),
        properties=props,  # type: ignore[arg-type]  # JSON values
    )


CONDITIONS = [
    count("order_placed", within="30d") >= 2,
    count("product_viewed", where=prop("category") == "books", within="7d") > 3,
    total("order_placed", within="365d") >= 100,
    total("order_placed") >= 100,
    since("review_submitted", where=prop("category") == "music") < "10d",
]
SPEC = FactsSpec.for_conditions(CONDITIONS, id_window=16)
# remembers every id the generated streams hold, so each duplicate is recognised
WIDE = FactsSpec.for_conditions(CONDITIONS, id_window=128)


def test_counts_first_last_and_revenue_net_of_refunds() -> None:
    facts = SPEC.fold_all(
        [
            ev("a", "order_placed", 0, value="100.00", currency="EUR"),
            ev("b", "order_placed", 5, value="50.00", currency="EUR"),
            ev("c", "order_refunded", 6, value="20.00", currency="EUR"),
            ev("d", "signed_up", -3),
        ]
    )
    assert facts.order_count == 2
    assert facts.revenue == Decimal("130.00")
    assert facts.average_order_value == Decimal("65.00")
    assert facts.count("signed_up") == 1
    assert facts.count("never_happened") == 0
    assert facts.first_at("order_placed") == T0
    assert facts.last_at("order_placed") == T0 + timedelta(days=5)
    assert facts.last_at("never_happened") is None
    assert facts.event_count == 4


def test_customer_without_orders_has_no_average() -> None:
    assert SPEC.empty().average_order_value is None
    assert SPEC.empty().revenue == 0


def test_order_without_value_counts_but_adds_no_revenue() -> None:
    facts = SPEC.fold_all([ev("a", "order_placed", 0)])
    assert facts.order_count == 1
    assert facts.revenue == 0


def test_repeated_event_id_is_ignored_and_returns_the_same_facts() -> None:
    first = SPEC.fold(SPEC.empty(), ev("a", "order_placed", 0, value="10", currency="EUR"))
    again = SPEC.fold(first, ev("a", "order_placed", 0, value="10", currency="EUR"))
    assert again is first
    assert again.order_count == 1


def test_folding_leaves_the_input_facts_unchanged() -> None:
    before = SPEC.fold_all([ev("a", "order_placed", 0, value="10", currency="EUR")])
    snapshot = TypeAdapter(Facts).dump_json(before)
    SPEC.fold(before, ev("b", "order_placed", 1, value="10", currency="EUR"))
    assert TypeAdapter(Facts).dump_json(before) == snapshot


def test_windows_keep_only_what_the_longest_window_and_largest_threshold_need() -> None:
    views = [ev(f"v{i}", "product_viewed", i * 0.5, category="books") for i in range(100)]
    orders = [ev(f"o{i}", "order_placed", i, value="1", currency="EUR") for i in range(100)]
    facts = SPEC.fold_all(views + orders)
    # count(... within 7d) > 3 needs the 4 most recent, nothing older than ~7 days
    books_key = next(k for k in facts.windows if k.startswith("product_viewed?"))
    assert len(facts.windows[books_key]) == 4
    # count(order_placed within 30d) >= 2 needs the 3 most recent
    assert len(facts.windows["order_placed"]) == 3
    # total(... within 365d): every order in the last 365 days, with its value
    assert len(facts.value_windows["order_placed:value"]) == 100
    assert facts.sums["order_placed:value"] == Decimal(100)


def test_value_window_drops_what_is_older_than_the_horizon() -> None:
    orders = [ev(f"o{i}", "order_placed", i * 30, value="1", currency="EUR") for i in range(40)]
    facts = SPEC.fold_all(orders)
    window = facts.value_windows["order_placed:value"]
    newest = window[-1][0]
    assert all(newest - ts <= 366 * 86400 + 3600 for ts, _ in window)
    assert len(window) < 40


def test_the_id_window_is_bounded() -> None:
    events = [ev(f"e{i}", "signed_up", i) for i in range(100)]
    facts = SPEC.fold_all(events)
    assert len(facts.seen) == 16
    assert list(facts.seen) == [f"e{i}" for i in range(84, 100)]


def test_a_duplicate_older_than_the_id_window_is_counted_again_as_documented() -> None:
    events = [ev(f"e{i}", "signed_up", i) for i in range(20)]
    facts = SPEC.fold_all(events)
    assert SPEC.fold(facts, events[0]).count("signed_up") == 21
    assert SPEC.fold(facts, events[-1]).count("signed_up") == 20


def test_id_window_must_be_positive() -> None:
    with pytest.raises(InvalidInputError, match="id_window"):
        FactsSpec(id_window=0)


def test_facts_round_trip_through_json() -> None:
    facts = SPEC.fold_all(
        [
            ev("a", "order_placed", 0, value="100.10", currency="EUR"),
            ev("b", "product_viewed", 1, category="books"),
            ev("c", "review_submitted", 2, category="music"),
        ]
    )
    adapter = TypeAdapter(Facts)
    assert adapter.validate_json(adapter.dump_json(facts)) == facts


def test_covers_tells_whether_facts_keep_what_a_spec_needs() -> None:
    plain = FactsSpec().fold_all([ev("a", "order_placed", 0)])
    assert FactsSpec().covers(plain)
    assert not SPEC.covers(plain)
    assert SPEC.covers(SPEC.empty())
    sums_only = FactsSpec.for_conditions([total("order_placed") >= 1])
    assert not sums_only.covers(plain)
    assert sums_only.covers(sums_only.fold_all([ev("a", "order_placed", 0)]))


@given(s.event_lists, st.randoms(use_true_random=False))
def test_fold_is_order_independent(events: list[Event], rnd: object) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]  # a hypothesis Random
    assert SPEC.fold_all(shuffled) == SPEC.fold_all(events)


@given(s.event_lists, st.data())
def test_fold_ignores_duplicates(events: list[Event], data: st.DataObject) -> None:
    extra = data.draw(st.lists(st.sampled_from(events), max_size=10)) if events else []
    mixed = data.draw(st.permutations(events + extra))
    assert WIDE.fold_all(mixed) == WIDE.fold_all(events)


@given(s.event_lists)
def test_folding_one_at_a_time_equals_folding_all(events: list[Event]) -> None:
    facts = SPEC.empty()
    for event in events:
        facts = SPEC.fold(facts, event)
    assert facts == SPEC.fold_all(events)


@given(s.event_lists)
def test_state_stays_bounded(events: list[Event]) -> None:
    facts = SPEC.fold_all(events)
    assert len(facts.seen) <= SPEC.id_window
    assert len(facts.windows["order_placed"]) <= 3
    assert sum(st.count for key, st in facts.stats.items() if "?" not in key) == len(events)
