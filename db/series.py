"""A regular time (`Series`): its pattern (`pattern_of`, the pure `bot.rules.pattern`),
the reads the other series modules and the screens share, and what the cabinet shows of it.
Its other jobs live beside it: `series_booking` (the preview, making one, `fill`, a missed
date's other time), `series_changes` (ending, pausing, resuming, telling ahead),
`series_move` ("this and following") and `series_calendar` (its one calendar event).

A series is a pattern (weekday and wall-clock time in the therapist's zone, every one or
two weeks from `first_day`); its occurrences are ordinary bookings (`Booking.series_id`,
`series_day` the pattern date each stands for). Occurrences inside the booking horizon are
booked when the series is made; later ones are booked by `fill`, which the free-slots job
runs in the same transaction that adds the new slots, before anyone else can see them, so
the series has the first claim on its time. A date that cannot be had is recorded
(`SeriesSkip`) and told once to the client, with the nearest free times of that week, and
to the therapist; the series goes on.

Beyond the horizon no slots exist yet: the preview reads those weeks from the therapist's
weekly hours, days off and the other series of the therapist and the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.pattern import Pattern
from bot.rules.refusals import Refused
from bot.rules.series import (
    ALTERNATIVES,
    local_instant,
    overlaps,
)
from bot.rules.timezones import zone
from db.bookings import (
    BookingGone,
    own_booking,
)
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Series,
    SeriesSkip,
    Slot,
    SlotStatus,
    Therapist,
    User,
)


class SeriesRefused(Refused):
    """The session cannot start a regular time: it is already part of one, or over."""

    key = "series-refused"


def pattern_of(series: Series, timezone: str) -> Pattern:
    """The series' pattern in its therapist's zone."""
    return Pattern(
        first_day=date.fromisoformat(series.first_day),
        wall_minute=series.wall_minute,
        rhythm=series.rhythm,
        tz=zone(timezone),
        paused_until=date.fromisoformat(series.paused_until) if series.paused_until else None,
    )


async def active_series(
    session: AsyncSession, *, therapist_id: int | None = None, client_id: int | None = None
) -> list[Series]:
    query = select(Series).where(Series.ended_at.is_(None))
    if therapist_id is not None:
        query = query.where(Series.therapist_id == therapist_id)
    if client_id is not None:
        query = query.where(Series.client_id == client_id)
    return list(await session.scalars(query))


async def startable(session: AsyncSession, client: User, booking_id: int, now: datetime) -> Booking:
    """The client's active session that can begin a series; raises BookingGone or
    SeriesRefused."""
    booking = await own_booking(session, client, booking_id)
    if booking is None or booking.status not in ACTIVE_BOOKING_STATUSES:
        raise BookingGone
    if booking.series_id is not None or booking.starts_at <= now:
        raise SeriesRefused
    if booking.group_date_id is not None:  # a group's seat: the group has its own dates
        raise SeriesRefused
    return booking


async def anchor_of(session: AsyncSession, series: Series) -> int | None:
    """The series' first booking: what its notices hang on (client, therapist)."""
    return await session.scalar(
        select(Booking.id).where(Booking.series_id == series.id).order_by(Booking.id).limit(1)
    )


async def has_occurrence(session: AsyncSession, series: Series, day: date) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Booking.series_id == series.id, Booking.series_day == day.isoformat()
                )
            )
        )
    )


async def occurrences_from(
    session: AsyncSession, series_id: int, start: datetime, now: datetime
) -> list[Booking]:
    """The series' active sessions from `start` on that have not started."""
    return list(
        await session.scalars(
            select(Booking)
            .where(
                Booking.series_id == series_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at >= start,
                Booking.starts_at > now,
            )
            .order_by(Booking.starts_at)
        )
    )


async def following(
    session: AsyncSession, client: User, booking_id: int, now: datetime
) -> tuple[Series, list[Booking]]:
    """A regular session and the ones after it ("this and following"); raises BookingGone
    when it is not this client's active session of an active series."""
    booking = await own_booking(session, client, booking_id)
    if (
        booking is None
        or booking.status not in ACTIVE_BOOKING_STATUSES
        or booking.series_id is None
    ):
        raise BookingGone
    series = await session.get(Series, booking.series_id)
    if series is None or series.ended_at is not None:
        raise BookingGone
    return series, await occurrences_from(session, series.id, booking.starts_at, now)


async def upcoming_occurrences(
    session: AsyncSession, series: Series, now: datetime
) -> list[Booking]:
    return await occurrences_from(session, series.id, now, now)


async def therapists_series(
    session: AsyncSession, therapist_id: int, booking_id: int
) -> tuple[Booking, Series] | None:
    """A session of this therapist that belongs to an active regular time."""
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.therapist_id != therapist_id or booking.series_id is None:
        return None
    series = await session.get(Series, booking.series_id)
    if series is None or series.ended_at is not None:
        return None
    return booking, series


async def known_days(session: AsyncSession, series: Series) -> set[str]:
    """The series' dates with a session (of any status) or a recorded miss."""
    booked = await session.scalars(
        select(Booking.series_day).where(
            Booking.series_id == series.id, Booking.series_day.is_not(None)
        )
    )
    missed = await session.scalars(select(SeriesSkip.day).where(SeriesSkip.series_id == series.id))
    return {day for day in booked if day} | set(missed)


async def own_series(session: AsyncSession, client: User, series_id: int) -> Series | None:
    return await session.scalar(
        select(Series).where(Series.id == series_id, Series.client_id == client.id)
    )


@dataclass(frozen=True)
class SeriesView:
    series: Series
    therapist: Therapist
    upcoming: list[Booking]  # its active occurrences that have not ended
    days_known: frozenset[str]  # pattern dates with an occurrence (any status) or a miss
    skipped: frozenset[str]  # pattern dates missed


async def view_of(session: AsyncSession, series: Series, now: datetime) -> SeriesView:
    therapist = await session.get(Therapist, series.therapist_id)
    assert therapist is not None
    occurrences = list(
        await session.scalars(
            select(Booking).where(Booking.series_id == series.id).order_by(Booking.starts_at)
        )
    )
    skipped = frozenset(
        await session.scalars(select(SeriesSkip.day).where(SeriesSkip.series_id == series.id))
    )
    upcoming = [
        booking
        for booking in occurrences
        if booking.status in ACTIVE_BOOKING_STATUSES and booking.ends_at > now
    ]
    days = frozenset(b.series_day for b in occurrences if b.series_day) | skipped
    return SeriesView(series, therapist, upcoming, days, skipped)


async def series_of(session: AsyncSession, client: User, now: datetime) -> list[SeriesView]:
    """The client's active series, each with its upcoming occurrences."""
    active = sorted(await active_series(session, client_id=client.id), key=lambda s: s.id)
    return [await view_of(session, item, now) for item in active]


async def series_of_booking(session: AsyncSession, booking: Booking) -> Series | None:
    """The active series an occurrence belongs to."""
    if booking.series_id is None:
        return None
    return await session.scalar(
        select(Series).where(Series.id == booking.series_id, Series.ended_at.is_(None))
    )


async def alternatives(
    session: AsyncSession, series: Series, day: date, now: datetime
) -> list[Slot]:
    """The free times of the therapist in the week of `day` (Monday to Sunday in their
    zone), nearest to the series' time first, that the client is free for."""
    therapist = await session.get(Therapist, series.therapist_id)
    assert therapist is not None
    tz = zone(therapist.timezone)
    monday = day - timedelta(days=day.weekday())
    start = local_instant(monday, time(0), tz) or now
    end = local_instant(monday + timedelta(days=7), time(0), tz) or start + timedelta(days=7)
    target = (
        pattern_of(series, therapist.timezone).moment(day)
        or local_instant(day, time(12), tz)
        or start
    )
    slots = await session.scalars(
        select(Slot).where(
            Slot.therapist_id == therapist.id,
            Slot.status == SlotStatus.free,
            Slot.starts_at >= max(start, now),
            Slot.starts_at < end,
        )
    )
    busy = [
        (row.starts_at, row.ends_at)
        for row in await session.execute(
            select(Booking.starts_at, Booking.ends_at).where(
                Booking.client_id == series.client_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.ends_at > start,
                Booking.starts_at < end,
            )
        )
    ]
    free = [slot for slot in slots if not overlaps(slot.starts_at, slot.ends_at, busy)]
    free.sort(key=lambda slot: (abs(slot.starts_at - target), slot.starts_at))
    return free[:ALTERNATIVES]


def later_dates(view: SeriesView, now: datetime, weeks: int) -> list[datetime]:
    """The series' moments in the next `weeks` that have no occurrence yet (kept for the
    client, booked as the horizon reaches them); pauses honoured."""
    pattern = pattern_of(view.series, view.therapist.timezone)
    first = pattern.day_of(now)
    moments = []
    for day in pattern.days(first, first + timedelta(weeks=weeks)):
        if pattern.paused_on(day) or day.isoformat() in view.days_known:
            continue
        moment = pattern.moment(day)
        if moment is not None and moment > now:
            moments.append(moment)
    return moments


def stands_for(booking: Booking, tz: tzinfo) -> date:
    """The pattern date a session stands for (a paused one's, unmoved, is its own date)."""
    if booking.series_day:
        return date.fromisoformat(booking.series_day)
    return booking.starts_at.astimezone(tz).date()
