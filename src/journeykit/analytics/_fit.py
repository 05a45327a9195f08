"""What the model fits share: the optional numpy/scipy import and the likelihood maximiser.

numpy and scipy are the ``journeykit[predict]`` extra, imported here only when a model is
fitted or used, so ``import journeykit.analytics`` (summaries, RFM) costs neither.

Fits maximise the log-likelihood over the logarithms of the parameters (all of them are
positive), with analytic gradients, by BFGS. A fit either converges to an interior
optimum or raises :class:`~journeykit.InvalidInputError` saying why: too few customers,
a likelihood that cannot be evaluated at the start, no convergence within the iteration
budget, or estimates that run off towards zero or infinity (the data cannot pin the
model down: nobody bought twice, say). It never hands back a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from journeykit._errors import InvalidInputError, UsageError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vector = NDArray[np.float64]

__all__ = [
    "Numeric",
    "Objective",
    "numeric",
    "maximize",
    "Fitted",
    "check_finite",
    "MAX_ITERATIONS",
]

MAX_ITERATIONS = 1000
# log-parameters further than this from their data-scaled starting point (a factor of
# about a million either way) mean the optimum is not in the interior
_LOG_BOUND = math.log(1e6)
# the log-likelihood's gradient (w.r.t. log-parameters), per customer, under which a fit
# that BFGS stopped for lack of precision is still accepted as converged
_GRADIENT_PER_CUSTOMER = 1e-6


class Numeric(NamedTuple):
    """The numeric modules a fit uses, imported on demand."""

    np: ModuleType
    special: ModuleType
    optimize: ModuleType


def numeric(feature: str) -> Numeric:
    """Import numpy and scipy for ``feature``, or say which extra to install."""
    try:
        import numpy
        import scipy.optimize  # type: ignore[import-untyped]  # scipy ships no type hints
        import scipy.special  # type: ignore[import-untyped]
    except ImportError as err:
        raise UsageError(
            f"{feature} needs numpy and scipy, which journeykit keeps optional: install them "
            f"with pip install 'journeykit[predict]' (import failed: {err})"
        ) from None
    return Numeric(numpy, scipy.special, scipy.optimize)


class Fitted(NamedTuple):
    """A converged fit: parameters (not logged), the maximised log-likelihood, iterations."""

    params: tuple[float, ...]
    log_likelihood: float
    iterations: int


Objective = Callable[["Vector"], tuple[float, "Vector"]]


def maximize(
    num: Numeric,
    objective: Objective,
    start: Vector,
    *,
    model: str,
    names: tuple[str, ...],
    customers: int,
) -> Fitted:
    """Minimise ``objective`` (negative log-likelihood and its gradient, over log-params).

    ``start`` doubles as the data's scale for the boundary check.
    """
    np = num.np
    with np.errstate(all="ignore"):
        value, grad = objective(start)
    if not (math.isfinite(value) and bool(np.all(np.isfinite(grad)))):
        raise InvalidInputError(
            f"the {model} likelihood cannot be evaluated on this data (check for zero or "
            "infinite values)"
        )
    tolerance = _GRADIENT_PER_CUSTOMER * max(customers, 1)
    with np.errstate(all="ignore"):
        result = num.optimize.minimize(
            objective,
            start,
            jac=True,
            method="BFGS",
            options={"gtol": tolerance / 10, "maxiter": MAX_ITERATIONS},
        )
        value, grad = objective(result.x)
    theta = result.x
    shown = ", ".join(
        f"{n}={math.exp(min(max(v, -700.0), 700.0)):.6g}"
        for n, v in zip(names, theta.tolist(), strict=True)
    )
    if not bool(np.all(np.isfinite(theta))) or bool(np.any(np.abs(theta - start) > _LOG_BOUND)):
        raise InvalidInputError(
            f"the {model} fit has no interior optimum: the estimates run off towards zero or "
            f"infinity ({shown}), so this data cannot pin the model down (too few customers, "
            "or too little variety: nobody buying twice, everyone spending the same)"
        )
    finite = math.isfinite(value) and bool(np.all(np.isfinite(grad)))
    converged = finite and (bool(result.success) or float(np.max(np.abs(grad))) <= tolerance)
    if not converged:
        raise InvalidInputError(
            f"the {model} fit did not converge after {result.nit} iterations "
            f"({result.message}; last estimates {shown}); the data may not follow the model"
        )
    params = tuple(math.exp(v) for v in theta.tolist())
    return Fitted(params, -float(value), int(result.nit))


def check_finite(num: Numeric, values: Vector, what: str) -> Vector:
    """``values`` if every one is finite; otherwise a clear error instead of a NaN."""
    if not bool(num.np.all(num.np.isfinite(values))):
        raise InvalidInputError(
            f"{what} could not be computed for every customer (a value overflowed); the "
            "model's parameters or the horizon are extreme for this data"
        )
    return values
