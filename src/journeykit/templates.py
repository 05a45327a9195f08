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
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, PrivateAttr, ValidationError

from journeykit._base import Definition, FrozenDict
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
from journeykit._sandbox.context import CONTEXT_NAMES, field_of, template_context
from journeykit._sandbox.environment import SandboxTemplate
from journeykit._sandbox.library import Library
from journeykit._sandbox.messages import (
    MessageTemplate,
    RenderedMessage,
    TemplateLimits,
    babel_locale,
    check_default_locale,
    check_default_timezone,
    checked_registry,
    locale_argument,
    variant_chain,
    zone_argument,
)
from journeykit._sandbox.rendering import render_part
from journeykit._sandbox.validation import (
    DEFAULT_VARIANT,
    PARTS,
    layout_path,
    names_used,
    registry_problems,
    variant_order,
)
from journeykit._sandbox.values import one_line
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
        Mapping[str, Mapping[str, MessageTemplate]], AfterValidator(checked_registry)
    ] = Field(default_factory=FrozenDict)
    layouts: Annotated[Mapping[str, Mapping[str, str]], AfterValidator(checked_registry)] = Field(
        default_factory=FrozenDict
    )
    default_locale: Annotated[str, AfterValidator(check_default_locale)] = "en-US"
    default_timezone: Annotated[str, AfterValidator(check_default_timezone)] = "UTC"
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
        for key in self._variant_chain(locale_argument(locale, "locale")):
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
            requested = locale_argument(locale, "locale")
        else:
            requested = locale_argument(field_of(customer, "locale"), "context.customer.locale")
        if timezone is not None:
            zone = zone_argument(timezone, "timezone")
        else:
            zone = zone_argument(field_of(customer, "timezone"), "context.customer.timezone")
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
        return variant_chain(requested, self.default_locale)

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
            locale=babel_locale(formatting),
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
        zone = zone_argument(
            field_of(sample_context.get("customer"), "timezone"), "sample_context.customer.timezone"
        )
        for name in sorted(templates.templates):
            variants = templates.templates[name]
            for variant in variant_order(variants):
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
