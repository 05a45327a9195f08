"""The text and type policy: which values a template may print, build and name in errors.

Rules
-----
1. **Only plain data becomes text.** :func:`as_text` turns text, numbers, dates and
   ``None`` into text and refuses functions, classes, generators and containers, so no
   repr or memory address reaches a customer (``finalize`` and every stringifying filter
   use it).
2. **Values a template makes are bounded** (:func:`checked`): text and lists no larger
   than the output cap, counted against the render's memory budget and measured as
   trees (:func:`~journeykit._sandbox.budget.shape`), integers of at most
   :data:`MAX_INT_BITS` bits, decimals of at most :data:`MAX_DECIMAL_DIGITS` digits
   before the point.
3. **Errors and warnings name the template's own words** (:func:`name_text`): a name is
   quoted (cut to 60 characters, control characters and lone surrogates escaped), any
   other value is described by its kind (:func:`describe`), never shown by its repr.
4. **Output is valid Unicode** (:func:`check_unicode`), and subjects and preheaders hold
   no line breaks or control characters (:func:`one_line`).
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator, Mapping, MappingView, Sequence, Set
from datetime import date, time
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from jinja2.runtime import Macro, Undefined
from markupsafe import Markup

from journeykit._errors import (
    MissingVariableError,
    TemplateError,
    TemplateLimitError,
    TemplateSecurityError,
    quote,
)
from journeykit._sandbox.budget import (
    ITEM_BYTES,
    TEXT_SHIFT,
    RenderState,
    shape,
    state_or_none,
)

__all__ = [
    "MAX_DECIMAL_DIGITS",
    "MAX_INT_BITS",
    "Missing",
    "as_text",
    "check_number",
    "NOT_UNICODE",
    "check_unicode",
    "is_unicode",
    "checked",
    "describe",
    "finalize_output",
    "is_plain_scalar",
    "name_text",
    "one_line",
]

T = TypeVar("T")

#: Integers bigger than this many bits are refused (money needs far fewer).
MAX_INT_BITS = 1024
#: Decimals with more digits than this before the point are refused (as for integers:
#: ``int()`` of ``Decimal("1e999999")`` takes seconds).
MAX_DECIMAL_DIGITS = 308


def describe(value: Any) -> str:
    """A short, repr-free description of a value's kind, for error messages.

    >>> describe({1, 2}), describe(print), describe(object())
    ('a set', 'a function or method', 'an object object')
    """
    if isinstance(value, Undefined):
        return "an undefined value"
    if isinstance(value, type):
        return "a class"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return "a function or method"
    if isinstance(value, (types.MethodWrapperType, types.WrapperDescriptorType)):
        return "a function or method"
    if isinstance(value, types.ModuleType):
        return "a module"
    if isinstance(value, Macro):
        return "a macro"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "none"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, (date, time)):
        return "a date or time"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Set):
        return "a set"
    if isinstance(value, (Sequence, MappingView)):
        return "a list"
    if isinstance(value, Iterator):
        return "a sequence being generated"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name} object"


def name_text(name: Any) -> str:
    """How an error names ``name``: quoted text cut to 60 characters, a small whole
    number, or the kind of value (never its repr).

    >>> name_text("nickname"), name_text(3), name_text([1, 2])
    ("'nickname'", '3', 'a list')
    """
    if isinstance(name, str):
        return repr(quote(str(name), 60))
    if type(name) is int and name.bit_length() <= 64:
        return str(name)
    return describe(name)


def is_plain_scalar(value: Any) -> bool:
    """Whether ``value`` is a plain scalar: none, a boolean, a number, a date or time."""
    return value is None or isinstance(value, (bool, int, float, Decimal, date, time))


def check_number(value: Any) -> None:
    """Refuse an integer or decimal too large to compute with in bounded time."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitError(f"number too large (more than {MAX_INT_BITS} bits)")
    elif (
        isinstance(value, Decimal) and value.is_finite() and value.adjusted() >= MAX_DECIMAL_DIGITS
    ):
        raise TemplateLimitError(
            f"number too large (more than {MAX_DECIMAL_DIGITS} digits before the point)"
        )


def checked(state: RenderState, value: T) -> T:
    """``value``, which the template just made, if it is within bounds: text and lists
    no larger than the output cap (counted against the memory budget, lists charged as
    trees), numbers no larger than :func:`check_number` allows."""
    kind = type(value)
    if kind is str or kind is Markup:
        size = len(value)  # type: ignore[arg-type]  # narrowed by the type test above
        state.too_large(size)
        state.build(size, size >> TEXT_SHIFT)
    elif kind is list or kind is tuple or isinstance(value, (list, tuple, Mapping)):
        size = len(value)  # type: ignore[arg-type]  # narrowed by the type test above
        state.too_large(size)
        items, chars = shape(value)
        state.build(size * ITEM_BYTES)
        state.charge(items + (chars >> TEXT_SHIFT))
    elif kind is int or kind is Decimal:
        check_number(value)
    return value


def as_text(value: object, action: str = "print") -> str:
    """Text for ``value`` if it is plain data; refuse anything whose text is a repr.

    ``None`` is empty text, as is an undefined value in lenient mode.
    """
    if type(value) is str:  # the common case first: this runs for every {{ ... }}
        return value
    if value is None:
        return ""
    kind = type(value)
    if kind is float or kind is Decimal or kind is bool:
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Undefined):
        return str(value)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"number too large to print (more than {MAX_INT_BITS} bits)")
    if isinstance(value, (int, float, Decimal, date, time)):
        return str(value)
    if isinstance(value, (Mapping, Sequence, Set, MappingView)):
        raise TemplateError(
            f"cannot {action} {describe(value)} as text: loop over it, or use |join"
        )
    if isinstance(value, Iterator):
        # A generator's text is a repr with a memory address.
        raise TemplateSecurityError(
            f"cannot {action} {describe(value)} as text: loop over it, or use |list or |join"
        )
    hint = (
        " (did you forget the parentheses?)"
        if callable(value) and not isinstance(value, type)
        else ""
    )
    raise TemplateSecurityError(f"cannot {action} {describe(value)}{hint}")


def finalize_output(value: Any) -> str:
    """jinja2's ``finalize`` hook: every ``{{ ... }}`` passes through here."""
    return as_text(value)


# --------------------------------------------------------------------------- output text

_SURROGATE = re.compile("[\ud800-\udfff]")
#: Line breaks and control characters: C0, DEL, C1, and the Unicode line and paragraph
#: separators (some mail clients break lines there too).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


#: Why output holding a lone surrogate is refused.
NOT_UNICODE = (
    "the output is not valid Unicode (it holds a lone surrogate such as '\\ud800', from"
    " the template or its data); fix the text or the data"
)


def is_unicode(text: str) -> bool:
    """Whether ``text`` is valid Unicode: no lone surrogates, so it can be encoded."""
    return text.isascii() or _SURROGATE.search(text) is None


def check_unicode(text: str) -> None:
    """Refuse text holding a lone surrogate: it is not Unicode and cannot be encoded
    (the message could not be sent or stored as JSON)."""
    if not is_unicode(text):
        raise TemplateError(NOT_UNICODE)


def one_line(text: str) -> tuple[str, bool]:
    """``text`` with every run of line breaks and control characters replaced by one
    space, and whether anything was replaced. Subjects and preheaders become mail
    headers, where a line break would start a new header.

    >>> one_line("Alva\\r\\nBcc: victim@example.com")
    ('Alva Bcc: victim@example.com', True)
    """
    if _CONTROL.search(text) is None:
        return text, False
    return _CONTROL.sub(" ", text), True


# --------------------------------------------------------------------------- undefined


class Missing(Undefined):
    """An undefined value: strict templates fail on use, lenient ones print nothing.

    Either way it is falsy, so ``{% if customer.nickname %}`` is a presence test, and
    attribute access on it chains (``a.b.c`` stays undefined and names the whole path).
    """

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return quote(self._undefined_hint, 200)
        name: object = self._undefined_name
        if isinstance(name, str):
            return f"{name_text(name)} is undefined"
        if type(name) is int:
            return f"element {name_text(name)} is undefined"
        return f"the element looked up by {name_text(name)} is undefined"

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise MissingVariableError(self._undefined_message)

    def _lenient(self, what: str) -> bool:
        state = state_or_none()
        if state is None or not state.lenient:
            return False
        line = _current_template_line()
        where = state.where if line is None else f"{state.where}:{line}"
        state.warn(f"{where}: {self._undefined_message}; {what}")
        return True

    def __str__(self) -> str:
        if not self._lenient("printed as empty"):
            self._fail_with_undefined_error()
        return ""

    def __iter__(self) -> Iterator[Any]:
        if not self._lenient("looped over as empty"):
            self._fail_with_undefined_error()
        return iter(())

    def __len__(self) -> int:
        if not self._lenient("counted as empty"):
            self._fail_with_undefined_error()
        return 0

    def __repr__(self) -> str:
        return "Missing"


class KeyOrMethod(Missing):
    """``data.items`` where the mapping ``data`` has no key ``items``.

    Reading it is reading a missing key (falsy, undefined when printed or looped over),
    so ``event.properties.items or [event.properties]`` falls back as it reads; calling
    it, ``data.items()``, calls the mapping's method. A bare bound method would be truthy
    and the fallback would silently never happen.
    """

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        name = self._undefined_name  # one of the allowlisted method names
        return f"there is no key '{name}'; to call the mapping's method write .{name}()"

    def bound(self) -> Any:
        """The mapping's method, for a call."""
        return getattr(self._undefined_obj, str(self._undefined_name))


def _current_template_line() -> int | None:
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return int(template.get_corresponding_lineno(frame.f_lineno))
        frame = frame.f_back
    return None


def chain_name(parent: Undefined, name: Any) -> str:
    """The name of ``parent.name`` when ``parent`` is undefined: ``customer.x.y``."""
    base = parent._undefined_name
    if not isinstance(base, str):
        base = "value"
    return f"{base}.{name}" if isinstance(name, str) else f"{base}[{name_text(name)}]"
