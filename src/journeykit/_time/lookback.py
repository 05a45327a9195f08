"""Fast look-back cut-offs: ``step_back(now, d, tz).timestamp()`` without most of the work.

Windows and ``since`` conditions ask, per evaluation, for the instant one duration before
``now`` in the customer's zone. :func:`journeykit._time.wall.step_back` answers exactly:
it is ``shift(now, -d, tz)`` except that a month step landing on a day the month lacks
gives the start of the next day (31 March back one month is 1 March 00:00, not
28 February at the same time: see :func:`~journeykit._time.wall.months_back`), so the
cut-off never goes back as ``now`` goes forward. It walks through local wall time,
relativedelta and gap/fold resolution (several microseconds). Looking back, it takes the
exact part off first, then steps the local calendar back by days and months, then
resolves that wall time to an instant. Here the same steps are
plain arithmetic on whole seconds: the local wall time is the instant plus its UTC offset,
read from the zone's offset table (:mod:`journeykit._time.offsets`).

The arithmetic answer is used only when it is provably :func:`shift`'s. A wall time ``W``
is shown by the instants ``s`` with ``s + offset(s) == W``; the answer found is one, and it
must be the only one (else it could be a fold's second occurrence). Another would differ
from it by the difference of their offsets, which is less than two days (:data:`NEAR`):

- on the fast path, no change of offset lies within two days of the answer, so there is
  no other (nearly every call: DST changes are months apart);
- otherwise (:func:`_solve`), no change lies within the largest difference between the
  answer's offset and any offset within two days of it, which also rules out another,
  whatever the size of the jump (a DST hour, a date-line day);
- otherwise, and for wall times in a gap, for zone objects other than ``zoneinfo`` and
  fixed offsets, and for durations running forwards, :func:`shift` decides.

A cut-off before every instant a ``datetime`` can hold (more than a day before
0001-01-01 UTC) is returned as ``-math.inf``: everything is inside such a window, so
``count(..., within="3650000d")`` counts every event and ``since(...) > "3000y"`` is
false, in every zone, instead of raising. The result is exactly the float
:func:`shift`'s timestamp is: arithmetic on a ``now`` with microseconds is done where its
float is exact (2004 to 2038), and elsewhere in whole seconds and microseconds, rounded
once.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta, timezone, tzinfo
from math import frexp
from typing import Final
from zoneinfo import ZoneInfo

from journeykit._errors import InvalidInputError
from journeykit._time.durations import Duration, runs_backward
from journeykit._time.offsets import BLOCK, NEAR, TIMELINES, Timeline, table, timeline
from journeykit._time.wall import months_back, shift, step_back
from journeykit._time.zones import (
    DAY_SECONDS,
    EARLIEST_TIMESTAMP,
    EPOCH_NAIVE,
    EPOCH_UTC,
    ONE_SECOND,
)

__all__ = ["look_back"]

_TINY: Final = 2.0**18
_GRID: Final = 2.0**30  # timestamps from here to twice this share one exponent

_UNKNOWN: Final[Timeline] = (math.inf, -math.inf, (), (0,), ())

# The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks),
# so a month step near datetime's edges is taken 400 years away and moved back.
_CYCLE: Final = 146_097 * DAY_SECONDS

# zones that are UTC under another name: no offset ever changes, so days are 86,400 s
_UTC_NAMES: Final = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "Etc/UCT",
        "UCT",
        "GMT",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/Greenwich",
        "Greenwich",
        "Universal",
        "Etc/Universal",
        "Zulu",
        "Etc/Zulu",
    }
)


def look_back(now: datetime, now_ts: float, zone: tzinfo, d: Duration) -> float:
    """``step_back(now, d, zone).timestamp()`` (``shift(now, -d, zone)`` with month ends
    rolled forward, see the module's docstring), computed fast when provably the same.

    ``now_ts`` must be ``now.timestamp()``. Returns ``-math.inf`` when the cut-off falls
    before every instant a datetime can hold; raises
    :class:`~journeykit.errors.InvalidInputError` naming ``now`` only where neither an
    answer nor that is certain (a ``now`` near the end of year 9999 whose
    look-back crosses a change of offset).
    """
    days = d.days
    if days > 0 and not d.months and type(zone) is ZoneInfo:
        # The common case, inlined (conditions ask it for every customer): calendar days
        # back in a zoneinfo zone, far from any offset change. The float arithmetic is
        # exact for a whole-second `now`, and for one with microseconds when the answer
        # lies in the same binade (see below), so the answer is shift's to the bit.
        whole = now_ts.is_integer()
        first = now_ts - d.seconds  # the exact part goes first when looking back
        guess = first - days * DAY_SECONDS
        if zone.key not in _UTC_NAMES:
            low, high, changes, offsets, edges = TIMELINES.get(zone, _UNKNOWN)
            if guess < low or first >= high:
                found = timeline(zone, guess - NEAR, first)
                if found is None:
                    return _look_back(now, now_ts, zone, d)
                low, high, changes, offsets, edges = found
            offset = offsets[bisect_right(changes, first)]
            # `guess` shows the wall time wanted if the offset there is `offset`; else
            # the instant that offset's difference away does, if its offset matches.
            j = bisect_right(edges, guess)
            there = offsets[j >> 1]
            if there != offset:
                guess += offset - there
                if not low <= guess < high:
                    return _look_back(now, now_ts, zone, d)
                j = bisect_right(edges, guess)
                offset, there = there, offsets[j >> 1]
            if j & 1 or there != offset:
                return _look_back(now, now_ts, zone, d)  # within two days of a change
        if whole:
            return guess if guess >= EARLIEST_TIMESTAMP else -math.inf
        # Positive floats with one exponent share one grid, on which whole seconds lie
        # (below 2**52 s); floats with smaller exponents have finer grids. When `guess`
        # has the exponent of `now_ts` and the exact part is not negative, every value
        # computed above lies between them or at most two days below `guess` (still
        # positive for `now_ts` past 2**18), so on that grid or a finer one: no step
        # rounded, and the answer rounds as shift's exact arithmetic does.
        if d.seconds >= 0 and (
            (_GRID <= guess < 2 * _GRID and _GRID <= now_ts < 2 * _GRID)  # 2004 to 2038
            or (now_ts > _TINY and guess > 0 and frexp(guess)[1] == frexp(now_ts)[1])
        ):
            return guess
    return _look_back(now, now_ts, zone, d)


def _look_back(now: datetime, now_ts: float, zone: tzinfo, d: Duration) -> float:
    months, days, seconds = d.months, d.days, d.seconds
    if (months or days or seconds) <= 0:
        # zero, or a duration running backwards (its cut-off lies ahead of now): rare
        return now_ts if d.is_zero else _by_shift(now, now_ts, zone, d)
    if now_ts.is_integer():
        micro = 0
        first = now_ts - seconds  # the exact part goes first when looking back
    else:
        # whole seconds and microseconds, so the result rounds once, as shift's does
        since = now - EPOCH_UTC
        micro = since.microseconds
        first = since.days * DAY_SECONDS + since.seconds - seconds
    cut = first
    if days or months:
        found = _cut(first, zone, days, months)
        if found is None:
            return _by_shift(now, now_ts, zone, d)
        cut, rolled = found
        if rolled:
            micro = 0  # the start of a day: now's microseconds are not carried over
    if cut < EARLIEST_TIMESTAMP:
        return -math.inf
    return (int(cut) * 1_000_000 + micro) / 1_000_000 if micro else cut


def _offset_at(zone: ZoneInfo, timestamp: float) -> int:
    changes, offsets = table(zone, timestamp // BLOCK)
    return offsets[bisect_right(changes, timestamp)]


def _solve(wall: float, offset: int, zone: ZoneInfo) -> float | None:
    """The one instant whose local wall time in `zone` is `wall`, trying `offset` first;
    None when there may be none (a gap) or two (a fold, a jump): then shift decides.

    A guess ``s = wall - o`` is right when the offset at ``s`` is ``o``. Another instant
    ``s'`` shows the same wall time only if ``offset(s') - o == s - s'``; that is less
    than :data:`NEAR` (two days), so only offsets within two days count. Let ``spread``
    be the largest difference between ``o`` and any of them: if no change of offset lies
    within ``spread`` of ``s``, no such ``s'`` exists, whatever the size of the jumps
    (a DST hour, or a date-line day).
    """
    guess = wall - offset
    changes, offsets = table(zone, guess // BLOCK)
    i = bisect_right(changes, guess)
    if offsets[i] != offset:
        offset = offsets[i]
        guess = wall - offset
        changes, offsets = table(zone, guess // BLOCK)
        i = bisect_right(changes, guess)
        if offsets[i] != offset:
            return None  # the wall time falls in a gap: shift resolves it
    # the table covers its block and NEAR either side, so all of guess's neighbourhood
    nearby = offsets[bisect_right(changes, guess - NEAR) : bisect_right(changes, guess + NEAR) + 1]
    spread = max(abs(o - offset) for o in nearby)
    if (i and guess - changes[i - 1] < spread) or (
        i < len(changes) and changes[i] - guess <= spread
    ):
        return None  # another instant may share this wall time: shift decides
    return guess


def _cut(first: float, zone: tzinfo, days: int, months: int) -> tuple[float, bool] | None:
    """The instant `days` then `months` back on the local clock from `first` (whole seconds),
    and whether a month end rolled it to a day's start; None when :func:`shift` must decide."""
    if type(zone) is timezone:
        fixed_offset = zone.utcoffset(None)
        if fixed_offset % ONE_SECOND:
            return None
        fixed = fixed_offset // ONE_SECOND
        stepped = _wall_back(first + fixed, days, months)
        return None if stepped is None else (stepped[0] - fixed, stepped[1])
    if not isinstance(zone, ZoneInfo):
        return None  # other tzinfo classes: no table, shift decides
    if zone.key in _UTC_NAMES:
        return _wall_back(first, days, months)  # already (instant, rolled): UTC is wall
    offset = _offset_at(zone, first)
    stepped = _wall_back(first + offset, days, months)
    if stepped is None:
        return None
    solved = _solve(stepped[0], offset, zone)
    return None if solved is None else (solved, stepped[1])


def _wall_back(wall: float, days: int, months: int) -> tuple[float, bool] | None:
    """A local wall time (seconds from 1970-01-01 00:00) stepped back `days`, then `months`
    (:func:`~journeykit._time.wall.months_back`'s rule), and whether a month end rolled it
    to the start of the next day."""
    wall -= days * DAY_SECONDS
    if not months:
        return wall, False
    for moved in (0, _CYCLE, -_CYCLE):
        try:
            start = EPOCH_NAIVE + timedelta(seconds=wall + moved)
            naive = months_back(start, months)
        except (OverflowError, ValueError):
            continue
        rolled = naive.day != start.day  # the month lacks the day: the next day's start
        return float((naive - EPOCH_NAIVE) // ONE_SECOND - moved), rolled
    return None


def _by_shift(now: datetime, now_ts: float, zone: tzinfo, d: Duration) -> float:
    try:
        if runs_backward(-d):  # d runs forwards: a look-back, with month ends rolled
            return step_back(now, d, zone).timestamp()
        return shift(now, -d, zone).timestamp()
    except (OverflowError, ValueError):
        # Offsets differ by less than two days, so this bound on the cut-off is safe.
        if now_ts - d.min_seconds() + 2 * DAY_SECONDS < EARLIEST_TIMESTAMP:
            return -math.inf
        # Counted in calendar months (the bound above allows for clamping in every year):
        # the wall time in `zone` is at most in the month after `now`'s own (offsets differ
        # by less than two days), and days and seconds that look back only move it
        # earlier, so the month step lands before year 1 when even that month's does.
        if d.days >= 0 and d.seconds >= 0 and now.year * 12 + now.month - d.months < 12:
            return -math.inf
        raise InvalidInputError(
            f"now must leave room to look back {d} in {zone} within years 1 to 9999 "
            f"(got {now.isoformat()})"
        ) from None
