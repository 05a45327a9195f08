"""Fluent construction: triggers and steps that read aloud, with ids derived for you."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from journeykit.conditions import Condition
from journeykit.journeys._steps import (
    MAX_NAME,
    Branch,
    DateTrigger,
    EventTrigger,
    Exit,
    Send,
    Split,
    SplitBranch,
    StageTrigger,
    Step,
    Update,
    Wait,
    WaitFor,
)
from journeykit.models import Channel, ChannelName, ConsentName, ConsentStatus
from journeykit.time import DurationLike, parse_duration

__all__ = [
    "on_event",
    "on_stage_entered",
    "on_stage_left",
    "on_date",
    "send",
    "wait",
    "wait_for",
    "branch",
    "split",
    "update",
    "exit_journey",
]


def on_event(event: str, *, where: Condition | None = None) -> EventTrigger:
    """A trigger (or goal): an event of this type, with properties matching ``where``.

    >>> from journeykit.conditions import prop
    >>> on_event("order_placed", where=prop("channel") == "app").describe()
    "event order_placed where channel == 'app'"
    """
    return EventTrigger(event=event, where=where)


def on_stage_entered(*stages: str) -> StageTrigger:
    """A trigger: the customer enters one of ``stages``."""
    return StageTrigger(stages=stages, on="enter")


def on_stage_left(*stages: str) -> StageTrigger:
    """A trigger: the customer leaves one of ``stages``."""
    return StageTrigger(stages=stages, on="leave")


def on_date(date: str, *, at: str = "09:00") -> DateTrigger:
    """A yearly trigger on a date, at a local time: ``on_date("attributes.birthday")``."""
    return DateTrigger(date=date, at=at)


def _derived(prefix: str, text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "step"
    return f"{prefix}_{slug}"[:MAX_NAME]


def send(
    template: str,
    *,
    channel: Channel | ChannelName = "email",
    transactional: bool = False,
    params: Mapping[str, Any] | None = None,
    if_not_sent: Literal["continue", "exit"] = "continue",
    id: str | None = None,  # the step's field is called id
) -> Send:
    """A :class:`Send` step; its id defaults to ``send_<template>``."""
    return Send(
        id=id or _derived("send", template),
        template=template,
        channel=channel,
        transactional=transactional,
        params=params or {},
        if_not_sent=if_not_sent,
    )


def wait(
    duration: DurationLike | None = None,
    *,
    until: str | None = None,
    until_date: str | None = None,
    at: str = "09:00",
    id: str | None = None,  # the step's field is called id
) -> Wait:
    """A :class:`Wait` step: ``wait("3d")``, ``wait(until="09:00")`` or
    ``wait(until_date="attributes.birthday")``; the id defaults to ``wait_<what>``."""
    what = str(parse_duration(duration)) if duration is not None else (until or until_date or "")
    return Wait(
        id=id or _derived("wait", what.replace(":", "")),
        duration=duration,  # type: ignore[arg-type]  # text is validated into a Duration
        until=until,
        until_date=until_date,
        at=at,
    )


def wait_for(
    event: str,
    *,
    timeout: DurationLike,
    where: Condition | None = None,
    on_timeout: Sequence[Step] = (),
    id: str | None = None,  # the step's field is called id
) -> WaitFor:
    """A :class:`WaitFor` step; the id defaults to ``wait_for_<event>``."""
    return WaitFor(
        id=id or _derived("wait_for", event),
        event=event,
        where=where,
        timeout=timeout,  # type: ignore[arg-type]  # text is validated into a Duration
        on_timeout=on_timeout,
    )


def branch(
    when: Condition,
    *,
    then: Sequence[Step] = (),
    otherwise: Sequence[Step] = (),
    id: str | None = None,  # the step's field is called id
) -> Branch:
    """A :class:`Branch` step; the id defaults to ``if_<the condition in words>``.

    >>> from journeykit.conditions import count
    >>> branch(count("order_placed") == 0, then=[send("offer")]).id
    'if_orders_0'
    """
    return Branch(
        id=id or _derived("if", str(when))[:40].rstrip("_"),
        when=when,
        then=then,
        otherwise=otherwise,
    )


def split(
    branches: Mapping[str, tuple[int, Sequence[Step]]],
    *,
    id: str | None = None,  # the step's field is called id
) -> Split:
    """A :class:`Split` step from ``{name: (weight, steps)}``.

    >>> split({"a": (50, []), "b": (50, [])}).describe()
    'split a 50 / b 50'
    """
    return Split(
        id=id or _derived("split", "_".join(branches))[:40].rstrip("_"),
        branches={name: SplitBranch(weight=w, steps=s) for name, (w, s) in branches.items()},
    )


def update(
    *,
    attributes: Mapping[str, Any] | None = None,
    consent: Mapping[Channel | ChannelName, ConsentStatus | ConsentName] | None = None,
    id: str | None = None,  # the step's field is called id
) -> Update:
    """An :class:`Update` step; the id defaults to ``update_<first field>``."""
    names = [*(attributes or {}), *(str(Channel(c).value) for c in (consent or {}))]
    return Update(
        id=id or _derived("update", names[0] if names else "customer"),
        attributes=attributes or {},
        consent=consent or {},
    )


def exit_journey(*, id: str = "exit") -> Exit:  # the step's field is called id
    """An :class:`Exit` step."""
    return Exit(id=id)
