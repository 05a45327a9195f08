"""Exceptions raised by journeykit. See :mod:`journeykit._errors` for the rules.

Importing this module imports no template engine: a host that only catches errors pays
for nothing else.
"""

from journeykit._errors import (
    DefinitionError,
    InvalidInputError,
    JourneykitError,
    MissingVariableError,
    Problem,
    TemplateError,
    TemplateLimitError,
    TemplateNotFoundError,
    TemplateSecurityError,
    UsageError,
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
