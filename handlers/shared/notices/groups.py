"""Groups: a seat kept for a client waiting for a full date (nothing once the offer is
answered or lapsed), and the end of a wait when the date was called off. Neither names
anyone else of the group."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import time_html, when_html
from db import events, groups
from db.models import GroupWaitStatus, User
from handlers.shared.notices.base import Letter, Writer, reachable
from keyboards.groups import offer_keyboard


class GroupLetters(Writer):
    async def offered(self, session: AsyncSession, event: events.GroupSeatOffered) -> list[Letter]:
        offer = await groups.offer_of(session, event.wait_id)
        if offer is None or offer.wait.status != GroupWaitStatus.offered:
            return []
        client = await session.get_one(User, offer.wait.client_id)
        chat = reachable(client)
        if chat is None or offer.wait.offer_expires_at is None:
            return []
        t = self.translator.for_language(client.language)
        until = offer.wait.offer_expires_at
        text = t(
            "group-offer-text",
            title=offer.group.title,
            when=when_html(t, offer.date.starts_at, client.timezone),
            zone=client.timezone,
            until=time_html(until, client.timezone),
        )
        return [Letter(chat, text, offer_keyboard(t, offer.wait.id))]

    async def wait_ended(self, session: AsyncSession, event: events.GroupWaitEnded) -> list[Letter]:
        offer = await groups.offer_of(session, event.wait_id)
        if offer is None:
            return []
        client = await session.get_one(User, offer.wait.client_id)
        chat = reachable(client)
        if chat is None:
            return []
        t = self.translator.for_language(client.language)
        text = t(
            "group-wait-cancelled",
            title=offer.group.title,
            when=when_html(t, offer.date.starts_at, client.timezone),
            zone=client.timezone,
        )
        return [Letter(chat, text)]
