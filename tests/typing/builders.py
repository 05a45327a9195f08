"""Checked by ``mypy --strict`` in CI, never run: the builders' types are API.

Good code must type-check; each likely mistake below carries a ``type: ignore`` with the
error code mypy must report. Under ``warn_unused_ignores`` (part of ``--strict``) a
mistake that stopped being an error fails the check, so the lines test both ways.
(Python's ``and``/``or``/``not``/``if`` on a condition cannot be caught by mypy: they fail
at run time with a TypeError that names ``&``, ``|`` and ``~``.)
"""

from __future__ import annotations

from datetime import datetime, timezone

from journeykit import (
    AllOf,
    Condition,
    ConditionCheck,
    Customer,
    EvalContext,
    Not,
    StageMachine,
    count,
    explain,
    facts_spec,
    in_stage,
    since,
    total,
)
from journeykit.conditions import (
    Attr,
    Count,
    FactIs,
    Prop,
    Since,
    Total,
    Verdict,
    all_of,
    attr,
    can_hold_together,
    condition_problems,
    consented,
    fact,
    prop,
    stage_for,
)
from journeykit.facts import Facts, FactsSpec
from journeykit.presets import lifecycle
from journeykit.stages import Stage, StageChanged, Transition

# good code
repeat: Count = count("order_placed", within="365d") >= 2
lapsed: Since = since("order_placed") > "90d"
spent: Total = total("order_placed", currency="SEK", within="1y") >= 500
points: Total = total("points_earned", "points") >= 1000
both: AllOf = repeat & lapsed
either = repeat | consented("email")
neither: Not = ~either
anything: Condition = both
vip: Attr = attr("tier") == "gold"
tiers: Attr = attr("tier").is_in(["gold", "silver"])
in_app: Prop = prop("channel").is_in(("app", "web"))
recent_app_orders: Count = count("order_placed", where=in_app, within="30d") > 0
rich: FactIs = fact("revenue", currency="SEK") >= 1000
orders: FactIs = fact("order_count") >= 2
settled = stage_for() >= "30d"
machine: StageMachine = lifecycle(at_risk_after="60d", loyal_revenue=None)
custom = StageMachine(
    initial="new",
    stages=[Stage(name="new"), Stage(name="buyer", final=True)],
    transitions=[Transition(source="new", target="buyer", when=count("order_placed") >= 1)],
)
now = datetime(2026, 1, 1, tzinfo=timezone.utc)
ada = Customer(id="ada", created_at=now)
spec: FactsSpec = facts_spec(machine.conditions())
facts: Facts = spec.fold_all([], spec.empty("ada"), now=now)
ctx = EvalContext(ada, facts, now, stage="new")
ok: bool = repeat.evaluate(ctx)
why: ConditionCheck = explain(repeat | lapsed, ctx.at_stage("buyer", now))
verdict: Verdict = can_hold_together([(repeat, "new"), (lapsed, "buyer")])
problems = condition_problems(repeat, "when", known_events={"order_placed"}, known_stages=("new",))
changes: tuple[StageChanged, ...] = machine.evaluate(None, None, ada, facts, now)

# likely mistakes
count(42)  # type: ignore[arg-type]
count("order_placed") >= "two"  # type: ignore[operator]
total("order_placed", currency="EUR") >= None  # type: ignore[operator]
total("order_placed", currency=978)  # type: ignore[arg-type]
fact("revenue", "SEK")  # type: ignore[call-arg]
count("order_placed", within=30)  # type: ignore[arg-type]
since("order_placed") > 90  # type: ignore[operator]
in_stage(["loyal", "vip"])  # type: ignore[arg-type]
fact("lifetime_value")  # type: ignore[arg-type]
consented("fax")  # type: ignore[arg-type]
attr("tier").is_in("gold")  # type: ignore[arg-type]
repeat & "orders >= 2"  # type: ignore[operator]
repeat & count("order_placed")  # type: ignore[operator]
count("order_placed") & repeat  # type: ignore[operator]
all_of(repeat, count("order_placed"))  # type: ignore[arg-type]
Transition(source="a", target="b", when=count("order_placed"))  # type: ignore[arg-type]
spec.fold(facts, None)  # type: ignore[call-arg, arg-type]
spec.fold_all([])  # type: ignore[call-arg]
machine.evaluate("new", None, ada, facts)  # type: ignore[call-arg]
