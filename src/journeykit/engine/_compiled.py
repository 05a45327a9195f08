"""A definition set compiled for running: the lookups every call uses, built once.

An :class:`~journeykit.engine.Engine` holds one :class:`Compiled` and shares it with the
modules that do the work (entries, scheduling, running steps, explanations), so none of
them walks a definition on the per-event path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from journeykit._stages.compiled import covers_test
from journeykit.conditions import (
    Boundary,
    Condition,
    EvalContext,
    Evaluator,
    compile_boundary,
    facts_spec,
    where_matcher,
)
from journeykit.conditions._boundaries import holds_from_boundary
from journeykit.engine._definitions import DefinitionSet, journey_conditions
from journeykit.engine._work import Work
from journeykit.journeys import EventTrigger, Journey, StageTrigger, StepPlace, WaitFor
from journeykit.models import Customer, Event
from journeykit.templates import validate
from journeykit.time import zone

__all__ = ["Compiled"]

PropertyFilter = Callable[[Mapping[str, Any]], bool]


Watch = tuple[Evaluator, Boundary, bool]
"""A condition whose holding gives the engine work (compiled), its boundary finder, and
whether it holds at every instant its finder gives (no probe needed there)."""


def _watches(conditions: Iterable[Condition]) -> tuple[Watch, ...]:
    found: list[Watch] = []
    for cond in conditions:
        boundary = compile_boundary(cond)
        found.append(
            (
                cond.compile(),
                boundary if boundary is not None else _never,
                holds_from_boundary(cond),
            )
        )
    return tuple(found)


def _never(ctx: EvalContext, zone: tzinfo) -> int | None:
    return None


class Compiled:
    """The definitions of one engine, arranged for lookups (see the module notes)."""

    def __init__(self, definitions: DefinitionSet) -> None:
        validate(definitions.templates)
        self.definitions = definitions
        self.lifecycle = definitions.lifecycle
        self.templates = definitions.templates
        self.policy = definitions.policy
        self.latest = definitions.latest()
        self.journeys: dict[tuple[str, int], Journey] = {
            (j.id, j.version): j for j in definitions.journeys
        }
        self.places: dict[tuple[str, int], dict[str, StepPlace]] = {
            key: j.places() for key, j in self.journeys.items()
        }
        self.by_event: dict[str, list[Journey]] = {}
        self.on_enter: dict[str, list[Journey]] = {}
        self.on_leave: dict[str, list[Journey]] = {}
        self.dated: list[Journey] = []
        for journey in self.latest.values():
            trigger = journey.trigger
            if isinstance(trigger, EventTrigger):
                self.by_event.setdefault(trigger.event, []).append(journey)
            elif isinstance(trigger, StageTrigger):
                table = self.on_enter if trigger.on == "enter" else self.on_leave
                for stage in trigger.stages:
                    table.setdefault(stage, []).append(journey)
            else:
                self.dated.append(journey)
        self._matchers: dict[tuple[str, int, str], PropertyFilter] = {}
        for (jid, version), journey in self.journeys.items():
            filters: list[tuple[str, Condition | None]] = []
            if isinstance(journey.trigger, EventTrigger):
                filters.append(("trigger", journey.trigger.where))
            if isinstance(journey.goal, EventTrigger):
                filters.append(("goal", journey.goal.where))
            filters.extend((s.id, s.where) for s in journey.walk() if isinstance(s, WaitFor))
            for which, where in filters:
                if where is not None:
                    self._matchers[(jid, version, which)] = where_matcher(where)
        conditions = [] if self.lifecycle is None else list(self.lifecycle.conditions())
        for journey in definitions.journeys:
            conditions.extend(journey_conditions(journey))
        conditions.extend(definitions.segments.values())
        self.spec = facts_spec(conditions)
        self.covers = covers_test(self.spec)
        # what each stage and each journey version watches for wake-ups
        self.stage_watch: dict[str, tuple[Watch, ...]] = {}
        if self.lifecycle is not None:
            for stage in self.lifecycle.stage_names:
                self.stage_watch[stage] = _watches(t.when for t in self.lifecycle.outgoing(stage))
        self.run_watch: dict[tuple[str, int], tuple[Watch, ...]] = {}
        for key, journey in self.journeys.items():
            goal = None if isinstance(journey.goal, EventTrigger) else journey.goal
            self.run_watch[key] = _watches(c for c in (journey.exit, goal) if c is not None)
        caps = self.policy.caps
        self.sent_horizon = max((c.window.max_seconds() for c in caps), default=0.0)
        self.sent_keep = max((c.limit for c in caps), default=0)

    def zone_name(self, customer: Customer) -> str:
        """The customer's zone, or the policy's default."""
        return customer.timezone or self.policy.default_timezone

    def zone(self, customer: Customer) -> tzinfo:
        return zone(customer.timezone or self.policy.default_timezone)

    def context(self, work: Work, at: datetime) -> EvalContext:
        """An evaluation context for the customer in ``work`` at ``at`` (the engine checked
        the state's customer, facts and clock when the call began; ``at`` is never before
        the facts' clock).

        The work's last context is returned again while it reads the very same customer,
        facts, stage, entry time and ``at`` (the same objects: a context is a pure function
        of them, so its cached cut-offs stay right)."""
        last = work.ctx
        if (
            last is not None
            and last.now is at
            and last.facts is work.facts
            and last.customer is work.customer
            and last.stage_entered_at is work.entered
            and last.stage == work.stage
        ):
            return last
        customer = work.customer
        name = customer.timezone or self.policy.default_timezone
        made = work.ctx = EvalContext._checked(
            customer,
            work.facts,
            at,
            at.timestamp(),
            work.stage,
            work.entered,
            name,
            zone(name),
        )
        return made

    def matches(self, journey: Journey, which: str, trigger: EventTrigger, event: Event) -> bool:
        """Whether ``event`` is the journey's trigger or goal event (``which``)."""
        return trigger.event == event.type and self.matches_where(
            (journey.id, journey.version, which), event
        )

    def matches_where(self, key: tuple[str, int, str], event: Event) -> bool:
        """Whether ``event``'s properties pass the ``where`` filter stored under ``key``."""
        matcher = self._matchers.get(key)
        return matcher is None or bool(matcher(event.properties))
