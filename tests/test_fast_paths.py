"""Fast paths give exactly what the general rules give.

Hot paths take shortcuts for the common case (a plain decimal string, a state the engine
just returned); each is checked here against the general rule it stands in for.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from journeykit._time.crossing import _crossed, _first_crossing, _search_crossing
from journeykit.events import _parse_any_money, parse_money
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
