"""journeykit: pure customer-lifecycle logic (stages, journeys, messages), no I/O."""

from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    Problem,
    UsageError,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "DefinitionError",
    "InvalidInputError",
    "JourneykitError",
    "Problem",
    "UsageError",
]
