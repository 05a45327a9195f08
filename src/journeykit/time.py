"""Time for marketers: durations, local wall-clock times, DST, quiet hours and anniversaries.

Theory of operation
-------------------
journeykit never reads a clock: every function here takes the instant it reasons about
as an argument and returns a new instant. Instants are timezone-aware ``datetime``
values; a naive one is rejected with an error naming the argument (:func:`require_aware`).

A :class:`Duration` has two kinds of part, kept apart on purpose:

- a **calendar** part (``months``, ``days``; years are 12 months, weeks 7 days) that is
  applied to the *local wall time* in the customer's zone, with dateutil's
  ``relativedelta`` (so "1d" from 09:00 lands on 09:00 the next day even across a DST
  change, and Jan 31 + 1mo is Feb 28/29);
- an **exact** part (``seconds``; minutes and hours) that is elapsed time, added in UTC.

A local wall time is turned back into an instant by :func:`resolve_local`, with two rules:
a wall time that does not exist (a DST gap) becomes the instant the gap ends, and an
ambiguous one (a DST fold) becomes its first occurrence.

Invariants kept here:

1. Every function is pure and deterministic; zone lookups, parses and zone offset tables
   are cached, which changes speed only. The caches are safe to share between threads.
2. Every returned datetime is aware and expressed in the zone it was asked for.
3. Comparisons of instants are made in UTC. Python compares two datetimes that share a
   ``tzinfo`` by wall time and ignores ``fold``, which is wrong in the repeated hour.
4. Near the ends of ``datetime``'s range (years 1 and 9999) every function answers or
   raises :class:`~journeykit.errors.InvalidInputError` naming the argument.

The code lives in the private package :mod:`journeykit._time`, one job a module; this
module is its public face.
"""

from __future__ import annotations

from journeykit._time.clock import (
    QuietWindow,
    TimeOfDayLike,
    in_quiet_hours,
    next_anniversary,
    next_local_time,
    parse_time_of_day,
    quiet_end,
)
from journeykit._time.durations import Duration, DurationLike, describe_duration, parse_duration
from journeykit._time.wall import local_date, resolve_local, shift
from journeykit._time.zones import TimeZoneLike, require_aware, zone

__all__ = [
    "TimeZoneLike",
    "TimeOfDayLike",
    "QuietWindow",
    "Duration",
    "DurationLike",
    "zone",
    "require_aware",
    "parse_duration",
    "shift",
    "resolve_local",
    "parse_time_of_day",
    "next_local_time",
    "quiet_end",
    "in_quiet_hours",
    "next_anniversary",
    "local_date",
    "describe_duration",
]
