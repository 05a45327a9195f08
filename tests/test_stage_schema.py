"""Whatever a CRM stores that fits the published JSON Schema, loading it gives a machine or
one DefinitionError with paths, never another exception, and within bounded work."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeykit._errors import Problem
from journeykit._stages import checks, loops
from journeykit.errors import DefinitionError
from journeykit.stages import StageMachine

# condition kinds that hold other conditions: the schema refers to itself through them
_NESTING = {"AllOf", "AnyOf", "Not", "Count", "Total", "Since"}
# names that make generated machines meet: stage names that match, keywords, "*"
_WORDS = ["new", "buyer", "vip", "*", "order_placed", "email", "state", "30d", "a b", ""]
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.sampled_from(_WORDS),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def from_schema(schema: dict[str, Any], depth: int = 2) -> st.SearchStrategy[Any]:
    """Values that fit ``schema``, for the parts of JSON Schema pydantic writes, conditions
    nested at most ``depth`` levels. (hypothesis-jsonschema would do this, but its object
    generation no longer runs with current hypothesis.)"""
    defs = schema.get("$defs", {})

    def make(node: Any, left: int) -> st.SearchStrategy[Any]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in _NESTING:
                return (
                    st.nothing() if left == 0 else st.deferred(lambda: make(defs[name], left - 1))
                )
            return make(defs[name], left)
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        for key in ("anyOf", "oneOf"):
            if key in node:
                return st.one_of([make(option, left) for option in node[key]])
        kind = node.get("type")
        if kind == "object":
            return _object(node, left)
        if kind == "array":
            items = make(node.get("items", {}), left)
            return st.lists(items, min_size=node.get("minItems", 0), max_size=4)
        if kind == "string":
            if "pattern" in node:
                return st.from_regex(node["pattern"], fullmatch=True).filter(lambda t: len(t) < 40)
            stages = st.sampled_from(["new", "buyer", "vip"])
            anything = st.sampled_from(_WORDS) | st.text(
                max_size=min(node.get("maxLength", 12), 12)
            )
            return st.one_of(stages, stages, stages, stages, anything)
        if kind == "integer":
            return st.integers(min_value=node.get("minimum"), max_value=10**6)
        if kind == "number":
            return st.integers(-100, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return _json_values  # {}: any JSON value

    def _object(node: dict[str, Any], left: int) -> st.SearchStrategy[Any]:
        properties = node.get("properties", {})
        # a tag (a property that can take one value) is always written, as a CRM would
        required = set(node.get("required", ())) | {
            k for k, v in properties.items() if "const" in v
        }
        fields = {k: make(v, left) for k, v in properties.items()}
        base = st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("type"):
            more = st.dictionaries(st.sampled_from(_WORDS), make(extra, left), max_size=3)
            return st.tuples(base, more).map(lambda pair: {**pair[1], **pair[0]})
        return base

    return make(schema, depth)


MACHINES = from_schema(StageMachine.model_json_schema())


@settings(
    max_examples=150,
    # the fixture only records searches, and is cleared for each example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=MACHINES)
def test_any_schema_shaped_definition_loads_or_is_refused_with_paths(
    data: dict[str, Any], monkeypatch_searches: list[loops.LoopSearch]
) -> None:
    monkeypatch_searches.clear()
    outcome = load(data)
    if isinstance(outcome, DefinitionError):
        assert outcome.problems
        assert all(isinstance(p, Problem) and isinstance(p.path, str) for p in outcome.problems)
        assert all(p.message for p in outcome.problems)
    else:
        # accepted: it round-trips, and every loop search behind it was complete
        assert StageMachine.from_json(outcome.model_dump_json()) == outcome
        assert all(s.complete for s in monkeypatch_searches)
    # the work of checking is bounded by the budget, whatever the input
    assert all(s.work <= s.budget for s in monkeypatch_searches)


def load(data: dict[str, Any]) -> StageMachine | DefinitionError:
    """The machine, or the one error it is refused with (any other exception escapes)."""
    try:
        return StageMachine.model_validate(data)
    except DefinitionError as err:
        return err


@pytest.fixture
def monkeypatch_searches(monkeypatch: pytest.MonkeyPatch) -> list[loops.LoopSearch]:
    """Every loop search run while the test runs, to count its work."""
    seen: list[loops.LoopSearch] = []
    real = checks.find_loops

    def recorded(*args: Any, **kw: Any) -> loops.LoopSearch:
        result = real(*args, **kw)
        seen.append(result)
        return result

    monkeypatch.setattr(checks, "find_loops", recorded)
    return seen


@given(st.sampled_from(["description", "id"]))
def test_text_json_cannot_store_is_refused_with_its_path(field: str) -> None:
    data = {
        "initial": "a",
        "stages": [{"name": "a"}, {"name": "b", "final": True}],
        "transitions": [
            {"source": "a", "target": "b", "when": {"type": "all_of", "conditions": []}}
        ],
    }
    if field == "description":
        data["stages"][0]["description"] = "\ud800"  # type: ignore[index]  # a stage's mapping
    else:
        data["transitions"][0]["id"] = "\ud800"  # type: ignore[index]  # a transition's mapping
    with pytest.raises(DefinitionError) as info:
        StageMachine.from_json(json.dumps(data))
    path = "stages[0].description" if field == "description" else "transitions[0].id"
    assert [p.path for p in info.value.problems] == [path]
