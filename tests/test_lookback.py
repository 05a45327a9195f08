"""Tests for look-back cut-offs: ``look_back`` must equal shifting back on the calendar.

``look_back`` (journeykit._time.lookback) is the fast path every windowed and ``since``
condition takes. It is :func:`journeykit.time.shift` by ``-d``, except that a month step
landing on a day the month lacks gives the start of the next day (31 March back a month
is 1 March 00:00, not 28 February: the cut-off never goes back as ``now`` goes forward).
These tests compare it with that rule (:func:`expected`, built on ``shift`` and
``calendar``), and with a reference computed from the zone files
themselves (read here with a small TZif reader, RFC 8536), across every zone in tzdata:
DST changes, date-line jumps (Pacific/Kwajalein 1969 and 1993, Pacific/Apia 2011),
Antarctic stations (Antarctica/Vostok 1994), instants with microseconds, offset tables
built in any order and from several threads, and instants near years 1 and 9999.
"""

from __future__ import annotations

import bisect
import calendar
import gc
import importlib.resources
import itertools
import math
import struct
import sys
import threading
import weakref
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeykit._errors import InvalidInputError
from journeykit._lookback import look_back
from journeykit._time.offsets import BLOCK, table
from journeykit.time import Duration, parse_duration, resolve_local, shift, zone

UTC = timezone.utc
DAY = 86_400
EARLIEST = datetime.min.replace(tzinfo=UTC).timestamp() - DAY


def expected(now: datetime, d: Duration, z: ZoneInfo) -> float:
    """``shift(now, -d, z)``, with a month step that lands past the month's last day
    rolled to the start of the next day (the look-back's one difference from shift)."""
    if not d.months or (d.months or d.days or d.seconds) < 0:
        return shift(now, -d, z).timestamp()
    try:
        # shift's order looking back: the exact part, then days, then months, then resolve
        wall = (now - timedelta(seconds=d.seconds)).astimezone(z).replace(tzinfo=None)
        wall -= timedelta(days=d.days)
        year, month = divmod(wall.year * 12 + wall.month - 1 - d.months, 12)
        last = calendar.monthrange(year, month + 1)[1]
        if wall.day <= last:
            wall = wall.replace(year=year, month=month + 1)
        else:
            wall = datetime(year, month + 1, last) + timedelta(days=1)
        return resolve_local(wall, z).timestamp()
    except (OverflowError, ValueError) as error:  # out of datetime's range, as shift says
        raise InvalidInputError(str(error)) from None


# ---------------------------------------------------------------------------------------
# The zone files, read independently of zoneinfo
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneFile:
    """A zone's explicit offset changes as its TZif file states them."""

    name: str
    times: tuple[int, ...]  # instants at which an offset starts, ascending
    offsets: tuple[int, ...]  # the offset from each of those instants on
    before: int  # the offset before the first one
    rule: str  # the POSIX TZ rule for instants after the last one

    def offset_at(self, ts: float) -> int:
        i = bisect.bisect_right(self.times, ts)
        return self.offsets[i - 1] if i else self.before

    def changes(self) -> Iterator[tuple[int, int, int]]:
        """``(instant, offset before, offset after)`` for each real change of offset."""
        previous = self.before
        for at, offset in zip(self.times, self.offsets, strict=True):
            if offset != previous:
                yield at, previous, offset
            previous = offset

    def covers(self, ts: float) -> bool:
        """Whether the file's explicit list decides the offset at `ts` (no rule needed)."""
        return ("," not in self.rule) or (bool(self.times) and ts < self.times[-1])


def _tzif_bytes(key: str) -> bytes:
    # The same search zoneinfo makes: its TZPATH first, then the tzdata package.
    for root in zoneinfo.TZPATH:
        path = Path(root) / key
        if path.is_file():
            return path.read_bytes()
    return importlib.resources.files("tzdata.zoneinfo").joinpath(key).read_bytes()


def _read_tzif(name: str) -> ZoneFile:
    data = _tzif_bytes(name)
    assert data[:4] == b"TZif", name
    ut, std, leap, count, types, chars = struct.unpack(">6l", data[20:44])
    at, size = 44, 4
    if data[4:5] >= b"2":  # skip the 32-bit block; read the 64-bit one
        at += count * 5 + types * 6 + chars + leap * 8 + std + ut
        ut, std, leap, count, types, chars = struct.unpack(">6l", data[at + 20 : at + 44])
        at, size = at + 44, 8
    times = struct.unpack(f">{count}{'q' if size == 8 else 'l'}", data[at : at + count * size])
    at += count * size
    kinds = data[at : at + count]
    at += count
    records = [struct.unpack(">lBB", data[at + 6 * i : at + 6 * i + 6]) for i in range(types)]
    at += types * 6 + chars + leap * (size + 4) + std + ut
    rule = data[at:].strip(b"\n").decode() if size == 8 else ""
    # Before the first change zoneinfo uses the first standard-time record.
    before = next((offset for offset, dst, _ in records if not dst), records[0][0])
    in_range = [
        (t, records[k][0]) for t, k in zip(times, kinds, strict=True) if t > EARLIEST + 2 * DAY
    ]
    return ZoneFile(
        name,
        tuple(t for t, _ in in_range),
        tuple(o for _, o in in_range),
        before,
        rule,
    )


@cache
def zone_files() -> tuple[ZoneFile, ...]:
    found = []
    for name in sorted(zoneinfo.available_timezones()):
        try:
            zone(name)
        except InvalidInputError:
            continue  # "localtime" and the like: not zones journeykit accepts
        found.append(_read_tzif(name))
    return tuple(found)


def ref_look_back_days(zf: ZoneFile, now_ts: int, days: int) -> int:
    """The instant `days` calendar days before `now_ts` by the gap and fold rules, by hand."""
    wall = now_ts + zf.offset_at(now_ts) - days * DAY
    offsets = {zf.before, *zf.offsets}
    matches = sorted(wall - o for o in offsets if zf.offset_at(wall - o) == o)
    if matches:
        return matches[0]  # a fold's first occurrence
    # In a gap: the change whose jump skips this wall time, where the gap ends.
    for at, before, after in zf.changes():
        if at + before <= wall < at + after:
            return at
    raise AssertionError(f"no instant shows wall time {wall} in {zf.name}")


def test_the_tzif_reader_agrees_with_zoneinfo() -> None:
    # The reference is only worth having if it reads the same data zoneinfo does.
    for zf in zone_files()[::25]:
        z = zone(zf.name)
        for at, before, after in list(zf.changes())[-3:]:
            for ts, offset in ((at - 1, before), (at, after)):
                reading = datetime.fromtimestamp(ts, z).utcoffset()
                assert reading == timedelta(seconds=offset), (zf.name, ts)


def test_no_zone_changes_offset_twice_within_the_tables_sampling_step() -> None:
    # The offset tables read each zone once a day and bisect; two changes less than a
    # day apart could hide one another. tzdata's closest pair is a week apart.
    closest = min(
        (later[0] - earlier[0], zf.name)
        for zf in zone_files()
        for earlier, later in itertools.pairwise(zf.changes())
    )
    assert closest[0] > DAY, closest


# ---------------------------------------------------------------------------------------
# Every zone, at its largest jumps and its latest change
# ---------------------------------------------------------------------------------------


def _jumps(zf: ZoneFile) -> list[tuple[int, int, int]]:
    changes = [c for c in zf.changes() if -2_000_000_000 < c[0] < 2_100_000_000]
    largest = sorted(changes, key=lambda c: abs(c[2] - c[1]), reverse=True)[:2]
    return sorted(set(largest + changes[-1:]))


def test_every_zone_agrees_with_shift_and_the_reference_at_its_jumps() -> None:
    checked = 0
    for zf in zone_files():
        z = zone(zf.name)
        for at, before, after in _jumps(zf):
            size = abs(after - before)
            for days in (1, 7):
                d = Duration(days=days)
                for delta in (-size - 3600, -size, -size // 2, -1, 0, 1, size // 2, size - 1):
                    now_ts = at + days * DAY + delta
                    now = datetime.fromtimestamp(now_ts, UTC)
                    got = look_back(now, float(now_ts), z, d)
                    assert got == expected(now, d, z), (zf.name, now, days)
                    if zf.covers(now_ts + DAY):
                        assert got == ref_look_back_days(zf, now_ts, days), (zf.name, now, days)
                    checked += 1
    assert checked > 10_000  # every zone with a change contributes


@pytest.mark.parametrize(
    ("name", "now", "text"),
    [
        # Vostok left +07 for UTC at 17:00 UTC on 31 January 1994 and went back on
        # 1 November; a 7 h fold, then a 7 h gap, once differed from shift() by 7 hours.
        ("Antarctica/Vostok", datetime(1994, 2, 1, 17, 30, tzinfo=UTC), "1d"),
        ("Antarctica/Vostok", datetime(1994, 2, 1, 22, 0, tzinfo=UTC), "1d"),
        ("Antarctica/Vostok", datetime(1994, 11, 2, 3, 0, tzinfo=UTC), "1d"),
        ("Antarctica/Vostok", datetime(1994, 3, 2, 20, 0, tzinfo=UTC), "1mo"),
        # Kwajalein crossed the date line: -23 h on 30 September 1969 (a 23-hour fold,
        # once 23 hours off), +24 h on 21 August 1993 (a day that never happened).
        ("Pacific/Kwajalein", datetime(1969, 10, 1, 14, 0, tzinfo=UTC), "1d"),
        ("Pacific/Kwajalein", datetime(1969, 10, 1, 22, 0, tzinfo=UTC), "1d"),
        ("Pacific/Kwajalein", datetime(1969, 10, 7, 14, 0, tzinfo=UTC), "7d"),
        ("Pacific/Kwajalein", datetime(1993, 8, 22, 11, 0, tzinfo=UTC), "1d"),
        ("Pacific/Kwajalein", datetime(1993, 8, 23, 1, 0, tzinfo=UTC), "2d"),
        # Samoa skipped 30 December 2011.
        ("Pacific/Apia", datetime(2011, 12, 31, 9, 0, tzinfo=UTC), "1d"),
        ("Pacific/Apia", datetime(2012, 1, 1, 9, 0, tzinfo=UTC), "2d"),
    ],
)
def test_date_line_jumps_and_large_offset_changes(name: str, now: datetime, text: str) -> None:
    z = ZoneInfo.no_cache(name)  # fresh tables
    d = parse_duration(text)
    got = look_back(now, now.timestamp(), z, d)
    assert got == expected(now, d, z)
    if not d.months:
        zf = _read_tzif(name)
        assert got == ref_look_back_days(zf, int(now.timestamp()), d.days)


# ---------------------------------------------------------------------------------------
# Dense sweeps and samples over DST changes
# ---------------------------------------------------------------------------------------

SAMPLE_ZONES = (
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Africa/Casablanca",
    "Antarctica/Troll",
)
SAMPLE_DURATIONS = ("1d", "7d", "30d", "90d", "180d", "365d", "1d12h", "2w", "1mo", "12h")


@given(
    st.integers(0, 6 * 366 * 24 * 4).map(
        lambda q: datetime(2022, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * q)
    ),
    st.sampled_from(SAMPLE_ZONES),
    st.sampled_from(SAMPLE_DURATIONS),
)
def test_property_look_back_equals_shifting_back(now: datetime, tz: str, text: str) -> None:
    d = parse_duration(text)
    z = zone(tz)
    assert look_back(now, now.timestamp(), z, d) == expected(now, d, z)


@pytest.mark.parametrize("tz", ["Europe/Stockholm", "America/New_York"])
@pytest.mark.parametrize("days", [1, 30, 365])
def test_look_back_across_every_2026_dst_change(tz: str, days: int) -> None:
    z = zone(tz)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    d = parse_duration(f"{days}d")
    for quarter in range(366 * 24 * 4):
        now = start + timedelta(minutes=15 * quarter)
        assert look_back(now, now.timestamp(), z, d) == expected(now, d, z), now


# ---------------------------------------------------------------------------------------
# Order and concurrency do not change answers
# ---------------------------------------------------------------------------------------


def test_a_table_built_from_a_fractional_instant_does_not_shift_a_dst_change() -> None:
    # Issue 8, bug 4: after a look-back from 5.5 days (and a quarter second) before the
    # 2026-03-29 Stockholm change, a look-back of one day from the change itself (01:00
    # UTC) answered an hour early: the cached span claimed a second past the change.
    change = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    d = parse_duration("1d")
    z = ZoneInfo.no_cache("Europe/Stockholm")
    warm = change - timedelta(days=5, hours=12) + timedelta(microseconds=250_000)
    look_back(warm, warm.timestamp(), z, d)
    assert look_back(change, change.timestamp(), z, d) == expected(change, d, z)
    # 03:00 CEST, the first wall time after the gap, a day back is 03:00 CET
    assert (
        look_back(change, change.timestamp(), z, d)
        == datetime(2026, 3, 28, 2, 0, tzinfo=UTC).timestamp()
    )


DST_ZONES = (
    "Europe/Stockholm",
    "America/New_York",
    "Australia/Lord_Howe",
    "Antarctica/Troll",
    "Africa/Casablanca",
    "America/Santiago",
    "Pacific/Apia",
    "Asia/Gaza",
)
TRANSITION_WINDOW = (
    datetime(2024, 1, 1, tzinfo=UTC).timestamp(),
    datetime(2028, 1, 1, tzinfo=UTC).timestamp(),
)


@cache
def dst_changes() -> tuple[tuple[str, int], ...]:
    low, high = TRANSITION_WINDOW
    found = []
    for name in DST_ZONES:
        z = zone(name)
        for ts in range(int(low), int(high), 30 * DAY):
            for change in table(z, ts // BLOCK).changes:  # type: ignore[arg-type]  # a ZoneInfo
                if low <= change < high:
                    found.append((name, change))
    return tuple(sorted(set(found)))


fractional = st.integers(0, 999_999).map(lambda us: timedelta(microseconds=us))
look_back_durations = st.sampled_from(
    ["1d", "2d", "7d", "30d", "90d", "365d", "1d12h", "25h", "1mo", "1y", "2w3d", "1mo-1d"]
)


@st.composite
def near_a_change(draw: st.DrawFn) -> tuple[str, datetime, Duration]:
    """A `now` whose look-back lands within a couple of hours of a DST change."""
    name, change = draw(st.sampled_from(dst_changes()))
    d = parse_duration(draw(look_back_durations))
    landing = change + draw(st.integers(-3 * 3600, 3 * 3600))
    now = datetime.fromtimestamp(landing, UTC) + timedelta(seconds=d.max_seconds() - 3 * 3600)
    if draw(st.booleans()):
        now = shift(now, d, name)  # land exactly on the change's side of the calendar
    return name, now + draw(fractional), d


@given(
    near_a_change(),
    st.lists(
        st.tuples(
            st.integers(-30 * DAY, 30 * DAY).map(lambda s: timedelta(seconds=s)),
            fractional,
            look_back_durations,
        ),
        max_size=6,
    ),
)
def test_property_pre_warmed_tables_never_change_an_answer(
    case: tuple[str, datetime, Duration],
    warm_ups: list[tuple[timedelta, timedelta, str]],
) -> None:
    name, now, d = case
    z = ZoneInfo.no_cache(name)  # a zone object of its own: its tables start empty
    for offset, micro, text in warm_ups:  # fill them from fractional instants nearby
        warm = now + offset + micro
        look_back(warm, warm.timestamp(), z, parse_duration(text))
    assert look_back(now, now.timestamp(), z, d) == expected(now, d, z)


all_zone_names = st.sampled_from([zf.name for zf in zone_files()])


@given(
    all_zone_names,
    st.integers(int(datetime(1900, 1, 1, tzinfo=UTC).timestamp()), int(2.2e9)),
    fractional,
    st.one_of(look_back_durations, st.sampled_from(["3650d", "20y", "100y", "9000d12h"])),
)
def test_property_any_zone_any_instant(name: str, ts: int, micro: timedelta, text: str) -> None:
    now = datetime.fromtimestamp(ts, UTC) + micro
    z = zone(name)
    d = parse_duration(text)
    assert look_back(now, now.timestamp(), z, d) == expected(now, d, z)


def test_look_back_is_safe_from_many_threads() -> None:
    # Issue 8, bug 5: the tables were three lists mutated without a lock. Now each table
    # is immutable and the cache is thread-safe; many threads filling it at once, each
    # in its own order, get exactly the single-threaded answers.
    z = ZoneInfo.no_cache("Europe/Stockholm")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    nows = [start + k * timedelta(hours=7, minutes=13, microseconds=250_000) for k in range(300)]
    durations = [parse_duration(t) for t in ("1d", "7d", "30d", "365d", "1mo")]
    want = [expected(now, d, zone("Europe/Stockholm")) for now in nows for d in durations]
    threads = 8
    barrier = threading.Barrier(threads)
    results: list[list[float] | None] = [None] * threads

    def work(k: int) -> None:
        order = list(range(len(nows)))
        order = order[k * 37 % len(order) :] + order[: k * 37 % len(order)]
        barrier.wait()
        got: dict[int, list[float]] = {}
        for i in order:
            got[i] = [look_back(nows[i], nows[i].timestamp(), z, d) for d in durations]
        results[k] = [x for i in range(len(nows)) for x in got[i]]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(result == want for result in results)


def test_tables_are_cached_by_zone_object_not_by_id() -> None:
    # Keyed by id(), a zone's tables could be served to a later zone that reuses the id
    # of a collected one. Keyed by the zone object, the cache keeps the zone alive, so
    # its id stays its own, and two zone objects never share tables.
    tokyo = ZoneInfo.no_cache("Asia/Tokyo")
    tokyo_table = table(tokyo, 1.8e9 // BLOCK)
    assert table(tokyo, 1.8e9 // BLOCK) is tokyo_table
    now = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    look_back(now, now.timestamp(), tokyo, parse_duration("30d"))
    alive = weakref.ref(tokyo)
    del tokyo
    gc.collect()
    assert alive() is not None
    new_york = ZoneInfo.no_cache("America/New_York")
    assert table(new_york, 1.8e9 // BLOCK).offsets != tokyo_table.offsets


# ---------------------------------------------------------------------------------------
# Microseconds, other zone types, the edges of datetime
# ---------------------------------------------------------------------------------------


@given(
    st.integers(-(2**31), 2**33),
    st.integers(1, 999_999),
    st.sampled_from(["UTC", "Europe/Stockholm", "Asia/Kathmandu"]),
    st.sampled_from(["90m", "1d", "36500d", "3000000h", "1mo", "100y"]),
)
def test_property_fractional_instants_round_exactly_as_shift(
    ts: int, micro: int, name: str, text: str
) -> None:
    now = datetime.fromtimestamp(ts, UTC) + timedelta(microseconds=micro)
    d = parse_duration(text)
    try:
        want = expected(now, d, zone(name))
    except InvalidInputError:
        return  # before year 1: covered below
    assert look_back(now, now.timestamp(), zone(name), d) == want


@pytest.mark.parametrize(
    "now",
    [
        datetime(2004, 1, 10, 13, 37, 4, 999_999, tzinfo=UTC),  # float grid changes here
        datetime(2004, 2, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 7, 654_321, tzinfo=UTC),  # and here
        datetime(2038, 2, 1, 0, 0, 0, 999_999, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
        datetime(1970, 1, 2, 0, 0, 0, 250_000, tzinfo=UTC),
        datetime(1987, 1, 5, 18, 48, 32, 500_000, tzinfo=UTC),  # 2**29 s
        datetime(1987, 1, 6, 18, 48, 32, 500_000, tzinfo=UTC),
        datetime(1998, 7, 1, 0, 0, 0, 123_456, tzinfo=UTC),
        datetime(2038, 1, 19, 2, 30, 0, 1, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("text", ["1d", "30d", "365d", "10000d", "1d-1h", "2d-47h"])
@pytest.mark.parametrize("name", ["UTC", "Europe/Stockholm"])
def test_fractional_instants_where_float_precision_changes(
    now: datetime, text: str, name: str
) -> None:
    d = parse_duration(text)
    assert look_back(now, now.timestamp(), zone(name), d) == expected(now, d, zone(name))


@pytest.mark.parametrize(
    "tz",
    [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-3))],
)
@pytest.mark.parametrize("text", ["1d", "1mo2d", "90m", "1y"])
def test_fixed_offset_zones(tz: timezone, text: str) -> None:
    now = datetime(2028, 3, 31, 22, 30, 5, 123, tzinfo=UTC)
    d = parse_duration(text)
    assert look_back(now, now.timestamp(), tz, d) == expected(now, d, tz)  # type: ignore[arg-type]


def test_other_zone_classes_are_shifted() -> None:
    from dateutil import tz as dateutil_tz

    z = dateutil_tz.gettz("Europe/Stockholm")
    assert z is not None
    now = datetime(2026, 3, 30, 1, 30, tzinfo=UTC)
    d = parse_duration("1d")
    assert look_back(now, now.timestamp(), z, d) == shift(now, -d, z).timestamp()


@pytest.mark.parametrize(
    "name", ["UTC", "Europe/Stockholm", "America/New_York", "Pacific/Kiritimati"]
)
@pytest.mark.parametrize("text", ["3650000d", "3000y", "10000y", "9999y11mo", "87600000h"])
def test_windows_reaching_before_year_1_hold_everything(name: str, text: str) -> None:
    # Issue 15: count(within="3650000d") raised "year -7968 is out of range" outside
    # UTC, and since > "3000y" raised for every customer who had the event.
    now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert look_back(now, now.timestamp(), zone(name), parse_duration(text)) == -math.inf


@pytest.mark.parametrize("name", ["Europe/Stockholm", "America/New_York", "Asia/Tokyo"])
def test_a_window_ending_just_after_year_1_is_exact(name: str) -> None:
    # Local mean time, constant for centuries before the first change, so a day is a day.
    now = datetime(1, 1, 3, 12, 0, 0, 500_000, tzinfo=UTC)
    z = zone(name)
    assert look_back(now, now.timestamp(), z, parse_duration("1d")) == now.timestamp() - DAY
    assert look_back(now, now.timestamp(), z, parse_duration("2d")) == now.timestamp() - 2 * DAY
    assert look_back(now, now.timestamp(), z, parse_duration("5d")) == -math.inf


def test_a_now_whose_local_date_is_past_year_9999() -> None:
    # 9999-12-31 20:00 UTC is 10000-01-01 05:00 in Tokyo: no datetime holds that local
    # time, yet a look-back from it is plain: Tokyo's offset is +09:00 throughout.
    now = datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
    z = zone("Asia/Tokyo")
    for text, back in (("1d", DAY), ("7d", 7 * DAY), ("1mo", 31 * DAY), ("1y", 365 * DAY)):
        assert look_back(now, now.timestamp(), z, parse_duration(text)) == now.timestamp() - back


edge_instants = st.one_of(
    st.integers(0, 5 * DAY).map(lambda s: datetime.min.replace(tzinfo=UTC) + timedelta(seconds=s)),
    st.integers(0, 5 * DAY).map(lambda s: datetime.max.replace(tzinfo=UTC) - timedelta(seconds=s)),
)


@given(
    edge_instants,
    all_zone_names,
    st.sampled_from(["1h", "1d", "3d", "1mo", "1y", "1d-20h", "1mo-1d", "9999y", "3650000d"]),
)
def test_property_look_back_at_the_edges_answers_or_says_why(
    now: datetime, name: str, text: str
) -> None:
    z = zone(name)
    d = parse_duration(text)
    outcome: float | str
    try:
        outcome = look_back(now, now.timestamp(), z, d)
    except InvalidInputError as error:
        outcome = str(error)
    if isinstance(outcome, str):
        assert outcome.startswith("now must leave room to look back")
        return
    got = outcome
    try:
        want = expected(now, d, z)
    except InvalidInputError:
        # shift cannot hold the answer (or the local time of `now`): the cut-off is before
        # year 1, or within the duration's bounds, allowing for any change of offset
        # between the ends (local mean time at year 1 can differ from today's by hours)
        slack = 2 * DAY
        assert got == -math.inf or (
            now.timestamp() - d.max_seconds() - slack
            <= got
            <= now.timestamp() - d.min_seconds() + slack
        )
        return
    assert got == (want if want >= EARLIEST else -math.inf)


@settings(max_examples=1000)  # cheap examples; a month end that rolls is one in several
@given(
    st.sampled_from(["UTC", "Europe/Stockholm", "America/New_York", "Australia/Lord_Howe"]),
    st.integers(2023 * 12, 2032 * 12),  # a month; the instants lie in its last days
    st.integers(-4 * DAY, 0),
    st.integers(0, 3 * DAY),
    st.sampled_from(["1mo", "1mo", "1mo", "2mo", "1y", "1mo12h", "1y1d", "3mo2d6h"]),
)
def test_property_the_cut_off_never_goes_back_as_now_goes_forward(
    tz: str, month: int, start: int, later: int, text: str
) -> None:
    # 31 March back a month clamped to 28 February at the same time would go back from
    # 28 February 23:59 (the look-back from 28 March 23:59) and make a window or a
    # since() condition flip back and forth over a month end; the start of 1 March does not
    z, d = zone(tz), parse_duration(text)
    year, index = divmod(month, 12)
    first = datetime(year, index + 1, 1, tzinfo=UTC) + timedelta(seconds=start)
    second = first + timedelta(seconds=later)
    assert look_back(first, first.timestamp(), z, d) <= look_back(second, second.timestamp(), z, d)


@pytest.mark.parametrize(
    ("now", "text", "cut"),
    [
        (datetime(2026, 3, 31, 12, 0), "1mo", datetime(2026, 3, 1)),  # no 31 February
        (datetime(2026, 3, 29, 0, 0), "1mo", datetime(2026, 3, 1)),  # no 29 February 2026
        (datetime(2026, 3, 28, 23, 59), "1mo", datetime(2026, 2, 28, 23, 59)),
        (datetime(2028, 3, 29, 6, 0), "1mo", datetime(2028, 2, 29, 6, 0)),  # a leap year
        (datetime(2028, 2, 29, 9, 0), "1y", datetime(2027, 3, 1)),
        (datetime(2026, 5, 31, 9, 0), "1mo1d", datetime(2026, 4, 30, 9, 0)),  # days first
        (datetime(2026, 5, 31, 9, 0), "3mo", datetime(2026, 3, 1)),  # no 31 February
    ],
)
def test_a_month_back_to_a_day_the_month_lacks_is_the_start_of_the_next_day(
    now: datetime, text: str, cut: datetime
) -> None:
    z = zone("Europe/Stockholm")
    local_now = now.replace(tzinfo=z)
    assert look_back(local_now, local_now.timestamp(), z, parse_duration(text)) == (
        cut.replace(tzinfo=z).timestamp()
    )


@pytest.mark.parametrize("tz", ["UTC", "Pacific/Apia", "Europe/Stockholm"])
def test_years_back_past_year_one_from_late_in_year_9998_are_before_every_instant(
    tz: str,
) -> None:
    # 9,999 calendar years back from 9998 is year -1; counting 365-day years it is not
    # provably before year 1, which made this raise instead of answering
    now = datetime(9998, 12, 30, tzinfo=UTC)
    for text in ("9999y", "9998y11mo", "10000y"):
        assert look_back(now, now.timestamp(), zone(tz), parse_duration(text)) == -math.inf
