"""The filters and tests journeykit templates may use, each bounded and locale-aware.

Every filter and test here is ``pass_context``: jinja2 never evaluates those while
compiling, so none can be made to allocate inside ``from_string``
(``{{ 'a'|center(10**9) }}`` would in stock jinja2). Each one charges the render's work
budget for its input *before* running (see :func:`journeykit._sandbox.work`), refuses
inputs whose text would be a repr, estimates output size before allocating where an
argument can make it large, and checks the size of what it returns.

The locale-aware filters read the render's Babel locale and time zone from the current
:class:`~journeykit._sandbox.RenderState`, so they are pure functions of their inputs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping, MappingView, Sequence, Set
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, cast

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
    list_currencies,
)
from jinja2 import filters as jinja_filters
from jinja2 import pass_context
from jinja2 import tests as jinja_tests
from jinja2.runtime import Context, Undefined
from markupsafe import Markup, escape

from journeykit._sandbox import (
    RenderState,
    TemplateError,
    TemplateLimitError,
    TemplateSecurityError,
    as_text,
    counted,
    current_state,
    describe,
    strip_cost,
    work,
)

__all__ = ["DROPPED_FILTERS", "FILTERS", "TESTS"]

Filter = Callable[..., Any]

#: jinja2's built-in filters that journeykit leaves out, and why (``validate`` says so).
DROPPED_FILTERS: Mapping[str, str] = {
    "attr": "it reads attributes by name, the way sandbox escapes do; use x.name",
    "center": "it pads text to any width; pad in the template instead",
    "format": "printf-style formatting can pad to any width and print reprs;"
    " build text with ~ and filters",
    "forceescape": "escaping is automatic in the html part",
    "pprint": "it prints Python reprs",
    "random": "templates must render the same way every time",
    "safe": "customer data in the html part is always escaped",
    "tojson": "templates produce text for people, not data",
    "urlize": "it rewrites text into HTML links; write the link in the template",
    "xmlattr": "it builds HTML attributes from data (see CVE-2024-22195); write them out",
}

_NAMED_FORMATS = frozenset({"short", "medium", "long", "full"})
_MAX_PATTERN = 64
_MAX_NUMBER_TEXT = 64
_MAX_MAGNITUDE = Decimal(10) ** 15
_FORMS = ("zero", "one", "two", "few", "many", "other")


# --------------------------------------------------------------------------- input checks


def _iterable(value: Any, name: str) -> Any:
    if isinstance(value, (Undefined, str, Sequence, Mapping, Set, MappingView, Iterator)):
        return value
    if value is None or isinstance(value, (bool, int, float, Decimal, date, time)):
        raise TemplateError(f"|{name} needs a list, got {describe(value)}")
    raise TemplateSecurityError(f"cannot apply |{name} to {describe(value)}")


def _plain(value: Any, name: str, depth: int = 0) -> None:
    """Refuse anything but plain data anywhere inside ``value``."""
    if depth > 8:
        raise TemplateError(f"|{name}: data nested too deeply")
    if isinstance(value, Mapping):
        for key, item in value.items():
            as_text(key, f"apply |{name} to")
            _plain(item, name, depth + 1)
    elif isinstance(value, (Sequence, Set)) and not isinstance(value, str):
        for item in value:
            _plain(item, name, depth + 1)
    else:
        as_text(value, f"apply |{name} to")


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


def _list_check(name: str) -> Check:
    def check(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        return _iterable(value, name)

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
    if len(args) > 2:
        as_text(args[2], "end with")
    elif "end" in kw:
        as_text(kw["end"], "end with")
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
    _plain(value, "urlencode")
    return value


#: How a filter's cost grows with its input (see :func:`journeykit._sandbox.work`).
FREE = "free"  # constant time: first, length, abs...
TEXT = "text"  # C-speed over the text: upper, replace, truncate...
PYTHON = "python"  # Python code per character or word: title, wordwrap, striptags...
ITEMS = "items"  # Python code per item (or per character of text): sort, map, unique...
_TEXT_SHIFT = {FREE: 0, TEXT: 10, PYTHON: 2, ITEMS: 0}


def _input_cost(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], cost: str) -> int:
    units = 0 if cost == FREE else work(value, _TEXT_SHIFT[cost])
    for argument in (*args, *kwargs.values()):
        units += work(argument)
    return units


def _check_round(state: RenderState, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    precision = _int_arg(args[0] if args else kw.get("precision", 0), "|round's precision")
    if not -15 <= precision <= 15:
        raise TemplateError("|round's precision must be between -15 and 15")
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
        state.charge(1 + _input_cost(value, args, kwargs, cost))
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
        return state.checked(result)

    wrapper.__name__ = wrapper.__qualname__ = f"filter_{name}"
    wrapper.__doc__ = func.__doc__
    return wrapper


# --------------------------------------------------------------------------- journeykit's own


def _own(func: Callable[..., Any]) -> Filter:
    """Make ``func(state, value, *args)`` a filter; undefined inputs pass through."""

    @pass_context
    def wrapper(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        state = current_state()
        state.charge()
        for argument in (value, *args, *kwargs.values()):
            if isinstance(argument, Undefined):
                return argument
        return state.checked(func(state, value, *args, **kwargs))

    wrapper.__name__ = wrapper.__qualname__ = f"filter_{func.__name__.lstrip('_')}"
    wrapper.__doc__ = func.__doc__
    return wrapper


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
        return state.checked(escape(separator).join(texts))
    return state.checked(separator.join(texts))


@pass_context
def _escape(context: Context, value: Any) -> Markup:
    """The text with HTML special characters escaped."""
    state = current_state()
    state.charge(1 + work(value))
    return state.checked(escape(as_text(value, "escape")))


@pass_context
def _string(context: Context, value: Any) -> str:
    """The value as text (numbers, dates and text only)."""
    current_state().charge()
    return as_text(value, "convert")


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool):
        raise TemplateError(f"|{name} needs a number, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value) if value.bit_length() <= 64 else Decimal("Infinity")
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_NUMBER_TEXT:
            raise TemplateError(f"|{name} needs a number, got text that is too long")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise TemplateError(f"|{name} needs a number, got {text!r}") from None
    elif value is None:
        raise TemplateError(f"|{name} needs a number, got none")
    else:
        raise TemplateError(f"|{name} needs a number, got {describe(value)}")
    if not number.is_finite() or abs(number) >= _MAX_MAGNITUDE:
        raise TemplateError(f"|{name}: the number is too large or not finite")
    # Tiny exponents (1e-999999) would make Babel print a million digits.
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        return number.quantize(Decimal("1e-12"))
    return number


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _currency_code(currency: Any) -> str:
    if not isinstance(currency, str):
        raise TemplateError(f"|money needs a currency code such as 'SEK', got {describe(currency)}")
    code = currency.strip().upper()
    if code not in _currencies():
        raise TemplateError(f"|money: unknown currency code {currency[:8]!r}")
    return code


def _space_currency(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel does not apply: no-break space between a
    currency code made of letters and the digits next to it (``SEK 499.00``)."""
    at = text.find(symbol) if symbol else -1
    if at < 0:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and unicodedata.category(symbol[-1])[0] not in "SZ":
        text = f"{text[:end]}\u00a0{text[end:]}"
    if at > 0 and text[at - 1].isdigit() and unicodedata.category(symbol[0])[0] not in "SZ":
        text = f"{text[:at]}\u00a0{text[at:]}"
    return text


@lru_cache(maxsize=4096)
def _format_money(amount: Decimal, code: str, locale: Locale) -> str:
    # Cached: Babel takes tens of microseconds per amount, and the same prices recur in
    # every customer's message. The result depends on these three values only.
    text = format_currency(amount, code, locale=locale)
    return _space_currency(text, get_currency_symbol(code, locale=locale))


def _money(state: RenderState, value: Any, currency: Any = None) -> str:
    """An amount in a currency, formatted for the reader's locale."""
    return _format_money(_decimal(value, "money"), _currency_code(currency), state.locale)


def _number(state: RenderState, value: Any, decimals: Any = None) -> str:
    """A number with the locale's separators; ``decimals`` fixes the fraction digits."""
    number = _decimal(value, "number")
    if decimals is None:
        return format_decimal(number, locale=state.locale)
    places = _int_arg(decimals, "|number's decimals")
    if not 0 <= places <= 12:
        raise TemplateError("|number's decimals must be between 0 and 12")
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(number, format=pattern, locale=state.locale)


def _percent(state: RenderState, value: Any) -> str:
    """A fraction as a percentage (0.125 gives 12.5%), in the locale's style."""
    number = _decimal(value, "percent")
    return format_percent(number, locale=state.locale, decimal_quantization=False)


def _pattern(format: Any, name: str) -> str:
    pattern = as_text(format, "use as a date format")
    if pattern not in _NAMED_FORMATS and len(pattern) > _MAX_PATTERN:
        raise TemplateError(f"|{name}: the format pattern is longer than {_MAX_PATTERN}")
    return pattern


def _moment(value: Any, name: str) -> date:
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_PATTERN:
            raise TemplateError(f"|{name} needs a date, got text that is too long")
        try:
            if "T" in text or " " in text or ":" in text:
                if text.endswith(("Z", "z")):
                    text = text[:-1] + "+00:00"
                value = datetime.fromisoformat(text)
            else:
                value = date.fromisoformat(text)
        except ValueError:
            raise TemplateError(f"|{name} needs an ISO 8601 date, got {text!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TemplateError(
                f"|{name} needs a datetime with a time zone; a naive datetime is ambiguous"
            )
        return value
    if isinstance(value, date):
        return value
    raise TemplateError(f"|{name} needs a date, got {describe(value)}")


def _date(state: RenderState, value: Any, format: Any = "medium") -> str:
    """The date, in the customer's time zone, formatted for the locale."""
    moment = _moment(value, "date")
    if isinstance(moment, datetime):
        moment = moment.astimezone(state.tz).date()
    return format_date(moment, _pattern(format, "date"), locale=state.locale)


def _datetime(state: RenderState, value: Any, format: Any = "medium") -> str:
    """The date and time, in the customer's time zone, formatted for the locale."""
    moment = _moment(value, "datetime")
    if not isinstance(moment, datetime):
        raise TemplateError("|datetime needs a date and time; use |date for a date")
    return format_datetime(
        moment, _pattern(format, "datetime"), tzinfo=state.tz, locale=state.locale
    )


def _time(state: RenderState, value: Any, format: Any = "short") -> str:
    """The time of day, in the customer's time zone, formatted for the locale."""
    moment = _moment(value, "time")
    if not isinstance(moment, datetime):
        raise TemplateError("|time needs a date and time")
    return format_time(moment, _pattern(format, "time"), tzinfo=state.tz, locale=state.locale)


def _plural(
    state: RenderState,
    value: Any,
    one: Any,
    other: Any,
    zero: Any = None,
    two: Any = None,
    few: Any = None,
    many: Any = None,
) -> str:
    """The word form that fits the count, by the locale's plural rules."""
    if isinstance(value, bool):
        raise TemplateError("|plural needs a number, got a boolean")
    count: Any = value if isinstance(value, (int, float, Decimal)) else _decimal(value, "plural")
    category = state.locale.plural_form(count)
    forms = {"zero": zero, "one": one, "two": two, "few": few, "many": many, "other": other}
    chosen = forms.get(category)
    return as_text(other if chosen is None else chosen, "use as a plural form")


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
        table[name] = _builtin(name, None, cost)
    table["round"] = _builtin("round", _check_round, FREE)
    table["batch"] = _builtin("batch", _count_check("batch", "linecount"), ITEMS)
    table["slice"] = _builtin("slice", _count_check("slice", "slices"), ITEMS)
    table["sum"] = _builtin("sum", _check_sum, ITEMS)
    table["replace"] = _builtin("replace", _check_replace, TEXT)
    table["indent"] = _builtin("indent", _check_indent, PYTHON)
    table["wordwrap"] = _builtin("wordwrap", _check_wordwrap, PYTHON)
    table["truncate"] = _builtin("truncate", _check_truncate, TEXT)
    table["trim"] = _builtin("trim", _check_trim, TEXT)
    table["urlencode"] = _builtin("urlencode", _check_urlencode, PYTHON)
    table["default"] = table["d"] = _default
    table["join"] = _join
    table["escape"] = table["e"] = _escape
    table["string"] = _string
    table["money"] = _own(_money)
    table["number"] = _own(_number)
    table["percent"] = _own(_percent)
    table["date"] = _own(_date)
    table["datetime"] = _own(_datetime)
    table["time"] = _own(_time)
    table["plural"] = _own(_plural)
    assert not set(table) & set(DROPPED_FILTERS)
    return table


#: Every filter a template may use, by name.
FILTERS: Mapping[str, Filter] = _build()


def _test(name: str) -> Filter:
    # jinja2 types its test table as plain ``function`` values.
    func = cast("Callable[..., Any]", jinja_tests.TESTS[name])
    kind = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @pass_context  # never evaluated while compiling, like the filters
    def wrapper(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        current_state().charge(1 + _input_cost(value, args, kwargs, TEXT))
        if kind == "environment":
            return func(context.environment, value, *args, **kwargs)
        return func(value, *args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = f"test_{name}"
    wrapper.__doc__ = func.__doc__
    return wrapper


#: Every test (``x is defined``, ``n is even``...) a template may use, by name.
TESTS: Mapping[str, Filter] = {name: _test(name) for name in jinja_tests.TESTS}
