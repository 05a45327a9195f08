"""A customer's state: everything the engine remembers between calls, and nothing more.

The host stores a :class:`CustomerState` (it is a frozen pydantic record: JSON in, JSON
out, picklable) and hands it back on the next call. It holds only what the definitions
need, so its size does not grow with the customer's history:

- the customer record as the engine last saw it (``Update`` steps apply to it);
- the facts folded from events (bounded by the definitions, see :mod:`journeykit.facts`),
  which also remember the ids of recent events, so a repeated event changes nothing;
- the stage, when it was entered, a manual pin if an operator set one, and the last
  few stage changes;
- the active runs: journey, version, the step id they are at, and when they are due;
- a send log bounded by the policy's frequency caps;
- per journey: when the customer last entered, and outcome counts (entered, converted,
  held out) for reporting uplift against the holdout.

``schema_version`` says which layout a state was written in; a state from an older
release loads in a newer one, a state from a newer release is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from journeykit._base import FrozenModel, Items, frozen_mapping
from journeykit.engine._actions import Action
from journeykit.facts import Facts
from journeykit.models import AwareDatetime, Channel, Customer, Event

__all__ = [
    "SCHEMA_VERSION",
    "CustomerState",
    "Decision",
    "JourneyRecord",
    "Pin",
    "Run",
    "SentRecord",
    "StageRecord",
    "evolve",
]

#: The layout of :class:`CustomerState` this release writes.
SCHEMA_VERSION = 1


class Run(FrozenModel):
    """One customer's run through one journey.

    ``step`` is the id of the step the run is at. ``due`` is when that step may go on:
    the end of a wait, a ``WaitFor``'s timeout, or a send deferred by quiet hours or a
    frequency cap (``waiting`` says which). ``trigger`` is the event that started the
    run, if an event did: templates see it as ``event`` (and ``order``).
    """

    id: str
    journey: str
    version: int
    step: str
    due: AwareDatetime | None = None
    waiting: Literal["wait", "event", "send"] | None = None
    started_at: AwareDatetime
    held_out: bool = False
    trigger: Event | None = None


class StageRecord(FrozenModel):
    """One entry of a customer's stage history: the stage entered, when, and by which
    transition (``"manual"`` for an operator's pin)."""

    stage: str
    at: AwareDatetime
    transition: str


class Pin(FrozenModel):
    """An operator placed the customer in ``stage`` by hand, until ``until`` (or for good)."""

    stage: str
    until: AwareDatetime | None = None


class SentRecord(FrozenModel):
    """A marketing message sent, for frequency caps."""

    channel: Channel
    at: AwareDatetime


class JourneyRecord(FrozenModel):
    """What one customer did in one journey, over all runs: for re-entry and reporting.

    ``converted`` counts runs that met their goal, ``held_out_converted`` those of them in
    the holdout group, so a host can compare conversion with and without the messages.
    """

    last_entered: AwareDatetime | None = None
    entered: int = 0
    held_out: int = 0
    converted: int = 0
    held_out_converted: int = 0


class CustomerState(FrozenModel):
    """Everything the engine remembers about one customer. Store it; never change it.

    Built by :meth:`Engine.start`, then returned in every :class:`Decision`.
    """

    schema_version: int = SCHEMA_VERSION
    customer: Customer
    clock: AwareDatetime
    """The latest instant the engine has processed for this customer."""
    facts: Facts
    stage: str | None = None
    stage_entered_at: AwareDatetime | None = None
    pin: Pin | None = None
    history: Items[StageRecord] = ()
    runs: Items[Run] = ()
    sent: Items[SentRecord] = ()
    journeys: Annotated[Mapping[str, JourneyRecord], AfterValidator(frozen_mapping)] = Field(
        default_factory=dict
    )


class Decision(FrozenModel):
    """What one call decided: the new ``state`` to store, the ``actions`` to carry out in
    order, and ``wake_at``, when to call :meth:`Engine.tick` next (``None``: nothing will
    happen until an event comes).
    """

    state: CustomerState
    actions: Items[Action] = ()
    wake_at: datetime | None = None


def evolve(run: Run, **changes: object) -> Run:
    """``run`` with ``changes`` applied (validated, like every model the engine builds)."""
    data = {name: getattr(run, name) for name in Run.model_fields}
    data.update(changes)
    return Run.model_validate(data)
