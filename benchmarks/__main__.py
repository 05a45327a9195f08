"""Run every benchmark: ``python -m benchmarks [name ...]``.

Each ``benchmarks/bench_<name>.py`` module has a ``main()`` that prints its own table of
figures and ratios. Pass names (``facts``, ``conditions``...) to run only those.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )
    wanted = argv or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {names}")
    for name in wanted:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"=== {name}")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
