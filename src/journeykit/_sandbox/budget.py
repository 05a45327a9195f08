"""The render budget: what one render may use up, and what going through a value costs.

Theory of operation
-------------------
A render is bounded in three ways, all counted by one :class:`RenderState`:

- **work**: units of about a microsecond, charged *before* the work is done (see
  :func:`work`): one per call, filter, test, operator, comparison, literal and loop
  iteration, one per argument, plus what the inputs cost to go through;
- **memory**: the text and lists a render builds along the way (values, the buffers of
  macros and blocks), in roughly bytes, capped at :data:`BUILD_FACTOR` times the output
  limit;
- **nesting**: macro, call and recursive-loop depth, and the depth of any value an
  operation goes through (:data:`MAX_VALUE_DEPTH`).

What a value costs is what Python really does with it. Comparing, hashing, sorting or
copying a list walks every item *as a tree*: a list holding the same inner list ten times
costs ten times that inner list (``[x] * 10`` builds ten references, but ``==`` compares
ten copies). :func:`shape` measures a value that way, remembering what it has already
measured within one walk, so measuring costs at most the number of distinct objects while
the charge is what the operation will do. The walk refuses values nested deeper than
:data:`MAX_VALUE_DEPTH`: Python hashes nested tuples with C recursion that no exception
can stop, so a too-deep value must never reach a hash.

The state lives in a :class:`~contextvars.ContextVar`, so renders in threads or tasks
never share one. Nothing here reads a clock, a random source or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MappingView, Sequence, Set
from contextvars import ContextVar
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, cast

from journeykit._errors import TemplateError, TemplateLimitError

if TYPE_CHECKING:
    from babel import Locale
    from jinja2 import Template

__all__ = [
    "BUILD_FACTOR",
    "ITEM_BYTES",
    "MAX_VALUE_DEPTH",
    "MAX_WARNINGS",
    "PYTHON_SHIFT",
    "TEXT_SHIFT",
    "CountingBuffer",
    "LayoutSource",
    "Limits",
    "RenderState",
    "counted",
    "current_state",
    "render_scope",
    "shape",
    "work",
]

#: Text and lists built along the way may total this many times the output cap.
BUILD_FACTOR = 8
#: What one list item or mapping entry counts for in the memory budget (a pointer, and
#: the small objects items usually are).
ITEM_BYTES = 16
#: C-speed text operations (searching, copying, case changes) cost one unit per
#: ``2 ** TEXT_SHIFT`` characters: about a microsecond at the worst case of CPython's
#: string search (a few nanoseconds a character).
TEXT_SHIFT = 6
#: Filters that run Python code per character or word (``wordwrap``, ``striptags``,
#: ``title``...) cost one unit per ``2 ** PYTHON_SHIFT`` characters.
PYTHON_SHIFT = 2
#: The deepest value (lists in lists, mappings in mappings) an operation may go through.
MAX_VALUE_DEPTH = 64
#: Distinct lenient-mode warnings kept per render; the rest are counted.
MAX_WARNINGS = 50
#: The longest warning text kept.
MAX_WARNING_CHARS = 300


class Limits(Protocol):
    """The numbers a render is bounded by (``TemplateLimits`` documents each)."""

    @property
    def max_output_chars(self) -> int: ...
    @property
    def max_operations(self) -> int: ...
    @property
    def max_depth(self) -> int: ...
    @property
    def max_range(self) -> int: ...
    @property
    def max_source_chars(self) -> int: ...
    @property
    def max_tokens(self) -> int: ...


class LayoutSource(Protocol):
    """Where a render finds the layouts its templates extend, include or import: the
    registry it belongs to, and no other."""

    def _layout(self, name: str, html: bool, state: RenderState) -> Template: ...


class RenderState:
    """Everything one render may use up, and what it has used so far."""

    __slots__ = (
        "built",
        "depth",
        "dropped_warnings",
        "layouts",
        "lenient",
        "locale",
        "locale_chain",
        "locale_tag",
        "max_built",
        "max_depth",
        "max_ops",
        "max_output",
        "max_range",
        "ops",
        "tz",
        "warnings",
        "where",
    )

    def __init__(
        self,
        limits: Limits,
        *,
        lenient: bool,
        locale: Locale,
        tz: tzinfo,
        layouts: LayoutSource | None = None,
        locale_chain: tuple[str, ...] = (),
    ) -> None:
        self.ops = 0
        self.max_ops = limits.max_operations
        self.max_output = limits.max_output_chars
        self.built = 0
        self.max_built = limits.max_output_chars * BUILD_FACTOR
        self.depth = 0
        self.max_depth = limits.max_depth
        self.max_range = limits.max_range
        self.lenient = lenient
        self.locale = locale
        #: The locale as a tag (``sv-SE``): cheap to hash, for caches.
        self.locale_tag = str(locale).replace("_", "-")
        self.tz = tz
        self.where = "template"
        self.warnings: dict[str, None] = {}
        self.dropped_warnings = 0
        self.layouts = layouts
        #: The variant keys to try, in order, for this render's layouts.
        self.locale_chain = locale_chain

    def charge(self, units: int = 1) -> None:
        """Spend work units; past the budget the render stops."""
        self.ops += units
        if self.ops > self.max_ops:
            raise TemplateLimitError(
                f"work limit exceeded: the template did more than {self.max_ops} steps"
                " (loop iterations, calls, filters and operators, and the size of what"
                " they go through); simplify it or raise limits.max_operations"
            )

    def build(self, size: int, units: int = 0) -> None:
        """Count ``size`` (about bytes) of text or lists the template builds along the way
        (it bounds the render's memory) and charge ``units`` of work for building it."""
        self.built += size
        if self.built > self.max_built:
            raise TemplateLimitError(
                f"the template built more than {self.max_built} characters of text and"
                " lists along the way (in values, macros, blocks, joins and filters;"
                f" {BUILD_FACTOR}x limits.max_output_chars)"
            )
        if units:
            self.charge(units)

    def too_large(self, size: int, what: str = "value") -> None:
        """Refuse a text or list of ``size`` characters or items over the output cap."""
        if size > self.max_output:
            raise TemplateLimitError(
                f"{what} too large: {size} items or characters, more than the"
                f" {self.max_output} allowed (limits.max_output_chars)"
            )

    def warn(self, message: str) -> None:
        """Record a lenient-mode warning: each distinct text once, at most
        :data:`MAX_WARNINGS` of them, each at most :data:`MAX_WARNING_CHARS` long."""
        if len(message) > MAX_WARNING_CHARS:
            message = message[: MAX_WARNING_CHARS - 1] + "…"
        if message in self.warnings:
            return
        if len(self.warnings) >= MAX_WARNINGS:
            self.dropped_warnings += 1
            return
        self.warnings[message] = None

    def warning_list(self) -> tuple[str, ...]:
        """The warnings in the order they were first seen, and how many were left out."""
        kept = tuple(self.warnings)
        if self.dropped_warnings:
            kept += (f"{self.dropped_warnings} more warnings like these were left out",)
        return kept


_STATE: ContextVar[RenderState | None] = ContextVar("journeykit_template_render", default=None)


def current_state() -> RenderState:
    """The state of the render in progress; refuses to run outside one."""
    state = _STATE.get()
    if state is None:
        raise TemplateError("templates run only inside journeykit's render")
    return state


def state_or_none() -> RenderState | None:
    """The state of the render in progress, if there is one."""
    return _STATE.get()


class render_scope:  # noqa: N801 - used like a function: ``with render_scope(state):``
    """Make ``state`` the current render state for the duration of a ``with`` block."""

    __slots__ = ("_state", "_token")

    def __init__(self, state: RenderState) -> None:
        self._state = state

    def __enter__(self) -> RenderState:
        self._token = _STATE.set(self._state)
        return self._state

    def __exit__(self, *exc: object) -> None:
        _STATE.reset(self._token)


# --------------------------------------------------------------------------- cost of values

_SCALARS = frozenset({int, float, bool, type(None), Decimal, date, datetime, time})
_CONTAINERS = (Mapping, Sequence, Set, MappingView)


def work(value: Any, shift: int = TEXT_SHIFT) -> int:
    """Work units to go through ``value`` once: one per item of a list or mapping (as a
    tree, see :func:`shape`) and one per ``2 ** shift`` characters of text."""
    kind = type(value)
    if kind is str:
        return len(value) >> shift
    if kind in _SCALARS:
        return 0
    if isinstance(value, str):
        return len(value) >> shift
    if isinstance(value, _CONTAINERS):
        items, chars = shape(value)
        return items + (chars >> shift)
    return 0


def shape(value: Any) -> tuple[int, int]:
    """``(items, characters)`` of ``value`` seen as a tree: every list item, mapping key
    and value counted each time it is reached, every character of text likewise.

    Refuses (:class:`TemplateLimitError`) a value nested deeper than
    :data:`MAX_VALUE_DEPTH`. Shared inner values are measured once per call, so this
    costs at most the number of distinct objects, while the result is the tree's size.

    >>> inner = ["ab", "c"]
    >>> shape([inner] * 3)
    (10, 9)
    """
    return _shape(value, 0, {})


def _shape(value: Any, depth: int, seen: dict[int, tuple[int, int]]) -> tuple[int, int]:
    if isinstance(value, str):
        return 1, len(value)
    if not isinstance(value, _CONTAINERS):
        return 1, 0
    key = id(value)
    known = seen.get(key)
    if known is not None:
        return known
    if depth >= MAX_VALUE_DEPTH:
        raise TemplateLimitError(
            f"data nested more than {MAX_VALUE_DEPTH} levels deep; templates work with flatter data"
        )
    items = 1
    chars = 0
    children: Iterable[Any] = (
        _pairs(value) if isinstance(value, Mapping) else cast("Iterable[Any]", value)
    )
    for child in children:
        if type(child) is str:
            items += 1
            chars += len(child)
        elif type(child) in _SCALARS:
            items += 1
        else:
            more, text = _shape(child, depth + 1, seen)
            items += more
            chars += text
    seen[key] = (items, chars)
    return items, chars


def _pairs(mapping: Mapping[Any, Any]) -> Iterator[Any]:
    for key, item in mapping.items():
        yield key
        yield item


# --------------------------------------------------------------------------- counting helpers


class CountingBuffer(list[str]):
    """A macro's or block's output buffer that counts what is written into it."""

    __slots__ = ("_state",)

    def __init__(self, state: RenderState) -> None:
        super().__init__()
        self._state = state

    def append(self, item: str) -> None:
        size = len(item)
        self._state.build(size, size >> TEXT_SHIFT)
        super().append(item)

    def extend(self, items: Iterable[str]) -> None:
        texts = tuple(items)
        size = sum(len(text) for text in texts)
        self._state.build(size, size >> TEXT_SHIFT)
        super().extend(texts)


def counted(iterable: Iterable[Any], state: RenderState) -> Iterator[Any]:
    """``iterable``, charging one work unit per item as it is consumed."""
    for item in iterable:
        state.charge()
        yield item
