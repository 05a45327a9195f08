"""Mermaid and Graphviz text for a stage machine, drawn from its stages and transitions.

Every piece of user text (stage names, descriptions, and condition text, which holds
attribute and property paths, event names, stage names and values) goes through one
escaping function per format, so no name or label can end a statement or start another.

Mermaid (checked against mermaid 11's own parser, see ``tests/mermaid``):

- a label runs to the end of its line, and a line also ends at ``;``; ``\\n`` and
  ``\\r`` both end it, so every control character and Unicode line or paragraph
  separator becomes a space, and ``;`` is written ``#59;``;
- ``<`` and ``>`` would reach the rendered HTML and ``{`` ``}`` can open a directive:
  written as entity codes; so is a ``#`` that would read as the start of one;
- two colons in a row (``::``) make the whole diagram fail to parse (Mermaid's ``:::``
  class shorthand), and so does a label that ends with a colon: such colons are
  written ``#58;``;
- a stage name is used as a state id only when it is a plain ASCII identifier and not
  one of Mermaid's words (case-insensitive: ``state``, ``note``, ``click``...) or its own
  ids (``root_start``); other names are declared once as ``state "name" as sN``, with
  ``N`` chosen so no alias equals another stage's id (stage names hold no quotes).

Graphviz DOT: every id and label is a double-quoted string in which ``\\`` and ``"``
are escaped and control characters become spaces, so it cannot end early; the node
shape is a plain box, so ``{ } | < >`` have no record meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from journeykit._stages.graph import StageLike, TransitionLike

__all__ = ["mermaid", "dot", "mermaid_text", "mermaid_note", "dot_string", "drawing_order"]

_MERMAID_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# words Mermaid's stateDiagram lexer reads as keywords, compared lower-case (it is
# case-insensitive), and the ids it uses itself
_MERMAID_WORDS = frozenset(
    word.lower()
    for word in (
        *("state", "note", "class", "classDef", "style", "default", "click", "href", "call"),
        *("direction", "end", "as", "accTitle", "accDescr", "linkStyle", "left", "right"),
        *("of", "over", "scale", "hide", "fork", "join", "choice", "concurrent", "callback"),
        *("stateDiagram", "TB", "BT", "LR", "RL", "TD", "hide_empty_description"),
    )
)

_MERMAID_CODES = {"<": "#lt;", ">": "#gt;", ";": "#59;", "{": "#123;", "}": "#125;"}
# control characters (C0, DEL, C1) and Unicode line/paragraph separators end a line
_BREAKS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL = re.compile(f"[{_BREAKS}]")
_MERMAID_SPECIAL = re.compile(r"#(?=\w+;)|:(?=:|\Z)|(?<=:):|[<>;{}]")


def _mermaid_code(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "#":
        return "#35;"
    if char == ":":
        return "#58;"
    return _MERMAID_CODES[char]


def mermaid_text(text: str) -> str:
    r"""``text`` as a Mermaid label: one line, nothing Mermaid's parser treats specially.

    >>> mermaid_text("a;b\r  click x href 'y' :: #lt; <b>")
    "a#59;b   click x href 'y' #58;#58; #35;lt#59; #lt;b#gt;"
    """
    return _MERMAID_SPECIAL.sub(_mermaid_code, _CONTROL.sub(" ", text).strip())


def mermaid_note(text: str) -> str:
    """``text`` as the text of a Mermaid note, where any ``:`` ends the statement.

    >>> mermaid_note("goal: an order; soon")
    'goal#58; an order#59; soon'
    """
    return mermaid_text(text).replace(":", "#58;")


def _mermaid_ids(names: Sequence[str]) -> dict[str, str]:
    """Each stage's id in the diagram: itself when Mermaid can take it, else an alias."""
    direct = {
        name
        for name in names
        if _MERMAID_ID.match(name)
        and name.lower() not in _MERMAID_WORDS
        and not name.lower().startswith("root")
    }
    ids: dict[str, str] = {}
    for i, name in enumerate(names):
        if name in direct:
            ids[name] = name
            continue
        alias = f"s{i}"
        while alias in direct:  # a stage may itself be called "s3"
            alias += "_"
        ids[name] = alias
    return ids


def mermaid(
    initial: str,
    stages: Sequence[StageLike],
    edges: Iterator[tuple[TransitionLike, str]],
) -> str:
    """A Mermaid ``stateDiagram-v2``: ``edges`` are (transition, source) in drawing order."""
    ids = _mermaid_ids([s.name for s in stages])
    lines = ["stateDiagram-v2"]
    lines.extend(
        f'    state "{mermaid_text(name)}" as {alias}'  # names hold no quotes
        for name, alias in ids.items()
        if name != alias
    )
    lines.append(f"    [*] --> {ids[initial]}")
    for s in stages:
        text = mermaid_text(s.description)
        if text:
            lines.append(f"    {ids[s.name]} : {text}")
    for t, source in edges:
        lines.append(f"    {ids[source]} --> {ids[t.target]} : {mermaid_text(str(t.when))}")
    lines.extend(f"    {ids[s.name]} --> [*]" for s in stages if s.final)
    return "\n".join(lines)


def dot_string(text: str) -> str:
    r"""``text`` as a DOT double-quoted string that cannot end early.

    >>> print(dot_string('say "hi" \\ bye\n'))
    "say \"hi\" \\ bye "
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{_CONTROL.sub(" ", escaped)}"'


def dot(
    initial: str,
    stages: Sequence[StageLike],
    edges: Iterator[tuple[TransitionLike, str]],
) -> str:
    """A Graphviz DOT digraph: ``edges`` are (transition, source) in drawing order."""
    lines = [
        "digraph lifecycle {",
        "    rankdir=LR;",
        '    node [shape=box, style=rounded, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        '    "__start__" [shape=point, label=""];',
        f'    "__start__" -> {dot_string(initial)};',
    ]
    for s in stages:
        attrs = [f"label={dot_string(s.name)}"]
        if s.description:
            attrs.append(f"tooltip={dot_string(s.description)}")
        if s.final:
            attrs.append("peripheries=2")
        lines.append(f"    {dot_string(s.name)} [{', '.join(attrs)}];")
    for t, source in edges:
        label = str(t.when) if t.priority == 0 else f"[{t.priority}] {t.when}"
        lines.append(
            f"    {dot_string(source)} -> {dot_string(t.target)} [label={dot_string(label)}];"
        )
    lines.append("}")
    return "\n".join(lines)


def drawing_order(
    transitions: Sequence[TransitionLike], sources: Sequence[tuple[str, ...]]
) -> Iterator[tuple[TransitionLike, str]]:
    """(transition, source) for each transition in declaration order, then each of its
    sources as :class:`~journeykit._stages.graph.Layout` expanded them."""
    for t, expanded in zip(transitions, sources, strict=True):
        for source in expanded:
            yield t, source
