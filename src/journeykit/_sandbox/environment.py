"""The environment every journeykit template is compiled and rendered in.

:class:`SandboxEnvironment` is jinja2's ``ImmutableSandboxedEnvironment`` with every
hook replaced by journeykit's: reads go through the allowlists
(:mod:`~journeykit._sandbox.access`), calls and operators are charged and
size-checked, and the hooks the code generator writes into compiled code
(``journeykit_*``, :mod:`~journeykit._sandbox.codegen`) charge loops, literals,
comparisons and slices. Layouts come only from the registry of the render in progress
(:meth:`SandboxEnvironment.get_template`); there is no loader, so no file is ever read.

Nothing is folded while compiling: the optimizer is off, every binary operator is
intercepted and every filter and test is ``pass_context``, so ``{{ 'a' * 10**10 }}``
allocates nothing inside ``from_string``. The number of tokens a source may have is
bounded while it is read (:func:`token_limit`), which bounds what compiling costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MappingView, Sequence, Set
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from jinja2 import Template
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context, LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from markupsafe import Markup, escape

from journeykit._errors import (
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
)
from journeykit._sandbox.access import (
    LOOP_ATTRS,
    bounded_range,
    call_cost,
    calls_nested,
    method_allowed,
    read,
)
from journeykit._sandbox.budget import TEXT_SHIFT, CountingBuffer, counted, current_state, work
from journeykit._sandbox.codegen import Generator
from journeykit._sandbox.values import (
    MAX_INT_BITS,
    KeyOrMethod,
    Missing,
    as_text,
    checked,
    describe,
    finalize_output,
    is_plain_scalar,
)

__all__ = ["SandboxEnvironment", "SandboxTemplate", "token_limit"]

_NOTHING = object()
#: The largest exponent ``**`` takes when a decimal is involved.
MAX_DECIMAL_EXPONENT = 1000

_TOKEN_LIMIT: ContextVar[int | None] = ContextVar("journeykit_token_limit", default=None)


class token_limit:  # noqa: N801 - used like a function: ``with token_limit(10_000):``
    """Bound the number of tokens the sources compiled inside this block may have."""

    __slots__ = ("_limit", "_token")

    def __init__(self, limit: int) -> None:
        self._limit = limit

    def __enter__(self) -> None:
        self._token = _TOKEN_LIMIT.set(self._limit)

    def __exit__(self, *exc: object) -> None:
        _TOKEN_LIMIT.reset(self._token)


def _limited(stream: TokenStream, limit: int) -> Iterator[Token]:
    for count, token in enumerate(stream, 1):
        if count > limit:
            raise TemplateLimitError(
                f"template too large to compile: more than {limit} tokens (names, values,"
                " operators and tags; limits.max_tokens)",
                line=token.lineno,
            )
        yield token


class SandboxTemplate(Template):
    """A compiled template part or layout.

    An imported or included layout's module is made afresh for every use: jinja2 caches
    the module of a template included ``without context`` on the template, which would
    serve one render's output (formatted for one customer's locale) to the next.
    """

    #: ``layouts[name].variant`` for a layout, ``None`` for a template's own part.
    journeykit_layout: str | None = None
    #: The source it was compiled from, so an error can quote the line it is on.
    journeykit_source: str = ""

    def _get_default_module(self, ctx: Context | None = None) -> Any:
        if ctx is not None:
            keys = ctx.globals_keys - self.globals.keys()
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        return self.make_module()


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    """The environment every journeykit template is compiled and rendered in.

    One instance for the html part (autoescape on) and one for plain text per set of
    filters; shared by every render and holding no per-render state.
    """

    code_generator_class = Generator
    template_class = SandboxTemplate
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
            optimized=False,
        )
        self.html = html
        self.globals.clear()
        self.globals.update(range=bounded_range, namespace=Namespace)
        self.filters.clear()
        self.filters.update(filters)
        self.tests.clear()
        self.tests.update(tests)
        #: Filters jinja2 has and journeykit leaves out, with the reason.
        self.dropped_filters = dropped_filters

    def _tokenize(
        self, source: str, name: str | None, filename: str | None = None, state: str | None = None
    ) -> TokenStream:
        stream = super()._tokenize(source, name, filename, state)
        limit = _TOKEN_LIMIT.get()
        if limit is None:
            return stream
        return TokenStream(_limited(stream, limit), name, filename)

    # Layouts ------------------------------------------------------------------------

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Template:
        """The layout ``name`` of the registry whose render is in progress, compiled in
        this environment; never a file, never another registry's."""
        state = current_state()
        state.charge()
        if not isinstance(name, str) or state.layouts is None:
            raise TemplateNotFoundError("there are no layouts here")
        return state.layouts._layout(name, self.html, state)

    def select_template(self, *args: Any, **kwargs: Any) -> Template:
        raise TemplateSecurityError("layout names must be written out, one per tag")

    get_or_select_template = select_template

    # Reading attributes and items --------------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if kind is dict:  # plain JSON data, the common case: no further checks
            value = obj.get(attribute, _NOTHING)
            if value is not _NOTHING:
                return value
        elif kind is LoopContext and attribute in LOOP_ATTRS:
            return getattr(obj, attribute)
        return read(obj, attribute, True, self.undefined)

    def getitem(self, obj: Any, argument: Any) -> Any:
        kind = type(argument)
        if kind is str or kind is int:
            container = type(obj)
            if container is dict or container is list or container is tuple:
                try:
                    return obj[argument]
                except (LookupError, TypeError):
                    pass
        elif not is_plain_scalar(argument):
            # Looking a key up hashes it; measure it first (a deep tuple would crash it).
            current_state().charge(work(argument))
        return read(obj, argument, False, self.undefined)

    # Calls and operators ------------------------------------------------------------

    def call(
        __self,  # noqa: N805 - jinja2's signature, so keyword arguments pass through
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        state = current_state()
        if calls_nested(__obj):
            state.charge(1 + len(args) + len(kwargs))
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
        if type(__obj) is KeyOrMethod:
            __obj = __obj.bound()
        elif isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()
        if method_allowed(__obj) or __obj is bounded_range or __obj is Namespace:
            # jinja2's bookkeeping arguments; none of these functions takes a context
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            # A method scans its text, a namespace copies its mapping: pay for it first.
            state.charge(1 + call_cost(__obj, args, kwargs))
            return checked(state, __obj(*args, **kwargs))
        raise TemplateSecurityError(f"calling {describe(__obj)} is not allowed in templates")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        state = current_state()
        state.charge()
        if operator == "*":
            _check_product(left, right, state.max_output)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "+":
            _check_sum(left, right, state.max_output)
        elif operator == "%" and isinstance(left, str):
            raise TemplateSecurityError(
                "'%' formatting of text is not available; use |format, or build text"
                " with ~ and filters"
            )
        return checked(state, self.binop_table[operator](left, right))

    # Hooks written into compiled code by the code generator ------------------------

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
        if is_plain_scalar(iterable):
            raise TemplateError(f"cannot loop over {describe(iterable)}")
        raise TemplateSecurityError(f"cannot loop over {describe(iterable)}")

    def journeykit_concat(self, parts: tuple[Any, ...], autoescape: bool) -> str:
        """The ``~`` operator: text only, size-checked."""
        state = current_state()
        texts = [as_text(part, "join") for part in parts]
        state.charge(len(texts))
        total = sum(map(len, texts))
        if total > state.max_output:
            raise TemplateLimitError(
                f"joining would exceed the {state.max_output} characters allowed"
                " (limits.max_output_chars)"
            )
        return checked(state, _markup_join(texts) if autoescape else "".join(texts))

    def journeykit_operand(self, value: Any) -> Any:
        """An operand of a comparison, charged for what comparing it may scan."""
        kind = type(value)
        state = current_state()
        if kind is str:
            state.charge(1 + (len(value) >> TEXT_SHIFT))
        elif kind is int or kind is bool or value is None:
            state.charge()
        else:
            state.charge(1 + work(value))
        return value

    def journeykit_slice(self, obj: Any, part: slice) -> Any:
        """``obj[a:b]``: a copy, so it is counted like any value the template builds."""
        state = current_state()
        state.charge()
        return checked(state, self.getitem(obj, part))

    def journeykit_literal(self, value: Any) -> Any:
        """A list or tuple literal: charged and counted for what it holds."""
        state = current_state()
        state.charge()
        return checked(state, value)

    def journeykit_dict(self, pairs: tuple[tuple[Any, Any], ...]) -> dict[Any, Any]:
        """A dict literal: its keys and values measured before the keys are hashed."""
        state = current_state()
        state.charge()
        checked(state, pairs)
        return dict(pairs)

    def journeykit_output(self, value: Any, autoescape: bool) -> str:
        """What a ``{% filter %}`` block writes: text, escaped in the html part."""
        text = as_text(value)
        return escape(text) if autoescape else text

    def journeykit_buffer(self) -> CountingBuffer:
        """A buffer for a macro, call block, filter block or ``{% set %}`` block."""
        return CountingBuffer(current_state())


def _markup_join(texts: list[str]) -> str:
    if any(hasattr(text, "__html__") for text in texts):
        return Markup("").join(texts)
    return "".join(texts)


def _sized(value: Any) -> int | None:
    if isinstance(value, (str, list, tuple)):
        return len(value)
    return None


def _check_product(left: Any, right: Any, limit: int) -> None:
    for seq, times in ((left, right), (right, left)):
        size = _sized(seq)
        if size is not None and isinstance(times, int):
            if size * times > limit:
                raise TemplateLimitError(
                    f"repeating {describe(seq)} {times} times would exceed the"
                    f" {limit} items or characters allowed (limits.max_output_chars)"
                )
            return
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS
    ):
        raise TemplateLimitError(f"number too large (more than {MAX_INT_BITS} bits)")


def _check_power(base: Any, exponent: Any) -> None:
    # Floats overflow with an error; integers grow without bound; decimals are computed
    # to the context's precision, but a large exponent makes a number whose conversions
    # (int(), plural rules) take seconds.
    if isinstance(base, Decimal) or isinstance(exponent, Decimal):
        if isinstance(exponent, (int, Decimal)) and abs(Decimal(exponent)) > MAX_DECIMAL_EXPONENT:
            raise TemplateLimitError(
                f"exponent too large: a power of a decimal takes exponents up to"
                f" {MAX_DECIMAL_EXPONENT}"
            )
        return
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and abs(base).bit_length() * exponent > MAX_INT_BITS
    ):
        raise TemplateLimitError(f"number too large: the power would exceed {MAX_INT_BITS} bits")


def _check_sum(left: Any, right: Any, limit: int) -> None:
    a, b = _sized(left), _sized(right)
    if a is not None and b is not None and a + b > limit:
        raise TemplateLimitError(
            f"joining would exceed the {limit} items or characters allowed"
            " (limits.max_output_chars)"
        )
