"""Customer and Event: what they accept, what they refuse and how they say so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from journeykit.events import STANDARD_EVENT_TYPES, check_properties, noun, parse_money
from journeykit.models import Channel, ConsentStatus, Customer, Event

UTC = timezone.utc
AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def customer(**fields: Any) -> Customer:
    return Customer.model_validate({"id": "c1", "created_at": AT, **fields})


def event(**fields: Any) -> Event:
    return Event.model_validate(
        {"id": "e1", "customer_id": "c1", "type": "signed_up", "at": AT, **fields}
    )


def only_error(err: pytest.ExceptionInfo[ValidationError]) -> tuple[tuple[Any, ...], str]:
    [error] = err.value.errors()
    return error["loc"], error["msg"]


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        ({"created_at": datetime(2026, 1, 1)}, ("created_at",), "must be timezone-aware"),
        ({"timezone": "Europe/Stokholm"}, ("timezone",), "IANA time zone name"),
        ({"timezone": "../../etc/passwd"}, ("timezone",), "IANA time zone name"),
        ({"locale": "english"}, ("locale",), "BCP 47 tag"),
        ({"locale": "xx-YY"}, ("locale",), "BCP 47 tag"),
        ({"id": "  "}, ("id",), "non-empty identifier"),
        ({"email": "ada.example.com"}, ("email",), "e-mail address"),
        ({"phone": "0701234567"}, ("phone",), "E.164"),
        (
            {"consent": {"fax": "opted_in"}},
            ("consent", "fax", "[key]"),
            "'email', 'sms', 'push' or 'in_app'",
        ),
        (
            {"consent": {"email": "yes"}},
            ("consent", "email"),
            "'opted_in', 'opted_out' or 'unknown'",
        ),
        ({"priorty": 1}, ("priorty",), "Extra inputs are not permitted"),
    ],
)
def test_bad_customer_data_names_the_field(
    fields: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as err:
        customer(**fields)
    got_loc, got_message = only_error(err)
    assert got_loc == loc
    assert message in got_message


@pytest.mark.parametrize(
    "value", [datetime(2026, 1, 1, tzinfo=UTC), {1, 2}, Decimal("1.5"), b"x", object()]
)
def test_attribute_values_must_be_json(value: object) -> None:
    with pytest.raises(ValidationError) as err:
        customer(attributes={"x": value})
    assert err.value.errors()[0]["loc"][:2] == ("attributes", "x")


def test_customer_normalises_and_defaults() -> None:
    c = customer(locale="sv_se", consent={"email": "opted_in"})
    assert c.locale == "sv-SE"
    assert c.consent_for("email") is ConsentStatus.OPTED_IN
    assert c.consent_for(Channel.SMS) is ConsentStatus.UNKNOWN
    assert c.attributes == {}
    assert not c.suppressed


def test_records_are_immutable() -> None:
    c = customer()
    with pytest.raises(ValidationError, match="frozen"):
        c.suppressed = True  # type: ignore[misc]  # the point of the test


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"at": datetime(2026, 1, 1)}, "at\n  Value error, must be timezone-aware"),
        ({"type": "OrderPlaced"}, "must be snake_case"),
        ({"type": "order__placed"}, "must be snake_case"),
        ({"customer_id": ""}, "non-empty identifier"),
        (
            {"type": "order_placed", "properties": {"value": "-3"}},
            "'value' must be a non-negative decimal",
        ),
        (
            {"type": "order_placed", "properties": {"value": "NaN"}},
            "'value' must be a non-negative decimal",
        ),
        ({"type": "order_placed", "properties": {"currency": "kronor"}}, "ISO 4217"),
        (
            {"type": "order_placed", "properties": {"items": [{"quantity": -1}]}},
            "'items[0].quantity' must be a non-negative whole number",
        ),
        ({"type": "order_placed", "properties": {"items": "mug"}}, "must be a list of objects"),
        ({"type": "review_submitted", "properties": {"rating": 6}}, "from 1 to 5"),
        (
            {"type": "subscribed", "properties": {"channel": "fax"}},
            "must be one of email, sms, push, in_app",
        ),
    ],
)
def test_bad_event_data_names_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as err:
        event(**fields)
    assert message in str(err.value)


def test_unknown_event_types_pass_with_free_properties() -> None:
    e = event(type="wishlist_shared", properties={"value": "-3", "anything": [1, {"a": None}]})
    assert e.properties["value"] == "-3"
    assert "wishlist_shared" not in STANDARD_EVENT_TYPES


def test_standard_properties_may_be_absent_or_extended() -> None:
    e = event(
        type="order_placed", properties={"coupon": "SPRING", "value": 12.5, "currency": "EUR"}
    )
    assert e.properties["coupon"] == "SPRING"
    check_properties("order_placed", {})


def test_money_is_read_exactly() -> None:
    assert parse_money("0.10") == Decimal("0.10")
    assert parse_money(0.1) == Decimal("0.1")  # via str(), not the binary float
    assert parse_money("Infinity") is None
    assert parse_money(None) is None


def test_event_types_read_aloud() -> None:
    assert noun("order_placed") == "orders"
    assert noun("review_submitted", plural=False) == "review"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2040, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
)


@given(
    st.text(min_size=1, max_size=8).filter(str.strip),
    aware,
    st.sampled_from([None, "Europe/Stockholm", "America/New_York"]),
    st.sampled_from([None, "sv-SE", "en", "zh-Hant-TW"]),
    st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    st.dictionaries(st.sampled_from(list(Channel)), st.sampled_from(list(ConsentStatus))),
    st.booleans(),
)
def test_customers_round_trip_through_json_exactly(
    cid: str,
    created: datetime,
    zone: str | None,
    locale: str | None,
    attributes: dict[str, Any],
    consent: dict[Channel, ConsentStatus],
    suppressed: bool,
) -> None:
    c = Customer(
        id=cid,
        created_at=created,
        timezone=zone,
        locale=locale,
        attributes=attributes,
        consent=consent,
        suppressed=suppressed,
    )
    assert Customer.model_validate_json(c.model_dump_json()) == c


@given(
    st.sampled_from(["signed_up", "order_placed", "wishlist_shared", "message_opened"]),
    aware,
    st.dictionaries(
        st.sampled_from(["note", "source", "order_id"]), st.text(max_size=5), max_size=3
    ),
)
def test_events_round_trip_through_json_exactly(
    kind: str, at: datetime, properties: dict[str, Any]
) -> None:
    e = Event(id="e1", customer_id="c1", type=kind, at=at, properties=properties)
    again = Event.model_validate_json(e.model_dump_json())
    assert again == e
    assert again.at.utcoffset() == e.at.utcoffset()
