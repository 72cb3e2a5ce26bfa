"""Where other features offer check-ins (`handlers.checkins` runs them): after a booking,
the consent to them, asked until the client answers; with consent, a check-in when one
is due (or one left half-way)."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Texts
from db import checkins
from db.models import User
from keyboards.checkins import StartReason, consent_keyboard, start_keyboard


async def after_booking(
    bot: Bot, session: AsyncSession, chat_id: int, t: Texts, user: User, now: datetime
) -> None:
    """After a booking: the consent to check-ins when never answered (one read for a
    client who has not); with consent, a check-in when one may be asked now."""
    answer = await checkins.answer_of(session, user)
    if answer is None:
        await bot.send_message(chat_id, t("checkin-consent"), reply_markup=consent_keyboard(t))
    elif answer.given_at is not None:
        await offer(bot, session, chat_id, t, user, now, "booked")


async def offer(
    bot: Bot,
    session: AsyncSession,
    chat_id: int,
    t: Texts,
    user: User,
    now: datetime,
    reason: StartReason,
) -> None:
    """Offer a check-in when one may be asked now (consent given, one due or open)."""
    if not await checkins.may_offer(session, user, now):
        return
    resume = await checkins.open_of(session, user.id) is not None
    key = "checkin-offer-resume" if resume else "checkin-offer"
    await bot.send_message(chat_id, t(key), reply_markup=start_keyboard(t, reason, resume=resume))
