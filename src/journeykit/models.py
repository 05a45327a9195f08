"""The customer and event records journeykit reads.

A host builds these from its own database rows and webhooks. Both are frozen pydantic
models: validated when built, immutable afterwards, and exact through JSON
(``Customer.model_validate_json(c.model_dump_json()) == c``).

Bad data raises :class:`pydantic.ValidationError` (a ``ValueError``). Each error's ``loc``
names the field, and the message says what it must be and what it got:

>>> from datetime import datetime
>>> try:
...     Customer(id="c1", created_at=datetime(2026, 1, 5, 9, 0))
... except ValueError as err:
...     print(err.errors()[0]["loc"], err.errors()[0]["msg"])  # doctest: +ELLIPSIS
('created_at',) Value error, must be timezone-aware (got naive 2026-01-05T09:00:00); ...
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import Locale, UnknownLocaleError
from pydantic import AfterValidator, Field, JsonValue, field_validator

from journeykit._base import FrozenModel

__all__ = [
    "Channel",
    "ConsentStatus",
    "Customer",
    "Event",
    "AwareDatetime",
    "Identifier",
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


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"must be timezone-aware (got naive {value.isoformat()}); attach a zone, "
            "e.g. datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo('Europe/Stockholm')) or an "
            "ISO string with an offset such as '2026-01-05T09:00:00+01:00'"
        )
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_aware)]
"""A datetime that must carry a time zone; a naive one is rejected naming the field."""


def _require_identifier(value: str) -> str:
    if not value.strip():
        raise ValueError(f"must be a non-empty identifier (got {value!r})")
    return value


Identifier = Annotated[str, AfterValidator(_require_identifier)]
"""A non-empty, non-blank string id."""


@lru_cache(maxsize=1024)
def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"must be an IANA time zone name such as 'Europe/Stockholm' or "
            f"'America/New_York' (got {name!r})"
        ) from None
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
        raise ValueError(f"must be a BCP 47 tag such as 'sv-SE', 'en-US' or 'de' (got {tag!r})")
    return canonical


_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


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
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None
    locale: str | None = None
    attributes: dict[str, JsonValue] = Field(default_factory=dict)
    consent: dict[Channel, ConsentStatus] = Field(default_factory=dict)
    suppressed: bool = False

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)

    @field_validator("locale")
    @classmethod
    def _valid_locale(cls, value: str | None) -> str | None:
        return None if value is None else _check_locale(value)

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or any(ch.isspace() for ch in value):
            raise ValueError(f"must be an e-mail address such as 'ada@example.com' (got {value!r})")
        return value

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _E164.match(value):
            raise ValueError(
                f"must be an E.164 number: '+', country code, number, no spaces, "
                f"e.g. '+46701234567' (got {value!r})"
            )
        return value

    def consent_for(self, channel: Channel | str) -> ConsentStatus:
        """What the customer said about marketing on ``channel`` (``unknown`` if never asked)."""
        return self.consent.get(Channel(channel), ConsentStatus.UNKNOWN)


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
    type: str
    at: AwareDatetime
    properties: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not _SNAKE.match(value):
            raise ValueError(
                f"must be snake_case: lower-case letters, digits and single underscores, "
                f"starting with a letter, e.g. 'order_placed' (got {value!r})"
            )
        return value

    @field_validator("properties")
    @classmethod
    def _standard_properties(cls, value: dict[str, JsonValue], info: Any) -> dict[str, JsonValue]:
        event_type = info.data.get("type")
        if event_type is not None:
            from journeykit.events import check_properties

            check_properties(event_type, value)
        return value
