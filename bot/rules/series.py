"""A regular time (pure): the occurrences of a weekly or fortnightly series ahead, which of
them can be had, why the others cannot, and the nearest other times in their week.

A series keeps the first session's weekday and wall-clock time in the therapist's zone, so
it stays at "Tuesdays 19:00" across a change of clocks. An occurrence takes the free slot
that starts exactly then; when there is none it gets the reason (the client has another
session then, a day off or a vacation, someone else's booking, no session at that time in
the therapist's hours, or a time the clocks skip) and up to `ALTERNATIVES` free times of the
same week (Monday to Sunday in the therapist's zone), nearest first."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

ALTERNATIVES = 3


class Rhythm(enum.IntEnum):
    """Weeks between occurrences."""

    weekly = 1
    fortnightly = 2


class Gap(enum.StrEnum):
    """Why an occurrence cannot be had."""

    client_busy = "client_busy"
    day_off = "day_off"
    taken = "taken"
    outside_hours = "outside_hours"
    clock_gap = "clock_gap"


@dataclass(frozen=True)
class FreeSlot:
    slot_id: int
    starts_at: datetime  # UTC
    ends_at: datetime


@dataclass(frozen=True)
class TherapistTimes:
    """What the planner needs to know of the therapist and the client."""

    free: Sequence[FreeSlot]
    taken: frozenset[datetime] = frozenset()  # starts of slots someone else holds or booked
    days_off: Sequence[tuple[date, date]] = ()  # inclusive local dates (days off, vacations)
    client_busy: Sequence[tuple[datetime, datetime]] = ()  # the client's other sessions


@dataclass(frozen=True)
class Occurrence:
    day: date  # in the therapist's zone
    starts_at: datetime | None  # UTC; None when the clocks skip the time that day
    slot: FreeSlot | None  # the free slot it takes, when it can be had
    gap: Gap | None
    alternatives: tuple[FreeSlot, ...] = field(default=())

    @property
    def available(self) -> bool:
        return self.slot is not None


def local_instant(day: date, wall: time, tz: tzinfo) -> datetime | None:
    """The UTC moment of `wall` on `day`, or None when the clocks skip it (an ambiguous
    time is taken at its first occurrence)."""
    local = datetime.combine(day, wall, tzinfo=tz)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment


def occurrence_days(first: date, rhythm: Rhythm, ahead_weeks: int) -> list[date]:
    """The dates after `first` on its weekday, every `rhythm` weeks, up to `ahead_weeks`
    weeks after it."""
    step = timedelta(weeks=int(rhythm))
    last = first + timedelta(weeks=ahead_weeks)
    days = []
    day = first + step
    while day <= last:
        days.append(day)
        day += step
    return days


def overlaps(start: datetime, end: datetime, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def plan(
    first_start: datetime,
    *,
    tz: tzinfo,
    rhythm: Rhythm,
    ahead_weeks: int,
    length: timedelta,
    times: TherapistTimes,
) -> list[Occurrence]:
    """The occurrences after the session at `first_start` (UTC, the series' first), each
    with its slot or its reason and alternatives. No free slot is given to two occurrences,
    none overlaps the client's other sessions, and no two occurrences share a date."""
    local_first = first_start.astimezone(tz)
    wall = local_first.time().replace(tzinfo=None)
    by_start = {slot.starts_at: slot for slot in times.free}
    used: set[int] = set()
    occurrences: list[Occurrence] = []
    for day in occurrence_days(local_first.date(), rhythm, ahead_weeks):
        starts_at = local_instant(day, wall, tz)
        slot = by_start.get(starts_at) if starts_at is not None else None
        gap: Gap | None = None
        if starts_at is None:
            gap = Gap.clock_gap
        elif overlaps(starts_at, starts_at + length, times.client_busy):
            gap = Gap.client_busy
        elif slot is not None and slot.slot_id not in used:
            used.add(slot.slot_id)
            occurrences.append(Occurrence(day, starts_at, slot, None))
            continue
        elif any(first <= day <= last for first, last in times.days_off):
            gap = Gap.day_off
        elif starts_at in times.taken:
            gap = Gap.taken
        else:
            gap = Gap.outside_hours
        occurrences.append(Occurrence(day, starts_at, None, gap))
    # Alternatives once every occurrence that can be had has its slot: none offers a time
    # another occurrence takes.
    planned = []
    for occurrence in occurrences:
        if occurrence.available:
            planned.append(occurrence)
            continue
        target = occurrence.starts_at or local_instant(
            occurrence.day, time(12), tz
        )  # a skipped time: the middle of that day
        assert target is not None
        first_day, last_day = _week_of(occurrence.day)
        nearby = [
            slot
            for slot in times.free
            if slot.slot_id not in used
            and first_day <= slot.starts_at.astimezone(tz).date() <= last_day
            and not overlaps(slot.starts_at, slot.ends_at, times.client_busy)
        ]
        nearby.sort(key=lambda slot: (abs(slot.starts_at - target), slot.starts_at))
        planned.append(
            Occurrence(
                occurrence.day,
                occurrence.starts_at,
                None,
                occurrence.gap,
                tuple(nearby[:ALTERNATIVES]),
            )
        )
    return planned
