from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.rules.availability import WeeklyWindow, generate_slot_starts

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MOSCOW = ZoneInfo("Europe/Moscow")

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Days around which clocks change, as local dates.
TRANSITIONS = (
    date(2025, 3, 9),  # New York springs forward
    date(2025, 3, 30),  # Berlin springs forward
    date(2025, 10, 26),  # Berlin falls back
    date(2025, 11, 2),  # New York falls back
    date(2026, 3, 29),
    date(2026, 11, 1),
)


def _minutes(day: date, moment: datetime) -> float:
    """Local wall-clock minutes of a moment counted from the midnight of ``day``."""
    local = moment.replace(tzinfo=None)
    return (local - datetime.combine(day, time())).total_seconds() / 60


@st.composite
def windows(draw: st.DrawFn) -> list[WeeklyWindow]:
    result = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        weekday = draw(st.integers(min_value=0, max_value=6))
        start = draw(st.integers(min_value=0, max_value=23 * 60)) // 15 * 15
        end = draw(st.integers(min_value=start + 15, max_value=24 * 60))
        result.append(WeeklyWindow(weekday, start, end))
    return result


@dataclass(frozen=True)
class Case:
    windows: list[WeeklyWindow]
    session_minutes: int
    break_minutes: int
    tz: tzinfo
    days_off: list[tuple[date, date]]
    start: datetime
    end: datetime

    def generate(
        self, *, start: datetime | None = None, end: datetime | None = None
    ) -> list[tuple[datetime, datetime]]:
        return generate_slot_starts(
            self.windows,
            session_minutes=self.session_minutes,
            break_minutes=self.break_minutes,
            tz=self.tz,
            days_off=self.days_off,
            start=self.start if start is None else start,
            end=self.end if end is None else end,
        )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    around = draw(st.sampled_from(TRANSITIONS))
    start = datetime.combine(around, time(), tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(min_value=-3 * 24 * 60, max_value=24 * 60))
    )
    off_start = around + timedelta(days=draw(st.integers(min_value=-4, max_value=4)))
    off_end = off_start + timedelta(days=draw(st.integers(min_value=0, max_value=2)))
    return Case(
        windows=draw(windows()),
        session_minutes=draw(st.sampled_from([15, 45, 50, 60, 80, 90, 120])),
        break_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        tz=draw(st.sampled_from([BERLIN, NEW_YORK, MOSCOW, timezone(timedelta(hours=5))])),
        days_off=draw(st.sampled_from([[], [(off_start, off_end)]])),
        start=start,
        end=start + timedelta(minutes=draw(st.integers(min_value=0, max_value=8 * 24 * 60))),
    )


@PROPERTY_SETTINGS
@given(cases())
def test_slots_are_sorted_exact_and_never_overlap(case: Case) -> None:
    slots = case.generate()
    for starts_at, ends_at in slots:
        assert starts_at.utcoffset() == timedelta(0)
        assert ends_at - starts_at == timedelta(minutes=case.session_minutes)
        assert case.start <= starts_at < case.end
    for (_, previous_end), (next_start, _) in pairwise(slots):
        assert previous_end <= next_start


@PROPERTY_SETTINGS
@given(cases())
def test_slots_lie_inside_a_window_and_off_days_off(case: Case) -> None:
    for starts_at, ends_at in case.generate():
        local_start = starts_at.astimezone(case.tz)
        local_end = ends_at.astimezone(case.tz)
        day = local_start.date()
        assert not any(first <= day <= last for first, last in case.days_off)
        assert any(
            window.weekday == day.weekday()
            and window.start_minute <= _minutes(day, local_start)
            and _minutes(day, local_end) <= window.end_minute
            for window in case.windows
        )


@PROPERTY_SETTINGS
@given(cases())
def test_range_only_trims(case: Case) -> None:
    """Asking for a part of a range gives exactly that part of the slots."""
    middle = case.start + (case.end - case.start) / 2
    assert case.generate(end=middle) + case.generate(start=middle) == case.generate()


@PROPERTY_SETTINGS
@given(
    tz=st.sampled_from([BERLIN, NEW_YORK]),
    around=st.sampled_from(TRANSITIONS),
    session=st.sampled_from([30, 50, 80]),
    pause=st.sampled_from([0, 10]),
)
def test_full_days_around_transitions(tz: ZoneInfo, around: date, session: int, pause: int) -> None:
    """Round-the-clock windows across a clock change: every local start exists, and no
    wall-clock time of the repeated hour is handed out twice."""
    template = [WeeklyWindow(weekday, 0, 24 * 60) for weekday in range(7)]
    start = datetime.combine(around - timedelta(days=1), time(), tzinfo=tz)
    end = datetime.combine(around + timedelta(days=2), time(), tzinfo=tz)
    slots = generate_slot_starts(
        template,
        session_minutes=session,
        break_minutes=pause,
        tz=tz,
        days_off=[],
        start=start,
        end=end,
    )
    assert slots
    walls = [starts_at.astimezone(tz).replace(tzinfo=None) for starts_at, _ in slots]
    assert len(walls) == len(set(walls))
    for starts_at, ends_at in slots:
        assert ends_at - starts_at == timedelta(minutes=session)
        local = starts_at.astimezone(tz)
        roundtrip = local.replace(tzinfo=None).replace(tzinfo=tz).astimezone(UTC)
        assert roundtrip == starts_at
    for (_, previous_end), (next_start, _) in pairwise(slots):
        assert previous_end <= next_start


def _at(tz: ZoneInfo | timezone, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def test_plain_evening_window() -> None:
    monday = date(2025, 6, 2)
    slots = generate_slot_starts(
        [WeeklyWindow(0, 18 * 60, 22 * 60)],
        session_minutes=50,
        break_minutes=10,
        tz=MOSCOW,
        days_off=[],
        start=_at(MOSCOW, monday, 0),
        end=_at(MOSCOW, monday + timedelta(days=7), 0),
    )
    assert [starts_at for starts_at, _ in slots] == [
        _at(MOSCOW, monday, hour) for hour in (18, 19, 20, 21)
    ]
    assert slots[0][0] == datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    assert slots[-1][1] == datetime(2025, 6, 2, 18, 50, tzinfo=UTC)


def test_session_that_does_not_fit_is_dropped() -> None:
    monday = date(2025, 6, 2)
    slots = generate_slot_starts(
        [WeeklyWindow(0, 10 * 60, 12 * 60 + 30)],
        session_minutes=80,
        break_minutes=10,
        tz=MOSCOW,
        days_off=[],
        start=_at(MOSCOW, monday, 0),
        end=_at(MOSCOW, monday, 23),
    )
    # 10:00-11:20 fits, 11:30-12:50 would run past 12:30.
    assert [starts_at for starts_at, _ in slots] == [_at(MOSCOW, monday, 10)]


def test_range_bounds_and_days_off() -> None:
    monday = date(2025, 6, 2)
    template = [WeeklyWindow(weekday, 9 * 60, 11 * 60) for weekday in range(7)]
    slots = generate_slot_starts(
        template,
        session_minutes=50,
        break_minutes=10,
        tz=MOSCOW,
        days_off=[(monday + timedelta(days=1), monday + timedelta(days=2))],
        start=_at(MOSCOW, monday, 10),  # 09:00 on Monday is already past
        end=_at(MOSCOW, monday + timedelta(days=3), 10),  # 10:00 on Thursday is excluded
    )
    assert [starts_at for starts_at, _ in slots] == [
        _at(MOSCOW, monday, 10),
        _at(MOSCOW, monday + timedelta(days=3), 9),
    ]


def test_spring_forward_skips_the_missing_hour() -> None:
    # Berlin, 30 March 2025: 02:00 becomes 03:00.
    slots = generate_slot_starts(
        [WeeklyWindow(6, 60, 5 * 60)],
        session_minutes=50,
        break_minutes=10,
        tz=BERLIN,
        days_off=[],
        start=datetime(2025, 3, 29, tzinfo=UTC),
        end=datetime(2025, 3, 31, tzinfo=UTC),
    )
    local = [starts_at.astimezone(BERLIN).strftime("%H:%M") for starts_at, _ in slots]
    assert local == ["01:00", "03:00", "04:00"]


def test_spring_forward_drops_a_session_the_gap_would_overlap() -> None:
    sunday = date(2025, 3, 30)
    slots = generate_slot_starts(
        [WeeklyWindow(6, 60 + 40, 6 * 60)],
        session_minutes=80,
        break_minutes=10,
        tz=BERLIN,
        days_off=[],
        start=datetime.combine(sunday, time(), tzinfo=UTC) - timedelta(days=1),
        end=datetime.combine(sunday, time(), tzinfo=UTC) + timedelta(days=1),
    )
    # 01:40 CET runs until 04:00 CEST, so 03:10 on the grid would overlap it.
    local = [starts_at.astimezone(BERLIN).strftime("%H:%M") for starts_at, _ in slots]
    assert local == ["01:40", "04:40"]
    assert slots[0][1].astimezone(BERLIN).strftime("%H:%M") == "04:00"


def test_fall_back_takes_the_repeated_hour_once() -> None:
    # New York, 2 November 2025: 02:00 EDT becomes 01:00 EST.
    slots = generate_slot_starts(
        [WeeklyWindow(6, 0, 4 * 60)],
        session_minutes=50,
        break_minutes=10,
        tz=NEW_YORK,
        days_off=[],
        start=datetime(2025, 11, 1, tzinfo=UTC),
        end=datetime(2025, 11, 4, tzinfo=UTC),
    )
    local = [starts_at.astimezone(NEW_YORK) for starts_at, _ in slots]
    assert [moment.strftime("%H:%M") for moment in local] == ["00:00", "01:00", "02:00", "03:00"]
    # 01:00 is the first (daylight-saving) one.
    assert local[1].utcoffset() == timedelta(hours=-4)
    assert slots[1][0] == datetime(2025, 11, 2, 5, 0, tzinfo=UTC)


def test_window_up_to_midnight_and_fixed_offset() -> None:
    plus_five = timezone(timedelta(hours=5))
    friday = date(2025, 6, 6)
    slots = generate_slot_starts(
        [WeeklyWindow(4, 22 * 60, 24 * 60)],
        session_minutes=60,
        break_minutes=0,
        tz=plus_five,
        days_off=[],
        start=_at(plus_five, friday, 0),
        end=_at(plus_five, friday + timedelta(days=1), 0),
    )
    assert slots == [
        (_at(plus_five, friday, 22), _at(plus_five, friday, 23)),
        (_at(plus_five, friday, 23), _at(plus_five, friday + timedelta(days=1), 0)),
    ]


def test_overlapping_windows_give_no_overlapping_slots() -> None:
    monday = date(2025, 6, 2)
    slots = generate_slot_starts(
        [WeeklyWindow(0, 9 * 60, 12 * 60), WeeklyWindow(0, 9 * 60 + 30, 12 * 60)],
        session_minutes=50,
        break_minutes=10,
        tz=MOSCOW,
        days_off=[],
        start=_at(MOSCOW, monday, 0),
        end=_at(MOSCOW, monday, 23),
    )
    assert [starts_at for starts_at, _ in slots] == [
        _at(MOSCOW, monday, hour) for hour in (9, 10, 11)
    ]


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [(7, 0, 60), (-1, 0, 60), (0, 60, 60), (0, 120, 60), (0, 0, 24 * 60 + 1)],
)
def test_invalid_window(weekday: int, start: int, end: int) -> None:
    with pytest.raises(ValueError, match="must"):
        WeeklyWindow(weekday, start, end)


def test_naive_range_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_slot_starts(
            [WeeklyWindow(0, 0, 60)],
            session_minutes=50,
            break_minutes=10,
            tz=MOSCOW,
            days_off=[],
            start=datetime(2025, 6, 2),
            end=datetime(2025, 6, 3, tzinfo=UTC),
        )
