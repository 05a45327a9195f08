"""Facts: the fold is order-independent, duplicate-proof, bounded whatever the definitions or
the events say, exact, per currency, and one customer's."""

from __future__ import annotations

import math
import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from journeykit._base import FrozenDict
from journeykit._facts._windows import MAX_BUCKETS, TAIL, count_since, total_since
from journeykit.conditions import count, facts_spec, prop, since, total
from journeykit.errors import InvalidInputError
from journeykit.facts import Facts, FactsSpec
from journeykit.models import Event
from tests import strategies as s

UTC = timezone.utc
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=500)
GOLDEN = Path(__file__).parent / "golden" / "facts_v1.json"


def ev(eid: str, kind: str, days: float, customer: str = "c1", **props: object) -> Event:
    return Event(
        id=eid,
        customer_id=customer,
        type=kind,
        at=T0 + timedelta(days=days),
        properties=props,  # type: ignore[arg-type]  # JSON values
    )


def money(eid: str, kind: str, days: float, value: str, currency: str = "EUR") -> Event:
    return ev(eid, kind, days, value=value, currency=currency)


CONDITIONS = [
    count("order_placed", within="30d") >= 2,
    count("product_viewed", where=prop("category") == "books", within="7d") > 3,
    total("order_placed", currency="EUR", within="365d") >= 100,
    total("order_placed", currency="EUR") >= 100,
    since("review_submitted", where=prop("category") == "music") < "10d",
]
# a dedupe horizon longer than any test's span: these tests meet the count bound (16)
SPEC = facts_spec(CONDITIONS, id_window=16, dedupe_horizon=timedelta(days=1000))
# remembers every id the generated streams hold, so each duplicate is recognised
WIDE = facts_spec(CONDITIONS, id_window=128)
END = s.EPOCH + timedelta(days=401)  # after every generated event


def test_counts_first_last_and_money_per_currency() -> None:
    facts = SPEC.fold_all(
        [
            money("a", "order_placed", 0, "100.00"),
            money("b", "order_placed", 5, "50.00"),
            money("c", "order_refunded", 6, "20.00"),
            money("d", "order_placed", 7, "300", "SEK"),
            ev("e", "order_placed", 8),
            ev("f", "signed_up", -3),
        ],
        now=NOW,
    )
    assert facts.order_count == 4
    assert facts.currencies == ("EUR", "SEK")
    assert (facts.orders_in("EUR"), facts.revenue_in("EUR")) == (2, Decimal("130.00"))
    assert (facts.orders_in("SEK"), facts.revenue_in("SEK")) == (1, Decimal("300"))
    assert facts.average_order_value_in("EUR") == Decimal("65.00")
    assert facts.average_order_value_in("SEK") == Decimal("300.00")
    assert facts.average_order_value_in("USD") is None
    assert facts.revenue_in("USD") == 0
    assert facts.count("signed_up") == 1
    assert facts.count("never_happened") == 0
    assert facts.first_at("order_placed") == T0
    assert facts.last_at("order_placed") == T0 + timedelta(days=8)
    assert facts.last_at("never_happened") is None
    assert facts.event_count == 6


def test_a_refund_larger_than_the_orders_floors_revenue_at_zero_in_any_order() -> None:
    events = [money("a", "order_placed", 0, "30.00"), money("r", "order_refunded", 1, "50.00")]
    for ordering in (events, events[::-1]):
        facts = SPEC.fold_all(ordering, now=NOW)
        assert facts.revenue_in("EUR") == 0
        assert facts.average_order_value_in("EUR") == 0
    # the refund is remembered: a later order is still net of it
    more = SPEC.fold(facts, money("b", "order_placed", 2, "40.00"), now=NOW)
    assert more.revenue_in("EUR") == Decimal("20.00")


def test_the_average_order_value_rounds_half_even_to_the_minor_unit() -> None:
    thirds = [money(f"o{i}", "order_placed", i, "10.00") for i in range(2)]
    thirds.append(money("o2", "order_placed", 2, "10.01"))
    assert SPEC.fold_all(thirds, now=NOW).average_order_value_in("EUR") == Decimal("10.00")
    halves = [money("a", "order_placed", 0, "0.01"), money("b", "order_placed", 1, "0.02")]
    assert SPEC.fold_all(halves, now=NOW).average_order_value_in("EUR") == Decimal("0.02")
    yen = [money("a", "order_placed", 0, "100", "JPY"), money("b", "order_placed", 1, "101", "JPY")]
    assert SPEC.fold_all(yen, now=NOW).average_order_value_in("JPY") == Decimal("100")


def test_customer_without_orders_has_no_average() -> None:
    assert SPEC.empty().average_order_value_in("EUR") is None
    assert SPEC.empty().revenue_in("EUR") == 0


def test_order_without_value_counts_but_adds_no_revenue() -> None:
    facts = SPEC.fold_all([ev("a", "order_placed", 0)], now=NOW)
    assert facts.order_count == 1
    assert facts.currencies == ()


def test_money_sums_stay_exact_beyond_the_default_decimal_precision() -> None:
    big = "999999999999999.999999"  # the largest amount an event may carry
    spec = facts_spec([total("order_placed", currency="EUR") >= 1])
    events = [money(f"o{i}", "order_placed", i / 1000, big) for i in range(200)]
    facts = spec.fold_all(events, now=NOW)
    exact = Decimal(big) * 200
    assert facts.revenue_in("EUR") == exact
    assert facts.sums["order_placed/EUR/value"] == exact


def test_repeated_event_id_is_ignored_and_returns_the_same_facts() -> None:
    first = SPEC.fold(SPEC.empty(), money("a", "order_placed", 0, "10"), now=NOW)
    again = SPEC.fold(first, money("a", "order_placed", 0, "10"), now=NOW)
    assert again is first
    assert again.order_count == 1


def test_folding_leaves_the_input_facts_unchanged() -> None:
    before = SPEC.fold_all([money("a", "order_placed", 0, "10")], now=NOW)
    snapshot = TypeAdapter(Facts).dump_json(before)
    SPEC.fold(before, money("b", "order_placed", 1, "10"), now=NOW)
    assert TypeAdapter(Facts).dump_json(before) == snapshot


def test_facts_are_immutable_all_the_way_down() -> None:
    facts = SPEC.fold_all([money("a", "order_placed", 0, "10")], now=NOW)
    loaded = TypeAdapter(Facts).validate_json(TypeAdapter(Facts).dump_json(facts))
    for f in (facts, loaded):
        for mapping in (f.stats, f.money, f.windows, f.sums, f.amount_windows, f.seen):
            assert isinstance(mapping, FrozenDict)
        with pytest.raises(TypeError):
            f.stats["order_placed"] = f.stats["order_placed"]  # type: ignore[index]  # the mistake under test


# --- whose facts ---------------------------------------------------------------------


def test_facts_belong_to_the_customer_of_their_first_event() -> None:
    facts = SPEC.fold(SPEC.empty(), ev("a", "signed_up", 0), now=NOW)
    assert facts.customer_id == "c1"
    with pytest.raises(InvalidInputError) as err:
        SPEC.fold(facts, ev("b", "signed_up", 1, customer="c2"), now=NOW)
    assert err.value.problems[0].path == "customer_id"
    assert "belongs to customer 'c2'" in str(err.value)


def test_a_batch_of_several_customers_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="belongs to customer 'c2'"):
        SPEC.fold_all([ev("a", "signed_up", 0), ev("b", "signed_up", 1, customer="c2")], now=NOW)


def test_empty_facts_can_name_their_customer_up_front() -> None:
    mine = SPEC.empty("c2")
    assert mine.customer_id == "c2"
    with pytest.raises(InvalidInputError, match="belongs to customer 'c1'"):
        SPEC.fold(mine, ev("a", "signed_up", 0), now=NOW)
    with pytest.raises(InvalidInputError, match="customer_id"):
        SPEC.empty(" ")


@pytest.mark.parametrize(
    ("facts", "event", "now", "message"),
    [
        (None, ev("a", "signed_up", 0), NOW, "facts must be a Facts"),
        ({"stats": {}}, ev("a", "signed_up", 0), NOW, "facts must be a Facts"),
        (FactsSpec().empty(), {"id": "a"}, NOW, "must be journeykit.models.Event"),
        (FactsSpec().empty(), ev("a", "signed_up", 0), datetime(2026, 1, 1), "timezone-aware"),
        (FactsSpec().empty(), ev("a", "signed_up", 0), "2026-01-01", "timezone-aware"),
    ],
)
def test_bad_arguments_are_invalid_input(facts: Any, event: Any, now: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        SPEC.fold(facts, event, now=now)


# --- time ----------------------------------------------------------------------------


def test_an_event_dated_far_ahead_of_now_is_refused_and_changes_nothing() -> None:
    facts = SPEC.fold_all([money("a", "order_placed", 0, "10")], now=T0)
    far = Event(
        id="x",
        customer_id="c1",
        type="order_placed",
        at=datetime(9999, 1, 1, tzinfo=UTC),
        properties={"value": "10", "currency": "EUR"},
    )
    with pytest.raises(InvalidInputError) as err:
        SPEC.fold(facts, far, now=T0)
    assert err.value.problems[0].path == "at"
    # a little clock skew is fine
    skewed = SPEC.fold(facts, money("b", "order_placed", 0.02, "10"), now=T0)
    assert skewed.order_count == 2
    with pytest.raises(InvalidInputError):
        facts_spec(CONDITIONS, max_ahead=timedelta(0)).fold(
            facts, money("b", "order_placed", 0.02, "1"), now=T0
        )


def test_windows_are_trimmed_by_the_clock_not_by_the_newest_event() -> None:
    # an event a little ahead of the host's clock must not push older ones out of a window
    orders = [money(f"o{i}", "order_placed", i, "1") for i in range(3)]
    facts = SPEC.fold_all(orders, now=T0 + timedelta(days=2))
    ahead = SPEC.fold(facts, money("x", "order_placed", 2.04, "1"), now=T0 + timedelta(days=2))
    assert len(ahead.windows["order_placed"].times) == 3
    assert ahead.clock == (T0 + timedelta(days=2)).timestamp()
    # ... and the clock moving on trims what no window can reach any more
    later = SPEC.fold(ahead, ev("v", "signed_up", 200), now=T0 + timedelta(days=200))
    assert later.windows["order_placed"].times == ()
    assert later.amount_windows["order_placed/EUR/value"].entries != ()


def test_the_clock_only_moves_forward() -> None:
    facts = SPEC.fold_all([ev("a", "signed_up", 0)], now=NOW)
    older = SPEC.fold(facts, ev("b", "signed_up", 1), now=NOW - timedelta(days=10))
    assert older.clock == NOW.timestamp()


# --- bounds --------------------------------------------------------------------------


def test_windows_keep_only_what_the_largest_threshold_needs() -> None:
    views = [ev(f"v{i}", "product_viewed", 50 + i * 0.5, category="books") for i in range(100)]
    orders = [money(f"o{i}", "order_placed", i, "1") for i in range(100)]
    facts = SPEC.fold_all(views + orders, now=T0 + timedelta(days=100))
    # count(... within 7d) > 3 needs the 4 most recent
    books_key = next(k for k in facts.windows if k.startswith("product_viewed?"))
    assert len(facts.windows[books_key].times) == 4
    # count(order_placed within 30d) >= 2 needs the 3 most recent
    assert len(facts.windows["order_placed"].times) == 3
    # total(... within 365d): every order in the last 365 days, with its value
    window = facts.amount_windows["order_placed/EUR/value"]
    assert len(window.entries) + sum(1 for _ in window.buckets) <= TAIL + MAX_BUCKETS + 2
    assert total_since(window, 0.0) == Decimal(100)
    assert facts.sums["order_placed/EUR/value"] == Decimal(100)


@pytest.mark.parametrize("threshold", [10**9, 500])
def test_a_huge_count_threshold_keeps_a_bounded_window(threshold: int) -> None:
    spec = facts_spec([count("product_viewed", within="365d") >= threshold])
    views = [ev(f"v{i}", "product_viewed", i / 20) for i in range(5000)]  # 20 a day
    now = T0 + timedelta(days=250)
    facts = spec.fold_all(views, now=now)
    window = facts.windows["product_viewed"]
    assert len(window.times) <= TAIL
    assert len(window.buckets) <= MAX_BUCKETS + 2
    # enough is kept to settle the comparison, however long the history
    assert min(count_since(window, 0.0), threshold + 1) == min(5000, threshold + 1)


def test_a_long_window_keeps_a_bounded_number_of_buckets() -> None:
    spec = facts_spec([total("gift_card_bought", "amount", within="10y") >= 1])
    cards = [ev(f"g{i}", "gift_card_bought", i * 2, amount=1) for i in range(1800)]  # ten years
    facts = spec.fold_all(cards, now=T0 + timedelta(days=3600))
    window = facts.amount_windows["gift_card_bought/-/amount"]
    assert len(window.entries) == TAIL
    assert len(window.buckets) <= MAX_BUCKETS + 2
    assert total_since(window, 0.0) == 1800


def test_windows_are_exact_for_the_newest_events_and_to_the_day_beyond() -> None:
    cond = count("product_viewed", within="365d") >= 10**6
    spec = facts_spec([cond])
    at = [T0 + timedelta(hours=5 * i) for i in range(1000)]  # ~208 days
    views = [
        Event(id=f"v{i}", customer_id="c1", type="product_viewed", at=t) for i, t in enumerate(at)
    ]
    now = at[-1]
    window = spec.fold_all(views, now=now).windows["product_viewed"]
    stamps = [t.timestamp() for t in at]
    for cutoff in stamps[-TAIL:]:  # inside the exact tail: exact
        assert count_since(window, cutoff) == sum(1 for t in stamps if t >= cutoff)
    for cutoff in stamps[: -TAIL - 5 : 37]:  # beyond it: the cut-off's day counts whole
        day_start = cutoff // 86400 * 86400
        assert count_since(window, cutoff) == sum(1 for t in stamps if t >= day_start)


def test_the_id_window_is_bounded() -> None:
    events = [ev(f"e{i}", "signed_up", i) for i in range(100)]
    facts = SPEC.fold_all(events, now=NOW)
    assert len(facts.seen) == 16
    assert list(facts.seen) == [f"e{i}" for i in range(84, 100)]


def test_a_duplicate_older_than_the_id_window_is_counted_again_as_documented() -> None:
    events = [ev(f"e{i}", "signed_up", i) for i in range(20)]
    facts = SPEC.fold_all(events, now=NOW)
    assert SPEC.fold(facts, events[0], now=NOW).count("signed_up") == 21
    assert SPEC.fold(facts, events[-1], now=NOW).count("signed_up") == 20


def test_an_id_is_remembered_while_its_event_is_within_the_dedupe_horizon() -> None:
    spec = facts_spec(CONDITIONS)  # the default horizon: 7 days before the clock
    order = money("a", "order_placed", 0, "10")
    facts = spec.fold(spec.empty(), order, now=T0)
    six_days = spec.fold(facts, ev("b", "signed_up", 6), now=T0 + timedelta(days=6))
    assert spec.fold(six_days, order, now=T0 + timedelta(days=6)) is six_days
    # a week and a second later the order is past the horizon: a replay counts again
    later = T0 + timedelta(days=7, seconds=1)
    eight_days = spec.fold(six_days, ev("c", "signed_up", 7), now=later)
    assert list(eight_days.seen) == ["b", "c"]
    assert spec.fold(eight_days, order, now=later).order_count == 2


def test_one_fold_all_recognises_every_repeated_id_however_old() -> None:
    spec = facts_spec(CONDITIONS, id_window=2)
    rows = [money(f"o{i}", "order_placed", i, "10") for i in range(10)]
    facts = spec.fold_all(rows + rows[::-1], now=NOW)  # a backfill with duplicate rows
    assert facts.order_count == 10
    assert facts.seen == {}  # none is within 7 days of the clock, 500 days on


def test_stored_facts_with_fractional_id_times_load_in_whole_seconds() -> None:
    text = (
        '{"customer_id": "c1", "clock": 1772971200.5, "stats": {}, "money": {}, '
        '"windows": {}, "sums": {}, "amount_windows": {}, '
        '"seen": {"b": 1772971100.25, "a": 1772971100.75, "c": 1772971200.5}}'
    )
    facts = TypeAdapter(Facts).validate_json(text)
    assert list(facts.seen.items()) == [("a", 1772971100), ("b", 1772971100), ("c", 1772971200)]
    assert isinstance(facts.seen, FrozenDict)
    spec = FactsSpec()
    repeat = Event(id="b", customer_id="c1", type="signed_up", at=T0)
    assert spec.fold(facts, repeat, now=datetime.fromtimestamp(1772971200.5, UTC)) is facts


@pytest.mark.parametrize("bad", [timedelta(seconds=-1), 7, "7d"])
def test_dedupe_horizon_must_be_a_timedelta_of_zero_or_more(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="dedupe_horizon"):
        FactsSpec(dedupe_horizon=bad)


@pytest.mark.parametrize("bad", [0, -1, True, "128"])
def test_id_window_must_be_a_positive_count(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="id_window"):
        FactsSpec(id_window=bad)


def test_a_lifetime_filter_of_ten_thousand_skus_keeps_short_keys() -> None:
    skus = [f"sku-{i:05}" for i in range(10_000)]
    spec = facts_spec([count("order_placed", where=prop("sku").is_in(skus)) >= 1])
    facts = spec.empty()
    [key] = [k for k in facts.stats if "?" in k]
    assert len(key) == len("order_placed?") + 32
    assert len(TypeAdapter(Facts).dump_json(facts)) < 400


def test_reordering_a_filters_list_keeps_its_key() -> None:
    one = facts_spec([count("order_placed", where=prop("sku").is_in(["a", "b"])) >= 1])
    two = facts_spec([count("order_placed", where=prop("sku").is_in(["b", "a", "b"])) >= 1])
    assert list(one.empty().stats) == list(two.empty().stats)


# --- storing ---------------------------------------------------------------------------


def _golden_facts() -> Facts:
    spec = facts_spec(
        [
            count("order_placed", within="30d") >= 2,
            count("order_placed", where=prop("channel").is_in(["app", "web"])) >= 1,
            total("order_placed", currency="EUR", within="365d") >= 100,
            total("gift_card_bought", "amount") >= 1,
            since("review_submitted", where=prop("rating") >= 4) < "10d",
        ],
        id_window=8,
    )
    return spec.fold_all(
        [
            ev("o1", "order_placed", 0, value="20.00", currency="EUR", channel="app"),
            ev("o2", "order_placed", 3, value="35.50", currency="EUR", channel="shop"),
            ev("o3", "order_placed", 4, value="300", currency="SEK"),
            ev("r1", "order_refunded", 5, value="5.50", currency="EUR"),
            ev("g1", "gift_card_bought", 6, amount="25"),
            ev("v1", "review_submitted", 7, rating=5),
        ],
        now=T0 + timedelta(days=10),
    )


def test_the_stored_key_format_is_pinned_by_a_golden_file() -> None:
    """Changing how stored facts are keyed re-keys every stored customer: this file changes
    only on purpose (regenerate with JOURNEYKIT_REGENERATE_GOLDEN=1 and say why)."""
    adapter = TypeAdapter(Facts)
    text = adapter.dump_json(_golden_facts(), indent=2).decode() + "\n"
    if os.environ.get("JOURNEYKIT_REGENERATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()
    assert adapter.validate_json(GOLDEN.read_text()) == _golden_facts()


def test_facts_round_trip_through_json() -> None:
    facts = _golden_facts()
    adapter = TypeAdapter(Facts)
    assert adapter.validate_json(adapter.dump_json(facts)) == facts


def test_facts_and_specs_read_as_people_write_them() -> None:
    facts = _golden_facts()
    text = repr(facts)
    assert text.startswith("Facts(customer_id='c1', clock=2026-03-11T12:00:00Z, stats={")
    assert (
        "'order_placed': EventStats(count=3, first_at=2026-03-01T12:00:00Z, last_at=2026-03-05T12:00:00Z)"
        in text
    )
    assert "'EUR': 2 orders, revenue 50.00" in text
    assert "seen=5 ids" in text  # o1 is dated more than the 7-day horizon before the clock
    assert repr(facts_spec([count("order_placed", within="30d") >= 2])) == (
        "FactsSpec(order_placed: count window 30 days, 3:00:00 keeping 3, "
        "id_window=128, dedupe_horizon=7 days, 0:00:00, max_ahead=1:00:00)"
    )


def test_covers_tells_whether_facts_keep_what_a_spec_needs() -> None:
    plain = FactsSpec().fold_all([ev("a", "order_placed", 0)], now=NOW)
    assert FactsSpec().covers(plain)
    assert not SPEC.covers(plain)
    assert SPEC.covers(SPEC.empty())
    sums_only = facts_spec([total("order_placed", currency="EUR") >= 1])
    assert not sums_only.covers(plain)
    assert sums_only.covers(sums_only.fold_all([ev("a", "order_placed", 0)], now=NOW))


# --- properties --------------------------------------------------------------------


@given(s.event_lists, st.randoms(use_true_random=False))
def test_fold_is_order_independent(events: list[Event], rnd: Any) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert SPEC.fold_all(shuffled, now=END) == SPEC.fold_all(events, now=END)


@given(s.event_lists, st.data())
def test_fold_ignores_duplicates(events: list[Event], data: st.DataObject) -> None:
    extra = data.draw(st.lists(st.sampled_from(events), max_size=10)) if events else []
    mixed = data.draw(st.permutations(events + extra))
    assert WIDE.fold_all(mixed, now=END) == WIDE.fold_all(events, now=END)


@given(s.event_lists)
def test_folding_one_at_a_time_as_the_clock_moves_equals_folding_all(events: list[Event]) -> None:
    facts = SPEC.empty()
    for event in sorted(events, key=lambda e: e.at):
        facts = SPEC.fold(facts, event, now=event.at)
    facts = SPEC.fold_all([], facts, now=END)  # the clock moves on with no event
    assert facts == SPEC.fold_all(events, now=END)


@given(
    s.event_lists,
    st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(days=7)]),
    st.sampled_from([3, 128]),
    st.data(),
)
def test_ids_are_remembered_exactly_as_documented_and_repeats_of_them_ignored(
    events: list[Event], horizon: timedelta, window: int, data: st.DataObject
) -> None:
    spec = facts_spec(CONDITIONS, id_window=window, dedupe_horizon=horizon)
    facts = spec.empty()
    delivered: list[Event] = []
    for event in sorted(events, key=lambda e: e.at):
        facts = spec.fold(facts, event, now=event.at)
        delivered.append(event)
        # the ids of the events dated in the horizon's second or later, the newest `window`
        assert facts.clock is not None
        start = math.floor(facts.clock - horizon.total_seconds())
        dated = sorted((math.floor(e.at.timestamp()), e.id) for e in delivered)
        kept = [(eid, t) for t, eid in dated if t >= start][-window:]
        assert list(facts.seen.items()) == kept
        again = data.draw(st.sampled_from(delivered))
        repeated = spec.fold(facts, again, now=event.at)
        assert (repeated is facts) == (again.id in facts.seen)
        if again.at.timestamp() >= facts.clock - horizon.total_seconds() and window > len(events):
            assert repeated is facts  # within the horizon, and the count never binds


@given(s.event_lists)
def test_state_stays_bounded(events: list[Event]) -> None:
    facts = SPEC.fold_all(events, now=END)
    assert len(facts.seen) <= SPEC.id_window
    assert len(facts.windows["order_placed"].times) <= 3
    assert sum(st.count for key, st in facts.stats.items() if "?" not in key) == len(events)


@given(
    st.lists(st.integers(0, 60 * 24), max_size=TAIL),
    st.integers(0, 60 * 24),
    st.integers(1, 8),
)
def test_a_count_window_is_exact_while_its_events_fit_the_tail(
    hours: list[int], cutoff_hours: int, threshold: int
) -> None:
    spec = facts_spec([count("signed_up", within="90d") >= threshold])
    events = [ev(f"e{i}", "signed_up", h / 24) for i, h in enumerate(hours)]
    window = spec.fold_all(events, now=T0 + timedelta(days=61)).windows["signed_up"]
    cutoff = (T0 + timedelta(hours=cutoff_hours)).timestamp()
    exact = sum(1 for e in events if e.at.timestamp() >= cutoff)
    assert min(count_since(window, cutoff), threshold + 1) == min(exact, threshold + 1)


@given(
    st.lists(st.integers(0, 40 * 24), min_size=TAIL + 1, max_size=TAIL + 60),
    st.randoms(use_true_random=False),
)
def test_windows_with_buckets_are_order_independent_and_read_to_the_day(
    hours: list[int], rnd: Any
) -> None:
    """Late events land in the right bucket, whichever order the events come in."""
    spec = facts_spec(
        [
            count("signed_up", within="60d") >= 10**6,
            total("gift_card_bought", "amount", within="60d") >= 1,
        ]
    )
    events = [ev(f"e{i}", "signed_up", h / 24) for i, h in enumerate(hours)]
    events += [ev(f"g{i}", "gift_card_bought", h / 24, amount=i % 7) for i, h in enumerate(hours)]
    now = T0 + timedelta(days=41)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    ordered = spec.fold_all(sorted(events, key=lambda e: e.at), now=now)
    assert spec.fold_all(shuffled, now=now) == ordered
    times = sorted(e.at.timestamp() for e in events if e.type == "signed_up")
    cards = sorted(
        (e.at.timestamp(), Decimal(e.properties["amount"]))
        for e in events
        if e.type == "gift_card_bought" and e.properties["amount"]
    )
    window = ordered.windows["signed_up"]
    amounts = ordered.amount_windows["gift_card_bought/-/amount"]
    for cutoff in (times[0], times[len(times) // 3], times[-TAIL], times[-TAIL] + 1, times[-1]):
        # exact from the oldest exactly kept event on; before it, the cut-off's day counts whole
        start = cutoff if cutoff > window.times[0] else cutoff // 86400 * 86400
        assert count_since(window, cutoff) == sum(1 for t in times if t >= start)
        start = cutoff if cutoff > amounts.entries[0][0] else cutoff // 86400 * 86400
        expected = sum((a for t, a in cards if t >= start), Decimal(0))
        assert total_since(amounts, cutoff) == expected


@pytest.mark.parametrize("threshold", [TAIL + 5, TAIL + 40, 3 * TAIL])
def test_a_count_window_keeps_buckets_only_until_the_threshold_is_settled(threshold: int) -> None:
    spec = facts_spec([count("signed_up", within="365d") >= threshold])
    events = [ev(f"e{i}", "signed_up", i / 4) for i in range(4 * TAIL)]  # four a day
    window = spec.fold_all(events, now=T0 + timedelta(days=TAIL + 1)).windows["signed_up"]
    held = len(window.times) + sum(n for _, n in window.buckets)
    assert threshold + 1 <= held < threshold + 1 + 4, "the oldest bucket holds at most a day"
    assert min(count_since(window, 0.0), threshold + 1) == threshold + 1


@pytest.mark.parametrize(
    ("currency", "message"),
    [("sek", "ISO 4217"), (123, "ISO 4217"), (None, "properties.currency")],
)
def test_a_total_in_a_currency_refuses_an_amount_it_cannot_place(
    currency: Any, message: str
) -> None:
    spec = facts_spec([total("gift_card_bought", "amount", currency="SEK") >= 1])
    props: dict[str, Any] = (
        {"amount": "5"} if currency is None else {"amount": "5", "currency": currency}
    )
    with pytest.raises(InvalidInputError, match=message) as err:
        spec.fold(spec.empty(), ev("g", "gift_card_bought", 0, **props), now=NOW)
    assert err.value.problems[0].path == "properties.currency"
    kept = spec.fold(
        spec.empty(), ev("g", "gift_card_bought", 0, amount="5", currency="EUR"), now=NOW
    )
    assert kept.sums["gift_card_bought/SEK/amount"] == 0


def test_a_total_of_a_standard_quantity_ignores_the_events_currency() -> None:
    spec = facts_spec([total("added_to_cart", "quantity") >= 1])
    carts = [
        ev(f"a{i}", "added_to_cart", i, quantity=2, price="9.90", currency=c)
        for i, c in enumerate(["SEK", "EUR"])
    ]
    assert spec.fold_all(carts, now=NOW).sums["added_to_cart/-/quantity"] == 4


def test_money_per_currency_reads() -> None:
    facts = SPEC.fold_all(
        [
            money("a", "order_placed", 2, "10"),
            money("b", "order_placed", 1, "5", "SEK"),
            ev("c", "order_placed", 0),
        ],
        now=NOW,
    )
    assert (facts.orders_in("EUR"), facts.orders_in("SEK"), facts.orders_in("USD")) == (1, 1, 0)
    assert facts.first_at("order_placed") == T0
    assert facts.first_at("signed_up") is None


def test_empty_facts_for_a_named_customer_keep_what_the_spec_needs() -> None:
    named = SPEC.empty("c1")
    assert SPEC.covers(named)
    assert (named.windows, named.sums, named.amount_windows) == (
        SPEC.empty().windows,
        SPEC.empty().sums,
        SPEC.empty().amount_windows,
    )


def test_max_ahead_must_not_be_negative() -> None:
    with pytest.raises(InvalidInputError, match="max_ahead"):
        FactsSpec(max_ahead=timedelta(hours=-1))
    with pytest.raises(InvalidInputError, match="max_ahead"):
        FactsSpec(max_ahead=3600)  # type: ignore[arg-type]  # the mistake under test


def test_windows_with_buckets_trim_alike_however_the_clock_moved() -> None:
    spec = facts_spec(
        [
            count("signed_up", within="30d") >= 10**6,
            total("gift_card_bought", "amount", within="30d") >= 1,
        ]
    )
    events = [ev(f"e{i}", "signed_up", i / 8) for i in range(8 * 40)]  # eight a day for 40 days
    events += [ev(f"g{i}", "gift_card_bought", i / 8, amount=1 + i % 3) for i in range(8 * 40)]
    half = len(events) // 4
    early = spec.fold_all(events[:half] + events[320 : 320 + half], now=T0 + timedelta(days=20))
    late_now = T0 + timedelta(days=41, hours=6)
    stepwise = spec.fold_all(events[half:320] + events[320 + half :], early, now=late_now)
    assert stepwise == spec.fold_all(events, now=late_now)
    window = stepwise.windows["signed_up"]
    assert window.buckets[0][0] * 86400 >= late_now.timestamp() - 31 * 86400 - 86400


def test_windows_kept_under_another_bucket_width_are_adopted() -> None:
    short = facts_spec(
        [
            count("signed_up", within="365d") >= 10**6,
            total("gift_card_bought", "amount", within="365d") >= 1,
        ]
    )
    long = facts_spec(
        [
            count("signed_up", within="3y") >= 10**6,
            total("gift_card_bought", "amount", within="3y") >= 1,
        ]
    )
    events = [ev(f"e{i}", "signed_up", i / 2) for i in range(600)]
    events += [ev(f"g{i}", "gift_card_bought", i / 2, amount=2) for i in range(600)]
    now = T0 + timedelta(days=301)
    facts = short.fold_all(events, now=now)
    assert facts.windows["signed_up"].width == 86400
    more = long.fold(facts, ev("x", "signed_up", 300.5), now=now)
    window = more.windows["signed_up"]
    assert window.width > 86400
    assert count_since(window, 0.0) == 601
    amounts = long.fold(facts, ev("y", "gift_card_bought", 300.5, amount=2), now=now)
    assert total_since(amounts.amount_windows["gift_card_bought/-/amount"], 0.0) == 1202


def test_a_total_refuses_an_amount_that_is_not_a_decimal_naming_the_property() -> None:
    spec = facts_spec([total("gift_card_bought", "amount") >= 1])
    with pytest.raises(InvalidInputError) as err:
        spec.fold(spec.empty(), ev("g7", "gift_card_bought", 0, amount="lots"), now=NOW)
    (problem,) = err.value.problems
    assert problem.path == "properties.amount"
    assert problem.message == (
        "event 'g7' (gift_card_bought): a total() sums amount, so it must be a decimal such "
        "as '12.50', below 10^15 with at most 6 decimal places (got 'lots')"
    )


def test_a_total_without_a_currency_refuses_an_event_that_names_one() -> None:
    spec = facts_spec([total("gift_card_bought", "amount") >= 1])
    card = ev("g8", "gift_card_bought", 0, amount="5", currency="SEK")
    with pytest.raises(InvalidInputError) as err:
        spec.fold(spec.empty(), card, now=NOW)
    (problem,) = err.value.problems
    assert problem.path == "properties.currency"
    assert problem.message == (
        "event 'g8' (gift_card_bought) names the currency 'SEK', but a total() of its "
        "amount names none; journeykit never adds amounts across currencies: say "
        "total('gift_card_bought', 'amount', currency=...)"
    )


def test_totals_in_two_currencies_each_take_their_own_events() -> None:
    spec = facts_spec(
        [
            total("gift_card_bought", "amount", currency="SEK") >= 1,
            total("gift_card_bought", "amount", currency="EUR") >= 1,
        ]
    )
    cards = [
        ev("g1", "gift_card_bought", 0, amount="5", currency="EUR"),
        ev("g2", "gift_card_bought", 1, amount="70", currency="SEK"),
        ev("g3", "gift_card_bought", 2, amount="2.50", currency="EUR"),
    ]
    sums = spec.fold_all(cards, now=NOW).sums
    assert sums["gift_card_bought/SEK/amount"] == Decimal("70")
    assert sums["gift_card_bought/EUR/amount"] == Decimal("7.50")


@given(st.randoms(use_true_random=False))
def test_an_amount_window_folded_in_any_order_is_exact_for_the_newest_and_to_the_day_beyond(
    rng: Any,
) -> None:
    spec = facts_spec([total("gift_card_bought", "amount", within="365d") >= 1])
    at = [T0 + timedelta(hours=5 * i) for i in range(TAIL + 160)]  # older ones go to days
    cards = [
        ev(f"g{i}", "gift_card_bought", (t - T0) / timedelta(days=1), amount=str(i % 7 + 1))
        for i, t in enumerate(at)
    ]
    now = at[-1]
    shuffled = list(cards)
    rng.shuffle(shuffled)
    facts = spec.empty()
    for card in shuffled:  # one at a time: late events go into the day buckets
        facts = spec.fold(facts, card, now=now)
    window = facts.amount_windows["gift_card_bought/-/amount"]
    assert window == spec.fold_all(cards, now=now).amount_windows["gift_card_bought/-/amount"]
    stamps = [(t.timestamp(), Decimal(i % 7 + 1)) for i, t in enumerate(at)]
    for cutoff, _ in stamps[-TAIL + 1 :]:  # inside the exact tail: exact
        assert total_since(window, cutoff) == sum(a for t, a in stamps if t >= cutoff)
    # at the tail's oldest entry and beyond it, the cut-off's day counts whole
    for cutoff, _ in [*stamps[: -TAIL - 5 : 11], stamps[-TAIL]]:
        day_start = cutoff // 86400 * 86400
        assert total_since(window, cutoff) == sum(a for t, a in stamps if t >= day_start)


# every kind of part a fold can touch: stats, count windows (filtered too), money,
# sums and amount windows in a currency, and a plain total
EVERY_PART = facts_spec(
    [
        count("order_placed", within="30d") >= 2,
        count("product_viewed", where=prop("category") == "books", within="7d") > 3,
        count("product_viewed", where=prop("category") == "music", within="7d") > 3,
        total("order_placed", currency="EUR", within="365d") >= 100,
        total("order_placed", currency="EUR") >= 100,
        total("order_refunded", currency="EUR", within="30d") >= 1,
    ],
    dedupe_horizon=timedelta(days=1000),
)


@given(s.event_lists, s.events())
def test_property_folding_never_changes_the_facts_folded_into(
    history: list[Event], more: Event
) -> None:
    before = EVERY_PART.fold_all(history, now=END)
    snapshot = TypeAdapter(Facts).dump_json(before)
    after = EVERY_PART.fold(before, more, now=END)
    assert TypeAdapter(Facts).dump_json(before) == snapshot  # the facts passed in: untouched
    assert EVERY_PART.fold_all([*history, more], now=END) == after


def test_each_filtered_window_takes_the_events_its_filter_matches() -> None:
    views = [
        ev(f"v{i}", "product_viewed", i / 10, category=("books", "music", "games")[i % 3])
        for i in range(9)
    ]
    windows = EVERY_PART.fold_all(views, now=T0 + timedelta(days=1)).windows
    books, music = (
        key
        for key in sorted(windows)
        if key.startswith("product_viewed") and key != "product_viewed"
    )
    assert {len(windows[books].times), len(windows[music].times)} == {3}
