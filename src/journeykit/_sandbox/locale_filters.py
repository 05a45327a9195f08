"""journeykit's own filters: money, numbers, dates and plurals for the reader's locale.

They read the render's Babel locale and time zone from the current
:class:`~journeykit._sandbox.budget.RenderState`, so each is a pure function of its
inputs. Babel takes tens of microseconds per amount, and the same prices recur in every
customer's message, so money is cached; the cache is keyed by the amount's exact text,
sign included (``Decimal("-0") == Decimal("0")``, but they print differently), so what
one render formatted never changes what another prints.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
    list_currencies,
)
from jinja2 import pass_context
from jinja2.runtime import Context, Undefined

from journeykit._errors import TemplateError
from journeykit._sandbox.budget import RenderState, current_state
from journeykit._sandbox.values import as_text, checked, describe

__all__ = ["LOCALE_FILTERS", "format_money"]

Filter = Callable[..., Any]

_NAMED_FORMATS = frozenset({"short", "medium", "long", "full"})
_MAX_PATTERN = 64
_MAX_NUMBER_TEXT = 64
_MAX_MAGNITUDE = Decimal(10) ** 15


def _int_arg(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError(f"{what} must be a whole number, got {describe(value)}")
    return value


def _own(func: Callable[..., Any]) -> Filter:
    """Make ``func(state, value, *args)`` a filter; undefined inputs pass through."""

    @pass_context
    def wrapper(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        state = current_state()
        state.ops += 1 + len(args) + len(kwargs)
        if state.ops > state.max_ops:
            state.charge(0)
        if isinstance(value, Undefined):
            return value
        for argument in args:
            if isinstance(argument, Undefined):
                return argument
        for argument in kwargs.values():
            if isinstance(argument, Undefined):
                return argument
        result = func(state, value, *args, **kwargs)
        size = len(result)
        if size > 200:  # most formatted values are short; long ones are counted in full
            return checked(state, result)
        state.built += size
        return result

    wrapper.__name__ = wrapper.__qualname__ = f"filter_{func.__name__.lstrip('_')}"
    wrapper.__doc__ = func.__doc__
    return wrapper


def _plain_amount(value: str, name: str) -> Decimal | None:
    """``value`` as a number when it is short decimal text (the common case: at most 64
    characters and no exponent, so no tiny exponent either), else ``None``."""
    if len(value) > _MAX_NUMBER_TEXT or "e" in value or "E" in value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise TemplateError(f"|{name} needs a number, got {value.strip()!r}") from None
    if number.is_finite() and number.adjusted() < 15:
        return number
    raise TemplateError(f"|{name}: the number is too large or not finite")


def _decimal(value: Any, name: str) -> Decimal:
    if type(value) is str:
        number = _plain_amount(value, name)
        if number is not None:
            return number
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
    return _code(str(currency))


@lru_cache(maxsize=256)
def _code(currency: str) -> str:
    code = currency.strip().upper()
    if code not in _currencies():
        raise TemplateError(f"|money: unknown currency code {currency[:8]!r}")
    return code


def _space_currency(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel does not apply: no-break space between a
    currency code made of letters and the digits next to it (``SEK 499.00``)."""
    at = text.find(symbol)  # Babel's symbol is never empty: at worst the code itself
    if at < 0:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and unicodedata.category(symbol[-1])[0] not in "SZ":
        text = f"{text[:end]}\u00a0{text[end:]}"
    if at > 0 and text[at - 1].isdigit() and unicodedata.category(symbol[0])[0] not in "SZ":
        text = f"{text[:at]}\u00a0{text[at:]}"
    return text


@lru_cache(maxsize=4096)
def format_money(amount: str, code: str, locale: str) -> str:
    """``amount`` (a decimal's exact text) in currency ``code`` for ``locale`` (a tag
    such as ``sv-SE``); cached.

    Keyed by the text, not the number: ``Decimal("-0")`` equals ``Decimal("0")`` and
    hashes the same, but Babel prints it as ``-$0.00``.

    >>> format_money("-0", "USD", "en-US"), format_money("0", "USD", "en-US")
    ('-$0.00', '$0.00')
    """
    where = Locale.parse(locale, sep="-")
    text = format_currency(Decimal(amount), code, locale=where)
    return _space_currency(text, get_currency_symbol(code, locale=where))


@pass_context
def _money(context: Context, value: Any, currency: Any = None) -> Any:
    """An amount in a currency, formatted for the reader's locale."""
    # Written out rather than made by _own: it runs for every price in every message.
    state = current_state()
    state.ops += 2
    if state.ops > state.max_ops:
        state.charge(0)
    if isinstance(value, Undefined):
        return value
    if isinstance(currency, Undefined):
        return currency
    code = _currency_code(currency)
    if type(value) is str and _plain_amount(value, "money") is not None:
        amount = value  # checked; its exact text is the cache key
    else:
        amount = str(_decimal(value, "money"))
    text = format_money(amount, code, state.locale_tag)
    state.build(len(text))
    return text


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


def _formatted(name: str, pattern: str, make: Callable[[], str]) -> str:
    """Run a Babel formatter; a pattern it cannot use is named in the error."""
    try:
        return make()
    except Exception:
        if pattern in _NAMED_FORMATS:
            raise
        raise TemplateError(
            f"|{name}: {pattern[:_MAX_PATTERN]!r} is not a {name} format; use short, medium,"
            " long, full or a CLDR pattern such as 'd MMMM y' or 'HH:mm'"
        ) from None


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
    pattern = _pattern(format, "date")
    return _formatted("date", pattern, lambda: format_date(moment, pattern, locale=state.locale))


def _datetime(state: RenderState, value: Any, format: Any = "medium") -> str:
    """The date and time, in the customer's time zone, formatted for the locale."""
    moment = _moment(value, "datetime")
    if not isinstance(moment, datetime):
        raise TemplateError("|datetime needs a date and time; use |date for a date")
    pattern = _pattern(format, "datetime")
    return _formatted(
        "datetime",
        pattern,
        lambda: format_datetime(moment, pattern, tzinfo=state.tz, locale=state.locale),
    )


def _time(state: RenderState, value: Any, format: Any = "short") -> str:
    """The time of day, in the customer's time zone, formatted for the locale."""
    moment = _moment(value, "time")
    if not isinstance(moment, datetime):
        raise TemplateError("|time needs a date and time")
    pattern = _pattern(format, "time")
    return _formatted(
        "time", pattern, lambda: format_time(moment, pattern, tzinfo=state.tz, locale=state.locale)
    )


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
    count: Any = value
    if not (type(value) is int and value.bit_length() <= 64):
        count = _decimal(value, "plural")
    category = state.locale.plural_form(count)
    forms = {"zero": zero, "one": one, "two": two, "few": few, "many": many, "other": other}
    chosen = forms.get(category)
    return as_text(other if chosen is None else chosen, "use as a plural form")


#: journeykit's locale-aware filters, by name.
LOCALE_FILTERS: Mapping[str, Filter] = {
    "money": _money,
    "number": _own(_number),
    "percent": _own(_percent),
    "date": _own(_date),
    "datetime": _own(_datetime),
    "time": _own(_time),
    "plural": _own(_plural),
}
