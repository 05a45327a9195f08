"""Readable text: how each condition reads aloud (``str(condition)``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

from journeykit.events import noun
from journeykit.time import describe_duration

if TYPE_CHECKING:
    from journeykit.conditions._models import (
        AllOf,
        Attr,
        Condition,
        ConditionBase,
        Consented,
        Count,
        FactIs,
        InStage,
        Not,
        Prop,
        Since,
        StageFor,
        Total,
    )

__all__ = ["TEXT", "describe", "literal", "subject"]


def describe(c: ConditionBase) -> str:
    """``c`` in words, as a marketer would say it."""
    return TEXT[c.type](c)


def literal(value: object) -> str:
    """A constant as conditions write it: ``true``, ``null``, ``'gold'``, ``3``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    return str(value)


def _valued(subject_text: str, op: str, value: object) -> str:
    if op == "exists":
        return f"{subject_text} is set"
    if op == "missing":
        return f"{subject_text} is not set"
    if op in ("in", "not_in"):
        items = ", ".join(literal(v) for v in cast("tuple[object, ...]", value))
        return f"{subject_text} {'is' if op == 'in' else 'is not'} one of {items}"
    if op == "contains":
        return f"{subject_text} contains {literal(value)}"
    return f"{subject_text} {op} {literal(value)}"


def subject(event: str, where: Condition | None, *, plural: bool = True) -> str:
    """The events a history condition reads: ``orders where channel == 'app'``."""
    text = noun(event, plural=plural)
    return text if where is None else f"{text} where {describe(where)}"


def _span(c: Count | Total) -> str:
    return "" if c.within is None else f" in the last {describe_duration(c.within)}"


def _attr(c: Attr) -> str:
    return _valued(f"attribute {c.path}", c.op, c.value)


def _prop(c: Prop) -> str:
    return _valued(c.path, c.op, c.value)


def _count(c: Count) -> str:
    return f"{subject(c.event, c.where)}{_span(c)} {c.op} {c.value}"


def _total(c: Total) -> str:
    money = "" if c.currency is None else f" in {c.currency}"
    return f"total {c.prop} of {subject(c.event, c.where)}{money}{_span(c)} {c.op} {c.value}"


def _since(c: Since) -> str:
    text = f"time since the last {subject(c.event, c.where, plural=False)}"
    text += f" {c.op} {describe_duration(c.value)}"
    if c.never:
        text += f" (or no {noun(c.event, plural=False)} ever)"
    return text


def fact_subject(c: FactIs) -> str:
    """What a fact condition reads: ``revenue in SEK``."""
    words = c.name.replace("_", " ")
    return words if c.currency is None else f"{words} in {c.currency}"


def _fact(c: FactIs) -> str:
    return f"{fact_subject(c)} {c.op} {c.value}"


def _in_stage(c: InStage) -> str:
    if len(c.stages) == 1:
        return f"stage is {c.stages[0]}"
    return f"stage is one of {', '.join(c.stages)}"


def _stage_for(c: StageFor) -> str:
    return f"time in the current stage {c.op} {describe_duration(c.value)}"


def _consented(c: Consented) -> str:
    return f"consented to {c.channel.value}"


def _junction(c: AllOf) -> str:
    if not c.conditions:
        return "always" if c.every else "never"
    word = " and " if c.every else " or "
    parts = []
    for child in c.conditions:
        text = describe(child)
        # the other junction inside this one needs brackets to read right
        junction: Any = child
        if (
            junction.type in ("all_of", "any_of")
            and junction.every != c.every
            and len(junction.conditions) > 1
        ):
            text = f"({text})"
        parts.append(text)
    return word.join(parts)


def _not(c: Not) -> str:
    return f"not ({describe(c.condition)})"


TEXT: Final[Mapping[str, Callable[[Any], str]]] = {
    "attr": _attr,
    "prop": _prop,
    "count": _count,
    "total": _total,
    "since": _since,
    "fact": _fact,
    "in_stage": _in_stage,
    "stage_for": _stage_for,
    "consented": _consented,
    "all_of": _junction,
    "any_of": _junction,
    "not": _not,
}
"""The text interpreter: one function per condition ``type``."""
