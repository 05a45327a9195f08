"""The condition models: one discriminated union on ``type``, and how they combine.

The models are data and know nothing of how they are read: each interpreter (evaluation
in ``_compile``, explanation in ``_explain``, the facts a condition needs in
``_analysis``, the loop reasoner in ``_satisfy``, readable text in ``_text``, definition
checks in ``_problems``) is one table from the ``type`` tag to a function, in its own
module. Adding an interpreter (a SQL compiler, say) is adding one such table; the test
suite checks every table covers every member of the union.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Literal, Union

from babel.numbers import is_currency
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    JsonValue,
    PlainSerializer,
    PrivateAttr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from journeykit._base import Definition, freeze_json
from journeykit._errors import DefinitionError, InvalidInputError, Problem
from journeykit._loading import load_json, nesting_problem, problems_from
from journeykit.conditions import _compile, _problems, _text
from journeykit.conditions._problems import MAX_CONDITION_DEPTH
from journeykit.models import MAX_ID_LENGTH, Channel, EventType
from journeykit.time import Duration

if TYPE_CHECKING:
    from journeykit.conditions._context import EvalContext

__all__ = [
    "AllOf",
    "AnyOf",
    "Attr",
    "AttrOp",
    "CompareOp",
    "Condition",
    "ConditionBase",
    "Consented",
    "Count",
    "FactIs",
    "FactName",
    "HalfBuilt",
    "InStage",
    "MAX_CONDITION_DEPTH",
    "Not",
    "OrderOp",
    "Prop",
    "Since",
    "StageFor",
    "TAGS",
    "Total",
    "all_of",
    "any_of",
    "condition_json_schema",
    "not_",
    "parse_condition",
]

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
OrderOp = Literal["<", "<=", ">", ">="]
AttrOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "exists", "missing"]
FactName = Literal["order_count", "revenue", "average_order_value"]
Evaluator = Callable[["EvalContext"], bool]


# --------------------------------------------------------------------------- field rules


def _check_path(path: str) -> str:
    if not path or any(not part.strip() for part in path.split(".")):
        raise ValueError(
            f"must be a dotted path such as 'first_name' or 'address.country' (got {path!r:.80})"
        )
    return path


Path = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH), AfterValidator(_check_path)]


def _check_name(name: str) -> str:
    if not name.strip():
        raise ValueError(f"must be a non-blank name (got {name!r})")
    return name


Name = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH), AfterValidator(_check_name)]


def _positive(value: Duration) -> Duration:
    if value.min_seconds() <= 0:
        raise ValueError(f"must be a positive duration such as '30d' (got {value})")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _check_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(
            f"must be an ISO 4217 currency code such as 'SEK' or 'EUR' (got {code!r:.20})"
        )
    return code


Currency = Annotated[str, AfterValidator(_check_currency)]


def _frozen_value(value: JsonValue) -> Any:
    try:
        return freeze_json(value)
    except InvalidInputError as err:
        raise ValueError(err.problems[0].message) from None


def _thawed(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


# JSON data, frozen (tuples, read-only mappings) once validated, written back as plain JSON
FrozenValue = Annotated[JsonValue, AfterValidator(_frozen_value), PlainSerializer(_thawed)]


# --------------------------------------------------------------------------- the base


_NO_TRUTH = (
    "a condition has no truth value in Python, so `and`, `or`, `not` and `if` cannot "
    "combine or test it: combine conditions with & (and), | (or) and ~ (not), and "
    "evaluate one with condition.evaluate(ctx)"
)


class HalfBuilt:
    """A builder waiting for its comparison (``count("order_placed")`` before ``>= 1``).

    Using one as a condition (in ``&``, ``|``, ``~``, ``if``, or a definition) is an
    error that names the missing comparison.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # every builder says it (declared here for the type checker only)

        def incomplete(self) -> str:
            """What is missing, in words."""

    def _refuse(self, *args: object) -> Any:
        raise TypeError(self.incomplete())

    if not TYPE_CHECKING:  # to mypy these do not exist, so `count("x") & c` is a type error
        __and__ = __rand__ = __or__ = __ror__ = __invert__ = __bool__ = _refuse


class ConditionBase(Definition):
    """Behaviour every condition shares: combinators, evaluation, readable text, checks."""

    type: str
    _fn: Evaluator | None = PrivateAttr(default=None)

    def __and__(self, other: ConditionBase) -> AllOf:
        return all_of(self, _operand(other, "&"))  # type: ignore[arg-type]  # Condition members

    def __or__(self, other: ConditionBase) -> AnyOf:
        return any_of(self, _operand(other, "|"))  # type: ignore[arg-type]  # Condition members

    def __invert__(self) -> Not:
        return Not(condition=self)  # type: ignore[arg-type]  # self is a Condition member

    def __bool__(self) -> bool:
        raise TypeError(_NO_TRUTH)

    def evaluate(self, ctx: EvalContext) -> bool:
        """Whether the condition holds in ``ctx`` (compiled on first use, then cached)."""
        fn = self._fn
        if fn is None:
            fn = self.compile()
        return fn(ctx)

    def compile(self) -> Evaluator:
        """A plain function of an :class:`EvalContext` that evaluates this condition."""
        fn = self._fn
        if fn is None:
            fn = self._fn = _compile.compile_condition(self)
        return fn

    def describe(self) -> str:
        """Readable text, as a marketer would say it (also ``str(condition)``)."""
        return _text.describe(self)

    def __str__(self) -> str:
        return _text.describe(self)

    def problems(self, path: str = "") -> list[Problem]:
        """What is wrong with this condition on its own (nesting, ``where=`` contents,
        money without a currency...), with paths below ``path``. Where it is used can
        add more: see :func:`journeykit.conditions.condition_problems`."""
        return _problems.intrinsic_problems(self, path)


def _operand(other: object, symbol: str) -> object:
    if isinstance(other, HalfBuilt):
        raise TypeError(other.incomplete())
    if not isinstance(other, ConditionBase):
        raise TypeError(f"{symbol} combines conditions; got {type(other).__name__} {other!r:.60}")
    return other


# --------------------------------------------------------------------------- attributes


class _Valued(ConditionBase):
    """A value at a dotted path compared with a constant: attributes and properties."""

    path: Path
    op: AttrOp
    value: FrozenValue = None


class Attr(_Valued):
    """A customer attribute compared with a value. Build with :func:`attr`."""

    type: Literal["attr"] = "attr"


class Prop(_Valued):
    """An event property compared with a value; only inside ``where=``. See :func:`prop`."""

    type: Literal["prop"] = "prop"


# --------------------------------------------------------------------------- event history


class _History(ConditionBase):
    """A condition over the customer's events of one type (matching ``where``)."""

    event: EventType
    where: Condition | None = None


class Count(_History):
    """How many events of a type (matching ``where``, in the window) compared with ``n``."""

    type: Literal["count"] = "count"
    within: PositiveDuration | None = None
    op: CompareOp
    value: int = Field(ge=0)


class Total(_History):
    """The sum of a property over events of a type (in one currency), compared with ``value``."""

    type: Literal["total"] = "total"
    prop: Name = "value"
    currency: Currency | None = None
    within: PositiveDuration | None = None
    op: CompareOp
    value: Decimal = Field(allow_inf_nan=False)


class Since(_History):
    """Time since the last event of a type compared with a duration.

    ``never`` is the result for a customer who never did it (default false).
    """

    type: Literal["since"] = "since"
    op: OrderOp
    value: PositiveDuration
    never: bool = False


class FactIs(ConditionBase):
    """A derived order fact (count, net revenue or average order value in a currency)
    compared with a value."""

    type: Literal["fact"] = "fact"
    name: FactName
    currency: Currency | None = None
    op: CompareOp
    value: Decimal = Field(allow_inf_nan=False)


# --------------------------------------------------------------------------- stage, consent


class InStage(ConditionBase):
    """The customer's current lifecycle stage is one of ``stages``."""

    type: Literal["in_stage"] = "in_stage"
    # at least one (checked in _problems: pydantic's own check miscounts bad items)
    stages: tuple[Name, ...] = Field(json_schema_extra={"minItems": 1})


class StageFor(ConditionBase):
    """How long the customer has been in the current stage compared with a duration."""

    type: Literal["stage_for"] = "stage_for"
    op: OrderOp
    value: PositiveDuration


class Consented(ConditionBase):
    """The customer opted in to marketing on ``channel``."""

    type: Literal["consented"] = "consented"
    channel: Channel


# --------------------------------------------------------------------------- combinators


class _Junction(ConditionBase):
    """``all_of`` and ``any_of``: the same shape, joined by "and" or by "or"."""

    conditions: tuple[Condition, ...]
    every: ClassVar[bool]  # all_of: every condition must hold; any_of: one is enough


class AllOf(_Junction):
    """Every condition holds (an empty ``all_of`` always holds)."""

    type: Literal["all_of"] = "all_of"
    every: ClassVar[bool] = True


class AnyOf(_Junction):
    """At least one condition holds (an empty ``any_of`` never holds)."""

    type: Literal["any_of"] = "any_of"
    every: ClassVar[bool] = False


class Not(ConditionBase):
    """The condition does not hold."""

    type: Literal["not"] = "not"
    condition: Condition


def _complete(value: object) -> object:
    if isinstance(value, HalfBuilt):
        raise DefinitionError([Problem("", value.incomplete())])
    return value


Condition = Annotated[
    Union[Attr, Prop, Count, Total, Since, FactIs, InStage, StageFor, Consented, AllOf, AnyOf, Not],  # noqa: UP007  # pydantic needs the Union spelled out for a recursive alias
    Field(discriminator="type"),
    BeforeValidator(_complete),
]
"""Any condition. A pydantic discriminated union on the ``type`` field."""

#: Every member of the union by its ``type`` tag: what each interpreter's table covers.
TAGS: Final[Mapping[str, type[ConditionBase]]] = {
    "attr": Attr,
    "prop": Prop,
    "count": Count,
    "total": Total,
    "since": Since,
    "fact": FactIs,
    "in_stage": InStage,
    "stage_for": StageFor,
    "consented": Consented,
    "all_of": AllOf,
    "any_of": AnyOf,
    "not": Not,
}

for _model in (Count, Total, Since, AllOf, AnyOf, Not):
    _model.model_rebuild()

_ADAPTER: TypeAdapter[Condition] = TypeAdapter(Condition)


def all_of(*conditions: Condition) -> AllOf:
    """Every condition holds; nested ``all_of`` are flattened.

    >>> from journeykit.conditions import consented, in_stage
    >>> str(all_of(in_stage("new"), consented("email")))
    'stage is new and consented to email'
    """
    flat: list[object] = []
    for c in conditions:
        flat.extend(c.conditions if isinstance(c, AllOf) else (c,))
    return AllOf.model_validate({"conditions": flat})


def any_of(*conditions: Condition) -> AnyOf:
    """At least one condition holds; nested ``any_of`` are flattened."""
    flat: list[object] = []
    for c in conditions:
        flat.extend(c.conditions if isinstance(c, AnyOf) else (c,))
    return AnyOf.model_validate({"conditions": flat})


def not_(condition: Condition) -> Not:
    """The condition does not hold.

    >>> from journeykit.conditions import in_stage
    >>> str(not_(in_stage("churned")))
    'not (stage is churned)'
    """
    return Not.model_validate({"condition": condition})


def parse_condition(data: str | bytes | Mapping[str, Any]) -> Condition:
    """Load a condition from JSON text or a dict (as a CRM stored it).

    Every problem, with its path, comes in one :class:`~journeykit.errors.DefinitionError`.

    >>> c = parse_condition('{"type": "count", "event": "order_placed", "op": ">=", "value": 2}')
    >>> str(c)
    'orders >= 2'
    """
    if isinstance(data, (str, bytes, bytearray)):
        loaded, problems = load_json(data)
        if problems:
            raise DefinitionError(problems)
        data = loaded
    problem = nesting_problem(data)
    if problem is not None:
        raise DefinitionError([problem])
    try:
        condition = _ADAPTER.validate_python(data)
    except ValidationError as err:
        raise DefinitionError(problems_from(err, data)) from None
    problems = condition.problems()
    if problems:
        raise DefinitionError(problems)
    return condition


def condition_json_schema() -> dict[str, Any]:
    """The JSON Schema of a condition, for editors and CRM form builders."""
    return _ADAPTER.json_schema()
