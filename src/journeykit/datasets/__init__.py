"""Real purchase data shipped with journeykit, for examples, demos and benchmarks.

This is the only journeykit module that reads files: the data sets are package data,
read through :mod:`importlib.resources`, so they work from a wheel, a zip or a checkout.

CDNOW
-----
:func:`load_cdnow` gives every purchase made between 1997-01-01 and 1998-06-30 by the
23,570 customers of the online music retailer CDNOW whose first purchase fell in the
first quarter of 1997 (69,659 rows), or the 1/10 sample of 2,357 of them (6,919 rows)
that the BG/NBD and Gamma-Gamma papers use (Fader, Hardie & Lee 2005). The data comes
from the MIT-licensed ``lifetimes`` package; ``data/LICENSE-cdnow.txt`` beside this
module carries the attribution and the licence.

Each row is a :class:`Purchase`: the customer id as written in the file (``"00004"``),
the calendar date (the data has no time of day and no zone: read it as the shop's local
date), the number of CDs and the dollar value as a :class:`~decimal.Decimal`. Rows come
in file order, which is by customer and then by date. Several rows can share a customer
and a date (separate orders on one day), and some rows are worth ``0.00``.

>>> sample = load_cdnow(sample=True)
>>> len(sample), len({row.customer_id for row in sample})
(6919, 2357)
>>> sample[0]
Purchase(customer_id='00004', date=datetime.date(1997, 1, 1), cds=2, value=Decimal('29.33'))

The rows are loaded once per process and shared: the tuple and its rows are immutable.
"""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import NamedTuple

from journeykit._errors import UsageError

__all__ = ["Purchase", "load_cdnow"]

_MASTER = "cdnow_master.txt.gz"
_SAMPLE = "cdnow_sample.txt.gz"


class Purchase(NamedTuple):
    """One row of the CDNOW data: who bought, on which day, how many CDs, for how much."""

    customer_id: str
    date: date
    cds: int
    value: Decimal


def load_cdnow(sample: bool = False) -> tuple[Purchase, ...]:
    """The CDNOW purchases: all 69,659 rows, or the papers' 2,357-customer sample.

    ``sample=True`` gives the 6,919 rows of the 1/10 systematic sample used by Fader,
    Hardie & Lee (2005); its customer ids are the master file's, so a sample customer's
    rows are also in the full data.

    >>> rows = load_cdnow()
    >>> len(rows), min(row.date for row in rows), max(row.date for row in rows)
    (69659, datetime.date(1997, 1, 1), datetime.date(1998, 6, 30))
    >>> sum(row.value for row in rows if row.customer_id == "00002")
    Decimal('89.00')
    """
    return _load(_SAMPLE if sample else _MASTER)


@cache
def _load(name: str) -> tuple[Purchase, ...]:
    raw = files(__name__).joinpath("data").joinpath(name).read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    # the sample file has an extra column (the sample's own customer number) and no
    # header; the master file has a header line. Dates repeat a lot (546 distinct days),
    # so each is parsed once.
    skip = 1 if name == _SAMPLE else 0
    days: dict[str, date] = {}
    rows: list[Purchase] = []
    append = rows.append
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] == "customer_id":
            continue
        if len(fields) != 4 + skip:
            raise UsageError(
                f"journeykit's packaged {name} is damaged at line {number}: expected "
                f"{4 + skip} fields, got {line!r}; reinstall journeykit"
            )
        customer, day, cds, value = fields[0], fields[1 + skip], fields[2 + skip], fields[3 + skip]
        when = days.get(day)
        if when is None:
            when = days[day] = date(int(day[:4]), int(day[4:6]), int(day[6:8]))
        append(Purchase(customer, when, int(cds), Decimal(value)))
    return tuple(rows)
