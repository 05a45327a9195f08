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
the facts as they are (:mod:`journeykit.conditions._boundaries`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

from journeykit._base import assemble
from journeykit._errors import DefinitionError, InvalidInputError, Problem, UsageError
from journeykit.conditions import Condition, EvalContext
from journeykit.engine import _entry
from journeykit.engine._actions import JourneyExited
from journeykit.engine._compiled import Compiled
from journeykit.engine._definitions import DefinitionSet
from journeykit.engine._explain import JourneyExplanation, explain
from journeykit.engine._inputs import check_customer, check_state, not_before_clock
from journeykit.engine._policy import Policy
from journeykit.engine._runner import Ended, RunContext, run_steps
from journeykit.engine._schedule import next_due
from journeykit.engine._state import (
    CustomerState,
    Decision,
    Pin,
    Run,
    SentRecord,
    StageRecord,
    evolve,
)
from journeykit.engine._work import _UNKNOWN, Work
from journeykit.journeys import EventTrigger, Journey, WaitFor
from journeykit.models import Customer, Event
from journeykit.stages import StageChanged, StageMachine
from journeykit.templates import Templates
from journeykit.time import require_aware, shift

__all__ = ["Engine"]

#: Instants one call may process, and rounds one instant may take: far beyond any real
#: customer, so a definition error can never spin.
MAX_INSTANTS = 100_000
MAX_ROUNDS = 4
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
        segments: Mapping[str, Condition] | None = None,
    ) -> None:
        definitions = DefinitionSet.model_validate(
            {
                "lifecycle": lifecycle,
                "journeys": journeys,
                "templates": templates if templates is not None else Templates(),
                "policy": policy if policy is not None else Policy(),
                "events": events,
                "segments": segments or {},
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
        self._c = compiled = Compiled(definitions)
        self.definitions = definitions
        self.lifecycle = compiled.lifecycle
        self.templates = compiled.templates
        self.policy = compiled.policy
        self.spec = compiled.spec
        """The facts spec every state's facts follow: what every condition reads."""
        # The state the last call returned and its wake-up: a host that handles a
        # customer's calls in a row passes it straight back, and needs neither its checks
        # nor its next due instant again. One tuple, replaced whole (threads sharing the
        # engine never see half of one); a state is immutable, so identity is enough.
        self._last: tuple[CustomerState | None, datetime | None] = (None, None)

    # --- the host's calls -------------------------------------------------------------

    def start(self, customer: Customer, now: datetime) -> CustomerState:
        """A fresh state for a customer the engine has not seen; nothing happens yet.

        The first :meth:`tick` or :meth:`handle` places the customer in the lifecycle's
        initial stage and acts.
        """
        check_customer(customer)
        require_aware(now, "now")
        return CustomerState(customer=customer, clock=now.astimezone(_UTC), facts=self.spec.empty())

    def handle(self, state: CustomerState, event: Event) -> Decision:
        """What ``event`` changes for the customer: a new state, actions and ``wake_at``.

        Everything that fell due before the event is processed first, at its own time. A
        repeated event id changes nothing while the facts remember it: an event dated
        within 7 days of the state's clock always is (the facts' ``dedupe_horizon``, see
        :class:`~journeykit.facts.FactsSpec`). An event older than the policy's
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
                f"belongs to customer {state.customer.id!r}: load the event's customer's state"
            )
        if event.id in state.facts.seen:
            return self._idle(state, state.clock)
        work = self._work(state)
        at = event.at
        late = at < state.clock and self._late(state, work, event)
        if at > work.clock:
            self._advance(work, at)
        work.facts = self.spec.fold(work.facts, event, now=work.clock)
        self._instant(work, work.clock, event=event, late=late)
        return self._decide(work)

    def tick(self, state: CustomerState, now: datetime) -> Decision:
        """Process everything that falls due up to ``now``, each at its own instant."""
        self._check_state(state)
        require_aware(now, "now")
        not_before_clock(state, now)
        last = self._last
        if last[0] is state:
            due = last[1]
            if due is None or due > now:
                return self._moved_on(state, now, due)  # nothing falls due
        work = self._work(state)
        self._advance(work, now)
        return self._decide(work)

    def update_customer(self, state: CustomerState, customer: Customer, now: datetime) -> Decision:
        """Replace the customer record (consent, address, attributes changed in the host's
        database) and act on it at ``now``, as for any change."""
        self._check_state(state)
        check_customer(customer)
        require_aware(now, "now")
        if customer.id != state.customer.id:
            raise InvalidInputError(
                f"customer {customer.id!r} is not the state's customer {state.customer.id!r}"
            )
        not_before_clock(state, now)
        work = self._work(state)
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
        not_before_clock(state, now)
        work = self._work(state)
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
        not_before_clock(state, now)
        work = self._work(state)
        self._advance(work, now)
        work.pin = None
        self._instant(work, now)
        return self._decide(work)

    def in_segment(self, state: CustomerState, segment: str, now: datetime) -> bool:
        """Whether the customer in ``state`` is in the named segment (a condition of the
        definitions' ``segments``) at ``now``; nothing is changed. ``now`` may not be before
        the state's clock: the facts already hold what happened up to the clock."""
        self._check_state(state)
        require_aware(now, "now")
        not_before_clock(state, now)
        condition = self.definitions.segments.get(segment)
        if condition is None:
            known = ", ".join(sorted(self.definitions.segments)) or "none"
            raise InvalidInputError(f"no segment {segment!r} in this engine (segments: {known})")
        return condition.evaluate(self._c.context(Work.of(state), now))

    def wake_at(self, state: CustomerState) -> datetime | None:
        """When :meth:`tick` next has something to do for ``state`` (``None``: never
        without an event). Every :class:`Decision` carries it too."""
        last = self._last
        if last[0] is state:
            return last[1]
        self._check_state(state)
        return next_due(self._c, self._loaded(state))

    def explain(self, state: CustomerState, journey: str, now: datetime) -> JourneyExplanation:
        """Why would (or wouldn't) this customer enter ``journey`` at ``now``?

        Each check (trigger, entry, re-entry, group, consent, holdout) with its outcome in
        words. ``now`` must not be before the state's clock; nothing is changed.
        """
        self._check_state(state)
        require_aware(now, "now")
        not_before_clock(state, now)
        if journey not in self._c.latest:
            known = ", ".join(sorted(self._c.latest)) or "none"
            raise InvalidInputError(f"no journey {journey!r} in this engine (journeys: {known})")
        return explain(self._c, self._loaded(state), self._c.latest[journey], now)

    # --- processing -------------------------------------------------------------------

    def _advance(self, work: Work, until: datetime) -> None:
        for _ in range(MAX_INSTANTS):
            known = work.due
            due = next_due(self._c, work) if known is _UNKNOWN else known
            assert due is None or isinstance(due, datetime)  # Work.due holds one when known
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
        compiled = self._c
        at = at.astimezone(_UTC)
        work.due = _UNKNOWN
        if at > work.clock:
            work.clock = at
        for round_ in range(MAX_ROUNDS):
            work.customer_changed = False
            ctx = compiled.context(work, at)
            stage_moved = self._stages(work, ctx, at) or moved
            if stage_moved is not None and ctx.stage != work.stage:
                ctx = work.ctx = ctx.at_stage(work.stage, work.entered)
            moved = None
            if work.runs:
                self._exits(work, ctx, at, event)
            candidates: list[_entry.Candidate] = []
            # (each table is looked up only if some journey has such a trigger)
            if event is not None and not late and compiled.by_event:
                candidates.extend(_entry.event_candidates(compiled, event))
            if stage_moved is not None and (compiled.on_enter or compiled.on_leave):
                candidates.extend(_entry.stage_candidates(compiled, *stage_moved))
            if round_ == 0 and compiled.dated:
                zone = compiled.zone(work.customer)
                candidates.extend(_entry.date_candidates(compiled, work, at, zone))
            if candidates:
                _entry.enter(compiled, work, ctx, at, candidates, compiled.zone(work.customer))
            if work.runs:
                if event is not None and not late:
                    self._wake_waiters(work, at, event)
                self._run_due(work, at)
            event = None
            if not work.customer_changed:
                return
        raise DefinitionError(
            [
                Problem(
                    "journeys",
                    "updates and stage changes kept triggering each other at one instant for "
                    f"customer {work.customer.id!r}; make the journeys' updates settle",
                )
            ]
        )

    def _stages(
        self, work: Work, ctx: EvalContext, at: datetime
    ) -> tuple[str | None, str | None] | None:
        """Stage changes due at ``at``: (stage reached last, stage left first), or None.
        ``ctx`` is the customer at ``at`` in their stage before any change."""
        if self.lifecycle is None:
            return None
        if work.pin is not None:
            if work.pin.until is None or at < work.pin.until:
                return None
            work.pin = None
        changes = self.lifecycle._changes(ctx)
        if not changes:
            return None
        for change in changes:
            work.actions.append(change)
            work.history.append(
                assemble(
                    StageRecord,
                    {"stage": change.to_stage, "at": at, "transition": change.transition},
                )
            )
        work.stage, work.entered = changes[-1].to_stage, at
        return changes[-1].to_stage, changes[0].from_stage

    def _exits(self, work: Work, ctx: EvalContext, at: datetime, event: Event | None) -> None:
        kept: list[Run] = []
        for run in work.runs:
            journey = self._c.journeys[(run.journey, run.version)]
            goal = journey.goal
            if goal is None:
                converted = False
            elif isinstance(goal, EventTrigger):
                converted = event is not None and self._c.matches(journey, "goal", goal, event)
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

    def _wake_waiters(self, work: Work, at: datetime, event: Event) -> None:
        ended: list[Run] = []
        for i, run in enumerate(work.runs):
            if run.waiting != "event":
                continue
            places = self._c.places[(run.journey, run.version)]
            step = places[run.step].step
            assert isinstance(step, WaitFor)  # runs wait for events only at WaitFor steps
            if step.event == event.type and self._c.matches_where(
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

    def _run_due(self, work: Work, at: datetime) -> None:
        compiled = self._c
        due = sorted(
            (r for r in work.runs if r.due is not None and r.due <= at),
            key=lambda r: (r.due, r.started_at, r.journey),
        )
        for run in due:
            if run not in work.runs:
                continue
            key = (run.journey, run.version)
            rc = RunContext(
                work=work,
                at=at,
                zone=compiled.zone(work.customer),
                zone_name=compiled.zone_name(work.customer),
                policy=compiled.policy,
                templates=compiled.templates,
                context=lambda: compiled.context(work, at),
            )
            after = run_steps(rc, run, compiled.journeys[key], compiled.places[key])
            index = work.runs.index(run)
            if isinstance(after, Ended):
                del work.runs[index]
                self._end(work, run, at, after.reason, after.detail)
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
            if (run.journey, run.version) in self._c.journeys:
                kept.append(run)
                continue
            latest = self._c.latest.get(run.journey)
            if latest is not None and run.step in self._c.places[(latest.id, latest.version)]:
                kept.append(evolve(run, version=latest.version))
                continue
            detail = (
                f"journey {run.journey!r} is no longer defined"
                if latest is None
                else f"step {run.step!r} is not in version {latest.version}"
            )
            self._end(work, run, at, "definition_removed", detail)
        work.runs = kept

    # --- helpers ----------------------------------------------------------------------

    def _loaded(self, state: CustomerState) -> Work:
        """A working copy of ``state``, its facts upgraded to this engine's spec if the
        definitions read more than they kept (new windows and filters start empty)."""
        work = Work.of(state)
        if state is not self._last[0] and not self._c.covers(work.facts):
            work.facts = self.spec.upgrade(work.facts)
        return work

    def _work(self, state: CustomerState) -> Work:
        """A working copy of ``state`` for a call that changes it; runs of journeys no
        longer defined are settled first, at the state's clock."""
        work = self._loaded(state)
        last = self._last
        if last[0] is state:
            work.due = last[1]  # this engine's own last state: its runs are all defined
        else:
            self._resolve_runs(work, work.clock)
        return work

    def _late(self, state: CustomerState, work: Work, event: Event) -> bool:
        """Whether ``event`` is older than the late-event tolerance allows (asked only of
        an event older than the clock)."""
        tolerance = self.policy.late_event_tolerance
        return event.at < shift(state.clock, -tolerance, self._c.zone(work.customer))

    def _check_state(self, state: CustomerState) -> None:
        if state is not self._last[0]:  # this engine's own was checked when it was made
            check_state(state)

    def _trim_sent(self, sent: list[SentRecord], clock: datetime) -> list[SentRecord]:
        """The send log as the caps need it at ``clock``: per channel, the newest sends
        within the longest cap window, at most the largest cap's limit."""
        compiled = self._c
        if not compiled.sent_keep:
            return []
        horizon = clock - timedelta(seconds=compiled.sent_horizon)
        recent = [s for s in sent if s.at >= horizon]
        keep: list[SentRecord] = []
        for channel in {s.channel for s in recent}:
            keep.extend([s for s in recent if s.channel is channel][-compiled.sent_keep :])
        return sorted(keep, key=lambda s: (s.at, s.channel.value))

    def _decide(self, work: Work) -> Decision:
        if work.sent:
            work.sent = self._trim_sent(work.sent, work.clock)
        state = work.state(self.policy.stage_history)
        due = next_due(self._c, work) if work.due is _UNKNOWN else work.due
        assert due is None or isinstance(due, datetime)  # Work.due holds one when known
        self._last = (state, due)
        return assemble(Decision, {"state": state, "actions": tuple(work.actions), "wake_at": due})

    def _idle(self, state: CustomerState, now: datetime) -> Decision:
        """The decision of a call that changes nothing but the clock (nothing is due
        before ``now``): exactly what processing would give, without the processing."""
        last = self._last
        if last[0] is state:
            return self._moved_on(state, now, last[1])
        # a stored state: it is returned as it came
        due = next_due(self._c, self._loaded(state))
        return assemble(Decision, {"state": state, "actions": (), "wake_at": due})

    def _moved_on(self, state: CustomerState, now: datetime, due: datetime | None) -> Decision:
        """:meth:`_idle` for this engine's own last state, whose wake-up ``due`` is known:
        the state with its clock moved on to ``now``."""
        if now > state.clock:
            fields = dict(state.__dict__)
            clock = fields["clock"] = now.astimezone(_UTC)
            if state.sent:
                fields["sent"] = tuple(self._trim_sent(list(state.sent), clock))
            state = assemble(CustomerState, fields, state.__pydantic_fields_set__)
            self._last = (state, due)
        return assemble(Decision, {"state": state, "actions": (), "wake_at": due})


def _describe(goal: object) -> str:
    return goal.describe() if isinstance(goal, EventTrigger) else str(goal)
