"""The builders: ``count("order_placed") >= 2`` and friends, read aloud in Python.

A builder function returns a reference (``CountRef``...) that becomes a condition once
compared. A reference on its own is half-built: using it as a condition, in ``&``, ``|``,
``~`` or an ``if``, is an error naming the missing comparison, and ``str()`` says what
is missing. Bad values are refused when the comparison builds the condition, as a
:class:`~journeykit.errors.DefinitionError` with the field's path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

from pydantic import JsonValue

from journeykit._errors import DefinitionError, Problem, quote
from journeykit.conditions._models import (
    Attr,
    Condition,
    ConditionBase,
    Consented,
    Count,
    FactIs,
    FactName,
    HalfBuilt,
    InStage,
    Prop,
    Since,
    StageFor,
    Total,
)
from journeykit.conditions._text import describe, subject
from journeykit.models import Channel, ChannelName
from journeykit.time import DurationLike, describe_duration, parse_duration

__all__ = [
    "AttrRef",
    "CountRef",
    "FactRef",
    "Number",
    "PropRef",
    "SinceRef",
    "StageForRef",
    "TotalRef",
    "attr",
    "consented",
    "count",
    "fact",
    "in_stage",
    "prop",
    "since",
    "stage_for",
    "total",
]

_C = TypeVar("_C", bound=ConditionBase)  # the condition a comparison builds
_V = TypeVar("_V")  # what it may be compared with

Number = Union[Decimal, int, float, str]  # noqa: UP007  # a runtime alias usable on 3.10
Options = Union[list[Any], tuple[Any, ...], AbstractSet[Any]]  # noqa: UP007  # likewise


class _Ordered(HalfBuilt, Generic[_C, _V]):
    """Something compared with ``< <= > >=`` that becomes a condition: ``since(x) > "90d"``."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # comparisons build conditions, so no hashing
    _example = ">= 1"

    if TYPE_CHECKING:  # every reference defines these (declared for the type checker only)

        def _make(self, op: str, value: Any) -> _C:
            """The condition this reference compared with ``value`` by ``op`` makes."""

        def _call(self) -> str:
            """The builder call that made this reference, as Python."""

        def _subject(self) -> str:
            """What this reference reads, in words."""

    def incomplete(self) -> str:
        call = self._call()
        return (
            f"{call} is half-built: it needs a comparison to become a condition, "
            f"e.g. {call} {self._example}"
        )

    def __str__(self) -> str:
        return f"{self._subject()} (needs a comparison, e.g. {self._example})"

    def __repr__(self) -> str:
        return f"<{self._call()}: needs a comparison>"

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


def _options(values: object, method: str) -> list[Any]:
    if isinstance(values, (str, bytes, bytearray, Mapping)):
        raise DefinitionError(
            [
                Problem(
                    "value",
                    f"{method} takes a list of values, not one {type(values).__name__} "
                    f"(a text would read as its letters): write {method}([{quote(repr(values), 40)}])",
                )
            ]
        )
    if isinstance(values, AbstractSet):
        # a set has no order; sort it so the definition reads and stores the same everywhere
        return sorted(values, key=lambda v: json.dumps(v, sort_keys=True, default=repr))
    if not isinstance(values, Iterable):
        raise DefinitionError(
            [Problem("value", f"{method} takes a list of values (got {type(values).__name__})")]
        )
    return list(values)


class _PathRef(_Compared[_C, JsonValue]):
    """A value at a dotted path, with the membership tests attributes and properties share."""

    __slots__ = ("path",)
    _example = "== 'gold', or .exists()"

    def __init__(self, path: str) -> None:
        self.path = path

    def is_in(self, values: Options) -> _C:
        """The value equals one of ``values`` (a list, not one text)."""
        return self._make("in", _options(values, "is_in"))

    def not_in(self, values: Options) -> _C:
        """The value is set and equals none of ``values``."""
        return self._make("not_in", _options(values, "not_in"))

    def contains(self, value: JsonValue) -> _C:
        """The value (a list or text) contains ``value``."""
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

    def _call(self) -> str:
        return f"attr({self.path!r})"

    def _subject(self) -> str:
        return f"attribute {self.path}"


class PropRef(_PathRef[Prop]):
    """An event property, waiting for a comparison; for ``where=``. Made by :func:`prop`."""

    __slots__ = ()

    def _make(self, op: str, value: Any) -> Prop:
        return Prop.model_validate({"path": self.path, "op": op, "value": value})

    def _call(self) -> str:
        return f"prop({self.path!r})"

    def _subject(self) -> str:
        return str(self.path)


def _within(within: DurationLike | None) -> str:
    if within is None:
        return ""
    try:
        return f" in the last {describe_duration(parse_duration(within))}"
    except ValueError:
        return f" within {within!r}"


def _arguments(*, where: object = None, **named: object) -> str:
    parts = [f"{k}={v!r}" for k, v in named.items() if v is not None and v is not False]
    if where is not None:
        parts.insert(
            0, f"where={quote(describe(where), 40) if isinstance(where, ConditionBase) else '...'}"
        )
    return "".join(f", {p}" for p in parts)


def _subject_of(event: object, where: object) -> str:
    filtered = where if isinstance(where, ConditionBase) else None
    return subject(event, filtered) if isinstance(event, str) else repr(event)  # type: ignore[arg-type]  # a condition when set


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

    def _call(self) -> str:
        return f"count({self.event!r}{_arguments(where=self.where, within=self.within)})"

    def _subject(self) -> str:
        return f"{_subject_of(self.event, self.where)}{_within(self.within)}"


def _exact(value: Any) -> Any:
    """Floats become their shortest text before Decimal reads them: 0.1 stays 0.1."""
    return str(value) if isinstance(value, float) else value


class TotalRef(_Compared[Total, Number]):
    """A sum of a property, waiting for a comparison. Made by :func:`total`."""

    __slots__ = ("currency", "event", "prop", "where", "within")
    _example = ">= 100"

    def __init__(
        self,
        event: str,
        prop: str,
        currency: str | None,
        where: Condition | None,
        within: DurationLike | None,
    ) -> None:
        self.event = event
        self.prop = prop
        self.currency = currency
        self.where = where
        self.within = within

    def _make(self, op: str, value: Any) -> Total:
        return Total.model_validate(
            {
                "event": self.event,
                "prop": self.prop,
                "currency": self.currency,
                "where": self.where,
                "within": self.within,
                "op": op,
                "value": _exact(value),
            }
        )

    def _call(self) -> str:
        named = _arguments(where=self.where, currency=self.currency, within=self.within)
        return f"total({self.event!r}, {self.prop!r}{named})"

    def _subject(self) -> str:
        money = "" if self.currency is None else f" in {self.currency}"
        events = _subject_of(self.event, self.where)
        return f"total {self.prop} of {events}{money}{_within(self.within)}"


class FactRef(_Compared[FactIs, Number]):
    """A derived order fact, waiting for a comparison. Made by :func:`fact`."""

    __slots__ = ("currency", "name")
    _example = ">= 100"

    def __init__(self, name: FactName, currency: str | None) -> None:
        self.name = name
        self.currency = currency

    def _make(self, op: str, value: Any) -> FactIs:
        return FactIs.model_validate(
            {"name": self.name, "currency": self.currency, "op": op, "value": _exact(value)}
        )

    def _call(self) -> str:
        return f"fact({self.name!r}{_arguments(currency=self.currency)})"

    def _subject(self) -> str:
        words = str(self.name).replace("_", " ")
        return words if self.currency is None else f"{words} in {self.currency}"


class _DurationRef(_Ordered[_C, DurationLike]):
    """Elapsed time, compared with a duration using ``< <= > >=`` only."""

    __slots__ = ()
    _example = "> '90d'"

    def __eq__(self, value: object) -> bool:
        raise TypeError(
            f"{self._call()} compares with <, <=, > or >= and a duration such as '90d'; "
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

    def _call(self) -> str:
        return f"since({self.event!r}{_arguments(where=self.where, never=self.never)})"

    def _subject(self) -> str:
        if isinstance(self.event, str):
            filtered = self.where if isinstance(self.where, ConditionBase) else None
            return f"time since the last {subject(self.event, filtered, plural=False)}"
        return f"time since the last {self.event!r}"


class StageForRef(_DurationRef[StageFor]):
    """Time in the current stage, waiting for a comparison. Made by :func:`stage_for`."""

    __slots__ = ()

    def _make(self, op: str, value: Any) -> StageFor:
        return StageFor.model_validate({"op": op, "value": value})

    def _call(self) -> str:
        return "stage_for()"

    def _subject(self) -> str:
        return "time in the current stage"


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
    >>> str(count("order_placed", within="30d"))
    'orders in the last 30 days (needs a comparison, e.g. >= 1)'
    """
    return CountRef(event, where, within)


def total(
    event: str,
    prop: str = "value",
    *,
    currency: str | None = None,
    where: Condition | None = None,
    within: DurationLike | None = None,
) -> TotalRef:
    """The sum of ``prop`` over ``event`` events, in ``currency``.

    Money is never summed across currencies. ``currency`` names the one to sum: only
    events whose ``currency`` property is that code count; for the standard types'
    money (``order_placed``'s ``value``, ``added_to_cart``'s ``price``...) it is required.
    Without a currency, a total sums a plain number (points, items) and, for a custom
    event type, refuses at the fold an event that names a currency. An event whose
    amount is not a decimal number is refused at the fold too, naming the property.

    >>> str(total("order_placed", currency="EUR", within="1y") >= 500)
    'total value of orders in EUR in the last 1 year >= 500'
    >>> str(total("points_earned", "points") >= 1000)
    "total points of 'points_earned' events >= 1000"
    """
    return TotalRef(event, prop, currency, where, within)


def since(event: str, *, where: Condition | None = None, never: bool = False) -> SinceRef:
    """Time since the customer last did ``event``; ``never`` is the answer if they never did.

    >>> lapsed = since("order_placed") > "90d"
    >>> str(lapsed)
    'time since the last order > 90 days'
    >>> str(since("order_placed", never=True) > "90d")
    'time since the last order > 90 days (or no order ever)'
    """
    return SinceRef(event, where, never)


def fact(name: FactName, *, currency: str | None = None) -> FactRef:
    """A derived order fact: ``order_count`` (every order), or ``revenue`` (net of
    refunds, never below zero) and ``average_order_value`` in a named currency.

    >>> str(fact("revenue", currency="SEK") >= 1000), str(fact("order_count") >= 2)
    ('revenue in SEK >= 1000', 'order count >= 2')
    """
    return FactRef(name, currency)


def in_stage(*names: str) -> InStage:
    """The customer's current lifecycle stage is one of ``names``.

    >>> str(in_stage("loyal", "ambassador"))
    'stage is one of loyal, ambassador'
    """
    return InStage.model_validate({"stages": names})


def stage_for() -> StageForRef:
    """How long the customer has been in the current stage.

    >>> str(stage_for() >= "30d")
    'time in the current stage >= 30 days'
    """
    return StageForRef()


def consented(channel: Channel | ChannelName) -> Consented:
    """The customer opted in to marketing on ``channel``.

    >>> str(consented("email"))
    'consented to email'
    """
    return Consented.model_validate({"channel": channel})
