"""The ready-made lifecycle on the timelines marketers describe, and against its own rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit.conditions import facts_spec
from journeykit.errors import DefinitionError
from journeykit.models import Customer, Event
from journeykit.presets import lifecycle
from journeykit.stages import StageMachine

UTC = timezone.utc
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MACHINE = lifecycle()


@dataclass
class Timeline:
    """A customer's life as the host would feed it: events and ticks, in time order."""

    machine: StageMachine
    customer: Customer
    stage: str | None = None
    entered: datetime | None = None
    history: list[tuple[datetime, str]] = field(default_factory=list)
    _n: int = 0

    def __post_init__(self) -> None:
        self.spec = facts_spec(self.machine.conditions())
        self.facts = self.spec.empty()
        self._evaluate(self.customer.created_at)

    def event(self, at: datetime, kind: str, **props: object) -> Timeline:
        self._n += 1
        event = Event(
            id=f"e{self._n}", customer_id=self.customer.id, type=kind, at=at, properties=props
        )  # type: ignore[arg-type]  # JSON values
        self.facts = self.spec.fold(self.facts, event, now=at)
        self._evaluate(at)
        return self

    def tick(self, at: datetime) -> Timeline:
        self._evaluate(at)
        return self

    def consent(self, at: datetime, status: str) -> Timeline:
        data = self.customer.model_dump() | {"consent": {"email": status}}
        self.customer = Customer.model_validate(data)
        self._evaluate(at)
        return self

    def _evaluate(self, now: datetime) -> None:
        for change in self.machine.evaluate(
            self.stage, self.entered, self.customer, self.facts, now
        ):
            self.stage, self.entered = change.to_stage, change.at
            self.history.append((now, change.to_stage))

    @property
    def stages(self) -> list[str]:
        return [stage for _, stage in self.history]


def person(**consent: str) -> Customer:
    return Customer(id="p1", created_at=T0, consent=consent)  # type: ignore[arg-type]  # enum values by name


def test_a_monthly_buyer_who_stops() -> None:
    life = Timeline(MACHINE, person())
    for month in range(6):
        life.event(T0 + month * 30 * DAY, "order_placed", value="40.00", currency="EUR")
    assert life.stages == ["prospect", "first_time", "repeat", "loyal"]
    last = T0 + 150 * DAY
    life.tick(last + 89 * DAY)
    assert life.stage == "loyal"
    life.tick(last + 91 * DAY)
    assert life.stage == "at_risk"
    life.tick(last + 181 * DAY)
    assert life.stage == "lapsed"
    life.tick(last + 366 * DAY)
    assert life.stage == "churned"
    # a new order brings them back; two orders in the last year no longer make them loyal
    life.event(last + 400 * DAY, "order_placed", value="40.00", currency="EUR")
    assert life.history[-1] == (last + 400 * DAY, "repeat")


def test_a_big_spender_is_loyal_on_value_and_a_reviewer_becomes_an_ambassador() -> None:
    life = Timeline(MACHINE, person())
    life.event(T0, "order_placed", value="700.00", currency="EUR")
    life.event(T0 + 10 * DAY, "order_placed", value="400.00", currency="EUR")
    assert life.stage == "loyal"
    life.event(T0 + 12 * DAY, "review_submitted", rating=5)
    assert life.stage == "ambassador"
    life.event(T0 + 13 * DAY, "order_refunded", value="400.00", currency="EUR")
    assert life.stage == "repeat", "net revenue fell below the loyal threshold"


def test_a_subscriber_who_never_buys_is_sunset_and_can_come_back() -> None:
    life = Timeline(MACHINE, person())
    life.event(T0, "signed_up")
    life.consent(T0 + DAY, "opted_in")
    life.event(T0 + DAY, "subscribed", channel="email")
    assert life.stage == "subscriber"
    life.event(T0 + 20 * DAY, "message_opened")
    life.tick(T0 + 190 * DAY)
    assert life.stage == "subscriber", "opened a message within 180 days"
    life.tick(T0 + 201 * DAY)
    assert life.stage == "churned"
    life.event(T0 + 230 * DAY, "message_clicked")
    assert life.stage == "subscriber"
    life.consent(T0 + 231 * DAY, "opted_out")
    assert life.stage == "prospect"
    assert life.stages == ["prospect", "subscriber", "churned", "subscriber", "prospect"]


def test_a_late_order_event_is_placed_by_its_own_time() -> None:
    life = Timeline(MACHINE, person())
    life.event(T0, "order_placed")
    life.tick(T0 + 200 * DAY)
    assert life.stage == "lapsed"
    # the host delivers an order from day 100 only now: the customer is at risk, not lapsed
    life.event(T0 + 100 * DAY, "order_placed")
    life.tick(T0 + 200 * DAY)
    assert life.stage == "at_risk"


def test_thresholds_are_parameters() -> None:
    quick = lifecycle(at_risk_after="30d", lapsed_after="60d", churned_after="120d", loyal_orders=2)
    life = Timeline(quick, person())
    life.event(T0, "order_placed")
    life.event(T0 + 5 * DAY, "order_placed")
    assert life.stage == "loyal"
    life.tick(T0 + 40 * DAY)
    assert life.stage == "at_risk"


def test_unordered_thresholds_are_refused_all_at_once() -> None:
    with pytest.raises(DefinitionError) as info:
        lifecycle(at_risk_after="90d", lapsed_after="60d", churned_after="30d", loyal_orders=1)
    assert [p.path for p in info.value.problems] == [
        "lapsed_after",
        "churned_after",
        "loyal_orders",
    ]


def test_every_stage_says_what_it_means_for_marketing() -> None:
    assert all(stage.description for stage in MACHINE.stages)
    assert "win-back" in MACHINE.stage("lapsed").description


# --- the machine against a direct reading of its rules ----------------------------------


def direct_reading(events: Iterable[Event], opted_in: bool, now: datetime) -> str:
    """The preset's documented rules, read straight off the raw events at ``now``."""
    happened = [e for e in events if e.at <= now]

    def last(kind: str) -> datetime | None:
        times = [e.at for e in happened if e.type == kind]
        return max(times) if times else None

    def within(kind: str, days: int) -> int:
        return sum(1 for e in happened if e.type == kind and e.at >= now - days * DAY)

    def value(kind: str) -> Decimal:
        return sum(
            (Decimal(str(e.properties.get("value", 0))) for e in happened if e.type == kind),
            Decimal(0),
        )

    n = sum(1 for e in happened if e.type == "order_placed")
    quiet = within("message_opened", 180) == 0 and within("message_clicked", 180) == 0
    if n == 0:
        if not opted_in:
            return "prospect"
        subscribed = last("subscribed")
        if subscribed is not None and subscribed < now - 180 * DAY and quiet:
            return "churned"
        return "subscriber"
    last_order = last("order_placed")
    assert last_order is not None
    if last_order < now - 180 * DAY:
        return "churned" if last_order < now - 365 * DAY and quiet else "lapsed"
    if last_order < now - 90 * DAY:
        return "at_risk"
    if n == 1:
        return "first_time"
    loyal = (
        within("order_placed", 365) >= 4 or value("order_placed") - value("order_refunded") >= 1000
    )
    if not loyal:
        return "repeat"
    advocated = any(e.type in ("review_submitted", "referral_made") for e in happened)
    return "ambassador" if advocated else "loyal"


KINDS = (
    "order_placed",
    "order_refunded",
    "subscribed",
    "message_opened",
    "message_clicked",
    "review_submitted",
    "referral_made",
)

moments = st.integers(0, 900).map(lambda d: T0 + d * DAY)


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    out = []
    for i in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(KINDS))
        props: dict[str, object] = {}
        if kind in ("order_placed", "order_refunded"):
            props = {"value": str(draw(st.sampled_from([10, 100, 400, 900]))), "currency": "EUR"}
        out.append(
            Event(id=f"e{i}", customer_id="p1", type=kind, at=draw(moments), properties=props)
        )  # type: ignore[arg-type]  # JSON values
    return out


@given(histories(), st.booleans(), st.lists(moments, max_size=6), st.integers(0, 1000))
def test_the_stage_reached_is_what_the_rules_say(
    events: list[Event], opted_in: bool, ticks: list[datetime], final_day: int
) -> None:
    customer = Customer(
        id="p1", created_at=T0, consent={"email": "opted_in" if opted_in else "unknown"}
    )  # type: ignore[dict-item]  # enum values by name
    now = T0 + final_day * DAY
    life = Timeline(MACHINE, customer)
    # events arrive in time order with ticks in between, as a host would deliver them
    schedule = sorted(
        [(e.at, 0, e) for e in events] + [(t, 1, None) for t in ticks if t <= now],
        key=lambda x: (x[0], x[1]),
    )
    for at, _, event in schedule:
        if at > now:
            break
        if event is None:
            life.tick(at)
        else:
            life.facts = life.spec.fold(life.facts, event, now=at)
            life.tick(at)
    life.tick(now)
    assert life.stage == direct_reading(events, opted_in, now)


def test_the_reference_page_shows_the_diagram_the_preset_draws() -> None:
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "stages.md").read_text()
    assert f"```mermaid\n{MACHINE.to_mermaid()}\n```" in page
    assert f"```text\n{MACHINE.describe()}\n```" in page
