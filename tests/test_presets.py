"""The ready-made lifecycle on the timelines marketers describe, and against its own rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeykit.conditions import facts_spec
from journeykit.errors import DefinitionError
from journeykit.models import Customer, Event
from journeykit.presets import lifecycle
from journeykit.stages import StageMachine

UTC = timezone.utc
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
# each test builds the machine itself (about 4 ms), so what it checks is the machine
# lifecycle() builds while the test runs (a mutation run can then see every change)


@dataclass
class Timeline:
    """A customer's life as the host would feed it: events and ticks, in time order."""

    machine: StageMachine
    customer: Customer
    stage: str | None = None
    entered: datetime | None = None
    history: list[tuple[datetime, str]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)  # the transition of each change
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
            self.customer, self.facts, now, stage=self.stage, entered_at=self.entered
        ):
            self.stage, self.entered = change.to_stage, change.at
            self.history.append((now, change.to_stage))
            self.fired.append(change.transition)

    @property
    def stages(self) -> list[str]:
        return [stage for _, stage in self.history]


def person(**consent: str) -> Customer:
    return Customer(id="p1", created_at=T0, consent=consent)  # type: ignore[arg-type]  # enum values by name


def test_a_monthly_buyer_who_stops() -> None:
    life = Timeline(lifecycle(), person())
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
    life = Timeline(lifecycle(), person())
    life.event(T0, "order_placed", value="700.00", currency="EUR")
    life.event(T0 + 10 * DAY, "order_placed", value="400.00", currency="EUR")
    assert life.stage == "loyal"
    life.event(T0 + 12 * DAY, "review_submitted", rating=5)
    assert life.stage == "ambassador"
    life.event(T0 + 13 * DAY, "order_refunded", value="400.00", currency="EUR")
    assert life.stage == "repeat", "net revenue fell below the loyal threshold"


def test_a_subscriber_who_never_buys_is_sunset_and_can_come_back() -> None:
    life = Timeline(lifecycle(), person())
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
    life = Timeline(lifecycle(), person())
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
    machine = lifecycle()
    assert all(stage.description for stage in machine.stages)
    assert "win-back" in machine.stage("lapsed").description


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
        # consent is the record's (fixed here from creation, when the customer is placed:
        # the sunset clock starts then, or at the latest subscription if later)
        subscribed = last("subscribed")
        started = T0 if subscribed is None else max(T0, subscribed)
        if started < now - 180 * DAY and quiet:
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


@pytest.fixture
def preset() -> StageMachine:
    """The default lifecycle, built once for a test (and its hypothesis examples)."""
    return lifecycle()


# the fixture is an immutable machine: sharing it across examples is what we want
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=histories(),
    opted_in=st.booleans(),
    ticks=st.lists(moments, max_size=6),
    final_day=st.integers(0, 1000),
)
def test_the_stage_reached_is_what_the_rules_say(
    preset: StageMachine,
    events: list[Event],
    opted_in: bool,
    ticks: list[datetime],
    final_day: int,
) -> None:
    customer = Customer(
        id="p1", created_at=T0, consent={"email": "opted_in" if opted_in else "unknown"}
    )  # type: ignore[dict-item]  # enum values by name
    now = T0 + final_day * DAY
    life = Timeline(preset, customer)
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
    machine = lifecycle()
    assert f"```mermaid\n{machine.to_mermaid()}\n```" in page
    assert f"```text\n{machine.describe()}\n```" in page


# --- where consent and subscription time come from -------------------------------------


def test_a_subscriber_with_no_subscribed_event_is_sunset_after_the_quiet_period() -> None:
    # created opted in: placed in `subscriber` at creation; the sunset clock starts then
    life = Timeline(lifecycle(), person(email="opted_in"))
    assert life.stage == "subscriber"
    life.tick(T0 + 179 * DAY)
    assert life.stage == "subscriber"
    life.tick(T0 + 181 * DAY)
    assert life.stage == "churned"
    life.tick(T0 + 800 * DAY)
    assert life.stages == ["prospect", "subscriber", "churned"]


def test_a_later_subscribed_event_restarts_the_sunset_clock() -> None:
    life = Timeline(lifecycle(), person(email="opted_in"))
    life.event(T0 + 100 * DAY, "subscribed", channel="email")
    life.tick(T0 + 181 * DAY)
    assert life.stage == "subscriber", "subscribed again 81 days ago"
    life.tick(T0 + 279 * DAY)
    assert life.stage == "subscriber"
    life.tick(T0 + 281 * DAY)
    assert life.stage == "churned"


def test_an_old_subscription_does_not_sunset_a_customer_who_opts_in_again() -> None:
    life = Timeline(lifecycle(), person())
    life.consent(T0, "opted_in")
    life.event(T0, "subscribed", channel="email")
    life.consent(T0 + 10 * DAY, "opted_out")
    assert life.stage == "prospect"
    # back a year later, the record updated but no new `subscribed` event sent
    life.consent(T0 + 400 * DAY, "opted_in")
    assert life.stage == "subscriber"
    life.tick(T0 + 579 * DAY)
    assert life.stage == "subscriber"
    life.tick(T0 + 581 * DAY)
    assert life.stage == "churned"


def test_consent_is_the_records_and_an_unsubscribed_event_alone_changes_nothing() -> None:
    life = Timeline(lifecycle(), person(email="opted_in"))
    life.event(T0 + 5 * DAY, "unsubscribed", channel="email")
    assert life.stage == "subscriber", "the host updates the record on unsubscribed"
    life.consent(T0 + 5 * DAY, "opted_out")
    assert life.stage == "prospect"
    assert life.stages == ["prospect", "subscriber", "prospect"]


# --- parameters refused, each named --------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "paths"),
    [
        ({"at_risk_after": "0d"}, ["at_risk_after"]),
        ({"at_risk_after": "-30d", "lapsed_after": "-10d"}, ["at_risk_after", "lapsed_after"]),
        ({"sunset_after": "-1mo"}, ["sunset_after"]),
        ({"loyal_window": "0d"}, ["loyal_window"]),
        ({"sunset_after": "soon"}, ["sunset_after"]),
        ({"loyal_orders": True}, ["loyal_orders"]),
        ({"loyal_orders": 2.5}, ["loyal_orders"]),
        ({"loyal_revenue": 0}, ["loyal_revenue"]),
        ({"loyal_revenue": "-5"}, ["loyal_revenue"]),
        ({"loyal_revenue": "NaN"}, ["loyal_revenue"]),
        ({"loyal_revenue": "lots"}, ["loyal_revenue"]),
        ({"loyal_revenue": True}, ["loyal_revenue"]),
        ({"opt_in_channels": ()}, ["opt_in_channels"]),
        ({"opt_in_channels": "email"}, ["opt_in_channels"]),
        ({"opt_in_channels": ("email", "fax")}, ["opt_in_channels[1]"]),
        ({"opt_in_channels": ("email", "email")}, ["opt_in_channels[1]"]),
        ({"engagement_events": "message_opened"}, ["engagement_events"]),
        ({"engagement_events": ("message_opened", "")}, ["engagement_events[1]"]),
        ({"subscribe_event": ""}, ["subscribe_event"]),
    ],
)
def test_bad_parameters_are_refused_naming_each_one(
    kwargs: dict[str, object], paths: list[str]
) -> None:
    with pytest.raises(DefinitionError) as info:
        lifecycle(**kwargs)  # type: ignore[arg-type]  # wrong on purpose
    assert [p.path for p in info.value.problems] == paths


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(DefinitionError) as info:
        lifecycle(sunset_after="0d", loyal_revenue=-1, opt_in_channels=(), loyal_orders=1)
    assert [p.path for p in info.value.problems] == [
        "sunset_after",
        "loyal_orders",
        "loyal_revenue",
        "opt_in_channels",
    ]


def test_no_engagement_events_means_silence_is_judged_by_time_alone() -> None:
    machine = lifecycle(engagement_events=())
    life = Timeline(machine, person(email="opted_in"))
    life.event(T0 + 10 * DAY, "message_opened")
    life.tick(T0 + 181 * DAY)
    assert life.stage == "churned"


def test_each_refusal_says_what_the_parameter_must_be() -> None:
    with pytest.raises(DefinitionError) as info:
        lifecycle(
            loyal_revenue=1000.5,  # type: ignore[arg-type]  # a float: money is exact
            opt_in_channels="email",
            engagement_events=("message_opened", "message_opened"),
        )
    assert [str(p) for p in info.value.problems] == [
        "loyal_revenue: must be a positive amount such as 1000, or None to ignore value "
        "(got 1000.5)",
        "opt_in_channels: must be a list or tuple of names, such as ('email',)",
        "engagement_events[1]: 'message_opened' is listed twice",
    ]
    with pytest.raises(DefinitionError) as info:
        lifecycle(opt_in_channels=("fax",), engagement_events=())
    assert [str(p) for p in info.value.problems] == [
        "opt_in_channels[0]: unknown channel 'fax'; choose from 'email', 'sms', 'push', 'in_app'"
    ]
    with pytest.raises(DefinitionError) as info:
        lifecycle(opt_in_channels=[])
    assert [str(p) for p in info.value.problems] == [
        "opt_in_channels: must name at least one; with none the transition would read 'never'"
    ]


def test_churn_comes_after_the_full_period_not_at_it() -> None:
    life = Timeline(lifecycle(), person())
    life.event(T0, "order_placed")
    life.tick(T0 + 365 * DAY)
    assert life.stage == "lapsed"
    life.tick(T0 + 365 * DAY + timedelta(seconds=1))
    assert life.stage == "churned"


def test_history_names_each_way_back_by_its_id() -> None:
    life = Timeline(lifecycle(), person())
    life.event(T0, "order_placed")
    life.event(T0 + 5 * DAY, "order_placed")
    life.tick(T0 + 100 * DAY)
    life.event(T0 + 101 * DAY, "order_placed")
    assert life.fired[-2:] == [
        "first_time|repeat|loyal|ambassador->at_risk",
        "at_risk->repeat (ordered again)",
    ]
    life.tick(T0 + 800 * DAY)
    assert life.stage == "churned"
    life.event(T0 + 801 * DAY, "message_opened")
    assert (life.stage, life.fired[-1]) == ("lapsed", "churned->lapsed (re-engaged)")
    life.event(T0 + 802 * DAY, "order_placed")
    assert (life.stage, life.fired[-1]) == ("repeat", "lapsed->repeat (ordered again)")


def test_one_review_or_one_referral_makes_a_loyal_customer_an_ambassador() -> None:
    for kind in ("review_submitted", "referral_made"):
        life = Timeline(lifecycle(), person())
        life.event(T0, "order_placed", value="700.00", currency="EUR")
        life.event(T0 + DAY, "order_placed", value="400.00", currency="EUR")
        assert life.stage == "loyal"
        life.event(T0 + 2 * DAY, kind)
        assert life.stage == "ambassador", kind


def test_a_churned_never_buyer_comes_back_on_engagement_alone() -> None:
    life = Timeline(lifecycle(), person(email="opted_in"))
    life.tick(T0 + 200 * DAY)
    assert life.stage == "churned"
    life.event(T0 + 210 * DAY, "message_opened")
    assert life.stage == "subscriber"
    life.tick(T0 + 389 * DAY)
    assert life.stage == "subscriber"
    life.tick(T0 + 391 * DAY)
    assert life.stage == "churned"
    life.event(T0 + 400 * DAY, "subscribed", channel="email")  # a new subscription alone
    assert life.stage == "subscriber"


def test_long_values_are_quoted_short_in_refusals() -> None:
    long = "x" * 100
    with pytest.raises(DefinitionError) as info:
        lifecycle(
            loyal_revenue=long,
            opt_in_channels=long,
            engagement_events=(long, long),
        )
    cut = repr(long)[:59] + "…"
    assert [p.message for p in info.value.problems] == [
        f"must be a positive amount such as 1000, or None to ignore value (got {cut})",
        f"must be a list or tuple of names, such as ({cut},)",
        f"{cut} is listed twice",
    ]
    with pytest.raises(DefinitionError) as info:
        lifecycle(opt_in_channels=(long,))
    assert info.value.problems[0].message.startswith(f"unknown channel {cut}; choose from")


def test_a_customer_pinned_at_risk_who_orders_for_the_first_time_is_a_first_timer() -> None:
    # an operator may pin a stage by hand; the way back still names its transition
    machine = lifecycle()
    life = Timeline(machine, person())
    order = Event(id="o1", customer_id="p1", type="order_placed", at=T0 + DAY)
    facts = life.spec.fold(life.facts, order, now=order.at)
    [back] = machine.evaluate(life.customer, facts, order.at, stage="at_risk", entered_at=T0)
    assert (back.to_stage, back.transition) == ("first_time", "at_risk->first_time (ordered again)")


def test_without_a_revenue_rule_loyalty_is_described_by_orders_alone() -> None:
    assert lifecycle(loyal_revenue=None).stage("loyal").description == (
        "Frequent and recent (4+ orders in 365 days): VIP treatment."
    )
