"""Ready-made definitions: the e-commerce customer lifecycle, with every threshold tunable.

The lifecycle follows what lifecycle-marketing practice describes. Each stage is a
marketing job:

=============  ===========================================================================
stage          who, and what marketing does with them
=============  ===========================================================================
prospect       known but not opted in: ask for consent, send transactional mail only
subscriber     opted in, never bought: the welcome series, first-purchase incentives
first_time     exactly one order: post-purchase care, the nudge to a second order
repeat         two or more orders: retention, cross-sell, replenishment
loyal          frequent and recent (4+ orders in 365 days) or high value: VIP treatment
ambassador     loyal, and has reviewed or referred: referral asks, reviews, early access
at_risk        last order older than the usual repurchase interval: gentle win-back
lapsed         last order much older: win-back offers
churned        no order and no engagement for a long time: sunset, stop marketing
=============  ===========================================================================

Every stage can be left: a new order brings an at-risk, lapsed or churned customer back
to ``first_time`` or ``repeat`` (and on to ``loyal`` and ``ambassador`` at once if they
qualify); engagement brings a churned customer back to ``lapsed``; withdrawing consent
turns a subscriber back into a prospect. The stage reached depends only on the
customer's facts and consent at ``now``, not on the route taken; the tests check it
against a direct reading of the rules below over random histories.

>>> machine = lifecycle()
>>> machine.initial, machine.stage_names[:4]
('prospect', ('prospect', 'subscriber', 'first_time', 'repeat'))
>>> print(machine.stage("lapsed").description)
Last order much older (more than 180 days): win-back offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from journeykit._errors import DefinitionError, Problem
from journeykit.conditions import (
    Condition,
    all_of,
    any_of,
    consented,
    count,
    fact,
    not_,
    since,
)
from journeykit.models import Channel, ChannelName
from journeykit.stages import Stage, StageMachine, Transition
from journeykit.time import Duration, DurationLike, describe_duration, parse_duration

__all__ = ["lifecycle"]

_ORDER = "order_placed"


def lifecycle(
    *,
    at_risk_after: DurationLike = "90d",
    lapsed_after: DurationLike = "180d",
    churned_after: DurationLike = "365d",
    sunset_after: DurationLike = "180d",
    loyal_orders: int = 4,
    loyal_window: DurationLike = "365d",
    loyal_revenue: Decimal | int | str | None = 1000,
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
    - ``sunset_after``: a subscriber who never bought and shows no engagement for this
      long after their latest ``subscribe_event`` is churned (sunset). A subscriber
      with no such event never sunsets: send ``subscribed`` when consent is given;
    - ``loyal_orders`` within ``loyal_window``, or a net revenue of ``loyal_revenue`` in
      ``currency`` (``None`` to ignore value), makes a repeat customer loyal;
    - ``opt_in_channels``: consent on any of these makes a prospect a subscriber.

    >>> fast_fashion = lifecycle(at_risk_after="45d", lapsed_after="90d", loyal_orders=6)
    >>> print(fast_fashion.describe("repeat"))
    repeat -> at_risk [priority 10]: time since the last order > 45 days
    repeat -> loyal: orders in the last 365 days >= 6 or revenue in EUR >= 1000
    """
    at_risk = parse_duration(at_risk_after)
    lapsed = parse_duration(lapsed_after)
    churned = parse_duration(churned_after)
    sunset = parse_duration(sunset_after)
    window = parse_duration(loyal_window)
    _check_order(at_risk, lapsed, churned, loyal_orders)

    ordered = count(_ORDER) >= 1
    never_ordered = count(_ORDER) == 0
    one_order = count(_ORDER) == 1
    two_orders = count(_ORDER) >= 2
    opted_in = any_of(*(consented(c) for c in opt_in_channels))
    recent = since(_ORDER) <= at_risk
    loyal: Condition = count(_ORDER, within=window) >= loyal_orders
    if loyal_revenue is not None:
        loyal = loyal | (fact("revenue", currency=currency) >= Decimal(str(loyal_revenue)))
    advocated = (count("review_submitted") >= 1) | (count("referral_made") >= 1)
    quiet = all_of(*(count(e, within=sunset) == 0 for e in engagement_events))
    sunset_due = (since(subscribe_event) > sunset) & quiet
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
    value_clause = (
        "" if loyal_revenue is None else f", or net revenue of {loyal_revenue}+ {currency}"
    )
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
            when=never_ordered & opted_in & not_(sunset_due),
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


def _check_order(at_risk: Duration, lapsed: Duration, churned: Duration, loyal_orders: int) -> None:
    problems: list[Problem] = []
    if not at_risk.min_seconds() > 0:
        problems.append(Problem("at_risk_after", f"must be a positive duration (got {at_risk})"))
    if not lapsed.min_seconds() > at_risk.max_seconds():
        problems.append(
            Problem("lapsed_after", f"must be longer than at_risk_after={at_risk} (got {lapsed})")
        )
    if not churned.min_seconds() > lapsed.max_seconds():
        problems.append(
            Problem("churned_after", f"must be longer than lapsed_after={lapsed} (got {churned})")
        )
    if loyal_orders < 2:
        problems.append(
            Problem(
                "loyal_orders", f"must be at least 2, or loyal means repeat (got {loyal_orders})"
            )
        )
    if problems:
        raise DefinitionError(problems)
