"""What evaluating a stage machine reads, built once per machine.

Per stage, its outgoing transitions in the order they are tried, each condition compiled
to a closure and its words cached; the cascade limit; and the test that a customer's
facts keep everything the conditions read (refused up front, not when a later branch
first needs a missing window).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from journeykit._errors import UsageError
from journeykit._stages.graph import Layout, TransitionLike
from journeykit.conditions import Evaluator, facts_spec
from journeykit.facts import Facts, FactsSpec

__all__ = ["Compiled", "Edge", "covers_test"]


class Compiled:
    """What evaluation reads: per stage, its outgoing edges in the order they are tried;
    and the test that facts keep what the conditions read."""

    __slots__ = ("checked", "covers", "layout", "limit", "spec", "table")

    def __init__(
        self,
        transitions: Sequence[TransitionLike],
        layout: Layout,
        limit: int,
    ) -> None:
        edges: dict[int, Edge] = {}
        self.layout = layout
        self.table: dict[str, tuple[Edge, ...]] = {
            name: tuple(edges.setdefault(i, Edge(transitions[i])) for i in indexes)
            for name, indexes in layout.outgoing.items()
        }
        self.limit = limit
        self.spec = facts_spec([t.when for t in transitions])
        self.covers = covers_test(self.spec)
        # the last facts that passed (a host evaluates one customer's facts several times
        # in a row: the event, then ticks); a plain reference, replaced as facts change
        self.checked: Facts | None = None

    def not_covered(self, facts: Facts) -> UsageError:
        need = self.spec.empty()
        missing = next(
            f"{kind} {key!r}"
            for kind, wanted, have in (
                ("the count of", need.stats, facts.stats),
                ("the window of", need.windows, facts.windows),
                ("the sum", need.sums, facts.sums),
                ("the windowed sum", need.amount_windows, facts.amount_windows),
            )
            for key in wanted
            if key not in have
        )
        return UsageError(
            f"these facts do not keep what this machine's conditions read ({missing} is "
            "missing): they were folded with a smaller FactsSpec, or kept for an older "
            "definition. Fold events with facts_spec([...]) over every "
            "condition you evaluate, machine.conditions() included, and rebuild facts kept "
            "for an older definition from the customer's events"
        )


def covers_test(spec: FactsSpec) -> Callable[[Facts], bool]:
    """``spec.covers``, precomputed as key-set tests (evaluation runs it on every call).

    The same rule as :meth:`FactsSpec.covers`: every key the spec's empty facts hold is
    present in ``facts`` (a test checks the two agree)."""
    need = spec.empty()
    stats = frozenset(need.stats)
    windows = frozenset(need.windows)
    sums = frozenset(need.sums)
    values = frozenset(need.amount_windows)
    if not (stats or sums or values):
        if not windows:
            return lambda facts: True
        return lambda facts: facts.windows.keys() >= windows

    def covers(facts: Facts) -> bool:
        return (
            facts.stats.keys() >= stats
            and facts.windows.keys() >= windows
            and facts.sums.keys() >= sums
            and facts.amount_windows.keys() >= values
        )

    return covers


class Edge:
    """A transition compiled for evaluation: its condition as a closure, its words cached."""

    __slots__ = ("fn", "name", "reason", "target", "transition")

    def __init__(self, transition: TransitionLike) -> None:
        self.transition = transition
        self.fn: Evaluator = transition.when.compile()
        self.target = transition.target
        self.name = transition.name
        self.reason = str(transition.when)
