"""The conditions language: who is in a stage, who enters a journey, which branch they take.

A condition is data: a pydantic model in one discriminated union (the ``type`` field), so
it round-trips through JSON, has a JSON Schema and can be stored in a CRM. In Python it
reads aloud:

>>> repeat_buyer = count("order_placed", within="365d") >= 2
>>> str(repeat_buyer)
'orders in the last 365 days >= 2'
>>> lapsed = (since("order_placed") > "90d") & consented("email") & ~in_stage("churned")
>>> str(lapsed)
'time since the last order > 90 days and consented to email and not (stage is churned)'

Building blocks (``op`` is one of ``== != < <= > >=``):

=========================================  =================================================
``attr("a.b") op value``                   a customer attribute (dotted path into
                                           ``attributes``); also ``.is_in([...])``,
                                           ``.not_in``, ``.contains(x)``, ``.exists()``,
                                           ``.missing()``
``count(type, where, within) op n``        how many such events (in the window)
``total(type, prop, currency, ...) op x``  the sum of a property, in one currency when it
                                           is money
``since(type, where, never) op d``         time since the last such event (``< <= > >=``)
``fact(name, currency) op x``              ``order_count``; ``revenue`` (net of refunds)
                                           and ``average_order_value`` in a currency
``in_stage(*names)``                       the current lifecycle stage is one of these
``stage_for() op d``                       how long the customer has been in the stage
``consented(channel)``                     opted in to marketing on the channel
``all_of``/``&``, ``any_of``/``|``,         combine (Python's ``and``, ``or``, ``not`` and
``not_``/``~``                             ``if`` refuse a condition: it has no truth value)
``prop("a.b") op value``                   an event property: only inside ``where=``
=========================================  =================================================

Rules worth knowing:

- **Never did it is explicit.** ``since("order_placed") > "90d"`` is *false* for a
  customer with no order at all: they did not lapse, they never bought. Say
  ``since("order_placed", never=True) > "90d"`` to include them. ``stage_for`` is false
  when the stage entry time is unknown.
- **A missing attribute matches no comparison**, ``!=`` included, and neither does a
  comparison between unlike types (``"gold" > 3``). Test for absence with
  ``.missing()``.
- **Money names its currency.** Revenue is kept per currency and never summed across
  currencies: ``fact("revenue", currency="SEK") >= 1000``.
- **Windows look back from now** in the customer's time zone: ``within="1mo"`` on
  March 31 counts events since the instant one calendar month earlier (Feb 28/29 at the
  same wall time); ``since(...) > "90d"`` means the last event happened before
  ``now`` minus 90 calendar days.

The package holds the models and builders, and one module per interpreter: evaluation
(``condition.evaluate(ctx)`` compiles on first use and caches, so evaluating never walks
the pydantic tree), :func:`explain`, the facts a condition needs (:func:`facts_spec`),
definition checks (:func:`condition_problems`) and the loop reasoner
(:func:`can_hold_together`).
"""

from journeykit.conditions._analysis import fact_needs, facts_spec
from journeykit.conditions._boundaries import Boundary, compile_boundary
from journeykit.conditions._builders import (
    AttrRef,
    CountRef,
    FactRef,
    PropRef,
    SinceRef,
    StageForRef,
    TotalRef,
    attr,
    consented,
    count,
    fact,
    in_stage,
    prop,
    since,
    stage_for,
    total,
)
from journeykit.conditions._compile import Evaluator, where_matcher
from journeykit.conditions._context import EvalContext
from journeykit.conditions._explain import ConditionCheck, explain
from journeykit.conditions._models import (
    MAX_CONDITION_DEPTH,
    AllOf,
    AnyOf,
    Attr,
    Condition,
    Consented,
    Count,
    FactIs,
    InStage,
    Not,
    Prop,
    Since,
    StageFor,
    Total,
    all_of,
    any_of,
    condition_json_schema,
    not_,
    parse_condition,
)
from journeykit.conditions._problems import (
    check_condition,
    condition_problems,
    event_type_problem,
    where_problems,
)
from journeykit.conditions._satisfy import Verdict, can_hold_together
from journeykit.conditions._values import json_equal

__all__ = [
    "Condition",
    "EvalContext",
    "Evaluator",
    "Attr",
    "Prop",
    "Count",
    "Total",
    "Since",
    "FactIs",
    "InStage",
    "StageFor",
    "Consented",
    "AllOf",
    "AnyOf",
    "Not",
    "AttrRef",
    "PropRef",
    "CountRef",
    "TotalRef",
    "SinceRef",
    "FactRef",
    "StageForRef",
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
    "condition_problems",
    "check_condition",
    "fact_needs",
    "facts_spec",
    "explain",
    "ConditionCheck",
    "where_problems",
    "event_type_problem",
    "where_matcher",
    "compile_boundary",
    "Boundary",
    "can_hold_together",
    "Verdict",
    "json_equal",
    "MAX_CONDITION_DEPTH",
]

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("journeykit.conditions._"):
        _obj.__module__ = __name__
