"""What it costs to build (load and check) a stage machine, against its size and shape.

A CRM loads definitions its users wrote, in a shared worker: the check must answer in
bounded time whatever the definition, either accepting it, or refusing it with its
problems, "too complex to check" included. Each row loads one definition from JSON
(``StageMachine.from_json``) and prints its size, the time, the outcome, and the time
against a baseline run in the same process: validating the same stages and transitions
field by field (pydantic alone, no whole-machine checks).

Shapes, from the ones lifecycles have to the ones an attacker would send:

- ``chain``: stage i -> i+1 (no loops: one pass);
- ``ring``: a chain closed into one loop (found, reported);
- ``ladder``: a ring on one quantity whose closing step excludes the others (no loop;
  every path shares the quantity);
- ``router``: every stage -> every other by ``source="*"``, routes exclusive (no loop);
- ``router, open``: the same with routes that do not exclude each other (loops);
- ``random``: 10 transitions a stage on distinct events, one giant component (loops);
- ``dag``: 10 transitions a stage, forward only (no loops);
- ``funnel``: 33 stages, 158 transitions, one two-stage loop hidden in it;
- ``dense``: every stage -> every other, compatible conditions (millions of loops);
- ``tangle``: two dense regions whose every loop excludes itself, but only as a whole
  path (each step has a compatible next one): 2^k paths, so the search refuses;
- ``wide lists``: 40 stages in a ring whose conditions hold 1,000-item lists;
- the ready-made lifecycle.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from journeykit.conditions import attr, count
from journeykit.errors import DefinitionError
from journeykit.presets import lifecycle
from journeykit.stages import Stage, StageMachine, Transition

Data = dict[str, Any]
_PARTS: TypeAdapter[tuple[list[Stage], list[Transition]]] = TypeAdapter(
    tuple[list[Stage], list[Transition]]
)


def _machine(
    names: list[str], transitions: list[dict[str, Any]], final: set[str] | None = None
) -> Data:
    return {
        "initial": names[0],
        "stages": [{"name": n, "final": n in (final or set())} for n in names],
        "transitions": transitions,
    }


def _edge(source: str, target: str, when: Any) -> dict[str, Any]:
    return {"source": source, "target": target, "when": when.model_dump(mode="json")}


def chain(n: int) -> Data:
    names = [f"s{i}" for i in range(n)]
    steps = [_edge(names[i], names[i + 1], count("order_placed") >= i) for i in range(n - 1)]
    return _machine(names, steps, {names[-1]})


def ring(n: int) -> Data:
    names = [f"s{i}" for i in range(n)]
    return _machine(
        names, [_edge(names[i], names[(i + 1) % n], count(f"e{i}") >= 1) for i in range(n)]
    )


def ladder(n: int) -> Data:
    names = [f"s{i}" for i in range(n)]
    steps = [_edge(names[i], names[i + 1], count("x") >= i + 1) for i in range(n - 1)]
    steps.append(_edge(names[-1], names[0], count("x") < 1))
    return _machine(names, steps)


def router(n: int, *, exclusive: bool = True) -> Data:
    names = [f"s{i}" for i in range(n)]
    steps = [
        {
            "source": "*",
            "target": name,
            "when": (
                (attr("route") == name) if exclusive else (count(f"route_{name}") >= 1)
            ).model_dump(mode="json"),
        }
        for name in names
    ]
    return _machine(names, steps)


def random_graph(n: int, per_stage: int, *, forward: bool = False) -> Data:
    rnd = random.Random(n)
    names = [f"s{i}" for i in range(n)]
    steps = [_edge(names[i], names[i + 1], count(f"e{i}") >= 1) for i in range(n - 1)]
    while len(steps) < n * per_stage:
        a, b = rnd.randrange(n), rnd.randrange(n)
        if forward:
            a, b = min(a, b), max(a, b)
        if a != b:
            steps.append(_edge(names[a], names[b], count(f"e{len(steps)}") >= 1))
    if not forward:
        steps.append(_edge(names[-1], names[0], count("back") >= 1))
    return _machine(names, steps, {names[-1]} if forward else None)


def funnel() -> Data:
    names = [f"s{i:02}" for i in range(33)]
    pairs = [(i, j) for i in range(32) for j in range(i + 1, min(33, i + 6))]
    pairs += [(0, j) for j in range(6, 13)]
    steps = [
        _edge(
            names[i],
            names[j],
            count("order_placed") >= 1 if (i, j) == (20, 21) else count(f"e{i}_{j}") >= 1,
        )
        for i, j in pairs
    ]
    steps.append(_edge("s21", "s20", count("order_placed") >= 1))
    return _machine(names, steps, {names[-1]})


def dense(n: int) -> Data:
    names = [f"s{i}" for i in range(n)]
    pairs = [(a, b) for a in names for b in names if a != b]
    return _machine(names, [_edge(a, b, count(f"e{k}") >= 1) for k, (a, b) in enumerate(pairs)])


def tangle(k: int) -> Data:
    # s0 leads into two dense forward-only regions, on x >= 1 into A and y >= 1 into B;
    # every stage of A returns to s0 on x < 1 and every stage of B on y < 1. Each
    # transition has a compatible next one, yet every loop excludes itself: only whole
    # paths show it, and there are 2^k of them.
    regions = {"a": count("x") >= 1, "b": count("y") >= 1}
    back = {"a": count("x") < 1, "b": count("y") < 1}
    names = ["s0"] + [f"{r}{i}" for r in regions for i in range(k)]
    steps = [_edge("s0", f"{r}0", regions[r]) for r in regions]
    for r in regions:
        for i in range(k):
            steps.extend(
                _edge(f"{r}{i}", f"{r}{j}", count(f"e{r}{i}_{j}") >= 1) for j in range(i + 1, k)
            )
            steps.append(_edge(f"{r}{i}", "s0", back[r]))
    return _machine(names, steps)


def wide_lists() -> Data:
    names = [f"s{i}" for i in range(40)]
    big = list(range(1000))
    return _machine(
        names, [_edge(names[i], names[(i + 1) % 40], attr(f"a{i}").is_in(big)) for i in range(40)]
    )


def preset() -> Data:
    data: Data = json.loads(lifecycle().model_dump_json())
    return data


SHAPES: list[tuple[str, Callable[[], Data]]] = [
    ("lifecycle preset", preset),
    ("chain 200", lambda: chain(200)),
    ("chain 1,000", lambda: chain(1000)),
    ("chain 2,000", lambda: chain(2000)),
    ("ring 1,000", lambda: ring(1000)),
    ("ladder 300", lambda: ladder(300)),
    ("router 100", lambda: router(100)),
    ("router 200", lambda: router(200)),
    ("router 300", lambda: router(300)),
    ("router 1,000", lambda: router(1000)),
    ("router, open, 100", lambda: router(100, exclusive=False)),
    ("funnel 33 x 158", funnel),
    ("random 1,000 x 10,000", lambda: random_graph(1000, 10)),
    ("dag 1,000 x 10,000", lambda: random_graph(1000, 10, forward=True)),
    ("dense 12", lambda: dense(12)),
    ("tangle 2 x 12", lambda: tangle(12)),
    ("tangle 2 x 30", lambda: tangle(30)),
    ("wide lists 40 x 1,000", wide_lists),
]


def _outcome(text: str) -> str:
    try:
        StageMachine.from_json(text)
    except DefinitionError as err:
        kinds = {
            "too complex"
            if "too complex" in p.message
            else "loop"
            if "cycle" in p.message
            else "other"
            for p in err.problems
        }
        size = len(str(err))
        return f"refused: {len(err.problems)} problems ({', '.join(sorted(kinds))}; {size:,} chars)"
    return "accepted"


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    print("\nBuilding a machine from JSON, by shape and size (best of 3)")
    print(
        f"  {'shape':<24} {'stages':>7} {'trans.':>7} {'KB':>7} {'seconds':>8}"
        f" {'x fields':>9}  outcome"
    )
    for name, make in SHAPES:
        data = make()
        text = json.dumps(data)
        outcome = _outcome(text)

        def load(t: str = text) -> object:
            try:
                return StageMachine.from_json(t)
            except DefinitionError as err:
                return err

        def fields(d: Data = data) -> object:
            return _PARTS.validate_python((d["stages"], d["transitions"]))

        seconds = _best(load, 3)
        base = _best(fields, 3)
        print(
            f"  {name:<24} {len(data['stages']):>7,} {len(data['transitions']):>7,}"
            f" {len(text) / 1000:>7.1f} {seconds:>8.3f} {seconds / base:>8.1f}x  {outcome}"
        )
    print(
        "  (x fields: against validating the same stages and transitions field by field,\n"
        "   in the same process; the rest is the whole-machine check)"
    )


if __name__ == "__main__":
    main()
