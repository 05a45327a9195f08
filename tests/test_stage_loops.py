"""The loop check: certain when it says "no loop", bounded in work, and never accepting a
machine it could not finish checking."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit._stages import checks, loops
from journeykit._stages.graph import Layout
from journeykit.conditions import (
    Condition,
    Verdict,
    attr,
    can_hold_together,
    count,
    fact,
    in_stage,
    prop,
    since,
)
from journeykit.errors import DefinitionError
from journeykit.stages import Stage, StageMachine, Transition
from tests import strategies as s


def build(
    names: list[str], transitions: list[Transition], final: set[str] | None = None
) -> StageMachine:
    return StageMachine(
        initial=names[0],
        stages=[Stage(name=n, final=n in (final or set())) for n in names],
        transitions=transitions,
        events=sorted({e for t in transitions for e in _events(t.when)}),
    )


def _events(cond: Condition) -> set[str]:
    """The event types a condition names (the tests' own e0, e1... are declared)."""
    found = {str(cond.event)} if hasattr(cond, "event") else set()
    for child in (*getattr(cond, "conditions", ()), getattr(cond, "condition", None)):
        if child is not None:
            found |= _events(child)
    return found


def search(names: list[str], transitions: list[Transition], **kw: int) -> loops.LoopSearch:
    layout = Layout(names, set(), transitions)
    return loops.find_loops(names, transitions, layout.outgoing, **kw)


def chain(n: int) -> tuple[list[str], list[Transition]]:
    names = [f"s{i}" for i in range(n)]
    return names, [
        Transition(source=names[i], target=names[i + 1], when=count("order_placed") >= i)
        for i in range(n - 1)
    ]


def ring(n: int) -> tuple[list[str], list[Transition]]:
    names = [f"s{i}" for i in range(n)]
    return names, [
        Transition(source=names[i], target=names[(i + 1) % n], when=count(f"e{i}") >= 1)
        for i in range(n)
    ]


# --- what is found -------------------------------------------------------------------


def test_an_obvious_two_stage_loop_in_a_large_funnel_is_reported() -> None:
    # 33 stages and 158 transitions, forward only but for s21 -> s20; s20 -> s21 and back
    # both need orders >= 1: a two-stage loop the check must not miss
    names = [f"s{i:02}" for i in range(33)]
    steps = [(i, j) for i in range(32) for j in range(i + 1, min(33, i + 6))]
    steps += [(0, j) for j in range(6, 13)]
    assert len(steps) == 157
    transitions = [
        Transition(
            source=names[i],
            target=names[j],
            when=count("order_placed") >= 1 if (i, j) == (20, 21) else count(f"e{i}_{j}") >= 1,
        )
        for i, j in steps
    ]
    transitions.append(Transition(source="s21", target="s20", when=count("order_placed") >= 1))
    with pytest.raises(DefinitionError) as info:
        build(names, transitions, final={"s32"})
    [problem] = info.value.problems
    assert problem.path == f"transitions[{steps.index((20, 21))}]"
    assert "stages can cycle at one instant: s20 -> s21 -> s20" in problem.message


def test_a_loop_through_three_stages_is_found_and_an_excluded_one_is_not() -> None:
    names = ["a", "b", "c"]
    looping = [
        Transition(source="a", target="b", when=count("x") >= 1),
        Transition(source="b", target="c", when=count("y") >= 1),
        Transition(source="c", target="a", when=count("x") >= 2),
    ]
    assert [[(i, src) for i, src in loop] for loop in search(names, looping).loops] == [
        [(0, "a"), (1, "b"), (2, "c")]
    ]
    excluded = [*looping[:2], Transition(source="c", target="a", when=count("x") == 0)]
    result = search(names, excluded)
    assert result.loops == []
    assert result.complete


def test_in_stage_settles_a_router_with_any_source() -> None:
    # every stage may lead to the next, but only from the stage in_stage names, and the
    # routes exclude each other: no loop
    names = [f"r{i}" for i in range(30)]
    routes = [
        Transition(
            source="*",
            target=names[(i + 1) % 30],
            when=in_stage(names[i]) & (attr("route") == names[i]),
        )
        for i in range(30)
    ]
    result = search(names, routes)
    assert result.complete
    assert result.loops == []


def test_exclusive_routes_are_checked_without_enumerating_paths() -> None:
    names = [f"r{i}" for i in range(60)]
    routes = [Transition(source="*", target=n, when=attr("route") == n) for n in names]
    result = search(names, routes)
    assert result.complete
    assert result.loops == []
    # about one question per pair of transitions, not per path
    assert result.work < 60 * 60 * 2 * loops.REASONER_COST


# --- bounded work ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [chain, ring])
def test_work_grows_linearly_with_chains_and_rings(shape: object) -> None:
    def work(n: int) -> int:
        names, transitions = shape(n)  # type: ignore[operator]  # a shape function
        return search(names, transitions).work

    small, large = work(100), work(1000)
    assert large <= 12 * small


def test_a_long_chain_loads_from_json_without_recursion() -> None:
    names, transitions = chain(1500)
    text = build(names, transitions, final={names[-1]}).model_dump_json()
    again = StageMachine.from_json(text)
    assert len(again.stages) == 1500


def test_running_out_of_budget_is_a_problem_never_an_acceptance() -> None:
    # pairwise compatible, every loop closed by one transition that excludes the rest:
    # the search must look at many paths, and here is given too little work to finish
    names = [f"s{i}" for i in range(8)]
    transitions = [
        Transition(source=a, target=b, when=count(f"e{a}{b}") >= 1)
        for a in names
        for b in names
        if a != b
    ]
    result = search(names, transitions, budget=50)
    assert not result.complete
    problems = list(loops.loop_problems("", transitions, result))
    assert problems[-1].path == "transitions"
    assert "too complex to check" in problems[-1].message


def test_a_machine_too_complex_to_check_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loops, "BUDGET", 30)
    names, transitions = ring(40)
    with pytest.raises(DefinitionError) as info:
        build(names, transitions)
    assert [p.path for p in info.value.problems] == ["transitions"]
    assert "cannot be accepted" in info.value.problems[0].message


def test_a_machine_that_expands_to_too_many_edges_is_refused_before_searching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = checks.find_loops

    def counted(*args: object, **kw: object) -> loops.LoopSearch:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]  # passed through

    monkeypatch.setattr(checks, "find_loops", counted)
    monkeypatch.setattr("journeykit._stages.graph.MAX_EDGES", 50)
    monkeypatch.setattr(checks, "MAX_EDGES", 50)
    names = [f"s{i}" for i in range(10)]
    with pytest.raises(DefinitionError) as info:
        build(names, [Transition(source="*", target=n, when=attr("r") == n) for n in names])
    assert [p.path for p in info.value.problems] == ["transitions"]
    assert "too complex to check: the transitions link more than 50 pairs" in str(info.value)
    assert calls == []


def test_loop_messages_quote_conditions_up_to_a_bound() -> None:
    # 40 stages in a ring whose conditions each hold a 1,000-item list
    names = [f"s{i}" for i in range(40)]
    big = list(range(1000))
    transitions = [
        Transition(source=names[i], target=names[(i + 1) % 40], when=attr(f"a{i}").is_in(big))
        for i in range(40)
    ]
    with pytest.raises(DefinitionError) as info:
        build(names, transitions)
    assert len(info.value.problems) == 1
    assert len(str(info.value)) < 2_000
    assert "… (40 stages)" in str(info.value)
    assert "and 34 more" in str(info.value)


def test_many_loops_are_reported_up_to_a_limit() -> None:
    names = [f"s{i}" for i in range(12)]
    with pytest.raises(DefinitionError) as info:
        build(
            names,
            [
                Transition(source=a, target=b, when=count(f"e{i}") >= 1)
                for i, (a, b) in enumerate((a, b) for a in names for b in names if a != b)
            ],
        )
    problems = info.value.problems
    assert len(problems) == loops.MAX_REPORTED + 1
    assert "stopped after 10 loops" in problems[-1].message


# --- soundness against a brute-force reference -----------------------------------------


def simple_cycles(n: int, edges: list[tuple[int, int, int]]) -> Iterator[list[int]]:
    """Every simple cycle of a small graph, as edge numbers, each once (brute force)."""
    out: dict[int, list[int]] = {}
    for k, (a, _, _) in enumerate(edges):
        out.setdefault(a, []).append(k)

    def walk(start: int, node: int, path: list[int], seen: set[int]) -> Iterator[list[int]]:
        for k in out.get(node, []):
            b = edges[k][1]
            if b == start:
                yield [*path, k]
            elif b > start and b not in seen:
                yield from walk(start, b, [*path, k], seen | {b})

    for start in range(n):
        yield from walk(start, start, [], {start})


leaf_conditions = st.one_of(
    st.builds(lambda e, n: count(e) >= n, st.sampled_from(["x", "y"]), st.integers(0, 2)),
    st.builds(lambda e, n: count(e) < n, st.sampled_from(["x", "y"]), st.integers(0, 2)),
    st.builds(lambda d: since("x") > d, st.sampled_from(["1d", "30d"])),
    st.builds(lambda d: since("x") <= d, st.sampled_from(["1d", "30d"])),
    st.builds(lambda v: attr("tier") == v, st.sampled_from(["a", "b"])),
    s.conditions,
)


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), leaf_conditions),
        min_size=1,
        max_size=9,
    )
)
def test_loops_are_reported_exactly_when_some_cycle_can_hold(
    raw: list[tuple[int, int, Condition]],
) -> None:
    names = ["new", "repeat", "lapsed", "vip"]  # the stage names tests.strategies uses
    transitions = [
        Transition(source=names[a], target=names[b], when=cond) for a, b, cond in raw if a != b
    ]
    edges = [
        (names.index(str(t.source)), names.index(t.target), k) for k, t in enumerate(transitions)
    ]
    possible = any(
        can_hold_together([(transitions[k].when, names[edges[k][0]]) for k in cycle])
        is not Verdict.CANNOT_HOLD
        for cycle in simple_cycles(len(names), edges)
    )
    result = search(names, transitions)
    assert result.complete
    assert bool(result.loops) == possible
    for loop in result.loops:  # every reported loop is one the reasoner allows
        verdict = can_hold_together([(transitions[i].when, src) for i, src in loop])
        assert verdict is not Verdict.CANNOT_HOLD


def test_a_ring_of_300_stages_is_checked_well_within_the_budget() -> None:
    names, transitions = ring(300)
    result = search(names, transitions)
    assert result.complete
    assert result.work <= result.budget // 10
    assert json.dumps(result.loops[0][:2]) == '[[0, "s0"], [1, "s1"]]'


def test_a_loop_found_only_after_backing_out_of_a_dead_end_is_found() -> None:
    # from a, the first way (a -> b -> c -> a) is excluded at its last step; the loop
    # a -> c -> b -> a through the same stages must still be found
    names = ["a", "b", "c"]
    transitions = [
        Transition(source="a", target="b", when=count("x") >= 1),
        Transition(source="b", target="c", when=count("p") >= 1),
        Transition(source="c", target="a", when=count("x") < 1),
        Transition(source="a", target="c", when=count("y") >= 1),
        Transition(source="c", target="b", when=count("q") >= 1),
        Transition(source="b", target="a", when=count("z") >= 1),
    ]
    loops_found = [[i for i, _ in loop] for loop in search(names, transitions).loops]
    assert [3, 4, 5] in loops_found
    assert [0, 1, 2] not in loops_found


def test_a_loop_problem_says_which_stages_and_conditions_in_full_words() -> None:
    names, transitions = ring(3)
    result = search(names, transitions)
    assert [str(p) for p in loops.loop_problems("", transitions, result)] == [
        "transitions[0]: stages can cycle at one instant: s0 -> s1 -> s2 -> s0; the conditions "
        "('e0' events >= 1); ('e1' events >= 1); ('e2' events >= 1) can all hold together. "
        "Make one of them exclude another on the same quantity (e.g. since(x) > '90d' "
        "against since(x) <= '90d')"
    ]


def test_a_long_loop_is_shown_by_its_first_stages_and_conditions() -> None:
    names = [f"{'x' * 45}{i:02}" for i in range(13)]
    transitions = [
        Transition(source=names[i], target=names[(i + 1) % 13], when=count(f"e{i}") >= 1)
        for i in range(13)
    ]
    [problem] = loops.loop_problems("", transitions, search(names, transitions))
    shown = [f"{'x' * 39}…" for _ in range(10)]
    assert f"{' -> '.join(shown)} -> … (13 stages) -> {'x' * 39}… -> {'x' * 39}…;" in (
        problem.message
    )
    assert "('e5' events >= 1); and 7 more can all hold" in problem.message


def test_six_conditions_are_all_shown() -> None:
    names, transitions = ring(6)
    [problem] = loops.loop_problems("", transitions, search(names, transitions))
    assert "('e5' events >= 1) can all hold" in problem.message
    assert "more" not in problem.message


def test_the_end_of_an_incomplete_search_is_told_in_words() -> None:
    _, transitions = ring(12)
    capped = loops.LoopSearch(budget=10, capped=True)
    assert [p.message for p in loops.loop_problems("", transitions, capped)] == [
        "the loop check stopped after 10 loops; fix these and build the machine again to "
        "see whether there are more"
    ]
    out = loops.LoopSearch(budget=10, complete=False)
    assert [p.message for p in loops.loop_problems("m.", transitions, out)] == [
        "too complex to check for loops that can run at one instant: the search used its "
        "whole budget (10 units of work) before examining every loop, so the machine cannot "
        "be accepted. Make the conditions of transitions that lead back to a stage exclude "
        "each other on one quantity, name fewer sources, or split the machine"
    ]


def test_work_counts_the_size_of_each_question_to_the_reasoner() -> None:
    small = loops._shape(count("x") >= 1)
    assert (small.size, small.quantities, small.stages) == (1, frozenset({"event:x"}), frozenset())
    both = loops._shape(
        (attr("tier.level").is_in(list(range(400))) & in_stage("vip"))
        | ~(fact("revenue", currency="EUR") > 5)
    )
    # any_of, all_of, attr (+ 400 items / 200), in_stage, not, fact
    assert both.size == 6 + 2
    assert both.quantities == {"attr:tier", "event:order_placed", "event:order_refunded"}
    assert both.stages == {"vip"}
    where = loops._shape(count("x", where=prop("sku").is_in(list(range(200)))) >= 1)
    assert where.size == 1 + 1 + 1
    assert loops._shape(fact("order_count") > 1).quantities == {"event:order_placed"}


def test_a_condition_of_a_kind_the_search_does_not_know_is_compared_with_all() -> None:
    # a top-level prop() is reported as misplaced; the loop through it is still examined
    names = ["a", "b", "c"]
    transitions = [
        Transition(source="a", target="b", when=prop("p") == 1),
        Transition(source="b", target="c", when=count("y") >= 1),
        Transition(source="c", target="a", when=count("z") >= 1),
    ]
    assert loops._shape(transitions[0].when).quantities == {"*"}
    assert [[i for i, _ in loop] for loop in search(names, transitions).loops] == [[0, 1, 2]]


def test_a_long_loop_shows_ten_stages_then_how_many() -> None:
    names, transitions = ring(13)
    [problem] = loops.loop_problems("", transitions, search(names, transitions))
    route = " -> ".join(f"s{i}" for i in range(10))
    assert f"cycle at one instant: {route} -> … (13 stages) -> s12 -> s0;" in problem.message


def test_only_edges_inside_a_component_are_kept_for_the_search() -> None:
    # a -> b -> c -> b: only b and c can loop; a's edge and the tail d are dropped
    names = ["a", "b", "c", "d"]
    transitions = [
        Transition(source="a", target="b", when=count("p") >= 1),
        Transition(source="b", target="c", when=count("q") >= 1),
        Transition(source="c", target="b", when=count("r") >= 1),
        Transition(source="c", target="d", when=count("s") >= 1),
    ]
    layout = Layout(names, set(), transitions)
    inner = loops._Search(names, transitions, layout.outgoing, 10**6)
    kept = inner.on_cycles(list(range(4)))
    assert sorted((inner.edge_t[e]) for e in kept) == [1, 2]


def test_edges_no_way_on_can_follow_are_dropped() -> None:
    # c -> a (x < 1) cannot be followed by a -> b (x >= 1), the only way on from a; then
    # b -> c has no way on at all; a -> b -> a is left, and is a loop
    names = ["a", "b", "c"]
    transitions = [
        Transition(source="a", target="b", when=count("x") >= 1),
        Transition(source="b", target="c", when=count("y") >= 1),
        Transition(source="b", target="a", when=count("z") >= 1),
        Transition(source="c", target="a", when=count("x") < 1),
    ]
    layout = Layout(names, set(), transitions)
    inner = loops._Search(names, transitions, layout.outgoing, 10**6)
    assert inner.continued(list(range(4))) == [0, 2]
    assert inner.continued(inner.on_cycles([0, 2])) == [0, 2]
    assert search(names, transitions).loops == [[(0, "a"), (2, "b")]]


def test_the_edge_bound_is_told_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("journeykit._stages.graph.MAX_EDGES", 5)
    monkeypatch.setattr(checks, "MAX_EDGES", 5)
    names = [f"s{i}" for i in range(4)]
    with pytest.raises(DefinitionError) as info:
        build(names, [Transition(source="*", target=n, when=attr("r") == n) for n in names])
    assert [p.message for p in info.value.problems] == [
        "too complex to check: the transitions link more than 5 pairs of stages (a source "
        "of '*' links every stage); name sources explicitly or split the machine"
    ]
