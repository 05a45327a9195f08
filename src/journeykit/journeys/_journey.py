"""The journey itself: trigger, entry, exit, goal, re-entry and its steps, checked whole."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Union

from pydantic import Field

from journeykit._base import Definition, Items
from journeykit._errors import Problem
from journeykit.conditions import Condition, condition_problems
from journeykit.journeys._diagrams import journey_dot, journey_mermaid
from journeykit.journeys._steps import Exit, Goal, Name, Step, Trigger
from journeykit.time import Duration, DurationLike

__all__ = ["Journey", "Reentry", "StepPlace"]

Reentry = Union[Literal["once", "always"], Duration]  # noqa: UP007  # a runtime union
"""``"once"`` (never again), ``"always"``, or a cooldown since the last entry (``"30d"``)."""


@dataclass(frozen=True, slots=True)
class StepPlace:
    """Where a step stands in a journey: its path, and what comes after it."""

    step: Step
    path: str
    next_id: str | None  # the step after this one (rejoining from nested lists), or None


class Journey(Definition):
    """A journey: a trigger, who may enter, when a run ends, and the steps it takes.

    - ``version``: bump it when you publish a change; runs remember theirs.
    - ``entry``: a condition that must hold when the trigger fires.
    - ``exit``: ends a run unconverted as soon as it holds (e.g. unsubscribed).
    - ``goal``: ends a run converted (a condition, or an event such as an order).
    - ``reentry``: ``"once"`` (default), ``"always"``, or a cooldown (``"30d"``).
    - ``concurrent``: whether a customer may be in several runs of it at once (one per
      order for a post-purchase journey, say); by default a trigger during a run is
      ignored.
    - ``holdout``: the fraction of entrants (0 to 0.5) who get no messages, chosen by a
      stable hash of customer and journey, so the host can measure uplift; their runs
      still move and convert.
    - ``group`` and ``priority``: journeys in one group exclude each other for a
      customer; when several would start at once, the highest priority wins.
    """

    id: Name
    version: int = Field(1, ge=1, le=1_000_000)
    description: str = Field("", max_length=2000)
    trigger: Trigger
    entry: Condition | None = None
    exit: Condition | None = None
    goal: Goal | None = None
    if TYPE_CHECKING:  # a cooldown may be written as text ("30d"); it is stored as a Duration
        reentry: Literal["once", "always"] | DurationLike = "once"
    else:
        reentry: Reentry = "once"
    concurrent: bool = False
    holdout: float = Field(0.0, ge=0.0, le=0.5, allow_inf_nan=False)
    priority: int = Field(0, ge=-1000, le=1000)
    group: Name | None = None
    steps: Items[Step] = Field(min_length=1)

    def walk(self) -> Iterator[Step]:
        """Every step, depth first in the order written (nested steps after their parent)."""
        for place in self.places().values():
            yield place.step

    def places(self) -> dict[str, StepPlace]:
        """Each step id mapped to its :class:`StepPlace` (first occurrence of an id)."""
        found: dict[str, StepPlace] = {}
        _index(self.steps, "steps", None, found)
        return found

    def to_mermaid(self) -> str:
        """A Mermaid ``stateDiagram-v2`` of the journey, drawn from its steps.

        >>> from journeykit.journeys import on_event, send, wait
        >>> print(Journey(id="cart", trigger=on_event("added_to_cart"),
        ...               goal=on_event("order_placed"),
        ...               steps=[wait("1h"), send("reminder")]).to_mermaid())
        stateDiagram-v2
            %% cart v1
            state "wait_1h" as s0
            s0 : wait 1h
            state "send_reminder" as s1
            s1 : send email 'reminder'
            [*] --> s0 : event added_to_cart
            s0 --> s1
            s1 --> [*]
            note right of s0 : goal#58; event order_placed
        """
        return journey_mermaid(*self._drawing())

    def to_dot(self) -> str:
        """A Graphviz DOT digraph of the journey, drawn from its steps."""
        return journey_dot(*self._drawing())

    def _drawing(self) -> tuple[str, str, list[str], list[Step], Sequence[Step]]:
        notes = []
        if self.entry is not None:
            notes.append(f"entry: {self.entry}")
        if self.goal is not None:
            goal = self.goal.describe() if self.goal.type == "event" else str(self.goal)
            notes.append(f"goal: {goal}")
        if self.exit is not None:
            notes.append(f"exit: {self.exit}")
        return (
            f"{self.id} v{self.version}",
            self.trigger.describe(),
            notes,
            list(self.walk()),
            self.steps,
        )

    def first_step(self) -> str:
        """The id of the step a new run starts at."""
        return self.steps[0].id

    def problems(self, path: str = "") -> list[Problem]:
        """Every problem of this journey on its own (cross references to templates,
        stages and channels are checked by the engine that holds it)."""
        at = f"{path}." if path else ""
        problems: list[Problem] = []
        for name, cond in (("entry", self.entry), ("exit", self.exit)):
            if cond is not None:
                problems.extend(condition_problems(cond, f"{at}{name}"))
        problems.extend(self.trigger.problems(f"{at}trigger"))
        if self.goal is not None:
            if self.goal.type == "event":
                problems.extend(self.goal.problems(f"{at}goal"))
            else:
                problems.extend(condition_problems(self.goal, f"{at}goal"))
        if self.concurrent and self.reentry == "once":
            problems.append(
                Problem(
                    f"{at}concurrent",
                    "a journey entered once can never have two runs at once; use "
                    "reentry='always' or a cooldown with concurrent=True",
                )
            )
        if isinstance(self.reentry, Duration):
            problems.extend(
                Problem(f"{at}reentry", message)
                for message in _duration_problems(self.reentry, "a cooldown such as '30d'")
            )
        problems.extend(_step_problems(self.steps, f"{at}steps", {}))
        return problems


def _duration_problems(d: Duration, example: str) -> list[str]:
    if d.min_seconds() <= 0:
        return [f"must be a positive duration, {example} (got {d})"]
    return []


def _index(
    steps: Sequence[Step], path: str, after: str | None, found: dict[str, StepPlace]
) -> None:
    for i, step in enumerate(steps):
        here = f"{path}[{i}]"
        following = steps[i + 1].id if i + 1 < len(steps) else after
        if step.id not in found:
            found[step.id] = StepPlace(step, here, following)
        for field, nested in step.children():
            _index(nested, f"{here}.{field}", following, found)


def _step_problems(steps: Sequence[Step], path: str, seen: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    ended_at: int | None = None
    for i, step in enumerate(steps):
        here = f"{path}[{i}]"
        if ended_at is not None:
            problems.append(
                Problem(
                    here,
                    f"step {step.id!r} can never run: the Exit at {path}[{ended_at}] ends the "
                    "run before it; remove it or move the Exit",
                )
            )
        first = seen.setdefault(step.id, here)
        if first != here:
            problems.append(
                Problem(
                    f"{here}.id",
                    f"duplicate step id {step.id!r} (first at {first}); runs in flight are "
                    "remembered by step id, so every id must be unique: give this one id=...",
                )
            )
        problems.extend(step.problems(here))
        for field, nested in step.children():
            problems.extend(_step_problems(nested, f"{here}.{field}", seen))
        if isinstance(step, Exit):
            ended_at = i
    return problems
