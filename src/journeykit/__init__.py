"""journeykit: pure customer-lifecycle logic (stages, journeys, messages), no I/O.

The whole public API is listed in ``__all__`` below; each name also lives in its own
module (``journeykit.conditions``, ``journeykit.time``...). Names not listed here may
change without notice.

>>> from journeykit import count, since
>>> str((count("order_placed", within="365d") >= 2) & (since("order_placed") < "90d"))
'orders in the last 365 days >= 2 and time since the last order < 90 days'
"""

from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    Problem,
    UsageError,
)
from journeykit.conditions import (
    AllOf,
    AnyOf,
    Condition,
    ConditionCheck,
    EvalContext,
    Not,
    all_of,
    any_of,
    attr,
    condition_json_schema,
    consented,
    count,
    explain,
    fact,
    facts_spec,
    in_stage,
    not_,
    parse_condition,
    prop,
    since,
    stage_for,
    total,
)
from journeykit.facts import Facts, FactsSpec
from journeykit.models import Channel, ConsentStatus, Customer, Event
from journeykit.stages import Stage, StageChanged, StageMachine, Transition
from journeykit.templates import (
    MessageTemplate,
    RenderedMessage,
    TemplateError,
    TemplateLimits,
    Templates,
    template_context,
    validate,
)
from journeykit.time import (
    Duration,
    next_anniversary,
    next_local_time,
    parse_duration,
    quiet_end,
    shift,
)

__version__ = "0.1.0.dev0"

__all__ = [
    # errors
    "JourneykitError",
    "DefinitionError",
    "InvalidInputError",
    "UsageError",
    "Problem",
    # models
    "Customer",
    "Event",
    "Channel",
    "ConsentStatus",
    # time
    "Duration",
    "parse_duration",
    "shift",
    "next_local_time",
    "quiet_end",
    "next_anniversary",
    # facts
    "Facts",
    "FactsSpec",
    # conditions
    "Condition",
    "AllOf",
    "AnyOf",
    "Not",
    "EvalContext",
    "ConditionCheck",
    "attr",
    "prop",
    "count",
    "total",
    "since",
    "fact",
    "in_stage",
    "stage_for",
    "consented",
    "all_of",
    "any_of",
    "not_",
    "parse_condition",
    "condition_json_schema",
    "facts_spec",
    "explain",
    # stages
    "Stage",
    "Transition",
    "StageMachine",
    "StageChanged",
    # templates
    "Templates",
    "MessageTemplate",
    "RenderedMessage",
    "TemplateLimits",
    "TemplateError",
    "template_context",
    "validate",
]
