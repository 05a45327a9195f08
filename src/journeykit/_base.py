"""The base every journeykit definition and record model shares.

Definitions are data: frozen (a failed call can never leave a half-changed value behind)
and ``extra="forbid"`` (pydantic ignores unknown keys by default, so a typo such as
``"priorty"`` in a CRM's JSON would otherwise vanish without a word).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """A frozen pydantic model that rejects unknown fields.

    Equality compares fields only: private attributes hold caches (compiled
    conditions, say) that are rebuilt on load and must not make a model that
    round-tripped through JSON compare unequal to its original.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), _freeze(self.__dict__)))


def _freeze(v: Any) -> Any:
    """A hashable stand-in for JSON-like values (dicts and lists inside frozen models)."""
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v
