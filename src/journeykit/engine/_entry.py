"""Who enters which journey: triggers, the entry checks, and arbitration within groups.

A trigger makes a customer a *candidate*. A candidate enters when, in this order:

1. **re-entry** allows it: not in a run of the journey already; ``"once"`` journeys never
   again; a cooldown has passed since the last entry;
2. the **entry** condition holds now (and the journey's exit condition does not, nor is a
   goal condition met already: such a run would end the moment it began);
3. the **group** is free: no journey of its ``group`` is running for the customer, and
   among candidates of one group at one instant the highest ``priority`` wins (then the
   id, for a stable order). Losers get a ``JourneySkipped`` saying who won.

The same checks answer :meth:`Engine.explain`.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from journeykit._time.crossing import to_micros
from journeykit.conditions import EvalContext
from journeykit.engine._actions import JourneyEntered, JourneySkipped
from journeykit.engine._compiled import Compiled
from journeykit.engine._runner import read_date, stable_fraction, stable_key
from journeykit.engine._state import Run
from journeykit.engine._work import Work
from journeykit.journeys import DateTrigger, EventTrigger, Journey
from journeykit.models import Event
from journeykit.time import Duration, next_anniversary, shift

__all__ = [
    "Candidate",
    "conditions_check",
    "enter",
    "event_candidates",
    "held_out",
    "next_occurrence",
    "reentry_check",
    "stage_candidates",
    "date_candidates",
]

Candidate = tuple[Journey, str, "Event | None"]
"""A journey that might start, what triggered it in words, and the triggering event."""


def event_candidates(compiled: Compiled, event: Event) -> list[Candidate]:
    found: list[Candidate] = []
    for journey in compiled.by_event.get(event.type, ()):
        trigger = journey.trigger
        assert isinstance(trigger, EventTrigger)  # indexed by event type
        if compiled.matches(journey, "trigger", trigger, event):
            found.append((journey, trigger.describe(), event))
    return found


def stage_candidates(compiled: Compiled, entered: str | None, left: str | None) -> list[Candidate]:
    found: list[Candidate] = []
    if entered is not None:
        reason = f"entered stage {entered}"
        found.extend((j, reason, None) for j in compiled.on_enter.get(entered, ()))
    if left is not None:
        reason = f"left stage {left}"
        found.extend((j, reason, None) for j in compiled.on_leave.get(left, ()))
    return found


def date_candidates(compiled: Compiled, work: Work, at: datetime, zone: tzinfo) -> list[Candidate]:
    found: list[Candidate] = []
    for journey in compiled.dated:
        if next_occurrence(work, journey, at, zone) == at:
            assert isinstance(journey.trigger, DateTrigger)
            found.append((journey, journey.trigger.describe(), None))
    return found


def next_occurrence(work: Work, journey: Journey, after: datetime, zone: tzinfo) -> datetime | None:
    """The next time (at or after ``after``) a date trigger comes round, if it can fire."""
    trigger = journey.trigger
    assert isinstance(trigger, DateTrigger)
    record = work.journeys.get(journey.id)
    last = None if record is None else record.last_entered
    if last is not None and (journey.reentry == "once" or last >= after):
        return None  # once means once; and never twice at one instant
    value = read_date(work.customer, trigger.date)
    if value is None:
        return None
    try:
        return next_anniversary(after, value, trigger.at, zone)
    except ValueError:
        return None  # not a date: explain() says so


def reentry_check(work: Work, journey: Journey, at: datetime, zone: tzinfo) -> tuple[bool, str]:
    """Whether re-entry rules let the customer start ``journey`` at ``at``, and why."""
    if not journey.concurrent and any(r.journey == journey.id for r in work.runs):
        return False, "the customer is in a run of it already (it is not concurrent)"
    record = work.journeys.get(journey.id)
    last = None if record is None else record.last_entered
    if last is None:
        return True, "the customer has not entered it before"
    if journey.reentry == "once":
        return False, f"entered before (at {last.isoformat()}) and re-entry is once"
    if isinstance(journey.reentry, Duration):
        again = shift(last, journey.reentry, zone)
        if again > at:
            return False, (
                f"entered at {last.isoformat()}; may re-enter from {again.isoformat()} "
                f"(cooldown {journey.reentry})"
            )
        return True, f"last entered at {last.isoformat()}, past the cooldown of {journey.reentry}"
    return True, "re-entry is always allowed"


def conditions_check(journey: Journey, ctx: EvalContext) -> tuple[bool, str]:
    """Whether the entry condition admits the customer, and why (exit and goal included:
    a run whose exit holds or whose goal is met would end the moment it began)."""
    if journey.entry is not None and not journey.entry.evaluate(ctx):
        return False, f"entry condition does not hold: {journey.entry}"
    if journey.exit is not None and journey.exit.evaluate(ctx):
        return False, f"its exit condition holds already: {journey.exit}"
    goal = journey.goal
    if goal is not None and not isinstance(goal, EventTrigger) and goal.evaluate(ctx):
        return False, f"its goal is met already: {goal}"
    if journey.entry is None:
        return True, "no entry condition"
    return True, f"entry condition holds: {journey.entry}"


def held_out(customer: str, journey: Journey) -> bool:
    """Whether the customer is in the journey's holdout group (a stable hash)."""
    return (
        journey.holdout > 0 and stable_fraction("holdout", customer, journey.id) < journey.holdout
    )


def enter(
    compiled: Compiled,
    work: Work,
    ctx: EvalContext,
    at: datetime,
    candidates: list[Candidate],
    zone: tzinfo,
) -> None:
    """Start the candidates that pass every check, arbitrating groups by priority."""
    eligible: dict[str, Candidate] = {}
    for journey, reason, event in candidates:
        if journey.id in eligible:
            continue
        if reentry_check(work, journey, at, zone)[0] and conditions_check(journey, ctx)[0]:
            eligible[journey.id] = (journey, reason, event)
    running = running_groups(compiled, work)
    winners: dict[str, Journey] = {}
    for journey, reason, event in sorted(
        eligible.values(), key=lambda c: (-c[0].priority, c[0].id)
    ):
        group = journey.group
        if group is not None:
            if group in running:
                detail = f"{running[group]!r} is already running in group {group!r}"
                work.actions.append(JourneySkipped(journey=journey.id, at=at, detail=detail))
                continue
            if group in winners:
                winner = winners[group]
                detail = f"{winner.id!r} (priority {winner.priority}) won in group {group!r}"
                work.actions.append(JourneySkipped(journey=journey.id, at=at, detail=detail))
                continue
            winners[group] = journey
        _start(work, journey, at, reason, event)


def running_groups(compiled: Compiled, work: Work) -> dict[str, str]:
    """The groups with a run going for the customer, and which journey holds each."""
    found: dict[str, str] = {}
    for run in work.runs:
        group = compiled.journeys[(run.journey, run.version)].group
        if group is not None:
            found.setdefault(group, run.journey)
    return found


def _start(work: Work, journey: Journey, at: datetime, reason: str, event: Event | None) -> None:
    customer = work.customer.id
    out = held_out(customer, journey)
    run_id = stable_key(
        customer,
        journey.id,
        str(journey.version),
        str(to_micros(at)),
        event.id if event is not None else reason,
    )
    work.runs.append(
        Run(
            id=run_id,
            journey=journey.id,
            version=journey.version,
            step=journey.first_step(),
            due=at,
            started_at=at,
            held_out=out,
            trigger=event,
        )
    )
    work.actions.append(
        JourneyEntered(
            journey=journey.id,
            version=journey.version,
            run=run_id,
            at=at,
            held_out=out,
            reason=reason,
        )
    )
    work.bump(journey.id, entered=1, held_out=int(out), last_entered=at)
