"""When could a condition change on its own? One more interpreter of the condition union.

Conditions read facts, which change only when an event comes, and ``now``. With no new
event a condition can still change as time passes, but only where a time-dependent part
crosses a boundary:

- ``since(x) op d`` when ``now - d`` (a calendar look-back in the customer's zone)
  passes the last ``x``;
- ``count(x, within=d) op n`` and ``total(..., within=d) op x`` when ``now - d`` passes
  the event (or, beyond a window's exact tail, the end of the day bucket) whose dropping
  out first makes the comparison read differently: ``count(...) >= 4`` over 52 orders
  changes when the 4th newest drops out, not at each of the 48 before it;
- ``stage_for() op d`` when ``now - d`` passes the moment the stage was entered.

:func:`compile_boundary` turns a condition into a function giving the first such instant
after ``now`` (to the microsecond, never later than the first change; found with :func:`journeykit._time.crossing.crossing`,
which evaluates the look-back exactly as the conditions do). The engine takes the
earliest over every condition it watches, and wakes the host there.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from datetime import tzinfo
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any, Final

from journeykit._time.crossing import crossing_for
from journeykit.conditions._compile import FLIP
from journeykit.conditions._context import EvalContext, duration_key
from journeykit.conditions._keys import history_key
from journeykit.conditions._values import COMPARE
from journeykit.facts import amount_key

if TYPE_CHECKING:
    from journeykit.conditions._models import Condition

__all__ = ["Boundary", "compile_boundary", "holds_from_boundary"]

_ZERO: Final = Decimal(0)
_SUMS: Final = Context(prec=60)  # as the windows sum: exact for any amounts they hold

Boundary = Callable[[EvalContext, tzinfo], "int | None"]
"""A compiled boundary finder: (context, zone) -> the next instant, in microseconds."""

_Crossing = Callable[[float, tzinfo, int], "int | None"]
# a window's duration, its duration_key, and when the cut-off reaches a bucket's end
# (not strict) and passes an exact entry (strict): see _next_flip
_Flips = tuple[Any, int, _Crossing, _Crossing]


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


def holds_from_boundary(cond: Condition) -> bool:
    """Whether ``cond`` holds at every instant its boundary finder gives: true of a lone
    ``since(...) > d`` or ``>= d`` and ``stage_for() > d`` or ``>= d``. Such a finder gives
    the first instant the look-back passes the event (or the entry), exactly as the
    condition reads it, and only while it has not passed yet; from then on the condition
    holds. The wake-up search need not probe it there.

    >>> from journeykit.conditions import since
    >>> holds_from_boundary(since("order_placed") > "90d")
    True
    >>> holds_from_boundary(since("order_placed") <= "90d")
    False
    """
    return cond.type in ("since", "stage_for") and cond.op in (">", ">=")


def _atom(atom: Any) -> Boundary:
    tag = atom.type
    if tag in ("since", "stage_for"):
        # the condition compares the instant with the cut-off: since > d is last < cut
        cross = crossing_for(atom.value, FLIP[atom.op] in ("<", ">="))
        if tag == "stage_for":

            def stage_for(ctx: EvalContext, zone: tzinfo) -> int | None:
                entered = ctx.stage_entered_at
                if entered is None:
                    return None
                return cross(entered.timestamp(), zone, ctx.micros())

            return stage_for
        key = history_key(atom.event, atom.where)

        def since(ctx: EvalContext, zone: tzinfo) -> int | None:
            stats = ctx.facts.stats.get(key)
            if stats is None or stats.last_at is None:
                return None
            return cross(stats.last_at, zone, ctx.micros())

        return since
    within = atom.within
    flips: _Flips = (
        within,
        duration_key(within),
        crossing_for(within, False),
        crossing_for(within, True),
    )
    compare = COMPARE[atom.op]
    target = atom.value
    if tag == "count":
        window_key = history_key(atom.event, atom.where)

        def count(ctx: EvalContext, zone: tzinfo) -> int | None:
            window = ctx.facts.windows.get(window_key)
            if window is None or not (window.times or window.buckets):
                return None  # an empty window reads 0 for good
            return _next_flip(
                window.times,
                window.buckets,
                window.width,
                1,
                ctx,
                zone,
                flips,
                compare,
                target,
            )

        return count
    total_key = amount_key(history_key(atom.event, atom.where), atom.prop, atom.currency)

    def total(ctx: EvalContext, zone: tzinfo) -> int | None:
        window = ctx.facts.amount_windows.get(total_key)
        if window is None or not (window.entries or window.buckets):
            return None  # an empty window sums to 0 for good
        entries = window.entries
        times = tuple(t for t, _ in entries)
        amounts = tuple(a for _, a in entries)
        return _next_flip(
            times, window.buckets, window.width, amounts, ctx, zone, flips, compare, target
        )

    return total


def _next_flip(
    times: tuple[float, ...],
    buckets: tuple[tuple[int, Any], ...],
    width: float,
    weights: Any,
    ctx: EvalContext,
    zone: tzinfo,
    flips: _Flips,
    compare: Callable[[Any, Any], bool],
    target: Any,
) -> int | None:
    """When ``window <op> target`` first reads differently as the window's cut-off moves on.

    The window reads (:func:`journeykit._facts._windows.count_since`, ``total_since``):
    the exact entries at or after the cut-off, and while none has dropped out, the
    buckets whose span reaches it. As time passes entries drop out one by one (an entry
    at ``x`` when the cut-off passes ``x``; a bucket when the cut-off reaches its end;
    every bucket once an exact entry dropped), each changing the value. Walking the
    drops in order gives the first whose value compares differently: no drop before it
    changes the answer, so no instant before its crossing can (several drops crossing
    at one instant are walked together up to the first that changes the answer, so the
    instant is never late; it may be early for ``==`` or ``!=``, where the probe that
    follows finds nothing has changed). ``weights`` is 1 for a count, else the amounts.
    """
    within, dkey, cross_end, cross_entry = flips
    cut = ctx.cutoff_at(dkey, within)
    now = ctx.micros()
    counting = weights == 1
    at = bisect.bisect_left(times, cut)
    first = bisect.bisect_left(buckets, (int(cut // width),)) if at == 0 and buckets else None
    # the value now, as the condition reads it
    if counting:
        value: Any = len(times) - at
    else:
        value = _ZERO
        for amount in weights[at:]:
            value = _SUMS.add(value, amount)
    kept_buckets = buckets[first:] if first is not None else ()
    for _, tally in kept_buckets:
        value = value + tally if counting else _SUMS.add(value, tally)
    holds = compare(value, target)
    # a bucket drops when the cut-off reaches its end, or with the first exact entry if
    # that drops first (the window then reads its exact entries only)
    first_time = times[0] if times else math.inf
    for n, (index, tally) in enumerate(kept_buckets):
        end = (index + 1) * width
        if end > first_time:
            for _, rest in kept_buckets[n:]:
                value = value - rest if counting else _SUMS.subtract(value, rest)
            break  # compared below, once the first exact entry is off too
        value = value - tally if counting else _SUMS.subtract(value, tally)
        if compare(value, target) != holds:
            return cross_end(end, zone, now)
    for i in range(at, len(times)):
        value = value - 1 if counting else _SUMS.subtract(value, weights[i])
        if compare(value, target) != holds:
            return cross_entry(times[i], zone, now)
    return None
