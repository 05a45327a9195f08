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
- :class:`TemplateError` (``ValueError``): a message template could not be rendered, with
  subclasses saying why (:class:`TemplateSecurityError`, :class:`TemplateLimitError`,
  :class:`MissingVariableError`, :class:`TemplateNotFoundError`). It says where:
  ``templates[cart_reminder].sv-SE.html:3``.

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
    "TemplateError",
    "TemplateSecurityError",
    "TemplateLimitError",
    "MissingVariableError",
    "TemplateNotFoundError",
    "template_location",
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


def template_location(
    template: str | None, variant: str | None, part: str | None, line: int | None
) -> str:
    """``templates[name].variant.part:line``, leaving out what is unknown.

    >>> template_location("cart", "sv-SE", "html", 3), template_location(None, None, None, 2)
    ('templates[cart].sv-SE.html:3', 'line 2')
    """
    text = "" if template is None else f"templates[{template}]"
    for piece in (variant, part):
        if piece is not None:
            text = f"{text}.{piece}" if text else piece
    if line is not None and text:
        text = f"{text}:{line}"
    elif line is not None:
        text = f"line {line}"
    return text


def _valid_unicode(text: str) -> str:
    """``text`` with lone surrogates written as escapes, so it can always be encoded."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class TemplateError(JourneykitError, ValueError):
    """A template could not be compiled or rendered.

    The engine turns it into ``MessageSuppressed(reason="render_failed")`` with this
    text. ``path`` says where: ``templates[cart_reminder].sv-SE.html:3`` (name, variant,
    part, line; the parts that are known). When the failure is inside a shared layout,
    ``layout`` says where in it (``layouts[email].default:12``) and the text ends with
    it. The text never contains object reprs or memory addresses, and is always valid
    Unicode.

    >>> err = TemplateError("'nickname' is undefined", template="welcome",
    ...                     variant="default", part="text", line=2)
    >>> print(err)
    templates[welcome].default.text:2: 'nickname' is undefined
    """

    def __init__(
        self,
        reason: str,
        *,
        template: str | None = None,
        variant: str | None = None,
        part: str | None = None,
        line: int | None = None,
        layout: str | None = None,
    ) -> None:
        self.reason = _valid_unicode(reason)
        self.template = template
        self.variant = variant
        self.part = part
        self.line = line
        self.layout = layout
        super().__init__(str(self))

    @property
    def path(self) -> str:
        """Where the error is, in the format :class:`~journeykit.templates.Templates`
        problems use."""
        return template_location(self.template, self.variant, self.part, self.line)

    def __str__(self) -> str:
        path = self.path
        reason = self.reason if self.layout is None else f"{self.reason} (in {self.layout})"
        return f"{path}: {reason}" if path else reason

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_template_error,
            (
                type(self),
                self.reason,
                self.template,
                self.variant,
                self.part,
                self.line,
                self.layout,
            ),
        )

    def located(
        self,
        template: str | None,
        variant: str | None,
        part: str | None,
        line: int | None,
        layout: str | None = None,
    ) -> TemplateError:
        """A copy of this error with the location filled in where it was missing."""
        return type(self)(
            self.reason,
            template=self.template or template,
            variant=self.variant or variant,
            part=self.part or part,
            line=self.line if self.line is not None else line,
            layout=self.layout or layout,
        )


def _rebuild_template_error(
    cls: type[TemplateError],
    reason: str,
    template: str | None,
    variant: str | None,
    part: str | None,
    line: int | None,
    layout: str | None = None,
) -> TemplateError:
    return cls(reason, template=template, variant=variant, part=part, line=line, layout=layout)


class TemplateSecurityError(TemplateError):
    """A template tried something the sandbox does not allow (Python internals, methods
    that are not on the allowlist, files, switching off escaping)."""


class TemplateLimitError(TemplateError):
    """A template exceeded a limit: output size, work per render, nesting, ``range`` or
    the size of its code."""


class MissingVariableError(TemplateError):
    """A strict template used a value the context does not have."""


class TemplateNotFoundError(TemplateError):
    """No template (or layout) of that name, or no variant for the locale and no
    ``default``."""


for _cls in (
    JourneykitError,
    DefinitionError,
    InvalidInputError,
    UsageError,
    Problem,
    TemplateError,
    TemplateSecurityError,
    TemplateLimitError,
    MissingVariableError,
    TemplateNotFoundError,
):
    _cls.__module__ = "journeykit.errors"
