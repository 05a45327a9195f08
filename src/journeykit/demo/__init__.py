"""The demo: real shop data through the ready-made lifecycle and journeys.

``journeykit demo`` (or ``python -m journeykit.demo``) replays the purchase history of
CDNOW, an online music shop (69,659 orders by 23,570 customers, January 1997 to June
1998, shipped with journeykit), through :func:`journeykit.presets.engine` with the
journeys a purchase history can drive: post-purchase care, the second-purchase nudge,
win-back (with a holdout group, to measure what the offers add) and the ambassador
series. Like any host, it owns the clock and the storage: each customer's state lives in
memory, events go in with ``handle``, and ``tick`` runs only at the ``wake_at`` the engine
asks for. Customers are split between worker processes, as a host would shard them.

It prints a summary and writes one self-contained HTML report (charts as inline SVG).
``--synthetic N`` runs N generated customers who also browse, fill carts and subscribe,
so the welcome and abandonment journeys run too.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from journeykit.demo._data import (
    CDNOW_END,
    CDNOW_START,
    SYNTHETIC_END,
    SYNTHETIC_START,
    cdnow_stories,
    synthetic_stories,
)
from journeykit.demo._replay import Story, Tally, replay
from journeykit.demo._report import report_html
from journeykit.engine import Engine

__all__ = ["demo_engine", "main", "month_ends", "run"]

#: Customers handed to a worker at a time.
CHUNK = 500
PURCHASE_JOURNEYS = ("post_purchase", "second_purchase", "win_back", "ambassador")


def demo_engine(synthetic: bool = False) -> Engine:
    """The demo's engine: the ready-made lifecycle and journeys, in US dollars, with a
    10% holdout on win-back so the report can show what the offers add."""
    from journeykit import presets

    return presets.engine(
        shop_name="CDNOW" if not synthetic else "Demo shop",
        shop_url="https://shop.example",
        currency="USD",
        only=None if synthetic else PURCHASE_JOURNEYS,
        holdout={"win_back": 0.1},
    )


def month_ends(start: datetime, end: datetime) -> list[datetime]:
    """The last instant of every month from ``start``'s to ``end``'s, in their zone."""
    ends: list[datetime] = []
    year, month = start.year, start.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        first_of_next = start.replace(year=year, month=month, day=1, hour=0, minute=0)
        last = first_of_next - timedelta(microseconds=1)
        if last > end:
            return ends
        ends.append(last)


_ENGINE: list[Engine] = []


def _work(job: tuple[bool, list[Story] | tuple[int, int], list[datetime], datetime]) -> Tally:
    synthetic, stories, months, end = job
    if not _ENGINE:
        _ENGINE.append(demo_engine(synthetic))
    if isinstance(stories, tuple):
        stories = list(synthetic_stories(*stories))
    return replay(_ENGINE[0], stories, months, end)


def _jobs(
    synthetic: int | None, months: list[datetime], end: datetime
) -> Iterator[tuple[bool, list[Story] | tuple[int, int], list[datetime], datetime]]:
    if synthetic is None:
        stories = cdnow_stories()
        for i in range(0, len(stories), CHUNK):
            yield False, stories[i : i + CHUNK], months, end
    else:
        for first in range(0, synthetic, CHUNK):
            yield True, (first, min(CHUNK, synthetic - first)), months, end


class _Progress:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, shown: bool) -> None:
        self.total, self.done, self.shown = total, 0, shown
        self.started = time.monotonic()

    def step(self, n: int) -> None:
        self.done += n
        if self.shown:
            share = self.done / self.total if self.total else 1.0
            bar = "#" * int(share * 30)
            elapsed = time.monotonic() - self.started
            sys.stderr.write(
                f"\r  replaying [{bar:<30}] {self.done:,}/{self.total:,} customers {elapsed:4.0f} s"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def run(
    *,
    synthetic: int | None = None,
    output: Path = Path("journeykit-report.html"),
    progress: bool = False,
    out: TextIO | None = None,
    workers: int | None = None,
) -> int:
    """Replay the demo, print a summary to ``out`` and write the report to ``output``."""
    stream = sys.stdout if out is None else out
    if synthetic is not None and synthetic < 1:
        print("journeykit: --synthetic needs a positive number of customers", file=sys.stderr)
        return 2
    start, end = (CDNOW_START, CDNOW_END) if synthetic is None else (SYNTHETIC_START, SYNTHETIC_END)
    months = month_ends(start, end)
    jobs = list(_jobs(synthetic, months, end))
    total = synthetic if synthetic is not None else sum(len(j[1]) for j in jobs)
    bar = _Progress(total, progress)
    began = time.perf_counter()
    tally = Tally(stages=[])
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if count > 1:
        with ProcessPoolExecutor(max_workers=count) as pool:
            for part in pool.map(_work, jobs):
                tally = tally + part
                bar.step(part.customers)
    else:
        for job in jobs:
            part = _work(job)
            tally = tally + part
            bar.step(part.customers)
    bar.close()
    seconds = time.perf_counter() - began
    engine = demo_engine(synthetic is not None)
    assert engine.lifecycle is not None  # the presets always have one
    title = (
        "journeykit demo: CDNOW, 1997-1998"
        if synthetic is None
        else f"journeykit demo: {synthetic:,} generated customers"
    )
    intro = (
        "The purchase history of 23,570 customers of the online music shop CDNOW, replayed "
        "through journeykit's ready-made lifecycle and purchase journeys."
        if synthetic is None
        else "Generated customers who browse, fill carts, subscribe and order, replayed "
        "through every ready-made journey."
    )
    output.write_text(
        report_html(
            title=title,
            intro=intro,
            machine=engine.lifecycle,
            months=months,
            tally=tally,
            seconds=seconds,
        ),
        encoding="utf-8",
    )
    _summary(tally, months, seconds, output, stream)
    return 0


def _summary(
    tally: Tally, months: Sequence[datetime], seconds: float, output: Path, out: TextIO
) -> None:
    print(
        f"Replayed {tally.customers:,} customers ({tally.events:,} events, "
        f"{tally.calls:,} engine calls) in {seconds:.1f} s.",
        file=out,
    )
    last = tally.stages[-1] if tally.stages else {}
    print(
        f"Stages at {months[-1]:%Y-%m-%d}: "
        + ", ".join(f"{stage} {n:,}" for stage, n in sorted(last.items(), key=lambda kv: -kv[1])),
        file=out,
    )
    for journey in sorted(tally.entered):
        not_sent = sum(n for (j, _), n in tally.suppressed.items() if j == journey)
        print(
            f"  {journey:<28} entered {tally.entered[journey]:>7,}  sent "
            f"{tally.sent[journey]:>7,}  not sent {not_sent:>7,}",
            file=out,
        )
    rates = []
    for held_out in (False, True):
        total = tally.win_back[(held_out, True)] + tally.win_back[(held_out, False)]
        rates.append((tally.win_back[(held_out, True)], total))
    (won, offered), (won_h, held) = rates
    if offered and held:
        print(
            f"Win-back: {won / offered:.1%} of {offered:,} offered customers ordered again "
            f"within 30 days, against {won_h / held:.1%} of the {held:,} in the holdout.",
            file=out,
        )
    print(f"Report: {output.resolve()}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m journeykit.demo``: the same as ``journeykit demo``."""
    from journeykit.cli import main as cli

    return cli(["demo", *(sys.argv[1:] if argv is None else argv)])
