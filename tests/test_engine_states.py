"""The states the engine hands back: what validation would build, and loadable after the
definitions change.

The engine builds each new state and decision from parts that were validated when they
came in, without validating them again (it would cost more than the call itself). So
every state it returns must be exactly what validation gives: equal after a round trip
through JSON and through Python, field for field.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given

from journeykit.conditions import count, prop
from journeykit.engine import CustomerState, Decision, Engine
from journeykit.journeys import Journey, on_event, send, wait
from journeykit.models import Customer, Event
from journeykit.presets import lifecycle
from journeykit.templates import MessageTemplate, Templates
from tests.test_engine_properties import Story, engine, grid_host, stories, wake_host

UTC = timezone.utc
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _rebuilt(decision: Decision) -> list[object]:
    """The decision and its state as validation builds them, both ways in."""
    state = decision.state
    return [
        Decision.model_validate_json(decision.model_dump_json()),
        CustomerState.model_validate_json(state.model_dump_json()),
        CustomerState.model_validate(state.model_dump()),
        CustomerState(**{name: getattr(state, name) for name in state.model_fields_set}),
    ]


@given(stories())
def test_every_state_and_decision_is_what_validation_builds(story: Story) -> None:
    for decision in [*wake_host(story), *grid_host(story)[-3:]]:
        again, stored, dumped, built = _rebuilt(decision)
        assert again == decision
        assert stored == dumped == built == decision.state
        assert built.model_fields_set == decision.state.model_fields_set
        for change in decision.actions:
            assert type(change).model_validate_json(change.model_dump_json()) == change
    assert engine(story.policy).wake_at(decision.state) == decision.wake_at


def _customer() -> Customer:
    return Customer(id="ada", created_at=START, timezone="Europe/Stockholm")


def _order(n: int, at: datetime, channel: str) -> Event:
    return Event(
        id=f"o{n}",
        customer_id="ada",
        type="order_placed",
        at=at,
        properties={"value": "20.00", "currency": "SEK", "channel": channel},
    )


def test_a_state_kept_under_older_definitions_counts_new_windows_from_now_on() -> None:
    before = Engine(lifecycle())
    state = before.tick(before.start(_customer(), START), START).state
    state = before.handle(state, _order(1, START, "app")).state
    stored = CustomerState.model_validate_json(state.model_dump_json())
    # a new journey reads a window and a filter the stored facts never kept
    app_orders = count("order_placed", where=prop("channel") == "app", within="30d")
    templates = Templates(
        templates={"thanks": {"default": MessageTemplate(subject="Thanks", text="thanks")}}
    )
    after = Engine(
        lifecycle(),
        [
            Journey(
                id="app_fan",
                trigger=on_event("order_placed"),
                entry=app_orders >= 2,
                steps=[wait("1h"), send("thanks", transactional=True)],
            )
        ],
        templates,
    )
    assert not after.spec.covers(stored.facts)
    assert after.wake_at(stored) == before.wake_at(state)  # going at risk, as before
    explained = after.explain(stored, "app_fan", START + timedelta(hours=1))
    assert not explained.would_enter  # no app order counted yet: counting starts now
    second = after.handle(stored, _order(2, START + timedelta(days=1), "app"))
    assert after.spec.covers(second.state.facts)
    assert second.state.facts.order_count == 2  # what the facts kept goes on
    # one app order counted since the change: a repeat customer, and no journey yet
    assert [a.type for a in second.actions] == ["stage_changed"]
    third = after.handle(second.state, _order(3, START + timedelta(days=2), "app"))
    assert [a.type for a in third.actions] == ["journey_entered"]
