"""The loop reasoner: its "no" is certain (checked by brute force over small values, missing
ones and other types included), it is precise where the docs say, and its cost is bounded."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from journeykit.conditions import (
    Condition,
    EvalContext,
    Verdict,
    _satisfy,
    all_of,
    any_of,
    attr,
    can_hold_together,
    consented,
    count,
    fact,
    facts_spec,
    in_stage,
    not_,
    since,
    stage_for,
    total,
)
from journeykit.facts import FactsSpec
from journeykit.models import Customer, Event
from journeykit.time import parse_duration, shift
from tests import strategies as s

UTC = timezone.utc
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STAGES = ("new", "repeat", "lapsed")
CANNOT, MAY, TOO_COMPLEX = Verdict.CANNOT_HOLD, Verdict.MAY_HOLD, Verdict.TOO_COMPLEX


def together(*conditions: Condition) -> Verdict:
    return can_hold_together([(c, "a") for c in conditions])


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
    facts = facts_spec([c for c, _ in pairs]).fold_all(events, now=now)
    # in a cascade every transition fires the instant its stage was entered
    holds = all(
        c.evaluate(EvalContext(customer, facts, now, stage=stage, stage_entered_at=now))
        for c, stage in pairs
    )
    if holds:
        assert can_hold_together(pairs) is not CANNOT


# --- brute force over small values -----------------------------------------------------

_ABSENT = object()
VALUES: list[Any] = [
    _ABSENT,
    None,
    True,
    False,
    *range(-2, 6),
    0.5,
    2.5,
    "",
    "a",
    "ab",
    "b",
    "gold",
    "silver",
    "m",
    "man",
    "\x00",
    [],
    ["a"],
    ["a", "b"],
    ["gold"],
    [1],
    [0, 1],
    [True],
    [1, "x"],
    {"k": 1},
]
CONSTANTS: list[Any] = [0, 1, 2, 3, True, False, None, "a", "b", "an", "gold", ["a"], [1]]
ATTR_OPS = ["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "exists", "missing"]


@st.composite
def attr_literals(draw: st.DrawFn) -> Condition:
    op = draw(st.sampled_from(ATTR_OPS))
    ref = attr("x")
    if op in ("exists", "missing"):
        cond: Condition = getattr(ref, op)()
    elif op in ("in", "not_in"):
        options = draw(st.lists(st.sampled_from(CONSTANTS), min_size=1, max_size=3))
        cond = (ref.is_in if op == "in" else ref.not_in)(options)
    elif op == "contains":
        cond = ref.contains(draw(st.sampled_from(CONSTANTS)))
    else:
        constant = draw(
            st.sampled_from(
                [
                    c
                    for c in CONSTANTS
                    if op in ("==", "!=") or (not isinstance(c, list) and c is not None)
                ]
            )
        )
        cond = ref._make(op, constant)
    return not_(cond) if draw(st.booleans()) else cond


def _holds_for(conditions: list[Condition], value: Any) -> bool:
    attributes = {} if value is _ABSENT else {"x": value}
    customer = Customer(id="c1", created_at=NOW, attributes=attributes)
    ctx = EvalContext(customer, FactsSpec().empty(), NOW, stage="a")
    return all(c.evaluate(ctx) for c in conditions)


@given(st.lists(attr_literals(), min_size=1, max_size=4))
def test_attribute_verdicts_against_brute_force(conditions: list[Condition]) -> None:
    verdict = together(*conditions)
    witness = any(_holds_for(conditions, v) for v in VALUES)
    if witness:
        assert verdict is MAY, "a value satisfies them all: the reasoner must not say no"
    if verdict is CANNOT:
        assert not witness


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["count", "fact"]),
            st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
            st.integers(0, 4),
            st.booleans(),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_count_verdicts_are_exactly_brute_force(literals: list[tuple[str, str, int, bool]]) -> None:
    conditions: list[Condition] = []
    for source, op, n, negate in literals:
        ref = count("order_placed") if source == "count" else fact("order_count")
        cond: Condition = ref._make(op, n)
        conditions.append(not_(cond) if negate else cond)
    spec = facts_spec(conditions)
    customer = Customer(id="c1", created_at=NOW)
    satisfiable = False
    for n in range(8):  # past the largest threshold every count behaves alike
        orders = [
            Event(id=f"o{i}", customer_id="c1", type="order_placed", at=NOW - timedelta(days=i))
            for i in range(n)
        ]
        ctx = EvalContext(customer, spec.fold_all(orders, now=NOW), NOW, stage="a")
        satisfiable = satisfiable or all(c.evaluate(ctx) for c in conditions)
    assert together(*conditions) is (MAY if satisfiable else CANNOT)


DURATIONS = ["1d", "24h", "7d", "28d", "30d", "1mo", "90d", "365d", "1y", "P1M2D"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["<", "<=", ">", ">="]),
            st.sampled_from(DURATIONS),
            st.booleans(),
            st.booleans(),
        ),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(["UTC", "Europe/Stockholm", "America/Sao_Paulo", "Australia/Lord_Howe"]),
    st.integers(0, 4 * 365),
)
def test_time_since_verdicts_against_brute_force(
    literals: list[tuple[str, str, bool, bool]], zone: str, day: int
) -> None:
    conditions: list[Condition] = []
    for op, d, never, negate in literals:
        cond: Condition = since("order_placed", never=never)._make(op, d)
        conditions.append(not_(cond) if negate else cond)
    verdict = together(*conditions)
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC) + timedelta(days=day)
    customer = Customer(id="c1", created_at=now, timezone=zone)
    spec = facts_spec(conditions)
    edges = sorted({shift(now, -parse_duration(d), zone) for d in DURATIONS})
    lasts: list[datetime | None] = [None, now]
    for edge in edges:
        lasts.extend((edge - timedelta(seconds=1), edge, edge + timedelta(seconds=1)))
    for last in lasts:
        events = (
            [] if last is None else [Event(id="o", customer_id="c1", type="order_placed", at=last)]
        )
        ctx = EvalContext(customer, spec.fold_all(events, now=now), now, stage="a")
        if all(c.evaluate(ctx) for c in conditions):
            assert verdict is MAY, f"holds with the last order at {last}"


# --- what it proves, and what it cannot see ----------------------------------------


@pytest.mark.parametrize(
    ("conditions", "verdict"),
    [
        # equality and an ordering on one count
        ((count("order_placed") == 5, count("order_placed") < 5), CANNOT),
        ((count("order_placed") == 5, count("order_placed") <= 5), MAY),
        ((count("order_placed") == 5, count("order_placed") >= 5), MAY),
        ((count("order_placed") == 5, count("order_placed") > 5), CANNOT),
        ((count("order_placed") >= 2, count("order_placed") == 1), CANNOT),
        # whole numbers
        ((count("order_placed") > 1, count("order_placed") < 2), CANNOT),
        ((count("order_placed", within="30d") > 1, count("order_placed", within="30d") < 3), MAY),
        # one quantity under two names
        ((fact("order_count") >= 2, count("order_placed") < 2), CANNOT),
        # time since an event, on the calendar
        ((since("order_placed") > "30d", since("order_placed") < "90d"), MAY),
        ((since("order_placed") > "90d", since("order_placed") <= "90d"), CANNOT),
        ((since("order_placed") >= "90d", since("order_placed") <= "90d"), MAY),
        ((since("order_placed") > "180d", since("order_placed") < "90d"), CANNOT),
        ((since("order_placed") > "1mo", since("order_placed") < "1mo"), CANNOT),
        ((since("order_placed") > "1y", since("order_placed") <= "365d"), CANNOT),
        ((since("order_placed") > "1mo", since("order_placed") <= "28d"), CANNOT),
        ((since("order_placed") > "365d", since("order_placed") <= "1y"), MAY),  # leap years
        ((since("order_placed") > "1d", since("order_placed") <= "24h"), MAY),  # DST days
        ((since("order_placed") > "3d", since("order_placed") <= "24h"), CANNOT),
        # never did it
        (
            (since("order_placed", never=True) > "90d", since("order_placed", never=True) < "30d"),
            MAY,
        ),
        ((since("order_placed", never=True) > "90d", since("order_placed") < "30d"), CANNOT),
        # missing values and other types
        ((~(attr("score") < 5), ~(attr("score") >= 5)), MAY),
        ((~(attr("tier") == "gold"), ~(attr("tier") != "gold")), MAY),
        ((attr("score") < 5, attr("score") >= 5), CANNOT),
        ((attr("tier") == "gold", attr("tier") != "gold"), CANNOT),
        ((attr("tier") != "gold", attr("tier") > 3), MAY),  # unlike types: tier = 4
        ((attr("tier") == "gold", attr("tier") > 3), CANNOT),  # "gold" is not a number
        ((attr("vip") == True, attr("vip") == 1), CANNOT),  # noqa: E712  # true is not 1
        ((attr("tier").missing(), attr("tier") == "x"), CANNOT),
        ((attr("tier").missing(), attr("tier") != "x"), MAY),  # null is missing, and not "x"
        ((attr("tier").missing(), ~(attr("tier") != "x")), MAY),
        ((attr("tags").contains("a"), ~attr("tags").contains("a")), CANNOT),
        ((attr("tags").contains("a"), attr("tags") != ["a"]), MAY),
        (
            (
                ~(fact("average_order_value", currency="EUR") < 5),
                ~(fact("average_order_value", currency="EUR") >= 5),
            ),
            MAY,  # no order in EUR: no average at all
        ),
        ((fact("revenue", currency="EUR") < 0,), CANNOT),
        ((total("order_placed", currency="EUR") < 0,), CANNOT),
        ((total("points_earned", "points") < 0,), MAY),  # a custom type's amounts may be negative
        ((consented("email"), ~consented("email")), CANNOT),
        ((in_stage("b"),), CANNOT),
        ((stage_for() >= "1d",), CANNOT),  # the cascade entered the stage this instant
    ],
)
def test_verdicts(conditions: tuple[Condition, ...], verdict: Verdict) -> None:
    assert together(*conditions) is verdict


def test_what_it_cannot_see_is_reported_as_possible() -> None:
    # exclusive in truth (an order within 30 days is not 90 days ago), but across quantities
    assert together(since("order_placed") > "90d", count("order_placed", within="30d") >= 1) is MAY


def test_a_verdict_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="compare it"):
        bool(together(in_stage("a")))


def test_calendar_spans_match_dateutil() -> None:
    starts = [date(1999, 1, 1) + timedelta(days=d) for d in range(0, 366 * 9, 3)]
    for months in range(30):
        low, high = _satisfy._calendar_days(parse_duration(f"{months}mo"))
        spans = {(d - (d + relativedelta(months=-months))).days for d in starts}
        assert low <= min(spans), months
        assert max(spans) <= high, months
        if months < 12:
            assert (low, high) == (min(spans), max(spans)), months


# --- cost ----------------------------------------------------------------------------


def _adversarial(width: int) -> Condition:
    x = all_of(*(attr(f"a{i}").exists() | attr(f"b{i}").exists() for i in range(9)))
    return all_of(x, any_of(*[x] * width))


@pytest.mark.parametrize("width", [3, 30, 300])
def test_an_exploding_normal_form_is_too_complex_after_bounded_work(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[int] = []
    real = _satisfy._Reasoner.charge

    def counted(self: Any, n: int) -> None:
        steps.append(n)
        real(self, n)

    monkeypatch.setattr(_satisfy._Reasoner, "charge", counted)
    assert together(_adversarial(width)) is TOO_COMPLEX
    assert sum(steps) <= _satisfy.WORK_BUDGET + 10_000


def test_too_complex_never_hides_a_proven_no() -> None:
    assert together(_adversarial(300), count("order_placed") < 0) is CANNOT
    assert together(_adversarial(3), in_stage("elsewhere")) is CANNOT


def test_a_large_plain_conjunction_is_decided() -> None:
    many = all_of(*(attr(f"a{i}") == i for i in range(2000)))
    assert together(many) is MAY
    assert together(many, attr("a7") != 7) is CANNOT


@pytest.mark.parametrize(
    ("a", "b", "strictly", "expected"),
    [
        ("90d", "90d", False, True),
        ("90d", "90d", True, False),
        ("2h", "1h", True, True),
        ("1h", "1h", True, False),
        ("1h", "2h", False, False),
        ("2d", "1d", False, True),  # same time of day: the dates decide
        ("2d", "1d", True, False),  # Samoa skipped a whole day: two midnights may merge
        ("3d", "1d", True, True),
        ("1mo", "30d", False, False),  # February
        ("1y", "365d", True, False),  # equal outside leap years
        ("1y", "364d", True, False),  # a whole-day jump may merge two wall times
        ("1y", "363d", True, True),
        ("1d1h", "1d", False, False),  # a fold can put the later wall time first
        ("3d", "1d1h", False, False),  # zones have moved by up to 30 hours
        ("5d", "1d1h", False, True),
        ("5d", "1d1h", True, True),
        ("2d", "20h", False, False),
        ("3d", "20h", False, True),
        ("20h", "3d", False, False),
        ("-1mo40d", "1d", False, False),  # a negative month part: no claim
    ],
)
def test_reaches_back(a: str, b: str, strictly: bool, expected: bool) -> None:
    assert (
        _satisfy.reaches_back(parse_duration(a), parse_duration(b), strictly=strictly) is expected
    )


@pytest.mark.parametrize(
    ("conditions", "verdict"),
    [
        ((attr("name").contains("an"), attr("name") > "m"), MAY),  # "man": the candidates miss it
        ((attr("name").contains("an"), attr("name") == "ada"), CANNOT),
        ((attr("name").contains("a\x01b"), attr("name") != "a\x01b"), MAY),
        ((attr("name").contains("ab"), ~attr("name").contains("a")), MAY),  # the list ["ab"]
        ((attr("name").contains("ab"), ~attr("name").contains("ab")), CANNOT),
        ((attr("name") == "b", attr("name") > "c"), CANNOT),  # no containment: decided
        ((attr("name").contains("a"), ~attr("name").contains("b"), attr("name") != "a"), MAY),
    ],
)
def test_text_containment(conditions: tuple[Condition, ...], verdict: Verdict) -> None:
    assert together(*conditions) is verdict


@pytest.mark.parametrize(
    "conditions",
    [
        (attr("name") < "a",),  # only the empty text
        (attr("name") <= "m", attr("name") >= "m", attr("name").contains("m")),
        (attr("name").contains("an"), attr("name") >= "m", attr("name") <= "mz"),  # "man"
        (attr("ids").contains(7),),  # only a list holds a number
        (attr("ids").contains(7), attr("ids") != [7]),  # [7, something else]
        (attr("ids").not_in([[7]]), attr("ids").contains(7)),
        (fact("revenue", currency="EUR") < Decimal("0.5"),),  # revenue 0
        (total("order_placed", currency="EUR") <= 0,),
        (count("order_placed") < 1,),
        (
            fact("average_order_value", currency="EUR") > 0,
            fact("average_order_value", currency="EUR") < 1,
        ),
    ],
)
def test_values_only_a_few_candidates_meet_may_hold(conditions: tuple[Condition, ...]) -> None:
    assert together(*conditions) is MAY


@pytest.mark.parametrize(
    "leaf",
    [
        count("order_placed") >= 1,
        count("order_placed", within="30d") == 2,
        total("order_placed", currency="EUR") > 10,
        total("points_earned", "points") < -1,
        fact("revenue", currency="EUR") >= 5,
        fact("average_order_value", currency="EUR") < 5,
        fact("order_count") != 3,
        since("order_placed") > "30d",
        since("order_placed", never=True) < "30d",
        attr("tier") == "gold",
        attr("tier").is_in(["gold", "silver"]),
        attr("tier").exists(),
        attr("tags").contains("a"),
        consented("email"),
        in_stage("a"),
        stage_for() < "1d",
    ],
)
def test_every_kind_of_leaf_may_hold_but_not_with_its_negation(leaf: Condition) -> None:
    assert together(leaf) is MAY
    assert together(not_(not_(leaf))) is MAY
    assert together(leaf, not_(leaf)) is CANNOT
    assert together(leaf | not_(leaf)) is MAY


def test_a_conjunction_too_large_to_build_is_too_complex() -> None:
    # eleven two-way choices: 2,048 terms, past the cap of 1,024
    wide = all_of(*(attr(f"a{i}").exists() | attr(f"b{i}").exists() for i in range(11)))
    assert together(wide) is TOO_COMPLEX
    assert (
        together(all_of(*(attr(f"a{i}").exists() | attr(f"b{i}").exists() for i in range(9))))
        is MAY
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("6d12h", "3d", True),
        ("5d", "3d12h", False),
        ("3d", "P1DT1H", False),
        ("1mo1h", "1mo", False),
    ],
)
def test_reaches_back_with_exact_parts(a: str, b: str, expected: bool) -> None:
    assert _satisfy.reaches_back(parse_duration(a), parse_duration(b), strictly=False) is expected
