"""A booking's life: every change of a booking is one use case here (book, move, settle a
payment, cancel by anyone, release a lapsed hold, mark the outcome), and so are the reads
the screens need.

Each use case owns its transaction (`db.transactions.use_case`), checks the rules of
`bot.rules.policy` itself and returns what the caller needs to render. The database decides
races: a slot is taken by a conditional update, a booking changes only if it is still in
the state the use case saw, and overlaps are refused by its guards (migration 0001), never
by a read in Python. What a change causes for other people and for money is written in the
same transaction as rows of the outbox (`db.outbox`): notices and refunds, delivered by
`scheduler.outbox`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from bot.rules.payments import STARS, Price
from bot.rules.policy import CancelTerms, Refusal, Rules
from bot.rules.refusals import Refused, told
from bot.rules.timezones import zone
from db import (
    audit,
    couples,
    erasure,
    events,
    outbox,
    packages,
    reminders,
    seats,
    slot_states,
    waitlist,
)
from db.dialects import insert_for
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    OPEN_REQUEST_STATUSES,
    Booking,
    BookingChange,
    BookingRequest,
    BookingStatus,
    Payment,
    PaymentStatus,
    Refund,
    Series,
    SeriesEnd,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from db.outbox import RefundReason, To
from db.payments import payment_of
from db.transactions import refusable, refused_by_database, use_case
from db.users import empty_profile, record_event

__all__ = ["payment_of", "refused_by_database"]


class BookingError(Refused):
    """A booking that cannot be made or changed; the name says why, `key` what the person
    reads (`bot.rules.refusals`)."""

    key = "book-unavailable"


class SlotTaken(BookingError):
    key = "book-taken"


class SlotUnavailable(BookingError):
    """The slot does not exist, is blocked, its therapist no longer takes clients or does
    not offer the client's format."""

    key = "book-unavailable"


class ClientBusy(BookingError):
    """The client already has a session at an overlapping time."""

    key = "book-busy"


class OutsideRules(BookingError):
    def __init__(self, refusal: Refusal, rules: Rules) -> None:
        key, values = rules.words(refusal)
        super().__init__(key, **values)
        self.refusal = refusal


class BookingGone(BookingError):
    """Not this person's booking, or no longer active (cancelled, moved, finished, or an
    unpaid hold that lapsed)."""

    key = "refusal-gone"


class Conflict(BookingError):
    """The booking changed under us (another device of the same client acted first)."""

    key = "refusal-conflict"


class SeriesDateTaken(BookingError):
    """A regular session cannot move to a date on which its series has another one."""

    key = "series-move-same-day"


class OutcomeRefused(BookingError):
    """Not this therapist's session, not started yet, or not a confirmed session."""

    key = "tbooking-not-yours"


class CancelledBy(enum.StrEnum):
    client = "client"
    erasure = "erasure"  # the client erased their data
    therapist = "therapist"
    admin = "admin"
    hold_expired = "hold_expired"  # nobody paid before the hold ran out


# The practice called the session off: whatever was paid goes back in full, at any time.
PRACTICE = frozenset({CancelledBy.therapist, CancelledBy.admin})


class MoneyBack(enum.StrEnum):
    """What happens to the money when a session is called off."""

    nothing = "nothing"  # nothing was paid online
    kept = "kept"  # paid, cancelled late by the client: not returned
    stars = "stars"  # Stars, returned automatically
    manual = "manual"  # a provider payment: the admins return it
    credit = "credit"  # paid with a package's credit: it comes back to the package
    spent = "spent"  # paid with a package's credit, cancelled late: the credit is spent


class Settled(enum.StrEnum):
    confirmed = "confirmed"  # the hold was still there
    reclaimed = "reclaimed"  # the hold had lapsed but the time was still free
    lost = "lost"  # the time went to someone else: the payment goes back
    mismatch = "mismatch"  # not the booking's price: the payment goes back
    twice = "twice"  # the session was paid already (a second invoice): this one goes back
    duplicate = "duplicate"  # the same charge delivered again: nothing to do


# -- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    therapist: Therapist
    credits: int = 0  # the client's package credits with the therapist for this time


async def slot_for_booking(
    session: AsyncSession, slot_id: int, *, client_id: int | None = None
) -> SlotView | None:
    """The slot and its therapist, in one read (the therapist's topics are not loaded:
    nothing on a booking's path reads them); with `client_id`, the client's package
    credits that could pay for it, in the same read."""
    credits = (
        packages.credits_for(client_id, Slot.therapist_id, Slot.starts_at)
        if client_id is not None
        else literal(0)
    )
    row = (
        await session.execute(
            select(Slot, Therapist, credits)
            .join(Therapist, Therapist.id == Slot.therapist_id)
            .where(Slot.id == slot_id)
            .options(lazyload(Therapist.topics))
        )
    ).first()
    return SlotView(row[0], row[1], int(row[2] or 0)) if row else None


async def check_bookable(
    session: AsyncSession,
    slot_id: int,
    client: User,
    rules: Rules,
    now: datetime,
    *,
    format: str | None = None,
    view: SlotView | None = None,
) -> SlotView:
    """Everything that can be said before trying: raises when the slot cannot be booked.
    The slot id comes from a button, so the therapist's hard filters are checked again.
    `view`: the slot as the caller has just read it in this session with the client's
    credits (not read again)."""
    if view is None or view.slot.id != slot_id:
        view = await slot_for_booking(session, slot_id, client_id=client.id)
    if view is None or not view.therapist.active or view.slot.status == SlotStatus.blocked:
        raise SlotUnavailable
    if format is not None and not waitlist.offers_format(view.therapist, format):
        raise SlotUnavailable
    refusal = rules.can_book(view.slot.starts_at, now)
    if refusal is not None:
        raise OutsideRules(refusal, rules)
    if view.slot.status != SlotStatus.free:
        mine = await session.scalar(
            select(Booking.id).where(
                Booking.slot_id == slot_id,
                Booking.client_id == client.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            )
        )
        if mine is not None:
            raise ClientBusy
        raise SlotTaken
    return view


async def requested_overlapping(
    session: AsyncSession,
    client_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    except_request: int | None = None,
) -> bool:
    """Whether an open request of the client's (its time, or the one proposed) overlaps;
    `except_request`: leave that one out (a request's own other time)."""
    found = await session.scalar(
        select(BookingRequest.id)
        .join(
            Slot,
            Slot.id == func.coalesce(BookingRequest.proposed_slot_id, BookingRequest.slot_id),
        )
        .where(
            BookingRequest.client_id == client_id,
            BookingRequest.status.in_(OPEN_REQUEST_STATUSES),
            Slot.starts_at < ends_at,
            Slot.ends_at > starts_at,
            BookingRequest.id != (except_request or 0),
        )
        .limit(1)
    )
    return found is not None


async def active_bookings_of(session: AsyncSession, client: User) -> list[Booking]:
    result = await session.scalars(
        select(Booking)
        .where(Booking.client_id == client.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .order_by(Booking.starts_at)
    )
    return list(result)


async def own_booking(session: AsyncSession, client: User, booking_id: int) -> Booking | None:
    """The client's booking with this id, whatever its status; None for anyone else's."""
    return await session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.client_id == client.id)
    )


async def upcoming_of(session: AsyncSession, client: User, now: datetime) -> list[Booking]:
    result = await session.scalars(
        select(Booking)
        .where(
            Booking.client_id == client.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > now,
        )
        .order_by(Booking.starts_at)
    )
    return list(result)


async def history_of(
    session: AsyncSession, client: User, now: datetime, *, offset: int, limit: int
) -> tuple[list[Booking], int]:
    """Sessions that are over or called off, newest first, and how many there are."""
    past = (Booking.client_id == client.id) & (
        Booking.status.not_in(ACTIVE_BOOKING_STATUSES) | (Booking.ends_at <= now)
    )
    total = await session.scalar(select(func.count(Booking.id)).where(past)) or 0
    rows = await session.scalars(
        select(Booking).where(past).order_by(Booking.starts_at.desc()).offset(offset).limit(limit)
    )
    return list(rows), int(total)


def lapsed(booking: Booking, now: datetime) -> bool:
    """An unpaid hold whose time ran out: it can be paid late, not moved."""
    return (
        booking.status == BookingStatus.pending_payment
        and booking.hold_expires_at is not None
        and booking.hold_expires_at <= now
    )


# -- what a cancellation means for the money ----------------------------------------------


@dataclass(frozen=True)
class CancelTermsView:
    """What a cancellation would mean, shown before the person confirms it."""

    booking: Booking
    terms: CancelTerms
    money: MoneyBack


def money_back(
    payment: Payment | None, by: CancelledBy, terms: CancelTerms, *, credit: bool = False
) -> MoneyBack:
    """`credit`: the session is paid with a package's credit (`db.packages`)."""
    if credit:
        late = by not in PRACTICE and terms is CancelTerms.late
        return MoneyBack.spent if late else MoneyBack.credit
    if payment is None or payment.status != PaymentStatus.paid:
        return MoneyBack.nothing
    if by not in PRACTICE and terms is CancelTerms.late:
        return MoneyBack.kept
    return MoneyBack.stars if payment.currency == STARS else MoneyBack.manual


async def cancel_terms(
    session: AsyncSession, booking: Booking, by: CancelledBy, rules: Rules, now: datetime
) -> CancelTermsView:
    terms = rules.cancel_terms(booking.starts_at, now)
    if booking.purchase_id is not None:
        return CancelTermsView(booking, terms, money_back(None, by, terms, credit=True))
    money = money_back(await payment_of(session, booking.id), by, terms)
    return CancelTermsView(booking, terms, money)


async def cancellable_of(
    session: AsyncSession, client: User, now: datetime, *, therapist_id: int | None = None
) -> list[Booking]:
    """The client's sessions that have not started (with one therapist, when given)."""
    return [
        booking
        for booking in await upcoming_of(session, client, now)
        if booking.starts_at > now
        and (therapist_id is None or booking.therapist_id == therapist_id)
    ]


# -- booking -----------------------------------------------------------------------------


async def _free_slot(session: AsyncSession, slot_id: int) -> None:
    await slot_states.release(session, slot_id, from_=(SlotStatus.booked, SlotStatus.held))


async def tell_practice(
    session: AsyncSession, event: events.Booked | events.Moved | events.Cancelled, now: datetime
) -> None:
    """The therapist and the practice's group hear of a confirmed session's changes."""
    for recipient in events.PRACTICE:
        await outbox.notify(session, replace(event, recipient=recipient), now)


async def calendar_sequence(session: AsyncSession, booking: Booking) -> int:
    """The version of the booking's calendar event: one more for each time it was moved
    (by anyone), and one more once cancelled (RFC 5545 `SEQUENCE`). Every move is recorded
    together with a raised `reschedule_count` (`move_within`), so one never moved has no
    record to count."""
    cancelled = booking.status == BookingStatus.cancelled
    if booking.reschedule_count == 0:
        return int(cancelled)
    moves = await session.scalar(
        select(func.count())
        .select_from(BookingChange)
        .where(BookingChange.booking_id == booking.id)
    )
    return int(moves or 0) + cancelled


@dataclass(frozen=True)
class Draft:
    """A booking about to be made (`place`): whose, which slot and when, at what price,
    and what it is: `confirmed`, or `pending_payment` with its slot held until
    `hold_expires_at`. The fields below say what else making it does; a booking the client
    makes does all of it, a regular time's own date (`series_id`, `series_day`) none: the
    series was told and counted once, when it was made."""

    client_id: int
    therapist_id: int
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    format: str
    price: int
    status: BookingStatus
    hold_expires_at: datetime | None = None
    series_id: int | None = None
    series_day: str | None = None
    ends_wait: bool = True  # the client's wait for the therapist ends (`db.waitlist`)
    # A session to be paid may be paid with a package's credit instead (`db.packages`):
    # None, do not try; False, try once; True, the client was just seen to have credits.
    credit: bool | None = None
    counted: bool = True  # a `booking` in the funnel
    tells_practice: bool = True  # a confirmed one: the therapist and the group are told


async def place(session: AsyncSession, draft: Draft, *, rules: Rules, now: datetime) -> Booking:
    """The one way a booking is made, inside the caller's transaction: the slot taken
    (`free → booked`, or `held` for a booking waiting for its payment), the booking
    inserted, its reminders written, and, as the draft says, the wait ended, the funnel
    counted and the practice told. Raises SlotTaken (the slot went, or the database refused
    the booking for the slot) or ClientBusy (the client has a session then); the caller's
    transaction, or its savepoint, is then to be rolled back.

    A session to be paid that the client's package can pay for is confirmed at once with
    one of its credits held (`db.packages.take`), instead of waiting for an invoice."""
    held = draft.status == BookingStatus.pending_payment
    purchase_id = None
    if held and draft.credit is not None:
        purchase_id = await packages.take(
            session, draft.client_id, draft.therapist_id, draft.starts_at, seen=draft.credit
        )
        held = purchase_id is None
    if not await slot_states.take(
        session, draft.slot_id, SlotStatus.held if held else SlotStatus.booked
    ):
        raise SlotTaken
    try:
        booking = await session.scalar(
            insert(Booking)
            .values(
                client_id=draft.client_id,
                therapist_id=draft.therapist_id,
                slot_id=draft.slot_id,
                starts_at=draft.starts_at,
                ends_at=draft.ends_at,
                status=BookingStatus.pending_payment if held else BookingStatus.confirmed,
                format=draft.format,
                price=draft.price,
                created_at=now,
                hold_expires_at=draft.hold_expires_at if held else None,
                confirmed_at=None if held else now,
                reschedule_count=0,
                series_id=draft.series_id,
                series_day=draft.series_day,
                purchase_id=purchase_id,
            )
            .returning(Booking)
        )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        if "client" in str(error.orig).lower():
            raise ClientBusy from error
        raise SlotTaken from error
    assert isinstance(booking, Booking)
    if purchase_id is not None:
        packages.held(session, purchase_id, booking.id, now)
    await reminders.for_new_booking(session, booking, rules.reminders, now)
    if draft.counted:
        await record_event(session, "booking", now)
    if draft.ends_wait:
        await waitlist.end_on_booking(session, draft.client_id, draft.therapist_id, now)
    if not held and draft.tells_practice:
        await tell_practice(session, events.Booked(booking_id=booking.id), now)
    return booking


async def book(
    session: AsyncSession,
    *,
    client: User,
    slot_id: int,
    format: str,
    rules: Rules,
    now: datetime,
    hold: timedelta | None,
    view: SlotView | None = None,
) -> Booking:
    """Book a free slot for a client.

    With `hold` (payment needed) the booking waits for payment and the slot is held until
    `now + hold`; without, the booking is confirmed, the slot booked and the therapist told.
    A wait for the therapist ends (`db.waitlist`). `view`: the slot and its therapist as the
    caller has just read them in this session.
    """
    async with use_case(session):
        booking = await book_within(
            session,
            client=client,
            slot_id=slot_id,
            format=format,
            rules=rules,
            now=now,
            hold=hold,
            view=view,
        )
    return booking


async def book_within(
    session: AsyncSession,
    *,
    client: User,
    slot_id: int,
    format: str,
    rules: Rules,
    now: datetime,
    hold: timedelta | None,
    view: SlotView | None = None,
) -> Booking:
    """`book` inside a use case that owns the transaction (a waitlist offer taken, a
    request accepted)."""
    view = await check_bookable(session, slot_id, client, rules, now, format=format, view=view)
    if await requested_overlapping(session, client.id, view.slot.starts_at, view.slot.ends_at):
        # One time, one thing: a request waiting for its answer counts as taken time.
        raise ClientBusy
    draft = Draft(
        client_id=client.id,
        therapist_id=view.therapist.id,
        slot_id=slot_id,
        starts_at=view.slot.starts_at,
        ends_at=view.slot.ends_at,
        format=format,
        price=view.therapist.price,
        status=BookingStatus.pending_payment if hold else BookingStatus.confirmed,
        hold_expires_at=now + hold if hold else None,
        credit=True if view.credits > 0 else None,
    )
    return await place(session, draft, rules=rules, now=now)


async def _series_date_taken(session: AsyncSession, booking: Booking, view: SlotView) -> bool:
    """Whether moving a regular session to the slot would put two sessions of its series on
    one date: another of its sessions is on that date, or the series' pattern falls on it."""
    if booking.series_id is None:
        return False
    series = await session.get(Series, booking.series_id)
    if series is None:
        return False
    tz = zone(view.therapist.timezone)
    day = view.slot.starts_at.astimezone(tz).date()
    if series.ended_at is None and day.isoformat() != booking.series_day:
        since = (day - date.fromisoformat(series.first_day)).days
        if since >= 0 and since % (7 * series.rhythm) == 0:
            return True
    others = await session.scalars(
        select(Booking.starts_at).where(
            Booking.series_id == series.id,
            Booking.id != booking.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        )
    )
    return any(start.astimezone(tz).date() == day for start in others)


async def move_within(
    session: AsyncSession, booking: Booking, slot: Slot, *, rules: Rules, now: datetime
) -> None:
    """Move a booking to a free slot inside the caller's transaction (the rules checked by
    the caller): the slot taken, the row moved and the slot it held freed together, the
    change recorded, reminders follow, the practice told of a confirmed session. Raises
    SlotTaken, Conflict (moved or settled meanwhile) or ClientBusy; the caller's
    transaction is then to be rolled back (or its savepoint)."""
    expected_moves = booking.reschedule_count
    confirmed = booking.status == BookingStatus.confirmed
    if not await slot_states.take(
        session, slot.id, SlotStatus.booked if confirmed else SlotStatus.held
    ):
        raise SlotTaken
    still_movable = Booking.status == BookingStatus.confirmed
    if not confirmed:
        still_movable = (Booking.status == BookingStatus.pending_payment) & (
            Booking.hold_expires_at > now
        )
    try:
        # The slot the booking leaves is the one its row holds now, not the one read
        # earlier: the row is locked by this update, so nobody moves it meanwhile.
        moved = (
            await session.execute(
                update(Booking)
                .where(
                    Booking.id == booking.id,
                    still_movable,
                    Booking.reschedule_count == expected_moves,
                )
                .values(reschedule_count=expected_moves + 1)
                .returning(Booking.slot_id, Booking.starts_at)
                .execution_options(synchronize_session=False)
            )
        ).first()
        if moved is None:
            raise Conflict
        moved_to: dict[str, object] = {
            "slot_id": slot.id,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
        }
        if not confirmed and booking.series_id is not None:
            # A regular session is paid by its free-cancellation deadline: the new one.
            moved_to["hold_expires_at"] = rules.pay_by(slot.starts_at, now)
        await session.execute(
            update(Booking)
            .where(Booking.id == booking.id)
            .values(**moved_to)
            .execution_options(synchronize_session=False)
        )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        raise ClientBusy from error
    if moved.slot_id is not None:
        await _free_slot(session, moved.slot_id)
    session.add(
        BookingChange(
            booking_id=booking.id,
            old_starts_at=moved.starts_at,
            new_starts_at=slot.starts_at,
            changed_at=now,
            changed_by="client",
        )
    )
    await reminders.follow_booking(session, booking.id, rules.reminders, now)
    if confirmed:
        await tell_practice(
            session, events.Moved(booking_id=booking.id, old_starts_at=moved.starts_at), now
        )
        if booking.format == couples.COUPLE:
            changed = events.PartnerChanged(booking_id=booking.id, change="moved")
            await outbox.notify(session, changed, now)


async def move_target(
    session: AsyncSession,
    booking: Booking,
    slot_id: int,
    client: User,
    rules: Rules,
    now: datetime,
) -> SlotView:
    """The slot a session may move to: within the rules for moving it, still free and
    bookable for the client, with the same therapist. Part of a use case."""
    refusal = rules.can_reschedule(booking.starts_at, booking.reschedule_count, now)
    if refusal is not None:
        raise OutsideRules(refusal, rules)
    with told((SlotUnavailable, "book-taken")):  # the time is no longer among the free
        view = await check_bookable(session, slot_id, client, rules, now, format=booking.format)
    if view.therapist.id != booking.therapist_id:
        raise SlotUnavailable("book-taken")
    return view


async def reschedule(
    session: AsyncSession,
    *,
    client: User,
    booking_id: int,
    slot_id: int,
    rules: Rules,
    now: datetime,
    expected_moves: int,
) -> Booking:
    """Move a booking to another free slot of the same therapist: the new slot is taken,
    the booking moved and the slot it held freed together, or nothing.

    `expected_moves` is how many times the booking had been moved when the client was
    shown the move: if it was moved since (from another device), this one is a Conflict."""
    async with use_case(session):
        booking = await own_booking(session, client, booking_id)
        if booking is None or booking.status not in ACTIVE_BOOKING_STATUSES or lapsed(booking, now):
            raise BookingGone
        if booking.reschedule_count != expected_moves:
            raise Conflict
        if booking.group_date_id is not None:
            raise SlotUnavailable("group-no-move")  # a seat is at its group's date
        view = await move_target(session, booking, slot_id, client, rules, now)
        if await _series_date_taken(session, booking, view):
            raise SeriesDateTaken
        await move_within(session, booking, view.slot, rules=rules, now=now)
    await session.refresh(booking)
    return booking


# -- cancelling --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    booking: Booking
    terms: CancelTerms
    money: MoneyBack


async def _cancel(
    session: AsyncSession,
    booking: Booking,
    *,
    by: CancelledBy,
    rules: Rules,
    now: datetime,
    reason: str | None,
    tells_practice: bool = True,
) -> Cancelled | None:
    """Cancel one booking inside the caller's transaction; None when it is no longer
    active (cancelled, moved past the point, or paid meanwhile for a lapsed hold).
    `tells_practice`: False when the caller tells the therapist once for many (a group's
    date called off by the therapist)."""
    still = [Booking.id == booking.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)]
    if by is CancelledBy.hold_expired:
        still += [
            Booking.status == BookingStatus.pending_payment,
            Booking.hold_expires_at <= now,
        ]
    elif by in PRACTICE:
        still.append(Booking.ends_at > now)
    else:
        still.append(Booking.starts_at > now)
    # The slot to free is the one the row holds at this moment (RETURNING, under the row's
    # lock), never a value read earlier: a move may have committed in between.
    row = (
        await session.execute(
            update(Booking)
            .where(*still)
            .values(
                status=BookingStatus.cancelled,
                cancelled_at=now,
                cancelled_by=by,
                cancel_reason=reason,
                hold_expires_at=None,
            )
            .returning(
                Booking.slot_id,
                Booking.starts_at,
                Booking.confirmed_at,
                Booking.purchase_id,
                Booking.group_date_id,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return None
    if row.slot_id is not None:
        await session.execute(
            update(Booking)
            .where(Booking.id == booking.id)
            .values(slot_id=None)
            .execution_options(synchronize_session=False)
        )
        await _free_slot(session, row.slot_id)
    if row.group_date_id is not None:  # a group's seat: to the first one waiting, or free
        await seats.pass_on(session, row.group_date_id, rules.offer_hold, now)
    await reminders.follow_booking(session, booking.id, rules.reminders, now)
    terms = rules.cancel_terms(row.starts_at, now)
    payment = None if row.purchase_id is not None else await payment_of(session, booking.id)
    money = money_back(payment, by, terms, credit=row.purchase_id is not None)
    if money is MoneyBack.spent:
        await packages.spend(session, booking.id, now)
    elif money is MoneyBack.credit:
        back = await packages.give_back(session, booking.id, now)
        if back is not None and back.refund is not None:
            # The package was closed meanwhile: the credit goes back as money.
            automatic = await packages.refund(
                session, back.refund, RefundReason.package_returned, now, booking_id=booking.id
            )
            money = MoneyBack.stars if automatic else MoneyBack.manual
    if payment is not None and money in (MoneyBack.stars, MoneyBack.manual):
        payer = await session.scalar(select(User.telegram_id).where(User.id == booking.client_id))
        await outbox.refund_payment(
            session,
            payment,
            RefundReason.cancelled,
            now,
            payer_telegram_id=payer,
            stars=money is MoneyBack.stars,
        )
    if row.confirmed_at is not None and tells_practice:  # the therapist knew of it
        await tell_practice(session, events.Cancelled(booking_id=booking.id, by=by), now)
        if booking.format == couples.COUPLE:  # and the partner, when there is one
            changed = events.PartnerChanged(booking_id=booking.id, change="cancelled")
            await outbox.notify(session, changed, now)
    if by in PRACTICE:
        told = events.CancelledByAdmin if by is CancelledBy.admin else events.CancelledByTherapist
        await outbox.notify(session, told(booking_id=booking.id, money=money), now)
    elif by is CancelledBy.hold_expired and booking.series_id is not None:
        # A regular session unpaid at the free-cancellation deadline: both are told; the
        # regular time goes on.
        day = date.fromisoformat(booking.series_day) if booking.series_day else None
        for recipient in events.CLIENT_AND_THERAPIST:
            released = events.SeriesReleased(
                recipient=recipient, booking_id=booking.id, series_id=booking.series_id, day=day
            )
            await outbox.notify(session, released, now)
    elif by is CancelledBy.hold_expired:
        await outbox.notify(session, events.HoldExpired(booking_id=booking.id), now)
    return Cancelled(booking, terms, money)


async def cancel_within(
    session: AsyncSession,
    booking: Booking,
    *,
    by: CancelledBy,
    rules: Rules,
    now: datetime,
    reason: str | None = None,
    tells_practice: bool = True,
) -> Cancelled | None:
    """Cancel one booking inside the caller's transaction (a use case of several: a regular
    time ending or pausing, a group's date called off); None when it is no longer active
    or has started."""
    if by in (CancelledBy.client, CancelledBy.erasure) and booking.starts_at <= now:
        return None
    return await _cancel(
        session, booking, by=by, rules=rules, now=now, reason=reason, tells_practice=tells_practice
    )


async def end_series(
    session: AsyncSession,
    client_id: int,
    *,
    by: SeriesEnd,
    now: datetime,
    therapist_id: int | None = None,
    series_id: int | None = None,
) -> list[int]:
    """End the client's regular times (with one therapist, or only one, when given) inside
    the caller's transaction: nothing more is booked for them; the therapist is told (the
    client, when the therapist ended it). Their booked sessions are the caller's to keep
    or cancel."""
    query = update(Series).where(Series.client_id == client_id, Series.ended_at.is_(None))
    if therapist_id is not None:
        query = query.where(Series.therapist_id == therapist_id)
    if series_id is not None:
        query = query.where(Series.id == series_id)
    ended = list(
        await session.scalars(
            query.values(ended_at=now, ended_by=by, calendar_sequence=Series.calendar_sequence + 1)
            .returning(Series.id)
            .execution_options(synchronize_session=False)
        )
    )
    for ended_id in ended:
        if by is SeriesEnd.moved:
            break  # it goes on as a new series; its sessions' moves are told one by one
        anchor = await session.scalar(
            select(Booking.id).where(Booking.series_id == ended_id).order_by(Booking.id).limit(1)
        )
        # The therapist hears of it unless they ended it (or said no to it); then the
        # client does.
        ended_event: events.SeriesEnded | events.SeriesDeclined
        if by is SeriesEnd.declined:
            ended_event = events.SeriesDeclined(booking_id=anchor, series_id=ended_id)
        else:
            told = To.client if by is SeriesEnd.therapist else To.therapist
            ended_event = events.SeriesEnded(
                recipient=told, booking_id=anchor, series_id=ended_id, by=by
            )
        await outbox.notify(session, ended_event, now)
    return ended


async def _reloaded(session: AsyncSession, done: Sequence[Cancelled]) -> list[Cancelled]:
    for item in done:
        await session.refresh(item.booking)
    return list(done)


async def cancel(
    session: AsyncSession,
    *,
    booking: Booking,
    by: CancelledBy,
    rules: Rules,
    now: datetime,
    reason: str | None = None,
    admin: int | None = None,
) -> Cancelled:
    """Cancel an active booking: its slot is freed, its reminders go, a payment is refunded
    by the rules (in full when the practice cancels), and the people concerned are told.
    Raises OutsideRules when the session has started (the practice may cancel until it
    ends) and BookingGone when it is no longer active (cancelled meanwhile, say). An
    admin's cancellation is audited in the same transaction (without the reason: that is
    the client's to read, not the log's)."""
    if by in (CancelledBy.client, CancelledBy.erasure) and booking.starts_at <= now:
        raise OutsideRules(Refusal.started, rules)
    async with use_case(session):
        done = await _cancel(session, booking, by=by, rules=rules, now=now, reason=reason)
        if done is not None and admin is not None:
            audit.add(
                session,
                actor=admin,
                action="booking.cancel",
                target=f"booking:{booking.id}",
                details={"therapist": booking.therapist_id},
                now=now,
            )
    if done is None:
        raise BookingGone
    return (await _reloaded(session, [done]))[0]


async def cancel_upcoming(
    session: AsyncSession,
    client: User,
    *,
    by: CancelledBy,
    rules: Rules,
    now: datetime,
    reason: str | None = None,
    therapist_id: int | None = None,
) -> list[Cancelled]:
    """Cancel every session of a client that has not started (with one therapist, when
    given), in one transaction: a change of therapist or an erasure. The regular times
    with that therapist end too."""
    async with use_case(session):
        if therapist_id is not None:
            await end_series(
                session, client.id, by=SeriesEnd.change, now=now, therapist_id=therapist_id
            )
        done = [
            item
            for booking in await cancellable_of(session, client, now, therapist_id=therapist_id)
            if (item := await _cancel(session, booking, by=by, rules=rules, now=now, reason=reason))
        ]
    return await _reloaded(session, done)


async def erase_client(
    session: AsyncSession, client: User, *, rules: Rules, now: datetime
) -> list[Cancelled]:
    """Erasure: the client's sessions that have not started are cancelled by the usual
    rules (the confirmation said what happens to each payment), their packages closed and
    the unused credits refunded, then the profile is emptied and every trace of the person
    removed (`db.erasure`), in one transaction."""
    telegram_id = client.telegram_id
    async with use_case(session):
        await end_series(session, client.id, by=SeriesEnd.erasure, now=now)
        done = [
            item
            for booking in await cancellable_of(session, client, now)
            if (
                item := await _cancel(
                    session, booking, by=CancelledBy.erasure, rules=rules, now=now, reason=None
                )
            )
        ]
        # The packages close after the cancellations gave their credits back; the unused
        # credits are refunded pro rata (`db.packages`).
        await packages.close_all(session, client.id, RefundReason.package_erased, now)
        # A couple: only this person's part goes; the other one's sessions stay theirs.
        await couples.erase(session, client.id, now)
        await waitlist.erase(session, client.id, now)
        await seats.erase(session, client.id, rules.offer_hold, now)
        await erasure.erase_requests(session, client.id, now)
        await empty_profile(session, client, now)
        await erasure.erase_traces(session, client.id, telegram_id)
    return done


async def release_lapsed_holds(
    session: AsyncSession, rules: Rules, now: datetime, *, limit: int = 100
) -> list[int]:
    """Let go of times held for clients who did not pay in time, each in its own
    transaction; the client is told. A hold paid meanwhile is left alone."""
    lapsed_ids = list(
        await session.scalars(
            select(Booking.id)
            .where(
                Booking.status == BookingStatus.pending_payment,
                Booking.hold_expires_at <= now,
            )
            .order_by(Booking.hold_expires_at)
            .limit(limit)
        )
    )
    await session.commit()
    released = []
    for booking_id in lapsed_ids:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            continue
        async with use_case(session):
            done = await _cancel(
                session, booking, by=CancelledBy.hold_expired, rules=rules, now=now, reason=None
            )
        if done is not None:
            released.append(booking_id)
    return released


# -- payments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    outcome: Settled
    booking: Booking
    money: MoneyBack  # for lost and mismatch: how the money goes back


async def settle(
    session: AsyncSession,
    *,
    booking: Booking,
    payer_telegram_id: int,
    amount: int,
    currency: str,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    price: Price,
    rules: Rules,
    now: datetime,
) -> Settlement:
    """Record a payment and confirm the booking it pays for.

    The charge id is unique: the same payment delivered twice is recorded once. The amount
    and currency must be `price`, what the booking's invoice asks (whatever pre-checkout
    said); otherwise the payment is returned. A payment for a hold that lapsed takes the
    time back if it is still free, and is returned if not."""
    async with use_case(session):
        duplicate = Settlement(Settled.duplicate, booking, MoneyBack.nothing)
        # The charge id is unique: a payment delivered twice (or twice at once) is
        # recorded by one delivery only, the other inserts nothing.
        payment = await session.scalar(
            insert_for(session, Payment)
            .values(
                booking_id=booking.id,
                amount=amount,
                currency=currency,
                telegram_charge_id=telegram_charge_id,
                provider_charge_id=provider_charge_id,
                status=PaymentStatus.paid,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=[Payment.telegram_charge_id])
            .returning(Payment)
        )
        if payment is None:
            return duplicate
        if (amount, currency) != (price.amount, price.currency):
            outcome = Settled.mismatch
        else:
            outcome = await _confirm(session, booking, now)
        money = MoneyBack.nothing
        if outcome in (Settled.lost, Settled.mismatch, Settled.twice):
            money = MoneyBack.stars if currency == STARS else MoneyBack.manual
            await outbox.refund_payment(
                session,
                payment,
                RefundReason(outcome),
                now,
                payer_telegram_id=payer_telegram_id,
                stars=money is MoneyBack.stars,
            )
        else:
            await reminders.follow_booking(session, booking.id, rules.reminders, now)
            await record_event(session, "payment", now)
            await tell_practice(session, events.Booked(booking_id=booking.id), now)
    if outcome is Settled.confirmed:
        # What the UPDATE wrote, told to the loaded row without reading it back.
        for key, value in (
            ("status", BookingStatus.confirmed),
            ("confirmed_at", now),
            ("hold_expires_at", None),
        ):
            set_committed_value(booking, key, value)
    else:
        await session.refresh(booking)
    return Settlement(outcome, booking, money)


async def _confirm(session: AsyncSession, booking: Booking, now: datetime) -> Settled:
    held = (
        await session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == BookingStatus.pending_payment)
            .values(status=BookingStatus.confirmed, confirmed_at=now, hold_expires_at=None)
            .returning(Booking.slot_id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if held is not None:
        await slot_states.take(session, held.slot_id, SlotStatus.booked, from_=SlotStatus.held)
        return Settled.confirmed
    current = (
        await session.execute(
            select(Booking.status, Booking.cancelled_by, Booking.starts_at).where(
                Booking.id == booking.id
            )
        )
    ).one()
    if current.status in (BookingStatus.confirmed, BookingStatus.completed):
        return Settled.twice
    if (
        current.status != BookingStatus.cancelled
        or current.cancelled_by != CancelledBy.hold_expired
        or current.starts_at <= now
    ):
        return Settled.lost
    # The hold lapsed while the client was paying: take the time back if it is still free.
    if booking.group_date_id is not None:
        return await _reclaim_seat(session, booking, now)
    slot_id = await session.scalar(
        select(Slot.id).where(
            Slot.therapist_id == booking.therapist_id, Slot.starts_at == current.starts_at
        )
    )
    if slot_id is None or not await slot_states.take(session, slot_id, SlotStatus.booked):
        return Settled.lost
    if not await _confirmed_again(session, booking, now, slot_id=slot_id):
        await _free_slot(session, slot_id)
        return Settled.lost
    return Settled.reclaimed


async def _reclaim_seat(session: AsyncSession, booking: Booking, now: datetime) -> Settled:
    """A group seat whose hold lapsed while the client was paying: back, if one is free."""
    assert booking.group_date_id is not None
    if not await seats.take(session, booking.group_date_id, now):
        return Settled.lost
    if not await _confirmed_again(session, booking, now):
        await seats.free(session, booking.group_date_id)
        return Settled.lost
    return Settled.reclaimed


async def _confirmed_again(
    session: AsyncSession, booking: Booking, now: datetime, *, slot_id: int | None = None
) -> bool:
    """A lapsed hold, paid late, confirmed after all (on `slot_id`, a slot just taken back);
    False when the database refuses it (the client booked something else at that time
    meanwhile) or it is no longer the cancelled hold."""
    values: dict[str, object] = {
        "status": BookingStatus.confirmed,
        "confirmed_at": now,
        "cancelled_at": None,
        "cancelled_by": None,
        "cancel_reason": None,
    }
    if slot_id is not None:
        values["slot_id"] = slot_id
    try:
        async with refusable(session):
            back = await session.execute(
                update(Booking)
                .where(Booking.id == booking.id, Booking.status == BookingStatus.cancelled)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        return False
    return bool(back.rowcount == 1)  # type: ignore[attr-defined]


async def refund_unmatched(
    session: AsyncSession,
    *,
    payer_telegram_id: int,
    amount: int,
    currency: str,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    now: datetime,
) -> MoneyBack:
    """Money that names no booking of its payer goes back (Stars at once, else by the
    admins, who are told with the charge ids)."""
    async with use_case(session):
        if await session.scalar(
            select(Refund.id).where(Refund.telegram_charge_id == telegram_charge_id)
        ):
            return MoneyBack.nothing  # delivered again: its refund is already on its way
        await outbox.refund(
            session,
            RefundReason.unmatched,
            now,
            payment_id=None,
            booking_id=None,
            amount=amount,
            currency=currency,
            telegram_charge_id=telegram_charge_id,
            provider_charge_id=provider_charge_id,
            payer_telegram_id=payer_telegram_id,
            stars=currency == STARS,
        )
    return MoneyBack.stars if currency == STARS else MoneyBack.manual


# -- after the session -------------------------------------------------------------------


async def mark_outcome(
    session: AsyncSession, *, therapist_id: int, booking_id: int, status: str, now: datetime
) -> Booking:
    """The therapist marks a session that has started as held or missed."""
    if status not in (BookingStatus.completed, BookingStatus.no_show):
        raise OutcomeRefused
    async with use_case(session):
        booking = await session.scalar(
            select(Booking).where(Booking.id == booking_id, Booking.therapist_id == therapist_id)
        )
        if booking is None or booking.starts_at > now:
            raise OutcomeRefused
        marked = await session.execute(
            update(Booking)
            .where(
                Booking.id == booking_id,
                Booking.status.in_(
                    (BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)
                ),
            )
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            raise OutcomeRefused
        if booking.purchase_id is not None:
            await packages.spend(session, booking_id, now)  # once, whatever the mark
    await session.refresh(booking)
    return booking
