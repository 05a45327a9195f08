"""Explanation: whether a condition holds, and the values behind each check, in words.

``explain(condition, ctx)`` answers "why is (or isn't) this customer moving?" the way a
marketer asks it: each check with its readable text, whether it holds, and the value it
looked at ("orders in the last 30 days = 3", "revenue in SEK = 300.00", "time since the
last order = 95 days", "never"); ``all_of``, ``any_of`` and ``not_`` list their parts, so
it says which side of an ``or`` held. It reads the facts with the same helpers and
comparisons as evaluation, and a property test checks the two always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from journeykit._base import FrozenModel
from journeykit._facts._windows import count_since, total_since
from journeykit.conditions._compile import FLIP, not_tracked, prop_outside_where
from journeykit.conditions._context import EvalContext
from journeykit.conditions._keys import history_key
from journeykit.conditions._text import describe, fact_subject, literal, subject
from journeykit.conditions._values import COMPARE, MISSING, getter, value_test
from journeykit.events import ORDER_PLACED, noun
from journeykit.facts import amount_key
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

__all__ = ["EXPLAINERS", "ConditionCheck", "explain"]


class ConditionCheck(FrozenModel):
    """One check of a condition against a customer, with the value behind it.

    ``condition`` is the condition's readable text, ``holds`` its outcome, ``value`` what
    it looked at in words (``None`` for ``all_of``/``any_of``/``not_``, whose ``parts``
    say it instead).
    """

    condition: str
    holds: bool
    value: str | None = None
    parts: tuple[ConditionCheck, ...] = ()


ConditionCheck.model_rebuild()


def explain(condition: Condition, ctx: EvalContext) -> ConditionCheck:
    """Whether ``condition`` holds in ``ctx``, with the values behind each check.

    >>> from datetime import datetime, timezone
    >>> from journeykit.conditions import count, facts_spec, since
    >>> from journeykit.models import Customer, Event
    >>> now = datetime(2026, 5, 1, tzinfo=timezone.utc)
    >>> cond = (count("order_placed", within="30d") >= 2) | (since("order_placed") > "90d")
    >>> order = Event(id="o1", customer_id="c1", type="order_placed", at=datetime(2026, 4, 20, tzinfo=timezone.utc))
    >>> facts = facts_spec([cond]).fold_all([order], now=now)
    >>> check = explain(cond, EvalContext(Customer(id="c1", created_at=now), facts, now))
    >>> check.holds, [(p.holds, p.value) for p in check.parts]
    (False, [(False, 'orders in the last 30 days = 1'), (False, 'time since the last order = 11 days')])
    """
    node: Any = condition
    return EXPLAINERS[node.type](node, ctx)


def _check(c: ConditionBase, holds: bool, value: str | None) -> ConditionCheck:
    return ConditionCheck(condition=describe(c), holds=holds, value=value)


def elapsed(seconds: float) -> str:
    """Elapsed time in words, to the largest whole unit: ``95 days``, ``3 hours``."""
    if seconds < 0:
        return "0 minutes (dated after now)"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "0 minutes"


def _attr(c: Attr, ctx: EvalContext) -> ConditionCheck:
    value = getter(c.path)(ctx.customer.attributes)
    holds = value_test(c.op, c.value)(value)
    shown = "is not set" if value is MISSING else f"= {literal(value)}"
    return _check(c, holds, f"attribute {c.path} {shown}")


def _prop(c: Prop, ctx: EvalContext) -> ConditionCheck:
    raise prop_outside_where(c)


def _span(c: Count | Total) -> str:
    return "" if c.within is None else f" in the last {describe_duration(c.within)}"


def _count(c: Count, ctx: EvalContext) -> ConditionCheck:
    key = history_key(c.event, c.where)
    if c.within is None:
        stats = ctx.facts.stats.get(key)
        if stats is None and c.where is not None:
            raise not_tracked(c)
        n = 0 if stats is None else stats.count
        shown = f"= {n}"
    else:
        window = ctx.facts.windows.get(key)
        if window is None:
            raise not_tracked(c)
        n = count_since(window, ctx.cutoff(c.within))
        # the facts keep the newest (threshold + 1) events: a count above the threshold
        # may stand for more
        shown = f"= {n}" if n <= c.value else f"= {n} or more"
    holds = COMPARE[c.op](n, c.value)
    return _check(c, holds, f"{subject(c.event, c.where)}{_span(c)} {shown}")


def _total(c: Total, ctx: EvalContext) -> ConditionCheck:
    akey = amount_key(history_key(c.event, c.where), c.prop, c.currency)
    if c.within is None:
        found = ctx.facts.sums.get(akey)
        if found is None:
            raise not_tracked(c)
        amount: Decimal = found
    else:
        window = ctx.facts.amount_windows.get(akey)
        if window is None:
            raise not_tracked(c)
        amount = total_since(window, ctx.cutoff(c.within))
    holds = COMPARE[c.op](amount, c.value)
    money = "" if c.currency is None else f" in {c.currency}"
    return _check(
        c, holds, f"total {c.prop} of {subject(c.event, c.where)}{money}{_span(c)} = {amount}"
    )


def _since(c: Since, ctx: EvalContext) -> ConditionCheck:
    stats = ctx.facts.stats.get(history_key(c.event, c.where))
    if stats is None and c.where is not None:
        raise not_tracked(c)
    last = None if stats is None else stats.last_at
    if last is None:
        return _check(c, c.never, "never")
    holds = COMPARE[FLIP[c.op]](last, ctx.cutoff(c.value))
    the_last = subject(c.event, c.where, plural=False)
    return _check(c, holds, f"time since the last {the_last} = {elapsed(ctx.now_ts - last)}")


def _fact(c: FactIs, ctx: EvalContext) -> ConditionCheck:
    compare = COMPARE[c.op]
    currency = c.currency or ""
    found: Decimal | int | None
    if c.name == "order_count":
        stats = ctx.facts.stats.get(ORDER_PLACED)
        found = 0 if stats is None else stats.count
    elif c.name == "revenue":
        found = ctx.facts.revenue_in(currency)
    else:
        found = ctx.facts.average_order_value_in(currency)
    if found is None:
        return _check(c, False, f"{fact_subject(c)} = none (no {noun(ORDER_PLACED)} in {currency})")
    return _check(c, compare(found, c.value), f"{fact_subject(c)} = {found}")


def _in_stage(c: InStage, ctx: EvalContext) -> ConditionCheck:
    stage = ctx.stage
    return _check(c, stage in c.stages, f"stage = {'none' if stage is None else stage}")


def _stage_for(c: StageFor, ctx: EvalContext) -> ConditionCheck:
    entered = ctx.stage_entered_at
    if entered is None:
        return _check(c, False, "time in the current stage = unknown")
    holds = COMPARE[FLIP[c.op]](entered.timestamp(), ctx.cutoff(c.value))
    return _check(
        c, holds, f"time in the current stage = {elapsed(ctx.now_ts - entered.timestamp())}"
    )


def _consented(c: Consented, ctx: EvalContext) -> ConditionCheck:
    status = ctx.customer.consent_for(c.channel)
    return _check(c, status.value == "opted_in", f"consent to {c.channel.value} = {status.value}")


def _junction(c: AllOf, ctx: EvalContext) -> ConditionCheck:
    parts = tuple(explain(x, ctx) for x in c.conditions)
    holds = all(p.holds for p in parts) if c.every else any(p.holds for p in parts)
    return ConditionCheck(condition=describe(c), holds=holds, parts=parts)


def _not(c: Not, ctx: EvalContext) -> ConditionCheck:
    inner = explain(c.condition, ctx)
    return ConditionCheck(condition=describe(c), holds=not inner.holds, parts=(inner,))


EXPLAINERS: Final[Mapping[str, Callable[[Any, EvalContext], ConditionCheck]]] = {
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
"""The explanation interpreter: one function per condition ``type``."""
