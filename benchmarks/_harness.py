"""A tiny timing harness: every figure is printed next to a baseline run in the same process.

Absolute numbers on a shared machine are noise; ratios between two loops that ran
seconds apart on the same interpreter are not. Nothing here ever fails on speed.
"""

from __future__ import annotations

import gc
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType


def peer(module: str) -> ModuleType:
    """The peer library ``module`` a benchmark compares with, or a clear exit.

    The peers are in the ``bench`` extra, not in ``dev``: the library and its tests never
    need them, so the benchmarks import them only when they run.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise SystemExit(
            f"this benchmark compares with {module!r}, which is not installed ({err}); "
            "install the peers with: pip install -e '.[bench]'"
        ) from None


@dataclass(frozen=True)
class Timing:
    """Best seconds per operation over several repeats of a timed loop."""

    name: str
    seconds_per_op: float

    @property
    def ops_per_second(self) -> float:
        return 1.0 / self.seconds_per_op if self.seconds_per_op else float("inf")


def measure(
    name: str,
    fn: Callable[[], object],
    ops_per_call: int = 1,
    *,
    repeat: int = 5,
    min_seconds: float = 0.2,
) -> Timing:
    """Time ``fn``: calibrate a loop count to ``min_seconds``, keep the best of ``repeat``.

    ``ops_per_call`` says how many operations (events, evaluations) one call performs,
    so the result is per operation.
    """
    fn()  # warm caches, compile templates, fill lazy tables
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / 4 or loops >= 1 << 24:
            break
        loops *= 2
    best = float("inf")
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            best = min(best, time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(name, best / (loops * ops_per_call))


def measure_all(
    runs: Sequence[tuple[str, Callable[[], object]]],
    ops_per_call: int = 1,
    *,
    repeat: int = 5,
    min_seconds: float = 0.2,
) -> list[Timing]:
    """Time several implementations in interleaved rounds, keeping each one's best.

    On a shared machine a burst of load lands on whichever loop is running; taking turns
    spreads it across all of them, so the ratios between them hold better than when each
    is timed in one block.
    """
    loops: list[int] = []
    for _, fn in runs:
        fn()
        n = 1
        while True:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            if time.perf_counter() - start >= min_seconds / 4 or n >= 1 << 24:
                break
            n *= 2
        loops.append(n)
    best = [float("inf")] * len(runs)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            for i, (_, fn) in enumerate(runs):
                start = time.perf_counter()
                for _ in range(loops[i]):
                    fn()
                best[i] = min(best[i], (time.perf_counter() - start) / loops[i])
    finally:
        if gc_was_enabled:
            gc.enable()
    return [Timing(name, b / ops_per_call) for (name, _), b in zip(runs, best, strict=True)]


def report(title: str, timings: Sequence[Timing], *, baseline: str, unit: str = "op") -> None:
    """Print a table of per-op times and ratios to the named ``baseline`` timing."""
    base = next(t for t in timings if t.name == baseline)
    print(f"\n{title}")
    print(f"  {'implementation':<36} {unit + 's/s':>14} {'us/' + unit:>10} {'x ' + baseline:>18}")
    for t in timings:
        ratio = t.seconds_per_op / base.seconds_per_op
        print(
            f"  {t.name:<36} {t.ops_per_second:>14,.0f} {t.seconds_per_op * 1e6:>10.2f}"
            f" {ratio:>17.2f}x"
        )
