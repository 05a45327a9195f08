"""Evaluation: each condition compiled once into a plain closure over an ``EvalContext``.

A compiled condition never walks or validates the pydantic tree again; it reads the
facts through the keys :mod:`journeykit.conditions._keys` names and compares with the
rules of :mod:`journeykit.conditions._values`. Facts that lack what a condition needs
(folded with a spec that did not include it) raise :class:`UsageError` rather than
answering 0.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from journeykit._errors import UsageError
from journeykit._facts._windows import count_since, total_since
from journeykit.conditions._context import EvalContext, duration_key
from journeykit.conditions._keys import history_key
from journeykit.conditions._values import COMPARE, getter, value_test
from journeykit.events import ORDER_PLACED
from journeykit.facts import amount_key
from journeykit.models import ConsentStatus

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

__all__ = [
    "COMPILERS",
    "FLIP",
    "Evaluator",
    "PropertyFilter",
    "compile_condition",
    "not_tracked",
    "prop_outside_where",
    "where_matcher",
]

Evaluator = Callable[[EvalContext], bool]
PropertyFilter = Callable[[Mapping[str, Any]], bool]

#: ``since > d`` holds when the last event is *before* ``now - d``: the comparison of
#: instants is the flipped one.
FLIP: Final[Mapping[str, str]] = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ZERO: Final = Decimal(0)


def compile_condition(c: ConditionBase) -> Evaluator:
    """A closure evaluating ``c`` (children are compiled through their own cache)."""
    return COMPILERS[c.type](c)


def not_tracked(c: object) -> UsageError:
    """The error for facts that lack what ``c`` needs."""
    return UsageError(
        f"the facts do not track what {c!s} needs; fold events with a FactsSpec built "
        "from the definitions that use it (journeykit.conditions.facts_spec([...]))"
    )


def _attr(c: Attr) -> Evaluator:
    get = getter(c.path)
    test = value_test(c.op, c.value)
    return lambda ctx: test(get(ctx.customer.attributes))


def prop_outside_where(c: Prop) -> UsageError:
    """The error for reading ``prop()`` as a condition (it belongs inside ``where=``)."""
    return UsageError(
        f"prop({c.path!r}) reads an event's properties and belongs inside where=...; "
        "use attr(...) for customer attributes"
    )


def _prop(c: Prop) -> Evaluator:
    raise prop_outside_where(c)


def where_matcher(where: Condition) -> PropertyFilter:
    """A test of an event's properties for a ``where=`` filter (validated: props and
    combinators only)."""
    tag = where.type
    if tag == "prop":
        get = getter(where.path)  # type: ignore[union-attr]  # a Prop
        test = value_test(where.op, where.value)  # type: ignore[union-attr]  # a Prop
        return lambda props: test(get(props))
    if tag == "not":
        inner = where_matcher(where.condition)  # type: ignore[union-attr]  # a Not
        return lambda props: not inner(props)
    fns = tuple(where_matcher(x) for x in where.conditions)  # type: ignore[union-attr]  # a junction
    if tag == "all_of":
        return lambda props: all(f(props) for f in fns)
    return lambda props: any(f(props) for f in fns)


def _count(c: Count) -> Evaluator:
    compare = COMPARE[c.op]
    n = c.value
    key = history_key(c.event, c.where)
    within = c.within
    if within is None:
        filtered = c.where is not None

        def lifetime(ctx: EvalContext) -> bool:
            s = ctx.facts.stats.get(key)
            if s is None:
                if filtered:  # filtered keys exist from FactsSpec.empty() on
                    raise not_tracked(c)
                return compare(0, n)
            return compare(s.count, n)

        return lifetime
    dkey = duration_key(within)

    def windowed(ctx: EvalContext) -> bool:
        window = ctx.facts.windows.get(key)
        if window is None:
            raise not_tracked(c)
        cut = ctx._cutoffs.get(dkey)
        if cut is None:
            cut = ctx.cutoff_at(dkey, within)
        times = window[0]
        at = bisect_left(times, cut)
        if at == 0 and window[1]:  # every exact time is in: the buckets may be too
            return compare(count_since(window, cut), n)
        return compare(len(times) - at, n)

    return windowed


def _total(c: Total) -> Evaluator:
    compare = COMPARE[c.op]
    target = c.value
    akey = amount_key(history_key(c.event, c.where), c.prop, c.currency)
    within = c.within
    if within is None:

        def lifetime(ctx: EvalContext) -> bool:
            found = ctx.facts.sums.get(akey)
            if found is None:
                raise not_tracked(c)
            return compare(found, target)

        return lifetime
    dkey = duration_key(within)

    def windowed(ctx: EvalContext) -> bool:
        window = ctx.facts.amount_windows.get(akey)
        if window is None:
            raise not_tracked(c)
        cut = ctx._cutoffs.get(dkey)
        if cut is None:
            cut = ctx.cutoff_at(dkey, within)
        return compare(total_since(window, cut), target)

    return windowed


def _since(c: Since) -> Evaluator:
    key = history_key(c.event, c.where)
    filtered = c.where is not None
    compare = COMPARE[FLIP[c.op]]
    duration = c.value
    dkey = duration_key(duration)
    never = c.never

    def since(ctx: EvalContext) -> bool:
        s = ctx.facts.stats.get(key)
        if s is None:
            if filtered:  # filtered keys exist from FactsSpec.empty() on
                raise not_tracked(c)
            return never
        if s.last_at is None:
            return never
        cut = ctx._cutoffs.get(dkey)
        if cut is None:
            cut = ctx.cutoff_at(dkey, duration)
        # since > d  <=>  last < now - d, and likewise for the other orderings
        return compare(s.last_at, cut)

    return since


def _fact(c: FactIs) -> Evaluator:
    compare = COMPARE[c.op]
    target = c.value
    if c.name == "order_count":

        def orders(ctx: EvalContext) -> bool:
            s = ctx.facts.stats.get(ORDER_PLACED)
            return compare(0 if s is None else s.count, target)

        return orders
    currency = c.currency or ""
    if c.name == "revenue":
        return lambda ctx: compare(ctx.facts.revenue_in(currency), target)

    def average(ctx: EvalContext) -> bool:
        aov = ctx.facts.average_order_value_in(currency)
        return aov is not None and compare(aov, target)

    return average


def _in_stage(c: InStage) -> Evaluator:
    names = frozenset(c.stages)
    return lambda ctx: ctx.stage in names


def _stage_for(c: StageFor) -> Evaluator:
    compare = COMPARE[FLIP[c.op]]
    duration = c.value
    dkey = duration_key(duration)

    def stage_for(ctx: EvalContext) -> bool:
        entered = ctx.stage_entered_at
        if entered is None:
            return False
        return compare(entered.timestamp(), ctx.cutoff_at(dkey, duration))

    return stage_for


def _consented(c: Consented) -> Evaluator:
    channel = c.channel
    opted_in = ConsentStatus.OPTED_IN
    return lambda ctx: ctx.customer.consent.get(channel) == opted_in


def _junction(c: AllOf) -> Evaluator:
    fns = tuple(x.compile() for x in c.conditions)
    if len(fns) == 1:
        return fns[0]
    if c.every:
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


def _not(c: Not) -> Evaluator:
    inner = c.condition.compile()
    return lambda ctx: not inner(ctx)


COMPILERS: Final[Mapping[str, Callable[[Any], Evaluator]]] = {
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
"""The evaluation interpreter: one compiler per condition ``type``."""
