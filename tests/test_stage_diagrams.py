"""Diagrams: no name or label a definition holds can end a Mermaid or DOT statement or
start another."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from journeykit.conditions import Condition, all_of, attr, count, in_stage, prop, total
from journeykit.errors import JourneykitError
from journeykit.stages import Stage, StageMachine, Transition

# --- one statement a line -------------------------------------------------------------

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_BREAKS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_LABEL = rf"(?:[^{_BREAKS};<>{{}}#:]|#(?:lt|gt|59|123|125|35|58|quot);|#(?!\w+;)|:(?!:|$))+"
MERMAID_LINE = re.compile(
    rf"    (?:state \"{_LABEL}\" as (?P<alias>{_ID})"
    rf"|\[\*\] --> (?P<initial>{_ID})"
    rf"|(?P<source>{_ID}) --> (?P<target>{_ID}) : {_LABEL}"
    rf"|(?P<final>{_ID}) --> \[\*\]"
    rf"|(?P<described>{_ID}) : {_LABEL})"
)
_QUOTED = r'"(?:[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029]|\\.)*"'
DOT_LINE = re.compile(
    rf"    (?:{_QUOTED} \[label={_QUOTED}(?:, tooltip={_QUOTED})?(?:, peripheries=2)?\];"
    rf"|{_QUOTED} -> {_QUOTED} \[label={_QUOTED}\];"
    rf'|"__start__" -> {_QUOTED};)'
)
DOT_HEAD = [
    "digraph lifecycle {",
    "    rankdir=LR;",
    '    node [shape=box, style=rounded, fontname="Helvetica"];',
    '    edge [fontname="Helvetica", fontsize=10];',
    '    "__start__" [shape=point, label=""];',
]


def statements(m: StageMachine) -> list[re.Match[str]]:
    """Each Mermaid line after the header as a match of exactly one statement."""
    lines = m.to_mermaid().split("\n")
    assert lines[0] == "stateDiagram-v2"
    matches = [MERMAID_LINE.fullmatch(line) for line in lines[1:]]
    assert all(matches), [line for line, m in zip(lines[1:], matches, strict=True) if not m]
    return [m for m in matches if m is not None]


def expected_lines(m: StageMachine) -> int:
    """How many statements the machine should draw, counted from its own data (each
    transition has one source; a description of nothing but spaces and control
    characters is not drawn)."""
    described = sum(1 for s in m.stages if re.sub(f"[{_BREAKS}]", " ", s.description).strip())
    finals = sum(1 for s in m.stages if s.final)
    return 1 + described + len(m.transitions) + finals


# --- text that tries to escape --------------------------------------------------------

tricky = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" ab:;#{}<>\"'\\\r\n\t\x0b\x0c\x85\u2028\u2029%&|-*[]()=")),
        # lone surrogates are refused where text enters a definition (JSON cannot hold them)
        st.characters(exclude_categories=("Cs",)),
    ),
    min_size=1,
    max_size=24,
)
stage_names = st.one_of(
    st.sampled_from(["state", "Note", "CLICK", "root_start", "end", "s0", "s1", "at-risk", "ö"]),
    st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True),
)


def _labelled(kind: int, text: str) -> Condition:
    if kind == 0:
        return attr(text.replace(".", "_")) == text
    if kind == 1:
        return in_stage(text)
    if kind == 2:
        return total("order_placed", text) >= 5
    return count("order_placed", where=prop(text.replace(".", "_")) == text) >= 1


conditions_with_text = st.builds(_labelled, st.integers(0, 3), tricky)


@st.composite
def machines(draw: st.DrawFn) -> StageMachine:
    names = draw(st.lists(stage_names, min_size=2, max_size=4, unique=True))
    descriptions = draw(st.lists(tricky, min_size=len(names), max_size=len(names)))
    try:
        whens = [draw(conditions_with_text) for _ in names]
        return StageMachine(
            initial=names[0],
            stages=[
                Stage(name=n, description=d, final=n == names[-1])
                for n, d in zip(names, descriptions, strict=True)
            ],
            transitions=[
                Transition(source=a, target=b, when=w)
                for a, b, w in zip(names, names[1:], whens, strict=False)
            ],
        )
    except JourneykitError:
        assume(False)  # a name or path the conditions refuse: not a diagram question
        raise


@given(machines())
def test_no_name_or_label_can_end_a_mermaid_statement_or_start_one(m: StageMachine) -> None:
    found = statements(m)
    assert len(found) == expected_lines(m) + sum(1 for f in found if f["alias"])
    ids = [f["alias"] for f in found if f["alias"]]
    declared = set(ids) | {s.name for s in m.stages}
    assert len(ids) == len(set(ids))
    used = {f[k] for f in found for k in ("source", "target", "final", "described") if f[k]}
    assert used <= declared


@given(machines())
def test_no_name_or_label_can_end_a_dot_statement(m: StageMachine) -> None:
    lines = m.to_dot().split("\n")
    assert lines[: len(DOT_HEAD)] == DOT_HEAD
    assert lines[-1] == "}"
    body = lines[len(DOT_HEAD) : -1]
    assert all(DOT_LINE.fullmatch(line) for line in body), body
    assert len(body) == 1 + len(m.stages) + len(m.transitions)


def test_a_carriage_return_cannot_add_a_phishing_link_or_a_fake_state() -> None:
    m = StageMachine(
        initial="new",
        stages=[
            Stage(
                name="new",
                description='Hi\r    click new href "https://evil.example"\r    fake --> new',
            ),
            Stage(name="buyer", final=True),
        ],
        transitions=[
            Transition(source="new", target="buyer", when=attr("a::b;c\rclassDef x") == "y")
        ],
    )
    lines = m.to_mermaid().split("\n")
    assert len(lines) == 5
    assert lines[2] == (
        '    new : Hi     click new href "https://evil.example"     fake --#gt; new'
    )
    assert lines[3] == "    new --> buyer : attribute a#58;#58;b#59;c classDef x == 'y'"
    statements(m)


def test_names_mermaid_reserves_are_drawn_under_aliases_that_collide_with_nothing() -> None:
    m = StageMachine(
        initial="State",
        stages=[Stage(name="State"), Stage(name="s0"), Stage(name="root_start", final=True)],
        transitions=[
            Transition(source="State", target="s0", when=count("order_placed") >= 1),
            Transition(source="s0", target="root_start", when=count("order_placed") >= 2),
        ],
    )
    lines = m.to_mermaid().split("\n")
    assert lines[1:3] == ['    state "State" as s0_', '    state "root_start" as s2']
    assert "    s0_ --> s0 : orders #gt;= 1" in lines
    assert "    s0 --> s2 : orders #gt;= 2" in lines


# --- Mermaid's own parser (dev-only) ---------------------------------------------------

MERMAID_DIR = Path(__file__).parent / "mermaid"


def _mermaid_ready() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        return f"mermaid is not installed: run `npm install --prefix {MERMAID_DIR}`"
    return None


CORPUS = [
    "plain words",
    "quotes \"double\" and 'single'",
    "semi;colon and ::double colons::: and a trailing colon:",
    "ends with a colon and spaces :  \x1b",
    "line\nbreak\rreturn\u2028separator\u2029paragraph\x85next",
    "%%{init: {'theme': 'dark'}}%% directive",
    'click new href "https://evil.example" _blank',
    "classDef evil fill:#f00; class new evil",
    "note right of new : injected",
    "<b>html</b> &amp; #lt; #35; #58; #quot; #x;",
    "[*] --> fake",
    "{curly} |pipe| `tick` \\back\\",
]


@pytest.mark.skipif(_mermaid_ready() is not None, reason=str(_mermaid_ready()))
def test_mermaid_itself_reads_exactly_the_states_and_transitions_drawn() -> None:
    diagrams = []
    for text in CORPUS:
        m = StageMachine(
            initial="new",
            stages=[
                Stage(name="new", description=text),
                Stage(name="state", description=text),
                Stage(name="s1", final=True),
            ],
            transitions=[
                Transition(source="new", target="state", when=attr(text.replace(".", "_")) == text),
                Transition(
                    source="state",
                    target="s1",
                    when=in_stage("state") | (attr("note") == text) | all_of(),
                ),
            ],
        )
        diagrams.append(m.to_mermaid())
    script = (MERMAID_DIR / "parse.mjs").read_text()
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input="\0".join(diagrams).encode(),
        capture_output=True,
        cwd=MERMAID_DIR,
        timeout=120,
        check=True,
    )
    results = json.loads(done.stdout)
    assert len(results) == len(CORPUS)
    for text, result in zip(CORPUS, results, strict=True):
        assert result["ok"], (text, result)
        assert sorted(result["states"]) == ["new", "root_end", "root_start", "s1", "s1_"], text
        assert len(result["relations"]) == 4, (text, result["relations"])
        assert result["classes"] == [], text
