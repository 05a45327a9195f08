"""The evaluation context: one customer, their facts, their stage and ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Final

from journeykit._errors import InvalidInputError, Problem, quote
from journeykit._facts._fold import instant
from journeykit._lookback import look_back
from journeykit.facts import Facts
from journeykit.models import Customer
from journeykit.time import Duration, zone

__all__ = ["EvalContext", "duration_key"]

_new = object.__new__
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND: Final = timedelta(microseconds=1)

# Duration parts are bounded (journeykit.time), so this packing is one-to-one.
_MONTHS: Final = 1 << 20
_DAYS: Final = 1 << 25
_SECONDS: Final = 1 << 42


def duration_key(d: Duration) -> int:
    """An int naming ``d``'s value: cut-offs are cached by it (never by ``id()``, which a
    collected object passes on)."""
    return ((d.months + _MONTHS) * (2 * _DAYS) + d.days + _DAYS) * (2 * _SECONDS) + (
        d.seconds + _SECONDS
    )


class EvalContext:
    """Everything a condition may look at: the customer, their facts, stage and ``now``.

    Build one per evaluation instant and share it: the stage machine and the journeys
    evaluate against the same facts at the same ``now``, and window cut-offs computed for
    one condition serve every other (the cache is keyed by the duration's value).
    :meth:`at_stage` gives a context for another stage that shares that cache. Treat it
    as read-only. ``tz`` defaults to the customer's zone, then UTC.

    Refused with :class:`~journeykit.errors.InvalidInputError`: a customer that is not a
    :class:`~journeykit.models.Customer`, facts of another customer, a naive ``now``, or a
    ``now`` earlier than the facts' clock (windows were trimmed as of that clock).

    >>> from datetime import datetime, timezone
    >>> from journeykit.conditions import count
    >>> from journeykit.facts import FactsSpec
    >>> from journeykit.models import Customer
    >>> c = Customer(id="c1", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> ctx = EvalContext(c, FactsSpec().empty(), datetime(2026, 5, 1, tzinfo=timezone.utc))
    >>> (count("order_placed") == 0).evaluate(ctx)
    True
    """

    __slots__ = (
        "_cutoffs",
        "_micros",
        "_zone",
        "customer",
        "facts",
        "now",
        "now_ts",
        "stage",
        "stage_entered_at",
        "tz",
    )

    def __init__(
        self,
        customer: Customer,
        facts: Facts,
        now: datetime,
        *,
        stage: str | None = None,
        stage_entered_at: datetime | None = None,
        tz: str | None = None,
    ) -> None:
        if type(customer) is not Customer and not isinstance(customer, Customer):
            raise InvalidInputError(
                [
                    Problem(
                        "customer",
                        "must be a journeykit.models.Customer (got "
                        f"{type(customer).__name__}); build one with Customer(...) or "
                        "Customer.model_validate(data)",
                    )
                ]
            )
        if type(facts) is not Facts and not isinstance(facts, Facts):
            raise InvalidInputError(
                [
                    Problem(
                        "facts",
                        f"must be a journeykit.facts.Facts (got {type(facts).__name__}); "
                        "a customer without events has spec.empty()",
                    )
                ]
            )
        owner = facts.customer_id
        if owner != customer.id and owner is not None:
            raise InvalidInputError(
                [
                    Problem(
                        "facts",
                        f"these facts belong to customer {quote(owner, 60)!r}, not "
                        f"{quote(customer.id, 60)!r}; evaluate each customer with their own",
                    )
                ]
            )
        self.now_ts = instant(now, "now")
        if stage_entered_at is not None:
            instant(stage_entered_at, "stage_entered_at")
        clock = facts.clock
        if clock is not None and self.now_ts < clock:
            raise InvalidInputError(
                [
                    Problem(
                        "now",
                        f"{now.isoformat()} is earlier than the facts' clock "
                        f"({datetime.fromtimestamp(clock, now.tzinfo).isoformat()}); windows "
                        "were trimmed as of that clock, so evaluate at or after it",
                    )
                ]
            )
        self.customer = customer
        self.facts = facts
        self.now = now
        self.stage = stage
        self.stage_entered_at = stage_entered_at
        self.tz = tz or customer.timezone or "UTC"
        self._zone: tzinfo | None = None  # resolved on the first calendar window
        self._cutoffs: dict[int, float] = {}
        self._micros: int | None = None

    @classmethod
    def _checked(
        cls,
        customer: Customer,
        facts: Facts,
        now: datetime,
        now_ts: float,
        stage: str | None,
        stage_entered_at: datetime | None,
        tz: str,
        zone: tzinfo | None = None,
    ) -> EvalContext:
        """A context from values the caller has already checked as ``__init__`` would
        (the engine checks a state once per call, then evaluates at many instants):
        ``now_ts`` is ``now.timestamp()``, ``zone`` the zone named ``tz`` if known."""
        made = _new(cls)
        made.customer = customer
        made.facts = facts
        made.now = now
        made.now_ts = now_ts
        made.stage = stage
        made.stage_entered_at = stage_entered_at
        made.tz = tz
        made._zone = zone
        made._cutoffs = {}
        made._micros = None
        return made

    def at_stage(self, stage: str | None, entered_at: datetime | None = None) -> EvalContext:
        """This context for a customer in ``stage`` since ``entered_at``, sharing the
        cut-offs already computed (a stage cascade evaluates each stage at one ``now``)."""
        if entered_at is not None:
            instant(entered_at, "entered_at")
        other = object.__new__(EvalContext)
        other.customer = self.customer
        other.facts = self.facts
        other.now = self.now
        other.now_ts = self.now_ts
        other.stage = stage
        other.stage_entered_at = entered_at
        other.tz = self.tz
        other._zone = self._zone
        other._cutoffs = self._cutoffs
        other._micros = self._micros
        return other

    def micros(self) -> int:
        """``now`` as whole microseconds since the epoch (exact; computed once)."""
        found = self._micros
        if found is None:
            found = self._micros = (self.now - _EPOCH) // _MICROSECOND
        return found

    def cutoff(self, duration: Duration) -> float:
        """POSIX time of ``now`` minus ``duration`` in the customer's zone (cached)."""
        return self.cutoff_at(duration_key(duration), duration)

    def cutoff_at(self, key: int, duration: Duration) -> float:
        """:meth:`cutoff` with the duration's :func:`duration_key` computed beforehand
        (compiled conditions compute it once)."""
        found = self._cutoffs.get(key)
        if found is None:
            z = self._zone
            if z is None:
                z = self._zone = zone(self.tz)
            found = self._cutoffs[key] = look_back(self.now, self.now_ts, z, duration)
        return found
