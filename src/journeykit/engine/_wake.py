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
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from journeykit._time.lookback import look_back
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

__all__ = ["Boundary", "compile_boundary", "crossing", "to_datetime", "to_micros"]

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


Boundary = Callable[[EvalContext, tzinfo, int], "int | None"]
"""A compiled boundary finder: (context, zone, now in microseconds) -> the next instant."""


def compile_boundary(cond: Condition) -> Boundary | None:
    """A function giving the first instant after ``ctx.now`` (in microseconds) at which
    a time-dependent part of ``cond`` reads differently with the same facts (``None`` if
    none will); ``None`` for a condition time alone never changes."""
    fns = [_atom_boundary(atom) for atom in _atoms(cond)]
    if not fns:
        return None
    if len(fns) == 1:
        return fns[0]

    def earliest(ctx: EvalContext, zone: tzinfo, now: int) -> int | None:
        best: int | None = None
        for fn in fns:
            found = fn(ctx, zone, now)
            if found is not None and (best is None or found < best):
                best = found
        return best

    return earliest


def _atom_boundary(atom: Condition) -> Boundary:
    if isinstance(atom, (Since, StageFor)):
        strict = _FLIP[atom.op] in ("<", ">=")
        d = atom.value
        if isinstance(atom, StageFor):

            def stage_for(ctx: EvalContext, zone: tzinfo, now: int) -> int | None:
                entered = ctx.stage_entered_at
                if entered is None:
                    return None
                return crossing(entered.timestamp(), d, zone, strict, now)

            return stage_for
        key = atom.key

        def since(ctx: EvalContext, zone: tzinfo, now: int) -> int | None:
            stats = ctx.facts.stats.get(key)
            if stats is None or stats.last_at is None:
                return None
            return crossing(stats.last_at, d, zone, strict, now)

        return since
    assert isinstance(atom, (Count, Total))
    within = atom.within
    assert within is not None  # _atoms yields windowed counts and totals only
    if isinstance(atom, Count):
        window_key = atom.key

        def count(ctx: EvalContext, zone: tzinfo, now: int) -> int | None:
            window = ctx.facts.windows.get(window_key, ())
            i = bisect.bisect_left(window, ctx.cutoff(within))
            # an event drops out of the window when the cut-off passes it (strictly)
            return crossing(window[i], within, zone, True, now) if i < len(window) else None

        return count
    values_key = f"{atom.key}:{atom.prop}"

    def total(ctx: EvalContext, zone: tzinfo, now: int) -> int | None:
        values = ctx.facts.value_windows.get(values_key, ())
        i = bisect.bisect_left(values, (ctx.cutoff(within),))
        return crossing(values[i][0], within, zone, True, now) if i < len(values) else None

    return total


def crossing(x: float, d: Duration, zone: tzinfo, strict: bool, now: int) -> int | None:
    """The first microsecond t > now with look_back(t, d) > x (``strict``) or >= x."""
    first = _first_crossing(x, d, zone, strict)
    return first if first is not None and first > now else None


@lru_cache(maxsize=8192)
def _first_crossing(x: float, d: Duration, zone: tzinfo, strict: bool) -> int | None:
    """The first microsecond t with look_back(t, d) > x (``strict``) or >= x.

    A pure function of its arguments (cached: successive calls for one customer ask the
    same question). The look-back is monotone in t, so it is found by bracketing around
    the forward shift of ``x`` and bisecting.
    """

    def crossed(t: int) -> bool:
        cutoff = look_back(to_datetime(t), t / 1_000_000, zone, d)
        return cutoff > x if strict else cutoff >= x

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
            if high > _LIMIT_MICROS:
                return None
    while high - low > 1:
        middle = (low + high) // 2
        if crossed(middle):
            high = middle
        else:
            low = middle
    return high
