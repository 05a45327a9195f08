"""Local times of day, quiet hours and anniversaries.

Each function answers in the customer's zone by journeykit's DST rules
(:mod:`journeykit._time.wall`): a wall time in a gap is read as the instant the gap ends,
and on a fall-back night a repeated wall time counts at its first occurrence, or at its
second when the search starts between the two. Near the ends of ``datetime``'s range
(years 1 and 9999) every function answers or raises
:class:`~journeykit.errors.InvalidInputError` naming its argument.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Final, TypeAlias

from journeykit._errors import InvalidInputError
from journeykit._time.wall import resolve
from journeykit._time.zones import UTC, TimeZoneLike, require_aware, to_local, zone

__all__ = [
    "TimeOfDayLike",
    "QuietWindow",
    "parse_time_of_day",
    "next_local_time",
    "in_quiet_hours",
    "quiet_end",
    "next_anniversary",
]

TimeOfDayLike: TypeAlias = str | time
"""A local wall-clock time: ``"09:00"``, ``"21:30:15"`` or a naive :class:`datetime.time`."""

QuietWindow: TypeAlias = tuple[str | time, str | time]
"""Quiet hours as a local ``(start, end)`` pair, e.g. ``("21:00", "08:00")``."""


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
    first = resolve(naive, z)
    if first >= after:  # `after` is in UTC, so this compares instants
        return first
    # In a fold the clock reads `t` a second time; that counts if `after` lies between.
    second = naive.replace(tzinfo=z, fold=1)
    offset = second.utcoffset()
    first_offset = first.utcoffset()
    is_fold = offset is not None and first_offset is not None and offset < first_offset
    return second if is_fold and second >= after else None


def _next_reading(after: datetime, t: time, z: tzinfo, field: str) -> datetime:
    today = to_local(after, z, field).date()  # also checks that `after` has a UTC reading
    after_utc = after.astimezone(UTC)
    try:
        # Today or tomorrow; a third day only where a zone skipped a whole calendar day.
        for ahead in range(3):
            found = _reading_on(today + timedelta(days=ahead), t, z, after_utc)
            if found is not None:
                return found
    except (OverflowError, ValueError):
        raise InvalidInputError(
            f"{field} must leave room for a following {t} before the end of year 9999 "
            f"in {z} (got {after.isoformat()})"
        ) from None
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
    return _next_reading(after, t, z, "after")


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
    return _inside(to_local(at, z, "at").time(), start, end)


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
        if not _inside(to_local(result, z, "at").time(), start, end):
            break
        result = _next_reading(result, end, z, "at")
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
    year = to_local(after, z, "after").year  # also checks that `after` has a UTC reading
    after_utc = after.astimezone(UTC)
    try:
        for candidate in range(year, year + 3):
            found = _reading_on(_anniversary_in(candidate, month, day), t, z, after_utc)
            if found is not None:
                return found
    except (OverflowError, ValueError):
        pass
    raise InvalidInputError(
        f"after must leave room for a following anniversary before the end of year 9999 "
        f"in {z} (got {after.isoformat()})"
    )
