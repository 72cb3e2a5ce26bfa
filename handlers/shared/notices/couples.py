"""Couple notices: the booker hears that their partner joined, skips a session or left;
the therapist that only one of the two comes; the partner that the booker ended it. Each
reads only the other person's first name: nothing else of either reaches the other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name, when_html
from db import couples, events, series_calendar
from db.events import To
from db.models import BookingStatus, Partnership, Therapist, User
from handlers.shared.cards import calendar_file
from handlers.shared.notices.base import Letter, Writer, booking_of, client_name, reachable
from keyboards.couples import accept_keyboard


class CoupleLetters(Writer):
    async def joined(self, session: AsyncSession, event: events.PartnerJoined) -> list[Letter]:
        partnership = await session.get(Partnership, event.partnership_id)
        if partnership is None or partnership.partner_id is None:
            return []
        booker = await session.get_one(User, partnership.booker_id)
        partner = await session.get_one(User, partnership.partner_id)
        chat = reachable(booker)
        if chat is None or partnership.ended_at is not None:
            return []
        t = self.translator.for_language(booker.language)
        return [Letter(chat, t("notice-partner-joined", name=client_name(t, partner)))]

    async def invited(self, session: AsyncSession, event: events.PartnerInvited) -> list[Letter]:
        partnership = await session.get(Partnership, event.partnership_id)
        if partnership is None or partnership.invited_id is None:
            return []
        if partnership.ended_at is not None or partnership.partner_id is not None:
            return []  # withdrawn or answered meanwhile
        invited = await session.get_one(User, partnership.invited_id)
        booker = await session.get_one(User, partnership.booker_id)
        chat = reachable(invited)
        if chat is None:
            return []
        t = self.translator.for_language(invited.language)
        text = t("couple-invited", name=client_name(t, booker))
        return [Letter(chat, text, accept_keyboard(t, partnership.id))]

    async def skipped(self, session: AsyncSession, event: events.PartnerSkipped) -> list[Letter]:
        booking = await booking_of(session, event.booking_id)
        if booking is None:
            return []
        booker = await session.get_one(User, booking.client_id)
        if event.recipient is To.therapist:
            therapist = await session.get_one(Therapist, booking.therapist_id)
            if not therapist.telegram_id:
                return []
            t = self.therapist_texts(therapist)
            when = when_html(t, booking.starts_at, therapist.timezone)
            text = t("notice-partner-skipped-therapist", client=client_name(t, booker), when=when)
            return [Letter(therapist.telegram_id, text)]
        chat = reachable(booker)
        if chat is None:
            return []
        t = self.translator.for_language(booker.language)
        text = t("notice-partner-skipped", when=when_html(t, booking.starts_at, booker.timezone))
        return [Letter(chat, text)]

    async def changed(
        self, session: AsyncSession, event: events.PartnerChanged, written_at: datetime
    ) -> list[Letter]:
        booking = await booking_of(session, event.booking_id)
        if booking is None:
            return []
        partner = await couples.partner_of(session, booking.client_id)
        if partner is None or (chat := reachable(partner)) is None:
            return []
        t = self.translator.for_language(partner.language)
        therapist = await session.get_one(Therapist, booking.therapist_id)
        text = t(
            f"notice-partner-{event.change}",
            when=when_html(t, booking.starts_at, partner.timezone),
            zone=partner.timezone,
            name=local_name(therapist, t.language),
        )
        # The partner got the session's calendar file when they joined: the newer one
        # moves the event, or takes it out (the same UID, a higher SEQUENCE).
        place = await series_calendar.calendar_place(session, booking)
        stamp = booking.cancelled_at or written_at
        document = calendar_file(t, booking, therapist, partner.timezone, stamp, place)
        cancelled = booking.status == BookingStatus.cancelled
        caption = t("book-ics-cancel-caption" if cancelled else "book-ics-caption")
        return [Letter(chat, text, None, document, caption)]

    async def left(self, session: AsyncSession, event: events.PartnerLeft) -> list[Letter]:
        told = await session.get(User, event.told_id)
        if told is None or (chat := reachable(told)) is None:
            return []
        t = self.translator.for_language(told.language)
        return [Letter(chat, t(f"notice-partner-left-{event.by}"))]
