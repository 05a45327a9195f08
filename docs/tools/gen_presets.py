"""Writes ``docs/presets.md`` from the code: ``python docs/tools/gen_presets.py``.

Everything on the page comes from :mod:`journeykit.presets` as it is: each journey's
purpose and parameters from its function's docstring and signature, its diagram from
``Journey.to_mermaid()``, and its first message as the ready-made engine renders it for
a sample customer in English and in Swedish (a :class:`~journeykit.testing.Simulator`
plays the customer until the journey sends). Only the phase table is written here, in
:data:`SERVES`. ``tests/test_docs.py`` fails when the page and the code disagree;
``--check`` does the same from the command line.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journeykit import presets
from journeykit.engine import Engine, SendMessage
from journeykit.journeys import Journey, Send
from journeykit.models import Customer
from journeykit.testing import Simulator

sys.path.insert(0, str(Path(__file__).parent))
from rest_docstrings import rest_to_markdown  # a sibling script, not a package

__all__ = ["PAGE", "PHASES", "SERVES", "render"]

PAGE = Path(__file__).parent.parent / "presets.md"

PHASES = ("awareness", "consideration", "purchase", "retention", "loyalty/advocacy")
#: Which lifecycle phases each ready-made journey serves (by its id in ``JOURNEYS``).
SERVES: Mapping[str, tuple[str, ...]] = {
    "welcome": ("awareness", "consideration"),
    "browse_abandonment": ("consideration",),
    "cart_abandonment": ("purchase",),
    "post_purchase": ("purchase", "retention"),
    "second_purchase": ("retention",),
    "win_back": ("retention",),
    "ambassador": ("loyalty/advocacy",),
    "sunset": ("retention",),
    "feedback": ("retention", "loyalty/advocacy"),
    "back_in_stock": ("consideration", "purchase"),
    "birthday": ("loyalty/advocacy",),
}

SHOP = {"shop_name": "Kaffeboden", "shop_url": "https://kaffeboden.example", "currency": "SEK"}
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Stockholm
LANGUAGES = (("English", "en-GB"), ("Svenska", "sv-SE"))
CART = [
    {
        "product_id": "p7",
        "name": "Moka pot",
        "quantity": 1,
        "price": "349.00",
        "url": "https://kaffeboden.example/p7",
    },
    {"product_id": "p2", "name": "Dark roast, 500 g", "quantity": 2, "price": "119.00"},
]


def _order(sim: Simulator, n: int = 1) -> None:
    sim.event(
        "order_placed",
        order_id=f"A-10{n:02d}",
        value="587.00",
        currency="SEK",
        items=CART,
    )


def _orders(sim: Simulator, count: int) -> None:
    for n in range(1, count + 1):
        _order(sim, n)
        sim.advance("7d")


#: How a sample customer gets each journey to its first message.
SCENARIOS: Mapping[str, Callable[[Simulator], None]] = {
    "welcome": lambda sim: sim.event("subscribed", channel="email"),
    "browse_abandonment": lambda sim: (
        sim.event(
            "product_viewed",
            product_id="p7",
            name="Moka pot",
            url="https://kaffeboden.example/p7",
        ),
        sim.advance("1d"),
    ),
    "cart_abandonment": lambda sim: (
        sim.event("added_to_cart", product_id="p7", items=CART, currency="SEK"),
        sim.advance("1d"),
    ),
    "post_purchase": _order,
    "second_purchase": lambda sim: (_order(sim), sim.advance("31d")),
    "win_back": lambda sim: (_order(sim), sim.advance("200d")),
    "ambassador": lambda sim: _orders(sim, 4),
    "sunset": lambda sim: (sim.event("subscribed", channel="email"), sim.advance("200d")),
    "feedback": lambda sim: (_order(sim), sim.advance("8d")),
    "back_in_stock": lambda sim: sim.event(
        "back_in_stock", product_id="p7", name="Moka pot", url="https://kaffeboden.example/p7"
    ),
    "birthday": lambda sim: sim.advance("30d"),
}


def _customer(locale: str) -> Customer:
    return Customer(
        id="ada",
        email="ada@example.com",
        timezone="Europe/Stockholm",
        locale=locale,
        created_at=START,
        consent={"email": "opted_in"},  # type: ignore[dict-item]  # validated into enums
        attributes={"first_name": "Ada", "birthday": "1990-03-20"},
    )


def _first_message(name: str, engine: Engine, locale: str) -> SendMessage:
    sim = Simulator(engine, _customer(locale))
    SCENARIOS[name](sim)
    if not sim.sent:
        raise AssertionError(f"the {name} scenario sent nothing:\n{sim.timeline()}")
    return sim.sent[0]


def _default(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "required"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "`" + ", ".join(f"({a}, {b})" for a, b in value) + "`"
    return f"`{value!r}`"


def _parameters(function: Callable[..., Any]) -> list[str]:
    """The parameters and their defaults, from the signature (the docstring above the
    table says what each does)."""
    rows = ["| parameter | default |", "|---|---|"]
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            rows.append(f"| `**{parameter.name}` | |")
        else:
            rows.append(f"| `{parameter.name}` | {_default(parameter.default)} |")
    return rows


def _doc(function: Callable[..., Any]) -> list[str]:
    """The docstring in Markdown, without its doctest examples (they run in the module's
    own doctests, where their names are defined)."""
    doc = inspect.getdoc(function) or ""
    paragraphs = [p for p in doc.split("\n\n") if not p.lstrip().startswith(">>>")]
    return rest_to_markdown("\n\n".join(paragraphs), "journeykit.presets").splitlines()


def _indented(text: str) -> list[str]:
    return ["    " + line if line else "" for line in text.splitlines()]


def _message(message: SendMessage) -> list[str]:
    rendered = message.message
    when = message.at.astimezone(ZoneInfo("Europe/Stockholm"))
    return [
        f"**Subject:** {rendered.subject}  ",
        f"**Preheader:** {rendered.preheader}  ",
        f"**Sent:** {when:%Y-%m-%d %H:%M} in Stockholm (template `{message.template}`)",
        "",
        "```text",
        *(rendered.text or "").rstrip("\n").splitlines(),
        "```",
    ]


def _journey_section(name: str) -> list[str]:
    function = presets.JOURNEYS[name]
    made = presets.journeys(only=[name], **SHOP)
    engine = presets.engine(only=[name], **SHOP)
    title = made[0].id if len(made) == 1 else "feedback loop"
    lines = [f"## {title}", ""]
    lines += _doc(function)
    lines += ["", f"`presets.{function.__name__}(...)` serves {', '.join(SERVES[name])}.", ""]
    lines += _parameters(function)
    for journey in made:
        lines += ["", _diagram_title(journey, len(made) > 1), "", "```mermaid"]
        lines += journey.to_mermaid().splitlines()
        lines += ["```"]
    first = _first_send(made[0])
    lines += ["", f"The first message, `{first}`, for a sample customer:", ""]
    for label, locale in LANGUAGES:
        message = _first_message(name, engine, locale)
        lines += [f'=== "{label}"', ""]
        lines += _indented("\n".join(_message(message)))
        lines += [""]
    return lines[:-1]


def _diagram_title(journey: Journey, several: bool) -> str:
    text = f"`{journey.id}`: {journey.description}" if several else journey.description
    return f"**{text}**" if several else f"*{text}*"


def _first_send(journey: Journey) -> str:
    for step in journey.walk():
        if isinstance(step, Send):
            return step.template
    raise AssertionError(f"journey {journey.id!r} sends nothing")


def _phase_table() -> list[str]:
    missing = sorted(set(presets.JOURNEYS) - set(SERVES))
    extra = sorted(set(SERVES) - set(presets.JOURNEYS))
    unknown = sorted({p for phases in SERVES.values() for p in phases} - set(PHASES))
    if missing or extra or unknown:
        raise AssertionError(
            f"SERVES in {Path(__file__).name} is out of date: no phases for {missing}, "
            f"no such journey {extra}, no such phase {unknown}"
        )
    rows = ["| journey | " + " | ".join(PHASES) + " |", "|---|" + "---|" * len(PHASES)]
    for name in presets.JOURNEYS:
        marks = ["●" if phase in SERVES[name] else "" for phase in PHASES]
        rows.append(f"| [{name}](#{_anchor(name)}) | " + " | ".join(marks) + " |")
    return rows


def _anchor(name: str) -> str:
    return "feedback-loop" if name == "feedback" else name


def _policy() -> list[str]:
    policy = presets.POLICY
    lines = []
    if policy.quiet_hours is not None:
        start, end = policy.quiet_hours
        lines.append(
            f"- quiet hours {start}-{end} in the customer's zone (sends wait, never drop);"
        )
    lines += [f"- {cap} (transactional mail is never capped);" for cap in policy.caps]
    lines.append(f"- capped sends are `{policy.on_cap}`ped;")
    lines.append(
        f"- events up to {policy.late_event_tolerance} late still start journeys; "
        f"customers without a zone are in {policy.default_timezone}."
    )
    return lines


def _offers() -> list[str]:
    rows = ["| journey | discount | code |", "|---|---|---|"]
    for name, offer in presets.OFFERS.items():
        discount = offer.get("discount")
        percent = f"{discount}%" if discount is not None else "by value (see win_back)"
        rows.append(f"| {name} | {percent} | `{offer.get('code', '')}` |")
    return rows


HEADER = """\
<!-- Generated by docs/tools/gen_presets.py from journeykit.presets: edit the code or the
     script, then run `python docs/tools/gen_presets.py`. tests/test_docs.py checks it. -->
# Ready-made journeys (`journeykit.presets`)

`presets.engine()` is a whole lifecycle programme in one call: the
[ready-made lifecycle](stages.md#the-ready-made-lifecycle), the journeys every
lifecycle-marketing guide names, their messages in English and Swedish, and a sending
policy. Every delay and threshold is a parameter and every message can be replaced by
name, so a shop starts from a working programme and adjusts it.

```pycon
>>> from journeykit import presets
>>> from journeykit.templates import MessageTemplate, Templates
>>> shop = presets.engine(
...     shop_name="Kaffeboden",
...     shop_url="https://kaffeboden.example",
...     currency="SEK",
...     only=["welcome", "cart_abandonment", "post_purchase", "win_back"],
...     settings={"cart_abandonment": {"first_after": "2h", "reminders": 1}},
...     offers={"welcome": {"discount": 15, "code": "HEJ15"}},
...     holdout={"win_back": 0.1},
...     templates_override=Templates(
...         templates={"welcome": {"default": MessageTemplate(subject="Welcome!", text="Hi!")}}
...     ),
... )
>>> [j.id for j in shop.definitions.journeys]
['welcome', 'cart_abandonment', 'post_purchase', 'win_back']
>>> shop.templates.templates["welcome"]["default"].subject
'Welcome!'

```

`presets.journeys(...)` gives the journeys alone (to mix with your own), and each
journey's function below builds one on its own. The messages are
`presets.templates()`: an English `default` and a Swedish `sv` variant of each, plain
text and accessible html on one layout, with the unsubscribe placeholder
`{unsubscribe}` for the host to replace with each customer's own link.

Every journey function below also takes `params`: values added to the template context
of each of its messages. `presets.journeys()` fills them in: `shop_name`, `shop_url`,
`unsubscribe`, `survey_url` and the journey's offer (`discount`, `code`).
"""


def render() -> str:
    """The page, as the code says it should be."""
    lines = HEADER.replace("{unsubscribe}", presets.UNSUBSCRIBE).splitlines()
    lines += ["", "## Which phase each journey serves", ""]
    lines += [
        "Lifecycle marketing speaks of five phases a customer goes through; this is what "
        "each ready-made journey does for which phase. Journeykit's stages "
        "(`prospect`, `subscriber`, `first_time`...) are finer: the diagrams say which "
        "stage or event starts each journey.",
        "",
    ]
    lines += _phase_table()
    lines += [
        "",
        "Newsletters are not a journey: `presets.newsletter_eligible(engine, state, now)` "
        "says whether a customer should get one (opted in, engaged, in no sales journey), "
        "for awareness and consideration between journeys.",
        "",
        "## The whole programme",
        "",
    ]
    lines += _doc(presets.engine)
    lines += [""]
    lines += _parameters(presets.engine)
    lines += [
        "",
        "`presets.journeys(...)`, which `presets.engine()` passes its other keywords to:",
        "",
    ]
    lines += _doc(presets.journeys)
    lines += [""]
    lines += _parameters(presets.journeys)
    lines += ["", "The default policy (`presets.POLICY`):", ""]
    lines += _policy()
    lines += ["", "The default offers (`presets.OFFERS`), each overridable with `offers=`:", ""]
    lines += _offers()
    for name in presets.JOURNEYS:
        lines += ["", *_journey_section(name)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    page = render()
    if "--check" in argv:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE} is stale: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
