"""Offering freed times to the waitlist (`db.waitlist`), and the client's answer.

`make_offers` (the waitlist job, and at once after a decline) looks at each therapist
someone waits for. Their free times in the booking window go to the waits in the order
they joined. A wait gets the earliest time that fits its days and time of day, on the
client's clock. It never gets a time it was offered before, or one that overlaps the
client's sessions. A wait has one open offer at a time, and a client gets at most
`Rules.offers_per_day` offers in their calendar day. The time is taken from the free ones
by the same conditional update as a booking (`free → offered`), so nobody else can book
it. The database keeps one open offer per slot. The client is told by a notice of the outbox.

An offer lasts `Rules.offer_hold`, but never past the last moment the time can still be booked.
Taken (`take`), the time becomes the client's booking, or a hold with an invoice when
payments are on, in one transaction. Declined or expired, the time is free again and goes
to the next wait."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.matching import Preferences, slot_fits
from bot.rules.policy import Rules
from bot.rules.refusals import told
from bot.rules.timezones import zone
from db import bookings, events, outbox, requests, slot_states, waitlist
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingRequest,
    FunnelEvent,
    OfferStatus,
    Questionnaire,
    Slot,
    SlotStatus,
    Therapist,
    User,
    WaitlistEntry,
    WaitlistOffer,
    WaitStatus,
)
from db.transactions import insert_unless_refused, use_case
from db.users import record_event

OFFERED_EVENT = "waitlist-offer"  # a funnel count: an offer made
TAKEN_EVENT = "waitlist-booked"  # a funnel count: an offer booked


class OfferGone(bookings.BookingError):
    """The offer is not the client's, or no longer open."""

    key = "offer-gone"


def _day_start(now: datetime, timezone: str) -> datetime:
    tz = zone(timezone)
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(), tzinfo=tz)


def _fits(entry: WaitlistEntry, client: User, start: datetime) -> bool:
    wanted = Preferences(
        format="individual",
        topics=frozenset(),
        gender="any",
        days=entry.days,
        time_of_day=entry.time_of_day,
        budget=None,
        timezone=client.timezone,
    )
    return slot_fits(start, wanted)


async def make_offers(
    session: AsyncSession,
    *,
    rules: Rules,
    now: datetime,
    therapist_ids: list[int] | None = None,
) -> list[int]:
    """Offer free times to the waits, first joined first (part of a use case). Returns the
    new offers' ids."""
    which = [WaitlistEntry.status == WaitStatus.waiting, WaitlistEntry.until > now]
    if therapist_ids is not None:
        which.append(WaitlistEntry.therapist_id.in_(therapist_ids))
    rows = await session.execute(
        select(WaitlistEntry, User, Questionnaire.format)
        .join(User, User.id == WaitlistEntry.client_id)
        .outerjoin(Questionnaire, Questionnaire.user_id == User.id)
        # Nobody who blocked the bot: they would never hear of the offer it holds.
        .where(*which, User.deleted_at.is_(None), User.blocked_bot_at.is_(None))
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    lines: dict[int, list[tuple[WaitlistEntry, User, str]]] = defaultdict(list)
    for entry, client, format_ in rows:
        lines[entry.therapist_id].append((entry, client, format_ or "individual"))
    if not lines:
        return []
    open_waits = set(
        await session.scalars(
            select(WaitlistOffer.entry_id).where(WaitlistOffer.status == OfferStatus.open)
        )
    )
    seen = await _what_the_waits_had(session, lines, now)
    earliest, latest = rules.booking_window(now)
    made: list[int] = []
    for therapist_id, line in lines.items():
        therapist = await session.get(Therapist, therapist_id)
        if therapist is None or not therapist.active:
            continue
        free = list(
            await session.scalars(
                select(Slot)
                .where(
                    Slot.therapist_id == therapist_id,
                    Slot.status == SlotStatus.free,
                    Slot.starts_at >= earliest,
                    Slot.starts_at < latest,
                )
                .order_by(Slot.starts_at)
            )
        )
        for entry, client, format_ in line:
            if not free:
                break
            if entry.id in open_waits or not waitlist.offers_format(therapist, format_):
                continue
            day_start = _day_start(now, client.timezone)
            today = [at for at in seen.offered_at[client.id] if at >= day_start]
            if len(today) >= rules.offers_per_day:
                continue
            slot = _first_fitting(entry, client, free, seen)
            if slot is None:
                continue
            offer_id = await _offer(session, entry, client, slot, rules, now)
            free.remove(slot)
            if offer_id is not None:
                made.append(offer_id)
                open_waits.add(entry.id)
                seen.offered_at[client.id].append(now)
    return made


@dataclass
class _Seen:
    """What the waits in line had, read once per pass: the times each wait was offered,
    each client's offers of the last day, and each client's sessions."""

    offered: dict[int, set[int | None]]  # wait → slots offered to it before
    offered_at: dict[int, list[datetime]]  # client → when offers reached them
    busy: dict[int, list[tuple[datetime, datetime]]]  # client → their sessions


async def _what_the_waits_had(
    session: AsyncSession, lines: dict[int, list[tuple[WaitlistEntry, User, str]]], now: datetime
) -> _Seen:
    entries = [entry.id for line in lines.values() for entry, _, _ in line]
    clients = list({client.id for line in lines.values() for _, client, _ in line})
    seen = _Seen(defaultdict(set), defaultdict(list), defaultdict(list))
    for entry_id, slot_id in await session.execute(
        select(WaitlistOffer.entry_id, WaitlistOffer.slot_id).where(
            WaitlistOffer.entry_id.in_(entries)
        )
    ):
        seen.offered[entry_id].add(slot_id)
    # A client's calendar day began at most 25 hours ago (a day the clocks go back).
    for client_id, offered_at in await session.execute(
        select(WaitlistOffer.client_id, WaitlistOffer.offered_at).where(
            WaitlistOffer.client_id.in_(clients),
            WaitlistOffer.offered_at > now - timedelta(hours=26),
        )
    ):
        seen.offered_at[client_id].append(offered_at)
    for client_id, starts_at, ends_at in await session.execute(
        select(Booking.client_id, Booking.starts_at, Booking.ends_at).where(
            Booking.client_id.in_(clients),
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > now,
        )
    ):
        seen.busy[client_id].append((starts_at, ends_at))
    return seen


def _first_fitting(
    entry: WaitlistEntry, client: User, free: list[Slot], seen: _Seen
) -> Slot | None:
    offered_before = seen.offered[entry.id]
    busy = seen.busy[client.id]
    for slot in free:
        if slot.id in offered_before or not _fits(entry, client, slot.starts_at):
            continue
        if any(start < slot.ends_at and slot.starts_at < end for start, end in busy):
            continue
        return slot
    return None


async def _offer(
    session: AsyncSession,
    entry: WaitlistEntry,
    client: User,
    slot: Slot,
    rules: Rules,
    now: datetime,
) -> int | None:
    """Hold the slot for the wait and tell the client; None when the slot was taken
    meanwhile (a booking, or another process offering it)."""
    if not await slot_states.take(session, slot.id, SlotStatus.offered):
        return None
    expires = rules.offer_expires(slot.starts_at, now)
    offer_id = await insert_unless_refused(
        session,
        insert(WaitlistOffer)
        .values(
            entry_id=entry.id,
            client_id=client.id,
            therapist_id=entry.therapist_id,
            slot_id=slot.id,
            starts_at=slot.starts_at,
            offered_at=now,
            expires_at=expires,
            status=OfferStatus.open,
        )
        .returning(WaitlistOffer.id),
    )
    if offer_id is None:
        return None
    await outbox.notify(session, events.WaitlistOffered(offer_id=offer_id), now)
    await record_event(session, OFFERED_EVENT, now)
    return int(offer_id)


async def expire_offers(session: AsyncSession, now: datetime) -> list[int]:
    """Offers whose time ran out (part of a use case): their times are free again, for
    the next wait. Returns the therapists whose times came back."""
    therapists = list(
        await session.scalars(
            select(WaitlistOffer.therapist_id)
            .where(WaitlistOffer.status == OfferStatus.open, WaitlistOffer.expires_at <= now)
            .distinct()
        )
    )
    if therapists:
        await waitlist.close_offers(
            session, WaitlistOffer.expires_at <= now, OfferStatus.expired, now
        )
    return therapists


async def end_waits(session: AsyncSession, now: datetime) -> list[int]:
    """Waits whose time ran out (part of a use case); each client is told once."""
    ended = await waitlist.end(session, WaitlistEntry.until <= now, WaitStatus.ended, now)
    for entry_id in ended:
        await outbox.notify(session, events.WaitlistEnded(entry_id=entry_id), now)
    return ended


async def run(session: AsyncSession, *, rules: Rules, now: datetime) -> list[int]:
    """One pass of the waitlist job, in one transaction: expired offers and waits end,
    then free times are offered. Returns the new offers' ids."""
    async with use_case(session):
        await expire_offers(session, now)
        await end_waits(session, now)
        made = await make_offers(session, rules=rules, now=now)
    return made


async def join(
    session: AsyncSession,
    *,
    client: User,
    therapist_id: int,
    days: str,
    time_of_day: str,
    wait_days: int,
    format: str,
    rules: Rules,
    now: datetime,
) -> WaitlistEntry:
    """Join (or change) a wait for the therapist; a fitting free time is offered at once."""
    async with use_case(session):
        entry = await waitlist.join_within(
            session,
            client=client,
            therapist_id=therapist_id,
            days=days,
            time_of_day=time_of_day,
            wait_days=wait_days,
            format=format,
            now=now,
        )
        await make_offers(
            session,
            rules=rules,
            now=now,
            therapist_ids=[therapist_id],
        )
    return entry


async def own_offer(session: AsyncSession, client: User, offer_id: int) -> WaitlistOffer | None:
    return await session.scalar(
        select(WaitlistOffer).where(
            WaitlistOffer.id == offer_id, WaitlistOffer.client_id == client.id
        )
    )


@told((bookings.SlotTaken, "offer-gone"), (bookings.SlotUnavailable, "offer-gone"))
async def take(
    session: AsyncSession,
    *,
    client: User,
    offer_id: int,
    format: str,
    rules: Rules,
    now: datetime,
) -> Booking | BookingRequest:
    """Book the offered time. The offer must be the client's, open and not expired; the
    slot is handed from the offer to the booking inside one transaction, so nobody else
    can take it in between. With a therapist who confirms this client's booking first,
    the time becomes a request instead (`db.requests`), held the same way. A refusal (the
    client booked something at that time meanwhile, say) leaves the offer as it was."""
    async with use_case(session):
        offer = await own_offer(session, client, offer_id)
        if offer is None or offer.slot_id is None or offer.expires_at <= now:
            raise OfferGone
        slot_id = offer.slot_id
        claimed = await session.execute(
            update(WaitlistOffer)
            .where(WaitlistOffer.id == offer_id, WaitlistOffer.status == OfferStatus.open)
            .values(status=OfferStatus.taken, answered_at=now)
            .execution_options(synchronize_session=False)
        )
        handed = await slot_states.release(session, slot_id, from_=SlotStatus.offered)
        if claimed.rowcount != 1 or handed != 1:  # type: ignore[attr-defined]
            raise OfferGone
        therapist = await session.get(Therapist, offer.therapist_id)
        assert therapist is not None
        await record_event(session, TAKEN_EVENT, now)
        if await requests.needs_approval(session, therapist, client):
            return await requests.ask_within(
                session,
                client=client,
                slot_id=slot_id,
                format=format,
                note=None,
                rules=rules,
                now=now,
            )
        booking = await bookings.book_within(
            session,
            client=client,
            slot_id=slot_id,
            format=format,
            rules=rules,
            now=now,
            hold=rules.payment_hold,
        )
        await session.execute(
            update(WaitlistOffer)
            .where(WaitlistOffer.id == offer_id)
            .values(booking_id=booking.id)
            .execution_options(synchronize_session=False)
        )
    return booking


async def decline(
    session: AsyncSession,
    *,
    client: User,
    offer_id: int,
    rules: Rules,
    now: datetime,
) -> bool:
    """The client does not want the offered time: it goes to the next wait at once. False
    when the offer is not the client's or no longer open."""
    async with use_case(session):
        offer = await own_offer(session, client, offer_id)
        if offer is None:
            return False
        closed = await waitlist.close_offers(
            session, WaitlistOffer.id == offer_id, OfferStatus.declined, now
        )
        if not closed:
            return False
        await make_offers(
            session,
            rules=rules,
            now=now,
            therapist_ids=[offer.therapist_id],
        )
    return True


async def leave_waiting(
    session: AsyncSession,
    *,
    client: User,
    entry_id: int,
    rules: Rules,
    now: datetime,
) -> bool:
    """The client leaves a wait; a time it held goes to the next wait at once."""
    async with use_case(session):
        entry = await session.get(WaitlistEntry, entry_id)
        if entry is None or entry.client_id != client.id:
            return False
        ended = await waitlist.end(session, WaitlistEntry.id == entry_id, WaitStatus.left, now)
        if not ended:
            return False
        await make_offers(
            session,
            rules=rules,
            now=now,
            therapist_ids=[entry.therapist_id],
        )
    return True


async def offer_counts(session: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """Offers made and offers booked in [start, end], for the practice's numbers
    (anonymous counts that stay after an erasure)."""
    rows = await session.execute(
        select(FunnelEvent.kind, func.count())
        .where(
            FunnelEvent.kind.in_((OFFERED_EVENT, TAKEN_EVENT)),
            FunnelEvent.created_at >= start,
            FunnelEvent.created_at <= end,
        )
        .group_by(FunnelEvent.kind)
    )
    counts: dict[str, int] = dict(rows.all())
    return int(counts.get(OFFERED_EVENT, 0)), int(counts.get(TAKEN_EVENT, 0))
