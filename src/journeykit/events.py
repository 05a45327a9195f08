"""The standard event types, their documented properties and how they read aloud.

Hosts may send any snake_case event type; the ones named here have a documented meaning
that presets and journeys rely on, and their properties are checked when present:

=================  ============================================================
type               properties (all optional; others may be added freely)
=================  ============================================================
signed_up          ``source``
subscribed         ``channel`` (email, sms, push, in_app), ``source``
unsubscribed       ``channel``, ``reason``
product_viewed     ``product_id``, ``name``, ``price``, ``currency``, ``url``
added_to_cart      ``product_id``, ``name``, ``quantity``, ``price``, ``currency``,
                   ``items`` (the whole cart after the addition)
checkout_started   ``cart_id``, ``value``, ``currency``, ``items``
order_placed       ``order_id``, ``value``, ``currency``, ``items``
order_refunded     ``order_id``, ``value``, ``currency``
message_opened     ``message_id``, ``journey``, ``step``, ``channel``
message_clicked    ``message_id``, ``journey``, ``step``, ``channel``, ``url``
review_submitted   ``product_id``, ``rating`` (1-5)
referral_made      ``referred_customer_id``
back_in_stock      ``product_id``, ``name``, ``url``
feedback_submitted ``score`` (0-10), ``kind`` (``nps`` or ``csat``), ``comment``
=================  ============================================================

Money values (``value``, ``price``) are non-negative decimals, given as JSON numbers or,
better, strings (``"499.00"``) so no binary rounding creeps in, or as ``Decimal``. They are
exact, so they are bounded: below 10^15 and with at most 6 decimal places (money sums stay
exact far beyond any shop's history). ``currency`` is an ISO 4217 code. ``items`` is a list
of objects with ``product_id``, ``name``, ``quantity``, ``price``.

>>> check_properties("order_placed", {"value": "12.50", "currency": "EUR"})
>>> check_properties("order_placed", {"value": "-3", "currency": "EUR"})
Traceback (most recent call last):
  ...
journeykit.errors.InvalidInputError: properties.value: order_placed's value must be a \
non-negative decimal such as '12.50' (got '-3')
>>> check_properties("wishlist_shared", {"anything": [1, 2]})  # not standard: free properties
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from babel.numbers import is_currency

from journeykit._errors import InvalidInputError, Problem, quote

__all__ = [
    "SIGNED_UP",
    "SUBSCRIBED",
    "UNSUBSCRIBED",
    "PRODUCT_VIEWED",
    "ADDED_TO_CART",
    "CHECKOUT_STARTED",
    "ORDER_PLACED",
    "ORDER_REFUNDED",
    "MESSAGE_OPENED",
    "MESSAGE_CLICKED",
    "REVIEW_SUBMITTED",
    "REFERRAL_MADE",
    "BACK_IN_STOCK",
    "FEEDBACK_SUBMITTED",
    "STANDARD_EVENT_TYPES",
    "check_properties",
    "noun",
    "money_properties",
    "parse_money",
    "MAX_MONEY",
    "MONEY_PLACES",
]

SIGNED_UP: Final = "signed_up"
SUBSCRIBED: Final = "subscribed"
UNSUBSCRIBED: Final = "unsubscribed"
PRODUCT_VIEWED: Final = "product_viewed"
ADDED_TO_CART: Final = "added_to_cart"
CHECKOUT_STARTED: Final = "checkout_started"
ORDER_PLACED: Final = "order_placed"
ORDER_REFUNDED: Final = "order_refunded"
MESSAGE_OPENED: Final = "message_opened"
MESSAGE_CLICKED: Final = "message_clicked"
REVIEW_SUBMITTED: Final = "review_submitted"
REFERRAL_MADE: Final = "referral_made"
BACK_IN_STOCK: Final = "back_in_stock"
FEEDBACK_SUBMITTED: Final = "feedback_submitted"

_MONEY = "money"
_CURRENCY = "currency"
_TEXT = "text"
_CHANNEL = "channel"
_COUNT = "count"
_RATING = "rating"
_ITEMS = "items"
_SCORE = "score"
_FEEDBACK_KIND = "feedback_kind"

# property name -> kind, per standard type. The kinds are checked by _CHECKS below.
_SPECS: Final[Mapping[str, Mapping[str, str]]] = {
    SIGNED_UP: {"source": _TEXT},
    SUBSCRIBED: {"channel": _CHANNEL, "source": _TEXT},
    UNSUBSCRIBED: {"channel": _CHANNEL, "reason": _TEXT},
    PRODUCT_VIEWED: {
        "product_id": _TEXT,
        "name": _TEXT,
        "price": _MONEY,
        "currency": _CURRENCY,
        "url": _TEXT,
    },
    ADDED_TO_CART: {
        "product_id": _TEXT,
        "name": _TEXT,
        "quantity": _COUNT,
        "price": _MONEY,
        "currency": _CURRENCY,
        "items": _ITEMS,
    },
    CHECKOUT_STARTED: {"cart_id": _TEXT, "value": _MONEY, "currency": _CURRENCY, "items": _ITEMS},
    ORDER_PLACED: {"order_id": _TEXT, "value": _MONEY, "currency": _CURRENCY, "items": _ITEMS},
    ORDER_REFUNDED: {"order_id": _TEXT, "value": _MONEY, "currency": _CURRENCY},
    MESSAGE_OPENED: {"message_id": _TEXT, "journey": _TEXT, "step": _TEXT, "channel": _CHANNEL},
    MESSAGE_CLICKED: {
        "message_id": _TEXT,
        "journey": _TEXT,
        "step": _TEXT,
        "channel": _CHANNEL,
        "url": _TEXT,
    },
    REVIEW_SUBMITTED: {"product_id": _TEXT, "rating": _RATING},
    REFERRAL_MADE: {"referred_customer_id": _TEXT},
    BACK_IN_STOCK: {"product_id": _TEXT, "name": _TEXT, "url": _TEXT},
    FEEDBACK_SUBMITTED: {"score": _SCORE, "kind": _FEEDBACK_KIND, "comment": _TEXT},
}

STANDARD_EVENT_TYPES: Final[frozenset[str]] = frozenset(_SPECS)
"""The event types journeykit documents; any other snake_case type is allowed too."""

_ITEM_SPEC: Final[Mapping[str, str]] = {
    "product_id": _TEXT,
    "sku": _TEXT,
    "name": _TEXT,
    "quantity": _COUNT,
    "price": _MONEY,
}

_CHANNELS: Final = ("email", "sms", "push", "in_app")
# events whose value the facts add up: an amount without its currency cannot be summed
_MONEY_NEEDS_CURRENCY: Final = frozenset({ORDER_PLACED, ORDER_REFUNDED, CHECKOUT_STARTED})


#: Money amounts must be smaller than this in absolute value.
_MAX_MONEY_DIGITS: Final = 15
MAX_MONEY: Final = Decimal(10) ** _MAX_MONEY_DIGITS
#: ... and have at most this many decimal places.
MONEY_PLACES: Final = 6


# at most 15 digits before the point and MONEY_PLACES after it: exactly in range
_PLAIN_MONEY: Final = re.compile(
    rf"-?[0-9]{{1,{_MAX_MONEY_DIGITS}}}(?:\.[0-9]{{1,{MONEY_PLACES}}})?"
)


def parse_money(value: object) -> Decimal | None:
    """Read a money amount given as a JSON number, decimal string or ``Decimal``; None if
    it is not one, or is outside the exact range (see :data:`MAX_MONEY`, :data:`MONEY_PLACES`).

    >>> parse_money("499.00"), parse_money(12), parse_money("twelve"), parse_money(True)
    (Decimal('499.00'), Decimal('12'), None, None)
    >>> parse_money("1e400"), parse_money("0.0000001")
    (None, None)
    """
    if type(value) is str and _PLAIN_MONEY.fullmatch(value) is not None:
        return Decimal(value)  # in range by its shape (the common case, checked fast)
    return _parse_any_money(value)


def _parse_any_money(value: object) -> Decimal | None:
    """:func:`parse_money` for every kind of value (the general rule)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    # compared without arithmetic, which could itself overflow the decimal context
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or not -MONEY_PLACES <= exponent < _MAX_MONEY_DIGITS:
        return None
    if amount and amount.adjusted() >= _MAX_MONEY_DIGITS:
        return None
    return amount


def money_properties(event_type: str) -> frozenset[str]:
    """The properties of a standard event type that hold money (empty for other types).

    Conditions that sum one of these must name the currency they sum.

    >>> sorted(money_properties("order_placed")), money_properties("wishlist_shared")
    (['value'], frozenset())
    """
    spec = _SPECS.get(event_type, {})
    return frozenset(name for name, kind in spec.items() if kind == _MONEY)


def _problem(kind: str, value: object) -> str | None:
    """What is wrong with ``value`` for a property of ``kind``, or None if it is fine."""
    if kind == _MONEY:
        amount = parse_money(value)
        if amount is None or amount < 0:
            return (
                "must be a non-negative decimal such as '12.50', below 10^15 with at most "
                f"{MONEY_PLACES} decimal places"
                if amount is None
                else "must be a non-negative decimal such as '12.50'"
            )
    elif kind == _CURRENCY:
        if not isinstance(value, str) or not is_currency(value):
            return "must be an ISO 4217 currency code such as 'EUR' or 'SEK'"
    elif kind == _TEXT:
        if not isinstance(value, str):
            return "must be a string"
    elif kind == _CHANNEL:
        if value not in _CHANNELS:
            return f"must be one of {', '.join(_CHANNELS)}"
    elif kind == _COUNT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return "must be a non-negative whole number"
    elif kind == _RATING:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 5:
            return "must be a number from 1 to 5"
    elif kind == _SCORE:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
            return "must be a whole number from 0 to 10"
    elif kind == _FEEDBACK_KIND:
        if value not in ("nps", "csat"):
            return "must be 'nps' or 'csat'"
    elif kind == _ITEMS and not isinstance(value, (list, tuple)):
        return "must be a list of objects with product_id, name, quantity, price"
    return None


def check_properties(event_type: str, properties: Mapping[str, Any]) -> None:
    """Check a standard event's documented properties; other types and properties pass.

    Raises :class:`~journeykit.errors.InvalidInputError` listing every bad property with
    its path (``properties.value``, ``properties.items[2].price``), what it must be and
    what it got. :class:`journeykit.models.Event` calls this when it is built.
    """
    spec = _SPECS.get(event_type)
    if spec is None:
        return
    problems: list[Problem] = []
    for name, kind in spec.items():
        value = properties.get(name)
        if value is None:
            continue
        message = _problem(kind, value)
        if message is not None:
            problems.append(_bad(event_type, name, message, value))
        elif kind == _ITEMS:
            problems.extend(_item_problems(event_type, value))
    if (
        event_type in _MONEY_NEEDS_CURRENCY
        and properties.get("value") is not None
        and properties.get("currency") is None
    ):
        problems.append(
            Problem(
                "properties.currency",
                f"{event_type} with a value must name its currency (an ISO 4217 code such as "
                "'EUR'): journeykit never adds amounts in different currencies",
            )
        )
    if problems:
        raise InvalidInputError(problems)


def _bad(event_type: str, name: str, message: str, value: object) -> Problem:
    return Problem(
        f"properties.{name}", f"{event_type}'s {name} {message} (got {quote(repr(value), 60)})"
    )


def _item_problems(event_type: str, items: Sequence[Any]) -> Iterator[Problem]:
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            yield _bad(
                event_type,
                f"items[{index}]",
                "must be an object with product_id, name, quantity, price",
                item,
            )
            continue
        for name, kind in _ITEM_SPEC.items():
            if item.get(name) is not None:
                message = _problem(kind, item[name])
                if message is not None:
                    yield _bad(event_type, f"items[{index}].{name}", message, item[name])


# how each standard type reads in a sentence: (one, many)
_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    SIGNED_UP: ("sign-up", "sign-ups"),
    SUBSCRIBED: ("subscription", "subscriptions"),
    UNSUBSCRIBED: ("unsubscription", "unsubscriptions"),
    PRODUCT_VIEWED: ("product view", "product views"),
    ADDED_TO_CART: ("cart addition", "cart additions"),
    CHECKOUT_STARTED: ("checkout started", "checkouts started"),
    ORDER_PLACED: ("order", "orders"),
    ORDER_REFUNDED: ("refund", "refunds"),
    MESSAGE_OPENED: ("message open", "message opens"),
    MESSAGE_CLICKED: ("message click", "message clicks"),
    REVIEW_SUBMITTED: ("review", "reviews"),
    REFERRAL_MADE: ("referral", "referrals"),
    BACK_IN_STOCK: ("back-in-stock event", "back-in-stock events"),
    FEEDBACK_SUBMITTED: ("feedback answer", "feedback answers"),
}


def noun(event_type: str, *, plural: bool = True) -> str:
    """How an event type reads in a sentence, for conditions' readable text.

    >>> noun("order_placed"), noun("order_placed", plural=False), noun("wishlist_shared")
    ('orders', 'order', "'wishlist_shared' events")
    """
    words = _WORDS.get(event_type)
    if words is not None:
        return words[plural]
    return f"{event_type!r} event{'s' if plural else ''}"
