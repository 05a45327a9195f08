"""Can these conditions hold at the same instant? A bounded reasoner whose "no" is certain.

The stage machine asks this to find loops it can prove possible when it is built: a loop
of transitions A -> B -> ... -> A whose conditions can all hold for one customer at one
instant would move that customer round forever.

Theory of operation
-------------------
Each quantity a condition reads (a count over a window, a total, the time since an
event, an attribute, consent on a channel...) is a variable, and each comparison a
literal on it; ``in_stage`` and ``stage_for`` are settled by the stage a transition
leaves and the cascade happening at one instant. The conditions are put in disjunctive
normal form with contradictory terms pruned as they are built, and each term is checked
one variable at a time:

- **values** (counts, totals, money, attributes, consent) are checked by trying a finite
  set of candidate values that meets every region the constants cut the domain into,
  with the very tests evaluation uses (:mod:`journeykit.conditions._values`). The
  domains include what evaluation can meet: "missing" for an attribute (which fails every
  comparison, so ``not (score < 5)`` and ``not (score >= 5)`` can both hold), ``null``,
  values of other types, no average order value for a customer without orders; counts
  are whole numbers (``> 1`` and ``< 2`` exclude each other); ``fact("order_count")`` is
  the same quantity as ``count("order_placed")``;
- **time since an event** is "never" or an instant compared with cut-offs ``now - d``;
  two cut-offs are ordered only when they are for every ``now`` in every zone (calendar
  spans: a year is at least 365 days, a month at least 28).

A "cannot hold" is certain. A "may hold" can be wrong when exclusivity hides in a
relation between two quantities (``since("order_placed") > "90d"`` and
``count("order_placed", within="30d") >= 1``); stating the exclusion on one quantity
fixes that. Work is bounded: a junction whose normal form would pass
:data:`MAX_TERMS` terms is taken as "may hold" in place, without building it, and all
the work of one question is capped at :data:`WORK_BUDGET` steps; either way the answer is
:attr:`Verdict.TOO_COMPLEX` unless the rest already proves "cannot hold". The cost of
a question is its size plus at most that budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final

from journeykit._base import FrozenDict
from journeykit.conditions._keys import history_key
from journeykit.conditions._values import COMPARE, MISSING, kind, value_test
from journeykit.events import ORDER_PLACED, STANDARD_EVENT_TYPES
from journeykit.facts import amount_key
from journeykit.time import Duration

if TYPE_CHECKING:
    from journeykit.conditions._models import Condition

__all__ = ["MAX_TERMS", "WORK_BUDGET", "Verdict", "can_hold_together"]

#: The most terms one junction's normal form may have before it is left undecided.
MAX_TERMS: Final = 1024
#: The most steps (literal copies and tests) one question may take.
WORK_BUDGET: Final = 300_000

_NEGATE: Final = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class Verdict(Enum):
    """What :func:`can_hold_together` found. It has three outcomes, so it has no truth
    value: compare it (``verdict is Verdict.CANNOT_HOLD``)."""

    CANNOT_HOLD = "cannot_hold"
    """Proved: no customer satisfies every condition at one instant."""
    MAY_HOLD = "may_hold"
    """No contradiction found; some customer may satisfy them all."""
    TOO_COMPLEX = "too_complex"
    """Too large to decide within the bounds; treat it as a problem, never as "no"."""

    def __bool__(self) -> bool:
        raise TypeError(
            "a Verdict has three outcomes and no truth value; compare it, e.g. "
            "verdict is Verdict.CANNOT_HOLD"
        )


@dataclass(frozen=True, slots=True, eq=False)
class _Lit:
    """One literal: a test of one variable that must come out ``positive``.

    Since-literals use ``op``/``value`` (a duration) and ``never_ok`` instead of ``test``.
    """

    var: str
    domain: str  # count, number, money, aov, json, bool, since
    op: str
    value: Any
    positive: bool = True
    test: Callable[[Any], bool] | None = None
    never_ok: bool = False


_Term = dict[str, tuple[_Lit, ...]]
_TRUE: Final[tuple[_Term, ...]] = ({},)


class _OutOfBudgetError(Exception):
    pass


def can_hold_together(
    conditions: Iterable[tuple[Condition, str]], *, stage_for_zero: bool = True
) -> Verdict:
    """Whether every ``(condition, stage it is evaluated in)`` may hold at one instant.

    ``stage_for_zero`` says the time in stage is zero (the cascade entered it this instant).

    >>> from journeykit.conditions import count, since
    >>> can_hold_together([(since("order_placed") > "1y", "a"), (since("order_placed") <= "365d", "b")])
    <Verdict.CANNOT_HOLD: 'cannot_hold'>
    >>> can_hold_together([(count("order_placed") >= 2, "a"), (count("order_placed") <= 2, "b")])
    <Verdict.MAY_HOLD: 'may_hold'>
    """
    reasoner = _Reasoner(stage_for_zero)
    pairs = sorted(conditions, key=lambda pair: reasoner.size(pair[0]))
    parts: list[tuple[_Term, ...]] = []
    for cond, stage in pairs:  # smallest first: a cheap "no" is found before a costly part
        try:
            part = reasoner.dnf(cond, stage, True)
        except _OutOfBudgetError:
            reasoner.undecided = True
            break  # the rest stays undecided
        if not part:
            return Verdict.CANNOT_HOLD
        parts.append(part)
    reasoner.work = 0  # combining the parts gets a budget of its own
    try:
        terms = reasoner.conjoin(parts)
    except _OutOfBudgetError:
        return Verdict.TOO_COMPLEX
    if not terms:
        return Verdict.CANNOT_HOLD
    return Verdict.TOO_COMPLEX if reasoner.undecided else Verdict.MAY_HOLD


class _Reasoner:
    __slots__ = ("sizes", "undecided", "work", "zero")

    def __init__(self, stage_for_zero: bool) -> None:
        self.zero = stage_for_zero
        self.work = 0
        self.undecided = False
        self.sizes: dict[int, int] = {}  # node id -> nodes below it (nodes outlive the call)

    def charge(self, steps: int) -> None:
        self.work += steps
        if self.work > WORK_BUDGET:
            raise _OutOfBudgetError

    def size(self, cond: Any) -> int:
        """How many condition nodes ``cond`` holds (memoised: a linear walk in all)."""
        key = id(cond)
        found = self.sizes.get(key)
        if found is None:
            tag = cond.type
            if tag in ("all_of", "any_of"):
                found = 1 + sum(self.size(c) for c in cond.conditions)
            elif tag == "not":
                found = 1 + self.size(cond.condition)
            else:
                found = 1
            self.sizes[key] = found
        return found

    def dnf(self, cond: Any, stage: str, positive: bool) -> tuple[_Term, ...]:
        """``cond`` (negated unless ``positive``) as consistent terms; ``()`` is false."""
        self.charge(1)
        tag = cond.type
        if tag == "not":
            return self.dnf(cond.condition, stage, not positive)
        if tag in ("all_of", "any_of"):
            children = sorted(cond.conditions, key=self.size)
            if (tag == "all_of") == positive:
                parts: list[tuple[_Term, ...]] = []
                for child in children:  # smallest first, and stop at the first false one
                    part = self.dnf(child, stage, positive)
                    if not part:
                        return ()
                    parts.append(part)
                return self.conjoin(parts)
            union: list[_Term] = []
            for child in children:
                union.extend(self.dnf(child, stage, positive))
                if len(union) > MAX_TERMS:
                    self.undecided = True
                    return _TRUE
            self.charge(len(union))
            return tuple(union)
        if tag == "in_stage":
            return _TRUE if (stage in cond.stages) == positive else ()
        if tag == "stage_for":
            if not self.zero:
                return _TRUE  # unknown time in stage: either way may hold
            # the time in stage is zero and every duration positive
            return _TRUE if (cond.op in ("<", "<=")) == positive else ()
        lit = _literal(cond, positive)
        if not self.consistent((lit,)):
            return ()
        return ({lit.var: (lit,)},)

    def conjoin(self, parts: list[tuple[_Term, ...]]) -> tuple[_Term, ...]:
        """The terms of the conjunction of ``parts``, contradictions pruned, size capped."""
        if any(not p for p in parts):
            return ()
        # the single-term parts first, gathered in one pass (a long plain conjunction
        # costs its length, not its square), each variable checked once
        gathered: dict[str, list[_Lit]] = {}
        for part in parts:
            if len(part) == 1:
                for var, lits in part[0].items():
                    gathered.setdefault(var, []).extend(lits)
                    self.charge(len(lits))
        base: _Term = {}
        for var, found in gathered.items():
            held = tuple(found)
            if len(held) > 1 and not self.consistent(held):
                return ()
            base[var] = held
        terms: list[_Term] = [base]
        for part in sorted((p for p in parts if len(p) > 1), key=len):
            if len(terms) * len(part) > MAX_TERMS:
                # too large to build: leave this junction undecided rather than pay for it
                self.undecided = True
                continue
            merged = [self.merge(t, u) for t in terms for u in part]
            terms = [m for m in merged if m is not None]
            if not terms:
                return ()
        return tuple(terms)

    def merge(self, a: _Term, b: _Term) -> _Term | None:
        """The term ``a and b``, or None if they contradict."""
        if len(a) < len(b):
            a, b = b, a
        self.charge(len(a) + len(b))
        out = dict(a)
        for var, lits in b.items():
            held = out.get(var)
            if held is None:
                out[var] = lits
                continue
            combined = held + lits
            if not self.consistent(combined):
                return None
            out[var] = combined
        return out

    def consistent(self, lits: tuple[_Lit, ...]) -> bool:
        """Whether one variable can meet every literal in ``lits``."""
        first = lits[0]
        if first.domain == "since":
            self.charge(len(lits) ** 2)
            return _since_consistent(lits)
        candidates = _candidates(first.domain, lits)
        self.charge(len(candidates) * len(lits))
        for x in candidates:
            if all(bool(lit.test(x)) == lit.positive for lit in lits):  # type: ignore[misc]  # set for values
                return True
        return first.domain == "json" and _text_uncovered(lits)


# --------------------------------------------------------------------------- literals


def _compare(op: str, value: Any) -> Callable[[Any], bool]:
    compare = COMPARE[op]
    return lambda x: bool(compare(x, value))


def _literal(cond: Any, positive: bool) -> _Lit:
    tag = cond.type
    if tag == "count":
        var = f"count|{history_key(cond.event, cond.where)}|{cond.within or ''}"
        return _Lit(var, "count", cond.op, cond.value, positive, _compare(cond.op, cond.value))
    if tag == "fact":
        op, value = cond.op, cond.value
        if cond.name == "order_count":  # the same quantity as count("order_placed")
            return _Lit(f"count|{ORDER_PLACED}|", "count", op, value, positive, _compare(op, value))
        if cond.name == "revenue":
            var = f"revenue|{cond.currency}"
            return _Lit(var, "money", op, value, positive, _compare(op, value))
        compare = COMPARE[op]
        return _Lit(
            f"aov|{cond.currency}",
            "aov",
            op,
            value,
            positive,
            lambda x: x is not None and bool(compare(x, value)),
        )
    if tag == "total":
        key = amount_key(history_key(cond.event, cond.where), cond.prop, cond.currency)
        # the standard types' amounts are never negative; a custom type's may be
        domain = "money" if cond.event in STANDARD_EVENT_TYPES else "number"
        var = f"total|{key}|{cond.within or ''}"
        return _Lit(var, domain, cond.op, cond.value, positive, _compare(cond.op, cond.value))
    if tag == "since":
        op = cond.op if positive else _NEGATE[cond.op]
        var = f"since|{history_key(cond.event, cond.where)}"
        return _Lit(var, "since", op, cond.value, positive, never_ok=cond.never == positive)
    if tag == "attr":
        test = value_test(cond.op, cond.value)
        return _Lit(f"attr|{cond.path}", "json", cond.op, cond.value, positive, test)
    if tag == "consented":
        return _Lit(f"consent|{cond.channel.value}", "bool", "is", True, positive, _is_true)
    # prop() outside where= (reported elsewhere): an opaque true/false of its own
    return _Lit(f"atom|{cond.model_dump_json()}", "bool", "is", True, positive, _is_true)


def _is_true(x: Any) -> bool:
    return x is True


# --------------------------------------------------------------------------- values

# a value of a type no constant has: it equals nothing and orders with nothing
_FOREIGN: Final[FrozenDict[str, str]] = FrozenDict(
    {"\x00journeykit": "no condition names this value"}
)


def _numbers(values: Iterable[Any]) -> list[Decimal]:
    """Numbers meeting every region the constants cut the number line into."""
    points = sorted({Decimal(v) for v in values})
    if not points:
        return [Decimal(0)]
    out = [points[0] - 1, points[-1] + 1, Decimal(0), *points]
    out.extend((a + b) / 2 for a, b in pairwise(points))
    return out


def _candidates(domain: str, lits: tuple[_Lit, ...]) -> list[Any]:
    if domain == "bool":
        return [True, False]
    if domain == "count":
        ints = {0}
        for lit in lits:
            value = Decimal(lit.value)
            for edge in (math.floor(value), math.ceil(value)):
                ints.update((edge - 1, edge, edge + 1))
        return sorted(i for i in ints if i >= 0)
    if domain in ("number", "money", "aov"):
        numbers = _numbers(lit.value for lit in lits)
        if domain != "number":
            numbers = [n for n in numbers if n >= 0]
        return [*numbers, None] if domain == "aov" else numbers
    return _json_candidates(lits)


def _json_candidates(lits: tuple[_Lit, ...]) -> list[Any]:
    constants: list[Any] = []
    contained: list[Any] = []
    for lit in lits:
        if lit.op in ("in", "not_in"):
            constants.extend(lit.value)
        elif lit.op == "contains":
            constants.append(lit.value)
            if lit.positive:
                contained.append(lit.value)
        elif lit.op not in ("exists", "missing"):
            constants.append(lit.value)
    out: list[Any] = [MISSING, None, True, False, _FOREIGN, (), tuple(contained)]
    out.append((*contained, _FOREIGN))
    out.extend(c for c in constants if kind(c) is None)  # arrays, objects, null
    numbers = [c for c in constants if kind(c) == "number"]
    if numbers:
        out.extend(_numbers(numbers))
    texts = sorted({c for c in constants if isinstance(c, str)})
    out.append("")
    for text in texts:
        out.extend((text, text + "\x00"))
    # text holding every wanted piece, apart: it contains no other constant (none holds
    # the separator, see _text_uncovered) and, with the separator after it, equals none
    joined = _SEPARATOR.join(c for c in contained if isinstance(c, str))
    out.extend((joined, joined + _SEPARATOR))
    return out


_SEPARATOR: Final = "\x01"


def _text_uncovered(lits: tuple[_Lit, ...]) -> bool:
    """Whether the candidates may have missed a text value: containment mixed with an
    ordering of text, or a constant holding the separator. Such a term may still hold."""
    texts = [c for lit in lits for c in _constants(lit) if isinstance(c, str)]
    if any(_SEPARATOR in t for t in texts):
        return True
    contains = any(lit.op == "contains" and isinstance(lit.value, str) for lit in lits)
    ordered = any(lit.op in ("<", "<=", ">", ">=") and isinstance(lit.value, str) for lit in lits)
    return contains and ordered


def _constants(lit: _Lit) -> tuple[Any, ...]:
    if lit.op in ("in", "not_in"):
        return tuple(lit.value)
    return (lit.value,)


# --------------------------------------------------------------------------- time since

# Calendar days spanned looking back r months (r = 0..11), least and most, over every
# start date (day-of-month clamping included); a test checks them against dateutil.
_MONTH_DAYS_LOW: Final = (0, 28, 59, 89, 120, 150, 181, 212, 242, 273, 303, 334)
_MONTH_DAYS_HIGH: Final = (0, 31, 62, 92, 123, 153, 184, 215, 245, 276, 306, 337)
# The largest change of UTC offset between two instants of one zone in tzdata (Sitka's
# 1867 move from +14:58 to -15:01 is 30 hours), with room for gap resolution.
_OFFSET_SLACK: Final = 32 * 3600
_DAY: Final = 86400


def _calendar_days(d: Duration) -> tuple[int, int]:
    years, months = divmod(d.months, 12)
    return (
        365 * years + _MONTH_DAYS_LOW[months] + d.days,
        366 * years + _MONTH_DAYS_HIGH[months] + d.days,
    )


def reaches_back(a: Duration, b: Duration, *, strictly: bool) -> bool:
    """Whether ``now - a`` is at or before (``strictly``: before) ``now - b`` for every
    ``now`` in every zone, calendar steps taken in local time as evaluation does."""
    if a == b:
        return not strictly
    if a.months < 0 or b.months < 0:
        return False  # "back" by a negative month part: no claim
    a_calendar = bool(a.months or a.days)
    b_calendar = bool(b.months or b.days)
    if not a_calendar and not b_calendar:
        return a.seconds > b.seconds if strictly else a.seconds >= b.seconds
    a_low, _ = _calendar_days(a)
    _, b_high = _calendar_days(b)
    if a.seconds == b.seconds:
        # both land at one wall time of day, so the calendar dates decide; a whole-day
        # time zone jump can merge two wall times a day apart, so "strictly" needs two
        if not strictly and a.months >= b.months and a.days >= b.days:
            return True
        return a_low > b_high + 1 if strictly else a_low >= b_high
    a_least = a_low * _DAY + a.seconds - (_OFFSET_SLACK if a_calendar else 0)
    b_most = b_high * _DAY + b.seconds + (_OFFSET_SLACK if b_calendar else 0)
    return a_least > b_most if strictly else a_least >= b_most


def _since_consistent(lits: tuple[_Lit, ...]) -> bool:
    if all(lit.never_ok for lit in lits):
        return True  # a customer who never did it meets every one
    # since > d: last < now - d (an upper bound on the last time); since < d: a lower one
    uppers = [lit for lit in lits if lit.op in (">", ">=")]
    lowers = [lit for lit in lits if lit.op in ("<", "<=")]
    for upper in uppers:
        for lower in lowers:
            both_inclusive = upper.op == ">=" and lower.op == "<="
            if reaches_back(upper.value, lower.value, strictly=both_inclusive):
                return False
    return True


# every interpreter is a table over the union's tags: this one's leaves, for the check
LITERAL_TAGS: Final[Mapping[str, str]] = {
    "attr": "value",
    "prop": "opaque",
    "count": "value",
    "total": "value",
    "since": "time",
    "fact": "value",
    "in_stage": "settled by the stage",
    "stage_for": "settled by the cascade",
    "consented": "value",
    "all_of": "junction",
    "any_of": "junction",
    "not": "negation",
}
