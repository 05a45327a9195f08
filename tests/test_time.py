"""Tests for journeykit.time: durations, DST, quiet hours and anniversaries.

The DST cases use the 2026 changes:

- Europe/Stockholm: spring gap 2026-03-29 02:00 -> 03:00 (at 01:00 UTC),
  autumn fold 2026-10-25 03:00 -> 02:00 (at 01:00 UTC).
- America/New_York: spring gap 2026-03-08 02:00 -> 03:00 (at 07:00 UTC),
  autumn fold 2026-11-01 02:00 -> 01:00 (at 06:00 UTC).

The property tests check :func:`shift` against a reference built another way: month
arithmetic with ``calendar.monthrange``, day arithmetic with ordinals, and wall-time
resolution by trying every offset the zone uses nearby and scanning minute by minute
through gaps.
"""

from __future__ import annotations

import calendar
import operator
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import datetime_exists
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from journeykit._errors import InvalidInputError
from journeykit._time.duration_text import MAX_DURATION_TEXT
from journeykit.time import (
    Duration,
    describe_duration,
    in_quiet_hours,
    local_date,
    next_anniversary,
    next_local_time,
    parse_duration,
    parse_time_of_day,
    quiet_end,
    require_aware,
    resolve_local,
    shift,
    zone,
)

UTC = timezone.utc
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)

PROPERTY_ZONES = [
    "Europe/Stockholm",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Apia",
]

# (zone, spring-forward date, fall-back date, UTC instant of the spring gap,
#  UTC instant where the fold's wall times are first reached)
DST_2026 = [
    pytest.param(
        STOCKHOLM,
        date(2026, 3, 29),
        date(2026, 10, 25),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        time(2, 30),
        id="Europe/Stockholm",
    ),
    pytest.param(
        NEW_YORK,
        date(2026, 3, 8),
        date(2026, 11, 1),
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
        time(1, 30),
        id="America/New_York",
    ),
]


def local(z: ZoneInfo, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=z, fold=fold)


def wall(dt: datetime, z: ZoneInfo) -> tuple[date, time]:
    moved = dt.astimezone(UTC).astimezone(z)
    return moved.date(), moved.time()


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def elapsed(start: datetime, end: datetime) -> timedelta:
    # Subtracting in UTC: two datetimes sharing a tzinfo subtract by wall time.
    return utc(end) - utc(start)


# ---------------------------------------------------------------------------------------
# Zones and aware datetimes
# ---------------------------------------------------------------------------------------


def test_zone_resolves_names_and_caches_them() -> None:
    assert zone("Europe/Stockholm") is zone("Europe/Stockholm")
    assert zone("Europe/Stockholm") == STOCKHOLM


@pytest.mark.parametrize("tz", [STOCKHOLM, UTC, timezone(timedelta(hours=5, minutes=30))])
def test_zone_passes_zone_objects_through(tz: ZoneInfo | timezone) -> None:
    assert zone(tz) is tz


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "", "Europe", "../etc/passwd", "/etc/localtime", "localtime"]
)
def test_unknown_zone_is_rejected_naming_it(name: str) -> None:
    with pytest.raises(InvalidInputError, match="IANA name") as info:
        zone(name)
    assert repr(name) in str(info.value)


def test_zone_rejects_other_types() -> None:
    with pytest.raises(InvalidInputError, match=r"tz must be .*\(got int 3\)"):
        zone(3)  # type: ignore[arg-type]  # deliberately wrong


def test_require_aware_returns_aware_values() -> None:
    value = local(STOCKHOLM, date(2026, 5, 4), 9)
    assert require_aware(value, "at") is value


def test_require_aware_rejects_naive_naming_the_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        require_aware(datetime(2026, 5, 4, 9, 0), "event.at")
    message = str(info.value)
    assert message.startswith("event.at must be timezone-aware")
    assert "naive 2026-05-04T09:00:00" in message
    assert "tzinfo=ZoneInfo('Europe/Stockholm')" in message


def test_require_aware_rejects_dates() -> None:
    with pytest.raises(InvalidInputError, match=r"at must be a timezone-aware datetime \(got date"):
        require_aware(date(2026, 5, 4), "at")  # type: ignore[arg-type]  # deliberately wrong


NAIVE = datetime(2026, 5, 4, 9, 0)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: shift(NAIVE, "1d", STOCKHOLM), "instant"),
        (lambda: local_date(NAIVE, STOCKHOLM), "instant"),
        (lambda: next_local_time(NAIVE, "09:00", STOCKHOLM), "after"),
        (lambda: next_anniversary(NAIVE, "1990-05-17", "09:00", STOCKHOLM), "after"),
        (lambda: quiet_end(NAIVE, ("21:00", "08:00"), STOCKHOLM), "at"),
        (lambda: in_quiet_hours(NAIVE, ("21:00", "08:00"), STOCKHOLM), "at"),
    ],
)
def test_every_function_rejects_naive_datetimes_naming_the_argument(
    call: object, field: str
) -> None:
    assert callable(call)
    with pytest.raises(InvalidInputError, match=rf"^{field} must be timezone-aware"):
        call()


def test_local_date() -> None:
    late = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)
    assert local_date(late, "Europe/Stockholm") == date(2026, 5, 5)
    assert local_date(late, "America/New_York") == date(2026, 5, 4)


# ---------------------------------------------------------------------------------------
# Durations: parsing and text
# ---------------------------------------------------------------------------------------

DAY = 86_400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", Duration(seconds=30)),
        ("30m", Duration(seconds=1800)),
        ("12h", Duration(seconds=12 * 3600)),
        ("3d", Duration(days=3)),
        ("2w", Duration(days=14)),
        ("1mo", Duration(months=1)),
        ("1y", Duration(months=12)),
        ("1d12h", Duration(days=1, seconds=12 * 3600)),
        ("1y2mo3w4d5h6m7s", Duration(14, 25, 5 * 3600 + 6 * 60 + 7)),
        ("-1d12h", Duration(days=-1, seconds=-12 * 3600)),
        ("-30m", Duration(seconds=-1800)),
        ("+3d", Duration(days=3)),
        ("1d-1h", Duration(days=1, seconds=-3600)),
        ("-1d+12h", Duration(days=-1, seconds=12 * 3600)),
        ("1mo-1d+1h", Duration(months=1, days=-1, seconds=3600)),
        ("0s", Duration()),
        ("0d", Duration()),
        ("-0d", Duration()),
        ("007d", Duration(days=7)),
        ("90m", Duration(seconds=5400)),
        ("P1Y2M3W4DT5H6M7S", Duration(14, 25, 5 * 3600 + 6 * 60 + 7)),
        ("PT90M", Duration(seconds=5400)),
        ("P1M2D", Duration(months=1, days=2)),
        ("P2W", Duration(days=14)),
        ("P1W3D", Duration(days=10)),
        ("PT36H", Duration(seconds=36 * 3600)),
        ("P1DT12H", Duration(days=1, seconds=12 * 3600)),
        ("-P1D", Duration(days=-1)),
        ("-P1MT1S", Duration(months=-1, seconds=-1)),
        ("PT0S", Duration()),
        ("P0D", Duration()),
    ],
)
def test_parse_duration_reads_every_documented_form(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", None),
        ("3 days", "3d"),
        ("3", None),
        ("d", None),
        ("-", None),
        ("+", None),
        ("1d-", None),
        ("3D", "3d"),
        ("1H", "1h"),
        ("1x", None),
        ("1.5h", "1h30m"),
        ("1,5h", "1h30m"),
        (" 3d", "3d"),
        ("3d ", "3d"),
        ("1d 12h", "1d12h"),
        ("3d\n", "3d"),
        ("1d1d", None),
        ("12h1d", "1d12h"),
        ("1m1mo", "1mo1m"),
        ("p1d", "P1D"),
        ("P", None),
        ("PT", None),
        ("-P", None),
        ("P1DT", None),
        ("P1H", None),
        ("PT1D", None),
        ("P1.5D", None),
        ("PT1.5S", None),
        ("PT0,5S", None),
        ("P-1D", None),
        ("P1D2M", None),
        ("PT1H1H", None),
        ("\u0663d", None),  # ARABIC-INDIC DIGIT THREE: \d would take it without re.ASCII
        ("1" * 200 + "d", None),
    ],
)
def test_parse_duration_rejects_nonsense_naming_input_and_forms(
    text: str, hint: str | None
) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_duration(text)
    message = str(info.value)
    assert message.startswith("duration must look like '30m', '12h', '3d', '2w', '1mo', '1y'")
    assert "ISO 8601" in message
    did_you_mean = "" if hint is None else f"; did you mean {hint!r}?"
    assert message.endswith(f"(got {text!r}){did_you_mean}")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("1D", "; did you mean '1d'?"),
        ("1M", "; did you mean '1mo' (months) or '1m' (minutes)?"),
        ("1M2D", "; did you mean '1mo2d'?"),  # months, as in ISO 8601's P1M2D
        ("1H30M", "; did you mean '1h30m'?"),  # minutes among hours
        ("2 weeks", "; did you mean '2w'?"),
        ("1 year and 2 months", "; did you mean '1y2mo'?"),
        ("90 minutes", "; did you mean '90m'?"),
        ("1 day, 2 hours", "; did you mean '1d2h'?"),
        ("-3 days", "; did you mean '-3d'?"),
        ("pt90m", "; did you mean 'PT90M'?"),
        ("1.5d", ""),  # half a calendar day has no exact text
        ("3 fortnights", ""),
    ],
)
def test_parse_duration_suggests_what_was_meant(text: str, hint: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_duration(text)
    assert str(info.value).endswith(f"(got {text!r}){hint}")


@given(
    st.lists(
        st.sampled_from(
            [
                "1",
                "12",
                "-",
                " ",
                ",",
                ".5",
                "d",
                "D",
                "h",
                "H",
                "M",
                "m",
                "mo",
                "s",
                "w",
                "y",
                "days",
                "Hours",
                "min",
                "and",
                "P",
                "p",
                "T",
                "t",
            ]
        ),
        max_size=8,
    ).map("".join)
)
def test_property_every_suggestion_parses(text: str) -> None:
    try:
        parse_duration(text)
    except InvalidInputError as error:
        found = re.search(r"did you mean '([^']*)'(?: \(months\) or '([^']*)')?", str(error))
        for suggestion in found.groups() if found else ():
            if suggestion is not None:
                parse_duration(suggestion)


def test_parse_duration_rejects_absurd_sizes() -> None:
    with pytest.raises(InvalidInputError, match=r"at most 10000 years .*\(got '10001y'\)"):
        parse_duration("10001y")


@pytest.mark.parametrize("value", [3600, 1.5, None, date(2026, 1, 1)])
def test_parse_duration_rejects_other_types(value: object) -> None:
    with pytest.raises(InvalidInputError, match=rf"\(got {type(value).__name__} "):
        parse_duration(value)  # type: ignore[arg-type]  # deliberately wrong


def test_parse_duration_passes_a_duration_through() -> None:
    d = Duration(days=3)
    assert parse_duration(d) is d


def test_parse_duration_caches_text() -> None:
    assert parse_duration("45d") is parse_duration("45d")


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(), "0s"),
        (Duration(seconds=1800), "30m"),
        (Duration(seconds=5400), "1h30m"),
        (Duration(seconds=12 * 3600), "12h"),
        (Duration(seconds=3661), "1h1m1s"),
        (Duration(days=3), "3d"),
        (Duration(days=14), "2w"),
        (Duration(days=10), "10d"),
        (Duration(months=1), "1mo"),
        (Duration(months=12), "1y"),
        (Duration(months=18), "18mo"),
        (Duration(months=1, days=2), "1mo2d"),
        (Duration(months=-1, days=-2, seconds=-60), "-1mo2d1m"),
        (Duration(days=1, seconds=-3600), "1d-1h"),
        (Duration(days=-1, seconds=3600), "-1d+1h"),
        (Duration(months=1, days=-1, seconds=1), "1mo-1d+1s"),
    ],
)
def test_duration_text_is_canonical(duration: Duration, text: str) -> None:
    assert str(duration) == text
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    "kwargs", [{"days": 1.5}, {"months": True}, {"seconds": "1"}, {"days": 3_660_001}]
)
def test_duration_rejects_bad_parts(kwargs: dict[str, object]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(InvalidInputError, match=rf"^Duration\.{name} must be an integer"):
        Duration(**kwargs)  # type: ignore[arg-type]  # deliberately wrong


def test_duration_arithmetic() -> None:
    d = parse_duration("1mo2d3h")
    assert -d == Duration(-1, -2, -3 * 3600)
    assert d + parse_duration("1d") == Duration(1, 3, 3 * 3600)
    assert d - d == Duration()
    negated = -d
    assert -negated == d
    assert d
    assert not Duration()
    assert Duration().is_zero
    assert not d.is_zero
    # A calendar day is not 24 hours.
    assert Duration(days=1) != Duration(seconds=DAY)
    assert Duration(days=7) == parse_duration("1w")
    with pytest.raises(TypeError):
        d + timedelta(days=1)  # type: ignore[operator]  # deliberately wrong


def test_duration_is_immutable_and_hashable() -> None:
    d = Duration(days=1)
    with pytest.raises(AttributeError):
        d.days = 2  # type: ignore[misc]  # frozen on purpose
    assert {d: "x"}[parse_duration("1d")] == "x"


@pytest.mark.parametrize(
    ("text", "low_hours", "high_hours"),
    [
        ("90m", 1.5, 1.5),
        ("-90m", -1.5, -1.5),
        ("1d", 21, 27),
        ("-1d", -27, -21),
        ("7d", 7 * 24 - 3, 7 * 24 + 3),
        ("1mo", 28 * 24 - 3, 31 * 24 + 3),
        ("1y", 362 * 24 - 3, 369 * 24 + 3),
        ("-1y", -369 * 24 - 3, -362 * 24 + 3),
    ],
)
def test_duration_elapsed_bounds(text: str, low_hours: float, high_hours: float) -> None:
    d = parse_duration(text)
    assert d.min_seconds() == low_hours * 3600
    assert d.max_seconds() == high_hours * 3600
    assert (-d).min_seconds() == -d.max_seconds()


def test_one_month_across_autumn_change_lasts_more_than_31_days() -> None:
    # Why max_seconds() allows for the offset change: October has 31 days plus an hour.
    start = local(STOCKHOLM, date(2026, 10, 1), 9)
    end = shift(start, "1mo", STOCKHOLM)
    assert elapsed(start, end) == timedelta(days=31, hours=1)
    assert elapsed(start, end).total_seconds() <= parse_duration("1mo").max_seconds()


# ---------------------------------------------------------------------------------------
# Durations in pydantic models
# ---------------------------------------------------------------------------------------


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    wait: Duration
    timeout: Duration | None = None


def test_pydantic_field_accepts_text_and_durations() -> None:
    # Typed code passes a Duration; data (and model_validate) may hold the text.
    assert Step(wait=Duration(days=2)).wait == Duration(days=2)
    assert Step.model_validate({"wait": "1d12h"}).wait == Duration(days=1, seconds=12 * 3600)
    assert Step.model_validate_json('{"wait": "PT90M"}').wait == Duration(seconds=5400)


def test_pydantic_field_dumps_canonical_text_and_round_trips() -> None:
    step = Step.model_validate({"wait": "P1M14D", "timeout": "-PT1H"})
    assert step.model_dump_json() == '{"wait":"1mo2w","timeout":"-1h"}'
    assert step.model_dump(mode="json") == {"wait": "1mo2w", "timeout": "-1h"}
    assert step.model_dump() == {"wait": "1mo2w", "timeout": "-1h"}
    assert Step.model_validate_json(step.model_dump_json()) == step
    assert Step.model_validate(step.model_dump()) == step


def test_pydantic_field_reports_bad_text_clearly() -> None:
    with pytest.raises(ValidationError) as info:
        Step.model_validate({"wait": "3 days"})
    (error,) = info.value.errors()
    assert error["loc"] == ("wait",)
    assert error["type"] == "duration_parsing"
    assert "'3 days'" in error["msg"]
    assert "'30m', '12h', '3d'" in error["msg"]


@pytest.mark.parametrize("value", [3600, 1.5, {"days": 1}])
def test_pydantic_field_rejects_other_types(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Step(wait=value)  # type: ignore[arg-type]  # deliberately wrong
    (error,) = info.value.errors()
    assert error["type"] == "duration_type"
    assert type(value).__name__ in error["msg"]


def test_pydantic_json_schema_is_a_patterned_string() -> None:
    for mode in ("validation", "serialization"):
        schema = Step.model_json_schema(mode=mode)["properties"]["wait"]
        assert schema["type"] == "string"
        assert "3d" in schema["examples"]
        assert "calendar" in schema["description"]
        pattern = re.compile(schema["pattern"])
        for example in schema["examples"]:
            assert pattern.fullmatch(example)
            parse_duration(example)
        assert not pattern.fullmatch("3 days")


# ---------------------------------------------------------------------------------------
# DST: calendar days keep the wall time, hours keep elapsed time
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_wait_one_day_across_dst_keeps_the_local_time(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    for change, length in ((spring, 23), (autumn, 25)):
        start = local(z, change - timedelta(days=1), 9)
        end = shift(start, "1d", z)
        assert wall(end, z) == (change, time(9, 0))
        assert elapsed(start, end) == timedelta(hours=length)
        # and back again
        assert shift(end, "-1d", z) == start


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_wait_24_hours_across_dst_keeps_elapsed_time(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    spring_end = shift(local(z, spring - timedelta(days=1), 9), "24h", z)
    assert wall(spring_end, z) == (spring, time(10, 0))
    autumn_end = shift(local(z, autumn - timedelta(days=1), 9), "24h", z)
    assert wall(autumn_end, z) == (autumn, time(8, 0))
    assert shift(autumn_end, "-24h", z) == local(z, autumn - timedelta(days=1), 9)


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_gap_resolves_to_the_first_valid_instant(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    for minute in (0, 1, 30, 59):
        resolved = resolve_local(datetime.combine(spring, time(2, minute)), z)
        assert utc(resolved) == gap_utc
        assert wall(resolved, z) == (spring, time(3, 0))
        assert resolved.tzinfo is z
    # A day-long wait that lands in the gap does the same.
    landed = shift(local(z, spring - timedelta(days=1), 2, 30), "1d", z)
    assert utc(landed) == gap_utc
    # Either side of the gap is untouched.
    assert wall(resolve_local(datetime.combine(spring, time(1, 59)), z), z)[1] == time(1, 59)
    assert wall(resolve_local(datetime.combine(spring, time(3, 0)), z), z)[1] == time(3, 0)


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_fold_resolves_to_the_first_occurrence(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    naive = datetime.combine(autumn, fold_time)
    resolved = resolve_local(naive, z)
    first = naive.replace(tzinfo=z, fold=0)
    second = naive.replace(tzinfo=z, fold=1)
    assert elapsed(first, second) == HOUR
    assert utc(resolved) == utc(first)
    assert resolved.fold == 0
    landed = shift(local(z, autumn - timedelta(days=1), fold_time.hour, 30), "1d", z)
    assert utc(landed) == utc(first)
    # From the second occurrence, a day later is the ordinary next-day wall time.
    after_second = shift(second, "1d", z)
    assert wall(after_second, z) == (autumn + timedelta(days=1), fold_time)


def test_resolve_local_rejects_aware_values() -> None:
    with pytest.raises(InvalidInputError, match="naive_local must be a naive datetime"):
        resolve_local(local(STOCKHOLM, date(2026, 5, 4), 9), STOCKHOLM)


def test_lord_howe_half_hour_dst() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    # 2026-10-04 02:00 -> 02:30 (+10:30 -> +11:00)
    resolved = resolve_local(datetime(2026, 10, 4, 2, 10), lord_howe)
    assert wall(resolved, lord_howe) == (date(2026, 10, 4), time(2, 30))
    start = datetime(2026, 10, 3, 9, 0, tzinfo=lord_howe)
    assert elapsed(start, shift(start, "1d", lord_howe)) == timedelta(hours=23, minutes=30)


# ---------------------------------------------------------------------------------------
# DST: local times of day and quiet hours
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_next_local_time_on_a_gap_day(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    found = next_local_time(local(z, spring, 0, 15), "02:30", z)
    assert utc(found) == gap_utc
    # Once past the gap, the next 02:30 is tomorrow's, which exists.
    found = next_local_time(local(z, spring, 3, 10), "02:30", z)
    assert wall(found, z) == (spring + timedelta(days=1), time(2, 30))
    # At the gap end itself the gap's reading is still due ("at or after").
    assert next_local_time(gap_utc, "02:30", z) == gap_utc


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_next_local_time_on_a_fold_day(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    first = datetime.combine(autumn, fold_time).replace(tzinfo=z, fold=0)
    second = first.replace(fold=1)
    text = fold_time.strftime("%H:%M")
    found = next_local_time(local(z, autumn, 0, 0), text, z)
    assert utc(found) == utc(first)
    # Inside the repeated hour, before the second reading: take the second reading.
    found = next_local_time(utc(second) - timedelta(minutes=10), text, z)
    assert utc(found) == utc(second)
    # Past both readings: tomorrow.
    found = next_local_time(utc(second) + timedelta(minutes=10), text, z)
    assert wall(found, z) == (autumn + timedelta(days=1), fold_time)


def test_next_local_time_today_tomorrow_and_exact() -> None:
    start = local(STOCKHOLM, date(2026, 5, 4), 7, 15)
    assert next_local_time(start, "09:00", STOCKHOLM) == local(STOCKHOLM, date(2026, 5, 4), 9)
    late = local(STOCKHOLM, date(2026, 5, 4), 9, 1)
    assert next_local_time(late, "09:00", STOCKHOLM) == local(STOCKHOLM, date(2026, 5, 5), 9)
    exact = local(STOCKHOLM, date(2026, 5, 4), 9)
    assert next_local_time(exact, "09:00", STOCKHOLM) == exact
    # A UTC instant in, a Stockholm time out.
    found = next_local_time(
        datetime(2026, 5, 4, 7, 30, tzinfo=UTC), time(9, 30), "Europe/Stockholm"
    )
    assert found == datetime(2026, 5, 4, 9, 30, tzinfo=STOCKHOLM)
    assert found.tzinfo is STOCKHOLM


QUIET = ("21:00", "08:00")


@pytest.mark.parametrize(("z", "spring", "autumn", "gap_utc", "fold_time"), DST_2026)
def test_quiet_end_across_dst_nights(
    z: ZoneInfo, spring: date, autumn: date, gap_utc: datetime, fold_time: time
) -> None:
    for change, hours in ((spring, 8), (autumn, 10)):
        at = local(z, change - timedelta(days=1), 23)
        end = quiet_end(at, QUIET, z)
        assert wall(end, z) == (change, time(8, 0))
        assert elapsed(at, end) == timedelta(hours=hours)
        assert not in_quiet_hours(end, QUIET, z)
    # Quiet hours that end inside the gap end when the gap does.
    at = local(z, spring - timedelta(days=1), 23)
    assert utc(quiet_end(at, ("22:00", "02:30"), z)) == gap_utc


def test_quiet_end_in_the_repeated_hour_is_not_pushed_a_day() -> None:
    # New York, 2026-11-01: 01:00-02:00 happens twice. Quiet hours end at 01:30.
    window = ("22:00", "01:30")
    first_end = quiet_end(local(NEW_YORK, date(2026, 10, 31), 23), window, NEW_YORK)
    assert utc(first_end) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    # At 01:00 EST (the second pass) the clock says 01:00 again: quiet until 01:30 EST.
    second_pass = datetime(2026, 11, 1, 1, 0, tzinfo=NEW_YORK, fold=1)
    assert in_quiet_hours(second_pass, window, NEW_YORK)
    end = quiet_end(second_pass, window, NEW_YORK)
    assert utc(end) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST


def test_quiet_end_outside_quiet_hours_returns_at_itself() -> None:
    at = local(STOCKHOLM, date(2026, 5, 4), 12)
    assert quiet_end(at, QUIET, STOCKHOLM) is at
    assert quiet_end(at, ("12:00", "12:00"), STOCKHOLM) is at  # start == end: no quiet hours
    assert not in_quiet_hours(at, ("12:00", "12:00"), STOCKHOLM)


@pytest.mark.parametrize(
    ("clock", "quiet", "end"),
    [
        (time(20, 59), False, None),
        (time(21, 0), True, (date(2026, 5, 5), time(8, 0))),
        (time(23, 59), True, (date(2026, 5, 5), time(8, 0))),
        (time(0, 0), True, (date(2026, 5, 4), time(8, 0))),
        (time(7, 59, 59), True, (date(2026, 5, 4), time(8, 0))),
        (time(8, 0), False, None),
    ],
)
def test_quiet_hours_spanning_midnight(
    clock: time, quiet: bool, end: tuple[date, time] | None
) -> None:
    at = datetime.combine(date(2026, 5, 4), clock, tzinfo=STOCKHOLM)
    assert in_quiet_hours(at, QUIET, STOCKHOLM) is quiet
    result = quiet_end(at, QUIET, STOCKHOLM)
    assert (wall(result, STOCKHOLM) if quiet else None) == end


def test_quiet_hours_within_a_day() -> None:
    window = (time(13, 0), "14:00")
    lunch = local(STOCKHOLM, date(2026, 5, 4), 13, 30)
    assert in_quiet_hours(lunch, window, STOCKHOLM)
    assert quiet_end(lunch, window, STOCKHOLM) == local(STOCKHOLM, date(2026, 5, 4), 14)
    assert not in_quiet_hours(local(STOCKHOLM, date(2026, 5, 4), 22), window, STOCKHOLM)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (("21:00",), "quiet hours must be a (start, end) pair"),
        (("21:00", "08:00", "09:00"), "quiet hours must be a (start, end) pair"),
        ("21:00-08:00", "quiet hours must be a (start, end) pair"),
        (("9pm", "08:00"), "quiet hours start must be a 24-hour local time"),
        (("21:00", 8), "quiet hours end must be a local time"),
        (("21:00", time(8, tzinfo=UTC)), "quiet hours end must be a local wall time"),
    ],
)
def test_bad_quiet_windows_are_rejected(window: object, message: str) -> None:
    at = local(STOCKHOLM, date(2026, 5, 4), 12)
    with pytest.raises(InvalidInputError) as info:
        quiet_end(at, window, STOCKHOLM)  # type: ignore[arg-type]  # deliberately wrong
    assert str(info.value).startswith(message)


# ---------------------------------------------------------------------------------------
# Times of day
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("00:00", time(0, 0)),
        ("21:30", time(21, 30)),
        ("23:59:59", time(23, 59, 59)),
    ],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text", ["", "9", "9:0", "24:00", "12:60", "12:00:60", "9am", " 09:00", "09.00", "T09:00"]
)
def test_parse_time_of_day_rejects_nonsense(text: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_time_of_day(text)
    message = str(info.value)
    assert message.startswith("time_of_day must be a 24-hour local time 'HH:MM' or 'HH:MM:SS'")
    assert message.endswith(f"(got {text!r})")


def test_parse_time_of_day_rejects_other_types() -> None:
    with pytest.raises(InvalidInputError, match=r"\(got int 9\)"):
        parse_time_of_day(9)  # type: ignore[arg-type]  # deliberately wrong


# ---------------------------------------------------------------------------------------
# Calendar arithmetic
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (date(2026, 1, 31), "1mo", date(2026, 2, 28)),
        (date(2028, 1, 31), "1mo", date(2028, 2, 29)),
        (date(2026, 1, 30), "1mo", date(2026, 2, 28)),
        (date(2026, 5, 31), "1mo", date(2026, 6, 30)),
        (date(2026, 3, 31), "-1mo", date(2026, 2, 28)),
        (date(2028, 3, 31), "-1mo", date(2028, 2, 29)),
        (date(2026, 1, 31), "1mo1d", date(2026, 3, 1)),
        (date(2026, 1, 15), "1mo20d", date(2026, 3, 7)),
        (date(2026, 3, 7), "-1mo20d", date(2026, 1, 15)),
        (date(2028, 2, 29), "1y", date(2029, 2, 28)),
        (date(2028, 2, 29), "4y", date(2032, 2, 29)),
        (date(2028, 2, 29), "-1y", date(2027, 2, 28)),
        (date(2026, 12, 31), "2mo", date(2027, 2, 28)),
        (date(2026, 1, 1), "P1Y2M3D", date(2027, 3, 4)),
        (date(2026, 2, 28), "1d", date(2026, 3, 1)),
        (date(2028, 2, 28), "1d", date(2028, 2, 29)),
        (date(2026, 12, 25), "2w", date(2027, 1, 8)),
    ],
)
def test_calendar_steps(start: date, duration: str, expected: date) -> None:
    instant = local(STOCKHOLM, start, 9)
    assert wall(shift(instant, duration, STOCKHOLM), STOCKHOLM) == (expected, time(9, 0))


def test_negative_durations_mirror_positive_ones() -> None:
    start = local(STOCKHOLM, date(2026, 3, 20), 9, 15)
    for text in ["1d", "3w", "1mo2d", "1mo20d12h", "1y", "90m", "1d-1h"]:
        d = parse_duration(text)
        assert shift(shift(start, d, STOCKHOLM), -d, STOCKHOLM) == start, text


def test_month_end_clamping_does_not_invert() -> None:
    # Documented: Jan 31 + 1mo = Feb 28, and Feb 28 - 1mo = Jan 28.
    start = local(STOCKHOLM, date(2026, 1, 31), 9)
    there = shift(start, "1mo", STOCKHOLM)
    assert wall(shift(there, "-1mo", STOCKHOLM), STOCKHOLM) == (date(2026, 1, 28), time(9, 0))


def test_mixed_signs_and_exact_parts() -> None:
    start = local(STOCKHOLM, date(2026, 5, 4), 9)
    assert wall(shift(start, "1d-1h", STOCKHOLM), STOCKHOLM) == (date(2026, 5, 5), time(8, 0))
    assert shift(start, "0s", STOCKHOLM) == start
    assert shift(start, Duration(), "UTC").tzinfo is zone("UTC")


def test_shift_reports_leaving_the_calendar() -> None:
    with pytest.raises(InvalidInputError, match="must stay within years 1 to 9999"):
        shift(datetime(9999, 12, 31, tzinfo=UTC), "1mo", "UTC")
    with pytest.raises(InvalidInputError, match="must stay within years 1 to 9999"):
        shift(datetime(9999, 12, 31, tzinfo=UTC), "1d", "UTC")


def test_shift_normalises_wall_times_that_do_not_exist() -> None:
    # 02:30 on the spring date written with fold=0 means the instant 01:30 UTC (03:30 CEST).
    imaginary = datetime(2026, 3, 29, 2, 30, tzinfo=STOCKHOLM)
    assert wall(shift(imaginary, "1d", STOCKHOLM), STOCKHOLM) == (date(2026, 3, 30), time(3, 30))


# ---------------------------------------------------------------------------------------
# Anniversaries
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (datetime(2026, 1, 10, 12, 0), datetime(2026, 2, 28, 9, 0)),
        (datetime(2027, 2, 28, 8, 0), datetime(2027, 2, 28, 9, 0)),
        (datetime(2027, 2, 28, 10, 0), datetime(2028, 2, 29, 9, 0)),
        (datetime(2028, 2, 28, 10, 0), datetime(2028, 2, 29, 9, 0)),
        (datetime(2028, 2, 29, 9, 0), datetime(2028, 2, 29, 9, 0)),
        (datetime(2028, 3, 1, 0, 0), datetime(2029, 2, 28, 9, 0)),
    ],
)
def test_february_29_birthdays(after: datetime, expected: datetime) -> None:
    found = next_anniversary(after.replace(tzinfo=STOCKHOLM), "1996-02-29", "09:00", STOCKHOLM)
    assert found == expected.replace(tzinfo=STOCKHOLM)


def test_birthday_later_today_or_already_past() -> None:
    birthday = date(1990, 5, 17)
    morning = local(STOCKHOLM, date(2026, 5, 17), 8)
    assert next_anniversary(morning, birthday, "09:00", STOCKHOLM) == local(
        STOCKHOLM, date(2026, 5, 17), 9
    )
    evening = local(STOCKHOLM, date(2026, 5, 17), 18)
    assert next_anniversary(evening, birthday, "09:00", STOCKHOLM) == local(
        STOCKHOLM, date(2027, 5, 17), 9
    )
    exact = local(STOCKHOLM, date(2026, 5, 17), 9)
    assert next_anniversary(exact, birthday, "09:00", STOCKHOLM) == exact


@pytest.mark.parametrize(
    "value",
    [
        date(1990, 5, 17),
        datetime(1990, 5, 17, 23, 59),
        datetime(1990, 5, 17, 0, 0, tzinfo=UTC),
        "1990-05-17",
        "--05-17",
    ],
)
def test_anniversary_date_forms(value: date | datetime | str) -> None:
    after = local(STOCKHOLM, date(2026, 1, 1), 0)
    found = next_anniversary(after, value, time(10, 0), "Europe/Stockholm")
    assert found == local(STOCKHOLM, date(2026, 5, 17), 10)


def test_anniversary_across_new_year_and_in_a_gap() -> None:
    new_years_eve = local(STOCKHOLM, date(2026, 12, 31), 23)
    found = next_anniversary(new_years_eve, "2000-12-31", "09:00", STOCKHOLM)
    assert found == local(STOCKHOLM, date(2027, 12, 31), 9)
    spring = next_anniversary(local(STOCKHOLM, date(2026, 1, 1), 0), "--03-29", "02:30", STOCKHOLM)
    assert utc(spring) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["1990-02-30", "17/05/1990", "1990-5-17", "--13-01", 19900517])
def test_bad_anniversary_dates_are_rejected(value: object) -> None:
    after = local(STOCKHOLM, date(2026, 1, 1), 0)
    with pytest.raises(InvalidInputError) as info:
        next_anniversary(after, value, "09:00", STOCKHOLM)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith("date must be a date, a datetime or an ISO date")
    assert repr(value) in message


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------


def ref_add_months(naive: datetime, months: int) -> datetime:
    year, month0 = divmod(naive.year * 12 + naive.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return naive.replace(year=year, month=month0 + 1, day=min(naive.day, last))


def ref_add_days(naive: datetime, days: int) -> datetime:
    return datetime.combine(date.fromordinal(naive.toordinal() + days), naive.time())


def ref_resolve(naive: datetime, z: ZoneInfo) -> datetime:
    as_utc = naive.replace(tzinfo=UTC)
    offsets = {(as_utc + timedelta(hours=h)).astimezone(z).utcoffset() for h in range(-30, 31, 3)}
    candidates = sorted(as_utc - off for off in offsets if off is not None)
    matches = [u for u in candidates if u.astimezone(z).replace(tzinfo=None) == naive]
    if matches:
        return matches[0].astimezone(z)  # the earliest: a fold's first occurrence
    # In a gap: walk forward a minute at a time to the first instant showing a later time.
    u = candidates[0].replace(second=0, microsecond=0)
    while u.astimezone(z).replace(tzinfo=None) <= naive:
        u += timedelta(minutes=1)
    return u.astimezone(z)


def ref_shift(instant: datetime, d: Duration, z: ZoneInfo) -> datetime:
    exact = timedelta(seconds=d.seconds)
    if not d.months and not d.days:
        return (utc(instant) + exact).astimezone(z)
    if (d.months or d.days or d.seconds) < 0:
        naive = (utc(instant) + exact).astimezone(z).replace(tzinfo=None)
        return ref_resolve(ref_add_months(ref_add_days(naive, d.days), d.months), z)
    naive = utc(instant).astimezone(z).replace(tzinfo=None)
    resolved = ref_resolve(ref_add_days(ref_add_months(naive, d.months), d.days), z)
    return (utc(resolved) + exact).astimezone(z)


def _transitions() -> list[tuple[str, datetime]]:
    """Every UTC-offset change in the property zones, 2020-2030, as the local wall time
    (before the change) at which it happens."""
    found = []
    for name in PROPERTY_ZONES:
        z = ZoneInfo(name)
        day = date(2020, 1, 1)
        previous = datetime.combine(day, time(12), tzinfo=z).utcoffset()
        while day < date(2031, 1, 1):
            day += timedelta(days=1)
            offset = datetime.combine(day, time(12), tzinfo=z).utcoffset()
            if offset != previous:
                # Bisect the UTC minute between the two noons where the offset changes.
                low = utc(datetime.combine(day - timedelta(days=1), time(12), tzinfo=z))
                high = utc(datetime.combine(day, time(12), tzinfo=z))
                while high - low > timedelta(minutes=1):
                    middle = low + (high - low) / 2
                    if middle.astimezone(z).utcoffset() == previous:
                        low = middle
                    else:
                        high = middle
                assert previous is not None
                # tzdata changes offsets on whole minutes
                at = high.replace(second=0, microsecond=0)
                found.append((name, (at + previous).replace(tzinfo=None)))
            previous = offset
    return found


TRANSITIONS = _transitions()

zone_names = st.sampled_from(PROPERTY_ZONES)
plain_instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@st.composite
def instants_near_changes(draw: st.DrawFn) -> tuple[datetime, str, int]:
    """An instant `days` days before a DST change, at a wall time near the change's, so
    that a shift by `days` lands in or near its gap or fold."""
    name, change = draw(st.sampled_from(TRANSITIONS))
    days = draw(st.integers(-40, 40))
    near = timedelta(seconds=draw(st.integers(-90 * 60, 90 * 60)))
    fold = draw(st.integers(0, 1))
    start = change + near - timedelta(days=days)
    return start.replace(tzinfo=ZoneInfo(name), fold=fold), name, days


durations = st.one_of(
    st.builds(
        Duration,
        months=st.integers(-30, 30),
        days=st.integers(-800, 800),
        seconds=st.integers(-(10**7), 10**7),
    ),
    st.builds(Duration, months=st.integers(-30, 30)),
    st.builds(Duration, days=st.integers(-60, 60)),
    st.builds(Duration, seconds=st.integers(-(10**6), 10**6)),
)

all_durations = st.builds(
    Duration,
    months=st.integers(-120_000, 120_000),
    days=st.integers(-3_660_000, 3_660_000),
    seconds=st.integers(-316_224_000_000, 316_224_000_000),
)


@st.composite
def shift_cases(draw: st.DrawFn) -> tuple[datetime, Duration, str]:
    if draw(st.booleans()):
        return draw(plain_instants), draw(durations), draw(zone_names)
    instant, name, days = draw(instants_near_changes())
    seconds = draw(st.sampled_from([0, 0, 0, 1, -1, 60, -1800, 3600, -3600]))
    months = draw(st.sampled_from([0, 0, 0, 0, 0, 0, 1, -1, 12]))
    return instant, Duration(months=months, days=days, seconds=seconds), name


@given(all_durations)
def test_property_duration_text_round_trips(d: Duration) -> None:
    text = str(d)
    assert parse_duration(text) == d
    assert re.fullmatch(Step.model_json_schema()["properties"]["wait"]["pattern"], text)


@given(st.text(alphabet="0123456789+-PTYMWDHSymowdhs.", max_size=14))
def test_property_json_schema_pattern_agrees_with_the_parser(text: str) -> None:
    assume(all(len(run) <= 3 for run in re.findall(r"\d+", text)))
    pattern = Step.model_json_schema()["properties"]["wait"]["pattern"]
    try:
        parse_duration(text)
    except InvalidInputError:
        accepted = False
    else:
        accepted = True
    assert accepted == (re.fullmatch(pattern, text) is not None)


@given(shift_cases())
def test_property_shift_matches_an_independent_reference(
    case: tuple[datetime, Duration, str],
) -> None:
    instant, d, name = case
    z = ZoneInfo(name)
    result = shift(instant, d, name)
    expected = ref_shift(instant, d, z)
    assert utc(result) == utc(expected)
    assert result.utcoffset() == expected.utcoffset()
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)


@given(shift_cases())
def test_property_shift_is_aware_and_in_the_zone(case: tuple[datetime, Duration, str]) -> None:
    instant, d, name = case
    result = shift(instant, str(d), name)
    assert result.tzinfo is zone(name)
    assert result.utcoffset() is not None
    # The result is a real local time: it survives a round trip through UTC.
    assert utc(result).astimezone(zone(name)).replace(tzinfo=None) == result.replace(tzinfo=None)


@given(shift_cases())
def test_property_elapsed_time_is_within_the_duration_bounds(
    case: tuple[datetime, Duration, str],
) -> None:
    instant, d, name = case
    seconds = elapsed(instant, shift(instant, d, name)).total_seconds()
    assert d.min_seconds() <= seconds <= d.max_seconds()


@given(plain_instants, st.builds(Duration, seconds=st.integers(-(10**8), 10**8)), zone_names)
def test_property_exact_durations_invert(instant: datetime, d: Duration, name: str) -> None:
    assert utc(shift(shift(instant, d, name), -d, name)) == utc(instant)


times_of_day = st.times().map(lambda t: t.replace(microsecond=0))
minute_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def after_instants(draw: st.DrawFn) -> tuple[datetime, str]:
    if draw(st.booleans()):
        return draw(plain_instants), draw(zone_names)
    instant, name, _days = draw(instants_near_changes())
    return instant, name


@given(after_instants(), st.one_of(times_of_day, minute_times))
def test_property_next_local_time(case: tuple[datetime, str], t: time) -> None:
    after, name = case
    z = ZoneInfo(name)
    found = next_local_time(after, t, name)
    assert found.tzinfo is z
    assert utc(found) >= utc(after)
    assert elapsed(after, found) <= timedelta(hours=26)
    found_date, found_time = wall(found, z)
    if found_time != t:
        # Only where the wall time does not exist that day; then it is the gap's end.
        assert not datetime_exists(datetime.combine(found_date, t), z)
        assert found == resolve_local(datetime.combine(found_date, t), z)


@given(after_instants(), st.tuples(minute_times, minute_times))
def test_property_quiet_end(case: tuple[datetime, str], window: tuple[time, time]) -> None:
    at, name = case
    z = ZoneInfo(name)
    end = quiet_end(at, window, name)
    assert utc(end) >= utc(at)
    assert not in_quiet_hours(end, window, name)
    if not in_quiet_hours(at, window, name):
        assert end is at
    else:
        assert elapsed(at, end) <= timedelta(hours=25)
        end_date, end_time = wall(end, z)
        assert end_time == window[1] or not datetime_exists(
            datetime.combine(end_date, window[1]), z
        )


@given(after_instants(), st.dates(date(1900, 1, 1), date(2020, 12, 31)), minute_times)
def test_property_next_anniversary(case: tuple[datetime, str], birthday: date, t: time) -> None:
    after, name = case
    z = ZoneInfo(name)
    found = next_anniversary(after, birthday, t, name)
    assert utc(found) >= utc(after)
    assert elapsed(after, found) <= timedelta(days=367)
    found_date, _found_time = wall(found, z)
    expected_day = birthday.day
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(found_date.year):
        expected_day = 28
    assert (found_date.month, found_date.day) == (birthday.month, expected_day)


# ---------------------------------------------------------------------------------------
# Durations in words (issue 8, bug 3: "-1mo" read "-1 year 11 months")
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-1mo", "-1 month"),
        ("-18mo", "-1 year 6 months"),
        ("-90m", "-1 hour 30 minutes"),
        ("-1d12h", "-1 day 12 hours"),
        ("1d-1h", "1 day -1 hour"),
        ("-1d+12h", "-1 day +12 hours"),
        ("-2w", "-2 weeks"),
        ("18mo", "1 year 6 months"),
        ("1y1s", "1 year 1 second"),
        ("0s", "0 seconds"),
    ],
)
def test_describe_duration_signs_follow_the_text(text: str, words: str) -> None:
    assert describe_duration(parse_duration(text)) == words


_WORD_UNITS = {"year": "y", "month": "mo", "week": "w", "day": "d", "hour": "h", "minute": "m"}


def words_as_text(words: str) -> str:
    text = re.sub(r" (year|month|week|day|hour|minute|second)s?", r"\1", words)
    for word, unit in _WORD_UNITS.items():
        text = text.replace(word, unit)
    return text.replace("second", "s").replace(" ", "")


@given(all_durations)
def test_property_words_say_the_same_duration_as_the_text(d: Duration) -> None:
    # One sign rule for both: the words, written with unit letters, read back as `d`.
    assert parse_duration(words_as_text(describe_duration(d))) == d


# ---------------------------------------------------------------------------------------
# timedelta in, timedelta out
# ---------------------------------------------------------------------------------------


def test_a_timedelta_is_exact_elapsed_time() -> None:
    assert parse_duration(timedelta(hours=1, minutes=30)) == parse_duration("90m")
    assert parse_duration(timedelta(days=1)) == Duration(seconds=DAY)  # 24h, not "1d"
    assert parse_duration(-timedelta(seconds=1)) == Duration(seconds=-1)
    saturday = local(STOCKHOLM, date(2026, 3, 28), 9)  # DST starts overnight
    assert shift(saturday, timedelta(days=1), STOCKHOLM) == shift(saturday, "24h", STOCKHOLM)
    assert wall(shift(saturday, timedelta(days=1), STOCKHOLM), STOCKHOLM)[1] == time(10, 0)


def test_a_timedelta_must_hold_whole_seconds() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_duration(timedelta(seconds=1, microseconds=500_000))
    message = str(info.value)
    assert message.startswith("duration must be a whole number of seconds")
    assert "1.5 seconds" in message
    assert "round it first" in message


def test_a_timedelta_is_bounded_like_any_duration() -> None:
    with pytest.raises(InvalidInputError, match=r"at most 10000 years .*\(got datetime.timedelta"):
        parse_duration(timedelta(days=999_999_999))


def test_pydantic_field_accepts_a_timedelta() -> None:
    step = Step(wait=timedelta(hours=36))  # type: ignore[arg-type]  # pydantic converts it
    assert step.wait == Duration(seconds=36 * 3600)
    assert step.model_dump() == {"wait": "36h", "timeout": None}
    with pytest.raises(ValidationError) as info:
        Step(wait=timedelta(microseconds=1))  # type: ignore[arg-type]  # deliberately wrong
    (error,) = info.value.errors()
    assert error["type"] == "duration_parsing"
    assert "whole number of seconds" in error["msg"]


def test_to_timedelta_where_exact() -> None:
    assert parse_duration("1h30m").to_timedelta() == timedelta(minutes=90)
    assert parse_duration("-36h").to_timedelta() == timedelta(hours=-36)
    assert Duration().to_timedelta() == timedelta(0)


@pytest.mark.parametrize("text", ["1d", "2w", "1mo", "1y", "1d-24h"])
def test_to_timedelta_refuses_calendar_parts(text: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_duration(text).to_timedelta()
    message = str(info.value)
    assert message.startswith(f"duration {str(parse_duration(text))!r} has no fixed length")
    assert "write '24h'" in message


@given(st.builds(Duration, seconds=st.integers(-316_224_000_000, 316_224_000_000)))
def test_property_exact_durations_round_trip_through_timedelta(d: Duration) -> None:
    assert parse_duration(d.to_timedelta()) == d


# ---------------------------------------------------------------------------------------
# Ordering: certain or refused
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "op", "b", "answer"),
    [
        ("1d", "<", "36h", True),
        ("1d", ">", "20h", True),
        ("1d", "<", "1d1s", True),  # the same calendar step, then one more second
        ("1d1s", "<=", "1d", False),
        ("1mo", ">", "3w", True),
        ("1mo", "<", "32d", True),
        ("1y", ">", "360d", True),
        ("1y", "<", "13mo", True),
        ("90m", "<=", "1h30m", True),
        ("90m", "<", "1h30m", False),
        ("90m", ">=", "2h", False),
        ("-1d", "<", "-20h", True),
        ("-1mo", "<", "0s", True),
        ("2w", ">=", "14d", True),  # equal durations
        ("1mo", "<", "30d", None),
        ("1mo", ">=", "30d", None),
        ("1d", "<=", "24h", None),  # 23 or 25 hours across DST
        ("1y", "<", "365d", None),
        ("-1mo", "<", "-1mo+2h", None),  # backwards, month-end clamping can swap them
    ],
)
def test_durations_order_only_where_certain(a: str, op: str, b: str, answer: bool | None) -> None:
    left, right = parse_duration(a), parse_duration(b)
    compare = {
        "<": lambda: left < right,
        "<=": lambda: left <= right,
        ">": lambda: left > right,
        ">=": lambda: left >= right,
    }[op]
    if answer is None:
        with pytest.raises(TypeError) as info:
            compare()
        message = str(info.value)
        assert message.startswith(f"cannot tell whether {left} {op} {right}:")
        assert f"{left} lasts" in message
        assert "depending on the start instant and the zone" in message
    else:
        assert compare() is answer


def test_durations_sort_when_their_order_is_certain() -> None:
    texts = ["1y", "30m", "1d", "2w", "1mo", "36h", "12h"]
    ordered = sorted(parse_duration(t) for t in texts)
    assert [str(d) for d in ordered] == ["30m", "12h", "1d", "36h", "2w", "1mo", "1y"]
    with pytest.raises(TypeError, match="cannot tell whether"):
        sorted([parse_duration("1mo"), parse_duration("30d")])


def test_durations_do_not_order_against_other_types() -> None:
    with pytest.raises(TypeError):
        _ = parse_duration("1d") < timedelta(days=2)  # type: ignore[operator]  # deliberately wrong
    with pytest.raises(TypeError):
        _ = parse_duration("1d") < "2d"  # type: ignore[operator]  # deliberately wrong


small_durations = st.builds(
    Duration,
    months=st.sampled_from([0, 0, 0, 1, -1, 2, 12]),
    days=st.sampled_from([0, 0, 1, -1, 2, 7, 28, 30, 31]),
    seconds=st.sampled_from([0, 0, 1, -1, 3600, -3600, 82_800, 86_400, 90_000]),
)


@given(shift_cases(), small_durations, small_durations)
def test_property_an_answered_order_holds_at_every_instant(
    case: tuple[datetime, Duration, str], a: Duration, b: Duration
) -> None:
    instant, _d, name = case
    end_a, end_b = utc(shift(instant, a, name)), utc(shift(instant, b, name))
    for op, actual in (
        ("<", end_a < end_b),
        ("<=", end_a <= end_b),
        (">", end_a > end_b),
        (">=", end_a >= end_b),
    ):
        try:
            claimed = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        except TypeError:
            continue  # refused: no claim to check
        assert claimed is actual, (str(a), op, str(b), instant)


# ---------------------------------------------------------------------------------------
# The edges of datetime: answer, or InvalidInputError naming the argument
# ---------------------------------------------------------------------------------------

EDGE_ZONES = [
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Australia/Lord_Howe",
]

edge_instants = st.one_of(
    st.integers(0, 3 * DAY).map(lambda s: datetime.min.replace(tzinfo=UTC) + timedelta(seconds=s)),
    st.integers(0, 3 * DAY).map(lambda s: datetime.max.replace(tzinfo=UTC) - timedelta(seconds=s)),
)


def _answers_or_names(call: object, fields: tuple[str, ...]) -> object:
    assert callable(call)
    try:
        return call()
    except InvalidInputError as error:
        message = str(error)
        assert message.startswith(fields) or message.startswith("shifting instant"), message
        return None


@given(
    edge_instants,
    st.sampled_from(EDGE_ZONES),
    st.sampled_from(["1s", "-1s", "1h", "-1h", "1d", "-1d", "1mo", "-1mo", "1y", "-1y"]),
    st.sampled_from([("21:00", "08:00"), ("00:00", "23:59"), ("12:00", "13:00")]),
)
def test_property_every_function_answers_or_names_the_argument_at_the_edges(
    at: datetime, name: str, text: str, window: tuple[str, str]
) -> None:
    # Issue 15: in_quiet_hours, local_date and quiet_end raised OverflowError here.
    z = zone(name)
    moved = _answers_or_names(lambda: shift(at, text, z), ("instant",))
    if isinstance(moved, datetime):
        assert moved.tzinfo is z
    day = _answers_or_names(lambda: local_date(at, z), ("instant",))
    assert day is None or isinstance(day, date)
    quiet = _answers_or_names(lambda: in_quiet_hours(at, window, z), ("at",))
    assert quiet in (None, True, False)
    end = _answers_or_names(lambda: quiet_end(at, window, z), ("at",))
    assert end is None or (isinstance(end, datetime) and end >= at)
    found = _answers_or_names(lambda: next_local_time(at, "09:00", z), ("after",))
    assert found is None or (isinstance(found, datetime) and found >= at)
    birthday = _answers_or_names(lambda: next_anniversary(at, "--12-31", "23:00", z), ("after",))
    assert birthday is None or (isinstance(birthday, datetime) and birthday >= at)
    naive = at.replace(tzinfo=None)
    resolved = _answers_or_names(lambda: resolve_local(naive, z), ("naive_local",))
    assert resolved is None or isinstance(resolved, datetime)


def test_edge_errors_say_what_the_argument_must_be() -> None:
    late = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)  # 10000-01-01 in Stockholm
    with pytest.raises(InvalidInputError) as info:
        local_date(late, STOCKHOLM)
    assert str(info.value) == (
        "instant must fall within years 1 to 9999 both in UTC and in Europe/Stockholm "
        "(got 9999-12-31T23:30:00+00:00)"
    )
    with pytest.raises(InvalidInputError, match=r"^at must fall within years 1 to 9999"):
        in_quiet_hours(late, QUIET, STOCKHOLM)
    with pytest.raises(InvalidInputError, match=r"^at must fall within years 1 to 9999"):
        quiet_end(late, QUIET, STOCKHOLM)
    evening = datetime(9999, 12, 31, 22, 0, tzinfo=UTC)  # quiet until 08:00 in year 10000
    with pytest.raises(InvalidInputError, match=r"^at must leave room for a following 08:00"):
        quiet_end(evening, QUIET, "UTC")
    # ... and where an answer exists, it is given
    assert in_quiet_hours(evening, QUIET, "UTC")
    assert local_date(late, "America/New_York") == date(9999, 12, 31)


# ---------------------------------------------------------------------------------------
# The private package's import order
# ---------------------------------------------------------------------------------------


def test_time_modules_import_only_those_listed_before_them() -> None:
    # journeykit/_time/__init__.py lists its modules in an order no import may go against,
    # so the package has no cycles and each module can be read knowing only earlier ones.
    import ast
    from pathlib import Path

    import journeykit._time as package

    order = [
        "zones",
        "duration_text",
        "durations",
        "wall",
        "clock",
        "offsets",
        "lookback",
        "crossing",
    ]
    docstring = package.__doc__ or ""
    assert re.findall(r":mod:`\.(\w+)`", docstring) == order
    root = Path(package.__file__).parent
    assert sorted(p.stem for p in root.glob("*.py") if p.stem != "__init__") == sorted(order)
    for position, name in enumerate(order):
        tree = ast.parse((root / f"{name}.py").read_text())
        imported = {
            node.module.rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module is not None
            and node.module.startswith("journeykit._time.")
        }
        assert imported <= set(order[:position]), (name, imported - set(order[:position]))
        others = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module is not None
            and node.module.startswith("journeykit")
            and not node.module.startswith("journeykit._time")
        }
        assert others <= {"journeykit._errors"}, (name, others)


# --- edges a mutation run of journeykit._time found loose ------------------------------


def test_durations_add_and_subtract_part_by_part() -> None:
    a, b = Duration(1, 2, 3), Duration(10, 20, 30)
    assert a + b == Duration(11, 22, 33)
    assert b - a == Duration(9, 18, 27)
    assert a - b == -(b - a)


@given(
    st.builds(Duration, st.integers(-99, 99), st.integers(-999, 999), st.integers(-9999, 9999)),
    st.builds(Duration, st.integers(-99, 99), st.integers(-999, 999), st.integers(-9999, 9999)),
)
def test_property_subtraction_undoes_addition(a: Duration, b: Duration) -> None:
    assert (a + b) - b == a
    assert (a - b) + b == a
    assert (a + -a).is_zero


def test_a_duration_is_true_when_any_part_is_not_zero() -> None:
    assert [bool(d) for d in (Duration(months=1), Duration(days=1), Duration(seconds=1))] == [
        True,
        True,
        True,
    ]
    assert not Duration()
    assert parse_duration("1d-24h")  # a calendar day minus 24 exact hours is not nothing


def test_durations_order_with_greater_than_as_with_less_than() -> None:
    one_day, two_days = parse_duration("1d"), parse_duration("2d")
    assert two_days > one_day
    assert not one_day > two_days
    assert not one_day > one_day
    assert one_day >= one_day
    assert two_days >= one_day
    assert not one_day >= two_days
    assert parse_duration("36h") > one_day  # longer than any calendar day in any zone
    assert parse_duration("1mo") > parse_duration("3w")
    assert parse_duration("1d1s") > one_day  # one calendar step, then exact seconds
    assert max(two_days, one_day) is two_days


ORDERINGS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@pytest.mark.parametrize("op", [">", ">=", "<", "<="])
def test_durations_compare_only_with_durations(op: str) -> None:
    compare = ORDERINGS[op]
    with pytest.raises(TypeError, match=f"'{op}' not supported between instances of 'Duration'"):
        compare(parse_duration("1d"), 86400)


@pytest.mark.parametrize("op", [">", ">=", "<", "<="])
def test_an_undecidable_comparison_says_both_spans(op: str) -> None:
    compare = ORDERINGS[op]
    with pytest.raises(TypeError) as caught:
        compare(parse_duration("1mo"), parse_duration("30d"))
    assert str(caught.value) == (
        f"cannot tell whether 1mo {op} 30d: 1mo lasts 669 to 747 hours and 30d lasts 717 to "
        "723 hours of elapsed time, depending on the start instant and the zone, so the "
        "answer differs between them; compare shift(t, a, tz) with shift(t, b, tz) for the "
        "instant you mean, or compare min_seconds()/max_seconds()"
    )


def test_an_exact_duration_that_is_compared_says_it_lasts_exactly() -> None:
    with pytest.raises(TypeError, match=r"24h lasts exactly 24 hours"):
        _ = parse_duration("1d") < parse_duration("24h")


def test_to_timedelta_says_why_a_calendar_duration_has_no_fixed_length() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_duration("1d").to_timedelta()
    assert str(caught.value) == (
        "duration '1d' has no fixed length: days, weeks, months and years are calendar "
        "steps whose length depends on the start instant and the zone (a day lasts 23 or "
        "25 hours across a DST change); only hours, minutes and seconds convert to a "
        "timedelta (write '24h' for exactly 24 hours, or step the calendar with shift())"
    )


def test_quiet_hours_within_one_day_include_their_start_and_not_their_end() -> None:
    window = ("09:00", "17:00")
    assert in_quiet_hours(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), window, UTC)
    assert not in_quiet_hours(datetime(2026, 5, 4, 8, 59, 59, tzinfo=UTC), window, UTC)
    assert in_quiet_hours(datetime(2026, 5, 4, 16, 59, 59, tzinfo=UTC), window, UTC)
    assert not in_quiet_hours(datetime(2026, 5, 4, 17, 0, tzinfo=UTC), window, UTC)
    assert quiet_end(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), window, UTC) == datetime(
        2026, 5, 4, 17, 0, tzinfo=UTC
    )


def test_the_next_local_time_counts_from_the_local_date_not_the_utc_date() -> None:
    # 02:00 UTC on 5 May is 22:00 on 4 May in New York: 23:00 that same local evening
    after = datetime(2026, 5, 5, 2, 0, tzinfo=UTC)
    assert next_local_time(after, "23:00", NEW_YORK) == datetime(2026, 5, 4, 23, 0, tzinfo=NEW_YORK)


def test_the_next_anniversary_counts_from_the_local_year_not_the_utc_year() -> None:
    # New Year in UTC is still New Year's Eve in New York
    after = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    assert next_anniversary(after, "--12-31", "22:00", NEW_YORK) == datetime(
        2026, 12, 31, 22, 0, tzinfo=NEW_YORK
    )


def test_a_year_less_february_29_is_a_birthday_kept_on_february_28() -> None:
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert next_anniversary(after, "--02-29", "09:00", STOCKHOLM) == datetime(
        2027, 2, 28, 9, 0, tzinfo=STOCKHOLM
    )
    assert next_anniversary(after.replace(year=2028), "--02-29", "09:00", STOCKHOLM) == (
        datetime(2028, 2, 29, 9, 0, tzinfo=STOCKHOLM)
    )


def test_a_comparison_is_answered_exactly_up_to_the_ends_of_the_bounds() -> None:
    day = parse_duration("1d")
    longest = Duration(seconds=int(day.max_seconds()))  # 27h: a day is never longer
    shortest = Duration(seconds=int(day.min_seconds()))  # 21h: a day is never shorter
    assert day <= longest
    assert day >= shortest
    for undecided in (
        lambda: day < longest,  # equal when the day is longest
        lambda: day >= longest,  # ... and only then
        lambda: day > shortest,
        lambda: day <= shortest,
        lambda: day > Duration(seconds=int(day.max_seconds()) - 1),
    ):
        with pytest.raises(TypeError, match="cannot tell whether 1d"):
            undecided()


def test_a_backward_calendar_duration_equals_itself_in_order_too() -> None:
    back = parse_duration("-1mo")
    assert back <= back
    assert back >= back
    assert not back < back
    assert not back > back


def test_the_next_local_time_at_the_second_reading_of_a_repeated_hour_is_that_instant() -> None:
    # Stockholm reads 02:30 twice on 2026-10-25: at 00:30 UTC (+02:00), then 01:30 UTC
    # (compared in UTC: Python calls a fold=1 time unequal to every other zone's, PEP 495)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert next_local_time(second, "02:30", STOCKHOLM).astimezone(UTC) == second
    earlier = second - timedelta(minutes=30)
    assert next_local_time(earlier, "02:30", STOCKHOLM).astimezone(UTC) == second


def test_an_anniversary_that_is_no_date_in_its_own_year_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"an ISO date .* \(got str '1991-02-29'\)"):
        next_anniversary(datetime(2026, 1, 1, tzinfo=UTC), "1991-02-29", "09:00", STOCKHOLM)


@pytest.mark.parametrize(
    "call",
    [
        lambda: next_local_time(datetime(2026, 1, 1, tzinfo=UTC), "25:00", STOCKHOLM),
        lambda: next_anniversary(datetime(2026, 1, 1, tzinfo=UTC), "--05-17", "25:00", UTC),
    ],
)
def test_a_bad_time_of_day_is_named_as_the_argument(call: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^time_of_day must be a 24-hour local time"):
        call()  # type: ignore[operator]


def test_duration_text_of_the_longest_length_allowed_is_read_and_one_more_is_not() -> None:
    assert MAX_DURATION_TEXT == 100
    assert parse_duration("0" * 98 + "1d") == Duration(days=1)
    with pytest.raises(InvalidInputError) as caught:
        parse_duration("0" * 99 + "1d")
    assert "did you mean" not in str(caught.value)
    with pytest.raises(InvalidInputError, match=r"did you mean '1d'\?$"):
        parse_duration("0" * 97 + "1 d")  # 100 characters: still worth a suggestion
    with pytest.raises(InvalidInputError) as caught:
        parse_duration("0" * 98 + "1 d")
    assert "did you mean" not in str(caught.value)
