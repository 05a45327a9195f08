"""Analysis: what facts the conditions need, and the :class:`FactsSpec` that keeps them.

The spec derived from conditions belongs here, on the conditions' side: facts know
nothing of conditions (they own their keys and windows), so the two modules import in
one direction only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from journeykit.conditions._compile import PropertyFilter, where_matcher
from journeykit.conditions._keys import filter_form
from journeykit.conditions._problems import walk
from journeykit.facts import (
    DEFAULT_DEDUPE_HORIZON,
    DEFAULT_ID_WINDOW,
    DEFAULT_MAX_AHEAD,
    FactNeed,
    FactsSpec,
)

if TYPE_CHECKING:
    from journeykit.conditions._models import Condition, ConditionBase

__all__ = ["fact_needs", "facts_spec"]


def fact_needs(conditions: Iterable[Condition]) -> list[FactNeed]:
    """What the facts must keep so every condition in ``conditions`` can be evaluated.

    >>> from journeykit.conditions import count
    >>> [(n.event_type, n.keep_last) for n in fact_needs([count("order_placed", within="30d") >= 2])]
    [('order_placed', 3)]
    """
    needs: list[FactNeed] = []
    matchers: dict[str, PropertyFilter] = {}
    for root in conditions:
        for node, _, _, in_where in walk(cast("ConditionBase", root)):
            tag = node.type
            if in_where or tag not in ("count", "total", "since"):
                continue
            where = node.where
            form: str | None = None
            matcher: PropertyFilter | None = None
            if where is not None:
                form = filter_form(where)
                matcher = matchers.get(form)
                if matcher is None:
                    matcher = matchers[form] = where_matcher(where)
            needs.extend(_needs(node, form, matcher))
    return needs


def _needs(node: Any, form: str | None, matcher: PropertyFilter | None) -> list[FactNeed]:
    event = node.event
    if node.type == "count":
        if node.within is not None:
            # a comparison with n is settled by the newest n + 1 events in the window
            horizon = node.within.max_seconds()
            return [FactNeed(event, form, matcher, horizon=horizon, keep_last=node.value + 1)]
    elif node.type == "total":
        horizon = None if node.within is None else node.within.max_seconds()
        return [
            FactNeed(
                event,
                form,
                matcher,
                horizon=horizon,
                total_prop=node.prop,
                currency=node.currency,
            )
        ]
    if form is not None:  # lifetime counts and since(): the per-key stats
        return [FactNeed(event, form, matcher)]
    return []


def facts_spec(
    conditions: Iterable[Condition],
    *,
    id_window: int = DEFAULT_ID_WINDOW,
    max_ahead: timedelta = DEFAULT_MAX_AHEAD,
    dedupe_horizon: timedelta = DEFAULT_DEDUPE_HORIZON,
) -> FactsSpec:
    """The :class:`~journeykit.facts.FactsSpec` that keeps exactly what ``conditions`` read
    (and the always-kept stats). Build it from every condition that will be evaluated.

    >>> from journeykit.conditions import count, total
    >>> facts_spec([count("order_placed", within="30d") >= 2, total("order_placed", currency="EUR") >= 100])
    FactsSpec(order_placed: count window 30 days, 3:00:00 keeping 3; order_placed/EUR/value: lifetime sum, id_window=128, dedupe_horizon=7 days, 0:00:00, max_ahead=1:00:00)
    """
    return FactsSpec(
        fact_needs(conditions),
        id_window=id_window,
        max_ahead=max_ahead,
        dedupe_horizon=dedupe_horizon,
    )
