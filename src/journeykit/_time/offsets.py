"""Where a zone's UTC offset changes, read from the zone itself, in immutable tables.

Theory of operation
-------------------
Time is cut into fixed blocks of :data:`BLOCK` seconds (about 388 days). For a zone and a
block, :func:`table` gives a :class:`Table`: every instant in the block, and four days
either side, at which the zone's UTC offset changes, and the offsets in between. It is
found by reading the offset once a day and bisecting each change down to the second;
tzdata's changes fall on whole seconds and never come closer together than a week (a test
checks every zone), so none is missed, and the change instants are exact.

Two instants can show the same local wall time only if they are less than :data:`NEAR`
(two days) apart, since every UTC offset Python allows lies strictly between -24 and +24
hours; which changes lie that close to an instant is what a look-back needs to know. For
its fast path, each zone also has one :class:`Timeline`: the tables of a few consecutive
blocks merged, with ``edges`` that tell in one bisection whether an instant is that close
to a change.

Invariants:

1. Tables and timelines are immutable; a table is the same for a zone and block whenever
   it is made, and a timeline holds only what the tables say.
2. :data:`TABLES` holds one dictionary per zone, of tables by block number, and
   :data:`TIMELINES` one timeline per zone. They are only read, given one finished entry
   at a time, or cleared: single atomic steps, so threads share them without a lock (at
   worst two threads build the same table, and either copy is right). No state is spread
   over several objects that could fall out of step.
3. The cache is keyed by the zone object itself (a strong reference, never ``id()``,
   whose number a later object may reuse). It holds at most :data:`_MAX_ZONES` zones and
   :data:`_MAX_BLOCKS` tables a zone, and starts afresh when full.
4. Outside ``datetime``'s range (before year 1, after year 9999) a zone keeps the offset
   it has at the edge of that range: blocks beyond it share the table at the edge.
   ``zoneinfo`` zones keep their first offset (local mean time) for centuries before
   their first change, so only instants within a day of the end of year 9999 rely on it.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from itertools import pairwise
from typing import Final, NamedTuple, TypeAlias
from zoneinfo import ZoneInfo

from journeykit._time.zones import DAY_SECONDS, ONE_SECOND, UTC

__all__ = ["BLOCK", "NEAR", "Table", "TABLES", "table", "Timeline", "TIMELINES", "timeline"]

BLOCK: Final = 1 << 25
NEAR: Final = 2 * DAY_SECONDS
# Each table covers its block and this much either side: an instant NEAR outside the
# block (a guess moved by a change of offset) still has its whole neighbourhood in it.
_MARGIN: Final = 2 * NEAR
# How often the offset is read before bisecting; no zone changes offset twice within it.
_STEP: Final = DAY_SECONDS
_MAX_ZONES: Final = 512
_MAX_BLOCKS: Final = 256
_MAX_SPAN: Final = 8  # blocks in a timeline, about 8.5 years
# Instants whose local time is within datetime's range in every zone.
_FIRST: Final = int(datetime.min.replace(tzinfo=UTC).timestamp()) + DAY_SECONDS
_LAST: Final = int(datetime.max.replace(tzinfo=UTC).timestamp()) - DAY_SECONDS
_FIRST_BLOCK: Final = _FIRST // BLOCK
_LAST_BLOCK: Final = _LAST // BLOCK


class Table(NamedTuple):
    """A zone's UTC offsets over one block and four days either side, in seconds.

    ``offsets[i]`` holds before ``changes[i]`` and from ``changes[i - 1]`` on, so
    ``offsets[bisect_right(changes, t)]`` is the offset at ``t``.
    """

    changes: tuple[int, ...]
    offsets: tuple[int, ...]


TABLES: Final[dict[ZoneInfo, dict[float, Table]]] = {}
"""Each zone's tables by block number (``timestamp // BLOCK``, int or float alike)."""


Timeline: TypeAlias = tuple[float, float, tuple[int, ...], tuple[int, ...], tuple[int, ...]]
"""A zone's UTC offsets over consecutive blocks: ``(low, high, changes, offsets, edges)``.

For the look-back's fast path, so a plain tuple (it unpacks faster than a named one).
``changes`` and ``offsets`` are as in :class:`Table`. ``low`` and ``high`` bound the
instants whose whole neighbourhood (:data:`NEAR` either side) the timeline knows.
``edges`` is ``(c1 - NEAR, c1 + NEAR, c2 - NEAR, c2 + NEAR, ...)`` for the changes
``c1, c2, ...``: ``j = bisect_right(edges, t)`` is even exactly when ``t`` is at least
:data:`NEAR` after the change before it and more than :data:`NEAR` before the next, and
then the offset at ``t`` is ``offsets[j // 2]``. A timeline is only made when its changes
are far enough apart for that (all of tzdata's are).
"""

TIMELINES: Final[dict[ZoneInfo, Timeline]] = {}
"""Each zone's current timeline: read freely, replaced whole, never changed in place."""


def table(zone: ZoneInfo, block: float) -> Table:
    """The table of `zone` for block number `block` (``timestamp // BLOCK``), cached.

    Blocks outside datetime's range share the table of the block at its edge.
    """
    tables = TABLES.get(zone)
    if tables is None:
        if len(TABLES) >= _MAX_ZONES:
            TABLES.clear()
        tables = TABLES.setdefault(zone, {})
    found = tables.get(block)
    if found is None:
        if _FIRST_BLOCK <= block <= _LAST_BLOCK:
            start = int(block) * BLOCK
            found = _scan(zone, start - _MARGIN, start + BLOCK + _MARGIN)
        else:
            found = table(zone, min(max(block, _FIRST_BLOCK), _LAST_BLOCK))
        if len(tables) >= _MAX_BLOCKS:
            tables.clear()
        tables[block] = found
    return found


def timeline(zone: ZoneInfo, low: float, high: float) -> Timeline | None:
    """A timeline of `zone` knowing ``[low, high]`` and its neighbourhood, or None.

    The zone's current timeline is widened to cover the range if the result spans at
    most :data:`_MAX_SPAN` blocks, or else replaced by one covering just the range; a
    range longer than that (or changes too close together) gets None, and the caller
    uses :func:`table` block by block.
    """
    first = (low - NEAR) // BLOCK
    last = (high + NEAR) // BLOCK
    known = TIMELINES.get(zone)
    if known is not None:
        known_low, known_high = known[0], known[1]
        known_first = (known_low - NEAR) // BLOCK
        known_last = (known_high + NEAR) // BLOCK - 1
        if max(last, known_last) - min(first, known_first) < _MAX_SPAN:
            first, last = min(first, known_first), max(last, known_last)
    if last - first >= _MAX_SPAN:
        return None
    blocks = range(int(first), int(last) + 1)
    tables = [table(zone, block) for block in blocks]
    start = blocks[0] * BLOCK
    head = tables[0]
    changes: list[int] = []
    offsets = [head.offsets[bisect_right(head.changes, start - 1)]]
    for block, part in zip(blocks, tables, strict=True):
        for change, offset in zip(part.changes, part.offsets[1:], strict=True):
            if block * BLOCK <= change < (block + 1) * BLOCK:
                changes.append(change)
                offsets.append(offset)
    edges = tuple(edge for change in changes for edge in (change - NEAR, change + NEAR))
    if any(a > b for a, b in pairwise(edges)):
        return None
    found = (start + NEAR, (blocks[-1] + 1) * BLOCK - NEAR, tuple(changes), tuple(offsets), edges)
    if len(TIMELINES) >= _MAX_ZONES:
        TIMELINES.clear()
    TIMELINES[zone] = found
    return found


def _offset(zone: ZoneInfo, timestamp: int) -> int:
    offset = datetime.fromtimestamp(timestamp, zone).utcoffset()
    return 0 if offset is None else offset // ONE_SECOND


def _scan(zone: ZoneInfo, start: int, end: int) -> Table:
    """Read the changes of offset in ``[start, end)`` from the zone."""
    start, end = max(start, _FIRST), min(end, _LAST)
    current = _offset(zone, start)
    changes: list[int] = []
    offsets = [current]
    at = start
    while at < end:
        ahead = min(at + _STEP, end)
        seen = _offset(zone, ahead)
        while seen != current:
            # The offset is `current` at `at` and differs at `ahead`: find the first
            # second with another offset, then look again from there (a second change
            # within the step is found the same way).
            low, high = at, ahead
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            current = _offset(zone, high)
            changes.append(high)
            offsets.append(current)
            at = high
        at = ahead
    # a change found at `end` itself belongs to the next stretch
    if changes and changes[-1] >= end:
        changes.pop()
        offsets.pop()
    return Table(tuple(changes), tuple(offsets))
