"""The customer and event records journeykit reads.

A host builds these from its own database rows and webhooks. Both are frozen pydantic
models: validated when built, immutable afterwards all the way down (``attributes``,
``consent`` and ``properties`` are read-only mappings, their lists tuples), and exact
through JSON (``Customer.model_validate_json(c.model_dump_json()) == c``).

Bad data raises :class:`~journeykit.errors.InvalidInputError` (a ``ValueError``). Each of
its ``problems`` names the field path, what it must be and what it got:

>>> from datetime import datetime
>>> try:
...     Customer(id="c1", created_at=datetime(2026, 1, 5, 9, 0))
... except ValueError as err:
...     print(err.problems[0].path, "|", err.problems[0].message)  # doctest: +ELLIPSIS
created_at | the datetime must be timezone-aware (got naive 2026-01-05T09:00:00); ...
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Annotated, Literal, TypeAlias

from babel.core import Locale, UnknownLocaleError
from pydantic import AfterValidator, Field, JsonValue, StringConstraints

from journeykit._base import FrozenDict, FrozenJson, FrozenModel
from journeykit._errors import InvalidInputError
from journeykit.events import check_properties
from journeykit.time import require_aware, zone

__all__ = [
    "Channel",
    "ConsentStatus",
    "Customer",
    "Event",
    "AwareDatetime",
    "Identifier",
    "EventType",
    "MAX_EVENT_TYPE_LENGTH",
    "ChannelName",
    "ConsentName",
    "MAX_ID_LENGTH",
    "canonical_locale",
]


class Channel(str, Enum):
    """A channel a message can be sent on."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    IN_APP = "in_app"

    def __str__(self) -> str:
        return self.value


class ConsentStatus(str, Enum):
    """What a customer has said about marketing on one channel.

    Marketing sends need ``OPTED_IN``; ``UNKNOWN`` (never asked) is not consent.
    """

    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


ChannelName: TypeAlias = Literal["email", "sms", "push", "in_app"]
"""A channel written as text; accepted wherever a :class:`Channel` is."""

ConsentName: TypeAlias = Literal["opted_in", "opted_out", "unknown"]
"""A consent status written as text; accepted wherever a :class:`ConsentStatus` is."""


def _aware(value: datetime) -> datetime:
    return require_aware(value, "the datetime")


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A datetime that must carry a time zone; a naive one is rejected naming the field."""

#: The longest id, event type or name journeykit accepts.
MAX_ID_LENGTH = 200


def _require_identifier(value: str) -> str:
    if not value.strip():
        raise InvalidInputError(f"must be a non-empty identifier (got {value!r})")
    return value


Identifier = Annotated[
    str, StringConstraints(max_length=MAX_ID_LENGTH), AfterValidator(_require_identifier)
]
"""A non-empty, non-blank string id of at most :data:`MAX_ID_LENGTH` characters."""


def _check_zone(name: str) -> str:
    zone(name)  # the one zone rule: IANA names only, never the host's "localtime"
    return name


_LOCALE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|[0-9]{3}))?$")


@lru_cache(maxsize=1024)
def canonical_locale(tag: str) -> str | None:
    """A locale tag in canonical BCP 47 form if Babel knows it, else ``None``.

    Language lower-case, script title-case, region upper-case, ``_`` read as ``-``.

    >>> canonical_locale("sv_se"), canonical_locale("zh-hant-tw"), canonical_locale("english")
    ('sv-SE', 'zh-Hant-TW', None)
    """
    text = tag.strip()
    if not _LOCALE_TAG.match(text):
        return None
    language, *rest = re.split(r"[-_]", text)
    pieces = [language.lower()]
    for piece in rest:
        pieces.append(piece.title() if len(piece) == 4 else piece.upper())
    canonical = "-".join(pieces)
    try:
        Locale.parse(canonical, sep="-")
    except (UnknownLocaleError, ValueError):
        return None
    return canonical


def _check_locale(tag: str) -> str:
    canonical = canonical_locale(tag)
    if canonical is None:
        raise InvalidInputError(
            f"must be a BCP 47 tag such as 'sv-SE', 'en-US' or 'de' (got {tag!r})"
        )
    return canonical


_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: The longest event type name.
MAX_EVENT_TYPE_LENGTH = 64


def _check_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or any(ch.isspace() for ch in value)
        or len(value) > 254
    ):
        raise InvalidInputError(
            f"must be an e-mail address such as 'ada@example.com' (got {value[:80]!r})"
        )
    return value


def _check_phone(value: str) -> str:
    if not _E164.match(value):
        raise InvalidInputError(
            f"must be an E.164 number: '+', country code, number, no spaces, "
            f"e.g. '+46701234567' (got {value[:40]!r})"
        )
    return value


def _check_event_type(value: str) -> str:
    if len(value) > MAX_EVENT_TYPE_LENGTH or not _SNAKE.match(value):
        raise InvalidInputError(
            f"must be snake_case of at most {MAX_EVENT_TYPE_LENGTH} characters: lower-case "
            f"letters, digits and single underscores, starting with a letter, e.g. "
            f"'order_placed' (got {value[:80]!r})"
        )
    return value


EventType = Annotated[str, AfterValidator(_check_event_type)]
"""An event type name: snake_case, at most :data:`MAX_EVENT_TYPE_LENGTH` characters. Every
model that names an event type (events, conditions, journey triggers) uses this one rule."""


def _consent(
    value: Mapping[Channel | str, ConsentStatus | str],
) -> FrozenDict[Channel, ConsentStatus]:
    return FrozenDict({Channel(k): ConsentStatus(v) for k, v in value.items()})


class Customer(FrozenModel):
    """A person the shop knows, as journeykit needs to see them.

    ``timezone`` and ``locale`` drive local send times and message language; a customer
    without a zone gets the engine policy's default. ``consent`` maps a channel to what
    the customer said; a channel not listed is ``unknown``. ``suppressed`` (hard bounce,
    erasure request) means nothing at all is sent, transactional messages included.

    >>> from datetime import datetime, timezone
    >>> c = Customer(
    ...     id="c-42",
    ...     email="ada@example.com",
    ...     timezone="Europe/Stockholm",
    ...     locale="sv_SE",
    ...     created_at=datetime(2026, 3, 1, tzinfo=timezone.utc),
    ...     attributes={"first_name": "Ada", "vip": True},
    ...     consent={"email": "opted_in"},
    ... )
    >>> c.locale, c.consent_for(Channel.EMAIL), c.consent_for("sms")
    ('sv-SE', <ConsentStatus.OPTED_IN: 'opted_in'>, <ConsentStatus.UNKNOWN: 'unknown'>)
    """

    id: Identifier
    created_at: AwareDatetime
    email: Annotated[str, AfterValidator(_check_email)] | None = None
    phone: Annotated[str, AfterValidator(_check_phone)] | None = None
    timezone: Annotated[str, AfterValidator(_check_zone)] | None = None
    locale: Annotated[str, AfterValidator(_check_locale)] | None = None
    attributes: Annotated[Mapping[str, JsonValue], FrozenJson] = Field(default_factory=FrozenDict)
    consent: Annotated[
        Mapping[Channel | ChannelName, ConsentStatus | ConsentName], AfterValidator(_consent)
    ] = Field(default_factory=FrozenDict)
    suppressed: bool = False

    def consent_for(self, channel: Channel | str) -> ConsentStatus:
        """What the customer said about marketing on ``channel`` (``unknown`` if never asked)."""
        return ConsentStatus(self.consent.get(Channel(channel), ConsentStatus.UNKNOWN))


class Event(FrozenModel):
    """Something a customer did (or that happened to them), at an instant.

    ``type`` is snake_case; :mod:`journeykit.events` names the standard types and checks
    their documented properties (``order_placed`` needs a non-negative ``value`` and an
    ISO 4217 ``currency`` when they are given). Other types pass with free properties.
    ``id`` makes delivery idempotent: a repeated id is ignored.

    >>> from datetime import datetime, timezone
    >>> e = Event(
    ...     id="evt-1",
    ...     customer_id="c-42",
    ...     type="order_placed",
    ...     at=datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc),
    ...     properties={"order_id": "o-1", "value": "499.00", "currency": "SEK"},
    ... )
    >>> Event.model_validate_json(e.model_dump_json()) == e
    True
    """

    id: Identifier
    customer_id: Identifier
    type: EventType
    at: AwareDatetime
    properties: Annotated[Mapping[str, JsonValue | Decimal], FrozenJson] = Field(
        default_factory=FrozenDict
    )

    def model_post_init(self, context: object, /) -> None:
        check_properties(self.type, self.properties)
