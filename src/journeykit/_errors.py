"""journeykit's exceptions, split by who is at fault.

Every exception journeykit raises on purpose derives from :class:`JourneykitError`, and
each also subclasses the fitting built-in so ``except ValueError`` keeps working:

- :class:`DefinitionError` (``ValueError``): the author of a stage machine, journey,
  condition or template got something wrong. It carries *every* problem found, each
  with a path such as ``journeys[cart_abandonment].steps[2].template``.
- :class:`InvalidInputError` (``ValueError``): customer or event data handed to a
  function is malformed (a naive datetime, an unknown time zone, a bad duration). When
  it came from a record's fields it carries the problems with their paths too
  (``properties.value``).
- :class:`UsageError` (``RuntimeError``): the host called journeykit in a way it does not
  support (a state written by a newer release, say).

Models never let pydantic's own ``ValidationError`` escape: building a record
(``Customer``, ``Event``) raises :class:`InvalidInputError`, building or loading a
definition raises :class:`DefinitionError`, both with the field path of every problem.
The classes report themselves as ``journeykit.errors.*``, the module users import.
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
    "quote",
]

#: The longest piece of user text (a condition, a value) a message quotes.
QUOTE_LIMIT = 120


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for quoting in messages.

    Messages quote definitions and data; a 1,000-item list must not turn one problem
    into megabytes of text.

    >>> quote("a" * 10, 6)
    'aaaaa…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def under(self, root: str) -> Problem:
        """This problem with its path re-rooted below ``root``.

        >>> str(Problem("[2].when", "bad").under("transitions"))
        'transitions[2].when: bad'
        """
        if not root:
            return self
        if not self.path:
            return Problem(root, self.message)
        joiner = "" if self.path.startswith("[") else "."
        return Problem(f"{root}{joiner}{self.path}", self.message)


def _listing(headline: str, problems: tuple[Problem, ...]) -> str:
    count = len(problems)
    lines = [f"{count} problem{'s' if count != 1 else ''} {headline}:"]
    lines.extend(f"  - {p}" for p in problems)
    return "\n".join(lines)


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
        super().__init__(_listing("in the definition", self.problems))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.problems,))


class InvalidInputError(JourneykitError, ValueError):
    """Customer or event data, or an argument, is malformed.

    The message names the field, what it must be and what it got. Raised for a record's
    fields, it also lists each problem with its path:

    >>> err = InvalidInputError([Problem("properties.value", "must be a decimal")])
    >>> err.problems[0].path
    'properties.value'
    >>> print(err)
    properties.value: must be a decimal
    """

    problems: tuple[Problem, ...]

    def __init__(self, message: str | Iterable[Problem]) -> None:
        if isinstance(message, str):
            self.problems = (Problem("", message),)
            text = message
        else:
            self.problems = tuple(message)
            if len(self.problems) == 1:
                text = str(self.problems[0])
            else:
                text = _listing("in the input", self.problems)
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.problems,))


class UsageError(JourneykitError, RuntimeError):
    """journeykit was called in a way it does not support."""


for _cls in (JourneykitError, DefinitionError, InvalidInputError, UsageError, Problem):
    _cls.__module__ = "journeykit.errors"
