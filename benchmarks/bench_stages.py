"""Lifecycle stages: one lifecycle over one event stream, in four implementations.

The lifecycle is ``journeykit.presets.lifecycle()`` with its default thresholds. The same
states, transitions, priorities and conditions are configured in the ``transitions``
package and in ``python-statemachine``, and written by hand as an if/elif function (the
floor). Every implementation keeps the facts its conditions read and evaluates the
machine after every event, so each figure is "evaluation included":

- journeykit: ``spec.fold(facts, event, now=...)``, then ``machine.evaluate(...)``;
- transitions and python-statemachine: a model object keeps the same derived facts by
  hand (order count, last order, the last 4 order times, net revenue, reviews and
  referrals, last subscription, last engagement, consent, seen ids), and the conditions
  are its methods. ``transitions``: one ``evaluate`` trigger holding every transition
  with ``conditions=``/``unless=``, called until it returns False (it has no automatic
  transitions). ``python-statemachine``: a ``StateChart`` with one ``evaluate`` event
  of ``cond=``/``unless=`` transitions, sent until the state stops changing;
- the floor: the same facts in local variables and one if/elif block per stage.

Events arrive in time order, so "no engagement in the last 180 days" is "last engagement
more than 180 days ago" for the hand-kept facts; journeykit keeps its general windows.

Data: CDNOW customers (every purchase an ``order_placed``, a ``signed_up`` the day
before the first), with deterministic extras by customer index: ``subscribed`` and
``unsubscribed`` (the customer's email consent changes with them), ``message_opened``
and ``message_clicked``, ``review_submitted`` and ``referral_made``; one never-buying
lead per ten customers; and a monthly tick (evaluation with no event, as the engine's
``tick`` does) until a year after the data ends, so customers go at risk, lapse and churn.
Customers are UTC, so the preset's calendar days are 24 hours. CDNOW has dates only, so
each customer's timeline is moved by a few hours: real events do not share instants
(one row times the unmoved stream, where they do, as in a batch run at one ``now``).

Before timing, all four must leave every customer in the same stage, at several cut-off
dates. The tables time the full stream and its events alone (no ticks). The last one
folds and evaluates one more event for customers with 10, 1,000 and 100,000 earlier
events: cost per event must not grow with history.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from benchmarks._data import cdnow_events
from benchmarks._harness import Timing, measure, measure_all, peer, report
from journeykit.conditions import facts_spec
from journeykit.facts import Facts, FactsSpec
from journeykit.models import Channel, ConsentStatus, Customer, Event
from journeykit.presets import lifecycle
from journeykit.stages import StageMachine

if TYPE_CHECKING:  # the peers are imported when a benchmark runs (the bench extra)
    import statemachine
    import transitions

UTC = timezone.utc
DAY = 86400.0
# the preset's default thresholds, in seconds (UTC customers: a calendar day is 24 hours)
AT_RISK = 90 * DAY
LAPSED = 180 * DAY
CHURNED = 365 * DAY
SUNSET = 180 * DAY
LOYAL_WINDOW = 365 * DAY
LOYAL_ORDERS = 4
LOYAL_REVENUE = Decimal(1000)

CUSTOMERS = 1_000  # CDNOW customers in the stream (of 23,570): python-statemachine is slow
TICK = timedelta(days=30)
END = datetime(1999, 7, 1, tzinfo=UTC)  # a year after the CDNOW data ends
CUTS = (  # all four must agree on every customer's stage at each of these dates
    datetime(1997, 4, 1, tzinfo=UTC),
    datetime(1997, 10, 1, tzinfo=UTC),
    datetime(1998, 4, 1, tzinfo=UTC),
    END,
)

EMAIL = Channel.EMAIL
OPTED_IN = ConsentStatus.OPTED_IN

Step = tuple[datetime, Event | None, Customer]
"""One thing to handle: an event at its time, or a tick (``None``) at a time; and the
customer as the host knows them then (their consent changes with (un)subscribing)."""
Stream = list[tuple[str, list[Step]]]

STAGES = (
    "prospect",
    "subscriber",
    "first_time",
    "repeat",
    "loyal",
    "ambassador",
    "at_risk",
    "lapsed",
    "churned",
)
CUSTOMER_STAGES = ("first_time", "repeat", "loyal", "ambassador")

# The preset's transitions as (sources, target, conditions, unless, priority), in its
# declaration order; the names are LifecycleModel's condition methods. check_same_machine
# compares sources, targets and order with journeykit's machine.
TRANSITIONS: list[tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...], int]] = [
    (("prospect", "subscriber"), "first_time", ("ordered",), (), 5),
    (("prospect",), "subscriber", ("opted_in",), (), 0),
    (("subscriber",), "prospect", (), ("opted_in",), 0),
    (("subscriber",), "churned", ("sunset_due",), (), 0),
    (("first_time",), "repeat", ("two_orders",), (), 0),
    (("repeat",), "loyal", ("meets_loyalty",), (), 0),
    (("loyal",), "ambassador", ("advocated",), (), 0),
    (("loyal", "ambassador"), "repeat", (), ("meets_loyalty",), 0),
    (CUSTOMER_STAGES, "at_risk", ("at_risk_due",), (), 10),
    (("at_risk",), "lapsed", ("lapsed_due",), (), 0),
    (("lapsed",), "churned", ("churn_due",), (), 0),
    (("at_risk",), "first_time", ("recent", "one_order"), (), 5),
    (("at_risk",), "repeat", ("recent", "two_orders"), (), 5),
    (("lapsed",), "first_time", ("recent", "one_order"), (), 5),
    (("lapsed",), "repeat", ("recent", "two_orders"), (), 5),
    (("lapsed",), "at_risk", ("within_lapsed",), (), 0),
    (("churned",), "first_time", ("recent", "one_order"), (), 5),
    (("churned",), "repeat", ("recent", "two_orders"), (), 5),
    (("churned",), "lapsed", ("ordered",), ("churn_due",), 0),
    (("churned",), "subscriber", ("never_ordered", "opted_in", "re_engaged"), (), 0),
    (("churned",), "prospect", ("never_ordered",), ("opted_in",), 0),
]

Edge = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def ordered_edges() -> list[Edge]:
    """Every (source, target, conditions, unless), grouped by source in stage order and
    within a source in journeykit's order: higher priority first, then declaration order."""
    entries = [
        (STAGES.index(source), -priority, index, (source, target, conds, unless))
        for index, (sources, target, conds, unless, priority) in enumerate(TRANSITIONS)
        for source in sources
    ]
    return [edge for *_, edge in sorted(entries, key=lambda e: e[:3])]


def check_same_machine(machine: StageMachine) -> None:
    """The peers' table has journeykit's stages, transitions and evaluation order."""
    assert machine.stage_names == STAGES, machine.stage_names
    theirs = sorted(
        (STAGES.index(source), -t.priority, index, source, t.target)
        for index, t in enumerate(machine.transitions)
        for source in t.sources
    )
    ours = [(source, target) for source, target, _, _ in ordered_edges()]
    assert [(s, t) for *_, s, t in theirs] == ours, "transition tables differ"


# --- the event stream ---------------------------------------------------------------


def _event(cid: str, kind: str, n: int, at: datetime) -> Event:
    return Event(id=f"{cid}-{kind}-{n}", customer_id=cid, type=kind, at=at)


def _timeline(
    cid: str,
    events: Sequence[Event],
    index: int,
    offset: timedelta,
    *,
    lead: bool = False,
) -> list[Step]:
    """Events and monthly ticks for one customer, in time order, with their consent;
    every time moved ``offset`` later."""
    events = [e.model_copy(update={"at": e.at + offset}) for e in events]
    created = events[0].at
    items: list[tuple[datetime, int, Event | None]] = []

    def add(at: datetime, kind: str | None, n: int = 0) -> None:
        if at <= END:
            event = None if kind is None else _event(cid, kind, n, at)
            items.append((at, len(items), event))

    orders = [e for e in events if e.type == "order_placed"]
    items.extend((e.at, i, e) for i, e in enumerate(events) if e.at <= END)
    subscribes = (index % 20 == 0) if lead else (index % 3 != 2)
    if subscribes:
        add(created + timedelta(hours=1), "subscribed")
        if index % 9 == 0 or (lead and index % 40 == 0):
            at = created + timedelta(days=120 if not lead else 400)
            add(at, "unsubscribed")
    if lead and index % 30 == 0:  # opens now and then: sunsets, then re-engages
        at = created + timedelta(days=200)
        n = 0
        while at <= END:
            add(at, "message_opened", n)
            at += timedelta(days=200)
            n += 1
    if not lead:
        if index % 4 == 1:  # opens the mail after every order; some click too
            for n, order in enumerate(orders):
                at = order.at + timedelta(days=10)
                add(at, "message_opened", n)
                if index % 12 == 1:
                    add(at + timedelta(minutes=1), "message_clicked", n)
        if index % 8 == 5:  # keeps opening after their last order: never churns
            at = orders[-1].at + timedelta(days=45)
            n = len(orders)
            while at <= END:
                add(at, "message_opened", n)
                at += timedelta(days=45)
                n += 1
        if index % 5 == 2 and len(orders) >= 2:
            at = orders[1].at + timedelta(days=7)
            add(at, "review_submitted")
        if index % 11 == 3 and len(orders) >= 4:
            at = orders[3].at + timedelta(days=14)
            add(at, "referral_made")
    at = created + TICK
    while at <= END:
        add(at, None)  # a tick
        at += TICK
    items.sort(key=lambda item: (item[0], item[1]))

    plain = Customer(id=cid, created_at=created, timezone="UTC")
    opted = Customer(id=cid, created_at=created, timezone="UTC", consent={EMAIL: OPTED_IN})
    customer = plain
    steps: list[Step] = []
    for at, _, event in items:
        assert event is None or event.at == at
        if event is not None and event.type == "subscribed":
            customer = opted
        elif event is not None and event.type == "unsubscribed":
            customer = plain
        steps.append((at, event, customer))
    return steps


def build_stream(people: Sequence[tuple[str, list[Event]]], *, spread: bool = True) -> Stream:
    """CDNOW customers (id, events), plus one never-buying lead per ten customers.

    CDNOW dates have no time of day, so every order is at noon UTC and thousands of
    customers share each instant. Real events carry their own seconds, so with ``spread``
    each customer's timeline is moved by a few hours (deterministically, by index).
    """
    stream: Stream = []
    for index, (cid, events) in enumerate(people):
        offset = timedelta(seconds=(index * 7919) % 43_200 if spread else 0)
        stream.append((cid, _timeline(cid, events, index, offset)))
        if index % 10 == 0:
            lead = f"{cid}L"
            signup = events[0].model_copy(update={"id": f"{lead}-signup", "customer_id": lead})
            later = offset + timedelta(seconds=21_600 if spread else 0)
            stream.append((lead, _timeline(lead, [signup], index, later, lead=True)))
    return stream


def cut(stream: Stream, until: datetime) -> Stream:
    """The stream up to ``until`` (customers who have not started yet are left out)."""
    out: Stream = []
    for cid, steps in stream:
        kept = [s for s in steps if s[0] <= until]
        if kept:
            out.append((cid, kept))
    return out


# --- 1. journeykit ------------------------------------------------------------------


def run_journeykit(machine: StageMachine, spec: FactsSpec, stream: Stream) -> dict[str, str]:
    fold = spec.fold
    evaluate = machine.evaluate
    final: dict[str, str] = {}
    for cid, steps in stream:
        facts: Facts = spec.empty()
        stage: str | None = None
        entered_at: datetime | None = None
        for at, event, customer in steps:
            if event is not None:
                facts = fold(facts, event, now=at)
            changes = evaluate(customer, facts, at, stage=stage, entered_at=entered_at)
            if changes:
                stage = changes[-1].to_stage
                entered_at = changes[-1].at
            elif stage is None:
                stage, entered_at = machine.initial, at
        final[cid] = stage or machine.initial
    return final


# --- the peers' model: the same facts, kept by hand; the conditions as methods ---------


class LifecycleModel:
    """One customer's facts for the ``transitions`` and ``python-statemachine`` peers.

    The condition methods read exactly what the preset's conditions read; ``now`` is the
    time of the step being handled.
    """

    state: str

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.now = 0.0
        self.orders = 0
        self.last_order: float | None = None
        self.last_four: deque[float] = deque(maxlen=LOYAL_ORDERS)
        self.revenue = Decimal(0)
        self.advocacy = 0  # reviews + referrals
        self.last_subscribed: float | None = None
        self.entered: float | None = None  # when the current stage was entered
        self.last_engaged: float | None = None  # last message opened or clicked
        self.consented = False
        self.seen: set[str] = set()

    def observe(self, at: datetime, event: Event | None, customer: Customer) -> None:
        now = self.now = at.timestamp()
        if self.entered is None:  # placed in the initial stage at the first step
            self.entered = now
        self.consented = customer.consent.get(EMAIL) is OPTED_IN
        if event is None or event.id in self.seen:
            return
        self.seen.add(event.id)
        kind = event.type
        if kind == "order_placed":
            self.orders += 1
            self.last_order = now
            self.last_four.append(now)
            self.revenue += Decimal(event.properties.get("value", "0"))  # type: ignore[arg-type]
        elif kind == "message_opened" or kind == "message_clicked":
            self.last_engaged = now
        elif kind == "subscribed":
            self.last_subscribed = now
        elif kind == "review_submitted" or kind == "referral_made":
            self.advocacy += 1

    # conditions -------------------------------------------------------------------
    def ordered(self) -> bool:
        return self.orders >= 1

    def never_ordered(self) -> bool:
        return self.orders == 0

    def one_order(self) -> bool:
        return self.orders == 1

    def two_orders(self) -> bool:
        return self.orders >= 2

    def opted_in(self) -> bool:
        return self.consented

    def recent(self) -> bool:
        return self.last_order is not None and self.last_order >= self.now - AT_RISK

    def at_risk_due(self) -> bool:
        return self.last_order is not None and self.last_order < self.now - AT_RISK

    def lapsed_due(self) -> bool:
        return self.last_order is not None and self.last_order < self.now - LAPSED

    def within_lapsed(self) -> bool:
        return self.last_order is not None and self.last_order >= self.now - LAPSED

    def meets_loyalty(self) -> bool:
        four = self.last_four
        frequent = len(four) == LOYAL_ORDERS and four[0] >= self.now - LOYAL_WINDOW
        return frequent or self.revenue >= LOYAL_REVENUE

    def advocated(self) -> bool:
        return self.advocacy >= 1

    def quiet(self) -> bool:
        return self.last_engaged is None or self.last_engaged < self.now - SUNSET

    def subscribed_lately(self) -> bool:
        sub = self.last_subscribed
        return sub is not None and sub >= self.now - SUNSET

    def sunset_due(self) -> bool:
        # the clock starts on entering the stage, or at the latest subscription if later
        entered = self.entered
        in_stage_long = entered is not None and entered < self.now - SUNSET
        return in_stage_long and not self.subscribed_lately() and self.quiet()

    def re_engaged(self) -> bool:
        return not self.quiet() or self.subscribed_lately()

    def churn_due(self) -> bool:
        last = self.last_order
        return last is not None and last < self.now - CHURNED and self.quiet()


# --- 2. transitions -------------------------------------------------------------------


def transitions_machine(model: LifecycleModel) -> transitions.Machine:
    """One ``evaluate`` trigger with every transition, conditions given by method name.

    The library has no eventless (automatic conditional) transitions, so the host calls
    the trigger after each event and again while it returns True (a transition fired).
    Conditions are named model methods, the library's documented form. Per source the
    transitions are added in journeykit's order, and a trigger tries them in the order
    added. ``auto_transitions=False`` leaves out the ``to_<state>`` triggers not used here.
    """
    machine = peer("transitions").Machine(
        model=model, states=list(STAGES), initial="prospect", auto_transitions=False
    )
    for source, target, conds, unless in ordered_edges():
        machine.add_transition(
            "evaluate", source, target, conditions=list(conds), unless=list(unless)
        )
    return machine


def run_transitions(
    model: LifecycleModel, machine: transitions.Machine, stream: Stream
) -> dict[str, str]:
    final: dict[str, str] = {}
    limit = len(STAGES)
    for cid, steps in stream:
        model.reset()
        machine.set_state("prospect", model)
        for at, event, customer in steps:
            model.observe(at, event, customer)
            for _ in range(limit):
                if not model.evaluate():  # type: ignore[attr-defined]  # added by Machine
                    break
                model.entered = model.now
        final[cid] = model.state
    return final


# --- 3. python-statemachine ------------------------------------------------------------


def statechart_class() -> type[statemachine.StateChart[Any]]:
    """The lifecycle as a ``StateChart`` with one ``evaluate`` event of guarded transitions.

    ``a.to(b, cond=[...], unless=[...]) | ...`` as in the library's docs; for one state,
    the transitions of an event are tried in declaration order, so each source gets them
    in journeykit's order. The host updates the model's facts and sends ``evaluate``
    until the state stops changing. (Guarded eventless transitions, which the chart takes
    by itself after any event, give the same stages but ran about 1.8x slower here: each
    ``send`` then runs two macrosteps.)
    """
    chart = peer("statemachine")
    attrs: dict[str, Any] = {name: chart.State(name, initial=name == "prospect") for name in STAGES}
    evaluate = None
    for source, target, conds, unless in ordered_edges():
        edge = attrs[source].to(attrs[target], cond=list(conds), unless=list(unless))
        evaluate = edge if evaluate is None else evaluate | edge
    attrs["evaluate"] = evaluate
    return type("LifecycleChart", (chart.StateChart,), attrs)


def run_statemachine(
    model: LifecycleModel, chart: statemachine.StateChart[Any], stream: Stream
) -> dict[str, str]:
    final: dict[str, str] = {}
    limit = len(STAGES)
    for cid, steps in stream:
        model.reset()
        chart.current_state_value = "prospect"
        for at, event, customer in steps:
            model.observe(at, event, customer)
            for _ in range(limit):
                before = model.state
                chart.send("evaluate")
                if model.state == before:
                    break
                model.entered = model.now
        final[cid] = model.state
    return final


# --- 4. the floor: hand-written if/elif --------------------------------------------------


def run_floor(stream: Stream) -> dict[str, str]:
    """The same facts in local variables and the same rules as one if/elif per stage."""
    final: dict[str, str] = {}
    for cid, steps in stream:
        stage = "prospect"
        orders = 0
        last_order = -1e300  # "never" sorts before every cut-off...
        four: deque[float] = deque(maxlen=LOYAL_ORDERS)
        revenue = Decimal(0)
        advocated = False
        last_subscribed: float | None = None
        last_engaged = -1e300
        entered: float | None = None  # when the current stage was entered
        seen: set[str] = set()
        for at, event, customer in steps:
            now = at.timestamp()
            if entered is None:
                entered = now
            if event is not None and event.id not in seen:
                seen.add(event.id)
                kind = event.type
                if kind == "order_placed":
                    orders += 1
                    last_order = now
                    four.append(now)
                    revenue += Decimal(event.properties.get("value", "0"))  # type: ignore[arg-type]
                elif kind == "message_opened" or kind == "message_clicked":
                    last_engaged = now
                elif kind == "subscribed":
                    last_subscribed = now
                elif kind == "review_submitted" or kind == "referral_made":
                    advocated = True
            opted_in = customer.consent.get(EMAIL) is OPTED_IN
            # ... so "since > d" needs an order: orders > 0 guards every such test
            quiet = last_engaged < now - SUNSET
            lately = last_subscribed is not None and last_subscribed >= now - SUNSET
            for _ in range(len(STAGES)):
                if stage in ("first_time", "repeat", "loyal", "ambassador"):
                    if orders and last_order < now - AT_RISK:
                        new = "at_risk"
                    elif stage == "first_time":
                        new = "repeat" if orders >= 2 else stage
                    else:
                        loyal = (
                            len(four) == LOYAL_ORDERS and four[0] >= now - LOYAL_WINDOW
                        ) or revenue >= LOYAL_REVENUE
                        if stage == "repeat":
                            new = "loyal" if loyal else stage
                        elif stage == "loyal":
                            new = "ambassador" if advocated else stage if loyal else "repeat"
                        else:
                            new = stage if loyal else "repeat"
                elif stage in ("at_risk", "lapsed", "churned"):
                    recent = orders > 0 and last_order >= now - AT_RISK
                    churn_due = orders > 0 and last_order < now - CHURNED and quiet
                    if recent and orders == 1:
                        new = "first_time"
                    elif recent and orders >= 2:
                        new = "repeat"
                    elif stage == "at_risk":
                        new = "lapsed" if orders and last_order < now - LAPSED else stage
                    elif stage == "lapsed":
                        if churn_due:
                            new = "churned"
                        elif orders and last_order >= now - LAPSED:
                            new = "at_risk"
                        else:
                            new = stage
                    elif orders:
                        new = stage if churn_due else "lapsed"
                    elif not opted_in:
                        new = "prospect"
                    else:
                        new = "subscriber" if not quiet or lately else stage
                elif orders:  # prospect or subscriber
                    new = "first_time"
                elif stage == "prospect":
                    new = "subscriber" if opted_in else stage
                elif not opted_in:
                    new = "prospect"
                elif quiet and entered < now - SUNSET and not lately:
                    new = "churned"
                else:
                    new = stage
                if new == stage:
                    break
                stage, entered = new, now
        final[cid] = stage
    return final


# --- cost per event as history grows -------------------------------------------------


def history_rows(machine: StageMachine, spec: FactsSpec) -> list[Timing]:
    """Fold and evaluate one more order for a customer with ``n`` earlier orders, one
    every 3 days (a longer history is longer in time, not denser)."""
    start = datetime(1996, 1, 1, tzinfo=UTC)
    step = timedelta(days=3)
    customer = Customer(id="c", created_at=start, timezone="UTC", consent={EMAIL: OPTED_IN})

    def order(i: int) -> Event:
        return Event(
            id=f"h{i}",
            customer_id="c",
            type="order_placed",
            at=start + i * step,
            properties={"value": "10.00", "currency": "USD"},
        )

    runs: list[tuple[str, Callable[[], object]]] = []
    for n in (10, 1_000, 100_000):
        last = start + (n - 1) * step
        facts = spec.fold_all((order(i) for i in range(n)), now=last)
        changes = machine.evaluate(customer, facts, last, stage=None)
        stage, entered = changes[-1].to_stage, changes[-1].at
        nxt = order(n)

        def one_more(
            f: Facts = facts, s: str = stage, t: datetime = entered, e: Event = nxt
        ) -> object:
            return machine.evaluate(
                customer, spec.fold(f, e, now=e.at), e.at, stage=s, entered_at=t
            )

        runs.append((f"fold+evaluate after {n:,} events", one_more))
    return measure_all(runs, repeat=7)


# --- main -------------------------------------------------------------------------------


def _check(results: Sequence[tuple[str, dict[str, str]]], when: datetime) -> None:
    (base_name, base), *others = results
    for name, got in others:
        assert got.keys() == base.keys(), f"{name} and {base_name} saw different customers"
        wrong = [cid for cid in base if got[cid] != base[cid]]
        assert not wrong, (
            f"{name} disagrees with {base_name} at {when:%Y-%m-%d} for {len(wrong)} "
            f"customers, e.g. {[(c, base[c], got[c]) for c in wrong[:5]]}"
        )


Run = tuple[str, Callable[[Stream], dict[str, str]]]
FLOOR = "hand-written if/elif (floor)"
OURS = "journeykit fold + evaluate"


def _compare(title: str, stream: Stream, runs: Sequence[Run], extra: Sequence[Timing] = ()) -> None:
    n_steps = sum(len(steps) for _, steps in stream)
    timings = measure_all([(name, partial(fn, stream)) for name, fn in runs], n_steps, repeat=5)
    report(title, [*timings, *extra], baseline=FLOOR, unit="event")
    per = {t.name: t.seconds_per_op for t in timings}
    print(
        f"  journeykit speed-up: {per['transitions'] / per[OURS]:.2f}x over transitions "
        f"(goal >= 5x), {per['python-statemachine'] / per[OURS]:.2f}x over "
        f"python-statemachine; time per event {per[OURS] / per[FLOOR]:.1f}x the floor's "
        "(goal <= 10x)"
    )


def main() -> None:
    machine = lifecycle()
    spec = facts_spec(machine.conditions())
    check_same_machine(machine)
    people = list(cdnow_events().items())[:CUSTOMERS]
    stream = build_stream(people)
    shared = build_stream(people, spread=False)
    events_only = [(cid, [s for s in steps if s[1] is not None]) for cid, steps in stream]

    t_model = LifecycleModel()
    t_machine = transitions_machine(t_model)
    s_model = LifecycleModel()
    chart = statechart_class()(model=s_model)
    runs: list[Run] = [
        (FLOOR, run_floor),
        (OURS, lambda s: run_journeykit(machine, spec, s)),
        ("transitions", lambda s: run_transitions(t_model, t_machine, s)),
        ("python-statemachine", lambda s: run_statemachine(s_model, chart, s)),
    ]

    print(f"\nAll four agree on every customer's stage ({len(stream):,} customers) at:")
    for when in CUTS:
        results = [(name, fn(cut(stream, when))) for name, fn in runs]
        _check(results, when)
        stages = Counter(results[0][1].values())
        print(f"  {when:%Y-%m-%d}: " + ", ".join(f"{stages[s]} {s}" for s in STAGES if stages[s]))
    _check([(name, fn(events_only)) for name, fn in runs], END)
    _check([(FLOOR, run_floor(shared)), (OURS, run_journeykit(machine, spec, shared))], END)

    n_steps = sum(len(steps) for _, steps in stream)
    n_events = sum(len(steps) for _, steps in events_only)
    batch = measure(
        "journeykit, shared instants (*)",
        lambda: run_journeykit(machine, spec, shared),
        n_steps,
        repeat=3,
    )
    _compare(
        f"Lifecycle stages, events and ticks: {n_steps:,} steps ({n_events:,} events, "
        f"{n_steps - n_events:,} monthly ticks), {len(stream):,} customers",
        stream,
        runs,
        [batch],
    )
    print(
        "  (*) the same stream at CDNOW's own times: every order at noon UTC, so customers\n"
        "      share instants and journeykit's cache of calendar cut-offs hits, as in a\n"
        "      nightly batch that evaluates everyone at one `now`."
    )
    _compare(f"Lifecycle stages, events only (no ticks): {n_events:,} events", events_only, runs)

    rows = history_rows(machine, spec)
    report(
        "Cost per event as history grows (journeykit fold + evaluate)",
        rows,
        baseline=rows[0].name,
        unit="event",
    )
    print(
        f"  100,000 vs 1,000 earlier events: {rows[2].seconds_per_op / rows[1].seconds_per_op:.2f}x"
        " (the ids kept for de-duplication are those within the dedupe horizon, at most 128)"
    )
