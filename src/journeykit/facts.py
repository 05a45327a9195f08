"""Customer facts: what the conditions need to know, folded from events one at a time.

Theory of operation
-------------------
A customer's history can be long; what stages and journeys ask of it is not. ``Facts`` is
a small immutable value that answers every question the definitions ask:

- for every event type: how many, the first and the last time;
- money, per currency: how many orders, their value and the value refunded, so net
  revenue and the average order value (never summed across currencies);
- for each ``(event type, where)`` a condition filters on: the same count/first/last;
- for windowed conditions (``count(..., within="30d")``, ``total(..., within=...)``):
  the newest events exactly and older ones per day, within the longest window any
  definition uses (:mod:`journeykit._windows`: bounded whatever the threshold);
- lifetime sums for ``total(...)``, per property and currency;
- the ids of the recent events (within a dedupe horizon), to ignore a repeated delivery.

Facts know whose they are (``customer_id``) and how late it is (``clock``: the latest
``now`` they were folded at). What to keep is a :class:`FactsSpec`, derived from the
definitions (:func:`journeykit.conditions.facts_spec`), so no condition can ask for a
window the facts did not keep. The fold keeps four invariants, all property-tested:

1. **Order independence.** The same events folded at the same ``now`` give equal facts
   in any order: every kept set is a function of the events' set and the clock.
2. **Idempotence.** An event whose id was seen is ignored. The ids remembered are
   bounded by time and by count: those of the events dated within ``dedupe_horizon``
   (default 7 days) of the clock, at most ``id_window`` (default 128) of them. A
   duplicate is recognised while the original's id is kept; one dated further back, or
   delivered after ``id_window`` newer events, counts again. Hosts that replay old
   events should de-duplicate upstream.
3. **Bounded size and cost.** Work per event depends on the definitions (number of
   keys) and a fixed bound per window, never on how many events came before nor on
   the thresholds the definitions name.
4. **One customer.** Facts take the customer of their first event (or the id given to
   :meth:`FactsSpec.empty`) and refuse any other customer's event.

The keys facts are stored under have one home, :mod:`journeykit._facts._keys`
(:func:`fact_key`, :func:`amount_key`); a golden-file test pins them.

Timestamps are POSIX seconds (floats, whole seconds for the ids) for speed; money is
``Decimal``, summed exactly.

>>> from datetime import datetime, timezone
>>> from journeykit.models import Event
>>> def order(i, day, value):
...     return Event(id=f"o{i}", customer_id="c1", type="order_placed",
...                  at=datetime(2026, 1, day, tzinfo=timezone.utc),
...                  properties={"value": value, "currency": "EUR"})
>>> spec = FactsSpec()
>>> now = datetime(2026, 2, 1, tzinfo=timezone.utc)
>>> events = [order(1, 3, "20.00"), order(2, 9, "30.00"), order(2, 9, "30.00")]
>>> facts = spec.fold_all(events, now=now)
>>> facts.customer_id, facts.order_count
('c1', 2)
>>> facts.revenue_in("EUR"), facts.average_order_value_in("EUR")
(Decimal('50.00'), Decimal('25.00'))
>>> facts.last_at("order_placed")
datetime.datetime(2026, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)
"""

from journeykit._facts._keys import amount_key, fact_key
from journeykit._facts._record import EventStats, Facts, MoneyStats
from journeykit._facts._spec import (
    DEFAULT_DEDUPE_HORIZON,
    DEFAULT_ID_WINDOW,
    DEFAULT_MAX_AHEAD,
    FactNeed,
    FactsSpec,
)
from journeykit._facts._windows import AmountWindow, CountWindow

__all__ = [
    "EventStats",
    "MoneyStats",
    "CountWindow",
    "AmountWindow",
    "Facts",
    "FactNeed",
    "FactsSpec",
    "fact_key",
    "amount_key",
    "DEFAULT_ID_WINDOW",
    "DEFAULT_DEDUPE_HORIZON",
    "DEFAULT_MAX_AHEAD",
]
