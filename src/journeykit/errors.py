"""Exceptions raised by journeykit. See :mod:`journeykit._errors` for the rules."""

from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    Problem,
    UsageError,
)

__all__ = ["JourneykitError", "DefinitionError", "InvalidInputError", "UsageError", "Problem"]
