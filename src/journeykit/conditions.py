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

=================================  =========================================================
``attr("a.b") op value``           a customer attribute (dotted path into ``attributes``);
                                   also ``.is_in([...])``, ``.not_in``, ``.contains(x)``,
                                   ``.exists()``, ``.missing()``
``count(type, where, within) op n``  how many such events (in the window)
``total(type, prop, where, within) op x``  the sum of a money property (in the window)
``since(type, where, never) op d``  time since the last such event (``< <= > >=`` only)
``fact(name) op x``                ``order_count``, ``revenue`` (net of refunds) or
                                   ``average_order_value``
``in_stage(*names)``               the customer's current lifecycle stage is one of these
``stage_for() op d``               how long the customer has been in the current stage
``consented(channel)``             opted in to marketing on the channel
``all_of``/``&``, ``any_of``/``|``, ``not_``/``~``  combine
``prop("a.b") op value``           an event property: only inside ``where=``
=================================  =========================================================

Rules worth knowing:

- **Never did it is explicit.** ``since("order_placed") > "90d"`` is *false* for a
  customer with no order at all: they did not lapse, they never bought. Say
  ``since("order_placed", never=True) > "90d"`` to include them. ``stage_for`` is false
  when the stage entry time is unknown.
- **A missing attribute matches no comparison**, ``!=`` included, and neither does a
  comparison between unlike types (``"gold" > 3``). Test for absence with
  ``.missing()``.
- **Windows look back from now** in the customer's time zone: ``within="1mo"`` on
  March 31 counts events since the instant one calendar month earlier (Feb 28/29 at the
  same wall time); ``since(...) > "90d"`` means the last event happened before
  ``now`` minus 90 calendar days.

Conditions are compiled once into plain closures (``condition.evaluate(ctx)`` compiles
on first use and caches), so evaluating one never walks or validates the pydantic tree.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Literal, TypeVar, Union

from pydantic import Field, JsonValue, PrivateAttr, TypeAdapter, field_validator

from journeykit._base import Definition
from journeykit._errors import DefinitionError, InvalidInputError, Problem, UsageError
from journeykit._lookback import look_back
from journeykit.events import noun
from journeykit.facts import FactNeed, Facts, fact_key
from journeykit.models import Channel, ConsentStatus, Customer
from journeykit.time import Duration, DurationLike, describe_duration, zone

__all__ = [
    "Condition",
    "EvalContext",
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
]

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
OrderOp = Literal["<", "<=", ">", ">="]
AttrOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "exists", "missing"]
FactName = Literal["order_count", "revenue", "average_order_value"]

_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

Evaluator = Callable[["EvalContext"], bool]
PropertyFilter = Callable[[Mapping[str, Any]], bool]


class EvalContext:
    """Everything a condition may look at: the customer, their facts, stage and ``now``.

    Build one per evaluation instant; it caches window cut-offs so several conditions
    sharing a window compute it once. ``tz`` defaults to the customer's zone, then UTC.

    >>> from datetime import datetime, timezone
    >>> from journeykit.facts import FactsSpec
    >>> c = Customer(id="c1", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> ctx = EvalContext(c, FactsSpec().empty(), datetime(2026, 5, 1, tzinfo=timezone.utc))
    >>> (count("order_placed") == 0).evaluate(ctx)
    True
    """

    __slots__ = (
        "_cutoffs",
        "_zone",
        "customer",
        "facts",
        "now",
        "now_ts",
        "stage",
        "stage_entered_at",
        "tz",
    )

    def __init__(
        self,
        customer: Customer,
        facts: Facts,
        now: datetime,
        *,
        stage: str | None = None,
        stage_entered_at: datetime | None = None,
        tz: str | None = None,
    ) -> None:
        if now.tzinfo is None:
            raise InvalidInputError(
                f"now must be timezone-aware (got naive {now.isoformat()}); "
                "the host passes its clock reading with a zone, e.g. tzinfo=timezone.utc"
            )
        if stage_entered_at is not None and stage_entered_at.tzinfo is None:
            raise InvalidInputError(
                f"stage_entered_at must be timezone-aware (got naive "
                f"{stage_entered_at.isoformat()}); store the aware instant the stage change had"
            )
        self.customer = customer
        self.facts = facts
        self.now = now
        self.now_ts = now.timestamp()
        self.stage = stage
        self.stage_entered_at = stage_entered_at
        self.tz = tz or customer.timezone or "UTC"
        self._zone: tzinfo | None = None  # resolved on the first calendar window
        self._cutoffs: dict[int, float] = {}

    def cutoff(self, duration: Duration) -> float:
        """POSIX time of ``now`` minus ``duration`` in the customer's zone (cached)."""
        # keyed by identity: each compiled condition holds its own Duration object, and
        # hashing a dataclass per call costs more than computing a cut-off twice
        key = id(duration)
        found = self._cutoffs.get(key)
        if found is None:
            z = self._zone
            if z is None:
                z = self._zone = zone(self.tz)
            found = look_back(self.now, self.now_ts, z, duration)
            self._cutoffs[key] = found
        return found


class _ConditionBase(Definition):
    """Behaviour every condition shares: combinators, evaluation, readable text."""

    _fn: Evaluator | None = PrivateAttr(default=None)

    def __and__(self, other: Condition) -> AllOf:
        return all_of(self, other)  # type: ignore[arg-type]  # self is a Condition member

    def __or__(self, other: Condition) -> AnyOf:
        return any_of(self, other)  # type: ignore[arg-type]  # self is a Condition member

    def __invert__(self) -> Not:
        return Not(condition=self)  # type: ignore[arg-type]  # self is a Condition member

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
            fn = self._compile()
            self._fn = fn
        return fn

    def _compile(self) -> Evaluator:
        raise NotImplementedError  # every concrete condition overrides this

    def describe(self) -> str:
        """Readable text, as a marketer would say it (also ``str(condition)``)."""
        raise NotImplementedError  # every concrete condition overrides this

    def __str__(self) -> str:
        return self.describe()

    def _children(self) -> Sequence[Condition]:
        return ()


def _positive(value: Duration | None, field: str) -> Duration | None:
    if value is not None and (value.min_seconds() <= 0):
        raise ValueError(f"{field} must be a positive duration such as '30d' (got {value})")
    return value


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    return str(value)


# --- attributes and event properties ---------------------------------------------------

_MISSING = object()


def _getter(path: str) -> Callable[[Mapping[str, Any]], Any]:
    keys = tuple(path.split("."))
    if len(keys) == 1:
        key = keys[0]
        return lambda data: data.get(key, _MISSING)

    def get(data: Mapping[str, Any]) -> Any:
        value: Any = data
        for k in keys:
            if not isinstance(value, dict) or k not in value:
                return _MISSING
            value = value[k]
        return value

    return get


def _value_test(op: str, expected: Any) -> Callable[[Any], bool]:
    """A test of one looked-up value; ``_MISSING`` fails everything but ``missing``."""
    if op == "exists":
        return lambda v: v is not _MISSING and v is not None
    if op == "missing":
        return lambda v: v is _MISSING or v is None
    if op in ("in", "not_in"):
        options = tuple(expected) if isinstance(expected, list) else (expected,)

        def member(v: Any) -> bool:
            return v is not _MISSING and any(json_equal(v, o) for o in options)

        if op == "in":
            return member
        return lambda v: v is not _MISSING and not member(v)
    if op == "contains":

        def contains(v: Any) -> bool:
            if isinstance(v, (list, tuple)):
                return any(json_equal(x, expected) for x in v)
            if isinstance(v, str) and isinstance(expected, str):
                return expected in v
            return False

        return contains
    compare = _COMPARE[op]
    if op in ("==", "!="):
        want = op == "=="
        return lambda v: v is not _MISSING and json_equal(v, expected) is want

    def ordered(v: Any) -> bool:
        if v is _MISSING or v is None or isinstance(v, bool) != isinstance(expected, bool):
            return False
        try:
            return bool(compare(v, expected))
        except TypeError:
            return False

    return ordered


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return bool(a == b)
    except TypeError:
        return False


def _check_path(path: str) -> str:
    if not path or any(not part for part in path.split(".")):
        raise ValueError(
            f"must be a dotted path such as 'first_name' or 'address.country' (got {path!r})"
        )
    return path


def _check_operand(op: str, value: JsonValue) -> None:
    if op in ("exists", "missing") and value is not None:
        raise ValueError(f"operator {op!r} takes no value (got {value!r})")
    if op in ("in", "not_in") and not isinstance(value, list):
        raise ValueError(f"operator {op!r} needs a list of values (got {value!r})")


class Attr(_ConditionBase):
    """A customer attribute compared with a value. Build with :func:`attr`."""

    type: Literal["attr"] = "attr"
    path: str
    op: AttrOp
    value: JsonValue = None

    _check = field_validator("path")(classmethod(lambda cls, v: _check_path(v)))

    def model_post_init(self, context: Any, /) -> None:
        _check_operand(self.op, self.value)

    def _compile(self) -> Evaluator:
        get = _getter(self.path)
        test = _value_test(self.op, self.value)
        return lambda ctx: test(get(ctx.customer.attributes))

    def describe(self) -> str:
        return _describe_value(f"attribute {self.path}", self.op, self.value)


class Prop(_ConditionBase):
    """An event property compared with a value; only inside ``where=``. See :func:`prop`."""

    type: Literal["prop"] = "prop"
    path: str
    op: AttrOp
    value: JsonValue = None

    _check = field_validator("path")(classmethod(lambda cls, v: _check_path(v)))

    def model_post_init(self, context: Any, /) -> None:
        _check_operand(self.op, self.value)

    def _compile(self) -> Evaluator:
        raise UsageError(
            f"prop({self.path!r}) reads an event's properties and belongs inside where=...; "
            "use attr(...) for customer attributes"
        )

    def matcher(self) -> PropertyFilter:
        get = _getter(self.path)
        test = _value_test(self.op, self.value)
        return lambda props: test(get(props))

    def describe(self) -> str:
        return _describe_value(self.path, self.op, self.value)


def _describe_value(subject: str, op: str, value: object) -> str:
    if op == "exists":
        return f"{subject} is set"
    if op == "missing":
        return f"{subject} is not set"
    if op in ("in", "not_in"):
        items = ", ".join(_literal(v) for v in value) if isinstance(value, list) else value
        return f"{subject} {'is' if op == 'in' else 'is not'} one of {items}"
    return f"{subject} {op} {_literal(value)}"


# --- event history ---------------------------------------------------------------------


def _where_matcher(where: Condition | None) -> PropertyFilter | None:
    if where is None:
        return None
    if isinstance(where, Prop):
        return where.matcher()
    if isinstance(where, AllOf):
        parts = [_where_matcher(c) for c in where.conditions]
        fns = [p for p in parts if p is not None]
        return lambda props: all(f(props) for f in fns)
    if isinstance(where, AnyOf):
        parts = [_where_matcher(c) for c in where.conditions]
        fns = [p for p in parts if p is not None]
        return lambda props: any(f(props) for f in fns)
    if isinstance(where, Not):
        inner = _where_matcher(where.condition)
        assert inner is not None  # validated: where trees hold props and combinators only
        return lambda props: not inner(props)
    raise AssertionError(f"unvalidated where clause {where!r}")


def _where_problems(where: Condition, path: str) -> Iterator[Problem]:
    if isinstance(where, Prop):
        return
    if isinstance(where, (AllOf, AnyOf)):
        for i, child in enumerate(where.conditions):
            yield from _where_problems(child, f"{path}.conditions[{i}]")
        return
    if isinstance(where, Not):
        yield from _where_problems(where.condition, f"{path}.condition")
        return
    yield Problem(
        path,
        f"where= filters an event's properties, so it may use prop(...), all_of, any_of "
        f"and not_ only (got {where.type}: {where})",
    )


def _check_where(where: Condition | None) -> Condition | None:
    if where is not None:
        problems = list(_where_problems(where, "where"))
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
    return where


def _where_key(where: Condition | None) -> str | None:
    return None if where is None else where.model_dump_json()


def _subject(event: str, where: Condition | None, plural: bool = True) -> str:
    text = noun(event, plural=plural)
    return text if where is None else f"{text} where {where}"


class _HistoryBase(_ConditionBase):
    if TYPE_CHECKING:  # each subclass declares these after `type`, so JSON opens with "type"
        event: str
        where: Condition | None

    @field_validator("where", check_fields=False)
    @classmethod
    def _valid_where(cls, value: Condition | None) -> Condition | None:
        return _check_where(value)

    @property
    def key(self) -> str:
        """The key the facts keep this condition's data under."""
        return fact_key(self.event, _where_key(self.where))


def _not_tracked(cond: object) -> UsageError:
    return UsageError(
        f"the facts do not track what {cond!s} needs; fold events with a FactsSpec built "
        "from the definitions that use it (FactsSpec.for_conditions([...]))"
    )


class Count(_HistoryBase):
    """How many events of a type (matching ``where``, in the window) compared with ``n``."""

    type: Literal["count"] = "count"
    event: str
    where: Condition | None = None
    within: Duration | None = None
    op: CompareOp
    value: int = Field(ge=0)

    _within = field_validator("within")(classmethod(lambda cls, v: _positive(v, "within")))

    def _compile(self) -> Evaluator:
        compare = _COMPARE[self.op]
        n = self.value
        within = self.within
        key = self.key
        if within is None:
            filtered = self.where is not None

            def lifetime(ctx: EvalContext) -> bool:
                s = ctx.facts.stats.get(key)
                if s is None:
                    if filtered:  # filtered keys exist from FactsSpec.empty() on
                        raise _not_tracked(self)
                    return compare(0, n)
                return compare(s.count, n)

            return lifetime

        def windowed(ctx: EvalContext) -> bool:
            window = ctx.facts.windows.get(key)
            if window is None:
                raise _not_tracked(self)
            return compare(len(window) - bisect.bisect_left(window, ctx.cutoff(within)), n)

        return windowed

    def describe(self) -> str:
        span = "" if self.within is None else f" in the last {describe_duration(self.within)}"
        return f"{_subject(self.event, self.where)}{span} {self.op} {self.value}"


class Total(_HistoryBase):
    """The sum of a money property over events of a type, compared with ``value``."""

    type: Literal["total"] = "total"
    event: str
    where: Condition | None = None
    prop: str = "value"
    within: Duration | None = None
    op: CompareOp
    value: Decimal = Field(allow_inf_nan=False)

    _within = field_validator("within")(classmethod(lambda cls, v: _positive(v, "within")))

    def _compile(self) -> Evaluator:
        compare = _COMPARE[self.op]
        target = self.value
        vkey = f"{self.key}:{self.prop}"
        within = self.within
        if within is None:

            def lifetime(ctx: EvalContext) -> bool:
                found = ctx.facts.sums.get(vkey)
                if found is None:
                    raise _not_tracked(self)
                return compare(found, target)

            return lifetime

        def windowed(ctx: EvalContext) -> bool:
            window = ctx.facts.value_windows.get(vkey)
            if window is None:
                raise _not_tracked(self)
            start = bisect.bisect_left(window, (ctx.cutoff(within),))
            return compare(sum((v for _, v in window[start:]), Decimal(0)), target)

        return windowed

    def describe(self) -> str:
        span = "" if self.within is None else f" in the last {describe_duration(self.within)}"
        return (
            f"total {self.prop} of {_subject(self.event, self.where)}{span} {self.op} {self.value}"
        )


class Since(_HistoryBase):
    """Time since the last event of a type compared with a duration.

    ``never`` is the result for a customer who never did it (default false).
    """

    type: Literal["since"] = "since"
    event: str
    where: Condition | None = None
    op: OrderOp
    value: Duration
    never: bool = False

    _value = field_validator("value")(classmethod(lambda cls, v: _positive(v, "value")))

    def _compile(self) -> Evaluator:
        key = self.key
        filtered = self.where is not None
        compare = _COMPARE[_FLIP[self.op]]
        duration = self.value
        never = self.never

        def fn(ctx: EvalContext) -> bool:
            s = ctx.facts.stats.get(key)
            if s is None:
                if filtered:  # filtered keys exist from FactsSpec.empty() on
                    raise _not_tracked(self)
                return never
            if s.last_at is None:
                return never
            # since > d  <=>  last < now - d, and likewise for the other orderings
            return compare(s.last_at, ctx.cutoff(duration))

        return fn

    def describe(self) -> str:
        text = f"time since the last {_subject(self.event, self.where, plural=False)}"
        text += f" {self.op} {describe_duration(self.value)}"
        if self.never:
            text += f" (or no {noun(self.event, plural=False)} ever)"
        return text


_FLIP: Mapping[str, str] = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


class FactIs(_ConditionBase):
    """A derived order fact (count, net revenue, average order value) compared with a value."""

    type: Literal["fact"] = "fact"
    name: FactName
    op: CompareOp
    value: Decimal = Field(allow_inf_nan=False)

    def _compile(self) -> Evaluator:
        compare = _COMPARE[self.op]
        target = self.value
        if self.name == "order_count":
            return lambda ctx: compare(ctx.facts.order_count, target)
        if self.name == "revenue":
            return lambda ctx: compare(ctx.facts.revenue, target)

        def average(ctx: EvalContext) -> bool:
            aov = ctx.facts.average_order_value
            return aov is not None and compare(aov, target)

        return average

    def describe(self) -> str:
        return f"{self.name.replace('_', ' ')} {self.op} {self.value}"


# --- stage and consent -----------------------------------------------------------------


class InStage(_ConditionBase):
    """The customer's current lifecycle stage is one of ``stages``."""

    type: Literal["in_stage"] = "in_stage"
    stages: tuple[str, ...] = Field(min_length=1)

    def _compile(self) -> Evaluator:
        names = frozenset(self.stages)
        return lambda ctx: ctx.stage in names

    def describe(self) -> str:
        if len(self.stages) == 1:
            return f"stage is {self.stages[0]}"
        return f"stage is one of {', '.join(self.stages)}"


class StageFor(_ConditionBase):
    """How long the customer has been in the current stage compared with a duration."""

    type: Literal["stage_for"] = "stage_for"
    op: OrderOp
    value: Duration

    _value = field_validator("value")(classmethod(lambda cls, v: _positive(v, "value")))

    def _compile(self) -> Evaluator:
        compare = _COMPARE[_FLIP[self.op]]
        duration = self.value

        def fn(ctx: EvalContext) -> bool:
            entered = ctx.stage_entered_at
            if entered is None:
                return False
            return compare(entered.timestamp(), ctx.cutoff(duration))

        return fn

    def describe(self) -> str:
        return f"time in the current stage {self.op} {describe_duration(self.value)}"


class Consented(_ConditionBase):
    """The customer opted in to marketing on ``channel``."""

    type: Literal["consented"] = "consented"
    channel: Channel

    def _compile(self) -> Evaluator:
        channel = self.channel
        opted_in = ConsentStatus.OPTED_IN
        return lambda ctx: ctx.customer.consent.get(channel) == opted_in

    def describe(self) -> str:
        return f"consented to {self.channel.value}"


# --- combinators -----------------------------------------------------------------------


class _Junction(_ConditionBase):
    """``all_of`` and ``any_of``: the same shape, joined by "and" or by "or"."""

    if TYPE_CHECKING:  # each subclass declares it after `type`, so JSON opens with "type"
        conditions: tuple[Condition, ...]
    _every: ClassVar[bool]  # all_of: every condition must hold; any_of: one is enough
    _empty: ClassVar[str]  # the words for an empty junction
    _word: ClassVar[str]

    def _compile(self) -> Evaluator:
        fns = tuple(c.compile() for c in self.conditions)
        if len(fns) == 1:
            return fns[0]
        if self._every:
            if len(fns) == 2:
                a, b = fns
                return lambda ctx: a(ctx) and b(ctx)

            def every(ctx: EvalContext) -> bool:
                for fn in fns:
                    if not fn(ctx):
                        return False
                return True

            return every
        if len(fns) == 2:
            a, b = fns
            return lambda ctx: a(ctx) or b(ctx)

        def some(ctx: EvalContext) -> bool:
            for fn in fns:
                if fn(ctx):
                    return True
            return False

        return some

    def _children(self) -> Sequence[Condition]:
        return self.conditions

    def describe(self) -> str:
        if not self.conditions:
            return self._empty
        parts = []
        for c in self.conditions:
            text = str(c)
            # the other junction inside this one needs brackets to read right
            if isinstance(c, _Junction) and c._every != self._every and len(c.conditions) > 1:
                text = f"({text})"
            parts.append(text)
        return f" {self._word} ".join(parts)


class AllOf(_Junction):
    """Every condition holds (an empty ``all_of`` always holds)."""

    type: Literal["all_of"] = "all_of"
    conditions: tuple[Condition, ...]
    _every = True
    _empty = "always"
    _word = "and"


class AnyOf(_Junction):
    """At least one condition holds (an empty ``any_of`` never holds)."""

    type: Literal["any_of"] = "any_of"
    conditions: tuple[Condition, ...]
    _every = False
    _empty = "never"
    _word = "or"


class Not(_ConditionBase):
    """The condition does not hold."""

    type: Literal["not"] = "not"
    condition: Condition

    def _compile(self) -> Evaluator:
        inner = self.condition.compile()
        return lambda ctx: not inner(ctx)

    def _children(self) -> Sequence[Condition]:
        return (self.condition,)

    def describe(self) -> str:
        return f"not ({self.condition})"


Condition = Annotated[
    Union[Attr, Prop, Count, Total, Since, FactIs, InStage, StageFor, Consented, AllOf, AnyOf, Not],  # noqa: UP007  # pydantic needs the Union spelled out for a recursive alias
    Field(discriminator="type"),
]
"""Any condition. A pydantic discriminated union on the ``type`` field."""

for _model in (Count, Total, Since, AllOf, AnyOf, Not):
    _model.model_rebuild()

_ADAPTER: TypeAdapter[Condition] = TypeAdapter(Condition)


def parse_condition(data: str | bytes | Mapping[str, Any]) -> Condition:
    """Load a condition from JSON text or a dict (as a CRM stored it).

    >>> c = parse_condition('{"type": "count", "event": "order_placed", "op": ">=", "value": 2}')
    >>> str(c)
    'orders >= 2'
    """
    if isinstance(data, (str, bytes)):
        return _ADAPTER.validate_json(data)
    return _ADAPTER.validate_python(data)


def condition_json_schema() -> dict[str, Any]:
    """The JSON Schema of a condition, for editors and CRM form builders."""
    return _ADAPTER.json_schema()


# --- builders --------------------------------------------------------------------------


_C = TypeVar("_C", bound=_ConditionBase)  # the condition a comparison builds
_V = TypeVar("_V")  # what it may be compared with

Number = Union[Decimal, int, float, str]  # noqa: UP007  # a runtime alias usable on 3.10


class _Ordered(Generic[_C, _V]):
    """Something compared with ``< <= > >=`` that becomes a condition: ``since(x) > "90d"``."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # comparisons build conditions, so no hashing

    def _make(self, op: str, value: Any) -> _C:
        raise NotImplementedError  # every reference overrides this

    def __lt__(self, value: _V) -> _C:
        return self._make("<", value)

    def __le__(self, value: _V) -> _C:
        return self._make("<=", value)

    def __gt__(self, value: _V) -> _C:
        return self._make(">", value)

    def __ge__(self, value: _V) -> _C:
        return self._make(">=", value)


class _Compared(_Ordered[_C, _V]):
    """Something compared with any of ``== != < <= > >=``: ``count("x") >= 2``."""

    __slots__ = ()

    def __eq__(self, value: _V) -> _C:  # type: ignore[override]  # builds a condition
        return self._make("==", value)

    def __ne__(self, value: _V) -> _C:  # type: ignore[override]  # builds a condition
        return self._make("!=", value)


class _PathRef(_Compared[_C, JsonValue]):
    """A value at a dotted path, with the membership tests attributes and properties share."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def is_in(self, values: Iterable[JsonValue]) -> _C:
        """The value equals one of ``values``."""
        return self._make("in", list(values))

    def not_in(self, values: Iterable[JsonValue]) -> _C:
        """The value is set and equals none of ``values``."""
        return self._make("not_in", list(values))

    def contains(self, value: JsonValue) -> _C:
        """The value (a list or string) contains ``value``."""
        return self._make("contains", value)

    def exists(self) -> _C:
        """The value is set (and not null)."""
        return self._make("exists", None)

    def missing(self) -> _C:
        """The value is absent or null."""
        return self._make("missing", None)


class AttrRef(_PathRef[Attr]):
    """A customer attribute, waiting for a comparison. Made by :func:`attr`."""

    __slots__ = ()

    def _make(self, op: str, value: Any) -> Attr:
        return Attr.model_validate({"path": self.path, "op": op, "value": value})


class PropRef(_PathRef[Prop]):
    """An event property, waiting for a comparison; for ``where=``. Made by :func:`prop`."""

    __slots__ = ()

    def _make(self, op: str, value: Any) -> Prop:
        return Prop.model_validate({"path": self.path, "op": op, "value": value})


class CountRef(_Compared[Count, int]):
    """A number of events, waiting for a comparison. Made by :func:`count`."""

    __slots__ = ("event", "where", "within")

    def __init__(self, event: str, where: Condition | None, within: DurationLike | None) -> None:
        self.event = event
        self.where = where
        self.within = within

    def _make(self, op: str, value: Any) -> Count:
        return Count.model_validate(
            {
                "event": self.event,
                "where": self.where,
                "within": self.within,
                "op": op,
                "value": value,
            }
        )


def _exact(value: Any) -> Any:
    """Floats become their shortest text before Decimal reads them: 0.1 stays 0.1."""
    return str(value) if isinstance(value, float) else value


class TotalRef(_Compared[Total, Number]):
    """A sum of a money property, waiting for a comparison. Made by :func:`total`."""

    __slots__ = ("event", "prop", "where", "within")

    def __init__(
        self, event: str, prop: str, where: Condition | None, within: DurationLike | None
    ) -> None:
        self.event = event
        self.prop = prop
        self.where = where
        self.within = within

    def _make(self, op: str, value: Any) -> Total:
        return Total.model_validate(
            {
                "event": self.event,
                "prop": self.prop,
                "where": self.where,
                "within": self.within,
                "op": op,
                "value": _exact(value),
            }
        )


class FactRef(_Compared[FactIs, Number]):
    """A derived order fact, waiting for a comparison. Made by :func:`fact`."""

    __slots__ = ("name",)

    def __init__(self, name: FactName) -> None:
        self.name = name

    def _make(self, op: str, value: Any) -> FactIs:
        return FactIs.model_validate({"name": self.name, "op": op, "value": _exact(value)})


class _DurationRef(_Ordered[_C, DurationLike]):
    """Elapsed time, compared with a duration using ``< <= > >=`` only."""

    __slots__ = ()

    def __eq__(self, value: object) -> bool:
        raise TypeError(
            f"{type(self).__name__} compares with <, <=, > or >= and a duration such as '90d'; "
            "== has no useful meaning for elapsed time"
        )

    def __ne__(self, value: object) -> bool:
        return self.__eq__(value)


class SinceRef(_DurationRef[Since]):
    """Time since the last event, waiting for a comparison. Made by :func:`since`."""

    __slots__ = ("event", "never", "where")

    def __init__(self, event: str, where: Condition | None, never: bool) -> None:
        self.event = event
        self.where = where
        self.never = never

    def _make(self, op: str, value: Any) -> Since:
        return Since.model_validate(
            {
                "event": self.event,
                "where": self.where,
                "never": self.never,
                "op": op,
                "value": value,
            }
        )


class StageForRef(_DurationRef[StageFor]):
    """Time in the current stage, waiting for a comparison. Made by :func:`stage_for`."""

    __slots__ = ()

    def _make(self, op: str, value: Any) -> StageFor:
        return StageFor.model_validate({"op": op, "value": value})


def attr(path: str) -> AttrRef:
    """A customer attribute by dotted path into ``attributes``.

    >>> str(attr("tier") == "gold"), str(attr("address.country").is_in(["SE", "NO"]))
    ("attribute tier == 'gold'", "attribute address.country is one of 'SE', 'NO'")
    """
    return AttrRef(path)


def prop(path: str) -> PropRef:
    """An event property by dotted path, for ``where=`` filters.

    >>> str(count("order_placed", where=prop("channel") == "app") >= 1)
    "orders where channel == 'app' >= 1"
    """
    return PropRef(path)


def count(
    event: str, *, where: Condition | None = None, within: DurationLike | None = None
) -> CountRef:
    """How many ``event`` events the customer has (matching ``where``, within the window).

    >>> str(count("order_placed", within="365d") >= 2)
    'orders in the last 365 days >= 2'
    """
    return CountRef(event, where, within)


def total(
    event: str,
    prop: str = "value",
    *,
    where: Condition | None = None,
    within: DurationLike | None = None,
) -> TotalRef:
    """The sum of the money property ``prop`` over ``event`` events.

    >>> str(total("order_placed", within="1y") >= 500)
    'total value of orders in the last 1 year >= 500'
    """
    return TotalRef(event, prop, where, within)


def since(event: str, *, where: Condition | None = None, never: bool = False) -> SinceRef:
    """Time since the customer last did ``event``; ``never`` is the answer if they never did.

    >>> lapsed = since("order_placed") > "90d"
    >>> str(lapsed)
    'time since the last order > 90 days'
    >>> str(since("order_placed", never=True) > "90d")
    'time since the last order > 90 days (or no order ever)'
    """
    return SinceRef(event, where, never)


def fact(name: FactName) -> FactRef:
    """A derived order fact: ``order_count``, ``revenue`` (net of refunds) or
    ``average_order_value``.

    >>> str(fact("revenue") >= 1000)
    'revenue >= 1000'
    """
    return FactRef(name)


def in_stage(*names: str) -> InStage:
    """The customer's current lifecycle stage is one of ``names``.

    >>> str(in_stage("loyal", "ambassador"))
    'stage is one of loyal, ambassador'
    """
    return InStage(stages=names)


def stage_for() -> StageForRef:
    """How long the customer has been in the current stage.

    >>> str(stage_for() >= "30d")
    'time in the current stage >= 30 days'
    """
    return StageForRef()


def consented(channel: Channel | str) -> Consented:
    """The customer opted in to marketing on ``channel``.

    >>> str(consented("email"))
    'consented to email'
    """
    return Consented(channel=Channel(channel))


def all_of(*conditions: Condition) -> AllOf:
    """Every condition holds; nested ``all_of`` are flattened."""
    flat: list[Condition] = []
    for c in conditions:
        flat.extend(c.conditions if isinstance(c, AllOf) else (c,))
    return AllOf(conditions=tuple(flat))


def any_of(*conditions: Condition) -> AnyOf:
    """At least one condition holds; nested ``any_of`` are flattened."""
    flat: list[Condition] = []
    for c in conditions:
        flat.extend(c.conditions if isinstance(c, AnyOf) else (c,))
    return AnyOf(conditions=tuple(flat))


def not_(condition: Condition) -> Not:
    """The condition does not hold.

    >>> str(not_(in_stage("churned")))
    'not (stage is churned)'
    """
    return Not(condition=condition)


# --- walking definitions ---------------------------------------------------------------


def _walk(cond: Condition) -> Iterator[Condition]:
    yield cond
    for child in cond._children():
        yield from _walk(child)


def condition_problems(cond: Condition, path: str = "when") -> list[Problem]:
    """Problems in a condition that pydantic cannot see alone (``prop`` outside ``where``).

    >>> print(condition_problems(prop("sku") == "mug", "transitions[0].when")[0])
    transitions[0].when: prop('sku') reads an event's properties and belongs inside where=...; use attr(...) for customer attributes
    """
    problems: list[Problem] = []

    def visit(c: Condition, at: str) -> None:
        if isinstance(c, Prop):
            problems.append(
                Problem(
                    at,
                    f"prop({c.path!r}) reads an event's properties and belongs inside where=...; "
                    "use attr(...) for customer attributes",
                )
            )
        if isinstance(c, (AllOf, AnyOf)):
            for i, child in enumerate(c.conditions):
                visit(child, f"{at}.conditions[{i}]")
        elif isinstance(c, Not):
            visit(c.condition, f"{at}.condition")

    visit(cond, path)
    return problems


def check_condition(cond: Condition, path: str = "when") -> None:
    """Raise :class:`DefinitionError` listing :func:`condition_problems`, if any."""
    problems = condition_problems(cond, path)
    if problems:
        raise DefinitionError(problems)


def fact_needs(conditions: Iterable[Condition]) -> list[FactNeed]:
    """What the facts must keep so every condition in ``conditions`` can be evaluated."""
    needs: list[FactNeed] = []
    for root in conditions:
        for c in _walk(root):
            if isinstance(c, (Count, Total, Since)):
                where = _where_matcher(c.where)
                where_key = _where_key(c.where)
                if isinstance(c, Count):
                    if c.within is not None:
                        needs.append(
                            FactNeed(
                                c.event,
                                where_key,
                                where,
                                horizon=c.within.max_seconds(),
                                keep_last=c.value + 1,
                            )
                        )
                    elif where is not None:
                        needs.append(FactNeed(c.event, where_key, where))
                elif isinstance(c, Total):
                    horizon = None if c.within is None else c.within.max_seconds()
                    needs.append(
                        FactNeed(c.event, where_key, where, horizon=horizon, total_prop=c.prop)
                    )
                elif where is not None:
                    needs.append(FactNeed(c.event, where_key, where))
    return needs
