"""Unit-testing journeys with no host: a simulator with its own clock.

:class:`Simulator` plays one customer through an :class:`~journeykit.engine.Engine`: it
feeds events at its clock, advances time by following ``wake_at`` (so it runs exactly
the ticks a real host would), and keeps every action. Tests then read ``sim.sent``,
``sim.suppressed``, ``sim.stage`` or the whole ``sim.timeline()``, with times shown in
the customer's zone.

>>> from datetime import datetime, timezone
>>> from journeykit.engine import Engine
>>> from journeykit.journeys import Journey, on_event, send, wait
>>> from journeykit.models import Customer
>>> from journeykit.templates import MessageTemplate, Templates
>>> engine = Engine(
...     journeys=[Journey(id="welcome", trigger=on_event("subscribed"),
...                       steps=[send("hello"), wait("3d"), send("offer")])],
...     templates=Templates(templates={name: {"default": MessageTemplate(
...         subject=name.title(), text="...")} for name in ("hello", "offer")}),
... )
>>> ada = Customer(id="ada", email="ada@example.com", timezone="Europe/Stockholm",
...                created_at=datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc),
...                consent={"email": "opted_in"})
>>> sim = Simulator(engine, ada)
>>> sim.event("subscribed")
>>> sim.advance("3d")
>>> [m.template for m in sim.sent]
['hello', 'offer']
>>> print(sim.timeline())
2026-05-04 10:00 CEST  event subscribed
2026-05-04 10:00 CEST  entered welcome (event subscribed)
2026-05-04 10:00 CEST  sent hello by email to ada@example.com
2026-05-07 10:00 CEST  sent offer by email to ada@example.com
2026-05-07 10:00 CEST  exited welcome: completed
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from journeykit._errors import InvalidInputError, UsageError
from journeykit.engine import (
    Action,
    CustomerState,
    Engine,
    JourneyEntered,
    JourneyExited,
    JourneySkipped,
    MessageSuppressed,
    SendMessage,
    StageChanged,
    StageRecord,
    UpdateCustomer,
)
from journeykit.models import Customer, Event
from journeykit.time import DurationLike, parse_duration, require_aware, shift, zone

__all__ = ["Simulator", "assert_not_sent", "assert_sent"]

#: Ticks one ``advance`` may take before it refuses (a definition that wakes too often).
MAX_TICKS = 100_000


class Simulator:
    """One customer living through an engine, on a clock the test controls.

    ``start`` is when the simulation begins (default: the customer's ``created_at``).
    """

    def __init__(self, engine: Engine, customer: Customer, start: datetime | None = None):
        if not isinstance(engine, Engine):
            raise InvalidInputError(f"engine must be an Engine (got {type(engine).__name__})")
        self.engine = engine
        self.now = require_aware(start, "start") if start is not None else customer.created_at
        self.start = self.now
        """When the simulation began."""
        self.state: CustomerState = engine.start(customer, self.now)
        self.actions: list[Action] = []
        self._events: list[Event] = []
        self._count = 0
        self._tick(self.now)

    # --- driving --------------------------------------------------------------------

    def event(
        self,
        type: str,  # the event's own field name
        properties: Mapping[str, Any] | None = None,
        /,
        *,
        id: str | None = None,  # the event's own field name
        at: datetime | None = None,
        **props: Any,
    ) -> None:
        """Feed an event at the simulator's clock (or ``at``, which may be earlier: a late
        event) with ``properties`` and/or keyword properties."""
        self._count += 1
        when = self.now if at is None else require_aware(at, "at")
        if when > self.now:
            self.advance(when)
        event = Event(
            id=id or f"{self.state.customer.id}-e{self._count}",
            customer_id=self.state.customer.id,
            type=type,
            at=when,
            properties={**(properties or {}), **props},
        )
        self._events.append(event)
        decision = self.engine.handle(self.state, event)
        self.state = decision.state
        self.actions.extend(decision.actions)

    def advance(self, by: DurationLike | datetime) -> None:
        """Move the clock forward by a duration (``"3d"``, calendar days in the customer's
        zone) or to an instant, running every tick due on the way, at ``wake_at``."""
        if isinstance(by, datetime):
            target = require_aware(by, "by")
        else:
            target = shift(self.now, parse_duration(by), self._zone_name())
        if target < self.now:
            raise UsageError(f"advance goes forward only (to {target}, clock at {self.now})")
        for _ in range(MAX_TICKS):
            wake = self.engine.wake_at(self.state)
            if wake is None or wake > target:
                break
            self._tick(max(wake, self.now))
        else:
            raise UsageError(f"more than {MAX_TICKS} ticks before {target}")
        self._tick(target)

    def update_customer(self, **changes: Any) -> None:
        """Change the customer record now, as the host's database would."""
        customer = self.state.customer.model_copy(update=changes)
        decision = self.engine.update_customer(self.state, customer, self.now)
        self.state = decision.state
        self.actions.extend(decision.actions)

    def _tick(self, now: datetime) -> None:
        decision = self.engine.tick(self.state, now)
        self.state = decision.state
        self.actions.extend(decision.actions)
        self.now = now

    # --- reading --------------------------------------------------------------------

    @property
    def sent(self) -> list[SendMessage]:
        """Every message sent so far, in order."""
        return [a for a in self.actions if isinstance(a, SendMessage)]

    @property
    def suppressed(self) -> list[MessageSuppressed]:
        """Every message not sent so far, with its reason."""
        return [a for a in self.actions if isinstance(a, MessageSuppressed)]

    @property
    def stage(self) -> str | None:
        """The customer's current lifecycle stage."""
        return self.state.stage

    @property
    def stage_history(self) -> list[StageRecord]:
        """The stage changes the state remembers (bounded by the policy)."""
        return list(self.state.history)

    @property
    def customer(self) -> Customer:
        """The customer record as the engine now sees it (updates applied)."""
        return self.state.customer

    def timeline(self) -> str:
        """Everything that happened, one line each, in time order, in the customer's zone."""
        entries: list[tuple[datetime, int, str]] = []
        for i, event in enumerate(self._events):
            entries.append((event.at, -len(self._events) + i, f"event {event.type}"))
        for i, action in enumerate(self.actions):
            entries.append((action.at, i, _line(action)))
        tz = zone(self._zone_name())
        lines = []
        for at, _, text in sorted(entries, key=lambda e: (e[0], e[1])):
            local = at.astimezone(tz)
            lines.append(f"{local:%Y-%m-%d %H:%M} {local.tzname()}  {text}")
        return "\n".join(lines)

    def _zone_name(self) -> str:
        return self.state.customer.timezone or self.engine.policy.default_timezone


def _line(action: Action) -> str:
    if isinstance(action, StageChanged):
        return f"stage {action.from_stage or '-'} -> {action.to_stage} ({action.reason})"
    if isinstance(action, JourneyEntered):
        held = ", held out" if action.held_out else ""
        return f"entered {action.journey} ({action.reason}{held})"
    if isinstance(action, JourneyExited):
        detail = f" ({action.detail})" if action.reason != "completed" else ""
        return f"exited {action.journey}: {action.reason}{detail}"
    if isinstance(action, JourneySkipped):
        return f"skipped {action.journey}: {action.detail}"
    if isinstance(action, SendMessage):
        return f"sent {action.template} by {action.channel.value} to {action.to}"
    if isinstance(action, MessageSuppressed):
        detail = f" ({action.detail})" if action.detail else ""
        return f"not sent {action.template} by {action.channel.value}: {action.reason}{detail}"
    if isinstance(action, UpdateCustomer):
        return f"updated customer ({action.step})"
    raise AssertionError(f"unknown action {action!r}")


def _matching(
    sim: Simulator,
    template: str | None,
    channel: str | None,
    journey: str | None,
    after: datetime | None,
    within: DurationLike | None,
) -> tuple[list[SendMessage], str]:
    start = sim.start if after is None else require_aware(after, "after")
    end = None if within is None else shift(start, parse_duration(within), sim._zone_name())
    found = [
        m
        for m in sim.sent
        if (template is None or m.template == template)
        and (channel is None or m.channel.value == channel)
        and (journey is None or m.journey == journey)
        and m.at >= start
        and (end is None or m.at <= end)
    ]
    what = " ".join(
        part
        for part in (
            f"template {template!r}" if template else "a message",
            f"on {channel}" if channel else "",
            f"from journey {journey!r}" if journey else "",
            f"within {within} of {start.isoformat()}" if within is not None else "",
        )
        if part
    )
    return found, what


def assert_sent(
    sim: Simulator,
    *,
    template: str | None = None,
    channel: str | None = None,
    journey: str | None = None,
    within: DurationLike | None = None,
    after: datetime | None = None,
    times: int | None = None,
) -> list[SendMessage]:
    """Assert ``sim`` sent a matching message (``times`` of them, if given) at or after
    ``after`` (default: the simulation's start) and within ``within`` of it; return them.

    The failure message shows what was sent and the whole timeline, in the customer's zone.

    >>> from datetime import datetime, timezone
    >>> from journeykit.engine import Engine
    >>> from journeykit.journeys import Journey, on_event, send
    >>> from journeykit.models import Customer
    >>> from journeykit.templates import MessageTemplate, Templates
    >>> engine = Engine(journeys=[Journey(id="hi", trigger=on_event("signed_up"),
    ...                                  steps=[send("hi", transactional=True)])],
    ...                 templates=Templates(templates={"hi": {"default": MessageTemplate(
    ...                     subject="Hi", text="Hello")}}))
    >>> sim = Simulator(engine, Customer(id="c", email="c@example.com",
    ...                 created_at=datetime(2026, 5, 4, tzinfo=timezone.utc)))
    >>> sim.event("signed_up")
    >>> [m.template for m in assert_sent(sim, template="hi", within="1m")]
    ['hi']
    >>> assert_sent(sim, template="bye")
    Traceback (most recent call last):
      ...
    AssertionError: expected template 'bye' to be sent, but it was not; sent: hi at ...
    <BLANKLINE>
    timeline:
    2026-05-04 00:00 UTC  event signed_up
    ...
    """
    found, what = _matching(sim, template, channel, journey, after, within)
    if not found or (times is not None and len(found) != times):
        count = "" if times is None else f" {times} time{'s' if times != 1 else ''}"
        got = "it was not" if not found else f"it was sent {len(found)} times"
        raise AssertionError(
            f"expected {what} to be sent{count}, but {got}; sent: {_sent_list(sim)}\n\n"
            f"timeline:\n{sim.timeline()}"
        )
    return found


def assert_not_sent(
    sim: Simulator,
    *,
    template: str | None = None,
    channel: str | None = None,
    journey: str | None = None,
    within: DurationLike | None = None,
    after: datetime | None = None,
) -> None:
    """Assert ``sim`` sent no matching message at or after ``after`` (default: the
    simulation's start), within ``within`` of it if given; the failure message shows the
    timeline."""
    found, what = _matching(sim, template, channel, journey, after, within)
    if found:
        when = ", ".join(m.at.isoformat() for m in found)
        raise AssertionError(
            f"expected {what} not to be sent, but it was (at {when})\n\ntimeline:\n{sim.timeline()}"
        )


def _sent_list(sim: Simulator) -> str:
    tz = zone(sim._zone_name())
    if not sim.sent:
        return "nothing"
    return ", ".join(
        f"{m.template} at {m.at.astimezone(tz):%Y-%m-%d %H:%M} {m.at.astimezone(tz).tzname()}"
        for m in sim.sent
    )
