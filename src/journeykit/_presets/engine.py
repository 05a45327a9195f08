"""The whole ready-made programme in one call: lifecycle, journeys, templates, policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from journeykit._errors import DefinitionError, Problem
from journeykit._presets import journeys as ready
from journeykit._presets.lifecycle import lifecycle
from journeykit._presets.templates import LAYOUTS, TEMPLATES, UNSUBSCRIBE
from journeykit.engine import Cap, CustomerState, Engine, Policy
from journeykit.journeys import Journey
from journeykit.stages import StageMachine
from journeykit.templates import Templates

__all__ = ["JOURNEYS", "OFFERS", "POLICY", "SALES_JOURNEYS", "engine", "journeys", "templates"]

#: The ready-made journeys by id, each made by its function in :mod:`journeykit.presets`.
JOURNEYS: Mapping[str, Callable[..., Journey | list[Journey]]] = {
    "welcome": ready.welcome,
    "browse_abandonment": ready.browse_abandonment,
    "cart_abandonment": ready.cart_abandonment,
    "post_purchase": ready.post_purchase,
    "second_purchase": ready.second_purchase,
    "win_back": ready.win_back,
    "ambassador": ready.ambassador,
    "sunset": ready.sunset,
    "feedback": ready.feedback_loop,
    "back_in_stock": ready.back_in_stock,
    "birthday": ready.birthday,
}

#: The offers the messages print unless overridden: a percent and a code per journey.
OFFERS: Mapping[str, Mapping[str, Any]] = {
    "welcome": {"discount": 10, "code": "WELCOME10"},
    "cart_abandonment": {"discount": 10, "code": "CART10"},
    "second_purchase": {"discount": 10, "code": "AGAIN10"},
    "win_back": {"code": "COMEBACK"},
    "birthday": {"discount": 15, "code": "BIRTHDAY"},
}

#: Journeys that sell: a customer in one of these is not sent the newsletter.
SALES_JOURNEYS = ("browse_abandonment", "cart_abandonment", "second_purchase", "win_back")

#: The default policy: no marketing between 21:00 and 08:00 in the customer's zone, at
#: most 2 marketing e-mails a day and 4 a week (transactional mail is never capped), and
#: events up to an hour late still start journeys.
POLICY = Policy(
    quiet_hours=("21:00", "08:00"),
    caps=[
        Cap(channel="email", limit=2, window="1d"),  # type: ignore[arg-type]  # text is validated
        Cap(channel="email", limit=4, window="7d"),  # type: ignore[arg-type]  # into a Duration
    ],
    late_event_tolerance="1h",  # type: ignore[arg-type]  # text is validated into a Duration
)


def templates() -> Templates:
    """The ready-made messages: an English ``default`` and a Swedish ``sv`` variant of
    each, on one accessible e-mail layout (see ``docs/presets.md``)."""
    return Templates(templates=TEMPLATES, layouts=LAYOUTS, default_locale="en-US")


def journeys(
    *,
    shop_name: str = "Our shop",
    shop_url: str = "https://shop.example",
    currency: str = "EUR",
    unsubscribe: str = UNSUBSCRIBE,
    survey_url: str | None = None,
    offers: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    holdout: Mapping[str, float] | None = None,
) -> list[Journey]:
    """The ready-made journeys, ready for :class:`~journeykit.engine.Engine`.

    - ``shop_name``, ``shop_url``, ``unsubscribe``, ``survey_url``: values every message
      prints (``unsubscribe`` is the placeholder the host replaces with each customer's
      own link; ``survey_url`` defaults to ``<shop_url>/feedback``);
    - ``currency``: the currency win-back's value tiers are counted in;
    - ``offers``: per journey id, the ``discount`` and ``code`` its messages print
      (merged over :data:`OFFERS`);
    - ``only``: the journey ids to include (default: all of :data:`JOURNEYS`);
    - ``settings``: per journey id, keyword arguments for its function (``{"cart_abandonment":
      {"first_after": "2h"}}``);
    - ``holdout``: per journey id, the fraction of entrants who get no messages.
    """
    chosen = list(JOURNEYS) if only is None else list(only)
    problems = [
        Problem(f"only[{i}]", f"no ready-made journey {name!r}; choose from {', '.join(JOURNEYS)}")
        for i, name in enumerate(chosen)
        if name not in JOURNEYS
    ]
    problems += [
        Problem(
            f"{field}.{name}", f"no ready-made journey {name!r}; choose from {', '.join(JOURNEYS)}"
        )
        for field, given in (("settings", settings), ("offers", offers))
        for name in (given or {})
        if name not in JOURNEYS
    ]
    if problems:
        raise DefinitionError(problems)
    base = {
        "shop_name": shop_name,
        "shop_url": shop_url,
        "unsubscribe": unsubscribe,
        "survey_url": survey_url if survey_url is not None else f"{shop_url.rstrip('/')}/feedback",
    }
    made: list[Journey] = []
    for name in chosen:
        options = dict((settings or {}).get(name, {}))
        params = {**base, **OFFERS.get(name, {}), **(offers or {}).get(name, {})}
        options.setdefault("params", params)
        if name == "win_back":
            options.setdefault("currency", currency)
        built = JOURNEYS[name](**options)
        for journey in built if isinstance(built, list) else [built]:
            share = (holdout or {}).get(name)
            made.append(journey if share is None else journey.model_copy(update={"holdout": share}))
    return made


def engine(
    *,
    lifecycle_settings: Mapping[str, Any] | None = None,
    machine: StageMachine | None = None,
    templates_override: Templates | None = None,
    policy: Policy | None = None,
    events: Sequence[str] = (),
    **journey_options: Any,
) -> Engine:
    """The whole ready-made programme as one :class:`~journeykit.engine.Engine`.

    - the lifecycle of :func:`lifecycle` (``lifecycle_settings`` are its keyword
      arguments; ``machine`` replaces it; its ``currency`` defaults to the journeys');
    - every ready-made journey (keyword arguments of :func:`journeys` choose and tune
      them: ``shop_name``, ``currency``, ``only``, ``settings``, ``offers``, ``holdout``...);
    - the ready-made messages, with ``templates_override`` merged over them (replace any
      message by name without touching the journeys);
    - :data:`POLICY` unless ``policy`` is given.

    >>> shop = engine(shop_name="Kaffeboden", currency="SEK", only=["welcome"])
    >>> [j.id for j in shop.definitions.journeys], shop.policy.quiet_hours
    (['welcome'], ('21:00', '08:00'))
    """
    currency = journey_options.get("currency", "EUR")
    if machine is None:
        machine = lifecycle(**{"currency": currency, **(lifecycle_settings or {})})
    registry = templates()
    if templates_override is not None:
        registry = registry.merged(templates_override)
    return Engine(
        machine,
        journeys(**journey_options),
        registry,
        policy if policy is not None else POLICY,
        events=events,
    )


def newsletter_eligible(engine_: Engine, state: CustomerState, now: datetime) -> bool:
    """Whether the customer in ``state`` should get the newsletter at ``now``: the
    condition :func:`newsletter_condition` holds, and no :data:`SALES_JOURNEYS` run is
    going (journeykit does not send newsletters: use this to pick recipients)."""
    if any(run.journey in SALES_JOURNEYS for run in state.runs):
        return False
    from journeykit.conditions import EvalContext

    ctx = EvalContext(
        state.customer,
        state.facts,
        now,
        stage=state.stage,
        stage_entered_at=state.stage_entered_at,
        tz=state.customer.timezone or engine_.policy.default_timezone,
    )
    return ready.newsletter_eligible().evaluate(ctx)
