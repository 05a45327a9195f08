"""Real purchase data for benchmarks: the CDNOW transactions in ../shared/data/cdnow/."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

from journeykit.models import Event

ROOT = Path(__file__).resolve().parent.parent
_FILE = Path("shared") / "data" / "cdnow" / "CDNOW_master.txt"
# next to the checkout (../shared), or further up for a worktree (/work/wt/x -> /work/shared)
CDNOW = next((d / _FILE for d in ROOT.parents if (d / _FILE).is_file()), ROOT.parent / _FILE)
UTC = timezone.utc


def cdnow_events(path: Path = CDNOW) -> dict[str, list[Event]]:
    """Every CDNOW purchase as an ``order_placed`` event, with a ``signed_up`` before the
    first one, grouped by customer id (in file order, which is date order per customer).

    Dates carry no time: orders are placed at noon UTC, several on one day a minute apart.
    """
    rows: dict[str, list[Event]] = defaultdict(list)
    per_day: dict[tuple[str, str], int] = defaultdict(int)
    with path.open() as handle:
        next(handle)  # header
        for line in handle:
            parts = line.split()
            if len(parts) != 4:
                continue
            customer, day, cds, value = parts
            n = per_day[(customer, day)]
            per_day[(customer, day)] += 1
            at = datetime.strptime(day, "%Y%m%d").replace(hour=12, minute=n, tzinfo=UTC)
            events = rows[customer]
            if not events:
                events.append(
                    Event(
                        id=f"{customer}-signup",
                        customer_id=customer,
                        type="signed_up",
                        at=at - timedelta(days=1),
                    )
                )
            events.append(
                Event(
                    id=f"{customer}-{day}-{n}",
                    customer_id=customer,
                    type="order_placed",
                    at=at,
                    properties={
                        "order_id": f"{customer}-{day}-{n}",
                        "value": value,
                        "currency": "USD",
                        "items": [{"quantity": int(cds)}],
                    },
                )
            )
    return dict(rows)
