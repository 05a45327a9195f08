"""The template sandbox: the SSTI corpus, the gaps jinja2 leaves open, and the limits.

Every payload in ``tests/ssti_payloads.py`` must fail with a journeykit TemplateError,
leak nothing in its text and leave the caller's context as it was.
"""

from __future__ import annotations

import contextlib
import copy
import re
import time as clock
from datetime import datetime, timezone
from typing import Any

import pytest
from jinja2 import Environment
from jinja2.sandbox import ImmutableSandboxedEnvironment

from journeykit import DefinitionError
from journeykit.templates import (
    MessageTemplate,
    MissingVariableError,
    TemplateError,
    TemplateLimitError,
    TemplateLimits,
    Templates,
    TemplateSecurityError,
    validate,
)
from tests.ssti_payloads import PAYLOADS

EXPECTED: dict[str, type[TemplateError]] = {
    "security": TemplateSecurityError,
    "missing": MissingVariableError,
}

# Text an error or output must never contain: addresses, reprs, paths, module internals.
LEAKS = re.compile(
    r"0x[0-9a-fA-F]{4,}"
    r"|<(?:function|built-in|bound|method|class|module|generator|frame|code|cell"
    r"|Namespace|Macro|LoopContext|TemplateReference|jinja2|object)"
    r"|site-packages|/usr/|Traceback|File \"|posix|Popen|subprocess|environ\("
    r"|'__name__': |'__builtins__': |__loader__|<frozen|jinja2\.|journeykit\._"
)


def customer_context() -> dict[str, Any]:
    return {
        "customer": {
            "id": "c1",
            "first_name": "<b>Alva</b>",
            "email": "alva@example.com",
            "attributes": {"tier": "gold", "tags": ["vip"]},
            "created_at": datetime(2024, 1, 1, tzinfo=timezone.utc),
        },
        "order": {"items": [{"name": "Mug", "price": "99.00"}], "value": "99.00"},
        "products": [{"name": "Mug"}, {"name": "Bowl"}],
    }


def render(
    source: str,
    context: dict[str, Any],
    *,
    part: str = "text",
    missing: str = "strict",
    **settings: Any,
) -> Any:
    message = MessageTemplate.model_validate({part: source, "missing": missing})
    templates = Templates(templates={"probe": {"default": message}}, **settings)
    return templates.render("probe", context)


def assert_no_leak(text: str) -> None:
    found = LEAKS.search(text)
    assert found is None, f"leaked {found.group(0)!r} in {text!r}"


# --------------------------------------------------------------------------- corpus


def test_corpus_is_large_and_ids_are_unique() -> None:
    assert len(PAYLOADS) >= 40
    assert len({p.id for p in PAYLOADS}) == len(PAYLOADS)
    assert sum(p.id.startswith("cve-") for p in PAYLOADS) >= 10


@pytest.mark.parametrize("part", ["text", "html"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_fails_with_template_error_and_leaks_nothing(payload: Any, part: str) -> None:
    context = customer_context()
    before = copy.deepcopy(context)
    with pytest.raises(TemplateError) as caught:
        render(payload.source, context, part=part)
    error = caught.value
    assert type(error) is EXPECTED[payload.expect], str(error)
    for text in (str(error), repr(error), error.reason, *map(str, error.args)):
        assert_no_leak(text)
    assert error.path.startswith(f"templates[probe].default.{part}")
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert context == before


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_in_lenient_mode_fails_or_prints_nothing(payload: Any) -> None:
    context = customer_context()
    before = copy.deepcopy(context)
    try:
        message = render(payload.source, context, missing="lenient")
    except TemplateError as error:
        assert_no_leak(str(error))
    else:
        # Only payloads that lean on a missing global can render, and then as nothing.
        assert payload.expect == "missing"
        assert_no_leak(message.text)
        assert message.text.strip() == ""
        assert message.warnings
    assert context == before


# --------------------------------------------------------------------------- jinja2's gaps


def test_stock_jinja2_folds_constants_while_compiling_and_journeykit_does_not() -> None:
    source = "{{ 'a' | indent(2000000) }}{{ 'ab' * 1000000 }}"
    stock = ImmutableSandboxedEnvironment().compile(source, raw=True)
    assert len(stock) > 1_000_000  # the folded result is in the generated code
    started = clock.perf_counter()
    with pytest.raises(TemplateLimitError):
        render(source, {})
    assert clock.perf_counter() - started < 2


def test_validate_refuses_huge_constant_quickly_without_allocating() -> None:
    templates = Templates(
        templates={"boom": {"default": MessageTemplate(text="{{ 'a' * 10**10 }}")}}
    )
    started = clock.perf_counter()
    with pytest.raises(DefinitionError) as caught:
        validate(templates)
    assert clock.perf_counter() - started < 2
    (problem,) = caught.value.problems
    assert problem.path == "templates[boom].default.text:1"
    assert "10000000000 times" in problem.message


def test_stock_sandbox_lets_dict_update_mutate_host_data_and_journeykit_does_not() -> None:
    attributes = {"tier": "gold"}
    env = ImmutableSandboxedEnvironment()
    env.from_string("{{ dict.update(attributes, tier='pwned') }}").render(attributes=attributes)
    assert attributes == {"tier": "pwned"}  # the gap in stock jinja2

    attributes = {"tier": "gold"}
    context = {"customer": {"attributes": attributes}}
    for source in (
        "{{ dict.update(customer.attributes, tier='pwned') }}",
        "{{ customer.attributes.update(tier='pwned') }}",
        "{% set a = customer.attributes %}{{ a.setdefault('x', 1) }}",
        "{% set ns = namespace(customer.attributes) %}{% set ns.tier = 'pwned' %}",
    ):
        with contextlib.suppress(TemplateError):
            render(source, context)
    assert attributes == {"tier": "gold"}


def test_stock_jinja2_prints_function_reprs_and_journeykit_refuses() -> None:
    stock = Environment().from_string("{{ lipsum }} {{ d.items }}").render(d={})
    assert "0x" in stock
    for source in ("{{ d.items }}", "{{ range }}", "{{ d.keys() }}", "{{ [d.get] }}"):
        with pytest.raises(TemplateError) as caught:
            render(source, {"d": {}})
        assert_no_leak(str(caught.value))


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("{{ 'a' + 1 }}", "TypeError"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ 2.0 ** 100000 }}", "OverflowError"),
        ("{{ 5[1:2] }}", "undefined"),
        ("{% for x in 5 %}{% endfor %}", "cannot loop over a number"),
        ("{% set x = 1 %}{% set x.y = 2 %}", "namespace"),
        ("{{ [1, 'a'] | sort | first }}", "TypeError"),
        ("{{ 'abc'.split('') }}", "ValueError"),
        ("{{ 'x' is divisibleby(0) }}", "Error"),
    ],
)
def test_python_exceptions_surface_as_template_errors(source: str, error: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render(source, {})
    assert error.lower() in str(caught.value).lower()
    assert_no_leak(str(caught.value))


def test_exception_from_a_host_object_is_wrapped() -> None:
    class Exploding(dict[str, object]):
        def __getitem__(self, key: object) -> object:
            raise RuntimeError(f"boom at {object()!r}")

    with pytest.raises(TemplateError) as caught:
        render("{{ data.x }}", {"data": Exploding()})
    assert "RuntimeError" in str(caught.value)
    assert_no_leak(str(caught.value))


def test_host_objects_and_callables_in_the_context_are_refused() -> None:
    class Product:
        name = "Mug"

        def delete(self) -> None:
            raise AssertionError("must not be called")

    for source in ("{{ p.name }}", "{{ p.delete() }}", "{{ p }}", "{{ f() }}", "{{ f }}"):
        with pytest.raises(TemplateSecurityError) as caught:
            render(source, {"p": Product(), "f": print})
        assert_no_leak(str(caught.value))


def test_html_in_customer_data_is_escaped_in_html_and_plain_elsewhere() -> None:
    context = {"customer": {"first_name": "<script>alert(1)</script>"}}
    source = "Hi {{ customer.first_name }} {{ customer.first_name | upper }}"
    templates = Templates(
        templates={
            "t": {
                "default": MessageTemplate(
                    subject=source, text=source, html=f"<p>{source}</p>", preheader=source
                )
            }
        }
    )
    message = templates.render("t", context)
    assert message.html == (
        "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; &lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;</p>"
    )
    for text in (message.subject, message.text, message.preheader):
        assert text == "Hi <script>alert(1)</script> <SCRIPT>ALERT(1)</SCRIPT>"


def test_validate_names_every_refused_construct() -> None:
    sources = {
        "include": "{% include 'x' %}",
        "autoescape": "{% autoescape false %}x{% endautoescape %}",
        "self": "{{ self }}",
        "safe": "{{ customer.first_name | safe }}",
        "attr": "{{ customer | attr('x') }}",
        "dunder": "{{ ''.__class__ }}",
    }
    templates = Templates(
        templates={name: {"default": MessageTemplate(html=src)} for name, src in sources.items()}
    )
    with pytest.raises(DefinitionError) as caught:
        validate(templates)
    by_name = {p.path.split("]")[0][len("templates[") :]: p.message for p in caught.value.problems}
    assert set(by_name) == set(sources)
    assert "include" in by_name["include"]
    assert "escaping" in by_name["autoescape"]
    assert "'self'" in by_name["self"]
    assert "always escaped" in by_name["safe"]
    assert "'attr'" in by_name["attr"]
    assert "'__class__'" in by_name["dunder"]


# --------------------------------------------------------------------------- limits


def assert_limited(source: str, context: Any = None, **settings: Any) -> TemplateLimitError:
    started = clock.perf_counter()
    with pytest.raises(TemplateLimitError) as caught:
        render(source, context or {}, **settings)
    assert clock.perf_counter() - started < 5, "a limit must stop the render quickly"
    assert_no_leak(str(caught.value))
    return caught.value


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ range(10**9) | list }}", "range() of 1000000000 items"),
        ("{{ range(10**100) }}", "range()"),
        ("{% for i in range(10**6) %}{% endfor %}", "range()"),
        ("{{ 'a' * 10**10 }}", "10000000000 times"),
        ("{{ [0] * 10**9 }}", "1000000000 times"),
        ("{{ 10**9 * 'ab' }}", "times"),
        ("{{ 2 ** 100000 }}", "bits"),
        ("{{ 9 ** 9 ** 9 ** 9 }}", "bits"),
        ("{{ (2 ** 600) * (2 ** 600) }}", "bits"),
        ("{{ 'x' | indent(10**9) }}", "|indent"),
        ("{{ ('x\n' * 10) | indent('y' * 100000) }}", "|indent"),
        ("{{ ('a' * 1000) | replace('a', 'b' * 1000) }}", "|replace"),
        ("{{ ('abc' * 1000) | wordwrap(1, wrapstring='x' * 1000) }}", "|wordwrap"),
        ("{{ [1] | batch(10**9, 'x') | list }}", "|batch"),
        ("{{ [1] | slice(10**9) | list }}", "|slice"),
        (
            "{% set s = 'x' * 400000 %}{{ [s, s, s] | join }}",
            "|join",
        ),
        (
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "joining",
        ),
        (
            "{% set ns = namespace(s=['a']) %}{% for i in range(64) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "work limit",
        ),
        (
            "{% set ns = namespace(kept=[]) %}{% for i in range(5000) %}"
            "{% set ns.kept = ns.kept + [('x' * 5000) ~ i] %}{% endfor %}",
            "along the way",
        ),
    ],
)
def test_size_limits(source: str, says: str) -> None:
    assert says in str(assert_limited(source))


BIG = "{% set big = 'ab ' * 130000 %}{% set l = range(10000) | list %}"
HEAVY = {
    "text-filter-in-loop": "{{ big | upper | length }}",
    "python-speed-filter": "{{ big | wordwrap(80) | length }}",
    "striptags": "{{ ('<a>b</a>' * 60000) | striptags | length }}",
    "title": "{{ big | title | length }}",
    "unique-of-text": "{{ big | unique | list | length }}",
    "split-method": "{{ big.split() | length }}",
    "count-method": "{{ big.count('a') }}",
    "strip-many-chars": "{{ big.strip('b' * 255 ~ 'a') | length }}",
    "sort": "{{ l | sort(reverse=true) | first }}",
    "map-join": "{{ l | map('string') | join | length }}",
    "map-attribute": "{{ l | map(attribute='x') | list | length }}",
    "sum": "{{ l | sum }}",
    "max": "{{ l | max }}",
    "in-operator": "{{ loop.index in l }}",
    "in-test": "{{ loop.index is in(l) }}",
    "select-in": "{{ l | select('in', l) | list | length }}",
    "equality": "{{ big == big ~ '' }}",
    "slice": "{{ big[1:] | length }}",
    "concat": "{{ (big ~ loop.index) | length }}",
    "reverse": "{{ big | reverse | length }}",
    "urlencode": "{{ big | urlencode | length }}",
    "escape": "{{ big | e | length }}",
    "list-of-text": "{{ big | list | length }}",
    "int-of-long-text": "{{ ('9' * 4000) | int }}",
}


@pytest.mark.parametrize("body", HEAVY.values(), ids=list(HEAVY))
def test_heavy_work_in_a_loop_stops_quickly(body: str) -> None:
    source = BIG + "{% for i in range(10000) %}" + body + "{% endfor %}"
    error = assert_limited(source)
    assert "work limit" in str(error) or "built more than" in str(error) or "bits" in str(error)


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ 'abc'.strip('x' * 300) }}", "at most 256"),
        ("{{ 'abc' | trim('x' * 300) }}", "at most 256"),
        ("{% set x = 9 ** 300 %}{{ x * x }}", "bits"),
        ("{{ 5 | round(-1000000) }}", "between -15 and 15"),
    ],
)
def test_argument_guards(source: str, says: str) -> None:
    with pytest.raises(TemplateError, match=says):
        render(source, {})


def test_huge_numbers_from_the_context_are_not_printed() -> None:
    with pytest.raises(TemplateLimitError, match="too large to print"):
        render("{{ n }}", {"n": 10**400})


def test_nested_loops_run_out_of_work_budget() -> None:
    error = assert_limited(
        "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}"
    )
    assert "work limit" in str(error)


def test_generators_are_charged_per_item() -> None:
    error = assert_limited(
        "{% for i in range(5000) %}{% for x in range(5000) | map('string') %}"
        "{% endfor %}{% endfor %}"
    )
    assert "work limit" in str(error)


def test_exponential_macro_calls_run_out_of_work_budget() -> None:
    source = (
        "{% macro two(n) %}{% if n %}{{ two(n - 1) }}{{ two(n - 1) }}{% endif %}{% endmacro %}"
        "{{ two(30) }}"
    )
    assert "work limit" in str(assert_limited(source))


def test_macro_recursion_is_cut_at_max_depth() -> None:
    error = assert_limited("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}")
    assert "nested more than 32" in str(error)
    assert error.line == 1


def test_recursive_loop_is_cut_at_max_depth() -> None:
    source = "{% for x in items recursive %}{{ loop(items) }}{% endfor %}"
    assert "nested more than" in str(assert_limited(source, {"items": [1]}))


def test_python_recursion_error_becomes_a_limit_error() -> None:
    # With the deepest allowed nesting, Python's own recursion limit may come first;
    # either way the caller sees a TemplateLimitError.
    source = "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}"
    assert_limited(source, limits=TemplateLimits(max_depth=200))


def test_output_size_is_capped_while_streaming() -> None:
    error = assert_limited("{% for i in range(10000) %}{{ 'x' * 1000 }}{% endfor %}")
    assert "output limit" in str(error)
    literal = "{% for i in range(10000) %}" + "y" * 1000 + "{% endfor %}"
    assert "output limit" in str(assert_limited(literal))


def test_text_built_in_blocks_and_macros_is_capped() -> None:
    source = "{% set x %}{% for i in range(10000) %}" + "y" * 1000 + "{% endfor %}{% endset %}"
    assert "built more than 4000000 characters" in str(assert_limited(source))
    macro = (
        "{% macro row() %}" + "z" * 1000 + "{% endmacro %}"
        "{% set x %}{% for i in range(5000) %}{{ row() }}{% endfor %}{% endset %}"
    )
    assert "along the way" in str(assert_limited(macro))


def test_limits_are_configurable() -> None:
    tiny = TemplateLimits(max_output_chars=10, max_operations=50, max_range=5)
    assert_limited("{{ 'x' * 11 }}", limits=tiny)
    assert_limited("{% for i in range(5) %}{{ i }}{{ i }}{{ i }}{% endfor %}", limits=tiny)
    assert_limited("{{ range(6) | list | length }}", limits=tiny)
    assert render("{{ 'x' * 10 }}", {}, limits=tiny).text == "x" * 10


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ " + "(" * 500 + "1" + ")" * 500 + " }}", "nested too deeply"),
        ("{% for a in b %}" * 25 + "{% endfor %}" * 25, "too complex"),
        ("{{ " + "9" * 5000 + " }}", "too many digits"),
        ("x" * 300_000, "too long"),
    ],
)
def test_compile_limits(source: str, says: str) -> None:
    assert says in str(assert_limited(source))


def test_compile_limits_are_problems_in_validate() -> None:
    templates = Templates(
        templates={
            "deep": {"default": MessageTemplate(text="{{ " + "(" * 500 + "1" + ")" * 500 + " }}")},
            "long": {"default": MessageTemplate(text="x" * 300_000)},
        }
    )
    with pytest.raises(DefinitionError) as caught:
        validate(templates)
    problems = {p.path: p.message for p in caught.value.problems}
    assert "nested too deeply" in problems["templates[deep].default.text"]
    assert "too long" in problems["templates[long].default.text"]


def test_a_failed_render_leaves_the_next_one_unaffected() -> None:
    templates = Templates(
        templates={
            "bad": {
                "default": MessageTemplate(text="{% for i in range(9999) %}{{ i }}{% endfor %}")
            },
            "good": {"default": MessageTemplate(text="{{ range(3) | join(',') }}")},
        },
        limits=TemplateLimits(max_operations=100),
    )
    with pytest.raises(TemplateLimitError):
        templates.render("bad", {})
    assert templates.render("good", {}).text == "0,1,2"
