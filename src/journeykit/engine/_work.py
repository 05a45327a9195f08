"""The engine's working copy of one customer's state, for the length of one call.

A call never changes the caller's :class:`CustomerState`: it copies what it needs into a
:class:`Work`, changes that, and builds a new state at the end. If the call raises, the
work is simply dropped, so nothing is ever left half-done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from journeykit._base import FrozenDict, assemble
from journeykit.conditions import EvalContext
from journeykit.engine._actions import Action
from journeykit.engine._state import (
    SCHEMA_VERSION,
    CustomerState,
    JourneyRecord,
    Pin,
    Run,
    SentRecord,
    StageRecord,
)
from journeykit.facts import Facts
from journeykit.models import Customer

__all__ = ["Work"]

_UNKNOWN = object()  # Work.due: not computed since the last change
# the fields a state built by the engine was given (schema_version takes its default)
_GIVEN = frozenset(CustomerState.model_fields) - {"schema_version"}


@dataclass
class Work:
    """A mutable copy of a state while one call runs; see the module notes."""

    customer: Customer
    clock: datetime
    facts: Facts
    stage: str | None
    entered: datetime | None
    pin: Pin | None
    history: list[StageRecord]
    runs: list[Run]
    sent: list[SentRecord]
    journeys: dict[str, JourneyRecord]
    actions: list[Action] = field(default_factory=list)
    customer_changed: bool = False
    due: datetime | object | None = _UNKNOWN
    """The next wake-up, when known to be still valid (see ``Engine._advance``)."""
    origin: CustomerState | None = None
    """The state this work was copied from: the new state shares the parts left as
    they were (``history`` is only ever appended to)."""
    ctx: EvalContext | None = None
    """The last evaluation context built for this work (see ``Compiled.context``): the
    stage cascade's context serves the wake-up search that follows at the same instant,
    window cut-offs included."""

    @classmethod
    def of(cls, state: CustomerState) -> Work:
        return cls(
            customer=state.customer,
            clock=state.clock,
            facts=state.facts,
            stage=state.stage,
            entered=state.stage_entered_at,
            pin=state.pin,
            history=list(state.history),
            runs=list(state.runs),
            sent=list(state.sent),
            journeys=dict(state.journeys),
            origin=state,
        )

    def state(self, history_limit: int) -> CustomerState:
        """The new state this work describes. Built without validating again: every part
        is a validated record or the engine's own value, in its stored form (tuples, a
        read-only mapping, UTC instants); a test checks that a JSON round trip of any
        state the engine returns gives an equal state."""
        origin = self.origin
        history: tuple[StageRecord, ...] | None = None
        journeys: FrozenDict[str, JourneyRecord] | None = None
        if origin is not None:
            # what the call left as it was, in its stored form already
            kept = origin.history
            if type(kept) is tuple and len(kept) == len(self.history) <= history_limit:
                history = kept  # nothing appended, and within the limit
            if not self.journeys and not origin.journeys and type(origin.journeys) is FrozenDict:
                journeys = origin.journeys
        return assemble(
            CustomerState,
            {
                "schema_version": SCHEMA_VERSION,
                "customer": self.customer,
                "clock": self.clock,
                "facts": self.facts,
                "stage": self.stage,
                "stage_entered_at": self.entered,
                "pin": self.pin,
                "history": tuple(self.history[-history_limit:]) if history is None else history,
                "runs": tuple(self.runs),
                "sent": tuple(self.sent),
                "journeys": FrozenDict(self.journeys) if journeys is None else journeys,
            },
            _GIVEN,
        )

    def record(self, journey: str) -> JourneyRecord:
        return self.journeys.get(journey) or JourneyRecord()

    def bump(self, journey: str, **changes: object) -> None:
        """Update the per-journey record: ``field=+1`` style counts and ``last_entered``."""
        old = self.record(journey)
        values = old.model_dump()
        for name, change in changes.items():
            if name == "last_entered":
                values[name] = change
            else:
                values[name] = values[name] + change
        self.journeys[journey] = JourneyRecord.model_validate(values)
