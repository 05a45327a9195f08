"""Properties of the engine over random customers, definitions and event streams.

Each runs at least 1,000 examples (the engine's promises are the product):

- a host that ticks only at ``wake_at`` sees exactly what a host ticking every 15 minutes
  sees, action for action and instant for instant;
- no marketing message goes without consent, inside quiet hours, or over a cap;
- the same inputs give the same decisions, and feeding an event twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from journeykit._time.lookback import look_back
from journeykit.conditions import EvalContext, count, since
from journeykit.engine import Cap, Decision, Engine, Policy, SendMessage
from journeykit.journeys import (
    Journey,
    branch,
    on_event,
    on_stage_entered,
    send,
    wait,
    wait_for,
)
from journeykit.models import Channel, Customer, Event
from journeykit.presets import lifecycle
from journeykit.templates import MessageTemplate, Templates
from journeykit.time import in_quiet_hours, zone

UTC = timezone.utc
START = datetime(2026, 3, 27, 6, 0, tzinfo=UTC)  # the weekend Europe's clocks go forward
SPAN = timedelta(days=3)
END = START + SPAN + timedelta(hours=12)
GRID = timedelta(minutes=15)
EXAMPLES = settings(max_examples=1000)

NAMES = ("welcome", "offer", "reminder", "receipt", "browse", "survey", "winback", "promo")
TEMPLATES = Templates(
    templates={n: {"default": MessageTemplate(subject=n, text=f"{n}!")} for n in NAMES}
)
JOURNEYS = (
    Journey(
        id="welcome",
        trigger=on_event("subscribed"),
        goal=on_event("order_placed"),
        steps=[
            send("welcome"),
            wait("1d"),
            branch(count("order_placed") == 0, then=[send("offer")]),
        ],
    ),
    Journey(
        id="cart",
        trigger=on_event("added_to_cart"),
        goal=on_event("order_placed"),
        group="abandon",
        priority=2,
        reentry="always",
        steps=[wait("1h"), send("reminder", channel="sms")],
    ),
    Journey(
        id="browse",
        trigger=on_event("product_viewed"),
        group="abandon",
        reentry="6h",
        steps=[wait(until="09:00"), send("browse")],
    ),
    Journey(
        id="receipt",
        trigger=on_event("order_placed"),
        reentry="always",
        steps=[
            send("receipt", transactional=True),
            wait_for("review_submitted", timeout="1d", on_timeout=[send("survey")]),
        ],
    ),
    Journey(
        id="winback",
        trigger=on_stage_entered("at_risk"),
        exit=since("message_opened") < "2h",
        steps=[wait("3h"), send("winback")],
    ),
    Journey(
        id="promo", trigger=on_event("message_opened"), reentry="always", steps=[send("promo")]
    ),
)
POLICIES = (
    Policy(),
    Policy(quiet_hours=("21:00", "08:00"), caps=[Cap(channel="email", limit=2, window="1d")]),
    Policy(
        quiet_hours=("22:30", "07:15"),
        quiet_channels=["sms"],
        caps=[
            Cap(channel="email", limit=1, window="12h"),
            Cap(channel="sms", limit=1, window="1d"),
        ],
        on_cap="defer",
    ),
)


@cache
def engine(policy: int) -> Engine:
    machine = lifecycle(
        at_risk_after="1d",
        lapsed_after="2d",
        churned_after="3d",
        sunset_after="2d",
        loyal_orders=3,
        loyal_window="2d",
        loyal_revenue=None,
    )
    return Engine(machine, JOURNEYS, TEMPLATES, POLICIES[policy])


ZONES = ("UTC", "Europe/Stockholm", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu")
KINDS = (
    "subscribed",
    "added_to_cart",
    "product_viewed",
    "order_placed",
    "review_submitted",
    "message_opened",
    "unsubscribed",
)
consents = st.sampled_from(["opted_in", "opted_out", "unknown"])


@dataclass(frozen=True)
class Story:
    policy: int
    customer: Customer
    events: tuple[Event, ...]


@st.composite
def stories(draw: st.DrawFn) -> Story:
    customer = Customer(
        id="c1",
        email=draw(st.sampled_from([None, "c1@example.com"])),
        phone=draw(st.sampled_from([None, "+46701234567"])),
        timezone=draw(st.sampled_from(ZONES)),
        created_at=START,
        consent={"email": draw(consents), "sms": draw(consents)},
        suppressed=draw(st.booleans().filter(lambda b: True)) and draw(st.integers(0, 9)) == 0,
    )
    offsets = draw(
        st.lists(st.integers(0, int(SPAN.total_seconds()) // 60), max_size=10).map(sorted)
    )
    events = []
    for n, minutes in enumerate(offsets):
        kind = draw(st.sampled_from(KINDS))
        props: dict[str, Any] = {}
        if kind == "order_placed":
            props = {"value": str(draw(st.integers(1, 500))), "currency": "SEK"}
        events.append(
            Event(
                id=f"e{n}",
                customer_id="c1",
                type=kind,
                at=START + timedelta(minutes=minutes, seconds=draw(st.integers(0, 59))),
                properties=props,
            )
        )
    return Story(draw(st.integers(0, len(POLICIES) - 1)), customer, tuple(events))


def wake_host(story: Story) -> list[Decision]:
    """A host that ticks only when the engine asks to be woken."""
    e = engine(story.policy)
    decisions = [e.tick(e.start(story.customer, START), START)]

    def tick_until(limit: datetime) -> None:
        while (wake := decisions[-1].wake_at) is not None and wake <= limit:
            decisions.append(e.tick(decisions[-1].state, wake))

    for event in story.events:
        tick_until(event.at)
        decisions.append(e.handle(decisions[-1].state, event))
    tick_until(END)
    decisions.append(e.tick(decisions[-1].state, END))
    return decisions


def grid_host(story: Story) -> list[Decision]:
    """A host that ticks every 15 minutes, whatever the engine says."""
    e = engine(story.policy)
    decisions = [e.tick(e.start(story.customer, START), START)]
    t = START
    for event in story.events:
        while t + GRID <= event.at:
            t += GRID
            decisions.append(e.tick(decisions[-1].state, t))
        decisions.append(e.handle(decisions[-1].state, event))
    while t + GRID <= END:
        t += GRID
        decisions.append(e.tick(decisions[-1].state, t))
    decisions.append(e.tick(decisions[-1].state, END))
    return decisions


def actions(decisions: list[Decision]) -> list[str]:
    return [a.model_dump_json() for d in decisions for a in d.actions]


def assert_settled(e: Engine, decision: Decision) -> None:
    """Nothing is left undone at the state's clock: no transition enabled, no run that
    should have ended or moved on, and the next wake-up lies ahead."""
    state = decision.state
    at = state.clock
    assert e.lifecycle is not None
    if state.pin is None:
        assert (
            e.lifecycle.evaluate(
                state.customer,
                state.facts,
                at,
                stage=state.stage,
                entered_at=state.stage_entered_at,
                tz=state.customer.timezone or "UTC",
            )
            == ()
        )
    ctx = EvalContext(
        state.customer,
        state.facts,
        at,
        stage=state.stage,
        stage_entered_at=state.stage_entered_at,
        tz=state.customer.timezone or "UTC",
    )
    for run in state.runs:
        journey = next(j for j in JOURNEYS if j.id == run.journey)
        assert run.due is None or run.due > at
        if journey.exit is not None:
            assert not journey.exit.evaluate(ctx)
    assert decision.wake_at is None or decision.wake_at > at


@EXAMPLES
@given(stories())
def test_ticking_only_at_wake_at_equals_ticking_every_15_minutes(story: Story) -> None:
    by_wake = wake_host(story)
    by_grid = grid_host(story)
    assert actions(by_wake) == actions(by_grid)
    assert by_wake[-1].state == by_grid[-1].state
    e = engine(story.policy)
    for decision in by_grid:  # every 15 minutes, nothing is left undone
        assert_settled(e, decision)


def marketing_sends(decisions: list[Decision]) -> list[SendMessage]:
    return [
        a
        for d in decisions
        for a in d.actions
        if isinstance(a, SendMessage) and not a.transactional
    ]


@EXAMPLES
@given(stories())
def test_no_marketing_message_without_consent_in_quiet_hours_or_over_a_cap(story: Story) -> None:
    decisions = wake_host(story)
    policy = POLICIES[story.policy]
    customer = story.customer
    tz = zone(customer.timezone or "UTC")
    sends = marketing_sends(decisions)
    for message in sends:
        assert not customer.suppressed
        assert customer.consent_for(message.channel).value == "opted_in"
        if policy.quiet_hours is not None and policy.quiet_on(message.channel):
            assert not in_quiet_hours(message.at, policy.quiet_hours, tz)
    for cap in policy.caps:
        on_channel = [m.at for m in sends if m.channel is Channel(cap.channel)]
        for at in on_channel:
            cutoff = look_back(at, at.timestamp(), tz, cap.window)
            assert (
                sum(cutoff <= other.timestamp() <= at.timestamp() for other in on_channel)
                <= cap.limit
            )


@EXAMPLES
@given(stories(), st.data())
def test_feeding_an_event_twice_changes_nothing(story: Story, data: st.DataObject) -> None:
    if not story.events:
        return
    e = engine(story.policy)
    state = e.tick(e.start(story.customer, START), START).state
    fed: list[Event] = []
    for event in story.events:
        state = e.handle(state, event).state
        fed.append(event)
        again = e.handle(state, data.draw(st.sampled_from(fed)))
        assert again.actions == ()
        assert again.state == state


@EXAMPLES
@given(stories())
def test_the_same_inputs_give_the_same_decisions(story: Story) -> None:
    one, two = wake_host(story), wake_host(story)
    assert [d.model_dump_json() for d in one] == [d.model_dump_json() for d in two]
