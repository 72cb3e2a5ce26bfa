"""Releasing times held for clients who did not pay in time."""

from __future__ import annotations

import logging

from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.formatting import when_text
from bot.i18n import Translator
from bot.notify import Outgoing
from bot.timezones import Clock
from db import payments
from db.models import User
from keyboards.menu import MenuAction

log = logging.getLogger(__name__)


async def release_expired_holds(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    outgoing: Outgoing,
    translator: Translator,
    clock: Clock,
) -> int:
    """Cancel unpaid bookings whose hold ran out and tell each client, with a button to
    choose a time again. Safe with several processes: a booking is cancelled only once."""
    async with sessionmaker() as session:
        released = await payments.expire_holds(session, clock.now())
        for booking in released:
            client = await session.get(User, booking.client_id)
            if client is None or client.telegram_id is None or client.blocked_bot_at:
                continue
            t = translator.for_language(client.language)
            again = InlineKeyboardBuilder()
            again.button(text=t("hold-expired-button"), callback_data=MenuAction(action="find"))
            await outgoing.send_message(
                client.telegram_id,
                t("hold-expired", when=when_text(t, booking.starts_at, client.timezone)),
                reply_markup=again.as_markup(),
            )
    if released:
        log.info("released %d expired holds", len(released))
    return len(released)
