"""The demo's HTML report: one self-contained file, charts as inline SVG.

Nothing is fetched when it opens: no scripts, fonts, styles or images from elsewhere,
so it works offline and from an e-mail attachment. Every piece of text passes through
:func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from html import escape

from journeykit.demo._replay import Tally
from journeykit.stages import StageMachine

__all__ = ["report_html", "COLORS"]

COLORS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip

_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 960px;
       color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg { max-width: 100%; height: auto; }
svg text { font-family: Arial, Helvetica, sans-serif; font-size: 11px; fill: #222; }
.note { color: #555; font-size: 0.9rem; }
"""


def _stage_diagram(machine: StageMachine) -> str:
    """The stages on a circle with an arrow for every transition (labels in a table)."""
    names = list(machine.stage_names)
    n = len(names)
    width, height, radius = 560, 420, 160
    cx, cy = width / 2, height / 2
    where = {
        name: (
            cx + radius * math.cos(2 * math.pi * i / n - math.pi / 2),
            cy + radius * math.sin(2 * math.pi * i / n - math.pi / 2),
        )
        for i, name in enumerate(names)
    }
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="stages-title">',
        '<title id="stages-title">The lifecycle stages and the transitions between them</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#888"/></marker></defs>',
    ]
    drawn: set[tuple[str, str]] = set()
    for stage in names:
        for transition in machine.outgoing(stage):
            pair = (stage, transition.target)
            if pair in drawn:
                continue
            drawn.add(pair)
            (x1, y1), (x2, y2) = where[stage], where[transition.target]
            dx, dy = x2 - x1, y2 - y1
            length = math.hypot(dx, dy) or 1
            # stop short of the boxes, and bend pairs that go both ways apart
            sx, sy = x1 + dx / length * 34, y1 + dy / length * 16
            ex, ey = x2 - dx / length * 38, y2 - dy / length * 18
            mx, my = (sx + ex) / 2 - dy / length * 18, (sy + ey) / 2 + dx / length * 18
            parts.append(
                f'<path d="M {sx:.1f} {sy:.1f} Q {mx:.1f} {my:.1f} {ex:.1f} {ey:.1f}" '
                'fill="none" stroke="#888" stroke-width="1.2" marker-end="url(#arrow)"/>'
            )
    for i, name in enumerate(names):
        x, y = where[name]
        color = COLORS[i % len(COLORS)]
        parts.append(
            f'<rect x="{x - 44:.1f}" y="{y - 14:.1f}" width="88" height="28" rx="6" '
            f'fill="{color}" fill-opacity="0.18" stroke="{color}"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _stacked_area(stages: Sequence[str], months: Sequence[datetime], tally: Tally) -> str:
    width, height, left, bottom, top = 860, 320, 60, 40, 10
    plot_w, plot_h = width - left - 150, height - bottom - top
    totals = [sum(c.values()) for c in tally.stages] or [0]
    peak = max(totals) or 1
    n = len(months)

    def x(i: int) -> float:
        return left + (plot_w * i / max(n - 1, 1))

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="area-title">',
        '<title id="area-title">Customers in each stage at the end of every month</title>',
    ]
    below = [0.0] * n
    for k, stage in enumerate(stages):
        above = [below[i] + tally.stages[i].get(stage, 0) for i in range(n)]
        upper = " ".join(f"{x(i):.1f},{y(above[i]):.1f}" for i in range(n))
        lower = " ".join(f"{x(i):.1f},{y(below[i]):.1f}" for i in reversed(range(n)))
        color = COLORS[k % len(COLORS)]
        parts.append(f'<polygon points="{upper} {lower}" fill="{color}" fill-opacity="0.85"/>')
        parts.append(
            f'<rect x="{left + plot_w + 16}" y="{top + 16 * k}" width="10" height="10" '
            f'fill="{color}"/><text x="{left + plot_w + 32}" y="{top + 16 * k + 9}">'
            f"{escape(stage)}</text>"
        )
        below = above
    for i, month in enumerate(months):
        if i % 3 == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 18}" text-anchor="middle">{month:%Y-%m}</text>'
            )
    for step in range(5):
        v = peak * step / 4
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>'
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#ccc" stroke-width="0.5"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _bars(values: Sequence[tuple[str, int, int]]) -> str:
    """Sent and suppressed messages per journey, as horizontal bars."""
    row, left, width = 26, 170, 860
    height = row * len(values) + 30
    peak = max((s + u for _, s, u in values), default=0) or 1
    plot = width - left - 220  # room for the longest label, "999,999 sent, 999,999 not"
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title">',
        '<title id="bars-title">Messages each journey sent, and those it did not</title>',
    ]
    for i, (journey, sent, suppressed) in enumerate(values):
        y = 10 + i * row
        w_sent, w_supp = plot * sent / peak, plot * suppressed / peak
        parts.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(journey)}</text>'
            f'<rect x="{left}" y="{y}" width="{w_sent:.1f}" height="18" fill="{COLORS[0]}"/>'
            f'<rect x="{left + w_sent:.1f}" y="{y}" width="{w_supp:.1f}" height="18" '
            f'fill="{COLORS[1]}"/>'
            f'<text x="{left + w_sent + w_supp + 6:.1f}" y="{y + 14}">{sent:,} sent, '
            f"{suppressed:,} not</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = "".join(f"<th>{escape(str(h))}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.1%}"
    return str(value)


def report_html(
    *,
    title: str,
    intro: str,
    machine: StageMachine,
    months: Sequence[datetime],
    tally: Tally,
    seconds: float,
) -> str:
    """The whole report as one HTML document."""
    stages = list(machine.stage_names)
    journeys = sorted({*tally.sent, *(j for j, _ in tally.suppressed), *tally.entered})
    sends = [
        (j, tally.sent[j], sum(n for (k, _), n in tally.suppressed.items() if k == j))
        for j in journeys
    ]
    month_rows = [
        [f"{m:%Y-%m}", *(tally.stages[i].get(s, 0) for s in stages)] for i, m in enumerate(months)
    ]
    reasons = sorted({r for _, r in tally.suppressed})
    suppressed_rows = [
        [j, *(tally.suppressed.get((j, r), 0) for r in reasons)]
        for j in journeys
        if any(tally.suppressed.get((j, r), 0) for r in reasons)
    ]
    win_rows = []
    for held_out, label in ((False, "offered"), (True, "holdout (no message)")):
        total = tally.win_back[(held_out, True)] + tally.win_back[(held_out, False)]
        won = tally.win_back[(held_out, True)]
        win_rows.append([label, total, won, won / total if total else 0.0])
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(intro)}</p>",
        f'<p class="note">{tally.customers:,} customers, {tally.events:,} events, '
        f"{tally.calls:,} engine calls (events, and ticks at wake-ups only), in "
        f"{seconds:.1f} s.</p>",
        "<h2>The lifecycle</h2>",
        _stage_diagram(machine),
        "<h2>Customers per stage at the end of each month</h2>",
        _stacked_area(stages, months, tally),
        _table(["month", *stages], month_rows),
        "<h2>Messages per journey</h2>",
        _bars(sends),
        _table(
            ["journey", "entered", "sent", "not sent"],
            [[j, tally.entered[j], s, u] for j, s, u in sends],
        ),
        "<h2>Messages not sent, and why</h2>",
        _table(["journey", *reasons], suppressed_rows) if suppressed_rows else "<p>None.</p>",
        "<h2>Win-back: ordered again within 30 days</h2>",
        _table(["group", "customers", "ordered again", "rate"], win_rows),
        '<p class="note">The holdout group entered the win-back journey but got no message, '
        "so the difference between the two rates is what the messages added. In a replay "
        "of history the orders were placed without these messages, so the two rates should "
        "agree (an A/A test: any gap is chance); in a shop, the gap is the uplift.</p>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
