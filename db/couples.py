"""Couples: the client who books couple sessions invites their partner, who joins with
their own consent and then shares those sessions (`Partnership`).

The booker keeps what is theirs: booking, paying, moving and cancelling a session. The
partner sees the booker's couple sessions still to come, and may skip one of them (the
session stays; the booker and the therapist are told). Either of them may end the
partnership; an erasure ends it and takes only the erased person's part. An invitation is
a one-time code (`t.me/<bot>?start=p_<code>`), valid `INVITE_TTL`; only its SHA-256 is
kept, and it is emptied once used. Each change is a use case that owns its transaction;
what it owes the other person is an outbox notice in the same transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.refusals import Refused
from db import events, outbox
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    PartnerAbsence,
    PartnerEnd,
    Partnership,
    User,
)
from db.outbox import To
from db.transactions import use_case

INVITE_TTL = timedelta(days=7)
COUPLE = "couple"  # the booking format a partner shares


class InviteGone(Refused):
    """Unknown, used, withdrawn or expired."""

    key = "couple-invite-gone"


class OwnInvite(Refused):
    key = "couple-invite-own"


class AlreadyPaired(Refused):
    """The person is in a couple already (as the one who books, or as a partner)."""

    key = "couple-already-paired"


class NotShared(Refused):
    """Not a session this partner shares (any more), or it has started."""

    key = "couple-session-gone"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _open_with(user_id: int) -> ColumnElement[bool]:
    return (Partnership.ended_at.is_(None)) & or_(
        Partnership.booker_id == user_id, Partnership.partner_id == user_id
    )


async def current(session: AsyncSession, user_id: int) -> Partnership | None:
    """The person's open partnership, either side (an invitation not yet used included)."""
    return await session.scalar(select(Partnership).where(_open_with(user_id)))


async def inviter(session: AsyncSession, code: str, now: datetime) -> User | None:
    """Who invites with this code while it works (a read: the person who opened the link
    has stored nothing yet)."""
    return await session.scalar(
        select(User)
        .join(Partnership, Partnership.booker_id == User.id)
        .where(
            Partnership.code_hash == code_hash(code),
            Partnership.ended_at.is_(None),
            Partnership.partner_id.is_(None),
            Partnership.expires_at > now,
            User.deleted_at.is_(None),
        )
    )


async def _invitation(session: AsyncSession, booker: User, now: datetime, **whom: Any) -> int:
    """A new invitation of the booker's (`code_hash` for a link, or `invited_id` for a
    person picked), inside the caller's use case; one not used yet is withdrawn. Refused
    when a partner has joined (end that first) or the booker is someone's partner."""
    found = await current(session, booker.id)
    if found is not None and (found.partner_id is not None or found.booker_id != booker.id):
        raise AlreadyPaired
    if found is not None:
        await _end(session, found.id, PartnerEnd.booker, now)
    try:
        made = await session.scalar(
            insert(Partnership)
            .values(booker_id=booker.id, created_at=now, expires_at=now + INVITE_TTL, **whom)
            .returning(Partnership.id)
        )
    except IntegrityError as error:  # another invitation made at the same moment
        raise AlreadyPaired from error
    assert made is not None
    return int(made)


async def invite(session: AsyncSession, booker: User, now: datetime) -> str:
    """A new one-time code for the booker's partner (`_invitation`)."""
    code = secrets.token_urlsafe(16)
    async with use_case(session):
        await _invitation(session, booker, now, code_hash=code_hash(code))
    return code


async def invite_known(
    session: AsyncSession, booker: User, picked_telegram_id: int, now: datetime
) -> User | None:
    """The booker picked their partner in Telegram: when that person uses the bot (has a
    profile), a new invitation names them and they are sent its button (the link's code
    is withdrawn: one invitation at a time); None when they do not, and nothing is kept
    of them (the booker forwards the link instead)."""
    async with use_case(session):
        picked = await session.scalar(
            select(User).where(
                User.telegram_id == picked_telegram_id,
                User.deleted_at.is_(None),
                User.consent_at.is_not(None),
            )
        )
        if picked is None:
            return None
        if picked.id == booker.id:
            raise OwnInvite
        made = await _invitation(session, booker, now, invited_id=picked.id)
        await outbox.notify(session, events.PartnerInvited(partnership_id=made), now)
    return picked


async def join(
    session: AsyncSession,
    code: str | None,
    partner: User,
    now: datetime,
    *,
    partnership_id: int | None = None,
) -> Partnership:
    """The invited person (with a profile: they consented) joins, by the link's `code`
    or by the button sent to them (`partnership_id`, which must name them); the booker is
    told. An invitation works once: the update that takes it is guarded, and the code is
    emptied."""
    if code is not None:
        which = Partnership.code_hash == code_hash(code)
    else:
        which = (Partnership.id == (partnership_id or 0)) & (Partnership.invited_id == partner.id)
    async with use_case(session):
        found = await session.scalar(
            select(Partnership).where(
                which,
                Partnership.ended_at.is_(None),
                Partnership.partner_id.is_(None),
            )
        )
        if found is None or found.expires_at <= now:
            raise InviteGone
        if found.booker_id == partner.id:
            raise OwnInvite
        if await current(session, partner.id) is not None:
            raise AlreadyPaired
        try:
            joined = await session.execute(
                update(Partnership)
                .where(
                    Partnership.id == found.id,
                    Partnership.partner_id.is_(None),
                    Partnership.ended_at.is_(None),
                )
                .values(partner_id=partner.id, joined_at=now, code_hash=None)
                .execution_options(synchronize_session=False)
            )
        except IntegrityError as error:  # the partner joined another couple meanwhile
            raise AlreadyPaired from error
        if joined.rowcount != 1:  # type: ignore[attr-defined]
            raise InviteGone
        await outbox.notify(session, events.PartnerJoined(partnership_id=found.id), now)
    await session.refresh(found)
    return found


def _other_side(mine: Any, theirs: Any, user_id: int) -> Select[User]:
    """The person on the other side of an open partnership whose `mine` column is
    `user_id` (not erased)."""
    return (
        select(User)
        .join(Partnership, theirs == User.id)
        .where(mine == user_id, Partnership.ended_at.is_(None), User.deleted_at.is_(None))
    )


async def booker_of(session: AsyncSession, partner: User) -> User | None:
    """Whose couple sessions the partner shares; None when they share none."""
    return await session.scalar(
        _other_side(Partnership.partner_id, Partnership.booker_id, partner.id)
    )


async def partner_of(session: AsyncSession, booker_id: int) -> User | None:
    """The booker's joined partner, if any (and not erased)."""
    return await session.scalar(
        _other_side(Partnership.booker_id, Partnership.partner_id, booker_id)
    )


async def attending_partner(session: AsyncSession, booking: Booking) -> User | None:
    """The partner who comes to this couple session with its booker (joined, not erased,
    and not saying they cannot come); None for any other session."""
    if booking.format != COUPLE:
        return None
    skipped = (
        select(PartnerAbsence.booking_id)
        .where(PartnerAbsence.booking_id == booking.id, PartnerAbsence.partner_id == User.id)
        .exists()
    )
    query = _other_side(Partnership.booker_id, Partnership.partner_id, booking.client_id)
    return await session.scalar(query.where(~skipped))


async def shared_sessions(session: AsyncSession, partner: User, now: datetime) -> list[Booking]:
    """The booker's couple sessions still to come that the partner shares (not skipped)."""
    skipped = (
        select(PartnerAbsence.booking_id)
        .where(PartnerAbsence.booking_id == Booking.id, PartnerAbsence.partner_id == partner.id)
        .exists()
    )
    rows = await session.scalars(
        select(Booking)
        .join(Partnership, Partnership.booker_id == Booking.client_id)
        .where(
            Partnership.partner_id == partner.id,
            Partnership.ended_at.is_(None),
            Booking.format == COUPLE,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > now,
            ~skipped,
        )
        .order_by(Booking.starts_at)
    )
    return list(rows)


async def skip(session: AsyncSession, partner: User, booking_id: int, now: datetime) -> Booking:
    """The partner will not come to one shared session that has not started: it stays the
    booker's; the booker and the therapist are told."""
    async with use_case(session):
        shared = {booking.id: booking for booking in await shared_sessions(session, partner, now)}
        booking = shared.get(booking_id)
        if booking is None or booking.starts_at <= now:
            raise NotShared
        session.add(PartnerAbsence(booking_id=booking.id, partner_id=partner.id, created_at=now))
        for recipient in (To.client, To.therapist):
            skipped = events.PartnerSkipped(recipient=recipient, booking_id=booking.id)
            await outbox.notify(session, skipped, now)
    return booking


async def _end(session: AsyncSession, partnership_id: int, by: PartnerEnd, now: datetime) -> bool:
    ended = await session.execute(
        update(Partnership)
        .where(Partnership.id == partnership_id, Partnership.ended_at.is_(None))
        .values(ended_at=now, ended_by=by, code_hash=None)
        .execution_options(synchronize_session=False)
    )
    return bool(ended.rowcount == 1)  # type: ignore[attr-defined]


async def _leave(session: AsyncSession, user_id: int, now: datetime, erased: bool = False) -> bool:
    """The person's open partnership ends (an invitation not used is withdrawn); the other
    one is told when a partner had joined. False when there was none to end."""
    found = await current(session, user_id)
    if found is None:
        return False
    by = PartnerEnd.booker if found.booker_id == user_id else PartnerEnd.partner
    if not await _end(session, found.id, PartnerEnd.erasure if erased else by, now):
        return False
    if found.partner_id is not None:
        other = found.partner_id if by is PartnerEnd.booker else found.booker_id
        told = events.PartnerLeft(
            partnership_id=found.id, told_id=other, by=PartnerEnd.erasure if erased else by
        )
        await outbox.notify(session, told, now)
    return True


async def end(session: AsyncSession, user: User, now: datetime) -> bool:
    """Either of the two ends the partnership; False when there was none."""
    async with use_case(session):
        return await _leave(session, user.id, now)


async def erase(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Part of an erasure (`db.bookings.erase_client`): the person's partnership ends and
    their skips go; the other one's sessions stay theirs, and they are told."""
    await _leave(session, user_id, now, erased=True)
    await session.execute(delete(PartnerAbsence).where(PartnerAbsence.partner_id == user_id))
