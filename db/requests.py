"""Therapists who confirm bookings first: a booking request's life.

A therapist's `approval` says which bookings wait for their answer: `every` one, a new
client's `first` one (no session with them confirmed before), or none (`auto`). In
confirmation mode `ask` holds the time (`free → requested`, the same conditional update
as a booking, so nobody else can take it) and tells the therapist. The answer is due
within `APPROVAL_HOURS`, but never later than the minimum notice before the session.

- `accept`: the time becomes the client's booking, or a hold with its invoice when
  payments are on (the invoice comes only now). The client is told.
- `decline` (with an optional reason): the time is free again; the client is told kindly
  and offered other therapists who fit.
- `propose`: the therapist holds another free time of theirs instead, and the first one is
  free again; the client accepts it with one tap (`take_proposal`) or says no
  (`refuse_proposal`).
- `withdraw`: the client takes the request back.
- `lapse_due` (the holds job): unanswered by the due time, the request lapses. The time
  is free again, and client and therapist are told.

Each is a use case that changes a request only in the state it saw (`UPDATE … WHERE
status = …`), so of the therapist's tap and the lapse, exactly one wins. What they cause
for others is written as notices in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.policy import Rules
from bot.rules.refusals import told
from db import bookings, events, outbox, slot_states
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    OPEN_REQUEST_STATUSES,
    Approval,
    Booking,
    BookingRequest,
    RequestStatus,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from db.transactions import use_case
from db.users import record_event

NOTE_LIMIT = 500  # characters of the client's note
DECLINE_REASONS = ("full", "fit", "time")  # no room for new clients, not my field, the time


class RequestGone(bookings.BookingError):
    """Not this person's request, or no longer in the state the button was for."""

    key = "request-gone"


async def needs_approval(session: AsyncSession, therapist: Therapist, client: User) -> bool:
    """Whether booking this therapist waits for their answer."""
    if therapist.approval == Approval.every:
        return True
    if therapist.approval != Approval.first:
        return False
    seen = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.client_id == client.id,
            Booking.therapist_id == therapist.id,
            Booking.confirmed_at.is_not(None),
        )
    )
    return not seen


async def _hold(session: AsyncSession, slot_id: int) -> None:
    if not await slot_states.take(session, slot_id, SlotStatus.requested):
        raise bookings.SlotTaken


async def _release(session: AsyncSession, *slot_ids: int | None) -> None:
    await slot_states.release(session, *slot_ids, from_=SlotStatus.requested)


async def _client_busy(
    session: AsyncSession, client: User, slot: Slot, *, except_request: int | None = None
) -> bool:
    """An active session or another open request of the client's overlaps the time."""
    booked = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.client_id == client.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at < slot.ends_at,
            Booking.ends_at > slot.starts_at,
        )
    )
    requested = await bookings.requested_overlapping(
        session, client.id, slot.starts_at, slot.ends_at, except_request=except_request
    )
    return bool(booked or requested)


@told(
    (bookings.ClientBusy, "request-busy"),
    (bookings.OutsideRules, None),
    (bookings.BookingError, "book-taken"),
)
async def ask(
    session: AsyncSession,
    *,
    client: User,
    slot_id: int,
    format: str,
    note: str | None,
    rules: Rules,
    now: datetime,
) -> BookingRequest:
    """Ask the therapist for the time; it is held until they answer or the request lapses."""
    async with use_case(session):
        request = await ask_within(
            session,
            client=client,
            slot_id=slot_id,
            format=format,
            note=note,
            rules=rules,
            now=now,
        )
    return request


async def ask_within(
    session: AsyncSession,
    *,
    client: User,
    slot_id: int,
    format: str,
    note: str | None,
    rules: Rules,
    now: datetime,
) -> BookingRequest:
    """`ask` inside a use case that owns the transaction (a waitlist offer taken)."""
    if note is not None and len(note) > NOTE_LIMIT:
        raise ValueError("the note is too long")
    view = await bookings.check_bookable(session, slot_id, client, rules, now, format=format)
    if await _client_busy(session, client, view.slot):
        raise bookings.ClientBusy
    await _hold(session, slot_id)
    request = BookingRequest(
        client_id=client.id,
        therapist_id=view.therapist.id,
        slot_id=slot_id,
        starts_at=view.slot.starts_at,
        format=format,
        note=note or None,
        status=RequestStatus.pending,
        created_at=now,
        answer_due_at=rules.answer_due(view.slot.starts_at, now),
    )
    session.add(request)
    await session.flush()
    await outbox.notify(session, events.RequestNew(request_id=request.id), now)
    await record_event(session, "request", now)
    return request


async def _close(
    session: AsyncSession,
    request: BookingRequest,
    was: RequestStatus,
    becomes: RequestStatus,
    now: datetime,
    **values: object,
) -> None:
    """Move the request on only from the state it was seen in; else RequestGone. The
    first move is the answer (`answered_at`): the client's answer to a proposed time
    leaves the therapist's moment as it was."""
    changed = await session.execute(
        update(BookingRequest)
        .where(BookingRequest.id == request.id, BookingRequest.status == was)
        .values(
            status=becomes, answered_at=func.coalesce(BookingRequest.answered_at, now), **values
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise RequestGone


async def own_request(
    session: AsyncSession, client: User, request_id: int
) -> BookingRequest | None:
    return await session.scalar(
        select(BookingRequest).where(
            BookingRequest.id == request_id, BookingRequest.client_id == client.id
        )
    )


async def therapist_request(
    session: AsyncSession, therapist_id: int, request_id: int
) -> BookingRequest | None:
    return await session.scalar(
        select(BookingRequest).where(
            BookingRequest.id == request_id, BookingRequest.therapist_id == therapist_id
        )
    )


async def open_of(session: AsyncSession, client: User) -> list[BookingRequest]:
    """The client's requests that wait for an answer, soonest first (for the cabinet)."""
    return list(
        await session.scalars(
            select(BookingRequest)
            .where(
                BookingRequest.client_id == client.id,
                BookingRequest.status.in_(OPEN_REQUEST_STATUSES),
            )
            .order_by(BookingRequest.starts_at)
        )
    )


async def open_for_therapist(
    session: AsyncSession, therapist_id: int
) -> list[tuple[BookingRequest, User]]:
    """Requests that wait for the therapist's answer, and their clients, soonest due first
    (for /schedule)."""
    rows = await session.execute(
        select(BookingRequest, User)
        .join(User, User.id == BookingRequest.client_id)
        .where(
            BookingRequest.therapist_id == therapist_id,
            BookingRequest.status == RequestStatus.pending,
        )
        .order_by(BookingRequest.answer_due_at)
    )
    return [(request, client) for request, client in rows]


async def _book(
    session: AsyncSession,
    request: BookingRequest,
    slot_id: int | None,
    rules: Rules,
    now: datetime,
) -> Booking:
    """Hand the held time from the request to a booking, in the caller's transaction."""
    client = await session.get(User, request.client_id)
    if slot_id is None or client is None or client.deleted_at is not None:
        raise RequestGone
    await slot_states.release(session, slot_id, from_=SlotStatus.requested)
    booking = await bookings.book_within(
        session,
        client=client,
        slot_id=slot_id,
        format=request.format,
        rules=rules,
        now=now,
        hold=rules.payment_hold,
    )
    await session.execute(
        update(BookingRequest)
        .where(BookingRequest.id == request.id)
        .values(booking_id=booking.id)
        .execution_options(synchronize_session=False)
    )
    return booking


@told(
    (RequestGone, "request-gone-therapist"),
    (bookings.ClientBusy, "request-client-busy"),
    (bookings.BookingError, "request-cannot"),
)
async def accept(
    session: AsyncSession,
    *,
    therapist_id: int,
    request_id: int,
    rules: Rules,
    now: datetime,
) -> Booking:
    """The therapist accepts: the usual booking (a hold with its invoice when payments
    are on), and the client is told."""
    async with use_case(session):
        request = await therapist_request(session, therapist_id, request_id)
        if request is None:
            raise RequestGone
        await _close(session, request, RequestStatus.pending, RequestStatus.accepted, now)
        booking = await _book(session, request, request.slot_id, rules, now)
        accepted = events.RequestAccepted(booking_id=booking.id, request_id=request.id)
        await outbox.notify(session, accepted, now)
    return booking


@told((RequestGone, "request-gone-therapist"))
async def decline(
    session: AsyncSession,
    *,
    therapist_id: int,
    request_id: int,
    reason: str | None,
    now: datetime,
) -> BookingRequest:
    if reason is not None and reason not in DECLINE_REASONS:
        raise ValueError("not a reason a button offers")
    async with use_case(session):
        request = await therapist_request(session, therapist_id, request_id)
        if request is None:
            raise RequestGone
        await _close(
            session,
            request,
            RequestStatus.pending,
            RequestStatus.declined,
            now,
            decline_reason=reason,
        )
        await _release(session, request.slot_id)
        await outbox.notify(session, events.RequestDeclined(request_id=request.id), now)
    return request


@told(
    (RequestGone, "request-gone-therapist"),
    (bookings.ClientBusy, "request-propose-busy"),
    (bookings.BookingError, "request-propose-taken"),
)
async def propose(
    session: AsyncSession,
    *,
    therapist_id: int,
    request_id: int,
    slot_id: int,
    rules: Rules,
    now: datetime,
) -> BookingRequest:
    """The therapist proposes another free time of theirs: it is held instead of the first
    one, and the client is asked."""
    async with use_case(session):
        request = await therapist_request(session, therapist_id, request_id)
        if request is None:
            raise RequestGone
        client = await session.get(User, request.client_id)
        if client is None or client.deleted_at is not None:
            raise RequestGone
        view = await bookings.check_bookable(
            session, slot_id, client, rules, now, format=request.format
        )
        if view.therapist.id != therapist_id:
            raise bookings.SlotUnavailable
        if await _client_busy(session, client, view.slot, except_request=request.id):
            raise bookings.ClientBusy  # a time the client has something else at
        await _hold(session, slot_id)
        await _close(
            session,
            request,
            RequestStatus.pending,
            RequestStatus.proposed,
            now,
            proposed_slot_id=slot_id,
            proposed_starts_at=view.slot.starts_at,
            answer_due_at=rules.answer_due(view.slot.starts_at, now),
            # The first time is given up: free for anyone, and no longer this request's
            # to free again when it ends (someone else may hold it by then).
            slot_id=None,
        )
        await _release(session, request.slot_id)
        await outbox.notify(session, events.RequestProposed(request_id=request.id), now)
    await session.refresh(request)
    return request


@told((RequestGone, None), (bookings.ClientBusy, None), (bookings.BookingError, "book-unavailable"))
async def take_proposal(
    session: AsyncSession,
    *,
    client: User,
    request_id: int,
    rules: Rules,
    now: datetime,
) -> Booking:
    """The client takes the proposed time in one tap: booked (or held with its invoice)."""
    async with use_case(session):
        request = await own_request(session, client, request_id)
        if request is None:
            raise RequestGone
        await _close(session, request, RequestStatus.proposed, RequestStatus.accepted, now)
        booking = await _book(session, request, request.proposed_slot_id, rules, now)
    return booking


async def refuse_proposal(
    session: AsyncSession, *, client: User, request_id: int, now: datetime
) -> BookingRequest:
    async with use_case(session):
        request = await own_request(session, client, request_id)
        if request is None:
            raise RequestGone
        await _close(session, request, RequestStatus.proposed, RequestStatus.refused, now)
        await _release(session, request.proposed_slot_id)
        await outbox.notify(session, events.RequestRefused(request_id=request.id), now)
    return request


async def withdraw(
    session: AsyncSession, *, client: User, request_id: int, now: datetime
) -> BookingRequest:
    """The client takes back a request that waits for an answer (either kind)."""
    async with use_case(session):
        request = await own_request(session, client, request_id)
        if request is None or request.status not in OPEN_REQUEST_STATUSES:
            raise RequestGone
        await _close(session, request, RequestStatus(request.status), RequestStatus.withdrawn, now)
        await _release(session, request.slot_id, request.proposed_slot_id)
        await outbox.notify(session, events.RequestWithdrawn(request_id=request.id), now)
    return request


async def lapse_due(session: AsyncSession, now: datetime) -> list[int]:
    """Requests nobody answered in time lapse, each in its own transaction (the holds
    job); client and therapist are told. One answered meanwhile is left alone."""
    due = list(
        await session.scalars(
            select(BookingRequest.id)
            .where(
                BookingRequest.status.in_(OPEN_REQUEST_STATUSES),
                BookingRequest.answer_due_at <= now,
            )
            .order_by(BookingRequest.answer_due_at)
            .limit(100)
        )
    )
    await session.commit()
    lapsed = []
    for request_id in due:
        request = await session.get(BookingRequest, request_id)
        if request is None or request.status not in OPEN_REQUEST_STATUSES:
            continue
        try:
            async with use_case(session):
                await _close(
                    session, request, RequestStatus(request.status), RequestStatus.lapsed, now
                )
                await _release(session, request.slot_id, request.proposed_slot_id)
                for recipient in events.CLIENT_AND_THERAPIST:
                    lapsed_event = events.RequestLapsed(recipient=recipient, request_id=request.id)
                    await outbox.notify(session, lapsed_event, now)
        except RequestGone:
            continue  # answered a moment before
        lapsed.append(request_id)
    return lapsed


async def set_approval(session: AsyncSession, therapist_id: int, mode: Approval) -> None:
    async with use_case(session):
        await session.execute(
            update(Therapist)
            .where(Therapist.id == therapist_id)
            .values(approval=mode)
            .execution_options(synchronize_session=False)
        )
