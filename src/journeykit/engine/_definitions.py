"""A definition set: the lifecycle, the journeys, the templates and the policy, checked
together.

Each part checks itself when it is built; what only the whole can check lives here: a
step naming a template the registry lacks, or a template that cannot be sent on the
step's channel; a trigger or condition naming a stage the lifecycle lacks; two journeys
with the same id and version; journeys of one group that could never be told apart.
Every problem has its path, with journeys named by id
(``journeys[cart_abandonment].steps[2].template``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from difflib import get_close_matches
from typing import Annotated

from pydantic import AfterValidator, Field

from journeykit._base import Definition, Items, frozen_mapping
from journeykit._errors import Problem
from journeykit._sandbox.context import ORDER_EVENTS
from journeykit.conditions import Condition, condition_problems, event_type_problem
from journeykit.engine._policy import Policy
from journeykit.events import STANDARD_EVENT_TYPES
from journeykit.journeys import (
    Branch,
    EventTrigger,
    Journey,
    Send,
    StageTrigger,
    Step,
    WaitFor,
)
from journeykit.journeys._steps import Name
from journeykit.models import Channel, EventType
from journeykit.stages import StageMachine
from journeykit.templates import Templates

__all__ = ["DefinitionSet", "journey_conditions"]

# the parts a template needs on each channel: at least one of each group
_PARTS_FOR: dict[Channel, tuple[tuple[str, ...], ...]] = {
    Channel.EMAIL: (("subject",), ("text", "html")),
    Channel.SMS: (("text",),),
    Channel.PUSH: (("text",),),
    Channel.IN_APP: (("text", "html"),),
}


class DefinitionSet(Definition):
    """Everything an :class:`~journeykit.engine.Engine` runs, as one document a CRM can
    store: the ``lifecycle`` stage machine (optional), the ``journeys`` (several versions
    of one journey may be listed; the highest is used for new runs), the ``templates``,
    the ``policy``, and the ``events`` the host sends beyond journeykit's standard ones.

    Loads from JSON and YAML text like every definition (:meth:`from_json`,
    :meth:`from_yaml`) and reports every problem with its path.
    """

    lifecycle: StageMachine | None = None
    journeys: Items[Journey] = ()
    templates: Templates = Field(default_factory=Templates)
    policy: Policy = Field(default_factory=Policy)
    events: Items[EventType] = ()
    segments: Annotated[Mapping[Name, Condition], AfterValidator(frozen_mapping)] = Field(
        default_factory=dict
    )
    """Named conditions the host evaluates against customers' states
    (:meth:`Engine.in_segment`), such as who gets the newsletter: their facts are kept
    like every other condition's."""

    def known_events(self) -> frozenset[str]:
        """The event types conditions, triggers and waits may name: the standard ones and
        those this set (or its lifecycle) declares."""
        declared = set(self.events) | set(() if self.lifecycle is None else self.lifecycle.events)
        return STANDARD_EVENT_TYPES | declared

    def problems(self, path: str = "") -> list[Problem]:
        at = f"{path}." if path else ""
        problems: list[Problem] = []
        if self.lifecycle is not None:
            problems.extend(self.lifecycle.problems(f"{at}lifecycle"))
        problems.extend(self.policy.problems(f"{at}policy"))
        stages = () if self.lifecycle is None else self.lifecycle.stage_names
        for name, cond in self.segments.items():
            problems.extend(
                condition_problems(
                    cond,
                    f"{at}segments.{name}",
                    known_events=self.known_events(),
                    known_stages=stages,
                )
            )
        seen: dict[tuple[str, int], int] = {}
        for i, journey in enumerate(self.journeys):
            key = (journey.id, journey.version)
            where = f"{at}journeys[{journey.id}]"
            if key in seen:
                problems.append(
                    Problem(
                        f"{at}journeys[{i}]",
                        f"journey {journey.id!r} version {journey.version} is listed twice "
                        f"(first at journeys[{seen[key]}]); bump the version of the new one",
                    )
                )
                continue
            seen[key] = i
            problems.extend(journey.problems(where))
            problems.extend(self._cross_problems(journey, where))
        return list(dict.fromkeys(problems))  # a journey and the set may find one twice

    def latest(self) -> dict[str, Journey]:
        """The highest version of each journey, by id."""
        found: dict[str, Journey] = {}
        for journey in self.journeys:
            old = found.get(journey.id)
            if old is None or journey.version > old.version:
                found[journey.id] = journey
        return found

    def _cross_problems(self, journey: Journey, where: str) -> Iterator[Problem]:
        stages = None if self.lifecycle is None else set(self.lifecycle.stage_names)
        events = self.known_events()
        trigger = journey.trigger
        if isinstance(trigger, StageTrigger):
            for k, name in enumerate(trigger.stages):
                yield from _stage_problem(name, stages, f"{where}.trigger.stages[{k}]")
        named_events: list[tuple[str, object]] = [
            (f"{where}.trigger.event", trigger),
            (f"{where}.goal.event", journey.goal),
        ]
        for path, step in _steps_with_paths(journey.steps, f"{where}.steps"):
            named_events.append((f"{path}.event", step))
        for path, holder in named_events:
            if isinstance(holder, (EventTrigger, WaitFor)):
                unknown = event_type_problem(holder.event, path, events)
                if unknown is not None:
                    yield unknown
        for path, cond in _conditions_with_paths(journey, where):
            yield from condition_problems(
                cond, path, known_events=events, known_stages=stages or ()
            )
        provided = _provided(journey)
        for path, step in _steps_with_paths(journey.steps, f"{where}.steps"):
            if isinstance(step, Send):
                yield from self._send_problems(step, path, provided)

    def _send_problems(self, step: Send, path: str, provided: frozenset[str]) -> Iterator[Problem]:
        variants = self.templates.templates.get(step.template)
        if variants is None:
            known = sorted(self.templates.templates)
            close = get_close_matches(step.template, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listing = ", ".join(repr(k) for k in known[:20]) or "none"
            yield Problem(
                f"{path}.template",
                f"no template named {step.template!r} in the registry (templates: {listing}){hint}",
            )
            return
        missing = self.templates.names_used(step.template) - provided - set(step.params)
        for name in sorted(missing):
            if name in ("event", "order"):
                yield Problem(
                    f"{path}.template",
                    f"template {step.template!r} reads {name!r}, which this journey's trigger "
                    "does not give"
                    + (" (only order events do)" if name == "order" else " (only an event does)"),
                )
            else:
                yield Problem(
                    f"{path}.params",
                    f"template {step.template!r} reads {name!r}: give it in the step's params "
                    f"(params={{{name!r}: ...}})",
                )
        channel = Channel(step.channel)
        for variant, message in variants.items():
            for group in _PARTS_FOR[channel]:
                if all(getattr(message, part) is None for part in group):
                    needed = " or ".join(group)
                    yield Problem(
                        f"{path}.template",
                        f"template {step.template!r} ({variant}) has no {needed}, which a "
                        f"{channel.value} message needs",
                    )


def _provided(journey: Journey) -> frozenset[str]:
    """The context names every send of ``journey`` gets (besides its own params)."""
    names = {"customer", "stage", "journey", "step"}
    trigger = journey.trigger
    if isinstance(trigger, EventTrigger):
        names.add("event")
        if trigger.event in ORDER_EVENTS:
            names.add("order")
    return frozenset(names)


def _stage_problem(name: str, stages: set[str] | None, path: str) -> Iterator[Problem]:
    if stages is None:
        yield Problem(path, f"stage {name!r} is named, but the definition set has no lifecycle")
    elif name not in stages:
        close = get_close_matches(name, sorted(stages), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        yield Problem(
            path,
            f"unknown stage {name!r}; the lifecycle's stages: {', '.join(sorted(stages))}{hint}",
        )


def _steps_with_paths(steps: Sequence[Step], path: str) -> Iterator[tuple[str, Step]]:
    for i, step in enumerate(steps):
        here = f"{path}[{i}]"
        yield here, step
        for field, nested in step.children():
            yield from _steps_with_paths(nested, f"{here}.{field}")


def _conditions_with_paths(journey: Journey, where: str) -> Iterator[tuple[str, Condition]]:
    for name in ("entry", "exit"):
        cond = getattr(journey, name)
        if cond is not None:
            yield f"{where}.{name}", cond
    if journey.goal is not None and journey.goal.type != "event":
        yield f"{where}.goal", journey.goal
    for path, step in _steps_with_paths(journey.steps, f"{where}.steps"):
        if isinstance(step, Branch):
            yield f"{path}.when", step.when


def journey_conditions(journey: Journey) -> list[Condition]:
    """Every condition a journey evaluates against the facts (for the facts spec)."""
    # triggers' and WaitFors' `where` read the event itself, not the facts
    return [cond for _, cond in _conditions_with_paths(journey, "")]
