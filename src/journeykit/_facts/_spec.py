"""What facts to keep: the needs the definitions state, compiled for folding."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from journeykit._base import FrozenDict
from journeykit._errors import InvalidInputError, Problem
from journeykit._facts._fold import Builder
from journeykit._facts._keys import amount_key, fact_key
from journeykit._facts._record import NO_STATS, Facts, make_facts
from journeykit._facts._windows import AmountWindow, CountWindow, WindowRule
from journeykit.events import STANDARD_EVENT_TYPES, money_properties
from journeykit.models import Event

__all__ = [
    "DEFAULT_DEDUPE_HORIZON",
    "DEFAULT_ID_WINDOW",
    "DEFAULT_MAX_AHEAD",
    "FactNeed",
    "FactsSpec",
    "PropertyFilter",
    "Tracker",
]

_ZERO: Final = Decimal(0)
DEFAULT_ID_WINDOW: Final = 128
#: How long an event's id is remembered, measured from the event's time back from the
#: facts' clock: a week covers the retry schedules of common webhook and queue services.
DEFAULT_DEDUPE_HORIZON: Final = timedelta(days=7)
#: How far past ``now`` an event may be dated (clock skew between systems).
DEFAULT_MAX_AHEAD: Final = timedelta(hours=1)

PropertyFilter = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class FactNeed:
    """One thing a condition needs kept, in terms facts understand.

    Produced by :func:`journeykit.conditions.fact_needs`; hosts rarely build these.
    ``filter_form`` is the canonical form of the ``where=`` filter (its digest names the
    key) and ``where`` the filter itself; ``horizon`` is the longest window in seconds
    (an upper bound: calendar windows are measured generously), ``keep_last`` how many
    recent events a count needs, ``total_prop`` the property a ``total`` sums and
    ``currency`` the currency it sums (``None``: an amount that is not money).
    """

    event_type: str
    filter_form: str | None = None
    where: PropertyFilter | None = None
    horizon: float | None = None
    keep_last: int | None = None
    total_prop: str | None = None
    currency: str | None = None

    @property
    def key(self) -> str:
        """The key of the facts this need reads (see :func:`fact_key`)."""
        return fact_key(self.event_type, self.filter_form)


# (prop, currency, key in Facts.sums or Facts.amount_windows, window rule (None: a lifetime
# sum), whether the event type is a custom one)
_Amount = tuple[str, "str | None", str, "WindowRule | None", bool]


class Tracker:
    """The needs on one key, compiled: what to do when a matching event arrives."""

    __slots__ = ("amounts", "count", "key", "where")

    def __init__(
        self,
        key: str,
        where: PropertyFilter | None,
        count: WindowRule | None,
        amounts: tuple[_Amount, ...],
    ) -> None:
        self.key = key
        self.where = where
        self.count = count
        self.amounts = amounts


class FactsSpec:
    """What facts to keep, derived from the definitions that will read them.

    Build it once from every condition the engine will evaluate
    (:func:`journeykit.conditions.facts_spec`) and share it; it is immutable and holds
    compiled per-type lookups so folding an event touches only what that event type
    feeds. ``max_ahead`` is how far past ``now`` an event may be dated; a later one is
    refused (see :meth:`fold`).

    Repeated deliveries: the ids of the events dated within ``dedupe_horizon`` (default
    7 days) before the facts' clock are remembered, at most ``id_window`` (default 128)
    of them, the newest kept. An event delivered again is ignored while its id is
    remembered: always when it is dated within the horizon of the clock and fewer than
    ``id_window`` newer events came since. An event dated further back (a replay of old
    history) cannot be recognised by a later call and counts again: de-duplicate such
    replays upstream, or fold them in one :meth:`fold_all`.

    >>> from journeykit.conditions import count, facts_spec
    >>> spec = facts_spec([count("order_placed", within="30d") >= 2])
    >>> spec  # doctest: +NORMALIZE_WHITESPACE
    FactsSpec(order_placed: count window 30 days, 3:00:00 keeping 3,
              id_window=128, dedupe_horizon=7 days, 0:00:00, max_ahead=1:00:00)
    """

    __slots__ = (
        "_amount_items",
        "_amount_rules",
        "_by_type",
        "_count_items",
        "_count_rules",
        "_dedupe_s",
        "_empty",
        "_filtered_keys",
        "_max_ahead_s",
        "dedupe_horizon",
        "id_window",
        "max_ahead",
        "needs",
    )

    def __init__(
        self,
        needs: Iterable[FactNeed] = (),
        *,
        id_window: int = DEFAULT_ID_WINDOW,
        max_ahead: timedelta = DEFAULT_MAX_AHEAD,
        dedupe_horizon: timedelta = DEFAULT_DEDUPE_HORIZON,
    ) -> None:
        if isinstance(id_window, bool) or not isinstance(id_window, int) or id_window < 1:
            raise InvalidInputError(
                f"id_window must be a positive number of events (got {id_window!r})"
            )
        if not isinstance(dedupe_horizon, timedelta) or dedupe_horizon < timedelta(0):
            raise InvalidInputError(
                f"dedupe_horizon must be a timedelta of zero or more (got {dedupe_horizon!r})"
            )
        if not isinstance(max_ahead, timedelta) or max_ahead < timedelta(0):
            raise InvalidInputError(
                f"max_ahead must be a timedelta of zero or more (got {max_ahead!r})"
            )
        self.id_window = id_window
        self.dedupe_horizon = dedupe_horizon
        self._dedupe_s = dedupe_horizon.total_seconds()
        self.max_ahead = max_ahead
        self._max_ahead_s = max_ahead.total_seconds()
        self.needs = tuple(needs)
        grouped: dict[str, list[FactNeed]] = {}
        for need in self.needs:
            _check_need(need)
            grouped.setdefault(need.key, []).append(need)
        by_type: dict[str, list[Tracker]] = {}
        count_rules: dict[str, WindowRule] = {}
        amount_rules: dict[str, WindowRule] = {}
        filtered: list[str] = []
        windows: dict[str, CountWindow] = {}
        sums: dict[str, Decimal] = {}
        amount_windows: dict[str, AmountWindow] = {}
        for key, group in grouped.items():
            first = group[0]
            count_rule = None
            counted = [n for n in group if n.horizon is not None and n.total_prop is None]
            if counted:
                keeps = [n.keep_last for n in counted]
                keep = None if None in keeps else max(k for k in keeps if k is not None)
                horizon = max(n.horizon for n in counted if n.horizon is not None)
                count_rule = count_rules[key] = WindowRule(horizon, keep)
                windows[key] = CountWindow(width=count_rule.width)
            # (prop, currency) -> the horizons of the totals over it (None: lifetime)
            totals: dict[tuple[str, str | None], list[float | None]] = {}
            for n in group:
                if n.total_prop is not None:
                    totals.setdefault((n.total_prop, n.currency), []).append(n.horizon)
            custom = first.event_type not in STANDARD_EVENT_TYPES
            amounts: list[_Amount] = []
            for (prop, currency), horizons in sorted(totals.items(), key=lambda kv: repr(kv[0])):
                akey = amount_key(key, prop, currency)
                if None in horizons:
                    sums[akey] = _ZERO
                    amounts.append((prop, currency, akey, None, custom))
                windowed = [h for h in horizons if h is not None]
                if windowed:
                    rule = amount_rules[akey] = WindowRule(max(windowed))
                    amount_windows[akey] = AmountWindow(width=rule.width)
                    amounts.append((prop, currency, akey, rule, custom))
            by_type.setdefault(first.event_type, []).append(
                Tracker(key, first.where, count_rule, tuple(amounts))
            )
            if first.where is not None:
                filtered.append(key)
        self._by_type = {t: tuple(ts) for t, ts in by_type.items()}
        self._count_rules = count_rules
        self._amount_rules = amount_rules
        self._count_items = tuple(count_rules.items())
        self._amount_items = tuple(amount_rules.items())
        self._filtered_keys = tuple(filtered)
        self._empty = Facts(
            stats=FrozenDict(dict.fromkeys(filtered, NO_STATS)),
            windows=FrozenDict(windows),
            sums=FrozenDict(sums),
            amount_windows=FrozenDict(amount_windows),
        )

    def __repr__(self) -> str:
        parts: list[str] = []
        for trackers in self._by_type.values():
            for t in trackers:
                if t.count is not None:
                    keep = "all" if t.count.keep is None else t.count.keep
                    span = timedelta(seconds=t.count.horizon)
                    parts.append(f"{t.key}: count window {span} keeping {keep}")
                elif t.where is not None:
                    parts.append(f"{t.key}: filtered stats")
                for _, _, akey, rule, _ in t.amounts:
                    kind = "lifetime" if rule is None else f"{timedelta(seconds=rule.horizon)}"
                    parts.append(f"{akey}: {kind} sum")
        body = "; ".join(parts)
        return (
            f"FactsSpec({body}{', ' if body else ''}id_window={self.id_window}, "
            f"dedupe_horizon={self.dedupe_horizon}, max_ahead={self.max_ahead})"
        )

    def empty(self, customer_id: str | None = None) -> Facts:
        """Facts for a customer with no events yet. Without ``customer_id`` they belong
        to the customer of the first event folded in."""
        if customer_id is None:
            return self._empty
        if not isinstance(customer_id, str) or not customer_id.strip():
            raise InvalidInputError(
                [Problem("customer_id", f"must be a customer id (got {customer_id!r:.60})")]
            )
        return Facts(
            customer_id=customer_id,
            stats=self._empty.stats,
            windows=self._empty.windows,
            sums=self._empty.sums,
            amount_windows=self._empty.amount_windows,
        )

    def covers(self, facts: Facts) -> bool:
        """Whether ``facts`` keep everything this spec needs (False after a definition change
        added a window or filter: :meth:`upgrade` adds them, counting from now on)."""
        empty = self._empty
        return (
            all(k in facts.stats for k in self._filtered_keys)
            and all(k in facts.windows for k in empty.windows)
            and all(k in facts.sums for k in empty.sums)
            and all(k in facts.amount_windows for k in empty.amount_windows)
        )

    def upgrade(self, facts: Facts) -> Facts:
        """``facts`` with everything this spec keeps that they lack, empty: after a
        definition change added a window, a filter or a total, the new ones count from
        now on (events folded before are not in them). Facts that :meth:`covers` already
        are returned as they are; what they keep beyond this spec is kept.

        >>> from datetime import datetime, timezone
        >>> from journeykit.conditions import count, facts_spec
        >>> from journeykit.models import Event
        >>> now = datetime(2026, 5, 4, tzinfo=timezone.utc)
        >>> old = FactsSpec().fold_all(
        ...     [Event(id="o1", customer_id="c1", type="order_placed", at=now)], now=now)
        >>> new = facts_spec([count("order_placed", within="30d") >= 2])
        >>> new.covers(old), new.covers(new.upgrade(old))
        (False, True)
        >>> new.upgrade(old).count("order_placed"), new.upgrade(old).windows["order_placed"].times
        (1, ())
        """
        facts = _facts(facts)
        if self.covers(facts):
            return facts
        empty = self._empty
        return make_facts(
            {
                "customer_id": facts.customer_id,
                "clock": facts.clock,
                "stats": FrozenDict({**empty.stats, **facts.stats}),
                "money": facts.money,
                "windows": FrozenDict({**empty.windows, **facts.windows}),
                "sums": FrozenDict({**empty.sums, **facts.sums}),
                "amount_windows": FrozenDict({**empty.amount_windows, **facts.amount_windows}),
                "seen": facts.seen,
            }
        )

    def fold(self, facts: Facts, event: Event, *, now: datetime) -> Facts:
        """``facts`` with ``event`` added, as of ``now`` (the host's clock).

        Returns ``facts`` itself (the clock unmoved) if the event id was already seen. Refuses, with
        :class:`~journeykit.errors.InvalidInputError` and ``facts`` untouched: another
        customer's event, an event dated more than ``max_ahead`` past ``now`` (hold it
        and fold it when it is due: a date far ahead is usually a bug, and windows
        would otherwise count it for as long as it stays in the future), and an amount
        a ``total()`` cannot sum (see :func:`journeykit.conditions.total`).
        """
        builder = Builder(self, _facts(facts), now)
        if not builder.add(event):
            return facts
        return builder.freeze()

    def fold_all(
        self, events: Iterable[Event], facts: Facts | None = None, *, now: datetime
    ) -> Facts:
        """Fold many events of one customer at once (faster than one :meth:`fold` each);
        the same refusals, and a mix of customers is refused too. Within one call every
        repeated id is recognised, however old (a backfill with duplicate rows)."""
        builder = Builder(self, self._empty if facts is None else _facts(facts), now)
        builder.batch = set()
        for event in events:
            builder.add(event)
        return builder.freeze(compact=True)


def _check_need(need: object) -> None:
    if not isinstance(need, FactNeed):
        raise InvalidInputError(f"FactsSpec needs FactNeed values (got {type(need).__name__})")
    if (
        need.total_prop in money_properties(need.event_type)
        and need.currency is None
        and need.event_type in STANDARD_EVENT_TYPES
    ):
        raise InvalidInputError(
            f"a total of {need.event_type}'s {need.total_prop} is money and must name its currency"
        )


def _facts(facts: object) -> Facts:
    if not isinstance(facts, Facts):
        raise InvalidInputError(
            f"facts must be a Facts value (got {type(facts).__name__}); start a new "
            "customer from spec.empty()"
        )
    return facts
