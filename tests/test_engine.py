"""The engine, told as a marketer would tell it, plus the host's contract (bad input,
idempotency, versions, pins, explanations)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from journeykit.conditions import attr, consented, in_stage
from journeykit.engine import (
    Cap,
    CustomerState,
    Decision,
    DefinitionSet,
    Engine,
    JourneyExited,
    MessageSuppressed,
    Policy,
    SendMessage,
)
from journeykit.errors import DefinitionError, InvalidInputError, UsageError
from journeykit.journeys import (
    Journey,
    branch,
    on_date,
    on_event,
    on_stage_entered,
    send,
    split,
    update,
    wait,
    wait_for,
)
from journeykit.models import Customer, Event
from journeykit.presets import lifecycle
from journeykit.templates import MessageTemplate, Templates
from journeykit.testing import Simulator

UTC = timezone.utc
STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAMES = ("welcome", "offer", "reminder", "receipt", "nudge", "survey", "birthday", "promo")
TEMPLATES = Templates(
    templates={
        name: {
            "default": MessageTemplate(
                subject=f"{name} for {{{{ customer.first_name }}}}", text=f"{name} text"
            )
        }
        for name in NAMES
    }
)


def customer(**fields: Any) -> Customer:
    data: dict[str, Any] = {
        "id": "ada",
        "email": "ada@example.com",
        "phone": "+46701234567",
        "timezone": "Europe/Stockholm",
        "created_at": START,
        "consent": {"email": "opted_in"},
        "attributes": {"first_name": "Ada"},
    }
    data.update(fields)
    return Customer.model_validate(data)


WELCOME = Journey(
    id="welcome",
    trigger=on_event("subscribed"),
    goal=on_event("order_placed"),
    steps=[send("welcome"), wait("3d"), send("offer")],
)
CART = Journey(
    id="cart",
    trigger=on_event("added_to_cart"),
    goal=on_event("order_placed"),
    group="abandonment",
    priority=10,
    steps=[wait("1h"), send("reminder")],
)
RECEIPT = Journey(
    id="receipt",
    trigger=on_event("order_placed"),
    reentry="always",
    steps=[send("receipt", transactional=True)],
)


def engine(*journeys: Journey, policy: Policy | None = None, with_lifecycle: bool = True) -> Engine:
    return Engine(
        lifecycle() if with_lifecycle else None,
        journeys or (WELCOME, CART, RECEIPT),
        TEMPLATES,
        policy,
    )


def order(sim: Simulator, value: str = "20.00") -> None:
    sim.event("order_placed", value=value, currency="SEK", order_id=f"o{len(sim.actions)}")


# --- scenarios ----------------------------------------------------------------------


def test_a_new_subscriber_gets_a_welcome_now_and_an_offer_three_days_later() -> None:
    sim = Simulator(engine(), customer())
    sim.event("subscribed")
    assert [(m.template, m.at) for m in sim.sent] == [("welcome", START)]
    sim.advance("3d")
    assert [m.template for m in sim.sent] == ["welcome", "offer"]
    assert sim.sent[1].at == datetime(2026, 3, 5, 10, 0, tzinfo=STOCKHOLM)


def test_a_subscriber_who_orders_gets_no_offer() -> None:
    sim = Simulator(engine(), customer())
    sim.event("subscribed")
    sim.advance("1d")
    order(sim)
    sim.advance("5d")
    assert [m.template for m in sim.sent] == ["welcome", "receipt"]
    exits = [a for a in sim.actions if isinstance(a, JourneyExited) and a.journey == "welcome"]
    assert [e.reason for e in exits] == ["converted"]


def test_a_cart_reminder_goes_after_an_hour_and_none_after_an_order() -> None:
    sim = Simulator(engine(), customer())
    sim.event("added_to_cart", product_id="mug")
    sim.advance("59m")
    assert sim.sent == []
    sim.advance("1m")
    assert [m.template for m in sim.sent] == ["reminder"]

    buyer = Simulator(engine(), customer())
    buyer.event("added_to_cart", product_id="mug")
    buyer.advance("30m")
    order(buyer)
    buyer.advance("1d")
    assert [m.template for m in buyer.sent] == ["receipt"]


def test_an_unsubscribed_customer_gets_only_transactional_mail() -> None:
    sim = Simulator(engine(), customer(consent={"email": "opted_out"}))
    sim.event("subscribed")
    sim.event("added_to_cart")
    sim.advance("2h")
    order(sim)
    sim.advance("5d")
    assert [m.template for m in sim.sent] == ["receipt"]
    reasons = {(s.template, s.reason) for s in sim.suppressed}
    assert reasons == {("welcome", "no_consent"), ("reminder", "no_consent")}


def test_quiet_hours_push_a_night_send_to_eight_in_the_morning_across_dst() -> None:
    # 23:00 local on the Saturday the clocks go forward in Stockholm
    night = datetime(2026, 3, 28, 23, 0, tzinfo=STOCKHOLM)
    quiet = Policy(quiet_hours=("21:00", "08:00"))
    sim = Simulator(engine(WELCOME, policy=quiet), customer(created_at=night), start=night)
    sim.event("subscribed")
    assert sim.sent == []
    sim.advance("12h")
    [welcome] = sim.sent
    assert welcome.at == datetime(2026, 3, 29, 8, 0, tzinfo=STOCKHOLM)
    assert welcome.at.astimezone(UTC).hour == 6  # summer time began overnight


def test_quiet_hours_never_hold_back_a_transactional_message() -> None:
    night = datetime(2026, 5, 4, 23, 30, tzinfo=STOCKHOLM)
    sim = Simulator(
        engine(RECEIPT, policy=Policy(quiet_hours=("21:00", "08:00"))),
        customer(created_at=night),
        start=night,
    )
    order(sim)
    assert [m.at for m in sim.sent] == [night]


PROMO = Journey(
    id="promo",
    trigger=on_event("product_viewed"),
    reentry="always",
    steps=[send("promo")],
)


@pytest.mark.parametrize("on_cap", ["skip", "defer"])
def test_a_capped_send_is_skipped_or_deferred_as_the_policy_says(on_cap: str) -> None:
    policy = Policy(caps=[Cap(channel="email", limit=1, window="1d")], on_cap=on_cap)  # type: ignore[arg-type]
    sim = Simulator(engine(PROMO, policy=policy, with_lifecycle=False), customer())
    sim.event("product_viewed")
    sim.advance("2h")
    sim.event("product_viewed")
    if on_cap == "skip":
        assert len(sim.sent) == 1
        assert [s.reason for s in sim.suppressed] == ["frequency_cap"]
        sim.advance("2d")
        assert len(sim.sent) == 1
    else:
        assert len(sim.sent) == 1
        assert sim.suppressed == []
        sim.advance("2d")
        assert [m.at for m in sim.sent] == [START, START + timedelta(days=1, microseconds=1)]


def test_a_suppressed_customer_gets_nothing_not_even_a_receipt() -> None:
    sim = Simulator(engine(), customer(suppressed=True))
    order(sim)
    assert sim.sent == []
    assert [s.reason for s in sim.suppressed] == ["suppressed"]


def test_a_customer_without_a_phone_gets_no_sms() -> None:
    sms = Journey(id="sms", trigger=on_event("signed_up"), steps=[send("nudge", channel="sms")])
    sim = Simulator(engine(sms), customer(phone=None, consent={"sms": "opted_in"}))
    sim.event("signed_up")
    assert [s.reason for s in sim.suppressed] == ["no_address"]


def test_the_holdout_group_gets_no_messages_but_still_converts() -> None:
    held = WELCOME.model_copy(update={"holdout": 0.5})
    engine_ = engine(held, RECEIPT)
    outcomes = []
    for n in range(40):
        sim = Simulator(engine_, customer(id=f"c{n}"))
        sim.event("subscribed")
        order(sim)
        record = sim.state.journeys["welcome"]
        outcomes.append((record.held_out, record.converted, record.held_out_converted))
        entered = next(a for a in sim.actions if getattr(a, "journey", None) == "welcome")
        if entered.held_out:  # type: ignore[union-attr]
            assert [s.reason for s in sim.suppressed] == ["holdout"]
            assert [m.template for m in sim.sent] == ["receipt"]
    held_count = sum(h for h, _, _ in outcomes)
    assert 10 <= held_count <= 30  # a stable hash, roughly half
    assert all(converted == 1 for _, converted, _ in outcomes)
    assert sum(hc for _, _, hc in outcomes) == held_count


def test_journeys_in_one_group_exclude_each_other_and_priority_wins() -> None:
    browse = Journey(
        id="browse",
        trigger=on_event("product_viewed"),
        group="abandonment",
        priority=1,
        steps=[wait("2h"), send("nudge")],
    )
    both = Journey(
        id="cart_too",
        trigger=on_event("product_viewed"),
        group="abandonment",
        priority=5,
        steps=[send("reminder")],
    )
    sim = Simulator(engine(browse, both, CART), customer())
    sim.event("product_viewed")
    skipped = [a for a in sim.actions if a.type == "journey_skipped"]
    assert [(s.journey, "'cart_too' (priority 5) won" in s.detail) for s in skipped] == [
        ("browse", True)
    ]
    sim.event("added_to_cart")  # cart_too is done already; the group is free again
    assert [a.journey for a in sim.actions if a.type == "journey_entered"] == ["cart_too", "cart"]


def test_reentry_once_always_and_after_a_cooldown() -> None:
    for reentry, expected in (("once", 1), ("always", 3), ("2d", 2)):
        journey = PROMO.model_copy(update={"reentry": reentry})
        sim = Simulator(engine(journey, with_lifecycle=False), customer())
        for _ in range(3):
            sim.event("product_viewed")
            sim.advance("1d")
        assert len(sim.sent) == expected, reentry


def test_wait_for_an_event_or_time_out() -> None:
    survey = Journey(
        id="survey",
        trigger=on_event("order_placed"),
        steps=[
            wait_for("review_submitted", timeout="7d", on_timeout=[send("nudge")]),
            send("survey"),
        ],
    )
    quiet = Simulator(engine(survey), customer())
    order(quiet)
    quiet.advance("8d")
    assert [m.template for m in quiet.sent] == ["nudge", "survey"]
    reviewer = Simulator(engine(survey), customer())
    order(reviewer)
    reviewer.advance("2d")
    reviewer.event("review_submitted", rating=5)
    assert [m.template for m in reviewer.sent] == ["survey"]


def test_branch_split_and_update() -> None:
    journey = Journey(
        id="vip",
        trigger=on_event("signed_up"),
        steps=[
            branch(attr("vip") == True, then=[send("promo")], otherwise=[send("nudge")]),  # noqa: E712
            split({"a": (1, [update(attributes={"cohort": "a"})]), "b": (1, [])}),
        ],
    )
    vip = Simulator(engine(journey), customer(attributes={"vip": True}))
    vip.event("signed_up")
    assert [m.template for m in vip.sent] == ["promo"]
    sides = set()
    for n in range(20):
        sim = Simulator(engine(journey), customer(id=f"c{n}"))
        sim.event("signed_up")
        updated = [a for a in sim.actions if a.type == "update_customer"]
        sides.add(bool(updated))
        assert (sim.customer.attributes.get("cohort") == "a") == bool(updated)
        again = Simulator(engine(journey), customer(id=f"c{n}"))
        again.event("signed_up")
        assert again.customer.attributes == sim.customer.attributes  # a stable choice
    assert sides == {True, False}


def test_a_stage_trigger_and_an_update_that_changes_the_stage() -> None:
    sunset = Journey(
        id="sunset",
        trigger=on_stage_entered("subscriber"),
        steps=[wait("1d"), update(consent={"email": "opted_out"})],
    )
    sim = Simulator(engine(sunset), customer())
    assert sim.stage == "subscriber"
    sim.advance("2d")
    assert sim.customer.consent_for("email").value == "opted_out"
    assert sim.stage == "prospect"  # the update moved the stage at once


def test_a_birthday_greeting_at_nine_local_time_every_year() -> None:
    birthday = Journey(
        id="birthday",
        trigger=on_date("attributes.birthday"),
        reentry="always",
        steps=[send("birthday")],
    )
    sim = Simulator(
        engine(birthday), customer(attributes={"birthday": "1996-02-29", "first_name": "Ada"})
    )
    sim.advance(datetime(2028, 3, 1, tzinfo=UTC))
    assert [m.at for m in sim.sent] == [
        datetime(2027, 2, 28, 9, 0, tzinfo=STOCKHOLM),
        datetime(2028, 2, 29, 9, 0, tzinfo=STOCKHOLM),
    ]


def test_time_alone_moves_a_customer_to_at_risk_at_the_exact_instant() -> None:
    sim = Simulator(engine(), customer())
    order(sim)
    wake = sim.engine.wake_at(sim.state)
    assert wake is not None
    assert wake.astimezone(STOCKHOLM) == datetime(2026, 5, 31, 10, 0, 0, 1, tzinfo=STOCKHOLM)
    sim.advance("100d")
    changes = [(a.to_stage, a.at) for a in sim.actions if a.type == "stage_changed"]
    assert changes[-1] == ("at_risk", wake)


# --- the host's contract --------------------------------------------------------------


def fresh() -> tuple[Engine, CustomerState]:
    e = engine()
    return e, e.start(customer(), START)


def event(kind: str = "signed_up", **fields: Any) -> Event:
    data: dict[str, Any] = {"id": "e1", "customer_id": "ada", "type": kind, "at": START}
    data.update(fields)
    return Event.model_validate(data)


def test_a_repeated_event_changes_nothing() -> None:
    e, state = fresh()
    first = e.handle(state, event("subscribed"))
    again = e.handle(first.state, event("subscribed"))
    assert again.actions == ()
    assert again.state == first.state


def test_the_callers_state_is_never_changed() -> None:
    e, state = fresh()
    before = state.model_dump_json()
    e.handle(state, event("subscribed"))
    e.tick(state, START + timedelta(days=10))
    assert state.model_dump_json() == before


def test_idempotency_keys_are_stable_across_retries() -> None:
    e, state = fresh()
    one = e.handle(state, event("subscribed"))
    two = e.handle(state, event("subscribed"))
    keys = [a.idempotency_key for a in one.actions if isinstance(a, SendMessage)]
    assert keys
    assert keys == [a.idempotency_key for a in two.actions if isinstance(a, SendMessage)]


def test_bad_calls_are_refused_and_change_nothing() -> None:
    e, state = fresh()
    with pytest.raises(InvalidInputError, match="about customer 'bob'"):
        e.handle(state, event(customer_id="bob"))
    ticked = e.tick(state, START + timedelta(days=1)).state
    with pytest.raises(UsageError, match="before the state's clock"):
        e.tick(ticked, START)
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        e.tick(state, datetime(2026, 3, 3))  # the naive time is the point
    with pytest.raises(InvalidInputError, match="state must be a CustomerState"):
        e.tick({"customer": "ada"}, START)  # type: ignore[arg-type]
    newer = state.model_copy(update={"schema_version": 99})
    with pytest.raises(UsageError, match="newer journeykit"):
        e.tick(newer, START)


def test_a_late_event_updates_stages_but_starts_no_journey() -> None:
    e, state = fresh()
    later = e.tick(state, START + timedelta(days=2)).state
    decision = e.handle(later, event("added_to_cart", at=START + timedelta(hours=1)))
    assert [a.type for a in decision.actions] == []
    decision = e.handle(
        later,
        event(
            "order_placed",
            at=START + timedelta(hours=1),
            properties={"value": "1.00", "currency": "SEK"},
        ),
    )
    assert [a.type for a in decision.actions] == ["stage_changed"]


def test_states_round_trip_through_json() -> None:
    sim = Simulator(engine(), customer())
    sim.event("subscribed")
    sim.event("added_to_cart")
    text = sim.state.model_dump_json()
    assert CustomerState.model_validate_json(text) == sim.state
    decision = sim.engine.tick(sim.state, START + timedelta(days=4))
    assert Decision.model_validate_json(decision.model_dump_json()) == decision


def test_a_run_whose_step_is_gone_ends_and_others_continue_in_the_new_version() -> None:
    sim = Simulator(engine(WELCOME), customer())
    sim.event("subscribed")
    assert sim.state.runs[0].step == "wait_3d"
    kept = WELCOME.model_copy(update={"version": 2, "steps": [wait("3d"), send("promo")]})
    moved = Simulator.__new__(Simulator)
    moved.__dict__.update(sim.__dict__)
    moved.engine = engine(kept)
    moved.actions = []
    moved.advance("4d")
    assert [m.template for m in moved.sent] == ["promo"]
    gone = WELCOME.model_copy(update={"version": 2, "steps": [send("promo")]})
    moved2 = Simulator.__new__(Simulator)
    moved2.__dict__.update(sim.__dict__)
    moved2.engine = engine(gone)
    moved2.actions = []
    moved2.advance("4d")
    [exited] = [a for a in moved2.actions if isinstance(a, JourneyExited)]
    assert exited.reason == "definition_removed"


def test_an_operator_pins_a_stage_until_an_instant() -> None:
    e, state = fresh()
    placed = e.tick(state, START).state
    until = START + timedelta(days=30)
    pinned = e.pin_stage(placed, "churned", START, until=until)
    [change] = [a for a in pinned.actions if a.type == "stage_changed"]
    assert (change.to_stage, change.transition) == ("churned", "manual")
    assert pinned.wake_at == until
    ordered = e.handle(
        pinned.state,
        event(
            "order_placed",
            at=START + timedelta(days=1),
            properties={"value": "10.00", "currency": "SEK"},
        ),
    )
    assert ordered.state.stage == "churned"  # the rules wait for the pin to end
    later = e.tick(ordered.state, until + timedelta(days=1))
    assert later.state.stage == "first_time"  # then the order counts at once
    assert [a.at for a in later.actions if a.type == "stage_changed"] == [until]


def test_definitions_are_checked_as_a_whole_with_paths() -> None:
    bad = Journey(
        id="cart_abandonment",
        trigger=on_stage_entered("lapsd"),
        entry=in_stage("churnd") & consented("email"),
        steps=[send("welcome"), send("remindr")],
    )
    with pytest.raises(DefinitionError) as info:
        engine(bad)
    paths = {p.path: p.message for p in info.value.problems}
    assert "did you mean 'lapsed'" in paths["journeys[cart_abandonment].trigger.stages[0]"]
    assert "journeys[cart_abandonment].entry.conditions[0].stages[0]" in paths
    assert "did you mean 'reminder'" in paths["journeys[cart_abandonment].steps[1].template"]


def test_a_definition_set_loads_from_json() -> None:
    definitions = DefinitionSet(
        lifecycle=lifecycle(), journeys=[WELCOME, CART], templates=TEMPLATES
    )
    again = DefinitionSet.from_json(definitions.model_dump_json())
    assert again == definitions
    e = Engine.from_definitions(again)
    assert e.spec.covers(e.start(customer(), START).facts)


def test_a_render_failure_is_suppressed_and_the_run_moves_on() -> None:
    templates = Templates(
        templates={
            **TEMPLATES.templates,
            "broken": {
                "default": MessageTemplate(subject="{{ customer.attributes.nickname }}", text="x")
            },
        }
    )
    journey = Journey(id="j", trigger=on_event("signed_up"), steps=[send("broken"), send("promo")])
    e = Engine(None, [journey], templates)
    sim = Simulator(e, customer())
    sim.event("signed_up")
    assert [s.reason for s in sim.suppressed] == ["render_failed"]
    assert [m.template for m in sim.sent] == ["promo"]


def test_count_of_suppressions_covers_every_reason() -> None:
    reasons = set(MessageSuppressed.model_fields["reason"].annotation.__args__)  # type: ignore[union-attr]
    assert reasons == {
        "no_consent",
        "suppressed",
        "no_address",
        "frequency_cap",
        "holdout",
        "render_failed",
    }


def test_explain_says_why_a_customer_would_or_would_not_enter() -> None:
    sim = Simulator(engine(), customer(consent={"email": "opted_out"}))
    sim.event("subscribed")
    why = sim.engine.explain(sim.state, "welcome", sim.now)
    checks = {c.check: c for c in why.checks}
    assert why.running == "wait_3d"
    assert not checks["reentry"].passed
    assert "already" in checks["reentry"].detail
    assert not checks["consent"].passed
    assert "email: opted_out" in checks["consent"].detail
    assert checks["trigger"].passed
    cart = sim.engine.explain(sim.state, "cart", sim.now)
    assert cart.would_enter
    assert not {c.check: c for c in cart.checks}["trigger"].passed  # no cart addition yet
    assert "would enter if triggered" in str(cart)
    with pytest.raises(InvalidInputError, match="no journey 'nope'"):
        sim.engine.explain(sim.state, "nope", sim.now)


def test_a_customer_without_a_zone_lives_in_the_policys_default_zone() -> None:
    policy = Policy(quiet_hours=("21:00", "08:00"), default_timezone="America/New_York")
    night = datetime(2026, 5, 5, 3, 0, tzinfo=UTC)  # 23:00 the evening before in New York
    sim = Simulator(engine(WELCOME, policy=policy), customer(timezone=None), start=night)
    sim.event("subscribed")
    sim.advance("1d")
    assert sim.sent[0].at == datetime(2026, 5, 5, 8, 0, tzinfo=ZoneInfo("America/New_York"))


def test_out_of_order_events_within_the_tolerance_are_handled_at_the_clock() -> None:
    e, state = fresh()
    later = e.tick(state, START + timedelta(minutes=30)).state
    decision = e.handle(later, event("subscribed", at=START + timedelta(minutes=10)))
    sent = [a for a in decision.actions if isinstance(a, SendMessage)]
    assert [m.at for m in sent] == [START + timedelta(minutes=30)]


def test_a_state_from_another_definition_set_goes_on_as_documented() -> None:
    sim = Simulator(engine(WELCOME, CART), customer())
    sim.event("subscribed")
    sim.event("added_to_cart")
    other = engine(RECEIPT)  # both journeys are gone
    decision = other.tick(sim.state, sim.now + timedelta(minutes=1))
    exited = sorted((a.journey, a.reason) for a in decision.actions if isinstance(a, JourneyExited))
    assert exited == [("cart", "definition_removed"), ("welcome", "definition_removed")]
    assert decision.state.runs == ()


def test_diff_says_what_a_new_version_would_orphan_before_publishing() -> None:
    from journeykit import diff

    v2 = WELCOME.model_copy(
        update={"version": 2, "steps": [send("welcome"), wait("2d", id="wait_2d"), send("offer")]}
    )
    changes = diff([WELCOME, CART], [v2], runs=[("welcome", "wait_3d"), ("cart", "wait_1h")])
    summary = {(c.journey, c.kind, c.step): (c.orphans, c.runs) for c in changes}
    assert summary[("cart", "journey_removed", None)] == (True, 1)
    assert summary[("welcome", "step_removed", "wait_3d")] == (True, 1)
    assert summary[("welcome", "step_added", "wait_2d")] == (False, 0)
    assert ("welcome", "step_changed", "send_welcome") in summary  # now followed by another
    unbumped = WELCOME.model_copy(update={"steps": [send("welcome")]})
    kinds = [c.kind for c in diff([WELCOME], [unbumped])]
    assert "version_not_bumped" in kinds


def test_a_step_that_must_not_run_unless_the_customer_was_asked() -> None:
    sunset = Journey(
        id="sunset",
        trigger=on_event("signed_up"),
        steps=[
            send("nudge", if_not_sent="exit"),
            wait("7d"),
            update(consent={"email": "opted_out"}),
        ],
    )
    asked = Simulator(engine(sunset, with_lifecycle=False), customer())
    asked.event("signed_up")
    asked.advance("8d")
    assert asked.customer.consent_for("email").value == "opted_out"
    never_asked = Simulator(engine(sunset, with_lifecycle=False), customer(email=None))
    never_asked.event("signed_up")
    never_asked.advance("8d")
    assert never_asked.customer.consent_for("email").value == "opted_in"
    [exited] = [a for a in never_asked.actions if isinstance(a, JourneyExited)]
    assert exited.reason == "exited"
    assert "no_address" in exited.detail


def test_a_concurrent_journey_runs_once_per_trigger() -> None:
    post = Journey(
        id="post",
        trigger=on_event("order_placed"),
        reentry="always",
        concurrent=True,
        steps=[send("receipt", transactional=True), wait("7d"), send("survey")],
    )
    sim = Simulator(engine(post, with_lifecycle=False), customer())
    order(sim)
    sim.advance("1d")
    order(sim)
    assert len(sim.state.runs) == 2
    sim.advance("8d")
    assert [m.template for m in sim.sent] == ["receipt", "receipt", "survey", "survey"]
    with pytest.raises(DefinitionError, match="concurrent"):
        post.model_copy(update={"reentry": "once"})


def test_a_template_that_reads_what_the_trigger_cannot_give_is_a_problem() -> None:
    templates = Templates(
        templates={
            "thanks": {"default": MessageTemplate(subject="Order {{ order.order_id }}", text="x")},
            "offer": {
                "default": MessageTemplate(
                    subject="{{ discount }}% off", text="x", params=["discount"]
                )
            },
        }
    )
    journey = Journey(
        id="lapsed",
        trigger=on_stage_entered("lapsed"),
        steps=[send("thanks"), send("offer")],
    )
    with pytest.raises(DefinitionError) as info:
        Engine(lifecycle(), [journey], templates)
    found = {p.path: p.message for p in info.value.problems}
    assert "reads 'order'" in found["journeys[lapsed].steps[0].template"]
    assert "params={'discount': ...}" in found["journeys[lapsed].steps[1].params"]
    fine = journey.model_copy(
        update={
            "trigger": on_event("order_placed"),
            "steps": [send("thanks"), send("offer", params={"discount": 10})],
        }
    )
    Engine(lifecycle(), [fine], templates)


def test_every_call_at_an_instant_refuses_one_before_the_state_clock_in_the_same_words() -> None:
    e, state = fresh()
    ticked = e.tick(state, START + timedelta(days=1)).state
    calls = {
        "tick": lambda: e.tick(ticked, START),
        "update_customer": lambda: e.update_customer(ticked, customer(), START),
        "pin_stage": lambda: e.pin_stage(ticked, "subscriber", START),
        "unpin_stage": lambda: e.unpin_stage(ticked, START),
        "explain": lambda: e.explain(ticked, next(iter(e.definitions.journeys)).id, START),
    }
    for name, call in calls.items():
        with pytest.raises(UsageError) as caught:
            call()
        assert str(caught.value) == (
            f"now ({START.isoformat()}) is before the state's clock "
            f"({ticked.clock.isoformat()}): time only moves forward; pass the current time"
        ), name


def test_a_host_picks_recipients_by_a_named_segment() -> None:
    from journeykit.conditions import count

    e = Engine(
        lifecycle(),
        (WELCOME,),
        TEMPLATES,
        segments={"frequent": count("order_placed", within="30d") >= 2},
    )
    state = e.start(customer(), START)
    assert not e.in_segment(state, "frequent", START)
    for n, days in enumerate((1, 10)):
        order = Event(
            id=f"o{n}",
            customer_id="ada",
            type="order_placed",
            at=START + timedelta(days=days),
            properties={"value": "10.00", "currency": "SEK"},
        )
        state = e.handle(state, order).state
    # the segment's window is kept like every other condition's: two orders in 30 days
    assert e.in_segment(state, "frequent", START + timedelta(days=10))
    assert e.in_segment(state, "frequent", START + timedelta(days=30))
    # 30 calendar days in Stockholm, where summer time began on 29 March: a day later the
    # look-back passes the first order (09:00 UTC was 10:00 local then, is 11:00 now)
    assert not e.in_segment(state, "frequent", START + timedelta(days=31))
    with pytest.raises(
        InvalidInputError, match=r"no segment 'vip' in this engine \(segments: frequent\)"
    ):
        e.in_segment(state, "vip", START + timedelta(days=10))
    with pytest.raises(UsageError, match="before the state's clock"):
        e.in_segment(state, "frequent", START)  # the facts already hold both orders
