"""The text grammar of durations: parsing, the JSON Schema pattern, and "did you mean".

One table of units drives parsing, the JSON Schema pattern and the canonical text, so the
three cannot drift apart. Parsing yields the three parts ``(months, days, seconds)``;
:mod:`journeykit._time.durations` builds the value from them.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Final

from journeykit._errors import InvalidInputError

__all__ = [
    "SHORT_UNITS",
    "DURATION_FORMS",
    "DURATION_PATTERN",
    "MAX_DURATION_TEXT",
    "parse_parts",
    "signed_parts",
    "with_signs",
    "format_parts",
]

MAX_DURATION_TEXT: Final = 100

DURATION_FORMS: Final = (
    "'30m', '12h', '3d', '2w', '1mo', '1y', a combination such as '1d12h', "
    "or ISO 8601 such as 'P1M2D' or 'PT90M'"
)

# (unit, regex group, field, factor), largest first.
SHORT_UNITS: Final = (
    ("y", "y", "months", 12),
    ("mo", "mo", "months", 1),
    ("w", "w", "days", 7),
    ("d", "d", "days", 1),
    ("h", "h", "seconds", 3600),
    ("m", "mi", "seconds", 60),
    ("s", "s", "seconds", 1),
)
_ISO_UNITS: Final = (
    ("Y", "months", 12),
    ("M", "months", 1),
    ("W", "days", 7),
    ("D", "days", 1),
    ("TH", "seconds", 3600),
    ("TM", "seconds", 60),
    ("TS", "seconds", 1),
)

# A short form is one or more "<int><unit>" parts, largest unit first, each unit at most
# once. A sign applies to the parts after it until the next sign: "-1d12h" is minus a day
# and a half, "1d-1h" is a day minus an hour.
_SHORT_SOURCE: Final = r"(?=[+-]?\d)" + "".join(
    rf"(?:(?P<{group}>[+-]?\d+){unit})?" for unit, group, _field, _factor in SHORT_UNITS
)
# ISO 8601: P, then date parts, then T and time parts; "P" and "PT" alone are not durations.
_ISO_SOURCE: Final = (
    r"(?P<neg>-)?P(?!$)(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<TH>\d+)H)?(?:(?P<TM>\d+)M)?(?:(?P<TS>\d+)S)?)?"
)
_SHORT_RE: Final = re.compile(_SHORT_SOURCE, re.ASCII)
_ISO_RE: Final = re.compile(_ISO_SOURCE, re.ASCII)
# The same grammar for JSON Schema, whose ECMA-262 regexes have no "(?P<name>" groups.
DURATION_PATTERN: Final = re.sub(r"\?P<\w+>", "", rf"^(?:{_SHORT_SOURCE}|{_ISO_SOURCE})$")

Parts = tuple[int, int, int]
"""``(months, days, seconds)``."""
Part = tuple[int, str]
"""One signed part of a duration's text, such as ``(-2, "d")``."""


def _match(text: str) -> Parts | None:
    parts = {"months": 0, "days": 0, "seconds": 0}
    if len(text) > MAX_DURATION_TEXT:
        return None
    short = _SHORT_RE.fullmatch(text)
    if short is not None:
        sign = 1
        for _unit, group, field, factor in SHORT_UNITS:
            raw = short.group(group)
            if raw is None:
                continue
            if raw[0] in "+-":
                sign = -1 if raw[0] == "-" else 1
                raw = raw[1:]
            parts[field] += sign * int(raw) * factor
        return parts["months"], parts["days"], parts["seconds"]
    iso = _ISO_RE.fullmatch(text)
    if iso is not None:
        sign = -1 if iso.group("neg") else 1
        for group, field, factor in _ISO_UNITS:
            raw = iso.group(group)
            if raw is not None:
                parts[field] += sign * int(raw) * factor
        return parts["months"], parts["days"], parts["seconds"]
    return None


def parse_parts(text: str) -> Parts:
    """``(months, days, seconds)`` written in `text`, or an error with a hint."""
    parts = _match(text)
    if parts is not None:
        return parts
    hint = _did_you_mean(text)
    raise InvalidInputError(f"duration must look like {DURATION_FORMS} (got {text!r}){hint}")


# --- canonical text ----------------------------------------------------------------------


def signed_parts(months: int, days: int, seconds: int, *, split_years: bool) -> list[Part]:
    """The parts a duration is written as, largest first, each with its field's sign.

    Months are written as years when they divide evenly, or (``split_years``) always as
    years and the remaining months; days as weeks when they divide evenly; seconds as
    hours, minutes and seconds. Every part is split by magnitude, so ``-1mo`` stays one
    month back rather than "-1 year and 11 months".
    """
    parts: list[Part] = []
    if months:
        sign, size = (-1 if months < 0 else 1), abs(months)
        if split_years:
            years, rest = divmod(size, 12)
            parts.extend((sign * n, unit) for n, unit in ((years, "y"), (rest, "mo")) if n)
        else:
            parts.append((sign * (size // 12), "y") if size % 12 == 0 else (months, "mo"))
    if days:
        parts.append((days // 7, "w") if days % 7 == 0 else (days, "d"))
    if seconds:
        sign, size = (-1 if seconds < 0 else 1), abs(seconds)
        hours, rest = divmod(size, 3600)
        minutes, secs = divmod(rest, 60)
        parts.extend(
            (sign * n, unit) for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n
        )
    return parts


def with_signs(parts: list[Part]) -> list[tuple[str, int, str]]:
    """``(sign, magnitude, unit)`` per part: a sign is written only where it changes.

    Text and words share this rule, so ``-1mo2d`` reads "-1 month 2 days" and ``1d-1h``
    reads "1 day -1 hour"; a sign applies to the parts after it, up to the next sign.
    """
    out: list[tuple[str, int, str]] = []
    current = 1
    for value, unit in parts:
        sign = -1 if value < 0 else 1
        mark = ""
        if sign != current:
            mark = "-" if sign < 0 else "+"
            current = sign
        out.append((mark, abs(value), unit))
    return out


def format_parts(months: int, days: int, seconds: int) -> str:
    """The canonical compact text of a duration, which :func:`parse_parts` reads back."""
    parts = signed_parts(months, days, seconds, split_years=False)
    return "".join(f"{mark}{n}{unit}" for mark, n, unit in with_signs(parts)) or "0s"


# --- "did you mean" ---------------------------------------------------------------------

# Unit words people write, lower-cased, to journeykit's short units. A lone capital "M"
# is handled apart: ISO 8601 reads it as months, most people as minutes.
_UNIT_WORDS: Final = {
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "y"),
    **dict.fromkeys(("mo", "mos", "mon", "mth", "mths", "month", "months"), "mo"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "w"),
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
}
_FIELDS: Final = {unit: (field, factor) for unit, _group, field, factor in SHORT_UNITS}
_TOKEN_RE: Final = re.compile(
    r"\s*([+-]?)\s*(\d+(?:[.,]\d+)?)\s*([A-Za-z]+)\s*(?:,\s*|and\s+)?", re.ASCII
)

Token = tuple[str, str, str]
"""``(sign, number, unit word)`` as written."""


def _did_you_mean(text: str) -> str:
    if len(text) > MAX_DURATION_TEXT:
        return ""
    stripped = text.strip()
    candidates: list[str] = []
    if stripped.upper().startswith(("P", "-P")):
        if _match(stripped.upper()) is not None:
            candidates.append(stripped.upper())  # ISO designators in lower case
    else:
        tokens = _tokens(stripped)
        if tokens is not None:
            capital_m = any(word == "M" for _, _, word in tokens)
            if capital_m and len(tokens) == 1:
                meanings = ["mo", "m"]  # ISO 8601 months, or minutes
            elif any(word.lower() in ("h", "hr", "hrs", "s", "sec", "secs") for *_, word in tokens):
                meanings = ["m"]  # "1H30M": minutes among hours and seconds
            else:
                meanings = ["mo"]  # "1M2D": months among days, as in ISO 8601
            for meaning in meanings:
                reading = _reading(tokens, meaning)
                if reading is not None and _match(reading) is not None:
                    candidates.append(reading)
    candidates = [c for c in dict.fromkeys(candidates) if c != text]
    if len(candidates) == 2:
        return f"; did you mean {candidates[0]!r} (months) or {candidates[1]!r} (minutes)?"
    if candidates:
        return f"; did you mean {candidates[0]!r}?"
    return ""


def _tokens(text: str) -> list[Token] | None:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        found = _TOKEN_RE.match(text, position)
        if found is None:
            return None
        tokens.append((found[1], found[2].replace(",", "."), found[3]))
        position = found.end()
    return tokens or None


def _reading(tokens: list[Token], capital_m: str) -> str | None:
    """The short text the tokens probably meant, or None if there is no safe guess.

    Units keep the size they were written in ("90 minutes" reads '90m'), sorted largest
    first; a fraction of an hour or minute is written exactly ('1.5h' reads '1h30m').
    """
    written: dict[str, str] = {}
    totals = {"months": Fraction(0), "days": Fraction(0), "seconds": Fraction(0)}
    sign = -1 if tokens[0][0] == "-" else 1
    for i, (mark, number, word) in enumerate(tokens):
        unit = capital_m if word == "M" else _UNIT_WORDS.get(word.lower())
        if unit is None or unit in written or (mark and i):
            return None  # unknown or repeated units, or signs between parts
        written[unit] = number
        field, factor = _FIELDS[unit]
        totals[field] += sign * Fraction(number) * factor
    if any(value.denominator != 1 for value in totals.values()):
        return None  # fractions of a calendar unit or of a second have no exact text
    if any("." in number for number in written.values()):
        return format_parts(*(int(totals[f]) for f in ("months", "days", "seconds")))
    ordered = sorted(written, key=list(_FIELDS).index)
    return ("-" if sign < 0 else "") + "".join(f"{int(written[u])}{u}" for u in ordered)
