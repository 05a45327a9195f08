"""The demo's customers: the real CDNOW shoppers, or generated ones.

CDNOW was an American shop: customers live in ``America/New_York``, orders are placed at
noon local time (a minute apart when a customer ordered several times on one day), in
US dollars. The data has no e-mail consent, so two customers in three are taken to have
opted in, chosen by their id (the same customers every run).

Generated customers (``--synthetic N``) browse, fill carts, subscribe and order, so the
journeys the purchase history cannot show (welcome, browse and cart abandonment) run
too. They come from a seeded generator per customer: the same N customers every run, in
any number of worker processes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from journeykit.datasets import Purchase, load_cdnow
from journeykit.demo._replay import Story
from journeykit.models import Customer, Event

__all__ = ["CDNOW_END", "CDNOW_START", "cdnow_stories", "synthetic_stories"]

ZONE = ZoneInfo("America/New_York")
CDNOW_START = datetime(1997, 1, 1, tzinfo=ZONE)
CDNOW_END = datetime(1998, 6, 30, 23, 59, 59, 999999, tzinfo=ZONE)  # the data's last day
NOON = time(12, 0)


def _opted_in(customer_id: str) -> bool:
    return int(customer_id) % 3 != 0


def _customer(customer_id: str, created: datetime, *, opted_in: bool) -> Customer:
    return Customer(
        id=customer_id,
        email=f"customer{customer_id}@example.com",
        timezone="America/New_York",
        locale="en-US",
        created_at=created,
        consent={"email": "opted_in" if opted_in else "unknown"},
    )


def cdnow_stories(rows: tuple[Purchase, ...] | None = None) -> list[Story]:
    """Every CDNOW customer with their orders, in the file's order."""
    stories: list[Story] = []
    for customer_id, purchases in groupby(rows or load_cdnow(), key=lambda r: r.customer_id):
        events: list[Event] = []
        per_day: dict[date, int] = {}
        for n, row in enumerate(purchases):
            k = per_day[row.date] = per_day.get(row.date, -1) + 1
            at = datetime.combine(row.date, NOON, ZONE) + timedelta(minutes=k)
            events.append(
                Event(
                    id=f"{customer_id}-{n}",
                    customer_id=customer_id,
                    type="order_placed",
                    at=at,
                    properties={
                        "order_id": f"{customer_id}-{n}",
                        "value": str(row.value),
                        "currency": "USD",
                        "items": [{"quantity": row.cds}],
                    },
                )
            )
        created = events[0].at - timedelta(hours=1)
        stories.append(
            Story(_customer(customer_id, created, opted_in=_opted_in(customer_id)), tuple(events))
        )
    return stories


SYNTHETIC_START = datetime(2026, 1, 5, 9, 0, tzinfo=ZONE)
SYNTHETIC_END = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=ZONE)
_PRODUCTS = [(f"p{n}", f"Product {n}", Decimal(5 + 7 * n) + Decimal("0.99")) for n in range(40)]


def synthetic_stories(first: int, count: int) -> Iterator[Story]:
    """Customers ``first`` to ``first + count - 1`` of the generated population."""
    for index in range(first, first + count):
        yield _synthetic(index)


def _synthetic(index: int) -> Story:
    rng = random.Random(index)  # io-ok: the demo's generated shoppers, seeded per customer
    cid = f"s{index:07d}"
    created = SYNTHETIC_START + timedelta(minutes=rng.randrange(60 * 24 * 200))
    customer = _customer(cid, created, opted_in=rng.random() < 0.6)
    events: list[Event] = []
    at = created
    n = 0

    def add(kind: str, when: datetime, **properties: Any) -> None:
        nonlocal n
        events.append(
            Event(id=f"{cid}-{n}", customer_id=cid, type=kind, at=when, properties=properties)
        )
        n += 1

    if customer.consent_for("email").value == "opted_in":
        add("subscribed", at + timedelta(minutes=1), channel="email")
    appetite = rng.random()
    while True:
        at += timedelta(hours=rng.expovariate(1 / (24 * 20)))
        if at >= SYNTHETIC_END:
            break
        product_id, name, price = rng.choice(_PRODUCTS)
        add(
            "product_viewed", at, product_id=product_id, name=name, price=str(price), currency="USD"
        )
        if rng.random() < 0.4:
            at += timedelta(minutes=rng.randrange(1, 20))
            cart = [{"product_id": product_id, "name": name, "quantity": 1, "price": str(price)}]
            add(
                "added_to_cart",
                at,
                product_id=product_id,
                name=name,
                price=str(price),
                currency="USD",
                items=cart,
            )
            if rng.random() < appetite:
                at += timedelta(minutes=rng.randrange(5, 180))
                add(
                    "order_placed",
                    at,
                    order_id=f"{cid}-o{n}",
                    value=str(price),
                    currency="USD",
                    items=cart,
                )
        if rng.random() < 0.1:
            add("message_opened", at + timedelta(hours=2))
    events.sort(key=lambda e: e.at)
    return Story(customer, tuple(events))
