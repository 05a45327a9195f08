"""The Gamma-Gamma model of spend: what a customer's purchases will be worth on average.

Theory of operation
-------------------
Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value"; Fader, Hardie & Lee
(2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4).
A customer's purchases are worth gamma(p, nu) each, so their mean is p / nu; across
customers nu is gamma(q, gamma). The model reads, for each customer with a repeat
purchase, x (repeat purchase days) and m_x (the average value of those days: the first
purchase is left out, as in the papers). Its likelihood is that of m_x (the note's
equation (3)), summed over customers with numpy and maximised over log-parameters with
the analytic gradient.

- Customers without a repeat purchase carry no spend information and are not fitted;
  their expected spend is the population mean ``p * gamma / (q - 1)``.
- A repeat average of zero (every repeat order free) has no gamma density: such
  customers are left out of the fit and counted in ``excluded``. Their expected spend is
  still defined (the formula below with m_x = 0).
- Expected spend for a customer with x > 0 is ``(gamma + m_x * x) * p / (p * x + q - 1)``,
  a weighted average of the population mean and the customer's own average.
- The model assumes spend is independent of how often a customer buys; it is not
  checked here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from journeykit._errors import InvalidInputError, UsageError
from journeykit.analytics._fit import Numeric, Objective, check_finite, maximize, numeric
from journeykit.analytics._summary import Summary

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vector = NDArray[np.float64]

__all__ = ["GammaGammaModel", "fit_gamma_gamma", "MIN_REPEAT_CUSTOMERS"]

MIN_REPEAT_CUSTOMERS = 3
"""At least as many customers with a (non-zero) repeat purchase as the model has parameters."""

_PARAMS = ("p", "q", "gamma")


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{name} must be a positive number (got {value!r})")
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(f"{name} must be a positive finite number (got {value!r})")
    return float(value)


def _columns(num: Numeric, summary: Summary) -> tuple[Vector, Vector]:
    """x and m_x (0 where there is no repeat purchase) of every customer."""
    np = num.np
    n = len(summary)
    customers = summary.customers
    x = np.fromiter((c.frequency for c in customers), dtype=np.float64, count=n)
    m = np.fromiter(
        (float(c.repeat_value) / c.frequency if c.frequency else 0.0 for c in customers),
        dtype=np.float64,
        count=n,
    )
    return x, m


def _negative_log_likelihood(num: Numeric, x: Vector, m: Vector) -> Objective:
    """Build the objective: minus the log-likelihood of the m_x and its gradient.

    The special functions depend on x alone and are computed on its distinct values.
    """
    np = num.np
    sp = num.special
    ux, ix = np.unique(x, return_inverse=True)
    log_m = np.log(m)
    log_x = np.log(x)
    mx = m * x
    total = float(len(x))

    def objective(theta: Vector) -> tuple[float, Vector]:
        p, q, g = (float(v) for v in np.exp(theta))
        pu = p * ux
        lg = (sp.gammaln(pu + q) - sp.gammaln(pu))[ix]
        psi_pq = sp.digamma(pu + q)[ix]
        psi_p = sp.digamma(pu)[ix]
        px = p * x
        log_gm = np.log(g + mx)
        ll = float(np.sum(lg + (px - 1.0) * log_m + px * log_x - (px + q) * log_gm)) + total * (
            q * math.log(g) - math.lgamma(q)
        )
        d_p = float(np.sum(x * (psi_pq - psi_p + log_m + log_x - log_gm)))
        d_q = float(np.sum(psi_pq - log_gm)) + total * (math.log(g) - sp.digamma(q))
        d_g = total * q / g - float(np.sum((px + q) / (g + mx)))
        grad = np.array([p * d_p, q * d_q, g * d_g])
        return -ll, -grad

    return objective


@dataclass(frozen=True)
class GammaGammaModel:
    """A fitted (or hand-made) Gamma-Gamma model: parameters and expected spend per customer.

    ``expected_spend()`` reads the fitted summary unless it is given another one in the
    same currency, and returns ``{customer_id: expected value of a future purchase}``.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import Order, summarize
    >>> orders = [
    ...     Order("ada", date(1997, 1, 1), Decimal("90.00"), "USD"),
    ...     Order("ada", date(1997, 2, 1), Decimal("40.00"), "USD"),
    ...     Order("ada", date(1997, 3, 1), Decimal("60.00"), "USD"),
    ...     Order("bo", date(1997, 1, 5), Decimal("20.00"), "USD"),
    ... ]
    >>> summary = summarize(orders, date(1997, 9, 30))
    >>> model = GammaGammaModel(p=6.25, q=3.74, gamma=15.44, summary=summary)
    >>> {k: round(v, 2) for k, v in model.expected_spend().items()}
    {'ada': 47.34, 'bo': 35.22}
    >>> round(model.mean_spend, 2)
    35.22
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float | None = None
    """The maximised log-likelihood (None for a model built by hand)."""
    customers: int = 0
    """How many customers the model was fitted on: those with a repeat purchase."""
    excluded: int = 0
    """Customers with repeat purchases all worth zero, left out of the fit."""
    iterations: int = 0
    currency: str | None = None
    summary: Summary | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in _PARAMS:
            _positive(name, getattr(self, name))

    @property
    def mean_spend(self) -> float | None:
        """The population's mean spend per purchase, ``p * gamma / (q - 1)``; None if q <= 1.

        It is what a customer without a repeat purchase is expected to spend. For
        ``q <= 1`` the mean is infinite, and the model cannot value such customers.
        """
        if self.q <= 1:
            return None
        return self.p * self.gamma / (self.q - 1)

    def expected_spend(self, summary: Summary | None = None) -> dict[str, float]:
        """Each customer's expected value of a future purchase day, in the summary's currency."""
        summary = self.summary if summary is None else summary
        if summary is None:
            raise UsageError(
                "this model holds no summary: pass one, e.g. model.expected_spend(summary)"
            )
        if self.currency is not None and summary.currency not in (None, self.currency):
            raise UsageError(
                f"the model was fitted on {self.currency} but the summary is in "
                f"{summary.currency}; journeykit never mixes currencies"
            )
        num = numeric("Gamma-Gamma predictions")
        x, m = _columns(num, summary)
        values = self.expected_spend_array(num, x, m)
        return dict(zip((c.customer_id for c in summary), values.tolist(), strict=True))

    def expected_spend_array(self, num: Numeric, x: Vector, m: Vector) -> Vector:
        """Expected spend for arrays of x and m_x (m_x ignored where x = 0)."""
        np = num.np
        p, q, g = self.p, self.q, self.gamma
        weight = p * x + q - 1.0
        if bool(np.any(weight <= 0)):
            raise InvalidInputError(
                f"this Gamma-Gamma model (q = {q:.6g} <= 1) gives an infinite mean spend for "
                "customers with few or no repeat purchases; it cannot value them. Fit on "
                "more customers, or value only customers with enough repeat purchases"
            )
        return check_finite(num, (g + m * x) * p / weight, "expected_spend")


def fit_gamma_gamma(summary: Summary) -> GammaGammaModel:
    """Fit the Gamma-Gamma spend model by maximum likelihood (needs ``journeykit[predict]``).

    Reads the customers with a repeat purchase: their number of repeat purchase days and
    the average value of those days. Needs at least 3 such customers with a non-zero
    average; customers whose repeat purchases were all free are left out and counted in
    ``excluded``. A fit that does not converge, or runs off to zero or infinity, raises
    :class:`~journeykit.InvalidInputError`.
    """
    num = numeric("fit_gamma_gamma")
    np = num.np
    x, m = _columns(num, summary)
    repeat = x > 0
    usable = repeat & (m > 0)
    excluded = int(np.count_nonzero(repeat & ~usable))
    fitted_on = int(np.count_nonzero(usable))
    if fitted_on < MIN_REPEAT_CUSTOMERS:
        raise InvalidInputError(
            f"fitting Gamma-Gamma needs at least {MIN_REPEAT_CUSTOMERS} customers with a "
            f"repeat purchase of non-zero value (got {fitted_on}"
            + (f"; {excluded} more had only free repeat purchases" if excluded else "")
            + ")"
        )
    objective = _negative_log_likelihood(num, x[usable], m[usable])
    start = np.array([0.0, math.log(2.0), math.log(float(np.mean(m[usable])))])
    fitted = maximize(
        num, objective, start, model="Gamma-Gamma", names=_PARAMS, customers=fitted_on
    )
    p, q, g = fitted.params
    return GammaGammaModel(
        p=p,
        q=q,
        gamma=g,
        log_likelihood=fitted.log_likelihood,
        customers=fitted_on,
        excluded=excluded,
        iterations=fitted.iterations,
        currency=summary.currency,
        summary=summary,
    )
