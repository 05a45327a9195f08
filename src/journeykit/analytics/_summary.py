"""Per-customer summaries in the conventions of customer-base analysis.

For each customer, from their purchase days up to an observation end (see
:mod:`._orders` for how orders become purchase days):

- ``frequency`` (x): the number of *repeat* purchase days, so a customer who bought on
  one day only has frequency 0;
- ``recency`` (t_x): time from the first purchase day to the last one;
- ``age`` (T): time from the first purchase day to the observation end;
- ``total_value``: every order's value added up (historic value, first order included);
- ``repeat_value``: the value of the repeat days only, whose average is the spend the
  Gamma-Gamma model reads (the first purchase is left out, as in Fader, Hardie & Lee
  2005, because it is often unlike the ones that follow).

Times are in the summary's unit: weeks (``"W"``, the default, as in the papers) or days
(``"D"``), computed exactly from whole days (a week is 7 days).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, NoReturn

from journeykit._errors import InvalidInputError
from journeykit.analytics._orders import (
    OrderLike,
    ZoneLike,
    local_day,
    read_orders,
    to_zone,
)
from journeykit.events import ORDER_PLACED, check_properties

__all__ = [
    "Unit",
    "UNIT_DAYS",
    "Progress",
    "CustomerSummary",
    "Summary",
    "summarize",
    "count_purchases",
    "check_unit",
]

Unit = Literal["D", "W"]
"""The time unit of a summary and of the models fitted to it: days or weeks."""

UNIT_DAYS: Mapping[str, int] = {"D": 1, "W": 7}

Progress = Callable[[int, int], None]
"""A progress callback: called with (customers done, customers in all)."""

PROGRESS_EVERY = 5000


def check_unit(unit: object) -> Unit:
    """``unit`` itself if it is ``"D"`` or ``"W"``; anything else is refused."""
    if unit == "D" or unit == "W":
        return unit
    raise InvalidInputError(f"unit must be 'W' (weeks) or 'D' (days) (got {unit!r})")


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """One customer's buying, summarised as the customer-base-analysis literature does.

    Times (``recency``, ``age``, ``since_last``) are in the summary's unit.
    """

    customer_id: str
    first_purchase: date
    last_purchase: date
    frequency: int
    """Repeat purchase days: days with an order, after the first one."""
    recency: float
    """From the first purchase day to the last (0 for a single purchase day)."""
    age: float
    """From the first purchase day to the observation end ("T" in the papers)."""
    orders: int
    """Orders counted (several on one day are one purchase day but several orders)."""
    total_value: Decimal
    """Historic value: every order's value added up, the first included."""
    repeat_value: Decimal
    """The value of the repeat purchase days only."""

    @property
    def purchases(self) -> int:
        """Purchase days, the first included (``frequency + 1``)."""
        return self.frequency + 1

    @property
    def since_last(self) -> float:
        """Time from the last purchase day to the observation end (RFM's recency)."""
        return self.age - self.recency

    @property
    def average_value(self) -> Decimal:
        """Historic value per purchase day."""
        return self.total_value / self.purchases

    @property
    def repeat_average_value(self) -> Decimal | None:
        """Average value of a repeat purchase day, or None without repeat purchases."""
        return None if self.frequency == 0 else self.repeat_value / self.frequency


@dataclass(frozen=True)
class Summary:
    """Every customer's :class:`CustomerSummary` at one observation end, in one currency.

    Iterating gives the customers in order of id; ``summary["c1"]`` finds one.
    ``excluded_orders`` counts the orders left out because they were in another
    currency than the one named with ``summarize(..., currency=...)``.
    """

    customers: tuple[CustomerSummary, ...]
    observation_end: date
    unit: Unit = "W"
    zone: str = "UTC"
    currency: str | None = None
    excluded_orders: int = 0
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update((c.customer_id, i) for i, c in enumerate(self.customers))

    def __len__(self) -> int:
        return len(self.customers)

    def __iter__(self) -> Iterator[CustomerSummary]:
        return iter(self.customers)

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._index

    def __getitem__(self, customer_id: str) -> CustomerSummary:
        try:
            return self.customers[self._index[customer_id]]
        except KeyError:
            raise KeyError(f"no customer {customer_id!r} in this summary") from None

    @property
    def unit_days(self) -> int:
        """Days in one unit of this summary's times (1 or 7)."""
        return UNIT_DAYS[self.unit]

    @property
    def total_value(self) -> Decimal:
        """All customers' historic value added up."""
        return sum((c.total_value for c in self.customers), Decimal(0))


def _check_currency(currency: str | None) -> None:
    if currency is None:
        return
    try:
        check_properties(ORDER_PLACED, {"currency": currency})
    except ValueError:
        raise InvalidInputError(
            f"currency must be an ISO 4217 code such as 'EUR' or None (got {currency!r})"
        ) from None


def summarize(
    orders: Iterable[OrderLike],
    observation_end: date | datetime,
    *,
    unit: Unit = "W",
    tz: ZoneLike = "UTC",
    currency: str | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Summarise many customers' orders at ``observation_end``: frequency, recency, age, value.

    ``orders`` are :class:`Order` tuples or ``order_placed`` events, in any order and for
    any number of customers. A purchase day is a calendar date in ``tz`` (default UTC):
    several orders on one local day are one purchase, their values summed; a ``date``
    is taken as local already. ``observation_end`` is the last day observed (its orders
    count); an order after it is refused, since it was not observed yet. Cost is linear
    in the number of orders.

    Currencies: the orders must share one currency, or ``currency`` names the one to
    keep (the others are counted in ``excluded_orders``). Values must be non-negative;
    zero is allowed (a free order still counts as a purchase).

    ``progress(done, total)`` is called as customers are summarised, for long runs.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import Order
    >>> orders = [
    ...     Order("ada", date(2026, 1, 5), Decimal("40.00"), "EUR"),
    ...     Order("ada", date(2026, 1, 5), Decimal("10.00"), "EUR"),  # same day: one purchase
    ...     Order("ada", date(2026, 1, 19), Decimal("30.00"), "EUR"),
    ...     Order("bo", date(2026, 1, 12), Decimal("25.00"), "EUR"),
    ... ]
    >>> summary = summarize(orders, date(2026, 2, 2))
    >>> ada = summary["ada"]
    >>> ada.frequency, ada.recency, ada.age, ada.total_value, ada.repeat_average_value
    (1, 2.0, 4.0, Decimal('80.00'), Decimal('30.00'))
    >>> summary["bo"].frequency, summary["bo"].age
    (0, 3.0)
    """
    unit = check_unit(unit)
    _check_currency(currency)
    zone = to_zone(tz)
    end = local_day(observation_end, zone, "observation_end")

    def late(customer_id: str, day: date, label: str) -> NoReturn:
        raise InvalidInputError(
            f"{label} (customer {customer_id!r}) falls on {day.isoformat()}, after "
            f"observation_end {end.isoformat()}: it was not observed yet. Pass only the "
            "orders up to observation_end (to compare a forecast with what came later, "
            "count those with count_purchases)"
        )

    table = read_orders(orders, zone, currency=currency, through=end, on_late=late)
    per_unit = UNIT_DAYS[unit]
    ids = sorted(table.days)
    total = len(ids)
    customers: list[CustomerSummary] = []
    append = customers.append
    for done, customer_id in enumerate(ids, start=1):
        days = table.days[customer_id]
        first = min(days)
        last = max(days)
        first_value = days[first]
        value = sum(days.values(), Decimal(0))
        append(
            CustomerSummary(
                customer_id=customer_id,
                first_purchase=first,
                last_purchase=last,
                frequency=len(days) - 1,
                recency=(last - first).days / per_unit,
                age=(end - first).days / per_unit,
                orders=table.orders[customer_id],
                total_value=value,
                repeat_value=value - first_value,
            )
        )
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    zone_name = getattr(zone, "key", None) or str(zone)
    return Summary(
        customers=tuple(customers),
        observation_end=end,
        unit=unit,
        zone=zone_name,
        currency=table.currency,
        excluded_orders=table.excluded_orders,
    )


def count_purchases(
    orders: Iterable[OrderLike],
    after: date | datetime,
    through: date | datetime,
    *,
    tz: ZoneLike = "UTC",
    currency: str | None = None,
) -> dict[str, int]:
    """Purchase days per customer with ``after < day <= through``: what actually happened.

    For checking a forecast against a holdout period: summarise the orders up to
    ``after``, predict, then count what customers did next. Days are local to ``tz``
    and several orders on one day count once, as in :func:`summarize`. Customers with no
    purchase day in the window are absent (read with ``.get(customer_id, 0)``).

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import Order
    >>> orders = [Order("ada", date(2026, 1, d), Decimal("5"), "EUR") for d in (5, 9, 9, 20)]
    >>> count_purchases(orders, date(2026, 1, 5), date(2026, 1, 31))
    {'ada': 2}
    """
    _check_currency(currency)
    zone = to_zone(tz)
    start = local_day(after, zone, "after")
    end = local_day(through, zone, "through")
    if end < start:
        raise InvalidInputError(
            f"through ({end.isoformat()}) must not be before after ({start.isoformat()})"
        )
    table = read_orders(orders, zone, currency=currency, through=end, after=start)
    return {customer_id: len(days) for customer_id, days in sorted(table.days.items())}
