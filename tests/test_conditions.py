"""Conditions: readable, serialisable, refused clearly when wrong, and evaluated exactly as a
direct reading of the events says."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from journeykit import conditions as c
from journeykit.conditions import (
    EvalContext,
    all_of,
    any_of,
    attr,
    consented,
    count,
    fact,
    facts_spec,
    in_stage,
    not_,
    parse_condition,
    prop,
    since,
    stage_for,
    total,
)
from journeykit.errors import DefinitionError, InvalidInputError, JourneykitError, UsageError
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
        "nothing": None,
    },
    consent={"email": "opted_in", "sms": "opted_out"},
)


def event(eid: str, kind: str, days_ago: float, **props: Any) -> Event:
    return Event(
        id=eid, customer_id="c1", type=kind, at=NOW - timedelta(days=days_ago), properties=props
    )


def order(
    eid: str, days_ago: float, value: str = "10.00", currency: str = "EUR", **props: Any
) -> Event:
    return event(eid, "order_placed", days_ago, value=value, currency=currency, **props)


def refund(eid: str, days_ago: float, value: str, currency: str = "EUR") -> Event:
    return event(eid, "order_refunded", days_ago, value=value, currency=currency)


def holds(cond: c.Condition, events: list[Event] = (), **ctx: Any) -> bool:  # type: ignore[assignment]  # tuple default is read-only
    now = ctx.pop("now", NOW)
    facts = facts_spec([cond]).fold_all(events, now=now)
    return cond.evaluate(EvalContext(ctx.pop("customer", CUSTOMER), facts, now, **ctx))


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
            since("order_placed", never=True) > "90d",
            "time since the last order > 90 days (or no order ever)",
        ),
        (attr("cc").is_in(["SE", "NO"]), "attribute cc is one of 'SE', 'NO'"),
        (
            total("order_placed", currency="SEK", within="1mo") >= 100,
            "total value of orders in SEK in the last 1 month >= 100",
        ),
        (
            total("gift_card_bought", "amount") >= 50,
            "total amount of 'gift_card_bought' events >= 50",
        ),
        (attr("tier") == "gold", "attribute tier == 'gold'"),
        (attr("vip") == True, "attribute vip == true"),  # noqa: E712  # builds a condition
        (attr("vip") != False, "attribute vip != false"),  # noqa: E712  # builds a condition
        (attr("nickname") == None, "attribute nickname == null"),  # noqa: E711  # builds a condition
        (attr("vip").exists(), "attribute vip is set"),
        (attr("vip").missing(), "attribute vip is not set"),
        (attr("tier").not_in(["gold", "vip"]), "attribute tier is not one of 'gold', 'vip'"),
        (attr("prefs") == {"mail": [1, True]}, "attribute prefs == {'mail': [1, true]}"),
        (attr("tags").contains("a"), "attribute tags contains 'a'"),
        (fact("average_order_value", currency="EUR") > 50, "average order value in EUR > 50"),
        (fact("revenue", currency="SEK") >= 1000, "revenue in SEK >= 1000"),
        (fact("order_count") >= 2, "order count >= 2"),
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


@pytest.mark.parametrize(
    ("builder", "text"),
    [
        (
            count("order_placed", within="30d"),
            "orders in the last 30 days (needs a comparison, e.g. >= 1)",
        ),
        (attr("tier"), "attribute tier (needs a comparison, e.g. == 'gold', or .exists())"),
        (since("order_placed"), "time since the last order (needs a comparison, e.g. > '90d')"),
        (
            total("order_placed", currency="SEK"),
            "total value of orders in SEK (needs a comparison, e.g. >= 100)",
        ),
        (fact("revenue", currency="SEK"), "revenue in SEK (needs a comparison, e.g. >= 100)"),
        (stage_for(), "time in the current stage (needs a comparison, e.g. > '90d')"),
    ],
)
def test_a_half_built_builder_says_what_is_missing(builder: object, text: str) -> None:
    assert str(builder) == text
    assert "needs a comparison" in repr(builder)


# --- Python's own operators ---------------------------------------------------------

REPEAT = count("order_placed") >= 2
RICH = fact("revenue", currency="EUR") > 5


@pytest.mark.parametrize(
    "misuse",
    [
        lambda: REPEAT and RICH,
        lambda: REPEAT or RICH,
        lambda: not REPEAT,
        lambda: "yes" if REPEAT else "no",
        lambda: bool(RICH),
    ],
)
def test_python_and_or_not_if_refuse_a_condition(misuse: Any) -> None:
    with pytest.raises(
        TypeError, match=r"combine conditions with & \(and\), \| \(or\) and ~ \(not\)"
    ):
        misuse()


@pytest.mark.parametrize(
    "misuse",
    [
        lambda: count("order_placed") & REPEAT,
        lambda: REPEAT & count("order_placed"),
        lambda: REPEAT | count("order_placed"),
        lambda: count("order_placed") | REPEAT,
        lambda: ~count("order_placed"),
        lambda: bool(count("order_placed")),
    ],
)
def test_a_half_built_builder_in_a_combination_names_the_missing_comparison(misuse: Any) -> None:
    with pytest.raises(
        TypeError, match=r"count\('order_placed'\) is half-built: it needs a comparison"
    ):
        misuse()


def test_a_half_built_builder_used_as_a_condition_is_a_definition_error_with_its_path() -> None:
    with pytest.raises(DefinitionError) as err:
        all_of(REPEAT, since("order_placed"))  # type: ignore[arg-type]  # the mistake under test
    [problem] = err.value.problems
    assert problem.path == "conditions[1]"
    assert "since('order_placed') is half-built" in problem.message
    with pytest.raises(DefinitionError, match="where: count"):
        _ = count("order_placed", where=count("x")) >= 1  # type: ignore[arg-type]  # the mistake under test


def test_something_else_in_a_combination_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="& combines conditions; got str"):
        REPEAT & "orders >= 2"  # type: ignore[operator]  # the mistake under test


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


def test_order_totals_and_facts_are_per_currency() -> None:
    events = [order("a", 10, "60.00"), order("b", 400, "50.00"), order("c", 5, "100", "SEK")]
    assert holds(total("order_placed", currency="EUR", within="365d") == 60, events)
    assert holds(total("order_placed", currency="EUR") == Decimal("110.00"), events)
    assert holds(total("order_placed", currency="SEK") == 100, events)
    assert holds(fact("revenue", currency="EUR") == 110, events), "100 SEK is not 100 EUR"
    assert holds(fact("revenue", currency="SEK") == 100, events)
    assert holds(fact("revenue", currency="USD") == 0, events)
    assert holds(fact("order_count") == 3, events)
    assert holds(fact("average_order_value", currency="EUR") == 55, events)
    assert not holds(fact("average_order_value", currency="USD") >= 0, events), "no USD order"
    assert not holds(fact("average_order_value", currency="EUR") >= 0, [])


def test_the_average_order_value_is_rounded_to_the_currencys_minor_unit() -> None:
    events = [order("a", 3, "10.00"), order("b", 2, "10.00"), order("c", 1, "10.01")]
    assert holds(fact("average_order_value", currency="EUR") == Decimal("10.00"), events)
    yen = [order("a", 2, "100", "JPY"), order("b", 1, "101", "JPY")]
    assert holds(fact("average_order_value", currency="JPY") == 100, yen), "yen have no minor unit"


def test_a_refund_larger_than_the_orders_leaves_revenue_at_zero_never_below() -> None:
    events = [order("a", 5, "30.00"), refund("r", 1, "80.00")]
    assert holds(fact("revenue", currency="EUR") == 0, events)
    assert holds(fact("average_order_value", currency="EUR") == 0, events)
    assert not holds(fact("revenue", currency="EUR") < 0, events)


@pytest.mark.parametrize("within", [None, "30d"])
def test_totals_over_any_property_of_any_event_type(within: str | None) -> None:
    """A custom event's own property, lifetime and windowed: summed, never silently 0."""
    events = [
        event("g1", "gift_card_bought", 5, amount="25.50"),
        event("g2", "gift_card_bought", 10, amount=40),
        event("g3", "gift_card_bought", 100, amount="100"),
        event("g4", "gift_card_bought", 1),  # no amount: adds nothing
    ]
    expected = Decimal("65.50") if within else Decimal("165.50")
    assert holds(total("gift_card_bought", "amount", within=within) == expected, events)
    assert not holds(total("gift_card_bought", "amount", within=within) != expected, events)


@pytest.mark.parametrize("within", [None, "30d"])
def test_a_total_in_a_currency_sums_only_amounts_in_that_currency(within: str | None) -> None:
    events = [
        event("g1", "gift_card_bought", 5, amount="20", currency="SEK"),
        event("g2", "gift_card_bought", 6, amount="30", currency="EUR"),
        event("g3", "gift_card_bought", 7, amount="5", currency="SEK"),
    ]
    assert holds(total("gift_card_bought", "amount", currency="SEK", within=within) == 25, events)
    assert holds(total("gift_card_bought", "amount", currency="EUR", within=within) == 30, events)


def test_a_total_without_a_currency_refuses_an_amount_that_names_one() -> None:
    cond = total("gift_card_bought", "amount") >= 1
    e = event("g1", "gift_card_bought", 1, amount="20", currency="SEK")
    with pytest.raises(InvalidInputError) as err:
        facts_spec([cond]).fold_all([e], now=NOW)
    assert err.value.problems[0].path == "properties.currency"
    assert "currency=" in err.value.problems[0].message


def test_a_total_in_a_currency_refuses_an_amount_without_one() -> None:
    cond = total("gift_card_bought", "amount", currency="SEK") >= 1
    e = event("g1", "gift_card_bought", 1, amount="20")
    with pytest.raises(InvalidInputError, match=r"properties\.currency"):
        facts_spec([cond]).fold_all([e], now=NOW)


@pytest.mark.parametrize("amount", ["lots", "1e400", "0.0000001", True, [1]])
def test_an_amount_a_total_cannot_sum_is_refused_naming_the_property(amount: object) -> None:
    spec = facts_spec([total("gift_card_bought", "amount") >= 1])
    before = spec.empty()
    with pytest.raises(InvalidInputError) as err:
        spec.fold(before, event("g1", "gift_card_bought", 1, amount=amount), now=NOW)
    assert err.value.problems[0].path == "properties.amount"
    assert before == spec.empty()


def test_attributes() -> None:
    assert holds(attr("tier") == "gold")
    assert holds(attr("address.cc").is_in(["SE", "NO"]))
    assert holds(attr("score") > 2)
    assert holds(attr("tags").contains("a"))
    assert holds(attr("tags") == ["a", "b"]), "a stored list equals the same list"
    assert holds(attr("nope").missing())
    assert holds(attr("nothing").missing())
    assert holds(attr("nothing") == None)  # noqa: E711  # builds a condition
    assert not holds(attr("nothing").exists())
    assert not holds(attr("nope") != "x"), "a missing attribute matches no comparison"
    assert not holds(attr("nope").not_in(["x"])), "... not even not_in"
    assert not holds(attr("tier") > 3), "unlike types never match"
    assert not holds(attr("vip") == 1), "JSON true is not 1"
    assert holds(attr("tier").not_in(["silver"]))


def test_is_in_refuses_one_text_that_would_read_as_its_letters() -> None:
    with pytest.raises(DefinitionError) as err:
        attr("tier").is_in("gold")  # type: ignore[arg-type]  # the mistake under test
    assert err.value.problems[0].path == "value"
    assert "is_in(['gold'])" in err.value.problems[0].message
    with pytest.raises(DefinitionError, match="not_in takes a list"):
        prop("channel").not_in("app")  # type: ignore[arg-type]  # the mistake under test


def test_is_in_takes_a_set_in_a_stable_order() -> None:
    assert attr("tier").is_in({"silver", "gold"}) == attr("tier").is_in(["gold", "silver"])


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


def test_facts_without_the_needed_window_are_a_usage_error() -> None:
    cond = count("order_placed", within="30d") >= 1
    facts = FactsSpec().fold_all([order("a", 1)], now=NOW)
    with pytest.raises(UsageError, match=r"facts_spec"):
        cond.evaluate(EvalContext(CUSTOMER, facts, NOW))


@pytest.mark.parametrize(
    "cond",
    [
        count("order_placed", where=prop("channel") == "app") >= 1,
        since("order_placed", where=prop("channel") == "app") > "3d",
        total("order_placed", currency="EUR") >= 1,
        total("order_placed", currency="EUR", within="3d") >= 1,
    ],
)
def test_filters_and_sums_the_facts_do_not_keep_are_a_usage_error(cond: c.Condition) -> None:
    facts = FactsSpec().fold_all([order("a", 1, channel="app")], now=NOW)
    with pytest.raises(UsageError, match="do not track"):
        cond.evaluate(EvalContext(CUSTOMER, facts, NOW))


# --- the evaluation context ----------------------------------------------------------


def test_a_context_refuses_another_customers_facts() -> None:
    facts = FactsSpec().fold_all([order("a", 1)], now=NOW)
    bob = Customer(id="bob", created_at=NOW)
    with pytest.raises(InvalidInputError) as err:
        EvalContext(bob, facts, NOW)
    assert err.value.problems[0].path == "facts"
    assert "belong to customer 'c1', not 'bob'" in str(err.value)


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (({"id": "c1"}, FactsSpec().empty(), NOW), "customer"),
        ((CUSTOMER, None, NOW), "facts"),
        ((CUSTOMER, FactsSpec().empty(), datetime(2026, 1, 1)), "now"),
        ((CUSTOMER, FactsSpec().empty(), "2026-01-01"), "now"),
    ],
)
def test_a_context_refuses_bad_arguments_with_their_path(args: tuple[Any, ...], path: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        EvalContext(*args)
    assert err.value.problems[0].path == path


def test_a_context_refuses_a_now_before_the_facts_clock() -> None:
    facts = FactsSpec().fold_all([order("a", 1)], now=NOW)
    with pytest.raises(InvalidInputError, match="earlier than the facts' clock"):
        EvalContext(CUSTOMER, facts, NOW - timedelta(hours=1))


def test_cut_offs_are_cached_by_the_durations_value(monkeypatch: pytest.MonkeyPatch) -> None:
    from journeykit.conditions import _context

    calls: list[object] = []
    real = _context.look_back

    def counted(*args: Any) -> float:
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(_context, "look_back", counted)
    ctx = EvalContext(CUSTOMER, FactsSpec().empty(), NOW)
    first = ctx.cutoff(parse_duration("30d"))
    again = ctx.at_stage("loyal", NOW).cutoff(parse_duration("30d"))  # a distinct, equal object
    other = ctx.cutoff(parse_duration("31d"))
    assert first == again != other
    assert len(calls) == 2, "one computation per duration value, shared by at_stage"


def test_at_stage_gives_a_context_for_another_stage() -> None:
    ctx = EvalContext(CUSTOMER, FactsSpec().empty(), NOW, stage="new")
    moved = ctx.at_stage("loyal", NOW - timedelta(days=40))
    assert (ctx.stage, moved.stage) == ("new", "loyal")
    assert (stage_for() > "30d").evaluate(moved)
    assert not (stage_for() > "30d").evaluate(ctx)


# --- explain ------------------------------------------------------------------------


def test_explain_shows_the_values_behind_each_check_and_which_side_held() -> None:
    cond = (
        (count("order_placed", within="30d") >= 3)
        | (fact("revenue", currency="SEK") >= 200)
        | (since("review_submitted") > "90d")
    ) & ~consented("sms")
    events = [order("a", 3, "300.00", "SEK"), order("b", 95, "10.00")]
    facts = facts_spec([cond]).fold_all(events, now=NOW)
    check = c.explain(cond, EvalContext(CUSTOMER, facts, NOW))
    assert check.holds
    assert check.condition == str(cond)
    either, no_sms = check.parts
    assert [(p.holds, p.value) for p in either.parts] == [
        (False, "orders in the last 30 days = 1"),
        (True, "revenue in SEK = 300.00"),
        (False, "never"),
    ]
    assert (no_sms.holds, no_sms.parts[0].value) == (True, "consent to sms = opted_out")


@pytest.mark.parametrize(
    ("cond", "value"),
    [
        (since("order_placed") > "90d", "time since the last order = 95 days"),
        (attr("tier") == "gold", "attribute tier = 'gold'"),
        (attr("nope").exists(), "attribute nope is not set"),
        (
            fact("average_order_value", currency="USD") > 1,
            "average order value in USD = none (no orders in USD)",
        ),
        (fact("order_count") >= 1, "order count = 1"),
        (count("signed_up") >= 1, "sign-ups = 0"),
        (since("order_placed", where=prop("channel") == "app") > "1d", "never"),
        (in_stage("loyal"), "stage = none"),
        (stage_for() > "1d", "time in the current stage = unknown"),
        (
            total("order_placed", currency="EUR", within="1y") >= 1,
            "total value of orders in EUR in the last 1 year = 10.00",
        ),
    ],
)
def test_explain_says_each_value_in_words(cond: c.Condition, value: str) -> None:
    facts = facts_spec([cond]).fold_all([order("a", 95)], now=NOW)
    assert c.explain(cond, EvalContext(CUSTOMER, facts, NOW)).value == value


def test_explain_says_when_a_count_is_settled_past_its_threshold() -> None:
    cond = count("order_placed", within="30d") >= 2
    facts = facts_spec([cond]).fold_all([order(str(i), i) for i in range(10)], now=NOW)
    check = c.explain(cond, EvalContext(CUSTOMER, facts, NOW))
    assert (check.holds, check.value) == (True, "orders in the last 30 days = 3 or more")


@given(
    s.conditions,
    s.event_lists,
    s.customers,
    st.integers(0, 90 * 24),
    st.one_of(st.none(), st.sampled_from(["new", "repeat", "lapsed"])),
)
def test_explain_agrees_with_evaluation(
    cond: c.Condition,
    events: list[Event],
    customer: Customer,
    hours_after: int,
    stage: str | None,
) -> None:
    now = s.EPOCH + timedelta(days=400, hours=hours_after)
    facts = facts_spec([cond]).fold_all(events, now=now)
    ctx = EvalContext(customer, facts, now, stage=stage, stage_entered_at=now - timedelta(days=3))
    check = c.explain(cond, ctx)
    assert check.holds == cond.evaluate(ctx)
    assert check.condition == str(cond)


# --- validation and errors ---------------------------------------------------------


def test_prop_outside_where_is_a_definition_problem() -> None:
    problems = c.condition_problems(in_stage("a") & (prop("sku") == "x"), "transitions[3].when")
    assert [p.path for p in problems] == ["transitions[3].when.conditions[1]"]
    with pytest.raises(DefinitionError, match="belongs inside where"):
        c.check_condition(prop("sku") == "x")


def test_unknown_event_types_and_stages_are_reported_with_a_suggestion() -> None:
    cond = (count("order_placd") >= 1) & in_stage("loyal", "churnd") & (since("signed_up") > "1d")
    problems = c.condition_problems(
        cond,
        "transitions[0].when",
        known_events={"order_placed", "signed_up"},
        known_stages=("loyal", "churned"),
    )
    assert [(p.path, p.message) for p in problems] == [
        (
            "transitions[0].when.conditions[0].event",
            "unknown event type 'order_placd'; did you mean 'order_placed'?",
        ),
        (
            "transitions[0].when.conditions[1].stages[1]",
            "unknown stage 'churnd'; did you mean 'churned'?",
        ),
    ]
    far = c.condition_problems(count("zzz") >= 1, known_events={"order_placed"})
    assert far[0].message == "unknown event type 'zzz'; known: 'order_placed'"
    assert c.condition_problems(cond) == [], "nothing is checked against lists not given"


def test_where_may_only_filter_properties() -> None:
    with pytest.raises(DefinitionError) as err:
        _ = count("order_placed", where=in_stage("x") | (prop("a") == 1)) >= 1
    assert [p.path for p in err.value.problems] == ["where.conditions[0]"]
    assert "where= filters an event's properties" in err.value.problems[0].message


def test_problem_messages_quote_conditions_up_to_a_bound() -> None:
    huge = attr("sku").is_in([f"sku-{i:05}" for i in range(10_000)])
    with pytest.raises(DefinitionError) as err:
        _ = count("order_placed", where=huge) >= 1
    assert len(str(err.value)) < 400


@pytest.mark.parametrize(
    ("make", "path", "message"),
    [
        (lambda: count("order_placed", within="-3d") >= 1, "within", "must be a positive duration"),
        (lambda: count("order_placed", within="soon") >= 1, "within", "duration"),
        (lambda: count("order_placed", within=30) >= 1, "within", "duration"),
        (lambda: count("order_placed") >= -1, "value", "greater than or equal to 0"),
        (lambda: count("order_placed") >= "two", "value", "integer"),
        (lambda: count("Order Placed") >= 1, "event", "snake_case"),
        (lambda: count("") >= 1, "event", "snake_case"),
        (lambda: count(42) >= 1, "event", "string"),
        (lambda: since("order_placed") > "0d", "value", "must be a positive duration"),
        (lambda: since("order placed") > "1d", "event", "snake_case"),
        (lambda: total("x y", "amount") >= 1, "event", "snake_case"),
        (lambda: attr("").exists(), "path", "dotted path"),
        (lambda: attr("a..b") == 1, "path", "dotted path"),
        (lambda: attr("a" * 300) == 1, "path", "at most 200"),
        (lambda: c.Attr(path="x", op="in", value=3), "value", "needs a list"),
        (lambda: c.Attr(path="x", op="exists", value=3), "value", "takes no value"),
        (lambda: attr("x") > [1], "value", "cannot order"),
        (lambda: total("order_placed", currency="EUR") >= "lots", "value", "decimal"),
        (lambda: total("order_placed") >= 1, "currency", "is money: name the currency"),
        (lambda: total("order_placed", currency="eur") >= 1, "currency", "ISO 4217"),
        (lambda: total("added_to_cart", "quantity", currency="EUR") >= 1, "currency", "not money"),
        (lambda: fact("revenue") >= 1, "currency", "revenue is money"),
        (lambda: fact("average_order_value") >= 1, "currency", "is money"),
        (lambda: fact("order_count", currency="EUR") >= 1, "currency", "takes no currency"),
        (lambda: fact("lifetime_value") >= 1, "name", "order_count"),  # type: ignore[arg-type]
        (lambda: consented("fax"), "channel", "'email', 'sms', 'push' or 'in_app'"),  # type: ignore[arg-type]
        (lambda: in_stage(), "stages", "at least one stage"),
        (lambda: in_stage(["a"]), "stages[0]", "string"),  # type: ignore[arg-type]
        (lambda: in_stage(" "), "stages[0]", "non-blank"),
    ],
)
def test_bad_definitions_name_the_field_and_say_what_to_fix(
    make: Any, path: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as err:
        make()
    assert not isinstance(err.value, ValidationError)
    assert [p.path for p in err.value.problems] == [path]
    assert message in err.value.problems[0].message


@pytest.mark.parametrize(
    "threshold", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", Decimal("NaN")]
)
def test_thresholds_that_are_not_finite_numbers_are_refused_when_built(threshold: Any) -> None:
    for make in (
        lambda: total("order_placed", currency="EUR") >= threshold,
        lambda: fact("revenue", currency="EUR") < threshold,
        lambda: count("order_placed") > threshold,
    ):
        with pytest.raises(DefinitionError) as err:
            make()
        assert err.value.problems[0].path == "value"
    if not isinstance(threshold, str):  # a text is a text to an attribute
        with pytest.raises(DefinitionError) as err:
            _ = attr("score") > threshold
        assert err.value.problems[0].path == "value"


@pytest.mark.parametrize(
    ("data", "paths"),
    [
        ({"type": "count", "event": "x", "op": "~", "value": -1}, ["op", "value"]),
        ({"type": "in_stage", "stages": ["a"], "priorty": 1}, ["priorty"]),
        ({"type": "all_of", "conditions": [{"type": "nope"}]}, ["conditions[0]"]),
        ({"type": "total", "event": "order_placed", "op": ">=", "value": 1}, ["currency"]),
        (
            {"type": "not", "condition": {"type": "prop", "path": "a", "op": "in", "value": "x"}},
            ["condition.value"],
        ),
        ("not json", [""]),
        ('{"type": "in_stage", "stages": ["a"], "stages": ["b"]}', ["stages"]),
        ([1, 2], [""]),
    ],
)
def test_parse_condition_refuses_bad_data_with_paths(data: Any, paths: list[str]) -> None:
    with pytest.raises(DefinitionError) as err:
        parse_condition(data)
    assert [p.path for p in err.value.problems] == paths


def test_every_mistake_is_a_journeykit_error() -> None:
    mistakes = [
        lambda: consented("fax"),  # type: ignore[arg-type]
        lambda: parse_condition({"type": 3}),
        lambda: facts_spec([REPEAT]).fold(None, order("a", 1), now=NOW),  # type: ignore[arg-type]
        lambda: EvalContext({"id": "c1"}, FactsSpec().empty(), NOW),  # type: ignore[arg-type]
        lambda: attr("x").is_in("abc"),  # type: ignore[arg-type]
    ]
    for mistake in mistakes:
        with pytest.raises(JourneykitError):
            mistake()


def test_nesting_is_bounded_with_a_problem_naming_the_path() -> None:
    deep: c.Condition = in_stage("a")
    for _ in range(c.MAX_CONDITION_DEPTH - 1):
        deep = not_(deep)
    assert deep.evaluate(EvalContext(CUSTOMER, FactsSpec().empty(), NOW, stage="a")) is False
    assert str(deep).count("not (") == c.MAX_CONDITION_DEPTH - 1
    with pytest.raises(DefinitionError) as err:
        not_(deep)
    [problem] = err.value.problems
    assert problem.path == ".".join(["condition"] * c.MAX_CONDITION_DEPTH)
    assert "more than 64 levels deep" in problem.message


@pytest.mark.parametrize("depth", [70, 250, 2000])
def test_loading_a_deep_condition_is_a_problem_not_a_recursion_error(depth: int) -> None:
    text = (
        '{"type": "not", "condition": ' * depth
        + '{"type": "in_stage", "stages": ["a"]}'
        + "}" * depth
    )
    with pytest.raises(DefinitionError, match="deep"):
        parse_condition(text)
    data: dict[str, Any] = {"type": "in_stage", "stages": ["a"]}
    for _ in range(depth):
        data = {"type": "not", "condition": data}
    with pytest.raises(DefinitionError, match="deep"):
        parse_condition(data)


def test_since_has_no_equality() -> None:
    with pytest.raises(TypeError, match="compares with <, <=, > or >="):
        since("order_placed") == "3d"  # noqa: B015  # the comparison itself must raise


def test_json_schema_names_every_condition_type() -> None:
    schema = c.condition_json_schema()
    assert sorted(schema["discriminator"]["mapping"]) == sorted(c._models.TAGS)


@pytest.mark.parametrize("table", ["COMPILERS", "TEXT", "EXPLAINERS", "LITERAL_TAGS"])
def test_every_interpreter_covers_every_condition_type(table: str) -> None:
    from journeykit.conditions import _compile, _explain, _models, _satisfy, _text

    module = {
        "COMPILERS": _compile,
        "TEXT": _text,
        "EXPLAINERS": _explain,
        "LITERAL_TAGS": _satisfy,
    }[table]
    assert set(getattr(module, table)) == set(_models.TAGS)


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

    def matching(kind: str, where: c.Condition | None) -> list[Event]:
        return [
            e
            for e in events
            if e.type == kind and (where is None or _ref_where(where, e.properties))
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
        amounts = [
            parse_money(e.properties.get(cond.prop))
            for e in found
            if e.properties.get("currency") == cond.currency
        ]
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
        if cond.name == "order_count":
            return _cmp(len(orders), cond.op, cond.value)
        mine = [e for e in orders if e.properties.get("currency") == cond.currency]
        refunds = [
            e
            for e in events
            if e.type == "order_refunded" and e.properties.get("currency") == cond.currency
        ]
        revenue = sum((parse_money(e.properties["value"]) or 0 for e in mine), Decimal(0))
        revenue -= sum((parse_money(e.properties["value"]) or 0 for e in refunds), Decimal(0))
        revenue = max(revenue, Decimal(0))
        if cond.name == "revenue":
            return _cmp(revenue, cond.op, cond.value)
        if not mine:
            return False
        average = (revenue / len(mine)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        return _cmp(average, cond.op, cond.value)
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


def _ref_where(where: c.Condition, properties: Any) -> bool:
    if isinstance(where, c.Prop):
        return _ref_value(properties, where)
    if isinstance(where, c.Not):
        return not _ref_where(where.condition, properties)
    raise AssertionError(where)


_NOTHING = object()


def _plain(value: Any) -> Any:
    """JSON data as plain lists and dicts, so Python equality is JSON equality but for bools."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _ref_value(data: Any, cond: c.Attr | c.Prop) -> bool:
    value: Any = data
    for key in cond.path.split("."):
        value = value.get(key, _NOTHING) if isinstance(value, dict) else _NOTHING
    present = value is not _NOTHING and value is not None
    if cond.op == "exists":
        return present
    if cond.op == "missing":
        return not present
    if value is _NOTHING:
        return False
    value = _plain(value)
    if cond.op == "in":
        return any(_json_equal(value, _plain(x)) for x in cond.value)  # type: ignore[union-attr]  # validated list
    if cond.op == "not_in":
        return not any(_json_equal(value, _plain(x)) for x in cond.value)  # type: ignore[union-attr]  # validated list
    if cond.op == "contains":
        return (isinstance(value, list) and any(_json_equal(v, cond.value) for v in value)) or (
            isinstance(value, str) and isinstance(cond.value, str) and cond.value in value
        )
    if cond.op == "==":
        return _json_equal(value, _plain(cond.value))
    if cond.op == "!=":
        return not _json_equal(value, _plain(cond.value))
    if value is None:
        return False

    def family(v: Any) -> str:
        return (
            "bool"
            if isinstance(v, bool)
            else "num"
            if isinstance(v, (int, float))
            else type(v).__name__
        )

    if family(value) != family(cond.value) or family(value) not in ("bool", "num", "str"):
        return False
    return _cmp(value, cond.op, cond.value)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
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
    spec = facts_spec([cond])
    shuffled = [events[i] for i in order if i < len(events)]
    facts = spec.fold_all(shuffled, now=now)
    ctx = EvalContext(customer, facts, now, stage=stage, stage_entered_at=entered)
    assert cond.evaluate(ctx) == _reference(cond, events, ctx)


def test_explain_reads_lifetime_counts_and_refuses_what_the_facts_do_not_keep() -> None:
    cond = count("order_placed") >= 2
    facts = facts_spec([cond]).fold_all([order("a", 1), order("b", 2), order("c", 3)], now=NOW)
    check = c.explain(cond, EvalContext(CUSTOMER, facts, NOW))
    assert (check.holds, check.value) == (True, "orders = 3")
    bare = FactsSpec().fold_all([order("a", 1)], now=NOW)
    for untracked in (
        count("order_placed", where=prop("channel") == "app") >= 1,
        count("order_placed", within="3d") >= 1,
        total("order_placed", currency="EUR") >= 1,
        total("order_placed", currency="EUR", within="3d") >= 1,
        since("order_placed", where=prop("channel") == "app") > "1d",
        prop("channel") == "app",
    ):
        with pytest.raises(UsageError):
            c.explain(untracked, EvalContext(CUSTOMER, bare, NOW))


def test_explain_words_for_elapsed_time() -> None:
    from journeykit.conditions._explain import elapsed

    assert [elapsed(s) for s in (-5, 0, 59, 60, 3600, 7200, 86400, 95 * 86400 + 5)] == [
        "0 minutes (dated after now)",
        "0 minutes",
        "0 minutes",
        "1 minute",
        "1 hour",
        "2 hours",
        "1 day",
        "95 days",
    ]


def test_at_stage_keeps_the_customer_facts_now_and_zone() -> None:
    facts = facts_spec([count("order_placed", within="1d") >= 1]).fold_all(
        [order("a", 0.98)], now=NOW
    )
    ctx = EvalContext(CUSTOMER, facts, NOW, tz="Pacific/Kiritimati")
    moved = ctx.at_stage("loyal")
    assert (moved.customer, moved.facts, moved.now, moved.tz) == (
        CUSTOMER,
        facts,
        NOW,
        "Pacific/Kiritimati",
    )
    assert moved.stage_entered_at is None
    assert (count("order_placed", within="1d") >= 1).evaluate(moved)
    assert (attr("tier") == "gold").evaluate(moved)
    with pytest.raises(InvalidInputError, match="entered_at"):
        ctx.at_stage("loyal", datetime(2026, 1, 1))


def test_condition_problems_check_every_history_condition_and_filter() -> None:
    cond = (
        (total("gift_card_bough", "amount") >= 1)
        | (since("signed_upp") > "1d")
        | not_(count("x", where=prop("p") == 1) >= 1)
    )
    problems = c.condition_problems(cond, "", known_events={"gift_card_bought", "signed_up", "x"})
    assert [p.path for p in problems] == ["conditions[0].event", "conditions[1].event"]
    with pytest.raises(DefinitionError) as err:
        c.check_condition(in_stage("vipp"), "when", known_stages={"vip"})
    assert str(err.value.problems[0]) == "when.stages[0]: unknown stage 'vipp'; did you mean 'vip'?"
    many = [f"stage_{i}" for i in range(20)]
    [far] = c.condition_problems(in_stage("zzz"), known_stages=many)
    assert far.message.endswith(", ...")
    assert far.message.count("'stage_") == 12


def test_or_combines_and_flattens() -> None:
    cond = in_stage("a") | in_stage("b") | in_stage("c")
    assert isinstance(cond, c.AnyOf)
    assert [str(x) for x in cond.conditions] == ["stage is a", "stage is b", "stage is c"]
    with pytest.raises(TypeError, match=r"\| combines conditions"):
        in_stage("a") | 3  # type: ignore[operator]  # the mistake under test


def test_a_conditions_own_problems_carry_the_path_it_is_used_at() -> None:
    data = {"type": "total", "event": "order_placed", "op": ">=", "value": 1}
    with pytest.raises(DefinitionError) as err:
        parse_condition(data)
    assert [p.path for p in err.value.problems] == ["currency"]
    unchecked = c.Total.model_construct(
        **data, prop="value", currency=None, where=None, within=None
    )
    assert [p.path for p in c.condition_problems(unchecked, "transitions[0].when")] == [
        "transitions[0].when.currency"
    ]


@pytest.mark.parametrize("op", ["in", "not_in"])
def test_membership_needs_a_list_from_json_too(op: str) -> None:
    with pytest.raises(DefinitionError) as err:
        parse_condition({"type": "attr", "path": "tier", "op": op, "value": "gold"})
    assert err.value.problems[0].path == "value"


def test_object_and_list_values_dump_as_plain_json() -> None:
    cond = attr("prefs") == {"mail": [1, {"x": True}]}
    assert cond.model_dump()["value"] == {"mail": [1, {"x": True}]}
    assert parse_condition(cond.model_dump()) == cond


def test_more_than_a_month_since_stays_true_over_a_month_end() -> None:
    # An order on 28 February at noon. Looking back a month from 29-31 March reaches a
    # day February lacks: the cut-off is 1 March 00:00, so "more than a month since the
    # order" holds from 28 March at noon on and never flips back (it read false on the
    # mornings of 29-31 March when the look-back clamped to 28 February).
    placed = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    the_order = Event(
        id="o1",
        customer_id="c1",
        type="order_placed",
        at=placed,
        properties={"value": "10.00", "currency": "EUR"},
    )
    customer = CUSTOMER.model_copy(update={"timezone": "UTC"})
    cond = since("order_placed") > "1mo"
    answers = [
        holds(cond, [the_order], now=placed + timedelta(hours=hours), customer=customer)
        for hours in range(0, 24 * 40, 6)
    ]
    first = answers.index(True)
    assert placed + timedelta(hours=6 * first) == datetime(2026, 3, 28, 18, 0, tzinfo=UTC)
    assert all(answers[first:])
    assert not any(answers[:first])
