"""What the therapist and the practice's group learn about a client's bookings.

The therapist (when linked) gets a card: the client's first name, the time in the
therapist's zone, the format and the topics (never the questionnaire's other answers), with
a button to write to the client. THERAPIST_CHAT_ID gets the same without the topics.
Sent through the one outgoing path (`bot.notify.Outgoing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import therapist_name, when_text
from bot.i18n import Translator
from bot.notify import Outgoing
from db import users
from db.models import Booking, Therapist, User
from keyboards.therapist import session_card_keyboard


@dataclass
class Notices:
    outgoing: Outgoing
    translator: Translator
    settings: Settings
    session: AsyncSession

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Notices:
        return cls(data["outgoing"], data["translator"], data["settings"], data["session"])

    async def booking(
        self,
        kind: str,
        booking: Booking,
        therapist: Therapist,
        client: User,
        *,
        old_starts_at: datetime | None = None,
    ) -> None:
        """`kind`: booked, moved, cancelled."""
        language = self.settings.default_language
        t = self.translator.for_language(language)
        questionnaire = await users.get_questionnaire(self.session, client)
        codes = set(questionnaire.topics if questionnaire else [])
        topics = ", ".join(
            (topic.name_en if language == "en" else topic.name_ru)
            for topic in await users.visible_topics(self.session)
            if topic.code in codes
        )
        details = {
            "client": client.first_name or "—",
            "when": when_text(t, booking.starts_at, therapist.timezone),
            "was": when_text(t, old_starts_at, therapist.timezone) if old_starts_at else "—",
            "zone": therapist.timezone,
            "format": t(f"format-{booking.format}"),
            "topics": topics or "—",
        }
        if therapist.telegram_id:
            markup = (
                None
                if kind == "cancelled"
                else session_card_keyboard(t, booking.id, client.id, started=False)
            )
            await self.outgoing.send_message(
                therapist.telegram_id, t(f"notify-{kind}", **details), reply_markup=markup
            )
        if self.settings.therapist_chat_id:
            name = therapist_name(therapist, language)
            await self.outgoing.send_message(
                self.settings.therapist_chat_id,
                t(f"notify-{kind}-group", therapist=name, **details),
            )
