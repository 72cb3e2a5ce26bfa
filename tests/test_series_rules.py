"""The occurrences of a regular time (`bot.rules.series.plan`), with hypothesis generating
therapists' weeks: every occurrence that can be had takes a free slot at the series' wall
time, none overlaps the client's other sessions, no slot serves two, no two fall on one
date, every reason is true, and the alternatives are free times of the same week, nearest
first. And the wall time holds across a change of clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.series import (
    ALTERNATIVES,
    FreeSlot,
    Gap,
    Rhythm,
    TherapistTimes,
    local_instant,
    occurrence_days,
    plan,
)

LENGTH = timedelta(minutes=50)
ZONES = ("Europe/Moscow", "Europe/Berlin", "America/Santiago", "Asia/Novosibirsk")
HOURS = range(8, 21)


@st.composite
def weeks(draw: st.DrawFn) -> tuple[datetime, ZoneInfo, Rhythm, int, TherapistTimes]:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    first_day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 1)))
    first_hour = draw(st.sampled_from(list(HOURS)))
    first = local_instant(first_day, time(first_hour), tz)
    assert first is not None  # whole hours between 8 and 20 always exist
    rhythm = draw(st.sampled_from(list(Rhythm)))
    ahead = draw(st.integers(min_value=1, max_value=10))
    free: list[FreeSlot] = []
    taken: set[datetime] = set()
    busy: list[tuple[datetime, datetime]] = []
    slot_id = 0
    for offset in range(1, ahead * 7 + 8):
        day = first_day + timedelta(days=offset)
        for hour in draw(st.lists(st.sampled_from(list(HOURS)), unique=True, max_size=5)):
            start = local_instant(day, time(hour), tz)
            if start is None:
                continue
            kind = draw(st.sampled_from(["free", "free", "taken", "client"]))
            if kind == "free":
                slot_id += 1
                free.append(FreeSlot(slot_id, start, start + LENGTH))
            elif kind == "taken":
                taken.add(start)
            else:
                busy.append((start - timedelta(minutes=20), start + timedelta(minutes=30)))
    days_off = []
    if draw(st.booleans()):
        begin = first_day + timedelta(days=draw(st.integers(min_value=1, max_value=ahead * 7)))
        days_off.append((begin, begin + timedelta(days=draw(st.integers(0, 10)))))
    times = TherapistTimes(
        free=tuple(free), taken=frozenset(taken), days_off=tuple(days_off), client_busy=busy
    )
    return first, tz, rhythm, ahead, times


def overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)


@settings(max_examples=300, deadline=None)
@given(case=weeks())
def test_every_occurrence_is_true_to_the_therapists_week(
    case: tuple[datetime, ZoneInfo, Rhythm, int, TherapistTimes],
) -> None:
    first, tz, rhythm, ahead, times = case
    occurrences = plan(first, tz=tz, rhythm=rhythm, ahead_weeks=ahead, length=LENGTH, times=times)
    local_first = first.astimezone(tz)
    free = {slot.slot_id: slot for slot in times.free}
    busy = list(times.client_busy)

    assert [item.day for item in occurrences] == occurrence_days(local_first.date(), rhythm, ahead)
    assert len({item.day for item in occurrences}) == len(occurrences)
    chosen = [item.slot.slot_id for item in occurrences if item.slot is not None]
    assert len(chosen) == len(set(chosen))  # no slot serves two
    for item in occurrences:
        assert item.day.weekday() == local_first.weekday()
        assert (item.day - local_first.date()).days % (7 * rhythm) == 0
        if item.starts_at is not None:
            assert item.starts_at.astimezone(tz).time() == local_first.time()
        if item.slot is not None:
            assert item.gap is None and not item.alternatives
            assert free[item.slot.slot_id] == item.slot
            assert item.slot.starts_at == item.starts_at
            assert not overlaps(item.slot.starts_at, item.slot.ends_at, busy)
            continue
        # Cannot be had, and the reason is true.
        assert item.gap is not None
        if item.gap is Gap.clock_gap:
            assert item.starts_at is None
        else:
            assert item.starts_at is not None
            at_that_time = [s for s in times.free if s.starts_at == item.starts_at]
        if item.gap is Gap.client_busy:
            assert overlaps(item.starts_at, item.starts_at + LENGTH, busy)  # type: ignore[operator]
        elif item.gap is Gap.day_off:
            assert any(begin <= item.day <= end for begin, end in times.days_off)
            assert not at_that_time
        elif item.gap is Gap.taken:
            assert item.starts_at in times.taken and not at_that_time
        elif item.gap is Gap.outside_hours:
            assert item.starts_at not in times.taken and not at_that_time
        # The alternatives: free, the same week, not the client's busy times, not taken by
        # another occurrence, nearest first.
        monday = item.day - timedelta(days=item.day.weekday())
        target = item.starts_at or local_instant(item.day, time(12), tz)
        assert target is not None
        assert len(item.alternatives) <= ALTERNATIVES
        for slot in item.alternatives:
            assert free[slot.slot_id] == slot and slot.slot_id not in chosen
            assert monday <= slot.starts_at.astimezone(tz).date() <= monday + timedelta(days=6)
            assert not overlaps(slot.starts_at, slot.ends_at, busy)
        distances = [abs(slot.starts_at - target) for slot in item.alternatives]
        assert distances == sorted(distances)
        # None nearer was left out.
        left_out = [
            slot
            for slot in times.free
            if slot not in item.alternatives
            and slot.slot_id not in chosen
            and monday <= slot.starts_at.astimezone(tz).date() <= monday + timedelta(days=6)
            and not overlaps(slot.starts_at, slot.ends_at, busy)
        ]
        if len(item.alternatives) < ALTERNATIVES:
            assert not left_out
        elif left_out:
            assert min(abs(slot.starts_at - target) for slot in left_out) >= distances[-1]


def test_the_wall_time_holds_across_a_change_of_clocks() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    first = local_instant(date(2026, 3, 17), time(19), berlin)  # a Tuesday, winter time
    assert first is not None
    starts = [
        local_instant(date(2026, 3, 17) + timedelta(weeks=n), time(19), berlin) for n in (1, 2)
    ]
    free = tuple(FreeSlot(n, start, start + LENGTH) for n, start in enumerate(starts, 1) if start)
    occurrences = plan(
        first,
        tz=berlin,
        rhythm=Rhythm.weekly,
        ahead_weeks=2,
        length=LENGTH,
        times=TherapistTimes(free=free),
    )
    assert [item.slot for item in occurrences] == list(free)
    # 19:00 in Berlin is 18:00 UTC in winter and 17:00 UTC from 29 March.
    assert [item.starts_at.astimezone(UTC).hour for item in occurrences] == [18, 17]  # type: ignore[union-attr]
    assert first.hour == 18


def test_a_time_the_clocks_skip_is_said_and_the_rest_of_the_day_offered() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 3, 22, 1, 30, tzinfo=UTC)  # Sunday 02:30 in Berlin
    later = local_instant(date(2026, 3, 29), time(11), berlin)
    assert later is not None
    [skipped] = plan(
        first,
        tz=berlin,
        rhythm=Rhythm.weekly,
        ahead_weeks=1,
        length=LENGTH,
        times=TherapistTimes(free=(FreeSlot(7, later, later + LENGTH),)),
    )
    assert skipped.gap is Gap.clock_gap and skipped.starts_at is None
    assert [slot.slot_id for slot in skipped.alternatives] == [7]


def test_an_unpaid_regular_session_is_paid_by_its_deadline_or_a_hold_from_now() -> None:
    from bot.config import Settings

    rules = Settings(_env_file=None, payment_currency="XTR", payment_hold_minutes=15).rules()
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    # Days ahead: its free-cancellation deadline, 24 hours before.
    start = now + timedelta(days=5)
    assert rules.pay_by(start, now) == start - timedelta(hours=24)
    # Taken 12-24 hours ahead, past that deadline already: a payment hold from now, never
    # a hold that is over the moment it is made.
    late = now + timedelta(hours=20)
    assert rules.pay_by(late, now) == now + timedelta(minutes=15)
