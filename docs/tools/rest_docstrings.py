"""Docstrings as the API reference shows them: journeykit's reST habits in Markdown.

journeykit's docstrings are written to read well in ``help()`` and to run as doctests:
Sphinx roles (``:func:`shift```), doctest blocks (``>>>``) and reST simple tables. The
docs site renders Markdown, where ``>>>`` would be a triple block quote and a table of
``=====`` rules would be a paragraph. This griffe extension (``mkdocs.yml`` loads it for
mkdocstrings) rewrites each docstring as it is loaded, and nothing else:

- a doctest block becomes a ``pycon`` code block, and a ``.. code-block::`` a code block;
- a role becomes code, linked to the API page of its target where the site has one;
- a reST simple table becomes a Markdown table;
- a list right after a line of text gets the blank line Markdown needs to see a list;
- a constant documented by a ``#:`` comment above it gets that comment as its docstring.

The docstrings in ``src/`` stay as they are, so ``help()`` and the doctests are untouched.

>>> print(rest_to_markdown("Use :func:`~journeykit.time.shift`.", "journeykit.time"))
Use <autoref identifier="journeykit.time.shift" optional><code>shift</code></autoref>.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import griffe

__all__ = ["RestDocstrings", "rest_to_markdown"]

_ROLE = re.compile(r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj):`(?P<target>[^`]+)`")
_RULE = re.compile(r"^ *=+(?: +=+)+ *$")
_FENCE = re.compile(r"^ *(```|~~~)")
_LIST_ITEM = re.compile(r"^(?:[-*+] |\d+\. )")
_CODE_BLOCK = re.compile(r"^( *)\.\. code(?:-block)?:: *(\w*) *$")


def _public_module(path: str) -> str:
    """The public module an object is documented under: its path up to the first private
    part (``journeykit.journeys._journey.Journey`` is shown in ``journeykit.journeys``)."""
    parts = path.split(".")
    kept: list[str] = []
    for part in parts[:-1]:
        if part.startswith("_"):
            break
        kept.append(part)
    return ".".join(kept) or parts[0]


def _role(match: re.Match[str], module: str) -> str:
    target = match["target"].strip()
    if "<" in target and target.endswith(">"):  # :func:`title <target>`
        title, target = (s.strip() for s in target[:-1].split("<", 1))
    else:
        title = target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target
    target = target.lstrip("~.")
    identifier = target if target.startswith("journeykit") else f"{module}.{target}"
    return (
        f'<autoref identifier="{escape(identifier)}" optional>'
        f"<code>{escape(title)}</code></autoref>"
    )


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    cells = []
    for i, (start, end) in enumerate(spans):
        stop = None if i == len(spans) - 1 else spans[i + 1][0]
        cells.append(line[start:stop].strip() if end else "")
    return [_escape_pipes(c) for c in cells]


def _escape_pipes(cell: str) -> str:
    """``|`` ends a Markdown table cell, except inside code (Python-Markdown's rule)."""
    pieces = re.split(r"(``.*?``|`[^`]*`)", cell)
    return "".join(p if p.startswith("`") else p.replace("|", "\\|") for p in pieces)


def _table(lines: list[str]) -> list[str]:
    """A reST simple table (rule, header, rule, rows, rule; or rule, rows, rule without
    a header) as a Markdown table."""
    rule = lines[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", rule)]
    indent = " " * (len(rule) - len(rule.lstrip()))
    body = [line for line in lines[1:] if not _RULE.match(line)]
    ruled = sum(bool(_RULE.match(line)) for line in lines)
    header, rows = (body[0], body[1:]) if ruled == 3 else ("", body)
    merged: list[list[str]] = []
    for row in rows:
        cells = _cells(row, spans)
        if merged and not cells[0]:  # a blank first column continues the row above
            merged[-1] = [f"{a} {b}".strip() for a, b in zip(merged[-1], cells, strict=True)]
        else:
            merged.append(cells)
    out = [indent + "| " + " | ".join(_cells(header, spans)) + " |"]
    out.append(indent + "|" + "|".join("---" for _ in spans) + "|")
    out.extend(indent + "| " + " | ".join(cells) + " |" for cells in merged)
    return out


def _directive_body(lines: list[str], start: int, indent: int) -> tuple[int, list[str]]:
    """The indented lines after a ``.. code-block::`` (from ``start``), dedented, and the
    index of the line after them."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    while end > start and not lines[end - 1].strip():  # blank lines after it stay
        end -= 1
    body = lines[start:end]
    while body and not body[0].strip():
        body.pop(0)
    cut = min((_indent(line) for line in body if line.strip()), default=0)
    return end, [" " * indent + line[cut:] if line.strip() else "" for line in body]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rest_to_markdown(text: str, module: str) -> str:
    """``text`` (a docstring of an object in the public ``module``) in Markdown."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    fenced = False
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
            out.append(line)
            i += 1
            continue
        if fenced:
            out.append(line)
            i += 1
            continue
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        directive = _CODE_BLOCK.match(line)
        if directive:
            i, block = _directive_body(lines, i + 1, len(directive.group(1)))
            out += [f"{indent}```{directive.group(2)}", *block, f"{indent}```"]
            continue
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out.append(f"{indent}```pycon")
            out.extend(indent + b for b in block)
            out.append(f"{indent}```")
            continue
        if _RULE.match(line):
            end = i + 1
            rules = 1
            while end < len(lines) and lines[end].strip() and rules < 3:
                rules += bool(_RULE.match(lines[end]))
                end += 1
            if rules == 3 or (rules == 2 and _RULE.match(lines[end - 1])):
                out.extend(_table(lines[i:end]))
                i = end
                continue
        if (
            _LIST_ITEM.match(line)
            and out
            and out[-1].strip()
            and not _LIST_ITEM.match(out[-1])
            and not out[-1].startswith(" ")
        ):
            out.append("")
        out.append(_ROLE.sub(lambda m: _role(m, module), line))
        i += 1
    return "\n".join(out)


def _comment_above(lines: list[str], lineno: int) -> str:
    """The ``#:`` comment lines right above line ``lineno`` (1-based): how journeykit
    documents module constants, as Sphinx reads them."""
    found: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        found.insert(0, lines[i].lstrip()[2:].strip())
        i -= 1
    return " ".join(found)


class RestDocstrings(griffe.Extension):
    """Rewrites every docstring griffe loads (see the module notes)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None and obj.is_attribute and obj.lineno is not None:
            comment = _comment_above(obj.lines_collection[obj.filepath], obj.lineno)  # type: ignore[index]
            if comment:
                obj.docstring = griffe.Docstring(comment, parent=obj)
        if obj.docstring is not None:
            scope = obj.path if obj.is_module else _public_module(obj.path)
            obj.docstring.value = rest_to_markdown(obj.docstring.value, scope)
