"""Rendering one compiled part: bounded output, valid text, and every failure a
:class:`~journeykit.errors.TemplateError` that names the template's own words.

The output is counted chunk by chunk as it is produced, so a template that would write
gigabytes stops at ``limits.max_output_chars``. Whatever goes wrong inside (jinja2's own
errors, a ``TypeError`` from ``'a' + 1``, a ``RecursionError``) becomes a
:class:`~journeykit.errors.TemplateError` carrying the line, the text of that line and,
when the failure is inside a shared layout, where in it; the text of Python's message is
kept only with every repr, memory address and quoted collection taken out, so no
customer data or host internals reach a failure record or a log.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Any

from jinja2.exceptions import SecurityError, TemplateNotFound, UndefinedError
from jinja2.exceptions import TemplateError as JinjaTemplateError

from journeykit._errors import (
    MissingVariableError,
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
    quote,
    template_location,
)
from journeykit._sandbox.budget import RenderState
from journeykit._sandbox.environment import SandboxTemplate
from journeykit._sandbox.values import check_unicode

__all__ = ["clean_message", "render_part"]

_REPR = re.compile(r"<[^<>]*>")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
_COLLECTION = re.compile(r"[\[{][^\[\]{}]*[\]}]")
_LONG_QUOTE = re.compile(r"""(['"])([^'"]{40})[^'"]+\1""")


def clean_message(text: str) -> str:
    """An exception's text without reprs, addresses or quoted collections, cut short.

    >>> clean_message("bad key ('a', {'id': 'c1', 'email': 'x@y'}) at 0x7f3a")
    "bad key ('a', …) at (address)"
    """
    text = _ADDRESS.sub("(address)", _REPR.sub("(object)", text))
    while True:
        shorter = _COLLECTION.sub("…", text)
        if shorter == text:
            break
        text = shorter
    text = _LONG_QUOTE.sub(r"\1\2…\1", text)
    text = text.replace("'…'", "…")
    return quote(text, 200)


def _text_of(exc: BaseException) -> str:
    try:
        return clean_message(str(exc))
    except Exception:  # a repr that cannot be made (too deep, say)
        return ""


def _translate(exc: BaseException) -> TemplateError:
    if isinstance(exc, TemplateError):
        return exc
    if isinstance(exc, SecurityError):
        return TemplateSecurityError(_text_of(exc) or "not allowed")
    if isinstance(exc, UndefinedError):
        return MissingVariableError(_text_of(exc) or "a value is undefined")
    if isinstance(exc, TemplateNotFound):
        return TemplateNotFoundError(f"no layout named {quote(str(exc.name), 60)!r}")
    if isinstance(exc, RecursionError):
        return TemplateLimitError("nested too deeply (recursion)")
    if isinstance(exc, MemoryError):
        return TemplateLimitError("out of memory")
    if isinstance(exc, JinjaTemplateError):
        return TemplateError(_text_of(exc) or type(exc).__name__)
    text = _text_of(exc)
    return TemplateError(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _where(tb: types.TracebackType | None) -> tuple[int | None, str | None, str | None]:
    """The part's line, the layout location (``layouts[x].v:3``) if the failure is in a
    layout, and the text of the innermost template line."""
    line: int | None = None
    layout: str | None = None
    text: str | None = None
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if isinstance(template, SandboxTemplate):
            lineno = int(template.get_corresponding_lineno(tb.tb_lineno))
            text = _line_text(template.journeykit_source, lineno)
            if template.journeykit_layout is None:
                line = lineno
                layout = None
            else:
                layout = f"{template.journeykit_layout}:{lineno}"
        tb = tb.tb_next
    return line, layout, text


def _line_text(source: str, lineno: int) -> str | None:
    lines = source.splitlines()
    if not 1 <= lineno <= len(lines):
        return None
    text = lines[lineno - 1].strip()
    return quote(text, 80) if text else None


def render_part(
    template: SandboxTemplate,
    context: Mapping[str, Any],
    state: RenderState,
    *,
    name: str | None,
    variant: str | None,
    part: str,
) -> str:
    """Render one compiled part within the current render scope; bounded, never raw."""
    state.where = template_location(name, variant, part, None)
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
        text = "".join(chunks)
        check_unicode(text)
    except Exception as exc:
        error = _translate(exc)
        line, layout, source_line = _where(exc.__traceback__)
        if source_line is not None and not isinstance(exc, (TemplateError, JinjaTemplateError)):
            error = type(error)(f"{error.reason} in {source_line!r}")
        raise error.located(name, variant, part, line, layout) from None
    return text
