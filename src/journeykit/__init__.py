"""journeykit: pure customer-lifecycle logic (stages, journeys, messages), no I/O.

The whole public API is listed in ``__all__`` below; each name also lives in its own
module (``journeykit.conditions``, ``journeykit.time``...). Names not listed here may
change without notice.

>>> from journeykit import count, since
>>> str((count("order_placed", within="365d") >= 2) & (since("order_placed") < "90d"))
'orders in the last 365 days >= 2 and time since the last order < 90 days'
"""

from typing import TYPE_CHECKING, Any

from journeykit._diff import Change, diff
from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    Problem,
    TemplateError,
    UsageError,
)
from journeykit.analytics import (
    clv,
    customer_values,
    fit_bgnbd,
    fit_gamma_gamma,
    rfm,
    summarize,
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
from journeykit.journeys import (
    Branch,
    Exit,
    Journey,
    Send,
    Split,
    Update,
    Wait,
    WaitFor,
    on_date,
    on_event,
    on_stage_entered,
    on_stage_left,
)
from journeykit.models import Channel, ConsentStatus, Customer, Event
from journeykit.stages import Stage, StageChanged, StageMachine, Transition
from journeykit.time import (
    Duration,
    next_anniversary,
    next_local_time,
    parse_duration,
    quiet_end,
    shift,
)

if TYPE_CHECKING:
    from journeykit.engine import (
        Action,
        Cap,
        CustomerState,
        Decision,
        DefinitionSet,
        Engine,
        JourneyEntered,
        JourneyExited,
        JourneyExplanation,
        JourneySkipped,
        MessageSuppressed,
        Policy,
        SendMessage,
        UpdateCustomer,
    )
    from journeykit.templates import (
        MessageTemplate,
        RenderedMessage,
        TemplateLimits,
        Templates,
        template_context,
        validate,
    )

# Names whose modules import jinja2 load on first use, so that importing journeykit (or
# journeykit.errors) costs a host that sends no messages nothing: name -> module. Any
# module that imports journeykit.templates belongs here too.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "MessageTemplate",
            "RenderedMessage",
            "TemplateLimits",
            "Templates",
            "template_context",
            "validate",
        ),
        "journeykit.templates",
    ),
    **dict.fromkeys(
        (
            "Engine",
            "DefinitionSet",
            "Policy",
            "Cap",
            "CustomerState",
            "Decision",
            "Action",
            "JourneyEntered",
            "JourneyExited",
            "JourneySkipped",
            "SendMessage",
            "MessageSuppressed",
            "UpdateCustomer",
            "JourneyExplanation",
        ),
        "journeykit.engine",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'journeykit' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)


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
    # journeys
    "Journey",
    "Send",
    "Wait",
    "WaitFor",
    "Branch",
    "Split",
    "Update",
    "Exit",
    "on_event",
    "on_stage_entered",
    "on_stage_left",
    "on_date",
    # engine
    "Engine",
    "DefinitionSet",
    "Policy",
    "Cap",
    "CustomerState",
    "Decision",
    "Action",
    "JourneyEntered",
    "JourneyExited",
    "JourneySkipped",
    "SendMessage",
    "MessageSuppressed",
    "UpdateCustomer",
    "JourneyExplanation",
    "diff",
    "Change",
    # customer value
    "summarize",
    "rfm",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "clv",
    "customer_values",
    # templates
    "Templates",
    "MessageTemplate",
    "RenderedMessage",
    "TemplateLimits",
    "TemplateError",
    "template_context",
    "validate",
]
