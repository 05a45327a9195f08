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

from datetime import datetime, timedelta, timezone

from journeykit._time.crossing import to_datetime
from journeykit.conditions import Evaluator
from journeykit.engine._compiled import Compiled, Watch
from journeykit.engine._entry import next_occurrence
from journeykit.engine._work import Work

__all__ = ["next_due"]

#: How many boundaries the search probes before settling for an early wake-up (a tick
#: then that has nothing to do simply returns the next one).
MAX_PROBES = 16
_UTC = timezone.utc
_MICROSECOND = timedelta(microseconds=1)


def next_due(compiled: Compiled, work: Work) -> datetime | None:
    """The earliest instant after the clock at which ``tick`` has something to do."""
    if compiled.lifecycle is not None and work.stage is None:
        return work.clock  # not placed yet: the first call places the customer
    best: datetime | None = None
    if work.runs:
        journeys = compiled.journeys
        for run in work.runs:
            # a run of a version no longer defined is settled by the next call, at once
            due = run.due if (run.journey, run.version) in journeys else work.clock
            if due is not None and (best is None or due < best):
                best = due
    pin = work.pin
    if pin is not None and pin.until is not None and (best is None or pin.until < best):
        best = pin.until
    if compiled.dated:
        zone = compiled.zone(work.customer)
        after = work.clock + _MICROSECOND
        for journey in compiled.dated:
            found = next_occurrence(work, journey, after, zone)
            if found is not None and (best is None or found < best):
                best = found
    change = _condition_change(compiled, work, best)
    if change is not None and (best is None or change < best):
        best = change
    return None if best is None else best.astimezone(_UTC)


def watched(compiled: Compiled, work: Work) -> tuple[Watch, ...]:
    """The conditions whose holding would give ``tick`` something to do."""
    found: tuple[Watch, ...] = ()
    if compiled.lifecycle is not None and work.pin is None and work.stage is not None:
        found = (
            compiled.stage_watch.get(work.stage)
            or compiled.stage_watch[compiled.lifecycle.resolve(work.stage)]
        )
    if work.runs:
        run_watch = compiled.run_watch
        for run in work.runs:
            more = run_watch.get((run.journey, run.version))
            if more:
                found += more
    return found


def _condition_change(compiled: Compiled, work: Work, before: datetime | None) -> datetime | None:
    watches = watched(compiled, work)
    if not watches:
        return None
    zone = compiled.zone(work.customer)
    ctx = compiled.context(work, work.clock)
    candidate: datetime | None = None
    for _ in range(MAX_PROBES):
        first: int | None = None
        likely: Evaluator | None = None  # the condition whose boundary came first
        sure = False  # ... and it holds there for certain (see holds_from_boundary)
        for holds, boundary, exact in watches:
            found = boundary(ctx, zone)
            if found is not None and (first is None or found < first):
                first, likely, sure = found, holds, exact
        if first is None:
            return None
        candidate = to_datetime(first)
        if before is not None and candidate >= before:
            return None  # something else is due first; the search resumes after it
        if sure:
            return candidate  # the probe would find `likely` holding
        ctx = compiled.context(work, candidate)  # the probe, then the next search's start
        assert likely is not None
        if likely(ctx):
            return candidate
        for holds, _, _ in watches:
            if holds is not likely and holds(ctx):
                return candidate
    return candidate
