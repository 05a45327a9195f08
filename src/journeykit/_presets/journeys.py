"""The ready-made journeys: what every lifecycle-marketing guide names, parameterised.

Each function returns one :class:`~journeykit.journeys.Journey` (the feedback loop
returns its four). Template names are the journey's id and a suffix
(``cart_abandonment_reminder``); :func:`journeykit.presets.templates` has an English and
a Swedish variant of each, and a host replaces any of them by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from journeykit._errors import DefinitionError, Problem
from journeykit.conditions import (
    Condition,
    all_of,
    any_of,
    attr,
    consented,
    count,
    fact,
    in_stage,
    not_,
    prop,
    since,
)
from journeykit.journeys import (
    Journey,
    Step,
    branch,
    on_date,
    on_event,
    on_stage_entered,
    send,
    update,
    wait,
    wait_for,
)
from journeykit.time import Duration, DurationLike, parse_duration

__all__ = [
    "ABANDONMENT",
    "ambassador",
    "back_in_stock",
    "birthday",
    "browse_abandonment",
    "cart_abandonment",
    "detractor",
    "feedback_loop",
    "newsletter_eligible",
    "post_purchase",
    "second_purchase",
    "sunset",
    "welcome",
    "win_back",
]

ABANDONMENT = "abandonment"
"""The group browse and cart abandonment share: a customer is in at most one of them."""

_FEEDBACK = "feedback_submitted"


def _positive(name: str, value: DurationLike) -> Duration:
    d = parse_duration(value)
    if d.min_seconds() <= 0:
        raise DefinitionError(
            [Problem(name, f"must be a positive duration such as '3d' (got {d})")]
        )
    return d


def detractor(*, within: DurationLike = "180d", below: int = 7) -> Condition:
    """The customer answered a feedback survey with a score under ``below`` (a detractor,
    0-6 on the NPS scale) within ``within``: a fact conditions can read, e.g. to keep
    detractors out of win-back offers for a while.

    >>> str(detractor())
    'feedback answers where score < 7 in the last 180 days >= 1'
    """
    return count(_FEEDBACK, where=prop("score") < below, within=within) >= 1


def welcome(
    *, offer_after: DurationLike = "3d", params: Mapping[str, Any] | None = None
) -> Journey:
    """Welcome series on opt-in: a welcome at once (new subscribers expect one right away)
    and, ``offer_after`` it without an order, an introductory offer. Ends on the first
    order.

    - ``offer_after``: how long to wait for a first order before the offer;
    - ``params``: template values (``discount``, ``code``; the shop's name is added by
      :func:`journeykit.presets.engine`).
    """
    p = dict(params or {})
    return Journey(
        id="welcome",
        description="Welcome new subscribers, then offer a first-order incentive.",
        trigger=on_event("subscribed"),
        goal=on_event("order_placed"),
        exit=not_(consented("email")),
        steps=[
            send("welcome", params=p),
            wait(_positive("offer_after", offer_after)),
            send("welcome_offer", params=p),
        ],
    )


def browse_abandonment(
    *,
    after: DurationLike = "4h",
    cooldown: DurationLike = "7d",
    params: Mapping[str, Any] | None = None,
) -> Journey:
    """One gentle reminder for a product viewed but not added to the cart.

    Shares the :data:`ABANDONMENT` group with :func:`cart_abandonment` (which has the
    higher priority), so a customer who adds to the cart gets the cart reminder instead;
    adding to the cart or ordering ends the run.

    - ``after``: how long after the view the reminder goes;
    - ``cooldown``: at most one browse reminder in this period.
    """
    return Journey(
        id="browse_abandonment",
        description="Remind of a product viewed but not added to the cart.",
        trigger=on_event("product_viewed"),
        goal=on_event("added_to_cart"),
        exit=count("order_placed", within=_positive("after", after)) >= 1,
        reentry=_positive("cooldown", cooldown),
        group=ABANDONMENT,
        priority=1,
        steps=[wait(parse_duration(after)), send("browse_abandonment", params=dict(params or {}))],
    )


def cart_abandonment(
    *,
    first_after: DurationLike = "1h",
    reminders: int = 2,
    spacing: DurationLike = "1d",
    incentive: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> Journey:
    """Reminders for a cart left without an order, the last with an incentive.

    The goal is an order, so no reminder goes after the purchase. The cart's items (the
    ``items`` of the ``added_to_cart`` event) are in the template context as
    ``event.properties.items``.

    - ``first_after``: delay before the first reminder (1 hour);
    - ``reminders``: how many (1 to 3); only the last carries the incentive;
    - ``spacing``: time between reminders;
    - ``incentive``: template values of the last reminder (``discount``, ``code``).
    """
    if not 1 <= reminders <= 3:
        raise DefinitionError([Problem("reminders", f"must be 1, 2 or 3 (got {reminders})")])
    p = dict(params or {})
    steps: list[Step] = [wait(_positive("first_after", first_after))]
    gap = _positive("spacing", spacing)
    for n in range(1, reminders + 1):
        last = n == reminders
        name = "cart_abandonment_last" if last and reminders > 1 else "cart_abandonment"
        values = {**p, **(dict(incentive or {}) if last else {})}
        steps.append(send(name, params=values, id=f"reminder_{n}"))
        if not last:
            steps.append(wait(gap, id=f"wait_{n}"))
    return Journey(
        id="cart_abandonment",
        description="Remind of a cart left without an order; an incentive on the last.",
        trigger=on_event("added_to_cart"),
        goal=on_event("order_placed"),
        reentry="1d",
        group=ABANDONMENT,
        priority=10,
        steps=steps,
    )


def post_purchase(
    *,
    review_after: DurationLike = "5d",
    recommendations_after: DurationLike = "7d",
    params: Mapping[str, Any] | None = None,
) -> Journey:
    """After every order: a transactional thank-you at once, a review request once the
    order has arrived, and recommendations a week after the order.

    One run per order (``concurrent``). Recommendations come from the host: an order's
    ``recommendations`` property or the customer's ``recommendations`` attribute (a list
    of ``{name, url, image, price}``); without them the mail links to what is new.

    - ``review_after``: the delivery time (the review request waits for it);
    - ``recommendations_after``: when the recommendations go, counted from the order.
    """
    p = dict(params or {})
    review = _positive("review_after", review_after)
    recommend = _positive("recommendations_after", recommendations_after)
    timed = sorted(
        [(review, "post_purchase_review"), (recommend, "post_purchase_recommendations")],
        key=lambda pair: pair[0].min_seconds(),
    )
    steps: list[Step] = [send("post_purchase_thanks", transactional=True, params=p)]
    elapsed = Duration()
    for at, template in timed:
        gap = at - elapsed
        if gap:
            steps.append(wait(gap, id=f"wait_{template}"))
        steps.append(send(template, params=p))
        elapsed = at
    return Journey(
        id="post_purchase",
        description="Thank, ask for a review, recommend: after every order.",
        trigger=on_event("order_placed"),
        reentry="always",
        concurrent=True,
        steps=steps,
    )


def second_purchase(
    *, after: DurationLike = "30d", params: Mapping[str, Any] | None = None
) -> Journey:
    """A nudge to first-time buyers who have not ordered again ``after`` their first order.

    Starts when a customer becomes a first-time buyer; a second order (or leaving the
    stage) ends it.
    """
    return Journey(
        id="second_purchase",
        description="Nudge first-time buyers towards a second order.",
        trigger=on_stage_entered("first_time"),
        goal=count("order_placed") >= 2,
        exit=not_(in_stage("first_time")),
        steps=[wait(_positive("after", after)), send("second_purchase", params=dict(params or {}))],
    )


def win_back(
    *,
    currency: str = "EUR",
    tiers: Sequence[tuple[Decimal | int | str, int]] = ((1000, 25), (300, 15), (0, 10)),
    predicted: str = "predicted_value",
    reminder_after: DurationLike = "7d",
    detractor_window: DurationLike = "180d",
    params: Mapping[str, Any] | None = None,
) -> Journey:
    """Win back lapsed customers with a discount that grows with what they are worth.

    A high-value customer is offered more. Value is the predicted value a batch run
    stored in the attribute ``predicted`` (see :mod:`journeykit.analytics`) when the
    customer has one, and net revenue in ``currency`` from the facts otherwise.
    ``tiers`` are ``(at least this value, discount percent)``, highest first; the last
    should start at 0. A reminder follows after ``reminder_after``. Customers who were
    detractors within ``detractor_window`` are left out. An order ends the run.
    """
    ordered = sorted(((Decimal(str(v)), pct) for v, pct in tiers), reverse=True)
    if not ordered:
        raise DefinitionError([Problem("tiers", "give at least one (value, percent) tier")])
    for value, pct in ordered:
        if value < 0 or not 0 < pct < 100:
            raise DefinitionError(
                [
                    Problem(
                        "tiers",
                        f"each tier needs a value >= 0 and a percent 1-99 (got {value}, {pct})",
                    )
                ]
            )
    p = dict(params or {})

    pause = _positive("reminder_after", reminder_after)

    def offers(measure: Any) -> list[Step]:
        """Nested branches: the first tier the value reaches sends its discount, and its
        reminder (which names the same discount)."""
        steps: list[Step] = []
        offer: list[Step]
        for i, (value, pct) in reversed(list(enumerate(ordered))):
            tag = f"{pct}_{measure[1]}"
            values = {**p, "discount": pct}
            offer = [
                send("win_back", params=values, id=f"offer_{tag}"),
                wait(pause, id=f"wait_{tag}"),
                send("win_back_reminder", params=values, id=f"reminder_{tag}"),
            ]
            if not steps:
                steps = offer
            else:
                steps = [
                    branch(
                        measure[0](value), then=offer, otherwise=steps, id=f"tier_{measure[1]}_{i}"
                    )
                ]
        return steps

    def as_json(v: Decimal) -> int | float:  # an attribute holds JSON numbers
        return int(v) if v == v.to_integral_value() else float(v)

    by_prediction = offers((lambda v: attr(predicted) >= as_json(v), "predicted"))
    by_history = offers((lambda v: fact("revenue", currency=currency) >= v, "historic"))
    return Journey(
        id="win_back",
        description="Win back lapsed customers; the discount grows with their value.",
        trigger=on_stage_entered("lapsed"),
        entry=not_(detractor(within=detractor_window)),
        goal=on_event("order_placed"),
        exit=not_(in_stage("lapsed")),
        steps=[
            branch(
                attr(predicted).exists(), then=by_prediction, otherwise=by_history, id="value_known"
            ),
        ],
    )


def ambassador(
    *,
    referral_after: DurationLike = "14d",
    review_after: DurationLike = "14d",
    detractor_window: DurationLike = "180d",
    params: Mapping[str, Any] | None = None,
) -> Journey:
    """On becoming loyal: exclusive early access, then a referral ask, then a review ask.

    A customer who answers a survey as a detractor meanwhile leaves the journey, so no
    referral ask goes to an unhappy customer.

    - ``referral_after``: time from the early-access message to the referral ask;
    - ``review_after``: time from the referral ask to the review ask;
    - ``detractor_window``: how long a detractor's answer keeps a customer out of (and
      ends their run in) this journey.
    """
    p = dict(params or {})
    return Journey(
        id="ambassador",
        description="Reward loyal customers, then ask them to refer and review.",
        trigger=on_stage_entered("loyal"),
        entry=not_(detractor(within=detractor_window)),
        exit=detractor(within=detractor_window),
        steps=[
            send("ambassador_early_access", params=p),
            wait(_positive("referral_after", referral_after), id="wait_referral"),
            send("ambassador_referral", params=p),
            wait(_positive("review_after", review_after), id="wait_review"),
            send("ambassador_review", params=p),
        ],
    )


def sunset(*, grace: DurationLike = "14d", params: Mapping[str, Any] | None = None) -> Journey:
    """Ask silent subscribers whether they still want mail; opt out those who stay silent.

    Starts when a customer reaches the lifecycle's ``churned`` stage (no order and no
    opens or clicks for the preset's ``sunset_after``/``churned_after``). A re-permission
    message goes first; a click within ``grace`` keeps the subscription, silence ends in
    an ``UpdateCustomer`` opting the customer out of e-mail marketing. Nobody is opted out
    without being asked: if the message cannot be sent, the run ends there.
    """
    return Journey(
        id="sunset",
        description="Ask silent subscribers before opting them out of marketing.",
        trigger=on_stage_entered("churned"),
        entry=consented("email"),
        steps=[
            send("sunset", params=dict(params or {}), if_not_sent="exit"),
            wait_for(
                "message_clicked",
                timeout=_positive("grace", grace),
                on_timeout=[update(consent={"email": "opted_out"}, attributes={"sunset": True})],
            ),
        ],
    )


def feedback_loop(
    *,
    survey_after: DurationLike = "7d",
    cooldown: DurationLike = "90d",
    promoter_from: int = 9,
    detractor_below: int = 7,
    params: Mapping[str, Any] | None = None,
) -> list[Journey]:
    """A satisfaction survey after delivery, and what its answer leads to.

    - ``feedback_survey``: ``survey_after`` an order (at most once per ``cooldown``), a
      short survey; the host records the answer as a ``feedback_submitted`` event with a
      ``score`` from 0 to 10;
    - ``feedback_promoter`` (score >= ``promoter_from``): a review ask, then a referral ask;
    - ``feedback_detractor`` (score < ``detractor_below``): the customer is flagged for
      customer service (``UpdateCustomer`` with ``needs_follow_up``) and gets a personal
      follow-up message (transactional: service, not marketing);
    - ``feedback_neutral``: a thank-you.

    The score stays readable by conditions: :func:`detractor` keeps detractors out of
    win-back offers and ambassador asks for a while.
    """
    if not 0 <= detractor_below <= promoter_from <= 10:
        raise DefinitionError(
            [Problem("promoter_from", "need 0 <= detractor_below <= promoter_from <= 10")]
        )
    p = dict(params or {})
    score = prop("score")
    return [
        Journey(
            id="feedback_survey",
            description="Ask for a short satisfaction score after delivery.",
            trigger=on_event("order_placed"),
            reentry=_positive("cooldown", cooldown),
            steps=[
                wait(_positive("survey_after", survey_after)),
                send("feedback_survey", params=p),
            ],
        ),
        Journey(
            id="feedback_promoter",
            description="Promoters: ask for a review and a referral.",
            trigger=on_event(_FEEDBACK, where=score >= promoter_from),
            reentry="always",
            steps=[
                send("feedback_promoter_review", params=p),
                wait("3d"),
                send("feedback_promoter_referral", params=p),
            ],
        ),
        Journey(
            id="feedback_detractor",
            description="Detractors: flag for customer service and follow up in person.",
            trigger=on_event(_FEEDBACK, where=score < detractor_below),
            reentry="always",
            steps=[
                update(attributes={"needs_follow_up": True}),
                send("feedback_detractor", transactional=True, params=p),
            ],
        ),
        Journey(
            id="feedback_neutral",
            description="Neutral answers: say thank you.",
            trigger=on_event(
                _FEEDBACK, where=all_of(score >= detractor_below, score < promoter_from)
            ),
            reentry="always",
            steps=[send("feedback_thanks", transactional=True, params=p)],
        ),
    ]


def back_in_stock(*, params: Mapping[str, Any] | None = None) -> Journey:
    """A product the customer viewed or wanted is back: the host sends each of them a
    ``back_in_stock`` event (``product_id``, ``name``, ``url``) and they get one message."""
    return Journey(
        id="back_in_stock",
        description="Tell customers who wanted a product that it is back.",
        trigger=on_event("back_in_stock"),
        reentry="always",
        concurrent=True,
        steps=[send("back_in_stock", params=dict(params or {}))],
    )


def birthday(*, at: str = "09:00", params: Mapping[str, Any] | None = None) -> Journey:
    """A birthday greeting at ``at`` local time, every year, from the customer's
    ``birthday`` attribute (an ISO date; February 29 birthdays are greeted on February 28
    in common years)."""
    return Journey(
        id="birthday",
        description="Greet customers on their birthday, at a friendly local time.",
        trigger=on_date("attributes.birthday", at=at),
        reentry="always",
        steps=[send("birthday", params=dict(params or {}))],
    )


def newsletter_eligible(*, engaged_within: DurationLike = "180d") -> Condition:
    """Who should get the newsletter (journeykit does not send newsletters itself): opted
    in to e-mail, engaged (an open or a click) within ``engaged_within`` or subscribed
    since, and in no stage where marketing stops.

    >>> print(newsletter_eligible(engaged_within="90d"))  # doctest: +ELLIPSIS
    consented to email and (message opens in the last 90 days >= 1 or ...
    """
    window = _positive("engaged_within", engaged_within)
    return all_of(
        consented("email"),
        any_of(
            count("message_opened", within=window) >= 1,
            count("message_clicked", within=window) >= 1,
            since("subscribed") < window,
        ),
        not_(in_stage("churned")),
    )
