"""A session's changes, for the therapist and the practice's group: the therapist gets a
card (the client's first name, the time in the therapist's zone, the format and the topics,
never the questionnaire's other answers) with a button to write to the client; the group
the same without the topics."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name, when_html
from db import events, groups
from db.events import To
from db.models import User
from handlers.shared.notices.base import Letter, Writer, booking_of, client_name, client_topics
from keyboards.therapist import session_card_keyboard

SessionEvent = events.Booked | events.Moved | events.Cancelled

# The therapist's text and the group's.
KEYS: dict[type[SessionEvent], tuple[str, str]] = {
    events.Booked: ("notify-booked", "notify-booked-group"),
    events.Moved: ("notify-moved", "notify-moved-group"),
    events.Cancelled: ("notify-cancelled", "notify-cancelled-group"),
}


class PracticeLetters(Writer):
    async def session(self, session: AsyncSession, event: SessionEvent) -> list[Letter]:
        booking = await booking_of(session, event.booking_id)
        if booking is None:
            return []
        therapist = booking.therapist
        client = await session.get(User, booking.client_id)
        assert client is not None
        t = self.practice_texts(therapist, event.recipient)
        was = event.old_starts_at if isinstance(event, events.Moved) else None
        values = {
            "client": client_name(t, client),
            "when": when_html(t, booking.starts_at, therapist.timezone),
            "was": when_html(t, was, therapist.timezone) if was else "—",
            "zone": therapist.timezone,
            "format": t(f"format-{booking.format}"),
        }
        key, group_key = KEYS[type(event)]
        seat = await groups.seat_of(session, booking)
        suffix = ""
        if seat is not None:  # a seat at a group's date: which group, how full
            seats = {"taken": seat.date.taken, "capacity": seat.date.capacity}
            suffix = "\n" + t("notify-group-seat", title=seat.group.title, **seats)
        if event.recipient == To.group:
            chat = self.settings.therapist_chat_id
            if not chat:
                return []
            name = local_name(therapist, t.language)
            return [Letter(chat, t(group_key, therapist=name, **values) + suffix)]
        if not therapist.telegram_id:
            return []
        topics = await client_topics(session, client, t.language)
        markup = (
            None
            if isinstance(event, events.Cancelled)
            else session_card_keyboard(t, booking.id, client.id, started=False)
        )
        text = t(key, topics=topics, **values) + suffix
        return [Letter(therapist.telegram_id, text, markup)]
