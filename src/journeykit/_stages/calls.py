"""How :meth:`~journeykit.stages.StageMachine.evaluate` and ``explain`` are called.

``evaluate(customer, facts, now, stage=..., entered_at=...)``; ``evaluate(context)`` with an
:class:`~journeykit.conditions.EvalContext` built once for several evaluations; and the
earlier ``evaluate(stage, entered_at, customer, facts, now)``, which still works and
warns. The three are told apart by the type of the first argument, so no call is read
two ways.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

from journeykit._errors import UsageError
from journeykit.conditions import EvalContext
from journeykit.facts import Facts
from journeykit.models import Customer

__all__ = ["NOTHING", "UNSET", "context_for", "given"]

UNSET: Any = object()
"""``stage=`` not given (``None`` is a value: a customer not placed yet)."""
NOTHING: Any = object()
"""A positional argument not given."""


def given(first: Any, facts: Any, now: Any, rest: tuple[Any, ...]) -> tuple[Any, ...]:
    """The positional arguments a caller gave (None is a value: a stage not placed yet)."""
    args = (first, facts, now, *rest)
    while len(args) > 1 and args[-1] is NOTHING:
        args = args[:-1]
    return args


def context_for(
    method: str,
    args: tuple[Any, ...],
    stage: str | None,
    entered_at: datetime | None,
    tz: str | None,
    check_facts: Callable[[Facts], None],
) -> EvalContext | None:
    """A new context for the call's arguments, or None when the caller passed one; the
    facts are checked with ``check_facts`` either way."""
    if len(args) == 3 and isinstance(args[0], Customer):
        if stage is UNSET:
            raise UsageError(
                f"{method}(customer, facts, now, stage=...) needs the customer's current "
                "stage as stage= (None for a customer not placed yet)"
            )
        customer, facts, now = args
    elif len(args) == 1 and isinstance(args[0], EvalContext):
        if stage is not UNSET or entered_at is not None or tz is not None:
            raise UsageError(
                f"{method}(context) reads the stage, its entry time and the zone from the "
                "context; pass them when building it, not here"
            )
        check_facts(args[0].facts)
        return None
    elif len(args) == 5 and (args[0] is None or isinstance(args[0], str)):
        if stage is not UNSET or entered_at is not None:
            raise UsageError(f"{method}(stage, entered_at, customer, facts, now) got both")
        warnings.warn(
            f"{method}(stage, entered_at, customer, facts, now) is deprecated; call "
            f"{method}(customer, facts, now, stage=stage, entered_at=entered_at)",
            DeprecationWarning,
            stacklevel=3,
        )
        stage, entered_at, customer, facts, now = args
    else:
        raise UsageError(
            f"call {method}(customer, facts, now, stage=..., entered_at=...) or "
            f"{method}(context) with an EvalContext (got {len(args)} positional arguments)"
        )
    check_facts(facts)
    return EvalContext(customer, facts, now, stage=stage, stage_entered_at=entered_at, tz=tz)
