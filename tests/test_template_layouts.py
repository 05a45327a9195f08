"""Shared layouts: held in the registry by name, reached with extends, include and import,
checked when the registry is built, and never a file or another registry's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from journeykit import DefinitionError
from journeykit.templates import (
    MessageTemplate,
    TemplateError,
    TemplateLimitError,
    Templates,
    TemplateSecurityError,
)
from tests.template_support import unchecked

LAYOUTS = {
    "email": {
        "default": (
            "<html><h1>{% block title %}Hello{% endblock %}</h1>"
            "{% block body %}{% endblock %}{% include 'footer' %}</html>"
        ),
    },
    "footer": {
        "default": "<footer>Unsubscribe: {{ unsubscribe_url }} ({{ 5 | money('EUR') }})</footer>",
        "sv": "<footer>Avregistrera: {{ unsubscribe_url }} ({{ 5 | money('EUR') }})</footer>",
    },
    "macros": {
        "default": '{% macro button(url, label) %}<a href="{{ url }}">{{ label }}</a>{% endmacro %}',
    },
}
WELCOME = MessageTemplate(
    html=(
        "{% extends 'email' %}"
        "{% block title %}Welcome {{ customer.first_name }}! {{ super() }}{% endblock %}"
        "{% block body %}{% from 'macros' import button %}{% import 'macros' as m %}"
        "{{ button(shop_url, customer.first_name) }}{{ m.button('/help', 'Help') }}{% endblock %}"
    ),
    text="Welcome!\n{% include 'footer' %}",
    params=["unsubscribe_url", "shop_url"],
)
CONTEXT = {
    "customer": {"id": "c1", "first_name": "<Alva>"},
    "unsubscribe_url": "https://shop.example/u?c=1&t=2",
    "shop_url": "https://shop.example/",
}


def registry(**settings: Any) -> Templates:
    return Templates(layouts=LAYOUTS, templates={"welcome": {"default": WELCOME}}, **settings)


def test_extends_include_import_and_super() -> None:
    message = registry().render("welcome", CONTEXT, locale="en-US")
    assert message.html == (
        "<html><h1>Welcome &lt;Alva&gt;! Hello</h1>"
        '<a href="https://shop.example/">&lt;Alva&gt;</a><a href="/help">Help</a>'
        "<footer>Unsubscribe: https://shop.example/u?c=1&amp;t=2 (€5.00)</footer></html>"
    )
    assert message.text == (
        "Welcome!\n<footer>Unsubscribe: https://shop.example/u?c=1&t=2 (€5.00)</footer>"
    )


def test_a_layouts_variant_follows_the_readers_locale() -> None:
    templates = registry()
    swedish = templates.render("welcome", CONTEXT, locale="sv-SE").text
    assert (
        swedish
        == "Welcome!\n<footer>Avregistrera: https://shop.example/u?c=1&t=2 (5,00\xa0€)</footer>"
    )
    german = templates.render("welcome", CONTEXT, locale="de-DE").text
    assert (
        german
        == "Welcome!\n<footer>Unsubscribe: https://shop.example/u?c=1&t=2 (5,00\xa0€)</footer>"
    )
    sv_default = registry(default_locale="sv-SE").render("welcome", CONTEXT, locale="de-DE").text
    assert sv_default is not None
    assert "Avregistrera" in sv_default


def test_a_layout_used_without_context_is_made_afresh_for_every_render() -> None:
    # jinja2 caches such a layout's output on the template; journeykit must not, or the
    # first reader's locale would be served to the next.
    templates = Templates(
        layouts={"price": {"default": "{{ 5 | money('EUR') }}"}},
        templates={
            "t": {
                "default": MessageTemplate(
                    text="{% include 'price' without context %}|"
                    "{% import 'price' as p %}{{ p is defined }}"
                )
            }
        },
    )
    assert templates.render("t", {}, locale="sv-SE").text == "5,00\xa0€|True"
    assert templates.render("t", {}, locale="en-US").text == "€5.00|True"


def test_layouts_are_reached_only_in_their_own_registry() -> None:
    ours = Templates(
        layouts={"footer": {"default": "ours"}},
        templates={"t": {"default": MessageTemplate(text="{% include 'footer' %}")}},
    )
    theirs = Templates(
        layouts={"footer": {"default": "theirs"}},
        templates={"t": {"default": MessageTemplate(text="{% include 'footer' %}")}},
    )
    assert ours.render("t", {}).text == "ours"
    assert theirs.render("t", {}).text == "theirs"
    assert ours.render("t", {}).text == "ours"


@pytest.mark.parametrize(
    "source",
    [
        "{% include 'nope' %}",
        "{% include 'os' %}",
        "{% extends 'templates' %}",
        "{% import 'welcome' as w %}",  # a template's name is not a layout's
    ],
)
def test_a_name_that_is_not_one_of_the_registrys_layouts_is_refused(source: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            layouts={"footer": {"default": "x"}},
            templates={
                "welcome": {"default": MessageTemplate(text="x")},
                "t": {"default": MessageTemplate(html=source)},
            },
        )
    (problem,) = caught.value.problems
    assert problem.path == "templates[t].default.html:1"
    assert problem.message.startswith("unknown layout")
    with pytest.raises(TemplateSecurityError, match="not a layout of this registry"):
        unchecked(source, layouts={"footer": {"default": "x"}}).render("probe", {})


def test_unknown_layouts_get_a_suggestion() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            layouts={"footer": {"default": "x"}},
            templates={"t": {"default": MessageTemplate(text="{% include 'fotter' %}")}},
        )
    assert caught.value.problems[0].message == (
        "unknown layout 'fotter' (layouts: 'footer'); did you mean 'footer'?"
    )


def test_layouts_in_a_cycle_are_a_problem_and_fail_cleanly_if_rendered() -> None:
    cycle = {"a": {"default": "{% include 'b' %}"}, "b": {"default": "{% extends 'a' %}"}}
    with pytest.raises(DefinitionError) as caught:
        Templates(layouts=cycle)
    assert [(p.path, p.message.split(";")[0]) for p in caught.value.problems] == [
        ("layouts[a]", "layouts reach each other in a cycle: a -> b -> a")
    ]
    with pytest.raises(TemplateLimitError):
        unchecked("{% include 'a' %}", layouts=cycle).render("probe", {})
    with pytest.raises(TemplateLimitError):
        unchecked(
            "{% include 'self' %}", layouts={"self": {"default": "{% include 'self' %}"}}
        ).render("probe", {})


def test_names_a_layout_reads_must_be_provided_by_the_template_using_it() -> None:
    missing = MessageTemplate(html="{% extends 'email' %}")
    with pytest.raises(DefinitionError) as caught:
        Templates(layouts=LAYOUTS, templates={"t": {"default": missing}})
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "templates[t].default.html:1",
            "a layout it uses reads 'unsubscribe_url', which is not in the documented context"
            " and not declared in this template's params",
        )
    ]
    # names the template sets are provided too (a child's blocks, a loop's variable)
    looping = MessageTemplate(
        text="{% for unsubscribe_url in ['a', 'b'] %}{% include 'footer' %}{% endfor %}"
    )
    templates = Templates(layouts=LAYOUTS, templates={"t": {"default": looping}})
    assert templates.render("t", {}, locale="en").text == (
        "<footer>Unsubscribe: a (€5.00)</footer><footer>Unsubscribe: b (€5.00)</footer>"
    )


def test_problems_inside_a_layout_have_the_layouts_path() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            layouts={
                "broken": {"default": "ok\n{% if %}", "sv": "{{ x | monye }}"},
                "refused": {"default": "{{ ''.__class__ }}{{ customer.frist_name }}"},
                "swedish": {"sv": "Hej"},
                "unsafe": {"default": "{% autoescape false %}{% endautoescape %}"},
            }
        )
    assert [(p.path, p.message.split(";")[0].split(" (")[0]) for p in caught.value.problems] == [
        (
            "layouts[broken].default:2",
            "syntax error: Expected an expression, got 'end of statement block'",
        ),
        ("layouts[broken].sv:1", "unknown filter 'monye'"),
        ("layouts[refused].default:1", "unknown field 'customer.frist_name'"),
        (
            "layouts[swedish]",
            "no 'default' variant and none for default_locale 'en-US': some messages would have"
            " no layout",
        ),
        (
            "layouts[unsafe].default:1",
            "'autoescape' is not available: escaping in the html part cannot be switched off",
        ),
    ]


def test_a_security_refusal_in_a_layout_is_found_by_the_dry_run() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(
            layouts={"evil": {"default": "line\n{{ ''.__class__ }}"}},
            templates={"t": {"default": MessageTemplate(html="{% include 'evil' %}")}},
        )
    (problem,) = caught.value.problems
    assert problem.path == "templates[t].default.html:1"
    assert problem.message == (
        "'__class__' is not available: names starting with '_' are Python internals"
        " (in layouts[evil].default:2)"
    )


def test_a_render_error_in_a_layout_says_where_in_it() -> None:
    templates = Templates(
        layouts={"price": {"default": "\n{{ amount | money('SEK') }}"}},
        templates={
            "t": {"default": MessageTemplate(text="line\n{% include 'price' %}", params=["amount"])}
        },
    )
    with pytest.raises(TemplateError) as caught:
        templates.render("t", {"amount": "x"})
    error = caught.value
    assert (error.path, error.layout) == ("templates[t].default.text:2", "layouts[price].default:2")
    assert str(error) == (
        "templates[t].default.text:2: |money needs a number, got 'x' (in layouts[price].default:2)"
    )


def test_super_needs_a_layout_to_extend() -> None:
    with pytest.raises(DefinitionError, match="super\\(\\) works only in a template that extends"):
        Templates(
            templates={
                "t": {"default": MessageTemplate(text="{% block b %}{{ super() }}{% endblock %}")}
            }
        )
    standalone = Templates(
        templates={"t": {"default": MessageTemplate(text="{% block b %}in place{% endblock %}")}}
    )
    assert standalone.render("t", {}).text == "in place"


def test_names_used_include_the_layouts() -> None:
    assert registry().names_used("welcome") == {"customer", "unsubscribe_url", "shop_url"}


def test_merged_replaces_a_layout_by_name() -> None:
    shop = Templates(
        layouts={"footer": {"default": "<footer>{{ unsubscribe_url }}</footer>"}},
    )
    merged = registry().merged(shop)
    assert (
        merged.render("welcome", CONTEXT).text
        == "Welcome!\n<footer>https://shop.example/u?c=1&t=2</footer>"
    )


def test_layouts_round_trip_through_json() -> None:
    templates = registry()
    data = json.loads(templates.model_dump_json())
    assert data["layouts"]["footer"]["sv"].startswith("<footer>Avregistrera")
    assert Templates.from_json(templates.model_dump_json()) == templates


def test_layout_names_and_variants_are_checked_like_templates() -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(layouts={"../x": {"default": "x"}, "ok": {"klingon": "x"}, "none": {}})
    assert [p.path for p in caught.value.problems] == [
        "layouts[../x]",
        "layouts[ok].klingon",
        "layouts[none]",
    ]
