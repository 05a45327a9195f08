"""Shared test configuration: hypothesis profiles tuned for a shared, noisy machine.

Profiles: ``default`` (100 examples, no deadline), ``ci`` (the same, derandomised so a CI
run is repeatable; chosen when ``CI`` is set) and ``thorough`` (2,000 examples, for a
deliberate hunt: ``JOURNEYKIT_HYPOTHESIS=thorough python -m pytest``) and ``mutation``
(fewer examples and no shrinking, for ``mutmut``).
"""

from __future__ import annotations

import os

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
