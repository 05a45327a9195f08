"""Customer facts: what the conditions need to know, folded from events one at a time.

Theory of operation
-------------------
A customer's history can be long; what stages and journeys ask of it is not. ``Facts`` is
a small immutable value that answers every question the definitions ask:

- for every event type: how many, the first and the last time;
- orders: the count, revenue net of refunds (``order_placed.value`` minus
  ``order_refunded.value``) and so the average order value;
- for each ``(event type, where)`` a condition filters on: the same count/first/last;
- for windowed conditions (``count(..., within="30d")``): the most recent timestamps,
  kept only as far back as the longest window any definition uses, and no more of them
  than the largest count threshold needs (``count(...) >= 3`` needs the last 4);
- for ``total(...)``: running sums, or (value, time) pairs within the window;
- the ids of the most recent events, to ignore a repeated delivery.

What to keep is a :class:`FactsSpec`, derived from the definitions
(:meth:`FactsSpec.for_conditions`), so no condition can ask for a window the facts did
not keep. The fold keeps three invariants, all property-tested:

1. **Order independence.** The same events in any order give equal facts: every kept
   set is a function of the events' set (windows are pruned against the newest
   timestamp of their own key, and the id window keeps the newest ids by ``(at, id)``).
2. **Idempotence.** An event whose id was seen is ignored. The id window is bounded
   (``id_window``, default 128 most recent events): a duplicate that arrives after more
   than that many newer events cannot be recognised. Hosts that replay old events
   should de-duplicate upstream.
3. **Bounded cost.** Work per event depends on the definitions (window sizes, number
   of keys), never on how many events came before.

Timestamps are stored as POSIX seconds (floats) for speed; money as ``Decimal``. Totals
assume the host sends amounts in one reporting currency. Windows are kept back from the
newest event, so conditions must be evaluated at a ``now`` no earlier than it.

>>> from datetime import datetime, timezone
>>> from journeykit.models import Event
>>> def order(i, day, value):
...     return Event(id=f"o{i}", customer_id="c1", type="order_placed",
...                  at=datetime(2026, 1, day, tzinfo=timezone.utc),
...                  properties={"value": value, "currency": "EUR"})
>>> spec = FactsSpec()
>>> facts = spec.fold_all([order(1, 3, "20.00"), order(2, 9, "30.00"), order(2, 9, "30.00")])
>>> facts.order_count, facts.revenue, facts.average_order_value
(2, Decimal('50.00'), Decimal('25.00'))
>>> facts.last_at("order_placed")
datetime.datetime(2026, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from journeykit._errors import InvalidInputError
from journeykit.events import ORDER_PLACED, ORDER_REFUNDED, parse_money
from journeykit.models import Event

if TYPE_CHECKING:
    from journeykit.conditions import Condition

__all__ = ["EventStats", "Facts", "FactNeed", "FactsSpec", "fact_key"]

_ZERO = Decimal(0)
DEFAULT_ID_WINDOW = 128

PropertyFilter = Callable[[Mapping[str, Any]], bool]
_V = TypeVar("_V")


def fact_key(event_type: str, where: str | None = None) -> str:
    """The key facts are kept under: the event type, plus a filter's canonical JSON.

    >>> fact_key("order_placed"), fact_key("order_placed", '{"x":1}')
    ('order_placed', 'order_placed?{"x":1}')
    """
    return event_type if where is None else f"{event_type}?{where}"


@dataclass(frozen=True, slots=True)
class EventStats:
    """How many events of one kind a customer has, and when the first and last were.

    Times are POSIX seconds; ``None`` while ``count`` is 0.
    """

    count: int = 0
    first_at: float | None = None
    last_at: float | None = None


_NO_STATS = EventStats()


@dataclass(frozen=True, slots=True)
class Facts:
    """What journeykit knows about one customer, folded from their events.

    Immutable; build it with :meth:`FactsSpec.fold` / :meth:`FactsSpec.fold_all`. The
    mappings are read-only views in spirit: never mutate them. ``Facts`` round-trips
    through JSON with pydantic (``TypeAdapter(Facts)``), so a host can persist it inside
    the customer's state.
    """

    stats: Mapping[str, EventStats] = field(default_factory=dict)
    revenue: Decimal = _ZERO
    windows: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    sums: Mapping[str, Decimal] = field(default_factory=dict)
    value_windows: Mapping[str, tuple[tuple[float, Decimal], ...]] = field(default_factory=dict)
    seen: Mapping[str, float] = field(default_factory=dict)
    """Ids of the most recent events (by ``(at, id)``), oldest first, with their times."""

    def count(self, event_type: str) -> int:
        """How many ``event_type`` events the customer has (0 if none)."""
        return self.stats.get(event_type, _NO_STATS).count

    def first_at(self, event_type: str) -> datetime | None:
        """When the customer first did ``event_type`` (UTC), or None if never."""
        ts = self.stats.get(event_type, _NO_STATS).first_at
        return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)

    def last_at(self, event_type: str) -> datetime | None:
        """When the customer last did ``event_type`` (UTC), or None if never."""
        ts = self.stats.get(event_type, _NO_STATS).last_at
        return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)

    @property
    def order_count(self) -> int:
        """Number of ``order_placed`` events (refunds do not reduce it)."""
        return self.count(ORDER_PLACED)

    @property
    def average_order_value(self) -> Decimal | None:
        """Net revenue per order, or None for a customer with no order."""
        orders = self.order_count
        return None if orders == 0 else self.revenue / orders

    @property
    def event_count(self) -> int:
        """Number of distinct events folded in, all types together."""
        return sum(s.count for k, s in self.stats.items() if "?" not in k)


@dataclass(frozen=True, slots=True)
class FactNeed:
    """One thing a condition needs kept, in terms facts understand.

    Produced by :func:`journeykit.conditions.fact_needs`; hosts rarely build these.
    ``horizon`` is the longest window in seconds (an upper bound: calendar windows are
    measured generously), ``keep_last`` how many recent timestamps a count needs,
    ``total_prop`` the property a ``total`` sums.
    """

    event_type: str
    where_key: str | None = None
    where: PropertyFilter | None = None
    horizon: float | None = None
    keep_last: int | None = None
    total_prop: str | None = None

    @property
    def key(self) -> str:
        return fact_key(self.event_type, self.where_key)


@dataclass(frozen=True, slots=True)
class _Tracker:
    """Compiled form of the needs on one key: what to do when a matching event arrives."""

    key: str
    where: PropertyFilter | None
    horizon: float | None  # windows
    keep_last: int | None  # windows; None keeps every timestamp within the horizon
    sum_props: tuple[tuple[str, str], ...]  # lifetime sums: (prop, key in Facts.sums)
    window_props: tuple[tuple[str, str, float], ...]  # (prop, key in value_windows, horizon)


class FactsSpec:
    """What facts to keep, derived from the definitions that will read them.

    Build it once from every condition the engine will evaluate and share it; it is
    immutable and holds compiled per-type lookups so folding an event touches only what
    that event type feeds.

    >>> from journeykit.conditions import count
    >>> spec = FactsSpec.for_conditions([count("order_placed", within="30d") >= 2])
    >>> spec.empty().windows
    {'order_placed': ()}
    """

    __slots__ = ("_by_type", "_empty", "_filtered_keys", "id_window", "needs")

    def __init__(self, needs: Iterable[FactNeed] = (), *, id_window: int = DEFAULT_ID_WINDOW):
        if id_window < 1:
            raise InvalidInputError(
                f"id_window must be a positive number of events (got {id_window})"
            )
        self.id_window = id_window
        self.needs = tuple(needs)
        grouped: dict[str, list[FactNeed]] = {}
        for need in self.needs:
            grouped.setdefault(need.key, []).append(need)
        by_type: dict[str, list[_Tracker]] = {}
        filtered: list[str] = []
        windows: dict[str, tuple[float, ...]] = {}
        sums: dict[str, Decimal] = {}
        value_windows: dict[str, tuple[tuple[float, Decimal], ...]] = {}
        for key, group in grouped.items():
            first = group[0]
            horizons = [n.horizon for n in group if n.horizon is not None and n.total_prop is None]
            counted = [n for n in group if n.horizon is not None and n.total_prop is None]
            keep = [n.keep_last for n in counted]
            keep_last = None if not keep or None in keep else max(k for k in keep if k)
            sum_props = sorted({n.total_prop for n in group if n.total_prop and n.horizon is None})
            window_props: dict[str, float] = {}
            for n in group:
                if n.total_prop and n.horizon is not None:
                    window_props[n.total_prop] = max(n.horizon, window_props.get(n.total_prop, 0))
            tracker = _Tracker(
                key=key,
                where=first.where,
                horizon=max(horizons) if horizons else None,
                keep_last=keep_last,
                sum_props=tuple((p, f"{key}:{p}") for p in sum_props),
                window_props=tuple((p, f"{key}:{p}", h) for p, h in sorted(window_props.items())),
            )
            by_type.setdefault(first.event_type, []).append(tracker)
            if first.where is not None:
                filtered.append(key)
            if tracker.horizon is not None:
                windows[key] = ()
            for _, skey in tracker.sum_props:
                sums[skey] = _ZERO
            for _, vkey, _ in tracker.window_props:
                value_windows[vkey] = ()
        self._by_type = {t: tuple(ts) for t, ts in by_type.items()}
        self._filtered_keys = tuple(filtered)
        self._empty = Facts(
            stats=dict.fromkeys(filtered, _NO_STATS),
            windows=windows,
            sums=sums,
            value_windows=value_windows,
        )

    @classmethod
    def for_conditions(
        cls, conditions: Iterable[Condition], *, id_window: int = DEFAULT_ID_WINDOW
    ) -> FactsSpec:
        """The spec that keeps exactly what ``conditions`` read (and the always-kept stats)."""
        from journeykit.conditions import fact_needs

        return cls(fact_needs(conditions), id_window=id_window)

    def empty(self) -> Facts:
        """Facts for a customer with no events yet."""
        return self._empty

    def covers(self, facts: Facts) -> bool:
        """Whether ``facts`` keep everything this spec needs (False after a definition change
        added a window or filter: such facts start counting from now on)."""
        empty = self._empty
        return (
            all(k in facts.stats for k in self._filtered_keys)
            and all(k in facts.windows for k in empty.windows)
            and all(k in facts.sums for k in empty.sums)
            and all(k in facts.value_windows for k in empty.value_windows)
        )

    def fold(self, facts: Facts, event: Event) -> Facts:
        """``facts`` with ``event`` added; ``facts`` itself if the event id was already seen."""
        if event.id in facts.seen:
            return facts
        builder = _Builder(self, facts)
        builder.add(event)
        return builder.freeze()

    def fold_all(self, events: Iterable[Event], facts: Facts | None = None) -> Facts:
        """Fold many events at once (faster than one :meth:`fold` per event)."""
        builder = _Builder(self, self._empty if facts is None else facts)
        for event in events:
            builder.add(event)
        return builder.freeze(compact=True)


class _Builder:
    """A mutable working copy of one Facts, for folding; never escapes this module."""

    __slots__ = (
        "owned",
        "revenue",
        "seen",
        "spec",
        "stats",
        "sums",
        "value_windows",
        "windows",
    )

    def __init__(self, spec: FactsSpec, facts: Facts) -> None:
        self.spec = spec
        self.stats = _copy(facts.stats)
        self.revenue = facts.revenue
        self.seen = _copy(facts.seen)  # ordered by (at, id), oldest first
        # copied on first write (_own), as most events touch no window or sum; until then
        # these are the input's read-only mappings and are never written to
        self.windows = cast("dict[str, tuple[float, ...]]", facts.windows)
        self.sums = cast("dict[str, Decimal]", facts.sums)
        self.value_windows = cast(
            "dict[str, tuple[tuple[float, Decimal], ...]]", facts.value_windows
        )
        self.owned = False

    def _own(self) -> None:
        self.windows = _copy(self.windows)
        self.sums = _copy(self.sums)
        self.value_windows = _copy(self.value_windows)
        self.owned = True

    def add(self, event: Event) -> None:
        eid = event.id
        seen = self.seen
        if eid in seen:
            return
        ts = event.at.timestamp()
        self._remember(eid, ts)
        etype = event.type
        _bump(self.stats, etype, ts)
        props = event.properties
        # money properties parsed once per event, however many sums read them
        amounts: dict[str, Decimal | None] = {}
        if etype == ORDER_PLACED:
            value = amounts["value"] = parse_money(props.get("value"))
            self.revenue += value or _ZERO
        elif etype == ORDER_REFUNDED:
            value = amounts["value"] = parse_money(props.get("value"))
            self.revenue -= value or _ZERO
        trackers = self.spec._by_type.get(etype)
        if trackers:
            if not self.owned:
                self._own()
            for tracker in trackers:
                if tracker.where is not None:
                    if not tracker.where(props):
                        continue
                    _bump(self.stats, tracker.key, ts)
                if tracker.horizon is not None:
                    self.windows[tracker.key] = _insert_window(
                        self.windows.get(tracker.key, ()), ts, tracker.horizon, tracker.keep_last
                    )
                for prop, skey in tracker.sum_props:
                    amount = amounts[prop] if prop in amounts else _parse(amounts, props, prop)
                    if amount is not None:
                        self.sums[skey] = self.sums.get(skey, _ZERO) + amount
                for prop, vkey, horizon in tracker.window_props:
                    amount = amounts[prop] if prop in amounts else _parse(amounts, props, prop)
                    if amount is not None:
                        self.value_windows[vkey] = _insert_values(
                            self.value_windows.get(vkey, ()), ts, amount, horizon
                        )

    def _remember(self, eid: str, ts: float) -> None:
        """Add ``eid`` to the id window, which stays ordered by ``(at, id)``, oldest first."""
        seen = self.seen
        limit = self.spec.id_window
        in_order = True
        if seen:
            last_id = next(reversed(seen))
            if (ts, eid) < (seen[last_id], last_id):
                in_order = False
                if len(seen) >= limit:
                    first_id = next(iter(seen))
                    if (ts, eid) < (seen[first_id], first_id):
                        return  # older than every id kept: it cannot be remembered
        seen[eid] = ts
        if not in_order:  # rare: a late event; restore the order
            seen = self.seen = dict(sorted(seen.items(), key=lambda kv: (kv[1], kv[0])))
        if len(seen) > limit:
            del seen[next(iter(seen))]

    def freeze(self, *, compact: bool = False) -> Facts:
        if compact:
            # after many front deletions the id window's table is mostly dummy slots,
            # which every later copy would carry; a batch rebuilds it once
            self.seen = dict(self.seen.items())
        return Facts(
            stats=self.stats,
            revenue=self.revenue,
            windows=self.windows,
            sums=self.sums,
            value_windows=self.value_windows,
            seen=self.seen,
        )


def _parse(
    amounts: dict[str, Decimal | None], props: Mapping[str, Any], prop: str
) -> Decimal | None:
    amount = amounts[prop] = parse_money(props.get(prop))
    return amount


def _copy(mapping: Mapping[str, _V]) -> dict[str, _V]:
    """A private copy. ``dict.copy`` clones the table (the id window's front deletions
    leave dummy slots that send ``dict(...)`` down its slow per-item path: 4x slower)."""
    return mapping.copy() if type(mapping) is dict else dict(mapping)


def _bump(stats: dict[str, EventStats], key: str, ts: float) -> None:
    old = stats.get(key)
    if old is None or old.count == 0:
        stats[key] = EventStats(1, ts, ts)
    else:
        first = old.first_at
        last = old.last_at
        stats[key] = EventStats(
            old.count + 1,
            ts if first is None or ts < first else first,
            ts if last is None or ts > last else last,
        )


def _insert_window(
    window: tuple[float, ...], ts: float, horizon: float, keep_last: int | None
) -> tuple[float, ...]:
    if not window or ts >= window[-1]:
        items = [*window, ts]
    else:
        items = list(window)
        bisect.insort(items, ts)
    cutoff = items[-1] - horizon
    start = bisect.bisect_left(items, cutoff)
    if keep_last is not None:
        start = max(start, len(items) - keep_last)
    return tuple(items[start:])


def _insert_values(
    window: tuple[tuple[float, Decimal], ...], ts: float, amount: Decimal, horizon: float
) -> tuple[tuple[float, Decimal], ...]:
    entry = (ts, amount)
    if not window or entry >= window[-1]:
        items = [*window, entry]
    else:
        items = list(window)
        bisect.insort(items, entry)
    cutoff = items[-1][0] - horizon
    start = bisect.bisect_left(items, (cutoff,))
    return tuple(items[start:])
