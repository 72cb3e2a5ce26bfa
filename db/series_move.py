"""Moving a regular time from one of its sessions on ("this and following"): where each
session would go, and the move itself (the series ends as `moved` and a new one goes on at
the new weekday and time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.pattern import SHIFT_DAYS
from bot.rules.policy import Rules
from bot.rules.refusals import Refused
from bot.rules.series import (
    Gap,
    overlaps,
)
from bot.rules.timezones import zone
from db.bookings import (
    BookingGone,
    ClientBusy,
    Conflict,
    SlotTaken,
    end_series,
    move_target,
    move_within,
)
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Series,
    SeriesEnd,
    SeriesSkip,
    Slot,
    Therapist,
    User,
)
from db.series import following, pattern_of, stands_for
from db.series_booking import slot_at, tell_created
from db.series_calendar import calendar_place, series_sequence
from db.transactions import refusable, use_case


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
    pattern = pattern_of(series, therapist.timezone)
    return pattern.can_shift(stands_for(booking, pattern.tz), starts_at)


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
    view = await move_target(session, this, slot_id, client, rules, now)
    therapist = view.therapist
    pattern = pattern_of(series, therapist.timezone)
    tz = pattern.tz
    if not pattern.can_shift(stands_for(this, tz), view.slot.starts_at):
        raise ShiftRefused
    new = pattern.shifted(view.slot.starts_at)
    shift = pattern.shift_to(stands_for(this, tz), view.slot.starts_at)
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
    moves = [FollowingMove(this, view.slot)]
    for booking in sessions[1:]:
        refusal = rules.can_reschedule(booking.starts_at, booking.reschedule_count, now)
        if refusal is not None:
            moves.append(FollowingMove(booking, None, f"rules-{refusal.value}"))
            continue
        day = stands_for(booking, tz) + shift
        target = new.moment(day)
        why: str | None
        slot = None
        if target is None:
            why = Gap.clock_gap
        elif target >= latest:
            why = "beyond"
        elif overlaps(target, target + length, busy):
            why = Gap.client_busy
        else:
            slot, gap = await slot_at(session, therapist, day, target, target + length)
            why = None if gap is None else str(gap)
        moves.append(FollowingMove(booking, slot, why))
    return ShiftPlan(series, therapist, new.first_day, new.wall_minute, shift, moves)


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
            approval_asked_at=old.approval_asked_at,
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
                        series_day=(stands_for(booking, tz) + plan.shift).isoformat(),
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
                Booking.series_day >= stands_for(this, tz).isoformat(),
            )
        )
        skips = {(stands_for(item.booking, tz) + plan.shift).isoformat(): "kept" for item in stayed}
        for day in cancelled:
            if day:
                skips[(date.fromisoformat(day) + plan.shift).isoformat()] = "cancelled"
        for day, reason in skips.items():
            session.add(SeriesSkip(series_id=new.id, day=day, reason=reason, created_at=now))
        await tell_created(session, this.id, new.id, now)
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
    except (SlotTaken, Conflict, ClientBusy):
        return False  # the savepoint undid what the move had done
    return True
