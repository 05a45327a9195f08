"""Loading definitions from a CRM's text: every problem reported with a path, nothing
silently misread, nothing that costs without bound."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit._loading import MAX_DEPTH, load_json, load_yaml, nesting_problem
from journeykit.errors import DefinitionError
from journeykit.stages import StageMachine


def paths(problems: list[object]) -> list[str]:
    return [p.path for p in problems]  # type: ignore[attr-defined]


def test_duplicate_json_keys_are_refused_with_their_path() -> None:
    data, problems = load_json(
        '{"when": {"op": ">=", "value": 1, "op": "<"}, "a": [{"x": 1, "x": 2}]}'
    )
    assert data is None
    assert paths(problems) == ["a[0].x", "when.op"]
    assert "twice" in problems[0].message


def test_malformed_json_says_where() -> None:
    _, problems = load_json('{"a": 1,\n "b": }')
    assert problems[0].message.startswith("not valid JSON")
    assert "line 2" in problems[0].message


def test_deep_json_is_refused_not_a_recursion_error() -> None:
    for depth in (MAX_DEPTH + 1, 100_000):
        _, problems = load_json("[" * depth + "]" * depth)
        assert problems
        assert "nested more than" in problems[0].message


def test_yaml_reads_json_values_as_yaml_1_2_does() -> None:
    data, problems = load_yaml(
        "countries: [SE, NO, DK, yes, on, off]\nflag: true\nwhen: 2026-01-05\nn: 012\nt: 1:20"
    )
    assert problems == []
    assert data == {
        "countries": ["SE", "NO", "DK", "yes", "on", "off"],
        "flag": True,
        "when": "2026-01-05",
        "n": "012",
        "t": "1:20",
    }


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("a: &x [1, 2]\nb: *x\n", 2, "aliases"),
        ("a: !!int abc\n", 1, "not a valid int"),
        ("a: !!float abc\n", 1, "not a valid float"),
        ("a: !!bool maybe\n", 1, "not a valid bool"),
        ("a: !!timestamp 2026-13-45\n", 1, "tag"),
        ("a: !!binary aGk=\n", 1, "tag"),
        ("a: !!python/name:os.system\n", 1, "tag"),
        ("a: !!set {x}\n", 1, "tag"),
        ("a: " + "9" * 5000 + "\n", 1, "digits"),
        ("a: 1\na: 2\n", 2, "twice"),
        ("1: a\n", 1, "keys must be text"),
    ],
)
def test_yaml_refusals_name_their_line(text: str, line: int, says: str) -> None:
    data, problems = load_yaml(text)
    assert data is None
    assert problems[0].path.startswith(f"line {line} ")
    assert says in problems[0].message


def test_billion_laughs_is_refused_before_anything_is_built() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    _, problems = load_yaml("\n".join(lines))
    assert "aliases" in problems[0].message


def test_every_yaml_problem_is_a_definition_error_for_a_machine() -> None:
    for text in ("initial: !!int abc", "initial: [unclosed", "a: *nothing"):
        with pytest.raises(DefinitionError) as info:
            StageMachine.from_yaml(text)
        assert info.value.problems


def test_wrong_shape_yaml_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError) as info:
        StageMachine.from_yaml("- just\n- a list\n")
    assert info.value.problems


def test_deep_data_is_refused_on_every_way_in() -> None:
    deep: object = {"type": "in_stage", "stages": ["a"]}
    for _ in range(400):
        deep = {"type": "not", "condition": deep}
    machine = {"initial": "a", "stages": [{"name": "a", "final": True}], "transitions": []}
    data = {**machine, "transitions": [{"source": "a", "target": "a", "when": deep}]}
    for load in (
        lambda: StageMachine.model_validate(data),
        lambda: StageMachine.from_json(json.dumps(data)),
    ):
        with pytest.raises(DefinitionError, match="nested more than"):
            load()


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=20,
)


@given(json_data)
def test_json_loading_agrees_with_the_standard_parser_on_valid_json(data: object) -> None:
    loaded, problems = load_json(json.dumps(data))
    assert problems == []
    assert loaded == data


@given(json_data, st.integers(1, 12))
def test_nesting_check_agrees_with_a_direct_measure(data: object, limit: int) -> None:
    def depth(value: object) -> int:
        if isinstance(value, dict):
            return 1 + max((depth(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((depth(v) for v in value), default=0)
        return 0

    assert (nesting_problem(data, limit) is None) == (depth(data) <= limit)
