"""What a host passes to an engine call, checked before anything is done.

Every entry point of :class:`~journeykit.engine.Engine` refuses the same mistakes in the
same words: a state that is not a :class:`CustomerState` (or from a newer journeykit, or
whose facts are another customer's), a customer that is not a :class:`Customer`, and a
``now`` before the state's clock.
"""

from __future__ import annotations

from datetime import datetime

from journeykit._errors import InvalidInputError, UsageError
from journeykit.conditions import EvalContext
from journeykit.engine._state import SCHEMA_VERSION, CustomerState
from journeykit.models import Customer

__all__ = ["check_customer", "check_state", "not_before_clock"]


def check_state(state: object) -> None:
    """Refuse a state this engine cannot read (the engine skips this for its own last)."""
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
    # the facts must be this customer's, folded no later than the state's clock: every
    # evaluation in the call reads them at the clock or later (refused as it would be)
    EvalContext(state.customer, state.facts, state.clock)


def check_customer(customer: object) -> None:
    """Refuse anything but a :class:`Customer` record."""
    if not isinstance(customer, Customer):
        raise InvalidInputError(
            f"customer must be a journeykit Customer (got {type(customer).__name__}); build "
            "one with Customer(...) or Customer.model_validate(data)"
        )


def not_before_clock(state: CustomerState, now: datetime) -> None:
    """Refuse a ``now`` before the state's clock: the one wording for every entry point."""
    if now < state.clock:
        raise UsageError(
            f"now ({now.isoformat()}) is before the state's clock "
            f"({state.clock.isoformat()}): time only moves forward; pass the current time"
        )
