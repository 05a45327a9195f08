"""Lifecycle stages: a declarative state machine over customer facts.

Theory of operation
-------------------
Rule 1: everything that moves a stage lives in this file, as data. A machine is a list
of :class:`Stage` values and a list of :class:`Transition` values; diagrams
(:meth:`StageMachine.to_mermaid`, :meth:`StageMachine.to_dot`) are drawn from those lists,
never written by hand. This module knows nothing of journeys or channels, so the engine's
``handle`` and ``tick`` apply the same rules.

Rule 2: evaluation is a pure function of (current stage, when it was entered, customer,
facts, now). From the current stage the machine takes the first enabled transition,
higher ``priority`` first, then declaration order; it repeats from the new stage until no
transition is enabled. Every change is a :class:`StageChanged` record saying which
transition fired and why, in the condition's own words.

Rule 3: a machine is checked as a whole when it is built, and every problem is reported
at once with its path: unknown or duplicate stages, stages nothing reaches, stages with
no way out that are not marked ``final``, transitions a higher-priority twin always
beats, and loops that can run at one instant (found by :mod:`journeykit._satisfy`). A
loop the static check cannot prove is still stopped at run time: a cascade that comes
back to a stage it left at the same instant raises :class:`DefinitionError`, never hangs.

>>> from journeykit.conditions import count
>>> machine = StageMachine(
...     initial="prospect",
...     stages=[Stage(name="prospect"), Stage(name="customer"), Stage(name="repeat", final=True)],
...     transitions=[
...         Transition(source="prospect", target="customer", when=count("order_placed") >= 1),
...         Transition(source="customer", target="repeat", when=count("order_placed") >= 2),
...     ],
... )
>>> print(machine.to_mermaid())
stateDiagram-v2
    [*] --> prospect
    prospect --> customer : orders #gt;= 1
    customer --> repeat : orders #gt;= 2
    repeat --> [*]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PrivateAttr, field_validator

from journeykit._base import Definition, FrozenModel, Items, frozen_mapping
from journeykit._errors import DefinitionError, Problem, UsageError
from journeykit.conditions import (
    AllOf,
    Condition,
    EvalContext,
    Evaluator,
    Verdict,
    can_hold_together,
    condition_problems,
)
from journeykit.facts import Facts
from journeykit.models import AwareDatetime, Customer

__all__ = [
    "Stage",
    "Transition",
    "StageMachine",
    "StageChanged",
    "TransitionCheck",
    "ANY",
    "START",
    "RENAMED",
]

ANY = "*"
"""A transition ``source`` meaning every stage except the target and final stages."""

START = "start"
"""The ``transition`` of the :class:`StageChanged` that places a new customer in the
initial stage."""

RENAMED = "renamed"
"""The ``transition`` of a :class:`StageChanged` that maps a retired stage name to its
replacement (see :attr:`StageMachine.renamed`)."""


def _check_name(value: str) -> str:
    if not value or not value.replace("_", "a").replace("-", "a").isalnum() or value == ANY:
        raise ValueError(
            f"must be a stage name of letters, digits, '_' or '-', such as 'first_time' "
            f"(got {value!r})"
        )
    return value


class Stage(Definition):
    """One lifecycle stage: a name, what it means for marketing, and whether it is final.

    A ``final`` stage has no way out on purpose (``churned``, say); any other stage with no
    outgoing transition is a definition error, because customers would be stuck there.
    """

    name: str
    description: str = ""
    final: bool = False

    _name = field_validator("name")(classmethod(lambda cls, v: _check_name(v)))


class Transition(Definition):
    """Move a customer from ``source`` to ``target`` when ``when`` holds.

    ``source`` is a stage name, a list of them, or ``"*"`` (every stage but the target
    and final stages). Higher ``priority`` is tried first; equal priorities go in
    declaration order. ``id`` names the transition in history and explanations; it
    defaults to ``"source->target"``.
    """

    source: str | Items[str]
    target: str
    when: Condition
    priority: int = 0
    id: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """``source`` as a tuple (``("*",)`` for any stage)."""
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

    @property
    def name(self) -> str:
        """The transition's id, or ``"source->target"`` when none was given."""
        if self.id is not None:
            return self.id
        return f"{'|'.join(self.sources)}->{self.target}"


class StageChanged(FrozenModel):
    """A customer moved from one lifecycle stage to another, and why.

    ``transition`` is the id of the transition that fired (or ``"renamed"`` when a retired
    stage name was mapped to its replacement); ``reason`` is its condition in words, so
    "why is this customer lapsed?" has an answer a marketer can read.
    """

    type: Literal["stage_changed"] = "stage_changed"
    from_stage: str | None
    to_stage: str
    at: AwareDatetime
    transition: str
    reason: str


class TransitionCheck(FrozenModel):
    """One outgoing transition considered by :meth:`StageMachine.explain`, and its outcome."""

    transition: str
    target: str
    priority: int
    enabled: bool
    condition: str


class StageMachine(Definition):
    """A lifecycle: stages, the transitions between them, and where customers start.

    Build it in Python or load it from JSON (:meth:`from_json`) or YAML (:meth:`from_yaml`);
    either way it is checked as a whole and raises :class:`DefinitionError` listing every
    problem with its path. ``renamed`` maps stage names a previous version used to the
    stages that replace them, so stored customer states keep working after a rename.

    >>> from journeykit.conditions import count
    >>> StageMachine(
    ...     initial="new",
    ...     stages=[Stage(name="new"), Stage(name="buyer")],
    ...     transitions=[Transition(source="new", target="byer", when=count("order_placed") >= 1)],
    ... )
    Traceback (most recent call last):
      ...
    journeykit.errors.DefinitionError: 4 problems in the definition:
      - transitions[0].target: unknown stage 'byer'; known stages: 'buyer', 'new'
      - stages[0]: stage 'new' has no way out; add a transition from it or mark it final=True
      - stages[1]: stage 'buyer' cannot be reached from the initial stage 'new'; add a transition into it or remove it
      - stages[1]: stage 'buyer' has no way out; add a transition from it or mark it final=True
    """

    initial: str
    stages: Items[Stage] = Field(min_length=1)
    transitions: Items[Transition] = ()
    renamed: Annotated[Mapping[str, str], AfterValidator(frozen_mapping)] = Field(
        default_factory=dict
    )
    max_cascade: int | None = Field(default=None, ge=1)
    """Most changes one evaluation may make (default: the number of stages)."""

    # compiled once; one private attribute, because pydantic's private lookups are slow
    _compiled: _Compiled | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        names = [s.name for s in self.stages]
        finals = {s.name for s in self.stages if s.final}
        table: dict[str, list[tuple[int, int, Transition]]] = {n: [] for n in names}
        for index, t in enumerate(self.transitions):
            for source in _expand(t, names, finals):
                if source in table:
                    table[source].append((-t.priority, index, t))
        compiled: dict[str, tuple[_Edge, ...]] = {}
        edges: dict[int, _Edge] = {}
        for name, entries in table.items():
            entries.sort(key=lambda e: (e[0], e[1]))
            compiled[name] = tuple(edges.setdefault(index, _Edge(t)) for _, index, t in entries)
        self._compiled = _Compiled(compiled, self.max_cascade or len(self.stages))

    # --- evaluation -----------------------------------------------------------------

    @property
    def stage_names(self) -> tuple[str, ...]:
        """Every stage name, in declaration order."""
        return tuple(s.name for s in self.stages)

    def stage(self, name: str) -> Stage:
        """The :class:`Stage` called ``name``; :class:`UsageError` if there is none."""
        for s in self.stages:
            if s.name == name:
                return s
        raise self._unknown(name)

    def conditions(self) -> list[Condition]:
        """Every transition condition, for building the facts spec the machine needs."""
        return [t.when for t in self.transitions]

    def resolve(self, stage: str | None) -> str:
        """The current name of ``stage``: itself, its ``renamed`` replacement, or the initial
        stage for ``None``. Raises :class:`UsageError` for a name this machine never knew."""
        if stage is None:
            return self.initial
        if stage in self._tables().table:
            return stage
        replacement = self.renamed.get(stage)
        if replacement is not None:
            return replacement
        raise self._unknown(stage)

    def evaluate(
        self,
        stage: str | None,
        entered_at: datetime | None,
        customer: Customer,
        facts: Facts,
        now: datetime,
        *,
        tz: str | None = None,
    ) -> tuple[StageChanged, ...]:
        """The stage changes due now, in order (usually none or one).

        ``stage`` is the customer's current stage (``None`` for a customer not placed
        yet: they are placed in ``initial`` with a ``"start"`` change, then evaluated),
        ``entered_at`` when they entered it. A stage renamed in this version of the
        machine first moves to its replacement with a ``"renamed"`` change.

        >>> from datetime import datetime, timezone
        >>> from journeykit.conditions import count
        >>> from journeykit.facts import FactsSpec
        >>> from journeykit.models import Customer, Event
        >>> machine = StageMachine(
        ...     initial="prospect",
        ...     stages=[Stage(name="prospect"), Stage(name="buyer", final=True)],
        ...     transitions=[
        ...         Transition(source="prospect", target="buyer", when=count("order_placed") >= 1),
        ...     ],
        ... )
        >>> now = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
        >>> ada = Customer(id="c1", created_at=now)
        >>> facts = FactsSpec().fold_all([Event(id="o1", customer_id="c1", type="order_placed", at=now)], now=now)
        >>> [(c.from_stage, c.to_stage, c.reason) for c in machine.evaluate("prospect", None, ada, facts, now)]
        [('prospect', 'buyer', 'orders >= 1')]
        """
        changes: list[StageChanged] = []
        compiled = self._tables()
        table = compiled.table
        current = stage if stage in table else self.resolve(stage)
        if stage is None:
            changes.append(
                StageChanged(
                    from_stage=None,
                    to_stage=current,
                    at=now,
                    transition=START,
                    reason=f"a new customer starts in {current!r}",
                )
            )
            entered_at = now
        elif current != stage:
            changes.append(
                StageChanged(
                    from_stage=stage,
                    to_stage=current,
                    at=now,
                    transition=RENAMED,
                    reason=f"stage {stage!r} was renamed to {current!r}",
                )
            )
            entered_at = now
        ctx = EvalContext(customer, facts, now, stage=current, stage_entered_at=entered_at, tz=tz)
        visited = [current]
        limit = compiled.limit
        while True:
            for edge in table[current]:
                if edge.fn(ctx):
                    break
            else:
                return tuple(changes)
            target = edge.target
            # (validating is faster than pydantic's model_construct for this small model)
            changes.append(
                StageChanged(
                    from_stage=current,
                    to_stage=target,
                    at=now,
                    transition=edge.name,
                    reason=edge.reason,
                )
            )
            if target in visited or len(changes) > limit:
                path = " -> ".join([*visited, target])
                raise DefinitionError(
                    [
                        Problem(
                            "transitions",
                            f"stages cycle at one instant for customer {customer.id!r}: {path}; "
                            "make the conditions of these transitions exclusive",
                        )
                    ]
                )
            visited.append(target)
            current = target
            ctx = ctx.at_stage(target, now)

    def explain(
        self,
        stage: str | None,
        entered_at: datetime | None,
        customer: Customer,
        facts: Facts,
        now: datetime,
        *,
        tz: str | None = None,
    ) -> tuple[TransitionCheck, ...]:
        """Every transition out of the current stage, in the order tried, with its outcome.

        Answers "why is (or isn't) this customer moving?" without moving them.
        """
        current = self.resolve(stage)
        ctx = EvalContext(customer, facts, now, stage=current, stage_entered_at=entered_at, tz=tz)
        return tuple(
            TransitionCheck(
                transition=t.name,
                target=t.target,
                priority=t.priority,
                enabled=fn(ctx),
                condition=str(t.when),
            )
            for t, fn in ((e.transition, e.fn) for e in self._tables().table[current])
        )

    # --- drawing --------------------------------------------------------------------

    def describe(self, stage: str | None = None) -> str:
        """The transitions (out of ``stage``, or all), one a line, in the order tried.

        >>> from journeykit.conditions import count
        >>> m = StageMachine(
        ...     initial="new",
        ...     stages=[Stage(name="new"), Stage(name="buyer", final=True)],
        ...     transitions=[Transition(source="new", target="buyer", when=count("order_placed") >= 1)],
        ... )
        >>> print(m.describe())
        new -> buyer: orders >= 1
        """
        names = self.stage_names if stage is None else (self.resolve(stage),)
        lines = []
        for name in names:
            for t in (e.transition for e in self._tables().table[name]):
                rank = f" [priority {t.priority}]" if t.priority else ""
                lines.append(f"{name} -> {t.target}{rank}: {t.when}")
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """A Mermaid ``stateDiagram-v2`` of the machine, labels in the conditions' words."""
        ids = {
            s.name: s.name
            if _MERMAID_ID.match(s.name) and s.name not in _MERMAID_WORDS
            else f"s{i}"
            for i, s in enumerate(self.stages)
        }
        lines = ["stateDiagram-v2"]
        # names Mermaid cannot take as ids (dashes, keywords) are declared under an alias
        lines.extend(
            f'    state "{_mermaid_text(name)}" as {alias}'
            for name, alias in ids.items()
            if name != alias
        )
        lines.append(f"    [*] --> {ids[self.initial]}")
        for s in self.stages:
            if s.description:
                lines.append(f"    {ids[s.name]} : {_mermaid_text(s.description)}")
        for t, source in self._edges():
            lines.append(f"    {ids[source]} --> {ids[t.target]} : {_mermaid_text(str(t.when))}")
        lines.extend(f"    {ids[s.name]} --> [*]" for s in self.stages if s.final)
        return "\n".join(lines)

    def to_dot(self) -> str:
        """A Graphviz DOT digraph of the machine, labels in the conditions' words."""
        lines = [
            "digraph lifecycle {",
            "    rankdir=LR;",
            '    node [shape=box, style=rounded, fontname="Helvetica"];',
            '    edge [fontname="Helvetica", fontsize=10];',
            '    "__start__" [shape=point, label=""];',
            f'    "__start__" -> {_dot_id(self.initial)};',
        ]
        for s in self.stages:
            attrs = [f"label={_dot_string(s.name)}"]
            if s.description:
                attrs.append(f"tooltip={_dot_string(s.description)}")
            if s.final:
                attrs.append("peripheries=2")
            lines.append(f"    {_dot_id(s.name)} [{', '.join(attrs)}];")
        for t, source in self._edges():
            label = str(t.when) if t.priority == 0 else f"[{t.priority}] {t.when}"
            lines.append(
                f"    {_dot_id(source)} -> {_dot_id(t.target)} [label={_dot_string(label)}];"
            )
        lines.append("}")
        return "\n".join(lines)

    def _edges(self) -> Iterator[tuple[Transition, str]]:
        names = self.stage_names
        finals = {s.name for s in self.stages if s.final}
        for t in self.transitions:
            for source in _expand(t, names, finals):
                yield t, source

    def _tables(self) -> _Compiled:
        # read the private slot directly: pydantic's __getattr__ for private attributes
        # costs more than the rest of a typical evaluation
        compiled: _Compiled | None = self.__pydantic_private__["_compiled"]  # type: ignore[index]  # always a dict once constructed
        assert compiled is not None  # set by model_post_init on every construction path
        return compiled

    def _unknown(self, name: str) -> UsageError:
        known = ", ".join(repr(n) for n in self.stage_names)
        return UsageError(
            f"stage {name!r} is not in this machine (stages: {known}); if a new version "
            f"retired it, map it to its replacement with StageMachine(renamed={{{name!r}: "
            "'new_stage'}, ...)"
        )

    # --- validation -----------------------------------------------------------------

    def problems(self, path: str = "") -> list[Problem]:
        """Every problem with this machine, each with its path (empty when it is sound)."""
        at = f"{path}." if path else ""
        problems: list[Problem] = []
        names = [s.name for s in self.stages]
        known = set(names)
        listing = ", ".join(repr(n) for n in sorted(known))
        seen: dict[str, int] = {}
        for i, s in enumerate(self.stages):
            if s.name in seen:
                problems.append(
                    Problem(
                        f"{at}stages[{i}].name",
                        f"duplicate stage {s.name!r} (first at stages[{seen[s.name]}])",
                    )
                )
            seen.setdefault(s.name, i)
        if self.initial not in known:
            problems.append(
                Problem(f"{at}initial", f"unknown stage {self.initial!r}; known stages: {listing}")
            )
        for i, t in enumerate(self.transitions):
            where = f"{at}transitions[{i}]"
            for src in t.sources:
                if src != ANY and src not in known:
                    problems.append(
                        Problem(
                            f"{where}.source", f"unknown stage {src!r}; known stages: {listing}"
                        )
                    )
            if t.target not in known:
                problems.append(
                    Problem(
                        f"{where}.target", f"unknown stage {t.target!r}; known stages: {listing}"
                    )
                )
            if t.target in t.sources:
                problems.append(
                    Problem(
                        where,
                        f"transition from {t.target!r} to itself; a stage cannot move to itself",
                    )
                )
            problems.extend(condition_problems(t.when, f"{where}.when"))
        for old, new in self.renamed.items():
            if old in known:
                problems.append(
                    Problem(
                        f"{at}renamed.{old}",
                        f"{old!r} is a current stage and cannot also be renamed",
                    )
                )
            if new not in known:
                problems.append(
                    Problem(f"{at}renamed.{old}", f"unknown stage {new!r}; known stages: {listing}")
                )
        if self.initial in known:
            problems.extend(self._graph_problems(at))
        return problems

    def _graph_problems(self, at: str) -> Iterator[Problem]:
        names = self.stage_names
        finals = {s.name for s in self.stages if s.final}
        outgoing: dict[str, list[tuple[int, Transition]]] = {n: [] for n in names}
        for index, t in enumerate(self.transitions):
            if t.target not in outgoing:
                continue  # reported as an unknown stage
            for source in _expand(t, names, finals):
                if source in outgoing and source != t.target:
                    outgoing[source].append((index, t))
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            stage = frontier.pop()
            for _, t in outgoing[stage]:
                if t.target not in reachable:
                    reachable.add(t.target)
                    frontier.append(t.target)
        for i, s in enumerate(self.stages):
            if s.name not in reachable:
                yield Problem(
                    f"{at}stages[{i}]",
                    f"stage {s.name!r} cannot be reached from the initial stage {self.initial!r}; "
                    "add a transition into it or remove it",
                )
            if s.final and outgoing[s.name]:
                first = outgoing[s.name][0][0]
                yield Problem(
                    f"{at}transitions[{first}]",
                    f"stage {s.name!r} is final but has a transition out; drop final=True or the transition",
                )
            if not s.final and not outgoing[s.name]:
                yield Problem(
                    f"{at}stages[{i}]",
                    f"stage {s.name!r} has no way out; add a transition from it or mark it final=True",
                )
        yield from self._shadowed(at, outgoing)
        yield from self._cycles(at, outgoing)

    def _shadowed(
        self, at: str, outgoing: Mapping[str, list[tuple[int, Transition]]]
    ) -> Iterator[Problem]:
        reported: set[int] = set()
        for source, entries in outgoing.items():
            ordered = sorted(entries, key=lambda e: (-e[1].priority, e[0]))
            for k, (index, t) in enumerate(ordered):
                for earlier_index, earlier in ordered[:k]:
                    if index not in reported and (earlier.when == t.when or _always(earlier.when)):
                        reported.add(index)
                        yield Problem(
                            f"{at}transitions[{index}]",
                            f"can never fire from {source!r}: transitions[{earlier_index}] "
                            f"({earlier.name}) is tried first with "
                            + (
                                "a condition that always holds"
                                if _always(earlier.when)
                                else "the same condition"
                            ),
                        )

    def _cycles(
        self, at: str, outgoing: Mapping[str, list[tuple[int, Transition]]]
    ) -> Iterator[Problem]:
        """Loops whose conditions can all hold at one instant, found by depth-first search.

        Paths whose conditions already exclude each other are not followed, which keeps real
        machines cheap; a budget of _PATH_BUDGET (5,000) steps bounds pathological ones (densely
        connected machines with compatible conditions), past which loops are left to the
        run-time guard in :meth:`evaluate`.
        """
        found: list[list[tuple[int, Transition, str]]] = []
        seen_loops: set[frozenset[int]] = set()
        budget = [_PATH_BUDGET]

        def walk(start: str, stage: str, path: list[tuple[int, Transition, str]]) -> None:
            budget[0] -= 1
            if budget[0] < 0:
                return
            for index, t in outgoing[stage]:
                step = (index, t, stage)
                if t.target == start:
                    loop = [*path, step]
                    key = frozenset(i for i, _, _ in loop)
                    if (
                        key not in seen_loops
                        and can_hold_together((tr.when, src) for _, tr, src in loop)
                        is not Verdict.CANNOT_HOLD
                    ):
                        seen_loops.add(key)
                        found.append(loop)
                elif (
                    # only loops whose smallest stage name is `start`, so each is found once
                    t.target > start
                    and all(t.target != src for _, _, src in path)
                    and can_hold_together((tr.when, src) for _, tr, src in [*path, step])
                    is not Verdict.CANNOT_HOLD
                ):
                    walk(start, t.target, [*path, step])

        for name in sorted(outgoing):
            walk(name, name, [])
        for loop in found:
            stages = " -> ".join([*(src for _, _, src in loop), loop[0][2]])
            first = min(i for i, _, _ in loop)
            yield Problem(
                f"{at}transitions[{first}]",
                f"stages can cycle at one instant: {stages}; the conditions "
                + "; ".join(f"({tr.when})" for _, tr, _ in loop)
                + " can all hold together. Make one of them exclude another on the same "
                "quantity (e.g. since(x) > '90d' against since(x) <= '90d')",
            )


_PATH_BUDGET = 5_000


class _Compiled:
    """What evaluation reads: per stage, its outgoing edges in the order they are tried."""

    __slots__ = ("limit", "table")

    def __init__(self, table: dict[str, tuple[_Edge, ...]], limit: int) -> None:
        self.table = table
        self.limit = limit


class _Edge:
    """A transition compiled for evaluation: its condition as a closure, its words cached."""

    __slots__ = ("fn", "name", "reason", "target", "transition")

    def __init__(self, transition: Transition) -> None:
        self.transition = transition
        self.fn = _safe_compile(transition)
        self.target = transition.target
        self.name = transition.name
        self.reason = str(transition.when)


def _expand(t: Transition, names: Sequence[str], finals: set[str]) -> Iterator[str]:
    for source in t.sources:
        if source == ANY:
            yield from (n for n in names if n != t.target and n not in finals)
        else:
            yield source


def _always(cond: Condition) -> bool:
    return isinstance(cond, AllOf) and not cond.conditions


def _safe_compile(t: Transition) -> Evaluator:
    try:
        return t.when.compile()
    except UsageError as err:  # prop() outside where: reported by problems()
        message = str(err)

        def refuse(ctx: EvalContext) -> bool:
            raise UsageError(message)

        return refuse


_MERMAID_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MERMAID_WORDS = frozenset(
    {"state", "note", "class", "classDef", "style", "default", "click", "direction", "end", "as"}
    | {"accTitle", "accDescr", "linkStyle", "left", "right", "of", "over"}
)
# checked against mermaid 11's parser and renderer: ';' splits a line, '{' '}' can open a
# directive, '<' '>' would reach the HTML label; '#' only needs escaping where it would
# read as an entity code itself. ':' and '"' are fine after the label's ' : '.
_MERMAID_CODES = {"<": "#lt;", ">": "#gt;", ";": "#59;", "{": "#123;", "}": "#125;", "\n": " "}
_MERMAID_SPECIAL = re.compile(r"#(?=\w+;)|[<>;{}\n]")


def _mermaid_text(text: str, *, quoted: bool = False) -> str:
    """Mermaid labels run to the end of the line; escape what its parser treats specially."""
    text = _MERMAID_SPECIAL.sub(lambda m: _MERMAID_CODES.get(m.group(0), "#35;"), text)
    return text.replace('"', "#quot;") if quoted else text


def _dot_id(name: str) -> str:
    return json.dumps(name)


def _dot_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
