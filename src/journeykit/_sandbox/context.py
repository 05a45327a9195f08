"""The documented template context, built from a customer and what happened to them.

:func:`template_context` copies what a template may read into plain data (dicts,
tuples, text, numbers, dates): never the caller's objects, so no template can reach a
host object or change the caller's data, and no two customers' data mix (an event of
another customer is refused).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from journeykit._errors import InvalidInputError, Problem, quote
from journeykit._sandbox.access import MAPPING_METHODS
from journeykit._sandbox.values import describe
from journeykit.events import ORDER_PLACED, ORDER_REFUNDED
from journeykit.time import require_aware

__all__ = [
    "CONTEXT_NAMES",
    "FIELDS",
    "ORDER_EVENTS",
    "RESERVED_NAMES",
    "field_of",
    "template_context",
]

#: The top-level names every template may use (see :func:`template_context`).
CONTEXT_NAMES: frozenset[str] = frozenset(
    {"customer", "event", "order", "stage", "journey", "step"}
)
#: Events whose properties are also offered as ``order``.
ORDER_EVENTS: frozenset[str] = frozenset({ORDER_PLACED, ORDER_REFUNDED})
#: Names a template's params and a context's extras cannot use: the context's own, and
#: the names jinja2 gives a meaning.
RESERVED_NAMES: frozenset[str] = CONTEXT_NAMES | {
    "range",
    "namespace",
    "loop",
    "caller",
    "self",
    "super",
    "varargs",
    "kwargs",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
}
#: Fields of the documented objects; checking a template flags others
#: (``customer.frist_name``).
FIELDS: Mapping[str, frozenset[str]] = {
    "customer": frozenset(
        {
            "id",
            "email",
            "phone",
            "timezone",
            "locale",
            "created_at",
            "first_name",
            "last_name",
            "attributes",
        }
    )
    | MAPPING_METHODS,
    "event": frozenset({"id", "type", "at", "properties"}) | MAPPING_METHODS,
    "journey": frozenset({"id", "version"}),
    "step": frozenset({"id"}),
}
#: How deeply context data may nest.
MAX_DEPTH = 32


def field_of(obj: Any, name: str) -> Any:
    """``obj[name]`` for a mapping, else ``obj.name``; ``None`` when absent."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _plain(value: Any, path: str, depth: int = 0) -> Any:
    """A copy of ``value`` made of dicts, tuples, text, numbers and dates only."""
    if value is None or isinstance(value, (str, bool, int, float, Decimal)):
        if isinstance(value, enum.Enum):
            return _plain(value.value, path, depth)
        return value
    if depth > MAX_DEPTH:
        raise InvalidInputError([Problem(path, f"data nested more than {MAX_DEPTH} levels deep")])
    if isinstance(value, datetime):
        return require_aware(value, path)
    if isinstance(value, (date, time)):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value, path, depth)
    if isinstance(value, Mapping):
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError([Problem(path, f"keys must be text (got {describe(key)})")])
            copied[key] = _plain(item, f"{path}.{key}", depth + 1)
        return copied
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return tuple(_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(), path, depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value), path, depth + 1)
    raise InvalidInputError(
        [
            Problem(
                path,
                "templates take plain data (mappings, lists, text, numbers, dates);"
                f" got {describe(value)}",
            )
        ]
    )


def _reference(value: Any, path: str, fields: Iterable[str]) -> dict[str, Any]:
    if isinstance(value, str):
        reference: dict[str, Any] = dict.fromkeys(fields)
        reference["id"] = value
        return reference
    return {name: _plain(field_of(value, name), f"{path}.{name}") for name in fields}


def template_context(
    customer: Any,
    *,
    event: Any = None,
    stage: Any = None,
    journey: Any = None,
    step: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented template context for a customer, as plain data.

    ``customer`` and ``event`` may be journeykit models, other objects with the same
    attributes, or mappings. The result holds only dicts, tuples, text, numbers and
    dates (copies, never the caller's objects):

    - ``customer``: ``id``, ``email``, ``phone``, ``timezone``, ``locale``,
      ``created_at``, ``first_name`` and ``last_name`` (from the customer, else from its
      attributes) and ``attributes``; absent values are ``None``.
    - ``event``: ``id``, ``type``, ``at`` and ``properties`` of the triggering event.
    - ``order``: the event's properties when it is ``order_placed`` or ``order_refunded``.
    - ``stage``: the stage name; ``journey``: ``id`` and ``version``; ``step``: ``id``.
    - each key of ``extra`` (the values a journey step adds), at the top level.

    Raises :class:`~journeykit.errors.InvalidInputError` naming the field for data
    that is not plain, and for an event whose ``customer_id`` is another customer's.

    >>> context = template_context(
    ...     {"id": "c1", "locale": "sv-SE", "attributes": {"first_name": "Alva"}},
    ...     event={"id": "e1", "type": "order_placed", "at": None,
    ...            "properties": {"value": "499.00", "currency": "SEK"}},
    ...     journey="post_purchase", extra={"discount_code": "TACK10"})
    >>> context["customer"]["first_name"], context["order"]["value"]
    ('Alva', '499.00')
    >>> context["journey"], context["discount_code"]
    ({'id': 'post_purchase', 'version': None}, 'TACK10')
    """
    if customer is None:
        raise InvalidInputError("customer is required to build a template context")
    attributes = field_of(customer, "attributes")
    attributes = {} if attributes is None else _plain(attributes, "customer.attributes")
    if not isinstance(attributes, dict):
        raise InvalidInputError([Problem("customer.attributes", "must be a mapping")])
    shown: dict[str, Any] = {
        name: _plain(field_of(customer, name), f"customer.{name}")
        for name in ("id", "email", "phone", "timezone", "locale", "created_at")
    }
    for name in ("first_name", "last_name"):
        value = field_of(customer, name)
        shown[name] = _plain(value if value is not None else attributes.get(name), name)
    shown["attributes"] = attributes
    context: dict[str, Any] = {"customer": shown}
    if event is not None:
        owner = field_of(event, "customer_id")
        if owner is not None and shown["id"] is not None and owner != shown["id"]:
            raise InvalidInputError(
                [
                    Problem(
                        "event.customer_id",
                        f"the event belongs to customer {quote(str(owner), 60)!r}, not to"
                        f" {quote(str(shown['id']), 60)!r}; a message about one customer"
                        " cannot use another's event",
                    )
                ]
            )
        properties = field_of(event, "properties")
        shown_event = {
            "id": _plain(field_of(event, "id"), "event.id"),
            "type": _plain(field_of(event, "type"), "event.type"),
            "at": _plain(field_of(event, "at"), "event.at"),
            "properties": {} if properties is None else _plain(properties, "event.properties"),
        }
        context["event"] = shown_event
        if shown_event["type"] in ORDER_EVENTS:
            context["order"] = shown_event["properties"]
    if stage is not None:
        name = stage if isinstance(stage, str) else field_of(stage, "name")
        context["stage"] = _plain(name, "stage")
    if journey is not None:
        context["journey"] = _reference(journey, "journey", ("id", "version"))
    if step is not None:
        context["step"] = _reference(step, "step", ("id",))
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise InvalidInputError(
                [Problem("extra", f"{quote(repr(key), 40)} must be a name like discount_code")]
            )
        if key in RESERVED_NAMES:
            raise InvalidInputError(
                [Problem(f"extra.{key}", f"{key!r} is a name the context already uses")]
            )
        context[key] = _plain(value, f"extra.{key}")
    return context
