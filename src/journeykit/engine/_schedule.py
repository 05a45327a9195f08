"""When does a customer next need the engine? The ``wake_at`` of every decision.

The earliest of:

- a run falling due (a wait ends, a ``WaitFor`` times out, a deferred send's moment);
- a manual pin ending;
- a yearly date coming round for a date-triggered journey;
- the first instant at which a *watched* condition starts to hold with the facts as they
  are: a transition out of the current stage (unless pinned), an active run's exit or
  goal. Each condition can change on its own only where one of its time-dependent parts
  crosses a boundary (:mod:`journeykit.engine._wake`); the boundaries are probed in time
  order until one makes a watched condition hold, so a boundary that changes nothing
  (``since(order) > 90d`` while the other half of an ``and`` is false) wakes no one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from journeykit.conditions import Condition
from journeykit.engine._compiled import Compiled
from journeykit.engine._entry import next_occurrence
from journeykit.engine._wake import next_boundary, to_datetime
from journeykit.engine._work import Work
from journeykit.journeys import EventTrigger

__all__ = ["next_due"]

#: How many boundaries the search probes before settling for an early wake-up (a tick
#: then that has nothing to do simply returns the next one).
MAX_PROBES = 16
_UTC = timezone.utc


def next_due(compiled: Compiled, work: Work) -> datetime | None:
    """The earliest instant after the clock at which ``tick`` has something to do."""
    if compiled.lifecycle is not None and work.stage is None:
        return work.clock  # not placed yet: the first call places the customer
    best: datetime | None = None

    def consider(candidate: datetime | None) -> None:
        nonlocal best
        if candidate is not None:
            candidate = candidate.astimezone(_UTC)
            if best is None or candidate < best:
                best = candidate

    for run in work.runs:
        # a run of a version no longer defined is settled by the next call, at once
        known = (run.journey, run.version) in compiled.journeys
        consider(run.due if known else work.clock)
    if work.pin is not None:
        consider(work.pin.until)
    zone = compiled.zone(work.customer)
    after = work.clock + timedelta(microseconds=1)
    for journey in compiled.dated:
        consider(next_occurrence(work, journey, after, zone))
    consider(_condition_change(compiled, work, zone, best))
    return best


def watched(compiled: Compiled, work: Work) -> list[Condition]:
    """The conditions whose holding would give ``tick`` something to do."""
    found: list[Condition] = []
    lifecycle = compiled.lifecycle
    if lifecycle is not None and work.pin is None and work.stage is not None:
        found.extend(t.when for t in lifecycle.outgoing(work.stage))
    for run in work.runs:
        journey = compiled.journeys.get((run.journey, run.version))
        if journey is None:
            continue
        if journey.exit is not None:
            found.append(journey.exit)
        if journey.goal is not None and not isinstance(journey.goal, EventTrigger):
            found.append(journey.goal)
    return found


def _condition_change(
    compiled: Compiled, work: Work, zone: tzinfo, before: datetime | None
) -> datetime | None:
    conditions = watched(compiled, work)
    if not conditions:
        return None
    at = work.clock
    candidate: datetime | None = None
    for _ in range(MAX_PROBES):
        ctx = compiled.context(work, at)
        bounds = [b for b in (next_boundary(c, ctx, zone) for c in conditions) if b is not None]
        if not bounds:
            return None
        candidate = to_datetime(min(bounds))
        if before is not None and candidate >= before:
            return None  # something else is due first; the search resumes after it
        probe = compiled.context(work, candidate)
        if any(c.evaluate(probe) for c in conditions):
            return candidate
        at = candidate
    return candidate
