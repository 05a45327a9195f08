"""The ready-made e-commerce lifecycle, with every threshold tunable (see
:mod:`journeykit.presets` for the stages and what marketing does with each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from babel.numbers import is_currency

from journeykit._errors import DefinitionError, Problem, quote
from journeykit.conditions import (
    Condition,
    all_of,
    any_of,
    consented,
    count,
    fact,
    not_,
    since,
    stage_for,
)
from journeykit.models import Channel, ChannelName
from journeykit.stages import Stage, StageMachine, Transition
from journeykit.time import Duration, DurationLike, describe_duration, parse_duration

__all__ = ["lifecycle"]

_ORDER = "order_placed"
_T = TypeVar("_T")


def lifecycle(
    *,
    at_risk_after: DurationLike = "90d",
    lapsed_after: DurationLike = "180d",
    churned_after: DurationLike = "365d",
    sunset_after: DurationLike = "180d",
    loyal_orders: int = 4,
    loyal_window: DurationLike = "365d",
    loyal_revenue: Decimal | int | str | Mapping[str, Decimal | int | str] | None = 1000,
    currency: str = "EUR",
    opt_in_channels: Sequence[Channel | ChannelName] = ("email",),
    engagement_events: Sequence[str] = ("message_opened", "message_clicked"),
    subscribe_event: str = "subscribed",
) -> StageMachine:
    """The e-commerce lifecycle, tuned to a shop's buying rhythm.

    - ``at_risk_after``: a buyer whose last order is older than this is at risk (set it
      a little beyond your typical repurchase interval);
    - ``lapsed_after``: ... and lapsed past this;
    - ``churned_after``: ... and churned past this, if they also show no engagement
      (no ``engagement_events``) within ``sunset_after``;
    - ``sunset_after``: a subscriber who never bought is churned (sunset) when this long
      has passed since they subscribed (see the module notes: their entry into
      ``subscriber``, or their latest ``subscribe_event`` if later) with no engagement
      within it;
    - ``loyal_orders`` within ``loyal_window``, or a net revenue of ``loyal_revenue`` in
      ``currency`` (``None`` to ignore value), makes a repeat customer loyal; a shop that
      sells in several currencies gives one amount each (``{"SEK": 10_000, "EUR":
      1_000}``): revenue is never added across currencies;
    - ``opt_in_channels``: consent on any of these makes a prospect a subscriber.

    Durations must be positive, ``loyal_orders`` at least 2, ``loyal_revenue`` positive
    and ``opt_in_channels`` not empty; every parameter that is not is reported at once in
    one :class:`~journeykit.errors.DefinitionError`, each problem named by its parameter.

    >>> fast_fashion = lifecycle(at_risk_after="45d", lapsed_after="90d", loyal_orders=6)
    >>> print(fast_fashion.describe("repeat"))
    repeat -> at_risk [priority 10]: time since the last order > 45 days
    repeat -> loyal: orders in the last 365 days >= 6 or revenue in EUR >= 1000
    """
    problems: list[Problem] = []
    durations = {
        name: _duration(name, value, problems)
        for name, value in (
            ("at_risk_after", at_risk_after),
            ("lapsed_after", lapsed_after),
            ("churned_after", churned_after),
            ("sunset_after", sunset_after),
            ("loyal_window", loyal_window),
        )
    }
    _check_order(durations, problems)
    if isinstance(loyal_orders, bool) or not isinstance(loyal_orders, int):
        problems.append(Problem("loyal_orders", f"must be a whole number (got {loyal_orders!r})"))
    elif loyal_orders < 2:
        problems.append(
            Problem(
                "loyal_orders", f"must be at least 2, or loyal means repeat (got {loyal_orders})"
            )
        )
    revenue = _revenues(loyal_revenue, currency, problems)
    channels = _names("opt_in_channels", opt_in_channels, problems, empty_ok=False)
    opted_in_parts = []
    for i, channel in enumerate(channels):
        try:
            opted_in_parts.append(consented(channel))
        except ValueError:
            problems.append(
                Problem(
                    f"opt_in_channels[{i}]",
                    f"unknown channel {quote(repr(channel), 60)}; choose from "
                    + ", ".join(repr(c.value) for c in Channel),
                )
            )
    engagement = _names("engagement_events", engagement_events, problems, empty_ok=True)
    if not isinstance(subscribe_event, str) or not subscribe_event.strip():
        problems.append(
            Problem(
                "subscribe_event", f"must be an event type (got {quote(repr(subscribe_event), 60)})"
            )
        )
    if problems:
        raise DefinitionError(problems)
    checked = {name: d for name, d in durations.items() if d is not None}  # every one
    at_risk, lapsed, churned = (
        checked[n] for n in ("at_risk_after", "lapsed_after", "churned_after")
    )
    sunset, window = checked["sunset_after"], checked["loyal_window"]

    ordered = count(_ORDER) >= 1
    never_ordered = count(_ORDER) == 0
    one_order = count(_ORDER) == 1
    two_orders = count(_ORDER) >= 2
    opted_in = any_of(*opted_in_parts)
    recent = since(_ORDER) <= at_risk
    loyal: Condition = count(_ORDER, within=window) >= loyal_orders
    if revenue:
        loyal = any_of(loyal, *(fact("revenue", currency=c) >= v for c, v in revenue.items()))
    advocated = (count("review_submitted") >= 1) | (count("referral_made") >= 1)
    quiet = all_of(*(count(e, within=sunset) == 0 for e in engagement))
    engaged = any_of(*(count(e, within=sunset) >= 1 for e in engagement))
    subscribed_lately = since(subscribe_event) <= sunset
    sunset_due = quiet & (stage_for() > sunset) & not_(subscribed_lately)
    churn_due = (since(_ORDER) > churned) & quiet

    def back_to_customer(source: str) -> list[Transition]:
        """A recent order brings a customer back to the customer stages."""
        return [
            Transition(
                source=source,
                target="first_time",
                when=recent & one_order,
                priority=5,
                id=f"{source}->first_time (ordered again)",
            ),
            Transition(
                source=source,
                target="repeat",
                when=recent & two_orders,
                priority=5,
                id=f"{source}->repeat (ordered again)",
            ),
        ]

    customer_stages = ("first_time", "repeat", "loyal", "ambassador")
    value_clause = "".join(f", or net revenue of {v} {c}+" for c, v in revenue.items())
    transitions = [
        # never bought: consent decides, and long silence sunsets
        Transition(
            source=("prospect", "subscriber"), target="first_time", when=ordered, priority=5
        ),
        Transition(source="prospect", target="subscriber", when=opted_in),
        Transition(source="subscriber", target="prospect", when=not_(opted_in)),
        Transition(source="subscriber", target="churned", when=sunset_due),
        # buyers climb with orders, value and advocacy
        Transition(source="first_time", target="repeat", when=two_orders),
        Transition(source="repeat", target="loyal", when=loyal),
        Transition(source="loyal", target="ambassador", when=advocated),
        Transition(source=("loyal", "ambassador"), target="repeat", when=not_(loyal)),
        # ... and slide with time since the last order
        Transition(
            source=customer_stages, target="at_risk", when=since(_ORDER) > at_risk, priority=10
        ),
        Transition(source="at_risk", target="lapsed", when=since(_ORDER) > lapsed),
        Transition(source="lapsed", target="churned", when=churn_due),
        *back_to_customer("at_risk"),
        *back_to_customer("lapsed"),
        Transition(source="lapsed", target="at_risk", when=since(_ORDER) <= lapsed),
        *back_to_customer("churned"),
        Transition(
            source="churned",
            target="lapsed",
            when=ordered & not_(churn_due),
            id="churned->lapsed (re-engaged)",
        ),
        Transition(
            source="churned",
            target="subscriber",
            when=never_ordered & opted_in & (engaged | subscribed_lately),
            id="churned->subscriber (re-engaged)",
        ),
        Transition(source="churned", target="prospect", when=never_ordered & not_(opted_in)),
    ]
    stages = [
        Stage(
            name="prospect",
            description="Known but not opted in: ask for consent; transactional mail only.",
        ),
        Stage(
            name="subscriber",
            description="Opted in, never bought: welcome series and first-purchase incentives.",
        ),
        Stage(
            name="first_time",
            description="Exactly one order: post-purchase care and the nudge to a second order.",
        ),
        Stage(
            name="repeat",
            description="Two or more orders: retention, cross-sell and replenishment.",
        ),
        Stage(
            name="loyal",
            description=f"Frequent and recent ({loyal_orders}+ orders in "
            f"{describe_duration(window)}{value_clause}): VIP treatment.",
        ),
        Stage(
            name="ambassador",
            description="Loyal and has reviewed or referred: referral asks, reviews, early access.",
        ),
        Stage(
            name="at_risk",
            description="Last order older than the usual repurchase interval "
            f"({describe_duration(at_risk)}): gentle win-back.",
        ),
        Stage(
            name="lapsed",
            description=f"Last order much older (more than {describe_duration(lapsed)}): "
            "win-back offers.",
        ),
        Stage(
            name="churned",
            description=("No order and no engagement for a long time: sunset, stop marketing."),
        ),
    ]
    return StageMachine(initial="prospect", stages=stages, transitions=transitions)


def _duration(name: str, value: DurationLike, problems: list[Problem]) -> Duration | None:
    try:
        duration = parse_duration(value)
    except ValueError as err:
        problems.append(Problem(name, f"must be a duration such as '90d' ({quote(str(err), 120)})"))
        return None
    if not duration.min_seconds() > 0:
        problems.append(
            Problem(name, f"must be a positive duration such as '90d' (got {duration})")
        )
        return None
    return duration


def _check_order(durations: Mapping[str, Duration | None], problems: list[Problem]) -> None:
    """Each stage of decline comes after the one before it."""
    for earlier, later in (("at_risk_after", "lapsed_after"), ("lapsed_after", "churned_after")):
        a, b = durations[earlier], durations[later]
        if a is not None and b is not None and not b.min_seconds() > a.max_seconds():
            problems.append(Problem(later, f"must be longer than {earlier}={a} (got {b})"))


def _revenues(
    value: Decimal | int | str | Mapping[str, Decimal | int | str] | None,
    currency: str,
    problems: list[Problem],
) -> dict[str, Decimal]:
    """``loyal_revenue`` as an amount per currency (empty: value is ignored)."""
    if value is None:
        return {}
    given = value if isinstance(value, Mapping) else {currency: value}
    found: dict[str, Decimal] = {}
    for code, amount in given.items():
        if not isinstance(code, str) or not is_currency(code):
            where = "currency" if not isinstance(value, Mapping) else f"loyal_revenue.{code}"
            problems.append(
                Problem(
                    where, f"must be an ISO 4217 code such as 'EUR' (got {quote(repr(code), 40)})"
                )
            )
            continue
        checked = _revenue(amount, problems)
        if checked is not None:
            found[code] = checked
    return found


def _revenue(value: Decimal | int | str, problems: list[Problem]) -> Decimal | None:
    amount: Decimal | None = None
    if not isinstance(value, bool) and isinstance(value, (Decimal, int, str)):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite() or not amount > 0:
        problems.append(
            Problem(
                "loyal_revenue",
                "must be a positive amount such as 1000, or None to ignore value "
                f"(got {quote(repr(value), 60)})",
            )
        )
        return None
    return amount


def _names(
    parameter: str, value: Sequence[_T], problems: list[Problem], *, empty_ok: bool
) -> tuple[_T, ...]:
    """A parameter that lists names: not a bare string (it would read as its letters),
    not empty unless allowed, and no blank or repeated entry."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        problems.append(
            Problem(
                parameter,
                f"must be a list or tuple of names, such as ({quote(repr(value), 60)},)",
            )
        )
        return ()
    items = tuple(value)
    if not items and not empty_ok:
        problems.append(
            Problem(
                parameter, "must name at least one; with none the transition would read 'never'"
            )
        )
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                Problem(f"{parameter}[{i}]", f"must be a name (got {quote(repr(item), 60)})")
            )
        elif item in items[:i]:
            problems.append(
                Problem(f"{parameter}[{i}]", f"{quote(repr(item), 60)} is listed twice")
            )
    return items
