"""Facts folding: events per second, against a hand-written fold doing the same work.

Data: every CDNOW purchase (69,659 orders, 23,570 customers, plus one sign-up each).
The facts keep what a lifecycle needs: per-type counts and first/last times, net revenue,
the id window for de-duplication, the last 5 order times within 365 days and the order
values within 365 days. The floor is a plain Python loop over mutable dicts that keeps
the same things, with no immutability, no validation and no generality.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from benchmarks._data import cdnow_events
from benchmarks._harness import measure_all, report
from journeykit.conditions import count, facts_spec, since, total
from journeykit.models import Event

CONDITIONS = [
    count("order_placed", within="365d") >= 4,
    since("order_placed") > "90d",
    total("order_placed", currency="USD", within="365d") >= 200,
]
YEAR = 366 * 86400 + 3600  # the horizon FactsSpec derives for "365d" (an upper bound)


def hand_written_fold(events: list[Event]) -> dict[str, object]:
    """The floor: the same facts, folded with mutable dicts and no generality."""
    seen: set[str] = set()
    stats: dict[str, list[float | int]] = {}
    revenue = Decimal(0)
    times: list[float] = []
    values: list[tuple[float, Decimal]] = []
    for event in events:
        if event.id in seen:
            continue
        seen.add(event.id)
        ts = event.at.timestamp()
        entry = stats.get(event.type)
        if entry is None:
            stats[event.type] = [1, ts, ts]
        else:
            entry[0] += 1
            entry[1] = min(entry[1], ts)
            entry[2] = max(entry[2], ts)
        if event.type == "order_placed":
            value = Decimal(str(event.properties.get("value", "0")))
            revenue += value
            times.append(ts)
            times = [t for t in times[-5:] if t >= ts - YEAR]
            values.append((ts, value))
            values = [v for v in values if v[0] >= ts - YEAR]
    return {"stats": stats, "revenue": revenue, "times": times, "values": values}


def main() -> None:
    customers = list(cdnow_events().values())
    n_events = sum(len(events) for events in customers)
    spec = facts_spec(CONDITIONS)
    now = datetime(1998, 7, 1, tzinfo=timezone.utc)  # after the last CDNOW purchase

    def journeykit_batch() -> None:
        for events in customers:
            spec.fold_all(events, now=now)

    def journeykit_incremental() -> None:
        for events in customers:
            facts = spec.empty()
            for event in events:
                facts = spec.fold(facts, event, now=now)

    def floor() -> None:
        for events in customers:
            hand_written_fold(events)

    timings = measure_all(
        [
            ("hand-written fold (floor)", floor),
            ("journeykit fold_all (batch)", journeykit_batch),
            ("journeykit fold (one event at a time)", journeykit_incremental),
        ],
        n_events,
        repeat=3,
    )
    report(
        f"Facts: {n_events:,} CDNOW events, {len(customers):,} customers",
        timings,
        baseline="hand-written fold (floor)",
        unit="event",
    )

    # Cost per event must not grow with history: fold one more event into facts built
    # from 10, 1,000 and 100,000 earlier orders, one every 3 days (so a longer history is
    # a longer one, not a denser one: the 365-day value window holds ~122 orders at most).
    start = datetime(1996, 1, 1, tzinfo=timezone.utc)

    step = timedelta(days=3)

    def history(n: int) -> list[Event]:
        return [
            Event(
                id=f"h{i}",
                customer_id="c",
                type="order_placed",
                at=start + i * step,
                properties={"value": "10.00", "currency": "USD"},
            )
            for i in range(n)
        ]

    runs = []
    for n in (10, 1_000, 100_000):
        facts = spec.fold_all(history(n), now=start + n * step)
        nxt = Event(
            id="next",
            customer_id="c",
            type="order_placed",
            at=start + n * step,
            properties={"value": "10.00", "currency": "USD"},
        )
        at = start + n * step
        runs.append(
            (
                f"fold 1 event after {n:,} events",
                lambda f=facts, e=nxt, t=at: spec.fold(f, e, now=t),
            )
        )
    report(
        "Cost per event as history grows",
        measure_all(runs, repeat=7),
        baseline="fold 1 event after 10 events",
        unit="event",
    )
