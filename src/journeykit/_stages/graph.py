"""What a stage machine's transitions expand to: the edges between stages.

A transition names one source stage, several, or ``"*"`` (every stage but its target and
the final stages). Evaluation, the checks, the loop search and the diagrams all read the
machine as edges ``source -> target``, and this module is the one place that says how a
transition becomes edges:

- a source listed twice (``("*", "a")``, ``("a", "a")``) is one edge, not two;
- ``"*"`` never yields the target itself or a final stage;
- a source that names no stage, and a transition to its own source, yield nothing here
  (:mod:`~journeykit._stages.checks` reports both).

``"*"`` makes a small definition large: 1,000 stages and 1,000 ``"*"`` transitions are a
million edges. :data:`MAX_EDGES` bounds what a machine may expand to; beyond it the
machine is refused as too complex to check, before any work proportional to the edges.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from journeykit.conditions import Condition

__all__ = [
    "ANY",
    "MAX_EDGES",
    "StageLike",
    "TransitionLike",
    "Layout",
]

ANY = "*"
"""A transition ``source`` meaning every stage except the target and final stages."""

MAX_EDGES = 50_000
"""Most stage-to-stage edges a machine may expand to (far above any real lifecycle: a
50-stage machine with every stage linked to every other has 2,450). Checking costs time
in proportion to the edges, so this keeps any definition's check well under a second."""


class StageLike(Protocol):
    """What the checks and diagrams read of a :class:`~journeykit.stages.Stage`."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def final(self) -> bool: ...


class TransitionLike(Protocol):
    """What the checks, loops and diagrams read of a
    :class:`~journeykit.stages.Transition`."""

    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def target(self) -> str: ...
    @property
    def when(self) -> Condition: ...
    @property
    def priority(self) -> int: ...
    @property
    def id(self) -> str | None: ...
    @property
    def name(self) -> str: ...


class Layout:
    """The edges of one machine, computed once.

    ``outgoing[stage]`` lists the transitions out of ``stage`` as transition indexes, in
    the order evaluation tries them (higher priority first, then declaration order).
    ``sources[i]`` are transition ``i``'s sources as expanded, in the order written.
    Only known stages (sources and targets) appear, self-edges are left out, and every
    source is distinct.
    ``edges`` counts them; once that passes :data:`MAX_EDGES` the expansion stops,
    ``too_large`` is set and ``outgoing`` is left empty.

    >>> class T:
    ...     def __init__(self, sources, target, priority=0):
    ...         self.sources, self.target, self.priority = sources, target, priority
    >>> layout = Layout(["a", "b", "c"], set(), [T(("*", "a"), "b"), T(("a",), "c", 1)])
    >>> layout.outgoing
    {'a': (1, 0), 'b': (), 'c': (0,)}
    """

    __slots__ = ("edges", "outgoing", "sources", "too_large")

    def __init__(
        self,
        names: Sequence[str],
        finals: set[str] | frozenset[str],
        transitions: Sequence[_Edgy],
    ) -> None:
        known = set(names)
        open_stages = [n for n in names if n not in finals]
        entries: dict[str, list[tuple[int, int]]] = {n: [] for n in names}
        sources: list[tuple[str, ...]] = []
        total = 0
        for index, t in enumerate(transitions):
            if t.target in known:
                expanded = tuple(expand(t.sources, t.target, open_stages, known))
            else:
                expanded = ()  # an unknown target is reported by the checks
            for source in expanded:
                entries[source].append((-t.priority, index))
            sources.append(expanded)
            total += len(expanded)
            if total > MAX_EDGES:  # stop before the work grows with the expansion
                entries = {n: [] for n in names}
                sources = []
                break
        self.sources: tuple[tuple[str, ...], ...] = tuple(sources)
        self.edges = total
        self.too_large = total > MAX_EDGES
        self.outgoing: Mapping[str, tuple[int, ...]] = {
            name: tuple(index for _, index in sorted(found)) for name, found in entries.items()
        }


class _Edgy(Protocol):
    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def target(self) -> str: ...
    @property
    def priority(self) -> int: ...


def expand(
    sources: Sequence[str], target: str, open_stages: Sequence[str], known: set[str]
) -> Iterator[str]:
    """The distinct known stages ``sources`` stand for, the target left out.

    ``open_stages`` are the stages that are not final, in declaration order.

    >>> list(expand(("*", "a"), "b", ["a", "b", "c"], {"a", "b", "c", "end"}))
    ['a', 'c']
    """
    seen: set[str] = {target}
    for source in sources:
        if source == ANY:
            for name in open_stages:
                if name not in seen:
                    seen.add(name)
                    yield name
        elif source not in seen and source in known:
            seen.add(source)
            yield source
