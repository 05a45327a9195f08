"""The template sandbox: the SSTI corpus, issue 14's attacks, and the limits.

Every payload in ``tests/ssti_payloads.py`` must fail with a journeykit TemplateError of
its expected class, leak nothing in its text and leave the caller's context as it was:
at render time on its own (a registry that skipped the build-time checks, so the
sandbox is tested without them), through a layout, and when a registry is built the
ordinary way (refused there, or at render time). Nothing here measures seconds: work is
bounded by the budget and by counting what was done, memory by ``tracemalloc``.
"""

from __future__ import annotations

import contextlib
import copy
import re
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from journeykit import DefinitionError, InvalidInputError
from journeykit._sandbox.context import RESERVED_NAMES
from journeykit.templates import (
    MessageTemplate,
    MissingVariableError,
    RenderedMessage,
    TemplateError,
    TemplateLimitError,
    TemplateLimits,
    Templates,
    TemplateSecurityError,
)
from tests.ssti_payloads import PAYLOADS, Payload
from tests.template_support import (
    ATTACKS,
    DEEP_TUPLE,
    DEEP_TUPLE_LIMITS,
    Attack,
    assert_no_leak,
    customer_context,
    names_read,
    unchecked,
)

EXPECTED: dict[str, type[TemplateError]] = {
    "security": TemplateSecurityError,
    "missing": MissingVariableError,
    "refused": TemplateError,  # data the template cannot print, not an escape
}


def render(
    source: str, context: dict[str, Any], *, part: str = "text", **settings: Any
) -> RenderedMessage:
    return unchecked(source, part=part, **settings).render("probe", context)


@contextlib.contextmanager
def peak_memory(limit_mb: int) -> Iterator[None]:
    """Fail if the block allocates more than ``limit_mb`` at its peak."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_mb << 20, f"peak memory {peak >> 20} MB, over {limit_mb} MB"


def count_calls(fn: Callable[[], object]) -> int:
    """How many Python and C function calls ``fn`` makes: work, counted, not timed."""
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        with contextlib.suppress(Exception):
            fn()
    finally:
        sys.setprofile(None)
    return calls


def free_names(source: str) -> tuple[str, ...]:
    """The names a payload reads that a template would have to declare in params."""
    if len(source) > 20_000:  # parsing it is the attack; any name it mentions will do
        names = frozenset(re.findall(r"[A-Za-z]\w*", source))
    else:
        names = names_read(source)
    allowed = (n for n in names - RESERVED_NAMES if n.isidentifier() and not n.startswith("_"))
    return tuple(sorted(allowed))


def built(message: MessageTemplate) -> Templates | DefinitionError:
    """A registry holding ``message`` as ``probe``, or why building it was refused."""
    try:
        return Templates(templates={"probe": {"default": message}})
    except DefinitionError as error:
        return error


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_large_and_ids_are_unique() -> None:
    assert len(PAYLOADS) >= 40
    assert len({p.id for p in PAYLOADS}) == len(PAYLOADS)
    assert sum(p.id.startswith("cve-") for p in PAYLOADS) >= 10


def assert_refused_at_render(error: TemplateError, payload: Payload, part: str) -> None:
    assert type(error) is EXPECTED[payload.expect], str(error)
    for text in (str(error), repr(error), error.reason, *map(str, error.args)):
        assert_no_leak(text)
    assert error.path.startswith(f"templates[probe].default.{part}")
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


@pytest.mark.parametrize("part", ["text", "html"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_fails_at_render_with_its_error_and_leaks_nothing(
    payload: Payload, part: str
) -> None:
    context = customer_context()
    before = copy.deepcopy(context)
    with pytest.raises(TemplateError) as caught:
        render(payload.source, context, part=part)
    assert_refused_at_render(caught.value, payload, part)
    assert context == before


@pytest.mark.parametrize("how", ["include", "extends", "import"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_in_a_layout_fails_the_same_way(payload: Payload, how: str) -> None:
    source = {
        "include": "before {% include 'evil' %} after",
        "extends": "{% extends 'evil' %}",
        "import": "{% import 'evil' as evil with context %}{{ evil }}",
    }[how]
    context = customer_context()
    before = copy.deepcopy(context)
    templates = unchecked(source, part="html", layouts={"evil": {"default": payload.source}})
    with pytest.raises(TemplateError) as caught:
        templates.render("probe", context)
    error = caught.value
    if how == "import" and type(error) is TemplateSecurityError:
        pass  # printing the module itself is refused too; the payload ran first
    else:
        assert type(error) is EXPECTED[payload.expect], str(error)
    assert_no_leak(str(error))
    assert context == before


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_is_refused_when_the_registry_is_built_or_when_it_renders(
    payload: Payload,
) -> None:
    # The payload's own names are declared, so refusals come from the sandbox's checks,
    # not from an unknown variable.
    templates = built(MessageTemplate(html=payload.source, params=free_names(payload.source)))
    if isinstance(templates, DefinitionError):
        assert templates.problems
        for problem in templates.problems:
            assert problem.path.startswith("templates[probe].default.html")
            assert_no_leak(problem.message)
        return
    # Rendered without those names: a payload that leans on one stays missing.
    with pytest.raises(TemplateError) as caught:
        templates.render("probe", customer_context())
    assert_refused_at_render(caught.value, payload, "html")


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_in_lenient_mode_fails_or_prints_nothing(payload: Payload) -> None:
    context = customer_context()
    before = copy.deepcopy(context)
    try:
        message = render(payload.source, context, missing="lenient")
    except TemplateError as error:
        assert_no_leak(str(error))
    else:
        # Only payloads that lean on a missing global can render, and then as nothing.
        assert payload.expect == "missing"
        assert message.text is not None
        assert_no_leak(message.text)
        assert message.text.strip() == ""
        assert message.warnings
        for warning in message.warnings:
            assert_no_leak(warning)
    assert context == before


# --------------------------------------------------------------------------- issue 14


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
@pytest.mark.parametrize("part", ["text", "html"])
def test_attack_is_bounded(attack: Attack, part: str) -> None:
    context = customer_context()
    before = copy.deepcopy(context)
    if attack.expect in ("limit", "error"):
        with pytest.raises(TemplateError) as caught:
            render(attack.source, context, part=part)
        if attack.expect == "limit":
            assert type(caught.value) is TemplateLimitError, str(caught.value)
        assert_no_leak(str(caught.value))
    elif attack.expect == "escaped":
        message = render(attack.source, context, part=part)
        if part == "html":
            assert message.html is not None
            assert "<script" not in message.html
            assert "&lt;script" in message.html
    else:
        message = render(attack.source, context, part=part, missing="lenient")
        assert 0 < len(message.warnings) <= 51
        assert all(len(warning) <= 300 for warning in message.warnings)
    assert context == before


MEMORY_ATTACKS = [
    a
    for a in ATTACKS
    if a.id.startswith(("2-", "4-lower", "4-urlencode", "4-list", "4-lenient", "4-star", "1-"))
]


@pytest.mark.parametrize("attack", MEMORY_ATTACKS, ids=[a.id for a in MEMORY_ATTACKS])
def test_attack_stays_within_memory(attack: Attack) -> None:
    with peak_memory(64), contextlib.suppress(TemplateError):
        render(attack.source, customer_context(), missing="lenient")


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.expect == "limit"], ids=lambda a: a.id)
def test_attack_is_refused_when_built_or_when_rendered(attack: Attack) -> None:
    templates = built(MessageTemplate(text=attack.source, params=free_names(attack.source)))
    if isinstance(templates, DefinitionError):
        assert templates.problems
        for problem in templates.problems:
            assert_no_leak(problem.message)
        return
    with pytest.raises(TemplateLimitError):
        templates.render("probe", customer_context())


def test_a_million_levels_within_a_large_budget_are_refused_early() -> None:
    error = fails_with(DEEP_TUPLE, limits=DEEP_TUPLE_LIMITS)
    assert isinstance(error, TemplateLimitError)
    assert "nested more than 64 levels" in str(error)


def fails_with(source: str, **settings: Any) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        render(source, {}, **settings)
    return caught.value


def test_a_deep_value_is_refused_before_anything_hashes_it() -> None:
    # The tuple a loop builds is measured when it is built: it never gets deeper than
    # the limit, so no hash or comparison can recurse without bound.
    source = (
        "{% set ns = namespace(t=1) %}{% for j in range(100) %}{% set ns.t = (ns.t,) %}{% endfor %}"
    )
    with pytest.raises(TemplateLimitError, match="nested more than 64 levels"):
        render(source, {})
    assert render(source.replace("100", "60"), {}).text == ""


@pytest.mark.parametrize(
    "source",
    [
        "{{ data in {} }}",
        "{{ {data: 1} }}",
        "{{ [data] | unique | list }}",
        "{{ {}[data] }}",
        "{{ {}.get(data) }}",
        "{{ data == data }}",
        "{{ data is in([]) }}",
    ],
)
def test_deep_data_from_the_host_is_refused_before_it_is_hashed(source: str) -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = (deep,)
    with pytest.raises(TemplateLimitError, match="nested more than"):
        render(source, {"data": deep})


def test_comparison_is_charged_for_every_item_it_walks() -> None:
    # [x] * 10 holds x ten times; comparing walks all ten: the charge follows the walk.
    source = (
        "{% set ns = namespace(a=1, b=1) %}{% for i in range(n) %}{% set ns.a = [ns.a] * 10 %}"
        "{% set ns.b = [ns.b] * 10 %}{% endfor %}{{ ns.a == ns.b }}"
    )
    assert render(source, {"n": 3}, limits=TemplateLimits(max_operations=10_000)).text == "True"
    with pytest.raises(TemplateLimitError, match="work limit"):
        render(source, {"n": 4}, limits=TemplateLimits(max_operations=10_000))


def test_customer_data_is_escaped_in_filter_blocks_and_arguments() -> None:
    context = customer_context()
    cases = {
        "{% filter striptags %}{{ customer.first_name }}{% endfilter %}": (
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "alert(1)",
        ),
        # entities upper-cased are still entities (HTML knows &LT; and &GT;), never a tag
        "{% filter upper %}{{ customer.first_name }}{% endfilter %}": (
            "&LT;SCRIPT&GT;ALERT(1)&LT;/SCRIPT&GT;",
            "<SCRIPT>ALERT(1)</SCRIPT>",
        ),
        "{% filter default(customer.first_name) %}{% endfilter %}": (
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "<script>alert(1)</script>",
        ),
        "{{ ('a\nb' | e) | indent(customer.first_name) }}": (
            "a\n&lt;script&gt;alert(1)&lt;/script&gt;b",
            "a\n<script>alert(1)</script>b",
        ),
    }
    for source, (html, text) in cases.items():
        assert render(source, context, part="html").html == html, source
        assert render(source, context).text == text, source


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ 'ab'[1:customer] }}", "slice"),
        ("{{ {}[{}.get] }}", "undefined"),
        ("{{ {}[{}.get()] }}", "get expected at least 1 argument"),
        ("{{ [1] | map(range) | list }}", "filter"),
        ("{{ namespace.x }}", "class"),
        ("{{ range + 1 }}", "TypeError"),
        ("{{ [1, customer] | sort }}", "TypeError"),
        ("{{ (1, customer) | sort }}", "TypeError"),
        ("{{ customer['x'] + 1 }}", "undefined"),
    ],
)
def test_messages_name_the_templates_words_never_a_repr(source: str, says: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render(source, customer_context())
    message = str(caught.value)
    assert says in message
    assert_no_leak(message)
    assert "alva@example.com" not in message


def test_python_errors_quote_the_template_line() -> None:
    with pytest.raises(TemplateError) as caught:
        render("line one\n{{ 'a' + 1 }}", {})
    assert caught.value.line == 2
    assert caught.value.reason.startswith("TypeError: ")
    assert caught.value.reason.endswith("in \"{{ 'a' + 1 }}\"")


def test_lenient_warnings_never_show_a_repr() -> None:
    message = render(
        "{{ customer[customer.get] }}{{ customer[customer] }}{{ x[range] }}",
        customer_context(),
        missing="lenient",
    )
    assert len(message.warnings) == 3
    for warning in message.warnings:
        assert_no_leak(warning)
        assert "alva@example.com" not in warning


@pytest.mark.parametrize(
    "name",
    [
        "Alva\r\nBcc: victim@example.com",
        "Alva\nBcc: x",
        "Alva\rX",
        "Alva\x00X",
        "Alva\x85X",
        "Alva\u2028X",
        "Alva\x1b[31mX",
        "Alva\tX",
    ],
)
def test_subjects_and_preheaders_hold_no_line_breaks_or_control_characters(name: str) -> None:
    templates = Templates(
        templates={
            "t": {
                "default": MessageTemplate(
                    subject="Hi {{ customer.first_name }}!",
                    preheader="{{ customer.first_name }}",
                    text="Hi {{ customer.first_name }}",
                )
            }
        }
    )
    message = templates.render("t", {"customer": {"id": "c1", "first_name": name}})
    assert message.subject is not None
    assert message.preheader is not None
    for header in (message.subject, message.preheader):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in header)
        assert "Alva " in header
    assert message.text == f"Hi {name}"  # the text part is the body: kept as written
    assert message.warnings == (
        "templates[t].default.subject: line breaks and control characters replaced by spaces",
        "templates[t].default.preheader: line breaks and control characters replaced by spaces",
    )


def test_a_subject_without_control_characters_is_untouched_and_warns_nothing() -> None:
    templates = Templates(templates={"t": {"default": MessageTemplate(subject="Hej Åsa & Co ✓")}})
    message = templates.render("t", {})
    assert (message.subject, message.warnings) == ("Hej Åsa & Co ✓", ())


@pytest.mark.parametrize("part", ["subject", "text", "html"])
def test_output_that_is_not_unicode_is_refused(part: str) -> None:
    with pytest.raises(TemplateError, match="not valid Unicode") as caught:
        render("{{ name }}", {"name": "Alva \ud800"}, part=part)
    assert str(caught.value).encode("utf-8")  # the message itself can be sent and stored
    with pytest.raises(TemplateError, match="not valid Unicode"):
        render("{{ '\\udfff' }}", {}, part=part)


def test_every_rendered_message_serialises() -> None:
    message = render("{{ name }} ✓ 😀 {{ '\\u00e5' }}", {"name": "Åsa"}, part="html")
    assert RenderedMessage.model_validate_json(message.model_dump_json()) == message


def test_money_formatting_does_not_depend_on_what_rendered_before() -> None:
    money = MessageTemplate(text="{{ v | money('USD') }}", params=["v"])
    templates = Templates(templates={"t": {"default": money}})
    for first, second in (("-0", "0"), ("0", "-0"), ("0.00", "-0.00")):
        a = templates.render("t", {"v": first}, locale="en-US").text
        b = templates.render("t", {"v": second}, locale="en-US").text
        assert (a, b) == (
            ("-$0.00" if first.startswith("-") else "$0.00"),
            ("-$0.00" if second.startswith("-") else "$0.00"),
        )
    assert templates.render("t", {"v": Decimal("-0")}, locale="en-US").text == "-$0.00"
    assert templates.render("t", {"v": Decimal("0")}, locale="en-US").text == "$0.00"


# --------------------------------------------------------------------------- checking


@pytest.mark.parametrize(
    "source",
    [
        "{{ customer" + ".a" * 1000 + " }}",
        "{{ 'x'" + "|e" * 3000 + " }}",
        "{{ 1" + "+1" * 3000 + " }}",
        "{{ " + "(" * 500 + "1" + ")" * 500 + " }}",
        "{% if x %}" * 150 + "{% endif %}" * 150,
    ],
)
def test_deep_templates_are_problems_not_crashes(source: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        Templates(templates={"t": {"default": MessageTemplate(text=source, params=["x"])}})
    (problem,) = caught.value.problems
    assert problem.path.startswith("templates[t].default.text")
    assert "nested too deeply" in problem.message


def test_compiling_is_bounded_by_the_number_of_tokens() -> None:
    source = "{{a~a}}" * 28000  # 196,000 characters, within max_source_chars
    with peak_memory(32), pytest.raises(DefinitionError) as caught:
        Templates(templates={"t": {"default": MessageTemplate(text=source, params=["a"])}})
    (problem,) = caught.value.problems
    assert "more than 20000 tokens" in problem.message
    small = Templates(
        templates={"t": {"default": MessageTemplate(text="{{a~a}}" * 3, params=["a"])}},
        limits=TemplateLimits(max_tokens=15),
    )
    assert small.render("t", {"a": "x"}).text == "xxxxxx"
    with pytest.raises(DefinitionError, match="more than 14 tokens"):
        small.model_copy(update={"limits": TemplateLimits(max_tokens=14)})


def _unknown_names(count: int) -> Callable[[], object]:
    source = "".join(f"{{{{ name{i} }}}}" for i in range(count))

    def build() -> object:
        return Templates(templates={"t": {"default": MessageTemplate(text=source)}})

    return build


def test_checking_many_unknown_names_is_linear_and_reports_a_bounded_list() -> None:
    with pytest.raises(DefinitionError) as caught:
        _unknown_names(3000)()
    problems = caught.value.problems
    assert len(problems) == 21
    assert problems[-1].message == "2980 more unknown variables"
    # The work grows with the template, not with the template times its names.
    small, large = count_calls(_unknown_names(100)), count_calls(_unknown_names(1000))
    assert large < 15 * small


def test_constants_are_not_folded_while_compiling() -> None:
    # Stock jinja2 evaluates constant expressions inside from_string; journeykit's
    # compiler folds nothing, so a huge constant allocates nothing until it is refused.
    with peak_memory(16), pytest.raises(DefinitionError) as caught:
        Templates(
            templates={
                "t": {
                    "default": MessageTemplate(text="{{ 'a' | indent(2000000) }}{{ 'ab' * 10**9 }}")
                }
            }
        )
    paths = {(p.path, p.message.split(":")[0]) for p in caught.value.problems}
    assert paths == {
        (
            "templates[t].default.text:1",
            "|indent would produce about 2000001 characters, more than the 500000 allowed (limits.max_output_chars)",
        )
    }


def test_building_refuses_a_huge_constant_without_allocating_it() -> None:
    with peak_memory(16), pytest.raises(DefinitionError) as caught:
        Templates(templates={"boom": {"default": MessageTemplate(text="{{ 'a' * 10**10 }}")}})
    (problem,) = caught.value.problems
    assert problem.path == "templates[boom].default.text:1"
    assert "10000000000 times" in problem.message


# --------------------------------------------------------------------------- host data


def test_host_data_cannot_be_changed_through_a_template() -> None:
    attributes = {"tier": "gold"}
    context = {"customer": {"id": "c1", "attributes": attributes}}
    for source in (
        "{{ dict.update(customer.attributes, tier='pwned') }}",
        "{{ customer.attributes.update(tier='pwned') }}",
        "{% set a = customer.attributes %}{{ a.setdefault('x', 1) }}",
        "{% set ns = namespace(customer.attributes) %}{% set ns.tier = 'pwned' %}",
    ):
        with contextlib.suppress(TemplateError):
            render(source, context)
    assert attributes == {"tier": "gold"}


def test_functions_and_generators_are_never_printed() -> None:
    for source in (
        "{{ d.items }}",
        "{{ range }}",
        "{{ d.keys() }}",
        "{{ [d.get] }}",
        "{{ d.values() | map('string') }}",
    ):
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


def test_building_names_every_refused_construct() -> None:
    sources = {
        "autoescape": "{% autoescape false %}x{% endautoescape %}",
        "self": "{{ self }}",
        "safe": "{{ customer.first_name | safe }}",
        "attr": "{{ customer | attr('x') }}",
        "dunder": "{{ ''.__class__ }}",
        "dynamic-include": "{% include customer.first_name %}",
        "file-include": "{% include '/etc/passwd' %}",
        "ignore-missing": "{% include 'footer' ignore missing %}",
    }
    with pytest.raises(DefinitionError) as caught:
        Templates(
            templates={
                name: {"default": MessageTemplate(html=src)} for name, src in sources.items()
            }
        )
    by_name = {p.path.split("]")[0][len("templates[") :]: p.message for p in caught.value.problems}
    assert set(by_name) == set(sources)
    assert "escaping" in by_name["autoescape"]
    assert "'self'" in by_name["self"]
    assert "always escaped" in by_name["safe"]
    assert "'attr'" in by_name["attr"]
    assert "'__class__'" in by_name["dunder"]
    assert "written out in quotes" in by_name["dynamic-include"]
    assert "not a layout name" in by_name["file-include"]
    assert "ignore missing" in by_name["ignore-missing"]


# --------------------------------------------------------------------------- limits


def assert_limited(source: str, context: Any = None, **settings: Any) -> TemplateLimitError:
    with pytest.raises(TemplateLimitError) as caught:
        render(source, context or {}, **settings)
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
        ("{% set s = 'x' * 400000 %}{{ [s, s, s] | join }}", "|join"),
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
            "work limit",
        ),
        ("{{ d ** 2000 }}", "exponent too large"),
        ("{{ (d ** 1000) * (d ** 1000) }}", "digits before the point"),
        ("{{ '%999s' | format('x') }}", "|format"),
    ],
)
def test_size_limits(source: str, says: str) -> None:
    assert says in str(assert_limited(source, {"d": Decimal("10")}))


BIG = (
    "{% set big = 'ab ' * 130000 %}{% set l = range(10000) | list %}"
    "{% macro m() %}{{ varargs | length }}{% endmacro %}"
)
HEAVY = {
    "text-filter-in-loop": "{{ big | upper | length }}",
    "python-speed-filter": "{{ big | wordwrap(80) | length }}",
    "striptags": "{{ ('<a>b</a>' * 60000) | striptags | length }}",
    "title": "{{ big | title | length }}",
    "unique-of-text": "{{ big | unique | list | length }}",
    "split-method": "{{ big.split() | length }}",
    "count-method": "{{ big.count('a') }}",
    "rfind-method": "{{ big.rfind('ab ' * 100 ~ 'c') }}",
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
    "urlencode": "{{ big[:100000] | urlencode | length }}",
    "escape": "{{ big | e | length }}",
    "list-of-text": "{{ big | list | length }}",
    "int-of-long-text": "{{ ('9' * 4000) | int }}",
    "tojson": "{{ l | tojson | length }}",
    "format": "{{ '%s' | format(big) | length }}",
    "star-args": "{{ m(*l) }}",
}


@pytest.mark.parametrize("body", HEAVY.values(), ids=list(HEAVY))
def test_heavy_work_in_a_loop_is_stopped_by_the_budget(body: str) -> None:
    source = BIG + "{% for i in range(10000) %}" + body + "{% endfor %}"
    error = assert_limited(source)
    assert (
        "work limit" in str(error)
        or "built more than" in str(error)
        or "bits" in str(error)
        or "range()" in str(error)
    )


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


def test_huge_numbers_from_the_context_are_not_printed_or_converted() -> None:
    with pytest.raises(TemplateLimitError, match="too large to print"):
        render("{{ n }}", {"n": 10**400})
    with pytest.raises(TemplateLimitError, match="too large"):
        render("{{ n | int }}", {"n": Decimal("1e99999")})


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


def test_a_failed_render_leaves_the_next_one_unaffected() -> None:
    templates = Templates(
        templates={
            "bad": {
                "default": MessageTemplate(
                    text="{% for i in items %}{{ i }}{% endfor %}", params=["items"]
                )
            },
            "good": {"default": MessageTemplate(text="{{ range(3) | join(',') }}")},
        },
        limits=TemplateLimits(max_operations=100),
    )
    with pytest.raises(TemplateLimitError):
        templates.render("bad", {"items": list(range(9999))})
    assert templates.render("good", {}).text == "0,1,2"


def test_bad_render_arguments_are_input_errors_not_template_errors() -> None:
    templates = Templates(templates={"t": {"default": MessageTemplate(text="x")}})
    with pytest.raises(InvalidInputError) as caught:
        templates.render("t", {"customer": {"id": "c1"}}, locale="english")
    assert not isinstance(caught.value, TemplateError)
