"""Checking a template registry as a whole: every problem, each with its path.

For each template, variant and part: what :func:`~journeykit._sandbox.checks.compile_code`
found (syntax, refused tags and filters), names outside the documented context and the
template's ``params``, unknown fields of the documented objects, layouts that do not
exist, and names a layout it uses reads that the template cannot provide. A variant with
none of these is dry-run with an empty context, which finds security refusals and limits
on the paths that run without data. For each layout: its own problems, references to
layouts that do not exist, and layouts that reach each other in a cycle.

Paths read ``templates[name].variant.part:line`` and ``layouts[name].variant:line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from difflib import get_close_matches
from typing import TYPE_CHECKING

from journeykit._errors import (
    Problem,
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
    template_location,
)
from journeykit._sandbox.checks import Code, Finding, in_order, unknown_fields, unknown_names
from journeykit._sandbox.context import CONTEXT_NAMES, FIELDS
from journeykit._sandbox.values import NOT_UNICODE

if TYPE_CHECKING:
    from journeykit.templates import MessageTemplate, Templates

__all__ = [
    "PARTS",
    "DEFAULT_VARIANT",
    "layout_path",
    "names_used",
    "registry_problems",
    "variant_order",
]

#: The parts of a message, in the order they are rendered and checked.
PARTS = ("subject", "preheader", "text", "html")
#: The variant key used when no locale-specific variant matches.
DEFAULT_VARIANT = "default"


def layout_path(name: str, variant: str | None = None, line: int | None = None) -> str:
    """``layouts[name].variant:line``, leaving out what is unknown."""
    text = f"layouts[{name}]"
    if variant is not None:
        text = f"{text}.{variant}"
    return text if line is None else f"{text}:{line}"


def variant_order(variants: Iterable[str]) -> list[str]:
    """``default`` first, then the locales in order."""
    return sorted(variants, key=lambda key: (key != DEFAULT_VARIANT, key))


def _closure(registry: Templates, start: Iterable[str]) -> tuple[set[str], set[str], set[str]]:
    """The layouts reachable from the names ``start`` (all their variants), the names
    they read and the names they set."""
    seen: set[str] = set()
    names: set[str] = set()
    stores: set[str] = set()
    pending = [name for name in start if name in registry.layouts]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for variant in registry.layouts[name]:
            code = registry._layout_code(name, variant, True)
            names.update(code.names)
            stores.update(code.stores)
            pending.extend(ref for ref, _ in code.layouts if ref in registry.layouts)
    return seen, names, stores


def _layout_reference_findings(registry: Templates, code: Code) -> list[Finding]:
    findings = []
    known = sorted(registry.layouts)
    for ref, line in code.layouts:
        if ref in registry.layouts:
            continue
        close = get_close_matches(ref, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listing = ", ".join(repr(k) for k in known[:20]) or "none"
        findings.append(Finding(line, f"unknown layout {ref!r} (layouts: {listing}){hint}"))
    return findings


def _part_findings(registry: Templates, code: Code, allowed: frozenset[str]) -> list[Finding]:
    findings = list(code.findings)
    findings += unknown_names(code, allowed)
    findings += unknown_fields(code, FIELDS)
    findings += _layout_reference_findings(registry, code)
    used = [ref for ref, _ in code.layouts if ref in registry.layouts]
    if used:
        _, names, stores = _closure(registry, used)
        provided = allowed | code.stores | stores
        first_line = code.layouts[0][1]
        for name in sorted(names - provided)[:20]:
            findings.append(
                Finding(
                    first_line,
                    f"a layout it uses reads {name!r}, which is not in the documented"
                    " context and not declared in this template's params",
                )
            )
    return in_order(findings)


def _dry_run_problems(
    registry: Templates, name: str, variant: str, message: MessageTemplate
) -> Iterator[Problem]:
    formatting = registry.default_locale if variant == DEFAULT_VARIANT else variant
    failures: list[TemplateError] = []
    registry._render(name, variant, message, {}, formatting, None, lenient=True, failures=failures)
    for error in failures:
        if (
            isinstance(error, (TemplateSecurityError, TemplateLimitError))
            or error.reason == NOT_UNICODE
        ):
            reason = error.reason if error.layout is None else f"{error.reason} (in {error.layout})"
            yield Problem(error.path, reason)


def _template_problems(registry: Templates) -> Iterator[Problem]:
    for name in sorted(registry.templates):
        variants = registry.templates[name]
        try:
            registry.resolve(name, None)
        except TemplateNotFoundError:
            yield Problem(
                f"templates[{name}]",
                f"no {DEFAULT_VARIANT!r} variant and none for default_locale"
                f" {registry.default_locale!r}: some customers would get no message",
            )
        for variant in variant_order(variants):
            message = variants[variant]
            allowed = CONTEXT_NAMES | frozenset(message.params)
            clean = True
            for part in PARTS:
                if getattr(message, part) is None:
                    continue
                code = registry._part_code(name, variant, part)
                for finding in _part_findings(registry, code, allowed):
                    clean = False
                    yield Problem(
                        template_location(name, variant, part, finding.line), finding.message
                    )
            if clean:
                yield from _dry_run_problems(registry, name, variant, message)


def _cycles(registry: Templates) -> Iterator[Problem]:
    graph: dict[str, set[str]] = {}
    for name, variants in registry.layouts.items():
        refs: set[str] = set()
        for variant in variants:
            refs.update(ref for ref, _ in registry._layout_code(name, variant, True).layouts)
        graph[name] = refs & set(registry.layouts)
    reported: set[frozenset[str]] = set()
    for start in sorted(graph):
        path = _cycle_from(graph, start)
        if path is not None and frozenset(path) not in reported:
            reported.add(frozenset(path))
            yield Problem(
                layout_path(start),
                "layouts reach each other in a cycle: "
                + " -> ".join([*path, path[0]])
                + "; a layout cannot extend, include or import itself, even through others",
            )


def _cycle_from(graph: Mapping[str, set[str]], start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for ref in sorted(graph.get(node, ())):
            if ref == start:
                return path
            if ref not in seen:
                seen.add(ref)
                stack.append((ref, [*path, ref]))
    return None


def _layout_problems(registry: Templates) -> Iterator[Problem]:
    for name in sorted(registry.layouts):
        variants = registry.layouts[name]
        if DEFAULT_VARIANT not in variants and not any(
            key in variants for key in registry._variant_chain(None)
        ):
            yield Problem(
                layout_path(name),
                f"no {DEFAULT_VARIANT!r} variant and none for default_locale"
                f" {registry.default_locale!r}: some messages would have no layout",
            )
        for variant in variant_order(variants):
            code = registry._layout_code(name, variant, True)
            findings = [*code.findings, *unknown_fields(code, FIELDS)]
            findings += _layout_reference_findings(registry, code)
            for finding in in_order(findings):
                yield Problem(layout_path(name, variant, finding.line), finding.message)
    yield from _cycles(registry)


def registry_problems(registry: Templates) -> list[Problem]:
    """Every problem with ``registry``'s templates and layouts, each once."""
    problems = [*_template_problems(registry), *_layout_problems(registry)]
    return list(dict.fromkeys(problems))


def names_used(registry: Templates, name: str) -> frozenset[str]:
    """The top-level names template ``name`` reads from its context, in any variant or
    part, the layouts it uses included (less the names it sets itself)."""
    variants = registry.templates.get(name)
    if variants is None:
        raise TemplateNotFoundError(f"no template named {name[:100]!r}", template=name)
    names: set[str] = set()
    for variant, message in variants.items():
        for part in PARTS:
            if getattr(message, part) is None:
                continue
            code = registry._part_code(name, variant, part)
            names.update(code.names)
            used = [ref for ref, _ in code.layouts]
            if used:
                _, read, stores = _closure(registry, used)
                names.update(read - code.stores - stores)
    return frozenset(names)
