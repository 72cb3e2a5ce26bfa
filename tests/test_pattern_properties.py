"""A regular time's pattern (`bot.rules.pattern.Pattern`), with hypothesis generating
patterns in zones with and without changes of clocks: its dates are exactly those of its
weekday and rhythm in a range, each falls at its wall time or is a time the clocks skip,
the time it takes ahead honours the pause, and a move keeps within `SHIFT_DAYS` of the
session's date and lands where the moved pattern says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.pattern import SHIFT_DAYS, Pattern
from bot.rules.series import local_instant

ZONES = ("Europe/Moscow", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "UTC")
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 1))
LENGTH = timedelta(minutes=50)


@st.composite
def patterns(draw: st.DrawFn) -> Pattern:
    first = draw(DAYS)
    paused = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=120)))
    return Pattern(
        first_day=first,
        wall_minute=draw(st.integers(min_value=0, max_value=1439)),
        rhythm=draw(st.sampled_from([1, 2])),
        tz=ZoneInfo(draw(st.sampled_from(ZONES))),
        paused_until=None if paused is None else first + timedelta(days=paused),
    )


@settings(max_examples=300, deadline=None)
@given(patterns(), DAYS, st.integers(min_value=0, max_value=200))
def test_its_dates_are_its_weekday_every_rhythm_weeks(
    pattern: Pattern, first: date, length: int
) -> None:
    last = first + timedelta(days=length)
    days = pattern.days(first, last)
    step = 7 * pattern.rhythm
    expected = [
        day
        for day in (first + timedelta(days=offset) for offset in range(length + 1))
        if day >= pattern.first_day and (day - pattern.first_day).days % step == 0
    ]
    assert days == expected


@settings(max_examples=300, deadline=None)
@given(patterns(), st.integers(min_value=0, max_value=60))
def test_each_date_falls_at_its_wall_time_or_the_clocks_skip_it(
    pattern: Pattern, weeks: int
) -> None:
    day = pattern.first_day + timedelta(weeks=weeks * pattern.rhythm)
    moment = pattern.moment(day)
    if moment is None:
        # No such local time that day: what the clock shows an hour later is not it.
        naive = datetime.combine(day, pattern.wall)
        shown = naive.replace(tzinfo=pattern.tz).astimezone(UTC).astimezone(pattern.tz)
        assert shown.replace(tzinfo=None) != naive
    else:
        local = moment.astimezone(pattern.tz)
        assert (local.date(), local.time()) == (day, pattern.wall)
        assert pattern.day_of(moment) == day
    first = pattern.first_moment()
    assert pattern.day_of(first) in pattern.days(pattern.first_day, pattern.day_of(first))


@settings(max_examples=300, deadline=None)
@given(
    patterns(), st.integers(min_value=-30, max_value=200), st.integers(min_value=1, max_value=90)
)
def test_the_time_it_takes_ahead_honours_the_pause(
    pattern: Pattern, start_offset: int, days: int
) -> None:
    start = datetime.combine(pattern.first_day, time(0), tzinfo=UTC) + timedelta(
        days=start_offset, hours=7
    )
    end = start + timedelta(days=days)
    taken = pattern.projected(LENGTH, start, end)
    window = pattern.days(pattern.day_of(start), pattern.day_of(end))
    expected = [
        moment
        for day in window
        if not pattern.paused_on(day)
        and (moment := pattern.moment(day)) is not None
        and start <= moment < end
    ]
    assert [moment for moment, _ in taken] == expected
    assert all(finish - moment == LENGTH for moment, finish in taken)
    if pattern.paused_until is not None:
        assert all(pattern.day_of(moment) >= pattern.paused_until for moment, _ in taken)


@settings(max_examples=300, deadline=None)
@given(
    patterns(),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=-10, max_value=10),
    st.integers(min_value=0, max_value=1439),
)
def test_a_move_stays_near_its_date_and_lands_where_the_new_pattern_says(
    pattern: Pattern, weeks: int, days: int, minute: int
) -> None:
    stands_for = pattern.first_day + timedelta(weeks=weeks * pattern.rhythm)
    target = local_instant(
        stands_for + timedelta(days=days), time(minute // 60, minute % 60), pattern.tz
    )
    if target is None:
        return  # no such time that day: nothing to move to
    allowed = pattern.can_shift(stands_for, target)
    own_time = pattern.moment(stands_for)
    shift = pattern.shift_to(stands_for, target)
    assert allowed == (abs(shift.days) <= SHIFT_DAYS and target != own_time)
    moved = pattern.shifted(target)
    assert moved.rhythm == pattern.rhythm and moved.paused_until == pattern.paused_until
    # Every later date of the old pattern goes to the same weekday and time of the new.
    assert moved.moment(stands_for + shift) == target
    later = stands_for + timedelta(weeks=pattern.rhythm)
    assert later + shift in moved.days(later + shift, later + shift)
