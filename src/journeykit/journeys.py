"""Journeys as data: what starts a journey, who may enter, and the steps it takes.

A :class:`Journey` is a definition like a stage machine: a pydantic model that
round-trips through JSON, has a JSON Schema, and is checked as a whole when it is built.
It says *what* should happen; the engine (:mod:`journeykit.engine`) decides *when* for
each customer and turns steps into actions.

>>> from journeykit.conditions import count
>>> welcome = Journey(
...     id="welcome",
...     trigger=on_event("subscribed"),
...     goal=on_event("order_placed"),
...     steps=[
...         send("welcome_1", channel="email"),
...         wait("3d"),
...         branch(
...             count("order_placed") == 0,
...             then=[send("welcome_offer", channel="email")],
...         ),
...     ],
... )
>>> [step.id for step in welcome.walk()]
['send_welcome_1', 'wait_3d', 'if_orders_0', 'send_welcome_offer']
>>> Journey.from_json(welcome.model_dump_json()) == welcome
True

Theory of operation
-------------------
- **Steps have stable ids.** A run in flight is remembered by its journey, version and
  the id of the step it is at; when a new version is published, runs continue where
  that step id still exists (:func:`journeykit.diff` says in advance which would not).
  Ids are unique across the whole journey, nested branches included. The builders
  (:func:`send`, :func:`wait`...) derive an id from the step (``send_welcome_1``); give
  one yourself (``id=...``) where two steps would share it.
- **Nested lists rejoin.** After the steps of a ``Branch``'s chosen side, a ``Split``'s
  chosen branch or a ``WaitFor``'s ``on_timeout``, the run continues with the step after
  the ``Branch``/``Split``/``WaitFor``. ``Exit`` ends the run wherever it stands.
- **The trigger starts, the conditions admit.** A trigger (an event, entering or leaving
  a stage, a yearly date) makes a customer a candidate; ``entry`` must hold at that
  instant, ``reentry`` must allow it, and within a ``group`` the highest ``priority``
  wins. ``exit`` ends a run unconverted as soon as it holds; ``goal`` (a condition, or
  an event) ends it converted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, Field, JsonValue

from journeykit._base import Definition, FrozenJson, Items, frozen_mapping
from journeykit._errors import Problem, quote
from journeykit.conditions import Condition, condition_problems
from journeykit.conditions import _check_where as _checked_where
from journeykit.models import Channel, ChannelName, ConsentName, ConsentStatus, EventType
from journeykit.time import Duration, DurationLike, parse_duration, parse_time_of_day

__all__ = [
    "Journey",
    "Trigger",
    "EventTrigger",
    "StageTrigger",
    "DateTrigger",
    "Step",
    "Send",
    "Wait",
    "WaitFor",
    "Branch",
    "Split",
    "SplitBranch",
    "Update",
    "Exit",
    "Reentry",
    "on_event",
    "on_stage_entered",
    "on_stage_left",
    "on_date",
    "send",
    "wait",
    "wait_for",
    "branch",
    "split",
    "update",
    "exit_journey",
]

#: The longest journey, step, group or split-branch id.
MAX_NAME = 100
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def _check_name(value: str) -> str:
    if len(value) > MAX_NAME or not _NAME.match(value):
        raise ValueError(
            f"must be an id of lower-case letters, digits, '_' or '-' (at most {MAX_NAME}), "
            f"such as 'cart_abandonment' (got {quote(repr(value), 60)})"
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]
"""A journey, step or group id: lower-case letters, digits, ``_`` and ``-``."""


def _check_where(where: Condition | None) -> Condition | None:
    return _checked_where(where)


Where = Annotated[Condition | None, AfterValidator(_check_where)]


def _time_of_day(value: str) -> str:
    parse_time_of_day(value)
    return value


TimeOfDay = Annotated[str, AfterValidator(_time_of_day)]
"""A local wall-clock time such as ``"09:00"``."""


def _positive(value: Duration) -> Duration:
    if value.min_seconds() <= 0:
        raise ValueError(f"must be a positive duration such as '3d' (got {value})")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _date_path(value: str) -> str:
    if value != "created_at" and not re.match(r"^attributes(\.[^.\s]+)+$", value):
        raise ValueError(
            "must be 'created_at' or a path into the customer's attributes such as "
            f"'attributes.birthday' (got {quote(repr(value), 60)})"
        )
    return value


DatePath = Annotated[str, AfterValidator(_date_path)]
"""Where a yearly date is read: ``"created_at"`` or ``"attributes.<path>"``."""


# --------------------------------------------------------------------------- triggers


class EventTrigger(Definition):
    """An event of ``event`` type whose properties match ``where`` (a trigger or a goal)."""

    type: Literal["event"] = "event"
    event: EventType
    where: Where = None

    def describe(self) -> str:
        return f"event {self.event}" + ("" if self.where is None else f" where {self.where}")


class StageTrigger(Definition):
    """Entering (``on="enter"``) or leaving (``on="leave"``) one of ``stages``."""

    type: Literal["stage"] = "stage"
    stages: Items[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(min_length=1)
    on: Literal["enter", "leave"] = "enter"

    def describe(self) -> str:
        verb = "entering" if self.on == "enter" else "leaving"
        return f"{verb} stage {' or '.join(self.stages)}"


class DateTrigger(Definition):
    """Once a year on a date (a birthday, the signup anniversary) at a local time.

    ``date`` is ``"created_at"`` or ``"attributes.<path>"`` holding an ISO date
    (``"1990-05-17"``, or ``"--05-17"`` without a year). A February 29 date falls on
    February 28 in common years (:func:`journeykit.time.next_anniversary`).
    """

    type: Literal["date"] = "date"
    date: DatePath
    at: TimeOfDay = "09:00"

    def describe(self) -> str:
        return f"yearly on {self.date} at {self.at} local time"


Trigger = Annotated[Union[EventTrigger, StageTrigger, DateTrigger], Field(discriminator="type")]  # noqa: UP007  # a runtime union pydantic reads
"""What makes a customer a candidate for a journey."""

Goal = Annotated[
    Union[Condition, EventTrigger],  # noqa: UP007  # a runtime union pydantic reads
    Field(discriminator="type"),
]
"""What ends a run as converted: a condition that holds, or an event that happens."""


# --------------------------------------------------------------------------- steps


class _Step(Definition):
    """What every step shares: its kind (``type``, first in JSON) and a stable id."""

    type: str
    id: Name

    def children(self) -> Iterator[tuple[str, Sequence[Step]]]:
        """The nested step lists of this step, each with its field path."""
        return iter(())

    def describe(self) -> str:
        """The step in words, for diagrams and explanations."""
        return self.id


class Send(_Step):
    """Send ``template`` on ``channel``.

    A marketing send (``transactional=False``) needs the customer's ``opted_in`` consent on
    the channel when it is due, waits out quiet hours and counts against frequency caps;
    a transactional one (a receipt) skips those but never reaches a suppressed customer.
    ``params`` are added to the template's context (a discount code, say).
    ``if_not_sent`` says what a run does when the message is not sent (no consent, a cap,
    the holdout, a render failure; quiet hours only defer): ``"continue"`` (default) or
    ``"exit"``, for steps that must not happen unless the customer got the message (opting
    out those who ignored a re-permission mail, say).
    """

    type: Literal["send"] = "send"
    template: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    channel: Channel | ChannelName
    transactional: bool = False
    params: Annotated[Mapping[str, JsonValue], FrozenJson] = Field(default_factory=dict)
    if_not_sent: Literal["continue", "exit"] = "continue"

    def describe(self) -> str:
        kind = "transactional " if self.transactional else ""
        return f"send {kind}{self.channel} {self.template!r}"


class Wait(_Step):
    """Wait: for a ``duration``, ``until`` a local time of day, or ``until_date``.

    Exactly one of the three. ``until="09:00"`` waits for the next 09:00 in the
    customer's zone (at once if it is 09:00 now). ``until_date`` waits for the next
    yearly return of a date (``"attributes.birthday"``) at ``at``.
    """

    type: Literal["wait"] = "wait"
    duration: PositiveDuration | None = None
    until: TimeOfDay | None = None
    until_date: DatePath | None = None
    at: TimeOfDay = "09:00"

    def describe(self) -> str:
        if self.duration is not None:
            return f"wait {self.duration}"
        if self.until is not None:
            return f"wait until {self.until} local time"
        return f"wait until {self.until_date} at {self.at}"

    def _forms(self) -> int:
        return sum(x is not None for x in (self.duration, self.until, self.until_date))


class WaitFor(_Step):
    """Wait for an ``event`` (matching ``where``) for at most ``timeout``.

    If it comes, the run goes on with the next step; if not, the ``on_timeout`` steps run
    first (an ``Exit`` among them ends the run there).
    """

    type: Literal["wait_for"] = "wait_for"
    event: EventType
    where: Where = None
    timeout: PositiveDuration
    on_timeout: Items[Step] = ()

    def children(self) -> Iterator[tuple[str, Sequence[Step]]]:
        yield "on_timeout", self.on_timeout

    def describe(self) -> str:
        return f"wait up to {self.timeout} for {self.event}"


class Branch(_Step):
    """Take ``then`` if ``when`` holds when the run gets here, else ``otherwise``."""

    type: Literal["branch"] = "branch"
    when: Condition
    then: Items[Step] = ()
    otherwise: Items[Step] = ()

    def children(self) -> Iterator[tuple[str, Sequence[Step]]]:
        yield "then", self.then
        yield "otherwise", self.otherwise

    def describe(self) -> str:
        return f"if {self.when}"


class SplitBranch(Definition):
    """One side of a :class:`Split`: its relative ``weight`` and its steps."""

    weight: int = Field(ge=1, le=1_000_000)
    steps: Items[Step] = ()


class Split(_Step):
    """Send customers down one of several ``branches`` (an A/B test), by weight.

    The choice is deterministic: a stable hash of the customer, the journey and this
    step, so a customer always takes the same side, in every process.
    """

    type: Literal["split"] = "split"
    branches: Annotated[Mapping[Name, SplitBranch], AfterValidator(frozen_mapping)] = Field(
        min_length=1
    )

    def children(self) -> Iterator[tuple[str, Sequence[Step]]]:
        for name, side in self.branches.items():
            yield f"branches.{name}.steps", side.steps

    def describe(self) -> str:
        return "split " + " / ".join(f"{n} {b.weight}" for n, b in self.branches.items())


class Update(_Step):
    """Change the customer record: set ``attributes`` and/or ``consent``.

    The engine applies it to the record in the customer's state at once (so later steps
    and conditions see it) and returns an ``UpdateCustomer`` action for the host's own
    database.
    """

    type: Literal["update"] = "update"
    attributes: Annotated[Mapping[str, JsonValue], FrozenJson] = Field(default_factory=dict)
    consent: Annotated[
        Mapping[Channel | ChannelName, ConsentStatus | ConsentName],
        AfterValidator(frozen_mapping),
    ] = Field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.attributes.items()]
        parts += [
            f"{Channel(k).value} consent {ConsentStatus(v).value}" for k, v in self.consent.items()
        ]
        return "update " + ", ".join(parts)


class Exit(_Step):
    """End the run here (completed)."""

    type: Literal["exit"] = "exit"

    def describe(self) -> str:
        return "exit"


Step = Annotated[
    Union[Send, Wait, WaitFor, Branch, Split, Update, Exit],  # noqa: UP007  # a runtime union
    Field(discriminator="type"),
]
"""Any journey step. A pydantic discriminated union on ``type``."""

for _model in (WaitFor, Branch, SplitBranch, Split):
    _model.model_rebuild()


# --------------------------------------------------------------------------- the journey

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
        if self.goal is not None and self.goal.type != "event":
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
        problems.extend(_own_problems(step, here))
        for field, nested in step.children():
            problems.extend(_step_problems(nested, f"{here}.{field}", seen))
        if isinstance(step, Exit):
            ended_at = i
    return problems


def _own_problems(step: Step, here: str) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(step, Wait) and step._forms() != 1:
        problems.append(
            Problem(
                here,
                "a wait needs exactly one of duration ('3d'), until (a local time such as "
                "'09:00') or until_date ('attributes.birthday')",
            )
        )
    elif isinstance(step, Branch):
        problems.extend(condition_problems(step.when, f"{here}.when"))
        if not step.then and not step.otherwise:
            problems.append(
                Problem(here, "a branch with no steps on either side does nothing; add steps")
            )
    return problems


# --------------------------------------------------------------------------- builders


def on_event(event: str, *, where: Condition | None = None) -> EventTrigger:
    """A trigger (or goal): an event of this type, with properties matching ``where``.

    >>> from journeykit.conditions import prop
    >>> on_event("order_placed", where=prop("channel") == "app").describe()
    "event order_placed where channel == 'app'"
    """
    return EventTrigger(event=event, where=where)


def on_stage_entered(*stages: str) -> StageTrigger:
    """A trigger: the customer enters one of ``stages``."""
    return StageTrigger(stages=stages, on="enter")


def on_stage_left(*stages: str) -> StageTrigger:
    """A trigger: the customer leaves one of ``stages``."""
    return StageTrigger(stages=stages, on="leave")


def on_date(date: str, *, at: str = "09:00") -> DateTrigger:
    """A yearly trigger on a date, at a local time: ``on_date("attributes.birthday")``."""
    return DateTrigger(date=date, at=at)


def _derived(prefix: str, text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "step"
    return f"{prefix}_{slug}"[:MAX_NAME]


def send(
    template: str,
    *,
    channel: Channel | ChannelName = "email",
    transactional: bool = False,
    params: Mapping[str, Any] | None = None,
    if_not_sent: Literal["continue", "exit"] = "continue",
    id: str | None = None,  # the step's field is called id
) -> Send:
    """A :class:`Send` step; its id defaults to ``send_<template>``."""
    return Send(
        id=id or _derived("send", template),
        template=template,
        channel=channel,
        transactional=transactional,
        params=params or {},
        if_not_sent=if_not_sent,
    )


def wait(
    duration: DurationLike | None = None,
    *,
    until: str | None = None,
    until_date: str | None = None,
    at: str = "09:00",
    id: str | None = None,  # the step's field is called id
) -> Wait:
    """A :class:`Wait` step: ``wait("3d")``, ``wait(until="09:00")`` or
    ``wait(until_date="attributes.birthday")``; the id defaults to ``wait_<what>``."""
    what = str(parse_duration(duration)) if duration is not None else (until or until_date or "")
    return Wait(
        id=id or _derived("wait", what.replace(":", "")),
        duration=duration,  # type: ignore[arg-type]  # text is validated into a Duration
        until=until,
        until_date=until_date,
        at=at,
    )


def wait_for(
    event: str,
    *,
    timeout: DurationLike,
    where: Condition | None = None,
    on_timeout: Sequence[Step] = (),
    id: str | None = None,  # the step's field is called id
) -> WaitFor:
    """A :class:`WaitFor` step; the id defaults to ``wait_for_<event>``."""
    return WaitFor(
        id=id or _derived("wait_for", event),
        event=event,
        where=where,
        timeout=timeout,  # type: ignore[arg-type]  # text is validated into a Duration
        on_timeout=on_timeout,
    )


def branch(
    when: Condition,
    *,
    then: Sequence[Step] = (),
    otherwise: Sequence[Step] = (),
    id: str | None = None,  # the step's field is called id
) -> Branch:
    """A :class:`Branch` step; the id defaults to ``if_<the condition in words>``.

    >>> from journeykit.conditions import count
    >>> branch(count("order_placed") == 0, then=[send("offer")]).id
    'if_orders_0'
    """
    return Branch(
        id=id or _derived("if", str(when))[:40].rstrip("_"),
        when=when,
        then=then,
        otherwise=otherwise,
    )


def split(
    branches: Mapping[str, tuple[int, Sequence[Step]]],
    *,
    id: str | None = None,  # the step's field is called id
) -> Split:
    """A :class:`Split` step from ``{name: (weight, steps)}``.

    >>> split({"a": (50, []), "b": (50, [])}).describe()
    'split a 50 / b 50'
    """
    return Split(
        id=id or _derived("split", "_".join(branches))[:40].rstrip("_"),
        branches={name: SplitBranch(weight=w, steps=s) for name, (w, s) in branches.items()},
    )


def update(
    *,
    attributes: Mapping[str, Any] | None = None,
    consent: Mapping[Channel | ChannelName, ConsentStatus | ConsentName] | None = None,
    id: str | None = None,  # the step's field is called id
) -> Update:
    """An :class:`Update` step; the id defaults to ``update_<first field>``."""
    names = [*(attributes or {}), *(str(Channel(c).value) for c in (consent or {}))]
    return Update(
        id=id or _derived("update", names[0] if names else "customer"),
        attributes=attributes or {},
        consent=consent or {},
    )


def exit_journey(*, id: str = "exit") -> Exit:  # the step's field is called id
    """An :class:`Exit` step."""
    return Exit(id=id)
