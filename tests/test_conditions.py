"""Conditions: readable, serialisable, and evaluated exactly as a direct reading says."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit import conditions as c
from journeykit.conditions import (
    EvalContext,
    all_of,
    any_of,
    attr,
    consented,
    count,
    fact,
    in_stage,
    not_,
    parse_condition,
    prop,
    since,
    stage_for,
    total,
)
from journeykit.errors import DefinitionError, InvalidInputError, UsageError
from journeykit.events import parse_money
from journeykit.facts import FactsSpec
from journeykit.models import Customer, Event
from journeykit.time import parse_duration, shift
from tests import strategies as s

UTC = timezone.utc
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CUSTOMER = Customer(
    id="c1",
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
    timezone="Europe/Stockholm",
    attributes={
        "tier": "gold",
        "score": 3,
        "vip": True,
        "tags": ["a", "b"],
        "address": {"cc": "SE"},
    },
    consent={"email": "opted_in", "sms": "opted_out"},
)


def order(eid: str, days_ago: float, value: str = "10.00", **props: Any) -> Event:
    return Event(
        id=eid,
        customer_id="c1",
        type="order_placed",
        at=NOW - timedelta(days=days_ago),
        properties={"value": value, "currency": "EUR", **props},
    )


def holds(cond: c.Condition, events: list[Event] = (), **ctx: Any) -> bool:  # type: ignore[assignment]  # tuple default is read-only
    facts = FactsSpec.for_conditions([cond]).fold_all(events)
    return cond.evaluate(
        EvalContext(ctx.pop("customer", CUSTOMER), facts, ctx.pop("now", NOW), **ctx)
    )


# --- readable text -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cond", "text"),
    [
        (count("order_placed", within="365d") >= 2, "orders in the last 365 days >= 2"),
        (count("order_placed") == 0, "orders == 0"),
        (count("signed_up", within="2w") > 0, "sign-ups in the last 2 weeks > 0"),
        (count("wishlist_shared") >= 1, "'wishlist_shared' events >= 1"),
        (since("order_placed") > "90d", "time since the last order > 90 days"),
        (
            total("order_placed", within="1mo") >= 100,
            "total value of orders in the last 1 month >= 100",
        ),
        (attr("tier") == "gold", "attribute tier == 'gold'"),
        (attr("vip").exists(), "attribute vip is set"),
        (fact("average_order_value") > 50, "average order value > 50"),
        (stage_for() >= "12h", "time in the current stage >= 12 hours"),
        (in_stage("new"), "stage is new"),
        (consented("sms"), "consented to sms"),
        (
            (in_stage("a") | in_stage("b")) & consented("email"),
            "(stage is a or stage is b) and consented to email",
        ),
        (not_(in_stage("a") & in_stage("b")), "not (stage is a and stage is b)"),
        (all_of(), "always"),
        (any_of(), "never"),
    ],
)
def test_conditions_read_aloud(cond: c.Condition, text: str) -> None:
    assert str(cond) == text


# --- evaluation --------------------------------------------------------------------


def test_count_within_a_window() -> None:
    events = [order("a", 400), order("b", 200), order("c", 3)]
    assert holds(count("order_placed", within="365d") == 2, events)
    assert holds(count("order_placed") == 3, events)
    assert not holds(count("order_placed", within="2d") >= 1, events)


def test_count_where_filters_on_event_properties() -> None:
    events = [order("a", 1, category="books"), order("b", 2, category="music")]
    assert holds(count("order_placed", where=prop("category") == "books") == 1, events)
    assert holds(count("order_placed", where=~(prop("category") == "books")) == 1, events)
    assert holds(
        count("order_placed", where=prop("category").is_in(["books", "music"])) == 2, events
    )


def test_never_did_it_is_explicit() -> None:
    lapsed = since("order_placed") > "90d"
    assert not holds(lapsed, [])
    assert holds(since("order_placed", never=True) > "90d", [])
    assert holds(lapsed, [order("a", 100)])
    assert not holds(lapsed, [order("a", 10)])
    assert holds(since("order_placed") < "90d", [order("a", 10)])


def test_since_uses_calendar_days_in_the_customers_zone() -> None:
    # 30 calendar days before 2026-04-10 09:00 Stockholm (CEST) is 2026-03-11 09:00 (CET):
    # 30 days and one hour less of elapsed time, because the clocks went forward.
    now = datetime(2026, 4, 10, 7, 0, tzinfo=UTC)
    last = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # 09:00 CET
    e = Event(id="x", customer_id="c1", type="order_placed", at=last)
    assert holds(since("order_placed") >= "30d", [e], now=now)
    assert not holds(since("order_placed") > "30d", [e], now=now)
    assert holds(since("order_placed") >= "719h", [e], now=now)
    assert not holds(since("order_placed") > "719h", [e], now=now)


def test_total_and_facts() -> None:
    events = [order("a", 10, "60.00"), order("b", 400, "50.00")]
    assert holds(total("order_placed", within="365d") == 60, events)
    assert holds(total("order_placed") == Decimal("110.00"), events)
    assert holds(fact("revenue") == 110, events)
    assert holds(fact("order_count") == 2, events)
    assert holds(fact("average_order_value") == 55, events)
    assert not holds(fact("average_order_value") >= 0, [])


def test_attributes() -> None:
    assert holds(attr("tier") == "gold")
    assert holds(attr("address.cc").is_in(["SE", "NO"]))
    assert holds(attr("score") > 2)
    assert holds(attr("tags").contains("a"))
    assert holds(attr("nope").missing())
    assert not holds(attr("nope") != "x"), "a missing attribute matches no comparison"
    assert not holds(attr("tier") > 3), "unlike types never match"
    assert not holds(attr("vip") == 1), "JSON true is not 1"
    assert holds(attr("tier").not_in(["silver"]))


def test_stage_and_consent() -> None:
    entered = NOW - timedelta(days=40)
    assert holds(in_stage("loyal", "vip"), stage="loyal")
    assert not holds(in_stage("loyal"), stage=None)
    assert holds(stage_for() > "30d", stage="loyal", stage_entered_at=entered)
    assert not holds(stage_for() > "30d", stage="loyal")
    assert holds(consented("email"))
    assert not holds(consented("sms"))
    assert not holds(consented("push"))


def test_combinators_flatten() -> None:
    cond = in_stage("a") & in_stage("b") & in_stage("c")
    assert isinstance(cond, c.AllOf)
    assert len(cond.conditions) == 3


def test_naive_now_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="now must be timezone-aware"):
        EvalContext(CUSTOMER, FactsSpec().empty(), datetime(2026, 1, 1))


def test_facts_without_the_needed_window_are_a_usage_error() -> None:
    cond = count("order_placed", within="30d") >= 1
    facts = FactsSpec().fold_all([order("a", 1)])
    with pytest.raises(UsageError, match=r"FactsSpec\.for_conditions"):
        cond.evaluate(EvalContext(CUSTOMER, facts, NOW))


# --- validation and errors ---------------------------------------------------------


def test_prop_outside_where_is_a_definition_problem() -> None:
    problems = c.condition_problems(in_stage("a") & (prop("sku") == "x"), "transitions[3].when")
    assert [p.path for p in problems] == ["transitions[3].when.conditions[1]"]
    with pytest.raises(DefinitionError, match="belongs inside where"):
        c.check_condition(prop("sku") == "x")


def test_where_may_only_filter_properties() -> None:
    with pytest.raises(DefinitionError, match="where= filters an event's properties"):
        count("order_placed", where=in_stage("x")) >= 1  # noqa: B015  # building it must raise


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: count("order_placed", within="-3d") >= 1, "within must be a positive duration"),
        (lambda: count("order_placed", within="soon") >= 1, "duration"),
        (lambda: count("order_placed") >= -1, "greater than or equal to 0"),
        (lambda: since("order_placed") > "0d", "must be a positive duration"),
        (lambda: attr("").exists(), "dotted path"),
        (lambda: attr("a..b") == 1, "dotted path"),
        (lambda: c.Attr(path="x", op="in", value=3), "needs a list"),
        (lambda: total("order_placed") >= "lots", "decimal"),
    ],
)
def test_bad_definitions_say_what_to_fix(make: Any, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        make()


def test_since_has_no_equality() -> None:
    with pytest.raises(TypeError, match="compares with <, <=, > or >="):
        since("order_placed") == "3d"  # noqa: B015  # the comparison itself must raise


def test_unknown_fields_are_rejected_not_ignored() -> None:
    with pytest.raises(ValueError, match="priorty"):
        parse_condition({"type": "in_stage", "stages": ["a"], "priorty": 1})


def test_json_schema_names_every_condition_type() -> None:
    schema = c.condition_json_schema()
    text = json.dumps(schema)
    for kind in ("attr", "count", "total", "since", "in_stage", "stage_for", "consented", "all_of"):
        assert f'"{kind}"' in text


# --- properties --------------------------------------------------------------------


@given(s.conditions)
def test_every_condition_round_trips_through_json(cond: c.Condition) -> None:
    again = parse_condition(cond.model_dump_json())
    assert again == cond
    assert str(again) == str(cond)
    assert parse_condition(json.loads(cond.model_dump_json())) == cond


def _reference(cond: c.Condition, events: list[Event], ctx: EvalContext) -> bool:
    """A direct reading of each condition over the raw event list (no facts, no compiling)."""
    tz = ctx.tz

    def cutoff(d: Any) -> datetime:
        return shift(ctx.now, -parse_duration(str(d)), tz)

    def matching(event: str, where: c.Condition | None) -> list[Event]:
        return [
            e
            for e in events
            if e.type == event and (where is None or _ref_where(where, e.properties))
        ]

    if isinstance(cond, c.AllOf):
        return all(_reference(x, events, ctx) for x in cond.conditions)
    if isinstance(cond, c.AnyOf):
        return any(_reference(x, events, ctx) for x in cond.conditions)
    if isinstance(cond, c.Not):
        return not _reference(cond.condition, events, ctx)
    if isinstance(cond, c.Count):
        found = matching(cond.event, cond.where)
        if cond.within is not None:
            found = [e for e in found if e.at >= cutoff(cond.within)]
        return _cmp(len(found), cond.op, cond.value)
    if isinstance(cond, c.Total):
        found = matching(cond.event, cond.where)
        if cond.within is not None:
            found = [e for e in found if e.at >= cutoff(cond.within)]
        amounts = [parse_money(e.properties.get(cond.prop)) for e in found]
        return _cmp(sum((a for a in amounts if a is not None), Decimal(0)), cond.op, cond.value)
    if isinstance(cond, c.Since):
        found = matching(cond.event, cond.where)
        if not found:
            return cond.never
        last = max(e.at for e in found)
        limit = cutoff(cond.value)
        return {">": last < limit, ">=": last <= limit, "<": last > limit, "<=": last >= limit}[
            cond.op
        ]
    if isinstance(cond, c.FactIs):
        orders = [e for e in events if e.type == "order_placed"]
        refunds = [e for e in events if e.type == "order_refunded"]
        revenue = sum((parse_money(e.properties.get("value")) or 0 for e in orders), Decimal(0))
        revenue -= sum((parse_money(e.properties.get("value")) or 0 for e in refunds), Decimal(0))
        if cond.name == "order_count":
            return _cmp(len(orders), cond.op, cond.value)
        if cond.name == "revenue":
            return _cmp(revenue, cond.op, cond.value)
        return bool(orders) and _cmp(revenue / len(orders), cond.op, cond.value)
    if isinstance(cond, c.StageFor):
        if ctx.stage_entered_at is None:
            return False
        limit = cutoff(cond.value)
        entered = ctx.stage_entered_at
        return {
            ">": entered < limit,
            ">=": entered <= limit,
            "<": entered > limit,
            "<=": entered >= limit,
        }[cond.op]
    if isinstance(cond, c.InStage):
        return ctx.stage in cond.stages
    if isinstance(cond, c.Consented):
        return ctx.customer.consent.get(cond.channel) == "opted_in"
    if isinstance(cond, c.Attr):
        return _ref_value(ctx.customer.attributes, cond)
    raise AssertionError(cond)


def _ref_where(where: c.Condition, properties: dict[str, Any]) -> bool:
    if isinstance(where, c.Prop):
        return _ref_value(properties, where)
    if isinstance(where, c.Not):
        return not _ref_where(where.condition, properties)
    raise AssertionError(where)


_NOTHING = object()


def _ref_value(data: dict[str, Any], cond: c.Attr | c.Prop) -> bool:
    value: Any = data
    for key in cond.path.split("."):
        value = value.get(key, _NOTHING) if isinstance(value, dict) else _NOTHING
    present = value is not _NOTHING and value is not None
    if cond.op == "exists":
        return present
    if cond.op == "missing":
        return not present
    if not present:
        return False
    if cond.op == "in":
        return any(_json_equal(value, x) for x in cond.value)  # type: ignore[union-attr]  # validated list
    if cond.op == "not_in":
        return not any(_json_equal(value, x) for x in cond.value)  # type: ignore[union-attr]  # validated list
    if cond.op == "contains":
        return (
            isinstance(value, (list, tuple)) and any(_json_equal(v, cond.value) for v in value)
        ) or (isinstance(value, str) and isinstance(cond.value, str) and cond.value in value)
    if cond.op == "==":
        return _json_equal(value, cond.value)
    if cond.op == "!=":
        return not _json_equal(value, cond.value)
    comparable = (isinstance(value, (int, float)) and not isinstance(value, bool)) == (
        isinstance(cond.value, (int, float)) and not isinstance(cond.value, bool)
    ) and isinstance(value, bool) == isinstance(cond.value, bool)
    if not comparable or (isinstance(value, str) != isinstance(cond.value, str)):
        return False
    if not isinstance(value, (int, float, str)):
        return False
    return _cmp(value, cond.op, cond.value)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _cmp(a: Any, op: str, b: Any) -> bool:
    return {
        "==": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


@given(
    s.conditions,
    s.event_lists,
    s.customers,
    st.integers(0, 90 * 24),
    st.one_of(st.none(), st.sampled_from(["new", "repeat", "lapsed"])),
    st.integers(0, 400 * 24),
    st.permutations(range(40)),
)
def test_compiled_evaluation_matches_a_direct_reading_of_the_events(
    cond: c.Condition,
    events: list[Event],
    customer: Customer,
    hours_after: int,
    stage: str | None,
    stage_hours: int,
    order: list[int],
) -> None:
    now = s.EPOCH + timedelta(days=400, hours=hours_after)
    entered = None if stage is None else now - timedelta(hours=stage_hours)
    spec = FactsSpec.for_conditions([cond])
    shuffled = [events[i] for i in order if i < len(events)]
    facts = spec.fold_all(shuffled)
    ctx = EvalContext(customer, facts, now, stage=stage, stage_entered_at=entered)
    assert cond.evaluate(ctx) == _reference(cond, events, ctx)


@pytest.mark.parametrize(
    "cond",
    [
        count("order_placed", where=prop("channel") == "app") >= 1,
        since("order_placed", where=prop("channel") == "app") > "3d",
        total("order_placed") >= 1,
    ],
)
def test_filters_and_sums_the_facts_do_not_keep_are_a_usage_error(cond: c.Condition) -> None:
    facts = FactsSpec().fold_all([order("a", 1, channel="app")])
    with pytest.raises(UsageError, match="do not track"):
        cond.evaluate(EvalContext(CUSTOMER, facts, NOW))
