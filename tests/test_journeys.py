"""Journeys as data: building, checking, storing and drawing them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeykit.conditions import attr, count, in_stage, prop
from journeykit.errors import DefinitionError
from journeykit.journeys import (
    Journey,
    branch,
    exit_journey,
    on_date,
    on_event,
    send,
    split,
    update,
    wait,
    wait_for,
)

MERMAID_DIR = Path(__file__).parent / "mermaid"

CART = Journey(
    id="cart_abandonment",
    trigger=on_event("added_to_cart", where=prop("value") >= 10),
    goal=on_event("order_placed"),
    exit=in_stage("churned"),
    reentry="1d",
    group="abandonment",
    priority=10,
    steps=[
        wait("1h"),
        send("cart_reminder"),
        wait_for("message_clicked", timeout="1d", on_timeout=[send("cart_last", id="last")]),
        branch(count("order_placed") == 0, then=[update(attributes={"abandoner": True})]),
        split({"a": (1, [send("promo_a")]), "b": (3, [])}),
        exit_journey(),
    ],
)


def problems(make: Any) -> dict[str, str]:
    with pytest.raises(DefinitionError) as info:
        make()
    return {p.path: p.message for p in info.value.problems}


def test_a_journey_round_trips_through_json_and_has_a_schema() -> None:
    assert Journey.from_json(CART.model_dump_json()) == CART
    assert Journey.model_validate(json.loads(CART.model_dump_json())) == CART
    schema = json.dumps(Journey.model_json_schema())
    for kind in ("send", "wait", "wait_for", "branch", "split", "update", "exit", "stage", "date"):
        assert f'"{kind}"' in schema


def test_builders_derive_ids_and_every_step_is_found() -> None:
    ids = [s.id for s in CART.walk()]
    assert ids == [
        "wait_1h",
        "send_cart_reminder",
        "wait_for_message_clicked",
        "last",
        "if_orders_0",
        "update_abandoner",
        "split_a_b",
        "send_promo_a",
        "exit",
    ]
    places = CART.places()
    assert places["last"].next_id == "if_orders_0"  # a nested list rejoins after its step
    assert places["send_promo_a"].next_id == "exit"


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    data = {
        "id": "bad",
        "trigger": {"type": "stage", "stages": ["a"]},
        "entry": {"type": "prop", "path": "sku", "op": "==", "value": "x"},
        "steps": [
            {"type": "send", "id": "s", "template": "a", "channel": "email"},
            {"type": "send", "id": "s", "template": "a", "channel": "email"},
            {"type": "exit", "id": "x"},
            {"type": "wait", "id": "w", "duration": "1d"},
            {"type": "branch", "id": "b", "when": json.loads((count("o") >= 1).model_dump_json())},
        ],
    }
    found = problems(lambda: Journey.model_validate(data))
    assert set(found) == {"entry", "steps[1].id", "steps[3]", "steps[4]"}
    assert "duplicate step id 's'" in found["steps[1].id"]
    assert "can never run" in found["steps[3]"]
    assert "no steps on either side" in found["steps[4]"]
    with pytest.raises(DefinitionError, match="no steps on either side"):
        branch(count("order_placed") >= 1)  # built alone, a step checks itself


@pytest.mark.parametrize(
    ("make", "path", "says"),
    [
        (
            lambda: Journey(id="Bad Id", trigger=on_event("x"), steps=[send("a")]),
            "id",
            "lower-case",
        ),
        (
            lambda: Journey.model_validate(
                {
                    "id": "j",
                    "trigger": {"type": "event", "event": "Order Placed"},
                    "steps": [{"type": "exit", "id": "x"}],
                }
            ),
            "trigger.event",
            "snake_case",
        ),
        (lambda: Journey(id="j", trigger=on_event("x"), steps=[]), "steps", "at least 1"),
        (
            lambda: Journey(id="j", trigger=on_event("x"), holdout=0.9, steps=[send("a")]),
            "holdout",
            "0.5",
        ),
        (
            lambda: Journey(id="j", trigger=on_event("x"), reentry="-1d", steps=[send("a")]),
            "reentry",
            "positive",
        ),
        (lambda: split({"a": (0, [])}), "weight", "greater than or equal to 1"),
        (lambda: wait("-3d"), "duration", "positive"),
        (lambda: wait(until="25:00"), "until", "24-hour"),
        (lambda: on_date("birthday"), "date", "attributes."),
        (lambda: wait_for("x", timeout="0s"), "timeout", "positive"),
        (lambda: on_event("order_placed", where=in_stage("a")), "where", "where="),
    ],
)
def test_shape_problems_name_their_field(make: Any, path: str, says: str) -> None:
    found = problems(make)
    assert path in found, found
    assert says in found[path]


def test_a_wait_needs_exactly_one_form() -> None:
    from journeykit.journeys import Wait

    found = problems(lambda: Wait(id="w", duration="1d", until="09:00"))  # type: ignore[arg-type]
    assert "exactly one" in found[""]


def test_diagrams_follow_the_run() -> None:
    text = CART.to_mermaid()
    assert text.startswith("stateDiagram-v2")
    assert "[*] --> s0 : event added_to_cart where value #gt;= 10" in text
    assert "s2 --> s3 : after 1d" in text  # the timeout path
    assert "s2 --> s4 : message_clicked" in text  # the event path rejoins
    assert "s6 --> s7 : a (1)" in text
    assert "s6 --> s8 : b (3)" in text  # an empty side goes straight on
    assert "s8 --> [*]" in text
    dot = CART.to_dot()
    assert dot.startswith('digraph "cart_abandonment v1" {')
    assert '"s8" -> "__end__"' in dot


NASTY = st.text(
    alphabet=st.sampled_from(list(";:\r\n\u2028\"'<>{}#%[]*-|`\\ abc")), min_size=1, max_size=20
)


@given(NASTY)
def test_no_user_text_can_add_a_statement_to_a_diagram(text: str) -> None:
    journey = Journey(
        id="j",
        trigger=on_event("x", where=prop("p") == text),
        goal=attr("a") == text,
        steps=[branch(attr("a") == text, then=[send("t", params={"x": text})])],
    )
    for line in journey.to_mermaid().splitlines()[1:]:
        assert line.startswith("    ")
        assert "\r" not in line
        assert line.count(" : ") <= 1 or line.lstrip().startswith(("note", "s"))


def _mermaid_ready() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        return f"mermaid is not installed: run `npm install --prefix {MERMAID_DIR}`"
    return None


@pytest.mark.skipif(_mermaid_ready() is not None, reason=str(_mermaid_ready()))
def test_mermaid_itself_reads_exactly_the_steps_and_arrows_drawn() -> None:
    texts = [
        "plain",
        "semi;colon :: end:",
        "line\nbreak\r",
        'click s0 href "https://x"',
        "[*] --> s0",
    ]
    diagrams = [
        Journey(
            id="j",
            trigger=on_event("x", where=prop("p") == t),
            goal=attr("a") == t,
            steps=[branch(attr("a") == t, then=[send("t")]), wait("1d")],
        ).to_mermaid()
        for t in texts
    ]
    done = subprocess.run(
        ["node", "--input-type=module", "-e", (MERMAID_DIR / "parse.mjs").read_text()],
        input="\0".join(diagrams).encode(),
        capture_output=True,
        cwd=MERMAID_DIR,
        timeout=120,
        check=True,
    )
    for result in json.loads(done.stdout):
        assert result["ok"], result
        assert sorted(result["states"]) == ["root_end", "root_start", "s0", "s1", "s2"]
        assert sorted(r[:2] for r in result["relations"]) == sorted(
            [["root_start", "s0"], ["s0", "s1"], ["s0", "s2"], ["s1", "s2"], ["s2", "root_end"]]
        )
        assert result["classes"] == []
