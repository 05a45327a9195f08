"""The whole-machine checks behind :meth:`journeykit.stages.StageMachine.problems`.

Each check reports every problem it finds, with its path, and quotes user text only up
to a bounded length, so a large or hostile definition gets a message proportional to
its mistakes, not to its size. The order of problems is stable: names first (duplicate
stages, the initial stage, each transition in order, renamed stages), then the graph
(reachability and ways out, stage by stage), then transitions that can never fire, then
loops.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from journeykit._errors import Problem, quote
from journeykit._stages.graph import ANY, MAX_EDGES, Layout, StageLike, TransitionLike
from journeykit._stages.loops import find_loops, loop_problems
from journeykit.conditions import AllOf, Condition, condition_problems
from journeykit.events import STANDARD_EVENT_TYPES

__all__ = ["machine_problems", "named", "known_listing"]

_LISTED = 10  # known stage names listed in an "unknown stage" message


def named(name: str) -> str:
    """A user-given name quoted for a message (bounded)."""
    return repr(quote(name, 80))


def known_listing(names: Sequence[str]) -> str:
    """``'a', 'b', 'c'`` (sorted), cut after a few names with how many there are.

    >>> known_listing(["new", "buyer"])
    "'buyer', 'new'"
    >>> known_listing([f"s{i:02}" for i in range(30)])
    "'s00', 's01', 's02', 's03', 's04', 's05', 's06', 's07', 's08', 's09', … (30 stages)"
    """
    ordered = sorted(set(names))
    shown = ", ".join(named(n) for n in ordered[:_LISTED])
    return shown if len(ordered) <= _LISTED else f"{shown}, … ({len(ordered)} stages)"


def transition_condition_problems(
    cond: Condition, path: str, known_events: Collection[str], known_stages: Collection[str]
) -> list[Problem]:
    """Problems in one transition's condition: the one place transition conditions are
    checked (the stage machine passes every ``when`` through here): event types neither
    standard nor declared, stage names the machine lacks, ``prop()`` outside ``where=``."""
    return condition_problems(cond, path, known_events=known_events, known_stages=known_stages)


def machine_problems(
    at: str,
    initial: str,
    stages: Sequence[StageLike],
    transitions: Sequence[TransitionLike],
    renamed: Mapping[str, str],
    layout: Layout,
    events: Collection[str] = (),
) -> list[Problem]:
    """Every problem with a machine, each with its path below ``at`` (``"x."`` or ``""``).

    ``events`` are the event types the host sends beyond the standard ones."""
    names = [s.name for s in stages]
    known = set(names)
    problems = list(_name_problems(at, initial, names, known))
    known_events = STANDARD_EVENT_TYPES | set(events)
    problems.extend(_transition_problems(at, transitions, known, layout, known_events))
    listing = ""  # built on the first unknown name: most machines have none
    for old, new in renamed.items():
        if old in known:
            problems.append(
                Problem(
                    f"{at}renamed.{quote(old, 80)}",
                    f"{named(old)} is a current stage and cannot also be renamed",
                )
            )
        if new not in known:
            listing = listing or known_listing(names)
            problems.append(
                Problem(
                    f"{at}renamed.{quote(old, 80)}",
                    f"unknown stage {named(new)}; known stages: {listing}",
                )
            )
    if layout.too_large:
        problems.append(
            Problem(
                f"{at}transitions",
                f"too complex to check: the transitions link more than {MAX_EDGES:,} pairs "
                "of stages (a source of '*' links every stage); name sources explicitly or "
                "split the machine",
            )
        )
    elif initial in known:
        problems.extend(_graph_problems(at, initial, stages, transitions, layout.outgoing))
        problems.extend(_shadowed(at, transitions, layout.outgoing))
        search = find_loops(names, transitions, layout.outgoing)
        problems.extend(loop_problems(at, transitions, search))
    return problems


def _name_problems(
    at: str, initial: str, names: Sequence[str], known: set[str]
) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            yield Problem(
                f"{at}stages[{i}].name",
                f"duplicate stage {named(name)} (first at stages[{seen[name]}])",
            )
        seen.setdefault(name, i)
    if initial not in known:
        yield Problem(
            f"{at}initial", f"unknown stage {named(initial)}; known stages: {known_listing(names)}"
        )


def _transition_problems(
    at: str,
    transitions: Sequence[TransitionLike],
    known: set[str],
    layout: Layout,
    known_events: Collection[str],
) -> Iterator[Problem]:
    listing = ""  # built on the first unknown name: most machines have none
    ids: dict[str, int] = {}
    for i, t in enumerate(transitions):
        where = f"{at}transitions[{i}]"
        sources = t.sources
        if not sources:
            yield Problem(
                f"{where}.source",
                "names no stage, so the transition can never fire; name a stage, several, "
                "or '*' for every stage",
            )
        unknown = [s for s in dict.fromkeys(sources) if s != ANY and s not in known]
        if unknown or t.target not in known:
            listing = listing or known_listing(list(known))
        for source in unknown:
            yield Problem(
                f"{where}.source", f"unknown stage {named(source)}; known stages: {listing}"
            )
        if t.target not in known:
            yield Problem(
                f"{where}.target", f"unknown stage {named(t.target)}; known stages: {listing}"
            )
        if t.target in sources:
            yield Problem(
                where,
                f"transition from {named(t.target)} to itself; a stage cannot move to itself",
            )
        elif (
            sources
            and not unknown
            and t.target in known
            and not layout.too_large
            and not layout.sources[i]
        ):
            yield Problem(
                f"{where}.source",
                "'*' matches no stage here (every other stage is final), so the transition "
                "can never fire",
            )
        if t.id is not None:
            if t.id in ids:
                yield Problem(
                    f"{where}.id",
                    f"duplicate transition id {named(t.id)} (first at transitions[{ids[t.id]}]);"
                    " stage history names transitions by id, so each must be unique",
                )
            ids.setdefault(t.id, i)
        yield from transition_condition_problems(t.when, f"{where}.when", known_events, known)


def _graph_problems(
    at: str,
    initial: str,
    stages: Sequence[StageLike],
    transitions: Sequence[TransitionLike],
    outgoing: Mapping[str, tuple[int, ...]],
) -> Iterator[Problem]:
    """Stages nothing reaches, final stages with a way out, other stages without one."""
    reachable = {initial}
    frontier = [initial]
    while frontier:
        for index in outgoing[frontier.pop()]:
            target = transitions[index].target
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    for i, s in enumerate(stages):
        out = outgoing[s.name]
        if s.name not in reachable:
            yield Problem(
                f"{at}stages[{i}]",
                f"stage {named(s.name)} cannot be reached from the initial stage "
                f"{named(initial)}; add a transition into it or remove it",
            )
        if s.final and out:
            yield Problem(
                f"{at}transitions[{min(out)}]",
                f"stage {named(s.name)} is final but has a transition out; drop final=True or "
                "the transition",
            )
        if not s.final and not out:
            yield Problem(
                f"{at}stages[{i}]",
                f"stage {named(s.name)} has no way out; add a transition from it or mark it "
                "final=True",
            )


def _shadowed(
    at: str, transitions: Sequence[TransitionLike], outgoing: Mapping[str, tuple[int, ...]]
) -> Iterator[Problem]:
    """Transitions that a transition tried earlier from the same stage always beats: it
    has the same condition, or one that always holds. Each is reported once."""
    keys = [_Same(t.when) for t in transitions]
    reported: set[int] = set()
    for source, indexes in outgoing.items():
        first_seen: dict[_Same, tuple[int, int]] = {}  # condition -> (position, index)
        always: tuple[int, int] | None = None  # the first tried that always holds
        for position, index in enumerate(indexes):
            key = keys[index]
            same = first_seen.get(key)
            if index not in reported and (always is not None or same is not None):
                if always is not None and (same is None or always[0] <= same[0]):
                    earlier, reason = always[1], "a condition that always holds"
                else:
                    assert same is not None  # one of the two is set
                    earlier, reason = same[1], "the same condition"
                reported.add(index)
                yield Problem(
                    f"{at}transitions[{index}]",
                    f"can never fire from {named(source)}: transitions[{earlier}] "
                    f"({quote(transitions[earlier].name, 80)}) is tried first with {reason}",
                )
            first_seen.setdefault(key, (position, index))
            if always is None and _always(transitions[index].when):
                always = (position, index)


class _Same:
    """A condition as a dict key: equal when the conditions are, hashed once."""

    __slots__ = ("cond", "hash")

    def __init__(self, cond: Condition) -> None:
        self.cond = cond
        self.hash = hash(cond)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and self.cond == other.cond


def _always(cond: Condition) -> bool:
    return isinstance(cond, AllOf) and not cond.conditions
