"""What the engine tells the host: actions (facts in the past tense, or instructions).

Every action is a frozen record with a literal ``type`` tag, so a list of them is one
discriminated union that round-trips through JSON. Nothing the engine decides is left
out: a message not sent is a :class:`MessageSuppressed` saying why, a journey a customer
could not enter because another in its group won is a :class:`JourneySkipped`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal, Union

from pydantic import Field, JsonValue

from journeykit._base import FrozenJson, FrozenModel
from journeykit.models import AwareDatetime, Channel, ConsentStatus
from journeykit.stages import StageChanged
from journeykit.templates import RenderedMessage

__all__ = [
    "Action",
    "JourneyEntered",
    "JourneyExited",
    "JourneySkipped",
    "MessageSuppressed",
    "SendMessage",
    "StageChanged",
    "UpdateCustomer",
    "ExitReason",
    "SuppressReason",
]

ExitReason = Literal["completed", "converted", "exited", "definition_removed"]
"""Why a run ended: it ran out of steps or reached an ``Exit`` (``completed``), met its
goal (``converted``), its exit condition held (``exited``), or its journey or step is no
longer defined (``definition_removed``)."""

SuppressReason = Literal[
    "no_consent", "suppressed", "no_address", "frequency_cap", "holdout", "render_failed"
]
"""Why a message was not sent."""


class JourneyEntered(FrozenModel):
    """A customer started a run of a journey (``held_out``: in its holdout group)."""

    type: Literal["journey_entered"] = "journey_entered"
    journey: str
    version: int
    run: str
    at: AwareDatetime
    held_out: bool = False
    reason: str
    """What started it, in words (the trigger)."""


class JourneyExited(FrozenModel):
    """A run ended, and why (see :data:`ExitReason`)."""

    type: Literal["journey_exited"] = "journey_exited"
    journey: str
    version: int
    run: str
    at: AwareDatetime
    reason: ExitReason
    detail: str = ""


class JourneySkipped(FrozenModel):
    """A journey would have started but did not: another journey in its ``group`` won
    (higher priority) or is already running for the customer."""

    type: Literal["journey_skipped"] = "journey_skipped"
    journey: str
    at: AwareDatetime
    reason: Literal["group"] = "group"
    detail: str


class SendMessage(FrozenModel):
    """Send this rendered message to ``to`` on ``channel`` (an instruction to the host).

    ``idempotency_key`` is the same on every retry of the call that produced it, so a
    host that stores it can send exactly once. ``to`` is the customer's e-mail address or
    phone number; for ``push`` and ``in_app`` it is the customer id (the host knows the
    devices).
    """

    type: Literal["send_message"] = "send_message"
    journey: str
    version: int
    run: str
    step: str
    template: str
    channel: Channel
    to: str
    transactional: bool
    message: RenderedMessage
    idempotency_key: str
    at: AwareDatetime


class MessageSuppressed(FrozenModel):
    """A message that was due and was not sent, and why (see :data:`SuppressReason`)."""

    type: Literal["message_suppressed"] = "message_suppressed"
    journey: str
    version: int
    run: str
    step: str
    template: str
    channel: Channel
    reason: SuppressReason
    detail: str = ""
    at: AwareDatetime


class UpdateCustomer(FrozenModel):
    """Change the customer record in the host's database (an ``Update`` step ran).

    The engine has already applied it to the record inside the customer's state.
    """

    type: Literal["update_customer"] = "update_customer"
    journey: str
    version: int
    run: str
    step: str
    attributes: Annotated[Mapping[str, JsonValue], FrozenJson] = Field(default_factory=dict)
    consent: Mapping[Channel, ConsentStatus] = Field(default_factory=dict)
    idempotency_key: str
    at: AwareDatetime


Action = Annotated[
    Union[  # noqa: UP007  # a runtime union pydantic reads
        StageChanged,
        JourneyEntered,
        JourneyExited,
        JourneySkipped,
        SendMessage,
        MessageSuppressed,
        UpdateCustomer,
    ],
    Field(discriminator="type"),
]
"""Any action the engine returns."""
