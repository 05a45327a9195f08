"""The search for loops a stage machine can run at one instant.

A loop ``a -> b -> ... -> a`` whose conditions can all hold for one customer at one
instant would move that customer round for ever, so a machine with one is refused. What
the check guarantees:

- **"No loop" is certain.** A machine is accepted only when every loop in its graph has
  been shown impossible: some of its conditions exclude each other (by the reasoner,
  :mod:`journeykit._satisfy`, whose "cannot hold together" is certain).
- **It never accepts unchecked.** The search counts its work (steps, and the size of
  every question put to the reasoner) against a budget. A machine whose loops cannot
  all be examined within it is refused with a problem saying it is too complex to check,
  never accepted.
- **A reported loop may be a false alarm** when the exclusion lies between different
  quantities the reasoner treats as independent; stating it on one quantity fixes that.

How the work stays close to linear in the definition's size:

1. Only edges inside a strongly connected component can lie on a loop (Tarjan's
   algorithm, iterative): a chain, a funnel or any acyclic part costs one pass.
2. An edge that no edge out of its target can follow (every way on excludes it, or its
   own condition cannot hold in the stage it leaves) lies on no possible loop and is
   dropped; 1 and 2 repeat until nothing changes. A "router" whose transitions exclude
   each other falls apart here.
3. Two-stage loops are examined first, so the obvious ones are reported even when the
   rest is too large to search.
4. Longer loops are enumerated once each, from their first stage in name order, by an
   iterative depth-first search inside one component; the component is then split
   without that stage (as in Johnson's algorithm). A path is pruned as soon as its newest
   transition excludes one already on it. Two conditions are compared only when they
   read a common quantity (the same event type, attribute or channel): the reasoner
   treats different quantities as independent, so comparing those could not prune.
   Answers are cached per pair of transitions, and a closed loop is put to the reasoner
   as a whole, split into the groups of its conditions that share quantities.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from journeykit._errors import Problem, quote
from journeykit._stages.graph import TransitionLike
from journeykit.conditions import (
    AllOf,
    AnyOf,
    Attr,
    Condition,
    Consented,
    Count,
    FactIs,
    InStage,
    Not,
    Prop,
    Since,
    StageFor,
    Total,
    Verdict,
    can_hold_together,
)

__all__ = ["BUDGET", "MAX_REPORTED", "REASONER_COST", "STEP_COST", "LoopSearch", "find_loops"]

BUDGET = 1_000_000
"""Work units the search may spend: one per cached comparison or step of the component
search, :data:`STEP_COST` per step of the loop search, and :data:`REASONER_COST` per
condition node in each question to the reasoner. Spending it all takes about a quarter
of a second."""

REASONER_COST = 40
"""Work units per condition node put to the reasoner (measured: a question about two
small conditions takes about as long as 80 cached comparisons)."""

STEP_COST = 4
"""Work units per step of the depth-first search (a step, with its comparisons and
bookkeeping, takes about as long as four cached comparisons)."""

MAX_REPORTED = 10
"""Loops reported at most; the search stops there (the machine is refused anyway)."""

_ANY_QUANTITY = "*"  # a condition of a kind this module does not know: compare with all

#: Fact names and the event types they are computed from.
_FACT_EVENTS: Mapping[str, tuple[str, ...]] = {
    "order_count": ("order_placed",),
    "revenue": ("order_placed", "order_refunded"),
    "average_order_value": ("order_placed", "order_refunded"),
}


@dataclass
class LoopSearch:
    """What the search found, and what it cost.

    ``loops`` holds each loop as its steps ``(transition index, source stage)``;
    ``complete`` is False when the budget ran out before every loop was examined (then
    the machine cannot be accepted), ``capped`` when it stopped after
    :data:`MAX_REPORTED` loops.
    """

    budget: int
    loops: list[list[tuple[int, str]]] = field(default_factory=list)
    undecided: set[int] = field(default_factory=set)
    """Indexes into ``loops`` of loops the reasoner found too complex to decide."""
    work: int = 0
    complete: bool = True
    capped: bool = False


class _OutOfBudgetError(Exception):
    pass


@dataclass(frozen=True)
class _Shape:
    """What the search needs to know of one transition's condition."""

    size: int  # condition nodes, the measure of a reasoner question's cost
    quantities: frozenset[str]  # what it reads; conditions sharing none are independent
    stages: frozenset[str]  # the stages its in_stage parts name


def _shape(cond: Condition) -> _Shape:
    size = 0
    quantities: set[str] = set()
    stages: set[str] = set()
    # (condition, inside a where= filter): a filter is part of its quantity's key
    stack: list[tuple[Condition, bool]] = [(cond, False)]
    while stack:
        c, in_filter = stack.pop()
        size += 1
        if isinstance(c, (AllOf, AnyOf)):
            stack.extend((child, in_filter) for child in c.conditions)
        elif isinstance(c, Not):
            stack.append((c.condition, in_filter))
        elif isinstance(c, (Count, Total, Since)):
            quantities.add(f"event:{c.event}")
            if c.where is not None:
                stack.append((c.where, True))
        elif isinstance(c, (Attr, Prop)) and (in_filter or isinstance(c, Attr)):
            if isinstance(c, Attr):
                quantities.add(f"attr:{c.path.split('.')[0]}")
            if isinstance(c.value, (list, tuple)):  # measured: 200 items cost about one node
                size += len(c.value) // 200
        elif isinstance(c, FactIs):
            events = _FACT_EVENTS.get(c.name)
            if events is None:  # a fact this module does not know
                quantities.add(_ANY_QUANTITY)
            else:
                quantities.update(f"event:{e}" for e in events)
        elif isinstance(c, Consented):
            quantities.add(f"consent:{c.channel.value}")
        elif isinstance(c, InStage):
            stages.update(c.stages)
        elif not isinstance(c, StageFor):  # time in stage is settled: zero in a loop
            # a kind this module does not know (or prop() outside where=): compare it
            # with every other condition
            quantities.add(_ANY_QUANTITY)
    return _Shape(size, frozenset(quantities), frozenset(stages))


def _may_hold(pairs: Sequence[tuple[Condition, str]]) -> Verdict:
    """Whether every ``(condition, stage it leaves)`` may hold at one instant, with zero
    time in each stage: the one question this module asks the reasoner."""
    return can_hold_together(pairs, stage_for_zero=True)


class _Search:
    """One machine's loop search; see the module notes."""

    def __init__(
        self,
        names: Sequence[str],
        transitions: Sequence[TransitionLike],
        outgoing: Mapping[str, tuple[int, ...]],
        budget: int,
    ) -> None:
        self.transitions = transitions
        self.budget = budget
        self.result = LoopSearch(budget)
        self.shapes = [_shape(t.when) for t in transitions]
        # nodes are numbered in name order: a loop is found from its first stage by name
        self.names = sorted(names)
        number = {name: i for i, name in enumerate(self.names)}
        self.edge_t: list[int] = []  # transition index
        self.edge_src: list[int] = []
        self.edge_tgt: list[int] = []
        self.edge_class: list[tuple[int, str | None]] = []
        for source in names:
            for index in outgoing[source]:
                shape = self.shapes[index]
                # the answer depends on the source only when in_stage names it
                cls = (index, source if source in shape.stages else None)
                self.edge_t.append(index)
                self.edge_src.append(number[source])
                self.edge_tgt.append(number[transitions[index].target])
                self.edge_class.append(cls)
        self.pair_cache: dict[tuple[tuple[int, str | None], tuple[int, str | None]], bool] = {}
        self.undecided_pairs: set[tuple[tuple[int, str | None], tuple[int, str | None]]] = set()
        self.saw_undecided = False  # the reasoner gave up on a question since the last loop

    # --- accounting -------------------------------------------------------------------

    def spend(self, units: int) -> None:
        self.result.work += units
        if self.result.work > self.budget:
            raise _OutOfBudgetError

    def ask(self, edges: Sequence[int]) -> bool:
        pairs = [
            (self.transitions[self.edge_t[e]].when, self.names[self.edge_src[e]]) for e in edges
        ]
        self.spend(REASONER_COST * sum(self.shapes[self.edge_t[e]].size for e in edges))
        verdict = _may_hold(pairs)
        if verdict is Verdict.TOO_COMPLEX:
            self.saw_undecided = True  # reported as undecided, never accepted
        return verdict is not Verdict.CANNOT_HOLD

    def compatible(self, a: int, b: int) -> bool:
        key_a, key_b = self.edge_class[a], self.edge_class[b]
        key = (key_a, key_b) if key_a <= key_b else (key_b, key_a)
        found = self.pair_cache.get(key)
        if found is None:
            before = self.saw_undecided
            self.saw_undecided = False
            found = self.pair_cache[key] = self.ask((a, b))
            if self.saw_undecided:
                self.undecided_pairs.add(key)
            self.saw_undecided = self.saw_undecided or before
        else:
            self.spend(1)
            if key in self.undecided_pairs:
                self.saw_undecided = True
        return found

    # --- the steps --------------------------------------------------------------------

    def run(self) -> LoopSearch:
        try:
            edges: list[int] = list(range(len(self.edge_t)))
            while True:  # until no edge is dropped: each pass is about linear
                edges = self.on_cycles(edges)
                fewer = self.continued(edges)
                if len(fewer) == len(edges):
                    break
                edges = fewer
            self.two_stage_loops(edges)
            self.longer_loops(edges)
        except _OutOfBudgetError:
            self.result.complete = False
        except _CappedError:
            self.result.capped = True
        return self.result

    def components(
        self, nodes: Iterable[int], out: Sequence[Sequence[int]], member: Container[int]
    ) -> list[list[int]]:
        """The strongly connected components (of two or more nodes) of the graph ``out``
        restricted to ``member`` (Tarjan's algorithm, iterative)."""
        index: dict[int, int] = {}
        low: dict[int, int] = {}
        on_stack: set[int] = set()
        stack: list[int] = []
        found: list[list[int]] = []
        tgt = self.edge_tgt
        for root in nodes:
            if root in index:
                continue
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            work: list[tuple[int, Iterator[int]]] = [(root, iter(out[root]))]
            while work:
                node, edges = work[-1]
                self.spend(1)
                e = next(edges, None)
                if e is not None:
                    child = tgt[e]
                    if child not in member:
                        continue
                    if child not in index:
                        index[child] = low[child] = len(index)
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(out[child])))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
        return found

    def on_cycles(self, edges: Sequence[int]) -> list[int]:
        """The edges inside a strongly connected component: only they can lie on a loop."""
        out: list[list[int]] = [[] for _ in self.names]
        for e in edges:
            out[self.edge_src[e]].append(e)
        comp = [-1] * len(self.names)
        for number, component in enumerate(
            self.components(range(len(self.names)), out, range(len(self.names)))
        ):
            for node in component:
                comp[node] = number
        src, tgt = self.edge_src, self.edge_tgt
        return [e for e in edges if comp[src[e]] != -1 and comp[src[e]] == comp[tgt[e]]]

    def continued(self, edges: Sequence[int]) -> list[int]:
        """The edges that some edge out of their target can follow: an edge every way
        on from which excludes it lies on no possible loop (arc consistency)."""
        alive = dict.fromkeys(edges, True)
        out: dict[int, list[int]] = {}
        into: dict[int, dict[tuple[int, str | None], list[int]]] = {}
        for e in edges:
            out.setdefault(self.edge_src[e], []).append(e)
            into.setdefault(self.edge_tgt[e], {}).setdefault(self.edge_class[e], []).append(e)
        witness: dict[tuple[tuple[int, str | None], int], int] = {}
        queue = deque(sorted(into))
        queued = set(queue)
        while queue:
            v = queue.popleft()
            queued.discard(v)
            outs = out[v] = [f for f in out.get(v, ()) if alive[f]]
            for cls, ins in into[v].items():
                live = [e for e in ins if alive[e]]
                if not live:
                    continue
                self.spend(1)
                seen = witness.get((cls, v))
                if seen is not None and alive[seen]:
                    continue
                rep = live[0]
                follow = next((f for f in outs if self.compatible(rep, f)), None)
                if follow is not None:
                    witness[(cls, v)] = follow
                    continue
                for e in live:
                    alive[e] = False
                    u = self.edge_src[e]
                    if u not in queued and u in into:
                        queued.add(u)
                        queue.append(u)
        return [e for e in edges if alive[e]]

    def report(self, loop: list[int]) -> None:
        if self.saw_undecided:
            self.result.undecided.add(len(self.result.loops))
        self.result.loops.append([(self.edge_t[e], self.names[self.edge_src[e]]) for e in loop])
        if len(self.result.loops) >= MAX_REPORTED:
            raise _CappedError

    def two_stage_loops(self, edges: Sequence[int]) -> None:
        back: dict[tuple[int, int], list[int]] = {}
        for e in edges:
            back.setdefault((self.edge_src[e], self.edge_tgt[e]), []).append(e)
        for e in edges:
            src, tgt = self.edge_src[e], self.edge_tgt[e]
            if src < tgt:
                for f in back.get((tgt, src), ()):
                    self.saw_undecided = False
                    if self.compatible(e, f):
                        self.report([e, f])

    def longer_loops(self, edges: Sequence[int]) -> None:
        """Each loop of three or more stages, found once from its first stage: search a
        component from its first stage, then drop that stage and split what is left
        into components again (as Johnson's algorithm does)."""
        out: list[list[int]] = [[] for _ in self.names]
        for e in edges:
            out[self.edge_src[e]].append(e)
        everything = range(len(self.names))
        pending = self.components(everything, out, everything)
        heapq.heapify(pending)
        while pending:
            component = heapq.heappop(pending)
            start, rest = component[0], set(component[1:])
            self.loops_from(start, out, {start, *rest})
            for smaller in self.components(component[1:], out, rest):
                heapq.heappush(pending, smaller)

    def loops_from(self, start: int, out: Sequence[list[int]], member: Container[int]) -> None:
        """Every loop of three or more stages through ``start`` within ``member``."""
        path: list[int] = []
        on_path = {start}
        by_quantity: dict[str, list[int]] = {}
        frames: list[tuple[int, Iterator[int]]] = [(start, iter(out[start]))]
        while frames:
            node, edges = frames[-1]
            e = next(edges, None)
            if e is None:
                frames.pop()
                if path:
                    self.leave(path.pop(), by_quantity)
                    on_path.discard(node)
                continue
            self.spend(STEP_COST)
            target = self.edge_tgt[e]
            if target == start:
                self.saw_undecided = False
                if len(path) >= 2 and self.fits(e, by_quantity) and self.holds([*path, e]):
                    self.report([*path, e])
            elif target in member and target not in on_path and self.fits(e, by_quantity):
                path.append(e)
                on_path.add(target)
                for q in self.shapes[self.edge_t[e]].quantities:
                    by_quantity.setdefault(q, []).append(e)
                frames.append((target, iter(out[target])))

    def leave(self, e: int, by_quantity: dict[str, list[int]]) -> None:
        for q in self.shapes[self.edge_t[e]].quantities:
            by_quantity[q].pop()

    def fits(self, e: int, by_quantity: Mapping[str, list[int]]) -> bool:
        """Whether ``e`` is compatible with each transition on the path that reads a
        quantity it reads (conditions on different quantities are independent)."""
        quantities = self.shapes[self.edge_t[e]].quantities
        if _ANY_QUANTITY in quantities:
            others: Iterator[list[int]] = iter(by_quantity.values())
        else:
            others = (by_quantity.get(q, []) for q in (*quantities, _ANY_QUANTITY))
        return all(self.compatible(e, f) for on_path in others for f in on_path)

    def holds(self, loop: Sequence[int]) -> bool:
        """Whether the loop's conditions may all hold together: each group of conditions
        sharing quantities is put to the reasoner (groups of one or two are settled)."""
        parent = list(range(len(loop)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        owner: dict[str, int] = {}
        for i, e in enumerate(loop):
            quantities = self.shapes[self.edge_t[e]].quantities
            for q in (_ANY_QUANTITY,) if _ANY_QUANTITY in quantities else quantities:
                if q in owner:
                    parent[find(i)] = find(owner[q])
                else:
                    owner[q] = i
        if _ANY_QUANTITY in owner:  # a condition of an unknown kind: ask about the whole
            groups = [list(loop)]
        else:
            members: dict[int, list[int]] = {}
            for i, e in enumerate(loop):
                members.setdefault(find(i), []).append(e)
            groups = list(members.values())
        return all(len(group) <= 2 or self.ask(group) for group in groups)


class _CappedError(Exception):
    pass


def find_loops(
    names: Sequence[str],
    transitions: Sequence[TransitionLike],
    outgoing: Mapping[str, tuple[int, ...]],
    *,
    budget: int | None = None,
) -> LoopSearch:
    """Search the machine's graph (``outgoing`` as :class:`~journeykit._stages.graph.Layout`
    gives it) for loops whose conditions may all hold at one instant, spending at most
    ``budget`` units of work (default :data:`BUDGET`)."""
    limit = BUDGET if budget is None else budget
    return _Search(list(dict.fromkeys(names)), transitions, outgoing, limit).run()


def loop_problems(
    at: str, transitions: Sequence[TransitionLike], search: LoopSearch
) -> Iterator[Problem]:
    """The problems a loop search found: each loop, and an incomplete search."""
    for n, loop in enumerate(search.loops):
        yield _loop_problem(at, transitions, loop, undecided=n in search.undecided)
    if search.capped:
        yield Problem(
            f"{at}transitions",
            f"the loop check stopped after {MAX_REPORTED} loops; fix these and build the "
            "machine again to see whether there are more",
        )
    if not search.complete:
        yield Problem(
            f"{at}transitions",
            "too complex to check for loops that can run at one instant: the search used its "
            f"whole budget ({search.budget:,} units of work) before examining every loop, so "
            "the machine cannot be accepted. Make the conditions of transitions that lead "
            "back to a stage exclude each other on one quantity, name fewer sources, or "
            "split the machine",
        )


_SHOWN_STAGES = 12
_SHOWN_CONDITIONS = 6


def _loop_problem(
    at: str, transitions: Sequence[TransitionLike], loop: list[tuple[int, str]], *, undecided: bool
) -> Problem:
    stages = [quote(source, 40) for _, source in loop]
    if len(stages) > _SHOWN_STAGES:
        stages = [*stages[: _SHOWN_STAGES - 2], f"… ({len(loop)} stages)", stages[-1]]
    route = " -> ".join([*stages, quote(loop[0][1], 40)])
    conditions = [f"({quote(str(transitions[i].when), 80)})" for i, _ in loop]
    if len(conditions) > _SHOWN_CONDITIONS:
        more = len(conditions) - _SHOWN_CONDITIONS
        conditions = [*conditions[:_SHOWN_CONDITIONS], f"and {more} more"]
    first = min(i for i, _ in loop)
    if undecided:
        return Problem(
            f"{at}transitions[{first}]",
            f"stages may cycle at one instant: {route}; the conditions "
            + "; ".join(conditions)
            + " are too complex to decide whether they can all hold together, so the "
            "machine cannot be accepted. Simplify them, or make one exclude another on the "
            "same quantity (e.g. since(x) > '90d' against since(x) <= '90d')",
        )
    return Problem(
        f"{at}transitions[{first}]",
        f"stages can cycle at one instant: {route}; the conditions "
        + "; ".join(conditions)
        + " can all hold together. Make one of them exclude another on the same "
        "quantity (e.g. since(x) > '90d' against since(x) <= '90d')",
    )
