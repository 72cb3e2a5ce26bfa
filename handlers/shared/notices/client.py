"""What someone else did to a client's session: the practice cancelled it (with the file
that takes it out of a calendar), the hold lapsed, the money came back or is late."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name, when_html
from bot.i18n import Texts
from bot.rules.payments import amount_text
from db import events, groups, series_calendar
from db.models import Booking, Refund, Therapist, User
from handlers.shared.cards import calendar_file
from handlers.shared.notices.base import (
    Letter,
    Writer,
    booking_of,
    find_again,
    money_line,
    reachable,
)

PracticeCancelled = events.CancelledByAdmin | events.CancelledByTherapist
RefundEvent = events.RefundDone | events.RefundDelayed

CANCELLED_KEYS: dict[type[PracticeCancelled], str] = {
    events.CancelledByAdmin: "notice-cancelled-by-admin",
    events.CancelledByTherapist: "notice-cancelled-by-therapist",
}
REFUND_KEYS: dict[type[RefundEvent], str] = {
    events.RefundDone: "notice-refund-done",
    events.RefundDelayed: "notice-refund-delayed",
}


@dataclass(frozen=True)
class Reader:
    """The client of a booking who can still be told, in their language."""

    chat_id: int
    t: Texts
    booking: Booking
    therapist: Therapist
    client: User

    @property
    def when(self) -> str:
        return when_html(self.t, self.booking.starts_at, self.client.timezone)


class ClientLetters(Writer):
    async def _reader(self, session: AsyncSession, booking_id: int) -> Reader | None:
        booking = await booking_of(session, booking_id)
        if booking is None:
            return None
        client = await session.get(User, booking.client_id)
        assert client is not None
        chat = reachable(client)
        if chat is None:
            return None
        t = self.translator.for_language(client.language)
        return Reader(chat, t, booking, booking.therapist, client)

    async def cancelled(self, session: AsyncSession, event: PracticeCancelled) -> list[Letter]:
        """The practice called the session off: what happens to the money, and the
        calendar file that takes the session out when the client had one."""
        reader = await self._reader(session, event.booking_id)
        if reader is None:
            return []
        t, booking, client = reader.t, reader.booking, reader.client
        seat = await groups.seat_of(session, booking)
        text = t(
            CANCELLED_KEYS[type(event)] if seat is None else "notice-group-date-cancelled",
            when=reader.when,
            zone=client.timezone,
            name=local_name(reader.therapist, t.language),
            reason=booking.cancel_reason or "—",
            title=seat.group.title if seat else "",
        )
        money = money_line(t, event.money)
        if money:
            text = f"{text}\n{money}"
        markup = find_again(t)
        if booking.confirmed_at is None:
            return [Letter(reader.chat_id, text, markup)]
        place = await series_calendar.calendar_place(session, booking)
        now = booking.cancelled_at or booking.starts_at
        document = calendar_file(t, booking, reader.therapist, client.timezone, now, place)
        caption = t("book-ics-cancel-caption")
        return [Letter(reader.chat_id, text, markup, document, caption)]

    async def hold_expired(self, session: AsyncSession, event: events.HoldExpired) -> list[Letter]:
        reader = await self._reader(session, event.booking_id)
        if reader is None:
            return []
        text = reader.t("hold-expired", when=reader.when)
        return [Letter(reader.chat_id, text, find_again(reader.t))]

    async def refund(self, session: AsyncSession, event: RefundEvent) -> list[Letter]:
        refund = await session.get(Refund, event.refund_id)
        if refund is None:
            raise LookupError(f"refund {event.refund_id} is gone")
        reader = await self._reader(session, event.booking_id)
        if reader is None:
            return []
        text = reader.t(
            REFUND_KEYS[type(event)],
            amount=amount_text(refund.amount, refund.currency),
            currency=refund.currency,
            when=reader.when,
        )
        return [Letter(reader.chat_id, text)]
