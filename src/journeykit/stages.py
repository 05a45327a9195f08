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
at once with its path: unknown or duplicate stages and transition ids, stages nothing
reaches, stages with no way out that are not marked ``final``, transitions that can never
fire, and loops that can run at one instant (:mod:`journeykit._stages.loops`). The loop
check's "no loop" is certain; a machine too large or too tangled to check within a
bounded amount of work is refused as too complex, never accepted unchecked. A bounce the
static check cannot see (one that needs time in a stage) is stopped at run time: a
cascade that comes back to a stage it left at the same instant raises
:class:`DefinitionError`, never hangs.

The private package :mod:`journeykit._stages` holds the checks, the loop search and the
diagrams; this module holds the models and evaluation.

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

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, overload

from pydantic import AfterValidator, Field, StringConstraints

from journeykit._base import Definition, FrozenModel, Items, assemble, frozen_mapping
from journeykit._errors import DefinitionError, Problem, UsageError
from journeykit._stages import calls, diagrams
from journeykit._stages.checks import known_listing, machine_problems, named
from journeykit._stages.compiled import Compiled
from journeykit._stages.graph import ANY, Layout
from journeykit.conditions import Condition, ConditionCheck, EvalContext, explain
from journeykit.facts import Facts
from journeykit.models import MAX_ID_LENGTH, AwareDatetime, Customer, EventType, Identifier

__all__ = [
    "Stage",
    "Transition",
    "StageMachine",
    "StageChanged",
    "TransitionCheck",
    "StageName",
    "ANY",
    "START",
    "RENAMED",
]

START = "start"
"""The ``transition`` of the :class:`StageChanged` that places a new customer in the
initial stage."""

# the call forms' markers, bound here: evaluate reads them on every call
_UNSET = calls.UNSET
_NOTHING = calls.NOTHING

RENAMED = "renamed"
"""The ``transition`` of a :class:`StageChanged` that maps a retired stage name to its
replacement (see :attr:`StageMachine.renamed`)."""


def _check_name(value: str) -> str:
    if not value or not value.replace("_", "a").replace("-", "a").isalnum():
        raise ValueError(
            "must be a stage name of letters, digits, '_' or '-', such as 'first_time' "
            f"(got {named(value)})"
        )
    return value


def _check_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "must be valid Unicode text (it holds a lone surrogate, which JSON cannot store)"
        ) from None
    return value


Text = Annotated[str, AfterValidator(_check_text)]
"""Free text in a definition: any Unicode text that JSON can store."""

StageName = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH), AfterValidator(_check_name)]
"""A stage name: letters, digits, ``_`` and ``-``, at most
:data:`~journeykit.models.MAX_ID_LENGTH` characters (no spaces, dots or ``*``)."""


class Stage(Definition):
    """One lifecycle stage: a name, what it means for marketing, and whether it is final.

    A ``final`` stage has no way out on purpose (``churned``, say); any other stage with no
    outgoing transition is a definition error, because customers would be stuck there.
    """

    name: StageName
    description: Text = ""
    final: bool = False


class Transition(Definition):
    """Move a customer from ``source`` to ``target`` when ``when`` holds.

    ``source`` is a stage name, a list of them, or ``"*"`` (every stage but the target
    and final stages). Higher ``priority`` is tried first; equal priorities go in
    declaration order. ``id`` names the transition in history and explanations (unique
    within a machine); it defaults to ``"source->target"``.
    """

    source: str | Items[str]
    target: str
    when: Condition
    priority: int = 0
    id: Annotated[Identifier, AfterValidator(_check_text)] | None = None

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


# the fields a change the machine builds is given (as StageChanged(...) would have it)
_CHANGE_GIVEN = frozenset({"from_stage", "to_stage", "at", "transition", "reason"})


class TransitionCheck(FrozenModel):
    """One outgoing transition considered by :meth:`StageMachine.explain`, and its outcome.

    ``check`` shows the values behind it, part by part (``orders in the last 365 days =
    3``), and which side of an ``or`` held.
    """

    transition: str
    target: str
    priority: int
    enabled: bool
    condition: str
    check: ConditionCheck


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

    # what evaluation reads, built once per machine (after the checks pass, or on first
    # use by a machine that arrived another way: nested in a larger definition, unpickled)
    __slots__ = ("_compiled",)
    if TYPE_CHECKING:
        _compiled: Compiled

    initial: str
    stages: Items[Stage] = Field(min_length=1)
    transitions: Items[Transition] = ()
    renamed: Annotated[Mapping[str, str], AfterValidator(frozen_mapping)] = Field(
        default_factory=dict
    )
    max_cascade: int | None = Field(default=None, ge=1)
    """Most changes one evaluation may make (default: the number of stages)."""
    events: Items[EventType] = ()
    """Event types the host sends beyond journeykit's standard ones (see
    :mod:`journeykit.events`); a condition naming any other type is a problem, with a
    "did you mean"."""

    def _after_validation(self) -> None:
        layout = self._layout()
        problems = self._problems("", layout)
        if problems:
            raise DefinitionError(problems)
        object.__setattr__(self, "_compiled", Compiled(self.transitions, layout, self._limit()))

    def _tables(self) -> Compiled:
        try:
            return self._compiled
        except AttributeError:
            compiled = Compiled(self.transitions, self._layout(), self._limit())
            object.__setattr__(self, "_compiled", compiled)
            return compiled

    def _limit(self) -> int:
        return self.max_cascade or len(self.stages)

    def _layout(self) -> Layout:
        finals = {s.name for s in self.stages if s.final}
        return Layout(self.stage_names, finals, self.transitions)

    # --- names ----------------------------------------------------------------------

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

    def outgoing(self, stage: str) -> tuple[Transition, ...]:
        """The transitions out of ``stage``, in the order they are tried."""
        indexes = self._tables().layout.outgoing[self.resolve(stage)]
        return tuple(self.transitions[i] for i in indexes)

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

    def _unknown(self, name: str) -> UsageError:
        return UsageError(
            f"stage {named(name)} is not in this machine (stages: "
            f"{known_listing(self.stage_names)}); if a new version retired it, map it to its "
            f"replacement with StageMachine(renamed={{{named(name)}: 'new_stage'}}, ...)"
        )

    # --- evaluation -----------------------------------------------------------------

    @overload
    def evaluate(self, context: EvalContext, /) -> tuple[StageChanged, ...]: ...

    @overload
    def evaluate(
        self,
        customer: Customer,
        facts: Facts,
        now: datetime,
        /,
        *,
        stage: str | None,
        entered_at: datetime | None = None,
        tz: str | None = None,
    ) -> tuple[StageChanged, ...]: ...

    @overload
    def evaluate(
        self,
        stage: str | None,
        entered_at: datetime | None,
        customer: Customer,
        facts: Facts,
        now: datetime,
        /,
        *,
        tz: str | None = None,
    ) -> tuple[StageChanged, ...]: ...

    def evaluate(
        self,
        first: Any,
        facts: Any = calls.NOTHING,
        now: Any = calls.NOTHING,
        /,
        *rest: Any,
        stage: str | None = calls.UNSET,
        entered_at: datetime | None = None,
        tz: str | None = None,
    ) -> tuple[StageChanged, ...]:
        """The stage changes due now, in order (usually none or one).

        Call it as ``evaluate(customer, facts, now, stage=..., entered_at=...)``:
        ``stage`` is the customer's current stage (``None`` for a customer not placed yet:
        they are placed in ``initial`` with a ``"start"`` change, then evaluated),
        ``entered_at`` when they entered it. A stage renamed in this version of the
        machine first moves to its replacement with a ``"renamed"`` change.

        Or pass an :class:`~journeykit.conditions.EvalContext` built once for several
        evaluations at one instant (the engine evaluates stage and journey conditions
        against the same facts and ``now``): ``evaluate(context)`` reads the stage and
        its entry time from ``context.stage`` and ``context.stage_entered_at`` and leaves
        the context as it was.

        ``facts`` must keep what the machine's conditions read (fold events with
        ``journeykit.conditions.facts_spec(...)`` over every condition the host evaluates,
        ``machine.conditions()`` included); facts from a smaller spec are refused with a
        :class:`UsageError` before anything is evaluated.

        The earlier form ``evaluate(stage, entered_at, customer, facts, now)`` still works
        and warns (``DeprecationWarning``).

        >>> from datetime import datetime, timezone
        >>> from journeykit.conditions import count
        >>> from journeykit.conditions import facts_spec
        >>> from journeykit.models import Event
        >>> machine = StageMachine(
        ...     initial="prospect",
        ...     stages=[Stage(name="prospect"), Stage(name="buyer", final=True)],
        ...     transitions=[
        ...         Transition(source="prospect", target="buyer", when=count("order_placed") >= 1),
        ...     ],
        ... )
        >>> now = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
        >>> ada = Customer(id="c1", created_at=now)
        >>> spec = facts_spec(machine.conditions())
        >>> facts = spec.fold_all([Event(id="o1", customer_id="c1", type="order_placed", at=now)], now=now)
        >>> [(c.from_stage, c.to_stage, c.reason) for c in machine.evaluate(ada, facts, now, stage="prospect")]
        [('prospect', 'buyer', 'orders >= 1')]
        """
        if stage is not _UNSET and now is not _NOTHING and not rest:  # the usual call
            try:
                compiled = self._compiled
            except AttributeError:
                compiled = self._tables()
            if facts is not compiled.checked:
                if not compiled.covers(facts):
                    raise compiled.not_covered(facts)
                compiled.checked = facts
            ctx = EvalContext(first, facts, now, stage=stage, stage_entered_at=entered_at, tz=tz)
            return self._cascade(ctx, compiled)
        args = calls.given(first, facts, now, rest)
        made = calls.context_for("evaluate", args, stage, entered_at, tz, self._check_facts)
        if made is not None:
            return self._cascade(made, self._tables())
        return self._cascade(args[0], self._tables())

    def _changes(self, context: EvalContext) -> tuple[StageChanged, ...]:
        """``evaluate(context)`` for a caller that built the context from checked values
        (the engine): the same facts check, then the cascade."""
        try:
            compiled = self._compiled
        except AttributeError:
            compiled = self._tables()
        facts = context.facts
        if facts is not compiled.checked:
            if not compiled.covers(facts):
                raise compiled.not_covered(facts)
            compiled.checked = facts
        return self._cascade(context, compiled)

    def _check_facts(self, facts: Facts) -> None:
        compiled = self._tables()
        if facts is not compiled.checked:
            if not compiled.covers(facts):
                raise compiled.not_covered(facts)
            compiled.checked = facts

    def _cascade(self, ctx: EvalContext, compiled: Compiled) -> tuple[StageChanged, ...]:
        table = compiled.table
        stage = ctx.stage
        now = ctx.now
        changes: list[StageChanged] = []
        if stage in table:
            current: str = stage
        else:
            current = self.resolve(stage)
            changes.append(
                StageChanged(
                    from_stage=None,
                    to_stage=current,
                    at=now,
                    transition=START,
                    reason=f"a new customer starts in {current!r}",
                )
                if stage is None
                else StageChanged(
                    from_stage=stage,
                    to_stage=current,
                    at=now,
                    transition=RENAMED,
                    reason=f"stage {stage!r} was renamed to {current!r}",
                )
            )
            ctx = ctx.at_stage(current, now)
        visited: list[str] = []  # filled on the first change: most calls make none
        while True:
            for edge in table[current]:
                if edge.fn(ctx):
                    break
            else:
                return tuple(changes)
            if not visited:
                visited.append(current)
            target = edge.target
            # built from checked values: the names and words are the machine's own, and
            # `now` passed the context's check
            changes.append(
                assemble(
                    StageChanged,
                    {
                        "type": "stage_changed",
                        "from_stage": current,
                        "to_stage": target,
                        "at": now,
                        "transition": edge.name,
                        "reason": edge.reason,
                    },
                    _CHANGE_GIVEN,
                )
            )
            if target in visited or len(changes) > compiled.limit:
                path = " -> ".join([*visited, target])
                raise DefinitionError(
                    [
                        Problem(
                            "transitions",
                            f"stages cycle at one instant for customer "
                            f"{named(ctx.customer.id)}: {path}; make the conditions of these "
                            "transitions exclusive",
                        )
                    ]
                )
            visited.append(target)
            current = target
            ctx = ctx.at_stage(target, now)

    @overload
    def explain(self, context: EvalContext, /) -> tuple[TransitionCheck, ...]: ...

    @overload
    def explain(
        self,
        customer: Customer,
        facts: Facts,
        now: datetime,
        /,
        *,
        stage: str | None,
        entered_at: datetime | None = None,
        tz: str | None = None,
    ) -> tuple[TransitionCheck, ...]: ...

    @overload
    def explain(
        self,
        stage: str | None,
        entered_at: datetime | None,
        customer: Customer,
        facts: Facts,
        now: datetime,
        /,
        *,
        tz: str | None = None,
    ) -> tuple[TransitionCheck, ...]: ...

    def explain(
        self,
        first: Any,
        facts: Any = calls.NOTHING,
        now: Any = calls.NOTHING,
        /,
        *rest: Any,
        stage: str | None = calls.UNSET,
        entered_at: datetime | None = None,
        tz: str | None = None,
    ) -> tuple[TransitionCheck, ...]:
        """Every transition out of the current stage, in the order tried, with its outcome.

        Answers "why is (or isn't) this customer moving?" without moving them. Called
        like :meth:`evaluate`; a customer not placed yet (``stage=None``) is explained
        from the initial stage.
        """
        args = calls.given(first, facts, now, rest)
        ctx = calls.context_for("explain", args, stage, entered_at, tz, self._check_facts)
        if ctx is None:
            ctx = args[0]
        current = self.resolve(ctx.stage)
        if current != ctx.stage:
            ctx = ctx.at_stage(current, ctx.stage_entered_at)
        return tuple(
            TransitionCheck(
                transition=e.name,
                target=e.target,
                priority=e.transition.priority,
                enabled=e.fn(ctx),
                condition=e.reason,
                check=explain(e.transition.when, ctx),
            )
            for e in self._tables().table[current]
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
        table = self._tables().table
        lines = []
        for name in names:
            for edge in table[name]:
                rank = f" [priority {edge.transition.priority}]" if edge.transition.priority else ""
                lines.append(f"{name} -> {edge.target}{rank}: {edge.reason}")
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """A Mermaid ``stateDiagram-v2`` of the machine, labels in the conditions' words.

        Every name and label is escaped, so no description or condition can end a line
        of the diagram or add a statement to it."""
        order = diagrams.drawing_order(self.transitions, self._tables().layout.sources)
        return diagrams.mermaid(self.initial, self.stages, order)

    def to_dot(self) -> str:
        """A Graphviz DOT digraph of the machine, labels in the conditions' words."""
        order = diagrams.drawing_order(self.transitions, self._tables().layout.sources)
        return diagrams.dot(self.initial, self.stages, order)

    # --- validation -----------------------------------------------------------------

    def problems(self, path: str = "") -> list[Problem]:
        """Every problem with this machine, each with its path (empty when it is sound)."""
        return self._problems(f"{path}." if path else "", self._layout())

    def _problems(self, at: str, layout: Layout) -> list[Problem]:
        return machine_problems(
            at, self.initial, self.stages, self.transitions, self.renamed, layout, self.events
        )
