"""The client–therapist relay log. Rows say who wrote to whom, when, whether it arrived and
which Telegram message stands for it on each side (so a Telegram reply maps back to the
conversation). Message texts are never stored here: they go straight from one chat to the
other."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import couples
from db.models import Booking, BookingStatus, RelayedMessage, Therapist, User

Direction = Literal["to_therapist", "to_client"]
TO_THERAPIST: Direction = "to_therapist"
TO_CLIENT: Direction = "to_client"


@dataclass(frozen=True)
class Pair:
    """A client and a therapist who have (or had) a booking together."""

    client: User
    therapist: Therapist
    booking: Booking  # the next session when there is one, else the latest
    upcoming: bool
    # `client` is the partner of this booker, linked by the booker's couple sessions.
    booker: User | None = None

    @property
    def client_reachable(self) -> bool:
        """False once the client erased their data: there is no chat to write to."""
        return self.client.telegram_id is not None and self.client.deleted_at is None


async def pair(
    session: AsyncSession, *, client_id: int, therapist_id: int, now: datetime
) -> Pair | None:
    """The two of them, if a real session links them (one that was confirmed, or a hold
    that still lasts); None otherwise. An unpaid hold that lapsed links nobody. A partner
    who joined a couple is linked by the booker's couple sessions (`db.couples`)."""
    client = await session.get(User, client_id)
    therapist = await session.get(Therapist, therapist_id)
    if client is None or therapist is None:
        return None
    found = await _linked(session, client, therapist, client_id, now)
    if found is not None:
        return found
    booker = await couples.booker_of(session, client)
    if booker is None:
        return None
    found = await _linked(session, client, therapist, booker.id, now, format=couples.COUPLE)
    return replace(found, booker=booker) if found is not None else None


async def _linked(
    session: AsyncSession,
    client: User,
    therapist: Therapist,
    booker_id: int,
    now: datetime,
    *,
    format: str | None = None,
) -> Pair | None:
    between = select(Booking).where(
        Booking.client_id == booker_id, Booking.therapist_id == therapist.id
    )
    if format is not None:
        between = between.where(Booking.format == format)
    live_hold = (Booking.status == BookingStatus.pending_payment) & (Booking.hold_expires_at > now)
    upcoming = await session.scalar(
        between.where(
            (Booking.status == BookingStatus.confirmed) | live_hold, Booking.ends_at > now
        )
        .order_by(Booking.starts_at)
        .limit(1)
    )
    if upcoming is not None:
        return Pair(client, therapist, upcoming, upcoming=True)
    latest = await session.scalar(
        between.where(Booking.confirmed_at.is_not(None)).order_by(Booking.starts_at.desc()).limit(1)
    )
    if latest is None:
        return None
    return Pair(client, therapist, latest, upcoming=False)


async def get(session: AsyncSession, relay_id: int) -> RelayedMessage | None:
    return await session.get(RelayedMessage, relay_id)


async def by_target(session: AsyncSession, chat_id: int, message_id: int) -> RelayedMessage | None:
    """The relayed message the bot showed as `message_id` in `chat_id`, if it is one."""
    return await session.scalar(
        select(RelayedMessage)
        .where(
            RelayedMessage.target_chat_id == chat_id,
            RelayedMessage.target_message_id == message_id,
        )
        .order_by(RelayedMessage.id.desc())
        .limit(1)
    )


async def start(
    session: AsyncSession,
    pair: Pair,
    *,
    direction: Direction,
    source_chat_id: int,
    source_message_id: int,
    target_chat_id: int | None,
    urgent: bool,
    now: datetime,
) -> RelayedMessage:
    """Log a message about to be relayed. Committed before sending, so no transaction is
    held open while Telegram answers, and the row's id can go into the reply button."""
    relay = RelayedMessage(
        client_id=pair.client.id,
        therapist_id=pair.therapist.id,
        booking_id=pair.booking.id,
        direction=direction,
        source_chat_id=source_chat_id,
        source_message_id=source_message_id,
        target_chat_id=target_chat_id,
        urgent=urgent,
        created_at=now,
    )
    session.add(relay)
    await session.commit()
    return relay


async def delivered(
    session: AsyncSession, relay_id: int, *, target_message_id: int, now: datetime
) -> None:
    await session.execute(
        update(RelayedMessage)
        .where(RelayedMessage.id == relay_id)
        .values(target_message_id=target_message_id, delivered_at=now)
    )
    await session.commit()
