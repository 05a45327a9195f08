"""Fast look-back cut-offs: ``shift(now, -d, tz).timestamp()`` without the calendar work.

Windows and ``since`` conditions ask, per evaluation, for the instant one duration before
``now`` in the customer's zone. :func:`journeykit.time.shift` answers exactly but walks
through local wall time, relativedelta and gap/fold resolution (several microseconds).
Most of the time no UTC-offset change lies near either end, and then "N calendar days
back" is plain arithmetic: subtract N days of seconds and correct by the difference of
the two offsets.

This module keeps, per zone, the spans of time over which the offset is known to be
constant (found once by a bisecting search, then reused), and uses the arithmetic only
when the answer is provably the same as :func:`shift`'s: the target lies in a known span
and at least :data:`_GUARD` seconds from its edges, so no other instant can share its wall
time (no fold) and it exists (no gap). Otherwise, and for any duration with months, it
falls back to :func:`shift`. A property test checks the two agree on DST edges.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timezone, tzinfo

from journeykit.time import Duration, shift

__all__ = ["look_back"]

_UTC = timezone.utc
_DAY = 86400
_GUARD = 4 * 3600  # larger than any UTC-offset change in tzdata (at most 3 hours since 2012)
_SEARCH = 400 * _DAY  # how far a span is searched for before it is taken as constant
_MAX_SPANS = 512  # per zone; the cache starts afresh when full


class _Spans:
    """Known constant-offset intervals ``[start, end)`` of one zone, sorted by start."""

    __slots__ = ("ends", "offsets", "starts", "zone")

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.offsets: list[float] = []

    def offset_at(self, ts: float) -> float:
        offset = datetime.fromtimestamp(ts, self.zone).utcoffset()
        return 0.0 if offset is None else offset.total_seconds()

    def find(self, ts: float) -> int:
        """Index of a span holding ``ts``, discovering it if needed."""
        i = bisect.bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.ends[i]:
            return i
        offset = self.offset_at(ts)
        start = self._edge(ts, offset, -1)
        end = self._edge(ts, offset, +1)
        if len(self.starts) >= _MAX_SPANS:
            self.starts.clear()
            self.ends.clear()
            self.offsets.clear()
        # spans found from different instants may overlap; each is still exact
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.offsets.insert(i, offset)
        return i

    def _edge(self, ts: float, offset: float, direction: int) -> float:
        """The furthest instant from ``ts`` (up to _SEARCH) with the same offset throughout.

        Steps out a day at a time (offsets never change twice within a day; doubling
        steps could jump over a whole summer), then bisects down to a second.
        """
        near = 0.0
        while near < _SEARCH:
            if self.offset_at(ts + direction * (near + _DAY)) != offset:
                break
            near += _DAY
        else:
            return ts + direction * near  # constant as far as we look
        far = near + _DAY
        while far - near > 1:
            mid = (near + far) // 2
            if self.offset_at(ts + direction * mid) == offset:
                near = mid
            else:
                far = mid
        # [start, end): the end is the first instant with another offset
        return ts - near if direction < 0 else ts + far


_SPANS: dict[int, _Spans] = {}

# zones that are UTC under another name: no offset ever changes, so days are 86,400 s
_UTC_NAMES = frozenset(
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


def _spans(zone: tzinfo) -> _Spans:
    spans = _SPANS.get(id(zone))
    if spans is None or spans.zone is not zone:
        spans = _SPANS[id(zone)] = _Spans(zone)
    return spans


def look_back(now: datetime, now_ts: float, zone: tzinfo, d: Duration) -> float:
    """``shift(now, -d, zone).timestamp()`` for a positive ``d``, computed fast when exact."""
    if d.months or d.days < 0 or d.seconds < 0:
        return shift(now, -d, zone).timestamp()
    t1 = now_ts - d.seconds  # the exact part goes first when looking back
    if not d.days:
        return t1
    if zone is _UTC or getattr(zone, "key", None) in _UTC_NAMES:
        return t1 - d.days * _DAY
    spans = _spans(zone)
    o1 = spans.offsets[spans.find(t1)]
    target = t1 - d.days * _DAY
    i = spans.find(target)
    if spans.offsets[i] != o1:
        target += o1 - spans.offsets[i]
        j = spans.find(target)
        if spans.offsets[j] != spans.offsets[i]:
            return shift(now, -d, zone).timestamp()
        i = j
    if target - spans.starts[i] < _GUARD or spans.ends[i] - target < _GUARD:
        return shift(now, -d, zone).timestamp()
    return target
