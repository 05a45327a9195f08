"""Time for marketers: durations, local wall-clock times, DST, quiet hours and anniversaries.

Theory of operation
-------------------
journeykit never reads a clock: every function here takes the instant it reasons about
as an argument and returns a new instant. Instants are timezone-aware ``datetime``
values; a naive one is rejected with an error naming the argument (:func:`require_aware`).

A :class:`Duration` has two kinds of part, kept apart on purpose:

- a **calendar** part (``months``, ``days``; years are 12 months, weeks 7 days) that is
  applied to the *local wall time* in the customer's zone, with dateutil's
  ``relativedelta`` (so "1d" from 09:00 lands on 09:00 the next day even across a DST
  change, and Jan 31 + 1mo is Feb 28/29);
- an **exact** part (``seconds``; minutes and hours) that is elapsed time, added in UTC.

A local wall time is turned back into an instant by :func:`resolve_local`, with two rules:
a wall time that does not exist (a DST gap) becomes the instant the gap ends, and an
ambiguous one (a DST fold) becomes its first occurrence.

Invariants kept here:

1. Every function is pure and deterministic; zone lookups and parses are cached, which
   changes speed only.
2. Every returned datetime is aware and expressed in the zone it was asked for.
3. Comparisons of instants are made in UTC. Python compares two datetimes that share a
   ``tzinfo`` by wall time and ignores ``fold``, which is wrong in the repeated hour.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from journeykit._errors import InvalidInputError

__all__ = [
    "TimeZoneLike",
    "TimeOfDayLike",
    "QuietWindow",
    "Duration",
    "DurationLike",
    "zone",
    "require_aware",
    "parse_duration",
    "shift",
    "resolve_local",
    "parse_time_of_day",
    "next_local_time",
    "quiet_end",
    "in_quiet_hours",
    "next_anniversary",
    "local_date",
    "describe_duration",
]

TimeZoneLike: TypeAlias = str | ZoneInfo | tzinfo
"""An IANA time zone name (``"Europe/Stockholm"``) or a zone object."""

TimeOfDayLike: TypeAlias = str | time
"""A local wall-clock time: ``"09:00"``, ``"21:30:15"`` or a naive :class:`datetime.time`."""

QuietWindow: TypeAlias = tuple[str | time, str | time]
"""Quiet hours as a local ``(start, end)`` pair, e.g. ``("21:00", "08:00")``."""

_UTC: Final = timezone.utc
_EPOCH_UTC: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_NAIVE: Final = datetime(1970, 1, 1)
_ONE_SECOND: Final = timedelta(seconds=1)
_DAY_SECONDS: Final = 86_400

# Largest UTC-offset change a calendar step is assumed to cross. Every DST rule and
# offset change in tzdata since 2012 stays within it (Antarctica/Casey switched by 3 h,
# Antarctica/Troll keeps a 2 h DST); one-off date-line jumps such as Samoa skipping
# 30 December 2011 do not.
_OFFSET_ALLOWANCE_SECONDS: Final = 3 * 3600

# Each part of a Duration may span at most 10,000 years: far beyond any datetime a
# journey can reach, and it keeps every number short enough to parse quickly.
_MAX_MONTHS: Final = 12 * 10_000
_MAX_DAYS: Final = 366 * 10_000
_MAX_SECONDS: Final = 366 * 10_000 * _DAY_SECONDS
_MAX_DURATION_TEXT: Final = 100

_DURATION_FORMS: Final = (
    "'30m', '12h', '3d', '2w', '1mo', '1y', a combination such as '1d12h', "
    "or ISO 8601 such as 'P1M2D' or 'PT90M'"
)

# ---------------------------------------------------------------------------------------
# Zones and aware datetimes
# ---------------------------------------------------------------------------------------

# Names ZoneInfo accepts that mean "whatever this machine is set to", not a zone.
_HOST_DEPENDENT_ZONE_NAMES: Final = frozenset({"localtime", "posixrules"})


@lru_cache(maxsize=1024)
def _zone_named(name: str) -> ZoneInfo:
    # Failed lookups raise and so are never cached; the cache holds only real zones.
    if name not in _HOST_DEPENDENT_ZONE_NAMES:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise InvalidInputError(
        "time zone must be an IANA name such as 'Europe/Stockholm' or "
        f"'America/New_York' (got {name!r})"
    )


def zone(tz: TimeZoneLike) -> tzinfo:
    """Resolve an IANA zone name (cached) or pass a zone object through.

    >>> zone("Europe/Stockholm")
    zoneinfo.ZoneInfo(key='Europe/Stockholm')
    >>> zone("Mars/Olympus_Mons")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: time zone must be an IANA name such as \
'Europe/Stockholm' or 'America/New_York' (got 'Mars/Olympus_Mons')
    """
    if isinstance(tz, str):
        return _zone_named(tz)
    if isinstance(tz, ZoneInfo) or type(tz) is timezone:
        return tz
    if isinstance(tz, tzinfo):
        if hasattr(tz, "localize"):
            raise InvalidInputError(
                "tz must be an IANA name or a zoneinfo.ZoneInfo; pytz zones compute "
                f"wrong offsets with datetime arithmetic (got {tz!r}); pass {str(tz)!r} instead"
            )
        return tz
    raise InvalidInputError(
        "tz must be an IANA time zone name such as 'Europe/Stockholm' or a ZoneInfo "
        f"(got {type(tz).__name__} {tz!r})"
    )


def require_aware(value: datetime, field: str) -> datetime:
    """Return `value` if it is a timezone-aware datetime; otherwise raise naming `field`.

    >>> from zoneinfo import ZoneInfo
    >>> require_aware(datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm")), "at")
    datetime.datetime(2026, 5, 4, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Stockholm'))
    >>> require_aware(datetime(2026, 5, 4, 9, 0), "at")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: at must be timezone-aware (got naive \
2026-05-04T09:00:00); attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Europe/Stockholm'))
    """
    if not isinstance(value, datetime):
        raise InvalidInputError(
            f"{field} must be a timezone-aware datetime (got {type(value).__name__} {value!r})"
        )
    tz = value.tzinfo
    if tz is None or (type(tz) is not ZoneInfo and value.utcoffset() is None):
        raise InvalidInputError(
            f"{field} must be timezone-aware (got naive {value.isoformat()}); attach a zone, "
            "e.g. datetime(..., tzinfo=ZoneInfo('Europe/Stockholm'))"
        )
    return value


# ---------------------------------------------------------------------------------------
# Durations
# ---------------------------------------------------------------------------------------

# (unit, regex group, field, factor), largest first. The same table drives parsing, the
# JSON Schema pattern and the canonical text, so the three cannot drift apart.
_SHORT_UNITS: Final = (
    ("y", "y", "months", 12),
    ("mo", "mo", "months", 1),
    ("w", "w", "days", 7),
    ("d", "d", "days", 1),
    ("h", "h", "seconds", 3600),
    ("m", "mi", "seconds", 60),
    ("s", "s", "seconds", 1),
)
_ISO_UNITS: Final = (
    ("Y", "months", 12),
    ("M", "months", 1),
    ("W", "days", 7),
    ("D", "days", 1),
    ("TH", "seconds", 3600),
    ("TM", "seconds", 60),
    ("TS", "seconds", 1),
)

# A short form is one or more "<int><unit>" parts, largest unit first, each unit at most
# once. A sign applies to the parts after it until the next sign: "-1d12h" is minus a day
# and a half, "1d-1h" is a day minus an hour.
_SHORT_SOURCE: Final = r"(?=[+-]?\d)" + "".join(
    rf"(?:(?P<{group}>[+-]?\d+){unit})?" for unit, group, _field, _factor in _SHORT_UNITS
)
# ISO 8601: P, then date parts, then T and time parts; "P" and "PT" alone are not durations.
_ISO_SOURCE: Final = (
    r"(?P<neg>-)?P(?!$)(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<TH>\d+)H)?(?:(?P<TM>\d+)M)?(?:(?P<TS>\d+)S)?)?"
)
_SHORT_RE: Final = re.compile(_SHORT_SOURCE, re.ASCII)
_ISO_RE: Final = re.compile(_ISO_SOURCE, re.ASCII)
# The same grammar for JSON Schema, whose ECMA-262 regexes have no "(?P<name>" groups.
_DURATION_PATTERN: Final = re.sub(r"\?P<\w+>", "", rf"^(?:{_SHORT_SOURCE}|{_ISO_SOURCE})$")


def _check_part(name: str, value: object, limit: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not -limit <= value <= limit:
        raise InvalidInputError(
            f"Duration.{name} must be an integer between -{limit} and {limit} (got {value!r})"
        )


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time: calendar months and days in local time, plus exact seconds.

    ``months`` (years are 12 months) and ``days`` (weeks are 7 days) are calendar steps
    applied to the local wall time; ``seconds`` (minutes, hours) is elapsed time. Two
    durations are equal when their parts are: ``Duration(days=1)`` is not
    ``Duration(seconds=86400)``, because a calendar day can last 23 or 25 hours.

    ``str()`` gives the canonical compact text, which :func:`parse_duration` reads back to
    an equal Duration: units largest first (``y mo w d h m s``), each at most once; months
    are written as years and days as weeks only when they divide evenly; a sign is written
    where it changes; the zero duration is ``"0s"``.

    >>> d = Duration(months=1, days=2)
    >>> str(d), str(-d), str(d + Duration(seconds=5400))
    ('1mo2d', '-1mo2d', '1mo2d1h30m')
    >>> str(Duration(months=24, days=14)), str(Duration(days=1, seconds=-3600))
    ('2y2w', '1d-1h')
    >>> parse_duration(str(d)) == d
    True
    """

    months: int = 0
    days: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        _check_part("months", self.months, _MAX_MONTHS)
        _check_part("days", self.days, _MAX_DAYS)
        _check_part("seconds", self.seconds, _MAX_SECONDS)

    def __str__(self) -> str:
        months, days, seconds = self.months, self.days, self.seconds
        parts: list[tuple[int, str]] = []
        if months:
            parts.append((months // 12, "y") if months % 12 == 0 else (months, "mo"))
        if days:
            parts.append((days // 7, "w") if days % 7 == 0 else (days, "d"))
        if seconds:
            sign = -1 if seconds < 0 else 1
            hours, rest = divmod(abs(seconds), 3600)
            minutes, secs = divmod(rest, 60)
            parts.extend(
                (sign * n, unit) for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n
            )
        if not parts:
            return "0s"
        out: list[str] = []
        current = 1
        for value, unit in parts:
            sign = -1 if value < 0 else 1
            if sign != current:
                out.append("-" if sign < 0 else "+")
                current = sign
            out.append(f"{abs(value)}{unit}")
        return "".join(out)

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days, -self.seconds)

    def __add__(self, other: Duration) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(
            self.months + other.months, self.days + other.days, self.seconds + other.seconds
        )

    def __sub__(self, other: Duration) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(
            self.months - other.months, self.days - other.days, self.seconds - other.seconds
        )

    def __bool__(self) -> bool:
        return bool(self.months or self.days or self.seconds)

    @property
    def is_zero(self) -> bool:
        """True for the zero duration (a property, not a method).

        >>> parse_duration("0d").is_zero, parse_duration("1s").is_zero
        (True, False)
        """
        return not (self.months or self.days or self.seconds)

    def _elapsed_bounds(self) -> tuple[int, int]:
        months = abs(self.months)
        years, rest = divmod(months, 12)
        # Wall-clock days spanned by the month step, with day-of-month clamping (at most
        # 3 days): every 12 consecutive months hold 365 or 366 days, any month 28 to 31.
        low = max(28 * months, 365 * years + 28 * rest - 3)
        high = min(31 * months, 366 * years + 31 * rest + 3)
        if self.months < 0:
            low, high = -high, -low
        fixed = self.days * _DAY_SECONDS + self.seconds
        low, high = low * _DAY_SECONDS + fixed, high * _DAY_SECONDS + fixed
        if self.months or self.days:
            low -= _OFFSET_ALLOWANCE_SECONDS
            high += _OFFSET_ALLOWANCE_SECONDS
        return low, high

    def max_seconds(self) -> float:
        """An upper bound on the elapsed seconds :func:`shift` can move by this duration.

        Bounds are on *signed* elapsed time, so for every instant ``t`` and zone
        ``min_seconds() <= (shift(t, d, tz) - t).total_seconds() <= max_seconds()``;
        for a negative duration both are negative. Months count as 28 to 31 days (a year
        as 362 to 369 wall-clock days, allowing for day-of-month clamping), days as 24
        hours, and a calendar part adds an allowance of 3 hours either way for the change
        of UTC offset between the two ends (DST, or a zone changing its offset; every
        change in tzdata since 2012 fits). Exact durations are exact. Use it to decide
        how long data must be kept for a look-back window.

        >>> parse_duration("1d").max_seconds() / 3600
        27.0
        >>> parse_duration("90m").max_seconds()
        5400.0
        """
        return float(self._elapsed_bounds()[1])

    def min_seconds(self) -> float:
        """A lower bound on the elapsed seconds :func:`shift` can move by this duration.

        See :meth:`max_seconds` for how the bound is made; it is signed, so
        ``(-d).min_seconds() == -d.max_seconds()``.

        >>> parse_duration("1d").min_seconds() / 3600
        21.0
        >>> parse_duration("-1d").min_seconds() / 3600
        -27.0
        """
        return float(self._elapsed_bounds()[0])

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Let pydantic fields hold a Duration: a Duration or text in, canonical text out.

        Dumps give the text in every mode (``model_dump()`` too), so a dumped definition
        is plain JSON-ready data that validates back to an equal model.
        """
        return core_schema.no_info_plain_validator_function(
            _validate_for_pydantic,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe a Duration in JSON Schema as a patterned string."""
        return {
            "type": "string",
            "pattern": _DURATION_PATTERN,
            "maxLength": _MAX_DURATION_TEXT,
            "description": (
                "A duration: an integer and a unit (s, m = minutes, h, d, w, mo = months, "
                "y), or several such parts largest first ('1d12h'), with an optional "
                "leading '-'; or ISO 8601 ('P1M2D', 'PT90M'). Days, weeks, months and "
                "years are calendar steps in the customer's time zone; seconds, minutes "
                "and hours are exact elapsed time."
            ),
            "examples": ["30m", "12h", "3d", "2w", "1mo", "1y", "1d12h", "P1M2D", "PT90M"],
        }


DurationLike: TypeAlias = Duration | str
"""A :class:`Duration` or its text (``"3d"``, ``"PT90M"``), as builders and helpers accept."""


def _validate_for_pydantic(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, str):
        try:
            return _parse_duration_text(value)
        except InvalidInputError as exc:
            raise PydanticCustomError(
                "duration_parsing", "{reason}", {"reason": str(exc)}
            ) from None
    raise PydanticCustomError(
        "duration_type",
        "Input should be a duration such as '3d' or a Duration (got {kind})",
        {"kind": type(value).__name__},
    )


@lru_cache(maxsize=4096)
def _parse_duration_text(text: str) -> Duration:
    # Definitions repeat the same few strings millions of times; parse each once.
    parts = {"months": 0, "days": 0, "seconds": 0}
    if len(text) <= _MAX_DURATION_TEXT:
        short = _SHORT_RE.fullmatch(text)
        if short is not None:
            sign = 1
            for _unit, group, field, factor in _SHORT_UNITS:
                raw = short.group(group)
                if raw is None:
                    continue
                if raw[0] in "+-":
                    sign = -1 if raw[0] == "-" else 1
                    raw = raw[1:]
                parts[field] += sign * int(raw) * factor
            return _duration_from(parts, text)
        iso = _ISO_RE.fullmatch(text)
        if iso is not None:
            sign = -1 if iso.group("neg") else 1
            for group, field, factor in _ISO_UNITS:
                raw = iso.group(group)
                if raw is not None:
                    parts[field] += sign * int(raw) * factor
            return _duration_from(parts, text)
    raise InvalidInputError(f"duration must look like {_DURATION_FORMS} (got {text!r})")


def _duration_from(parts: dict[str, int], text: str) -> Duration:
    try:
        return Duration(**parts)
    except InvalidInputError:
        raise InvalidInputError(
            f"duration must be at most 10000 years in each unit (got {text!r})"
        ) from None


def parse_duration(text: DurationLike) -> Duration:
    """Read a duration written as short text or ISO 8601; a Duration passes through.

    Short forms are an integer and a unit: ``s``, ``m`` (minutes), ``h``, ``d``, ``w``,
    ``mo`` (months), ``y``. Parts combine largest first without spaces (``"1d12h"``); a
    leading ``-`` negates them all, and a sign between parts applies from there on
    (``"1d-1h"``). ISO 8601 durations use upper-case designators (``"P1Y2M3W4DT5H6M7S"``,
    ``"PT90M"``, ``"-P1D"``) without fractions. Units are lower case in short forms.

    >>> parse_duration("1d12h")
    Duration(months=0, days=1, seconds=43200)
    >>> parse_duration("P1M2D") == parse_duration("1mo2d")
    True
    >>> parse_duration("3 days")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: duration must look like '30m', '12h', '3d', '2w', \
'1mo', '1y', a combination such as '1d12h', or ISO 8601 such as 'P1M2D' or 'PT90M' (got '3 days')
    """
    if type(text) is Duration:
        return text
    if isinstance(text, str):
        return _parse_duration_text(text)
    if isinstance(text, Duration):
        return text
    raise InvalidInputError(
        f"duration must be a Duration or text such as {_DURATION_FORMS} "
        f"(got {type(text).__name__} {text!r})"
    )


# ---------------------------------------------------------------------------------------
# Local wall time <-> instant
# ---------------------------------------------------------------------------------------


def _wall_at(timestamp: int, z: tzinfo) -> datetime:
    return (_EPOCH_UTC + timedelta(seconds=timestamp)).astimezone(z).replace(tzinfo=None)


def _gap_end(naive: datetime, z: tzinfo, before: timedelta, after: timedelta) -> datetime:
    # The offset jumps from `before` to `after` at an instant T somewhere in
    # (naive - after, naive - before]; T is the earliest instant whose wall time is past
    # `naive`. tzdata transitions fall on whole seconds, so bisect over seconds.
    low = (naive - after - _EPOCH_NAIVE) // _ONE_SECOND
    high = -((_EPOCH_NAIVE - (naive - before)) // _ONE_SECOND)
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_at(middle, z) > naive:
            high = middle
        else:
            low = middle
    return (_EPOCH_UTC + timedelta(seconds=high)).astimezone(z)


def _resolve(naive: datetime, z: tzinfo) -> datetime:
    first = naive.replace(tzinfo=z, fold=0)
    if type(z) is timezone:
        return first
    before = first.utcoffset()
    after = naive.replace(tzinfo=z, fold=1).utcoffset()
    if before is None or after is None or after <= before:
        # Unambiguous, or a fold, whose first occurrence is fold=0 (PEP 495).
        return first
    return _gap_end(naive, z, before, after)


def resolve_local(naive_local: datetime, tz: TimeZoneLike) -> datetime:
    """Turn a naive local wall time in `tz` into an instant, by journeykit's DST rules.

    A wall time in a DST gap (it never happens) becomes the first valid instant after it,
    the moment the gap ends; one in a fold (it happens twice) becomes its first
    occurrence. Every other wall time is simply attached to the zone.

    >>> stockholm = "Europe/Stockholm"
    >>> print(resolve_local(datetime(2026, 3, 29, 2, 30), stockholm))  # spring gap
    2026-03-29 03:00:00+02:00
    >>> print(resolve_local(datetime(2026, 10, 25, 2, 30), stockholm))  # autumn fold
    2026-10-25 02:30:00+02:00
    """
    z = zone(tz)
    if not isinstance(naive_local, datetime) or naive_local.tzinfo is not None:
        raise InvalidInputError(
            f"naive_local must be a naive datetime holding a local wall time (got {naive_local!r})"
        )
    return _resolve(naive_local, z)


def _local(instant: datetime, z: tzinfo) -> datetime:
    # Through UTC, because astimezone() returns an instant already in `z` unchanged, even
    # one written with a wall time that does not exist; this yields its real local time.
    return instant.astimezone(_UTC).astimezone(z)


@lru_cache(maxsize=256)
def _months_delta(months: int) -> relativedelta:
    return relativedelta(months=months)


def _is_negative(d: Duration) -> bool:
    # A duration runs backwards when its largest non-zero part is negative. For every
    # non-zero d exactly one of d and -d does, which makes the two orders mirror images.
    return (d.months or d.days or d.seconds) < 0


def _shift(instant: datetime, d: Duration, z: tzinfo) -> datetime:
    months, days, seconds = d.months, d.days, d.seconds
    if not months and not days:
        if not seconds:
            return _local(instant, z)
        return (instant.astimezone(_UTC) + timedelta(seconds=seconds)).astimezone(z)
    if _is_negative(d):
        # Mirror of the forward order: exact part, then days, then months.
        if seconds:
            instant = instant.astimezone(_UTC) + timedelta(seconds=seconds)
        wall = _local(instant, z).replace(tzinfo=None)
        if days:
            wall += timedelta(days=days)
        if months:
            wall += _months_delta(months)
        return _resolve(wall, z)
    wall = _local(instant, z).replace(tzinfo=None)
    if months:
        wall += _months_delta(months)
    if days:
        wall += timedelta(days=days)
    result = _resolve(wall, z)
    if seconds:
        result = (result.astimezone(_UTC) + timedelta(seconds=seconds)).astimezone(z)
    return result


def shift(instant: datetime, duration: DurationLike, tz: TimeZoneLike) -> datetime:
    """Move an instant by a duration, taking calendar steps on the local clock in `tz`.

    Months, then days, are added to the local wall time (Jan 31 + 1mo is Feb 28/29), the
    wall time is resolved (:func:`resolve_local`), then the exact part is added as
    elapsed time. A negative duration runs the same steps in the mirror order (exact
    part, days, months), so ``shift(shift(t, d, tz), -d, tz) == t`` except where a
    month-end was clamped or a wall time fell in a DST gap or fold. The result is in `tz`.

    >>> from zoneinfo import ZoneInfo
    >>> start = datetime(2026, 3, 28, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    >>> print(shift(start, "1d", "Europe/Stockholm"))  # DST starts overnight
    2026-03-29 09:00:00+02:00
    >>> print(shift(start, "24h", "Europe/Stockholm"))
    2026-03-29 10:00:00+02:00
    >>> print(shift(datetime(2026, 1, 31, 9, 0, tzinfo=ZoneInfo("UTC")), "1mo", "UTC"))
    2026-02-28 09:00:00+00:00
    """
    z = zone(tz)
    d = duration if type(duration) is Duration else parse_duration(duration)
    require_aware(instant, "instant")
    try:
        return _shift(instant, d, z)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise InvalidInputError(
            f"shifting instant {instant.isoformat()} by {d} must stay within years "
            f"1 to 9999 (got an out-of-range result: {exc})"
        ) from None


def local_date(instant: datetime, tz: TimeZoneLike) -> date:
    """The calendar date an instant falls on in `tz`.

    >>> from datetime import timezone
    >>> local_date(datetime(2026, 5, 4, 23, 30, tzinfo=timezone.utc), "Europe/Stockholm")
    datetime.date(2026, 5, 5)
    """
    z = zone(tz)
    require_aware(instant, "instant")
    return _local(instant, z).date()


# ---------------------------------------------------------------------------------------
# Times of day, quiet hours, anniversaries
# ---------------------------------------------------------------------------------------

_TIME_RE: Final = re.compile(r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?", re.ASCII)


@lru_cache(maxsize=1024)
def _parse_time(text: str, field: str) -> time:
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise InvalidInputError(
            f"{field} must be a 24-hour local time 'HH:MM' or 'HH:MM:SS' such as '09:00' "
            f"or '21:30' (got {text!r})"
        )
    return time(int(match["h"]), int(match["m"]), int(match["s"] or 0))


def _as_time(value: object, field: str) -> time:
    if isinstance(value, str):
        return _parse_time(value, field)
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise InvalidInputError(
                f"{field} must be a local wall time without tzinfo; the zone is given "
                f"separately (got {value!r})"
            )
        return value
    raise InvalidInputError(
        f"{field} must be a local time such as '09:00' or a datetime.time "
        f"(got {type(value).__name__} {value!r})"
    )


def parse_time_of_day(text: str) -> time:
    """Read a 24-hour local wall-clock time such as ``"09:00"``, ``"9:00"`` or ``"23:59:59"``.

    >>> print(parse_time_of_day("9:00"))
    09:00:00
    >>> parse_time_of_day("24:00")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: time_of_day must be a 24-hour local time 'HH:MM' \
or 'HH:MM:SS' such as '09:00' or '21:30' (got '24:00')
    """
    if not isinstance(text, str):
        raise InvalidInputError(
            f"time_of_day must be text such as '09:00' (got {type(text).__name__} {text!r})"
        )
    return _parse_time(text, "time_of_day")


def _reading_on(day: date, t: time, z: tzinfo, after: datetime) -> datetime | None:
    """The instant on `day` when the clock in `z` reads `t`, if it is at or after `after`."""
    naive = datetime.combine(day, t)
    first = _resolve(naive, z)
    if first >= after:  # `after` is in UTC, so this compares instants
        return first
    # In a fold the clock reads `t` a second time; that counts if `after` lies between.
    second = naive.replace(tzinfo=z, fold=1)
    offset = second.utcoffset()
    first_offset = first.utcoffset()
    is_fold = offset is not None and first_offset is not None and offset < first_offset
    return second if is_fold and second >= after else None


def _next_reading(after: datetime, t: time, z: tzinfo) -> datetime:
    after_utc = after.astimezone(_UTC)
    today = after_utc.astimezone(z).date()
    # Today or tomorrow; a third day only where a zone skipped a whole calendar day.
    for ahead in range(3):
        found = _reading_on(today + timedelta(days=ahead), t, z, after_utc)
        if found is not None:
            return found
    raise AssertionError(f"no local {t} within 3 days after {after.isoformat()} in {z}")


def next_local_time(after: datetime, time_of_day: TimeOfDayLike, tz: TimeZoneLike) -> datetime:
    """The first instant at or after `after` when the local clock in `tz` reads `time_of_day`.

    ``after`` itself is returned (as an equal instant in `tz`) when its local time is
    exactly `time_of_day`, so a wait "until 09:00" that starts at 09:00 ends at once. On
    a day when that wall time falls in a DST gap, the instant the gap ends is used. On a
    fall-back night the repeated wall time is taken at its first occurrence, or at its
    second if `after` is already past the first (a wait started inside the repeated hour
    is not pushed to the next day). To repeat something daily at a wall time, step with
    ``shift(previous, "1d", tz)`` rather than chaining this function through that night.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Europe/Stockholm")
    >>> print(next_local_time(datetime(2026, 5, 4, 7, 15, tzinfo=tz), "09:00", tz))
    2026-05-04 09:00:00+02:00
    >>> print(next_local_time(datetime(2026, 5, 4, 9, 30, tzinfo=tz), "09:00", tz))
    2026-05-05 09:00:00+02:00
    >>> print(next_local_time(datetime(2026, 3, 28, 23, 0, tzinfo=tz), "02:30", tz))
    2026-03-29 03:00:00+02:00
    """
    z = zone(tz)
    t = _as_time(time_of_day, "time_of_day")
    require_aware(after, "after")
    try:
        return _next_reading(after, t, z)
    except OverflowError:
        raise InvalidInputError(
            f"after must leave room for a following day before year 9999 (got {after!r})"
        ) from None


@lru_cache(maxsize=256)
def _parse_window(window: tuple[object, ...]) -> tuple[time, time]:
    if len(window) != 2:
        raise InvalidInputError(
            "quiet hours must be a (start, end) pair of local times such as "
            f"('21:00', '08:00') (got {window!r})"
        )
    return _as_time(window[0], "quiet hours start"), _as_time(window[1], "quiet hours end")


def _window(window: Sequence[object]) -> tuple[time, time]:
    if isinstance(window, (tuple, list)):
        return _parse_window(tuple(window))
    raise InvalidInputError(
        "quiet hours must be a (start, end) pair of local times such as "
        f"('21:00', '08:00') (got {type(window).__name__} {window!r})"
    )


def _inside(local: time, start: time, end: time) -> bool:
    if start < end:
        return start <= local < end
    return local >= start or local < end


def in_quiet_hours(at: datetime, window: QuietWindow, tz: TimeZoneLike) -> bool:
    """Whether the local time of `at` in `tz` is within quiet hours ``[start, end)``.

    The window may span midnight (``("21:00", "08:00")``); ``start == end`` means no
    quiet hours at all.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Europe/Stockholm")
    >>> in_quiet_hours(datetime(2026, 5, 4, 22, 0, tzinfo=tz), ("21:00", "08:00"), tz)
    True
    >>> in_quiet_hours(datetime(2026, 5, 4, 8, 0, tzinfo=tz), ("21:00", "08:00"), tz)
    False
    """
    z = zone(tz)
    start, end = _window(window)
    require_aware(at, "at")
    if start == end:
        return False
    return _inside(_local(at, z).time(), start, end)


def quiet_end(at: datetime, window: QuietWindow, tz: TimeZoneLike) -> datetime:
    """When a send due at `at` may go out: the end of the quiet period, or `at` itself.

    If the local time of `at` in `tz` is within quiet hours ``[start, end)``, the result
    is the next instant the local clock reads `end` (a DST gap resolves to its end, see
    :func:`next_local_time`); otherwise `at` is returned unchanged (the same object).
    ``start == end`` means no quiet hours. Quiet hours defer a send; they never drop it.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Europe/Stockholm")
    >>> print(quiet_end(datetime(2026, 5, 4, 22, 15, tzinfo=tz), ("21:00", "08:00"), tz))
    2026-05-05 08:00:00+02:00
    >>> print(quiet_end(datetime(2026, 5, 4, 12, 0, tzinfo=tz), ("21:00", "08:00"), tz))
    2026-05-04 12:00:00+02:00
    """
    z = zone(tz)
    start, end = _window(window)
    require_aware(at, "at")
    if start == end:
        return at
    result = at
    # One step suffices unless a zone skips past `end` into the next quiet period
    # (a gap of many hours); a few steps cover that too.
    for _ in range(3):
        if not _inside(_local(result, z).time(), start, end):
            break
        try:
            result = _next_reading(result, end, z)
        except OverflowError:
            raise InvalidInputError(
                f"at must leave room for the end of quiet hours before year 9999 (got {at!r})"
            ) from None
    return result


_ISO_DATE_RE: Final = re.compile(r"(?:(?P<y>\d{4})|-)-(?P<m>\d{2})-(?P<d>\d{2})", re.ASCII)


def _month_day(value: object) -> tuple[int, int]:
    if isinstance(value, date):  # a datetime too: its own date part counts
        return value.month, value.day
    if isinstance(value, str):
        match = _ISO_DATE_RE.fullmatch(value)
        if match is not None:
            # Year 2000 is a leap year, so a year-less "--02-29" is accepted.
            year = int(match["y"]) if match["y"] else 2000
            try:
                found = date(year, int(match["m"]), int(match["d"]))
            except ValueError:
                pass
            else:
                return found.month, found.day
    raise InvalidInputError(
        "date must be a date, a datetime or an ISO date such as '1990-05-17' or '--05-17' "
        f"(got {type(value).__name__} {value!r})"
    )


def _anniversary_in(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_anniversary(
    after: datetime,
    date_: date | datetime | str,
    time_of_day: TimeOfDayLike,
    tz: TimeZoneLike,
) -> datetime:
    """The next yearly return of a date (birthday, signup) at a local time, at or after `after`.

    It is the first instant at or after `after` that falls on the month and day of
    `date_` with the local clock in `tz` reading `time_of_day`. The year of `date_` is
    ignored, and a datetime counts by its own date part; an ISO text may omit the year
    (``"--05-17"``). A February 29 date falls on February 28 in common years (so it stays
    in February; March 1 is the other common choice, not taken here). Same-day rules as
    :func:`next_local_time`: later today if still ahead, `after` itself if exact.

    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Europe/Stockholm")
    >>> print(next_anniversary(datetime(2026, 1, 10, 12, 0, tzinfo=tz), "1996-02-29", "09:00", tz))
    2026-02-28 09:00:00+01:00
    >>> print(next_anniversary(datetime(2027, 3, 1, 12, 0, tzinfo=tz), "1996-02-29", "09:00", tz))
    2028-02-29 09:00:00+01:00
    """
    z = zone(tz)
    month, day = _month_day(date_)
    t = _as_time(time_of_day, "time_of_day")
    require_aware(after, "after")
    try:
        after_utc = after.astimezone(_UTC)
        year = after_utc.astimezone(z).year
        for candidate in range(year, year + 3):
            found = _reading_on(_anniversary_in(candidate, month, day), t, z, after_utc)
            if found is not None:
                return found
    except (OverflowError, ValueError):
        pass
    raise InvalidInputError(
        f"after must leave room for a following anniversary before year 9999 (got {after!r})"
    )


def describe_duration(d: Duration) -> str:
    """A duration in words, as conditions and diagrams show it.

    >>> describe_duration(parse_duration("365d")), describe_duration(parse_duration("1y2w"))
    ('365 days', '1 year 2 weeks')
    >>> describe_duration(parse_duration("PT90M"))
    '1 hour 30 minutes'
    """
    parts: list[str] = []

    def add(n: int, unit: str) -> None:
        if n:
            parts.append(f"{n} {unit}{'' if abs(n) == 1 else 's'}")

    years, months = divmod(d.months, 12)
    add(years, "year")
    add(months, "month")
    weeks, days = divmod(d.days, 7)
    if days == 0 and weeks:
        add(weeks, "week")
    else:
        add(d.days, "day")
    hours, rest = divmod(d.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    add(hours, "hour")
    add(minutes, "minute")
    add(seconds, "second")
    return " ".join(parts) or "0 seconds"
