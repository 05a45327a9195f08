"""Static checks: compile one source and find what is wrong with it without rendering.

:func:`compile_code` reads a source once and returns a :class:`Code`: the compiled
template (or why there is none) and what a registry needs to check it as a whole: every
problem found on its own (syntax, refused tags, unknown filters, bad layout references),
the names it reads from its context, the names it assigns, the layouts it names and the
fields it reads from the documented objects.

Reading a source is bounded before anything big is built: its length
(``limits.max_source_chars``), its tokens while they are read (``limits.max_tokens``,
which bounds the time and memory jinja2 and Python take to compile it) and how deeply
its tags and expressions nest (:data:`MAX_NESTING`, checked without recursion, so a
thousand ``|e|e|e`` cannot exhaust the stack). Every failure is a finding with a line,
never a raw exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from jinja2 import Environment, meta, nodes
from jinja2.exceptions import TemplateSyntaxError

from journeykit._errors import (
    TemplateError,
    TemplateLimitError,
    TemplateSecurityError,
)
from journeykit._sandbox.budget import Limits
from journeykit._sandbox.codegen import (
    REFUSED_TAGS,
    SELF_REFUSED,
    RefusedConstructError,
    layout_reference_problem,
    reading_names,
    super_problem,
)
from journeykit._sandbox.environment import SandboxEnvironment, SandboxTemplate, token_limit
from journeykit._sandbox.values import is_unicode, name_text

__all__ = [
    "MAX_NESTING",
    "Code",
    "Finding",
    "compile_code",
    "in_order",
    "too_long",
    "unknown_fields",
    "unknown_names",
]

#: How deeply tags and expressions may nest in one source.
MAX_NESTING = 100
#: Findings of one kind kept per source; the rest are counted in one more finding.
MAX_FINDINGS = 20


@dataclass(frozen=True)
class Finding:
    """One problem found in a source: its line (when known), what is wrong, and the
    error it is when the source is rendered anyway."""

    line: int | None
    message: str
    kind: type[TemplateError] = TemplateError


def in_order(findings: list[Finding]) -> list[Finding]:
    """``findings`` by line; those without a line (summaries) last."""
    return sorted(findings, key=lambda f: (f.line is None, f.line or 0, f.message))


@dataclass(frozen=True)
class Code:
    """What compiling one source gave."""

    #: The compiled template, or ``None`` when it cannot be compiled.
    template: SandboxTemplate | None
    #: Why there is no template (the first fatal finding as an error), else ``None``.
    error: TemplateError | None
    #: Every problem found without rendering, in line order.
    findings: tuple[Finding, ...]
    #: Names it reads from its context (not set by the template itself), each with the
    #: first line that reads it.
    names: Mapping[str, int | None]
    #: Names it assigns anywhere: ``set``, loop variables, macros, imports.
    stores: frozenset[str]
    #: Layouts it extends, includes or imports, each with its line.
    layouts: tuple[tuple[str, int], ...]
    #: ``(name, field, line)`` for each ``name.field`` or ``name['field']`` it reads.
    fields: tuple[tuple[str, str, int], ...]


def too_long(source: str, limits: Limits) -> TemplateLimitError | None:
    """The error for a source longer than ``limits.max_source_chars``, if it is."""
    if len(source) <= limits.max_source_chars:
        return None
    return TemplateLimitError(
        f"template too long: {len(source)} characters, more than the"
        f" {limits.max_source_chars} allowed (limits.max_source_chars)"
    )


def _failed(error: TemplateError) -> Code:
    return Code(
        template=None,
        error=error,
        findings=(Finding(error.line, error.reason, type(error)),),
        names={},
        stores=frozenset(),
        layouts=(),
        fields=(),
    )


def _nesting(ast: nodes.Node) -> int:
    """How deeply ``ast`` nests, walked without recursion."""
    deepest = 0
    stack: list[tuple[nodes.Node, int]] = [(ast, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _parse(env: SandboxEnvironment, source: str, limits: Limits) -> nodes.Template:
    try:
        with token_limit(limits.max_tokens):
            ast = env.parse(source)
    except TemplateError:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None
    except (RecursionError, MemoryError):
        raise TemplateLimitError("template nested too deeply to compile") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise TemplateLimitError("a number in the template has too many digits") from None
        raise TemplateError("template could not be read: a value it holds is invalid") from None
    if _nesting(ast) > MAX_NESTING:
        raise TemplateLimitError(
            f"template nested too deeply: more than {MAX_NESTING} levels of tags and expressions"
        )
    return ast


def compile_code(env: SandboxEnvironment, source: str, limits: Limits) -> Code:
    """Compile ``source`` in ``env`` and find every problem it has without rendering."""
    error = too_long(source, limits)
    if error is not None:
        return _failed(error)
    if not is_unicode(source):
        return _failed(
            TemplateError(
                "the template is not valid Unicode (it holds a lone surrogate); it could not"
                " be stored or sent"
            )
        )
    try:
        ast = _parse(env, source, limits)
    except TemplateError as failure:
        return _failed(failure)

    refused = TemplateSecurityError
    fatal: list[Finding] = []
    for node in ast.find_all(tuple(REFUSED_TAGS)):
        fatal.append(Finding(node.lineno, REFUSED_TAGS[type(node)], refused))
    layouts: list[tuple[str, int]] = []
    for node in ast.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        problem = layout_reference_problem(node)
        if problem is not None:
            fatal.append(Finding(node.lineno, problem, refused))
        else:
            layouts.append((node.template.value, node.lineno))  # type: ignore[attr-defined]  # a Const, checked above
    refused_super = super_problem(ast)
    if refused_super is not None:
        fatal.append(Finding(refused_super[0], refused_super[1], refused))
    names_read: dict[str, int] = {}
    stores: set[str] = set()
    for node in ast.find_all(nodes.Name):
        if node.name == "self":
            fatal.append(Finding(node.lineno, SELF_REFUSED, refused))
        if node.ctx == "load":
            names_read.setdefault(node.name, node.lineno)
        else:
            stores.add(node.name)
    for macro in ast.find_all(nodes.Macro):
        stores.add(macro.name)
    for module in ast.find_all(nodes.Import):
        stores.add(module.target)
    for imports in ast.find_all(nodes.FromImport):
        for imported in imports.names:
            stores.add(imported[1] if isinstance(imported, tuple) else imported)
    fatal.extend(_filter_findings(env, ast))

    template: SandboxTemplate | None = None
    names: set[str] = set()
    if not fatal:
        try:
            template, names = _compile(env, ast)
            template.journeykit_source = source
        except TemplateError as failure:
            fatal.append(Finding(failure.line, failure.reason, type(failure)))
    if fatal:
        # not compiled: find its names the way jinja2's meta module does, so every
        # problem is still reported at once
        names = _names_read(env, ast)
    findings = in_order(fatal)
    first = findings[0] if findings else None
    return Code(
        template=template,
        error=None if first is None else first.kind(first.message, line=first.line),
        findings=tuple(findings),
        names={name: names_read.get(name) for name in sorted(names)},
        stores=frozenset(stores),
        layouts=tuple(layouts),
        fields=tuple(_field_reads(ast)),
    )


def _compile(env: SandboxEnvironment, ast: nodes.Template) -> tuple[SandboxTemplate, set[str]]:
    try:
        with reading_names() as names:
            template = env.from_string(ast)
    except RefusedConstructError as exc:
        raise TemplateSecurityError(exc.message or "refused", line=exc.lineno) from None
    except TemplateSyntaxError as exc:  # TemplateAssertionError too
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None
    except TemplateError:
        raise
    except (RecursionError, MemoryError):
        raise TemplateLimitError("template nested too deeply to compile") from None
    except SyntaxError as exc:
        # Python's own compiler limits (e.g. more than 20 nested loops).
        raise TemplateLimitError(f"template too complex to compile: {exc.msg}") from None
    except Exception as exc:
        raise TemplateError(f"template could not be compiled ({type(exc).__name__})") from None
    assert isinstance(template, SandboxTemplate)  # env.template_class
    return template, names


class _AnyName(dict[str, Any]):
    """A filter or test table that knows every name, so analysis never stops early."""

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(key, str)

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)


def _names_read(env: SandboxEnvironment, ast: nodes.Template) -> set[str]:
    analysis = Environment(trim_blocks=True, lstrip_blocks=True)
    analysis.filters = _AnyName(env.filters)
    analysis.tests = _AnyName(env.tests)
    analysis.globals.clear()
    analysis.globals.update(env.globals)
    tracker = meta.TrackingCodeGenerator(analysis)
    try:
        tracker.visit(ast)
    except Exception:  # analysis is best effort: the template has problems already
        return set()
    return set(tracker.undeclared_identifiers)


def _filter_findings(env: SandboxEnvironment, ast: nodes.Template) -> list[Finding]:
    findings: list[Finding] = []
    unknown = 0
    for node in ast.find_all((nodes.Filter, nodes.Test)):
        table: Mapping[str, Any] = env.filters if isinstance(node, nodes.Filter) else env.tests
        if node.name in table:
            continue
        kind = "filter" if isinstance(node, nodes.Filter) else "test"
        if kind == "filter" and node.name in env.dropped_filters:
            findings.append(
                Finding(
                    node.lineno,
                    f"filter '{node.name}' is not available: {env.dropped_filters[node.name]}",
                    TemplateSecurityError,
                )
            )
            continue
        unknown += 1
        if unknown > MAX_FINDINGS:
            continue
        close = get_close_matches(node.name, list(table), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        findings.append(Finding(node.lineno, f"unknown {kind} {name_text(node.name)}{hint}"))
    if unknown > MAX_FINDINGS:
        findings.append(Finding(None, f"{unknown - MAX_FINDINGS} more unknown filters or tests"))
    return findings


def _field_reads(ast: nodes.Template) -> list[tuple[str, str, int]]:
    reads: list[tuple[str, str, int]] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))  # what find_all was asked for
        root = node.node
        if not isinstance(root, nodes.Name) or root.ctx != "load":
            continue
        if isinstance(node, nodes.Getattr):
            field = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            field = node.arg.value
        else:
            continue
        reads.append((root.name, field, node.lineno))
    return reads


def unknown_names(
    code: Code, allowed: frozenset[str], *, what: str = "not declared in params"
) -> list[Finding]:
    """A finding for each name ``code`` reads that is not in ``allowed``, with a
    suggestion; at most :data:`MAX_FINDINGS` of them and a count of the rest."""
    findings: list[Finding] = []
    missing = [name for name in code.names if name not in allowed]
    for name in missing[:MAX_FINDINGS]:
        close = get_close_matches(name, sorted(allowed), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        findings.append(
            Finding(
                code.names[name],
                f"unknown variable {name_text(name)}: not in the documented context and"
                f" {what}{hint}",
            )
        )
    if len(missing) > MAX_FINDINGS:
        findings.append(Finding(None, f"{len(missing) - MAX_FINDINGS} more unknown variables"))
    return findings


def unknown_fields(code: Code, fields: Mapping[str, frozenset[str]]) -> list[Finding]:
    """A finding for each read of a documented object's field that it does not have
    (``customer.frist_name``), unless the template assigns that name itself."""
    findings: list[Finding] = []
    for root, field, line in code.fields:
        known = fields.get(root)
        if known is None or root not in code.names or root in code.stores:
            continue
        if field in known or field.startswith("_"):
            continue
        close = get_close_matches(field, sorted(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        findings.append(
            Finding(
                line,
                f"unknown field '{root}.{field[:60]}' (known: {', '.join(sorted(known))}){hint}",
            )
        )
        if len(findings) >= MAX_FINDINGS:
            break
    return findings
