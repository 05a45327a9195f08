"""Exceptions raised by journeykit. See :mod:`journeykit._errors` for the rules."""

from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    Problem,
    UsageError,
)
from journeykit._sandbox import (
    MissingVariableError,
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
)

__all__ = [
    "JourneykitError",
    "DefinitionError",
    "InvalidInputError",
    "UsageError",
    "Problem",
    "TemplateError",
    "TemplateSecurityError",
    "TemplateLimitError",
    "MissingVariableError",
    "TemplateNotFoundError",
]
