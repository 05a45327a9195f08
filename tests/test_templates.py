"""journeykit.templates: models, locales, filters, missing data, context and checking."""

from __future__ import annotations

import contextlib
import copy
import json
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
from pydantic import BaseModel

import journeykit
import journeykit.errors
from journeykit import DefinitionError, InvalidInputError, JourneykitError
from journeykit._base import FrozenDict
from journeykit._sandbox.context import RESERVED_NAMES
from journeykit.templates import (
    CONTEXT_NAMES,
    MessageTemplate,
    MissingVariableError,
    RenderedMessage,
    TemplateError,
    TemplateLimitError,
    TemplateLimits,
    TemplateNotFoundError,
    Templates,
    TemplateSecurityError,
    template_context,
    validate,
)
from tests.template_support import names_read, unchecked

NBSP = "\u00a0"
UTC = timezone.utc

CART_SUBJECT = "{{ customer.first_name | default('Hi') }}, your cart is waiting"
CART_TEXT = """Hi {{ customer.first_name | default('there') }},
{% for product in products %}
- {{ product.name }}: {{ product.price | money(cart.currency) }}
{% endfor %}
Total: {{ cart.value | money(cart.currency) }}, {{ products | length }} \
{{ products | length | plural('item', 'items') }}.
Use {{ discount_code }} before {{ expires_at | date('long') }}."""
CART_HTML = """<ul>
{% for product in products %}
<li class="{{ loop.cycle('odd', 'even') }}">{{ product.name }} {{ product.price | money(cart.currency) }}</li>
{% endfor %}
</ul><p>{{ cart.value | money(cart.currency) }}</p>"""
SV_TEXT = """Hej {{ customer.first_name | default('där') }}!
{% for product in products %}
- {{ product.name }}: {{ product.price | money(cart.currency) }}
{% endfor %}
Totalt: {{ cart.value | money(cart.currency) }}, {{ products | length }} \
{{ products | length | plural('vara', 'varor') }}.
Använd {{ discount_code }} före {{ expires_at | date('long') }}."""
PARAMS = ("products", "cart", "discount_code", "expires_at")


def cart_templates(**settings: Any) -> Templates:
    return Templates(
        templates={
            "cart_reminder": {
                "default": MessageTemplate(
                    subject=CART_SUBJECT, text=CART_TEXT, html=CART_HTML, params=PARAMS
                ),
                "sv": MessageTemplate(
                    subject="{{ customer.first_name }}, du glömde något",
                    text=SV_TEXT,
                    html=CART_HTML,
                    params=PARAMS,
                ),
            }
        },
        **settings,
    )


def cart_context(**customer: Any) -> dict[str, Any]:
    return template_context(
        {"id": "c1", "attributes": {"first_name": "Alva"}, **customer},
        journey="cart_abandonment",
        extra={
            "products": [
                {"name": "Mug", "price": "99.00"},
                {"name": "Teapot", "price": "400"},
            ],
            "cart": {"value": "499.00", "currency": "SEK"},
            "discount_code": "KOM10",
            # 23:30 UTC on the 4th is already the 5th in Stockholm
            "expires_at": datetime(2025, 3, 4, 23, 30, tzinfo=UTC),
        },
    )


def declared(source: str) -> tuple[str, ...]:
    """Every name ``source`` reads beyond the documented context, to declare in params:
    these tests are about rendering, and the checks that flag unknown names have their
    own tests below."""
    return tuple(sorted(names_read(source) - CONTEXT_NAMES - {"range", "namespace"}))


def one(source: str, *, part: str = "text", **fields: Any) -> Templates:
    fields.setdefault("params", declared(source))
    message = MessageTemplate.model_validate({part: source, **fields})
    return Templates(templates={"t": {"default": message}})


def text_of(source: str, context: Any = None, **options: Any) -> str:
    result = one(source).render("t", context if context is not None else {}, **options).text
    assert result is not None
    return result


# --------------------------------------------------------------------------- rendering


def test_swedish_cart_reminder() -> None:
    message = cart_templates().render("cart_reminder", cart_context(locale="sv-SE"))
    assert message.variant == "sv"
    assert message.locale == "sv-SE"
    assert message.subject == "Alva, du glömde något"
    assert message.text == (
        "Hej Alva!\n"
        f"- Mug: 99,00{NBSP}kr\n"
        f"- Teapot: 400,00{NBSP}kr\n"
        f"Totalt: 499,00{NBSP}kr, 2 varor.\n"
        "Använd KOM10 före 4 mars 2025."
    )
    assert message.html is not None
    assert f'<li class="odd">Mug 99,00{NBSP}kr</li>' in message.html
    assert f'<li class="even">Teapot 400,00{NBSP}kr</li>' in message.html
    assert message.warnings == ()


def test_dates_are_shown_in_the_customers_zone() -> None:
    context = cart_context(locale="sv-SE", timezone="Europe/Stockholm")
    message = cart_templates().render("cart_reminder", context)
    assert message.text is not None
    assert message.text.endswith("före 5 mars 2025.")


def test_english_cart_reminder() -> None:
    message = cart_templates().render("cart_reminder", cart_context(locale="en-US"))
    assert message.variant == "default"
    assert message.locale == "en-US"
    assert message.subject == "Alva, your cart is waiting"
    assert message.text == (
        "Hi Alva,\n"
        f"- Mug: SEK{NBSP}99.00\n"
        f"- Teapot: SEK{NBSP}400.00\n"
        f"Total: SEK{NBSP}499.00, 2 items.\n"
        "Use KOM10 before March 4, 2025."
    )


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("sv-SE", "SEK", f"499,00{NBSP}kr"),
        ("en-US", "SEK", f"SEK{NBSP}499.00"),
        ("en-US", "USD", "$499.00"),
        ("en-US", "EUR", "€499.00"),
        ("de-DE", "EUR", f"499,00{NBSP}€"),
        ("sv-SE", "EUR", f"499,00{NBSP}€"),
        ("en-GB", "NOK", f"NOK{NBSP}499.00"),
        ("fi-FI", "SEK", f"499,00{NBSP}SEK"),
        ("sv-SE", "sek", f"499,00{NBSP}kr"),
    ],
)
def test_money(locale: str, currency: str, expected: str) -> None:
    assert text_of("{{ v | money(c) }}", {"v": "499", "c": currency}, locale=locale) == expected


@pytest.mark.parametrize("value", ["499", "499.00", 499, 499.0, Decimal("499.000")])
def test_money_accepts_numbers_and_numeric_text(value: Any) -> None:
    assert text_of("{{ v | money('SEK') }}", {"v": value}, locale="sv") == f"499,00{NBSP}kr"


def test_negative_money_and_grouping() -> None:
    assert text_of("{{ -1499.5 | money('USD') }}", locale="en-US") == "-$1,499.50"
    assert text_of("{{ v | money('SEK') }}", {"v": "-1499.5"}, locale="en-US") == (
        f"-SEK{NBSP}1,499.50"
    )


@pytest.mark.parametrize(
    ("value", "currency", "says"),
    [
        ("abc", "SEK", "needs a number"),
        (True, "SEK", "boolean"),
        (None, "SEK", "got none"),
        ("1e400", "SEK", "too large"),
        ("NaN", "SEK", "not finite"),
        (10**30, "SEK", "too large"),
        ("1", "XYZ", "unknown currency"),
        ("1", 42, "currency code"),
        ("1" * 100, "SEK", "too long"),
    ],
)
def test_money_refuses_bad_input(value: Any, currency: Any, says: str) -> None:
    with pytest.raises(TemplateError, match=says):
        text_of("{{ v | money(c) }}", {"v": value, "c": currency})


def test_numbers_and_percentages() -> None:
    source = "{{ 1234567.891 | number }}|{{ 1234.5 | number(2) }}|{{ 0.125 | percent }}"
    assert text_of(source, locale="sv-SE") == f"1{NBSP}234{NBSP}567,891|1{NBSP}234,50|12,5{NBSP}%"
    assert text_of(source, locale="en-US") == "1,234,567.891|1,234.50|12.5%"
    with pytest.raises(TemplateError, match="between 0 and 12"):
        text_of("{{ 1 | number(20) }}")


def test_date_filters_use_locale_and_zone() -> None:
    at = datetime(2024, 3, 5, 23, 30, tzinfo=UTC)
    source = (
        "{{ at | date }}|{{ at | datetime('short') }}|{{ at | time }}|{{ at | date('d MMMM') }}"
    )
    stockholm = text_of(source, {"at": at}, locale="sv-SE", timezone="Europe/Stockholm")
    assert stockholm == "6 mars 2024|2024-03-06 00:30|00:30|6 mars"
    new_york = text_of(source, {"at": at}, locale="en-US", timezone="America/New_York")
    assert new_york == "Mar 5, 2024|3/5/24, 6:30\u202fPM|6:30\u202fPM|5 March"


def test_date_filters_take_dates_and_iso_text() -> None:
    context = {"d": date(2024, 12, 24), "s": "2024-06-01T08:00:00Z", "day": "2024-06-01"}
    source = "{{ d | date }}|{{ s | datetime('short') }}|{{ day | date('short') }}"
    assert text_of(source, context, locale="sv-SE", timezone="Europe/Stockholm") == (
        "24 dec. 2024|2024-06-01 10:00|2024-06-01"
    )


@pytest.mark.parametrize(
    ("source", "context", "says"),
    [
        ("{{ v | date }}", {"v": datetime(2024, 1, 1)}, "naive"),
        ("{{ v | date }}", {"v": "yesterday"}, "ISO 8601"),
        ("{{ v | date }}", {"v": 5}, "needs a date"),
        ("{{ v | datetime }}", {"v": date(2024, 1, 1)}, "use |date"),
        ("{{ v | date('y' * 100) }}", {"v": date(2024, 1, 1)}, "longer than"),
    ],
)
def test_date_filters_refuse_bad_input(source: str, context: Any, says: str) -> None:
    with pytest.raises(TemplateError, match=says):
        text_of(source, context)


@pytest.mark.parametrize(
    ("locale", "counts", "expected"),
    [
        ("en-US", (0, 1, 2), "items item items"),
        ("sv-SE", (0, 1, 2), "varor vara varor"),
        ("pl", (1, 3, 5), "plik pliki plików"),
    ],
)
def test_plural_follows_the_locales_rules(
    locale: str, counts: tuple[int, ...], expected: str
) -> None:
    words = {
        "en-US": "'item', 'items'",
        "sv-SE": "'vara', 'varor'",
        "pl": "'plik', 'plików', few='pliki'",
    }[locale]
    source = " ".join(f"{{{{ {n} | plural({words}) }}}}" for n in counts)
    assert text_of(source, locale=locale) == expected


def test_default_treats_undefined_none_and_blank_text_as_missing() -> None:
    context = {"none": None, "empty": "", "blank": "  ", "zero": 0, "name": "Alva"}
    source = (
        "{{ nope | default('a') }} {{ none | default('b') }} {{ empty | default('c') }}"
        " {{ blank | default('d') }} {{ zero | default('e') }} {{ zero | d('f', true) }}"
        " {{ name | default('g') }}"
    )
    assert text_of(source, context) == "a b c d 0 f Alva"


def test_none_prints_as_nothing() -> None:
    assert text_of("[{{ v }}]", {"v": None}) == "[]"


def test_builtin_filters_that_stay_available() -> None:
    context = {
        "items": [{"name": "b", "n": 2, "kind": "x"}, {"name": "a", "n": 1, "kind": "y"}],
        "words": "hello big world",
        "attrs": {"b": 2, "a": 1},
    }
    cases = {
        "{{ items | map(attribute='name') | join(', ') }}": "b, a",
        "{{ items | sort(attribute='name') | map(attribute='name') | first }}": "a",
        "{{ items | selectattr('n', 'gt', 1) | map(attribute='name') | list | length }}": "1",
        "{{ items | sum(attribute='n') }}": "3",
        "{% for g in items | groupby('kind') %}{{ g.grouper }}{{ g.list | length }}"
        "{% endfor %}": "x1y1",
        "{% for k, v in attrs | dictsort %}{{ k }}={{ v }};{% endfor %}": "a=1;b=2;",
        "{% for k, v in attrs | items %}{{ k }}{% endfor %}": "ba",
        "{{ words | title }}|{{ words | upper }}|{{ words | wordcount }}": (
            "Hello Big World|HELLO BIG WORLD|3"
        ),
        "{{ words | truncate(9, true, '…', 0) }}": "hello bi…",
        "{{ words | replace('big', 'small') }}": "hello small world",
        "{{ '  x ' | trim }}|{{ 'a<b>c</b>' | striptags }}": "x|ac",
        "{{ [1, 2, 3, 4, 5] | batch(2) | list | length }}": "3",
        "{{ [3, 1, 2] | max }}{{ [3, 1, 2] | min }}{{ [1, 1, 2] | unique | list | length }}": "312",
        "{{ 'a b' | urlencode }}|{{ {'q': 'a b'} | urlencode }}": "a%20b|q=a+b",
        "{{ -3 | abs }} {{ '4.5' | float }} {{ '7' | int }} {{ 2.567 | round(1) }}": "3 4.5 7 2.6",
        "{{ 'a' | e }}{{ '<' | escape }}": "a&lt;",
        "{{ 1500000 | filesizeformat }}": "1.5 MB",
        "{{ 'ab' | reverse }}{{ [1, 2] | reverse | join }}": "ba21",
        "{{ 'x\\ny' | indent(2) }}": "x\n  y",
        "{{ ('word ' * 3) | wordwrap(5) | length > 0 }}": "True",
        "{{ [1, 2, 3] | slice(2) | list | length }}": "2",
        "{{ 5 | string }}": "5",
    }
    for source, expected in cases.items():
        assert text_of(source, context) == expected, source


def test_plain_data_methods_and_attributes() -> None:
    context = {
        "name": "alva andersson",
        "attrs": {"tier": "gold"},
        "at": datetime(2024, 3, 5, tzinfo=UTC),
    }
    source = (
        "{{ name.title() }}|{{ name.split()[1] }}|{{ name.startswith('al') }}|"
        "{{ attrs.get('tier') }}|{{ attrs.get('x', '-') }}|{{ attrs.keys() | list | join }}|"
        "{{ at.year }}-{{ at.month }}|{{ at.isoformat() }}|{{ name[:4] }}|{{ attrs['tier'] }}"
    )
    assert text_of(source, context) == (
        "Alva Andersson|andersson|True|gold|-|tier|2024-3|2024-03-05T00:00:00+00:00|alva|gold"
    )


def test_mapping_keys_win_over_methods() -> None:
    context = {"order": {"items": [{"name": "Mug"}], "values": 3}}
    source = "{% for i in order.items %}{{ i.name }}{% endfor %} {{ order.values }}"
    assert text_of(source, context) == "Mug 3"


def test_a_missing_key_named_like_a_method_is_missing_not_a_truthy_method() -> None:
    # Without the key, `data.items` used to be the dict's bound method: truthy, so the
    # fallback below was silently never taken and the loop failed on a method.
    source = "{% for i in (cart.items or [cart]) %}{{ i.name }};{% endfor %}"
    assert text_of(source, {"cart": {"name": "Mug"}}) == "Mug;"
    assert text_of(source, {"cart": {"items": [{"name": "A"}, {"name": "B"}]}}) == "A;B;"
    assert text_of("{{ 'yes' if cart.keys else 'no' }}", {"cart": {}}) == "no"
    # Called, it is still the mapping's method.
    assert text_of("{{ cart.keys() | sort | join(',') }}", {"cart": {"b": 1, "a": 2}}) == "a,b"
    with pytest.raises(MissingVariableError, match=r"no key 'values'.*write \.values\(\)"):
        text_of("{{ cart.values }}", {"cart": {}})


def test_macros_call_blocks_namespaces_and_recursive_loops() -> None:
    source = (
        "{% macro row(p) %}[{{ p.name }}{{ caller() if caller }}]{% endmacro %}"
        "{% set ns = namespace(total=0) %}"
        "{% for p in products %}{% set ns.total = ns.total + p.n %}"
        "{% call row(p) %}!{% endcall %}{% endfor %} {{ ns.total }} "
        "{% for node in tree recursive %}{{ node.name }}"
        "{% if node.children %}({{ loop(node.children) }}){% endif %}{% endfor %}"
    )
    context = {
        "products": [{"name": "a", "n": 2}, {"name": "b", "n": 3}],
        "tree": [{"name": "r", "children": [{"name": "c", "children": []}]}],
    }
    assert text_of(source, context) == "[a!][b!] 5 r(c)"


def test_loop_variables() -> None:
    source = (
        "{% for x in 'abc' %}{{ loop.index }}{{ x }}{{ '|' if not loop.last }}{% endfor %}"
        "{% for x in [] %}never{% else %} empty{% endfor %}"
    )
    assert text_of(source) == "1a|2b|3c empty"


def test_blocks_do_not_leave_blank_lines() -> None:
    source = "Items:\n{% for x in [1, 2] %}\n  - {{ x }}\n{% endfor %}\nEnd"
    assert text_of(source) == "Items:\n  - 1\n  - 2\nEnd"


def test_rendering_is_deterministic_and_thread_safe() -> None:
    templates = cart_templates()
    contexts = [cart_context(locale=loc) for loc in ("sv-SE", "en-US", "sv", "de-DE")] * 25
    expected = [templates.render("cart_reminder", c) for c in contexts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda c: templates.render("cart_reminder", c), contexts))
    assert got == expected


# --------------------------------------------------------------------------- locales


def variant_templates(*keys: str, **settings: Any) -> Templates:
    return Templates(templates={"t": {key: MessageTemplate(text=key) for key in keys}}, **settings)


@pytest.mark.parametrize(
    ("keys", "requested", "expected"),
    [
        (("sv-SE", "sv", "default"), "sv-SE", "sv-SE"),
        (("sv-SE", "sv", "default"), "sv-FI", "sv"),
        (("sv-SE", "sv", "default"), "sv", "sv"),
        (("sv-SE", "default"), "sv", "default"),
        (("sv-SE", "sv", "default"), "de-DE", "default"),
        (("sv-SE", "sv", "default"), None, "default"),
        (("zh-Hant", "zh", "default"), "zh-Hant-TW", "zh-Hant"),
        (("zh-Hant", "zh", "default"), "zh-Hans-CN", "zh"),
        (("en", "default"), "de-DE", "en"),  # default_locale en-US -> en
        (("sv-SE", "default"), "SV_se", "sv-SE"),
    ],
)
def test_variant_fallback_order(
    keys: tuple[str, ...], requested: str | None, expected: str
) -> None:
    templates = variant_templates(*keys)
    assert templates.resolve("t", requested)[0] == expected
    assert templates.render("t", {}, locale=requested).text == expected


def test_default_locale_is_tried_before_default() -> None:
    templates = variant_templates("sv", "default", default_locale="sv-SE")
    assert templates.resolve("t", "de-DE")[0] == "sv"
    assert templates.render("t", {}, locale="de-DE").locale == "de-DE"


def test_locale_and_zone_come_from_the_customer() -> None:
    templates = Templates(
        templates={
            "t": {
                "default": MessageTemplate(
                    text="{{ 1.5 | number }} {{ at | time }}", params=["at"]
                ),
                "sv": MessageTemplate(text="sv {{ 1.5 | number }} {{ at | time }}", params=["at"]),
            }
        }
    )
    at = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    customer = {"id": "c1", "locale": "sv-SE", "timezone": "Europe/Stockholm"}
    message = templates.render("t", {"customer": customer, "at": at})
    assert (message.variant, message.locale, message.text) == ("sv", "sv-SE", "sv 1,5 14:00")
    explicit = templates.render(
        "t", {"customer": customer, "at": at}, locale="en-US", timezone="UTC"
    )
    assert explicit.text == "1.5 12:00\u202fPM"


@pytest.mark.parametrize(
    ("context", "settings", "path"),
    [
        ({}, {"locale": "english"}, "locale"),
        ({}, {"locale": "xx-YY"}, "locale"),
        ({}, {"timezone": "Mars/Olympus"}, "timezone"),
        ({}, {"timezone": "localtime"}, "timezone"),
        ({"customer": {"id": "c1", "locale": "xx-YY"}}, {}, "context.customer.locale"),
        ({"customer": {"id": "c1", "timezone": "Mars/Olympus"}}, {}, "context.customer.timezone"),
        ({"customer": {"first_name": "Alva"}}, {}, "context.customer.id"),
        ({"customer": {"id": ""}}, {}, "context.customer.id"),
        ({"customer": ["c1"]}, {}, "context.customer"),
    ],
)
def test_bad_render_arguments_are_errors_naming_them(
    context: dict[str, Any], settings: dict[str, Any], path: str
) -> None:
    templates = variant_templates("default")
    with pytest.raises(InvalidInputError) as caught:
        templates.render("t", context, **settings)
    assert [p.path for p in caught.value.problems] == [path]
    assert not isinstance(caught.value, TemplateError)


def test_render_refuses_a_context_that_is_not_a_mapping() -> None:
    with pytest.raises(InvalidInputError, match="mapping") as caught:
        one("x").render("t", ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert caught.value.problems[0].path == "context"


def test_resolve_refuses_a_locale_that_is_not_a_tag() -> None:
    with pytest.raises(InvalidInputError, match="locale tag"):
        variant_templates("default").resolve("t", "not a locale")


def test_unknown_template_or_variant() -> None:
    templates = variant_templates("sv", default_locale="sv-SE")
    with pytest.raises(TemplateNotFoundError, match="no template named 'nope'") as caught:
        templates.render("nope", {})
    assert isinstance(caught.value, TemplateError)
    assert caught.value.path == "templates[nope]"
    # A registry that builds always has a variant for every locale; one that skipped
    # the checks may not.
    bare = Templates.model_construct(
        templates=FrozenDict({"t": FrozenDict({"sv": MessageTemplate(text="sv")})}),
        layouts=FrozenDict(),
        default_locale="en-US",
        default_timezone="UTC",
        limits=TemplateLimits(),
    )
    with pytest.raises(TemplateNotFoundError, match="no variant for locale 'de-DE'") as caught:
        bare.render("t", {}, locale="de-DE")
    assert caught.value.path == "templates[t]"


# --------------------------------------------------------------------------- models


def test_variant_keys_are_normalised() -> None:
    templates = variant_templates("sv_se", "ZH-hant-tw", "es-419", "default")
    assert list(templates.templates["t"]) == ["sv-SE", "zh-Hant-TW", "es-419", "default"]


@pytest.mark.parametrize(
    ("settings", "path", "says"),
    [
        (
            {"templates": {"t": {"klingon": MessageTemplate(text="x")}}},
            "templates[t].klingon",
            "variant key",
        ),
        (
            {
                "templates": {
                    "t": {"sv-SE": MessageTemplate(text="x"), "sv_SE": MessageTemplate(text="x")}
                }
            },
            "templates[t].sv_SE",
            "a second variant for 'sv-SE'",
        ),
        ({"templates": {"t": {}}}, "templates[t]", "no variants"),
        (
            {"templates": {"bad name!": {"default": MessageTemplate(text="x")}}},
            "templates[bad name!]",
            "a name must be",
        ),
        (
            {"templates": {"x')}}{{": {"default": MessageTemplate(text="x")}}},
            "templates[x')}}{{]",
            "a name must be",
        ),
        ({"default_locale": "xx"}, "default_locale", "unknown locale"),
        ({"default_timezone": "Mars/Olympus"}, "default_timezone", "IANA name"),
        ({"default_timezone": "localtime"}, "default_timezone", "IANA name"),
        ({"limits": {"max_output_chars": 0}}, "limits.max_output_chars", "greater than or equal"),
        ({"limits": {"max_outputs": 5}}, "limits.max_outputs", "unknown field"),
        ({"unknown": 1}, "unknown", "unknown field"),
    ],
)
def test_templates_refuse_bad_definitions(settings: dict[str, Any], path: str, says: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(**settings)
    (problem,) = caught.value.problems
    assert problem.path == path
    assert says in problem.message


@pytest.mark.parametrize(
    ("fields", "path", "says"),
    [
        ({}, "", "at least one of"),
        ({"text": "x", "params": ("customer",)}, "params[0]", "already uses"),
        ({"text": "x", "params": ("loop",)}, "params[0]", "already uses"),
        ({"text": "x", "params": ("a", "two words")}, "params[1]", "must be a name"),
        ({"text": "x", "params": ("_hidden",)}, "params[0]", "must be a name"),
        ({"text": "x", "params": ("a", "a")}, "params[1]", "already in params"),
        ({"text": "x", "missing": "ignore"}, "missing", "strict"),
        ({"text": "x", "txt": "y"}, "txt", "unknown field"),
    ],
)
def test_message_template_refuses_bad_fields(fields: dict[str, Any], path: str, says: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        MessageTemplate(**fields)
    (problem,) = caught.value.problems
    assert (problem.path, says in problem.message) == (path, True)


def test_every_problem_is_reported_with_its_own_path() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            templates={
                "bad name!": {"default": MessageTemplate(text="x")},
                "t": {"klingon": MessageTemplate(text="x"), "sv": MessageTemplate(text="y")},
            },
            default_locale="xx",
            limits={"max_outputs": 5},
        )
    assert [p.path for p in caught.value.problems] == [
        "templates[bad name!]",
        "templates[t].klingon",
        "default_locale",
        "limits.max_outputs",
    ]
    with pytest.raises(DefinitionError) as caught:
        MessageTemplate(text="x", params=["customer", "two words", "a", "a"])
    assert [p.path for p in caught.value.problems] == ["params[0]", "params[1]", "params[3]"]


def test_models_are_frozen_all_the_way_down() -> None:
    templates = cart_templates()
    message = templates.templates["cart_reminder"]["sv"]
    with pytest.raises(JourneykitError, match="frozen"):
        message.text = "y"  # type: ignore[misc]
    with pytest.raises(JourneykitError, match="frozen"):
        templates.default_locale = "sv-SE"  # type: ignore[misc]
    with pytest.raises(TypeError):
        templates.templates["other"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        templates.templates["cart_reminder"]["de"] = message  # type: ignore[index]
    assert isinstance(message.params, tuple)
    assert isinstance(templates.layouts, FrozenDict)
    rendered = templates.render("cart_reminder", cart_context())
    assert isinstance(rendered.warnings, tuple)
    with pytest.raises(JourneykitError, match="frozen"):
        rendered.text = "x"  # type: ignore[misc]
    with pytest.raises(JourneykitError, match="frozen"):
        templates.limits.max_depth = 1  # type: ignore[misc]
    assert hash(templates) == hash(cart_templates())
    assert hash(message) == hash(message.model_copy())


def test_templates_round_trip_through_json_yaml_and_pickle() -> None:
    templates = cart_templates(default_locale="sv-SE", limits={"max_operations": 5000})
    templates.render("cart_reminder", cart_context())
    again = Templates.model_validate_json(templates.model_dump_json())
    assert again == templates
    assert again.render("cart_reminder", cart_context()) == templates.render(
        "cart_reminder", cart_context()
    )
    assert Templates.from_json(templates.model_dump_json()) == templates
    assert Templates.from_yaml(json.dumps(templates.model_dump(mode="json"))) == templates
    unpickled = pickle.loads(pickle.dumps(templates))
    assert unpickled == templates
    assert unpickled.render("cart_reminder", cart_context()).text is not None
    assert set(templates.model_dump()) == {
        "templates",
        "layouts",
        "default_locale",
        "default_timezone",
        "limits",
    }
    assert Templates.model_json_schema()["properties"]["templates"]


BROKEN = {"templates": {"t": {"default": {"text": "{{ x }}", "html": "{% if %}"}}}}
BROKEN_PATHS = ["templates[t].default.text:1", "templates[t].default.html:1"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Templates(**Templates.model_construct(**BROKEN).__dict__),
        lambda: Templates.model_validate(BROKEN),
        lambda: Templates.model_validate_json(json.dumps(BROKEN)),
        lambda: Templates.from_json(json.dumps(BROKEN)),
        lambda: Templates.from_yaml(json.dumps(BROKEN)),
        lambda: variant_templates("default").model_copy(update=BROKEN),
    ],
    ids=[
        "constructor",
        "model_validate",
        "model_validate_json",
        "from_json",
        "from_yaml",
        "model_copy",
    ],
)
def test_every_way_of_building_checks_the_code(build: Any) -> None:
    with pytest.raises(DefinitionError) as caught:
        build()
    assert [p.path for p in caught.value.problems] == BROKEN_PATHS


def test_problems_never_raise_and_root_their_paths() -> None:
    broken = unchecked("{{ x }}{% if %}")
    assert [p.path for p in broken.problems()] == ["templates[probe].default.text:1"]
    assert [p.path for p in broken.problems("definitions.templates")] == [
        "definitions.templates.templates[probe].default.text:1"
    ]
    assert variant_templates("default").problems() == []
    assert variant_templates("default").problems("x") == []


def test_copies_never_serve_another_templates_code() -> None:
    templates = variant_templates("default")
    assert templates.render("t", {}).text == "default"
    changed = templates.model_copy(
        update={"templates": {"t": {"default": MessageTemplate(text="changed")}}}
    )
    assert changed.render("t", {}).text == "changed"
    assert templates.render("t", {}).text == "default"
    assert copy.deepcopy(changed).render("t", {}).text == "changed"
    assert copy.copy(changed).render("t", {}).text == "changed"


def test_a_copy_with_other_limits_is_checked_with_them() -> None:
    templates = Templates(templates={"t": {"default": MessageTemplate(text="x" * 50)}})
    assert templates.render("t", {}).text == "x" * 50
    with pytest.raises(DefinitionError, match="too long"):
        templates.model_copy(update={"limits": TemplateLimits(max_source_chars=10)})


def test_a_broken_part_is_refused_when_built_and_fails_the_same_way_every_time() -> None:
    with pytest.raises(DefinitionError, match="syntax error"):
        one("{% if %}")
    templates = unchecked("{% if %}")
    for _ in range(2):
        with pytest.raises(TemplateError, match="syntax error") as caught:
            templates.render("probe", {})
        assert caught.value.path == "templates[probe].default.text:1"


def test_rendered_message_is_a_frozen_record() -> None:
    message = cart_templates().render("cart_reminder", cart_context())
    assert RenderedMessage.model_validate_json(message.model_dump_json()) == message
    with pytest.raises(InvalidInputError):
        RenderedMessage(template="t", variant="default", locale="en-US", extra=1)  # type: ignore[call-arg]


def test_template_limits_defaults() -> None:
    assert TemplateLimits() == TemplateLimits(
        max_output_chars=500_000,
        max_operations=100_000,
        max_depth=32,
        max_range=10_000,
        max_source_chars=200_000,
        max_tokens=20_000,
    )


sources = st.one_of(st.none(), st.text(max_size=40))
message_templates = st.builds(
    MessageTemplate,
    subject=st.text(max_size=40),
    preheader=sources,
    text=sources,
    html=sources,
    params=st.lists(
        st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
            lambda name: name not in RESERVED_NAMES
        ),
        unique=True,
        max_size=3,
    ).map(tuple),
    missing=st.sampled_from(["strict", "lenient"]),
)


@given(message_templates)
def test_message_template_round_trips_through_json(message: MessageTemplate) -> None:
    assert MessageTemplate.model_validate_json(message.model_dump_json()) == message


literal_text = st.text(
    alphabet=st.characters(blacklist_characters="{}%#", blacklist_categories=("Cs",)),
    max_size=40,
)
literal_templates = st.builds(
    MessageTemplate,
    subject=literal_text,
    text=st.one_of(st.none(), literal_text),
    missing=st.sampled_from(["strict", "lenient"]),
)


@given(
    st.dictionaries(st.sampled_from(["sv-SE", "sv", "en", "de-DE"]), literal_templates),
    literal_templates,
)
def test_templates_round_trip_through_json(
    variants: dict[str, MessageTemplate], default: MessageTemplate
) -> None:
    templates = Templates(templates={"t": {**variants, "default": default}})
    again = Templates.model_validate_json(templates.model_dump_json())
    assert again == templates
    assert again.render("t", {}) == templates.render("t", {})


def test_a_template_that_is_not_unicode_is_refused_when_built() -> None:
    for source in ("Hej \ud800", "{{ '\\ud800' }}"):
        with pytest.raises(DefinitionError, match="not valid Unicode") as caught:
            one(source)
        assert caught.value.problems[0].path.startswith("templates[t].default.text")


# --------------------------------------------------------------------------- missing data


def test_strict_template_fails_on_missing_value() -> None:
    templates = one("Hi {{ customer.attributes.nickname }}")
    with pytest.raises(MissingVariableError) as caught:
        templates.render("t", {"customer": {"id": "c1", "attributes": {}}})
    assert str(caught.value) == "templates[t].default.text:1: 'nickname' is undefined"
    assert isinstance(caught.value, (TemplateError, JourneykitError, ValueError))


def test_strict_template_names_the_line_and_path() -> None:
    templates = one("line one\n{{ discount_code }}", part="html")
    with pytest.raises(MissingVariableError) as caught:
        templates.render("t", {})
    error = caught.value
    assert (error.template, error.variant, error.part, error.line) == ("t", "default", "html", 2)
    assert error.reason == "'discount_code' is undefined"


def test_lenient_template_prints_nothing_and_warns() -> None:
    templates = one(
        "Hi {{ customer.attributes.nickname }}{{ customer.attributes.x.y }}!"
        "{% for p in products %}x{% endfor %}",
        missing="lenient",
    )
    message = templates.render("t", {"customer": {"id": "c1", "attributes": {}}})
    assert message.text == "Hi !"
    assert message.warnings == (
        "templates[t].default.text:1: 'nickname' is undefined; printed as empty",
        "templates[t].default.text:1: 'x.y' is undefined; printed as empty",
        "templates[t].default.text:1: 'products' is undefined; looped over as empty",
    )


def test_lenient_warnings_are_bounded() -> None:
    source = "{% for i in range(500) %}{{ customer.attributes[i ~ name] }}{% endfor %}"
    templates = one(source, missing="lenient")
    message = templates.render(
        "t", {"customer": {"id": "c1", "attributes": {}}, "name": "n" * 1000}
    )
    assert len(message.warnings) == 51
    assert message.warnings[-1] == "450 more warnings like these were left out"
    assert all(len(warning) <= 300 for warning in message.warnings)


@pytest.mark.parametrize("missing", ["strict", "lenient"])
def test_presence_tests_work_in_both_modes(missing: str) -> None:
    templates = one(
        "{% if customer.attributes.nickname %}nick{% else %}none{% endif %}"
        "{{ ' defined' if customer.attributes.x is defined else ' undefined' }}"
        "{{ customer.attributes.nickname | default(' fallback') }}",
        missing=missing,
    )
    message = templates.render("t", {"customer": {"id": "c1", "attributes": {}}})
    assert message.text == "none undefined fallback"
    assert message.warnings == ()


@pytest.mark.parametrize("missing", ["strict", "lenient"])
@pytest.mark.parametrize("source", ["{{ total + 1 }}", "{{ helper() }}", "{{ -total }}"])
def test_computing_with_a_missing_value_fails_in_both_modes(missing: str, source: str) -> None:
    with pytest.raises(MissingVariableError):
        one(source, missing=missing).render("t", {})


def test_missing_values_in_filters() -> None:
    assert one("{{ x | money('SEK') }}", missing="lenient").render("t", {}).text == ""
    with pytest.raises(MissingVariableError, match="'currency' is undefined"):
        one("{{ 5 | money(currency) }}").render("t", {})


# --------------------------------------------------------------------------- the context


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.text(max_size=12)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)

TOUCH_EVERYTHING = """
{%- for k, v in customer.attributes | dictsort %}{{ k }}{{ v is mapping }}
{%- if v is sequence and v is not string %}{% for x in v %}{{ x is number }}{% endfor %}{% endif %}
{%- endfor %}{{ customer.attributes | length }}
{%- set ns = namespace(seen=customer.attributes) %}{% set ns.extra = 1 %}
{{- customer.attributes.keys() | list | length }}{{ products | map('string') | list | length }}
{{- customer.attributes | tojson | length }}{{ products | unique | list | length }}
"""


@given(
    st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=5),
    st.lists(json_values, max_size=4),
)
def test_rendering_never_changes_the_context(
    attributes: dict[str, Any], products: list[Any]
) -> None:
    context = {"customer": {"id": "c1", "attributes": attributes}, "products": products}
    before = copy.deepcopy(context)
    with contextlib.suppress(TemplateError):
        one(TOUCH_EVERYTHING).render("t", context)
    assert context == before


@given(st.text(max_size=60))
def test_customer_text_is_escaped_in_html_only(name: str) -> None:
    source = "<b>{{ customer.first_name }}</b>"
    templates = Templates(templates={"t": {"default": MessageTemplate(text=source, html=source)}})
    context = {"customer": {"id": "c1", "first_name": name}}
    if any("\ud800" <= c <= "\udfff" for c in name):
        with pytest.raises(TemplateError, match="not valid Unicode"):  # a lone surrogate
            templates.render("t", context)
        return
    message = templates.render("t", context)
    assert message.html == f"<b>{escape(name)}</b>"
    assert message.text == f"<b>{name}</b>"


@dataclass
class Customer:
    id: str
    email: str | None = None
    phone: str | None = None
    timezone: str | None = "Europe/Stockholm"
    locale: str | None = "sv-SE"
    created_at: datetime = datetime(2024, 1, 1, tzinfo=UTC)
    attributes: dict[str, Any] = field(default_factory=dict)
    suppressed: bool = False


class Event(BaseModel):
    id: str
    customer_id: str
    type: str
    at: datetime
    properties: dict[str, Any]


class Product(BaseModel):
    name: str
    price: Decimal


def test_template_context_from_objects() -> None:
    at = datetime(2025, 1, 1, 12, tzinfo=UTC)
    customer = Customer(
        "c1", email="a@example.com", attributes={"first_name": "Alva", "tags": ["vip"]}
    )
    event = Event(
        id="e1",
        customer_id="c1",
        type="order_placed",
        at=at,
        properties={"value": "499.00", "currency": "SEK", "items": [{"sku": "m"}]},
    )

    @dataclass
    class Step:
        id: str

    @dataclass
    class Journey:
        id: str
        version: int

    @dataclass
    class Stage:
        name: str

    context = template_context(
        customer,
        event=event,
        stage=Stage("first_time_customer"),
        journey=Journey("post_purchase", 3),
        step=Step("thanks"),
        extra={"products": [Product(name="Mug", price=Decimal("99"))]},
    )
    assert context == {
        "customer": {
            "id": "c1",
            "email": "a@example.com",
            "phone": None,
            "timezone": "Europe/Stockholm",
            "locale": "sv-SE",
            "created_at": datetime(2024, 1, 1, tzinfo=UTC),
            "first_name": "Alva",
            "last_name": None,
            "attributes": {"first_name": "Alva", "tags": ("vip",)},
        },
        "event": {
            "id": "e1",
            "type": "order_placed",
            "at": at,
            "properties": {"value": "499.00", "currency": "SEK", "items": ({"sku": "m"},)},
        },
        "order": {"value": "499.00", "currency": "SEK", "items": ({"sku": "m"},)},
        "stage": "first_time_customer",
        "journey": {"id": "post_purchase", "version": 3},
        "step": {"id": "thanks"},
        "products": ({"name": "Mug", "price": Decimal("99")},),
    }
    assert "suppressed" not in context["customer"]


def test_template_context_from_journeykit_models() -> None:
    models = pytest.importorskip("journeykit.models")
    stages = pytest.importorskip("journeykit.stages")
    customer = models.Customer(
        id="c-42",
        email="ada@example.com",
        timezone="Europe/Stockholm",
        locale="sv_SE",
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        attributes={"first_name": "Ada", "vip": True},
        consent={"email": "opted_in"},
    )
    event = models.Event(
        id="evt-1",
        customer_id="c-42",
        type="order_placed",
        at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
        properties={"order_id": "o-1", "value": "499.00", "currency": "SEK"},
    )
    context = template_context(customer, event=event, stage=stages.Stage(name="vip"))
    assert context["customer"]["first_name"] == "Ada"
    assert context["customer"]["locale"] == "sv-SE"
    assert "consent" not in context["customer"]
    assert context["order"]["order_id"] == "o-1"
    assert context["stage"] == "vip"
    templates = Templates(
        templates={
            "thanks": {
                "default": MessageTemplate(
                    text="{{ customer.first_name }}: {{ order.value | money(order.currency) }}"
                    " {{ event.at | datetime('short') }}"
                )
            }
        }
    )
    assert templates.render("thanks", context).text == f"Ada: 499,00{NBSP}kr 2026-03-02 13:00"


def test_template_context_copies_its_input() -> None:
    attributes = {"tags": ["vip"]}
    context = template_context({"id": "c1", "attributes": attributes})
    context["customer"]["attributes"]["tags"] = ()
    assert attributes == {"tags": ["vip"]}


def test_template_context_without_event_has_no_event_or_order() -> None:
    context = template_context(
        {"id": "c1"}, event={"id": "e", "type": "signed_up", "at": None, "properties": None}
    )
    assert "order" not in context
    assert context["event"]["properties"] == {}
    assert set(template_context({"id": "c1"})) == {"customer"}


def _nested(depth: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"extra": {"customer": 1}}, "already uses"),
        ({"extra": {"two words": 1}}, "must be a name"),
        ({"extra": {"f": print}}, "extra.f: templates take plain data"),
        ({"extra": {"s": {1, 2}}}, "plain data"),
        ({"extra": {"d": {1: "x"}}}, "keys must be text"),
        ({"extra": {"at": datetime(2024, 1, 1)}}, "naive"),
        ({"extra": {"deep": _nested(40)}}, "nested"),
    ],
)
def test_template_context_refuses_bad_input(kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        template_context({"id": "c1"}, **kwargs)


def test_template_context_needs_a_customer() -> None:
    with pytest.raises(InvalidInputError, match="customer is required"):
        template_context(None)


def test_template_context_refuses_another_customers_event() -> None:
    event = {"id": "e1", "customer_id": "c2", "type": "order_placed", "at": None}
    with pytest.raises(InvalidInputError) as caught:
        template_context({"id": "c1"}, event=event)
    assert [p.path for p in caught.value.problems] == ["event.customer_id"]
    assert "'c2'" in str(caught.value)
    assert template_context({"id": "c1"}, event={**event, "customer_id": "c1"})["order"] == {}


def test_template_context_names_a_set_a_set() -> None:
    with pytest.raises(InvalidInputError, match="got a set"):
        template_context({"id": "c1"}, extra={"tags": {"a", "b"}})


# --------------------------------------------------------------------------- checking


def test_building_compiles_every_part_so_rendering_never_does() -> None:
    templates = cart_templates()
    code = templates._runtime().code
    assert {key for key in code if key[0] == "cart_reminder"} == {
        ("cart_reminder", variant, part)
        for variant in ("default", "sv")
        for part in ("subject", "text", "html")
    }
    validate(templates, cart_context())


def test_building_reports_every_problem_at_once() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            templates={
                "cart_reminder": {
                    "default": MessageTemplate(
                        subject="{{ customer.frist_name }}",
                        text="line 1\n{% for p in products %}\n{{ p.name }}\n",
                        html="<p>\n{{ total | monye }}\n{{ discount_code }}\n</p>",
                        params=("discount_code",),
                    ),
                    "sv-SE": MessageTemplate(
                        text="{% include 'footer' %}\n{{ x | safe }}\n{{ 'a' * 10**9 }}",
                    ),
                },
                "only_swedish": {"sv": MessageTemplate(text="Hej")},
                "welcome": {"default": MessageTemplate(text="{{ range(10**7) | list }}")},
            }
        )
    problems = [(p.path, p.message) for p in caught.value.problems]
    assert problems == [
        (
            "templates[cart_reminder].default.subject:1",
            "unknown field 'customer.frist_name' (known: attributes, created_at, email,"
            " first_name, get, id, items, keys, last_name, locale, phone, timezone, values);"
            " did you mean 'first_name'?",
        ),
        (
            "templates[cart_reminder].default.text:3",
            "syntax error: Unexpected end of template. Jinja was looking for the following"
            " tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'.",
        ),
        (
            "templates[cart_reminder].default.html:2",
            "unknown filter 'monye'; did you mean 'money'?",
        ),
        (
            "templates[cart_reminder].default.html:2",
            "unknown variable 'total': not in the documented context and not declared in params",
        ),
        (
            "templates[cart_reminder].sv-SE.text:1",
            "unknown layout 'footer' (layouts: none)",
        ),
        (
            "templates[cart_reminder].sv-SE.text:2",
            "filter 'safe' is not available: customer data in the html part is always escaped",
        ),
        (
            "templates[cart_reminder].sv-SE.text:2",
            "unknown variable 'x': not in the documented context and not declared in params",
        ),
        (
            "templates[only_swedish]",
            "no 'default' variant and none for default_locale 'en-US': some customers would"
            " get no message",
        ),
        (
            "templates[welcome].default.text:1",
            "range() of 10000000 items is more than the 10000 allowed (limits.max_range)",
        ),
    ]
    assert str(caught.value).startswith("9 problems in the definition:\n  - templates[")


def test_unknown_variables_are_reported_with_a_suggestion() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            templates={
                "t": {
                    "default": MessageTemplate(
                        text="{{ customr.id }}\n{{ total }}", params=["totals"]
                    )
                }
            }
        )
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "templates[t].default.text:1",
            "unknown variable 'customr': not in the documented context and not declared in"
            " params; did you mean 'customer'?",
        ),
        (
            "templates[t].default.text:2",
            "unknown variable 'total': not in the documented context and not declared in"
            " params; did you mean 'totals'?",
        ),
    ]


def test_validate_with_a_sample_renders_each_variant_in_its_locale() -> None:
    templates = Templates(
        templates={
            "t": {
                "default": MessageTemplate(text="{{ customer.attributes.tier | upper }}"),
                "sv": MessageTemplate(text="{{ order.value | money(order.currency) }}"),
                "de": MessageTemplate(text="{{ customer.attributes.vip }}", missing="lenient"),
            }
        }
    )
    good = {
        "customer": {"id": "c1", "attributes": {"tier": "gold"}},
        "order": {"value": "1", "currency": "SEK"},
    }
    validate(templates, good)
    validate(templates)
    with pytest.raises(DefinitionError) as caught:
        validate(
            templates,
            {
                "customer": {"id": "c1", "attributes": {}},
                "order": {"value": "x", "currency": "SEK"},
            },
        )
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("templates[t].default.text:1", "'tier' is undefined"),
        ("templates[t].sv.text:1", "|money needs a number, got 'x'"),
    ]


def test_checking_accepts_params_loop_variables_and_macros() -> None:
    source = (
        "{% macro m(x) %}{{ x }}{{ varargs | length }}{% endmacro %}"
        "{% for p in products %}{{ loop.index }}{{ m(p) }}{% endfor %}"
        "{% set ns = namespace(n=0) %}{{ range(3) | list | length }}{{ ns.n }}"
        "{{ customer.attributes.anything }}{{ event.properties.x }}{{ order.anything }}"
        "{{ journey.id }}{{ step.id }}{{ stage }}"
        "{% with y = 1 %}{{ y }}{% endwith %}"
    )
    Templates(templates={"t": {"default": MessageTemplate(text=source, params=("products",))}})


def test_checking_ignores_fields_of_names_the_template_assigns() -> None:
    source = "{% set customer = {'nick': 'x'} %}{{ customer.nick }}"
    Templates(templates={"t": {"default": MessageTemplate(text=source)}})


def test_checking_uses_the_templates_limits() -> None:
    with pytest.raises(DefinitionError, match="repeating text 20 times"):
        Templates(
            templates={"t": {"default": MessageTemplate(text="{{ 'x' * 20 }}")}},
            limits=TemplateLimits(max_output_chars=10),
        )


def test_names_used_lists_what_a_journey_must_provide() -> None:
    templates = cart_templates()
    assert templates.names_used("cart_reminder") == {
        "customer",
        "products",
        "cart",
        "discount_code",
        "expires_at",
    }
    assert (
        one("{% set x = 1 %}{{ x }}{% for p in [1] %}{{ p }}{% endfor %}").names_used("t") == set()
    )
    with pytest.raises(TemplateNotFoundError):
        templates.names_used("nope")


def test_merged_registries_let_a_host_replace_a_template_by_name() -> None:
    base = Templates(
        templates={
            "welcome": {"default": MessageTemplate(text="Hi"), "sv": MessageTemplate(text="Hej")},
            "bye": {"default": MessageTemplate(text="Bye")},
        },
        default_locale="sv-SE",
        limits={"max_operations": 5000},
    )
    shop = Templates(templates={"welcome": {"default": MessageTemplate(text="Welcome!")}})
    merged = base.merged(shop)
    assert merged.render("welcome", {}, locale="sv").text == "Welcome!"  # all variants replaced
    assert merged.render("bye", {}).text == "Bye"
    assert (merged.default_locale, merged.limits) == (base.default_locale, base.limits)
    assert base.render("welcome", {}, locale="sv").text == "Hej"  # base unchanged
    broken = unchecked("{{ nope }}")
    with pytest.raises(DefinitionError, match="unknown variable 'nope'"):
        base.merged(broken)


def test_errors_pickle_and_keep_their_location() -> None:
    error = TemplateSecurityError(
        "nope", template="t", variant="sv", part="html", line=3, layout="layouts[x].sv:2"
    )
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is TemplateSecurityError
    assert str(again) == "templates[t].sv.html:3: nope (in layouts[x].sv:2)"
    assert again.path == "templates[t].sv.html:3"
    assert again.layout == "layouts[x].sv:2"
    assert TemplateError("bare").path == ""
    assert str(TemplateError("bare", line=2)) == "line 2: bare"
    assert str(TemplateError("lone \ud800 surrogate")).encode("utf-8")


def test_template_errors_live_in_journeykit_errors() -> None:
    for cls in (
        TemplateError,
        TemplateSecurityError,
        TemplateLimitError,
        MissingVariableError,
        TemplateNotFoundError,
    ):
        assert cls.__module__ == "journeykit.errors"
        assert getattr(journeykit.errors, cls.__name__) is cls
        assert issubclass(cls, JourneykitError)
    assert journeykit.TemplateError is TemplateError


def test_importing_the_errors_imports_no_template_engine() -> None:
    code = (
        "import sys, journeykit.errors, journeykit;"
        "assert 'jinja2' not in sys.modules, 'journeykit.errors imported jinja2';"
        "journeykit.Templates;"
        "assert 'jinja2' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_expires_in_the_future_example() -> None:
    # a realistic computed date: the host passes 'now' plus an offer window
    now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    context = {"valid_until": now + timedelta(days=3)}
    assert text_of("{{ valid_until | date('full') }}", context, locale="sv-SE") == (
        "tisdag 4 mars 2025"
    )


def test_security_error_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        unchecked("{{ ''.__class__ }}").render("probe", {})
