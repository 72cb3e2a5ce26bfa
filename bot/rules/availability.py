"""Slot times from a therapist's weekly template.

Windows are wall-clock times in the therapist's zone, so sessions sit on the same clock
times every week ("10:00, 11:00, ...") even when the UTC offset changes. Every session
lasts exactly ``session_minutes`` of real time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class WeeklyWindow:
    """A working window: ``weekday`` (Monday is 0), minutes after local midnight."""

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"window must satisfy 0 <= start < end <= {MINUTES_PER_DAY}, "
                f"got {self.start_minute}..{self.end_minute}"
            )


def _local_instant(day: date, minute: int, tz: tzinfo) -> datetime | None:
    """The UTC moment of a wall-clock time, or None when the clocks skip it.

    An ambiguous time (the repeated hour when clocks go back) is taken at its first
    occurrence (fold=0), so it yields one slot, not two.
    """
    wall = datetime.combine(day, time(), tzinfo=tz) + timedelta(minutes=minute)
    moment = wall.astimezone(UTC)
    # A time inside a spring-forward gap does not survive the round trip.
    if moment.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return moment


def _ends_inside(day: date, ends_at: datetime, end_minute: int, tz: tzinfo) -> bool:
    """Whether the clock on the wall reads at most ``end_minute`` of ``day`` at the end."""
    local_end = ends_at.astimezone(tz).replace(tzinfo=None)
    return local_end - datetime.combine(day, time()) <= timedelta(minutes=end_minute)


def generate_slot_starts(
    windows: Iterable[WeeklyWindow],
    *,
    session_minutes: int,
    break_minutes: int,
    tz: tzinfo,
    days_off: Iterable[tuple[date, date]],
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    """UTC ``(starts_at, ends_at)`` of every session that fits in a window.

    Sessions follow each other from the window's start, ``break_minutes`` apart, on the
    local clock. A session is kept when its local start exists, its local end is still
    within the window, its local date is outside every inclusive ``days_off`` range and
    ``start <= starts_at < end``. Where the template or a clock change would make two
    sessions overlap, the earlier one wins. The result is sorted and free of overlaps.
    """
    if session_minutes <= 0:
        raise ValueError("session_minutes must be positive")
    if break_minutes < 0:
        raise ValueError("break_minutes must not be negative")
    if start.utcoffset() is None or end.utcoffset() is None:
        raise ValueError("start and end must be timezone-aware")

    by_weekday: dict[int, list[WeeklyWindow]] = {}
    for window in windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    off = [(first, last) for first, last in days_off]
    length = timedelta(minutes=session_minutes)
    step = session_minutes + break_minutes

    # Whole local days, with a day of margin on both sides, so a day's slots never depend
    # on where the requested range happens to begin or end.
    day = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date() + timedelta(days=1)
    candidates: list[tuple[datetime, datetime]] = []
    while day <= last_day:
        day_windows = by_weekday.get(day.weekday(), ())
        if day_windows and not any(first <= day <= last for first, last in off):
            for window in day_windows:
                minute = window.start_minute
                while minute < window.end_minute:
                    starts_at = _local_instant(day, minute, tz)
                    if starts_at is not None:
                        ends_at = starts_at + length
                        if _ends_inside(day, ends_at, window.end_minute, tz):
                            candidates.append((starts_at, ends_at))
                    minute += step
        day += timedelta(days=1)

    candidates.sort()
    result: list[tuple[datetime, datetime]] = []
    busy_until: datetime | None = None
    for starts_at, ends_at in candidates:
        if busy_until is not None and starts_at < busy_until:
            continue
        busy_until = ends_at
        if start <= starts_at < end:
            result.append((starts_at, ends_at))
    return result
