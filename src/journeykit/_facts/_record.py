"""The facts record: what journeykit knows about one customer, and how it reads aloud."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Annotated, Any, Final, NamedTuple

from babel.numbers import get_currency_precision
from pydantic import AfterValidator, BeforeValidator

from journeykit._base import FrozenDict, frozen_mapping
from journeykit._facts._keys import is_filtered
from journeykit._facts._windows import AmountWindow, CountWindow, exact_sum
from journeykit.events import ORDER_PLACED

__all__ = ["NO_MONEY", "NO_STATS", "EventStats", "Facts", "MoneyStats", "iso", "make_facts"]

_ZERO: Final = Decimal(0)


def iso(ts: float | None) -> str:
    if ts is None:
        return "None"
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


class EventStats(NamedTuple):
    """How many events of one kind a customer has, and when the first and last were.

    Times are POSIX seconds; ``None`` while ``count`` is 0. (A named tuple: the fold makes
    one or two per event.)
    """

    count: int = 0  # type: ignore[assignment]  # the field shadows tuple.count on purpose
    first_at: float | None = None
    last_at: float | None = None

    def __repr__(self) -> str:
        if not self.count:
            return "EventStats(count=0)"
        return (
            f"EventStats(count={self.count}, first_at={iso(self.first_at)}, "
            f"last_at={iso(self.last_at)})"
        )


NO_STATS: Final = EventStats()


class MoneyStats(NamedTuple):
    """Orders in one currency: how many had a value, their value, and the value refunded."""

    orders: int = 0
    ordered: Decimal = _ZERO
    refunded: Decimal = _ZERO

    @property
    def revenue(self) -> Decimal:
        """Orders minus refunds, never below zero (a refund of an order from before the
        history began can exceed what is known to have been ordered)."""
        net = exact_sum(self.ordered, -self.refunded)
        return net if net >= 0 else _ZERO


NO_MONEY: Final = MoneyStats()


@lru_cache(maxsize=512)
def _minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


_DIVIDE: Final = Context(prec=60)

_Frozen = AfterValidator(frozen_mapping)


def _whole_seconds(value: Any) -> Any:
    """Times in the id window are whole seconds; a state written before that (float
    times) loads with each time rounded down (JSON numbers also arrive as floats)."""
    if isinstance(value, Mapping):
        return {
            k: math.floor(v) if type(v) is float and math.isfinite(v) else v
            for k, v in value.items()
        }
    return value


def _id_window(seen: Mapping[str, int]) -> FrozenDict[str, int]:
    """The id window frozen, ordered by ``(second, id)`` as the fold keeps it (a stored one
    from before whole seconds may have two ids of one second the other way round)."""
    items = list(seen.items())
    if any((b[1], b[0]) < (a[1], a[0]) for a, b in pairwise(items)):
        items.sort(key=lambda kv: (kv[1], kv[0]))
        return FrozenDict(items)
    return frozen_mapping(seen)


@dataclass(frozen=True, repr=False)
class Facts:
    """What journeykit knows about one customer, folded from their events.

    Immutable all the way down (read-only mappings, tuples); build it with
    :meth:`FactsSpec.fold` / :meth:`FactsSpec.fold_all`. ``Facts`` round-trips through
    JSON with pydantic (``TypeAdapter(Facts)``), so a host can persist it inside the
    customer's state. ``clock`` is the latest ``now`` the facts were folded at (POSIX
    seconds); conditions are evaluated at that instant or later.
    """

    customer_id: str | None = None
    clock: float | None = None
    stats: Annotated[Mapping[str, EventStats], _Frozen] = field(default_factory=FrozenDict)
    money: Annotated[Mapping[str, MoneyStats], _Frozen] = field(default_factory=FrozenDict)
    windows: Annotated[Mapping[str, CountWindow], _Frozen] = field(default_factory=FrozenDict)
    sums: Annotated[Mapping[str, Decimal], _Frozen] = field(default_factory=FrozenDict)
    amount_windows: Annotated[Mapping[str, AmountWindow], _Frozen] = field(
        default_factory=FrozenDict
    )
    seen: Annotated[
        Mapping[str, int], BeforeValidator(_whole_seconds), AfterValidator(_id_window)
    ] = field(default_factory=FrozenDict)
    """Ids of the most recent events within the spec's ``dedupe_horizon`` of ``clock``,
    oldest first (by ``(second, id)``), with their times in whole POSIX seconds."""

    def count(self, event_type: str) -> int:
        """How many ``event_type`` events the customer has (0 if none)."""
        return self.stats.get(event_type, NO_STATS).count

    def first_at(self, event_type: str) -> datetime | None:
        """When the customer first did ``event_type`` (UTC), or None if never."""
        ts = self.stats.get(event_type, NO_STATS).first_at
        return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)

    def last_at(self, event_type: str) -> datetime | None:
        """When the customer last did ``event_type`` (UTC), or None if never."""
        ts = self.stats.get(event_type, NO_STATS).last_at
        return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)

    @property
    def order_count(self) -> int:
        """Number of ``order_placed`` events, in any currency or none (refunds do not
        reduce it)."""
        return self.count(ORDER_PLACED)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies the customer's orders and refunds were in, sorted."""
        return tuple(sorted(self.money))

    def orders_in(self, currency: str) -> int:
        """Number of orders with a value in ``currency``."""
        return self.money.get(currency, NO_MONEY).orders

    def revenue_in(self, currency: str) -> Decimal:
        """Net revenue in ``currency``: order values minus refunds, never below zero."""
        return self.money.get(currency, NO_MONEY).revenue

    def average_order_value_in(self, currency: str) -> Decimal | None:
        """Net revenue per order in ``currency``, rounded half-even to the currency's minor
        unit (``JPY`` has none, ``SEK`` two); ``None`` without an order in ``currency``."""
        stats = self.money.get(currency)
        if stats is None or not stats.orders:
            return None
        return _DIVIDE.divide(stats.revenue, Decimal(stats.orders)).quantize(
            _minor_unit(currency), rounding=ROUND_HALF_EVEN
        )

    @property
    def event_count(self) -> int:
        """Number of distinct events folded in, all types together."""
        return sum(s.count for k, s in self.stats.items() if not is_filtered(k))

    def __repr__(self) -> str:
        stats = ", ".join(f"{k!r}: {v!r}" for k, v in self.stats.items())
        money = ", ".join(
            f"{c!r}: {m.orders} orders, revenue {m.revenue}" for c, m in sorted(self.money.items())
        )
        windows = ", ".join(
            f"{k!r}: {len(w.times)} times + {len(w.buckets)} buckets"
            for k, w in self.windows.items()
        )
        amounts = ", ".join(
            f"{k!r}: {len(w.entries)} amounts + {len(w.buckets)} buckets"
            for k, w in self.amount_windows.items()
        )
        sums = ", ".join(f"{k!r}: {v}" for k, v in self.sums.items())
        return (
            f"Facts(customer_id={self.customer_id!r}, clock={iso(self.clock)}, "
            f"stats={{{stats}}}, money={{{money}}}, windows={{{windows}}}, "
            f"sums={{{sums}}}, amount_windows={{{amounts}}}, seen={len(self.seen)} ids)"
        )


_new = object.__new__
_set_attribute = object.__setattr__


def make_facts(fields: dict[str, Any]) -> Facts:
    """A :class:`Facts` from its eight fields, already checked and frozen: the fold makes
    one per event, and setting the instance's ``__dict__`` once costs half of what the
    dataclass constructor's eight frozen assignments do."""
    made: Facts = _new(Facts)
    _set_attribute(made, "__dict__", fields)
    return made
