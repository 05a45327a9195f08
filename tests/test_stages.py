"""The stage machine: evaluation order, cascades, cycles, validation, loading and drawing."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from journeykit.conditions import (
    Condition,
    EvalContext,
    all_of,
    attr,
    count,
    facts_spec,
    in_stage,
    prop,
    since,
    stage_for,
)
from journeykit.errors import DefinitionError, InvalidInputError, UsageError
from journeykit.facts import FactsSpec
from journeykit.models import Customer, Event
from journeykit.stages import Stage, StageChanged, StageMachine, Transition
from tests import strategies as s

UTC = timezone.utc
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ADA = Customer(id="ada", created_at=NOW - timedelta(days=400), attributes={"vip": True})
SPEC = FactsSpec()


def orders(n: int, days_ago: float = 1) -> list[Event]:
    return [
        Event(
            id=f"o{i}",
            customer_id="ada",
            type="order_placed",
            at=NOW - timedelta(days=days_ago, minutes=i),
        )
        for i in range(n)
    ]


def machine(
    *transitions: Transition, stages: str = "new buyer repeat vip", final: str = ""
) -> StageMachine:
    finals = set(final.split())
    return StageMachine(
        initial=stages.split()[0],
        stages=[Stage(name=n, final=n in finals) for n in stages.split()],
        transitions=list(transitions),
    )


def moves(
    m: StageMachine, stage: str | None, n_orders: int, **kw: object
) -> list[tuple[str | None, str]]:
    facts = facts_spec(m.conditions()).fold_all(orders(n_orders), now=NOW)
    changes = m.evaluate(ADA, facts, NOW, stage=stage, entered_at=kw.get("entered_at"))  # type: ignore[arg-type]  # test helper
    return [(c.from_stage, c.to_stage) for c in changes]


BUYER = Transition(source="new", target="buyer", when=count("order_placed") >= 1)
REPEAT = Transition(source="buyer", target="repeat", when=count("order_placed") >= 2)
VIP = Transition(source="repeat", target="vip", when=count("order_placed") >= 3)


def test_nothing_enabled_means_no_change() -> None:
    m = machine(BUYER, REPEAT, VIP, final="vip")
    assert moves(m, "new", 0) == []


def test_cascades_until_nothing_is_enabled() -> None:
    m = machine(BUYER, REPEAT, VIP, final="vip")
    assert moves(m, "new", 3) == [("new", "buyer"), ("buyer", "repeat"), ("repeat", "vip")]
    assert moves(m, "buyer", 2) == [("buyer", "repeat")]


def test_a_customer_not_placed_yet_starts_in_the_initial_stage() -> None:
    m = machine(BUYER, REPEAT, VIP, final="vip")
    assert moves(m, None, 1) == [(None, "new"), ("new", "buyer")]


def test_higher_priority_wins_then_declaration_order() -> None:
    to_repeat = Transition(source="new", target="repeat", when=count("order_placed") >= 1)
    to_vip = Transition(
        source="new", target="vip", when=count("order_placed", within="30d") >= 1, priority=1
    )
    to_buyer = Transition(source="new", target="buyer", when=attr("vip") == True)  # noqa: E712  # builds a condition
    stages = "new buyer repeat vip"
    m = machine(to_buyer, to_repeat, to_vip, stages=stages, final="buyer repeat vip")
    assert moves(m, "new", 1) == [("new", "vip")]
    m = machine(to_buyer, to_repeat, stages="new buyer repeat", final="buyer repeat")
    assert moves(m, "new", 1) == [("new", "buyer")]


def test_each_change_says_which_transition_fired_and_why() -> None:
    m = machine(BUYER, REPEAT, VIP, final="vip")
    [change] = m.evaluate(ADA, SPEC.fold_all(orders(1), now=NOW), NOW, stage="new")
    assert change == StageChanged(
        from_stage="new", to_stage="buyer", at=NOW, transition="new->buyer", reason="orders >= 1"
    )


def test_any_source_means_every_stage_but_the_target_and_final_ones() -> None:
    lapse = Transition(source="*", target="gone", when=since("order_placed") > "30d", priority=5)
    m = machine(BUYER, REPEAT, VIP, lapse, stages="new buyer repeat vip gone", final="vip gone")
    facts = SPEC.fold_all(orders(2, days_ago=40), now=NOW)
    changes = m.evaluate(ADA, facts, NOW, stage="repeat")
    assert [(c.from_stage, c.to_stage) for c in changes] == [("repeat", "gone")]
    assert m.evaluate(ADA, facts, NOW, stage="vip") == ()


def test_time_in_stage_moves_customers_on_a_tick() -> None:
    settle = Transition(source="buyer", target="repeat", when=stage_for() >= "7d")
    m = machine(BUYER, settle, stages="new buyer repeat", final="repeat")
    facts = SPEC.fold_all(orders(1), now=NOW)
    assert m.evaluate(ADA, facts, NOW, stage="buyer", entered_at=NOW - timedelta(days=6)) == ()
    [change] = m.evaluate(ADA, facts, NOW, stage="buyer", entered_at=NOW - timedelta(days=7))
    assert change.to_stage == "repeat"


def test_explain_lists_every_outgoing_transition_with_its_outcome() -> None:
    to_vip = Transition(source="buyer", target="vip", when=count("order_placed") >= 5, priority=2)
    m = machine(BUYER, REPEAT, to_vip, VIP, final="vip")
    checks = m.explain(ADA, SPEC.fold_all(orders(2), now=NOW), NOW, stage="buyer")
    assert [(c.target, c.enabled, c.condition) for c in checks] == [
        ("vip", False, "orders >= 5"),
        ("repeat", True, "orders >= 2"),
    ]


# --- cycles --------------------------------------------------------------------------


def test_a_loop_that_can_run_at_one_instant_is_found_at_construction() -> None:
    with pytest.raises(
        DefinitionError, match="stages can cycle at one instant: buyer -> new -> buyer"
    ):
        machine(
            BUYER,
            Transition(source="buyer", target="new", when=attr("vip") == True),  # noqa: E712  # builds a condition
            stages="new buyer",
        )


def test_loops_with_exclusive_conditions_are_fine() -> None:
    machine(
        Transition(source="new", target="buyer", when=since("order_placed") <= "30d"),
        Transition(source="buyer", target="new", when=since("order_placed") > "30d"),
        stages="new buyer",
    )
    machine(
        Transition(source="new", target="buyer", when=count("order_placed") >= 2),
        Transition(source="buyer", target="new", when=count("order_placed") < 2),
        stages="new buyer",
    )


def test_in_stage_is_settled_by_the_stage_a_transition_leaves() -> None:
    machine(
        Transition(source="new", target="buyer", when=~in_stage("buyer")),
        Transition(source="buyer", target="new", when=in_stage("new")),
        stages="new buyer",
    )


def test_a_bounce_the_static_check_cannot_see_is_stopped_with_a_clear_error() -> None:
    # new -> buyer needs 7 days in `new`; coming back resets the clock, so statically this
    # cannot loop for ever, but it does bounce back at one instant: refused, not hidden.
    m = machine(
        Transition(source="new", target="buyer", when=stage_for() >= "7d"),
        Transition(source="buyer", target="new", when=count("order_placed") >= 0),
        stages="new buyer",
    )
    with pytest.raises(
        DefinitionError, match=r"cycle at one instant for customer 'ada': new -> buyer -> new"
    ):
        m.evaluate(ADA, SPEC.empty(), NOW, stage="new", entered_at=NOW - timedelta(days=8))


# --- validation ----------------------------------------------------------------------


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    with pytest.raises(DefinitionError) as info:
        StageMachine(
            initial="start",
            stages=[Stage(name="new"), Stage(name="buyer"), Stage(name="new"), Stage(name="ghost")],
            transitions=[
                Transition(source="new", target="byer", when=count("order_placed") >= 1),
                Transition(source="nwe", target="buyer", when=count("order_placed") >= 1),
                Transition(source="buyer", target="buyer", when=prop("sku") == "x"),
            ],
            renamed={"new": "buyer", "old": "gone"},
        )
    paths = [p.path for p in info.value.problems]
    assert paths == [
        "stages[2].name",
        "initial",
        "transitions[0].target",
        "transitions[1].source",
        "transitions[2]",
        "transitions[2].when",
        "renamed.new",
        "renamed.old",
    ]
    text = str(info.value)
    assert "unknown stage 'byer'; known stages: 'buyer', 'ghost', 'new'" in text
    assert "duplicate stage 'new' (first at stages[0])" in text


def test_graph_problems() -> None:
    with pytest.raises(DefinitionError) as info:
        StageMachine(
            initial="new",
            stages=[
                Stage(name="new"),
                Stage(name="buyer"),
                Stage(name="island"),
                Stage(name="end", final=True),
            ],
            transitions=[
                Transition(source="new", target="buyer", when=count("order_placed") >= 1),
                Transition(source="new", target="end", when=count("order_placed") >= 1),
                Transition(source="island", target="new", when=count("order_placed") >= 9),
                Transition(source="end", target="new", when=count("order_placed") == 0),
            ],
        )
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "stages[1]: stage 'buyer' has no way out; add a transition from it or mark it final=True",
        "stages[2]: stage 'island' cannot be reached from the initial stage 'new'; add a transition into it or remove it",
        "transitions[3]: stage 'end' is final but has a transition out; drop final=True or the transition",
        "transitions[1]: can never fire from 'new': transitions[0] (new->buyer) is tried first with the same condition",
    ]


def test_a_transition_after_one_that_always_holds_can_never_fire() -> None:
    with pytest.raises(DefinitionError) as info:
        machine(
            Transition(source="new", target="buyer", when=all_of()),
            Transition(source="new", target="vip", when=count("order_placed") >= 1),
            stages="new buyer vip",
            final="buyer vip",
        )
    assert [str(p) for p in info.value.problems] == [
        "transitions[1]: can never fire from 'new': transitions[0] (new->buyer) is tried "
        "first with a condition that always holds"
    ]


# --- stages that no longer exist -----------------------------------------------------


def test_an_unknown_stage_is_a_usage_error_that_says_how_to_map_it() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    with pytest.raises(UsageError, match=r"renamed=\{'vip': 'new_stage'\}"):
        m.evaluate(ADA, SPEC.empty(), NOW, stage="vip")


def test_renamed_stages_move_to_their_replacement_with_a_record() -> None:
    m = StageMachine(
        initial="new",
        stages=[Stage(name="new"), Stage(name="customer", final=True)],
        transitions=[Transition(source="new", target="customer", when=count("order_placed") >= 1)],
        renamed={"buyer": "customer", "prospect": "new"},
    )
    changes = m.evaluate(ADA, SPEC.fold_all(orders(1), now=NOW), NOW, stage="prospect")
    assert [(c.from_stage, c.to_stage, c.transition) for c in changes] == [
        ("prospect", "new", "renamed"),
        ("new", "customer", "new->customer"),
    ]


# --- loading, round trips, schema ----------------------------------------------------


def full_machine() -> StageMachine:
    return machine(
        BUYER,
        REPEAT,
        VIP,
        Transition(
            source=("buyer", "repeat"),
            target="lapsed",
            when=since("order_placed") > "1y",
            priority=3,
            id="lapse",
        ),
        stages="new buyer repeat vip lapsed",
        final="vip lapsed",
    )


def test_json_round_trip_is_exact() -> None:
    m = full_machine()
    again = StageMachine.from_json(m.model_dump_json())
    assert again == m
    assert again.to_mermaid() == m.to_mermaid()


def test_yaml_loads_the_same_machine() -> None:
    m = full_machine()
    text = yaml.safe_dump(json.loads(m.model_dump_json()))
    assert StageMachine.from_yaml(text) == m


def test_malformed_json_is_a_definition_error_with_a_path() -> None:
    with pytest.raises(DefinitionError, match="not valid JSON"):
        StageMachine.from_json("{not json")
    bad = json.loads(full_machine().model_dump_json())
    bad["transitions"][1]["when"]["op"] = "=>"
    bad["transitions"][2]["priorty"] = 1
    with pytest.raises(DefinitionError) as info:
        StageMachine.from_json(json.dumps(bad))
    paths = [p.path for p in info.value.problems]
    assert "transitions[1].when.op" in paths
    assert "transitions[2].priorty" in paths


GHOST = {
    "initial": "ghost",
    "stages": [{"name": "a"}, {"name": "a"}],
    "transitions": [{"source": "a", "target": "b", "when": {"type": "in_stage", "stages": ["a"]}}],
}


@pytest.mark.parametrize(
    "load",
    [
        lambda: StageMachine.from_json(json.dumps(GHOST)),
        lambda: StageMachine.model_validate_json(json.dumps(GHOST)),
        lambda: StageMachine.model_validate(GHOST),
        lambda: StageMachine(**GHOST),
    ],
)
def test_every_way_in_reports_each_problem_at_its_own_path(load: Any) -> None:
    with pytest.raises(DefinitionError) as info:
        load()
    assert [p.path for p in info.value.problems] == [
        "stages[1].name",
        "initial",
        "transitions[0].target",
    ]


def test_shape_problems_of_nested_parts_keep_their_full_path() -> None:
    data = json.loads(full_machine().model_dump_json())
    data["transitions"][0]["when"] = {"type": "all_of", "conditions": [{"type": "count"}]}
    data["stages"][0]["final"] = "perhaps"
    with pytest.raises(DefinitionError) as info:
        StageMachine.model_validate(data)
    paths = {p.path for p in info.value.problems}
    assert "stages[0].final" in paths
    assert {
        "transitions[0].when.conditions[0].event",
        "transitions[0].when.conditions[0].op",
    } <= paths
    assert all("Value error" not in p.message for p in info.value.problems)


def test_loading_checks_the_whole_definition_too() -> None:
    bad = json.loads(full_machine().model_dump_json())
    bad["transitions"][0]["target"] = "byer"
    with pytest.raises(DefinitionError, match=r"transitions\[0\]\.target: unknown stage 'byer'"):
        StageMachine.from_json(json.dumps(bad))
    with pytest.raises(DefinitionError, match="not valid YAML"):
        StageMachine.from_yaml("initial: [unclosed")


def test_json_schema_is_available() -> None:
    schema = StageMachine.model_json_schema()
    assert set(schema["required"]) >= {"initial", "stages"}
    assert "Transition" in schema["$defs"]


# --- drawing -------------------------------------------------------------------------

# checked once against mermaid 11's own parser (mermaid.parse under node); this test keeps
# the output inside the grammar that was checked: ids, aliases, and labels without raw
# ; < > { } (a line break, HTML, a directive) or '#word;' that is not one of our codes
_LABEL = r"(?:[^\n;<>{}#]|#(?:lt|gt|59|123|125|35|quot);|#(?!\w+;))+"
_ID = r"[A-Za-z_]\w*"
_MERMAID_LINE = re.compile(
    rf"^    (\[\*\] --> {_ID}|{_ID} --> (\[\*\]|{_ID})( : {_LABEL})?|{_ID} : {_LABEL}"
    rf'|state "[^"\n]+" as s\d+)$'
)


def test_mermaid_is_a_state_diagram_with_one_labelled_edge_per_source() -> None:
    m = full_machine()
    text = m.to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    bad = [line for line in lines[1:] if not _MERMAID_LINE.match(line)]
    assert bad == []
    assert "    [*] --> new" in lines
    assert "    vip --> [*]" in lines
    assert "    repeat --> lapsed : time since the last order #gt; 1 year" in lines
    edges = [line for line in lines if " --> " in line and "[*]" not in line]
    assert len(edges) == 5  # the lapse transition is drawn from each of its two sources


def test_mermaid_escapes_what_would_end_or_break_a_label() -> None:
    m = machine(
        Transition(source="new", target="buyer", when=attr("note") == 'a: "b"; {c} #d; <e>'),
        stages="new buyer",
        final="buyer",
    )
    line = m.to_mermaid().splitlines()[2]
    assert _MERMAID_LINE.match(line)
    assert (
        line
        == "    new --> buyer : attribute note == 'a: \"b\"#59; #123;c#125; #35;d#59; #lt;e#gt;'"
    )


def test_mermaid_aliases_names_it_cannot_take_as_ids() -> None:
    m = StageMachine(
        initial="at-risk",
        stages=[Stage(name="at-risk"), Stage(name="note", final=True)],
        transitions=[Transition(source="at-risk", target="note", when=count("order_placed") >= 1)],
    )
    lines = m.to_mermaid().splitlines()
    assert lines[1:3] == ['    state "at-risk" as s0', '    state "note" as s1']
    assert "    s0 --> s1 : orders #gt;= 1" in lines
    assert all(_MERMAID_LINE.match(line) for line in lines[1:])


def test_dot_is_a_digraph_with_quoted_labels() -> None:
    m = full_machine()
    text = m.to_dot()
    assert text.startswith("digraph lifecycle {")
    assert text.endswith("}")
    assert '"repeat" -> "lapsed" [label="[3] time since the last order > 1 year"];' in text
    assert '"vip" [label="vip", peripheries=2];' in text
    for line in text.splitlines()[1:-1]:
        assert line.endswith(";")
        assert line.count('"') % 2 == 0


def test_model_copy_validates_and_recompiles() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    stricter = m.model_copy(
        update={
            "transitions": [
                Transition(source="new", target="buyer", when=count("order_placed") >= 2)
            ]
        }
    )
    assert moves(stricter, "new", 1) == []
    assert moves(stricter, "new", 2) == [("new", "buyer")]
    with pytest.raises(DefinitionError, match="unknown stage 'byer'"):
        m.model_copy(update={"initial": "byer"})


def test_a_densely_connected_machine_is_checked_in_bounded_time() -> None:
    # every stage to every other on conditions that never exclude each other: the simple
    # cycles number in the millions, and the search must stop at its budget, not hang
    names = [f"s{i}" for i in range(12)]
    with pytest.raises(DefinitionError, match="can cycle"):
        StageMachine(
            initial="s0",
            stages=[Stage(name=n) for n in names],
            transitions=[
                Transition(source=a, target=b, when=count(f"e{i}") >= 1)
                for i, (a, b) in enumerate((a, b) for a in names for b in names if a != b)
            ],
        )


def test_naive_stage_entry_times_are_refused() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    with pytest.raises(InvalidInputError, match="stage_entered_at: must be timezone-aware"):
        m.evaluate(ADA, SPEC.empty(), NOW, stage="new", entered_at=datetime(2026, 1, 1))


# --- how evaluate is called ----------------------------------------------------------


def test_a_context_built_once_gives_the_same_changes_and_is_left_as_it_was() -> None:
    m = machine(BUYER, REPEAT, VIP, final="vip")
    facts = facts_spec(m.conditions()).fold_all(orders(3), now=NOW)
    ctx = EvalContext(ADA, facts, NOW, stage="new", stage_entered_at=NOW - timedelta(days=3))
    assert m.evaluate(ctx) == m.evaluate(ADA, facts, NOW, stage="new")
    assert (ctx.stage, ctx.stage_entered_at) == ("new", NOW - timedelta(days=3))
    # the same context then serves other conditions at the same instant
    assert in_stage("new").evaluate(ctx)
    assert [c.target for c in m.explain(ctx)] == ["buyer"]
    assert ctx.stage == "new"


def test_a_context_for_a_customer_not_placed_yet_starts_them_in_the_initial_stage() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    ctx = EvalContext(ADA, SPEC.fold_all(orders(1), now=NOW), NOW)
    assert [(c.from_stage, c.to_stage) for c in m.evaluate(ctx)] == [
        (None, "new"),
        ("new", "buyer"),
    ]
    assert ctx.stage is None


def test_the_current_stage_must_be_given_by_name() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    with pytest.raises(UsageError, match="needs the customer's current stage as stage="):
        m.evaluate(ADA, SPEC.empty(), NOW)  # type: ignore[call-overload]  # the mistake under test
    with pytest.raises(UsageError, match=r"reads the stage, its entry time and the zone"):
        m.evaluate(EvalContext(ADA, SPEC.empty(), NOW), stage="new")  # type: ignore[call-overload]  # the mistake under test
    with pytest.raises(UsageError, match="got 2 positional arguments"):
        m.explain(ADA, SPEC.empty())  # type: ignore[call-overload]  # the mistake under test


def test_the_earlier_positional_form_still_works_and_says_what_replaces_it() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    facts = SPEC.fold_all(orders(1), now=NOW)
    with pytest.warns(DeprecationWarning, match=r"call evaluate\(customer, facts, now, stage="):
        old = m.evaluate("new", None, ADA, facts, NOW)
    assert old == m.evaluate(ADA, facts, NOW, stage="new")
    with pytest.warns(DeprecationWarning, match="explain"):
        assert m.explain(None, None, ADA, facts, NOW) == m.explain(ADA, facts, NOW, stage=None)


WINDOWED = Transition(
    source="buyer", target="repeat", when=count("order_placed", within="30d") >= 2
)


def test_facts_from_a_smaller_spec_are_refused_before_anything_is_evaluated() -> None:
    m = machine(BUYER, WINDOWED, final="repeat", stages="new buyer repeat")
    small = FactsSpec().fold_all(orders(1), now=NOW)  # keeps no 30-day window
    # the customer is in `new`, whose transition needs no window: still refused up front
    with pytest.raises(UsageError, match=r"the window of 'order_placed' is missing") as info:
        m.evaluate(ADA, small, NOW, stage="new")
    assert "facts_spec([...])" in str(info.value)
    with pytest.raises(UsageError, match="is missing"):
        m.evaluate(EvalContext(ADA, small, NOW, stage="new"))
    with pytest.raises(UsageError, match="is missing"):
        m.explain(ADA, small, NOW, stage="new")
    # a larger spec (say, with the journeys' conditions too) is fine
    larger = facts_spec([*m.conditions(), count("product_viewed", within="7d") >= 1])
    assert m.evaluate(ADA, larger.fold_all(orders(2), now=NOW), NOW, stage="new") != ()


@given(st.lists(s.conditions, max_size=4), st.lists(s.conditions, max_size=4))
def test_the_facts_test_agrees_with_the_spec_covers(
    needed: list[Condition], kept: list[Condition]
) -> None:
    # a machine whose one transition reads every `needed` condition; facts from a spec
    # built from `kept`: evaluate refuses exactly when FactsSpec.covers says no
    m = machine(
        # every stage tests.strategies names, so in_stage(...) names known stages
        *(
            Transition(source="new", target=t, when=attr(t).exists())
            for t in ("repeat", "lapsed", "vip")
        ),
        Transition(source="new", target="buyer", when=all_of(*needed)),
        stages="new buyer repeat lapsed vip",
        final="buyer repeat lapsed vip",
    )
    facts = facts_spec(kept).empty()
    if facts_spec(m.conditions()).covers(facts):
        m.explain(ADA, facts, NOW, stage="new")
    else:
        with pytest.raises(UsageError, match="is missing"):
            m.explain(ADA, facts, NOW, stage="new")


# --- names and ids -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["first time", "first.time", "", "*", "a/b", "x" * 201, "tab\t"])
def test_stage_names_must_be_plain_words_of_bounded_length(name: str) -> None:
    with pytest.raises(DefinitionError) as info:
        Stage(name=name)
    assert [p.path for p in info.value.problems] == ["name"]


def test_stage_names_may_use_letters_digits_dashes_and_underscores() -> None:
    for name in ("first_time", "at-risk", "vip2", "kund_återkommande", "x" * 200):
        assert Stage(name=name).name == name


def test_looking_up_a_stage_that_is_not_there_names_the_known_ones() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    assert m.stage("buyer").name == "buyer"
    with pytest.raises(
        UsageError, match=r"stage 'nope' is not in this machine \(stages: 'buyer', 'new'\)"
    ):
        m.stage("nope")


def test_an_unknown_source_and_a_self_loop_are_each_reported_once() -> None:
    with pytest.raises(DefinitionError) as info:
        machine(
            BUYER,
            Transition(source="ghost", target="buyer", when=count("order_placed") >= 2),
            Transition(source=["buyer", "buyer"], target="buyer", when=count("order_placed") >= 3),
            stages="new buyer",
            final="buyer",
        )
    assert [(p.path, p.message.split(";")[0]) for p in info.value.problems] == [
        ("transitions[1].source", "unknown stage 'ghost'"),
        ("transitions[2]", "transition from 'buyer' to itself"),
    ]


def test_a_transition_with_no_source_can_never_fire_and_is_refused() -> None:
    with pytest.raises(DefinitionError) as info:
        machine(
            BUYER,
            Transition(source=[], target="buyer", when=count("order_placed") >= 2),
            stages="new buyer",
            final="buyer",
        )
    [problem] = info.value.problems
    assert problem.path == "transitions[1].source"
    assert "can never fire" in problem.message


def test_any_source_that_matches_no_stage_is_refused() -> None:
    with pytest.raises(DefinitionError) as info:
        machine(
            BUYER,
            Transition(source="*", target="new", when=count("order_placed") >= 2),
            stages="new buyer",
            final="buyer",
        )
    assert [p.path for p in info.value.problems] == ["transitions[1].source"]
    assert "'*' matches no stage" in info.value.problems[0].message


def test_transition_ids_are_unique_and_bounded() -> None:
    with pytest.raises(DefinitionError) as info:
        machine(
            Transition(source="new", target="buyer", when=count("order_placed") >= 1, id="up"),
            Transition(source="buyer", target="vip", when=count("order_placed") >= 5, id="up"),
            stages="new buyer vip",
            final="vip",
        )
    assert [p.path for p in info.value.problems] == ["transitions[1].id"]
    assert "duplicate transition id 'up' (first at transitions[0])" in str(info.value)
    with pytest.raises(DefinitionError) as info:
        Transition(source="new", target="buyer", when=all_of(), id="x" * 201)
    assert [p.path for p in info.value.problems] == ["id"]


def test_a_source_written_twice_is_not_shadowed_by_itself() -> None:
    m = machine(
        Transition(source=("*", "new"), target="gone", when=count("order_placed") >= 9, priority=1),
        BUYER,
        Transition(source="buyer", target="new", when=count("order_placed") == 0),
        stages="new buyer gone",
        final="gone",
    )
    assert [t.target for t in m.explain(ADA, SPEC.empty(), NOW, stage="new")] == ["gone", "buyer"]


def test_true_and_one_are_different_conditions() -> None:
    # Python says True == 1; JSON does not, and neither does the shadowing check
    machine(
        Transition(source="new", target="buyer", when=attr("vip") == True),  # noqa: E712  # builds a condition
        Transition(source="new", target="vip", when=attr("vip") == 1),
        stages="new buyer vip",
        final="buyer vip",
    )


def test_unknown_stage_messages_stay_short_in_a_large_machine() -> None:
    names = " ".join(f"s{i}" for i in range(1000))
    with pytest.raises(DefinitionError) as info:
        machine(
            *(
                Transition(source=f"s{i}", target=f"t{i}", when=count("order_placed") >= 1)
                for i in range(999)
            ),
            stages=names,
        )
    unknown = [p for p in info.value.problems if p.path.endswith(".target")]
    assert len(unknown) == 999
    assert max(len(p.message) for p in unknown) < 300
    assert "… (1000 stages)" in unknown[0].message


# --- what a cascade sees -------------------------------------------------------------


JUST_ENTERED = in_stage("buyer") & (stage_for() < "1h")


def test_each_stage_a_cascade_enters_is_the_current_stage_entered_now() -> None:
    settle = Transition(source="buyer", target="repeat", when=JUST_ENTERED)
    m = machine(BUYER, settle, stages="new buyer repeat", final="repeat")
    long_ago = NOW - timedelta(days=30)
    assert moves(m, "new", 1, entered_at=long_ago) == [("new", "buyer"), ("buyer", "repeat")]


def test_a_new_or_renamed_customer_is_in_their_first_stage_from_now() -> None:
    fresh = Transition(source="new", target="buyer", when=in_stage("new") & (stage_for() < "1h"))
    m = StageMachine(
        initial="new",
        stages=[Stage(name="new"), Stage(name="buyer", final=True)],
        transitions=[fresh],
        renamed={"prospect": "new"},
    )
    facts = facts_spec(m.conditions()).empty()
    assert [c.to_stage for c in m.evaluate(ADA, facts, NOW, stage=None)] == ["new", "buyer"]
    long_ago = NOW - timedelta(days=30)
    changes = m.evaluate(ADA, facts, NOW, stage="prospect", entered_at=long_ago)
    assert [c.to_stage for c in changes] == ["new", "buyer"]


def test_a_bounce_at_run_time_is_reported_under_transitions() -> None:
    m = machine(
        Transition(source="new", target="buyer", when=stage_for() >= "7d"),
        Transition(source="buyer", target="new", when=count("order_placed") >= 0),
        stages="new buyer",
    )
    with pytest.raises(DefinitionError) as info:
        m.evaluate(ADA, SPEC.empty(), NOW, stage="new", entered_at=NOW - timedelta(days=8))
    [problem] = info.value.problems
    assert problem.path == "transitions"
    assert problem.message.endswith("make the conditions of these transitions exclusive")


def test_the_zone_given_decides_calendar_windows() -> None:
    # one calendar day before noon on the day Stockholm moves its clocks is 23 hours
    now = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    m = machine(
        Transition(source="new", target="buyer", when=count("order_placed", within="1d") >= 1),
        stages="new buyer",
        final="buyer",
    )
    order = Event(id="o", customer_id="ada", type="order_placed", at=now - timedelta(hours=23.5))
    facts = facts_spec(m.conditions()).fold_all([order], now=now)
    assert m.evaluate(ADA, facts, now, stage="new") != ()
    assert m.evaluate(ADA, facts, now, stage="new", tz="Europe/Stockholm") == ()
    assert m.explain(ADA, facts, now, stage="new", tz="Europe/Stockholm")[0].enabled is False


def test_arguments_that_do_not_fit_one_form_are_refused() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    facts = SPEC.empty()
    with pytest.raises(UsageError, match="got 4 positional arguments"):
        m.evaluate(ADA, facts, NOW, "extra", stage="new")  # type: ignore[call-overload]  # the mistake under test
    with pytest.raises(UsageError, match="got both"):
        m.evaluate("new", None, ADA, facts, NOW, entered_at=NOW)  # type: ignore[call-overload]  # the mistake under test
    with pytest.raises(UsageError, match="reads the stage, its entry time"):
        m.evaluate(EvalContext(ADA, facts, NOW), entered_at=NOW)  # type: ignore[call-overload]  # the mistake under test
    with pytest.raises(UsageError, match="reads the stage, its entry time"):
        m.explain(EvalContext(ADA, facts, NOW), tz="UTC")  # type: ignore[call-overload]  # the mistake under test


def test_a_copied_machine_evaluates_as_its_original() -> None:
    m = machine(BUYER, REPEAT, VIP, final="vip")
    facts = SPEC.fold_all(orders(2), now=NOW)
    for again in (copy.copy(m), copy.deepcopy(m), m.model_copy()):
        assert again.evaluate(ADA, facts, NOW, stage="new") == m.evaluate(
            ADA, facts, NOW, stage="new"
        )
        assert again.to_mermaid() == m.to_mermaid()


def test_a_single_argument_that_is_not_a_context_is_refused() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    with pytest.raises(UsageError, match="got 1 positional arguments"):
        m.evaluate(ADA)  # type: ignore[call-overload]  # the mistake under test


def test_the_earlier_form_places_a_new_customer_whatever_entry_time_it_gives() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    facts = SPEC.fold_all(orders(1), now=NOW)
    with pytest.warns(DeprecationWarning, match="is deprecated"):
        old = m.evaluate(None, NOW - timedelta(days=1), ADA, facts, NOW)
    assert old == m.evaluate(ADA, facts, NOW, stage=None)


def test_the_shadowing_transition_named_is_the_first_tried() -> None:
    x = count("order_placed") >= 1
    # tried in the order t2 (priority 1), t0, t1, t3: t3 repeats t0's condition, but the
    # always-true t2 is tried before both
    with pytest.raises(DefinitionError) as info:
        machine(
            Transition(source="new", target="a", when=x),
            Transition(source="new", target="b", when=count("order_placed") >= 2),
            Transition(source="new", target="c", when=all_of(), priority=1),
            Transition(source="new", target="d", when=x),
            stages="new a b c d",
            final="a b c d",
        )
    assert str(info.value.problems[-1]) == (
        "transitions[3]: can never fire from 'new': transitions[2] (new->c) is tried first "
        "with a condition that always holds"
    )
    # tried in the order t1 (priority 9), t2 (priority 5), t0, t3: the always-true t2
    # comes before t0, which t3 repeats
    with pytest.raises(DefinitionError) as info:
        machine(
            Transition(source="new", target="a", when=x),
            Transition(source="new", target="b", when=count("order_placed") >= 2, priority=9),
            Transition(source="new", target="c", when=all_of(), priority=5),
            Transition(source="new", target="d", when=x),
            stages="new a b c d",
            final="a b c d",
        )
    assert str(info.value.problems[-1]) == (
        "transitions[3]: can never fire from 'new': transitions[2] (new->c) is tried first "
        "with a condition that always holds"
    )


def test_ten_known_stages_are_all_listed() -> None:
    names = " ".join(f"s{i}" for i in range(10))
    with pytest.raises(DefinitionError) as info:
        machine(
            *(
                Transition(source=f"s{i}", target=f"s{i + 1}", when=count("order_placed") >= i)
                for i in range(9)
            ),
            Transition(source="s9", target="s10", when=count("order_placed") >= 9),
            stages=names,
        )
    [problem] = [p for p in info.value.problems if p.path == "transitions[9].target"]
    assert problem.message == (
        "unknown stage 's10'; known stages: 's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', "
        "'s8', 's9'"
    )


def test_facts_refused_say_exactly_what_to_do() -> None:
    m = machine(BUYER, WINDOWED, final="repeat", stages="new buyer repeat")
    with pytest.raises(UsageError) as info:
        m.evaluate(ADA, FactsSpec().empty(), NOW, stage="new")
    assert str(info.value) == (
        "these facts do not keep what this machine's conditions read (the window of "
        "'order_placed' is missing): they were folded with a smaller FactsSpec, or kept for "
        "an older definition. Fold events with facts_spec([...]) over every "
        "condition you evaluate, machine.conditions() included, and rebuild facts kept for "
        "an older definition from the customer's events"
    )


def test_problem_texts_for_sources_and_renames() -> None:
    with pytest.raises(DefinitionError) as info:
        StageMachine(
            initial="new",
            stages=[Stage(name="new"), Stage(name="buyer", final=True)],
            transitions=[
                BUYER,
                Transition(source=[], target="buyer", when=count("order_placed") >= 2),
                Transition(source="*", target="new", when=count("order_placed") >= 3),
            ],
            renamed={"old": "gone"},
        )
    assert [str(p) for p in info.value.problems] == [
        "transitions[1].source: names no stage, so the transition can never fire; name a "
        "stage, several, or '*' for every stage",
        "transitions[2].source: '*' matches no stage here (every other stage is final), so "
        "the transition can never fire",
        "renamed.old: unknown stage 'gone'; known stages: 'buyer', 'new'",
    ]
    with pytest.raises(DefinitionError) as info:
        Stage(name="first time")
    assert info.value.problems[0].message == (
        "must be a stage name of letters, digits, '_' or '-', such as 'first_time' "
        "(got 'first time')"
    )


def test_the_transitions_out_of_a_stage_come_in_the_order_tried() -> None:
    lapse = Transition(source="*", target="gone", when=since("order_placed") > "30d", priority=5)
    m = machine(BUYER, REPEAT, lapse, stages="new buyer repeat gone", final="repeat gone")
    assert m.outgoing("buyer") == (lapse, REPEAT)
    assert m.outgoing("new") == (lapse, BUYER)
    assert m.outgoing("gone") == ()
    with pytest.raises(UsageError, match="'vip' is not in this machine"):
        m.outgoing("vip")
