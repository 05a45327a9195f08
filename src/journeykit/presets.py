"""Ready-made definitions: the e-commerce lifecycle, the journeys lifecycle marketing
asks for, their messages in English and Swedish, and all of it wired into one engine.

A shop gets from ``pip install`` to a working programme with :func:`engine`, then tunes
it: every threshold and delay is a parameter, every message can be replaced by name.

The lifecycle
-------------

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
turns a subscriber back into a prospect. The tests check the stage reached against a
direct reading of the rules below over random histories.

Where consent and subscription time come from:

- **Consent is the customer record's** (``customer.consent``): the host updates the
  record when it receives ``unsubscribed`` or ``subscribed``. Those events alone change
  no stage.
- **A never-buying subscriber's sunset clock** starts when they became a subscriber (the
  machine moved them into ``subscriber``: at creation for a customer created opted in,
  else when the record was first evaluated opted in), or at their latest
  ``subscribed`` event if that is later. Store each stage change's ``at`` as the stage's
  entry time, as the engine does.

The journeys
------------
=====================  ====================================================================
journey                what it does
=====================  ====================================================================
welcome                on opt-in: a welcome at once, an introductory offer days later
browse_abandonment     a product viewed, not carted: one gentle reminder
cart_abandonment       a cart left: reminders, an incentive on the last; ends on an order
post_purchase          after every order: thanks (transactional), review ask, ideas
second_purchase        first-time buyers who have not ordered again: a nudge
win_back               lapsed customers: an offer that grows with their value
ambassador             on becoming loyal: early access, then referral and review asks
sunset                 silent subscribers: asked first, opted out only if they stay silent
feedback_*             a survey after delivery; promoters, detractors and neutrals routed
back_in_stock          a product the customer wanted is back
birthday               a greeting at 09:00 local time, every year
=====================  ====================================================================

``docs/presets.md`` shows each with its diagram, parameters and messages.

>>> machine = lifecycle()
>>> machine.initial, machine.stage_names[:4]
('prospect', ('prospect', 'subscriber', 'first_time', 'repeat'))
>>> print(machine.stage("lapsed").description)
Last order much older (more than 180 days): win-back offers.
"""

from __future__ import annotations

from journeykit._presets.engine import (
    JOURNEYS,
    OFFERS,
    POLICY,
    SALES_JOURNEYS,
    engine,
    journeys,
    newsletter_eligible,
    templates,
)
from journeykit._presets.journeys import (
    ABANDONMENT,
    ambassador,
    back_in_stock,
    birthday,
    browse_abandonment,
    cart_abandonment,
    detractor,
    feedback_loop,
    post_purchase,
    second_purchase,
    sunset,
    welcome,
    win_back,
)
from journeykit._presets.journeys import newsletter_eligible as newsletter_condition
from journeykit._presets.lifecycle import lifecycle
from journeykit._presets.templates import UNSUBSCRIBE

__all__ = [
    "lifecycle",
    "engine",
    "journeys",
    "templates",
    "welcome",
    "browse_abandonment",
    "cart_abandonment",
    "post_purchase",
    "second_purchase",
    "win_back",
    "ambassador",
    "sunset",
    "feedback_loop",
    "back_in_stock",
    "birthday",
    "detractor",
    "newsletter_condition",
    "newsletter_eligible",
    "JOURNEYS",
    "OFFERS",
    "POLICY",
    "SALES_JOURNEYS",
    "ABANDONMENT",
    "UNSUBSCRIBE",
]
