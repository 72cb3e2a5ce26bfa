"""A therapist's working time: weekly windows, days off, the free slots they generate, the
agenda of booked sessions, and marking how a session went."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.availability import WeeklyWindow, generate_slot_starts
from bot.rules.refusals import Refused
from bot.rules.timezones import zone
from db import waitlist
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    AvailabilityRule,
    Booking,
    BookingStatus,
    Slot,
    SlotStatus,
    Therapist,
    TherapistInvite,
    TimeOff,
    User,
)

# -- linking -----------------------------------------------------------------------------


class LinkRefused(Refused):
    """The reason is the class: the code is unknown, used or expired; or the account is
    already linked to another profile."""


class InviteInvalid(LinkRefused):
    key = "invite-invalid"


class AlreadyLinked(LinkRefused):
    key = "invite-taken"


async def link_by_invite(
    session: AsyncSession, code: str, telegram_id: int, language: str, now: datetime
) -> Therapist:
    """Use a one-time code: the code is spent and the account linked together, or neither.
    The therapist reads the bot in `language` (their Telegram language) until they choose."""
    therapist_id = await session.scalar(
        update(TherapistInvite)
        .where(
            TherapistInvite.code == code,
            TherapistInvite.used_at.is_(None),
            TherapistInvite.expires_at > now,
        )
        .values(used_at=now)
        .returning(TherapistInvite.therapist_id)
    )
    if therapist_id is None:
        await session.rollback()
        raise InviteInvalid
    try:
        linked = await session.execute(
            update(Therapist)
            .where(
                Therapist.id == therapist_id,
                Therapist.telegram_id.is_(None) | (Therapist.telegram_id == telegram_id),
            )
            .values(telegram_id=telegram_id, language=language)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError as error:  # this account already belongs to another profile
        await session.rollback()
        raise AlreadyLinked from error
    if linked.rowcount != 1:  # type: ignore[attr-defined]
        # The profile is linked to someone else: the code is not spent.
        await session.rollback()
        raise AlreadyLinked
    await session.commit()
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    await session.refresh(therapist)
    return therapist


async def set_language(session: AsyncSession, therapist_id: int, language: str) -> None:
    """The language the therapist reads the bot in (notices, reminders, their screens)."""
    await session.execute(
        update(Therapist).where(Therapist.id == therapist_id).values(language=language)
    )
    await session.commit()


async def linked_therapists(session: AsyncSession) -> list[Therapist]:
    return list(await session.scalars(select(Therapist).where(Therapist.telegram_id.is_not(None))))


# -- availability ------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    rules: list[AvailabilityRule]
    time_off: list[TimeOff]


async def availability_of(session: AsyncSession, therapist_id: int) -> Availability:
    rules = await session.scalars(
        select(AvailabilityRule)
        .where(AvailabilityRule.therapist_id == therapist_id)
        .order_by(AvailabilityRule.weekday, AvailabilityRule.start_minute)
    )
    time_off = await session.scalars(
        select(TimeOff).where(TimeOff.therapist_id == therapist_id).order_by(TimeOff.starts_on)
    )
    return Availability(list(rules), list(time_off))


def overlaps_window(rules: Iterable[AvailabilityRule], window: WeeklyWindow) -> bool:
    return any(
        rule.weekday == window.weekday
        and rule.start_minute < window.end_minute
        and window.start_minute < rule.end_minute
        for rule in rules
    )


async def add_window(
    session: AsyncSession, therapist_id: int, window: WeeklyWindow, break_minutes: int
) -> None:
    """Add a weekly window (check `overlaps_window` first); flushes, `sync_free_slots`
    commits."""
    session.add(
        AvailabilityRule(
            therapist_id=therapist_id,
            weekday=window.weekday,
            start_minute=window.start_minute,
            end_minute=window.end_minute,
            break_minutes=break_minutes,
        )
    )
    await session.flush()


async def remove_window(session: AsyncSession, therapist_id: int, rule_id: int) -> bool:
    result = await session.execute(
        delete(AvailabilityRule).where(
            AvailabilityRule.id == rule_id, AvailabilityRule.therapist_id == therapist_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_session_format(
    session: AsyncSession, therapist_id: int, *, minutes: int | None, break_minutes: int | None
) -> None:
    if minutes is not None:
        await session.execute(
            update(Therapist).where(Therapist.id == therapist_id).values(session_minutes=minutes)
        )
    if break_minutes is not None:
        await session.execute(
            update(AvailabilityRule)
            .where(AvailabilityRule.therapist_id == therapist_id)
            .values(break_minutes=break_minutes)
        )
    await session.flush()


async def add_time_off(session: AsyncSession, therapist_id: int, first: date, last: date) -> None:
    session.add(
        TimeOff(therapist_id=therapist_id, starts_on=first.isoformat(), ends_on=last.isoformat())
    )
    await session.flush()


async def remove_time_off(session: AsyncSession, therapist_id: int, time_off_id: int) -> bool:
    result = await session.execute(
        delete(TimeOff).where(TimeOff.id == time_off_id, TimeOff.therapist_id == therapist_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- free slots --------------------------------------------------------------------------


@dataclass
class SlotSync:
    added: int = 0
    removed: int = 0
    # Booked sessions that now fall outside the working time or on a day off: the therapist
    # handles them (they are never cancelled silently).
    outside: list[Booking] = field(default_factory=list)


def _generated(
    therapist: Therapist | Hours,
    rules: list[AvailabilityRule],
    days_off: list[tuple[date, date]],
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    by_break: dict[int, list[WeeklyWindow]] = defaultdict(list)
    for rule in rules:
        by_break[rule.break_minutes].append(
            WeeklyWindow(rule.weekday, rule.start_minute, rule.end_minute)
        )
    generated: list[tuple[datetime, datetime]] = []
    for break_minutes, windows in by_break.items():
        generated += generate_slot_starts(
            windows,
            session_minutes=therapist.session_minutes,
            break_minutes=break_minutes,
            tz=zone(therapist.timezone),
            days_off=days_off,
            start=start,
            end=end,
        )
    return sorted(generated)


def _periods(time_off: Iterable[TimeOff]) -> list[tuple[date, date]]:
    return [(date.fromisoformat(t.starts_on), date.fromisoformat(t.ends_on)) for t in time_off]


@dataclass(frozen=True)
class Template:
    """The sessions a therapist's weekly hours give between two moments (whether or not
    slots exist for them yet), and their days off."""

    sessions: list[tuple[datetime, datetime]]
    days_off: list[tuple[date, date]]


async def template(
    session: AsyncSession, therapist: Therapist, start: datetime, end: datetime
) -> Template:
    availability = await availability_of(session, therapist.id)
    days_off = _periods(availability.time_off)
    return Template(_generated(therapist, availability.rules, days_off, start, end), days_off)


# Therapists whose slots one step of `ensure_future_slots` reads and writes: the job at
# start reads a few thousand slot rows at a time, not every slot of the catalogue at once
# (which once took the process's memory from 300 to 650 MiB for a moment, and left it
# some 40 MiB larger for good).
FILL_CHUNK = 250


async def ensure_future_slots(
    session: AsyncSession,
    *,
    now: datetime,
    horizon_days: int,
    therapist_ids: Iterable[int] | None = None,
) -> int:
    """Add the free slots missing between ``now`` and ``now + horizon_days`` for every
    active therapist with availability rules (or only for ``therapist_ids``): the daily
    job that keeps the horizon filled as days pass.

    A generated slot is skipped when any slot of the therapist already overlaps it, whatever
    its status, so booked, held and blocked times stay as they are. Flushes, does not commit.
    Returns how many slots were added.
    """
    query = (
        select(Therapist.id, Therapist.session_minutes, Therapist.timezone)
        .where(Therapist.active.is_(True))
        .order_by(Therapist.id)
    )
    if therapist_ids is not None:
        query = query.where(Therapist.id.in_(list(therapist_ids)))
    therapists = [Hours(*row) for row in await session.execute(query)]
    added = 0
    for start in range(0, len(therapists), FILL_CHUNK):
        added += await _fill(session, therapists[start : start + FILL_CHUNK], now, horizon_days)
    return added


@dataclass(frozen=True, slots=True)
class Hours:
    """What generating a therapist's slots needs of their row."""

    id: int
    session_minutes: int
    timezone: str


async def _fill(
    session: AsyncSession, therapists: list[Hours], now: datetime, horizon_days: int
) -> int:
    end = now + timedelta(days=horizon_days)
    ids = [therapist.id for therapist in therapists]
    rules: dict[int, list[AvailabilityRule]] = defaultdict(list)
    for rule in await session.scalars(
        select(AvailabilityRule).where(AvailabilityRule.therapist_id.in_(ids))
    ):
        rules[rule.therapist_id].append(rule)
    if not rules:
        return 0
    days_off: dict[int, list[TimeOff]] = defaultdict(list)
    for period in await session.scalars(select(TimeOff).where(TimeOff.therapist_id.in_(ids))):
        days_off[period.therapist_id].append(period)
    # Sessions last at most a few hours, so a day of margin catches every possible overlap.
    busy: dict[int, Occupied] = defaultdict(Occupied)
    taken = await session.execute(
        select(Slot.therapist_id, Slot.starts_at, Slot.ends_at).where(
            Slot.therapist_id.in_(list(rules)),
            Slot.ends_at > now,
            Slot.starts_at < end + timedelta(days=1),
        )
    )
    for therapist_id, starts_at, ends_at in taken:
        busy[therapist_id].add(starts_at, ends_at)

    added = 0
    for therapist in therapists:
        if therapist.id not in rules:
            continue
        occupied = busy[therapist.id]
        generated = _generated(
            therapist, rules[therapist.id], _periods(days_off[therapist.id]), now, end
        )
        for starts_at, ends_at in generated:
            if occupied.overlaps(starts_at, ends_at):
                continue
            session.add(
                Slot(
                    therapist_id=therapist.id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    status=SlotStatus.free,
                )
            )
            occupied.add(starts_at, ends_at)
            added += 1
    await session.flush()
    return added


class Occupied:
    """A therapist's taken times, sorted by start: whether a new one overlaps any of them
    is found by bisection, not by comparing it with each."""

    __slots__ = ("_longest", "_spans", "_starts")

    def __init__(self) -> None:
        self._starts: list[datetime] = []
        self._spans: list[tuple[datetime, datetime]] = []
        self._longest = timedelta(0)

    def add(self, starts_at: datetime, ends_at: datetime) -> None:
        at = bisect.bisect_right(self._starts, starts_at)
        self._starts.insert(at, starts_at)
        self._spans.insert(at, (starts_at, ends_at))
        self._longest = max(self._longest, ends_at - starts_at)

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        # Those starting before `ends_at`, latest first, back to where none can reach
        # `starts_at` any more (none is longer than the longest).
        at = bisect.bisect_left(self._starts, ends_at) - 1
        while at >= 0:
            start, stop = self._spans[at]
            if start + self._longest <= starts_at:
                return False
            if start < ends_at and starts_at < stop:
                return True
            at -= 1
        return False


async def sync_free_slots(
    session: AsyncSession,
    therapist: Therapist,
    *,
    now: datetime,
    horizon_days: int,
    then: Callable[[AsyncSession], Awaitable[object]] | None = None,
) -> SlotSync:
    """After the template or the days off changed: free slots that no longer fit are
    removed, missing ones added, and booked sessions that no longer fit are reported.
    `then` runs in the same transaction once the slots are added (the regular times take
    their dates among them before anyone else can). Commits."""
    end = now + timedelta(days=horizon_days)
    availability = await availability_of(session, therapist.id)
    days_off = _periods(availability.time_off)
    wanted = set(_generated(therapist, availability.rules, days_off, now, end))
    report = SlotSync()
    stale = [
        slot.id
        for slot in await session.scalars(
            select(Slot).where(
                Slot.therapist_id == therapist.id,
                Slot.status.in_((SlotStatus.free, SlotStatus.offered)),
                Slot.starts_at >= now,
            )
        )
        if (slot.starts_at, slot.ends_at) not in wanted
    ]
    if stale:
        # A time offered to a waiting client goes too: the offer is void.
        await waitlist.void_offers_of_slots(session, stale, now)
        await session.execute(
            delete(Slot).where(Slot.id.in_(stale), Slot.status == SlotStatus.free)
        )
        report.removed = len(stale)
    report.added = await ensure_future_slots(
        session, now=now, horizon_days=horizon_days, therapist_ids=[therapist.id]
    )
    if then is not None:
        await then(session)
    tz = zone(therapist.timezone)
    for booking in await session.scalars(
        select(Booking)
        .where(
            Booking.therapist_id == therapist.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at >= now,
            # A group's meetings are set on purpose, outside the weekly hours or not.
            Booking.group_date_id.is_(None),
        )
        .order_by(Booking.starts_at)
    ):
        day = booking.starts_at.astimezone(tz).date()
        on_day_off = any(first <= day <= last for first, last in days_off)
        if on_day_off or not _inside_rules(booking, availability.rules, tz):
            report.outside.append(booking)
    await session.commit()
    return report


def _inside_rules(booking: Booking, rules: list[AvailabilityRule], tz: tzinfo) -> bool:
    start, end = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
    begin_minute = start.hour * 60 + start.minute
    end_minute = begin_minute + int((end - start).total_seconds() // 60)
    return any(
        rule.weekday == start.weekday()
        and rule.start_minute <= begin_minute
        and end_minute <= rule.end_minute
        for rule in rules
    )


# -- agenda and outcomes -----------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    booking: Booking
    client_name: str | None


async def agenda(
    session: AsyncSession, therapist_id: int, start: datetime, end: datetime
) -> list[AgendaItem]:
    """Sessions (not cancelled) between start and end, with the client's chosen name."""
    rows = await session.execute(
        select(Booking, User.first_name)
        .join(User, User.id == Booking.client_id)
        .where(
            Booking.therapist_id == therapist_id,
            Booking.status != BookingStatus.cancelled,
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .order_by(Booking.starts_at)
    )
    return [AgendaItem(booking, name) for booking, name in rows.all()]


async def free_slot_starts(
    session: AsyncSession, therapist_id: int, start: datetime, end: datetime
) -> list[datetime]:
    """Starts of the free slots between start and end."""
    result = await session.scalars(
        select(Slot.starts_at)
        .where(
            Slot.therapist_id == therapist_id,
            Slot.status == SlotStatus.free,
            Slot.starts_at >= start,
            Slot.starts_at < end,
        )
        .order_by(Slot.starts_at)
    )
    return list(result)


@dataclass(frozen=True)
class ClientSummary:
    client_id: int
    first_name: str | None
    last_start: datetime
    next_start: datetime | None


async def clients_of(
    session: AsyncSession, therapist_id: int, now: datetime
) -> list[ClientSummary]:
    """Everyone who has or had a session with the therapist (erased people excluded)."""
    rows = await session.execute(
        select(Booking.client_id, User.first_name, Booking.starts_at, Booking.status)
        .join(User, User.id == Booking.client_id)
        .where(Booking.therapist_id == therapist_id, User.deleted_at.is_(None))
        .order_by(Booking.starts_at)
    )
    names: dict[int, str | None] = {}
    last: dict[int, datetime] = {}
    upcoming: dict[int, datetime] = {}
    for client_id, first_name, starts_at, status in rows.all():
        names[client_id] = first_name
        last[client_id] = starts_at
        if starts_at > now and status in ACTIVE_BOOKING_STATUSES and client_id not in upcoming:
            upcoming[client_id] = starts_at
    return [
        ClientSummary(client_id, names[client_id], last[client_id], upcoming.get(client_id))
        for client_id in sorted(names, key=lambda cid: (names[cid] or "").lower())
    ]
