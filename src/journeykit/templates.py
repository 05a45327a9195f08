"""Message templates: sandboxed, localised, checked before anything is sent.

A :class:`Templates` registry holds named :class:`MessageTemplate` variants per locale
and shared layouts. Building one checks every template (syntax, names, filters, layouts,
a dry run) and raises one :class:`~journeykit.errors.DefinitionError` listing every
problem. :meth:`Templates.render` fills a template in for a customer and returns a
:class:`RenderedMessage`; :func:`template_context` builds the documented context from a
customer and an event; :func:`validate` also renders every variant with a sample.

Templates are written by marketers, so they are untrusted: they run in jinja2's
``ImmutableSandboxedEnvironment`` hardened by :mod:`journeykit._sandbox` (no Python
internals, no methods that change data, no file system, bounded work, memory and
output), and every failure of a template at render time is a :class:`TemplateError`,
which the engine turns into ``MessageSuppressed(reason="render_failed")``.
``docs/templates.md`` is the guide for template authors.

Import rules: this module and :mod:`journeykit._sandbox` never import conditions, facts
or stages; only the engine joins templates to the decision core.

>>> templates = Templates(templates={
...     "welcome": {
...         "default": MessageTemplate(subject="Welcome, {{ customer.first_name }}!"),
...         "sv": MessageTemplate(subject="Välkommen, {{ customer.first_name }}!"),
...     }
... })
>>> context = {"customer": {"id": "c1", "first_name": "Alva"}}
>>> templates.render("welcome", context, locale="sv-SE").subject
'Välkommen, Alva!'
>>> templates.render("welcome", context, locale="en-GB").subject
'Welcome, Alva!'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from babel import Locale
from pydantic import AfterValidator, Field, PrivateAttr, ValidationError, model_validator

from journeykit._base import Definition, FrozenDict, FrozenModel, Items
from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    MissingVariableError,
    Problem,
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
    quote,
    template_location,
)
from journeykit._loading import load_json, load_yaml, problems_from
from journeykit._sandbox.budget import RenderState, render_scope
from journeykit._sandbox.checks import Code, compile_code
from journeykit._sandbox.codegen import LAYOUT_NAME
from journeykit._sandbox.context import CONTEXT_NAMES, RESERVED_NAMES, field_of, template_context
from journeykit._sandbox.environment import SandboxTemplate
from journeykit._sandbox.library import Library
from journeykit._sandbox.rendering import render_part
from journeykit._sandbox.validation import (
    DEFAULT_VARIANT,
    PARTS,
    layout_path,
    names_used,
    registry_problems,
)
from journeykit._sandbox.values import one_line
from journeykit.models import canonical_locale
from journeykit.time import zone as time_zone

__all__ = [
    "CONTEXT_NAMES",
    "DEFAULT_VARIANT",
    "PARTS",
    "MessageTemplate",
    "MissingVariableError",
    "RenderedMessage",
    "TemplateError",
    "TemplateLimitError",
    "TemplateLimits",
    "TemplateNotFoundError",
    "TemplateSecurityError",
    "Templates",
    "template_context",
    "validate",
]

_FILTERS_KEY = "journeykit.templates.filters"
HostFilters = Mapping[str, Callable[..., Any]]
T = TypeVar("T", bound="Templates")


# --------------------------------------------------------------------------- locales, zones


@lru_cache(maxsize=1024)
def _canonical(tag: str) -> str | None:
    return canonical_locale(tag)


@lru_cache(maxsize=1024)
def _locale_chain(canonical: str) -> tuple[str, ...]:
    """``zh-Hant-TW`` -> ``("zh-Hant-TW", "zh-Hant", "zh")``."""
    pieces = canonical.split("-")
    return tuple("-".join(pieces[:n]) for n in range(len(pieces), 0, -1))


@lru_cache(maxsize=1024)
def _variant_chain(requested: str | None, default_locale: str) -> tuple[str, ...]:
    """The variant keys to try, in order, for a requested (canonical) locale."""
    chain = _locale_chain(requested) if requested else ()
    keys = (*chain, *_locale_chain(default_locale), DEFAULT_VARIANT)
    return tuple(dict.fromkeys(keys))


@lru_cache(maxsize=1024)
def _babel_locale(canonical: str) -> Locale:
    return Locale.parse(canonical, sep="-")


def _locale_argument(value: Any, field: str) -> str | None:
    """``value`` as a canonical locale tag, ``None`` when absent; refuses anything else."""
    if value is None:
        return None
    canonical = _canonical(value) if isinstance(value, str) else None
    if canonical is None:
        shown = quote(repr(value), 40) if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidInputError(
            [Problem(field, f"must be a locale tag such as 'sv-SE' or 'en' (got {shown})")]
        )
    return canonical


def _zone_argument(value: Any, field: str) -> tzinfo | None:
    if value is None:
        return None
    try:
        return time_zone(value)
    except InvalidInputError as err:
        raise InvalidInputError([Problem(field, err.problems[0].message)]) from None


# --------------------------------------------------------------------------- models


class TemplateLimits(Definition):
    """How much one render may produce and do, and how large a template's code may be;
    past a limit it fails with :class:`TemplateLimitError` instead of eating the host's
    CPU or memory.

    >>> TemplateLimits(max_output_chars=100_000).max_operations
    100000
    """

    max_output_chars: int = Field(500_000, ge=1, le=100_000_000)
    """Characters per rendered part; also the largest text or list a template may build.
    The text and lists a render builds along the way (in values, macros, blocks, joins
    and filters) may total eight times this."""
    max_operations: int = Field(100_000, ge=1, le=100_000_000)
    """Work units per render, about a microsecond each: one per loop iteration, call,
    argument, filter, test, comparison, literal and operator, plus one per list item (as
    a tree: a list that holds another ten times counts it ten times) and per 64
    characters of text they go through (per 4 characters for filters such as
    ``wordwrap`` and ``striptags`` that run Python code per word)."""
    max_depth: int = Field(32, ge=1, le=200)
    """How deep macros, call blocks and recursive loops may nest."""
    max_range: int = Field(10_000, ge=1, le=10_000_000)
    """The most items ``range()``, ``|batch`` and ``|slice`` may produce."""
    max_source_chars: int = Field(200_000, ge=1, le=10_000_000)
    """The longest source of a part or layout."""
    max_tokens: int = Field(20_000, ge=1, le=1_000_000)
    """The most tokens (names, values, operators, tag and output delimiters) a part or
    layout may have: what compiling it costs grows with this, not with its length."""


def _check_params(params: tuple[str, ...]) -> tuple[str, ...]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, param in enumerate(params):
        if not param.isidentifier() or param.startswith("_"):
            problems.append(
                Problem(f"[{index}]", f"{quote(repr(param), 40)} must be a name like discount_code")
            )
        elif param in RESERVED_NAMES:
            problems.append(Problem(f"[{index}]", f"{param!r} is a name the context already uses"))
        elif param in seen:
            problems.append(Problem(f"[{index}]", f"{param!r} is already in params"))
        seen.add(param)
    if problems:
        raise DefinitionError(problems)
    return params


class MessageTemplate(Definition):
    """One variant of a message: subject, preheader, text and html (any may be absent,
    not all), the extra names it expects and how it treats missing data.

    ``params`` names values the journey step adds to the context (a discount code,
    recommended products); checking accepts them alongside :data:`CONTEXT_NAMES`.
    ``missing`` decides what printing a value the context lacks does: ``"strict"`` fails
    the render (the message is suppressed), ``"lenient"`` prints nothing and adds a
    warning to the :class:`RenderedMessage`.

    >>> MessageTemplate(text="Use {{ discount_code }}", params=["discount_code"]).params
    ('discount_code',)
    >>> MessageTemplate()
    Traceback (most recent call last):
      ...
    journeykit.errors.DefinitionError: 1 problem in the definition:
      - a template needs at least one of subject, preheader, text, html
    """

    subject: str | None = None
    preheader: str | None = None
    text: str | None = None
    html: str | None = None
    params: Annotated[Items[str], AfterValidator(_check_params)] = ()
    missing: Literal["strict", "lenient"] = "strict"

    @model_validator(mode="after")
    def _check_parts(self) -> MessageTemplate:
        if all(getattr(self, part) is None for part in PARTS):
            raise ValueError("a template needs at least one of subject, preheader, text, html")
        return self


class RenderedMessage(FrozenModel):
    """A message filled in for one customer: the parts the template has, and where it
    came from.

    ``variant`` is the key of the variant used (``"sv-SE"``, ``"sv"`` or ``"default"``);
    ``locale`` is the locale numbers and dates were formatted for. ``warnings`` lists
    what a lenient template printed as empty, and line breaks or control characters
    replaced in the subject or preheader.
    """

    template: str
    variant: str
    locale: str
    subject: str | None = None
    preheader: str | None = None
    text: str | None = None
    html: str | None = None
    warnings: Items[str] = ()


def _checked_templates(
    templates: Mapping[str, Mapping[str, MessageTemplate]],
) -> FrozenDict[str, FrozenDict[str, MessageTemplate]]:
    problems: list[Problem] = []
    checked: dict[str, FrozenDict[str, MessageTemplate]] = {}
    for name, variants in templates.items():
        variants_checked = _checked_variants(name, variants, problems)
        if variants_checked is not None:
            checked[name] = FrozenDict(variants_checked)
    if problems:
        raise DefinitionError(problems)
    return FrozenDict(checked)


def _checked_layouts(
    layouts: Mapping[str, Mapping[str, str]],
) -> FrozenDict[str, FrozenDict[str, str]]:
    problems: list[Problem] = []
    checked: dict[str, FrozenDict[str, str]] = {}
    for name, variants in layouts.items():
        variants_checked = _checked_variants(name, variants, problems)
        if variants_checked is not None:
            checked[name] = FrozenDict(variants_checked)
    if problems:
        raise DefinitionError(problems)
    return FrozenDict(checked)


V = TypeVar("V")


def _checked_variants(
    name: str, variants: Mapping[str, V], problems: list[Problem]
) -> dict[str, V] | None:
    at = f"[{name}]"
    if not LAYOUT_NAME.match(name):
        problems.append(
            Problem(
                f"[{quote(name, 40)}]",
                "a name must be 1-100 letters, digits, '_', '-' or '.', starting with a"
                " letter or digit",
            )
        )
        return None
    if not variants:
        problems.append(Problem(at, "no variants: add 'default' or a locale such as 'sv-SE'"))
        return None
    normalized: dict[str, V] = {}
    for key, value in variants.items():
        variant = key if key == DEFAULT_VARIANT else _canonical(key)
        if variant is None:
            problems.append(
                Problem(
                    f"{at}.{quote(key, 40)}",
                    f"a variant key must be {DEFAULT_VARIANT!r} or a locale such as 'sv-SE'"
                    " or 'sv'",
                )
            )
        elif variant in normalized:
            problems.append(Problem(f"{at}.{key}", f"a second variant for {variant!r}"))
        else:
            normalized[variant] = value
    return normalized


def _check_default_locale(value: str) -> str:
    canonical = _canonical(value)
    if canonical is None:
        raise ValueError(f"unknown locale {quote(repr(value), 40)}; use a tag such as 'en-US'")
    return canonical


def _check_default_timezone(value: str) -> str:
    time_zone(value)  # raises InvalidInputError naming what is wrong
    return value


class Templates(Definition):
    """A registry of named templates with per-locale variants, and the layouts they
    share; built once, checked as a whole, shared by every render.

    ``templates`` maps a name to its variants: keys are BCP 47 locale tags (``sv-SE``,
    ``sv``) or ``"default"``. For a requested locale the variant is chosen in this order:

    1. the locale itself (``sv-SE``);
    2. its less specific forms (``sv``; for ``zh-Hant-TW``: ``zh-Hant``, ``zh``);
    3. ``default_locale`` and its less specific forms;
    4. ``"default"``.

    ``layouts`` maps a name to sources in the same way: shared code (a header, a footer
    with the unsubscribe link, macros) that templates use with ``{% extends 'name' %}``,
    ``{% include 'name' %}`` or ``{% import 'name' as m %}``. A template reaches only the
    layouts of its own registry, never a file; the layout's variant follows the reader's
    locale like a template's.

    Numbers and dates are formatted for the requested locale whatever variant is used
    (a Swede reading the English default still sees ``499,00 kr``), or for
    ``default_locale`` when no locale is known. Dates are shown in the customer's time
    zone, else ``default_timezone``.

    Building a registry checks everything (see :meth:`problems`) and compiles every
    part, so rendering never compiles. ``filters`` adds the host's own filters (code,
    not data: pass the same functions each time the registry is built or loaded).

    >>> templates = Templates(templates={"t": {"sv": MessageTemplate(text="Hej")}},
    ...                       default_locale="sv-SE")
    >>> templates.resolve("t", "en-US")
    ('sv', MessageTemplate(subject=None, preheader=None, text='Hej', ...))
    """

    templates: Annotated[
        Mapping[str, Mapping[str, MessageTemplate]], AfterValidator(_checked_templates)
    ] = Field(default_factory=FrozenDict)
    layouts: Annotated[Mapping[str, Mapping[str, str]], AfterValidator(_checked_layouts)] = Field(
        default_factory=FrozenDict
    )
    default_locale: Annotated[str, AfterValidator(_check_default_locale)] = "en-US"
    default_timezone: Annotated[str, AfterValidator(_check_default_timezone)] = "UTC"
    limits: TemplateLimits = Field(default_factory=TemplateLimits)

    #: The host's filters: code, not data, so not a field; kept through pickling and
    #: copying, where the compiled code is rebuilt from them.
    _filters: dict[str, Callable[..., Any]] = PrivateAttr(default_factory=dict)
    # The compiled code and environments (a Library), in a plain slot: reading one of
    # pydantic's private attributes costs microseconds, and every render reads this.
    # Pickling and copying leave it out; :meth:`_runtime` rebuilds it.
    __slots__ = ("_library_slot",)
    if TYPE_CHECKING:
        _library_slot: Library

    def __init__(self, /, *, filters: HostFilters | None = None, **data: Any) -> None:
        if filters is None:
            super().__init__(**data)
            return
        try:
            self.__pydantic_validator__.validate_python(
                data, self_instance=self, context={_FILTERS_KEY: filters}
            )
        except ValidationError as err:
            raise DefinitionError(problems_from(err, data)) from None
        self._after_validation()

    # pydantic validates a nested registry itself (filters then come in its context)
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]  # pydantic's marker

    def model_post_init(self, context: Any, /) -> None:
        filters = context.get(_FILTERS_KEY) if isinstance(context, dict) else None
        library = Library(filters)
        self._filters = dict(library.filters)
        object.__setattr__(self, "_library_slot", library)

    def _runtime(self) -> Library:
        try:
            return self._library_slot
        except AttributeError:  # unpickled or copied: compile again, on first use
            library = Library(self._filters)
            object.__setattr__(self, "_library_slot", library)
            return library

    # --- loading, with the host's filters --------------------------------------------

    @classmethod
    def model_validate(
        cls: type[T], obj: Any, *, filters: HostFilters | None = None, **kwargs: Any
    ) -> T:
        if filters is not None:
            kwargs["context"] = {**(kwargs.get("context") or {}), _FILTERS_KEY: filters}
        return super().model_validate(obj, **kwargs)

    @classmethod
    def model_validate_json(
        cls: type[T],
        json_data: str | bytes | bytearray,
        *,
        filters: HostFilters | None = None,
        **kwargs: Any,
    ) -> T:
        data, problems = load_json(json_data)
        if problems:
            raise DefinitionError(problems)
        return cls.model_validate(data, filters=filters, **kwargs)

    @classmethod
    def from_json(
        cls: type[T], text: str | bytes | bytearray, *, filters: HostFilters | None = None
    ) -> T:
        """Load from JSON text, as a CRM stored it, with the host's ``filters``."""
        return cls.model_validate_json(text, filters=filters)

    @classmethod
    def from_yaml(cls: type[T], text: str, *, filters: HostFilters | None = None) -> T:
        """Load from YAML text (needs PyYAML), with the host's ``filters``."""
        data, problems = load_yaml(text)
        if problems:
            raise DefinitionError(problems)
        return cls.model_validate(data, filters=filters)

    def model_copy(self: T, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> T:
        """A copy with ``update`` applied, checked like a new registry, with the same
        host filters."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate(data | dict(update or {}), filters=self.filters)

    def merged(self, other: Templates) -> Templates:
        """This registry with ``other``'s templates and layouts added, ``other``'s winning
        where both have a name (all its variants replace all of ours).

        A host replaces a template (or a layout) by name this way without touching the
        journeys that send it. Settings (``default_locale``, ``default_timezone``,
        ``limits``) stay this registry's; host filters are combined, ``other``'s winning.
        The result is checked as a whole.

        >>> base = Templates(templates={"welcome": {"default": MessageTemplate(text="Hi")}})
        >>> shop = Templates(templates={"welcome": {"default": MessageTemplate(text="Hej!")}})
        >>> base.merged(shop).render("welcome", {}).text
        'Hej!'
        """
        return Templates(
            templates={**self.templates, **other.templates},
            layouts={**self.layouts, **other.layouts},
            default_locale=self.default_locale,
            default_timezone=self.default_timezone,
            limits=self.limits,
            filters={**self.filters, **other.filters},
        )

    def __eq__(self, other: object) -> bool:
        same = super().__eq__(other)
        if same is True and isinstance(other, Templates):
            return self.filters == other.filters
        return same

    __hash__ = Definition.__hash__

    @property
    def filters(self) -> Mapping[str, Callable[..., Any]]:
        """The host's filters this registry was built with, by name."""
        return self._runtime().filters

    # --- checking ----------------------------------------------------------------------

    def problems(self, path: str = "") -> list[Problem]:
        """Every problem with these templates and layouts, each with its own path
        (``templates[cart].sv-SE.html:3``, ``layouts[email].default:12``); never raises.

        Found: syntax errors; tags, filters and layout names that are not available;
        variables outside the documented context (:data:`CONTEXT_NAMES` plus the
        template's ``params``) and unknown fields of ``customer``, ``event``,
        ``journey`` and ``step``; layouts that do not exist, that reach each other in a
        cycle, or that read names a template using them cannot provide; templates and
        layouts with no variant for ``default_locale`` and no ``default``; and, from a
        dry run of each variant with an empty context, security refusals and limits on
        the paths that run without data.
        """
        try:
            found = registry_problems(self)
        except Exception as exc:  # a bug here must not hide the definition's problems
            found = [Problem("", f"the templates could not be checked ({type(exc).__name__})")]
        return [problem.under(path) for problem in found]

    def names_used(self, name: str) -> frozenset[str]:
        """The top-level names template ``name`` reads from its context, in any variant
        or part, the layouts it uses included: what a journey must provide to send it.

        >>> Templates(templates={"t": {"default": MessageTemplate(
        ...     text="{{ customer.first_name }} {{ code }}", params=["code"])}}
        ... ).names_used("t") == {"customer", "code"}
        True
        """
        return names_used(self, name)

    # --- rendering ---------------------------------------------------------------------

    def resolve(self, name: str, locale: str | None = None) -> tuple[str, MessageTemplate]:
        """The variant key and template used for ``name`` in ``locale``.

        Raises :class:`TemplateNotFoundError` when there is no such template or no
        variant fits and there is no ``default``, and
        :class:`~journeykit.errors.InvalidInputError` for a locale that is not a tag.
        """
        variants = self.templates.get(name)
        if variants is None:
            raise TemplateNotFoundError(f"no template named {name[:100]!r}", template=name)
        for key in self._variant_chain(_locale_argument(locale, "locale")):
            message = variants.get(key)
            if message is not None:
                return key, message
        raise TemplateNotFoundError(
            f"no variant for locale {locale!r} and no {DEFAULT_VARIANT!r} variant",
            template=name,
        )

    def render(
        self,
        name: str,
        context: Mapping[str, Any],
        *,
        locale: str | None = None,
        timezone: str | None = None,
    ) -> RenderedMessage:
        """Fill in template ``name`` with ``context`` for the reader's locale.

        ``locale`` defaults to the context's ``customer.locale``, then ``default_locale``;
        ``timezone`` (for the date filters) to ``customer.timezone``, then
        ``default_timezone``. The context is never changed.

        Bad arguments raise :class:`~journeykit.errors.InvalidInputError` naming them: a
        context that is not a mapping, a ``customer`` without an ``id``, a locale or time
        zone that does not exist. Every failure of the template itself is a
        :class:`TemplateError` (the engine turns it into
        ``MessageSuppressed(reason="render_failed")``).

        Amounts are joined to their currency by a no-break space (U+00A0), as CLDR says:

        >>> templates = Templates(templates={"receipt": {"default": MessageTemplate(
        ...     text="Total: {{ order.value | money(order.currency) }}")}})
        >>> context = {"order": {"value": "499.00", "currency": "SEK"}}
        >>> templates.render("receipt", context, locale="sv-SE").text
        'Total: 499,00\xa0kr'
        >>> templates.render("receipt", context, locale="en-US").text
        'Total: SEK\xa0499.00'
        """
        if not isinstance(context, Mapping):
            raise InvalidInputError(
                [
                    Problem(
                        "context",
                        f"must be a mapping of names to values (got {type(context).__name__})",
                    )
                ]
            )
        customer = context.get("customer")
        if customer is not None:
            if not isinstance(customer, Mapping):
                raise InvalidInputError(
                    [
                        Problem(
                            "context.customer",
                            "must be a mapping; build the context with template_context()",
                        )
                    ]
                )
            if customer.get("id") in (None, ""):
                raise InvalidInputError(
                    [
                        Problem(
                            "context.customer.id",
                            "is missing: a message is always for a known customer",
                        )
                    ]
                )
        if locale is not None:
            requested = _locale_argument(locale, "locale")
        else:
            requested = _locale_argument(field_of(customer, "locale"), "context.customer.locale")
        if timezone is not None:
            zone = _zone_argument(timezone, "timezone")
        else:
            zone = _zone_argument(field_of(customer, "timezone"), "context.customer.timezone")
        variants = self.templates.get(name)
        if variants is None:
            raise TemplateNotFoundError(f"no template named {name[:100]!r}", template=name)
        for key in self._variant_chain(requested):
            message = variants.get(key)
            if message is not None:
                break
        else:
            raise TemplateNotFoundError(
                f"no variant for locale {requested!r} and no {DEFAULT_VARIANT!r} variant",
                template=name,
            )
        return self._render(
            name,
            key,
            message,
            context,
            requested or self.default_locale,
            zone,
            lenient=message.missing == "lenient",
            requested=requested,
        )

    def _variant_chain(self, requested: str | None) -> tuple[str, ...]:
        return _variant_chain(requested, self.default_locale)

    def _part_code(self, name: str, variant: str, part: str) -> Code:
        key = (name, variant, part)
        library = self._runtime()
        code = library.code.get(key)
        if code is None:
            source: str = getattr(self.templates[name][variant], part)
            code = compile_code(library.environment(part == "html"), source, self.limits)
            library.code[key] = code
        return code

    def _layout_code(self, name: str, variant: str, html: bool) -> Code:
        key = ("layout", name, variant, html)
        library = self._runtime()
        code = library.code.get(key)
        if code is None:
            source = self.layouts[name][variant]
            code = compile_code(library.environment(html), source, self.limits)
            if code.template is not None:
                code.template.journeykit_layout = layout_path(name, variant)
            library.code[key] = code
        return code

    def _layout(self, name: str, html: bool, state: RenderState) -> SandboxTemplate:
        """The layout ``name`` for the render in progress (the
        :class:`~journeykit._sandbox.budget.LayoutSource` the environment asks)."""
        variants = self.layouts.get(name)
        if variants is None:
            # Whatever the name means elsewhere (a file, a module), a template reaches
            # only the layouts of its own registry.
            raise TemplateSecurityError(
                f"{quote(name, 60)!r} is not a layout of this registry; templates reach only"
                " their own registry's layouts"
            )
        for key in state.locale_chain:
            if key in variants:
                break
        else:
            raise TemplateNotFoundError(
                f"layout {name!r} has no variant for this locale and no {DEFAULT_VARIANT!r}"
            )
        code = self._layout_code(name, key, html)
        if code.template is None:
            assert code.error is not None  # compile_code gives one or the other
            error = code.error
            raise type(error)(error.reason, layout=layout_path(name, key, error.line))
        return code.template

    def _render(
        self,
        name: str,
        variant: str,
        message: MessageTemplate,
        context: Mapping[str, Any],
        formatting: str,
        zone: tzinfo | None,
        *,
        lenient: bool,
        requested: str | None = None,
        failures: list[TemplateError] | None = None,
    ) -> RenderedMessage:
        state = RenderState(
            self.limits,
            lenient=lenient,
            locale=_babel_locale(formatting),
            tz=zone or time_zone(self.default_timezone),
            layouts=self,
            locale_chain=self._variant_chain(requested or formatting),
        )
        rendered: dict[str, str] = {}
        warnings: list[str] = []
        with render_scope(state):
            for part in PARTS:
                if getattr(message, part) is None:
                    continue
                try:
                    code = self._part_code(name, variant, part)
                    if code.template is None:
                        assert code.error is not None  # compile_code gives one or the other
                        raise code.error.located(name, variant, part, code.error.line)
                    text = render_part(
                        code.template, context, state, name=name, variant=variant, part=part
                    )
                    if part == "subject" or part == "preheader":
                        text, replaced = one_line(text)
                        if replaced:
                            warnings.append(
                                f"{template_location(name, variant, part, None)}: line breaks"
                                " and control characters replaced by spaces"
                            )
                    rendered[part] = text
                except TemplateError as error:
                    if failures is None:
                        raise
                    failures.append(error)
        return RenderedMessage(
            template=name,
            variant=variant,
            locale=formatting,
            **rendered,
            warnings=(*warnings, *state.warning_list()),
        )


# --------------------------------------------------------------------------- validation


def validate(templates: Templates, sample_context: Mapping[str, Any] | None = None) -> None:
    """Check ``templates`` again and render every variant with ``sample_context``; raise
    one :class:`~journeykit.errors.DefinitionError` listing every problem.

    Building a :class:`Templates` already checks everything that can be found without
    data (:meth:`Templates.problems`); this adds a full render of each variant in its own
    locale and mode with the sample, where any failure is a problem.

    >>> templates = Templates(templates={"t": {"default": MessageTemplate(
    ...     text="{{ order.value | money(order.currency) }}")}})
    >>> validate(templates, {"order": {"value": "x", "currency": "SEK"}})
    Traceback (most recent call last):
      ...
    journeykit.errors.DefinitionError: 1 problem in the definition:
      - templates[t].default.text:1: |money needs a number, got 'x'
    """
    problems = templates.problems()
    if sample_context is not None:
        zone = _zone_argument(
            field_of(sample_context.get("customer"), "timezone"), "sample_context.customer.timezone"
        )
        for name in sorted(templates.templates):
            variants = templates.templates[name]
            for variant in sorted(variants, key=lambda key: (key != DEFAULT_VARIANT, key)):
                message = variants[variant]
                formatting = templates.default_locale if variant == DEFAULT_VARIANT else variant
                failures: list[TemplateError] = []
                templates._render(
                    name,
                    variant,
                    message,
                    sample_context,
                    formatting,
                    zone,
                    lenient=message.missing == "lenient",
                    failures=failures,
                )
                problems.extend(Problem(error.path, _reason(error)) for error in failures)
    unique = list(dict.fromkeys(problems))
    if unique:
        raise DefinitionError(unique)


def _reason(error: TemplateError) -> str:
    return error.reason if error.layout is None else f"{error.reason} (in {error.layout})"
