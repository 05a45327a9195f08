"""Local wall time and instants: DST gaps and folds, and calendar steps (:func:`shift`).

A local wall time is turned back into an instant by :func:`resolve_local`, with two rules:
a wall time that does not exist (a DST gap) becomes the instant the gap ends, and an
ambiguous one (a DST fold) becomes its first occurrence. Equivalently, the resolved
instant of a wall time ``W`` is the first instant whose local reading is ``W`` or later,
so resolving never goes back when ``W`` moves forward.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from journeykit._errors import InvalidInputError
from journeykit._time.durations import Duration, DurationLike, parse_duration, runs_backward
from journeykit._time.zones import (
    EPOCH_NAIVE,
    EPOCH_UTC,
    ONE_SECOND,
    UTC,
    TimeZoneLike,
    require_aware,
    to_local,
    zone,
)

__all__ = [
    "local_date",
    "months_back",
    "months_delta",
    "resolve",
    "resolve_local",
    "shift",
    "step_back",
]


def _wall_at(timestamp: int, z: tzinfo) -> datetime:
    return (EPOCH_UTC + timedelta(seconds=timestamp)).astimezone(z).replace(tzinfo=None)


def _gap_end(naive: datetime, z: tzinfo, before: timedelta, after: timedelta) -> datetime:
    # The offset jumps from `before` to `after` at an instant T somewhere in
    # (naive - after, naive - before]; T is the earliest instant whose wall time is past
    # `naive`. tzdata transitions fall on whole seconds, so bisect over seconds.
    low = (naive - after - EPOCH_NAIVE) // ONE_SECOND
    high = -((EPOCH_NAIVE - (naive - before)) // ONE_SECOND)
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_at(middle, z) > naive:
            high = middle
        else:
            low = middle
    return (EPOCH_UTC + timedelta(seconds=high)).astimezone(z)


def resolve(naive: datetime, z: tzinfo) -> datetime:
    """The instant of local wall time `naive` in `z` by the gap and fold rules (no checks)."""
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
    try:
        return resolve(naive_local, z)
    except (OverflowError, ValueError):
        raise InvalidInputError(
            f"naive_local must resolve to an instant within years 1 to 9999 in {z} "
            f"(got {naive_local.isoformat()})"
        ) from None


@lru_cache(maxsize=256)
def months_delta(months: int) -> relativedelta:
    """A cached ``relativedelta(months=months)``: the one calendar month step."""
    return relativedelta(months=months)


def months_back(wall: datetime, months: int) -> datetime:
    """The wall time `months` calendar months before `wall`, for looking back.

    Where the month reached lacks the day (31 March back one month: there is no 31
    February), the answer is the start of the day after that month's last day (1 March
    00:00), not the clamped last day at the same time (28 February): so the answer never
    goes back as `wall` goes forward, and a window or ``since`` condition never flips back
    and forth over a month end. Looking forward clamps as :func:`shift` does.

    >>> print(months_back(datetime(2026, 3, 31, 12, 0), 1))
    2026-03-01 00:00:00
    >>> print(months_back(datetime(2026, 3, 28, 12, 0), 1))
    2026-02-28 12:00:00
    """
    stepped = wall + months_delta(-months)
    if stepped.day == wall.day:
        return stepped
    return datetime.combine(stepped.date() + timedelta(days=1), datetime.min.time())


def step_back(instant: datetime, d: Duration, z: tzinfo, *, roll: bool = True) -> datetime:
    """The instant a duration `d` that runs forwards before `instant`: the exact part, then
    days, then months back on the local clock, then resolved. With ``roll`` (the
    look-back of windows and ``since``) the month step is :func:`months_back`'s; without
    it, it clamps as :func:`shift` does. Raises ``OverflowError``/``ValueError`` out of
    range."""
    if d.seconds:
        instant = instant.astimezone(UTC) - timedelta(seconds=d.seconds)
    wall = instant.astimezone(UTC).astimezone(z).replace(tzinfo=None)
    if d.days:
        wall -= timedelta(days=d.days)
    if d.months:
        wall = months_back(wall, d.months) if roll else wall + months_delta(-d.months)
    return resolve(wall, z)


def _shift(instant: datetime, d: Duration, z: tzinfo) -> datetime:
    months, days, seconds = d.months, d.days, d.seconds
    if not months and not days:
        if not seconds:
            return instant.astimezone(UTC).astimezone(z)
        return (instant.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(z)
    if runs_backward(d):
        # Mirror of the forward order: exact part, then days, then months.
        return step_back(instant, -d, z, roll=False)
    wall = instant.astimezone(UTC).astimezone(z).replace(tzinfo=None)
    if months:
        wall += months_delta(months)
    if days:
        wall += timedelta(days=days)
    result = resolve(wall, z)
    if seconds:
        result = (result.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(z)
    return result


def shift(instant: datetime, duration: DurationLike, tz: TimeZoneLike) -> datetime:
    """Move an instant by a duration, taking calendar steps on the local clock in `tz`.

    Months, then days, are added to the local wall time (Jan 31 + 1mo is Feb 28/29), the
    wall time is resolved (:func:`resolve_local`), then the exact part is added as
    elapsed time. A negative duration runs the same steps in the mirror order (exact
    part, days, months), so ``shift(shift(t, d, tz), -d, tz) == t`` except where a
    month-end was clamped or a wall time fell in a DST gap or fold. The result is in `tz`.
    A :class:`datetime.timedelta` counts as exact elapsed time. A result outside years 1
    to 9999 is an :class:`~journeykit.errors.InvalidInputError`.

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
    return to_local(instant, z, "instant").date()
