"""When does a look-back first pass an instant? The inverse the wake-ups need.

``look_back(t, d)`` (the instant one duration before ``t``, in a zone's calendar) is
monotone in ``t``. :func:`crossing` finds the first microsecond ``t`` after ``now`` at
which it passes ``x``: when a ``since(x) > 90d`` condition starts to hold, when an event
drops out of a ``within="30d"`` window, when a frequency cap frees a slot. It evaluates
the look-back exactly as conditions do, so a host woken at that instant sees the change.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from journeykit._time.durations import Duration
from journeykit._time.lookback import look_back
from journeykit._time.offsets import BLOCK, NEAR, table
from journeykit._time.wall import shift

__all__ = ["crossing", "crossing_for", "to_datetime", "to_micros"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)
_LIMIT = (datetime(9999, 1, 1, tzinfo=timezone.utc) - _EPOCH) // _MICRO
_EARLIEST = (datetime(1, 1, 3, tzinfo=timezone.utc) - _EPOCH) // _MICRO
#: Instants one :func:`crossing_for` remembers before it starts afresh.
MEMO_SIZE = 2048


def to_micros(instant: datetime) -> int:
    """An aware instant as whole microseconds since the epoch."""
    return (instant - _EPOCH) // _MICRO


def to_datetime(micros: int) -> datetime:
    """Whole microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=micros)


def crossing(x: float, d: Duration, zone: tzinfo, strict: bool, now: int) -> int | None:
    """The first microsecond ``t > now`` at which ``look_back(t, d)`` is past ``x``
    (``> x`` when ``strict``, else ``>= x``); ``None`` if it already is at ``now``, or
    never will be before year 9999."""
    first = _first_crossing(x, d, zone, strict)
    return first if first is not None and first > now else None


def crossing_for(d: Duration, strict: bool) -> Callable[[float, tzinfo, int], int | None]:
    """:func:`crossing` for one duration and strictness, as ``(x, zone, now)``.

    A condition's boundary asks it for every customer it wakes; the answer is a pure
    function of ``x`` and ``zone`` once ``d`` and ``strict`` are fixed, so each finder keeps
    its own memo keyed by those two (at most :data:`MEMO_SIZE` of them, then it starts
    afresh), which skips hashing the duration on every call."""
    memo: dict[tuple[float, tzinfo], int | None] = {}

    def cross(x: float, zone: tzinfo, now: int) -> int | None:
        key = (x, zone)
        try:
            first = memo[key]
        except KeyError:
            first = _first_crossing(x, d, zone, strict)
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[key] = first
        return first if first is not None and first > now else None

    return cross


@lru_cache(maxsize=8192)
def _first_crossing(x: float, d: Duration, zone: tzinfo, strict: bool) -> int | None:
    """The first microsecond ``t`` at which the look-back passes ``x``.

    A pure function of its arguments, cached: successive calls for one customer ask the
    same question. Without a change of offset in between, the crossing is ``x`` plus the
    duration's elapsed time, or a microsecond after: that guess is tried first (the
    answer is the first microsecond that crosses, so a guess is checked on both sides);
    otherwise :func:`_search_crossing` finds it.
    """
    if not d.months and d.days >= 0 and d.seconds >= 0:
        guess = int(x * 1_000_000) + (d.days * 86_400 + d.seconds) * 1_000_000
        if _EARLIEST < guess < _LIMIT and _no_change_before(guess // 1_000_000, zone):
            if _crossed(guess, x, d, zone, strict):
                if not _crossed(guess - 1, x, d, zone, strict):
                    return guess
            elif _crossed(guess + 1, x, d, zone, strict):
                return guess + 1
    return _search_crossing(x, d, zone, strict)


def _no_change_before(second: int, zone: tzinfo) -> bool:
    """Whether `zone` keeps one offset for two days up to `second` (and a second after).

    Only then is the look-back monotone around the guess: in the second pass of a
    repeated hour the local clock, and so the look-back, goes back, and the first
    crossing may lie before a guess that passes both checks."""
    if type(zone) is timezone:
        return True
    if not isinstance(zone, ZoneInfo):
        return False
    changes, _ = table(zone, second // BLOCK)
    return bisect_right(changes, second + 1) == bisect_right(changes, second - NEAR)


def _crossed(t: int, x: float, d: Duration, zone: tzinfo, strict: bool) -> bool:
    """Whether the look-back from the microsecond ``t`` is past ``x``."""
    cutoff = look_back(to_datetime(t), t / 1_000_000, zone, d)
    return cutoff > x if strict else cutoff >= x


def _search_crossing(x: float, d: Duration, zone: tzinfo, strict: bool) -> int | None:
    """:func:`_first_crossing` for any duration and zone: bracketing around the forward
    shift of ``x``, then bisecting."""

    def crossed(t: int) -> bool:
        return _crossed(t, x, d, zone, strict)

    try:
        guess = to_micros(shift(datetime.fromtimestamp(x, timezone.utc), d, zone))
    except (OverflowError, ValueError):
        return None  # beyond the calendar: never within reach
    floor = int(x * 1_000_000)  # look_back(t) < t, so nothing crosses before x itself
    guess = max(guess, floor)
    # usually the crossing is at the forward shift itself or one microsecond after it
    if crossed(guess):
        if not crossed(guess - 1):
            return guess
        low, high = floor, guess  # rare: clamped month ends or DST gaps put it earlier
    else:
        if crossed(guess + 1):
            return guess + 1
        low, high, step = guess + 1, guess + 2, 1
        while not crossed(high):
            low = high
            step *= 2
            high += step
            if high > _LIMIT:
                return None
    while high - low > 1:
        middle = (low + high) // 2
        if crossed(middle):
            high = middle
        else:
            low = middle
    return high
