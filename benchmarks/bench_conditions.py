"""Condition evaluation: evaluations per second, against hand-written checks on the same facts.

Facts are folded once for every CDNOW customer; then a lifecycle-sized set of conditions
is evaluated for every customer at one ``now``, the way a nightly job would. The floor
is a hand-written function computing the same booleans straight from the same facts.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timezone
from decimal import Decimal

from benchmarks._data import cdnow_events
from benchmarks._harness import measure_all, report
from journeykit.conditions import (
    EvalContext,
    attr,
    consented,
    count,
    fact,
    facts_spec,
    since,
    total,
)
from journeykit.facts import Facts
from journeykit.models import Customer

NOW = datetime(1998, 7, 1, tzinfo=timezone.utc)
CONDITIONS = [
    count("order_placed", within="365d") >= 4,
    (since("order_placed") > "90d") & (since("order_placed") <= "180d"),
    total("order_placed", currency="USD", within="365d") >= 200,
    (fact("order_count") >= 2) & consented("email"),
    attr("tier") == "gold",
]
DAY = 86400.0


def hand_written(customer: Customer, facts: Facts, now_ts: float) -> list[bool]:
    """The floor: the same five answers, written by hand against the same facts."""
    year_ago = now_ts - 365 * DAY
    orders = facts.stats.get("order_placed")
    last = orders.last_at if orders is not None else None
    window = facts.windows["order_placed"].times
    values = facts.amount_windows["order_placed/USD/value"].entries
    start = bisect.bisect_left(values, (year_ago,))
    return [
        len(window) - bisect.bisect_left(window, year_ago) >= 4,
        last is not None and last < now_ts - 90 * DAY and last >= now_ts - 180 * DAY,
        sum((v for _, v in values[start:]), Decimal(0)) >= 200,
        (orders.count if orders else 0) >= 2 and customer.consent_for("email") == "opted_in",
        customer.attributes.get("tier") == "gold",
    ]


def main() -> None:
    spec = facts_spec(CONDITIONS)
    people = []
    for i, (cid, events) in enumerate(cdnow_events().items()):
        customer = Customer(
            id=cid,
            created_at=events[0].at,
            timezone=("Europe/Stockholm", "America/New_York", "UTC")[i % 3],
            attributes={"tier": "gold" if i % 7 == 0 else "silver"},
            consent={"email": "opted_in" if i % 2 else "unknown"},
        )
        people.append((customer, spec.fold_all(events, now=NOW)))
    compiled = [c.compile() for c in CONDITIONS]
    now_ts = NOW.timestamp()
    n = len(people) * len(CONDITIONS)

    # the answers must agree before their speed is worth comparing
    for customer, facts in people:
        ctx = EvalContext(customer, facts, NOW)
        assert [fn(ctx) for fn in compiled] == hand_written(customer, facts, now_ts), customer.id

    def journeykit() -> None:
        for customer, facts in people:
            ctx = EvalContext(customer, facts, NOW)
            for fn in compiled:
                fn(ctx)

    def floor() -> None:
        for customer, facts in people:
            hand_written(customer, facts, now_ts)

    report(
        f"Conditions: {len(CONDITIONS)} conditions x {len(people):,} CDNOW customers",
        measure_all(
            [
                ("hand-written checks (floor)", floor),
                ("journeykit compiled conditions", journeykit),
            ],
            n,
            repeat=3,
        ),
        baseline="hand-written checks (floor)",
        unit="eval",
    )
