"""Can these conditions hold at the same instant? A small, sound-for-"no" reasoner.

The stage machine asks this to find cycles it can prove possible at construction: a loop
of transitions A -> B -> ... -> A whose conditions can all hold for one customer at one
instant would move that customer round forever.

The reasoner treats each quantity a condition reads (a count over a window, the time
since an event, an attribute...) as an independent variable and each comparison as a
constraint on it; ``in_stage`` and ``stage_for`` are settled by the stage a transition
leaves and by the cascade happening at one instant. It answers "no" only when it has
found a contradiction on one quantity (``count(x) >= 2`` and ``count(x) < 2``;
``since(x) > 90d`` and ``since(x) <= 60d``; ``consented("email")`` and its negation),
so a "no" is certain. A "yes" can be wrong when exclusivity hides in a relation between
two different quantities (``since("order_placed") > "90d"`` and
``count("order_placed", within="30d") >= 1`` cannot both hold, but that is not seen):
such a definition is reported as a possible cycle and is fixed by stating the exclusion
on one quantity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from journeykit.conditions import (
    AllOf,
    AnyOf,
    Attr,
    Condition,
    Consented,
    Count,
    FactIs,
    InStage,
    Not,
    Since,
    StageFor,
    Total,
    json_equal,
)
from journeykit.time import Duration

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_MAX_TERMS = 512


@dataclass(frozen=True)
class _Literal:
    """One constraint: a quantity compared with a value, or an opaque atom's truth."""

    key: str
    op: str  # one of == != < <= > >=, or "true"/"false" for opaque atoms
    value: Any = None
    never_ok: bool = False  # since(): also satisfied by a customer who never did it


_TRUE: tuple[tuple[_Literal, ...], ...] = ((),)  # one empty conjunction: always
_FALSE: tuple[tuple[_Literal, ...], ...] = ()  # no conjunction: never


def can_hold_together(
    conditions: Iterable[tuple[Condition, str]], *, stage_for_zero: bool = True
) -> bool:
    """Whether every ``(condition, stage it is evaluated in)`` may hold at once.

    ``stage_for_zero`` says the time in stage is zero (the cascade entered it this instant).
    """
    terms = _TRUE
    for cond, stage in conditions:
        terms = _and(terms, _dnf(cond, stage, stage_for_zero, positive=True))
        if not terms:
            return False
        if len(terms) > _MAX_TERMS:
            return True  # too large to decide: assume it may
    return any(_consistent(term) for term in terms)


def _and(
    a: tuple[tuple[_Literal, ...], ...], b: tuple[tuple[_Literal, ...], ...]
) -> tuple[tuple[_Literal, ...], ...]:
    out = [x + y for x in a for y in b]
    return tuple(t for t in out if _consistent(t))


def _dnf(
    cond: Condition, stage: str, zero: bool, positive: bool
) -> tuple[tuple[_Literal, ...], ...]:
    if isinstance(cond, Not):
        return _dnf(cond.condition, stage, zero, not positive)
    if isinstance(cond, (AllOf, AnyOf)):
        conjunctive = isinstance(cond, AllOf) == positive
        parts = [_dnf(c, stage, zero, positive) for c in cond.conditions]
        if conjunctive:
            terms = _TRUE
            for p in parts:
                terms = _and(terms, p)
                if len(terms) > _MAX_TERMS:
                    return _TRUE  # give up on precision, never on soundness of "no"
            return terms
        union: list[tuple[_Literal, ...]] = []
        for p in parts:
            union.extend(p)
        return tuple(union)
    if isinstance(cond, InStage):
        holds = stage in cond.stages
        return _TRUE if holds == positive else _FALSE
    if isinstance(cond, StageFor):
        if not zero:
            return _TRUE
        holds = cond.op in ("<", "<=")  # time in stage is 0 and the duration positive
        return _TRUE if holds == positive else _FALSE
    literal = _literal(cond, positive)
    return ((literal,),)


def _literal(cond: Condition, positive: bool) -> _Literal:
    if isinstance(cond, Count):
        op = cond.op if positive else _NEGATE[cond.op]
        key = f"count:{cond.event}:{_json(cond.where)}:{cond.within}"
        return _Literal(key, op, Decimal(cond.value))
    if isinstance(cond, Total):
        op = cond.op if positive else _NEGATE[cond.op]
        key = f"total:{cond.event}:{cond.prop}:{_json(cond.where)}:{cond.within}"
        return _Literal(key, op, cond.value)
    if isinstance(cond, FactIs):
        op = cond.op if positive else _NEGATE[cond.op]
        return _Literal(f"fact:{cond.name}", op, cond.value)
    if isinstance(cond, Since):
        op = cond.op if positive else _NEGATE[cond.op]
        never_ok = cond.never == positive
        return _Literal(f"since:{cond.event}:{_json(cond.where)}", op, cond.value, never_ok)
    if isinstance(cond, Attr) and cond.op in _NEGATE:
        op = cond.op if positive else _NEGATE[cond.op]
        return _Literal(f"attr:{cond.path}", op, cond.value)
    if isinstance(cond, (Attr, Consented)):
        return _Literal(f"atom:{cond.model_dump_json()}", "true" if positive else "false")
    # prop() outside where is reported elsewhere; treat anything else as an opaque atom
    return _Literal(f"atom:{cond.model_dump_json()}", "true" if positive else "false")


def _json(where: Condition | None) -> str:
    return "" if where is None else where.model_dump_json()


def _consistent(term: tuple[_Literal, ...]) -> bool:
    by_key: dict[str, list[_Literal]] = {}
    for lit in term:
        by_key.setdefault(lit.key, []).append(lit)
    return all(_key_consistent(lits) for lits in by_key.values())


def _key_consistent(lits: list[_Literal]) -> bool:
    if lits[0].op in ("true", "false"):
        return len({lit.op for lit in lits}) == 1
    if lits[0].key.startswith("since:"):
        if all(lit.never_ok for lit in lits):
            return True  # a customer who never did it satisfies every one
        return _durations_consistent(lits)
    return _values_consistent(lits)


def _values_consistent(lits: list[_Literal]) -> bool:
    """Interval and (in)equality reasoning on one ordered quantity."""
    equal = [lit.value for lit in lits if lit.op == "=="]
    unequal = [lit.value for lit in lits if lit.op == "!="]
    for a in equal:
        if any(not json_equal(a, b) for b in equal) or any(json_equal(a, b) for b in unequal):
            return False
        if not all(_satisfies(a, lit) for lit in lits if lit.op not in ("==", "!=")):
            return False
    for low in _lows(lits):
        for high in _highs(lits):
            try:
                if low.value > high.value or (
                    low.value == high.value and (low.op == ">" or high.op == "<")
                ):
                    return False
            except TypeError:
                continue
    return True


def _lows(lits: list[_Literal]) -> Iterator[_Literal]:
    return (lit for lit in lits if lit.op in (">", ">="))


def _highs(lits: list[_Literal]) -> Iterator[_Literal]:
    return (lit for lit in lits if lit.op in ("<", "<="))


def _satisfies(value: Any, lit: _Literal) -> bool:
    try:
        return bool(
            {
                "<": lambda: value < lit.value,
                "<=": lambda: value <= lit.value,
                ">": lambda: value > lit.value,
                ">=": lambda: value >= lit.value,
            }[lit.op]()
        )
    except TypeError:
        return True  # unlike types: cannot tell, so assume it may


def _durations_consistent(lits: list[_Literal]) -> bool:
    """Elapsed time > d1 and < d2 contradict when d1 >= d2 in every calendar component."""
    for low in _lows(lits):
        for high in _highs(lits):
            if _at_least(low.value, high.value) and (
                low.value != high.value or low.op == ">" or high.op == "<"
            ):
                return False
    return True


def _at_least(a: Duration, b: Duration) -> bool:
    """a >= b for every start instant: each part of ``a`` is at least the same part of ``b``."""
    return a.months >= b.months and a.days >= b.days and a.seconds >= b.seconds
