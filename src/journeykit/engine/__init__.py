"""The journey engine: a sans-I/O state machine from events and time to actions.

The host loads a customer's :class:`CustomerState`, calls :meth:`Engine.handle` for an
event or :meth:`Engine.tick` when a timer fires, stores ``decision.state``, carries out
``decision.actions`` and schedules the next tick at ``decision.wake_at``. journeykit never
stores, sends or schedules anything itself.

See :mod:`journeykit.engine._engine` for the theory of operation and
``docs/integrating.md`` for a complete host loop.
"""

from journeykit.engine._actions import (
    Action,
    ExitReason,
    JourneyEntered,
    JourneyExited,
    JourneySkipped,
    MessageSuppressed,
    SendMessage,
    StageChanged,
    SuppressReason,
    UpdateCustomer,
)
from journeykit.engine._definitions import DefinitionSet
from journeykit.engine._engine import Engine
from journeykit.engine._explain import EntryCheck, JourneyExplanation
from journeykit.engine._policy import Cap, Policy
from journeykit.engine._state import (
    SCHEMA_VERSION,
    CustomerState,
    Decision,
    JourneyRecord,
    Pin,
    Run,
    SentRecord,
    StageRecord,
)

__all__ = [
    "Engine",
    "DefinitionSet",
    "Policy",
    "Cap",
    "CustomerState",
    "Decision",
    "Run",
    "StageRecord",
    "Pin",
    "SentRecord",
    "JourneyRecord",
    "SCHEMA_VERSION",
    "JourneyExplanation",
    "EntryCheck",
    "Action",
    "StageChanged",
    "JourneyEntered",
    "JourneyExited",
    "JourneySkipped",
    "SendMessage",
    "MessageSuppressed",
    "UpdateCustomer",
    "ExitReason",
    "SuppressReason",
]
