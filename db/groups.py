"""Group sessions: a therapist's group meets on dates, and each date has seats.

A group (`Group`) is made by an admin or by its therapist, with its title, description,
topics, capacity (2 to 15), price per seat and length; it meets on single dates or weekly
(`add_dates`). A date takes the therapist's time with a slot of status `group` (free
slots in the way are removed; a session or another date in the way refuses it), and
counts its seats (`db.seats`). A seat is a booking naming its date (`Booking.group_date_id`)
and takes the booking's paths: the payment hold and its invoice, reminders, calendar
files, cancelling and its refund. It is never moved and never paid from a package.

Clients see the open groups that share a topic of their questionnaire and fit their
budget, with "N of M seats taken", never who took them. A full date has a waiting list; a
seat that comes free is offered to the first one waiting (`db.seats`), who takes it like
any seat. The therapist sees each date's members, may write to all of them (each gets it
from the therapist, through the relay), and may cancel a date: every member's seat is
cancelled by the practice's rules (a paid seat refunded in full, through the outbox) and
the ones waiting are told. Each change is a use case that owns its transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from bot.rules.policy import Rules
from bot.rules.refusals import Refused
from db import audit, bookings, events, outbox, reminders, seats, slot_states, waitlist
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Group,
    GroupDate,
    GroupWait,
    GroupWaitStatus,
    Questionnaire,
    Slot,
    SlotStatus,
    Therapist,
    Topic,
    User,
)
from db.transactions import insert_unless_refused, refused_by_database, use_case
from db.users import record_event

FORMAT = "group"  # a seat's booking format
OPEN_WAIT = (GroupWaitStatus.waiting, GroupWaitStatus.offered)
MAX_DATES = 26  # dates added at once (half a year of weekly meetings)


class GroupGone(Refused):
    """Unknown, closed, its therapist inactive, or the date cancelled or past."""

    key = "group-gone"


class GroupFull(Refused):
    key = "group-full"


class AlreadySeated(Refused):
    key = "group-already-seated"


class SeatsLeft(Refused):
    """Waiting for a date that still has seats: book one instead."""

    key = "group-seats-left"


class TimeTaken(Refused):
    """A session or another group's date is in the therapist's way then."""

    key = "group-time-taken"


class OfferGone(Refused):
    key = "group-offer-gone"


# -- the catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupDraft:
    therapist_id: int
    title: str
    capacity: int
    price: int
    minutes: int
    description: str = ""
    topics: tuple[str, ...] = ()


async def create(
    session: AsyncSession, draft: GroupDraft, *, actor: int | None, now: datetime
) -> Group:
    """A new group (no dates yet), audited."""
    async with use_case(session):
        group = Group(
            therapist_id=draft.therapist_id,
            title=draft.title,
            description=draft.description,
            topics=list(draft.topics),
            capacity=draft.capacity,
            price=draft.price,
            minutes=draft.minutes,
            created_at=now,
        )
        session.add(group)
        await session.flush()
        audit.add(
            session,
            actor=actor,
            action="group.create",
            target=f"group:{group.id}",
            details={"therapist": draft.therapist_id, "capacity": draft.capacity},
            now=now,
        )
    return group


async def get(
    session: AsyncSession, group_id: int, *, therapist_id: int | None = None
) -> Group | None:
    """A group; with `therapist_id`, only when it is that therapist's."""
    group = await session.get(Group, group_id)
    if group is None or (therapist_id is not None and group.therapist_id != therapist_id):
        return None
    return group


async def listed(session: AsyncSession, *, therapist_id: int | None = None) -> list[Group]:
    """The open groups (of one therapist, when given), newest last."""
    query = select(Group).where(Group.closed_at.is_(None)).order_by(Group.id)
    if therapist_id is not None:
        query = query.where(Group.therapist_id == therapist_id)
    return list(await session.scalars(query))


def weekly(first: datetime, weeks: int) -> list[datetime]:
    """The starts of `weeks` weekly meetings from `first`, an aware time in the
    therapist's zone: the same wall time each week, across a change of clock."""
    return [(first + timedelta(weeks=n)).astimezone(UTC) for n in range(weeks)]


async def add_dates(
    session: AsyncSession, group: Group, starts: list[datetime], *, actor: int | None, now: datetime
) -> list[GroupDate]:
    """The group meets at each of `starts` (all or none): each takes the therapist's time
    with a `group` slot. Raises TimeTaken when a session, a held or requested time, or
    another date is in the way, and GroupGone for a time already past."""
    if not starts or len(starts) > MAX_DATES:
        raise GroupGone
    added: list[GroupDate] = []
    async with use_case(session):
        for start in sorted(starts):
            if start <= now:
                raise GroupGone
            end = start + timedelta(minutes=group.minutes)
            in_the_way = list(
                await session.execute(
                    select(Slot.id, Slot.status).where(
                        Slot.therapist_id == group.therapist_id,
                        Slot.starts_at < end,
                        Slot.ends_at > start,
                    )
                )
            )
            if any(status not in (SlotStatus.free, SlotStatus.offered) for _, status in in_the_way):
                raise TimeTaken
            free = [slot_id for slot_id, _ in in_the_way]
            if free:
                # A time offered to a waiting client goes too: the offer is void.
                await waitlist.void_offers_of_slots(session, free, now)
                await session.execute(
                    delete(Slot).where(Slot.id.in_(free), Slot.status == SlotStatus.free)
                )
            # A time taken meanwhile (another command, a booking) is refused by the
            # therapist's overlap guard: the same answer as one seen above.
            slot_id = await insert_unless_refused(
                session,
                insert(Slot)
                .values(
                    therapist_id=group.therapist_id,
                    starts_at=start,
                    ends_at=end,
                    status=SlotStatus.group,
                )
                .returning(Slot.id),
            )
            if slot_id is None:
                raise TimeTaken
            date = GroupDate(
                group_id=group.id,
                slot_id=slot_id,
                starts_at=start,
                ends_at=end,
                capacity=group.capacity,
                taken=0,
            )
            session.add(date)
            added.append(date)
        await session.flush()
        audit.add(
            session,
            actor=actor,
            action="group.dates",
            target=f"group:{group.id}",
            details={"dates": len(added)},
            now=now,
        )
    return added


async def describe(
    session: AsyncSession,
    group: Group,
    *,
    about: str | None = None,
    topics: list[str] | None = None,
    actor: int | None,
    now: datetime,
) -> None:
    """What the group is about, or whom it is shown to (topic codes), audited."""
    values: dict[str, Any] = {}
    if about is not None:
        values["description"] = about
    if topics is not None:
        values["topics"] = topics
    async with use_case(session):
        await session.execute(
            update(Group)
            .where(Group.id == group.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        audit.add(
            session,
            actor=actor,
            action="group.describe",
            target=f"group:{group.id}",
            details={"fields": sorted(values)},
            now=now,
        )
    await session.refresh(group)


async def close(session: AsyncSession, group: Group, *, actor: int | None, now: datetime) -> bool:
    """No new seats are offered; dates already booked stay. False when closed already."""
    async with use_case(session):
        closed = await session.execute(
            update(Group)
            .where(Group.id == group.id, Group.closed_at.is_(None))
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if closed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        audit.add(session, actor=actor, action="group.close", target=f"group:{group.id}", now=now)
    return True


# -- what clients see -------------------------------------------------------------------------


@dataclass(frozen=True)
class DateView:
    id: int
    starts_at: datetime
    ends_at: datetime
    taken: int
    capacity: int

    @property
    def full(self) -> bool:
        return self.taken >= self.capacity


@dataclass
class GroupView:
    group: Group
    therapist: Therapist
    dates: list[DateView] = field(default_factory=list)


def fits(group: Group, questionnaire: Questionnaire | None) -> bool:
    """A group for this client: it shares one of their topics (one without topics is for
    anyone) and its seat is within their budget."""
    if questionnaire is None:
        return False
    if group.topics and not set(group.topics) & set(questionnaire.topics or ()):
        return False
    return questionnaire.budget is None or group.price <= questionnaire.budget


def _upcoming(rules: Rules, now: datetime) -> Any:
    earliest, latest = rules.booking_window(now)
    return and_(
        GroupDate.cancelled_at.is_(None),
        GroupDate.starts_at >= earliest,
        GroupDate.starts_at <= latest,
    )


async def views(
    session: AsyncSession,
    *,
    rules: Rules,
    now: datetime,
    group_id: int | None = None,
    therapist_id: int | None = None,
) -> list[GroupView]:
    """Open groups of active therapists with their dates that can still be booked (of one
    group, or one therapist, when given), in one read; groups without such dates left out."""
    query = (
        select(Group, Therapist, GroupDate)
        .join(Therapist, Therapist.id == Group.therapist_id)
        .join(GroupDate, and_(GroupDate.group_id == Group.id, _upcoming(rules, now)))
        .where(Group.closed_at.is_(None), Therapist.active.is_(True))
        .order_by(Group.id, GroupDate.starts_at)
    )
    if group_id is not None:
        query = query.where(Group.id == group_id)
    if therapist_id is not None:
        query = query.where(Group.therapist_id == therapist_id)
    found: dict[int, GroupView] = {}
    for group, therapist, date in await session.execute(query):
        view = found.setdefault(group.id, GroupView(group, therapist))
        view.dates.append(
            DateView(date.id, date.starts_at, date.ends_at, date.taken, date.capacity)
        )
    return list(found.values())


async def fitting(
    session: AsyncSession, client: User, *, rules: Rules, now: datetime
) -> list[GroupView]:
    """The groups shown to a client (`fits`)."""
    questionnaire = await session.get(Questionnaire, client.id)
    return [
        view
        for view in await views(session, rules=rules, now=now)
        if fits(view.group, questionnaire)
    ]


async def seats_of(session: AsyncSession, client: User, date_ids: list[int]) -> dict[int, str]:
    """The client's own standing at these dates: `seat` (booked or held) or `waiting`."""
    if not date_ids:
        return {}
    mine: dict[int, str] = {}
    for date_id in await session.scalars(
        select(GroupWait.group_date_id).where(
            GroupWait.client_id == client.id,
            GroupWait.group_date_id.in_(date_ids),
            GroupWait.status.in_(OPEN_WAIT),
        )
    ):
        mine[date_id] = "waiting"
    for seat_date in await session.scalars(
        select(Booking.group_date_id).where(
            Booking.client_id == client.id,
            Booking.group_date_id.in_(date_ids),
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        )
    ):
        if seat_date is not None:
            mine[seat_date] = "seat"
    return mine


@dataclass(frozen=True)
class Seat:
    """A seat's group and date, for the screens that show a booking."""

    group: Group
    date: GroupDate


async def seat_of(session: AsyncSession, booking: Booking) -> Seat | None:
    if booking.group_date_id is None:
        return None
    row = (
        await session.execute(
            select(Group, GroupDate)
            .join(GroupDate, GroupDate.group_id == Group.id)
            .where(GroupDate.id == booking.group_date_id)
        )
    ).first()
    return Seat(row[0], row[1]) if row else None


async def unknown_topics(session: AsyncSession, codes: list[str]) -> list[str]:
    """The codes among `codes` that name no topic, in their order."""
    known = set(await session.scalars(select(Topic.code).where(Topic.code.in_(codes))))
    return [code for code in codes if code not in known]


async def titles(session: AsyncSession, date_ids: list[int]) -> dict[int, str]:
    """The groups' titles of these dates (no read when there are none)."""
    if not date_ids:
        return {}
    rows = await session.execute(
        select(GroupDate.id, Group.title)
        .join(Group, Group.id == GroupDate.group_id)
        .where(GroupDate.id.in_(date_ids))
    )
    return {int(date_id): str(title) for date_id, title in rows.tuples()}


async def group_of_date(session: AsyncSession, date_id: int) -> int | None:
    return await session.scalar(select(GroupDate.group_id).where(GroupDate.id == date_id))


@dataclass(frozen=True)
class DateOffered:
    group: Group
    date: GroupDate
    therapist: Therapist


async def date_view(session: AsyncSession, date_id: int) -> DateOffered | None:
    """A date with its group and therapist, in one read."""
    row = (
        await session.execute(
            select(Group, GroupDate, Therapist)
            .join(GroupDate, GroupDate.group_id == Group.id)
            .join(Therapist, Therapist.id == Group.therapist_id)
            .where(GroupDate.id == date_id)
            .options(lazyload(Therapist.topics))  # nothing on a seat's path reads them
        )
    ).first()
    return DateOffered(*row) if row else None


# -- booking a seat --------------------------------------------------------------------------


async def _bookable_date(
    session: AsyncSession, date_id: int, rules: Rules, now: datetime
) -> tuple[Group, GroupDate, Therapist]:
    found = await date_view(session, date_id)
    if found is None:
        raise GroupGone
    group, date, therapist = found.group, found.date, found.therapist
    if group.closed_at is not None or not therapist.active or date.cancelled_at is not None:
        raise GroupGone
    refusal = rules.can_book(date.starts_at, now)
    if refusal is not None:
        raise bookings.OutsideRules(refusal, rules)
    return group, date, therapist


async def _insert_seat(
    session: AsyncSession,
    client: User,
    group: Group,
    date: GroupDate,
    *,
    rules: Rules,
    now: datetime,
    hold: timedelta | None,
) -> Booking:
    try:
        booking = await session.scalar(
            insert(Booking)
            .values(
                client_id=client.id,
                therapist_id=group.therapist_id,
                slot_id=None,
                group_date_id=date.id,
                starts_at=date.starts_at,
                ends_at=date.ends_at,
                status=BookingStatus.pending_payment if hold else BookingStatus.confirmed,
                format=FORMAT,
                price=group.price,
                created_at=now,
                hold_expires_at=now + hold if hold else None,
                confirmed_at=None if hold else now,
                reschedule_count=0,
            )
            .returning(Booking)
        )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        raise bookings.ClientBusy from error
    assert isinstance(booking, Booking)
    await reminders.for_new_booking(session, booking, rules.reminders, now)
    await record_event(session, "booking", now)
    if not hold:
        await bookings.tell_practice(session, events.Booked(booking_id=booking.id), now)
    return booking


async def _check_free_for(session: AsyncSession, client: User, date: GroupDate) -> None:
    seated = await session.scalar(
        select(Booking.id).where(
            Booking.client_id == client.id,
            Booking.group_date_id == date.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        )
    )
    if seated is not None:
        raise AlreadySeated
    if await bookings.requested_overlapping(session, client.id, date.starts_at, date.ends_at):
        raise bookings.ClientBusy


async def book_seat(
    session: AsyncSession,
    *,
    client: User,
    date_id: int,
    rules: Rules,
    now: datetime,
    hold: timedelta | None,
) -> Booking:
    """A seat for the client: held until paid (`hold`), or confirmed. Raises GroupGone,
    OutsideRules, AlreadySeated, ClientBusy (a session of theirs then) or GroupFull."""
    async with use_case(session):
        group, date, _ = await _bookable_date(session, date_id, rules, now)
        await _check_free_for(session, client, date)
        # Their place in the waiting list ends; a seat kept for them (an offer they book
        # from the card) is counted already, so booking it counts no second one.
        kept = await _end_wait(session, client.id, date.id, GroupWaitStatus.booked)
        if not kept and not await seats.take(session, date.id, now):
            raise GroupFull
        booking = await _insert_seat(session, client, group, date, rules=rules, now=now, hold=hold)
    return booking


def _open_wait(client_id: int, date_id: int) -> Any:
    """The client's place in the date's waiting list, while it is open."""
    return and_(
        GroupWait.client_id == client_id,
        GroupWait.group_date_id == date_id,
        GroupWait.status.in_(OPEN_WAIT),
    )


async def _end_wait(
    session: AsyncSession, client_id: int, date_id: int, status: GroupWaitStatus
) -> bool:
    """The client's open place in the date's list ends; True when a seat was kept for
    them (only an offer has `offered_at`, and an offer never goes back to waiting)."""
    offered_at = await session.scalar(
        update(GroupWait)
        .where(_open_wait(client_id, date_id))
        .values(status=status)
        .returning(GroupWait.offered_at)
        .execution_options(synchronize_session=False)
    )
    return offered_at is not None


# -- the waiting list ---------------------------------------------------------------------------


async def wait(
    session: AsyncSession, *, client: User, date_id: int, rules: Rules, now: datetime
) -> bool:
    """Wait for a seat at a full date; False when waiting already. Raises SeatsLeft when
    a seat is free (book it instead), and as booking a seat does."""
    async with use_case(session):
        _, date, _ = await _bookable_date(session, date_id, rules, now)
        await _check_free_for(session, client, date)
        if date.taken < date.capacity:
            raise SeatsLeft
        # One open place per person and date (a partial unique index): a second tap, or
        # two at once, adds nothing.
        added = await insert_unless_refused(
            session,
            insert(GroupWait)
            .values(
                group_date_id=date.id,
                client_id=client.id,
                status=GroupWaitStatus.waiting,
                created_at=now,
            )
            .returning(GroupWait.id),
        )
    return added is not None


async def leave(
    session: AsyncSession, client: User, date_id: int, *, rules: Rules, now: datetime
) -> bool:
    """Stop waiting (an offered seat passes on); False when not waiting."""
    async with use_case(session):
        row = (
            await session.execute(
                update(GroupWait)
                .where(_open_wait(client.id, date_id))
                .values(status=GroupWaitStatus.left)
                .returning(GroupWait.offered_at)
                .execution_options(synchronize_session=False)
            )
        ).first()
        if row is None:
            return False
        if row.offered_at is not None:
            await seats.pass_on(session, date_id, rules.offer_hold, now)
    return True


@dataclass(frozen=True)
class Offer:
    wait: GroupWait
    group: Group
    date: GroupDate
    therapist: Therapist


def _offers() -> Select[GroupWait, Group, GroupDate, Therapist]:
    return (
        select(GroupWait, Group, GroupDate, Therapist)
        .join(GroupDate, GroupDate.id == GroupWait.group_date_id)
        .join(Group, Group.id == GroupDate.group_id)
        .join(Therapist, Therapist.id == Group.therapist_id)
    )


async def offer_of(
    session: AsyncSession, wait_id: int, client_id: int | None = None
) -> Offer | None:
    """A seat offer with its group, date and therapist (only the client's, when given)."""
    query = _offers().where(GroupWait.id == wait_id)
    if client_id is not None:
        query = query.where(GroupWait.client_id == client_id)
    row = (await session.execute(query)).first()
    return Offer(*row) if row else None


async def waits_of(session: AsyncSession, client: User) -> list[Offer]:
    """The client's open places in waiting lists, with their groups (`/my_data`)."""
    rows = await session.execute(
        _offers()
        .where(GroupWait.client_id == client.id, GroupWait.status.in_(OPEN_WAIT))
        .order_by(GroupDate.starts_at)
    )
    return [Offer(*row) for row in rows]


async def take_offer(
    session: AsyncSession,
    *,
    client: User,
    wait_id: int,
    rules: Rules,
    now: datetime,
    hold: timedelta | None,
) -> Booking:
    """The seat kept for the client becomes theirs (held until paid, or confirmed).
    Raises OfferGone when it lapsed or was answered, and as booking a seat does (nothing
    is changed then: the offer stays theirs until it is declined or lapses, and then the
    seat passes on)."""
    async with use_case(session):
        offer = await offer_of(session, wait_id, client.id)
        if offer is None:
            raise OfferGone
        answered = await session.scalar(
            update(GroupWait)
            .where(
                GroupWait.id == wait_id,
                GroupWait.status == GroupWaitStatus.offered,
                GroupWait.offer_expires_at > now,
            )
            .values(status=GroupWaitStatus.booked)
            .returning(GroupWait.id)
            .execution_options(synchronize_session=False)
        )
        if answered is None:
            raise OfferGone
        _, date, _ = await _bookable_date(session, offer.date.id, rules, now)
        await _check_free_for(session, client, date)
        # The seat was counted when it was kept for them: nothing to take.
        return await _insert_seat(
            session, client, offer.group, date, rules=rules, now=now, hold=hold
        )


async def decline_offer(
    session: AsyncSession, *, client: User, wait_id: int, rules: Rules, now: datetime
) -> bool:
    """The client does not want the seat: it passes on. False when no longer offered."""
    async with use_case(session):
        date_id = await session.scalar(
            update(GroupWait)
            .where(
                GroupWait.id == wait_id,
                GroupWait.client_id == client.id,
                GroupWait.status == GroupWaitStatus.offered,
            )
            .values(status=GroupWaitStatus.declined)
            .returning(GroupWait.group_date_id)
            .execution_options(synchronize_session=False)
        )
        if date_id is None:
            return False
        await seats.pass_on(session, date_id, rules.offer_hold, now)
    return True


async def expire_offers(session: AsyncSession, *, rules: Rules, now: datetime) -> list[int]:
    """Offers nobody answered in time lapse, each in its own transaction; the seat passes
    on. The lapsed waits' ids."""
    due = list(
        await session.scalars(
            select(GroupWait.id).where(
                GroupWait.status == GroupWaitStatus.offered, GroupWait.offer_expires_at <= now
            )
        )
    )
    await session.commit()
    lapsed = []
    for wait_id in due:
        async with use_case(session):
            date_id = await session.scalar(
                update(GroupWait)
                .where(
                    GroupWait.id == wait_id,
                    GroupWait.status == GroupWaitStatus.offered,
                    GroupWait.offer_expires_at <= now,
                )
                .values(status=GroupWaitStatus.expired)
                .returning(GroupWait.group_date_id)
                .execution_options(synchronize_session=False)
            )
            if date_id is not None:
                await seats.pass_on(session, date_id, rules.offer_hold, now)
                lapsed.append(wait_id)
    return lapsed


# -- the therapist's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class TherapistDate:
    group: Group
    date: GroupDate
    members: list[User]


async def dates_of(
    session: AsyncSession, therapist_id: int, start: datetime, end: datetime
) -> list[TherapistDate]:
    """A therapist's group dates between `start` and `end`, each with its members (the
    seats booked or held), in two reads."""
    rows = list(
        await session.execute(
            select(Group, GroupDate)
            .join(GroupDate, GroupDate.group_id == Group.id)
            .where(
                Group.therapist_id == therapist_id,
                GroupDate.cancelled_at.is_(None),
                GroupDate.starts_at >= start,
                GroupDate.starts_at < end,
            )
            .order_by(GroupDate.starts_at)
        )
    )
    members = await members_of(session, [date.id for _, date in rows])
    return [TherapistDate(group, date, members.get(date.id, [])) for group, date in rows]


async def members_of(session: AsyncSession, date_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    if not date_ids:
        return found
    for date_id, user in await session.execute(
        select(Booking.group_date_id, User)
        .join(User, User.id == Booking.client_id)
        .where(Booking.group_date_id.in_(date_ids), Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .order_by(Booking.created_at, Booking.id)
    ):
        if date_id is not None:
            found[date_id].append(user)
    return found


async def own_date(session: AsyncSession, therapist_id: int, date_id: int) -> TherapistDate | None:
    """One of the therapist's dates (any other's is None: the id comes from a button)."""
    row = (
        await session.execute(
            select(Group, GroupDate)
            .join(GroupDate, GroupDate.group_id == Group.id)
            .where(GroupDate.id == date_id, Group.therapist_id == therapist_id)
        )
    ).first()
    if row is None:
        return None
    members = await members_of(session, [date_id])
    return TherapistDate(row[0], row[1], members.get(date_id, []))


async def cancel_date(
    session: AsyncSession,
    *,
    therapist_id: int,
    date_id: int,
    rules: Rules,
    now: datetime,
    admin: int | None = None,
) -> list[bookings.Cancelled]:
    """The practice calls a date off: every member's seat is cancelled (a paid one
    refunded in full, through the outbox; each member told), those waiting are told, and
    the therapist's time is given back. Raises GroupGone when it is not the therapist's,
    was cancelled already, or is over."""
    by = bookings.CancelledBy.admin if admin is not None else bookings.CancelledBy.therapist
    async with use_case(session):
        date = await session.scalar(
            update(GroupDate)
            .where(
                GroupDate.id == date_id,
                GroupDate.cancelled_at.is_(None),
                GroupDate.ends_at > now,
                GroupDate.group_id.in_(select(Group.id).where(Group.therapist_id == therapist_id)),
            )
            .values(cancelled_at=now)
            .returning(GroupDate)
            .execution_options(synchronize_session=False)
        )
        if date is None:
            raise GroupGone
        seated = list(
            await session.scalars(
                select(Booking).where(
                    Booking.group_date_id == date_id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)
                )
            )
        )
        done = [
            item
            for booking in seated
            if (
                item := await bookings.cancel_within(
                    session,
                    booking,
                    by=by,
                    rules=rules,
                    now=now,
                    # The therapist who calls it off knows; when an admin does, the
                    # therapist and the practice hear of each seat.
                    tells_practice=admin is not None,
                )
            )
        ]
        waiting = list(
            await session.scalars(
                update(GroupWait)
                .where(GroupWait.group_date_id == date_id, GroupWait.status.in_(OPEN_WAIT))
                .values(status=GroupWaitStatus.left)
                .returning(GroupWait.id)
                .execution_options(synchronize_session=False)
            )
        )
        for wait_id in waiting:
            await outbox.notify(session, events.GroupWaitEnded(wait_id=wait_id), now)
        if date.slot_id is not None:
            await slot_states.release(session, date.slot_id, from_=SlotStatus.group)
            await session.execute(
                delete(Slot).where(Slot.id == date.slot_id, Slot.status == SlotStatus.free)
            )
        if admin is not None:
            audit.add(
                session,
                actor=admin,
                action="group.cancel_date",
                target=f"group_date:{date_id}",
                now=now,
            )
    return done


# -- numbers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatNumbers:
    dates: int
    seats: int  # offered at those dates
    filled: int  # confirmed (paid, or with payments off), attended or missed; not a hold

    @property
    def share(self) -> float:
        return self.filled / self.seats if self.seats else 0.0


async def numbers(
    session: AsyncSession, start: datetime, end: datetime, *, therapist_id: int | None = None
) -> SeatNumbers:
    """Seats filled at the dates (not cancelled) that started in the period."""
    dates = select(GroupDate.id, GroupDate.capacity).where(
        GroupDate.cancelled_at.is_(None), GroupDate.starts_at >= start, GroupDate.starts_at < end
    )
    if therapist_id is not None:
        dates = dates.join(Group, Group.id == GroupDate.group_id).where(
            Group.therapist_id == therapist_id
        )
    subquery = dates.subquery()
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(subquery.c.capacity), 0)).select_from(
                subquery
            )
        )
    ).one()
    filled = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.group_date_id.in_(select(subquery.c.id)),
            Booking.status.in_(
                (BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)
            ),
        )
    )
    return SeatNumbers(int(row[0]), int(row[1]), int(filled or 0))
