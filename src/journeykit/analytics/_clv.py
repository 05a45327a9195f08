"""Customer lifetime value, and the batch that turns a population into customer attributes.

``clv`` multiplies each customer's expected purchases over a horizon (BG/NBD) by their
expected spend per purchase (Gamma-Gamma), optionally discounted week by week at an
annual rate. ``customer_values`` runs everything for a whole population at once, in
chunks with a progress callback, and gives each customer a :class:`CustomerValue` whose
``attributes()`` a host stores on the customer; stage and journey conditions then read
them with ``attr("p_alive")``, ``attr("expected_days_to_next_order")`` and so on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import JsonValue

from journeykit._errors import InvalidInputError, UsageError
from journeykit.analytics._bgnbd import BGNBDModel
from journeykit.analytics._bgnbd import _columns as _bgnbd_columns
from journeykit.analytics._fit import Numeric, check_finite, numeric
from journeykit.analytics._gamma_gamma import GammaGammaModel
from journeykit.analytics._gamma_gamma import _columns as _spend_columns
from journeykit.analytics._rfm import RFMScore, rfm
from journeykit.analytics._summary import PROGRESS_EVERY, Progress, Summary

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vector = NDArray[np.float64]

__all__ = ["CustomerValue", "clv", "customer_values"]

_DAYS_PER_YEAR = 365.25


def _check_horizon(horizon_days: float) -> float:
    if (
        isinstance(horizon_days, bool)
        or not isinstance(horizon_days, (int, float))
        or not math.isfinite(horizon_days)
        or horizon_days < 0
    ):
        raise InvalidInputError(
            f"horizon_days must be a non-negative number of days such as 365 (got {horizon_days!r})"
        )
    return float(horizon_days)


def _check_rate(discount_rate: float) -> float:
    if (
        isinstance(discount_rate, bool)
        or not isinstance(discount_rate, (int, float))
        or not math.isfinite(discount_rate)
        or discount_rate < 0
    ):
        raise InvalidInputError(
            f"discount_rate must be a non-negative annual rate such as 0.1 for 10% a year "
            f"(got {discount_rate!r})"
        )
    return float(discount_rate)


def _check_pair(bgnbd: BGNBDModel, gamma_gamma: GammaGammaModel, summary: Summary) -> None:
    if summary.unit != bgnbd.unit:
        raise UsageError(
            f"the summary is in unit {summary.unit!r} but the BG/NBD model in {bgnbd.unit!r}"
        )
    if gamma_gamma.currency is not None and summary.currency not in (None, gamma_gamma.currency):
        raise UsageError(
            f"the Gamma-Gamma model was fitted on {gamma_gamma.currency} but the summary is "
            f"in {summary.currency}; journeykit never mixes currencies"
        )


def _values(
    num: Numeric,
    bgnbd: BGNBDModel,
    spend: Vector,
    x: Vector,
    tx: Vector,
    age: Vector,
    horizon_days: float,
    discount_rate: float,
) -> Vector:
    """Expected value over the horizon, discounted at the end of each week."""
    unit_days = 7 if bgnbd.unit == "W" else 1
    horizon = horizon_days / unit_days
    if discount_rate == 0 or horizon == 0:
        purchases = bgnbd.expected_purchases_array(num, horizon, x, tx, age)
        return check_finite(num, purchases * spend, "clv")
    week = 7 / unit_days
    steps = math.ceil(horizon / week)
    total = num.np.zeros_like(x)
    before = num.np.zeros_like(x)
    for k in range(1, steps + 1):
        t = min(k * week, horizon)
        upto = bgnbd.expected_purchases_array(num, t, x, tx, age)
        factor = (1.0 + discount_rate) ** (-(t * unit_days) / _DAYS_PER_YEAR)
        total += (upto - before) * factor
        before = upto
    return check_finite(num, total * spend, "clv")


def clv(
    bgnbd: BGNBDModel,
    gamma_gamma: GammaGammaModel,
    *,
    horizon_days: float = 365,
    discount_rate: float = 0.0,
    summary: Summary | None = None,
) -> dict[str, float]:
    """Predicted value of each customer over the next ``horizon_days``: BG/NBD x Gamma-Gamma.

    Each customer's expected repeat purchases in the horizon times their expected spend
    per purchase, in the summary's currency. ``discount_rate`` is an annual rate (0.1
    for 10% a year) applied week by week to the purchases expected in each week; 0 (the
    default) adds them up undiscounted. Reads the BG/NBD model's summary unless given
    another.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import BGNBDModel, GammaGammaModel, Order, summarize
    >>> days = (date(1997, 1, 1), date(1997, 3, 1), date(1997, 6, 1), date(1997, 9, 1))
    >>> orders = [Order("ada", day, Decimal("30.00"), "USD") for day in days]
    >>> summary = summarize(orders, date(1997, 9, 30))
    >>> bgnbd = BGNBDModel(r=0.243, alpha=4.414, a=0.793, b=2.426, summary=summary)
    >>> spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    >>> round(clv(bgnbd, spend, horizon_days=364)["ada"], 2)
    74.73
    """
    horizon = _check_horizon(horizon_days)
    rate = _check_rate(discount_rate)
    summary = bgnbd.summary if summary is None else summary
    if summary is None:
        raise UsageError("the BG/NBD model holds no summary: pass one, e.g. clv(..., summary=s)")
    _check_pair(bgnbd, gamma_gamma, summary)
    num = numeric("clv")
    x, tx, age = _bgnbd_columns(num, summary)
    _, m = _spend_columns(num, summary)
    spend = gamma_gamma.expected_spend_array(num, x, m)
    values = _values(num, bgnbd, spend, x, tx, age, horizon, rate)
    return dict(zip((c.customer_id for c in summary), values.tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class CustomerValue:
    """Everything journeykit can say about one customer's value, ready to store.

    Historic fields are always there; ``rfm`` when the population has at least two
    customers; the predictions when the models were given (``None`` otherwise).
    """

    customer_id: str
    currency: str | None
    orders: int
    purchase_days: int
    first_order: date
    last_order: date
    days_since_last_order: int
    historic_value: Decimal
    average_value: Decimal
    rfm: RFMScore | None = None
    horizon_days: float = 365
    p_alive: float | None = None
    expected_purchases: float | None = None
    """Expected repeat purchase days within ``horizon_days``."""
    expected_days_to_next_order: float | None = None
    expected_spend: float | None = None
    predicted_value: float | None = None
    """Expected value of the purchases within ``horizon_days``, undiscounted or discounted."""

    def attributes(self) -> dict[str, JsonValue]:
        """The values as JSON-ready customer attributes, for conditions to read.

        Numbers stay numbers (money rounded to cents, probabilities to 4 places) so that
        ``attr("p_alive") < 0.3`` compares as expected. Prediction keys are present only
        when this run computed them; ``expected_days_to_next_order`` may be ``None``
        (more likely gone than active), which no comparison matches.
        """
        out: dict[str, JsonValue] = {
            "currency": self.currency,
            "orders": self.orders,
            "purchase_days": self.purchase_days,
            "days_since_last_order": self.days_since_last_order,
            "historic_value": round(float(self.historic_value), 2),
            "average_value": round(float(self.average_value), 2),
        }
        if self.rfm is not None:
            out["rfm_score"] = self.rfm.code
            out["rfm_segment"] = self.rfm.segment
        if self.p_alive is not None:
            out["p_alive"] = round(self.p_alive, 4)
            out["expected_purchases"] = _round(self.expected_purchases, 4)
            out["expected_days_to_next_order"] = _round(self.expected_days_to_next_order, 1)
        if self.expected_spend is not None:
            out["expected_spend"] = round(self.expected_spend, 2)
        if self.predicted_value is not None:
            out["predicted_value"] = round(self.predicted_value, 2)
        return out


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def customer_values(
    summary: Summary,
    *,
    bgnbd: BGNBDModel | None = None,
    gamma_gamma: GammaGammaModel | None = None,
    horizon_days: float = 365,
    discount_rate: float = 0.0,
    progress: Progress | None = None,
) -> dict[str, CustomerValue]:
    """Value every customer of ``summary`` at once: historic value, RFM, and predictions.

    With a fitted ``bgnbd`` model: ``p_alive``, expected purchases within
    ``horizon_days`` and the median days to the next order; with ``gamma_gamma`` too:
    expected spend and predicted value (:func:`clv`). Cost is linear in customers; the
    work is done in chunks of 5,000 customers with ``progress(done, total)`` after each.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import Order, summarize
    >>> orders = [
    ...     Order("ada", date(2026, 1, 5), Decimal("40.00"), "EUR"),
    ...     Order("ada", date(2026, 3, 9), Decimal("60.00"), "EUR"),
    ...     Order("bo", date(2026, 2, 1), Decimal("25.00"), "EUR"),
    ... ]
    >>> values = customer_values(summarize(orders, date(2026, 3, 31)))
    >>> values["ada"].attributes()  # two customers: RFM scores top out at 3
    {'currency': 'EUR', 'orders': 2, 'purchase_days': 2, 'days_since_last_order': 22,
     'historic_value': 100.0, 'average_value': 50.0, 'rfm_score': '333',
     'rfm_segment': 'need_attention'}
    """
    horizon = _check_horizon(horizon_days)
    rate = _check_rate(discount_rate)
    if gamma_gamma is not None and bgnbd is None:
        raise UsageError("predicted value needs both models: pass bgnbd= as well as gamma_gamma=")
    if bgnbd is not None:
        if summary.unit != bgnbd.unit:
            raise UsageError(
                f"the summary is in unit {summary.unit!r} but the BG/NBD model in "
                f"{bgnbd.unit!r}: summarize with unit={bgnbd.unit!r}"
            )
        if gamma_gamma is not None:
            _check_pair(bgnbd, gamma_gamma, summary)
    scores = rfm(summary) if len(summary) >= 2 else {}
    customers = summary.customers
    total = len(customers)
    end = summary.observation_end
    num = numeric("customer_values predictions") if bgnbd is not None else None
    out: dict[str, CustomerValue] = {}
    for start in range(0, total, PROGRESS_EVERY):
        chunk = customers[start : start + PROGRESS_EVERY]
        part = Summary(chunk, end, summary.unit, summary.zone, summary.currency)
        alive = purchases = days_next = spend = value = None
        if num is not None and bgnbd is not None:
            x, tx, age = _bgnbd_columns(num, part)
            horizon_units = horizon / part.unit_days
            alive = check_finite(num, bgnbd.p_alive_array(num, x, tx, age), "p_alive").tolist()
            purchases_array = check_finite(
                num,
                bgnbd.expected_purchases_array(num, horizon_units, x, tx, age),
                "expected_purchases",
            )
            purchases = purchases_array.tolist()
            days_next = bgnbd.days_to_next_order_array(num, x, tx, age).tolist()
            if gamma_gamma is not None:
                _, m = _spend_columns(num, part)
                spend_array = gamma_gamma.expected_spend_array(num, x, m)
                spend = spend_array.tolist()
                value = _values(num, bgnbd, spend_array, x, tx, age, horizon, rate).tolist()
        for i, c in enumerate(chunk):
            nxt = None if days_next is None or math.isnan(days_next[i]) else days_next[i]
            out[c.customer_id] = CustomerValue(
                customer_id=c.customer_id,
                currency=summary.currency,
                orders=c.orders,
                purchase_days=c.purchases,
                first_order=c.first_purchase,
                last_order=c.last_purchase,
                days_since_last_order=(end - c.last_purchase).days,
                historic_value=c.total_value,
                average_value=c.average_value,
                rfm=scores.get(c.customer_id),
                horizon_days=horizon,
                p_alive=None if alive is None else alive[i],
                expected_purchases=None if purchases is None else purchases[i],
                expected_days_to_next_order=nxt,
                expected_spend=None if spend is None else spend[i],
                predicted_value=None if value is None else value[i],
            )
        if progress is not None:
            progress(min(start + PROGRESS_EVERY, total), total)
    return out
