"""Where other features offer check-ins (`handlers.checkins` runs them): after a booking,
the consent to them, asked until the client answers; with consent, a check-in when one
is due (or one left half-way)."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot
from aiogram.types import InlineKeyboardButton
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Texts
from bot.rules.checkins import trend
from db import checkins
from db.models import User
from keyboards.checkins import (
    StartReason,
    consent_keyboard,
    start_keyboard,
    therapist_card_buttons,
)


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


async def for_therapist(
    session: AsyncSession, t: Texts, therapist_id: int, client_id: int, now: datetime
) -> tuple[str | None, list[InlineKeyboardButton]]:
    """On a therapist's session card: the client's latest score of each scale with its
    trend (only what the therapist may see), and the buttons to see them and ask for one."""
    view = await checkins.therapist_view(session, therapist_id, client_id, now)
    finished = [checkin for checkin in view.checkins if checkin.finished_at is not None]
    parts = []
    for code in checkins.ORDER:
        mine = [checkin for checkin in finished if checkin.scale == code]
        if mine:
            latest = mine[-1]
            parts.append(
                t(
                    "checkin-card-scale",
                    scale=t(f"checkin-scale-{code}"),
                    total=latest.total or 0,
                    band=t(f"checkin-band-{latest.band}"),
                    trend=t(f"checkin-trend-{trend([c.total or 0 for c in mine])}"),
                )
            )
    if any(checkin.risk for checkin in view.checkins):
        parts.append(t("checkin-card-risk"))
    line = t("checkin-card-line", scales="; ".join(parts)) if parts else None
    buttons = therapist_card_buttons(
        t, client_id, visible=bool(view.checkins), askable=view.may_ask
    )
    return line, buttons
