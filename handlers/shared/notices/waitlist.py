"""The waitlist: a freed time offered to a waiting client (nothing once the offer is
closed), and the end of a wait."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name, time_html, when_html
from bot.i18n import Texts
from db import events
from db.models import OfferStatus, Therapist, User, WaitlistEntry, WaitlistOffer
from handlers.shared.notices.base import Letter, Writer, reachable
from keyboards.waitlist import offer_keyboard, wait_button


class WaitlistLetters(Writer):
    async def _people(
        self, session: AsyncSession, client_id: int, therapist_id: int
    ) -> tuple[int, Texts, User, Therapist] | None:
        """The waiting client's chat and texts, unless they can no longer be told."""
        client = await session.get(User, client_id)
        therapist = await session.get(Therapist, therapist_id)
        if client is None:
            return None
        chat = reachable(client)
        if chat is None:
            return None
        assert therapist is not None
        return chat, self.translator.for_language(client.language), client, therapist

    async def offered(self, session: AsyncSession, event: events.WaitlistOffered) -> list[Letter]:
        offer = await session.get(WaitlistOffer, event.offer_id)
        if offer is None or offer.status != OfferStatus.open:
            return []
        people = await self._people(session, offer.client_id, offer.therapist_id)
        if people is None:
            return []
        chat, t, client, therapist = people
        until = offer.expires_at
        text = t(
            "offer-text",
            name=local_name(therapist, t.language),
            when=when_html(t, offer.starts_at, client.timezone),
            zone=client.timezone,
            until=time_html(until, client.timezone),
            minutes=therapist.session_minutes,
        )
        return [Letter(chat, text, offer_keyboard(t, offer.id, offer.entry_id))]

    async def ended(self, session: AsyncSession, event: events.WaitlistEnded) -> list[Letter]:
        entry = await session.get(WaitlistEntry, event.entry_id)
        if entry is None:
            return []
        people = await self._people(session, entry.client_id, entry.therapist_id)
        if people is None:
            return []
        chat, t, _, therapist = people
        name = local_name(therapist, t.language)
        markup = InlineKeyboardMarkup(inline_keyboard=[[wait_button(t, therapist.id)]])
        return [Letter(chat, t("wait-ended", name=name), markup)]
