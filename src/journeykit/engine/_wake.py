"""When could a condition change on its own? The instants behind exact wake-ups.

Conditions read facts that change only when an event comes, and ``now``. With no new
event, a condition can still change as time passes, but only where one of its
time-dependent parts crosses a boundary:

- ``since(x) op d`` when ``now - d`` (a calendar look-back in the customer's zone) passes
  the last ``x``;
- ``count(x, within=d)`` and ``total(..., within=d)`` when ``now - d`` passes the oldest
  event still inside the window, which then drops out;
- ``stage_for() op d`` when ``now - d`` passes the moment the stage was entered.

Each boundary is the first instant (to the microsecond) at which the part reads
differently, found by evaluating the look-back exactly as the conditions do
(:func:`journeykit._lookback.look_back`), so a host woken at that instant sees the
change. The look-back is monotone in ``now``, so a bracket and a bisection find it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo

from journeykit._lookback import look_back
from journeykit.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Count,
    EvalContext,
    Not,
    Since,
    StageFor,
    Total,
)
from journeykit.time import Duration, shift

__all__ = ["crossing", "next_boundary", "to_datetime", "to_micros"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_LIMIT_MICROS = (datetime(9999, 1, 1, tzinfo=timezone.utc) - _EPOCH) // timedelta(microseconds=1)


def to_micros(instant: datetime) -> int:
    """An aware instant as whole microseconds since the epoch."""
    return (instant - _EPOCH) // timedelta(microseconds=1)


def to_datetime(micros: int) -> datetime:
    """Whole microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=micros)


def _atoms(cond: Condition) -> Iterator[Condition]:
    stack: list[Condition] = [cond]
    while stack:
        c = stack.pop()
        if isinstance(c, (AllOf, AnyOf)):
            stack.extend(c.conditions)
        elif isinstance(c, Not):
            stack.append(c.condition)
        elif isinstance(c, (Since, StageFor)) or (
            isinstance(c, (Count, Total)) and c.within is not None
        ):
            yield c


def next_boundary(cond: Condition, ctx: EvalContext, zone: tzinfo) -> int | None:
    """The first instant after ``ctx.now`` (in microseconds) at which a time-dependent
    part of ``cond`` reads differently with the same facts; ``None`` if there is none."""
    now = to_micros(ctx.now)
    best: int | None = None
    for atom in _atoms(cond):
        found = _atom_boundary(atom, ctx, zone, now)
        if found is not None and (best is None or found < best):
            best = found
    return best


def _atom_boundary(atom: Condition, ctx: EvalContext, zone: tzinfo, now: int) -> int | None:
    if isinstance(atom, Since):
        stats = ctx.facts.stats.get(atom.key)
        if stats is None or stats.last_at is None:
            return None
        return crossing(stats.last_at, atom.value, zone, _FLIP[atom.op] in ("<", ">="), now)
    if isinstance(atom, StageFor):
        if ctx.stage_entered_at is None:
            return None
        entered = ctx.stage_entered_at.timestamp()
        return crossing(entered, atom.value, zone, _FLIP[atom.op] in ("<", ">="), now)
    within = atom.within  # type: ignore[union-attr]  # Count or Total with a window
    assert within is not None  # _atoms yields windowed counts and totals only
    cutoff = look_back(ctx.now, ctx.now_ts, zone, within)
    if isinstance(atom, Count):
        window = ctx.facts.windows.get(atom.key, ())
        i = bisect.bisect_left(window, cutoff)
        oldest = window[i] if i < len(window) else None
    else:
        assert isinstance(atom, Total)
        values = ctx.facts.value_windows.get(f"{atom.key}:{atom.prop}", ())
        i = bisect.bisect_left(values, (cutoff,))
        oldest = values[i][0] if i < len(values) else None
    if oldest is None:
        return None
    # an event drops out of the window when the cut-off passes it (strictly)
    return crossing(oldest, within, zone, True, now)


def crossing(x: float, d: Duration, zone: tzinfo, strict: bool, now: int) -> int | None:
    """The first microsecond t > now with look_back(t, d) > x (``strict``) or >= x."""

    def crossed(t: int) -> bool:
        instant = to_datetime(t)
        cutoff = look_back(instant, t / 1_000_000, zone, d)
        return cutoff > x if strict else cutoff >= x

    if crossed(now):
        return None  # already past the boundary: the cut-off only grows, so no change ahead
    try:
        guess = to_micros(shift(datetime.fromtimestamp(x, timezone.utc), d, zone))
    except (OverflowError, ValueError):
        return None  # beyond the calendar: never within reach
    guess = max(guess, now + 1)
    # usually the crossing is at the forward shift itself or one microsecond after it
    if crossed(guess):
        if guess == now + 1 or not crossed(guess - 1):
            return guess
        low, high = now + 1, guess  # rare: clamped month ends or DST gaps put it earlier
    else:
        if crossed(guess + 1):
            return guess + 1
        low, high, step = guess + 1, guess + 2, 1
        while not crossed(high):
            low = high
            step *= 2
            high += step
            if high > _LIMIT_MICROS:
                return None
    while high - low > 1:
        middle = (low + high) // 2
        if crossed(middle):
            high = middle
        else:
            low = middle
    return high
