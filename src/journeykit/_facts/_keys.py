"""The key format of persisted facts: its one home.

A customer's :class:`~journeykit.facts.Facts` are stored by the host for years, keyed by
what the definitions read. A key must therefore be stable (a change re-keys every stored
customer, so a golden-file test pins this format), short whatever the definition says,
and free of any one model's serialisation:

- ``"order_placed"``: an event type, for ``stats`` and unfiltered ``windows``;
- ``"order_placed?<32 hex digits>"``: the same, filtered by a ``where=`` condition; the
  digits are the BLAKE2b-128 digest of the filter's canonical form. That form is written
  by :mod:`journeykit.conditions` (versioned, and independent of the filter models'
  defaults), so a 10,000-item filter is a 45-character key and a filter model gaining a
  defaulted field keys nothing anew;
- ``"<key>/<currency>/<property>"``: a ``total()``'s ``sums`` and ``amount_windows``, with
  ``"-"`` for no currency, e.g. ``"order_placed/SEK/value"``. The property comes last,
  so any property name keeps keys distinct (event types, digests and currency codes
  hold no ``/``);
- ``money`` is keyed by ISO 4217 currency code.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Final

__all__ = ["amount_key", "fact_key", "is_filtered"]

_FILTER_DIGEST_BYTES: Final = 16


def fact_key(event_type: str, filter_form: str | None = None) -> str:
    """The key an event type's facts are kept under, filtered by a ``where=`` condition
    given by its canonical form (see the module notes).

    >>> fact_key("order_placed")
    'order_placed'
    >>> fact_key("order_placed", '["where",1,["prop","channel","==","app"]]')
    'order_placed?eb7462b3da8527917e0a353187bd29e7'
    """
    if filter_form is None:
        return event_type
    digest = blake2b(filter_form.encode("utf-8"), digest_size=_FILTER_DIGEST_BYTES).hexdigest()
    return f"{event_type}?{digest}"


def amount_key(key: str, prop: str, currency: str | None) -> str:
    """The key a ``total()`` over ``prop`` of ``key``'s events in ``currency`` is kept under.

    >>> amount_key("order_placed", "value", "SEK"), amount_key("gift_card_bought", "amount", None)
    ('order_placed/SEK/value', 'gift_card_bought/-/amount')
    """
    return f"{key}/{currency or '-'}/{prop}"


def is_filtered(key: str) -> bool:
    """Whether ``key`` is an event type filtered by a ``where=`` condition."""
    return "?" in key
