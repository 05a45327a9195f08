"""Customer value: RFM and historic value against a plain loop; model fits against lifetimes.

Data: every CDNOW purchase (69,659 orders, 23,570 customers), from journeykit.datasets.

1. RFM scores, segments and historic value for all customers, from the orders. The floor
   is a hand-written loop doing the same sums, day merging and quintile scoring over
   mutable dicts, with no validation, no currency rule and no immutable results.
2. BG/NBD and Gamma-Gamma fits on all 23,570 customers, over the papers' calibration
   period (weeks 1-39) and over all 78 weeks, against the ``lifetimes`` package fitting
   the same summary in the same run (the ``bench`` extra: ``pip install
   'journeykit[bench]'``). Without it, the peer rows are skipped with a note.
3. The 2,357-customer sample, whose estimates are printed against the published ones.
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from benchmarks._harness import Timing, measure_all, report
from journeykit.analytics import (
    RFM_GRID,
    Order,
    Summary,
    customer_values,
    fit_bgnbd,
    fit_gamma_gamma,
    rfm,
    summarize,
)
from journeykit.datasets import load_cdnow
from journeykit.models import Event

WEEK_39 = date(1997, 9, 30)
WEEK_78 = date(1998, 6, 30)
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def reference_rfm(orders: Sequence[Order], end: date) -> dict[str, tuple[int, int, int, str]]:
    """The floor: purchase days, historic value and quintile scores with plain dicts."""
    days: dict[str, dict[date, Decimal]] = {}
    for o in orders:
        per = days.get(o.customer_id)
        if per is None:
            per = days[o.customer_id] = {}
        day: date = o.at  # type: ignore[assignment]  # CDNOW orders carry dates
        per[day] = per.get(day, Decimal(0)) + o.value
    ids = list(days)
    since = [(end - max(days[c])).days for c in ids]
    purchases = [len(days[c]) for c in ids]
    value = [sum(days[c].values(), Decimal(0)) for c in ids]
    n = len(ids)

    def better(values: list[Any]) -> list[int]:
        ordered = sorted(values)
        return [1 + 5 * bisect_left(ordered, v) // n for v in values]

    def fewer(values: list[int]) -> list[int]:
        ordered = sorted(values)
        return [1 + 5 * (n - bisect_right(ordered, v)) // n for v in values]

    r, f, m = fewer(since), better(purchases), better(value)
    return {c: (r[i], f[i], m[i], RFM_GRID[r[i]][f[i] - 1]) for i, c in enumerate(ids)}


def peer() -> Any | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lifetimes  # type: ignore[import-untyped]
    except ImportError as err:
        print(f"\n  note: lifetimes is not installed ({err}); peer rows skipped.")
        print("  install it with: pip install 'journeykit[bench]'")
        return None
    return lifetimes


def columns(summary: Summary) -> tuple[Any, Any, Any, Any, Any]:
    import numpy as np

    x = np.array([c.frequency for c in summary], dtype=float)
    tx = np.array([c.recency for c in summary], dtype=float)
    age = np.array([c.age for c in summary], dtype=float)
    m = np.array(
        [float(c.repeat_value / c.frequency) if c.frequency else 0.0 for c in summary],
        dtype=float,
    )
    usable = (x > 0) & (m > 0)
    return x, tx, age, x[usable], m[usable]


def compare(title: str, ours: dict[str, float], theirs: dict[str, float], places: int) -> None:
    print(f"  {title}")
    for name, value in ours.items():
        other = theirs.get(name)
        shown = "" if other is None else f"   lifetimes {other:.6f}   diff {value - other:+.2e}"
        print(f"    {name:<6} journeykit {value:.6f}{shown}")
    if theirs:
        same = all(round(ours[k], places) == round(theirs[k], places) for k in theirs)
        print(f"    same to {places} decimals: {'yes' if same else 'NO'}")


def fit_section(label: str, summary: Summary, lifetimes: Any | None) -> None:
    x, tx, age, xg, mg = columns(summary)
    runs: list[tuple[str, Callable[[], object]]] = [
        ("journeykit fit_bgnbd", lambda: fit_bgnbd(summary)),
        ("journeykit fit_gamma_gamma", lambda: fit_gamma_gamma(summary)),
    ]
    ours_bg, ours_gg = fit_bgnbd(summary), fit_gamma_gamma(summary)
    theirs_bg: dict[str, float] = {}
    theirs_gg: dict[str, float] = {}
    if lifetimes is not None:

        def peer_bgnbd() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return lifetimes.BetaGeoFitter().fit(x, tx, age)

        def peer_gg() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return lifetimes.GammaGammaFitter().fit(xg, mg)

        runs += [("lifetimes BetaGeoFitter", peer_bgnbd), ("lifetimes GammaGammaFitter", peer_gg)]
        bg, gg = peer_bgnbd().params_, peer_gg().params_
        theirs_bg = {k: float(bg[k]) for k in ("r", "alpha", "a", "b")}
        theirs_gg = {"p": float(gg["p"]), "q": float(gg["q"]), "gamma": float(gg["v"])}
    timings = measure_all(runs, 1, repeat=3, min_seconds=0.2)
    by_name = {t.name: t for t in timings}
    print(f"\n{label}: {len(summary):,} customers, {ours_gg.customers:,} repeat buyers")
    for model, ours_name, peer_name in (
        ("BG/NBD", "journeykit fit_bgnbd", "lifetimes BetaGeoFitter"),
        ("Gamma-Gamma", "journeykit fit_gamma_gamma", "lifetimes GammaGammaFitter"),
    ):
        pair: list[Timing] = [by_name[ours_name]]
        if peer_name in by_name:
            pair.append(by_name[peer_name])
        report(f"  {model} fit", pair, baseline=pair[-1].name, unit="fit")
    compare(
        "BG/NBD estimates",
        {k: getattr(ours_bg, k) for k in ("r", "alpha", "a", "b")},
        theirs_bg,
        3,
    )
    print(f"    log-likelihood {ours_bg.log_likelihood:.4f} ({ours_bg.iterations} iterations)")
    compare("Gamma-Gamma estimates", {k: getattr(ours_gg, k) for k in PUBLISHED_GG}, theirs_gg, 2)
    ll = ours_gg.log_likelihood
    print(f"    log-likelihood {ll:.4f}; free repeat buyers left out: {ours_gg.excluded}")


def main() -> None:
    rows = load_cdnow()
    orders = [Order(r.customer_id, r.date, r.value, "USD") for r in rows]
    events = [
        Event(
            id=f"o{i}",
            customer_id=r.customer_id,
            type="order_placed",
            at=f"{r.date.isoformat()}T12:00:00+00:00",  # type: ignore[arg-type]  # validated
            properties={"value": str(r.value), "currency": "USD"},
        )
        for i, r in enumerate(rows)
    ]

    # the floor and journeykit agree before anything is timed
    ours = rfm(summarize(orders, WEEK_78))
    floor = reference_rfm(orders, WEEK_78)
    assert {c: (s.recency, s.frequency, s.monetary, s.segment) for c, s in ours.items()} == floor

    timings = measure_all(
        [
            ("hand-written loop (floor)", lambda: reference_rfm(orders, WEEK_78)),
            ("summarize + rfm (Order tuples)", lambda: rfm(summarize(orders, WEEK_78))),
            ("summarize + customer_values", lambda: customer_values(summarize(orders, WEEK_78))),
            ("summarize + rfm (order_placed events)", lambda: rfm(summarize(events, WEEK_78))),
        ],
        len(orders),
        repeat=3,
    )
    report(
        f"RFM and historic value: {len(orders):,} CDNOW orders, {len(floor):,} customers",
        timings,
        baseline="hand-written loop (floor)",
        unit="order",
    )

    lifetimes = peer()
    calibration = summarize([o for o in orders if o.at <= WEEK_39], WEEK_39)
    fit_section("All CDNOW customers, weeks 1-39 (calibration)", calibration, lifetimes)
    fit_section(
        "All CDNOW customers, weeks 1-78 (every order)", summarize(orders, WEEK_78), lifetimes
    )

    sample_orders = [Order(r.customer_id, r.date, r.value, "USD") for r in load_cdnow(sample=True)]
    sample = summarize([o for o in sample_orders if o.at <= WEEK_39], WEEK_39)
    fit_section("The papers' 2,357-customer sample, weeks 1-39", sample, lifetimes)
    bg, gg = fit_bgnbd(sample), fit_gamma_gamma(sample)
    print("\n  published (Fader, Hardie & Lee 2005; Fader & Hardie 2013) vs reproduced:")
    for name, value in PUBLISHED_BGNBD.items():
        print(f"    {name:<15} {value:>10}   {getattr(bg, name):.4f}")
    for name, value in PUBLISHED_GG.items():
        print(f"    {name:<15} {value:>10}   {getattr(gg, name):.4f}")
