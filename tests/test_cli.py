"""The ``journeykit`` command, as a user and a CI pipeline meet it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from journeykit import presets
from journeykit.cli import main


@cache
def definitions_json() -> str:
    return presets.engine(shop_name="Kaffeboden", currency="SEK").definitions.model_dump_json()


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.json"
    path.write_text(definitions_json())
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


def test_validate_says_ok_for_a_sound_definition_set(shop: Path) -> None:
    status, out = run("validate", str(shop))
    assert status == 0
    assert "ok (9 stages, 14 journeys, 22 templates)" in out


def test_validate_prints_every_problem_with_its_path_and_exits_1(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(shop.read_text())
    data["journeys"][0]["steps"][0]["template"] = "welcom"
    data["lifecycle"]["initial"] = "ghost"
    shop.write_text(json.dumps(data))
    status, _ = run("validate", str(shop))
    assert status == 1
    err = capsys.readouterr().err
    assert "lifecycle.initial: unknown stage 'ghost'" in err
    assert "journeys[welcome].steps[0].template" in err
    assert "did you mean 'welcome'" in err


def test_yaml_definition_sets_are_read_too(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(json.loads(definitions_json())))
    assert run("validate", str(path))[0] == 0


def test_a_missing_file_and_broken_json_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("validate", str(tmp_path / "nope.json"))[0] == 2
    assert "no such file" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"journeys": [')
    assert run("validate", str(broken))[0] == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_diagram_draws_the_lifecycle_or_a_journey(shop: Path) -> None:
    status, out = run("diagram", str(shop))
    assert status == 0
    assert out.startswith("stateDiagram-v2")
    status, out = run("diagram", str(shop), "--journey", "cart_abandonment", "--format", "dot")
    assert status == 0
    assert out.startswith('digraph "cart_abandonment v1"')
    assert run("diagram", str(shop), "--journey", "nope")[0] == 2


def test_schema_is_the_json_schema_of_definition_sets() -> None:
    status, out = run("schema")
    assert status == 0
    schema = json.loads(out)
    assert {"lifecycle", "journeys", "templates", "policy"} <= set(schema["properties"])


def write_customer(tmp_path: Path) -> Path:
    path = tmp_path / "ada.json"
    path.write_text(
        json.dumps(
            {
                "id": "ada",
                "email": "ada@example.com",
                "timezone": "Europe/Stockholm",
                "locale": "sv-SE",
                "created_at": "2026-03-02T09:00:00Z",
                "consent": {"email": "opted_in"},
            }
        )
    )
    return path


def test_simulate_prints_the_timeline(shop: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"id": "e1", "customer_id": "ada", "type": "subscribed",
                    "at": "2026-03-02T09:00:00Z"})
        + "\n\n"
        + json.dumps({"id": "e2", "customer_id": "ada", "type": "order_placed",
                      "at": "2026-03-03T09:00:00Z",
                      "properties": {"value": "99.00", "currency": "SEK"}})
        + "\n"
    )  # fmt: skip
    status, out = run(
        "simulate", str(shop), "--customer", str(write_customer(tmp_path)),
        "--events", str(events), "--until", "10d",
    )  # fmt: skip
    assert status == 0
    assert "2026-03-02 10:00 CET  sent welcome by email to ada@example.com" in out
    assert "exited welcome: converted" in out
    status, out = run(
        "simulate", str(shop), "--customer", str(write_customer(tmp_path)),
        "--events", str(events), "--json",
    )  # fmt: skip
    assert status == 0
    actions = [json.loads(line) for line in out.splitlines()]
    assert {"stage_changed", "journey_entered", "send_message"} <= {a["type"] for a in actions}


def test_a_bad_event_line_names_its_line_number(
    shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"id": "e1", "customer_id": "ada", "type": "subscribed", "at": "2026-03-02T09:00:00Z"}\n'
        '{"id": "e2", "customer_id": "ada", "type": "OrderPlaced", "at": "2026-03-03T09:00:00Z"}\n'
    )
    status, _ = run(
        "simulate", str(shop), "--customer", str(write_customer(tmp_path)), "--events", str(events)
    )
    assert status == 1
    assert "line 2" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("bogus")[0] == 2
    assert run("simulate", "x.json")[0] == 2  # --customer and --events are required
    assert run("demo", "--synthetic", "0")[0] == 2
    assert "usage:" in capsys.readouterr().err


def test_the_real_entry_point_has_help_version_and_no_tracebacks(tmp_path: Path) -> None:
    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "journeykit", *argv], capture_output=True, text=True, timeout=120
        )

    version = cli("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("journeykit ")
    for command in ("validate", "diagram", "simulate", "schema", "demo"):
        shown = cli(command, "--help")
        assert shown.returncode == 0
        assert "usage:" in shown.stdout
    missing = cli("validate", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert missing.stdout == ""


class _Checker(HTMLParser):
    """Fails on unbalanced tags; collects every URL-bearing attribute."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "rect", "path", "line",
                      "polygon"})  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action")]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action")]

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"closing {tag} with nothing open"
        opened = self.stack.pop()
        assert opened == tag, f"{tag} closes {opened}"


def test_the_demo_writes_a_self_contained_report(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    status, out = run(
        "demo", "--synthetic", "40", "--workers", "1", "--output", str(report), "--quiet"
    )
    assert status == 0
    assert "Replayed 40 customers" in out
    assert f"Report: {report.resolve()}" in out
    html = report.read_text()
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    assert [u for u in checker.urls if not u.startswith("#")] == []
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html
    assert html.count("<svg") == 3  # the stage diagram and the two charts
