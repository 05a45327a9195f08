"""The models of message templates, and the locale rules that pick a variant.

:class:`TemplateLimits`, :class:`MessageTemplate` and :class:`RenderedMessage` (public
through :mod:`journeykit.templates`), the checks a registry's fields get when it is
built (names, variant keys, the default locale and zone), and the locale chains that
choose a template's or a layout's variant for a reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

from babel import Locale
from pydantic import AfterValidator, Field, model_validator

from journeykit._base import Definition, FrozenDict, FrozenModel, Items
from journeykit._errors import DefinitionError, InvalidInputError, Problem, quote
from journeykit._sandbox.codegen import LAYOUT_NAME
from journeykit._sandbox.context import RESERVED_NAMES
from journeykit._sandbox.validation import DEFAULT_VARIANT, PARTS
from journeykit.models import canonical_locale
from journeykit.time import zone as time_zone

__all__ = [
    "MessageTemplate",
    "RenderedMessage",
    "TemplateLimits",
    "babel_locale",
    "canonical",
    "checked_registry",
    "check_default_locale",
    "check_default_timezone",
    "locale_argument",
    "variant_chain",
    "zone_argument",
]


# --------------------------------------------------------------------------- locales, zones


@lru_cache(maxsize=1024)
def canonical(tag: str) -> str | None:
    """``tag`` in canonical BCP 47 form if Babel knows it, else ``None``; cached."""
    return canonical_locale(tag)


@lru_cache(maxsize=1024)
def _locale_chain(tag: str) -> tuple[str, ...]:
    """``zh-Hant-TW`` -> ``("zh-Hant-TW", "zh-Hant", "zh")``."""
    pieces = tag.split("-")
    return tuple("-".join(pieces[:n]) for n in range(len(pieces), 0, -1))


@lru_cache(maxsize=1024)
def variant_chain(requested: str | None, default_locale: str) -> tuple[str, ...]:
    """The variant keys to try, in order, for a requested (canonical) locale."""
    chain = _locale_chain(requested) if requested else ()
    keys = (*chain, *_locale_chain(default_locale), DEFAULT_VARIANT)
    return tuple(dict.fromkeys(keys))


@lru_cache(maxsize=1024)
def babel_locale(tag: str) -> Locale:
    """Babel's locale for a canonical tag; cached."""
    return Locale.parse(tag, sep="-")


def locale_argument(value: Any, field: str) -> str | None:
    """``value`` as a canonical locale tag, ``None`` when absent; refuses anything else."""
    if value is None:
        return None
    tag = canonical(value) if isinstance(value, str) else None
    if tag is None:
        shown = quote(repr(value), 40) if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidInputError(
            [Problem(field, f"must be a locale tag such as 'sv-SE' or 'en' (got {shown})")]
        )
    return tag


def zone_argument(value: Any, field: str) -> tzinfo | None:
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


V = TypeVar("V")


def checked_registry(entries: Mapping[str, Mapping[str, V]]) -> FrozenDict[str, FrozenDict[str, V]]:
    """A registry's templates or layouts, frozen, after checking every name and variant;
    :class:`DefinitionError` with every problem otherwise."""
    problems: list[Problem] = []
    checked: dict[str, FrozenDict[str, V]] = {}
    for name, variants in entries.items():
        variants_checked = _checked_variants(name, variants, problems)
        if variants_checked is not None:
            checked[name] = FrozenDict(variants_checked)
    if problems:
        raise DefinitionError(problems)
    return FrozenDict(checked)


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
        variant = key if key == DEFAULT_VARIANT else canonical(key)
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


def check_default_locale(value: str) -> str:
    tag = canonical(value)
    if tag is None:
        raise ValueError(f"unknown locale {quote(repr(value), 40)}; use a tag such as 'en-US'")
    return tag


def check_default_timezone(value: str) -> str:
    time_zone(value)  # raises InvalidInputError naming what is wrong
    return value


for _cls in (TemplateLimits, MessageTemplate, RenderedMessage):
    _cls.__module__ = "journeykit.templates"
