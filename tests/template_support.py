"""Shared helpers for the template tests: registries that skip the build-time checks (to
test the render-time sandbox on its own), the leak pattern, and the payloads of the
attacks issue 14 found, which the security suite and the subprocess test both run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from jinja2 import Environment, meta

from journeykit._base import FrozenDict
from journeykit._sandbox.library import BUILT_IN_FILTERS
from journeykit.templates import MessageTemplate, TemplateLimits, Templates

# Text an error, warning or output must never contain: addresses, reprs, paths, internals.
LEAKS = re.compile(
    r"0x[0-9a-fA-F]{4,}"
    r"|<(?:function|built-in|bound|method|class|module|generator|frame|code|cell"
    r"|Namespace|Macro|LoopContext|TemplateReference|jinja2|object)"
    r"|site-packages|/usr/|Traceback|File \"|posix|Popen|subprocess|environ\("
    r"|'__name__': '|'__builtins__': [{<]|__loader__|<frozen|jinja2\.|journeykit\._"
    r"|'email': '|'first_name': '"  # a context mapping printed whole
)


def assert_no_leak(text: str) -> None:
    found = LEAKS.search(text)
    assert found is None, f"leaked {found.group(0)!r} in {text!r}"


def names_read(source: str) -> frozenset[str]:
    """The names ``source`` reads from its context (jinja2's own analysis, with
    journeykit's filter names known); empty when jinja2 cannot parse it."""
    env = Environment()
    env.filters.update(dict.fromkeys(BUILT_IN_FILTERS, str))
    try:
        return frozenset(meta.find_undeclared_variables(env.parse(source)))
    except Exception:
        return frozenset()


def unchecked(
    source: str,
    *,
    part: str = "text",
    missing: str = "strict",
    layouts: Mapping[str, Mapping[str, str]] | None = None,
    limits: TemplateLimits | None = None,
) -> Templates:
    """A registry holding ``source`` as template ``probe`` that has *not* been checked.

    Building a registry checks it, and most attacks are refused there; the render-time
    sandbox must hold on its own too (defence in depth), so these tests reach it
    directly. Only tests do this: a host always builds registries the checked way.
    """
    message = MessageTemplate.model_validate({part: source, "missing": missing})
    return Templates.model_construct(
        templates=FrozenDict({"probe": FrozenDict({"default": message})}),
        layouts=FrozenDict(
            {name: FrozenDict(variants) for name, variants in (layouts or {}).items()}
        ),
        default_locale="en-US",
        default_timezone="UTC",
        limits=limits or TemplateLimits(),
    )


def customer_context() -> dict[str, Any]:
    """A customer whose data is hostile in every way the findings used."""
    return {
        "customer": {
            "id": "c1",
            "first_name": "<script>alert(1)</script>",
            "email": "alva@example.com",
            "attributes": {"tier": "gold", "tags": ["vip"]},
            "created_at": datetime(2024, 1, 1, tzinfo=timezone.utc),
        },
        "order": {
            "items": [{"name": "Mug", "price": "99.00"}],
            "value": "99.00",
            "total": Decimal("1.5"),
            "huge": Decimal("1e370000"),
        },
        "products": [{"name": "Mug"}, {"name": "Bowl"}],
    }


class Attack(NamedTuple):
    """One of issue 14's findings as a template, and what must happen instead."""

    id: str
    source: str
    #: ``limit``: refused with TemplateLimitError; ``error``: another TemplateError;
    #: ``escaped``: renders, with no customer data raw in the html part; ``warned``:
    #: renders in lenient mode with a bounded list of warnings.
    expect: Literal["limit", "error", "escaped", "warned"]


_NEST = "((((((((((ns.t,),),),),),),),),),)"
#: Issue 14's first attack within a budget a host may set (``max_operations`` up to
#: 100,000,000): a million levels, hashed in C, unless depth is bounded when it is built.
DEEP_TUPLE = (
    "{% set ns = namespace(t=1) %}{% for i in range(100) %}{% for j in range(1000) %}"
    "{% set ns.t = " + _NEST + " %}{% endfor %}{% endfor %}{{ ns.t in {} }}"
)
DEEP_TUPLE_LIMITS = TemplateLimits(max_operations=3_000_000)

#: The attacks issue 14 found: each crashed the process, ran for seconds, used hundreds of
#: megabytes, or put customer data into the html part unescaped.
ATTACKS: tuple[Attack, ...] = (
    Attack(
        "1-nested-tuple-segfault",
        "{% set ns = namespace(t=1) %}{% for i in range(9) %}{% for j in range(10000) %}"
        "{% set ns.t = " + _NEST + " %}{% endfor %}{% endfor %}{{ ns.t in {} }}",
        "limit",
    ),
    Attack(
        "1-nested-tuple-behind-if",
        "{% if customer.attributes.tier %}{% set ns = namespace(t=1) %}"
        "{% for i in range(9) %}{% for j in range(10000) %}{% set ns.t = " + _NEST + " %}"
        "{% endfor %}{% endfor %}{{ ns.t in {} }}{% endif %}",
        "limit",
    ),
    Attack(
        "1-nested-tuple-hashed-by-unique",
        "{% set ns = namespace(t=1) %}{% for j in range(10000) %}{% set ns.t = "
        + _NEST
        + " %}{% endfor %}{{ [ns.t, ns.t] | unique | list | length }}",
        "limit",
    ),
    Attack(
        "1-nested-tuple-as-dict-key",
        "{% set ns = namespace(t=1) %}{% for j in range(10000) %}{% set ns.t = "
        + _NEST
        + " %}{% endfor %}{{ {ns.t: 1} | length }}",
        "limit",
    ),
    Attack(
        "1-nested-list-by-filters",
        "{% set ns = namespace(t=[1]) %}{% for j in range(10000) %}"
        "{% set ns.t = ns.t | batch(1) | list %}{% endfor %}{{ ns.t in [] }}",
        "limit",
    ),
    Attack(
        "2-comparison-of-shared-lists",
        "{% set ns = namespace(a=1, b=1) %}{% for i in range(9) %}{% set ns.a = [ns.a] * 10 %}"
        "{% set ns.b = [ns.b] * 10 %}{% endfor %}{{ ns.a == ns.b }}",
        "limit",
    ),
    Attack(
        "2-sort-of-shared-lists",
        "{% set ns = namespace(a=1) %}{% for i in range(9) %}{% set ns.a = [ns.a] * 10 %}"
        "{% endfor %}{{ [ns.a, ns.a] | sort | length }}",
        "limit",
    ),
    Attack(
        "2-loop-changed-of-shared-lists",
        "{% set ns = namespace(a=1) %}{% for i in range(9) %}{% set ns.a = [ns.a] * 10 %}"
        "{% endfor %}{% for x in [1, 2] %}{{ loop.changed(ns.a) }}{% endfor %}",
        "limit",
    ),
    Attack(
        "3-striptags-block",
        "{% filter striptags %}{{ customer.first_name }}{% endfilter %}",
        "escaped",
    ),
    Attack("3-indent-argument", "{{ ('a\nb' | e) | indent(customer.first_name) }}", "escaped"),
    Attack(
        "3-default-block", "{% filter default(customer.first_name) %}{% endfilter %}", "escaped"
    ),
    Attack("3-join-block", "{% filter join(customer.first_name) %}ab{% endfilter %}", "escaped"),
    Attack("3-date-block", "{% filter date(\"'<script>'\") %}2024-01-01{% endfilter %}", "escaped"),
    Attack(
        "4-star-args",
        "{% macro m() %}{{ varargs | length }}{% endmacro %}"
        "{% for i in range(10000) %}{{ m(*range(10000)) }}{% endfor %}",
        "limit",
    ),
    Attack(
        "4-reverse-search",
        "{% set s = 'a' * 400000 %}{{ s.rfind('a' * 50000 ~ 'b' ~ 'a' * 50000) }}",
        "limit",
    ),
    Attack(
        "4-rpartition", "{% set s = 'a' * 400000 %}{{ s.rpartition('a' * 60000 ~ 'b') }}", "limit"
    ),
    Attack("4-decimal-power", "{{ (order.total ** 370000) | plural('a', 'b') }}", "limit"),
    Attack("4-decimal-plural", "{{ order.huge | plural('a', 'b') }}", "error"),
    Attack(
        "4-lower-case-copies",
        "{% set l = ['A' * 400000] * 10 %}{% for i in range(100) %}"
        "{{ l | unique | list | length }}{% endfor %}",
        "limit",
    ),
    Attack(
        "4-urlencode-before-allocating",
        "{% set s = 'x' * 400000 %}{{ {'a': s, 'b': s, 'c': s, 'd': s} | urlencode | length }}",
        "limit",
    ),
    Attack(
        "4-list-literals",
        "{% set ns = namespace(n=0) %}{% for i in range(10000) %}{% set x = ["
        + ", ".join(["ns.n"] * 200)
        + "] %}{% endfor %}",
        "limit",
    ),
    Attack(
        "4-lenient-warnings",
        "{% set k = 'k' * 500000 %}{% for i in range(1000) %}{{ customer[k][i] }}{% endfor %}",
        "warned",
    ),
    Attack("4-compile-cost", "{{a~a}}" * 28000, "limit"),
    Attack("5-deep-attributes", "{{ customer" + ".a" * 1000 + " }}", "limit"),
    Attack("5-deep-filters", "{{ 'x'" + "|e" * 3000 + " }}", "limit"),
    Attack("5-deep-sums", "{{ 1" + "+1" * 3000 + " }}", "limit"),
    Attack("8-lone-surrogate", "{{ '\\ud800' }}", "error"),
)
