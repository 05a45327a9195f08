"""Checked by ``mypy --strict`` in CI, never run: the builders' types are API.

Good code must type-check; each likely mistake below carries a ``type: ignore`` with the
error code mypy must report. Under ``warn_unused_ignores`` (part of ``--strict``) a
mistake that stopped being an error fails the check, so the lines test both ways.
"""

from __future__ import annotations

from datetime import datetime, timezone

from journeykit import (
    AllOf,
    Condition,
    Customer,
    EvalContext,
    Not,
    StageMachine,
    count,
    in_stage,
    since,
    total,
)
from journeykit.conditions import (
    Attr,
    Count,
    Prop,
    Since,
    Total,
    attr,
    consented,
    fact,
    facts_spec,
    prop,
    stage_for,
)
from journeykit.presets import lifecycle
from journeykit.stages import Stage, StageChanged, Transition

# good code
repeat: Count = count("order_placed", within="365d") >= 2
lapsed: Since = since("order_placed") > "90d"
spent: Total = total("order_placed", within="1y") >= 500
both: AllOf = repeat & lapsed
either = repeat | consented("email")
neither: Not = ~either
anything: Condition = both
vip: Attr = attr("tier") == "gold"
in_app: Prop = prop("channel").is_in(["app", "web"])
recent_app_orders: Count = count("order_placed", where=in_app, within="30d") > 0
rich = fact("revenue") >= 1000
settled = stage_for() >= "30d"
machine: StageMachine = lifecycle(at_risk_after="60d", loyal_revenue=None)
custom = StageMachine(
    initial="new",
    stages=[Stage(name="new"), Stage(name="buyer", final=True)],
    transitions=[Transition(source="new", target="buyer", when=count("order_placed") >= 1)],
)
now = datetime(2026, 1, 1, tzinfo=timezone.utc)
ada = Customer(id="ada", created_at=now)
facts = facts_spec(machine.conditions()).empty()
ok: bool = repeat.evaluate(EvalContext(ada, facts, now, stage="new"))
changes: tuple[StageChanged, ...] = machine.evaluate(ada, facts, now, stage=None)
shared: tuple[StageChanged, ...] = machine.evaluate(EvalContext(ada, facts, now, stage="new"))

# likely mistakes
count(42)  # type: ignore[arg-type]
count("order_placed") >= "two"  # type: ignore[operator]
total("order_placed") >= None  # type: ignore[operator]
count("order_placed", within=30)  # type: ignore[arg-type]
since("order_placed") > 90  # type: ignore[operator]
in_stage(["loyal", "vip"])  # type: ignore[arg-type]
fact("lifetime_value")  # type: ignore[arg-type]
repeat & "orders >= 2"  # type: ignore[operator]
machine.evaluate(ada, facts, now)  # type: ignore[call-overload]  # stage= is required
machine.evaluate("new", None, ada, facts)  # type: ignore[call-overload]
