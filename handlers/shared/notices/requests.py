"""Booking requests to a therapist who confirms bookings first: the request card, and the
answers each side hears (the time is the proposed one once there is one). A request gone
(erased with its client) says nothing, except its erasure, which tells the therapist the
time only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name, when_html
from bot.i18n import Texts
from db import checkins, events, series_calendar
from db.events import To
from db.models import Booking, BookingRequest, BookingStatus, RequestStatus, Therapist, User
from handlers.shared.cards import calendar_file
from handlers.shared.invoices import invoice_method
from handlers.shared.notices.base import Letter, Writer, client_name, client_topics, reachable
from keyboards.catalog import find_others_keyboard
from keyboards.checkins import consent_keyboard
from keyboards.requests import proposal_keyboard, request_card_keyboard

# What the therapist hears of a request's end: one line each.
THERAPIST_KEYS = {
    events.RequestRefused: "notify-request-refused",
    events.RequestWithdrawn: "notify-request-withdrawn",
    events.RequestLapsed: "notify-request-lapsed",
}


@dataclass(frozen=True)
class Asked:
    """A request, its two people, and one of them as the reader."""

    request: BookingRequest
    therapist: Therapist
    client: User
    chat_id: int
    t: Texts
    values: dict[str, str]  # the name of the other side, the time and the reader's zone


class RequestLetters(Writer):
    async def _asked(self, session: AsyncSession, request_id: int, recipient: To) -> Asked | None:
        """The request as its recipient reads it; None when it is gone or they cannot be
        told (a therapist not linked, a client who erased their data)."""
        request = await session.get(BookingRequest, request_id)
        if request is None:
            return None
        therapist = await session.get(Therapist, request.therapist_id)
        client = await session.get(User, request.client_id)
        assert therapist is not None and client is not None
        start = request.proposed_starts_at or request.starts_at
        if recipient == To.therapist:
            if not therapist.telegram_id:
                return None
            t = self.therapist_texts(therapist)
            values = {
                "client": client_name(t, client),
                "when": when_html(t, start, therapist.timezone),
                "zone": therapist.timezone,
            }
            return Asked(request, therapist, client, therapist.telegram_id, t, values)
        chat = reachable(client)
        if chat is None:
            return None
        t = self.translator.for_language(client.language)
        values = {
            "name": local_name(therapist, t.language),
            "when": when_html(t, start, client.timezone),
            "zone": client.timezone,
        }
        return Asked(request, therapist, client, chat, t, values)

    async def new(self, session: AsyncSession, event: events.RequestNew) -> list[Letter]:
        """The therapist's card with the answers, while the request still waits for one."""
        asked = await self._asked(session, event.request_id, event.recipient)
        if asked is None or asked.request.status != RequestStatus.pending:
            return []  # answered or withdrawn before the card went out
        t, request, therapist = asked.t, asked.request, asked.therapist
        text = t(
            "notify-request-new",
            format=t(f"format-{request.format}"),
            topics=await client_topics(session, asked.client, t.language),
            note=request.note or "—",
            due=when_html(t, request.answer_due_at, therapist.timezone),
            **asked.values,
        )
        return [Letter(asked.chat_id, text, request_card_keyboard(t, request.id))]

    async def accepted(
        self, session: AsyncSession, event: events.RequestAccepted, now: datetime
    ) -> list[Letter]:
        """Booked: the calendar file, or, when it is a hold, the invoice after the text."""
        asked = await self._asked(session, event.request_id, event.recipient)
        if asked is None:
            return []
        booking = await session.get(Booking, event.booking_id)
        if booking is None:
            raise LookupError(f"booking {event.booking_id} is gone")
        t, therapist, client = asked.t, asked.therapist, asked.client
        if booking.status == BookingStatus.pending_payment:
            assert booking.hold_expires_at is not None
            text = t(
                "notice-request-accepted-pay",
                until=when_html(t, booking.hold_expires_at, client.timezone),
                **asked.values,
            )
            invoice = invoice_method(asked.chat_id, t, booking, therapist, client, self.settings)
            return [Letter(asked.chat_id, text, invoice=invoice)]
        place = await series_calendar.calendar_place(session, booking)
        document = calendar_file(t, booking, therapist, client.timezone, now, place)
        text = t("notice-request-accepted", **asked.values)
        letters = [Letter(asked.chat_id, text, None, document, t("book-ics-caption"))]
        if await checkins.answer_of(session, client) is None:
            # As after any booking: check-ins are offered until the client answers.
            letters.append(Letter(asked.chat_id, t("checkin-consent"), consent_keyboard(t)))
        return letters

    async def proposed(self, session: AsyncSession, event: events.RequestProposed) -> list[Letter]:
        asked = await self._asked(session, event.request_id, event.recipient)
        if asked is None or asked.request.status != RequestStatus.proposed:
            return []
        t = asked.t
        due = when_html(t, asked.request.answer_due_at, asked.client.timezone)
        text = t("notice-request-proposed", due=due, **asked.values)
        return [Letter(asked.chat_id, text, proposal_keyboard(t, asked.request.id))]

    async def declined(self, session: AsyncSession, event: events.RequestDeclined) -> list[Letter]:
        """Declined, with a way to the matches without that therapist."""
        asked = await self._asked(session, event.request_id, event.recipient)
        if asked is None:
            return []
        t, reason = asked.t, asked.request.decline_reason
        text = t(
            "notice-request-declined",
            reason=t(f"request-why-{reason}") if reason else "",
            **asked.values,
        )
        return [Letter(asked.chat_id, text, find_others_keyboard(t, asked.therapist.id))]

    async def ended(
        self,
        session: AsyncSession,
        event: events.RequestRefused | events.RequestWithdrawn | events.RequestLapsed,
    ) -> list[Letter]:
        """A request that ended without a booking; a lapse is told to both."""
        asked = await self._asked(session, event.request_id, event.recipient)
        if asked is None:
            return []
        t = asked.t
        if event.recipient == To.therapist:
            return [Letter(asked.chat_id, t(THERAPIST_KEYS[type(event)], **asked.values))]
        text = t("notice-request-lapsed", **asked.values)
        return [Letter(asked.chat_id, text, find_others_keyboard(t, asked.therapist.id))]

    async def erased(self, session: AsyncSession, event: events.RequestErased) -> list[Letter]:
        """A request withdrawn by an erasure: the therapist hears of the time only."""
        therapist = await session.get(Therapist, event.therapist_id)
        if therapist is None or not therapist.telegram_id:
            return []
        t = self.therapist_texts(therapist)
        when = when_html(t, event.starts_at, therapist.timezone)
        text = t("notify-request-erased", when=when, zone=therapist.timezone)
        return [Letter(therapist.telegram_id, text)]
