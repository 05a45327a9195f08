"""A short tour of journeykit: run ``python -m journeykit.demo``.

Three customers of a small shop live through a year and a half of events; the ready-made
lifecycle places them, and every stage change is printed with the reason in words. Like
any host, the demo owns the clock and the storage: journeykit only decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from journeykit.conditions import facts_spec
from journeykit.facts import Facts
from journeykit.models import Customer, Event
from journeykit.presets import lifecycle

DAY = timedelta(days=1)
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


Story = list[tuple[int, str, dict[str, object]]]


def _story() -> list[tuple[Customer, Story]]:
    def customer(cid: str, name: str, zone: str, consent: str) -> Customer:
        return Customer.model_validate(
            {
                "id": cid,
                "created_at": START,
                "timezone": zone,
                "attributes": {"first_name": name},
                "consent": {"email": consent},
            }
        )

    order: dict[str, object] = {"value": "45.00", "currency": "EUR"}
    ada: Story = [(0, "subscribed", {"channel": "email"})]
    ada += [(30 * m + 10, "order_placed", order) for m in range(5)]
    ada += [(140, "review_submitted", {"rating": 5})]
    return [
        (
            customer("ada", "Ada", "Europe/Stockholm", "opted_in"),
            ada,
        ),
        (
            customer("bob", "Bob", "America/New_York", "unknown"),
            [(3, "order_placed", order), (400, "order_placed", order)],
        ),
        (
            customer("cyd", "Cyd", "Asia/Kolkata", "opted_in"),
            [(1, "subscribed", {"channel": "email"}), (20, "message_opened", {})],
        ),
    ]


def main() -> None:
    machine = lifecycle()
    spec = facts_spec(machine.conditions())
    print("journeykit demo: the ready-made lifecycle over a year and a half\n")
    for customer, story in _story():
        print(f"{customer.attributes['first_name']} ({customer.timezone})")
        facts: Facts = spec.empty(customer.id)
        stage: str | None = None
        entered: datetime | None = None
        events = {day: (kind, props) for day, kind, props in story}
        for day in range(560):
            now = START + day * DAY
            if day in events:
                kind, props = events[day]
                event = Event.model_validate(
                    {
                        "id": f"{customer.id}-{day}",
                        "customer_id": customer.id,
                        "type": kind,
                        "at": now,
                        "properties": props,
                    }
                )
                facts = spec.fold(facts, event, now=now)
            # a host would call this once per event and once a night; the demo does both
            for change in machine.evaluate(customer, facts, now, stage=stage, entered_at=entered):
                stage, entered = change.to_stage, change.at
                print(
                    f"  day {day:3}: {change.from_stage or '-':>10} -> {change.to_stage:<11}"
                    f" because {change.reason}"
                )
        print()


if __name__ == "__main__":
    main()
