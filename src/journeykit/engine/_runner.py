"""Running a journey's steps for one customer: where decisions become messages.

The engine hands a due run to :func:`run_steps`, which goes from step to step until the
run must wait (a ``Wait``, a ``WaitFor``, a send deferred by quiet hours or a cap) or
ends. Every send passes the same checks, in this order, and every message not sent says
why (``MessageSuppressed``):

1. the customer is suppressed (hard bounce, erasure): nothing, not even transactional;
2. a marketing send needs ``opted_in`` consent on its channel *now*;
3. the channel needs an address (e-mail, phone; push and in-app go to the customer id);
4. a run in the holdout group sends no marketing message (transactional ones still go);
5. quiet hours defer a marketing send to their end (never drop it);
6. frequency caps skip it or defer it to the next free slot, as the policy says;
7. the template is rendered; a failure is ``render_failed``, and the run moves on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from journeykit._time.crossing import crossing, to_datetime, to_micros
from journeykit._time.lookback import look_back
from journeykit.conditions import EvalContext
from journeykit.engine._actions import MessageSuppressed, SendMessage, UpdateCustomer
from journeykit.engine._policy import Policy
from journeykit.engine._state import Run, SentRecord, evolve
from journeykit.engine._work import Work
from journeykit.journeys import (
    Branch,
    Exit,
    Journey,
    Send,
    Split,
    Step,
    StepPlace,
    Update,
    Wait,
    WaitFor,
)
from journeykit.models import Channel, ConsentStatus, Customer
from journeykit.templates import TemplateError, Templates, template_context
from journeykit.time import in_quiet_hours, next_anniversary, next_local_time, quiet_end, shift

__all__ = ["RunContext", "run_steps", "stable_fraction", "stable_key"]

#: Steps one run may take in one go: far more than any journey has, so a definition
#: error can never spin.
MAX_STEPS = 1000


def stable_key(*parts: str, size: int = 16) -> str:
    """A short, stable hex digest of ``parts``: the same in every process and release."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size)
    return digest.hexdigest()


def stable_fraction(*parts: str) -> float:
    """A stable number in [0, 1) from ``parts``, for holdouts and splits."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class RunContext:
    """What running steps needs from the engine, for one instant."""

    work: Work
    at: datetime
    zone: tzinfo
    zone_name: str
    policy: Policy
    templates: Templates
    context: Callable[[], EvalContext]  # a fresh evaluation context at `at`


def run_steps(
    rc: RunContext, run: Run, journey: Journey, places: dict[str, StepPlace]
) -> Run | Ended:
    """Advance ``run`` from its current step as far as it can go at ``rc.at``.

    Returns the run as it now stands (waiting somewhere), or how it ended; the caller
    records the exit.
    """
    step_id: str | None = run.step
    waiting = run.waiting
    for _ in range(MAX_STEPS):
        if step_id is None:
            return _COMPLETED
        place = places[step_id]
        step = place.step
        outcome = _take(rc, run, journey, step, place, waiting)
        if isinstance(outcome, _Hold):
            due = outcome.until.astimezone(timezone.utc)
            return evolve(run, step=step_id, due=due, waiting=outcome.kind)
        if isinstance(outcome, Ended):
            return outcome
        step_id = outcome
        waiting = None
    raise AssertionError(f"journey {journey.id!r}: a run took more than {MAX_STEPS} steps")


@dataclass(frozen=True)
class _Hold:
    kind: str
    until: datetime


@dataclass(frozen=True)
class Ended:
    """A run that ended in its steps: how (a ``JourneyExited`` reason) and why."""

    reason: str
    detail: str


_COMPLETED = Ended("completed", "all steps done")


def _take(
    rc: RunContext,
    run: Run,
    journey: Journey,
    step: Step,
    place: StepPlace,
    waiting: str | None,
) -> str | _Hold | Ended | None:
    """Do one step: the next step id, a hold, or how the run ended."""
    after = place.next_id
    if isinstance(step, Send):
        outcome = _send(rc, run, journey, step)
        return after if outcome is None else outcome
    if isinstance(step, Wait):
        if waiting == "wait":
            return after  # the wait is over: the engine only runs a waiting run when due
        until = _wait_end(rc, step)
        return after if until is None or until <= rc.at else _Hold("wait", until)
    if isinstance(step, WaitFor):
        if waiting == "event":  # due while still waiting: the timeout passed
            return _first(step.on_timeout, after)
        return _Hold("event", shift(rc.at, step.timeout, rc.zone))
    if isinstance(step, Branch):
        taken = step.then if step.when.evaluate(rc.context()) else step.otherwise
        return _first(taken, after)
    if isinstance(step, Split):
        return _first(_split_side(rc.work.customer, journey, step), after)
    if isinstance(step, Update):
        _update(rc, run, journey, step)
        return after
    if isinstance(step, Exit):
        return Ended("completed", f"reached the exit step {step.id!r}")
    raise AssertionError(f"unknown step {step!r}")


def _first(steps: Sequence[Step], after: str | None) -> str | None:
    return steps[0].id if steps else after


def _wait_end(rc: RunContext, step: Wait) -> datetime | None:
    if step.duration is not None:
        return shift(rc.at, step.duration, rc.zone)
    if step.until is not None:
        return next_local_time(rc.at, step.until, rc.zone)
    assert step.until_date is not None  # validated: exactly one form
    date = read_date(rc.work.customer, step.until_date)
    if date is None:
        return None  # no such date on the record: nothing to wait for
    return next_anniversary(rc.at, date, step.at, rc.zone)


def read_date(customer: Customer, path: str) -> datetime | str | None:
    """The value a date path names on ``customer``: ``created_at``, or the text of an
    attribute (``None`` when it is absent or not text)."""
    if path == "created_at":
        return customer.created_at
    value: object = customer.attributes
    for key in path.split(".")[1:]:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, str) else None


def _split_side(customer: Customer, journey: Journey, step: Split) -> Sequence[Step]:
    total = sum(side.weight for side in step.branches.values())
    point = int(stable_fraction("split", customer.id, journey.id, step.id) * total)
    for side in step.branches.values():
        if point < side.weight:
            return side.steps
        point -= side.weight
    raise AssertionError("split weights are positive")


def _update(rc: RunContext, run: Run, journey: Journey, step: Update) -> None:
    work = rc.work
    customer = work.customer
    attributes = {**customer.attributes, **step.attributes}
    changed = {Channel(k): ConsentStatus(v) for k, v in step.consent.items()}
    consent = {Channel(k): ConsentStatus(v) for k, v in customer.consent.items()} | changed
    work.customer = customer.model_copy(update={"attributes": attributes, "consent": consent})
    work.customer_changed = True
    work.actions.append(
        UpdateCustomer(
            journey=journey.id,
            version=journey.version,
            run=run.id,
            step=step.id,
            attributes=step.attributes,
            consent=changed,
            idempotency_key=stable_key(customer.id, run.id, step.id),
            at=rc.at,
        )
    )


# --------------------------------------------------------------------------- sending


def _address(customer: Customer, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return customer.email
    if channel is Channel.SMS:
        return customer.phone
    return customer.id


def _send(rc: RunContext, run: Run, journey: Journey, step: Send) -> _Hold | Ended | None:
    """Send (None: the run moves on), defer (a hold) or suppress: the run moves on, or
    ends when the step says ``if_not_sent="exit"``."""
    work = rc.work
    customer = work.customer
    channel = Channel(step.channel)
    marketing = not step.transactional

    def suppress(reason: str, detail: str) -> Ended | None:
        work.actions.append(
            MessageSuppressed(
                journey=journey.id,
                version=journey.version,
                run=run.id,
                step=step.id,
                template=step.template,
                channel=channel,
                reason=reason,  # type: ignore[arg-type]  # one of SuppressReason
                detail=detail,
                at=rc.at,
            )
        )
        if step.if_not_sent == "exit":
            return Ended("exited", f"{step.template!r} was not sent ({reason}): {detail}")
        return None

    if customer.suppressed:
        return suppress("suppressed", "the customer is suppressed: nothing is sent to them")
    if marketing and customer.consent_for(channel) is not ConsentStatus.OPTED_IN:
        status = customer.consent_for(channel).value
        return suppress(
            "no_consent", f"marketing on {channel.value} needs opted_in consent ({status})"
        )
    address = _address(customer, channel)
    if address is None:
        return suppress("no_address", f"the customer has no {channel.value} address")
    if marketing and run.held_out:
        return suppress("holdout", f"the customer is in journey {journey.id!r}'s holdout group")
    if marketing:
        policy = rc.policy
        quiet = policy.quiet_hours
        if quiet is not None and policy.quiet_on(channel) and in_quiet_hours(rc.at, quiet, rc.zone):
            return _Hold("send", quiet_end(rc.at, quiet, rc.zone))
        free = _cap_free_at(rc, channel)
        if free is not None:
            if policy.on_cap == "defer":
                return _Hold("send", free)
            return suppress("frequency_cap", _cap_detail(rc, channel))
    context = template_context(
        customer,
        event=run.trigger,
        stage=work.stage,
        journey={"id": journey.id, "version": journey.version},
        step=step.id,
        extra=dict(step.params),
    )
    try:
        message = rc.templates.render(
            step.template, context, locale=customer.locale, timezone=rc.zone_name
        )
    except TemplateError as error:
        return suppress("render_failed", str(error))
    work.actions.append(
        SendMessage(
            journey=journey.id,
            version=journey.version,
            run=run.id,
            step=step.id,
            template=step.template,
            channel=channel,
            to=address,
            transactional=step.transactional,
            message=message,
            idempotency_key=stable_key(customer.id, run.id, step.id),
            at=rc.at,
        )
    )
    if marketing:
        work.sent.append(SentRecord(channel=channel, at=rc.at))
    return None


def _in_window(rc: RunContext, channel: Channel, window: object) -> list[float]:
    cutoff = look_back(rc.at, rc.at.timestamp(), rc.zone, window)  # type: ignore[arg-type]  # a Duration
    return sorted(
        ts
        for ts in (s.at.timestamp() for s in rc.work.sent if s.channel is channel)
        if ts >= cutoff
    )


def _cap_free_at(rc: RunContext, channel: Channel) -> datetime | None:
    """When a send on ``channel`` would fit under every cap, if it does not fit now."""
    free: int | None = None
    now = to_micros(rc.at)
    for cap in rc.policy.caps:
        if Channel(cap.channel) is not channel:
            continue
        inside = _in_window(rc, channel, cap.window)
        if len(inside) < cap.limit:
            continue
        # the slot frees when enough of the oldest sends have left the window
        leaving = inside[len(inside) - cap.limit]
        at = crossing(leaving, cap.window, rc.zone, True, now)
        if at is not None and (free is None or at > free):
            free = at
    return None if free is None else to_datetime(free)


def _cap_detail(rc: RunContext, channel: Channel) -> str:
    caps = [str(c) for c in rc.policy.caps if Channel(c.channel) is channel]
    return "over the frequency cap: " + "; ".join(caps)
