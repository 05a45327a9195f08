"""Customer and Event: what they accept, what they refuse and how they say so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit.errors import InvalidInputError, JourneykitError
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


def only_problem(err: pytest.ExceptionInfo[InvalidInputError]) -> tuple[str, str]:
    [problem] = err.value.problems
    return problem.path, problem.message


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"created_at": datetime(2026, 1, 1)}, "created_at", "must be timezone-aware"),
        ({"timezone": "Europe/Stokholm"}, "timezone", "IANA name"),
        ({"timezone": "../../etc/passwd"}, "timezone", "IANA name"),
        # the machine's own zone is not a customer's zone: one zone rule everywhere
        ({"timezone": "localtime"}, "timezone", "IANA name"),
        ({"timezone": "posixrules"}, "timezone", "IANA name"),
        ({"locale": "english"}, "locale", "BCP 47 tag"),
        ({"locale": "xx-YY"}, "locale", "BCP 47 tag"),
        ({"id": "  "}, "id", "non-empty identifier"),
        ({"id": "x" * 201}, "id", "at most 200 characters"),
        ({"email": "ada.example.com"}, "email", "e-mail address"),
        ({"email": 3}, "email", "valid string (got 3)"),
        ({"phone": "0701234567"}, "phone", "E.164"),
        ({"consent": {"fax": "opted_in"}}, "consent.fax", "'email', 'sms', 'push' or 'in_app'"),
        ({"consent": {"email": "yes"}}, "consent.email", "'opted_in', 'opted_out' or 'unknown'"),
        ({"priorty": 1}, "priorty", "unknown field"),
        ({"attributes": ["vip"]}, "attributes", "must be a mapping"),
    ],
)
def test_bad_customer_data_names_the_field(fields: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        customer(**fields)
    got_path, got_message = only_problem(err)
    assert got_path == path
    assert message in got_message
    assert "Value error" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "attributes.x"),
        ({1, 2}, "attributes.x"),
        (b"x", "attributes.x"),
        (object(), "attributes.x"),
        ({"deep": [1, float("nan")]}, "attributes.x.deep[1]"),
        ({1: "a"}, "attributes.x"),
    ],
)
def test_attribute_values_must_be_json(value: object, path: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        customer(attributes={"x": value})
    assert only_problem(err)[0] == path


def test_deeply_nested_attributes_are_refused_not_a_recursion_error() -> None:
    deep: Any = "leaf"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InvalidInputError, match="nested more than 32 levels"):
        customer(attributes={"x": deep})


def test_every_record_mistake_is_a_journeykit_error() -> None:
    for bad in ({"created_at": "yesterday"}, {"id": None}, {"attributes": None}):
        with pytest.raises(JourneykitError):
            customer(**bad)
    with pytest.raises(InvalidInputError):
        Customer(id="c1")  # type: ignore[call-arg]  # the missing field is the point
    with pytest.raises(InvalidInputError):
        Customer.model_validate_json('{"id": "c1"}')
    with pytest.raises(InvalidInputError):
        Event.model_validate_json("not json")


def test_errors_name_the_public_module() -> None:
    with pytest.raises(InvalidInputError) as err:
        customer(timezone="Nowhere/Land")
    assert type(err.value).__module__ == "journeykit.errors"


def test_customer_normalises_and_defaults() -> None:
    c = customer(locale="sv_se", consent={"email": "opted_in"})
    assert c.locale == "sv-SE"
    assert c.consent_for("email") is ConsentStatus.OPTED_IN
    assert c.consent_for(Channel.SMS) is ConsentStatus.UNKNOWN
    assert c.attributes == {}
    assert not c.suppressed


def test_records_are_immutable() -> None:
    c = customer()
    with pytest.raises(JourneykitError, match="frozen: its 'suppressed' cannot be changed"):
        c.suppressed = True  # type: ignore[misc]  # the point of the test
    with pytest.raises(JourneykitError, match="frozen"):
        del c.email


def test_records_are_immutable_all_the_way_down() -> None:
    c = customer(attributes={"tier": "gold", "tags": ["a"], "address": {"country": "SE"}})
    e = event(
        type="order_placed",
        properties={"value": "10.00", "currency": "EUR", "items": [{"price": "1"}]},
    )
    before = (hash(c), hash(e), c.model_dump_json(), e.model_dump_json())
    attempts = [
        lambda: c.attributes.__setitem__("tier", "silver"),  # type: ignore[index]
        lambda: c.attributes.update(tier="silver"),  # type: ignore[attr-defined]
        lambda: c.attributes.pop("tier"),  # type: ignore[attr-defined]
        lambda: c.attributes["address"].clear(),  # type: ignore[union-attr]
        lambda: c.attributes["tags"].append("b"),  # type: ignore[union-attr]
        lambda: c.consent.__setitem__("email", "opted_in"),  # type: ignore[index]
        lambda: e.properties.__setitem__("value", "-999"),  # type: ignore[index]
        lambda: e.properties["items"][0].__setitem__("price", "0"),  # type: ignore[index]
    ]
    for attempt in attempts:
        with pytest.raises((TypeError, AttributeError)):
            attempt()
    c.attributes.__init__({"tier": "silver"})  # type: ignore[misc]  # a no-op, never a change
    assert (hash(c), hash(e), c.model_dump_json(), e.model_dump_json()) == before


def test_model_copy_validates_like_a_new_model() -> None:
    c = customer(attributes={"tier": "gold"})
    copy = c.model_copy(update={"attributes": {"tags": ["x"]}})
    assert copy.attributes == {"tags": ("x",)}
    with pytest.raises(InvalidInputError) as err:
        c.model_copy(update={"timezone": "Mars/Olympus"})
    assert only_problem(err)[0] == "timezone"


def test_dumps_give_plain_data_back() -> None:
    c = customer(attributes={"tags": ["a"], "address": {"country": "SE"}})
    dumped = c.model_dump()
    assert dumped["attributes"] == {"tags": ["a"], "address": {"country": "SE"}}
    assert type(dumped["attributes"]) is dict
    assert type(dumped["attributes"]["tags"]) is list
    assert Customer.model_validate(dumped) == c


def test_decimal_values_are_accepted_exactly() -> None:
    e = event(type="order_placed", properties={"value": Decimal("499.90"), "currency": "SEK"})
    assert e.properties["value"] == "499.90"
    assert parse_money(e.properties["value"]) == Decimal("499.90")
    assert customer(attributes={"ltv": Decimal("1.10")}).attributes["ltv"] == "1.10"


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"at": datetime(2026, 1, 1)}, "at", "must be timezone-aware"),
        ({"type": "OrderPlaced"}, "type", "must be snake_case"),
        ({"type": "order__placed"}, "type", "must be snake_case"),
        ({"type": "a" * 65}, "type", "at most 64 characters"),
        ({"customer_id": ""}, "customer_id", "non-empty identifier"),
        (
            {"type": "order_placed", "properties": {"value": "-3", "currency": "EUR"}},
            "properties.value",
            "value must be a non-negative decimal",
        ),
        (
            {"type": "order_placed", "properties": {"value": "NaN", "currency": "EUR"}},
            "properties.value",
            "value must be a non-negative decimal",
        ),
        (
            {"type": "order_placed", "properties": {"value": "1e400", "currency": "EUR"}},
            "properties.value",
            "below 10^15",
        ),
        (
            {"type": "order_placed", "properties": {"value": "1" * 30, "currency": "EUR"}},
            "properties.value",
            "below 10^15",
        ),
        (
            {"type": "order_placed", "properties": {"value": "0.1234567", "currency": "EUR"}},
            "properties.value",
            "at most 6 decimal places",
        ),
        (
            {"type": "order_placed", "properties": {"currency": "kronor"}},
            "properties.currency",
            "ISO 4217",
        ),
        (
            {"type": "order_placed", "properties": {"items": [{"quantity": -1}]}},
            "properties.items[0].quantity",
            "must be a non-negative whole number",
        ),
        (
            {"type": "order_placed", "properties": {"items": "mug"}},
            "properties.items",
            "must be a list of objects",
        ),
        (
            {"type": "review_submitted", "properties": {"rating": 6}},
            "properties.rating",
            "from 1 to 5",
        ),
        (
            {"type": "subscribed", "properties": {"channel": "fax"}},
            "properties.channel",
            "must be one of email, sms, push, in_app",
        ),
    ],
)
def test_bad_event_data_names_the_field(fields: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        event(**fields)
    got_path, got_message = only_problem(err)
    assert got_path == path
    assert message in got_message


def test_an_order_value_needs_its_currency() -> None:
    for kind in ("order_placed", "order_refunded", "checkout_started"):
        with pytest.raises(InvalidInputError) as err:
            event(type=kind, properties={"value": "10.00"})
        assert only_problem(err)[0] == "properties.currency"
    event(type="order_placed", properties={"order_id": "o-1"})  # no value: nothing to sum


def test_every_bad_property_is_reported_at_once() -> None:
    with pytest.raises(InvalidInputError) as err:
        event(type="order_placed", properties={"value": "-1", "currency": "kronor"})
    assert [p.path for p in err.value.problems] == ["properties.value", "properties.currency"]


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
    assert parse_money("1e1000000") is None  # would overflow a sum: refused, never summed
    assert parse_money("999999999999999.999999") == Decimal("999999999999999.999999")


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


def test_equal_models_are_the_same_json_true_is_not_one() -> None:
    assert customer(attributes={"vip": True}) != customer(attributes={"vip": 1})
    assert customer(attributes={"vip": [True]}) != customer(attributes={"vip": [1]})
    assert customer(attributes={"vip": 1}) == customer(attributes={"vip": 1})


def test_feedback_scores_and_carts_are_checked() -> None:
    event(type="feedback_submitted", properties={"score": 9, "kind": "nps"})
    for bad, path in (({"score": 11}, "properties.score"), ({"kind": "stars"}, "properties.kind")):
        with pytest.raises(InvalidInputError) as err:
            event(type="feedback_submitted", properties=bad)
        assert only_problem(err)[0] == path
    with pytest.raises(InvalidInputError) as err:
        event(type="added_to_cart", properties={"items": [{"quantity": "two"}]})
    assert only_problem(err)[0] == "properties.items[0].quantity"
