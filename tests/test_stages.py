"""The stage machine: evaluation order, cascades, cycles, validation, loading and drawing."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from journeykit.conditions import all_of, attr, count, facts_spec, in_stage, prop, since, stage_for
from journeykit.errors import DefinitionError, InvalidInputError, UsageError
from journeykit.facts import FactsSpec
from journeykit.models import Customer, Event
from journeykit.stages import Stage, StageChanged, StageMachine, Transition

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
    changes = m.evaluate(stage, kw.get("entered_at"), ADA, facts, NOW)  # type: ignore[arg-type]  # test helper
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
    [change] = m.evaluate("new", None, ADA, SPEC.fold_all(orders(1), now=NOW), NOW)
    assert change == StageChanged(
        from_stage="new", to_stage="buyer", at=NOW, transition="new->buyer", reason="orders >= 1"
    )


def test_any_source_means_every_stage_but_the_target_and_final_ones() -> None:
    lapse = Transition(source="*", target="gone", when=since("order_placed") > "30d", priority=5)
    m = machine(BUYER, REPEAT, VIP, lapse, stages="new buyer repeat vip gone", final="vip gone")
    facts = SPEC.fold_all(orders(2, days_ago=40), now=NOW)
    changes = m.evaluate("repeat", None, ADA, facts, NOW)
    assert [(c.from_stage, c.to_stage) for c in changes] == [("repeat", "gone")]
    assert m.evaluate("vip", None, ADA, facts, NOW) == ()


def test_time_in_stage_moves_customers_on_a_tick() -> None:
    settle = Transition(source="buyer", target="repeat", when=stage_for() >= "7d")
    m = machine(BUYER, settle, stages="new buyer repeat", final="repeat")
    facts = SPEC.fold_all(orders(1), now=NOW)
    assert m.evaluate("buyer", NOW - timedelta(days=6), ADA, facts, NOW) == ()
    [change] = m.evaluate("buyer", NOW - timedelta(days=7), ADA, facts, NOW)
    assert change.to_stage == "repeat"


def test_explain_lists_every_outgoing_transition_with_its_outcome() -> None:
    to_vip = Transition(source="buyer", target="vip", when=count("order_placed") >= 5, priority=2)
    m = machine(BUYER, REPEAT, to_vip, VIP, final="vip")
    checks = m.explain("buyer", None, ADA, SPEC.fold_all(orders(2), now=NOW), NOW)
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
        m.evaluate("new", NOW - timedelta(days=8), ADA, SPEC.empty(), NOW)


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
    with pytest.raises(DefinitionError, match="a condition that always holds"):
        machine(
            Transition(source="new", target="buyer", when=all_of()),
            Transition(source="new", target="vip", when=count("order_placed") >= 1),
            stages="new buyer vip",
            final="buyer vip",
        )


# --- stages that no longer exist -----------------------------------------------------


def test_an_unknown_stage_is_a_usage_error_that_says_how_to_map_it() -> None:
    m = machine(BUYER, final="buyer", stages="new buyer")
    with pytest.raises(UsageError, match=r"renamed=\{'vip': 'new_stage'\}"):
        m.evaluate("vip", None, ADA, SPEC.empty(), NOW)


def test_renamed_stages_move_to_their_replacement_with_a_record() -> None:
    m = StageMachine(
        initial="new",
        stages=[Stage(name="new"), Stage(name="customer", final=True)],
        transitions=[Transition(source="new", target="customer", when=count("order_placed") >= 1)],
        renamed={"buyer": "customer", "prospect": "new"},
    )
    changes = m.evaluate("prospect", None, ADA, SPEC.fold_all(orders(1), now=NOW), NOW)
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
        m.evaluate("new", datetime(2026, 1, 1), ADA, SPEC.empty(), NOW)
