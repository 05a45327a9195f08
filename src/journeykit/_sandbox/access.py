"""Allowlists and attribute access: what a template may read and call.

Reading is an allowlist, not a denylist. A template reads mapping keys (which win over
methods, so ``order.items`` is the order's items), list and text indexes, a short list of
pure ``str`` methods, the read-only mapping methods, date fields, the ``loop`` variable,
namespace attributes and the macros of an imported layout. Anything else (a type, a
function's internals, a module, a host object) is refused with
:class:`~journeykit.errors.TemplateSecurityError`; names starting with ``_`` are always
refused.

Calling is an allowlist too: macros, ``caller``, ``super()``, a recursive ``loop(...)``,
``range``, ``namespace`` and the allowlisted methods. Each call's cost is charged before
it runs (:func:`call_cost`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from jinja2.environment import TemplateModule
from jinja2.runtime import BlockReference, LoopContext, Macro, Undefined
from jinja2.utils import Namespace

from journeykit._errors import TemplateLimitError, TemplateSecurityError
from journeykit._sandbox.budget import TEXT_SHIFT, current_state, work
from journeykit._sandbox.values import KeyOrMethod, chain_name, describe, name_text

__all__ = [
    "LOOP_ATTRS",
    "MAPPING_METHODS",
    "MAX_STRIP_CHARS",
    "bounded_range",
    "call_cost",
    "calls_nested",
    "method_allowed",
    "read",
    "strip_cost",
]

#: The read-only methods of a mapping; the one list both reading and validation use.
MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
_STR_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "find",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "rfind",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
    }
)
#: Methods that search from the end: CPython's reverse search takes time proportional to
#: the text's length times the needle's (forward search is linear).
_REVERSE_SEARCH = frozenset({"rfind", "rpartition", "rsplit"})
_DATETIME_ATTRS = frozenset(
    {"year", "month", "day", "hour", "minute", "second", "weekday", "isoweekday", "isoformat"}
)
_DATE_ATTRS = frozenset({"year", "month", "day", "weekday", "isoweekday", "isoformat"})
_TIME_ATTRS = frozenset({"hour", "minute", "second", "isoformat"})
_DATE_METHODS = frozenset({"weekday", "isoweekday", "isoformat"})
LOOP_ATTRS = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    }
)
_LOOP_METHODS = frozenset({"cycle", "changed"})
_NOTHING = object()

#: ``str.strip(chars)`` and friends take time proportional to text x chars.
MAX_STRIP_CHARS = 256
_STRIP_METHODS = frozenset({"strip", "lstrip", "rstrip"})

Undefined_ = Callable[..., Any]


def read(obj: Any, name: Any, attribute_syntax: bool, undefined: Undefined_) -> Any:
    """``obj.name`` (``attribute_syntax``) or ``obj[name]`` as the sandbox allows it:
    the value, an undefined value, or :class:`TemplateSecurityError`."""
    if isinstance(name, str) and name[:1] == "_":
        if isinstance(obj, Mapping):
            try:
                return obj[name]
            except (LookupError, TypeError):
                pass
        raise TemplateSecurityError(
            f"{name_text(name)} is not available: names starting with '_' are Python internals"
        )
    if isinstance(obj, Undefined):
        return undefined(name=chain_name(obj, name))
    if isinstance(obj, Mapping):
        try:
            return obj[name]
        except (LookupError, TypeError):
            pass
        if attribute_syntax and name in MAPPING_METHODS:
            return KeyOrMethod(obj=obj, name=name)
        return _absent(obj, name, undefined)
    if isinstance(obj, (str, Sequence)):
        if not isinstance(name, str):
            try:
                return obj[name]
            except (LookupError, TypeError, ValueError):
                return undefined(obj=obj, name=name)
        if isinstance(obj, str):
            if name in _STR_METHODS:
                return getattr(obj, name)
        else:
            fields = getattr(type(obj), "_fields", None)
            if isinstance(fields, tuple) and name in fields:
                return getattr(obj, name)
        return _absent(obj, name, undefined)
    if isinstance(obj, datetime):
        return _pick(obj, name, _DATETIME_ATTRS, undefined)
    if isinstance(obj, date):
        return _pick(obj, name, _DATE_ATTRS, undefined)
    if isinstance(obj, time):
        return _pick(obj, name, _TIME_ATTRS, undefined)
    if isinstance(obj, LoopContext):
        return _pick(obj, name, LOOP_ATTRS, undefined)
    if isinstance(obj, Namespace) and isinstance(name, str):
        try:
            return getattr(obj, name)
        except AttributeError:
            return undefined(obj=obj, name=name)
    if isinstance(obj, TemplateModule) and isinstance(name, str):
        # An imported layout: its macros and top-level values, nothing else.
        value = vars(obj).get(name, _NOTHING)
        return undefined(obj=obj, name=name) if value is _NOTHING else value
    if obj is None or isinstance(obj, (bool, int, float, Decimal)):
        return _absent(obj, name, undefined)
    raise TemplateSecurityError(
        f"cannot read {name_text(name)} from {describe(obj)}: templates read plain data only"
    )


def _pick(obj: Any, name: Any, allowed: frozenset[str], undefined: Undefined_) -> Any:
    if name in allowed:
        return getattr(obj, name)
    return _absent(obj, name, undefined)


def _absent(obj: Any, name: Any, undefined: Undefined_) -> Any:
    if isinstance(name, str) and hasattr(type(obj), name):
        raise TemplateSecurityError(
            f"{name_text(name)} of {describe(obj)} is not available in templates"
        )
    return undefined(obj=obj, name=name)


def method_allowed(method: Any) -> bool:
    """Whether ``method`` is an allowlisted method bound to plain data."""
    owner = getattr(method, "__self__", _NOTHING)
    name = getattr(method, "__name__", None)
    if owner is _NOTHING or not isinstance(name, str):
        return False
    kind = type(owner)
    if kind is LoopContext:  # loop.cycle(...) in a table's rows: the common case first
        return name in _LOOP_METHODS
    if kind is str or isinstance(owner, str):
        return name in _STR_METHODS
    if isinstance(owner, Mapping):
        return name in MAPPING_METHODS
    if isinstance(owner, (date, time)):
        return name in _DATE_METHODS
    if isinstance(owner, LoopContext):
        return name in _LOOP_METHODS
    return False


def calls_nested(obj: Any) -> bool:
    """Whether calling ``obj`` runs template code (and so nests): a macro, ``caller``,
    ``super()`` or a recursive ``loop(...)``."""
    return isinstance(obj, (Macro, LoopContext, BlockReference))


def bounded_range(*args: int) -> range:
    """``range`` for templates: at most ``limits.max_range`` items."""
    state = current_state()
    state.charge()
    result = range(*args)
    try:
        size = len(result)
    except OverflowError:
        size = sys.maxsize
    if size > state.max_range:
        raise TemplateLimitError(
            f"range() of {size} items is more than the {state.max_range} allowed (limits.max_range)"
        )
    return result


def strip_cost(text: Any, chars: Any) -> int:
    """Work units for stripping ``chars`` from ``text``; refuses long ``chars``."""
    if not isinstance(chars, str):
        return 0
    if len(chars) > MAX_STRIP_CHARS:
        raise TemplateLimitError(f"strip takes at most {MAX_STRIP_CHARS} characters to remove")
    return (len(text) * len(chars)) >> 14 if isinstance(text, str) else 0


def call_cost(func: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    """Work units for calling an allowed function or method: one per argument, what the
    receiver and the arguments cost to go through, and the quadratic worst cases of
    stripping and searching from the end."""
    owner = getattr(func, "__self__", None)
    units = len(args) + len(kwargs)
    if type(owner) is not LoopContext:
        units += work(owner)
    for argument in args:
        units += work(argument)
    for argument in kwargs.values():
        units += work(argument)
    if isinstance(owner, str) and args:
        name = getattr(func, "__name__", "")
        if name in _STRIP_METHODS:
            units += strip_cost(owner, args[0])
        elif name in _REVERSE_SEARCH and isinstance(args[0], str):
            # reverse search is O(len(text) * len(needle)) at worst
            units += (len(owner) * len(args[0])) >> (TEXT_SHIFT + 6)
    return units
