"""Time zones, the aware-datetime check, and instants at the edges of ``datetime``.

This module is the one home of two facts other modules rely on:

- what counts as a zone (:func:`zone`) and as an aware datetime (:func:`require_aware`);
- how far a zone's UTC offset may jump at one change, as far as the duration bounds go
  (:data:`LARGEST_OFFSET_CHANGE`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Final, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from journeykit._errors import InvalidInputError

__all__ = [
    "TimeZoneLike",
    "zone",
    "require_aware",
    "to_local",
    "UTC",
    "EPOCH_UTC",
    "EPOCH_NAIVE",
    "ONE_SECOND",
    "DAY_SECONDS",
    "EARLIEST_TIMESTAMP",
    "LARGEST_OFFSET_CHANGE",
]

TimeZoneLike: TypeAlias = str | ZoneInfo | tzinfo
"""An IANA time zone name (``"Europe/Stockholm"``) or a zone object."""

UTC: Final = timezone.utc
EPOCH_UTC: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_NAIVE: Final = datetime(1970, 1, 1)
ONE_SECOND: Final = timedelta(seconds=1)
DAY_SECONDS: Final = 86_400

# Every aware datetime denotes an instant at or after this POSIX time: 0001-01-01 00:00
# at the largest offset Python allows (just under +24 h). A look-back cut-off before it
# is before every instant a caller can pass.
EARLIEST_TIMESTAMP: Final = int(datetime.min.replace(tzinfo=UTC).timestamp()) - DAY_SECONDS

# The largest UTC-offset change that the duration bounds (Duration.max_seconds and
# min_seconds) allow for between the two ends of a calendar step. Every DST rule and
# offset change in tzdata since 2012 stays within it (Antarctica/Casey switched by 3 h,
# Antarctica/Troll keeps a 2 h DST); one-off date-line jumps such as Samoa skipping
# 30 December 2011 (24 h) or Kwajalein in 1969 and 1993 do not. Look-backs do not rely
# on it: they read each zone's own changes (journeykit._time.offsets).
LARGEST_OFFSET_CHANGE: Final = 3 * 3600

# Names ZoneInfo accepts that mean "whatever this machine is set to", not a zone.
_HOST_DEPENDENT_ZONE_NAMES: Final = frozenset({"localtime", "posixrules"})


# Zones found by name. Only real zones are stored (a failed lookup raises first), each
# entry is written whole and never changed, so threads share it without a lock.
_NAMED: Final[dict[str, ZoneInfo]] = {}
_MAX_NAMED: Final = 1024


def _zone_named(name: str) -> ZoneInfo:
    if name not in _HOST_DEPENDENT_ZONE_NAMES:
        try:
            found = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            if len(_NAMED) >= _MAX_NAMED:
                _NAMED.clear()
            _NAMED[name] = found
            return found
    raise InvalidInputError(
        "time zone must be an IANA name such as 'Europe/Stockholm' or "
        f"'America/New_York' (got {name!r})"
    )


def zone(tz: TimeZoneLike) -> tzinfo:
    """Resolve an IANA zone name (cached) or pass a zone object through.

    >>> zone("Europe/Stockholm")
    zoneinfo.ZoneInfo(key='Europe/Stockholm')
    >>> zone("Mars/Olympus_Mons")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: time zone must be an IANA name such as \
'Europe/Stockholm' or 'America/New_York' (got 'Mars/Olympus_Mons')
    """
    if type(tz) is str:
        return _NAMED.get(tz) or _zone_named(tz)
    if isinstance(tz, str):
        return _zone_named(tz)
    if isinstance(tz, ZoneInfo) or type(tz) is timezone:
        return tz
    if isinstance(tz, tzinfo):
        if hasattr(tz, "localize"):
            raise InvalidInputError(
                "tz must be an IANA name or a zoneinfo.ZoneInfo; pytz zones compute "
                f"wrong offsets with datetime arithmetic (got {tz!r}); pass {str(tz)!r} instead"
            )
        return tz
    raise InvalidInputError(
        "tz must be an IANA time zone name such as 'Europe/Stockholm' or a ZoneInfo "
        f"(got {type(tz).__name__} {tz!r})"
    )


def require_aware(value: datetime, field: str) -> datetime:
    """Return `value` if it is a timezone-aware datetime; otherwise raise naming `field`.

    This is journeykit's one check for aware datetimes; models and functions call it.

    >>> from zoneinfo import ZoneInfo
    >>> require_aware(datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm")), "at")
    datetime.datetime(2026, 5, 4, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Stockholm'))
    >>> require_aware(datetime(2026, 5, 4, 9, 0), "at")
    Traceback (most recent call last):
    ...
    journeykit.errors.InvalidInputError: at must be timezone-aware (got naive \
2026-05-04T09:00:00); attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Europe/Stockholm'))
    """
    if not isinstance(value, datetime):
        raise InvalidInputError(
            f"{field} must be a timezone-aware datetime (got {type(value).__name__} {value!r})"
        )
    tz = value.tzinfo
    # zoneinfo zones and fixed offsets always give an offset: only other kinds are asked
    if tz is None or (
        type(tz) is not ZoneInfo and type(tz) is not timezone and value.utcoffset() is None
    ):
        raise InvalidInputError(
            f"{field} must be timezone-aware (got naive {value.isoformat()}); attach a zone, "
            "e.g. datetime(..., tzinfo=ZoneInfo('Europe/Stockholm'))"
        )
    return value


def to_local(instant: datetime, z: tzinfo, field: str) -> datetime:
    """`instant` as a (real) local time in `z`, or an error naming `field` at datetime's edges.

    Through UTC, because ``astimezone()`` returns an instant already in `z` unchanged,
    even one written with a wall time that does not exist; this yields its real local
    time. Near 0001-01-01 and 9999-12-31 the UTC or local reading may not exist.
    """
    try:
        return instant.astimezone(UTC).astimezone(z)
    except (OverflowError, ValueError):
        raise InvalidInputError(
            f"{field} must fall within years 1 to 9999 both in UTC and in {z} "
            f"(got {instant.isoformat()})"
        ) from None
