"""Reading orders for value analytics: one purchase day per customer and local date.

Theory of operation
-------------------
Orders come in as journeykit :class:`~journeykit.models.Event` values of type
``order_placed`` or as light :class:`Order` tuples. Every one is checked (customer id,
an aware instant or a date, a non-negative finite value, an ISO 4217 currency) and
reduced to ``(customer, local day, value, currency)``. The day is the calendar date in
the zone the caller names, so an order at 23:30 in Stockholm belongs to that Stockholm
day whatever the offset of its timestamp. Several orders on one day are one purchase
period with their values summed: that is the convention of the customer-base-analysis
literature (Fader, Hardie & Lee 2005), and what makes the summaries below invariant
under splitting or merging one day's orders.

Money is never summed across currencies without a rule the caller states (DESIGN.md
principle 5): a population whose orders mix currencies is refused, naming a customer and
the currencies, unless ``currency=`` names the one currency to keep; the orders in other
currencies are then left out and counted, never dropped unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from journeykit._errors import InvalidInputError
from journeykit.events import ORDER_PLACED, check_properties, parse_money
from journeykit.models import Event

__all__ = ["Order", "OrderLike", "ZoneLike", "DayTable", "read_orders", "local_day", "to_zone"]

ZoneLike = str | tzinfo
"""An IANA zone name such as ``"Europe/Stockholm"``, or a ``tzinfo``."""


class Order(NamedTuple):
    """One order, for value analytics in bulk: who, when, how much, in which currency.

    ``at`` is a timezone-aware ``datetime`` or a calendar ``date`` (already local to the
    shop); ``value`` a non-negative :class:`~decimal.Decimal`; ``currency`` an ISO 4217
    code. A plain tuple, so building many is cheap; it is checked when it is summarised.

    >>> from datetime import date
    >>> Order("c1", date(2026, 3, 2), Decimal("499.00"), "SEK")
    Order(customer_id='c1', at=datetime.date(2026, 3, 2), value=Decimal('499.00'), currency='SEK')
    """

    customer_id: str
    at: date | datetime
    value: Decimal
    currency: str


OrderLike = Order | Event
"""What the analytics functions accept as an order: an :class:`Order` or an
``order_placed`` :class:`~journeykit.models.Event` with ``value`` and ``currency``."""


def to_zone(tz: ZoneLike) -> tzinfo:
    """The ``tzinfo`` for an IANA name (or the ``tzinfo`` itself); a bad name is refused."""
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise InvalidInputError(
        f"tz must be an IANA time zone name such as 'Europe/Stockholm' or a tzinfo (got {tz!r})"
    )


def local_day(at: object, zone: tzinfo, field_name: str) -> date:
    """The calendar date of ``at`` in ``zone``; a date is taken as already local."""
    if isinstance(at, datetime):
        if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
            raise InvalidInputError(
                f"{field_name} must be timezone-aware or a date (got naive {at.isoformat()}); "
                "attach a zone, e.g. datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo('UTC'))"
            )
        return at.astimezone(zone).date()
    if isinstance(at, date):
        return at
    raise InvalidInputError(
        f"{field_name} must be a timezone-aware datetime or a date (got {at!r})"
    )


@dataclass
class DayTable:
    """Orders reduced to purchase days: customer -> local day -> summed value."""

    days: dict[str, dict[date, Decimal]] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    currency: str | None = None
    excluded_orders: int = 0


def _label(order: object) -> str:
    """How an order is named in an error message."""
    if isinstance(order, Event):
        return f"event {order.id!r}"
    return f"order {order!r}"


def _order_fields(order: object) -> tuple[str, object, Decimal, str]:
    """``(customer_id, at, value, currency)`` of one order, checked for shape."""
    if isinstance(order, Event):
        if order.type != ORDER_PLACED:
            raise InvalidInputError(
                f"{_label(order)} has type {order.type!r}; value analytics reads orders "
                "only: pass order_placed events, e.g. [e for e in events if e.type == "
                "'order_placed']"
            )
        value = parse_money(order.properties.get("value"))
        if value is None:
            raise InvalidInputError(
                f"{_label(order)} (order_placed) needs a 'value' property such as '12.50' "
                f"(got {order.properties.get('value')!r})"
            )
        currency = order.properties.get("currency")
        # Event refuses an order_placed whose value names no currency
        assert isinstance(currency, str), "a validated order_placed with a value has a currency"
        return order.customer_id, order.at, value, currency
    try:
        customer_id, at, amount, code = cast("tuple[object, object, object, object]", order)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"an order must be an Order(customer_id, at, value, currency) or an "
            f"order_placed Event (got {order!r})"
        ) from None
    if not isinstance(customer_id, str):
        raise InvalidInputError(
            f"{_label(order)}: customer_id must be a non-empty string (got {customer_id!r})"
        )
    if isinstance(amount, int) and not isinstance(amount, bool):
        amount = Decimal(amount)
    elif not isinstance(amount, Decimal):
        raise InvalidInputError(
            f"{_label(order)}: value must be a Decimal such as Decimal('12.50') (got "
            f"{type(amount).__name__} {amount!r}); a float would round money"
        )
    if not isinstance(code, str):
        raise InvalidInputError(
            f"{_label(order)}: currency must be an ISO 4217 code such as 'EUR' (got {code!r})"
        )
    return customer_id, at, amount, code


def _mixed(table_currency: str, holder: str, customer_id: str, code: str) -> InvalidInputError:
    who = (
        f"customer {customer_id!r} has orders in {table_currency} and {code}"
        if holder == customer_id
        else f"customer {holder!r} has {table_currency} and customer {customer_id!r} has {code}"
    )
    return InvalidInputError(
        f"orders mix currencies: {who}; journeykit never adds money across currencies: "
        f"pass currency={table_currency!r} (or {code!r}) to analyse the orders in that "
        "currency only"
    )


def read_orders(
    orders: Iterable[OrderLike],
    zone: tzinfo,
    *,
    currency: str | None,
    through: date | None = None,
    after: date | None = None,
    on_late: Callable[[str, date, str], None] | None = None,
) -> DayTable:
    """Reduce orders to purchase days, checking each and applying the currency rule.

    ``after``/``through`` bound the local days kept (``after < day <= through``). An
    order past ``through`` goes to ``on_late(customer_id, day, label)`` (which raises);
    without ``on_late`` it is simply outside the window being counted.
    """
    table = DayTable(currency=currency)
    days = table.days
    counts = table.orders
    zero = Decimal(0)
    checked_currencies: set[str] = set()
    holder = ""  # the first customer whose orders set table.currency
    seen_events: dict[str, Event] = {}
    at: object
    for order in orders:
        if isinstance(order, Event):
            earlier = seen_events.get(order.id)
            if earlier is not None:
                if earlier == order:
                    continue  # a repeated delivery, ignored as the engine ignores it
                raise InvalidInputError(
                    f"event id {order.id!r} is used by two different events; ids must be "
                    "unique (a repeated delivery of one event is ignored)"
                )
            seen_events[order.id] = order
        if type(order) is Order:
            customer_id, at, value, code = order
            if type(customer_id) is not str or type(value) is not Decimal or type(code) is not str:
                customer_id, at, value, code = _order_fields(order)  # converts or refuses
        else:
            customer_id, at, value, code = _order_fields(order)
        if not customer_id or customer_id.isspace():
            raise InvalidInputError(
                f"{_label(order)}: customer_id must be a non-empty string (got {customer_id!r})"
            )
        if not value.is_finite() or value < zero:
            raise InvalidInputError(
                f"{_label(order)}: value must be a non-negative amount such as '12.50' (got "
                f"{value!r}); record a refund as its own event, not as a negative order"
            )
        if code not in checked_currencies:
            try:
                check_properties(ORDER_PLACED, {"currency": code})
            except ValueError:
                raise InvalidInputError(
                    f"{_label(order)}: currency must be an ISO 4217 code such as 'EUR' "
                    f"(got {code!r})"
                ) from None
            checked_currencies.add(code)
        # the common cases first, without building an error label; local_day has the rules
        # and the messages for everything else
        if type(at) is date:
            day = at
        elif isinstance(at, datetime) and at.utcoffset() is not None:
            day = at.astimezone(zone).date()
        else:
            day = local_day(at, zone, f"{_label(order)}: at")
        if code != table.currency:
            if currency is not None:
                table.excluded_orders += 1
                continue
            if table.currency is not None:
                raise _mixed(table.currency, holder, customer_id, code)
            table.currency = code
            holder = customer_id
        if after is not None and day <= after:
            continue
        if through is not None and day > through:
            if on_late is not None:
                on_late(customer_id, day, _label(order))
            continue
        per_day = days.get(customer_id)
        if per_day is None:
            per_day = days[customer_id] = {}
            counts[customer_id] = 0
        per_day[day] = per_day.get(day, zero) + value
        counts[customer_id] += 1
    return table
