"""The filters' behaviours, pinned: jinja2's that journeykit keeps, tojson and format, and
the filters a host adds."""

from __future__ import annotations

import json
import pickle
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from journeykit import DefinitionError
from journeykit.templates import (
    MessageTemplate,
    MissingVariableError,
    TemplateError,
    TemplateLimitError,
    TemplateLimits,
    Templates,
    TemplateSecurityError,
)
from tests.template_support import unchecked

UTC = timezone.utc


class HostObject:
    """Something a host might put in a context by mistake: not plain data."""

    name = "Mug"


def text(
    source: str,
    context: dict[str, Any] | None = None,
    *,
    locale: str | None = None,
    **settings: Any,
) -> str:
    message = unchecked(source, **settings).render("probe", context or {}, locale=locale)
    result = message.html if settings.get("part") == "html" else message.text
    assert result is not None
    return result


def fails(source: str, context: dict[str, Any] | None = None, **settings: Any) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        unchecked(source, **settings).render("probe", context or {})
    return caught.value


# --------------------------------------------------------------------------- truncate


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 'hello big world' | truncate(9) }}", "hello..."),
        ("{{ 'hello big world' | truncate(9, true) }}", "hello ..."),
        ("{{ 'hello world' | truncate(9) }}", "hello world"),  # within the leeway of 5
        ("{{ 'hello world' | truncate(9, false, '…', 0) }}", "hello…"),
        ("{{ 'hello big world' | truncate(9, true, '…', 0) }}", "hello bi…"),
        ("{{ 'hello big world' | truncate(9, end='!') }}", "hello!"),
        ("{{ 'short' | truncate }}", "short"),
    ],
)
def test_truncate_with_one_or_more_arguments(source: str, expected: str) -> None:
    assert text(source) == expected


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ 'abc' | truncate('x') }}", "|truncate's length must be a whole number, got text"),
        ("{{ 'abc' | truncate(2, true, 5) }}", "|truncate's end must be text, got a number"),
        ("{{ 'abc' | truncate(2, end=none) }}", "|truncate's end must be text, got none"),
        ("{{ items | truncate(2) }}", "cannot apply |truncate to a list as text"),
    ],
)
def test_truncate_refuses_arguments_of_the_wrong_kind(source: str, says: str) -> None:
    error = fails(source, {"items": [1, 2]})
    assert type(error) is TemplateError
    assert error.reason.startswith(says)


# --------------------------------------------------------------------------- join

ITEMS = [
    {"name": "b", "user": {"name": "u1"}, "n": 2},
    {"name": "a", "user": {"name": "u2"}, "n": 1},
]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ items | join(', ', attribute='name') }}", "b, a"),
        ("{{ items | join(attribute='user.name') }}", "u1u2"),
        ("{{ items | join('-', 'n') }}", "2-1"),
        ("{{ [['x', 'y'], ['z']] | join(',', 0) }}", "x,z"),
        ("{{ ['<', '>'] | join('&') }}", "<&>"),
    ],
)
def test_join_with_an_attribute(source: str, expected: str) -> None:
    assert text(source, {"items": ITEMS}) == expected


def test_join_escapes_items_and_separator_in_html() -> None:
    assert text("{{ ['<', '>'] | join('&') }}", part="html") == "&lt;&amp;&gt;"
    assert text("{{ ['<b>' | e, 'x'] | join('<br>') }}", part="html") == "&lt;b&gt;&lt;br&gt;x"


def test_join_with_a_missing_attribute_is_missing_data() -> None:
    error = fails("{{ items | join(', ', attribute='nope') }}", {"items": ITEMS})
    assert type(error) is MissingVariableError
    assert error.reason == "'nope' is undefined"
    message = unchecked("{{ items | join(attribute='nope') }}", missing="lenient").render(
        "probe", {"items": ITEMS}
    )
    assert (message.text, len(message.warnings)) == ("", 1)


def test_join_refuses_items_that_are_not_text() -> None:
    assert type(fails("{{ [[1], [2]] | join }}")) is TemplateError
    assert type(fails("{{ [f] | join }}", {"f": print})) is TemplateSecurityError


# --------------------------------------------------------------------------- list filters

LIST_FILTERS = [
    "batch(2)",
    "dictsort",
    "first",
    "groupby('x')",
    "items",
    "join",
    "last",
    "length",
    "count",
    "list",
    "map('upper')",
    "max",
    "min",
    "reject",
    "rejectattr('x')",
    "reverse",
    "select",
    "selectattr('x')",
    "slice(2)",
    "sort",
    "sum",
    "unique",
]


@pytest.mark.parametrize("call", LIST_FILTERS)
def test_list_filters_on_none_are_template_errors(call: str) -> None:
    error = fails("{{ value | " + call + " }}", {"value": None})
    assert type(error) is TemplateError
    name = call.split("(")[0]
    assert error.reason == f"|{name} needs a list, got none"


@pytest.mark.parametrize("call", LIST_FILTERS)
def test_list_filters_on_a_number_are_template_errors(call: str) -> None:
    error = fails("{{ value | " + call + " }}", {"value": 5})
    assert type(error) is TemplateError
    assert error.reason == f"|{call.split('(')[0]} needs a list, got a number"


@pytest.mark.parametrize("call", LIST_FILTERS)
def test_list_filters_on_host_objects_are_security_errors(call: str) -> None:
    error = fails("{{ value | " + call + " }}", {"value": HostObject()})
    assert type(error) is TemplateSecurityError
    assert error.reason == f"cannot apply |{call.split('(')[0]} to a HostObject object"


def test_list_filters_on_undefined_values_are_missing_data() -> None:
    assert type(fails("{{ nope | sort | first }}")) is MissingVariableError


def test_sorting_text_without_case_counts_the_lower_case_copies() -> None:
    # unique, sort, max, min, dictsort and groupby lower-case every text item first
    source = "{% set l = ['A' * 100000] * 10 %}{{ l | unique | list | length }}"
    limits = TemplateLimits(max_output_chars=100_000)  # 800,000 may be built
    assert "along the way" in str(fails(source, limits=limits))
    sensitive = source.replace("unique", "unique(true)")
    assert text(sensitive, limits=limits) == "1"


# --------------------------------------------------------------------------- urlencode


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a b&c", "a%20b%26c"),
        ({"q": "a b", "n": 2}, "q=a+b&n=2"),
        ([("q", "x y"), ("p", 1)], "q=x+y&p=1"),
        ({"å": "ä"}, "%C3%A5=%C3%A4"),
    ],
)
def test_urlencode_takes_text_mappings_and_pairs(value: Any, expected: str) -> None:
    assert text("{{ value | urlencode }}", {"value": value}) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"a": [1, 2]}, "nested lists and mappings cannot be encoded"),
        ({"a": {"b": 1}}, "nested lists and mappings cannot be encoded"),
        ([("a", ("b", "c"))], "nested lists and mappings cannot be encoded"),
        (["a", "b"], "a list of (name, value) pairs; got an item that is text"),
        ([("a", "b", "c")], "got an item that is a list"),
        (5, "|urlencode needs text or a mapping, got a number"),
    ],
)
def test_urlencode_refuses_anything_nested_deeper_than_pairs(value: Any, says: str) -> None:
    error = fails("{{ value | urlencode }}", {"value": value})
    assert type(error) is TemplateError
    assert says in error.reason


def test_urlencode_on_a_cyclic_list_is_refused_without_recursing() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    error = fails("{{ value | urlencode }}", {"value": cyclic})
    assert type(error) is TemplateError
    assert "got an item that is a list" in error.reason
    pairs: list[Any] = [("a", "b")]
    pairs.append(pairs)
    assert "cannot be encoded" in fails("{{ v | urlencode }}", {"v": pairs}).reason
    for source in ("{{ v == v }}", "{{ v | tojson }}", "{{ v | list | length }}"):
        assert type(fails(source, {"v": cyclic})) is TemplateLimitError


def test_urlencode_refuses_before_allocating_a_too_long_result() -> None:
    error = fails("{{ value | urlencode }}", {"value": {"a": "x" * 200_000}})
    assert type(error) is TemplateLimitError
    assert "|urlencode would produce about 600005 characters" in error.reason
    non_ascii = fails("{{ value | urlencode }}", {"value": "å" * 50_000})
    assert "about 600001 characters" in non_ascii.reason


# --------------------------------------------------------------------------- plural


@pytest.mark.parametrize("value", [True, False])
def test_plural_on_a_boolean_is_refused(value: bool) -> None:
    error = fails("{{ value | plural('item', 'items') }}", {"value": value})
    assert type(error) is TemplateError
    assert error.reason == "|plural needs a number, got a boolean"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "item"),
        (0, "items"),
        (2, "items"),
        ("1", "item"),
        (Decimal("1"), "item"),
        (1.5, "items"),
    ],
)
def test_plural_takes_numbers_and_numeric_text(value: Any, expected: str) -> None:
    assert text("{{ value | plural('item', 'items') }}", {"value": value}) == expected


def test_plural_refuses_numbers_too_large_to_classify() -> None:
    for value in (10**30, Decimal("1e370000"), "1e400"):
        assert "too large" in fails("{{ v | plural('a', 'b') }}", {"v": value}).reason


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("name", ["date", "time"])
def test_a_format_babel_cannot_use_is_named(name: str) -> None:
    value = datetime(2024, 1, 1, tzinfo=UTC) if name == "time" else date(2024, 1, 1)
    error = fails("{{ value | " + name + "('ultra') }}", {"value": value})
    assert error.reason.startswith(f"|{name}: 'ultra' is not a {name} format; use short, medium")


# --------------------------------------------------------------------------- tojson


def test_tojson_writes_plain_data_sorted_and_safe_in_html() -> None:
    value = {
        "b": [1, 2.5, None, True],
        "a": "<script>&'",
        "price": Decimal("9.90"),
        "at": datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
        "day": date(2024, 1, 2),
    }
    expected = (
        '{"a": "\\u003cscript\\u003e\\u0026\\u0027", "at": "2024-01-02T03:04:00+00:00",'
        ' "b": [1, 2.5, null, true], "day": "2024-01-02", "price": "9.90"}'
    )
    assert text("{{ value | tojson }}", {"value": value}) == expected
    assert text("<script>x = {{ value | tojson }}</script>", {"value": value}, part="html") == (
        f"<script>x = {expected}</script>"
    )
    assert json.loads(expected)["a"] == "<script>&'"
    assert text("{{ [1] | tojson(2) }}") == "[\n  1\n]"


@pytest.mark.parametrize(
    ("value", "error", "says"),
    [
        ({1, 2}, TemplateError, "a set has no order"),
        ({1: "x"}, TemplateError, "mapping keys must be text"),
        (float("nan"), TemplateError, "not finite"),
        (HostObject(), TemplateSecurityError, "cannot apply |tojson to a HostObject object"),
        ([print], TemplateSecurityError, "cannot apply |tojson to a function or method"),
    ],
)
def test_tojson_refuses_what_is_not_plain_data(value: Any, error: type, says: str) -> None:
    failure = fails("{{ value | tojson }}", {"value": value})
    assert type(failure) is error
    assert says in failure.reason


def test_tojson_bounds_its_indent_and_its_output() -> None:
    assert "between 0 and 8" in fails("{{ [1] | tojson(9) }}").reason
    error = fails("{{ value | tojson }}", {"value": ["x" * 100_000]})
    assert type(error) is TemplateLimitError
    assert "|tojson would produce about" in error.reason


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
        max_leaves=10,
    )
)
def test_tojson_round_trips_plain_data(value: Any) -> None:
    written = text("{{ value | tojson }}", {"value": value})
    assert json.loads(written) == value
    assert not set(written) & set("<>&'")


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ '%s: %.2f' | format(name, 3.14159) }}", "Mug: 3.14"),
        ("{{ '%5d|%-5s|%x' | format(42, 'ab', 255) }}", "   42|ab   |ff"),
        ("{{ '%(name)s costs %(price)s' | format(name=name, price=price) }}", "Mug costs 9.90"),
        ("{{ '100%%' | format() }}", "100%"),
        ("{{ '%s' | format(day) }}", "2024-01-02"),
    ],
)
def test_format_fills_in_text_numbers_and_dates(source: str, expected: str) -> None:
    context = {"name": "Mug", "price": Decimal("9.90"), "day": date(2024, 1, 2)}
    assert text(source, context) == expected


def test_format_escapes_values_in_html() -> None:
    assert text("<p>{{ '%s!' | format(name) }}</p>", {"name": "<b>"}, part="html") == (
        "<p>&lt;b&gt;!</p>"
    )
    assert text(
        "{% set p %}<i>%s</i>{% endset %}{{ p | format(name) }}", {"name": "<b>"}, part="html"
    ) == ("<i>&lt;b&gt;</i>")


@pytest.mark.parametrize(
    ("source", "error", "says"),
    [
        ("{{ '%r' | format(name) }}", TemplateError, "%r is not available"),
        ("{{ '%a' | format(name) }}", TemplateError, "%a is not available"),
        ("{{ '%c' | format(65) }}", TemplateError, "%c is not available"),
        ("{{ '%*d' | format(5, 1) }}", TemplateError, "a width of * is not available"),
        ("{{ '%999s' | format(name) }}", TemplateLimitError, "a width of 999 is more than the 50"),
        ("{{ '%.99f' | format(1.5) }}", TemplateLimitError, "a precision of 99"),
        ("{{ '%s' | format(items) }}", TemplateError, "takes text, numbers and dates"),
        ("{{ '%s' | format(f) }}", TemplateSecurityError, "cannot format a function or method"),
        ("{{ '%s %s' | format(name) }}", TemplateError, "not enough arguments"),
        ("{{ '%s' | format(name, x=1) }}", TemplateError, "by position or by name, not both"),
        ("{{ '%' | format() }}", TemplateError, "is not available"),
    ],
)
def test_format_refuses_what_could_pad_without_bound_or_print_a_repr(
    source: str, error: type, says: str
) -> None:
    failure = fails(source, {"name": "Mug", "items": [1], "f": print})
    assert type(failure) is error
    assert says in failure.reason


# --------------------------------------------------------------------------- host filters


def sku_url(sku: str, campaign: str = "mail") -> str:
    """Where a product lives in the shop."""
    return f"https://shop.example/p/{sku}?utm_campaign={campaign}"


def initials(name: str) -> str:
    return "".join(part[:1] for part in name.split())


def shouting(value: str) -> Markup:
    return Markup("<b>%s</b>") % value


def broken(value: Any) -> str:
    raise KeyError(value)


HOST = {"sku_url": sku_url, "initials": initials}
SOURCE = (
    "{{ p.sku | sku_url }} {{ p.sku | sku_url(campaign='x') }} {{ customer.first_name | initials }}"
)
CONTEXT = {"customer": {"id": "c1", "first_name": "Alva Andersson"}, "p": {"sku": "m-1"}}


def host_templates(**settings: Any) -> Templates:
    message = MessageTemplate(text=SOURCE, params=["p"])
    return Templates(templates={"t": {"default": message}}, filters=HOST, **settings)


def test_host_filters_render_like_built_in_ones() -> None:
    message = host_templates().render("t", CONTEXT)
    assert message.text == (
        "https://shop.example/p/m-1?utm_campaign=mail https://shop.example/p/m-1?utm_campaign=x AA"
    )


def test_a_registry_using_a_host_filter_needs_it_when_built() -> None:
    message = MessageTemplate(text=SOURCE, params=["p"])
    with pytest.raises(DefinitionError, match="unknown filter 'sku_url'"):
        Templates(templates={"t": {"default": message}})


def test_host_filters_are_passed_on_every_way_in_and_kept_on_copies() -> None:
    templates = host_templates(default_locale="sv-SE")
    stored = templates.model_dump_json()
    assert "filters" not in json.loads(stored)  # code, not data
    expected = templates.render("t", CONTEXT)
    for again in (
        Templates.from_json(stored, filters=HOST),
        Templates.from_yaml(stored, filters=HOST),
        Templates.model_validate_json(stored, filters=HOST),
        Templates.model_validate(json.loads(stored), filters=HOST),
        templates.model_copy(update={"default_locale": "en-US"}),
        pickle.loads(pickle.dumps(templates)),
        templates.merged(Templates()),
        Templates().merged(templates),
    ):
        assert again.filters == HOST
        assert again.render("t", CONTEXT).text == expected.text
    with pytest.raises(DefinitionError, match="unknown filter 'sku_url'"):
        Templates.from_json(stored)


def test_registries_with_other_filters_are_not_equal() -> None:
    other = {"sku_url": lambda sku: sku, "initials": initials}
    assert host_templates() == host_templates()
    message = MessageTemplate(text=SOURCE, params=["p"])
    assert host_templates() != Templates(templates={"t": {"default": message}}, filters=other)


@pytest.mark.parametrize(
    ("filters", "path", "says"),
    [
        ({"safe": initials}, "filters.safe", "left out of templates on purpose"),
        ({"money": initials}, "filters.money", "is a built-in filter"),
        ({"upper": initials}, "filters.upper", "is a built-in filter"),
        ({"two words": initials}, "filters.two words", "a name like sku_url"),
        ({"_hidden": initials}, "filters._hidden", "a name like sku_url"),
        ({"x" * 65: initials}, "filters." + "x" * 65, "at most 64"),
        ({"f": print}, "filters.f", "plain function"),
        ({"f": str.upper}, "filters.f", "plain function"),
        ({"f": HostObject}, "filters.f", "plain function"),
        ({"f": "initials"}, "filters.f", "plain function"),
        ({"f": lambda: "x"}, "filters.f", "one required argument"),
        ({"f": lambda a, b: "x"}, "filters.f", "one required argument"),
    ],
)
def test_host_filters_are_checked_when_registered(
    filters: dict[str, Any], path: str, says: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(filters=filters)
    (problem,) = caught.value.problems
    assert (problem.path, says in problem.message) == (path, True)


def test_a_host_filter_returning_a_host_object_is_refused_when_built() -> None:
    with pytest.raises(DefinitionError, match="host filters must return plain data"):
        Templates(
            templates={"t": {"default": MessageTemplate(text="{{ 'x' | thing }}")}},
            filters={"thing": lambda value: HostObject()},
        )


def test_async_generator_and_context_filters_are_refused() -> None:
    from jinja2 import pass_context

    async def later(value: Any) -> Any:
        return value

    def many(value: Any) -> Any:
        yield value

    @pass_context
    def sneaky(context: Any, value: Any) -> Any:
        return context.environment

    with pytest.raises(DefinitionError) as caught:
        Templates(filters={"later": later, "many": many, "sneaky": sneaky})
    assert [(p.path, p.message.split(":")[0]) for p in caught.value.problems] == [
        ("filters.later", "must not be async"),
        ("filters.many", "must return a value, not generate values"),
        (
            "filters.sneaky",
            "must not take jinja2's context or environment (pass_context and friends)",
        ),
    ]
    with pytest.raises(DefinitionError, match="must be a mapping"):
        Templates(filters=[initials])  # type: ignore[arg-type]


def test_host_filters_are_bounded_when_they_run() -> None:
    templates = Templates(
        templates={
            "broken": {"default": MessageTemplate(text="{{ 'x' | broken }}")},
            "object": {"default": MessageTemplate(text="{{ p | thing }}", params=["p"])},
            "markup": {"default": MessageTemplate(html="{{ '<i>' | shouting }}")},
            "missing": {
                "default": MessageTemplate(
                    text="{{ nope | initials }}", params=["nope"], missing="lenient"
                )
            },
            "costly": {
                "default": MessageTemplate(text="{{ items | initials_of }}", params=["items"])
            },
        },
        filters={
            "broken": broken,
            "thing": lambda value: HostObject(),
            "shouting": shouting,
            "initials": initials,
            "initials_of": lambda items: len(items),
        },
        limits=TemplateLimits(max_operations=300),
    )
    with pytest.raises(TemplateError) as caught:
        templates.render("broken", {})
    assert str(caught.value) == "templates[broken].default.text:1: |broken failed: KeyError: 'x'"
    with pytest.raises(TemplateSecurityError, match="host filters must return plain data"):
        templates.render("object", {"p": "x"})
    assert templates.render("markup", {}).html == "<b>&lt;i&gt;</b>"  # the filter vouches
    assert templates.render("missing", {}).text == ""
    with pytest.raises(TemplateLimitError, match="work limit"):
        templates.render("costly", {"items": ["x"] * 400})


# --------------------------------------------------------------------------- what filters cost


def cost(source: str, context: dict[str, Any] | None = None) -> int:
    """The smallest ``max_operations`` that renders ``source``: its cost in work units,
    found by trying budgets (the budget is the documented, public measure)."""
    low, high = 1, 100_000
    while low < high:
        middle = (low + high) // 2
        if renders_within(source, context or {}, middle):
            high = middle
        else:
            low = middle + 1
    return low


def renders_within(source: str, context: dict[str, Any], budget: int) -> bool:
    templates = unchecked(source, limits=TemplateLimits(max_operations=budget))
    try:
        templates.render("probe", context)
    except TemplateLimitError as error:
        if "work limit" not in str(error):
            raise
        return False
    return True


TEXT = "x" * 640  # 10 units of C-speed text work, 160 of Python-speed
LIST = ["a", "b", "c"]  # 4 items as a tree: the list and its 3 texts


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a filter: 1, plus 1 per argument, plus its input, plus what it returns
        ("{{ s | upper }}", 1 + 10 + 10),
        ("{{ s | title }}", 1 + 160 + 10),
        ("{{ s | e }}", 1 + 10 + 10),
        ("{{ odd | e }}", 1 + 11 + 11),
        ("{{ s | replace(old='x', new='y') }}", 1 + 2 + 10 + 10),
        ("{{ s | truncate(10) }}", 1 + 1 + 10),
        ("{{ s | wordwrap(64) }}", 1 + 1 + 160 + 11 + 10),
        ("{{ s | sort | length }}", 1 + 640 + (641 + 10) + 1),
        ("{{ s641 | sort(false) | length }}", 1 + 1 + 641 + (642 + 10) + 1),
        # journeykit's own: a result over 200 characters is counted in full
        ("{{ 1 | plural(p200, p200) }}", 1 + 2),
        ("{{ 1 | plural(p201, p201) }}", 1 + 2 + 3),
        ("{{ l | sort | length }}", 1 + 4 + 4 + 1),
        ("{{ l | sort(false, true) | length }}", 1 + 2 + 4 + 4 + 1),
        ("{{ l | join(', ') }}", 1 + 3),
        ("{{ l | tojson }}", 1 + 4),
        ("{{ '%s-%s' | format(s, s) }}", 1 + 2 + 20 + 20),
        # unique generates: list pays 1 per item it takes, then 4 for the list it made
        ("{{ l | unique | list | length }}", (1 + 4) + (1 + 3) + 4 + 1),
        ("{{ s | urlencode }}", 1 + 160 + 10),
        ("{{ '1' | money('SEK') }}", 2),
        ("{{ 5 | plural('a', 'b') }}", 3),
        ("{{ none | default('x') }}", 1),
        ("{{ l | first }}", 1),
        # map: 1, an argument, 4 items; first: 1; |string on the one item first takes: 1
        ("{{ l | map('string') | first }}", (1 + 1 + 4) + 1 + 1),
    ],
)
def test_each_filter_costs_what_the_budget_documents(source: str, expected: int) -> None:
    context = {
        "s": TEXT,
        "odd": "x" * 704,
        "s641": "x" * 641,
        "p200": "y" * 200,
        "p201": "y" * 201,
        "l": LIST,
    }
    assert cost(source, context) == expected


def test_a_generator_is_charged_per_item_as_it_is_consumed() -> None:
    # each more item: map takes it (1) and calls |string (1), list takes it (1) and
    # holds it (1)
    assert cost("{{ r | map('string') | list | length }}", {"r": range(5)}) == (
        cost("{{ r | map('string') | list | length }}", {"r": range(4)}) + 4
    )


def test_journeykits_own_filters_stop_at_the_budget() -> None:
    source = "{{ 1 | money('SEK') }}{{ 2 | money('SEK') }}{{ 3 | money('SEK') }}"
    assert cost(source) == 6
    for other in ("number", "percent", "plural('a', 'b')", "date"):
        value = date(2024, 1, 2) if other == "date" else 1
        each = cost("{{ d | " + other + " }}", {"d": value})
        assert cost(("{{ d | " + other + " }}") * 3, {"d": value}) == 3 * each


@pytest.mark.parametrize(
    ("source", "value", "says"),
    [
        # 6 characters a character (escapes), 8 a list item, 2 more an indent step
        ("{{ v | tojson }}", ["x" * 100_000], "|tojson would produce about 600016 characters"),
        ("{{ v | tojson(8) }}", ["x" * 100_000], "|tojson would produce about 600048 characters"),
        # the text, and a separator for each line
        ("{{ v | wordwrap(1) }}", "x" * 250_001, "|wordwrap would produce about 500003 characters"),
        # the pattern, 420 for the widest conversion, and the values
        ("{{ '%s' | format(v) }}", "x" * 499_600, "|format would produce about 500022 characters"),
        # the text, and the indent for each line
        (
            "{{ 'a\\nb' | indent(v) }}",
            "x" * 250_000,
            "|indent would produce about 500003 characters",
        ),
        # the text, and what each hit adds
        (
            "{{ v | replace('x', 'yy') }}",
            "x" * 250_001,
            "|replace would produce about 500002 characters",
        ),
    ],
)
def test_filters_estimate_their_output_before_building_it(
    source: str, value: Any, says: str
) -> None:
    error = fails(source, {"v": value})
    assert type(error) is TemplateLimitError
    assert says in error.reason


@pytest.mark.parametrize(
    ("call", "sensitive"),
    [
        ("unique | list", "unique(true) | list"),
        ("sort", "sort(false, true)"),
        ("max", "max(true)"),
        ("min", "min(true)"),
        ("groupby('x')", "groupby('x', none, true)"),
    ],
)
def test_lower_case_copies_are_counted_unless_case_matters(call: str, sensitive: str) -> None:
    items = [{"x": "A" * 100_000}] * 10 if call.startswith("groupby") else ["A" * 100_000] * 10
    limits = TemplateLimits(max_output_chars=100_000)
    source = "{{ items | " + call + " | length }}"
    assert "along the way" in str(fails(source, {"items": items}, limits=limits))
    quiet = "{{ items | " + sensitive + " | length }}"
    unchecked(quiet, limits=limits).render("probe", {"items": items})


def test_dictsort_counts_its_lower_case_copies_too() -> None:
    mapping = {f"{'A' * 100_000}{i}": i for i in range(10)}
    limits = TemplateLimits(max_output_chars=100_000)
    assert "along the way" in str(
        fails("{{ m | dictsort | length }}", {"m": mapping}, limits=limits)
    )
    unchecked("{{ m | dictsort(true) | length }}", limits=limits).render("probe", {"m": mapping})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 1234.5 | number(0) }}", "1,234"),
        ("{{ 1.5 | number(12) }}", "1.500000000000"),
        ("{{ 'aaa' | replace(old='a', new='b') }}", "bbb"),
        ("{{ 'aaa' | replace('a', new='b', count=2) }}", "bba"),
        ("{{ '2024-06-01T08:00:00+02:00' | datetime('short') }}", "6/1/24, 6:00\u202fAM"),
        ("{{ '2024-06-01T08:00:00Z' | datetime('short') }}", "6/1/24, 8:00\u202fAM"),
        ("{{ '2024-06-01 08:00:00z' | time }}", "8:00\u202fAM"),
    ],
)
def test_filter_arguments_at_their_edges(source: str, expected: str) -> None:
    assert text(source) == expected


def test_no_space_is_added_between_digits_and_a_currency_sign() -> None:
    # CLDR's spacing puts a no-break space between digits and a currency *code*, never
    # a sign: Bengali writes euros right after the amount
    assert text("{{ 499 | money('EUR') }}", locale="bn") == "499.00€"
    assert text("{{ 499 | money('SEK') }}", locale="bn") == "499.00\u00a0SEK"


def test_date_text_is_read_up_to_64_characters() -> None:
    for length, says in ((64, "needs an ISO 8601 date, got"), (65, "got text that is too long")):
        assert says in fails("{{ v | date }}", {"v": "x" * length}).reason


def test_number_refuses_decimals_outside_0_to_12() -> None:
    for places in (-1, 13):
        assert "between 0 and 12" in fails("{{ 1 | number(" + str(places) + ") }}").reason
