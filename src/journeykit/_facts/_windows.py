"""Look-back windows inside :class:`~journeykit.facts.Facts`: bounded whatever the definitions
or the events say.

Theory of operation
-------------------
A windowed condition (``count("order_placed", within="30d") >= 2``, ``total(...,
within="1y")``) asks how many events, or how much money, lie between a cut-off and now.
The cut-off moves with ``now``, so the facts keep the events themselves, and a window
must stay small and cheap to update however long the customer's history is and whatever
threshold a definition names. Each window keeps:

- **an exact tail**: the timestamps (and amounts) of its newest events, at most
  :data:`TAIL` of them. A count that compares with ``n`` needs only the newest ``n + 1``
  (``>= 3`` is settled by the 4 newest), so a small threshold keeps a smaller tail and
  no more;
- **buckets** beyond the tail: one ``(index, tally)`` per span of ``width`` seconds
  (one UTC day, or ``horizon / MAX_BUCKETS`` rounded up to whole days for windows longer
  than :data:`MAX_BUCKETS` days), so at most ``MAX_BUCKETS + 2`` of them. A count keeps
  buckets only until the window holds ``n + 1`` events: older ones cannot change an
  answer.

So a window holds at most ``TAIL + MAX_BUCKETS + 2`` entries and one event costs at most
that much to fold in. Answers are exact while the events inside the asked window fit in
the tail. Past that (a customer with more than 128 events inside one window, and a count
threshold or a total that needs them), the window's first bucket counts whole: the
window reaches back to the start of that bucket (the start of its UTC day for windows of
up to 512 days), never further.

Trimming follows the facts' clock (the host's ``now`` when it folded events), never the
newest event: an entry is dropped once its bucket ends at or before ``clock - horizon``,
because no window evaluated at or after the clock can reach it. Every rule here is a
function of the set of events and the clock, so folding in any order gives equal windows.
"""

from __future__ import annotations

import bisect
import math
from decimal import Context, Decimal
from typing import Final, NamedTuple, TypeVar

__all__ = [
    "TAIL",
    "MAX_BUCKETS",
    "AmountWindow",
    "CountWindow",
    "WindowRule",
    "count_since",
    "exact_sum",
    "total_since",
]

#: Newest events a window keeps exactly.
TAIL: Final = 128
#: Most buckets a window keeps beyond its exact tail (plus two partial ones at the ends).
MAX_BUCKETS: Final = 512
_DAY: Final = 86400.0
_ZERO: Final = Decimal(0)

# Money sums in facts are exact: amounts are bounded at the event (below 10^15, at most 6
# places), so 60 digits hold any sum of up to 10^38 of them without rounding.
_SUMS: Final = Context(prec=60)


def exact_sum(a: Decimal, b: Decimal) -> Decimal:
    """``a + b`` without rounding (the default 28-digit context could round a long sum)."""
    return _SUMS.add(a, b)


class CountWindow(NamedTuple):
    """Event times for windowed counts: the newest exactly, older ones per bucket.

    ``times`` are POSIX seconds, oldest first; ``buckets`` are ``(index, count)`` pairs,
    oldest first, every one older than every time in ``times``; bucket ``i`` spans
    ``[i * width, (i + 1) * width)``. (Named tuples: one is made per windowed event.)
    """

    times: tuple[float, ...] = ()
    buckets: tuple[tuple[int, int], ...] = ()
    width: float = _DAY


class AmountWindow(NamedTuple):
    """Amounts for windowed totals: the newest ``(time, amount)`` pairs exactly, older ones
    summed per bucket (``(index, sum)`` pairs, oldest first). Zero amounts are not kept."""

    entries: tuple[tuple[float, Decimal], ...] = ()
    buckets: tuple[tuple[int, Decimal], ...] = ()
    width: float = _DAY


_W = TypeVar("_W", "CountWindow", "AmountWindow")
# a named tuple made from its fields without its Python-level __new__ (one per event)
_make = tuple.__new__


class WindowRule:
    """How one window is kept: its horizon, bucket width and (for counts) saturation.

    ``keep`` is how many events a count needs at most (its largest threshold plus one;
    ``None``: every event in the horizon). Amount windows keep every amount.
    """

    __slots__ = ("_last", "horizon", "keep", "tail", "width")

    def __init__(self, horizon: float, keep: int | None = None) -> None:
        self.horizon = horizon
        self.keep = keep
        self.tail = TAIL if keep is None else min(keep, TAIL)
        self.width = _DAY * max(1, math.ceil(horizon / (_DAY * MAX_BUCKETS)))
        # (clock, start) of the last call: events folded at one clock share it. One
        # tuple, replaced whole, so threads sharing the spec never see half of one.
        self._last = (math.nan, 0.0)

    def adopt(self, window: _W) -> _W:
        """``window`` under this rule's bucket width. A window kept under another width (a
        definition changed a window longer than MAX_BUCKETS days) has its buckets merged
        by their start, at the coarser resolution of the two for what it already holds."""
        if window.width == self.width:
            return window
        width = self.width
        if isinstance(window, CountWindow):
            counts: dict[int, int] = {}
            for index, n in window.buckets:
                at = int(index * window.width // width)
                counts[at] = counts.get(at, 0) + n
            return CountWindow(window.times, tuple(sorted(counts.items())), width)
        sums: dict[int, Decimal] = {}
        for index, amount in window.buckets:
            at = int(index * window.width // width)
            sums[at] = exact_sum(sums.get(at, _ZERO), amount)
        return AmountWindow(window.entries, tuple(sorted(sums.items())), width)

    def start(self, clock: float) -> float:
        """The oldest instant worth keeping at ``clock``: the start of the bucket that
        holds ``clock - horizon``."""
        last = self._last
        if last[0] == clock:
            return last[1]
        start = math.floor((clock - self.horizon) / self.width) * self.width
        self._last = (clock, start)
        return start

    # --- counts ---------------------------------------------------------------------

    def add_time(self, window: CountWindow, ts: float, start: float) -> CountWindow:
        """``window`` with one more event at ``ts`` (dropped if older than ``start``)."""
        if ts < start:
            return window
        times, buckets, width = window
        if not times or ts >= times[-1]:
            times = (*times, ts)
        else:  # a late event
            items = list(times)
            bisect.insort(items, ts)
            times = tuple(items)
        excess = len(times) - self.tail
        if excess > 0:
            keep = self.keep
            if keep is None or keep > TAIL:
                buckets = self._bucket_counts(buckets, times[:excess])
            times = times[excess:]
            if buckets and keep is not None:
                buckets = self._saturate(buckets, len(times), keep)
        return _make(CountWindow, (times, buckets, width))

    def _bucket_counts(
        self, buckets: tuple[tuple[int, int], ...], times: tuple[float, ...]
    ) -> tuple[tuple[int, int], ...]:
        out = list(buckets)
        width = self.width  # windows are adopted to this width before they change
        for ts in times:
            index = int(ts // width)
            if out and out[-1][0] == index:
                out[-1] = (index, out[-1][1] + 1)
            elif not out or out[-1][0] < index:
                out.append((index, 1))
            else:  # a late event: merge it into its place
                at = bisect.bisect_left(out, (index,))
                if at < len(out) and out[at][0] == index:
                    out[at] = (index, out[at][1] + 1)
                else:
                    out.insert(at, (index, 1))
        return tuple(out)

    @staticmethod
    def _saturate(
        buckets: tuple[tuple[int, int], ...], tail: int, keep: int
    ) -> tuple[tuple[int, int], ...]:
        """Drop the buckets no window can need: past the point where ``keep`` events are
        already counted from the newest, an older event changes no comparison."""
        total = tail
        for at in range(len(buckets) - 1, -1, -1):
            total += buckets[at][1]
            if total >= keep:
                return buckets[at:] if at else buckets
        return buckets

    def trim_times(self, window: CountWindow, start: float) -> CountWindow:
        """``window`` without what lies wholly before ``start``."""
        times = window.times
        buckets = window.buckets
        if buckets and buckets[0][0] * self.width < start:
            first = int(start // self.width)
            buckets = buckets[bisect.bisect_left(buckets, (first,)) :]
        elif not times or times[0] >= start:
            return window
        if times and times[0] < start:
            times = times[bisect.bisect_left(times, start) :]
        return _make(CountWindow, (times, buckets, window.width))

    # --- amounts --------------------------------------------------------------------

    def add_amount(
        self, window: AmountWindow, ts: float, amount: Decimal, start: float
    ) -> AmountWindow:
        """``window`` with one more amount at ``ts`` (zero amounts and old ones change nothing)."""
        if ts < start or not amount:
            return window
        entry = (ts, amount)
        entries, buckets, width = window
        if not entries or entry >= entries[-1]:
            entries = (*entries, entry)
        else:  # a late event
            items = list(entries)
            bisect.insort(items, entry)
            entries = tuple(items)
        excess = len(entries) - self.tail
        if excess > 0:
            buckets = self._bucket_amounts(buckets, entries[:excess])
            entries = entries[excess:]
        return _make(AmountWindow, (entries, buckets, width))

    def _bucket_amounts(
        self, buckets: tuple[tuple[int, Decimal], ...], entries: tuple[tuple[float, Decimal], ...]
    ) -> tuple[tuple[int, Decimal], ...]:
        out = list(buckets)
        width = self.width
        for ts, amount in entries:
            index = int(ts // width)
            if out and out[-1][0] == index:
                out[-1] = (index, exact_sum(out[-1][1], amount))
            elif not out or out[-1][0] < index:
                out.append((index, amount))
            else:
                at = bisect.bisect_left(out, (index,))
                if at < len(out) and out[at][0] == index:
                    out[at] = (index, exact_sum(out[at][1], amount))
                else:
                    out.insert(at, (index, amount))
        # a bucket whose amounts cancel out (custom types may be negative) is kept: its
        # existence does not depend on the order the events came in
        return tuple(out)

    def trim_amounts(self, window: AmountWindow, start: float) -> AmountWindow:
        """``window`` without what lies wholly before ``start``."""
        entries = window.entries
        buckets = window.buckets
        if buckets and buckets[0][0] * self.width < start:
            first = int(start // self.width)
            buckets = buckets[bisect.bisect_left(buckets, (first,)) :]
        elif not entries or entries[0][0] >= start:
            return window
        if entries and entries[0][0] < start:
            entries = entries[bisect.bisect_left(entries, (start,)) :]
        return _make(AmountWindow, (entries, buckets, window.width))


def count_since(window: CountWindow, cutoff: float) -> int:
    """How many kept events lie at or after ``cutoff`` (see the module notes)."""
    times = window.times
    at = bisect.bisect_left(times, cutoff)
    n = len(times) - at
    if at == 0 and window.buckets:
        buckets = window.buckets
        first = bisect.bisect_left(buckets, (int(cutoff // window.width),))
        for _, tally in buckets[first:]:
            n += tally
    return n


def total_since(window: AmountWindow, cutoff: float) -> Decimal:
    """The sum of kept amounts at or after ``cutoff`` (see the module notes)."""
    entries = window.entries
    at = bisect.bisect_left(entries, (cutoff,))
    total = _ZERO
    for _, amount in entries[at:]:
        total = _SUMS.add(total, amount)
    if at == 0 and window.buckets:
        buckets = window.buckets
        first = bisect.bisect_left(buckets, (int(cutoff // window.width),))
        for _, amount in buckets[first:]:
            total = _SUMS.add(total, amount)
    return total
