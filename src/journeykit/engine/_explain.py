"""Why did (or didn't) a customer enter a journey? Each entry check, in words.

:meth:`Engine.explain` runs the same checks the engine runs when a trigger fires
(:mod:`journeykit.engine._entry`) against the customer's state at an instant, changes
nothing, and reports every check with its outcome, so a marketer can answer "why didn't
Ada get the win-back offer?" without reading code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from journeykit._base import FrozenModel, Items
from journeykit.engine._compiled import Compiled
from journeykit.engine._entry import (
    conditions_check,
    held_out,
    reentry_check,
    running_groups,
)
from journeykit.engine._runner import read_date
from journeykit.engine._work import Work
from journeykit.journeys import DateTrigger, EventTrigger, Journey, Send, StageTrigger
from journeykit.models import AwareDatetime, Channel, ConsentStatus
from journeykit.time import next_anniversary

__all__ = ["EntryCheck", "JourneyExplanation", "explain"]

CheckName = Literal["trigger", "entry", "reentry", "group", "consent", "holdout"]


class EntryCheck(FrozenModel):
    """One check on the way into a journey, its outcome and why."""

    check: CheckName
    passed: bool
    detail: str


class JourneyExplanation(FrozenModel):
    """The answer of :meth:`Engine.explain`: each entry check for one customer and journey.

    ``would_enter`` says whether a trigger at ``at`` would start a run (re-entry, entry
    and group checks pass); ``running`` is the step a current run is at, if any.
    """

    journey: str
    version: int
    customer: str
    at: AwareDatetime
    would_enter: bool
    running: str | None = None
    checks: Items[EntryCheck] = ()

    def __str__(self) -> str:
        head = f"{self.journey} v{self.version} for {self.customer} at {self.at.isoformat()}: "
        if self.running is not None:
            head += f"in a run now, at step {self.running}"
        else:
            head += "would enter if triggered" if self.would_enter else "would not enter"
        marks = {True: "yes", False: "no "}
        lines = [head, *(f"  [{marks[c.passed]}] {c.check}: {c.detail}" for c in self.checks)]
        return "\n".join(lines)


def explain(compiled: Compiled, work: Work, journey: Journey, at: datetime) -> JourneyExplanation:
    """Every entry check of ``journey`` for the customer in ``work`` at ``at``."""
    zone = compiled.zone(work.customer)
    ctx = compiled.context(work, at)
    checks = [_trigger(compiled, work, journey, at)]
    entry_ok, entry_detail = conditions_check(journey, ctx)
    checks.append(EntryCheck(check="entry", passed=entry_ok, detail=entry_detail))
    again_ok, again_detail = reentry_check(work, journey, at, zone)
    checks.append(EntryCheck(check="reentry", passed=again_ok, detail=again_detail))
    group_ok, group_detail = _group(compiled, work, journey)
    checks.append(EntryCheck(check="group", passed=group_ok, detail=group_detail))
    checks.append(_consent(work, journey))
    out = held_out(work.customer.id, journey)
    checks.append(
        EntryCheck(
            check="holdout",
            passed=not out,
            detail=(
                f"in the holdout group ({journey.holdout:.0%} of entrants): the run goes on "
                "but sends no marketing message"
                if out
                else "not in the holdout group"
                if journey.holdout
                else "the journey has no holdout"
            ),
        )
    )
    running = next((r.step for r in work.runs if r.journey == journey.id), None)
    return JourneyExplanation(
        journey=journey.id,
        version=journey.version,
        customer=work.customer.id,
        at=at,
        would_enter=entry_ok and again_ok and group_ok,
        running=running,
        checks=checks,
    )


def _trigger(compiled: Compiled, work: Work, journey: Journey, at: datetime) -> EntryCheck:
    trigger = journey.trigger
    if isinstance(trigger, EventTrigger):
        last = work.facts.last_at(trigger.event)
        detail = f"starts on {trigger.describe()}; " + (
            f"the last {trigger.event} was at {last.isoformat()}"
            if last is not None
            else f"the customer has no {trigger.event} event yet"
        )
        return EntryCheck(check="trigger", passed=last is not None, detail=detail)
    if isinstance(trigger, StageTrigger):
        here = work.stage in trigger.stages
        where = (
            f"the customer is in stage {work.stage}"
            if work.stage is not None
            else "the customer has no stage yet"
        )
        return EntryCheck(
            check="trigger",
            passed=here if trigger.on == "enter" else not here,
            detail=f"starts on {trigger.describe()}; {where}",
        )
    assert isinstance(trigger, DateTrigger)
    value = read_date(work.customer, trigger.date)
    if value is None:
        return EntryCheck(
            check="trigger",
            passed=False,
            detail=f"starts {trigger.describe()}, but the customer has no such date as text",
        )
    try:
        when = next_anniversary(at, value, trigger.at, compiled.zone(work.customer))
    except ValueError:
        return EntryCheck(
            check="trigger",
            passed=False,
            detail=f"starts {trigger.describe()}, but {value!r} is not a date",
        )
    return EntryCheck(
        check="trigger", passed=True, detail=f"{trigger.describe()}: next at {when.isoformat()}"
    )


def _group(compiled: Compiled, work: Work, journey: Journey) -> tuple[bool, str]:
    if journey.group is None:
        return True, "the journey is in no group"
    holder = running_groups(compiled, work).get(journey.group)
    if holder is not None and holder != journey.id:
        return False, f"{holder!r} is running in group {journey.group!r}"
    return True, f"no other journey of group {journey.group!r} is running"


def _consent(work: Work, journey: Journey) -> EntryCheck:
    customer = work.customer
    if customer.suppressed:
        return EntryCheck(
            check="consent", passed=False, detail="the customer is suppressed: nothing is sent"
        )
    channels = sorted(
        {Channel(s.channel) for s in journey.walk() if isinstance(s, Send) and not s.transactional},
        key=lambda c: c.value,
    )
    if not channels:
        return EntryCheck(check="consent", passed=True, detail="the journey sends no marketing")
    states = {c: customer.consent_for(c) for c in channels}
    detail = "; ".join(f"{c.value}: {states[c].value}" for c in channels)
    passed = all(s is ConsentStatus.OPTED_IN for s in states.values())
    return EntryCheck(check="consent", passed=passed, detail=f"marketing consent {detail}")
