"""The BG/NBD model of repeat buying: who is still a customer, and how much they will buy.

Theory of operation
-------------------
Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way", Marketing Science
24(2). While active, a customer buys at a rate lambda (a Poisson process); after each
repeat purchase they drop out for good with probability p. Across customers lambda is
gamma(r, alpha) and p is beta(a, b). A customer is summarised by x (repeat purchase
days), t_x (recency) and T (age), all from the first purchase (see ``_summary``).

- The likelihood is the paper's equation (6), in logs, summed over customers with
  numpy (the special functions on the few distinct values of x only), and
  maximised over log-parameters with its analytic gradient (``_fit.maximize``).
- ``p_alive`` is equation (13). A customer with no repeat purchase is alive with
  probability 1: the model only lets customers drop out right after a repeat purchase.
- ``expected_purchases(t)`` is equation (10), with the Gaussian hypergeometric function
  rewritten by Euler's transformation, (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), which
  stays finite for heavy buyers and long horizons where the printed form overflows.
  It is singular (0/0) at a = 1, and for customers without a repeat purchase also at
  a + b = 1; within 1e-4 of either, the value is interpolated linearly across the
  singular point, an error far below the model's own.
- ``expected_days_to_next_order`` is the median wait: given the customer is active at
  T, lambda is gamma(r + x, alpha + T), so the wait W is Lomax and
  P(W > w) = ((alpha + T) / (alpha + T + w))^(r + x). With p_alive folded in, the
  customer orders again within w with probability P_alive * (1 - that); the median is
  where this reaches 1/2, which exists only when P_alive > 1/2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from journeykit._errors import InvalidInputError, UsageError
from journeykit.analytics._fit import Numeric, Objective, check_finite, maximize, numeric
from journeykit.analytics._summary import UNIT_DAYS, Summary, Unit, check_unit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vector = NDArray[np.float64]

__all__ = ["BGNBDModel", "fit_bgnbd", "MIN_CUSTOMERS"]

MIN_CUSTOMERS = 4
"""At least as many customers as the model has parameters."""

# within this distance of a removable singularity, eq. (10) is interpolated across it
_NEAR = 1e-4
_EXP_FLOOR = 700.0
_PARAMS = ("r", "alpha", "a", "b")


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{name} must be a positive number (got {value!r})")
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(f"{name} must be a positive finite number (got {value!r})")
    return float(value)


def _horizon(t: float) -> float:
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
        raise InvalidInputError(
            f"t must be a non-negative number of time units (weeks or days, as the model's "
            f"unit) (got {t!r})"
        )
    return float(t)


def _columns(num: Numeric, summary: Summary) -> tuple[Vector, Vector, Vector]:
    """x, t_x and T of every customer, in the summary's order."""
    np = num.np
    n = len(summary)
    customers = summary.customers
    x = np.fromiter((c.frequency for c in customers), dtype=np.float64, count=n)
    tx = np.fromiter((c.recency for c in customers), dtype=np.float64, count=n)
    age = np.fromiter((c.age for c in customers), dtype=np.float64, count=n)
    return x, tx, age


def _negative_log_likelihood(num: Numeric, x: Vector, tx: Vector, age: Vector) -> Objective:
    """Build the objective: minus the log-likelihood (eq. 6) and its gradient.

    The special functions depend on x alone, and x, t_x and T each take few distinct
    values (whole purchase days), so each is computed on its distinct values and
    gathered; only plain arithmetic runs per row.
    """
    np = num.np
    sp = num.special
    ux, ix = np.unique(x, return_inverse=True)
    ut, it = np.unique(age, return_inverse=True)
    us, is_ = np.unique(tx, return_inverse=True)
    repeat = ux > 0
    # b + x - 1 where x > 0; b elsewhere, where it only keeps masked terms finite
    shift = np.where(repeat, ux - 1.0, 0.0)
    total = float(len(x))

    def objective(theta: Vector) -> tuple[float, Vector]:
        r, alpha, a, b = (float(v) for v in np.exp(theta))
        base_u = sp.betaln(a, b + ux) - sp.betaln(a, b)  # log B(a, b+x) / B(a, b)
        # B(a+1, b+x-1) = B(a, b+x) a / (b+x-1): only where x > 0
        base_v = np.where(repeat, base_u + math.log(a) - np.log(b + shift), -np.inf)
        inv_shift = 1.0 / (b + shift)
        psi_abx = sp.digamma(a + b + ux)
        psi_a, psi_b, psi_ab = sp.digamma(a), sp.digamma(b), sp.digamma(a + b)
        log_t, inv_t = np.log(alpha + ut)[it], (1.0 / (alpha + ut))[it]
        log_s, inv_s = np.log(alpha + us)[is_], (1.0 / (alpha + us))[is_]
        rx = r + x
        u = base_u[ix] - rx * log_t
        v = base_v[ix] - rx * log_s
        # log(e^u + e^v), and the share of e^u in it. Exponents are held above -700:
        # below that exp returns subnormals (or takes a slow path) for terms that are 0
        # to double precision anyway, and a fit would run tens of times slower.
        lse = np.maximum(u, v) + np.log1p(np.exp(-np.minimum(np.abs(u - v), _EXP_FLOOR)))
        wu = np.exp(np.maximum(u - lse, -_EXP_FLOOR))
        wv = 1.0 - wu
        ll = float(np.sum((sp.gammaln(r + ux) - math.lgamma(r))[ix] + lse))
        ll += total * r * math.log(alpha)
        d_r = float(np.sum(sp.digamma(r + ux)[ix] - (wu * log_t + wv * log_s)))
        d_r += total * (math.log(alpha) - sp.digamma(r))
        d_alpha = total * r / alpha - float(np.sum(rx * (wu * inv_t + wv * inv_s)))
        # with wu + wv = 1 and digamma(z + 1) = digamma(z) + 1/z:
        d_a = total * (psi_ab - psi_a) + float(np.sum(psi_a - psi_abx[ix] + wv / a))
        d_b = total * (psi_ab - psi_b) + float(
            np.sum((sp.digamma(b + ux) - psi_abx)[ix] - wv * inv_shift[ix])
        )
        grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
        return -ll, -grad

    return objective


@dataclass(frozen=True)
class BGNBDModel:
    """A fitted (or hand-made) BG/NBD model: parameters, and predictions per customer.

    Times are in the model's ``unit`` (``"W"`` weeks or ``"D"`` days), the unit of the
    summary it was fitted on. The prediction methods read the fitted summary unless
    they are given another one (at a later observation end, say) in the same unit; each
    returns ``{customer_id: value}``.

    Build one from published or stored parameters to predict without fitting:

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from journeykit.analytics import Order, summarize
    >>> orders = [Order("ada", date(1997, 1, d), Decimal("12.00"), "USD") for d in (1, 15, 29)]
    >>> summary = summarize(orders, date(1997, 9, 30))
    >>> model = BGNBDModel(r=0.243, alpha=4.414, a=0.793, b=2.426, summary=summary)
    >>> round(model.p_alive()["ada"], 3), round(model.expected_purchases(39)["ada"], 3)
    (0.099, 0.167)
    """

    r: float
    alpha: float
    a: float
    b: float
    unit: Unit = "W"
    log_likelihood: float | None = None
    """The maximised log-likelihood (None for a model built by hand)."""
    customers: int = 0
    """How many customers the model was fitted on (0 for a model built by hand)."""
    iterations: int = 0
    summary: Summary | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in _PARAMS:
            _positive(name, getattr(self, name))
        check_unit(self.unit)
        if self.summary is not None and self.summary.unit != self.unit:
            raise InvalidInputError(
                f"summary is in unit {self.summary.unit!r} but the model in {self.unit!r}"
            )

    # -- per-customer predictions -------------------------------------------------------

    def _data(self, summary: Summary | None) -> tuple[Summary, Numeric, Vector, Vector, Vector]:
        summary = self.summary if summary is None else summary
        if summary is None:
            raise UsageError("this model holds no summary: pass one, e.g. model.p_alive(summary)")
        if summary.unit != self.unit:
            raise UsageError(
                f"the summary is in unit {summary.unit!r} but the model in {self.unit!r}: "
                f"summarize with unit={self.unit!r}"
            )
        num = numeric("BG/NBD predictions")
        return (summary, num, *_columns(num, summary))

    def p_alive(self, summary: Summary | None = None) -> dict[str, float]:
        """The probability that each customer is still active at the observation end."""
        summary, num, x, tx, age = self._data(summary)
        values = check_finite(num, self.p_alive_array(num, x, tx, age), "p_alive")
        return dict(zip((c.customer_id for c in summary), values.tolist(), strict=True))

    def expected_purchases(self, t: float, summary: Summary | None = None) -> dict[str, float]:
        """Expected repeat purchase days of each customer in the next ``t`` units."""
        horizon = _horizon(t)
        summary, num, x, tx, age = self._data(summary)
        values = check_finite(
            num,
            self.expected_purchases_array(num, horizon, x, tx, age),
            "expected_purchases",
        )
        return dict(zip((c.customer_id for c in summary), values.tolist(), strict=True))

    def expected_days_to_next_order(
        self, summary: Summary | None = None
    ) -> dict[str, float | None]:
        """The median number of days from the observation end to each customer's next order.

        The customer orders again within that many days with probability 1/2. ``None``
        when they are more likely gone than active (``p_alive <= 1/2``), so that no such
        day exists (or, in the extreme, when the median is too far off for a float).
        Store it as a customer attribute from a batch run, and let at-risk rules follow
        each customer's own rhythm.
        """
        summary, num, x, tx, age = self._data(summary)
        values = self.days_to_next_order_array(num, x, tx, age)
        ids = (c.customer_id for c in summary)
        return {
            cid: (None if math.isnan(v) else v) for cid, v in zip(ids, values.tolist(), strict=True)
        }

    def unconditional_purchases(self, t: float) -> float:
        """Expected repeat purchase days in the first ``t`` units of a new customer.

        Summed over a cohort's customers (each from their own first purchase), this
        gives the cohort's expected repeat purchases over time, the tracking curve of
        the paper's Figure 2.
        """
        horizon = _horizon(t)
        num = numeric("BG/NBD predictions")
        zero = num.np.zeros(1)
        return float(self.expected_purchases_array(num, horizon, zero, zero, zero)[0])

    # -- vectorised forms, for batches ---------------------------------------------------

    def p_alive_array(self, num: Numeric, x: Vector, tx: Vector, age: Vector) -> Vector:
        """Equation (13) for arrays of x, t_x and T."""
        return self._p_alive(num, self.a, x, tx, age)

    def _p_alive(self, num: Numeric, a: float, x: Vector, tx: Vector, age: Vector) -> Vector:
        np = num.np
        r, alpha, b = self.r, self.alpha, self.b
        repeat = x > 0
        shift = np.where(repeat, x - 1.0, 0.0)
        log_odds = (
            math.log(a) - np.log(b + shift) + (r + x) * (np.log(alpha + age) - np.log(alpha + tx))
        )
        return np.where(repeat, num.special.expit(-log_odds), 1.0)  # type: ignore[no-any-return]

    def _conditional(
        self, num: Numeric, a: float, b: float, t: float, x: Vector, tx: Vector, age: Vector
    ) -> Vector:
        np = num.np
        r, alpha = self.r, self.alpha
        z = t / (alpha + age + t)
        tail = np.exp((a - 1.0) * np.log1p(-z)) * num.special.hyp2f1(
            a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
        )
        return (  # type: ignore[no-any-return]
            (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail) * self._p_alive(num, a, x, tx, age)
        )

    def expected_purchases_array(
        self, num: Numeric, t: float, x: Vector, tx: Vector, age: Vector
    ) -> Vector:
        """Equation (10) for arrays of x, t_x and T (see the module notes on a = 1)."""
        if t == 0:
            return num.np.zeros_like(x)  # type: ignore[no-any-return]
        if abs(self.a - 1.0) >= _NEAR:
            return self._conditional_near_b(num, self.a, t, x, tx, age)
        low, high = 1.0 - _NEAR, 1.0 + _NEAR
        f_low = self._conditional_near_b(num, low, t, x, tx, age)
        f_high = self._conditional_near_b(num, high, t, x, tx, age)
        return f_low + (self.a - low) / (high - low) * (f_high - f_low)

    def _conditional_near_b(
        self, num: Numeric, a: float, t: float, x: Vector, tx: Vector, age: Vector
    ) -> Vector:
        """Eq. (10) at ``a``; for x = 0 it is 0/0 at a + b = 1, so interpolate across it."""
        b = self.b
        singular = 1.0 - a
        if abs(b - singular) >= _NEAR or singular <= 0:
            return self._conditional(num, a, b, t, x, tx, age)
        with num.np.errstate(invalid="ignore", divide="ignore"):  # the x = 0 entries: replaced
            direct = self._conditional(num, a, b, t, x, tx, age)
        step = min(_NEAR, singular / 2)
        low, high = singular - step, singular + step
        f_low = self._conditional(num, a, low, t, x, tx, age)
        f_high = self._conditional(num, a, high, t, x, tx, age)
        across = f_low + (b - low) / (high - low) * (f_high - f_low)
        return num.np.where(x == 0, across, direct)  # type: ignore[no-any-return]

    def days_to_next_order_array(self, num: Numeric, x: Vector, tx: Vector, age: Vector) -> Vector:
        """Median days to the next order, NaN where p_alive <= 1/2 (see the module notes)."""
        np = num.np
        alive = self.p_alive_array(num, x, tx, age)
        with np.errstate(divide="ignore", invalid="ignore"):
            still = 1.0 - 0.5 / alive  # P(no order within w | active) at the median
            wait = (self.alpha + age) * np.expm1(-np.log(still) / (self.r + x))
        days = wait * UNIT_DAYS[self.unit]
        return np.where((alive > 0.5) & np.isfinite(days), days, np.nan)  # type: ignore[no-any-return]


def fit_bgnbd(summary: Summary) -> BGNBDModel:
    """Fit the BG/NBD model to a summary by maximum likelihood (needs ``journeykit[predict]``).

    The summary's unit is the model's: weeks, as in the paper, unless it was made with
    ``unit="D"``. Needs at least 4 customers and at least one repeat purchase; a fit that
    does not converge, or whose estimates run off to zero or infinity, raises
    :class:`~journeykit.InvalidInputError` rather than returning doubtful numbers.

    On the CDNOW sample it gives the published estimates (see ``docs/analytics.md``).
    """
    num = numeric("fit_bgnbd")
    if len(summary) < MIN_CUSTOMERS:
        raise InvalidInputError(
            f"fitting BG/NBD needs at least {MIN_CUSTOMERS} customers (got {len(summary)})"
        )
    if not any(c.frequency for c in summary):
        raise InvalidInputError(
            "fitting BG/NBD needs at least one customer with a repeat purchase (every one "
            "of these customers bought on a single day only)"
        )
    np = num.np
    x, tx, age = _columns(num, summary)
    objective = _negative_log_likelihood(num, x, tx, age)
    scale = max(float(np.mean(age)), 1e-9)
    start = np.array([0.0, math.log(scale), 0.0, 0.0])
    fitted = maximize(num, objective, start, model="BG/NBD", names=_PARAMS, customers=len(summary))
    r, alpha, a, b = fitted.params
    return BGNBDModel(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        unit=summary.unit,
        log_likelihood=fitted.log_likelihood,
        customers=len(summary),
        iterations=fitted.iterations,
        summary=summary,
    )
