"""The jinja2 filters and tests templates may use, each bounded.

Every filter and test here is ``pass_context``: jinja2 never evaluates those while
compiling, so none can be made to allocate inside ``from_string``
(``{{ 'a'|indent(10**9) }}`` would in stock jinja2). Each one charges the render's work
budget for its input and for each argument *before* running (see
:func:`~journeykit._sandbox.budget.work`), refuses inputs whose text would be a repr,
estimates its output's size before allocating where an argument can make it large, and
checks what it returns (:func:`~journeykit._sandbox.values.checked`).

journeykit's own filters (money, dates, plurals) live in
:mod:`~journeykit._sandbox.locale_filters`; a host's in
:mod:`~journeykit._sandbox.host_filters`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView, Sequence, Set
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast

from jinja2 import filters as jinja_filters
from jinja2 import pass_context
from jinja2 import tests as jinja_tests
from jinja2.runtime import Context, Undefined
from markupsafe import Markup, escape

from journeykit._errors import TemplateError, TemplateLimitError, TemplateSecurityError
from journeykit._sandbox.access import strip_cost
from journeykit._sandbox.budget import (
    PYTHON_SHIFT,
    TEXT_SHIFT,
    RenderState,
    counted,
    current_state,
    shape,
    work,
)
from journeykit._sandbox.values import (
    as_text,
    check_number,
    checked,
    describe,
    is_plain_scalar,
)

__all__ = ["DROPPED_FILTERS", "FILTERS", "TESTS", "Filter"]

Filter = Callable[..., Any]

#: jinja2's built-in filters that journeykit leaves out, and why (validation says so).
DROPPED_FILTERS: Mapping[str, str] = {
    "attr": "it reads attributes by name, the way sandbox escapes do; use x.name",
    "center": "it pads text to any width; pad in the template instead",
    "forceescape": "escaping is automatic in the html part",
    "pprint": "it prints Python reprs",
    "random": "templates must render the same way every time",
    "safe": "customer data in the html part is always escaped",
    "urlize": "it rewrites text into HTML links; write the link in the template",
    "xmlattr": "it builds HTML attributes from data (see CVE-2024-22195); write them out",
}

#: The largest width or precision ``|format`` takes.
MAX_FORMAT_WIDTH = 50
#: The largest indent ``|tojson`` takes.
MAX_JSON_INDENT = 8


# --------------------------------------------------------------------------- input checks


def _iterable(value: Any, name: str) -> Any:
    if isinstance(value, (Undefined, str, Sequence, Mapping, Set, MappingView, Iterator)):
        return value
    if is_plain_scalar(value):
        raise TemplateError(f"|{name} needs a list, got {describe(value)}")
    raise TemplateSecurityError(f"cannot apply |{name} to {describe(value)}")


def _int_arg(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError(f"{what} must be a whole number, got {describe(value)}")
    return value


def _estimate(state: RenderState, size: int, name: str) -> None:
    if size > state.max_output:
        raise TemplateLimitError(
            f"|{name} would produce about {size} characters, more than the"
            f" {state.max_output} allowed (limits.max_output_chars)"
        )


# --------------------------------------------------------------------------- jinja2 built-ins

Check = Callable[[RenderState, Any, tuple[Any, ...], dict[str, Any]], Any]


def _text_check(name: str) -> Check:
    def check(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        return as_text(value, f"apply |{name} to")

    return check


#: Filters that compare text without case by default, and where their
#: ``case_sensitive`` argument is: they make a lower-case copy of every text item.
_CASE_ARGUMENT = {"dictsort": 0, "groupby": 2, "max": 0, "min": 0, "sort": 1, "unique": 0}


def _list_check(name: str) -> Check:
    position = _CASE_ARGUMENT.get(name)

    def check(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        value = _iterable(value, name)
        if position is not None and not isinstance(value, Iterator):
            sensitive = args[position] if len(args) > position else kw.get("case_sensitive")
            if not sensitive:
                # the lower-case copies are built before anything is compared
                state.build(shape(value)[1])
        return value

    return check


def _count_check(name: str, parameter: str) -> Check:
    def check(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        count = _int_arg(args[0] if args else kw.get(parameter), f"|{name}'s {parameter}")
        if count > state.max_range:
            raise TemplateLimitError(
                f"|{name}({count}) is more than the {state.max_range} allowed (limits.max_range)"
            )
        return _iterable(value, name)

    return check


def _check_sum(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    start = args[1] if len(args) > 1 else kw.get("start", 0)
    if isinstance(start, bool) or not isinstance(start, (int, float, Decimal)):
        raise TemplateError(f"|sum adds numbers; start must be a number, got {describe(start)}")
    return _iterable(value, "sum")


def _check_replace(
    state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]
) -> Any:
    text = as_text(value, "apply |replace to")
    old = as_text(args[0] if args else kw.get("old"), "replace with")
    new = as_text(args[1] if len(args) > 1 else kw.get("new"), "replace with")
    count = args[2] if len(args) > 2 else kw.get("count")
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        hits = min(hits, count)
    _estimate(state, len(text) + hits * max(len(new) - len(old), 0), "replace")
    return text


def _check_indent(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    text = as_text(value, "apply |indent to")
    width = args[0] if args else kw.get("width", 4)
    size = len(width) if isinstance(width, str) else _int_arg(width, "|indent's width")
    _estimate(state, len(text) + max(size, 0) * (text.count("\n") + 1), "indent")
    return text


def _check_wordwrap(
    state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]
) -> Any:
    text = as_text(value, "apply |wordwrap to")
    width = _int_arg(args[0] if args else kw.get("width", 79), "|wordwrap's width")
    if width < 1:
        raise TemplateError("|wordwrap's width must be at least 1")
    wrap = args[2] if len(args) > 2 else kw.get("wrapstring")
    separator = "\n" if wrap is None else as_text(wrap, "wrap with")
    lines = len(text) // width + 1
    _estimate(state, len(text) + lines * len(separator), "wordwrap")
    state.charge(lines)
    return text


def _check_truncate(
    state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]
) -> Any:
    length = args[0] if args else kw.get("length", 255)
    _int_arg(length, "|truncate's length")
    end = args[2] if len(args) > 2 else kw.get("end", "...")
    if not isinstance(end, str):
        raise TemplateError(f"|truncate's end must be text, got {describe(end)}")
    return as_text(value, "apply |truncate to")


def _check_trim(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    text = as_text(value, "apply |trim to")
    chars = args[0] if args else kw.get("chars")
    if chars is not None:
        state.charge(strip_cost(text, as_text(chars, "trim")))
    return text


def _check_urlencode(
    state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]
) -> Any:
    """Text, a mapping of names to text or numbers, or a list of (name, value) pairs:
    nothing nested deeper, so no repr of a list is ever encoded."""
    if isinstance(value, str):
        pairs: list[Any] = [value]
    elif isinstance(value, Mapping):
        pairs = [item for pair in value.items() for item in pair]
    elif isinstance(value, (Sequence, Set, MappingView)):
        pairs = []
        for pair in cast("Iterable[Any]", value):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise TemplateError(
                    "|urlencode takes text, a mapping, or a list of (name, value) pairs;"
                    f" got an item that is {describe(pair)}"
                )
            pairs.extend(pair)
    else:
        raise TemplateError(f"|urlencode needs text or a mapping, got {describe(value)}")
    size = 0
    for item in pairs:
        if not is_plain_scalar(item) and not isinstance(item, str):
            raise TemplateError(
                f"|urlencode takes text and numbers as names and values, got {describe(item)}"
                " (nested lists and mappings cannot be encoded)"
            )
        text = as_text(item, "apply |urlencode to")
        # each character becomes at most 3 (ASCII) or 12 (4 UTF-8 bytes) characters
        size += len(text) * (3 if text.isascii() else 12) + 1
    _estimate(state, size, "urlencode")
    return value


#: How a filter's cost grows with its input (see :func:`journeykit._sandbox.budget.work`).
FREE = "free"  # constant time: first, length, abs...
TEXT = "text"  # C-speed over the text: upper, replace, truncate...
PYTHON = "python"  # Python code per character or word: title, wordwrap, striptags...
ITEMS = "items"  # Python code per item (and C-speed per character): sort, map, unique...
_TEXT_SHIFT = {FREE: 0, TEXT: TEXT_SHIFT, PYTHON: PYTHON_SHIFT, ITEMS: TEXT_SHIFT}


def input_cost(value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], cost: str) -> int:
    """Units to pay before a filter or test runs: one per argument, and what the value
    and the arguments cost to go through (a filter that goes through items, given text,
    goes through its characters one by one)."""
    if cost == ITEMS and isinstance(value, str):
        units = len(args) + len(kwargs) + len(value)
    else:
        units = len(args) + len(kwargs) + (0 if cost == FREE else work(value, _TEXT_SHIFT[cost]))
    for argument in args:
        units += work(argument)
    for argument in kwargs.values():
        units += work(argument)
    return units


def _check_round(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    precision = _int_arg(args[0] if args else kw.get("precision", 0), "|round's precision")
    if not -15 <= precision <= 15:
        raise TemplateError("|round's precision must be between -15 and 15")
    check_number(value)
    return value


def _check_number(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    check_number(value)
    return value


def _builtin(name: str, check: Check | None = None, cost: str = TEXT) -> Filter:
    func = jinja_filters.FILTERS[name]
    # How jinja2 wants its first argument (pass_context and friends).
    kind = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @pass_context
    def wrapper(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        state = current_state()
        if check is not None:
            value = check(state, value, args, kwargs)
        # Pay before running: the filter's time grows with its input.
        state.charge(1 + input_cost(value, args, kwargs, cost))
        if cost == ITEMS and isinstance(value, Iterator):
            value = counted(value, state)
        if kind == "context":
            result = func(context, value, *args, **kwargs)
        elif kind == "eval_context":
            result = func(context.eval_ctx, value, *args, **kwargs)
        elif kind == "environment":
            result = func(context.environment, value, *args, **kwargs)
        else:
            result = func(value, *args, **kwargs)
        return checked(state, result)

    wrapper.__name__ = wrapper.__qualname__ = f"filter_{name}"
    wrapper.__doc__ = func.__doc__
    return wrapper


_indent_builtin = _builtin("indent", _check_indent, PYTHON)


@pass_context
def _indent(context: Context, value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
    """Each line after the first indented by ``width`` spaces (or that text)."""
    if context.eval_ctx.autoescape and isinstance(width, str) and not isinstance(width, Markup):
        # jinja2 marks a text indent safe when the value is markup: escape it first
        width = escape(width)
    return _indent_builtin(context, value, width, *args, **kwargs)


# --------------------------------------------------------------------------- rewritten ones


@pass_context
def _default(context: Context, value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """The value, or ``default_value`` when it is undefined, none or blank text."""
    current_state().charge()
    if isinstance(value, Undefined) or value is None:
        return default_value
    if isinstance(value, str) and not value.strip():
        return default_value
    if boolean and not value:
        return default_value
    return value


@pass_context
def _join(context: Context, value: Any, d: Any = "", attribute: Any = None) -> str:
    """Items joined into text with ``d`` between them; items must be text or numbers."""
    state = current_state()
    state.charge()
    items: Any = _iterable(value, "join")
    if attribute is not None:
        items = map(jinja_filters.make_attrgetter(context.environment, attribute), items)
    separator = as_text(d, "join with")
    texts: list[str] = []
    total = 0
    for item in items:
        text = as_text(item, "join")
        total += len(text) + len(separator)
        if total > state.max_output:
            _estimate(state, total, "join")
        texts.append(text)
    state.charge(len(texts))
    if context.eval_ctx.autoescape and (
        hasattr(separator, "__html__") or any(hasattr(t, "__html__") for t in texts)
    ):
        return checked(state, escape(separator).join(texts))
    return checked(state, separator.join(texts))


@pass_context
def _escape(context: Context, value: Any) -> Markup:
    """The text with HTML special characters escaped."""
    state = current_state()
    state.charge(1 + work(value))
    return checked(state, escape(as_text(value, "escape")))


@pass_context
def _string(context: Context, value: Any) -> str:
    """The value as text (numbers, dates and text only)."""
    current_state().charge()
    return as_text(value, "convert")


_SPEC = re.compile(
    r"%(?:\((?P<key>[^()]*)\))?(?P<flags>[-#0 +]*)(?P<width>\*|\d+)?"
    r"(?:\.(?P<precision>\*|\d+))?(?P<conversion>.?)"
)
_CONVERSIONS = frozenset("sdifFeEgGxXo%")


@pass_context
def _format(context: Context, value: Any, *args: Any, **kwargs: Any) -> str:
    """printf-style formatting, ``'%s: %.2f'|format(name, price)``, made safe: the
    conversions are ``s d i f F e E g G x X o %``, widths and precisions are at most
    :data:`MAX_FORMAT_WIDTH`, and the values must be text, numbers or dates."""
    state = current_state()
    pattern = as_text(value, "format")
    state.charge(1 + input_cost(pattern, args, kwargs, TEXT))
    if args and kwargs:
        raise TemplateError("|format takes values by position or by name, not both")
    size = len(pattern)
    for spec in _SPEC.finditer(pattern):
        conversion = spec.group("conversion")
        if conversion not in _CONVERSIONS:
            shown = conversion or "the end of the text"
            raise TemplateError(
                f"|format: %{shown} is not available; use %s, %d, %f, %e, %g, %x or %o"
            )
        for part in ("width", "precision"):
            number = spec.group(part)
            if number == "*":
                raise TemplateError(f"|format: a {part} of * is not available; write it out")
            if number is not None and int(number) > MAX_FORMAT_WIDTH:
                raise TemplateLimitError(
                    f"|format: a {part} of {number} is more than the {MAX_FORMAT_WIDTH} allowed"
                )
        size += 2 * MAX_FORMAT_WIDTH + 320  # the widest number a conversion can print
    for argument in (*args, *kwargs.values()):
        if not (is_plain_scalar(argument) or isinstance(argument, str)):
            if isinstance(argument, (Mapping, Sequence, Set, MappingView, Undefined)):
                raise TemplateError(
                    f"|format takes text, numbers and dates as values, got {describe(argument)}"
                )
            raise TemplateSecurityError(f"cannot format {describe(argument)}")
        check_number(argument)
        size += len(as_text(argument, "format"))
    _estimate(state, size, "format")
    return checked(state, pattern % (kwargs or args))


def _json_value(value: Any) -> Any:
    """``value`` as JSON data: dates as ISO 8601 text, decimals as their exact text."""
    if value is None or isinstance(value, (str, bool, int)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TemplateError("|tojson: a number that is not finite has no JSON form")
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        data: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TemplateError(f"|tojson: mapping keys must be text, got {describe(key)}")
            data[str(key)] = _json_value(item)
        return data
    if isinstance(value, (list, tuple, range)):
        return [_json_value(item) for item in value]
    if isinstance(value, (Set, MappingView)):
        raise TemplateError("|tojson: a set has no order; make it a list with |sort first")
    if isinstance(value, Undefined):
        return _json_value(str(value))  # strict: fails; lenient: empty text
    raise TemplateSecurityError(f"cannot apply |tojson to {describe(value)}")


_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


@pass_context
def _tojson(context: Context, value: Any, indent: Any = None) -> str:
    """The value as JSON, keys sorted, safe inside HTML (``<``, ``>``, ``&`` and ``'``
    are written as escapes, so it can go into a script tag or an attribute)."""
    state = current_state()
    items, chars = shape(value)
    state.charge(1 + items + (chars >> TEXT_SHIFT))
    if indent is not None:
        indent = _int_arg(indent, "|tojson's indent")
        if not 0 <= indent <= MAX_JSON_INDENT:
            raise TemplateError(f"|tojson's indent must be between 0 and {MAX_JSON_INDENT}")
    # every character may become a 6-character escape; every item adds punctuation
    _estimate(state, chars * 6 + items * (8 + 2 * (indent or 0)), "tojson")
    text = json.dumps(_json_value(value), sort_keys=True, indent=indent, ensure_ascii=False)
    text = text.translate(_JSON_ESCAPES)
    return checked(state, Markup(text) if context.eval_ctx.autoescape else text)


_TEXT_FILTERS = {
    "capitalize": TEXT,
    "lower": TEXT,
    "upper": TEXT,
    "title": PYTHON,
    "striptags": PYTHON,
    "wordcount": PYTHON,
}
_LIST_FILTERS = {
    "dictsort": ITEMS,
    "first": FREE,
    "groupby": ITEMS,
    "items": ITEMS,
    "last": FREE,
    "length": FREE,
    "count": FREE,
    "list": ITEMS,
    "map": ITEMS,
    "max": ITEMS,
    "min": ITEMS,
    "reject": ITEMS,
    "rejectattr": ITEMS,
    "reverse": ITEMS,
    "select": ITEMS,
    "selectattr": ITEMS,
    "sort": ITEMS,
    "unique": ITEMS,
}
_NUMBER_FILTERS = {"abs": FREE, "filesizeformat": FREE, "float": PYTHON, "int": PYTHON}


def _build() -> dict[str, Filter]:
    table: dict[str, Filter] = {}
    for name, cost in _TEXT_FILTERS.items():
        table[name] = _builtin(name, _text_check(name), cost)
    for name, cost in _LIST_FILTERS.items():
        table[name] = _builtin(name, _list_check(name), cost)
    for name, cost in _NUMBER_FILTERS.items():
        table[name] = _builtin(name, _check_number, cost)
    table["round"] = _builtin("round", _check_round, FREE)
    table["batch"] = _builtin("batch", _count_check("batch", "linecount"), ITEMS)
    table["slice"] = _builtin("slice", _count_check("slice", "slices"), ITEMS)
    table["sum"] = _builtin("sum", _check_sum, ITEMS)
    table["replace"] = _builtin("replace", _check_replace, TEXT)
    table["indent"] = _indent
    table["wordwrap"] = _builtin("wordwrap", _check_wordwrap, PYTHON)
    table["truncate"] = _builtin("truncate", _check_truncate, TEXT)
    table["trim"] = _builtin("trim", _check_trim, TEXT)
    table["urlencode"] = _builtin("urlencode", _check_urlencode, PYTHON)
    table["default"] = table["d"] = _default
    table["join"] = _join
    table["escape"] = table["e"] = _escape
    table["string"] = _string
    table["format"] = _format
    table["tojson"] = _tojson
    return table


#: jinja2's filters a template may use, by name, each bounded.
FILTERS: Mapping[str, Filter] = _build()


def _test(name: str) -> Filter:
    # jinja2 types its test table as plain ``function`` values.
    func = cast("Callable[..., Any]", jinja_tests.TESTS[name])
    kind = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @pass_context  # never evaluated while compiling, like the filters
    def wrapper(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        current_state().charge(1 + input_cost(value, args, kwargs, TEXT))
        if kind == "environment":
            return func(context.environment, value, *args, **kwargs)
        return func(value, *args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = f"test_{name}"
    wrapper.__doc__ = func.__doc__
    return wrapper


#: Every test (``x is defined``, ``n is even``...) a template may use, by name.
TESTS: Mapping[str, Filter] = {name: _test(name) for name in jinja_tests.TESTS}
