"""Shared test configuration: hypothesis profiles tuned for a shared, noisy machine.

Profiles: ``default`` (100 examples, no deadline), ``ci`` (the same, derandomised so a CI
run is repeatable; chosen when ``CI`` is set) and ``thorough`` (2,000 examples, for a
deliberate hunt: ``JOURNEYKIT_HYPOTHESIS=thorough python -m pytest``) and ``mutation``
(fewer examples and no shrinking, for ``mutmut``).

Under the ``mutation`` profile every memo cache in journeykit is emptied before each
test: mutmut forks each mutant's run from a process that has already run the suite, so
a warm cache (parsed durations, zones, crossings) would answer from the unmutated code
and a mutant in the function behind it would survive unseen.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
# mutation testing (CONTRIBUTING.md): a failure is all it needs to know, so no shrinking
settings.register_profile(
    "mutation",
    parent=settings.get_profile("ci"),
    max_examples=40,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.load_profile(
    os.environ.get("JOURNEYKIT_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "default")
)


@pytest.fixture(autouse=True)
def _cold_caches_for_mutation_testing() -> None:
    if settings.get_current_profile_name() == "mutation":
        for name, module in list(sys.modules.items()):
            if name.startswith("journeykit") and module is not None:
                for value in list(vars(module).values()):
                    clear = getattr(value, "cache_clear", None)
                    if callable(clear):
                        clear()
        zones = sys.modules.get("journeykit._time.zones")
        if zones is not None:
            zones._NAMED.clear()
