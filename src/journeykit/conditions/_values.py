"""What comparing a looked-up value means: one rule for evaluation, explanation and the
loop reasoner.

A value read from a customer's attributes or an event's properties is JSON data, or
:data:`MISSING` when the path leads nowhere. The rules (documented in
``docs/conditions.md``):

- ``MISSING`` fails every test but ``missing`` (``!=`` and ``not_in`` included);
  ``null`` is a value: it is ``missing`` and not ``exists``, equal to ``null`` only;
- equality is JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``, a list equals a
  list with the same items (whether it came as a list or a tuple);
- ``< <= > >=`` compare numbers with numbers, text with text and ``true``/``false`` with
  each other; any other pairing is false, never an error.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "COMPARE",
    "MISSING",
    "Test",
    "getter",
    "json_equal",
    "json_key",
    "kind",
    "value_test",
]

Test = Callable[[Any], bool]

COMPARE: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Missing:
    """The value at a path that leads nowhere."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def getter(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """A function reading the value at dotted ``path`` (``MISSING`` if there is none)."""
    keys = tuple(path.split("."))
    if len(keys) == 1:
        key = keys[0]
        return lambda data: data.get(key, MISSING)

    def get(data: Mapping[str, Any]) -> Any:
        value: Any = data
        for k in keys:
            if not isinstance(value, Mapping) or k not in value:
                return MISSING
            value = value[k]
        return value

    return get


def kind(value: object) -> str | None:
    """``"number"``, ``"text"`` or ``"boolean"``: the values that order among their own kind."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "text"
    return None


def json_key(value: object) -> Hashable:
    """A hashable stand-in that is equal for JSON-equal values (``true`` is not ``1``)."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float, Decimal)):
        return ("number", value)  # 1, 1.0 and Decimal(1) are equal and hash alike
    if isinstance(value, str):
        return ("text", value)
    if isinstance(value, Mapping):
        return ("object", frozenset((k, json_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("array", tuple(json_key(v) for v in value))
    return ("other", id(value))  # MISSING and anything that is not JSON: equal to itself only


def json_equal(a: object, b: object) -> bool:
    """JSON equality: ``true`` is not ``1``, ``[1]`` is ``(1,)``."""
    return json_key(a) == json_key(b)


def _equals(expected: Any) -> Test:
    """A fast test for ``value == expected`` under JSON equality."""
    if expected is None:
        return lambda v: v is None
    if isinstance(expected, bool):
        return lambda v: v is expected
    if isinstance(expected, str):
        return lambda v: isinstance(v, str) and v == expected
    if isinstance(expected, (int, float, Decimal)):
        return lambda v: (
            isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) and v == expected
        )
    key = json_key(expected)
    return lambda v: json_key(v) == key


def value_test(op: str, expected: Any) -> Test:
    """The test ``op`` (an attribute operator) with ``expected`` makes of one looked-up value."""
    if op == "exists":
        return lambda v: v is not MISSING and v is not None
    if op == "missing":
        return lambda v: v is MISSING or v is None
    if op in ("in", "not_in"):
        keys = frozenset(json_key(o) for o in expected)
        if op == "in":
            return lambda v: v is not MISSING and json_key(v) in keys
        return lambda v: v is not MISSING and json_key(v) not in keys
    if op == "contains":
        wanted = json_key(expected)
        text = expected if isinstance(expected, str) else None

        def contains(v: Any) -> bool:
            if isinstance(v, (list, tuple)):
                return any(json_key(x) == wanted for x in v)
            return text is not None and isinstance(v, str) and text in v

        return contains
    if op == "==":
        return _equals(expected)
    if op == "!=":
        equal = _equals(expected)
        return lambda v: v is not MISSING and not equal(v)
    compare = COMPARE[op]
    want = kind(expected)
    if want is None:
        return lambda v: False
    return lambda v: kind(v) == want and bool(compare(v, expected))
