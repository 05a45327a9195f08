"""Where :mod:`journeykit.conditions` finds :func:`look_back` (home: journeykit._time.lookback)."""

from __future__ import annotations

from journeykit._time.lookback import look_back

__all__ = ["look_back"]
