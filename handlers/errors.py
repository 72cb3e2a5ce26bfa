"""What nothing else handled: stale or forged buttons, unexpected messages, and errors.

This router is included last."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Texts
from db.models import User
from handlers.questionnaire import flow_for
from handlers.start import show_where_you_are

log = logging.getLogger(__name__)


async def on_unknown_button(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    t: Texts,
    session: AsyncSession,
    user: User | None,
    timezone: str,
) -> None:
    await callback.answer(t("stale-button"))
    flow = flow_for(
        callback, bot=bot, state=state, t=t, session=session, user=user, timezone=timezone
    )
    await show_where_you_are(flow)


async def on_unexpected_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Texts,
    session: AsyncSession,
    user: User | None,
    timezone: str,
) -> None:
    flow = flow_for(
        message, bot=bot, state=state, t=t, session=session, user=user, timezone=timezone
    )
    if user is None:
        await show_where_you_are(flow, notice=t("consent-press-button"))
    else:
        await show_where_you_are(flow, notice=t("unknown-input"))


async def on_unsupported(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Texts,
    session: AsyncSession,
    user: User | None,
    timezone: str,
) -> None:
    flow = flow_for(
        message, bot=bot, state=state, t=t, session=session, user=user, timezone=timezone
    )
    await show_where_you_are(flow, notice=t("unsupported-content"))


async def on_error(event: ErrorEvent, bot: Bot, t: Texts | None = None) -> None:
    """Log with the traceback (never the message text), tell the person, stop the spinner."""
    update = event.update
    log.error(
        "update %s (%s) failed: %s",
        update.update_id,
        update.event_type,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    if t is None:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(t("error-generic"), show_alert=True)
    elif update.message is not None:
        await bot.send_message(update.message.chat.id, t("error-generic"))


def create_router() -> Router:
    router = Router(name="errors")
    router.callback_query.register(on_unknown_button)
    router.message.register(on_unexpected_text, F.text)
    router.message.register(on_unsupported)
    router.errors.register(on_error)
    return router
