"""The ready-made programme, told as a marketer would tell it."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from journeykit import presets
from journeykit.engine import Engine, JourneyExited, UpdateCustomer
from journeykit.models import Customer
from journeykit.templates import MessageTemplate, Templates
from journeykit.testing import Simulator

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Stockholm
GOLDEN = Path(__file__).parent / "golden"


@cache
def engine() -> Engine:
    return presets.engine(shop_name="Kaffeboden", shop_url="https://kaffe.example", currency="SEK")


def ada(**fields: Any) -> Customer:
    data: dict[str, Any] = {
        "id": "ada",
        "email": "ada@example.com",
        "timezone": "Europe/Stockholm",
        "locale": "sv-SE",
        "created_at": START,
        "consent": {"email": "opted_in"},
        "attributes": {"first_name": "Ada"},
    }
    data.update(fields)
    return Customer.model_validate(data)


def order(sim: Simulator, value: str = "249.00") -> None:
    sim.event("order_placed", order_id=f"A-{len(sim.actions)}", value=value, currency="SEK")


def templates_sent(sim: Simulator) -> list[str]:
    return [m.template for m in sim.sent]


def test_every_ready_made_message_passes_validation_in_both_languages() -> None:
    registry = presets.templates()
    assert registry.problems() == []
    for name, variants in registry.templates.items():
        assert set(variants) == {"default", "sv"}, name
        for message in variants.values():
            assert all((message.subject, message.preheader, message.text, message.html))


def test_a_new_subscriber_gets_the_welcome_at_once_and_the_offer_later() -> None:
    sim = Simulator(engine(), ada())
    sim.event("subscribed", channel="email")
    assert templates_sent(sim) == ["welcome"]
    assert sim.sent[0].message.subject == "Välkommen till Kaffeboden"
    sim.advance("3d")
    assert templates_sent(sim) == ["welcome", "welcome_offer"]
    assert "WELCOME10" in (sim.sent[1].message.text or "")


def test_a_subscriber_who_orders_gets_no_offer() -> None:
    sim = Simulator(engine(), ada())
    sim.event("subscribed", channel="email")
    sim.advance("1d")
    order(sim)
    sim.advance("5d")
    assert "welcome_offer" not in templates_sent(sim)


def test_a_cart_reminder_goes_after_the_delay_and_none_after_a_purchase() -> None:
    cart = [{"product_id": "p1", "name": "Kaffekanna", "quantity": 1, "price": "349.00"}]
    sim = Simulator(engine(), ada())
    sim.event("added_to_cart", product_id="p1", name="Kaffekanna", items=cart, currency="SEK")
    sim.advance("59m")
    assert "cart_abandonment" not in templates_sent(sim)
    sim.advance("1m")
    assert templates_sent(sim)[-1] == "cart_abandonment"
    assert "Kaffekanna" in (sim.sent[-1].message.html or "")
    sim.advance("1d")
    assert templates_sent(sim)[-1] == "cart_abandonment_last"
    assert "CART10" in (sim.sent[-1].message.text or "")

    buyer = Simulator(engine(), ada())
    buyer.event("added_to_cart", product_id="p1", items=cart, currency="SEK")
    buyer.advance("30m")
    order(buyer)
    buyer.advance("3d")
    assert not any(t.startswith("cart") for t in templates_sent(buyer))


def lapse(value: str, **attributes: Any) -> Simulator:
    sim = Simulator(engine(), ada(attributes={"first_name": "Ada", **attributes}))
    order(sim, value)
    sim.advance("200d")
    return sim


def discount(sim: Simulator) -> int:
    [offer] = [m for m in sim.sent if m.template == "win_back"]
    return int(offer.step.split("_")[1])


def test_a_lapsed_high_value_customer_is_offered_more_than_a_low_value_one() -> None:
    assert discount(lapse("9000.00")) > discount(lapse("100.00"))
    # a predicted value from an analytics batch run stands in when the host stores one
    assert discount(lapse("100.00", predicted_value=5000)) > discount(lapse("100.00"))


def test_a_silent_subscriber_is_asked_before_being_opted_out() -> None:
    sim = Simulator(engine(), ada())
    sim.event("subscribed", channel="email")
    sim.advance("400d")
    sent = templates_sent(sim)
    assert "sunset" in sent
    asked = next(m.at for m in sim.sent if m.template == "sunset")
    [update] = [a for a in sim.actions if isinstance(a, UpdateCustomer)]
    assert update.at > asked
    assert sim.customer.consent_for("email").value == "opted_out"

    clicker = Simulator(engine(), ada())
    clicker.event("subscribed", channel="email")
    clicker.advance("190d")
    clicker.event("message_clicked", journey="sunset")
    clicker.advance("30d")
    assert clicker.customer.consent_for("email").value == "opted_in"


def test_nobody_is_opted_out_without_being_asked() -> None:
    sim = Simulator(engine(), ada(email=None))  # the question cannot be sent
    sim.event("subscribed", channel="email")
    sim.advance("400d")
    assert sim.customer.consent_for("email").value == "opted_in"
    assert any(isinstance(a, JourneyExited) and a.journey == "sunset" for a in sim.actions)


def test_a_detractor_is_flagged_for_service_and_gets_no_referral_ask() -> None:
    loyal = Simulator(engine(), ada())
    for _ in range(4):
        order(loyal)
        loyal.advance("10d")
    assert loyal.stage == "loyal"
    assert templates_sent(loyal).count("ambassador_early_access") == 1
    loyal.event("feedback_submitted", score=3, kind="nps")
    loyal.advance("60d")
    sent = templates_sent(loyal)
    assert "feedback_detractor" in sent
    assert "ambassador_referral" not in sent
    assert loyal.customer.attributes["needs_follow_up"] is True

    fan = Simulator(engine(), ada())
    order(fan)
    fan.event("feedback_submitted", score=10, kind="nps")
    fan.advance("5d")
    assert "feedback_promoter_referral" in templates_sent(fan)


def test_an_unsubscribed_customer_gets_only_the_transactional_thank_you() -> None:
    sim = Simulator(engine(), ada(consent={"email": "opted_out"}))
    order(sim)
    sim.advance("30d")
    assert templates_sent(sim) == ["post_purchase_thanks"]
    assert {s.reason for s in sim.suppressed} == {"no_consent"}


def test_a_send_due_in_the_night_goes_at_eight_local_time_also_across_dst() -> None:
    night = datetime(2026, 3, 28, 22, 30, tzinfo=STOCKHOLM)  # summer time begins at 02:00
    sim = Simulator(engine(), ada(created_at=night), start=night)
    sim.event("subscribed", channel="email")
    assert templates_sent(sim) == []
    sim.advance("12h")
    assert sim.sent[0].at == datetime(2026, 3, 29, 8, 0, tzinfo=STOCKHOLM)


def test_a_repeated_event_changes_nothing() -> None:
    sim = Simulator(engine(), ada())
    sim.event("subscribed", id="evt-1", channel="email")
    before = (sim.state, len(sim.actions))
    sim.event("subscribed", id="evt-1", channel="email")
    assert (sim.state, len(sim.actions)) == before


def test_a_host_replaces_a_message_by_name_without_touching_the_journeys() -> None:
    own = Templates(
        templates={
            "welcome": {
                "default": MessageTemplate(
                    subject="Hej från oss", text="Välkommen!", html="<p>Välkommen!</p>"
                )
            }
        }
    )
    shop = presets.engine(templates_override=own, only=["welcome"])
    sim = Simulator(shop, ada())
    sim.event("subscribed", channel="email")
    assert sim.sent[0].message.subject == "Hej från oss"


def test_the_birthday_greeting_comes_at_nine_local_time() -> None:
    sim = Simulator(engine(), ada(attributes={"first_name": "Ada", "birthday": "1990-03-10"}))
    sim.advance("10d")
    [greeting] = [m for m in sim.sent if m.template == "birthday"]
    assert greeting.at == datetime(2026, 3, 10, 9, 0, tzinfo=STOCKHOLM)


def test_bad_settings_name_what_to_fix() -> None:
    from journeykit.errors import DefinitionError

    with pytest.raises(DefinitionError) as info:
        presets.engine(only=["welcom"], settings={"cart": {}})
    assert [p.path for p in info.value.problems] == ["only[0]", "settings.cart"]
    with pytest.raises(DefinitionError, match="reminders"):
        presets.cart_abandonment(reminders=5)


def a_year_of(sim: Simulator) -> None:
    """Subscribe, browse, fill a cart, order, order again, go quiet, come back."""
    sim.event("subscribed", channel="email")
    sim.advance("2d")
    sim.event("product_viewed", product_id="p7", name="Bryggare", url="https://kaffe.example/p7")
    sim.advance("5h")
    cart = [{"product_id": "p7", "name": "Bryggare", "quantity": 1, "price": "899.00"}]
    sim.event("added_to_cart", product_id="p7", name="Bryggare", items=cart, currency="SEK")
    sim.advance("3h")
    order(sim, "899.00")
    sim.advance("20d")
    sim.event("feedback_submitted", score=9, kind="nps")
    sim.advance("40d")
    order(sim, "129.00")
    sim.advance("200d")
    order(sim, "349.00")
    sim.advance("40d")


def test_a_year_of_a_realistic_customer_matches_the_reviewed_timeline() -> None:
    sim = Simulator(engine(), ada(attributes={"first_name": "Ada", "birthday": "1988-06-21"}))
    a_year_of(sim)
    timeline = sim.timeline() + "\n"
    golden = GOLDEN / "a_year_of_ada.txt"
    if os.environ.get("JOURNEYKIT_REGENERATE_GOLDEN"):
        golden.write_text(timeline, encoding="utf-8")
    assert timeline == golden.read_text(encoding="utf-8"), (
        "the timeline changed: review the difference, then regenerate with "
        "JOURNEYKIT_REGENERATE_GOLDEN=1"
    )


def test_the_newsletter_goes_to_engaged_opted_in_customers_outside_sales_journeys() -> None:
    e = engine()
    sim = Simulator(e, ada(), start=START)
    sim.event("subscribed")
    assert presets.newsletter_eligible(e, sim.state, sim.now)  # subscribed lately
    sim.event("added_to_cart", items=[{"product_id": "mug", "name": "Mug", "price": "149.00"}])
    assert not presets.newsletter_eligible(e, sim.state, sim.now)  # a cart reminder is due
    order(sim)
    sim.advance("30d")
    assert presets.newsletter_eligible(e, sim.state, sim.now)
    sim.advance("200d")  # silent since subscribing: no longer engaged
    assert not presets.newsletter_eligible(e, sim.state, sim.now)
    sim.event("message_opened")
    assert presets.newsletter_eligible(e, sim.state, sim.now)

    quiet = Simulator(e, ada(id="bo", consent={"email": "unknown"}), start=START)
    quiet.event("subscribed")
    assert not presets.newsletter_eligible(e, quiet.state, quiet.now)  # no consent


def test_the_newsletter_condition_is_a_condition_a_host_can_store_as_a_segment() -> None:
    condition = presets.newsletter_condition(engaged_within="90d")
    e = presets.engine(
        shop_name="Kaffeboden",
        shop_url="https://kaffe.example",
        currency="SEK",
    )
    with_segment = Engine.from_definitions(
        e.definitions.model_copy(update={"segments": {"newsletter": condition}})
    )
    sim = Simulator(with_segment, ada(), start=START)
    sim.event("subscribed")
    assert with_segment.in_segment(sim.state, "newsletter", sim.now)
    sim.advance("91d")
    assert not with_segment.in_segment(sim.state, "newsletter", sim.now)
