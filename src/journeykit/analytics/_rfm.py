"""RFM: recency, frequency and monetary scores 1-5 by quintile, and the named segments.

Scores rank customers against the rest of the population, so they need one:

- **R** reads the days since the customer's last purchase day (fewer is better);
- **F** reads their purchase days (more is better);
- **M** reads their historic value, every order added up (more is better).

A customer's score on each is ``1 + floor(5 * k / n)``, where ``k`` is how many of the
``n`` customers they strictly beat. So customers who tie get the same score whatever
the order they come in, the worst score is always 1, and a score of 5 means beating at
least four fifths of the population. (With heavy ties, for instance most customers
buying once, the tied ones share the lower score and some scores go unused.)

The segment comes from R and F through the grid below (M is reported beside it, for
value tiers), the widely used RFM segment map, completed so every cell has a name:

=====  ===============  ===================  ===================  ===========  ==============
R \\ F  1                2                    3                    4            5
=====  ===============  ===================  ===================  ===========  ==============
5      new              potential_loyalists  potential_loyalists  champions    champions
4      promising        potential_loyalists  potential_loyalists  loyal        loyal
3      about_to_sleep   about_to_sleep       need_attention       loyal        loyal
2      hibernating      hibernating          at_risk              at_risk      cant_lose_them
1      lost             lost                 at_risk              at_risk      cant_lose_them
=====  ===============  ===================  ===================  ===========  ==============
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, TypeVar

from journeykit._errors import InvalidInputError
from journeykit.analytics._summary import Summary

__all__ = ["RFMScore", "RFM_GRID", "SEGMENTS", "rfm", "rfm_segment"]

SEGMENTS: Final[Mapping[str, str]] = {
    "champions": "bought recently and buy often: reward them, early access, reviews",
    "loyal": "buy often, fairly recently: upsell, loyalty programme",
    "potential_loyalists": "recent, bought a few times: membership, recommendations",
    "new": "recent first purchase: onboarding, the nudge to a second order",
    "promising": "fairly recent first purchase: build the relationship",
    "need_attention": "middling on both: limited-time offers, reactivation",
    "about_to_sleep": "below average on both and slipping: popular products, discounts",
    "at_risk": "bought often, but long ago: personal win-back, renewals",
    "cant_lose_them": "bought the most, but long ago: win them back before a rival does",
    "hibernating": "long ago and seldom: other categories, special offers",
    "lost": "the longest ago and the fewest: revive cheaply or let go",
}
"""Every segment name, with what it means and what marketing usually does about it."""

# (recency score) -> the segment for frequency scores 1..5. The one place the map lives.
RFM_GRID: Final[Mapping[int, tuple[str, str, str, str, str]]] = {
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"),
    1: ("lost", "lost", "at_risk", "at_risk", "cant_lose_them"),
}
"""The segment for each recency score (key) and frequency score (position 1-5)."""


@dataclass(frozen=True, slots=True)
class RFMScore:
    """A customer's recency, frequency and monetary scores (1-5, 5 best) and segment."""

    recency: int
    frequency: int
    monetary: int
    segment: str

    @property
    def code(self) -> str:
        """The three scores as one string, R then F then M: ``"545"``."""
        return f"{self.recency}{self.frequency}{self.monetary}"


def rfm_segment(recency: int, frequency: int) -> str:
    """The segment name for a recency and a frequency score (each 1-5).

    >>> rfm_segment(5, 5), rfm_segment(5, 1), rfm_segment(1, 5)
    ('champions', 'new', 'cant_lose_them')
    """
    for name, score in (("recency", recency), ("frequency", frequency)):
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidInputError(f"{name} score must be a whole number 1-5 (got {score!r})")
    return RFM_GRID[recency][frequency - 1]


_V = TypeVar("_V", int, Decimal)


def _scores(values: Sequence[_V], *, higher_is_better: bool) -> list[int]:
    """Quintile scores: 1 + floor(5 * customers strictly beaten / n), ties share one."""
    n = len(values)
    ordered = sorted(values)
    if higher_is_better:
        return [1 + 5 * bisect_left(ordered, v) // n for v in values]
    return [1 + 5 * (n - bisect_right(ordered, v)) // n for v in values]


def rfm(summary: Summary) -> dict[str, RFMScore]:
    """Score every customer of ``summary`` 1-5 on recency, frequency and value, and name
    their segment.

    Scores compare customers with each other: an empty population gives ``{}``, and a
    population of one customer is refused (there is nobody to compare with).

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import Order, summarize
    >>> orders = [
    ...     Order(f"c{i}", date(2026, 1, day), Decimal(10 * i), "EUR")
    ...     for i in range(1, 11)
    ...     for day in range(1, 1 + i)
    ... ]
    >>> scores = rfm(summarize(orders, date(2026, 1, 31)))
    >>> scores["c10"].code, scores["c10"].segment
    ('555', 'champions')
    >>> scores["c1"].code, scores["c1"].segment
    ('111', 'lost')
    """
    n = len(summary)
    if n == 0:
        return {}
    if n == 1:
        raise InvalidInputError(
            "rfm scores rank customers against each other, so they need a population of "
            f"at least 2 customers (got 1: {summary.customers[0].customer_id!r})"
        )
    end = summary.observation_end
    customers = summary.customers
    r = _scores([(end - c.last_purchase).days for c in customers], higher_is_better=False)
    f = _scores([c.frequency for c in customers], higher_is_better=True)
    m = _scores([c.total_value for c in customers], higher_is_better=True)
    return {
        c.customer_id: RFMScore(ri, fi, mi, RFM_GRID[ri][fi - 1])
        for c, ri, fi, mi in zip(customers, r, f, m, strict=True)
    }
