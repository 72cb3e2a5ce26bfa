"""What an erasure removes besides the profile: every trace that links the emptied row back
to a Telegram account or keeps what the person wrote. Part of the erasure use case
(`db.bookings.erase_client`); nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import checkins, events, inbox, outbox, slot_states
from db.models import (
    OPEN_REQUEST_STATUSES,
    AuditEntry,
    Booking,
    BookingRequest,
    CheckinConsent,
    FsmRecord,
    RelayedMessage,
    Rematch,
    SlotStatus,
)
from db.transactions import use_case


async def forget_conversations(session: AsyncSession, telegram_id: int) -> None:
    """Conversation state of the person in every chat (a group too) and every destiny.
    Keys read `fsm:<chat>:<user>:<destiny>` (`db.fsm.DatabaseStorage`)."""
    keys = await session.scalars(
        select(FsmRecord.key).where(FsmRecord.key.like(f"%:{telegram_id}:%"))
    )
    mine = [key for key in keys if key.split(":")[2:3] == [str(telegram_id)]]
    if mine:
        await session.execute(delete(FsmRecord).where(FsmRecord.key.in_(mine)))


async def erase_requests(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Booking requests (`db.requests`): open ones are withdrawn (their times free again,
    the therapist told the time only), and every request goes, with the client's note."""
    open_requests = await session.execute(
        select(
            BookingRequest.therapist_id,
            BookingRequest.starts_at,
            BookingRequest.slot_id,
            BookingRequest.proposed_slot_id,
            BookingRequest.proposed_starts_at,
        ).where(
            BookingRequest.client_id == user_id,
            BookingRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
    )
    for therapist_id, starts_at, slot_id, proposed_id, proposed_at in open_requests.all():
        held = [held_id for held_id in (slot_id, proposed_id) if held_id is not None]
        await slot_states.release(session, *held, from_=SlotStatus.requested)
        when = proposed_at or starts_at
        erased = events.RequestErased(therapist_id=therapist_id, starts_at=when)
        await outbox.notify(session, erased, now)
    await session.execute(delete(BookingRequest).where(BookingRequest.client_id == user_id))


async def erase_traces(session: AsyncSession, user_id: int, telegram_id: int | None) -> None:
    # Check-ins are health data: every answer, score and the consent to them go.
    await checkins.erase_answers(session, user_id)
    await session.execute(delete(CheckinConsent).where(CheckinConsent.user_id == user_id))
    # What they wrote about their sessions is theirs; the rating number stays, anonymous.
    await session.execute(
        update(Booking)
        .where(Booking.client_id == user_id)
        .values(rating_comment=None)
        .execution_options(synchronize_session=False)
    )
    # Why they changed therapist in their own words goes; the chip's reason stays counted.
    await session.execute(
        update(Rematch)
        .where(Rematch.client_id == user_id)
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    # The relay log keeps who talked to whom (a therapist's reply is then told that the
    # client left) but no longer names the client's chat.
    await session.execute(
        update(RelayedMessage)
        .where(RelayedMessage.client_id == user_id, RelayedMessage.direction == "to_therapist")
        .values(source_chat_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(RelayedMessage)
        .where(RelayedMessage.client_id == user_id, RelayedMessage.direction == "to_client")
        .values(target_chat_id=None)
        .execution_options(synchronize_session=False)
    )
    if telegram_id is None:
        return
    # Refused attempts stay counted, but no longer say whose account made them.
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_telegram_id == telegram_id)
        .values(actor_telegram_id=None)
        .execution_options(synchronize_session=False)
    )
    await forget_conversations(session, telegram_id)
    await inbox.forget_person(session, telegram_id)


async def forget_person(session: AsyncSession, telegram_id: int) -> None:
    """Someone who never consented (declined, or too young): their conversation state goes,
    as the bot promised that nothing is kept."""
    async with use_case(session):
        await forget_conversations(session, telegram_id)
