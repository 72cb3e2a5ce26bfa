"""Ending, pausing and resuming a regular time, and telling clients ahead of the dates a
therapist's new hours rule out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.policy import Rules
from bot.rules.series import (
    Gap,
)
from db import events, schedule
from db.bookings import (
    BookingGone,
    Cancelled,
    CancelledBy,
    cancel_within,
    end_series,
)
from db.models import (
    Booking,
    Series,
    SeriesEnd,
    SeriesSkip,
    Therapist,
    User,
)
from db.outbox import To, notify
from db.series import active_series, anchor_of, known_days, occurrences_from, own_series, pattern_of
from db.series_booking import Made, fill_one
from db.transactions import use_case


async def end_with(session: AsyncSession, client: User, therapist_id: int, now: datetime) -> None:
    """A change of therapist with the booked sessions kept: the regular times with the old
    therapist end (nothing more is booked), the therapist is told."""
    async with use_case(session):
        await end_series(
            session, client.id, by=SeriesEnd.change, now=now, therapist_id=therapist_id
        )


async def end_by_client(
    session: AsyncSession,
    *,
    client: User,
    series_id: int,
    cancel_from: datetime | None,
    rules: Rules,
    now: datetime,
) -> list[Cancelled]:
    """The client ends a regular time; with `cancel_from` its sessions from then on are
    cancelled too, each by the usual rules (free or late, refunds), in one transaction."""
    async with use_case(session):
        series = await own_series(session, client, series_id)
        if series is None or series.ended_at is not None:
            raise BookingGone("series-gone")
        await end_series(session, client.id, by=SeriesEnd.client, now=now, series_id=series.id)
        done = []
        if cancel_from is not None:
            for booking in await occurrences_from(session, series.id, cancel_from, now):
                item = await cancel_within(
                    session, booking, by=CancelledBy.client, rules=rules, now=now, reason="series"
                )
                if item is not None:
                    done.append(item)
    for item in done:
        await session.refresh(item.booking)
    return done


async def end_by_therapist(
    session: AsyncSession, *, therapist_id: int, series_id: int, rules: Rules, now: datetime
) -> list[Cancelled]:
    """The therapist ends a client's regular time: its sessions that have not started are
    cancelled by the practice (the client told of each, paid ones refunded in full) and
    the client told that the regular time ended, in one transaction."""
    async with use_case(session):
        series = await session.get(Series, series_id)
        if series is None or series.therapist_id != therapist_id or series.ended_at is not None:
            raise BookingGone("tseries-gone")
        await end_series(
            session, series.client_id, by=SeriesEnd.therapist, now=now, series_id=series.id
        )
        done = []
        for booking in await occurrences_from(session, series.id, now, now):
            item = await cancel_within(
                session, booking, by=CancelledBy.therapist, rules=rules, now=now, reason=None
            )
            if item is not None:
                done.append(item)
    for item in done:
        await session.refresh(item.booking)
    return done


@dataclass(frozen=True)
class Touched:
    series: Series
    client_name: str | None
    day: date
    gap: Gap


async def touched_ahead(
    session: AsyncSession, therapist: Therapist, *, start: datetime, weeks: int
) -> list[Touched]:
    """The regular times' dates from `start` (the horizon: nearer ones are bookings) up to
    `weeks` ahead that the therapist's hours and days off no longer allow, by date."""
    end = start + timedelta(weeks=weeks)
    hours = await schedule.template(session, therapist, start, end)
    possible = {starts_at for starts_at, _ in hours.sessions}
    touched = []
    for item in await active_series(session, therapist_id=therapist.id):
        client = await session.get(User, item.client_id)
        pattern = pattern_of(item, therapist.timezone)
        known = await known_days(session, item)
        for day in pattern.days(pattern.day_of(start), pattern.day_of(end)):
            moment = pattern.moment(day)
            if pattern.paused_on(day) or (moment is not None and moment < start):
                continue
            if day.isoformat() in known:
                continue  # booked already, or missed and told
            if moment is not None and moment in possible:
                continue
            off = any(first <= day <= last for first, last in hours.days_off)
            gap = Gap.clock_gap if moment is None else Gap.day_off if off else Gap.outside_hours
            touched.append(Touched(item, client.first_name if client else None, day, gap))
    touched.sort(key=lambda one: one.day)
    return touched


async def tell_touched(
    session: AsyncSession, therapist_id: int, *, start: datetime, weeks: int, now: datetime
) -> list[Touched]:
    """The therapist has the clients told now of the dates ahead that their hours no
    longer allow: each becomes a missed date (never tried again) and its client hears of it
    once, with the regular time's calendar event without it."""
    async with use_case(session):
        therapist = await session.get(Therapist, therapist_id)
        assert therapist is not None
        touched = await touched_ahead(session, therapist, start=start, weeks=weeks)
        for one in touched:
            iso = one.day.isoformat()
            session.add(
                SeriesSkip(series_id=one.series.id, day=iso, reason=one.gap, created_at=now)
            )
            one.series.calendar_sequence += 1
            await notify(
                session,
                events.SeriesMissed(
                    recipient=To.client,
                    booking_id=await anchor_of(session, one.series),
                    series_id=one.series.id,
                    day=one.day,
                    reason=one.gap,
                    ahead=True,
                ),
                now,
            )
        await session.flush()
    return touched


async def pause(
    session: AsyncSession,
    *,
    client: User,
    series_id: int,
    weeks: int,
    rules: Rules,
    now: datetime,
) -> tuple[Series, list[Cancelled]]:
    """Pause a regular time for `weeks` weeks: its sessions before then are cancelled, each
    by the usual rules, and their dates freed for a resume; nothing is booked before then."""
    async with use_case(session):
        series = await own_series(session, client, series_id)
        if series is None or series.ended_at is not None:
            raise BookingGone("series-gone")
        therapist = await session.get(Therapist, series.therapist_id)
        assert therapist is not None
        until = pattern_of(series, therapist.timezone).resumes_after(now, weeks)
        series.paused_until = until.isoformat()
        series.calendar_sequence += 1
        done = []
        for booking in await occurrences_from(session, series.id, now, now):
            if booking.series_day is not None and booking.series_day >= until.isoformat():
                continue
            item = await cancel_within(
                session, booking, by=CancelledBy.client, rules=rules, now=now, reason="pause"
            )
            if item is not None:
                done.append(item)
                if booking.reschedule_count:
                    continue  # a moved session stays what it was: an exception, gone
                # The date is the series' again once it resumes.
                await session.execute(
                    update(Booking)
                    .where(Booking.id == booking.id)
                    .values(series_day=None)
                    .execution_options(synchronize_session=False)
                )
        await session.flush()
    await session.refresh(series)
    for item in done:
        await session.refresh(item.booking)
    return series, done


async def paused_sessions(
    session: AsyncSession, series: Series, therapist: Therapist, now: datetime, weeks: int
) -> list[Booking]:
    """What a pause of `weeks` weeks would cancel."""
    until = pattern_of(series, therapist.timezone).resumes_after(now, weeks).isoformat()
    return [
        booking
        for booking in await occurrences_from(session, series.id, now, now)
        if booking.series_day is None or booking.series_day < until
    ]


async def resume(
    session: AsyncSession,
    *,
    client: User,
    series_id: int,
    rules: Rules,
    now: datetime,
    pay_each: bool,
) -> Made:
    """End a pause now: the dates up to the horizon are booked again where free; a date
    lost meanwhile (taken, a day off) is told to the client, with the other free times of
    its week, and to the therapist, as when the job misses one."""
    async with use_case(session):
        series = await own_series(session, client, series_id)
        if series is None or series.ended_at is not None:
            raise BookingGone("series-gone")
        therapist = await session.get(Therapist, series.therapist_id)
        assert therapist is not None
        series.paused_until = None
        series.calendar_sequence += 1
        await session.flush()
        booked, missed = await fill_one(
            session, series, therapist, rules, now, pay_each=pay_each, resumed=True
        )
    await session.refresh(series)
    return Made(series, booked, missed)
