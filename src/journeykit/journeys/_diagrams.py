"""Journeys drawn from their steps: Mermaid state diagrams and Graphviz DOT.

Each step is a node labelled with what it does (``send email 'welcome'``, ``wait 3d``,
``if orders == 0``); arrows follow the run: a ``Branch``'s two sides, a ``Split``'s
branches with their weights, a ``WaitFor``'s event and its timeout, and back to the step
after a nested list. The trigger starts the drawing and the run's end closes it. User
text goes through the stage diagrams' escaping (one home for it: no label can end a
statement or start another), and step ids are never used as node ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from journeykit._stages.diagrams import dot_string, mermaid_note, mermaid_text
from journeykit.journeys._steps import Branch, Exit, Split, Step, WaitFor

__all__ = ["edges", "journey_dot", "journey_mermaid"]

END = "[*]"


def edges(steps: Sequence[Step]) -> Iterator[tuple[Step, str | None, str]]:
    """Every arrow of a journey: (from step, to step id or None for the end, label)."""
    yield from _edges(steps, None)


def _edges(steps: Sequence[Step], after: str | None) -> Iterator[tuple[Step, str | None, str]]:
    for i, step in enumerate(steps):
        nxt = steps[i + 1].id if i + 1 < len(steps) else after
        if isinstance(step, Exit):
            yield step, None, ""
        elif isinstance(step, Branch):
            yield step, _first(step.then, nxt), "yes"
            yield step, _first(step.otherwise, nxt), "no"
        elif isinstance(step, Split):
            for name, side in step.branches.items():
                yield step, _first(side.steps, nxt), f"{name} ({side.weight})"
        elif isinstance(step, WaitFor):
            yield step, nxt, step.event
            yield step, _first(step.on_timeout, nxt), f"after {step.timeout}"
        else:
            yield step, nxt, ""
        for _, nested in step.children():
            yield from _edges(nested, nxt)


def _first(steps: Sequence[Step], after: str | None) -> str | None:
    return steps[0].id if steps else after


def _ids(walk: Sequence[Step]) -> dict[str, str]:
    return {step.id: f"s{i}" for i, step in enumerate(walk)}


def journey_mermaid(
    title: str, trigger: str, notes: Sequence[str], walk: Sequence[Step], steps: Sequence[Step]
) -> str:
    """A Mermaid ``stateDiagram-v2`` of a journey (see the module notes)."""
    ids = _ids(walk)
    lines = ["stateDiagram-v2", f"    %% {mermaid_text(title)}"]
    for step in walk:
        lines.append(f'    state "{step.id}" as {ids[step.id]}')  # ids are [a-z0-9_-] only
        lines.append(f"    {ids[step.id]} : {mermaid_text(step.describe())}")
    lines.append(f"    [*] --> {ids[steps[0].id]} : {mermaid_text(trigger)}")
    for step, target, label in edges(steps):
        head = END if target is None else ids[target]
        text = f" : {mermaid_text(label)}" if label else ""
        lines.append(f"    {ids[step.id]} --> {head}{text}")
    for note in notes:
        lines.append(f"    note right of {ids[steps[0].id]} : {mermaid_note(note)}")
    return "\n".join(lines)


def journey_dot(
    title: str, trigger: str, notes: Sequence[str], walk: Sequence[Step], steps: Sequence[Step]
) -> str:
    """A Graphviz DOT digraph of a journey (see the module notes)."""
    ids = _ids(walk)
    lines = [
        f"digraph {dot_string(title)} {{",
        "    rankdir=TB;",
        '    node [shape=box, style=rounded, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        '    "__start__" [shape=point, label=""];',
        '    "__end__" [shape=doublecircle, label="", width=0.2];',
    ]
    for step in walk:
        label = f"{step.id}: {step.describe()}"
        lines.append(f'    "{ids[step.id]}" [label={dot_string(label)}];')
    lines.append(f'    "__start__" -> "{ids[steps[0].id]}" [label={dot_string(trigger)}];')
    for step, target, label in edges(steps):
        head = "__end__" if target is None else ids[target]
        lines.append(f'    "{ids[step.id]}" -> "{head}" [label={dot_string(label)}];')
    if notes:
        lines.append(f'    "__notes__" [shape=note, label={dot_string("; ".join(notes))}];')
    lines.append("}")
    return "\n".join(lines)
