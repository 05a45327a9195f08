"""The engine: per-event and per-tick cost, state size, and the lifecycle against peers.

Every figure is a ratio to a baseline timed in the same process, in interleaved rounds:

1. ``handle`` per event for a customer with five active runs, against pydantic's own
   ``Event.model_validate`` of the same event (the least any host does with an event).
   Goal: at most 20x. Then the same for the 10th and the 3,000th event of one customer:
   the cost must stay flat as history grows (goal: at most 1.5x).
2. ``tick`` per customer over 100,000 stored states (the nightly sweep a host would run
   without ``wake_at``), against ``CustomerState.model_validate`` of the same states.
3. Storing a state: ``model_dump_json`` and ``model_validate_json``, and the JSON size of
   a state after 3 years of weekly orders with 5 active runs (goal: under 4 KiB).
4. The engine with only the lifecycle, on the stage benchmark's CDNOW stream (events,
   consent changes and monthly ticks), against the ``transitions`` peer and against the
   stage machine alone (fold + evaluate, no engine). Goals: 5x transitions; the engine
   no slower than the stage machine alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import partial

from benchmarks._data import cdnow_events
from benchmarks._harness import measure_all, report
from benchmarks.bench_stages import (
    CUSTOMERS,
    LifecycleModel,
    Stream,
    build_stream,
    run_journeykit,
    run_transitions,
    transitions_machine,
)
from journeykit.conditions import facts_spec
from journeykit.engine import CustomerState, Engine
from journeykit.journeys import Journey, on_event, send, wait, wait_for
from journeykit.models import Customer, Event
from journeykit.presets import lifecycle
from journeykit.templates import MessageTemplate, Templates

UTC = timezone.utc
START = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)
TEMPLATES = Templates(
    templates={
        name: {
            "default": MessageTemplate(subject=f"{name} {{{{ customer.first_name }}}}", text="...")
        }
        for name in ("a", "b", "c", "d", "e")
    }
)


def five_journeys() -> list[Journey]:
    """Five journeys whose runs stay active for months: waits and waits for events."""
    return [
        Journey(
            id=f"j{n}",
            trigger=on_event("signed_up"),
            steps=[
                send(name),
                wait_for("never_happens", timeout="5y") if n % 2 else wait("5y"),
                send(name, id=f"again_{name}"),
            ],
        )
        for n, name in enumerate("abcde")
    ]


def busy_customer(engine: Engine, orders: int) -> tuple[CustomerState, datetime]:
    customer = Customer(
        id="c1",
        email="c1@example.com",
        timezone="Europe/Stockholm",
        created_at=START,
        consent={"email": "opted_in"},
        attributes={"first_name": "Ada"},
    )
    state = engine.tick(engine.start(customer, START), START).state
    state = engine.handle(state, Event(id="s", customer_id="c1", type="signed_up", at=START)).state
    at = START
    for i in range(orders):
        at = START + timedelta(days=7 * (i + 1))
        order = Event(
            id=f"o{i}",
            customer_id="c1",
            type="order_placed",
            at=at,
            properties={"value": "25.00", "currency": "SEK", "order_id": f"o{i}"},
        )
        state = engine.handle(state, order).state
    return state, at


def per_event(engine: Engine) -> None:
    state, last = busy_customer(engine, 10)
    assert len(state.runs) == 5, state.runs
    raw = {
        "id": "view-1",
        "customer_id": "c1",
        "type": "product_viewed",
        "at": (last + timedelta(hours=1)).isoformat(),
        "properties": {"product_id": "p-42", "price": "99.00", "currency": "SEK"},
    }
    event = Event.model_validate(raw)
    long_state, long_last = busy_customer(engine, 3_000)
    late = event.model_copy(update={"at": long_last + timedelta(hours=1)})
    timings = measure_all(
        [
            ("Event.model_validate (baseline)", lambda: Event.model_validate(raw)),
            ("engine.handle, 5 active runs", lambda: engine.handle(state, event)),
            ("engine.handle, after 3,000 events", lambda: engine.handle(long_state, late)),
        ],
        repeat=7,
    )
    report("handle per event", timings, baseline=timings[0].name, unit="event")
    print(
        f"  3,000th event vs 10th: {timings[2].seconds_per_op / timings[1].seconds_per_op:.2f}x"
        " (goal <= 1.5x)"
    )


def storing(engine: Engine) -> None:
    state, _ = busy_customer(engine, 3 * 52)
    assert len(state.runs) == 5
    text = state.model_dump_json()
    timings = measure_all(
        [
            ("model_dump_json", state.model_dump_json),
            ("model_validate_json", lambda: CustomerState.model_validate_json(text)),
        ],
        repeat=7,
    )
    report("storing a state (3 years of weekly orders, 5 runs)", timings, baseline=timings[0].name)
    print(f"  JSON size: {len(text.encode()):,} bytes (goal < 4,096)")


def sweep(engine: Engine, customers: int = 100_000) -> None:
    base, last = busy_customer(engine, 8)
    # each a customer of their own (facts know their customer); the rest is shared
    states = [
        base.model_copy(
            update={
                "customer": base.customer.model_copy(update={"id": f"c{i}"}),
                "facts": replace(base.facts, customer_id=f"c{i}"),
            }
        )
        for i in range(customers)
    ]
    later = last + timedelta(days=1)
    dumped = [s.model_dump() for s in states[:1000]]

    def tick_all() -> None:
        for s in states:
            engine.tick(s, later)

    def validate_all() -> None:
        for _ in range(customers // 1000):
            for d in dumped:
                CustomerState.model_validate(d)

    timings = measure_all(
        [
            ("CustomerState.model_validate (baseline)", validate_all),
            ("engine.tick with nothing due", tick_all),
        ],
        customers,
        repeat=3,
        min_seconds=0.1,
    )
    report(
        f"tick per customer over {customers:,} states",
        timings,
        baseline=timings[0].name,
        unit="customer",
    )


def run_engine(engine: Engine, stream: Stream) -> dict[str, str]:
    final: dict[str, str] = {}
    for cid, steps in stream:
        customer = steps[0][2]
        state = engine.start(customer, steps[0][0])
        for at, event, person in steps:
            if person is not customer:
                customer = person
                state = engine.update_customer(state, person, at).state
            if event is not None:
                state = engine.handle(state, event).state
            else:
                state = engine.tick(state, at).state
        final[cid] = state.stage or "prospect"
    return final


def lifecycle_only() -> None:
    machine = lifecycle()
    spec = facts_spec(machine.conditions())
    engine = Engine(machine)
    people = list(cdnow_events().items())[: CUSTOMERS // 4]
    stream = build_stream(people)
    model = LifecycleModel()
    peer = transitions_machine(model)
    runs: list[tuple[str, Callable[[], dict[str, str]]]] = [
        ("transitions (peer)", partial(run_transitions, model, peer, stream)),
        ("stage machine alone (fold + evaluate)", partial(run_journeykit, machine, spec, stream)),
        ("engine, lifecycle only", partial(run_engine, engine, stream)),
    ]
    results = {name: fn() for name, fn in runs}
    assert results["engine, lifecycle only"] == results["transitions (peer)"]
    steps = sum(len(s) for _, s in stream)
    timings = measure_all(runs, steps, repeat=3)
    report(
        f"lifecycle over {steps:,} steps ({len(stream):,} customers)",
        timings,
        baseline=timings[0].name,
        unit="step",
    )
    per = {t.name: t.seconds_per_op for t in timings}
    print(
        f"  engine vs transitions: {per['transitions (peer)'] / per['engine, lifecycle only']:.2f}x"
        f" faster (goal >= 5x); engine vs stage machine alone: "
        f"{per['engine, lifecycle only'] / per['stage machine alone (fold + evaluate)']:.2f}x"
        " the time (goal <= 1x)"
    )


def journeys_engine() -> Engine:
    """The engine the per-event, storing and sweep benchmarks measure."""
    return Engine(lifecycle(), five_journeys(), TEMPLATES, events=["never_happens"])


def main() -> None:
    engine = journeys_engine()
    per_event(engine)
    storing(engine)
    sweep(engine)
    lifecycle_only()


if __name__ == "__main__":
    main()
