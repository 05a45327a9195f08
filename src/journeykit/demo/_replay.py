"""Replaying customers through an engine, the way a host with a job queue would.

Each customer is played on their own: events in time order, and between them a tick at
every ``wake_at`` the engine asks for, never a tick per customer per day. What happened
is summed into a :class:`Tally` (picklable, so worker processes can each replay a share of
the customers and the shares add up).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from journeykit.engine import (
    Engine,
    JourneyEntered,
    MessageSuppressed,
    SendMessage,
    StageChanged,
)
from journeykit.models import Customer, Event

__all__ = ["Story", "Tally", "replay"]

#: How long after a win-back offer an order counts as won back.
WON_BACK_WITHIN = timedelta(days=30)
WIN_BACK = "win_back"


@dataclass(frozen=True)
class Story:
    """One customer and everything they did, in time order."""

    customer: Customer
    events: tuple[Event, ...]


@dataclass
class Tally:
    """What a replay counted; two tallies add up (``+``)."""

    customers: int = 0
    events: int = 0
    calls: int = 0
    stages: list[Counter[str]] = field(default_factory=list)  # per month end
    sent: Counter[str] = field(default_factory=Counter)  # by journey
    suppressed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (journey, reason)
    entered: Counter[str] = field(default_factory=Counter)  # by journey
    win_back: Counter[tuple[bool, bool]] = field(default_factory=Counter)  # (held out, ordered)

    def __add__(self, other: Tally) -> Tally:
        months = max(len(self.stages), len(other.stages))
        stages = [Counter[str]() for _ in range(months)]
        for tally in (self, other):
            for i, counts in enumerate(tally.stages):
                stages[i].update(counts)
        return Tally(
            customers=self.customers + other.customers,
            events=self.events + other.events,
            calls=self.calls + other.calls,
            stages=stages,
            sent=self.sent + other.sent,
            suppressed=self.suppressed + other.suppressed,
            entered=self.entered + other.entered,
            win_back=self.win_back + other.win_back,
        )


def replay(
    engine: Engine, stories: Iterable[Story], month_ends: Sequence[datetime], end: datetime
) -> Tally:
    """Play every story through ``engine`` up to ``end`` and count what happened."""
    tally = Tally(stages=[Counter() for _ in month_ends])
    for story in stories:
        _one(engine, story, month_ends, end, tally)
    return tally


def _one(
    engine: Engine, story: Story, month_ends: Sequence[datetime], end: datetime, tally: Tally
) -> None:
    events = story.events
    start = min([story.customer.created_at, *(e.at for e in events[:1])])
    state = engine.start(story.customer, start)
    changes: list[tuple[datetime, str]] = []
    offers: list[tuple[datetime, bool]] = []
    calls = 0

    def take(actions: Sequence[object]) -> None:
        for action in actions:
            if isinstance(action, StageChanged):
                changes.append((action.at, action.to_stage))
            elif isinstance(action, SendMessage):
                tally.sent[action.journey] += 1
            elif isinstance(action, MessageSuppressed):
                tally.suppressed[(action.journey, action.reason)] += 1
            elif isinstance(action, JourneyEntered):
                tally.entered[action.journey] += 1
                if action.journey == WIN_BACK:
                    offers.append((action.at, action.held_out))

    decision = engine.tick(state, start)
    take(decision.actions)
    calls += 1
    for event in events:
        while decision.wake_at is not None and decision.wake_at <= event.at:
            decision = engine.tick(decision.state, decision.wake_at)
            take(decision.actions)
            calls += 1
        decision = engine.handle(decision.state, event)
        take(decision.actions)
        calls += 1
    while decision.wake_at is not None and decision.wake_at <= end:
        decision = engine.tick(decision.state, decision.wake_at)
        take(decision.actions)
        calls += 1
    tally.customers += 1
    tally.events += len(events)
    tally.calls += calls
    _stages_at(changes, month_ends, tally)
    orders = [e.at for e in events if e.type == "order_placed"]
    for at, held_out in offers:
        i = bisect.bisect_right(orders, at)
        ordered = i < len(orders) and orders[i] <= at + WON_BACK_WITHIN
        tally.win_back[(held_out, ordered)] += 1


def _stages_at(
    changes: Sequence[tuple[datetime, str]], month_ends: Sequence[datetime], tally: Tally
) -> None:
    times = [at for at, _ in changes]
    for i, month_end in enumerate(month_ends):
        k = bisect.bisect_right(times, month_end)
        if k:
            tally.stages[i][changes[k - 1][1]] += 1
