"""Customer value: RFM, historic and predicted lifetime value, churn risk.

Offers scale with what a customer is worth, so value analytics is part of journeykit,
pure like the rest: orders and an observation end in, numbers out, no clock and no I/O.

- :func:`summarize` turns many customers' orders (``order_placed`` events or
  :class:`Order` tuples) into per-customer summaries in the conventions of the
  customer-base-analysis literature: repeat purchase days (several orders on one local
  day are one purchase), recency and age from the first purchase, historic value.
- :func:`rfm` scores customers 1-5 on recency, frequency and value by quintile and names
  their segment (champions, loyal, ..., lost).
- :func:`fit_bgnbd` and :func:`fit_gamma_gamma` fit the BG/NBD and Gamma-Gamma models by
  maximum likelihood; their models predict purchases, the probability a customer is
  still active, the days to their next order and their spend. :func:`clv` combines them
  into predicted value. These need numpy and scipy: ``pip install 'journeykit[predict]'``.
- :func:`customer_values` does all of it for a whole population, for a batch job whose
  results the host stores as customer attributes that conditions read
  (``attr("p_alive") < 0.3``).

Days are calendar days in the zone the caller passes (``tz=``, default UTC). Times are in
weeks (``unit="W"``, the default, as in the papers) or days (``unit="D"``). Money is
never added across currencies: a population mixing them is refused unless
``currency=`` names the one to keep. See ``docs/analytics.md``.

>>> from datetime import date
>>> from decimal import Decimal
>>> orders = [
...     Order("ada", date(2026, 1, 5), Decimal("40.00"), "EUR"),
...     Order("ada", date(2026, 2, 2), Decimal("60.00"), "EUR"),
...     Order("bo", date(2026, 1, 19), Decimal("25.00"), "EUR"),
... ]
>>> summary = summarize(orders, date(2026, 3, 2))
>>> [(c.customer_id, c.frequency, c.recency, c.age, c.total_value) for c in summary]
[('ada', 1, 4.0, 8.0, Decimal('100.00')), ('bo', 0, 0.0, 6.0, Decimal('25.00'))]
"""

from journeykit.analytics._bgnbd import BGNBDModel, fit_bgnbd
from journeykit.analytics._clv import CustomerValue, clv, customer_values
from journeykit.analytics._gamma_gamma import GammaGammaModel, fit_gamma_gamma
from journeykit.analytics._orders import Order, OrderLike, ZoneLike
from journeykit.analytics._rfm import RFM_GRID, SEGMENTS, RFMScore, rfm, rfm_segment
from journeykit.analytics._summary import (
    CustomerSummary,
    Progress,
    Summary,
    Unit,
    count_purchases,
    summarize,
)

__all__ = [
    # orders and summaries
    "Order",
    "OrderLike",
    "ZoneLike",
    "Unit",
    "Progress",
    "CustomerSummary",
    "Summary",
    "summarize",
    "count_purchases",
    # RFM
    "RFMScore",
    "RFM_GRID",
    "SEGMENTS",
    "rfm",
    "rfm_segment",
    # models (numpy and scipy: journeykit[predict])
    "BGNBDModel",
    "fit_bgnbd",
    "GammaGammaModel",
    "fit_gamma_gamma",
    "clv",
    # batch
    "CustomerValue",
    "customer_values",
]
