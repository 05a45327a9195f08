"""The canonical form of a ``where=`` filter, and the facts key a history condition reads.

Stored facts are keyed by a digest of a filter's canonical form
(:func:`journeykit.facts.fact_key`), so the form must not follow any model's
serialisation: a filter model gaining a defaulted field, or a list written in another
order, must not re-key every stored customer. The form is JSON text with sorted keys and
ASCII escapes, opening with its version:

    ["where", 1, ["prop", "channel", "in", ["app", "web"]]]

Membership lists (``in``, ``not_in``) are sorted and de-duplicated; junctions keep their
order. Changing this form is a deliberate, versioned act (a golden-file test pins it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from journeykit.facts import fact_key

if TYPE_CHECKING:
    from journeykit.conditions._models import Condition

__all__ = ["FILTER_FORM_VERSION", "filter_form", "history_key"]

#: The version of the canonical filter form; part of every filtered key's digest.
FILTER_FORM_VERSION: Final = 1


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _node(c: Condition) -> Any:
    tag = c.type
    if tag == "prop":
        value: Any = c.value  # type: ignore[union-attr]  # a Prop
        if c.op in ("in", "not_in"):  # type: ignore[union-attr]  # a Prop
            value = [json.loads(t) for t in sorted({_text(v) for v in value})]
        return ["prop", c.path, c.op, value]  # type: ignore[union-attr]  # a Prop
    if tag in ("all_of", "any_of"):
        return [tag, [_node(x) for x in c.conditions]]  # type: ignore[union-attr]  # a junction
    if tag == "not":
        return ["not", _node(c.condition)]  # type: ignore[union-attr]  # a Not
    # anything else is refused inside where= (see _problems); it is never a stored key
    return [tag, c.model_dump(mode="json")]


def filter_form(where: Condition) -> str:
    """The canonical, versioned text of a ``where=`` filter.

    >>> from journeykit.conditions import prop
    >>> filter_form(prop("channel").is_in(["web", "app", "web"]))
    '["where",1,["prop","channel","in",["app","web"]]]'
    """
    return _text(["where", FILTER_FORM_VERSION, _node(where)])


def history_key(event: str, where: Condition | None) -> str:
    """The facts key of ``event`` events matching ``where``."""
    return fact_key(event, None if where is None else filter_form(where))
