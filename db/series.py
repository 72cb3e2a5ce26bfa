"""A regular time (`Series`): its preview, making it, keeping it filled as the booking
horizon moves, and what the cabinet shows of it.

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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.calendar import booking_uid, series_uid
from bot.rules.policy import Rules
from bot.rules.refusals import Refused, told
from bot.rules.series import (
    ALTERNATIVES,
    FreeSlot,
    Gap,
    Occurrence,
    Rhythm,
    TherapistTimes,
    local_instant,
    plan,
)
from bot.rules.timezones import zone
from db import reminders, schedule, slot_states
from db.bookings import (
    BookingGone,
    Cancelled,
    CancelledBy,
    ClientBusy,
    Conflict,
    OutsideRules,
    SlotTaken,
    SlotUnavailable,
    calendar_sequence,
    cancel_within,
    check_bookable,
    end_series,
    move_within,
    own_booking,
    tell_practice,
)
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingChange,
    BookingStatus,
    Series,
    SeriesEnd,
    SeriesSkip,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from db.outbox import To, notify
from db.transactions import refusable, refused_by_database, use_case


class SeriesRefused(Refused):
    """The session cannot start a regular time: it is already part of one, or over."""

    key = "series-refused"


# -- the pattern -------------------------------------------------------------------------


def wall_time(series: Series) -> time:
    return time(series.wall_minute // 60, series.wall_minute % 60)


def pattern_days(series: Series, first: date, last: date) -> list[date]:
    """The series' dates in [first, last]."""
    start = date.fromisoformat(series.first_day)
    step = 7 * series.rhythm
    offset = max((first - start).days, 0)
    day = start + timedelta(days=-(-offset // step) * step)
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=step)
    return days


def _projected(
    series: Iterable[Series], tz: tzinfo, length: timedelta, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Where other series will take time between start and end."""
    times = []
    for other in series:
        for day in pattern_days(
            other, start.astimezone(tz).date(), end.astimezone(tz).date() + timedelta(days=1)
        ):
            if other.paused_until and day < date.fromisoformat(other.paused_until):
                continue
            moment = local_instant(day, wall_time(other), tz)
            if moment is not None and start <= moment < end:
                times.append((moment, moment + length))
    return times


def _overlaps(start: datetime, end: datetime, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)


async def _active_series(
    session: AsyncSession, *, therapist_id: int | None = None, client_id: int | None = None
) -> list[Series]:
    query = select(Series).where(Series.ended_at.is_(None))
    if therapist_id is not None:
        query = query.where(Series.therapist_id == therapist_id)
    if client_id is not None:
        query = query.where(Series.client_id == client_id)
    return list(await session.scalars(query))


async def _times(
    session: AsyncSession,
    therapist: Therapist,
    client_id: int,
    *,
    start: datetime,
    end: datetime,
    horizon_end: datetime,
    leave_out: int | None = None,
) -> TherapistTimes:
    """What the planner needs between start and end: the real free slots up to the
    horizon, and beyond it the times the weekly hours give (negative ids) unless another
    series will have them."""
    tz = zone(therapist.timezone)
    length = timedelta(minutes=therapist.session_minutes)
    slots = list(
        await session.scalars(
            select(Slot).where(
                Slot.therapist_id == therapist.id, Slot.starts_at >= start, Slot.starts_at < end
            )
        )
    )
    free = [
        FreeSlot(slot.id, slot.starts_at, slot.ends_at)
        for slot in slots
        if slot.status == SlotStatus.free
    ]
    taken = {slot.starts_at for slot in slots if slot.status != SlotStatus.free}
    others = [
        s for s in await _active_series(session, therapist_id=therapist.id) if s.id != leave_out
    ]
    ahead = _projected(others, tz, length, horizon_end, end)
    taken |= {moment for moment, _ in ahead}
    known = {slot.starts_at for slot in slots}
    hours = await schedule.template(session, therapist, horizon_end, end)
    virtual = -1
    for starts_at, ends_at in hours.sessions:
        if starts_at in known or _overlaps(starts_at, ends_at, ahead):
            continue
        free.append(FreeSlot(virtual, starts_at, ends_at))
        virtual -= 1
    mine = await session.execute(
        select(Booking.starts_at, Booking.ends_at).where(
            Booking.client_id == client_id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > start,
            Booking.starts_at < end,
        )
    )
    busy = [(row.starts_at, row.ends_at) for row in mine]
    own = [s for s in await _active_series(session, client_id=client_id) if s.id != leave_out]
    for other in own:
        other_therapist = await session.get(Therapist, other.therapist_id)
        if other_therapist is None:
            continue
        busy += _projected(
            [other],
            zone(other_therapist.timezone),
            timedelta(minutes=other_therapist.session_minutes),
            horizon_end,
            end,
        )
    free.sort(key=lambda slot: slot.starts_at)
    return TherapistTimes(
        free=free, taken=frozenset(taken), days_off=hours.days_off, client_busy=busy
    )


# -- preview and making one --------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    booking: Booking  # the first occurrence
    rhythm: Rhythm
    occurrences: list[Occurrence]  # the ones after it
    horizon_end: datetime  # an occurrence from here on is kept, and booked nearer the time


async def startable(session: AsyncSession, client: User, booking_id: int, now: datetime) -> Booking:
    """The client's active session that can begin a series; raises BookingGone or
    SeriesRefused."""
    booking = await own_booking(session, client, booking_id)
    if booking is None or booking.status not in ACTIVE_BOOKING_STATUSES:
        raise BookingGone
    if booking.series_id is not None or booking.starts_at <= now:
        raise SeriesRefused
    return booking


async def preview(
    session: AsyncSession,
    *,
    client: User,
    booking_id: int,
    rhythm: Rhythm,
    rules: Rules,
    now: datetime,
    ahead_weeks: int,
) -> Preview:
    """What making the session regular would give: each occurrence ahead with its slot or
    why it cannot be had and the nearest free times of its week."""
    booking = await startable(session, client, booking_id, now)
    therapist = booking.therapist
    tz = zone(therapist.timezone)
    end = booking.starts_at + timedelta(weeks=ahead_weeks, days=1)
    _, horizon_end = rules.booking_window(now)
    times = await _times(session, therapist, client.id, start=now, end=end, horizon_end=horizon_end)
    occurrences = plan(
        booking.starts_at,
        tz=tz,
        rhythm=rhythm,
        ahead_weeks=ahead_weeks,
        length=booking.ends_at - booking.starts_at,
        times=times,
    )
    return Preview(booking, rhythm, occurrences, horizon_end)


@dataclass(frozen=True)
class Made:
    series: Series
    booked: list[Booking]
    missed: list[SeriesSkip]


async def create(
    session: AsyncSession,
    *,
    client: User,
    booking_id: int,
    rhythm: Rhythm,
    rules: Rules,
    now: datetime,
    pay_each: bool,
) -> Made:
    """Make the session regular: the series is recorded from it, and its occurrences
    inside the booking horizon are booked at once (held for payment until the free
    cancellation deadline when `pay_each`). The therapist and the practice's group are
    told once. Raises SeriesRefused when the session already is part of a series."""
    async with use_case(session):
        booking = await startable(session, client, booking_id, now)
        therapist = booking.therapist
        local = booking.starts_at.astimezone(zone(therapist.timezone))
        series = Series(
            client_id=client.id,
            therapist_id=therapist.id,
            rhythm=int(rhythm),
            first_day=local.date().isoformat(),
            wall_minute=local.hour * 60 + local.minute,
            format=booking.format,
            created_at=now,
        )
        # The session it is made from keeps its own calendar event; the series' starts
        # with the next date.
        series.calendar_from = (local.date() + timedelta(weeks=int(rhythm))).isoformat()
        session.add(series)
        await session.flush()
        joined = await session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.series_id.is_(None))
            .values(series_id=series.id, series_day=series.first_day)
            .execution_options(synchronize_session=False)
        )
        if joined.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("refusal-gone")
        # The client sees what was booked and missed on the screen that made it.
        booked, missed = await _fill_one(
            session, series, therapist, rules, now, pay_each=pay_each, tell=False
        )
        await _tell_created(session, booking.id, series.id, now)
    await session.refresh(series)
    return Made(series, booked, missed)


# -- keeping it filled -------------------------------------------------------------------


async def _fill_one(
    session: AsyncSession,
    series: Series,
    therapist: Therapist,
    rules: Rules,
    now: datetime,
    *,
    pay_each: bool,
    tell: bool = True,
) -> tuple[list[Booking], list[SeriesSkip]]:
    """Book the series' dates from the earliest bookable moment to the horizon that have
    neither an occurrence nor a recorded miss; a date that cannot be had is recorded and
    told. Inside the caller's transaction."""
    tz = zone(therapist.timezone)
    earliest, latest = rules.booking_window(now)
    days = pattern_days(series, earliest.astimezone(tz).date(), latest.astimezone(tz).date())
    paused = date.fromisoformat(series.paused_until) if series.paused_until else None
    length = timedelta(minutes=therapist.session_minutes)
    booked: list[Booking] = []
    missed: list[SeriesSkip] = []
    for day in days:
        if paused is not None and day < paused:
            continue
        starts_at = local_instant(day, wall_time(series), tz)
        if starts_at is not None and not earliest <= starts_at < latest:
            continue
        iso = day.isoformat()
        known = await session.scalar(
            select(
                exists().where(Booking.series_id == series.id, Booking.series_day == iso)
                | exists().where(SeriesSkip.series_id == series.id, SeriesSkip.day == iso)
            )
        )
        if known:
            continue
        gap = await _book_occurrence(
            session, series, therapist, day, starts_at, length, rules, now, pay_each, booked
        )
        if gap is None:
            continue
        skip = SeriesSkip(series_id=series.id, day=iso, reason=gap, created_at=now)
        session.add(skip)
        series.calendar_sequence += 1  # the date leaves the calendar event
        await session.flush()
        missed.append(skip)
        if not tell:
            continue
        anchor = await _anchor(session, series)
        for recipient in (To.client, To.therapist):
            await notify(
                session,
                recipient,
                "series-missed",
                now,
                booking_id=anchor,
                details={"series": series.id, "day": iso, "reason": gap},
            )
    return booked, missed


async def _tell_created(
    session: AsyncSession, booking_id: int, series_id: int, now: datetime
) -> None:
    """The therapist and the practice's chat hear of a new regular time."""
    for recipient in (To.therapist, To.group):
        await notify(
            session,
            recipient,
            "series-created",
            now,
            booking_id=booking_id,
            details={"series": series_id},
        )


async def _anchor(session: AsyncSession, series: Series) -> int | None:
    """The series' first booking: what its notices hang on (client, therapist)."""
    return await session.scalar(
        select(Booking.id).where(Booking.series_id == series.id).order_by(Booking.id).limit(1)
    )


async def _has_occurrence(session: AsyncSession, series: Series, day: date) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Booking.series_id == series.id, Booking.series_day == day.isoformat()
                )
            )
        )
    )


async def _slot_at(
    session: AsyncSession, therapist: Therapist, day: date, starts_at: datetime, ends_at: datetime
) -> tuple[Slot | None, Gap | None]:
    """The therapist's free slot exactly then, or why there is none."""
    slot = await session.scalar(
        select(Slot).where(Slot.therapist_id == therapist.id, Slot.starts_at == starts_at)
    )
    if slot is not None and slot.ends_at == ends_at:
        return (slot, None) if slot.status == SlotStatus.free else (None, Gap.taken)
    hours = await schedule.template(
        session, therapist, starts_at - timedelta(days=1), ends_at + timedelta(days=1)
    )
    if any(first <= day <= last for first, last in hours.days_off):
        return None, Gap.day_off
    return None, Gap.outside_hours


async def _book_occurrence(
    session: AsyncSession,
    series: Series,
    therapist: Therapist,
    day: date,
    starts_at: datetime | None,
    length: timedelta,
    rules: Rules,
    now: datetime,
    pay_each: bool,
    booked: list[Booking],
) -> Gap | None:
    """Book one date of the series; the reason when it cannot be had."""
    if starts_at is None:
        return Gap.clock_gap
    ends_at = starts_at + length
    client_busy = await session.scalar(
        select(
            exists().where(
                Booking.client_id == series.client_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at < ends_at,
                Booking.ends_at > starts_at,
            )
        )
    )
    if client_busy:
        return Gap.client_busy
    if not therapist.active:
        return Gap.outside_hours
    slot, gap = await _slot_at(session, therapist, day, starts_at, ends_at)
    if slot is None:
        taken = gap is Gap.taken
        # Another process filling the same series at once may have just booked it.
        return None if taken and await _has_occurrence(session, series, day) else gap
    status = SlotStatus.held if pay_each else SlotStatus.booked
    if not await slot_states.take(session, slot.id, status):
        # Another process filling the same series at once may have just booked it.
        return None if await _has_occurrence(session, series, day) else Gap.taken
    try:
        async with refusable(session):
            booking_id = await session.scalar(
                insert(Booking)
                .values(
                    client_id=series.client_id,
                    therapist_id=therapist.id,
                    slot_id=slot.id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    status=(BookingStatus.pending_payment if pay_each else BookingStatus.confirmed),
                    format=series.format,
                    price=therapist.price,
                    created_at=now,
                    hold_expires_at=rules.pay_by(starts_at, now) if pay_each else None,
                    confirmed_at=None if pay_each else now,
                    reschedule_count=0,
                    series_id=series.id,
                    series_day=day.isoformat(),
                )
                .returning(Booking.id)
            )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        await slot_states.release(session, slot.id, from_=status)
        return None if await _has_occurrence(session, series, day) else Gap.client_busy
    assert booking_id is not None
    await reminders.follow_booking(session, booking_id, rules.reminders, now)
    booking = await session.get(Booking, booking_id)
    assert booking is not None
    booked.append(booking)
    return None


async def fill(
    session: AsyncSession,
    *,
    rules: Rules,
    now: datetime,
    pay_each: bool,
    therapist_id: int | None = None,
) -> tuple[int, int]:
    """Every active series (of one therapist, when given) books what the horizon now
    reaches; inside the caller's transaction (the one that added the slots: the free-slots
    job's, or a change of a therapist's hours). Returns how many occurrences were booked
    and how many dates missed."""
    booked = missed = 0
    for series in await _active_series(session, therapist_id=therapist_id):
        therapist = await session.get(Therapist, series.therapist_id)
        if therapist is None:
            continue
        done, skipped = await _fill_one(session, series, therapist, rules, now, pay_each=pay_each)
        booked += len(done)
        missed += len(skipped)
    return booked, missed


# -- ending, cancelling, pausing ------------------------------------------------------


async def end_with(session: AsyncSession, client: User, therapist_id: int, now: datetime) -> None:
    """A change of therapist with the booked sessions kept: the regular times with the old
    therapist end (nothing more is booked), the therapist is told."""
    async with use_case(session):
        await end_series(
            session, client.id, by=SeriesEnd.change, now=now, therapist_id=therapist_id
        )


async def _occurrences_from(
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
    return series, await _occurrences_from(session, series.id, booking.starts_at, now)


async def upcoming_occurrences(
    session: AsyncSession, series: Series, now: datetime
) -> list[Booking]:
    return await _occurrences_from(session, series.id, now, now)


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
            for booking in await _occurrences_from(session, series.id, cancel_from, now):
                item = await cancel_within(
                    session, booking, by=CancelledBy.client, rules=rules, now=now, reason="series"
                )
                if item is not None:
                    done.append(item)
    for item in done:
        await session.refresh(item.booking)
    return done


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
        for booking in await _occurrences_from(session, series.id, now, now):
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
    tz = zone(therapist.timezone)
    end = start + timedelta(weeks=weeks)
    hours = await schedule.template(session, therapist, start, end)
    possible = {starts_at for starts_at, _ in hours.sessions}
    touched = []
    for item in await _active_series(session, therapist_id=therapist.id):
        client = await session.get(User, item.client_id)
        paused = date.fromisoformat(item.paused_until) if item.paused_until else None
        known = await _known_days(session, item)
        for day in pattern_days(item, start.astimezone(tz).date(), end.astimezone(tz).date()):
            moment = local_instant(day, wall_time(item), tz)
            if (paused is not None and day < paused) or (moment is not None and moment < start):
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


async def _known_days(session: AsyncSession, series: Series) -> set[str]:
    """The series' dates with a session (of any status) or a recorded miss."""
    booked = await session.scalars(
        select(Booking.series_day).where(
            Booking.series_id == series.id, Booking.series_day.is_not(None)
        )
    )
    missed = await session.scalars(select(SeriesSkip.day).where(SeriesSkip.series_id == series.id))
    return {day for day in booked if day} | set(missed)


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
                To.client,
                "series-missed",
                now,
                booking_id=await _anchor(session, one.series),
                details={"series": one.series.id, "day": iso, "reason": one.gap, "ahead": True},
            )
        await session.flush()
    return touched


def is_paused(series: Series, therapist: Therapist, now: datetime) -> bool:
    today = now.astimezone(zone(therapist.timezone)).date()
    return series.paused_until is not None and date.fromisoformat(series.paused_until) > today


def pause_until(series: Series, therapist: Therapist, now: datetime, weeks: int) -> date:
    """The first date the series books again after a pause of `weeks` weeks from today."""
    return now.astimezone(zone(therapist.timezone)).date() + timedelta(weeks=weeks)


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
        until = pause_until(series, therapist, now, weeks)
        series.paused_until = until.isoformat()
        series.calendar_sequence += 1
        done = []
        for booking in await _occurrences_from(session, series.id, now, now):
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
    until = pause_until(series, therapist, now, weeks).isoformat()
    return [
        booking
        for booking in await _occurrences_from(session, series.id, now, now)
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
    """End a pause now: the dates up to the horizon are booked again where free."""
    async with use_case(session):
        series = await own_series(session, client, series_id)
        if series is None or series.ended_at is not None:
            raise BookingGone("series-gone")
        therapist = await session.get(Therapist, series.therapist_id)
        assert therapist is not None
        series.paused_until = None
        series.calendar_sequence += 1
        await session.flush()
        booked, missed = await _fill_one(
            session, series, therapist, rules, now, pay_each=pay_each, tell=False
        )
    await session.refresh(series)
    return Made(series, booked, missed)


# -- a missed date's other time -----------------------------------------------------------


async def take_instead(
    session: AsyncSession,
    *,
    client: User,
    series_id: int,
    day: date,
    slot_id: int,
    rules: Rules,
    now: datetime,
    pay_each: bool,
) -> Booking:
    """Book another free time of a missed date's week as the series' session for that date
    (one per date, as always; held until the free-cancellation deadline when `pay_each`).
    Raises BookingGone when the series ended or the date was not missed, Conflict when the
    date has its session already, SlotUnavailable or SlotTaken for the time."""
    async with use_case(session):
        item = await own_series(session, client, series_id)
        if item is None or item.ended_at is not None:
            raise BookingGone("stale-button-short")
        skip = await session.get(SeriesSkip, (item.id, day.isoformat()))
        if skip is None or skip.reason not in set(Gap):
            # Not missed: a date kept or cancelled by a move of the regular time has its
            # session elsewhere (or none, by the client's choice).
            raise BookingGone("stale-button-short")
        if await _has_occurrence(session, item, day):
            raise Conflict("series-take-had")
        therapist = await session.get(Therapist, item.therapist_id)
        assert therapist is not None
        slot = await session.get(Slot, slot_id)
        earliest, latest = rules.booking_window(now)
        monday = day - timedelta(days=day.weekday())
        if (
            slot is None
            or slot.therapist_id != therapist.id
            or not earliest <= slot.starts_at < latest
            or not monday <= day_at(slot.starts_at, therapist) < monday + timedelta(days=7)
        ):
            raise SlotUnavailable
        booked: list[Booking] = []
        gap = await _book_occurrence(
            session,
            item,
            therapist,
            day,
            slot.starts_at,
            slot.ends_at - slot.starts_at,
            rules,
            now,
            pay_each,
            booked,
        )
        if gap is Gap.client_busy:
            raise ClientBusy
        if gap is not None or not booked:
            raise SlotTaken
        booking = booked[0]
        item.calendar_sequence += 1  # the date is back in the calendar event, at its time
        if not pay_each:
            await tell_practice(session, "booked", booking.id, now)
    return booking


# -- moving "this and following" ---------------------------------------------------------

# A new time for "this and following" is at most this many days from the session's date,
# so every week keeps one session and no two weeks run into each other.
SHIFT_DAYS = 6


class ShiftRefused(Refused):
    """The new time is too far from the session's date to move the pattern, or is the
    pattern's own time."""

    def __init__(self) -> None:
        super().__init__("series-move-far", days=SHIFT_DAYS)


@dataclass(frozen=True)
class FollowingMove:
    """What moving "this and following" does to one session: its new slot, or why it stays
    at its time (a `Gap`, "beyond" the booking horizon, or "rules-<refusal>")."""

    booking: Booking
    slot: Slot | None
    why: str | None = None


@dataclass(frozen=True)
class ShiftPlan:
    series: Series
    therapist: Therapist
    first_day: date  # the new pattern's, in the therapist's zone
    wall_minute: int
    shift: timedelta  # from each old date to its new one
    moves: list[FollowingMove]  # "this" session first


def can_shift(series: Series, booking: Booking, starts_at: datetime, therapist: Therapist) -> bool:
    """Whether the regular time can move from this session to a time starting then: near
    enough to its date, and not the pattern's own time."""
    tz = zone(therapist.timezone)
    local = starts_at.astimezone(tz)
    shift = local.date() - _stands_for(booking, tz)
    moved = bool(shift) or local.hour * 60 + local.minute != series.wall_minute
    return abs(shift.days) <= SHIFT_DAYS and moved


def shifted(plan: ShiftPlan) -> Series:
    """The pattern after the move (not stored), for its description."""
    old = plan.series
    return Series(
        rhythm=old.rhythm, first_day=plan.first_day.isoformat(), wall_minute=plan.wall_minute
    )


async def plan_following(
    session: AsyncSession,
    *,
    client: User,
    booking_id: int,
    slot_id: int,
    rules: Rules,
    now: datetime,
) -> ShiftPlan:
    """Where each session from this one on would go if the regular time moved to the
    slot's weekday and time (the same rules as for moving one session, for each)."""
    series, sessions = await following(session, client, booking_id, now)
    if not sessions or sessions[0].id != booking_id:
        raise BookingGone  # it has started
    this = sessions[0]
    refusal = rules.can_reschedule(this.starts_at, this.reschedule_count, now)
    if refusal is not None:
        raise OutsideRules(refusal, rules)
    with told((SlotUnavailable, "book-taken")):  # the time is no longer among the free
        view = await check_bookable(session, slot_id, client, rules, now, format=this.format)
    therapist = view.therapist
    if therapist.id != this.therapist_id:
        raise SlotUnavailable("book-taken")
    if not can_shift(series, this, view.slot.starts_at, therapist):
        raise ShiftRefused
    tz = zone(therapist.timezone)
    local = view.slot.starts_at.astimezone(tz)
    shift = local.date() - _stands_for(this, tz)
    wall_minute = local.hour * 60 + local.minute
    moving = {booking.id for booking in sessions}
    busy = [
        (row.starts_at, row.ends_at)
        for row in await session.execute(
            select(Booking.id, Booking.starts_at, Booking.ends_at).where(
                Booking.client_id == client.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.ends_at > now,
            )
        )
        if row.id not in moving
    ]
    _earliest, latest = rules.booking_window(now)
    length = view.slot.ends_at - view.slot.starts_at
    wall = time(wall_minute // 60, wall_minute % 60)
    moves = [FollowingMove(this, view.slot)]
    for booking in sessions[1:]:
        refusal = rules.can_reschedule(booking.starts_at, booking.reschedule_count, now)
        if refusal is not None:
            moves.append(FollowingMove(booking, None, f"rules-{refusal.value}"))
            continue
        day = _stands_for(booking, tz) + shift
        target = local_instant(day, wall, tz)
        why: str | None
        slot = None
        if target is None:
            why = Gap.clock_gap
        elif target >= latest:
            why = "beyond"
        elif _overlaps(target, target + length, busy):
            why = Gap.client_busy
        else:
            slot, gap = await _slot_at(session, therapist, day, target, target + length)
            why = None if gap is None else str(gap)
        moves.append(FollowingMove(booking, slot, why))
    return ShiftPlan(series, therapist, local.date(), wall_minute, shift, moves)


@dataclass(frozen=True)
class MovedFollowing:
    old: Series
    new: Series
    moved: list[tuple[Booking, datetime]]  # each moved session and its old start
    stayed: list[FollowingMove]
    own_event: bool  # "this" has its own calendar event (the session the series began with)


async def move_following(
    session: AsyncSession,
    *,
    client: User,
    booking_id: int,
    slot_id: int,
    expected_moves: int,
    rules: Rules,
    now: datetime,
) -> MovedFollowing:
    """Move a regular time from this session on: the series ends here and a new one goes
    on at the new weekday and time; each session that can move is moved by the usual rules
    (and told to the therapist), the others stay at their time and their weeks are not
    booked again, nor are the weeks the client had cancelled. "This" session must move,
    or nothing changes."""
    async with use_case(session):
        plan = await plan_following(
            session, client=client, booking_id=booking_id, slot_id=slot_id, rules=rules, now=now
        )
        old, this = plan.series, plan.moves[0].booking
        if this.reschedule_count != expected_moves:
            raise Conflict
        tz = zone(plan.therapist.timezone)
        own_event = (await calendar_place(session, this)).recurrence_id is None
        # Its sessions leave it: the event's version keeps what they had raised.
        old.calendar_sequence = await series_sequence(session, old)
        await end_series(session, client.id, by=SeriesEnd.moved, now=now, series_id=old.id)
        start = plan.first_day
        new = Series(
            client_id=client.id,
            therapist_id=old.therapist_id,
            rhythm=old.rhythm,
            first_day=start.isoformat(),
            wall_minute=plan.wall_minute,
            format=old.format,
            created_at=now,
            paused_until=old.paused_until,
            calendar_from=(start + timedelta(weeks=old.rhythm) if own_event else start).isoformat(),
        )
        session.add(new)
        await session.flush()
        moved: list[tuple[Booking, datetime]] = []
        stayed: list[FollowingMove] = []
        for item in plan.moves:
            booking, was = item.booking, item.booking.starts_at
            if item.slot is not None and await _moved(session, booking, item.slot, rules, now):
                await session.execute(
                    update(Booking)
                    .where(Booking.id == booking.id)
                    .values(
                        series_id=new.id,
                        series_day=(_stands_for(booking, tz) + plan.shift).isoformat(),
                    )
                    .execution_options(synchronize_session=False)
                )
                moved.append((booking, was))
                continue
            if booking.id == this.id:
                raise SlotTaken
            stayed.append(item if item.slot is None else FollowingMove(booking, None, Gap.taken))
        # A week whose session stays, or that the client had cancelled, is not booked anew.
        cancelled = await session.scalars(
            select(Booking.series_day).where(
                Booking.series_id == old.id,
                Booking.status == BookingStatus.cancelled,
                Booking.series_day >= _stands_for(this, tz).isoformat(),
            )
        )
        skips = {
            (_stands_for(item.booking, tz) + plan.shift).isoformat(): "kept" for item in stayed
        }
        for day in cancelled:
            if day:
                skips[(date.fromisoformat(day) + plan.shift).isoformat()] = "cancelled"
        for day, reason in skips.items():
            session.add(SeriesSkip(series_id=new.id, day=day, reason=reason, created_at=now))
        await _tell_created(session, this.id, new.id, now)
        await session.flush()
    await session.refresh(old)
    await session.refresh(new)
    for booking, _ in moved:
        await session.refresh(booking)
    return MovedFollowing(old, new, moved, stayed, own_event)


async def _moved(
    session: AsyncSession, booking: Booking, slot: Slot, rules: Rules, now: datetime
) -> bool:
    """Move one session inside the caller's transaction; False (and nothing changed) when
    its new slot went or it changed meanwhile."""
    try:
        async with refusable(session):
            await move_within(session, booking, slot, rules=rules, now=now)
    except SlotTaken:
        return False
    except (Conflict, ClientBusy):
        # SQLite has no savepoint here: give back the slot the move had taken.
        await slot_states.release(session, slot.id, from_=(SlotStatus.booked, SlotStatus.held))
        return False
    return True


# -- reads -------------------------------------------------------------------------------


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
    active = sorted(await _active_series(session, client_id=client.id), key=lambda s: s.id)
    return [await view_of(session, item, now) for item in active]


async def series_of_booking(session: AsyncSession, booking: Booking) -> Series | None:
    """The active series an occurrence belongs to."""
    if booking.series_id is None:
        return None
    return await session.scalar(
        select(Series).where(Series.id == booking.series_id, Series.ended_at.is_(None))
    )


async def own_series(session: AsyncSession, client: User, series_id: int) -> Series | None:
    return await session.scalar(
        select(Series).where(Series.id == series_id, Series.client_id == client.id)
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
    target = local_instant(day, wall_time(series), tz) or local_instant(day, time(12), tz) or start
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
    free = [slot for slot in slots if not _overlaps(slot.starts_at, slot.ends_at, busy)]
    free.sort(key=lambda slot: (abs(slot.starts_at - target), slot.starts_at))
    return free[:ALTERNATIVES]


def first_moment(series: Series, therapist: Therapist) -> datetime:
    """The moment of the pattern's first date (for "Tuesdays, 19:00" in another zone)."""
    tz = zone(therapist.timezone)
    day = date.fromisoformat(series.first_day)
    moment = local_instant(day, wall_time(series), tz)
    while moment is None:  # the clocks skipped it that day: the next date tells the time
        day += timedelta(weeks=series.rhythm)
        moment = local_instant(day, wall_time(series), tz)
    return moment


def day_at(moment: datetime, therapist: Therapist) -> date:
    return moment.astimezone(zone(therapist.timezone)).date()


def later_dates(view: SeriesView, now: datetime, weeks: int) -> list[datetime]:
    """The series' moments in the next `weeks` that have no occurrence yet (kept for the
    client, booked as the horizon reaches them); pauses honoured."""
    series, therapist = view.series, view.therapist
    tz = zone(therapist.timezone)
    first = now.astimezone(tz).date()
    paused = date.fromisoformat(series.paused_until) if series.paused_until else None
    moments = []
    for day in pattern_days(series, first, first + timedelta(weeks=weeks)):
        if (paused is not None and day < paused) or day.isoformat() in view.days_known:
            continue
        moment = local_instant(day, wall_time(series), tz)
        if moment is not None and moment > now:
            moments.append(moment)
    return moments


# -- the calendar ------------------------------------------------------------------------


def calendar_start(series: Series) -> date:
    """The first date in the series' calendar event."""
    if series.calendar_from:
        return date.fromisoformat(series.calendar_from)
    return date.fromisoformat(series.first_day) + timedelta(weeks=series.rhythm)


def _stands_for(booking: Booking, tz: tzinfo) -> date:
    """The pattern date a session stands for (a paused one's, unmoved, is its own date)."""
    if booking.series_day:
        return date.fromisoformat(booking.series_day)
    return booking.starts_at.astimezone(tz).date()


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


async def calendar_place(session: AsyncSession, booking: Booking) -> CalendarPlace:
    series = await session.get(Series, booking.series_id) if booking.series_id else None
    if series is not None:
        therapist = await session.get(Therapist, series.therapist_id)
        assert therapist is not None
        tz = zone(therapist.timezone)
        day = _stands_for(booking, tz)
        moment = local_instant(day, wall_time(series), tz)
        if day >= calendar_start(series) and moment is not None:
            sequence = await series_sequence(session, series)
            return CalendarPlace(series_uid(series.id), sequence, moment, therapist.timezone)
    return CalendarPlace(booking_uid(booking.id), await calendar_sequence(session, booking))


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
    tz = zone(therapist.timezone)
    wall = wall_time(series)
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
    paused = date.fromisoformat(series.paused_until) if series.paused_until else None
    kept = [
        date.fromisoformat(day)
        for day, booking in sessions.items()
        if booking.status != BookingStatus.cancelled
    ]
    today = now.astimezone(tz).date()
    if series.ended_at is not None:
        end = max(kept, default=None)
    else:
        end = max([today, paused or today, *map(date.fromisoformat, [*sessions, *skipped])])
    excluded: list[datetime] = []
    moved: list[tuple[datetime, Booking]] = []
    for day in pattern_days(series, start, end or start):
        moment = local_instant(day, wall, tz)
        if moment is None:
            continue  # the clocks skip that time: there is no such instance
        booking = sessions.get(day.isoformat())
        if booking is None:
            lost = series.ended_at is not None or moment <= now
            if lost or day.isoformat() in skipped or (paused is not None and day < paused):
                excluded.append(moment)
        elif booking.status == BookingStatus.cancelled:
            excluded.append(moment)
        elif booking.starts_at != moment:
            moved.append((moment, booking))
    first = local_instant(start, wall, tz)
    while first is None:
        start += timedelta(weeks=series.rhythm)
        first = local_instant(start, wall, tz)
    last = None
    if end is not None and series.ended_at is not None:
        last = local_instant(end, wall, tz)
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
