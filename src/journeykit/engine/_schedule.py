"""When does a customer next need the engine? The ``wake_at`` of every decision.

The earliest of:

- a run falling due (a wait ends, a ``WaitFor`` times out, a deferred send's moment);
- a manual pin ending;
- a yearly date coming round for a date-triggered journey;
- the first instant at which a *watched* condition starts to hold with the facts as they
  are: a transition out of the current stage (unless pinned), an active run's exit or
  goal. Each condition can change on its own only where one of its time-dependent parts
  crosses a boundary (:mod:`journeykit.conditions._boundaries`); the boundaries are probed in time
  order until one makes a watched condition hold, so a boundary that changes nothing
  (``since(order) > 90d`` while the other half of an ``and`` is false) wakes no one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from journeykit._time.crossing import to_datetime
from journeykit.engine._compiled import Compiled, Watch
from journeykit.engine._entry import next_occurrence
from journeykit.engine._work import Work

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


def watched(compiled: Compiled, work: Work) -> list[Watch]:
    """The conditions whose holding would give ``tick`` something to do."""
    found: list[Watch] = []
    if compiled.lifecycle is not None and work.pin is None and work.stage is not None:
        stage = compiled.lifecycle.resolve(work.stage)
        found.extend(compiled.stage_watch[stage])
    for run in work.runs:
        found.extend(compiled.run_watch.get((run.journey, run.version), ()))
    return found


def _condition_change(
    compiled: Compiled, work: Work, zone: tzinfo, before: datetime | None
) -> datetime | None:
    watches = watched(compiled, work)
    if not watches:
        return None
    at = work.clock
    candidate: datetime | None = None
    for _ in range(MAX_PROBES):
        ctx = compiled.context(work, at)
        bounds = [b for b in (fn(ctx, zone) for _, fn in watches) if b is not None]
        if not bounds:
            return None
        candidate = to_datetime(min(bounds))
        if before is not None and candidate >= before:
            return None  # something else is due first; the search resumes after it
        probe = compiled.context(work, candidate)
        if any(cond.evaluate(probe) for cond, _ in watches):
            return candidate
        at = candidate
    return candidate
