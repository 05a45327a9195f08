"""When could a condition change on its own? One more interpreter of the condition union.

Conditions read facts, which change only when an event comes, and ``now``. With no new
event a condition can still change as time passes, but only where a time-dependent part
crosses a boundary:

- ``since(x) op d`` when ``now - d`` (a calendar look-back in the customer's zone)
  passes the last ``x``;
- ``count(x, within=d)`` and ``total(..., within=d)`` when ``now - d`` passes the oldest
  event still counted (or, beyond a window's exact tail, the end of its oldest counted
  day bucket), which then drops out;
- ``stage_for() op d`` when ``now - d`` passes the moment the stage was entered.

:func:`compile_boundary` turns a condition into a function giving the first such instant
after ``now`` (to the microsecond, found with :func:`journeykit._time.crossing.crossing`,
which evaluates the look-back exactly as the conditions do). The engine takes the
earliest over every condition it watches, and wakes the host there.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from journeykit._time.crossing import crossing, to_micros
from journeykit.conditions._compile import FLIP
from journeykit.conditions._context import EvalContext
from journeykit.conditions._keys import history_key
from journeykit.facts import amount_key

if TYPE_CHECKING:
    from journeykit.conditions._models import Condition

__all__ = ["Boundary", "compile_boundary"]

Boundary = Callable[[EvalContext, tzinfo], "int | None"]
"""A compiled boundary finder: (context, zone) -> the next instant, in microseconds."""


def _atoms(cond: Condition) -> Iterator[Any]:
    stack: list[Any] = [cond]
    while stack:
        c = stack.pop()
        tag = c.type
        if tag in ("all_of", "any_of"):
            stack.extend(c.conditions)
        elif tag == "not":
            stack.append(c.condition)
        elif tag in ("since", "stage_for") or (tag in ("count", "total") and c.within):
            yield c


def compile_boundary(cond: Condition) -> Boundary | None:
    """A function giving the first instant after ``ctx.now`` (microseconds since the
    epoch) at which a time-dependent part of ``cond`` reads differently with the same
    facts, or ``None`` if none will; ``None`` itself for a condition time never changes.

    >>> from journeykit.conditions import count, since
    >>> compile_boundary(count("order_placed") >= 1) is None
    True
    >>> callable(compile_boundary(since("order_placed") > "90d"))
    True
    """
    fns = [_atom(atom) for atom in _atoms(cond)]
    if not fns:
        return None
    if len(fns) == 1:
        return fns[0]

    def earliest(ctx: EvalContext, zone: tzinfo) -> int | None:
        best: int | None = None
        for fn in fns:
            found = fn(ctx, zone)
            if found is not None and (best is None or found < best):
                best = found
        return best

    return earliest


def _atom(atom: Any) -> Boundary:
    tag = atom.type
    if tag in ("since", "stage_for"):
        # the condition compares the instant with the cut-off: since > d is last < cut
        strict = FLIP[atom.op] in ("<", ">=")
        d = atom.value
        if tag == "stage_for":

            def stage_for(ctx: EvalContext, zone: tzinfo) -> int | None:
                entered = ctx.stage_entered_at
                if entered is None:
                    return None
                return crossing(entered.timestamp(), d, zone, strict, to_micros(ctx.now))

            return stage_for
        key = history_key(atom.event, atom.where)

        def since(ctx: EvalContext, zone: tzinfo) -> int | None:
            stats = ctx.facts.stats.get(key)
            if stats is None or stats.last_at is None:
                return None
            return crossing(stats.last_at, d, zone, strict, to_micros(ctx.now))

        return since
    within = atom.within
    if tag == "count":
        window_key = history_key(atom.event, atom.where)

        def count(ctx: EvalContext, zone: tzinfo) -> int | None:
            window = ctx.facts.windows.get(window_key)
            if window is None:
                return None
            return _next_drop(window.times, window.buckets, window.width, ctx, zone, within)

        return count
    total_key = amount_key(history_key(atom.event, atom.where), atom.prop, atom.currency)

    def total(ctx: EvalContext, zone: tzinfo) -> int | None:
        window = ctx.facts.amount_windows.get(total_key)
        if window is None:
            return None
        times = tuple(t for t, _ in window.entries)
        return _next_drop(times, window.buckets, window.width, ctx, zone, within)

    return total


def _next_drop(
    times: tuple[float, ...],
    buckets: tuple[tuple[int, Any], ...],
    width: float,
    ctx: EvalContext,
    zone: tzinfo,
    within: Any,
) -> int | None:
    """When the oldest thing a window counts at ``ctx.now`` drops out of it."""
    cut = ctx.cutoff(within)
    now = to_micros(ctx.now)
    at = bisect.bisect_left(times, cut)
    if at == 0 and buckets:
        first = bisect.bisect_left(buckets, (int(cut // width),))
        if first < len(buckets):
            # bucket i counts while cut // width <= i: it drops when cut reaches its end
            end = (buckets[first][0] + 1) * width
            return crossing(end, within, zone, False, now)
    if at < len(times):
        # an event drops out when the cut-off passes it
        return crossing(times[at], within, zone, True, now)
    return None
