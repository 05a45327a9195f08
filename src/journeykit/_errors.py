"""journeykit's exceptions, split by who is at fault.

Every exception journeykit raises on purpose derives from :class:`JourneykitError`, and
each also subclasses the fitting built-in so ``except ValueError`` keeps working:

- :class:`DefinitionError` (``ValueError``): the author of a stage machine, journey,
  condition or template got something wrong. It carries *every* problem found, each
  with a path such as ``journeys[cart_abandonment].steps[2].template``.
- :class:`InvalidInputError` (``ValueError``): customer or event data handed to a
  function is malformed (a naive datetime, an unknown time zone, a bad duration).
- :class:`UsageError` (``RuntimeError``): the host called journeykit in a way it does not
  support (a state written by a newer release, say).

Models built from untrusted data (``Customer``, ``Event``, definitions loaded from JSON)
raise :class:`pydantic.ValidationError`, itself a ``ValueError``; each of its errors has
a ``loc`` naming the field and a message saying what the field must be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "JourneykitError",
    "DefinitionError",
    "InvalidInputError",
    "UsageError",
    "Problem",
]


class JourneykitError(Exception):
    """Base class of every error journeykit raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where it is and what to do about it.

    >>> str(Problem("transitions[2].target", "unknown stage 'loyl'; known: 'loyal', 'new'"))
    "transitions[2].target: unknown stage 'loyl'; known: 'loyal', 'new'"
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DefinitionError(JourneykitError, ValueError):
    """A definition (stages, journeys, conditions, templates) is wrong.

    Raised once, when the definition is built, with every problem found so the author
    can fix them all in one pass.

    >>> err = DefinitionError([Problem("stages[1].name", "duplicate stage 'vip'")])
    >>> err.problems[0].path
    'stages[1].name'
    >>> print(err)
    1 problem in the definition:
      - stages[1].name: duplicate stage 'vip'
    """

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} in the definition:"]
        lines.extend(f"  - {p}" for p in self.problems)
        super().__init__("\n".join(lines))


class InvalidInputError(JourneykitError, ValueError):
    """Customer or event data, or an argument, is malformed.

    The message names the field, what it must be and what it got.
    """


class UsageError(JourneykitError, RuntimeError):
    """journeykit was called in a way it does not support."""
