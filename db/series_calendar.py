"""A regular time as one calendar event: the first date in it, its version (`SEQUENCE`:
the series' own changes plus its sessions' moves and cancellations), where a session sits in
it (its own event or an instance of the series'), and what the event holds (dates, the
ones taken out, the sessions moved)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.calendar import booking_uid, series_uid
from db.bookings import (
    calendar_sequence,
)
from db.models import (
    Booking,
    BookingChange,
    BookingStatus,
    Series,
    SeriesSkip,
    Therapist,
)
from db.seats import title_of
from db.series import pattern_of, stands_for


def calendar_start(series: Series) -> date:
    """The first date in the series' calendar event."""
    if series.calendar_from:
        return date.fromisoformat(series.calendar_from)
    return date.fromisoformat(series.first_day) + timedelta(weeks=series.rhythm)


async def series_sequence(session: AsyncSession, series: Series) -> int:
    """The version of the series' event: its own changes, and one more for each move and
    each cancellation of its sessions (which only grow)."""
    moves = await session.scalar(
        select(func.count())
        .select_from(BookingChange)
        .join(Booking, Booking.id == BookingChange.booking_id)
        .where(Booking.series_id == series.id)
    )
    cancels = await session.scalar(
        select(func.count()).where(
            Booking.series_id == series.id, Booking.status == BookingStatus.cancelled
        )
    )
    return series.calendar_sequence + int(moves or 0) + int(cancels or 0)


@dataclass(frozen=True)
class CalendarPlace:
    """Where a session is in the client's calendar: its own event, or an instance of its
    series' event (`recurrence_id`, in the therapist's `timezone`)."""

    uid: str
    sequence: int
    recurrence_id: datetime | None = None
    timezone: str | None = None
    group: str | None = None  # a seat: its group's title


async def calendar_place(session: AsyncSession, booking: Booking) -> CalendarPlace:
    series = await session.get(Series, booking.series_id) if booking.series_id else None
    if series is not None:
        therapist = await session.get(Therapist, series.therapist_id)
        assert therapist is not None
        pattern = pattern_of(series, therapist.timezone)
        day = stands_for(booking, pattern.tz)
        moment = pattern.moment(day)
        if day >= calendar_start(series) and moment is not None:
            sequence = await series_sequence(session, series)
            return CalendarPlace(series_uid(series.id), sequence, moment, therapist.timezone)
    group = await title_of(session, booking.group_date_id)
    return CalendarPlace(
        booking_uid(booking.id), await calendar_sequence(session, booking), group=group
    )


@dataclass(frozen=True)
class SeriesCalendar:
    """A regular time as one calendar event: from `first` every `rhythm` weeks (until
    `last`, once ended), without the `excluded` moments, with the `moved` sessions each at
    their own time; `gone` when none of it is left."""

    series: Series
    therapist: Therapist
    sequence: int
    first: datetime
    last: datetime | None
    excluded: list[datetime]
    moved: list[tuple[datetime, Booking]]
    gone: bool


async def series_calendar(session: AsyncSession, series: Series, now: datetime) -> SeriesCalendar:
    therapist = await session.get(Therapist, series.therapist_id)
    assert therapist is not None
    pattern = pattern_of(series, therapist.timezone)
    start = calendar_start(series)
    sessions = {
        booking.series_day: booking
        for booking in await session.scalars(
            select(Booking).where(
                Booking.series_id == series.id, Booking.series_day >= start.isoformat()
            )
        )
        if booking.series_day
    }
    skipped = set(
        await session.scalars(select(SeriesSkip.day).where(SeriesSkip.series_id == series.id))
    )
    paused = pattern.paused_until
    kept = [
        date.fromisoformat(day)
        for day, booking in sessions.items()
        if booking.status != BookingStatus.cancelled
    ]
    today = pattern.day_of(now)
    if series.ended_at is not None:
        end = max(kept, default=None)
    else:
        end = max([today, paused or today, *map(date.fromisoformat, [*sessions, *skipped])])
    excluded: list[datetime] = []
    moved: list[tuple[datetime, Booking]] = []
    for day in pattern.days(start, end or start):
        moment = pattern.moment(day)
        if moment is None:
            continue  # the clocks skip that time: there is no such instance
        booking = sessions.get(day.isoformat())
        if booking is None:
            lost = series.ended_at is not None or moment <= now
            if lost or day.isoformat() in skipped or pattern.paused_on(day):
                excluded.append(moment)
        elif booking.status == BookingStatus.cancelled:
            excluded.append(moment)
        elif booking.starts_at != moment:
            moved.append((moment, booking))
    first = replace(pattern, first_day=start).first_moment()
    last = None
    if end is not None and series.ended_at is not None:
        last = pattern.moment(end)
    return SeriesCalendar(
        series=series,
        therapist=therapist,
        sequence=await series_sequence(session, series),
        first=first,
        last=last,
        excluded=excluded,
        moved=moved,
        gone=series.ended_at is not None and end is None,
    )
