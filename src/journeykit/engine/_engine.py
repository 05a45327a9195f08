"""The engine: events and time in, decisions out, for one customer at a time.

Theory of operation
-------------------
Rule 1: the engine is a pure function of (definitions, state, input). It reads no clock:
``handle`` takes an event (its ``at`` is the time), ``tick`` takes ``now``. The caller's
state is never changed; a new one comes back in the :class:`Decision`.

Rule 2: time is processed in order. Everything the engine does happens at an *instant*:
an event's time, or the moment something falls due (a wait ends, a quiet period ends, a
stage condition such as ``since(order) > 90d`` starts to hold, a window drops an old
order, a birthday comes round). ``tick(state, now)`` processes every due instant up to
``now`` in order, each at its own time, so a host that ticks only at ``wake_at`` sees the
same actions at the same instants as a host that ticks every few minutes. ``handle``
first processes what fell due before the event, then the event.

Rule 3: one order inside an instant: the facts fold (for an event), then stage changes,
then journey exits and goals, then triggers (entries), then due steps. If a step changes
the customer record, the instant is run again from the stage changes (bounded).

Rule 4: ``wake_at`` is the earliest instant at which ``tick`` has something to do: a run
due, a pin ending, a birthday, or the first instant at which a watched condition (a
transition out of the current stage, an active run's exit or goal) starts to hold with
the facts as they are (:mod:`journeykit.engine._wake`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from journeykit._errors import DefinitionError, InvalidInputError, Problem, UsageError
from journeykit.conditions import EvalContext, _where_matcher
from journeykit.engine._actions import JourneyEntered, JourneyExited, JourneySkipped
from journeykit.engine._definitions import DefinitionSet, journey_conditions
from journeykit.engine._policy import Policy
from journeykit.engine._runner import RunContext, read_date, run_steps, stable_fraction, stable_key
from journeykit.engine._state import (
    SCHEMA_VERSION,
    CustomerState,
    Decision,
    Pin,
    Run,
    SentRecord,
    StageRecord,
    evolve,
)
from journeykit.engine._wake import next_boundary, to_datetime, to_micros
from journeykit.engine._work import _UNKNOWN, Work
from journeykit.facts import FactsSpec
from journeykit.journeys import (
    DateTrigger,
    EventTrigger,
    Journey,
    StageTrigger,
    StepPlace,
    WaitFor,
)
from journeykit.models import Customer, Event
from journeykit.stages import StageChanged, StageMachine
from journeykit.templates import Templates, validate
from journeykit.time import Duration, next_anniversary, require_aware, shift, zone

__all__ = ["Engine"]

#: Instants one call may process, and rounds one instant may take: far beyond any real
#: customer, so a definition error can never spin.
MAX_INSTANTS = 100_000
MAX_ROUNDS = 4
#: How many boundaries the wake-up search tries before settling for an early wake-up.
MAX_WAKE_PROBES = 16

Candidate = tuple[Journey, str, "Event | None"]
_UTC = timezone.utc


class Engine:
    """Runs a lifecycle and journeys for customers, one call at a time, with no I/O.

    Build it once from the definitions (checked as a whole: every problem at once, with
    its path) and share it; it holds no per-customer data. For each customer the host
    keeps a :class:`CustomerState`:

    >>> from datetime import datetime, timezone
    >>> from journeykit.journeys import Journey, on_event, send
    >>> from journeykit.models import Customer, Event
    >>> from journeykit.templates import MessageTemplate, Templates
    >>> engine = Engine(
    ...     journeys=[Journey(id="thanks", trigger=on_event("order_placed"),
    ...                       steps=[send("thank_you", transactional=True)])],
    ...     templates=Templates(templates={"thank_you": {"default": MessageTemplate(
    ...         subject="Thank you, {{ customer.first_name }}!", text="We got your order.")}}),
    ... )
    >>> now = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)
    >>> ada = Customer(id="ada", email="ada@example.com", created_at=now,
    ...                attributes={"first_name": "Ada"})
    >>> state = engine.start(ada, now)
    >>> order = Event(id="o-1", customer_id="ada", type="order_placed", at=now,
    ...               properties={"value": "499.00", "currency": "SEK"})
    >>> decision = engine.handle(state, order)
    >>> [a.type for a in decision.actions]
    ['journey_entered', 'send_message', 'journey_exited']
    >>> decision.actions[1].message.subject, decision.actions[1].to
    ('Thank you, Ada!', 'ada@example.com')
    """

    def __init__(
        self,
        lifecycle: StageMachine | None = None,
        journeys: Sequence[Journey] = (),
        templates: Templates | None = None,
        policy: Policy | None = None,
        *,
        events: Sequence[str] = (),
    ) -> None:
        definitions = DefinitionSet.model_validate(
            {
                "lifecycle": lifecycle,
                "journeys": journeys,
                "templates": templates if templates is not None else Templates(),
                "policy": policy if policy is not None else Policy(),
                "events": events,
            }
        )
        self._setup(definitions)

    @classmethod
    def from_definitions(cls, definitions: DefinitionSet) -> Engine:
        """An engine for a loaded :class:`DefinitionSet` (``DefinitionSet.from_json(...)``)."""
        engine = cls.__new__(cls)
        engine._setup(definitions)
        return engine

    def _setup(self, definitions: DefinitionSet) -> None:
        validate(definitions.templates)
        self.definitions = definitions
        self.lifecycle = definitions.lifecycle
        self.templates = definitions.templates
        self.policy = definitions.policy
        self._latest = definitions.latest()
        self._journeys: dict[tuple[str, int], Journey] = {
            (j.id, j.version): j for j in definitions.journeys
        }
        self._places: dict[tuple[str, int], dict[str, StepPlace]] = {
            key: j.places() for key, j in self._journeys.items()
        }
        self._by_event: dict[str, list[Journey]] = {}
        self._on_enter: dict[str, list[Journey]] = {}
        self._on_leave: dict[str, list[Journey]] = {}
        self._dated: list[Journey] = []
        for journey in self._latest.values():
            trigger = journey.trigger
            if isinstance(trigger, EventTrigger):
                self._by_event.setdefault(trigger.event, []).append(journey)
            elif isinstance(trigger, StageTrigger):
                table = self._on_enter if trigger.on == "enter" else self._on_leave
                for stage in trigger.stages:
                    table.setdefault(stage, []).append(journey)
            else:
                self._dated.append(journey)
        self._matchers: dict[tuple[str, int, str], Any] = {}
        for (jid, version), journey in self._journeys.items():
            if isinstance(journey.trigger, EventTrigger):
                self._matchers[(jid, version, "trigger")] = _where_matcher(journey.trigger.where)
            if isinstance(journey.goal, EventTrigger):
                self._matchers[(jid, version, "goal")] = _where_matcher(journey.goal.where)
            for step in journey.walk():
                if isinstance(step, WaitFor):
                    self._matchers[(jid, version, step.id)] = _where_matcher(step.where)
        conditions = [] if self.lifecycle is None else list(self.lifecycle.conditions())
        for journey in definitions.journeys:
            conditions.extend(journey_conditions(journey))
        self.spec = FactsSpec.for_conditions(conditions)
        self._tolerance = self.policy.late_event_tolerance
        caps = self.policy.caps
        self._sent_horizon = max((c.window.max_seconds() for c in caps), default=0.0)
        self._sent_keep = max((c.limit for c in caps), default=0)

    # --- the host's calls -------------------------------------------------------------

    def start(self, customer: Customer, now: datetime) -> CustomerState:
        """A fresh state for a customer the engine has not seen; nothing happens yet.

        The first :meth:`tick` or :meth:`handle` places the customer in the lifecycle's
        initial stage and acts.
        """
        _check_customer(customer)
        require_aware(now, "now")
        return CustomerState(customer=customer, clock=now.astimezone(_UTC), facts=self.spec.empty())

    def handle(self, state: CustomerState, event: Event) -> Decision:
        """What ``event`` changes for the customer: a new state, actions and ``wake_at``.

        Everything that fell due before the event is processed first, at its own time. A
        repeated event id changes nothing. An event older than the policy's
        ``late_event_tolerance`` (relative to the state's clock) updates facts and stages
        but starts no journey and ends no wait.
        """
        self._check_state(state)
        if not isinstance(event, Event):
            raise InvalidInputError(
                f"event must be a journeykit Event (got {type(event).__name__}); build one "
                "with Event(...) or Event.model_validate(data)"
            )
        if event.customer_id != state.customer.id:
            raise InvalidInputError(
                f"event {event.id!r} is about customer {event.customer_id!r}, but the state "
                f"is customer {state.customer.id!r}'s: load that customer's state"
            )
        if event.id in state.facts.seen:
            return Decision(state=state, actions=(), wake_at=self.wake_at(state))
        work = Work.of(state)
        zone_ = self._zone(work.customer)
        late = event.at < shift(state.clock, -self._tolerance, zone_)
        if event.at > work.clock:
            self._advance(work, event.at)
        work.facts = self.spec.fold(work.facts, event)
        self._instant(work, work.clock, event=event, late=late)
        return self._decide(work)

    def tick(self, state: CustomerState, now: datetime) -> Decision:
        """Process everything that falls due up to ``now``, each at its own instant."""
        self._check_state(state)
        require_aware(now, "now")
        if now < state.clock:
            raise UsageError(
                f"now ({now.isoformat()}) is before the state's clock "
                f"({state.clock.isoformat()}): time only moves forward; pass the current time"
            )
        work = Work.of(state)
        self._advance(work, now)
        return self._decide(work)

    def update_customer(self, state: CustomerState, customer: Customer, now: datetime) -> Decision:
        """Replace the customer record (consent, address, attributes changed in the host's
        database) and act on it at ``now``, as for any change."""
        self._check_state(state)
        _check_customer(customer)
        require_aware(now, "now")
        if customer.id != state.customer.id:
            raise InvalidInputError(
                f"customer {customer.id!r} is not the state's customer {state.customer.id!r}"
            )
        if now < state.clock:
            raise UsageError(
                f"now ({now.isoformat()}) is before the state's clock ({state.clock.isoformat()})"
            )
        work = Work.of(state)
        self._advance(work, now)
        work.customer = customer
        self._instant(work, now)
        return self._decide(work)

    def pin_stage(
        self,
        state: CustomerState,
        stage: str,
        now: datetime,
        *,
        until: datetime | None = None,
    ) -> Decision:
        """Place the customer in ``stage`` by hand (a CRM operator's VIP or do-not-contact),
        optionally until an instant. The change is a ``StageChanged`` with the transition
        ``"manual"``; the lifecycle's rules do not move the customer until the pin ends.
        """
        self._check_state(state)
        require_aware(now, "now")
        if self.lifecycle is None:
            raise UsageError("pin_stage needs an engine with a lifecycle")
        if stage not in self.lifecycle.stage_names:
            raise InvalidInputError(
                f"stage {stage!r} is not in the lifecycle (stages: "
                f"{', '.join(self.lifecycle.stage_names)})"
            )
        if until is not None:
            require_aware(until, "until")
            if until <= now:
                raise InvalidInputError(
                    f"until ({until.isoformat()}) must be after now ({now.isoformat()})"
                )
        if now < state.clock:
            raise UsageError(
                f"now ({now.isoformat()}) is before the state's clock ({state.clock.isoformat()})"
            )
        work = Work.of(state)
        self._advance(work, now)
        left = work.stage
        work.pin = Pin(stage=stage, until=until)
        moved = None
        if left != stage:
            reason = f"placed in {stage!r} by hand" + (
                "" if until is None else f" until {until.isoformat()}"
            )
            work.actions.append(
                StageChanged(
                    from_stage=left, to_stage=stage, at=now, transition="manual", reason=reason
                )
            )
            work.history.append(StageRecord(stage=stage, at=now, transition="manual"))
            work.stage, work.entered = stage, now
            moved = (stage, left)
        self._instant(work, now, moved=moved)
        return self._decide(work)

    def unpin_stage(self, state: CustomerState, now: datetime) -> Decision:
        """End a manual pin now; the lifecycle's rules apply again at once."""
        self._check_state(state)
        require_aware(now, "now")
        if now < state.clock:
            raise UsageError(
                f"now ({now.isoformat()}) is before the state's clock ({state.clock.isoformat()})"
            )
        work = Work.of(state)
        self._advance(work, now)
        work.pin = None
        self._instant(work, now)
        return self._decide(work)

    def wake_at(self, state: CustomerState) -> datetime | None:
        """When :meth:`tick` next has something to do for ``state`` (``None``: never
        without an event). Every :class:`Decision` carries it too."""
        return self._next_due(Work.of(state))

    # --- processing -------------------------------------------------------------------

    def _advance(self, work: Work, until: datetime) -> None:
        for _ in range(MAX_INSTANTS):
            due = self._next_due(work)
            if due is None or due > until:
                work.due = due  # nothing changes before the next call: reuse it
                break
            self._instant(work, due)
        else:
            raise UsageError(
                f"more than {MAX_INSTANTS} instants fell due in one call for customer "
                f"{work.customer.id!r}; tick more often"
            )
        if until > work.clock:
            work.clock = until.astimezone(_UTC)

    def _instant(
        self,
        work: Work,
        at: datetime,
        *,
        event: Event | None = None,
        late: bool = False,
        moved: tuple[str | None, str | None] | None = None,
    ) -> None:
        at = at.astimezone(_UTC)
        work.due = _UNKNOWN
        if at > work.clock:
            work.clock = at
        self._resolve_runs(work, at)
        zone_ = self._zone(work.customer)
        for round_ in range(MAX_ROUNDS):
            work.customer_changed = False
            stage_moved = self._stages(work, at) or moved
            moved = None
            ctx = self._context(work, at)
            self._exits(work, ctx, at, event)
            candidates: list[Candidate] = []
            if event is not None and not late:
                candidates.extend(self._event_candidates(event))
            if stage_moved is not None:
                candidates.extend(self._stage_candidates(*stage_moved))
            if round_ == 0:
                candidates.extend(self._date_candidates(work, at, zone_))
            self._enter(work, ctx, at, candidates, zone_)
            if event is not None and not late:
                self._wake_waiters(work, at, event)
            event = None
            self._run_due(work, at, zone_)
            if not work.customer_changed:
                return
        raise DefinitionError(
            [
                Problem(
                    "journeys",
                    f"updates and stage changes kept triggering each other at one instant for "
                    f"customer {work.customer.id!r}; make the journeys' updates settle",
                )
            ]
        )

    def _stages(self, work: Work, at: datetime) -> tuple[str | None, str | None] | None:
        """Stage changes due at ``at``: (stage reached last, stage left first), or None."""
        if self.lifecycle is None:
            return None
        if work.pin is not None:
            if work.pin.until is None or at < work.pin.until:
                return None
            work.pin = None
        changes = self.lifecycle.evaluate(
            work.stage,
            work.entered,
            work.customer,
            work.facts,
            at,
            tz=self._zone_name(work.customer),
        )
        if not changes:
            return None
        for change in changes:
            work.actions.append(change)
            work.history.append(
                StageRecord(stage=change.to_stage, at=at, transition=change.transition)
            )
        work.stage, work.entered = changes[-1].to_stage, at
        return changes[-1].to_stage, changes[0].from_stage

    def _exits(self, work: Work, ctx: EvalContext, at: datetime, event: Event | None) -> None:
        kept: list[Run] = []
        for run in work.runs:
            journey = self._journeys[(run.journey, run.version)]
            goal = journey.goal
            if goal is None:
                converted = False
            elif isinstance(goal, EventTrigger):
                converted = event is not None and self._matches(journey, "goal", goal, event)
            else:
                converted = goal.evaluate(ctx)
            if converted:
                self._end(work, run, at, "converted", f"goal met: {_describe(goal)}")
                work.bump(run.journey, converted=1, held_out_converted=int(run.held_out))
            elif journey.exit is not None and journey.exit.evaluate(ctx):
                self._end(work, run, at, "exited", f"exit condition holds: {journey.exit}")
            else:
                kept.append(run)
        work.runs = kept

    def _event_candidates(self, event: Event) -> list[Candidate]:
        found: list[Candidate] = []
        for journey in self._by_event.get(event.type, ()):
            trigger = journey.trigger
            assert isinstance(trigger, EventTrigger)  # indexed by event type
            if self._matches(journey, "trigger", trigger, event):
                found.append((journey, trigger.describe(), event))
        return found

    def _stage_candidates(self, entered: str | None, left: str | None) -> list[Candidate]:
        found: list[Candidate] = []
        if entered is not None:
            found.extend(
                (j, f"entered stage {entered}", None) for j in self._on_enter.get(entered, ())
            )
        if left is not None:
            found.extend((j, f"left stage {left}", None) for j in self._on_leave.get(left, ()))
        return found

    def _date_candidates(self, work: Work, at: datetime, zone_: tzinfo) -> list[Candidate]:
        found: list[Candidate] = []
        for journey in self._dated:
            occurrence = self._occurrence(work, journey, at, zone_)
            if occurrence == at:
                trigger = journey.trigger
                assert isinstance(trigger, DateTrigger)
                found.append((journey, trigger.describe(), None))
        return found

    def _occurrence(
        self, work: Work, journey: Journey, after: datetime, zone_: tzinfo
    ) -> datetime | None:
        """The next time (at or after ``after``) a date trigger comes round, if it can."""
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
            return next_anniversary(after, value, trigger.at, zone_)
        except InvalidInputError:
            return None  # not a date: explain() says so

    def entry_refusal(
        self, work: Work, ctx: EvalContext, at: datetime, journey: Journey
    ) -> str | None:
        """Why ``journey`` cannot start for the customer now, or None if it can."""
        if any(r.journey == journey.id for r in work.runs):
            return "the customer is already in a run of it"
        record = work.journeys.get(journey.id)
        if record is not None and record.last_entered is not None:
            if journey.reentry == "once":
                return f"entered before (at {record.last_entered.isoformat()}) and re-entry is once"
            if isinstance(journey.reentry, Duration):
                again = shift(record.last_entered, journey.reentry, self._zone(work.customer))
                if again > at:
                    return (
                        f"entered at {record.last_entered.isoformat()}; may re-enter from "
                        f"{again.isoformat()} (cooldown {journey.reentry})"
                    )
        if journey.entry is not None and not journey.entry.evaluate(ctx):
            return f"entry condition does not hold: {journey.entry}"
        if journey.exit is not None and journey.exit.evaluate(ctx):
            return f"its exit condition holds already: {journey.exit}"
        goal = journey.goal
        if goal is not None and not isinstance(goal, EventTrigger) and goal.evaluate(ctx):
            return f"its goal is met already: {goal}"
        return None

    def _enter(
        self,
        work: Work,
        ctx: EvalContext,
        at: datetime,
        candidates: list[Candidate],
        zone_: tzinfo,
    ) -> None:
        eligible: dict[str, Candidate] = {}
        for journey, reason, event in candidates:
            if journey.id not in eligible and self.entry_refusal(work, ctx, at, journey) is None:
                eligible[journey.id] = (journey, reason, event)
        running = {
            self._journeys[(r.journey, r.version)].group: r.journey
            for r in work.runs
            if self._journeys[(r.journey, r.version)].group is not None
        }
        winners: dict[str, Journey] = {}
        ordered = sorted(eligible.values(), key=lambda c: (-c[0].priority, c[0].id))
        for journey, reason, event in ordered:
            group = journey.group
            if group is not None:
                if group in running:
                    self._skip(
                        work,
                        journey,
                        at,
                        f"{running[group]!r} is already running in group {group!r}",
                    )
                    continue
                if group in winners:
                    winner = winners[group]
                    self._skip(
                        work,
                        journey,
                        at,
                        f"{winner.id!r} (priority {winner.priority}) won in group {group!r}",
                    )
                    continue
                winners[group] = journey
            self._start_run(work, journey, at, reason, event)

    def _skip(self, work: Work, journey: Journey, at: datetime, detail: str) -> None:
        work.actions.append(JourneySkipped(journey=journey.id, at=at, detail=detail))

    def _start_run(
        self, work: Work, journey: Journey, at: datetime, reason: str, event: Event | None
    ) -> None:
        customer = work.customer.id
        held_out = journey.holdout > 0 and (
            stable_fraction("holdout", customer, journey.id) < journey.holdout
        )
        run_id = stable_key(
            customer,
            journey.id,
            str(journey.version),
            str(to_micros(at)),
            event.id if event else reason,
        )
        work.runs.append(
            Run(
                id=run_id,
                journey=journey.id,
                version=journey.version,
                step=journey.first_step(),
                due=at,
                started_at=at,
                held_out=held_out,
                trigger=event,
            )
        )
        work.actions.append(
            JourneyEntered(
                journey=journey.id,
                version=journey.version,
                run=run_id,
                at=at,
                held_out=held_out,
                reason=reason,
            )
        )
        work.bump(journey.id, entered=1, held_out=int(held_out), last_entered=at)

    def _wake_waiters(self, work: Work, at: datetime, event: Event) -> None:
        ended: list[Run] = []
        for i, run in enumerate(work.runs):
            if run.waiting != "event":
                continue
            places = self._places[(run.journey, run.version)]
            step = places[run.step].step
            assert isinstance(step, WaitFor)  # runs wait for events only at WaitFor steps
            if step.event == event.type and self._match_where(
                (run.journey, run.version, step.id), event
            ):
                after = places[run.step].next_id
                if after is None:
                    ended.append(run)
                else:
                    work.runs[i] = evolve(run, step=after, due=at, waiting=None)
        for run in ended:
            work.runs.remove(run)
            self._end(work, run, at, "completed", f"{run.step}: the awaited event came")

    def _run_due(self, work: Work, at: datetime, zone_: tzinfo) -> None:
        due = sorted(
            (r for r in work.runs if r.due is not None and r.due <= at),
            key=lambda r: (r.due, r.started_at, r.journey),
        )
        for run in due:
            if run not in work.runs:
                continue
            journey = self._journeys[(run.journey, run.version)]
            rc = RunContext(
                work=work,
                at=at,
                zone=zone_,
                zone_name=self._zone_name(work.customer),
                policy=self.policy,
                templates=self.templates,
                context=lambda: self._context(work, at),
            )
            after = run_steps(rc, run, journey, self._places[(run.journey, run.version)])
            index = work.runs.index(run)
            if after is None:
                del work.runs[index]
                self._end(work, run, at, "completed", "all steps done")
            else:
                work.runs[index] = after

    def _end(self, work: Work, run: Run, at: datetime, reason: str, detail: str) -> None:
        work.actions.append(
            JourneyExited(
                journey=run.journey,
                version=run.version,
                run=run.id,
                at=at,
                reason=reason,  # type: ignore[arg-type]  # one of ExitReason
                detail=detail,
            )
        )

    def _resolve_runs(self, work: Work, at: datetime) -> None:
        """Runs of versions no longer defined go on in the newest version where their step
        still exists, and end with ``definition_removed`` where it does not."""
        kept: list[Run] = []
        for run in work.runs:
            if (run.journey, run.version) in self._journeys:
                kept.append(run)
                continue
            latest = self._latest.get(run.journey)
            if latest is not None and run.step in self._places[(latest.id, latest.version)]:
                kept.append(evolve(run, version=latest.version))
                continue
            detail = (
                f"journey {run.journey!r} is no longer defined"
                if latest is None
                else f"step {run.step!r} is not in version {latest.version}"
            )
            self._end(work, run, at, "definition_removed", detail)
        work.runs = kept

    # --- wake-ups ---------------------------------------------------------------------

    def _next_due(self, work: Work) -> datetime | None:
        if self.lifecycle is not None and work.stage is None:
            return work.clock  # not placed yet: the first call places the customer
        best: datetime | None = None

        def consider(candidate: datetime | None) -> None:
            nonlocal best
            if candidate is not None and (best is None or candidate < best):
                best = candidate

        for run in work.runs:
            consider(None if run.due is None else run.due.astimezone(_UTC))
        if work.pin is not None and work.pin.until is not None:
            consider(work.pin.until.astimezone(_UTC))
        zone_ = self._zone(work.customer)
        after = work.clock + timedelta(microseconds=1)
        for journey in self._dated:
            occurrence = self._occurrence(work, journey, after, zone_)
            consider(None if occurrence is None else occurrence.astimezone(_UTC))
        consider(self._condition_change(work, zone_, best))
        return best

    def _watched(self, work: Work) -> list[Any]:
        """The conditions whose holding would give ``tick`` something to do."""
        watched: list[Any] = []
        if self.lifecycle is not None and work.pin is None and work.stage is not None:
            stage = self.lifecycle.resolve(work.stage)
            watched.extend(e.transition.when for e in self.lifecycle._tables().table[stage])
        elif work.pin is not None and work.pin.until is not None:
            pass  # rules resume when the pin ends, which is itself a wake-up
        for run in work.runs:
            journey = self._journeys.get((run.journey, run.version))
            if journey is None:
                continue
            if journey.exit is not None:
                watched.append(journey.exit)
            if journey.goal is not None and not isinstance(journey.goal, EventTrigger):
                watched.append(journey.goal)
        return watched

    def _condition_change(
        self, work: Work, zone_: tzinfo, before: datetime | None
    ) -> datetime | None:
        watched = self._watched(work)
        if not watched:
            return None
        at = work.clock
        for _ in range(MAX_WAKE_PROBES):
            ctx = self._context(work, at)
            bounds = [b for b in (next_boundary(c, ctx, zone_) for c in watched) if b is not None]
            if not bounds:
                return None
            candidate = to_datetime(min(bounds))
            if before is not None and candidate >= before:
                return None  # something else is due first; look again after it
            probe = self._context(work, candidate)
            if any(c.evaluate(probe) for c in watched):
                return candidate
            at = candidate
        return to_datetime(min(bounds))

    # --- helpers ----------------------------------------------------------------------

    def _context(self, work: Work, at: datetime) -> EvalContext:
        return EvalContext(
            work.customer,
            work.facts,
            at,
            stage=work.stage,
            stage_entered_at=work.entered,
            tz=self._zone_name(work.customer),
        )

    def _zone_name(self, customer: Customer) -> str:
        return customer.timezone or self.policy.default_timezone

    def _zone(self, customer: Customer) -> tzinfo:
        return zone(self._zone_name(customer))

    def _matches(self, journey: Journey, which: str, trigger: EventTrigger, event: Event) -> bool:
        return trigger.event == event.type and self._match_where(
            (journey.id, journey.version, which), event
        )

    def _match_where(self, key: tuple[str, int, str], event: Event) -> bool:
        matcher = self._matchers.get(key)
        return matcher is None or bool(matcher(event.properties))

    def _check_state(self, state: CustomerState) -> None:
        if not isinstance(state, CustomerState):
            raise InvalidInputError(
                f"state must be a CustomerState from Engine.start or a Decision (got "
                f"{type(state).__name__}); load a stored one with CustomerState.model_validate_json"
            )
        if state.schema_version > SCHEMA_VERSION:
            raise UsageError(
                f"this state was written by a newer journeykit (schema_version "
                f"{state.schema_version}; this release reads up to {SCHEMA_VERSION}); upgrade"
            )

    def _decide(self, work: Work) -> Decision:
        if self._sent_keep:
            horizon = work.clock - timedelta(seconds=self._sent_horizon)
            recent = [s for s in work.sent if s.at >= horizon]
            keep: list[SentRecord] = []
            for channel in {s.channel for s in recent}:
                keep.extend([s for s in recent if s.channel is channel][-self._sent_keep :])
            work.sent = sorted(keep, key=lambda s: (s.at, s.channel.value))
        else:
            work.sent = []
        state = work.state(self.policy.stage_history)
        due = self._next_due(work) if work.due is _UNKNOWN else work.due
        assert due is None or isinstance(due, datetime)  # Work.due holds one when known
        return Decision(state=state, actions=tuple(work.actions), wake_at=due)


def _describe(goal: Any) -> str:
    return goal.describe() if isinstance(goal, EventTrigger) else str(goal)


def _check_customer(customer: object) -> None:
    if not isinstance(customer, Customer):
        raise InvalidInputError(
            f"customer must be a journeykit Customer (got {type(customer).__name__}); build "
            "one with Customer(...) or Customer.model_validate(data)"
        )
