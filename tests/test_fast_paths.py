"""Fast paths give exactly what the general rules give.

Hot paths take shortcuts for the common case (a plain decimal string, a state the engine
just returned); each is checked here against the general rule it stands in for.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit._time.crossing import (
    _crossed,
    _first_crossing,
    _search_crossing,
    crossing,
    crossing_for,
    to_datetime,
)
from journeykit.conditions import EvalContext, compile_boundary, facts_spec, since, stage_for
from journeykit.conditions._boundaries import holds_from_boundary
from journeykit.events import _parse_any_money, parse_money
from journeykit.models import Customer, Event
from journeykit.time import Duration, zone

# zones with DST of an hour, of half an hour, none, and a date-line jump
ZONES = ("UTC", "Europe/Stockholm", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia")

_digits = st.text("0123456789", min_size=0, max_size=18)
money_like = st.builds(
    lambda sign, whole, point, frac, pad: f"{pad}{sign}{whole}{point}{frac}{pad}",
    st.sampled_from(["", "-", "+"]),
    _digits,
    st.sampled_from(["", ".", ","]),
    _digits,
    st.sampled_from(["", " ", "\n"]),
)


@given(money_like | st.text(max_size=12))
def test_a_plain_decimal_string_reads_as_the_general_rule_reads_it(text: str) -> None:
    fast, general = parse_money(text), _parse_any_money(text)
    assert fast == general
    assert str(fast) == str(general)  # the same digits, exponent and sign


# instants of offset changes (Europe's and Lord Howe's DST, Samoa skipping a day)
CHANGES = (1711846800, 1729990800, 1712415600, 1325239200)


@given(
    st.integers(0, 60 * 366 * 86_400 * 1_000_000),  # 1970 to 2030, to the microsecond
    st.sampled_from(CHANGES),
    st.integers(-4 * 3600 * 1_000_000, 4 * 3600 * 1_000_000),
    st.booleans(),
    st.integers(0, 3),
    st.integers(0, 400),
    st.integers(0, 3 * 86_400),
    st.sampled_from(ZONES),
    st.booleans(),
)
def test_the_guessed_crossing_is_the_searched_one(
    micros: int,
    change: int,
    jitter: int,
    near: bool,
    months: int,
    days: int,
    seconds: int,
    tz: str,
    strict: bool,
) -> None:
    d = Duration(months=months, days=days, seconds=seconds)
    if near:  # the duration ends within hours of a change of offset
        micros = (change - days * 86_400 - seconds) * 1_000_000 + jitter
    x = micros / 1_000_000
    guessed = _first_crossing.__wrapped__(x, d, zone(tz), strict)
    assert guessed == _search_crossing(x, d, zone(tz), strict)
    if guessed is not None:  # the first microsecond whose look-back is past x
        assert _crossed(guessed, x, d, zone(tz), strict)
        assert not _crossed(guessed - 1, x, d, zone(tz), strict)


@given(
    st.integers(0, 60 * 366 * 86_400 * 1_000_000),
    st.integers(-400 * 86_400 * 1_000_000, 400 * 86_400 * 1_000_000),
    st.integers(0, 3),
    st.integers(0, 400),
    st.integers(0, 3 * 86_400),
    st.sampled_from(ZONES),
    st.booleans(),
)
def test_a_remembered_crossing_is_the_crossing(
    micros: int, ahead: int, months: int, days: int, seconds: int, tz: str, strict: bool
) -> None:
    d = Duration(months=months, days=days, seconds=seconds)
    x = micros / 1_000_000
    cross = crossing_for(d, strict)
    for now in (micros + ahead, micros + ahead + 1):  # the second call is remembered
        assert cross(x, zone(tz), now) == crossing(x, d, zone(tz), strict, now)


@given(
    st.integers(0, 60 * 366 * 86_400),  # the last event or the stage entry, 1970 to 2030
    st.integers(0, 800 * 86_400),  # now, this long after it
    st.integers(0, 3),
    st.integers(0, 400),
    st.integers(1, 3 * 86_400),  # durations are positive
    st.sampled_from(ZONES),
    st.sampled_from([">", ">="]),
    st.booleans(),
)
def test_a_lone_rising_since_holds_where_its_boundary_says(
    last: int,
    later: int,
    months: int,
    days: int,
    seconds: int,
    tz: str,
    op: str,
    on_stage: bool,
) -> None:
    """The wake-up search returns such a condition's boundary without probing it there
    (engine._schedule): the probe would find it holding."""
    d = Duration(months=months, days=days, seconds=seconds)
    part = stage_for() if on_stage else since("order_placed")
    cond = part > d if op == ">" else part >= d
    assert holds_from_boundary(cond)
    boundary = compile_boundary(cond)
    assert boundary is not None
    then = datetime.fromtimestamp(last, timezone.utc)
    now = then + timedelta(seconds=later)
    customer = Customer(id="c1", created_at=then, timezone=tz)
    order = Event(id="o1", customer_id="c1", type="order_placed", at=then)
    facts = facts_spec([cond]).fold_all([order], now=now)

    def context(at: datetime) -> EvalContext:
        return EvalContext(customer, facts, at, stage="s", stage_entered_at=then, tz=tz)

    found = boundary(context(now), zone(tz))
    if found is None:  # it holds already, or never will before year 9999
        return
    assert not cond.evaluate(context(now))
    assert cond.evaluate(context(to_datetime(found)))
    assert not cond.evaluate(context(to_datetime(found - 1)))


@pytest.mark.parametrize("tz", ["UTC", "Europe/Stockholm", "America/New_York"])
@pytest.mark.parametrize("strict", [True, False])
def test_a_crossing_past_a_month_end_is_searched_for_beyond_the_forward_shift(
    tz: str, strict: bool
) -> None:
    # An order on 31 January at noon: a month on is 28 February at noon (clamped), but the
    # look-back from then reaches only 28 January. It passes the order at 1 March 00:00,
    # where a month back is 1 February: the search must bracket upwards and bisect.
    z = zone(tz)
    x = datetime(2026, 1, 31, 12, 0, tzinfo=z).timestamp()
    d = Duration(months=1)
    found = _first_crossing.__wrapped__(x, d, z, strict)
    assert found == _search_crossing(x, d, z, strict)
    assert found is not None
    assert to_datetime(found) == datetime(2026, 3, 1, 0, 0, tzinfo=z)
    assert _crossed(found, x, d, z, strict)
    assert not _crossed(found - 1, x, d, z, strict)


def test_one_boundary_finder_remembers_each_customer_apart() -> None:
    # A finder serves every customer a condition wakes: its memory is per instant and zone
    d = Duration(days=90)
    cross = crossing_for(d, True)
    cases = [
        (datetime(2026, 1, 5, 12, tzinfo=timezone.utc).timestamp(), zone("UTC")),
        (datetime(2026, 2, 5, 12, tzinfo=timezone.utc).timestamp(), zone("UTC")),
        (datetime(2026, 2, 5, 12, tzinfo=timezone.utc).timestamp(), zone("Europe/Stockholm")),
    ]
    for _ in range(2):  # the second round answers from memory
        answers = [cross(x, z, 0) for x, z in cases]
        assert answers == [crossing(x, d, z, True, 0) for x, z in cases]
        assert len(set(answers)) == len(cases)


def test_a_crossing_in_a_repeated_hour_is_the_first_not_the_guessed_one() -> None:
    # 211 days after 2024-03-30 02:00:00.000001 in Stockholm is the repeated hour of
    # 27 October: the look-back first reaches it in the hour's first pass (00:00 UTC),
    # falls back in the second and passes again an hour later; the guess from elapsed
    # time lands on the second pass and must not be taken
    z = zone("Europe/Stockholm")
    x = 1711760400.000001
    d = Duration(days=211)
    first = _first_crossing.__wrapped__(x, d, z, False)
    assert first == _search_crossing(x, d, z, False) == 1729987200000001
