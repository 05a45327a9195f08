"""The sending policy: quiet hours, frequency caps, default zone, late events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from journeykit._base import Definition, Items
from journeykit._errors import Problem
from journeykit.models import Channel, ChannelName
from journeykit.time import Duration, parse_time_of_day, zone

__all__ = ["Cap", "Policy"]


def _time_of_day(value: str) -> str:
    parse_time_of_day(value)
    return value


def _zone_name(value: str) -> str:
    zone(value)
    return value


def _positive(value: Duration) -> Duration:
    if value.min_seconds() <= 0:
        raise ValueError(f"must be a positive duration such as '1d' (got {value})")
    return value


TimeOfDay = Annotated[str, AfterValidator(_time_of_day)]


class Cap(Definition):
    """At most ``limit`` marketing messages on ``channel`` within any rolling ``window``
    (in the customer's zone), across all journeys. Transactional messages neither count
    nor are capped.

    >>> str(Cap(channel="email", limit=2, window="7d"))
    'at most 2 email messages per 1 week'
    """

    channel: Channel | ChannelName
    limit: int = Field(ge=1, le=10_000)
    window: Annotated[Duration, AfterValidator(_positive)]

    def __str__(self) -> str:
        from journeykit.time import describe_duration

        return (
            f"at most {self.limit} {Channel(self.channel).value} messages per "
            f"{describe_duration(self.window)}"
        )


class Policy(Definition):
    """How the engine sends, whatever the journey.

    - ``quiet_hours``: a local ``(start, end)`` window (``("21:00", "08:00")``) in which no
      marketing message goes out; a send due then is deferred to its end, never dropped.
      ``quiet_channels`` limits it to some channels (default: all).
    - ``caps``: frequency caps (:class:`Cap`). A capped send is skipped (the run moves on,
      with ``MessageSuppressed(reason="frequency_cap")``) or deferred to the next free
      slot, as ``on_cap`` says.
    - ``default_timezone``: the zone of customers without one.
    - ``late_event_tolerance``: an event older than this, relative to the state's clock,
      still updates facts and stages, but starts no journey and ends no ``WaitFor``.
    - ``stage_history``: how many stage changes a state remembers.
    """

    quiet_hours: tuple[TimeOfDay, TimeOfDay] | None = None
    quiet_channels: Items[Channel | ChannelName] | None = None
    caps: Items[Cap] = ()
    on_cap: Literal["skip", "defer"] = "skip"
    default_timezone: Annotated[str, AfterValidator(_zone_name)] = "UTC"
    late_event_tolerance: Duration = Duration(seconds=3600)
    stage_history: int = Field(10, ge=1, le=1000)

    def problems(self, path: str = "") -> list[Problem]:
        at = f"{path}." if path else ""
        problems: list[Problem] = []
        if self.quiet_hours is not None and self.quiet_hours[0] == self.quiet_hours[1]:
            problems.append(
                Problem(
                    f"{at}quiet_hours",
                    "start and end are the same time; leave quiet_hours out for none",
                )
            )
        if self.late_event_tolerance.min_seconds() < 0:
            problems.append(
                Problem(f"{at}late_event_tolerance", "must not be negative (e.g. '1h')")
            )
        seen: dict[tuple[Channel, Duration], int] = {}
        for i, cap in enumerate(self.caps):
            key = (Channel(cap.channel), cap.window)
            if key in seen:
                problems.append(
                    Problem(
                        f"{at}caps[{i}]",
                        f"a second cap for {key[0].value} over {cap.window} (first at "
                        f"caps[{seen[key]}]); keep the stricter one",
                    )
                )
            seen.setdefault(key, i)
        return problems

    def quiet_on(self, channel: Channel) -> bool:
        """Whether quiet hours apply to marketing sends on ``channel``."""
        if self.quiet_hours is None:
            return False
        if self.quiet_channels is None:
            return True
        return channel in {Channel(c) for c in self.quiet_channels}
