"""The hardened jinja2 environment behind :mod:`journeykit.templates`.

Theory of operation
-------------------
Templates are written by marketers in a CRM, so every template is untrusted input.
jinja2's ``ImmutableSandboxedEnvironment`` is the base: it refuses attributes that start
with ``_`` and calls to ``list.append``-style methods on the builtin containers. What it
does not do by itself, and what this module adds:

1. **Allowlists, not denylists.** ``getattr``/``getitem`` read plain data only: mapping
   keys (which win over methods, so ``order.items`` is the order's items), list and
   string indexes, a short list of pure ``str`` methods, the read-only ``dict`` methods
   ``get``/``keys``/``values``/``items``, date fields and the ``loop`` variable. Anything
   else (a type, a function, a module, a host object) is refused with
   :class:`TemplateSecurityError`. The ``dict``, ``lipsum``, ``cycler`` and ``joiner``
   globals are gone, which closes ``dict.update(customer.attributes, ...)``.
2. **No constant folding of expensive expressions.** jinja2 evaluates constant
   expressions while compiling (``{{ 'a' * 10**10 }}`` would allocate inside
   ``from_string``). Every binary operator is intercepted (``intercepted_binops``), which
   makes jinja2 skip folding it, and every filter and test is ``pass_context``, which
   does the same.
3. **Bounded work and output.** A per-render :class:`RenderState` (held in a
   :class:`~contextvars.ContextVar`, so renders in threads or tasks never share one)
   counts work units of about a microsecond: one per call, operator, comparison, filter,
   test, string join and loop iteration, plus one per list item and per KiB of text that
   each goes through (see :func:`work`), charged *before* the work is done. Loops charge
   their length up front; ``range`` is capped; string and list repetition, ``**`` and
   ``+`` check sizes before allocating; macro and recursive-loop nesting is capped; the
   text a render builds along the way (values, and the buffers of macros and
   ``{% set %}``/``{% filter %}`` blocks) is counted against a cap; and the output
   stream is counted chunk by chunk.
4. **Nothing but text is printed.** ``finalize`` turns text, numbers and dates into text
   and refuses functions, methods, classes and containers, so no repr or memory address
   reaches a customer. Filters that stringify (``string``, ``join``, ``upper``...) and the
   ``~`` operator apply the same rule.
5. **Template-loading and escaping switches are refused at compile time**: ``include``,
   ``import``, ``extends``, ``block``, ``autoescape`` and the ``self`` reference.
6. **Every failure is a TemplateError.** :func:`render_part` turns jinja2's own errors
   and any Python exception (``TypeError``, ``RecursionError``, ``OverflowError``...) into
   a :class:`TemplateError` carrying the template line, with reprs scrubbed from the text.

Invariants: no hook mutates its arguments; no hook reads the clock, the environment or a
random source; the same template, context, locale and zone give the same output.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView, Sequence, Set
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame, operators
from jinja2.exceptions import (
    SecurityError,
    TemplateAssertionError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.meta import TrackingCodeGenerator
from jinja2.runtime import LoopContext, Macro, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from jinja2.utils import Namespace
from markupsafe import Markup

from journeykit._errors import JourneykitError

if TYPE_CHECKING:
    from babel import Locale
    from jinja2 import Template
    from jinja2.runtime import Context

__all__ = [
    "MissingVariableError",
    "RenderState",
    "SandboxEnvironment",
    "TemplateError",
    "TemplateLimitError",
    "TemplateNotFoundError",
    "TemplateSecurityError",
    "as_text",
    "check_source",
    "counted",
    "compile_source",
    "current_state",
    "describe",
    "render_part",
    "render_scope",
    "strip_cost",
    "too_long",
    "work",
]


# --------------------------------------------------------------------------- errors


class TemplateError(JourneykitError, ValueError):
    """A template could not be compiled or rendered.

    The engine turns it into ``MessageSuppressed(reason="render_failed")`` with this
    text. ``path`` says where: ``templates[cart_reminder].sv-SE.html:3`` (name, variant,
    part, line; the parts that are known). The text never contains object reprs.

    >>> err = TemplateError("'nickname' is undefined", template="welcome",
    ...                     variant="default", part="text", line=2)
    >>> print(err)
    templates[welcome].default.text:2: 'nickname' is undefined
    """

    def __init__(
        self,
        reason: str,
        *,
        template: str | None = None,
        variant: str | None = None,
        part: str | None = None,
        line: int | None = None,
    ) -> None:
        self.reason = reason
        self.template = template
        self.variant = variant
        self.part = part
        self.line = line
        super().__init__(str(self))

    @property
    def path(self) -> str:
        """Where the error is, in the format :func:`journeykit.templates.validate` uses."""
        return location(self.template, self.variant, self.part, self.line)

    def __str__(self) -> str:
        path = self.path
        return f"{path}: {self.reason}" if path else self.reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_error,
            (type(self), self.reason, self.template, self.variant, self.part, self.line),
        )

    def located(
        self, template: str | None, variant: str | None, part: str | None, line: int | None
    ) -> TemplateError:
        """A copy of this error with the location filled in where it was missing."""
        return type(self)(
            self.reason,
            template=self.template or template,
            variant=self.variant or variant,
            part=self.part or part,
            line=self.line if self.line is not None else line,
        )


def _rebuild_error(
    cls: type[TemplateError],
    reason: str,
    template: str | None,
    variant: str | None,
    part: str | None,
    line: int | None,
) -> TemplateError:
    return cls(reason, template=template, variant=variant, part=part, line=line)


class TemplateSecurityError(TemplateError):
    """A template tried something the sandbox does not allow (Python internals, methods
    that are not on the allowlist, loading other templates, switching off escaping)."""


class TemplateLimitError(TemplateError):
    """A template exceeded a limit: output size, work per render, nesting or ``range``."""


class MissingVariableError(TemplateError):
    """A strict template used a value the context does not have."""


class TemplateNotFoundError(TemplateError):
    """No template of that name, or no variant for the locale and no ``default``."""


for _cls in (
    TemplateError,
    TemplateSecurityError,
    TemplateLimitError,
    MissingVariableError,
    TemplateNotFoundError,
):
    _cls.__module__ = "journeykit.templates"


def location(template: str | None, variant: str | None, part: str | None, line: int | None) -> str:
    """``templates[name].variant.part:line``, leaving out what is unknown."""
    text = "" if template is None else f"templates[{template}]"
    for piece in (variant, part):
        if piece is not None:
            text = f"{text}.{piece}" if text else piece
    if line is not None and text:
        text = f"{text}:{line}"
    elif line is not None:
        text = f"line {line}"
    return text


# --------------------------------------------------------------------------- render state


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


#: Text and lists built along the way (values, macro and block buffers) may total this
#: many times the output cap per render.
BUILD_FACTOR = 8
T = TypeVar("T")

#: Integers bigger than this many bits are refused (money needs far fewer).
MAX_INT_BITS = 1024


class RenderState:
    """Everything one render may use up, and what it has used so far."""

    __slots__ = (
        "built",
        "depth",
        "lenient",
        "locale",
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

    def __init__(self, limits: Limits, *, lenient: bool, locale: Locale, tz: tzinfo) -> None:
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
        self.tz = tz
        self.where = "template"
        self.warnings: dict[str, None] = {}

    def charge(self, units: int = 1) -> None:
        """Spend work units; past the budget the render stops."""
        self.ops += units
        if self.ops > self.max_ops:
            raise TemplateLimitError(
                f"work limit exceeded: the template did more than {self.max_ops} steps"
                " (loop iterations, calls, filters and operators, and the size of what"
                " they go through); simplify it or raise limits.max_operations"
            )

    def checked(self, value: T) -> T:
        """Refuse a string or list longer than the output cap; count and charge its size."""
        if isinstance(value, (str, list, tuple)):
            size = len(value)
            if size > self.max_output:
                raise TemplateLimitError(
                    f"value too large: {size} items or characters, more than the"
                    f" {self.max_output} allowed (limits.max_output_chars)"
                )
            # A list costs a Python object per item; text one unit per KiB.
            self.build(size, size >> 10 if isinstance(value, str) else size)
        return value

    def build(self, size: int, units: int) -> None:
        """Count text the template builds along the way (it bounds the render's memory)
        and charge ``units`` of work for building it."""
        self.built += size
        if self.built > self.max_built:
            raise TemplateLimitError(
                f"the template built more than {self.max_built} characters of text along"
                f" the way (in macros, blocks, joins and filters; {BUILD_FACTOR}x"
                " limits.max_output_chars)"
            )
        if units:
            self.charge(units)

    def warn(self, message: str) -> None:
        """Record a lenient-mode warning (each distinct text once)."""
        self.warnings[message] = None


_STATE: ContextVar[RenderState | None] = ContextVar("journeykit_template_render", default=None)


def current_state() -> RenderState:
    """The state of the render in progress; refuses to run outside one."""
    state = _STATE.get()
    if state is None:
        raise TemplateError("templates run only inside journeykit's render")
    return state


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


# --------------------------------------------------------------------------- text and types


def describe(value: Any) -> str:
    """A short, repr-free description of a value's kind, for error messages."""
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
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (Sequence, Set, MappingView)):
        return "a list"
    if isinstance(value, Iterator):
        return "a sequence being generated"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name} object"


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
            return self._undefined_hint
        name = self._undefined_name
        if isinstance(name, str):
            return f"{name!r} is undefined"
        return f"element {name!r} is undefined"

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise MissingVariableError(self._undefined_message)

    def _lenient(self, what: str) -> bool:
        state = _STATE.get()
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


def _current_template_line() -> int | None:
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return int(template.get_corresponding_lineno(frame.f_lineno))
        frame = frame.f_back
    return None


def _chain_name(parent: Undefined, name: Any) -> str:
    base = parent._undefined_name
    if not isinstance(base, str):
        base = "value"
    return f"{base}.{name}" if isinstance(name, str) else f"{base}[{name!r}]"


# --------------------------------------------------------------------------- allowlists

_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
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
_DATETIME_ATTRS = frozenset(
    {"year", "month", "day", "hour", "minute", "second", "weekday", "isoweekday", "isoformat"}
)
_DATE_ATTRS = frozenset({"year", "month", "day", "weekday", "isoweekday", "isoformat"})
_TIME_ATTRS = frozenset({"hour", "minute", "second", "isoformat"})
_DATE_METHODS = frozenset({"weekday", "isoweekday", "isoformat"})
_LOOP_ATTRS = frozenset(
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


def _method_allowed(method: Any) -> bool:
    owner = getattr(method, "__self__", _NOTHING)
    name = getattr(method, "__name__", None)
    if owner is _NOTHING or not isinstance(name, str):
        return False
    if isinstance(owner, str):
        return name in _STR_METHODS
    if isinstance(owner, Mapping):
        return name in _MAPPING_METHODS
    if isinstance(owner, (date, time)):
        return name in _DATE_METHODS
    if isinstance(owner, LoopContext):
        return name in _LOOP_METHODS
    return False


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


def work(value: Any, text_shift: int = 10) -> int:
    """Work units to go through ``value`` once: one per item of a list or mapping, and
    one per ``2**text_shift`` characters of text (10 for C-speed string operations, 2
    for filters that run Python code per character or word)."""
    if isinstance(value, str):
        return len(value) >> text_shift
    if isinstance(value, (Sequence, Mapping, Set, MappingView)):
        return len(value)
    return 0


#: ``str.strip(chars)`` and friends take time proportional to text x chars.
MAX_STRIP_CHARS = 256
_STRIP_METHODS = frozenset({"strip", "lstrip", "rstrip"})


def strip_cost(text: Any, chars: Any) -> int:
    """Work units for stripping ``chars`` from ``text``; refuses long ``chars``."""
    if not isinstance(chars, str):
        return 0
    if len(chars) > MAX_STRIP_CHARS:
        raise TemplateLimitError(f"strip takes at most {MAX_STRIP_CHARS} characters to remove")
    return (len(text) * len(chars)) >> 14 if isinstance(text, str) else 0


# --------------------------------------------------------------------------- compiler

_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Include: "'include' is not available: templates cannot load other templates",
    nodes.Import: "'import' is not available: templates cannot load other templates",
    nodes.FromImport: "'from ... import' is not available: templates cannot load other templates",
    nodes.Extends: "'extends' is not available: there is no template inheritance",
    nodes.Block: "'block' is not available: there is no template inheritance",
    nodes.ScopedEvalContextModifier: "'autoescape' is not available: escaping in the html"
    " part cannot be switched off",
    nodes.EvalContextModifier: "'autoescape' is not available: escaping in the html part"
    " cannot be switched off",
}
_SELF_REFUSED = "'self' is not available in templates"


class RefusedConstructError(TemplateAssertionError):
    """A tag or name the sandbox refuses at compile time."""


class _Generator(CodeGenerator):
    """jinja2's code generator with journeykit's hooks written into the code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ids of the for loops' iterable expressions (jinja2 allows no custom nodes,
        # so the wrapper is written around the expression when it is visited)
        self._loop_iterables: set[int] = set()

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) in self._loop_iterables:
            self.write("environment.journeykit_loop(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def _refuse(self, node: nodes.Node, message: str) -> NoReturn:
        raise RefusedConstructError(message, node.lineno, self.name, self.filename)

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, _REFUSED_TAGS[nodes.Include])

    def visit_Import(self, node: nodes.Import, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, _REFUSED_TAGS[nodes.Import])

    def visit_FromImport(self, node: nodes.FromImport, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, _REFUSED_TAGS[nodes.FromImport])

    def visit_Extends(self, node: nodes.Extends, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, _REFUSED_TAGS[nodes.Extends])

    def visit_Block(self, node: nodes.Block, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, _REFUSED_TAGS[nodes.Block])

    def visit_ScopedEvalContextModifier(  # noqa: N802
        self, node: nodes.ScopedEvalContextModifier, frame: Frame
    ) -> None:
        self._refuse(node, _REFUSED_TAGS[nodes.ScopedEvalContextModifier])

    def visit_EvalContextModifier(self, node: nodes.EvalContextModifier, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, _REFUSED_TAGS[nodes.EvalContextModifier])

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:  # noqa: N802
        # jinja2 binds ``self`` (a TemplateReference) before visiting the body, so refuse
        # it here rather than when the name is visited.
        for name in node.find_all(nodes.Name):
            if name.name == "self":
                self._refuse(name, _SELF_REFUSED)
        super().visit_Template(node, frame)

    def visit_For(self, node: nodes.For, frame: Frame) -> None:  # noqa: N802
        self._loop_iterables.add(id(node.iter))
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802
        # Not folded at compile time, sizes checked, reprs refused.
        self.write("environment.journeykit_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {bool(frame.eval_ctx.autoescape)!r})")

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:  # noqa: N802
        # ``in`` and ``==`` scan their operands, and jinja2 offers no hook for them: charge
        # each operand for its size (Python's chained comparison keeps short-circuiting).
        self.write("(")
        self._operand(node.expr, frame)
        for operand in node.ops:
            self.write(f" {operators[operand.op]} ")
            self._operand(operand.expr, frame)
        self.write(")")

    def _operand(self, node: nodes.Expr, frame: Frame) -> None:
        self.write("environment.journeykit_operand(")
        self.visit(node, frame)
        self.write(")")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:  # noqa: N802
        # jinja2 sends slices straight to ``obj[...]``; send them through getitem too.
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self.write("environment.journeykit_slice(")
        self.visit(node.node, frame)
        self.write(", slice(")
        for index, bound in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
            if index:
                self.write(", ")
            if bound is None:
                self.write("None")
            else:
                self.visit(bound, frame)
        self.write("))")

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.journeykit_buffer()")


class CountingBuffer(list[str]):
    """A macro's or block's output buffer that counts what is written into it."""

    __slots__ = ("_state",)

    def __init__(self, state: RenderState) -> None:
        super().__init__()
        self._state = state

    def append(self, item: str) -> None:
        size = len(item)
        self._state.build(size, size >> 10)
        super().append(item)

    def extend(self, items: Iterable[str]) -> None:
        texts = tuple(items)
        size = sum(len(text) for text in texts)
        self._state.build(size, size >> 10)
        super().extend(texts)


def counted(iterable: Iterable[Any], state: RenderState) -> Iterator[Any]:
    """``iterable``, charging one work unit per item as it is consumed."""
    for item in iterable:
        state.charge()
        yield item


# --------------------------------------------------------------------------- environment


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    """The environment every journeykit template is compiled and rendered in.

    One instance for the html part (autoescape on) and one for plain text; both are
    shared by all :class:`~journeykit.templates.Templates` and hold no per-render state.
    """

    code_generator_class = _Generator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(
        self,
        *,
        html: bool,
        filters: Mapping[str, Callable[..., Any]],
        tests: Mapping[str, Callable[..., Any]],
        dropped_filters: Mapping[str, str],
    ) -> None:
        super().__init__(
            autoescape=html,
            undefined=Missing,
            finalize=finalize_output,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            cache_size=0,
        )
        self.globals.clear()
        self.globals.update(range=bounded_range, namespace=Namespace)
        self.filters.clear()
        self.filters.update(filters)
        self.tests.clear()
        self.tests.update(tests)
        #: Filters jinja2 has and journeykit leaves out, with the reason.
        self.dropped_filters = dropped_filters

    # Reading attributes and items --------------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            value = obj.get(attribute, _NOTHING)
            if value is not _NOTHING:
                return value
        return self._read(obj, attribute, True)

    def getitem(self, obj: Any, argument: Any) -> Any:
        kind = type(obj)
        if kind is dict or kind is list or kind is tuple:
            try:
                return obj[argument]
            except (LookupError, TypeError):
                pass
        return self._read(obj, argument, False)

    def _read(self, obj: Any, name: Any, attribute_syntax: bool) -> Any:
        if isinstance(name, str) and name[:1] == "_":
            if isinstance(obj, Mapping):
                try:
                    return obj[name]
                except (LookupError, TypeError):
                    pass
            raise TemplateSecurityError(
                f"'{name}' is not available: names starting with '_' are Python internals"
            )
        if isinstance(obj, Undefined):
            return self.undefined(name=_chain_name(obj, name))
        if isinstance(obj, Mapping):
            try:
                return obj[name]
            except (LookupError, TypeError):
                pass
            if attribute_syntax and name in _MAPPING_METHODS:
                return getattr(obj, name)
            return self._absent(obj, name)
        if isinstance(obj, (str, Sequence)):
            if not isinstance(name, str):
                try:
                    return obj[name]
                except (LookupError, TypeError, ValueError):
                    return self.undefined(obj=obj, name=name)
            if isinstance(obj, str):
                if name in _STR_METHODS:
                    return getattr(obj, name)
            else:
                fields = getattr(type(obj), "_fields", None)
                if isinstance(fields, tuple) and name in fields:
                    return getattr(obj, name)
            return self._absent(obj, name)
        if isinstance(obj, datetime):
            return self._pick(obj, name, _DATETIME_ATTRS)
        if isinstance(obj, date):
            return self._pick(obj, name, _DATE_ATTRS)
        if isinstance(obj, time):
            return self._pick(obj, name, _TIME_ATTRS)
        if isinstance(obj, LoopContext):
            return self._pick(obj, name, _LOOP_ATTRS)
        if isinstance(obj, Namespace) and isinstance(name, str):
            try:
                return getattr(obj, name)
            except AttributeError:
                return self.undefined(obj=obj, name=name)
        if obj is None or isinstance(obj, (bool, int, float, Decimal)):
            return self._absent(obj, name)
        raise TemplateSecurityError(
            f"cannot read {name!r} from {describe(obj)}: templates read plain data only"
        )

    def _pick(self, obj: Any, name: Any, allowed: frozenset[str]) -> Any:
        if name in allowed:
            return getattr(obj, name)
        return self._absent(obj, name)

    def _absent(self, obj: Any, name: Any) -> Any:
        if isinstance(name, str) and hasattr(type(obj), name):
            raise TemplateSecurityError(
                f"'{name}' of {describe(obj)} is not available in templates"
            )
        return self.undefined(obj=obj, name=name)

    # Calls and operators ------------------------------------------------------------

    def call(
        __self,  # noqa: N805 - jinja2's signature, so keyword arguments pass through
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        state = current_state()
        state.charge()
        if isinstance(__obj, (Macro, LoopContext)):
            if isinstance(__obj, LoopContext) and args:
                args = (__self.journeykit_loop(args[0]), *args[1:])
            state.depth += 1
            try:
                if state.depth > state.max_depth:
                    raise TemplateLimitError(
                        f"macros or recursive loops nested more than {state.max_depth}"
                        " deep (limits.max_depth); is a macro calling itself?"
                    )
                return __context.call(__obj, *args, **kwargs)
            finally:
                state.depth -= 1
        if isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()
        if __obj is bounded_range or __obj is Namespace or _method_allowed(__obj):
            # A method scans its text, a namespace copies its mapping: pay for it first.
            units = work(getattr(__obj, "__self__", None))
            for argument in (*args, *kwargs.values()):
                units += work(argument)
            state.charge(units)
            if getattr(__obj, "__name__", None) in _STRIP_METHODS and args:
                state.charge(strip_cost(__obj.__self__, args[0]))
            return state.checked(__context.call(__obj, *args, **kwargs))
        raise TemplateSecurityError(f"calling {describe(__obj)} is not allowed in templates")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        state = current_state()
        state.charge()
        if operator == "*":
            _check_product(left, right, state)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "+":
            _check_sum(left, right, state)
        elif operator == "%" and isinstance(left, str):
            raise TemplateSecurityError(
                "'%' formatting of text is not available; build text with ~ and filters"
            )
        return state.checked(self.binop_table[operator](left, right))

    # Hooks written into compiled code by _Generator ----------------------------------

    def journeykit_loop(self, iterable: Any) -> Any:
        """Charge a loop for its length before it starts."""
        state = current_state()
        if isinstance(iterable, Undefined):
            return iter(iterable)
        if isinstance(iterable, (str, Sequence, Mapping, Set, MappingView)):
            state.charge(len(iterable) + 1)
            return iterable
        if isinstance(iterable, Iterator):
            state.charge()
            return counted(iterable, state)
        if _is_plain_scalar(iterable):
            raise TemplateError(f"cannot loop over {describe(iterable)}")
        raise TemplateSecurityError(f"cannot loop over {describe(iterable)}")

    def journeykit_concat(self, parts: tuple[Any, ...], autoescape: bool) -> str:
        """The ``~`` operator: text only, size-checked."""
        state = current_state()
        state.charge()
        texts = [as_text(part, "join") for part in parts]
        if sum(map(len, texts)) > state.max_output:
            raise TemplateLimitError(
                f"joining would exceed the {state.max_output} characters allowed"
                " (limits.max_output_chars)"
            )
        return state.checked(_markup_join(texts) if autoescape else "".join(texts))

    def journeykit_operand(self, value: Any) -> Any:
        """An operand of a comparison, charged for what comparing it may scan."""
        current_state().charge(work(value))
        return value

    def journeykit_slice(self, obj: Any, part: slice) -> Any:
        """``obj[a:b]``: a copy, so it is counted like any value the template builds."""
        state = current_state()
        state.charge()
        return state.checked(self.getitem(obj, part))

    def journeykit_buffer(self) -> CountingBuffer:
        """A buffer for a macro, call block, filter block or ``{% set %}`` block."""
        return CountingBuffer(current_state())


def _markup_join(texts: list[str]) -> str:
    if any(hasattr(text, "__html__") for text in texts):
        return Markup("").join(texts)
    return "".join(texts)


def _is_plain_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, Decimal, date, time))


def _sized(value: Any) -> int | None:
    if isinstance(value, (str, list, tuple)):
        return len(value)
    return None


def _check_product(left: Any, right: Any, state: RenderState) -> None:
    for seq, times in ((left, right), (right, left)):
        size = _sized(seq)
        if size is not None and isinstance(times, int):
            if size * times > state.max_output:
                raise TemplateLimitError(
                    f"repeating {describe(seq)} {times} times would exceed the"
                    f" {state.max_output} items or characters allowed"
                    " (limits.max_output_chars)"
                )
            return
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS
    ):
        raise TemplateLimitError(f"number too large (more than {MAX_INT_BITS} bits)")


def _check_power(base: Any, exponent: Any) -> None:
    # Floats overflow with an error and Decimals within their context's precision;
    # only integer powers can grow without bound.
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and abs(base).bit_length() * exponent > MAX_INT_BITS
    ):
        raise TemplateLimitError(f"number too large: the power would exceed {MAX_INT_BITS} bits")


def _check_sum(left: Any, right: Any, state: RenderState) -> None:
    a, b = _sized(left), _sized(right)
    if a is not None and b is not None and a + b > state.max_output:
        raise TemplateLimitError(
            f"joining would exceed the {state.max_output} items or characters allowed"
            " (limits.max_output_chars)"
        )


# --------------------------------------------------------------------------- compiling


_MISSING_FILTER = re.compile(r"No filter named '([^']*)'")


def too_long(source: str, limits: Limits) -> TemplateLimitError | None:
    """The error for a source longer than ``limits.max_source_chars``, if it is."""
    if len(source) <= limits.max_source_chars:
        return None
    return TemplateLimitError(
        f"template too long: {len(source)} characters, more than the"
        f" {limits.max_source_chars} allowed (limits.max_source_chars)"
    )


def compile_source(env: SandboxEnvironment, source: str) -> Template:
    """Compile ``source``; every failure is a :class:`TemplateError` with its line."""
    try:
        return env.from_string(source)
    except RefusedConstructError as exc:
        raise TemplateSecurityError(exc.message or "refused", line=exc.lineno) from None
    except TemplateSyntaxError as exc:
        missing = _MISSING_FILTER.match(exc.message or "")
        if missing and missing.group(1) in env.dropped_filters:
            reason = env.dropped_filters[missing.group(1)]
            raise TemplateSecurityError(
                f"filter '{missing.group(1)}' is not available: {reason}", line=exc.lineno
            ) from None
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None
    except (RecursionError, MemoryError):
        raise TemplateLimitError("template nested too deeply to compile") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise TemplateLimitError("a number in the template has too many digits") from None
        raise TemplateError(f"template could not be compiled: {_scrub(exc)}") from None
    except SyntaxError as exc:
        # Python's own compiler limits (e.g. more than 20 nested loops).
        raise TemplateLimitError(f"template too complex to compile: {exc.msg}") from None
    except Exception as exc:
        raise TemplateError(f"template could not be compiled: {_scrub(exc)}") from None


@dataclass(frozen=True)
class Finding:
    """One problem :func:`check_source` found: its line (if known), text and class."""

    line: int | None
    message: str


class _AnyName(dict[str, Any]):
    """A filter/test table that knows every name, so introspection never stops early."""

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(key, _any_filter)


def _any_filter(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def check_source(
    env: SandboxEnvironment,
    source: str,
    limits: Limits,
    *,
    names: frozenset[str],
    fields: Mapping[str, frozenset[str]],
) -> tuple[list[Finding], Template | None]:
    """Every problem in ``source`` that can be found without rendering, and the template.

    ``names`` are the variables the context provides; ``fields`` maps some of them to the
    attributes they are known to have. The compiled template is returned when there are
    no problems.
    """
    error = too_long(source, limits)
    if error is not None:
        return [Finding(None, error.reason)], None
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Finding(exc.lineno, f"syntax error: {exc.message}")], None
    except (RecursionError, MemoryError):
        return [Finding(None, "template nested too deeply to compile")], None
    except Exception as exc:
        return [Finding(None, f"template could not be parsed: {_scrub(exc)}")], None

    findings: list[Finding] = []
    for node in ast.find_all(tuple(_REFUSED_TAGS)):
        findings.append(Finding(node.lineno, _REFUSED_TAGS[type(node)]))
    for node in ast.find_all(nodes.Name):
        if node.name == "self":
            findings.append(Finding(node.lineno, _SELF_REFUSED))
    findings.extend(_check_filters(env, ast))
    findings.extend(_check_names(env, ast, names, fields))
    if findings:
        findings.sort(key=lambda f: (f.line or 0, f.message))
        return findings, None
    try:
        return [], compile_source(env, source)
    except TemplateError as exc:
        return [Finding(exc.line, exc.reason)], None


def _check_filters(env: SandboxEnvironment, ast: nodes.Template) -> Iterator[Finding]:
    from difflib import get_close_matches

    dropped = env.dropped_filters
    for node in ast.find_all((nodes.Filter, nodes.Test)):
        table: Mapping[str, Any] = env.filters if isinstance(node, nodes.Filter) else env.tests
        if node.name in table:
            continue
        kind = "filter" if isinstance(node, nodes.Filter) else "test"
        if kind == "filter" and node.name in dropped:
            yield Finding(
                node.lineno, f"filter '{node.name}' is not available: {dropped[node.name]}"
            )
            continue
        close = get_close_matches(node.name, list(table), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield Finding(node.lineno, f"unknown {kind} '{node.name}'{hint}")


def _first_line(ast: nodes.Template, name: str) -> int | None:
    lines = [
        node.lineno for node in ast.find_all(nodes.Name) if node.name == name and node.ctx == "load"
    ]
    return min(lines) if lines else None


def _check_names(
    env: SandboxEnvironment,
    ast: nodes.Template,
    names: frozenset[str],
    fields: Mapping[str, frozenset[str]],
) -> Iterator[Finding]:
    from difflib import get_close_matches

    analysis = _analysis_environment(env)
    tracker = TrackingCodeGenerator(analysis)
    try:
        tracker.visit(ast)
    except (TemplateAssertionError, RecursionError):
        return  # compiling reports these with a line number
    undeclared = tracker.undeclared_identifiers
    for name in sorted(undeclared - names):
        close = get_close_matches(name, sorted(names), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield Finding(
            _first_line(ast, name),
            f"unknown variable '{name}': not in the documented context and not declared"
            f" in params{hint}",
        )
    stored = {node.name for node in ast.find_all(nodes.Name) if node.ctx in ("store", "param")}
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, (nodes.Getattr, nodes.Getitem)):
            continue
        root = node.node
        if not isinstance(root, nodes.Name) or root.ctx != "load":
            continue
        known = fields.get(root.name)
        if known is None or root.name not in undeclared or root.name in stored:
            continue
        if isinstance(node, nodes.Getattr):
            field = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            field = node.arg.value
        else:
            continue
        if field in known or field.startswith("_"):
            continue
        close = get_close_matches(field, sorted(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield Finding(
            node.lineno,
            f"unknown field '{root.name}.{field}' (known: {', '.join(sorted(known))}){hint}",
        )


class _AnalysisEnvironment(SandboxedEnvironment):
    """For introspection only: knows every filter name and, like the real one, folds no
    operator while compiling (introspection runs jinja2's code generator too)."""

    intercepted_binops = SandboxEnvironment.intercepted_binops


def _analysis_environment(env: SandboxEnvironment) -> Environment:
    analysis: Environment | None = env.__dict__.get("_journeykit_analysis")
    if analysis is None:
        analysis = _AnalysisEnvironment(trim_blocks=True, lstrip_blocks=True)
        analysis.filters = _AnyName(env.filters)
        analysis.tests = _AnyName(env.tests)
        analysis.globals.clear()
        analysis.globals.update(env.globals)
        env.__dict__["_journeykit_analysis"] = analysis
    return analysis


# --------------------------------------------------------------------------- rendering

_REPR = re.compile(r"<[A-Za-z_][^<>]*>")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _scrub(exc: BaseException) -> str:
    """An exception's text without reprs or addresses, and not too long."""
    text = str(exc) or type(exc).__name__
    text = _ADDRESS.sub("(address)", _REPR.sub("(object)", text))
    if len(text) > 200:
        text = text[:199] + "…"
    return text


def _template_line(tb: types.TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            line = int(template.get_corresponding_lineno(tb.tb_lineno))
        tb = tb.tb_next
    return line


def _as_template_error(exc: BaseException) -> TemplateError:
    if isinstance(exc, TemplateError):
        return exc
    if isinstance(exc, SecurityError):
        return TemplateSecurityError(_scrub(exc))
    if isinstance(exc, UndefinedError):
        return MissingVariableError(_scrub(exc))
    if isinstance(exc, RecursionError):
        return TemplateLimitError("nested too deeply (recursion)")
    if isinstance(exc, MemoryError):
        return TemplateLimitError("out of memory")
    if isinstance(exc, JinjaTemplateError):
        return TemplateError(_scrub(exc))
    return TemplateError(f"{type(exc).__name__}: {_scrub(exc)}")


def render_part(
    template: Template,
    context: Mapping[str, Any],
    state: RenderState,
    *,
    name: str | None,
    variant: str | None,
    part: str,
) -> str:
    """Render one compiled part within the current render scope; bounded, never raw."""
    state.where = location(name, variant, part, None)
    limit = state.max_output
    try:
        chunks: list[str] = []
        size = 0
        # jinja2 annotates ``vars`` as a dict but only unpacks it (``**vars``).
        for chunk in template.root_render_func(template.new_context(context)):  # type: ignore[arg-type]
            size += len(chunk)
            if size > limit:
                raise TemplateLimitError(
                    f"output limit exceeded: more than {limit} characters (limits.max_output_chars)"
                )
            chunks.append(chunk)
        return "".join(chunks)
    except Exception as exc:
        error = _as_template_error(exc)
        raise error.located(name, variant, part, _template_line(exc.__traceback__)) from None
