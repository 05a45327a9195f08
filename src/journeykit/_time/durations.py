"""The Duration value: calendar months and days plus exact seconds.

A :class:`Duration` keeps its two kinds of part apart on purpose: a **calendar** part
(``months``, ``days``) that steps the local wall time in the customer's zone, and an
**exact** part (``seconds``) that is elapsed time. So two durations are equal only when
their parts are, and they are *ordered* only where the order is certain: for every start
instant and zone the duration bounds cover (see :meth:`Duration.max_seconds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any, Final, TypeAlias

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from journeykit._errors import InvalidInputError
from journeykit._time.duration_text import (
    DURATION_FORMS,
    DURATION_PATTERN,
    MAX_DURATION_TEXT,
    format_parts,
    parse_parts,
    signed_parts,
    with_signs,
)
from journeykit._time.zones import DAY_SECONDS, LARGEST_OFFSET_CHANGE

__all__ = [
    "Duration",
    "DurationLike",
    "parse_duration",
    "describe_duration",
    "runs_backward",
]

# Each part of a Duration may span at most 10,000 years: far beyond any datetime a
# journey can reach, and it keeps every number short enough to parse quickly. Windows
# that reach back before year 1 are still evaluable (everything is inside them).
_MAX_YEARS: Final = 10_000
_MAX_MONTHS: Final = 12 * _MAX_YEARS
_MAX_DAYS: Final = 366 * _MAX_YEARS
_MAX_SECONDS: Final = 366 * _MAX_YEARS * DAY_SECONDS


def _check_part(name: str, value: object, limit: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not -limit <= value <= limit:
        raise InvalidInputError(
            f"Duration.{name} must be an integer between -{limit} and {limit} (got {value!r})"
        )


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time: calendar months and days in local time, plus exact seconds.

    ``months`` (years are 12 months) and ``days`` (weeks are 7 days) are calendar steps
    applied to the local wall time; ``seconds`` (minutes, hours) is elapsed time. Two
    durations are equal when their parts are: ``Duration(days=1)`` is not
    ``Duration(seconds=86400)``, because a calendar day can last 23 or 25 hours.

    ``str()`` gives the canonical compact text, which :func:`parse_duration` reads back to
    an equal Duration: units largest first (``y mo w d h m s``), each at most once; months
    are written as years and days as weeks only when they divide evenly; a sign is written
    where it changes; the zero duration is ``"0s"``.

    >>> d = Duration(months=1, days=2)
    >>> str(d), str(-d), str(d + Duration(seconds=5400))
    ('1mo2d', '-1mo2d', '1mo2d1h30m')
    >>> str(Duration(months=24, days=14)), str(Duration(days=1, seconds=-3600))
    ('2y2w', '1d-1h')
    >>> parse_duration(str(d)) == d
    True

    Durations compare with ``<``, ``<=``, ``>`` and ``>=`` only where the answer is the
    same for every start instant and zone (within the bounds of :meth:`max_seconds`);
    otherwise the comparison raises :class:`TypeError` saying why:

    >>> parse_duration("1d") < parse_duration("36h"), parse_duration("1mo") > parse_duration("3w")
    (True, True)
    >>> parse_duration("1mo") < parse_duration("30d")
    Traceback (most recent call last):
    ...
    TypeError: cannot tell whether 1mo < 30d: ...
    """

    months: int = 0
    days: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        _check_part("months", self.months, _MAX_MONTHS)
        _check_part("days", self.days, _MAX_DAYS)
        _check_part("seconds", self.seconds, _MAX_SECONDS)

    def __str__(self) -> str:
        return format_parts(self.months, self.days, self.seconds)

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days, -self.seconds)

    def __add__(self, other: Duration) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(
            self.months + other.months, self.days + other.days, self.seconds + other.seconds
        )

    def __sub__(self, other: Duration) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(
            self.months - other.months, self.days - other.days, self.seconds - other.seconds
        )

    def __bool__(self) -> bool:
        return bool(self.months or self.days or self.seconds)

    @property
    def is_zero(self) -> bool:
        """True for the zero duration (a property, not a method).

        >>> parse_duration("0d").is_zero, parse_duration("1s").is_zero
        (True, False)
        """
        return not (self.months or self.days or self.seconds)

    # --- order --------------------------------------------------------------------------

    def __lt__(self, other: Duration) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        low, high = _difference_bounds(self, other)
        return _decide(high < 0, low >= 0, self, "<", other)

    def __le__(self, other: Duration) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        low, high = _difference_bounds(self, other)
        return _decide(high <= 0, low > 0, self, "<=", other)

    def __gt__(self, other: Duration) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        low, high = _difference_bounds(self, other)
        return _decide(low > 0, high <= 0, self, ">", other)

    def __ge__(self, other: Duration) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        low, high = _difference_bounds(self, other)
        return _decide(low >= 0, high < 0, self, ">=", other)

    # --- elapsed time -------------------------------------------------------------------

    def _elapsed_bounds(self) -> tuple[int, int]:
        months = abs(self.months)
        years, rest = divmod(months, 12)
        # Wall-clock days spanned by the month step, with day-of-month clamping (at most
        # 3 days): every 12 consecutive months hold 365 or 366 days, any month 28 to 31.
        low = max(28 * months, 365 * years + 28 * rest - 3)
        high = min(31 * months, 366 * years + 31 * rest + 3)
        if self.months < 0:
            low, high = -high, -low
        fixed = self.days * DAY_SECONDS + self.seconds
        low, high = low * DAY_SECONDS + fixed, high * DAY_SECONDS + fixed
        if self.months or self.days:
            low -= LARGEST_OFFSET_CHANGE
            high += LARGEST_OFFSET_CHANGE
        return low, high

    def max_seconds(self) -> float:
        """An upper bound on the elapsed seconds :func:`shift` can move by this duration.

        Bounds are on *signed* elapsed time, so for every instant ``t`` and zone
        ``min_seconds() <= (shift(t, d, tz) - t).total_seconds() <= max_seconds()``;
        for a negative duration both are negative. Months count as 28 to 31 days (a year
        as 362 to 369 wall-clock days, allowing for day-of-month clamping), days as 24
        hours, and a calendar part adds an allowance of 3 hours either way for the change
        of UTC offset between the two ends (DST, or a zone changing its offset; every
        change in tzdata since 2012 fits, one-off date-line jumps such as Samoa's in 2011
        do not). Exact durations are exact. Use it to decide how long data must be kept
        for a look-back window.

        >>> parse_duration("1d").max_seconds() / 3600
        27.0
        >>> parse_duration("90m").max_seconds()
        5400.0
        """
        return float(self._elapsed_bounds()[1])

    def min_seconds(self) -> float:
        """A lower bound on the elapsed seconds :func:`shift` can move by this duration.

        See :meth:`max_seconds` for how the bound is made; it is signed, so
        ``(-d).min_seconds() == -d.max_seconds()``.

        >>> parse_duration("1d").min_seconds() / 3600
        21.0
        >>> parse_duration("-1d").min_seconds() / 3600
        -27.0
        """
        return float(self._elapsed_bounds()[0])

    def to_timedelta(self) -> timedelta:
        """The same span as a :class:`datetime.timedelta`, for durations without a calendar part.

        Only hours, minutes and seconds have a fixed length; days, weeks, months and years
        last as long as the local calendar says, so converting them is an error.

        >>> parse_duration("1h30m").to_timedelta()
        datetime.timedelta(seconds=5400)
        >>> parse_duration("1d").to_timedelta()
        Traceback (most recent call last):
        ...
        journeykit.errors.InvalidInputError: duration '1d' has no fixed length: days, \
weeks, months and years are calendar steps whose length depends on the start instant and \
the zone (a day lasts 23 or 25 hours across a DST change); only hours, minutes and seconds \
convert to a timedelta (write '24h' for exactly 24 hours, or step the calendar with shift())
        """
        if self.months or self.days:
            raise InvalidInputError(
                f"duration {str(self)!r} has no fixed length: days, weeks, months and years "
                "are calendar steps whose length depends on the start instant and the zone "
                "(a day lasts 23 or 25 hours across a DST change); only hours, minutes and "
                "seconds convert to a timedelta (write '24h' for exactly 24 hours, or step "
                "the calendar with shift())"
            )
        return timedelta(seconds=self.seconds)

    # --- pydantic -----------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Let pydantic fields hold a Duration: a Duration, text or timedelta in, text out.

        Dumps give the text in every mode (``model_dump()`` too), so a dumped definition
        is plain JSON-ready data that validates back to an equal model.
        """
        return core_schema.no_info_plain_validator_function(
            _validate_for_pydantic,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe a Duration in JSON Schema as a patterned string."""
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "maxLength": MAX_DURATION_TEXT,
            "description": (
                "A duration: an integer and a unit (s, m = minutes, h, d, w, mo = months, "
                "y), or several such parts largest first ('1d12h'), with an optional "
                "leading '-'; or ISO 8601 ('P1M2D', 'PT90M'). Days, weeks, months and "
                "years are calendar steps in the customer's time zone; seconds, minutes "
                "and hours are exact elapsed time."
            ),
            "examples": ["30m", "12h", "3d", "2w", "1mo", "1y", "1d12h", "P1M2D", "PT90M"],
        }


DurationLike: TypeAlias = Duration | str | timedelta
"""A :class:`Duration`, its text (``"3d"``, ``"PT90M"``) or an exact ``timedelta``."""


def runs_backward(d: Duration) -> bool:
    """Whether `d` moves back in time: its largest non-zero part is negative.

    For every non-zero ``d`` exactly one of ``d`` and ``-d`` does, which makes the two
    step orders of :func:`~journeykit._time.wall.shift` mirror images.
    """
    return (d.months or d.days or d.seconds) < 0


def _difference_bounds(a: Duration, b: Duration) -> tuple[int, int]:
    """Bounds on the elapsed time of `a` minus that of `b` from one start instant."""
    if a.months == b.months and a.days == b.days and (a.months or a.days) >= 0:
        # The same calendar step taken forwards (or none): both land on one resolved wall
        # time, then add their exact parts, so the difference is exactly that of seconds.
        # (Backwards, the exact part goes first and month-end clamping can swap them.)
        exact = a.seconds - b.seconds
        return exact, exact
    if a == b:
        return 0, 0
    a_low, a_high = a._elapsed_bounds()
    b_low, b_high = b._elapsed_bounds()
    return a_low - b_high, a_high - b_low


def _decide(true: bool, false: bool, a: Duration, op: str, b: Duration) -> bool:
    if true:
        return True
    if false:
        return False
    raise TypeError(
        f"cannot tell whether {a} {op} {b}: {_span(a)} and {_span(b)} of elapsed time, "
        "depending on the start instant and the zone, so the answer differs between "
        "them; compare shift(t, a, tz) with shift(t, b, tz) for the instant you mean, or "
        "compare min_seconds()/max_seconds()"
    )


def _span(d: Duration) -> str:
    low, high = d._elapsed_bounds()
    if low == high:
        return f"{d} lasts exactly {low / 3600:g} hours"
    return f"{d} lasts {low / 3600:g} to {high / 3600:g} hours"


def _validate_for_pydantic(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, (str, timedelta)):
        try:
            return parse_duration(value)
        except InvalidInputError as exc:
            raise PydanticCustomError(
                "duration_parsing", "{reason}", {"reason": str(exc)}
            ) from None
    raise PydanticCustomError(
        "duration_type",
        "Input should be a duration such as '3d', a timedelta or a Duration (got {kind})",
        {"kind": type(value).__name__},
    )


@lru_cache(maxsize=4096)
def _parse_duration_text(text: str) -> Duration:
    # Definitions repeat the same few strings millions of times; parse each once.
    return _duration_from(parse_parts(text), repr(text))


def _duration_from(parts: tuple[int, int, int], shown: str) -> Duration:
    try:
        return Duration(*parts)
    except InvalidInputError:
        raise InvalidInputError(
            f"duration must be at most {_MAX_YEARS} years in each unit (got {shown})"
        ) from None


def _from_timedelta(value: timedelta) -> Duration:
    if value.microseconds:
        raise InvalidInputError(
            "duration must be a whole number of seconds; a timedelta is exact elapsed time "
            f"and journeykit keeps durations to the second (got {value!r}, "
            f"{value.total_seconds()} seconds); round it first, e.g. "
            "timedelta(seconds=round(td.total_seconds()))"
        )
    return _duration_from((0, 0, value.days * DAY_SECONDS + value.seconds), repr(value))


def parse_duration(text: DurationLike) -> Duration:
    """Read a duration written as short text or ISO 8601; a Duration passes through.

    Short forms are an integer and a unit: ``s``, ``m`` (minutes), ``h``, ``d``, ``w``,
    ``mo`` (months), ``y``. Parts combine largest first without spaces (``"1d12h"``); a
    leading ``-`` negates them all, and a sign between parts applies from there on
    (``"1d-1h"``). ISO 8601 durations use upper-case designators (``"P1Y2M3W4DT5H6M7S"``,
    ``"PT90M"``, ``"-P1D"``) without fractions. Units are lower case in short forms.

    A :class:`datetime.timedelta` is exact elapsed time, so ``timedelta(days=1)`` becomes
    ``24h`` (not the calendar day ``1d``); it must hold whole seconds.

    >>> parse_duration("1d12h")
    Duration(months=0, days=1, seconds=43200)
    >>> parse_duration("P1M2D") == parse_duration("1mo2d")
    True
    >>> from datetime import timedelta
    >>> str(parse_duration(timedelta(days=1, minutes=30)))
    '24h30m'
    >>> parse_duration("3 days")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: duration must look like '30m', '12h', '3d', '2w', \
'1mo', '1y', a combination such as '1d12h', or ISO 8601 such as 'P1M2D' or 'PT90M' \
(got '3 days'); did you mean '3d'?
    """
    if type(text) is Duration:
        return text
    if isinstance(text, str):
        return _parse_duration_text(text)
    if isinstance(text, Duration):
        return text
    if isinstance(text, timedelta):
        return _from_timedelta(text)
    raise InvalidInputError(
        f"duration must be a Duration, a timedelta or text such as {DURATION_FORMS} "
        f"(got {type(text).__name__} {text!r})"
    )


_WORDS: Final = {
    "y": "year",
    "mo": "month",
    "w": "week",
    "d": "day",
    "h": "hour",
    "m": "minute",
    "s": "second",
}


def describe_duration(d: Duration) -> str:
    """A duration in words, as conditions and diagrams show it.

    Signs follow the canonical text's rule (written where they change), so ``-1mo`` is
    "-1 month" and ``1d-1h`` is "1 day -1 hour".

    >>> describe_duration(parse_duration("365d")), describe_duration(parse_duration("1y2w"))
    ('365 days', '1 year 2 weeks')
    >>> describe_duration(parse_duration("PT90M")), describe_duration(parse_duration("-18mo"))
    ('1 hour 30 minutes', '-1 year 6 months')
    """
    parts = signed_parts(d.months, d.days, d.seconds, split_years=True)
    words = [
        f"{mark}{n} {_WORDS[unit]}{'' if n == 1 else 's'}" for mark, n, unit in with_signs(parts)
    ]
    return " ".join(words) or "0 seconds"
