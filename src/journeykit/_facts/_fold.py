"""Folding events into facts: one working copy per call, frozen at the end."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Final, TypeVar
from zoneinfo import ZoneInfo

from babel.numbers import is_currency

from journeykit._base import FrozenDict
from journeykit._errors import InvalidInputError, Problem, quote
from journeykit._facts._record import NO_MONEY, EventStats, Facts, MoneyStats, iso, make_facts
from journeykit._facts._windows import AmountWindow, CountWindow, exact_sum
from journeykit.events import ORDER_PLACED, ORDER_REFUNDED, parse_money
from journeykit.models import Event
from journeykit.time import require_aware

if TYPE_CHECKING:
    from journeykit._facts._spec import FactsSpec, Tracker

__all__ = ["Builder", "instant"]

_ZERO: Final = Decimal(0)
_V = TypeVar("_V")
_floor = math.floor


# The last instant read, with its POSIX time: a host folds and evaluates many times at one
# ``now``. One tuple, replaced whole (threads never see half of one); it holds the
# datetime itself, so its identity cannot pass to another object meanwhile.
_last_instant: tuple[object, float] = (None, 0.0)


def instant(value: object, field: str) -> float:
    """POSIX time of ``value``, an aware datetime; :class:`InvalidInputError` naming
    ``field`` otherwise. (The common kinds of zone are checked without a call.)"""
    global _last_instant
    last = _last_instant
    if value is last[0]:
        return last[1]
    if type(value) is datetime:
        zone = value.tzinfo
        if type(zone) is ZoneInfo or type(zone) is timezone:
            ts = value.timestamp()
            _last_instant = (value, ts)
            return ts
    if not isinstance(value, datetime):
        raise InvalidInputError(
            [Problem(field, f"must be a timezone-aware datetime (got {type(value).__name__})")]
        )
    try:
        return require_aware(value, field).timestamp()
    except InvalidInputError as err:
        raise InvalidInputError([Problem(field, str(err).removeprefix(f"{field} "))]) from None


# Working copies are FrozenDicts from the start, changed through dict's own methods while
# they are private to the builder, then handed out as they are: one copy per mapping per
# call, made with two C calls (FrozenDict's Python-level constructor is slower).
_new_mapping = dict.__new__
_fill = dict.update
_put = dict.__setitem__
_drop = dict.__delitem__
_make = tuple.__new__  # a named tuple from its fields, without its Python-level __new__


def _copy(mapping: Mapping[str, _V]) -> FrozenDict[str, _V]:
    """A private working copy, read-only to everyone but the builder (:data:`_put`)."""
    out: FrozenDict[str, _V] = _new_mapping(FrozenDict)
    _fill(out, mapping)
    return out


class Builder:
    """A working copy of one Facts, for folding; never escapes this package.

    ``stats`` and ``seen`` are copied at once (every event changes them); the other
    mappings are copied on their first change, each on its own (``own_*``), as most
    events touch no window, sum or money. Until then they are the input's read-only
    mappings and are never written to. The copies are the FrozenDicts the new facts
    hold: changed with :data:`_put` and :data:`_drop` only until :meth:`freeze`.
    """

    __slots__ = (
        "amount_windows",
        "batch",
        "by_type",
        "clock",
        "customer_id",
        "limit",
        "money",
        "own_amounts",
        "own_money",
        "own_sums",
        "own_windows",
        "seen",
        "seen_from",
        "spec",
        "stats",
        "sums",
        "windows",
    )

    def __init__(self, spec: FactsSpec, facts: Facts, now: datetime) -> None:
        now_ts = instant(now, "now")
        self.spec = spec
        self.by_type = spec._by_type
        self.customer_id = facts.customer_id
        old_clock = facts.clock
        clock = self.clock = now_ts if old_clock is None or now_ts > old_clock else old_clock
        self.limit = clock + spec._max_ahead_s
        self.stats = _copy(facts.stats)
        self.seen = _copy(facts.seen)  # ordered by (second, id), oldest first
        # read-only until owned (own_*)
        self.windows: FrozenDict[str, CountWindow] = facts.windows  # type: ignore[assignment]
        self.amount_windows: FrozenDict[str, AmountWindow] = facts.amount_windows  # type: ignore[assignment]
        self.sums: FrozenDict[str, Decimal] = facts.sums  # type: ignore[assignment]
        self.money: FrozenDict[str, MoneyStats] = facts.money  # type: ignore[assignment]
        self.own_windows = self.own_amounts = self.own_sums = self.own_money = False
        self.batch: set[str] | None = None  # every id of a fold_all, however old
        # ids dated in this second or later are remembered (see FactsSpec)
        self.seen_from = _floor(clock - spec._dedupe_s)
        if old_clock is None or clock > old_clock:
            self._sweep()

    def _sweep(self) -> None:
        """Drop what no window evaluated at or after the (new) clock can reach, and the ids
        dated before the dedupe horizon."""
        clock = self.clock
        spec = self.spec
        seen = self.seen
        if seen:
            start = self.seen_from
            first = next(iter(seen))
            while seen[first] < start:
                _drop(seen, first)
                if not seen:
                    break
                first = next(iter(seen))
        windows = self.windows
        for key, rule in spec._count_items:
            window = windows.get(key)
            # an empty window has nothing to drop; a kept one is checked at its oldest
            if window is not None and (window[0] or window[1]):
                trimmed = rule.trim_times(rule.adopt(window), rule.start(clock))
                if trimmed is not window:
                    if not self.own_windows:
                        windows = self.windows = _copy(windows)
                        self.own_windows = True
                    _put(windows, key, trimmed)
        for key, rule in spec._amount_items:
            amounts = self.amount_windows.get(key)
            if amounts is not None and (amounts[0] or amounts[1]):
                cut = rule.trim_amounts(rule.adopt(amounts), rule.start(clock))
                if cut is not amounts:
                    if not self.own_amounts:
                        self.amount_windows = _copy(self.amount_windows)
                        self.own_amounts = True
                    _put(self.amount_windows, key, cut)

    def add(self, event: Event) -> bool:
        """Fold ``event`` in; False if its id was seen (it is then ignored)."""
        if type(event) is not Event and not isinstance(event, Event):
            raise InvalidInputError(
                f"events must be journeykit.models.Event records (got {type(event).__name__})"
            )
        fields = event.__dict__  # a validated record's fields, read without descriptors
        customer = fields["customer_id"]
        if customer != self.customer_id:
            if self.customer_id is not None:
                raise InvalidInputError(
                    [
                        Problem(
                            "customer_id",
                            f"event {quote(event.id, 60)!r} belongs to customer "
                            f"{quote(customer, 60)!r}, but these facts belong to "
                            f"{quote(self.customer_id, 60)!r}; fold each customer's events "
                            "into their own facts",
                        )
                    ]
                )
            self.customer_id = customer
        eid = fields["id"]
        if eid in self.seen:
            return False
        batch = self.batch
        if batch is not None:
            if eid in batch:
                return False
            batch.add(eid)
        ts = fields["at"].timestamp()
        if ts > self.limit:
            raise InvalidInputError(
                [
                    Problem(
                        "at",
                        f"event {quote(eid, 60)!r} is dated {event.at.isoformat()}, more than "
                        f"{self.spec.max_ahead} after now ({iso(self.clock)}); fold it when it "
                        "is due (a date far ahead is usually a clock or time zone bug)",
                    )
                ]
            )
        etype = fields["type"]
        value: Decimal | None = None
        if etype == ORDER_PLACED or etype == ORDER_REFUNDED:  # noqa: SIM109  # faster than `in`
            props = fields["properties"]
            value = parse_money(props.get("value"))
            if value is not None:
                currency = props.get("currency")
                if not isinstance(currency, str):  # the event's own check requires it
                    raise InvalidInputError(
                        [Problem("properties.currency", f"{etype} with a value needs a currency")]
                    )
                money = self.money
                if not self.own_money:
                    money = self.money = _copy(money)
                    self.own_money = True
                old = money.get(currency, NO_MONEY)
                if etype == ORDER_PLACED:
                    made = _make(MoneyStats, (old[0] + 1, exact_sum(old[1], value), old[2]))
                else:
                    made = _make(MoneyStats, (old[0], old[1], exact_sum(old[2], value)))
                _put(money, currency, made)
        trackers = self.by_type.get(etype)
        if trackers:
            # may raise (an amount a total cannot sum): the working copy is then dropped,
            # so the caller's facts stay as they were
            self._add_tracked(event, ts, trackers, value)
        self._remember(eid, ts)
        _bump(self.stats, etype, ts)
        return True

    def _add_tracked(
        self, event: Event, ts: float, trackers: tuple[Tracker, ...], value: Decimal | None
    ) -> None:
        props = event.properties
        clock = self.clock
        parsed: dict[str, Decimal | None] | None = None  # other money properties, parsed once
        for tracker in trackers:
            key = tracker.key
            if tracker.where is not None:
                if not tracker.where(props):
                    continue
                _bump(self.stats, key, ts)
            rule = tracker.count
            if rule is not None:
                windows = self.windows
                if not self.own_windows:
                    windows = self.windows = _copy(windows)
                    self.own_windows = True
                window = windows.get(key)
                if window is None:
                    window = CountWindow(width=rule.width)
                elif window[2] != rule.width:
                    window = rule.adopt(window)
                last = rule._last  # the rule's start at this clock, if it has one
                start = last[1] if last[0] == clock else rule.start(clock)
                _put(windows, key, rule.add_time(window, ts, start))
            for prop, currency, akey, amount_rule, custom in tracker.amounts:
                raw = props.get(prop)
                if raw is None:
                    continue  # nothing to add
                if prop == "value" and value is not None:
                    amount: Decimal | None = value
                else:
                    if parsed is None:
                        parsed = {}
                    amount = parsed.get(prop) if prop in parsed else parse_money(raw)
                    parsed[prop] = amount
                tagged = props.get("currency")
                if (
                    amount is None
                    or tagged != currency
                    or (custom and currency is None and tagged is not None)
                ):
                    amount = _checked_amount(event, prop, currency, custom, raw, amount, tagged)
                    if amount is None:
                        continue  # in another currency: not part of this total
                if amount_rule is None:
                    sums = self.sums
                    if not self.own_sums:
                        sums = self.sums = _copy(sums)
                        self.own_sums = True
                    _put(sums, akey, exact_sum(sums.get(akey, _ZERO), amount))
                else:
                    held_windows = self.amount_windows
                    if not self.own_amounts:
                        held_windows = self.amount_windows = _copy(held_windows)
                        self.own_amounts = True
                    held = held_windows.get(akey)
                    if held is None:
                        held = AmountWindow(width=amount_rule.width)
                    elif held[2] != amount_rule.width:
                        held = amount_rule.adopt(held)
                    last = amount_rule._last
                    start = last[1] if last[0] == clock else amount_rule.start(clock)
                    _put(held_windows, akey, amount_rule.add_amount(held, ts, amount, start))

    def _remember(self, eid: str, ts: float) -> None:
        """Add ``eid`` to the id window, which stays ordered by ``(second, id)``, oldest
        first, and holds the ids dated within the dedupe horizon, at most ``id_window``."""
        second = _floor(ts)
        if second < self.seen_from:
            return  # dated before the horizon: it cannot be remembered
        seen = self.seen
        limit = self.spec.id_window
        if seen:
            last_id = next(reversed(seen))
            if (second, eid) < (seen[last_id], last_id):  # rare: a late event
                if len(seen) >= limit:
                    first_id = next(iter(seen))
                    if (second, eid) < (seen[first_id], first_id):
                        return  # older than every id kept: it cannot be remembered
                items = sorted([*seen.items(), (eid, second)], key=lambda kv: (kv[1], kv[0]))
                seen = self.seen = _copy(dict(items))
                if len(seen) > limit:
                    _drop(seen, next(iter(seen)))
                return
        _put(seen, eid, second)
        if len(seen) > limit:
            _drop(seen, next(iter(seen)))

    def freeze(self, *, compact: bool = False) -> Facts:
        if compact:
            # after many front deletions the id window's table is mostly dummy slots,
            # which every later copy would carry; a batch rebuilds it once
            self.seen = _copy(dict(self.seen.items()))
        return make_facts(
            {
                "customer_id": self.customer_id,
                "clock": self.clock,
                "stats": self.stats,
                "money": self.money,
                "windows": self.windows,
                "sums": self.sums,
                "amount_windows": self.amount_windows,
                "seen": self.seen,
            }
        )


def _checked_amount(
    event: Event,
    prop: str,
    currency: str | None,
    custom: bool,
    raw: object,
    amount: Decimal | None,
    tagged: object,
) -> Decimal | None:
    """The amount ``event`` adds to a total of ``prop`` in ``currency`` when it is not the
    plain case: None when it is in another currency, an error when it cannot be summed
    (see :func:`journeykit.conditions.total`)."""
    if amount is None:
        raise InvalidInputError(
            [
                Problem(
                    f"properties.{prop}",
                    f"event {quote(event.id, 60)!r} ({event.type}): a total() sums {prop}, so it "
                    "must be a decimal such as '12.50', below 10^15 with at most 6 decimal "
                    f"places (got {quote(repr(raw), 60)})",
                )
            ]
        )
    if currency is None:
        if custom and tagged is not None:
            raise InvalidInputError(
                [
                    Problem(
                        "properties.currency",
                        f"event {quote(event.id, 60)!r} ({event.type}) names the currency "
                        f"{quote(repr(tagged), 20)}, but a total() of its {prop} names none; "
                        f"journeykit never adds amounts across currencies: say "
                        f"total({event.type!r}, {prop!r}, currency=...)",
                    )
                ]
            )
        return amount
    if tagged == currency:
        return amount
    if not isinstance(tagged, str) or not is_currency(tagged):
        raise InvalidInputError(
            [
                Problem(
                    "properties.currency",
                    f"event {quote(event.id, 60)!r} ({event.type}): a total() of its {prop} in "
                    f"{currency} needs the amount's ISO 4217 currency code "
                    f"(got {quote(repr(tagged), 20)})",
                )
            ]
        )
    return None


def _bump(stats: FrozenDict[str, EventStats], key: str, ts: float) -> None:
    old = stats.get(key)
    if old is None or old[0] == 0:
        _put(stats, key, _make(EventStats, (1, ts, ts)))
    else:
        count, first, last = old
        _put(
            stats,
            key,
            _make(
                EventStats,
                (
                    count + 1,
                    ts if first is None or ts < first else first,
                    ts if last is None or ts > last else last,
                ),
            ),
        )
