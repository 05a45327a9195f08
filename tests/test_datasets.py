"""The packaged CDNOW data: exactly the distributed files, read row for row."""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from journeykit.datasets import Purchase, load_cdnow

# the project's shared folder sits beside the checkout (main, CI) or one level further up
# (a helper's worktree)
ROOT = Path(__file__).resolve().parents[1]
SHARED = next(
    (
        p / "shared" / "data" / "cdnow"
        for p in (ROOT.parent, ROOT.parent.parent)
        if (p / "shared").is_dir()
    ),
    ROOT.parent / "shared" / "data" / "cdnow",
)
DATA = files("journeykit.datasets").joinpath("data")

# sha256 of the files as distributed with lifetimes (lifetimes/datasets/), CRLF and all
SHA256 = {
    "cdnow_master.txt.gz": "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef",
    "cdnow_sample.txt.gz": "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
}


def unpacked(name: str) -> bytes:
    return gzip.decompress(DATA.joinpath(name).read_bytes())


def test_the_files_are_the_distributed_ones() -> None:
    for name, digest in SHA256.items():
        assert hashlib.sha256(unpacked(name)).hexdigest() == digest, name


def test_row_and_customer_counts_match_the_papers() -> None:
    master, sample = load_cdnow(), load_cdnow(sample=True)
    assert (len(master), len({r.customer_id for r in master})) == (69_659, 23_570)
    assert (len(sample), len({r.customer_id for r in sample})) == (6_919, 2_357)
    for rows in (master, sample):
        assert min(r.date for r in rows) == date(1997, 1, 1)
        assert max(r.date for r in rows) == date(1998, 6, 30)
        # every customer's first purchase is in the first quarter of 1997
        first: dict[str, date] = {}
        for r in rows:
            first[r.customer_id] = min(first.get(r.customer_id, r.date), r.date)
        assert max(first.values()) <= date(1997, 3, 31)


def test_rows_are_typed_and_faithful_to_the_text() -> None:
    text = unpacked("cdnow_master.txt.gz").decode("ascii").splitlines()
    rows = load_cdnow()
    assert text[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert len(text) - 1 == len(rows)
    for line, row in zip(text[1:], rows, strict=True):
        customer, day, cds, value = line.split()
        assert row == Purchase(
            customer,
            date.fromisoformat(f"{day[:4]}-{day[4:6]}-{day[6:]}"),
            int(cds),
            Decimal(value),
        )
        assert isinstance(row.value, Decimal)
        assert row.value >= 0
    assert "\r" not in "".join(r.customer_id for r in rows)


def test_sample_rows_are_master_rows() -> None:
    master = Counter(load_cdnow())
    sample = Counter(load_cdnow(sample=True))
    assert not sample - master
    sample_ids = {r.customer_id for r in sample}
    assert sum(n for r, n in master.items() if r.customer_id in sample_ids) == sum(sample.values())


def test_the_data_keeps_its_quirks() -> None:
    rows = load_cdnow()
    same_day = Counter((r.customer_id, r.date) for r in rows)
    assert max(same_day.values()) > 1  # several orders by one customer on one day
    assert any(r.value == 0 for r in rows)  # and some worth 0.00


def test_loading_twice_shares_one_immutable_tuple() -> None:
    assert load_cdnow() is load_cdnow()
    assert isinstance(load_cdnow(sample=True), tuple)


@pytest.mark.skipif(
    not SHARED.is_dir(), reason="the shared data folder is not beside this checkout"
)
def test_packaged_files_equal_the_shared_copies() -> None:
    assert unpacked("cdnow_master.txt.gz") == (SHARED / "CDNOW_master.txt").read_bytes()
    assert unpacked("cdnow_sample.txt.gz") == (SHARED / "CDNOW_sample.txt").read_bytes()
