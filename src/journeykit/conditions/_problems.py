"""Definition checks: what is wrong with a condition beyond each field's own shape.

Two kinds, both walked iteratively (a deep condition cannot exhaust the stack here):

- **intrinsic** (:func:`intrinsic_problems`, a condition's own ``problems()``): nesting
  deeper than ``MAX_CONDITION_DEPTH``, a ``where=`` that is not made of ``prop`` and
  combinators, money without its currency, an operator and value that do not fit;
- **in use** (:func:`condition_problems`): a ``prop()`` used as a condition, an event
  type or stage name the definitions do not know (with a "did you mean").
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, Final, cast

from journeykit._errors import DefinitionError, Problem, quote
from journeykit.conditions._values import kind
from journeykit.events import STANDARD_EVENT_TYPES, money_properties

if TYPE_CHECKING:
    from journeykit.conditions._models import Condition, ConditionBase

__all__ = [
    "MAX_CONDITION_DEPTH",
    "event_type_problem",
    "check_condition",
    "condition_problems",
    "intrinsic_problems",
    "walk",
    "where_problems",
]

#: How deeply conditions may nest (all_of/any_of/not_ and where= filters inside one
#: another). Far above any real definition; every interpreter stays well inside
#: Python's stack below it. Its one home (the models re-export it).
MAX_CONDITION_DEPTH: Final = 64
_WHERE_TAGS: Final = frozenset({"prop", "all_of", "any_of", "not"})
_HISTORY_TAGS: Final = frozenset({"count", "total", "since"})


def _at(path: str, part: str) -> str:
    if part.startswith("["):
        return f"{path}{part}"
    return f"{path}.{part}" if path else part


def walk(
    root: ConditionBase, path: str = "", *, in_where: bool = False
) -> Iterator[tuple[Any, str, int, bool]]:
    """Every node under ``root`` as ``(condition, path, depth, inside where=)``, parents
    first; nothing below :data:`MAX_CONDITION_DEPTH` is visited. ``in_where`` says
    ``root`` is itself a ``where=`` filter."""
    stack: list[tuple[Any, str, int, bool]] = [(root, path, 1, in_where)]
    while stack:
        node, at, depth, in_where = stack.pop()
        yield node, at, depth, in_where
        if depth > MAX_CONDITION_DEPTH:
            continue
        tag = node.type
        children: list[tuple[Any, str, int, bool]] = []
        if tag in ("all_of", "any_of"):
            children = [
                (child, _at(at, f"conditions[{i}]"), depth + 1, in_where)
                for i, child in enumerate(node.conditions)
            ]
        elif tag == "not":
            children = [(node.condition, _at(at, "condition"), depth + 1, in_where)]
        elif tag in _HISTORY_TAGS and node.where is not None:
            children = [(node.where, _at(at, "where"), depth + 1, True)]
        stack.extend(reversed(children))


def where_problems(where: ConditionBase, path: str = "where") -> list[Problem]:
    """What is wrong with ``where`` as an event-property filter (``prop``, ``all_of``,
    ``any_of`` and ``not_`` only), for definitions that take one, such as a journey's
    event trigger.

    >>> from journeykit.conditions import in_stage, prop
    >>> where_problems(prop("sku") == "mug")
    []
    >>> print(where_problems(in_stage("a"))[0])  # doctest: +ELLIPSIS
    where: where= filters an event's properties, so it may use prop(...), ...
    """
    return intrinsic_problems(where, path, in_where=True)


def intrinsic_problems(
    root: ConditionBase, path: str = "", *, in_where: bool = False
) -> list[Problem]:
    """What is wrong with ``root`` on its own, each problem with its path."""
    problems: list[Problem] = []
    for node, at, depth, inside_where in walk(root, path, in_where=in_where):
        if depth > MAX_CONDITION_DEPTH:
            problems.append(
                Problem(
                    at,
                    f"conditions nest more than {MAX_CONDITION_DEPTH} levels deep here; flatten "
                    "them (all_of and any_of take any number of conditions)",
                )
            )
            break
        tag = node.type
        if inside_where and tag not in _WHERE_TAGS:
            problems.append(
                Problem(
                    at,
                    "where= filters an event's properties, so it may use prop(...), all_of, "
                    f"any_of and not_ only (got {tag}: {quote(str(node))})",
                )
            )
        elif tag in ("attr", "prop"):
            problems.extend(_value_problems(node, at))
        elif tag == "total":
            problems.extend(_total_problems(node, at))
        elif tag == "fact":
            problems.extend(_fact_problems(node, at))
        elif tag == "in_stage" and not node.stages:
            problems.append(Problem(_at(at, "stages"), "in_stage needs at least one stage name"))
    return problems


def _value_problems(node: Any, at: str) -> Iterator[Problem]:
    op, value = node.op, node.value
    where = _at(at, "value")
    if op in ("exists", "missing"):
        if value is not None:
            yield Problem(where, f"operator {op!r} takes no value (got {quote(repr(value), 60)})")
    elif op in ("in", "not_in"):
        if not isinstance(value, tuple):
            yield Problem(
                where, f"operator {op!r} needs a list of values (got {quote(repr(value), 60)})"
            )
    elif op in ("<", "<=", ">", ">=") and kind(value) is None:
        yield Problem(
            where,
            f"operator {op!r} orders numbers, text or true/false; it cannot order "
            f"{quote(repr(value), 60)}",
        )


def _total_problems(node: Any, at: str) -> Iterator[Problem]:
    event, prop, currency = node.event, node.prop, node.currency
    if event not in STANDARD_EVENT_TYPES:
        return
    if prop in money_properties(event):
        if currency is None:
            yield Problem(
                _at(at, "currency"),
                f"{event}'s {prop} is money: name the currency to sum, e.g. "
                f"total({event!r}, {prop!r}, currency='EUR'); journeykit never adds amounts "
                "in different currencies",
            )
    elif currency is not None:
        yield Problem(
            _at(at, "currency"),
            f"{event}'s {prop} is not money, so a total of it takes no currency",
        )


def _fact_problems(node: Any, at: str) -> Iterator[Problem]:
    if node.name == "order_count":
        if node.currency is not None:
            yield Problem(
                _at(at, "currency"),
                "order_count counts every order, in any currency; it takes no currency",
            )
    elif node.currency is None:
        yield Problem(
            _at(at, "currency"),
            f"{node.name} is money: name its currency, e.g. fact({node.name!r}, "
            "currency='EUR'); revenue is kept per currency and never summed across them",
        )


def _did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    shown = ", ".join(repr(k) for k in sorted(known)[:12])
    more = ", ..." if len(known) > 12 else ""
    return f"; known: {shown}{more}"


def event_type_problem(event: str, path: str, known_events: Collection[str]) -> Problem | None:
    """A problem if ``event`` is not one of ``known_events`` (with a "did you mean"): the
    one wording for an unknown event type, in conditions, triggers and waits.

    >>> print(event_type_problem("order_placd", "trigger.event", {"order_placed"}))
    trigger.event: unknown event type 'order_placd'; did you mean 'order_placed'?
    """
    if event in known_events:
        return None
    return Problem(path, f"unknown event type {event!r}{_did_you_mean(event, known_events)}")


def condition_problems(
    cond: Condition,
    path: str = "when",
    *,
    known_events: Collection[str] | None = None,
    known_stages: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem with ``cond`` used as a condition at ``path``: its own
    (``cond.problems()``), a ``prop()`` outside ``where=``, and, when given, event types
    not in ``known_events`` and ``in_stage`` names not in ``known_stages``.

    Definitions that hold conditions (stage machines, journeys) call this for each one:
    pydantic builds nested conditions without running their own checks.

    >>> from journeykit.conditions import count, in_stage, prop
    >>> print(condition_problems(prop("sku") == "mug", "transitions[0].when")[0])
    transitions[0].when: prop('sku') reads an event's properties and belongs inside where=...; use attr(...) for customer attributes
    >>> print(condition_problems(count("order_placd") >= 1, known_events={"order_placed"})[0])
    when.event: unknown event type 'order_placd'; did you mean 'order_placed'?
    >>> print(condition_problems(in_stage("churnd"), known_stages=("churned", "new"))[0])
    when.stages[0]: unknown stage 'churnd'; did you mean 'churned'?
    """
    root = cast("ConditionBase", cond)
    problems = intrinsic_problems(root, path)
    events = None if known_events is None else frozenset(known_events)
    stages = None if known_stages is None else frozenset(known_stages)
    for node, at, depth, in_where in walk(root, path):
        if depth > MAX_CONDITION_DEPTH:
            break
        tag = node.type
        if tag == "prop" and not in_where:
            problems.append(
                Problem(
                    at,
                    f"prop({node.path!r}) reads an event's properties and belongs inside "
                    "where=...; use attr(...) for customer attributes",
                )
            )
        elif tag in _HISTORY_TAGS and events is not None and node.event not in events:
            unknown = event_type_problem(node.event, _at(at, "event"), events)
            assert unknown is not None  # the event is not among the known ones
            problems.append(unknown)
        elif tag == "in_stage" and stages is not None:
            for i, name in enumerate(node.stages):
                if name not in stages:
                    problems.append(
                        Problem(
                            _at(at, f"stages[{i}]"),
                            f"unknown stage {quote(name, 60)!r}{_did_you_mean(name, stages)}",
                        )
                    )
    return problems


def check_condition(
    cond: Condition,
    path: str = "when",
    *,
    known_events: Collection[str] | None = None,
    known_stages: Collection[str] | None = None,
) -> None:
    """Raise :class:`DefinitionError` listing :func:`condition_problems`, if any."""
    problems = condition_problems(cond, path, known_events=known_events, known_stages=known_stages)
    if problems:
        raise DefinitionError(problems)
