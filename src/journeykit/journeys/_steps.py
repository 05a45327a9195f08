"""Triggers and steps: the parts a journey is made of, each a validated model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Field, JsonValue

from journeykit._base import Definition, FrozenJson, Items, frozen_mapping
from journeykit._errors import Problem, quote
from journeykit.conditions import Condition, condition_problems, where_problems
from journeykit.models import Channel, ChannelName, ConsentName, ConsentStatus, EventType
from journeykit.time import Duration, parse_time_of_day

__all__ = [
    "MAX_NAME",
    "Name",
    "Trigger",
    "Goal",
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
]

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
    where: Condition | None = None

    def problems(self, path: str = "") -> list[Problem]:
        at = f"{path}." if path else ""
        return [] if self.where is None else where_problems(self.where, f"{at}where")

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

    def problems(self, path: str = "") -> list[Problem]:
        forms = sum(x is not None for x in (self.duration, self.until, self.until_date))
        if forms == 1:
            return []
        return [
            Problem(
                path,
                "a wait needs exactly one of duration ('3d'), until (a local time such as "
                "'09:00') or until_date ('attributes.birthday')",
            )
        ]


class WaitFor(_Step):
    """Wait for an ``event`` (matching ``where``) for at most ``timeout``.

    If it comes, the run goes on with the next step; if not, the ``on_timeout`` steps run
    first (an ``Exit`` among them ends the run there).
    """

    type: Literal["wait_for"] = "wait_for"
    event: EventType
    where: Condition | None = None
    timeout: PositiveDuration
    on_timeout: Items[Step] = ()

    def children(self) -> Iterator[tuple[str, Sequence[Step]]]:
        yield "on_timeout", self.on_timeout

    def problems(self, path: str = "") -> list[Problem]:
        at = f"{path}." if path else ""
        return [] if self.where is None else where_problems(self.where, f"{at}where")

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

    def problems(self, path: str = "") -> list[Problem]:
        at = f"{path}." if path else ""
        problems = condition_problems(self.when, f"{at}when")
        if not self.then and not self.otherwise:
            problems.append(
                Problem(path, "a branch with no steps on either side does nothing; add steps")
            )
        return problems

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
