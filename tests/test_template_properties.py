"""Random templates, built from a grammar of loops, sets, literals, operators and filters:
whatever they do, a render finishes within the work budget (counted in function calls,
not seconds) and in bounded memory, or is refused with a TemplateError; and customer
data never reaches the html part unescaped.

The context's text values are :class:`Leaf` objects whose comparisons and hashes are
Python functions, so the work that comparing, hashing and sorting nested lists of them
really does shows up in the count: the quantities issue 14 found charged by the top-level
length while Python walked every leaf.
"""

from __future__ import annotations

import sys
import tracemalloc
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from journeykit.templates import TemplateError, TemplateLimits
from tests.template_support import unchecked

#: The budget the random templates run with.
LIMITS = TemplateLimits(max_operations=2_000, max_output_chars=20_000, max_range=50)
#: Function calls a render may make: a fixed allowance (setting up, compiling nothing,
#: formatting) and a bounded number per work unit.
CALLS_PER_UNIT = 300
FIXED_CALLS = 60_000
MAX_PEAK_BYTES = 16 << 20
HOSTILE = "<x>&'"


class Leaf(str):
    """Customer text whose every comparison and hash is a (counted) Python call."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return str.__ne__(self, other)

    def __lt__(self, other: str) -> bool:
        return str.__lt__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self)

    def lower(self) -> str:
        return str.lower(self)


def context() -> dict[str, Any]:
    a, b = Leaf(HOSTILE + "a"), Leaf(HOSTILE + "b")
    return {
        "customer": {"id": "c1", "first_name": a},
        "x": a,
        "y": [a, b, Leaf("c")],
        # equal to y but made of other objects: Python compares equal objects that are
        # not the same object item by item, in Python (Leaf.__eq__), where it is counted
        "w": [Leaf(HOSTILE + "a"), Leaf(HOSTILE + "b"), Leaf("c")],
        "z": {"k": b},
    }


ATOMS = st.sampled_from(
    ["ns.a", "ns.b", "x", "y", "z", "i", "1", "2", "'t'", "customer.first_name", "loop.index"]
)
FILTERS = st.sampled_from(
    [
        "sort",
        "unique",
        "list",
        "batch(2)",
        "join",
        "join(',')",
        "length",
        "first",
        "last",
        "reverse",
        "tojson",
        "string",
        "upper",
        "lower",
        "map('string')",
        "select",
        "max",
        "min",
        "e",
        "striptags",
        "default(x)",
        "urlencode",
        "format(x)",
        "indent(x)",
        "truncate(5)",
        "title",
        "dictsort",
    ]
)


def expressions(depth: int = 3) -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds("[{}, {}]".format, inner, inner),
            st.builds("({},)".format, inner),
            st.builds("{{{}: {}}}".format, inner, inner),
            st.builds("({} * {})".format, inner, st.integers(0, 12)),
            st.builds("({} + {})".format, inner, inner),
            st.builds("({} ~ {})".format, inner, inner),
            st.builds("({} == {})".format, inner, inner),
            st.builds("({} in {})".format, inner, inner),
            st.builds("({} | {})".format, inner, FILTERS),
            st.builds("{}[0]".format, inner),
            st.builds("{}[1:]".format, inner),
            st.builds("{}.upper()".format, inner),
            st.builds("{}.split()".format, inner),
        )

    return st.recursive(ATOMS, extend, max_leaves=depth * 3)


#: Statements that grow a value by sharing (``[a, b] * 12`` holds a and b twelve times
#: each: a loop of them builds a tree of 24 ** n leaves from a few objects) ...
GROW = st.builds(
    str.replace,
    st.sampled_from(
        [
            "{% set ns.a = [ns.a, ns.b] * N %}",
            "{% set ns.b = [ns.a] * N %}",
            "{% set ns.a = (ns.a, ns.b) %}",
            "{% set ns.b = ns.b | batch(N) | list %}",
            "{% set ns.a = ns.a ~ ns.a %}",
        ]
    ),
    st.just("N"),
    st.integers(1, 12).map(str),
)
#: ... and statements that walk such a value the ways Python can: compare, hash, sort.
#: (Each walks the leaves through :class:`Leaf`'s Python methods, so the count sees it;
#: serialising is bounded the same way and tested on its own.)
WALK = st.sampled_from(
    [
        "{{ ns.a == ns.b }}",
        "{{ ns.a in [ns.b] }}",
        "{{ [ns.a, ns.b] | unique | list | length }}",
        "{{ [ns.a, ns.b] | sort | length }}",
        "{{ {ns.a: 1} | length }}",
        "{% for v in [ns.a, ns.b] %}{{ loop.changed(v) }}{% endfor %}",
    ]
)


def statements(depth: int) -> st.SearchStrategy[str]:
    expr = expressions()
    simple = st.one_of(
        GROW,
        WALK,
        st.builds("{{{{ {} }}}}".format, expr),
        st.builds("{{% set ns.a = {} %}}".format, expr),
        st.builds("{{% set ns.b = {} %}}".format, expr),
        st.just(" x&y "),  # literal text of the template's own
    )
    if depth == 0:
        return simple
    body = st.lists(statements(depth - 1), min_size=1, max_size=3).map("".join)
    return st.one_of(
        simple,
        st.builds("{{% for i in range({}) %}}{}{{% endfor %}}".format, st.integers(0, 12), body),
        st.builds("{{% if {} %}}{}{{% endif %}}".format, expr, body),
        st.builds("{{% filter {} %}}{}{{% endfilter %}}".format, FILTERS, body),
    )


#: A loop that grows two equal values by sharing, then walks them: the shape of issue
#: 14's attacks (equal values make comparing walk every leaf).
SYMMETRIC = st.builds(
    "{{% set ns.a = [ns.a{1}] * {0} %}}{{% set ns.b = [ns.b{1}] * {0} %}}".format,
    st.integers(1, 12),
    st.sampled_from(["", ", 1", ", 't'", ", x"]),
)
GROWTH = st.builds(
    "{{% for i in range({}) %}}{}{{% endfor %}}{}".format,
    st.integers(0, 12),
    st.lists(st.one_of(SYMMETRIC, SYMMETRIC, GROW), min_size=1, max_size=3).map("".join),
    st.lists(WALK, min_size=1, max_size=2).map("".join),
)
TEMPLATES = st.lists(st.one_of(statements(3), GROWTH), min_size=1, max_size=4).map(
    lambda parts: "{% set ns = namespace(a=y, b=w) %}" + "".join(parts)
)


def run(source: str, part: str, missing: str) -> tuple[str | None, int, int, bool]:
    """Render ``source``; return its output (or None when refused), the function calls
    and the peak memory it took, and whether it ran past the call bound."""
    calls = 0
    bound = FIXED_CALLS + CALLS_PER_UNIT * LIMITS.max_operations
    over = False

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls, over
        if event in ("call", "c_call"):
            calls += 1
            if calls > bound and not over:
                over = True
                raise RuntimeError("past the call bound")

    templates = unchecked(source, part=part, missing=missing, limits=LIMITS)
    data = context()
    tracemalloc.start()
    sys.setprofile(profile)
    try:
        message = templates.render("probe", data)
        output: str | None = getattr(message, part)
    except TemplateError:
        output = None
    finally:
        sys.setprofile(None)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return output, calls, peak, over


@settings(max_examples=60)
@given(TEMPLATES, st.sampled_from(["text", "html"]), st.sampled_from(["strict", "lenient"]))
def test_any_template_finishes_within_its_budget_or_is_refused(
    source: str, part: str, missing: str
) -> None:
    output, _, peak, over = run(source, part, missing)
    assert not over, f"more than {FIXED_CALLS + CALLS_PER_UNIT * LIMITS.max_operations} calls"
    assert peak < MAX_PEAK_BYTES, f"peak memory {peak} bytes"
    if output is not None:
        assert len(output) <= LIMITS.max_output_chars
        output.encode("utf-8")  # valid Unicode


@settings(max_examples=60)
@given(TEMPLATES)
def test_customer_data_never_reaches_the_html_part_raw(source: str) -> None:
    try:
        message = unchecked(source, part="html", missing="lenient", limits=LIMITS).render(
            "probe", context()
        )
    except TemplateError:
        return
    assert message.html is not None
    assert "<x>" not in message.html
    assert "'" not in message.html.replace("&#39;", "")


@settings(max_examples=30)
@given(TEMPLATES)
def test_a_render_is_the_same_every_time(source: str) -> None:
    templates = unchecked(source, missing="lenient", limits=LIMITS)

    def outcome() -> str:
        try:
            return templates.render("probe", context()).model_dump_json()
        except TemplateError as error:
            return f"{type(error).__name__}: {error}"

    assert outcome() == outcome()
