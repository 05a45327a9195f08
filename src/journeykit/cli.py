"""The ``journeykit`` command: a host like any other, for people and CI pipelines.

Commands (``journeykit COMMAND --help`` for each):

- ``validate FILE``: check a definition set (JSON or YAML: lifecycle, journeys,
  templates, policy); print every problem with its path; exit 1 if there are any.
- ``diagram FILE [--journey ID] [--format mermaid|dot]``: draw the lifecycle or a journey.
- ``simulate FILE --customer C.json --events E.jsonl [--until ...] [--json]``: play one
  customer through the definitions and print the timeline of what happened.
- ``schema``: the JSON Schema of definition sets, for editors and CRMs.
- ``demo``: the real-data demo (see ``journeykit demo --help``).

Conventions: output on stdout, errors on stderr, exit status 0 (fine), 1 (the input has
problems: a definition, a customer or an event) or 2 (the command line itself is wrong:
an unknown option, a file that cannot be read). A user's mistake never prints a
traceback. This is the only module, with the demo, that reads files or the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn, TextIO

from journeykit import __version__
from journeykit._errors import JourneykitError, Problem
from journeykit.engine import DefinitionSet, Engine
from journeykit.models import Customer, Event
from journeykit.time import parse_duration, shift

__all__ = ["main"]

OK, PROBLEMS, USAGE = 0, 1, 2


class _CommandError(Exception):
    """A user's mistake: printed on stderr with the exit status, never a traceback."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _CommandError(f"no such file: {path}", USAGE) from None
    except IsADirectoryError:
        raise _CommandError(f"{path} is a directory, not a file", USAGE) from None
    except (OSError, UnicodeDecodeError) as err:
        raise _CommandError(f"cannot read {path}: {err}", USAGE) from None


def _problems_text(problems: Sequence[Problem], source: str) -> str:
    count = len(problems)
    lines = [f"{source}: {count} problem{'s' if count != 1 else ''}"]
    lines.extend(f"  {p}" for p in problems)
    return "\n".join(lines)


def _load(path: str) -> DefinitionSet:
    text = _read(path)
    if path.endswith(".json"):
        yaml = False
    elif path.endswith((".yaml", ".yml")):
        yaml = True
    else:  # no telling extension: JSON starts with an object or a list
        yaml = not text.lstrip().startswith(("{", "["))
    try:
        return DefinitionSet.from_yaml(text) if yaml else DefinitionSet.from_json(text)
    except JourneykitError as err:
        problems = getattr(err, "problems", None) or [Problem("", str(err))]
        raise _CommandError(_problems_text(problems, path), PROBLEMS) from None


def _engine(definitions: DefinitionSet, path: str) -> Engine:
    try:
        return Engine.from_definitions(definitions)
    except JourneykitError as err:
        problems = getattr(err, "problems", None) or [Problem("", str(err))]
        raise _CommandError(_problems_text(problems, path), PROBLEMS) from None


# --------------------------------------------------------------------------- commands


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    definitions = _load(args.file)
    _engine(definitions, args.file)
    stages = 0 if definitions.lifecycle is None else len(definitions.lifecycle.stages)
    print(
        f"{args.file}: ok ({stages} stages, {len(definitions.journeys)} journeys, "
        f"{len(definitions.templates.templates)} templates)",
        file=out,
    )
    return OK


def _diagram(args: argparse.Namespace, out: TextIO) -> int:
    definitions = _load(args.file)
    if args.journey is None:
        if definitions.lifecycle is None:
            raise _CommandError(
                f"{args.file} has no lifecycle to draw; pick one with --journey", USAGE
            )
        drawn = definitions.lifecycle
    else:
        journeys = definitions.latest()
        if args.journey not in journeys:
            known = ", ".join(sorted(journeys)) or "none"
            raise _CommandError(
                f"no journey {args.journey!r} in {args.file} (journeys: {known})", USAGE
            )
        drawn = journeys[args.journey]  # type: ignore[assignment]  # both draw themselves
    print(drawn.to_mermaid() if args.format == "mermaid" else drawn.to_dot(), file=out)
    return OK


def _events(path: str) -> list[Event]:
    events: list[Event] = []
    for number, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(Event.model_validate_json(line))
        except JourneykitError as err:
            raise _CommandError(f"{path}, line {number}: {err}", PROBLEMS) from None
    return events


def _simulate(args: argparse.Namespace, out: TextIO) -> int:
    from journeykit.testing import Simulator

    definitions = _load(args.file)
    engine = _engine(definitions, args.file)
    try:
        customer = Customer.model_validate_json(_read(args.customer))
    except JourneykitError as err:
        raise _CommandError(f"{args.customer}: {err}", PROBLEMS) from None
    events = sorted(_events(args.events), key=lambda e: e.at)
    for event in events:
        if event.customer_id != customer.id:
            raise _CommandError(
                f"{args.events}: event {event.id!r} is about customer {event.customer_id!r}, "
                f"not {customer.id!r}",
                PROBLEMS,
            )
    start = min([customer.created_at, *(e.at for e in events)])
    sim = Simulator(engine, customer, start=start)
    for event in events:
        sim.event(event.type, dict(event.properties), id=event.id, at=max(event.at, sim.now))
    end = _until(args.until, sim.now, customer.timezone or engine.policy.default_timezone)
    if end > sim.now:
        sim.advance(end)
    if args.json:
        for action in sim.actions:
            print(action.model_dump_json(), file=out)
    else:
        print(sim.timeline(), file=out)
    return OK


def _until(text: str, last: datetime, tz: str) -> datetime:
    try:
        return shift(last, parse_duration(text), tz)
    except JourneykitError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise _CommandError(
            f"--until must be a duration after the last event ('30d') or an ISO instant with "
            f"an offset ('2026-06-01T00:00:00+00:00') (got {text!r})",
            USAGE,
        ) from None
    if when.tzinfo is None:
        raise _CommandError(f"--until needs an offset, e.g. '{text}+00:00' (got {text!r})", USAGE)
    return when


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    print(json.dumps(DefinitionSet.model_json_schema(), indent=2), file=out)
    return OK


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from journeykit.demo import run

    if args.synthetic is not None and args.synthetic < 1:
        raise _CommandError("--synthetic needs a positive number of customers", USAGE)
    if args.workers is not None and args.workers < 1:
        raise _CommandError("--workers needs a positive number", USAGE)
    return run(
        synthetic=args.synthetic,
        output=Path(args.output),
        progress=not args.quiet and sys.stderr.isatty(),
        out=out,
        workers=args.workers,
    )


# --------------------------------------------------------------------------- parsing


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise _CommandError(message, USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="journeykit",
        description="Customer-lifecycle logic for e-shops and CRMs: check, draw and try "
        "definition sets, and run the demo.",
    )
    parser.add_argument("--version", action="version", version=f"journeykit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser(
        "validate", help="check a definition set and print every problem with its path"
    )
    validate.add_argument("file", help="a JSON or YAML definition set")
    validate.set_defaults(run=_validate)

    diagram = commands.add_parser("diagram", help="draw the lifecycle or a journey")
    diagram.add_argument("file", help="a JSON or YAML definition set")
    diagram.add_argument("--journey", metavar="ID", help="draw this journey, not the lifecycle")
    diagram.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    diagram.set_defaults(run=_diagram)

    simulate = commands.add_parser(
        "simulate", help="play one customer's events through the definitions"
    )
    simulate.add_argument("file", help="a JSON or YAML definition set")
    simulate.add_argument("--customer", required=True, metavar="C.json", help="the customer")
    simulate.add_argument(
        "--events", required=True, metavar="E.jsonl", help="events, one JSON object a line"
    )
    simulate.add_argument(
        "--until",
        default="30d",
        help="how long after the last event to go on ('30d'), or an ISO instant",
    )
    simulate.add_argument("--json", action="store_true", help="actions as JSON lines")
    simulate.set_defaults(run=_simulate)

    schema = commands.add_parser("schema", help="print the JSON Schema of definition sets")
    schema.set_defaults(run=_schema)

    demo = commands.add_parser(
        "demo",
        help="replay real shop data through the ready-made lifecycle and journeys",
        description="Replay the CDNOW purchase history (23,570 customers, 1997-1998) through "
        "the ready-made lifecycle and purchase journeys; print a summary and write an HTML "
        "report.",
    )
    demo.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="run on N generated customers with browsing, carts and opt-ins instead",
    )
    demo.add_argument(
        "--output", default="journeykit-report.html", help="where to write the HTML report"
    )
    demo.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: the CPUs, up to 4)"
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (0 fine, 1 problems, 2 usage)."""
    stream = sys.stdout if out is None else out
    try:
        args = _parser().parse_args(argv)
        status: int = args.run(args, stream)
    except _CommandError as failure:
        print(f"journeykit: {failure}", file=sys.stderr)
        return failure.status
    except KeyboardInterrupt:
        print("journeykit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``journeykit schema | head``): stop quietly, as the Python
        # documentation advises, so the interpreter does not complain at exit either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
