"""Message templates: sandboxed, localised, validated before anything is sent.

A :class:`Templates` registry holds named :class:`MessageTemplate` variants per locale.
:meth:`Templates.render` fills one in for a customer and returns a
:class:`RenderedMessage`; :func:`validate` checks every template before a journey uses
it; :func:`template_context` builds the documented context from a customer and an event.

Templates are written by marketers, so they are untrusted: they run in jinja2's
``ImmutableSandboxedEnvironment`` hardened by :mod:`journeykit._sandbox` (no Python
internals, no methods that change data, no file system, bounded work and output), and
every failure at render time is a :class:`TemplateError`, which the engine turns into
``MessageSuppressed(reason="render_failed")``. ``docs/templates.md`` is the guide for
template authors.

>>> templates = Templates(templates={
...     "welcome": {
...         "default": MessageTemplate(subject="Welcome, {{ customer.first_name }}!"),
...         "sv": MessageTemplate(subject="Välkommen, {{ customer.first_name }}!"),
...     }
... })
>>> context = {"customer": {"first_name": "Alva"}}
>>> templates.render("welcome", context, locale="sv-SE").subject
'Välkommen, Alva!'
>>> templates.render("welcome", context, locale="en-GB").subject
'Welcome, Alva!'
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from jinja2 import Template
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from journeykit._errors import DefinitionError, InvalidInputError, Problem
from journeykit._filters import DROPPED_FILTERS, FILTERS, TESTS
from journeykit._sandbox import (
    MissingVariableError,
    RenderState,
    SandboxEnvironment,
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
    check_source,
    compile_source,
    describe,
    location,
    render_part,
    render_scope,
    too_long,
)
from journeykit.models import canonical_locale as _canonical_locale
from journeykit.time import zone as _time_zone

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

#: The parts of a message, in the order they are rendered and validated.
PARTS: tuple[Literal["subject", "preheader", "text", "html"], ...] = (
    "subject",
    "preheader",
    "text",
    "html",
)
#: The variant key used when no locale-specific variant matches.
DEFAULT_VARIANT = "default"
#: The top-level names every template may use (see :func:`template_context`).
CONTEXT_NAMES: frozenset[str] = frozenset(
    {"customer", "event", "order", "stage", "journey", "step"}
)
#: Events whose properties are also offered as ``order``.
ORDER_EVENTS: frozenset[str] = frozenset({"order_placed", "order_refunded"})

_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
#: Fields of the documented objects; ``validate`` flags others (``customer.frist_name``).
_FIELDS: Mapping[str, frozenset[str]] = {
    "customer": frozenset(
        {
            "id",
            "email",
            "phone",
            "timezone",
            "locale",
            "created_at",
            "first_name",
            "last_name",
            "attributes",
        }
    )
    | _MAPPING_METHODS,
    "event": frozenset({"id", "type", "at", "properties"}) | _MAPPING_METHODS,
    "journey": frozenset({"id", "version"}),
    "step": frozenset({"id"}),
}
_RESERVED_PARAMS = CONTEXT_NAMES | {
    "range",
    "namespace",
    "loop",
    "caller",
    "self",
    "super",
    "varargs",
    "kwargs",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
_ENVIRONMENTS = {
    html: SandboxEnvironment(
        html=html, filters=FILTERS, tests=TESTS, dropped_filters=DROPPED_FILTERS
    )
    for html in (False, True)
}


# --------------------------------------------------------------------------- locales, zones


@lru_cache(maxsize=1024)
def _locale_chain(canonical: str) -> tuple[str, ...]:
    """``zh-Hant-TW`` -> ``("zh-Hant-TW", "zh-Hant", "zh")``."""
    pieces = canonical.split("-")
    return tuple("-".join(pieces[:n]) for n in range(len(pieces), 0, -1))


@lru_cache(maxsize=1024)
def _babel_locale(canonical: str) -> Locale:
    return Locale.parse(canonical, sep="-")


def _zone(name: str) -> tzinfo | None:
    """The zone called ``name``, or None; host-dependent names such as ``localtime`` are
    refused, as everywhere in journeykit (:func:`journeykit.time.zone`)."""
    try:
        return _time_zone(name)
    except InvalidInputError:
        return None


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


# --------------------------------------------------------------------------- models


class TemplateLimits(BaseModel):
    """How much one render may produce and do; past a limit it fails with
    :class:`TemplateLimitError` instead of eating the host's CPU or memory.

    >>> TemplateLimits(max_output_chars=100_000).max_operations
    100000
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_output_chars: int = Field(500_000, ge=1, le=100_000_000)
    """Characters per rendered part; also the largest text or list a template may build.
    The text a render builds along the way (in macros, blocks, joins and filters) may
    total eight times this."""
    max_operations: int = Field(100_000, ge=1, le=100_000_000)
    """Work units per render, about a microsecond each: one per loop iteration, call,
    filter, test, comparison and operator, plus one per list item and per KiB of text
    they go through (per four characters for filters such as ``wordwrap`` and
    ``striptags`` that run Python code per word)."""
    max_depth: int = Field(32, ge=1, le=200)
    """How deep macros and recursive loops may nest."""
    max_range: int = Field(10_000, ge=1, le=10_000_000)
    """The most items ``range()``, ``|batch`` and ``|slice`` may produce."""
    max_source_chars: int = Field(200_000, ge=1, le=10_000_000)
    """The longest template source, per part."""


class MessageTemplate(BaseModel):
    """One variant of a message: subject, preheader, text and html (any may be absent,
    not all), the extra names it expects and how it treats missing data.

    ``params`` names values the journey step adds to the context (a discount code,
    recommended products); :func:`validate` accepts them alongside
    :data:`CONTEXT_NAMES`. ``missing`` decides what printing a value the context lacks
    does: ``"strict"`` fails the render (the message is suppressed), ``"lenient"``
    prints nothing and adds a warning to the :class:`RenderedMessage`.

    >>> MessageTemplate(text="Use {{ discount_code }}", params=("discount_code",)).params
    ('discount_code',)
    >>> MessageTemplate()
    Traceback (most recent call last):
      ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for MessageTemplate
      Value error, a template needs at least one of subject, preheader, text, html ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str | None = None
    preheader: str | None = None
    text: str | None = None
    html: str | None = None
    params: tuple[str, ...] = ()
    missing: Literal["strict", "lenient"] = "strict"

    @field_validator("params")
    @classmethod
    def _check_params(cls, params: tuple[str, ...]) -> tuple[str, ...]:
        for param in params:
            if not param.isidentifier() or param.startswith("_"):
                raise ValueError(f"param {param!r} must be a name like discount_code")
            if param in _RESERVED_PARAMS:
                raise ValueError(f"param {param!r} is a name the context already uses")
        if len(set(params)) != len(params):
            raise ValueError("params must not repeat a name")
        return params

    @model_validator(mode="after")
    def _check_parts(self) -> MessageTemplate:
        if all(getattr(self, part) is None for part in PARTS):
            raise ValueError("a template needs at least one of subject, preheader, text, html")
        return self


class RenderedMessage(BaseModel):
    """A message filled in for one customer: the parts the template has, and where it
    came from.

    ``variant`` is the key of the variant used (``"sv-SE"``, ``"sv"`` or ``"default"``);
    ``locale`` is the locale numbers and dates were formatted for. ``warnings`` lists
    what a lenient template printed as empty.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    template: str
    variant: str
    locale: str
    subject: str | None = None
    preheader: str | None = None
    text: str | None = None
    html: str | None = None
    warnings: tuple[str, ...] = ()


class _Cache:
    """Compiled parts per MessageTemplate; not part of a Templates' value.

    Equal to any other cache, empty after unpickling or deep-copying, and keyed by the
    MessageTemplate object (kept alive here), so a copy of a Templates that shares it
    can never be served another template's code.
    """

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: dict[int, tuple[MessageTemplate, dict[str, Template | TemplateError]]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Cache)

    __hash__ = None  # type: ignore[assignment]  # unhashable, like the dict it holds

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Cache, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> _Cache:
        return _Cache()

    def parts(self, message: MessageTemplate) -> dict[str, Template | TemplateError]:
        entry = self.entries.get(id(message))
        if entry is None or entry[0] is not message:
            entry = (message, {})
            self.entries[id(message)] = entry
        return entry[1]


class Templates(BaseModel):
    """A registry of named templates with per-locale variants; shared and immutable.

    ``templates`` maps a name to its variants: keys are BCP 47 locale tags (``sv-SE``,
    ``sv``) or ``"default"``. For a requested locale the variant is chosen in this order:

    1. the locale itself (``sv-SE``);
    2. its less specific forms (``sv``; for ``zh-Hant-TW``: ``zh-Hant``, ``zh``);
    3. ``default_locale`` and its less specific forms;
    4. ``"default"``.

    Numbers and dates are formatted for the requested locale whatever variant is used
    (a Swede reading the English default still sees ``499,00 kr``), or for
    ``default_locale`` when no locale is known. Dates are shown in the customer's time
    zone, else ``default_timezone``.

    Building a registry checks its shape (names, locale tags, limits); :func:`validate`
    checks the template code and should run before the registry is used (the engine
    runs it when it is built). Parts are compiled once, on first use, and cached.

    >>> templates = Templates(templates={"t": {"sv": MessageTemplate(text="Hej")}},
    ...                       default_locale="sv-SE")
    >>> templates.resolve("t", "en-US")
    ('sv', MessageTemplate(subject=None, preheader=None, text='Hej', ...))
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    templates: Mapping[str, Mapping[str, MessageTemplate]] = Field(default_factory=dict)
    default_locale: str = "en-US"
    default_timezone: str = "UTC"
    limits: TemplateLimits = Field(default_factory=TemplateLimits)

    _cache: _Cache = PrivateAttr(default_factory=_Cache)

    @field_validator("templates")
    @classmethod
    def _check_templates(
        cls, templates: Mapping[str, Mapping[str, MessageTemplate]]
    ) -> dict[str, dict[str, MessageTemplate]]:
        checked: dict[str, dict[str, MessageTemplate]] = {}
        for name, variants in templates.items():
            if not _NAME.match(name):
                raise ValueError(
                    f"template name {name[:40]!r} must be 1-100 letters, digits, '_', '-'"
                    " or '.', starting with a letter or digit"
                )
            if not variants:
                raise ValueError(f"template {name!r} has no variants")
            normalized: dict[str, MessageTemplate] = {}
            for key, message in variants.items():
                variant = key if key == DEFAULT_VARIANT else _canonical_locale(key)
                if variant is None:
                    raise ValueError(
                        f"template {name!r}: variant key {key[:40]!r} must be"
                        f" {DEFAULT_VARIANT!r} or a locale such as 'sv-SE' or 'sv'"
                    )
                if variant in normalized:
                    raise ValueError(f"template {name!r}: two variants for {variant!r}")
                normalized[variant] = message
            checked[name] = normalized
        return checked

    @field_validator("default_locale")
    @classmethod
    def _check_default_locale(cls, value: str) -> str:
        canonical = _canonical_locale(value)
        if canonical is None:
            raise ValueError(f"unknown locale {value[:40]!r}; use a tag such as 'en-US'")
        return canonical

    @field_validator("default_timezone")
    @classmethod
    def _check_default_timezone(cls, value: str) -> str:
        if _zone(value) is None:
            raise ValueError(f"unknown time zone {value[:60]!r}; use an IANA name")
        return value

    def resolve(self, name: str, locale: str | None = None) -> tuple[str, MessageTemplate]:
        """The variant key and template used for ``name`` in ``locale``.

        Raises :class:`TemplateNotFoundError` when there is no such template or no
        variant fits and there is no ``default``.
        """
        variants = self.templates.get(name)
        if variants is None:
            raise TemplateNotFoundError(f"no template named {name[:100]!r}", template=name)
        requested = _canonical_locale(locale) if locale else None
        if requested is not None:
            for key in _locale_chain(requested):
                message = variants.get(key)
                if message is not None:
                    return key, message
        for key in (*_locale_chain(self.default_locale), DEFAULT_VARIANT):
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
        ``default_timezone``. Every failure is a :class:`TemplateError` (the engine turns
        it into ``MessageSuppressed(reason="render_failed")``); the context is never
        changed.

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
                f"context must be a mapping of names to values (got {describe(context)})"
            )
        customer = context.get("customer")
        requested = locale if locale is not None else _field(customer, "locale")
        if requested is not None and not isinstance(requested, str):
            requested = None
        variant, message = self.resolve(name, requested)
        warnings: list[str] = []
        formatting = _canonical_locale(requested) if requested else None
        if requested and formatting is None:
            warnings.append(
                f"unknown locale {requested[:40]!r}; formatted for {self.default_locale}"
            )
        zone_name = timezone if timezone is not None else _field(customer, "timezone")
        zone = _zone(zone_name) if isinstance(zone_name, str) and zone_name else None
        if zone_name and zone is None:
            warnings.append(
                f"unknown time zone {str(zone_name)[:60]!r}; used {self.default_timezone}"
            )
        return self._render(
            name,
            variant,
            message,
            context,
            formatting or self.default_locale,
            zone or _zone(self.default_timezone) or ZoneInfo("UTC"),
            warnings,
            lenient=message.missing == "lenient",
        )

    def _compiled(self, message: MessageTemplate, part: str) -> Template | TemplateError:
        return self._compiled_in(self._cache.parts(message), message, part)

    def _compiled_in(
        self, parts: dict[str, Template | TemplateError], message: MessageTemplate, part: str
    ) -> Template | TemplateError:
        source: str = getattr(message, part)
        # Checked on every render: the cache may be shared with a copy with other limits.
        error = too_long(source, self.limits)
        if error is not None:
            return error
        compiled = parts.get(part)
        if compiled is None:
            try:
                compiled = compile_source(_ENVIRONMENTS[part == "html"], source)
            except TemplateError as failure:
                compiled = failure  # a broken part fails fast on later renders too
            parts[part] = compiled
        return compiled

    def _render(
        self,
        name: str,
        variant: str,
        message: MessageTemplate,
        context: Mapping[str, Any],
        formatting: str,
        zone: tzinfo,
        warnings: list[str],
        *,
        lenient: bool,
        failures: list[TemplateError] | None = None,
    ) -> RenderedMessage:
        state = RenderState(self.limits, lenient=lenient, locale=_babel_locale(formatting), tz=zone)
        rendered: dict[str, str] = {}
        parts = self._cache.parts(message)
        with render_scope(state):
            for part in PARTS:
                if getattr(message, part) is None:
                    continue
                try:
                    compiled = self._compiled_in(parts, message, part)
                    if isinstance(compiled, TemplateError):
                        raise compiled.located(name, variant, part, compiled.line)
                    rendered[part] = render_part(
                        compiled, context, state, name=name, variant=variant, part=part
                    )
                except TemplateError as error:
                    if failures is None:
                        raise
                    failures.append(error)
        return RenderedMessage(
            template=name,
            variant=variant,
            locale=formatting,
            **rendered,
            warnings=(*warnings, *state.warnings),
        )


# --------------------------------------------------------------------------- context


def _plain(value: Any, path: str, depth: int = 0) -> Any:
    """A copy of ``value`` made of dicts, tuples, text, numbers and dates only."""
    if value is None or isinstance(value, (str, bool, int, float, Decimal)):
        if isinstance(value, enum.Enum):
            return _plain(value.value, path, depth)
        return value
    if depth > 32:
        raise InvalidInputError(f"{path}: data nested more than 32 levels deep")
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInputError(f"{path}: must be timezone-aware (got a naive datetime)")
        return value
    if isinstance(value, (date, time)):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value, path, depth)
    if isinstance(value, Mapping):
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(f"{path}: keys must be text (got {describe(key)})")
            copied[key] = _plain(item, f"{path}.{key}", depth + 1)
        return copied
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return tuple(_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    dump = getattr(value, "model_dump", None)
    if callable(dump) and isinstance(value, BaseModel):
        return _plain(dump(), path, depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value), path, depth + 1)
    raise InvalidInputError(
        f"{path}: templates take plain data (mappings, lists, text, numbers, dates);"
        f" got {describe(value)}"
    )


def _reference(value: Any, path: str, fields: Iterable[str]) -> dict[str, Any]:
    if isinstance(value, str):
        reference: dict[str, Any] = dict.fromkeys(fields)
        reference["id"] = value
        return reference
    return {name: _plain(_field(value, name), f"{path}.{name}") for name in fields}


def template_context(
    customer: Any,
    *,
    event: Any = None,
    stage: Any = None,
    journey: Any = None,
    step: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented template context for a customer, as plain data.

    ``customer`` and ``event`` may be journeykit models, other objects with the same
    attributes, or mappings. The result holds only dicts, tuples, text, numbers and
    dates (copies, never the caller's objects):

    - ``customer``: ``id``, ``email``, ``phone``, ``timezone``, ``locale``,
      ``created_at``, ``first_name`` and ``last_name`` (from the customer, else from its
      attributes) and ``attributes``; absent values are ``None``.
    - ``event``: ``id``, ``type``, ``at`` and ``properties`` of the triggering event.
    - ``order``: the event's properties when it is ``order_placed`` or ``order_refunded``.
    - ``stage``: the stage name; ``journey``: ``id`` and ``version``; ``step``: ``id``.
    - each key of ``extra`` (the values a journey step adds), at the top level.

    >>> context = template_context(
    ...     {"id": "c1", "locale": "sv-SE", "attributes": {"first_name": "Alva"}},
    ...     event={"id": "e1", "type": "order_placed", "at": None,
    ...            "properties": {"value": "499.00", "currency": "SEK"}},
    ...     journey="post_purchase", extra={"discount_code": "TACK10"})
    >>> context["customer"]["first_name"], context["order"]["value"]
    ('Alva', '499.00')
    >>> context["journey"], context["discount_code"]
    ({'id': 'post_purchase', 'version': None}, 'TACK10')
    """
    if customer is None:
        raise InvalidInputError("customer is required to build a template context")
    attributes = _field(customer, "attributes")
    attributes = {} if attributes is None else _plain(attributes, "customer.attributes")
    if not isinstance(attributes, dict):
        raise InvalidInputError("customer.attributes must be a mapping")
    shown: dict[str, Any] = {
        name: _plain(_field(customer, name), f"customer.{name}")
        for name in ("id", "email", "phone", "timezone", "locale", "created_at")
    }
    for name in ("first_name", "last_name"):
        value = _field(customer, name)
        shown[name] = _plain(value if value is not None else attributes.get(name), name)
    shown["attributes"] = attributes
    context: dict[str, Any] = {"customer": shown}
    if event is not None:
        properties = _field(event, "properties")
        shown_event = {
            "id": _plain(_field(event, "id"), "event.id"),
            "type": _plain(_field(event, "type"), "event.type"),
            "at": _plain(_field(event, "at"), "event.at"),
            "properties": {} if properties is None else _plain(properties, "event.properties"),
        }
        context["event"] = shown_event
        if shown_event["type"] in ORDER_EVENTS:
            context["order"] = shown_event["properties"]
    if stage is not None:
        name = stage if isinstance(stage, str) else _field(stage, "name")
        context["stage"] = _plain(name, "stage")
    if journey is not None:
        context["journey"] = _reference(journey, "journey", ("id", "version"))
    if step is not None:
        context["step"] = _reference(step, "step", ("id",))
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise InvalidInputError(f"extra: {key!r} must be a name like discount_code")
        if key in _RESERVED_PARAMS:
            raise InvalidInputError(f"extra: {key!r} is a name the context already uses")
        context[key] = _plain(value, f"extra.{key}")
    return context


# --------------------------------------------------------------------------- validation


def _variant_order(variants: Mapping[str, MessageTemplate]) -> list[str]:
    return sorted(variants, key=lambda key: (key != DEFAULT_VARIANT, key))


def validate(templates: Templates, sample_context: Mapping[str, Any] | None = None) -> None:
    """Check every template before anything is sent; raise one error listing all problems.

    Found without a sample: syntax errors, tags and filters that are not available,
    variables outside the documented context (:data:`CONTEXT_NAMES` plus the template's
    ``params``), unknown fields of ``customer``, ``event``, ``journey`` and ``step``, and
    templates with no variant for ``default_locale`` and no ``default``. Each part is
    also dry-run with an empty context, which catches security refusals and limits
    (``{{ 'a' * 10**10 }}``) on the paths that run without data. With
    ``sample_context``, each variant is also rendered in its own locale and mode, and
    any failure is a problem.

    Each :class:`~journeykit.Problem` path reads ``templates[name].variant.part:line``,
    e.g. ``templates[cart_reminder].sv-SE.html:3``.

    >>> bad = Templates(templates={"cart": {"default": MessageTemplate(
    ...     subject="{{ customer.frist_name }}", text="{% if %}",
    ...     html="{{ total | monye }}")}})
    >>> validate(bad)
    Traceback (most recent call last):
      ...
    journeykit.errors.DefinitionError: 4 problems in the definition:
      - templates[cart].default.subject:1: unknown field 'customer.frist_name' ...
      - templates[cart].default.text:1: syntax error: Expected an expression, ...
      - templates[cart].default.html:1: unknown filter 'monye'; did you mean 'money'?
      - templates[cart].default.html:1: unknown variable 'total': not in the documented context ...
    """
    problems: list[Problem] = []
    zone = _zone(templates.default_timezone) or ZoneInfo("UTC")
    for name in sorted(templates.templates):
        variants = templates.templates[name]
        try:
            templates.resolve(name, None)
        except TemplateNotFoundError:
            problems.append(
                Problem(
                    f"templates[{name}]",
                    f"no {DEFAULT_VARIANT!r} variant and none for default_locale"
                    f" {templates.default_locale!r}: some customers would get no message",
                )
            )
        for variant in _variant_order(variants):
            message = variants[variant]
            names = CONTEXT_NAMES | frozenset(message.params)
            compiled_all = True
            for part in PARTS:
                source = getattr(message, part)
                if source is None:
                    continue
                findings, compiled = check_source(
                    _ENVIRONMENTS[part == "html"],
                    source,
                    templates.limits,
                    names=names,
                    fields=_FIELDS,
                )
                for finding in findings:
                    problems.append(
                        Problem(location(name, variant, part, finding.line), finding.message)
                    )
                if compiled is None:
                    compiled_all = False
                else:
                    templates._cache.parts(message)[part] = compiled
            if not compiled_all:
                continue
            formatting = templates.default_locale if variant == DEFAULT_VARIANT else variant
            failures: list[TemplateError] = []
            templates._render(
                name, variant, message, {}, formatting, zone, [], lenient=True, failures=failures
            )
            problems.extend(
                Problem(error.path, error.reason)
                for error in failures
                if isinstance(error, (TemplateSecurityError, TemplateLimitError))
            )
            if sample_context is not None:
                failures = []
                customer_zone = _field(sample_context.get("customer"), "timezone")
                templates._render(
                    name,
                    variant,
                    message,
                    sample_context,
                    formatting,
                    (_zone(customer_zone) if isinstance(customer_zone, str) else None) or zone,
                    [],
                    lenient=message.missing == "lenient",
                    failures=failures,
                )
                problems.extend(Problem(error.path, error.reason) for error in failures)
    unique = list(dict.fromkeys(problems))
    if unique:
        raise DefinitionError(unique)
