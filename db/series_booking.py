"""Making a regular time and keeping it booked: the preview of its weeks, `create` (and,
with a therapist who confirms every booking, their `answer`), `fill` (the free-slots job
and a change of hours book what the horizon reaches), and a missed date taken at another
time of its week (`take_instead`). Every date is booked through `bookings.place`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.rules.policy import Rules
from bot.rules.series import (
    FreeSlot,
    Gap,
    Occurrence,
    Rhythm,
    TherapistTimes,
    overlaps,
    plan,
)
from bot.rules.timezones import zone
from db import events, schedule
from db.bookings import (
    BookingGone,
    ClientBusy,
    Conflict,
    Draft,
    SlotTaken,
    SlotUnavailable,
    end_series,
    place,
)
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Approval,
    Booking,
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
from db.series import (
    active_series,
    anchor_of,
    has_occurrence,
    own_series,
    pattern_of,
    startable,
)
from db.transactions import refusable, use_case


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
        s for s in await active_series(session, therapist_id=therapist.id) if s.id != leave_out
    ]
    ahead = [
        taken
        for other in others
        for taken in pattern_of(other, therapist.timezone).projected(length, horizon_end, end)
    ]
    taken |= {moment for moment, _ in ahead}
    known = {slot.starts_at for slot in slots}
    hours = await schedule.template(session, therapist, horizon_end, end)
    virtual = -1
    for starts_at, ends_at in hours.sessions:
        if starts_at in known or overlaps(starts_at, ends_at, ahead):
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
    own = [s for s in await active_series(session, client_id=client_id) if s.id != leave_out]
    for other in own:
        other_therapist = await session.get(Therapist, other.therapist_id)
        if other_therapist is None:
            continue
        busy += pattern_of(other, other_therapist.timezone).projected(
            timedelta(minutes=other_therapist.session_minutes), horizon_end, end
        )
    free.sort(key=lambda slot: slot.starts_at)
    return TherapistTimes(
        free=free, taken=frozenset(taken), days_off=hours.days_off, client_busy=busy
    )


@dataclass(frozen=True)
class Preview:
    booking: Booking  # the first occurrence
    rhythm: Rhythm
    occurrences: list[Occurrence]  # the ones after it
    horizon_end: datetime  # an occurrence from here on is kept, and booked nearer the time


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
    awaiting: bool = False  # the therapist is asked first; nothing more is booked yet


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
    told once. With a therapist who confirms every booking, the therapist is asked
    instead and nothing more is booked until they agree (`answer`). Raises SeriesRefused
    when the session already is part of a series."""
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
        awaiting = therapist.approval == Approval.every
        if awaiting:
            series.approval_asked_at = now
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
        if awaiting:
            asked = events.SeriesAsked(booking_id=booking.id, series_id=series.id)
            await notify(session, asked, now)
            booked: list[Booking] = []
            missed: list[SeriesSkip] = []
        else:
            # The client sees what was booked and missed on the screen that made it.
            booked, missed = await fill_one(
                session, series, therapist, rules, now, pay_each=pay_each, tell=False
            )
            await tell_created(session, booking.id, series.id, now)
    await session.refresh(series)
    return Made(series, booked, missed, awaiting)


async def answer(
    session: AsyncSession,
    *,
    therapist_id: int,
    series_id: int,
    agreed: bool,
    rules: Rules,
    now: datetime,
    pay_each: bool,
) -> Made:
    """The therapist's answer to a regular time they were asked to agree to: on a yes its
    dates up to the horizon are booked (a date that cannot be had is told as usual) and
    the client and the practice's group hear of it; on a no it ends (the session it was
    made from stays) and the client is told. Raises BookingGone when it is not this
    therapist's, or was answered or ended meanwhile."""
    async with use_case(session):
        series = await session.get(Series, series_id)
        if series is None or series.therapist_id != therapist_id:
            raise BookingGone("tseries-gone")
        asked = await session.execute(
            update(Series)
            .where(
                Series.id == series_id,
                Series.approval_asked_at.is_not(None),
                Series.ended_at.is_(None),
            )
            .values(approval_asked_at=None)
            .execution_options(synchronize_session=False)
        )
        if asked.rowcount != 1:  # type: ignore[attr-defined]
            raise BookingGone("tseries-gone")
        set_committed_value(series, "approval_asked_at", None)
        anchor = await anchor_of(session, series)
        booked: list[Booking] = []
        missed: list[SeriesSkip] = []
        if agreed:
            therapist = await session.get(Therapist, therapist_id)
            assert therapist is not None
            booked, missed = await fill_one(
                session, series, therapist, rules, now, pay_each=pay_each
            )
            await notify(
                session, events.SeriesApproved(booking_id=anchor, series_id=series.id), now
            )
            if anchor is not None:
                created = events.SeriesCreated(
                    recipient=To.group, booking_id=anchor, series_id=series.id
                )
                await notify(session, created, now)
        else:
            await end_series(
                session, series.client_id, by=SeriesEnd.declined, now=now, series_id=series.id
            )
    await session.refresh(series)
    return Made(series, booked, missed)


async def fill_one(
    session: AsyncSession,
    series: Series,
    therapist: Therapist,
    rules: Rules,
    now: datetime,
    *,
    pay_each: bool,
    tell: bool = True,
    resumed: bool = False,
) -> tuple[list[Booking], list[SeriesSkip]]:
    """Book the series' dates from the earliest bookable moment to the horizon that have
    neither an occurrence nor a recorded miss; a date that cannot be had is recorded and
    told. Inside the caller's transaction. Nothing while the therapist has not agreed to
    the series yet."""
    if series.approval_asked_at is not None:
        return [], []
    pattern = pattern_of(series, therapist.timezone)
    earliest, latest = rules.booking_window(now)
    length = timedelta(minutes=therapist.session_minutes)
    booked: list[Booking] = []
    missed: list[SeriesSkip] = []
    for day in pattern.days(pattern.day_of(earliest), pattern.day_of(latest)):
        if pattern.paused_on(day):
            continue
        starts_at = pattern.moment(day)
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
        anchor = await anchor_of(session, series)
        for recipient in events.CLIENT_AND_THERAPIST:
            missed_event = events.SeriesMissed(
                recipient=recipient,
                booking_id=anchor,
                series_id=series.id,
                day=day,
                reason=gap,
                resumed=resumed,
            )
            await notify(session, missed_event, now)
    return booked, missed


async def tell_created(
    session: AsyncSession, booking_id: int, series_id: int, now: datetime
) -> None:
    """The therapist and the practice's chat hear of a new regular time."""
    for recipient in events.PRACTICE:
        await notify(
            session,
            events.SeriesCreated(recipient=recipient, booking_id=booking_id, series_id=series_id),
            now,
        )


async def slot_at(
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
    *,
    tells_practice: bool = False,
) -> Gap | None:
    """Book one date of the series (`bookings.place`); the reason when it cannot be had.
    `tells_practice`: the therapist and the group hear of it as of any booking (a date
    the client took at another time), not only of the series once."""
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
    slot, gap = await slot_at(session, therapist, day, starts_at, ends_at)
    if slot is None:
        taken = gap is Gap.taken
        # Another process filling the same series at once may have just booked it.
        return None if taken and await has_occurrence(session, series, day) else gap
    draft = Draft(
        client_id=series.client_id,
        therapist_id=therapist.id,
        slot_id=slot.id,
        starts_at=starts_at,
        ends_at=ends_at,
        format=series.format,
        price=therapist.price,
        status=BookingStatus.pending_payment if pay_each else BookingStatus.confirmed,
        hold_expires_at=rules.pay_by(starts_at, now) if pay_each else None,
        series_id=series.id,
        series_day=day.isoformat(),
        credit=False if pay_each else None,  # each date drawn from a package first
        ends_wait=False,
        counted=False,
        tells_practice=tells_practice,
    )
    try:
        async with refusable(session):
            booking = await place(session, draft, rules=rules, now=now)
    except (SlotTaken, ClientBusy) as refused:
        # Another process filling the same series at once may have just booked it.
        if await has_occurrence(session, series, day):
            return None
        return Gap.client_busy if isinstance(refused, ClientBusy) else Gap.taken
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
    for series in await active_series(session, therapist_id=therapist_id):
        therapist = await session.get(Therapist, series.therapist_id)
        if therapist is None:
            continue
        done, skipped = await fill_one(session, series, therapist, rules, now, pay_each=pay_each)
        booked += len(done)
        missed += len(skipped)
    return booked, missed


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
        if await has_occurrence(session, item, day):
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
            or not monday
            <= pattern_of(item, therapist.timezone).day_of(slot.starts_at)
            < monday + timedelta(days=7)
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
            tells_practice=True,
        )
        if gap is Gap.client_busy:
            raise ClientBusy
        if gap is not None or not booked:
            raise SlotTaken
        booking = booked[0]
        item.calendar_sequence += 1  # the date is back in the calendar event, at its time
    return booking
