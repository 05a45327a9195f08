"""Hypothesis strategies for customers, events and conditions, shared by every test module."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from journeykit import conditions as c
from journeykit.models import Customer, Event

UTC = timezone.utc
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

EVENT_TYPES = ("order_placed", "order_refunded", "signed_up", "product_viewed", "review_submitted")
ZONES = ("UTC", "Europe/Stockholm", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")

money = st.decimals(min_value=0, max_value=10_000, places=2).map(lambda d: str(d))
instants = st.integers(min_value=0, max_value=400 * 24 * 3600).map(
    lambda s: EPOCH + timedelta(seconds=s)
)


@st.composite
def events(draw: st.DrawFn, ids: st.SearchStrategy[str] | None = None) -> Event:
    """One event of a handful of types, with order values and a category property."""
    event_type = draw(st.sampled_from(EVENT_TYPES))
    properties: dict[str, object] = {"category": draw(st.sampled_from(["books", "music"]))}
    if event_type in ("order_placed", "order_refunded"):
        properties["value"] = draw(money)
        properties["currency"] = "EUR"
    return Event(
        id=draw(ids if ids is not None else st.uuids().map(str)),
        customer_id="c1",
        type=event_type,
        at=draw(instants),
        properties=properties,  # type: ignore[arg-type]  # JSON values built above
    )


event_lists = st.lists(events(), max_size=40, unique_by=lambda e: e.id)

customers = st.builds(
    Customer,
    id=st.just("c1"),
    created_at=st.just(EPOCH),
    timezone=st.sampled_from(ZONES),
    attributes=st.fixed_dictionaries(
        {},
        optional={
            "tier": st.sampled_from(["gold", "silver"]),
            "score": st.integers(-5, 5),
            "vip": st.booleans(),
            "tags": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        },
    ),
    consent=st.dictionaries(
        st.sampled_from(["email", "sms", "push"]),
        st.sampled_from(["opted_in", "opted_out", "unknown"]),
    ),
)

durations = st.sampled_from(["1h", "12h", "1d", "3d", "2w", "30d", "1mo", "90d", "1y", "P1M2D"])
compare_ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
order_ops = st.sampled_from(["<", "<=", ">", ">="])

props = st.one_of(
    st.builds(lambda v: c.prop("category") == v, st.sampled_from(["books", "music", "film"])),
    st.builds(lambda vs: c.prop("category").is_in(vs), st.lists(st.sampled_from(["books", "x"]))),
)
wheres = st.one_of(st.none(), props, st.builds(c.not_, props))


def _leaf() -> st.SearchStrategy[c.Condition]:
    return st.one_of(
        st.builds(
            lambda p, op, v: c.attr(p)._make(op, v),
            st.sampled_from(["tier", "score", "vip", "tags", "missing.path"]),
            compare_ops,
            st.one_of(st.integers(-5, 5), st.sampled_from(["gold", "silver"]), st.booleans()),
        ),
        st.builds(lambda p: c.attr(p).exists(), st.sampled_from(["tier", "vip"])),
        st.builds(lambda v: c.attr("tags").contains(v), st.sampled_from(["a", "b"])),
        st.builds(
            lambda e, w, within, op, n: c.count(e, where=w, within=within)._make(op, n),
            st.sampled_from(EVENT_TYPES),
            wheres,
            st.one_of(st.none(), durations),
            compare_ops,
            st.integers(0, 5),
        ),
        st.builds(
            lambda e, within, op, x: c.total(e, currency="EUR", within=within)._make(op, x),
            st.sampled_from(["order_placed", "order_refunded"]),
            st.one_of(st.none(), durations),
            compare_ops,
            st.decimals(min_value=0, max_value=5000, places=2),
        ),
        st.builds(
            lambda e, w, never, op, d: c.since(e, where=w, never=never)._make(op, d),
            st.sampled_from(EVENT_TYPES),
            wheres,
            st.booleans(),
            order_ops,
            durations,
        ),
        st.builds(
            lambda name, op, x: c.fact(
                name, currency=None if name == "order_count" else "EUR"
            )._make(op, x),
            st.sampled_from(["order_count", "revenue", "average_order_value"]),
            compare_ops,
            st.decimals(min_value=0, max_value=5000, places=2).map(Decimal),
        ),
        st.builds(
            lambda names: c.in_stage(*names),
            st.lists(st.sampled_from(["new", "repeat", "lapsed"]), min_size=1, max_size=3),
        ),
        st.builds(lambda op, d: c.stage_for()._make(op, d), order_ops, durations),
        st.builds(c.consented, st.sampled_from(["email", "sms", "push"])),
    )


conditions: st.SearchStrategy[c.Condition] = st.recursive(
    _leaf(),
    lambda children: st.one_of(
        st.builds(lambda xs: c.AllOf(conditions=tuple(xs)), st.lists(children, max_size=3)),
        st.builds(lambda xs: c.AnyOf(conditions=tuple(xs)), st.lists(children, max_size=3)),
        st.builds(c.not_, children),
    ),
    max_leaves=8,
)
