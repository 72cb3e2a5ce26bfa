"""What nothing else handled: stale or forged buttons, unexpected messages, and errors.

This router is included last."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot.i18n import Texts
from handlers.questionnaire import Flow
from handlers.start import show_where_you_are

log = logging.getLogger(__name__)


async def on_unknown_button(callback: CallbackQuery, flow: Flow) -> None:
    await callback.answer(flow.t("stale-button"))
    await show_where_you_are(flow)


async def on_unexpected_message(message: Message, flow: Flow) -> None:
    if message.text is None:
        notice = "unsupported-content"
    else:
        notice = "consent-press-button" if flow.user is None else "unknown-input"
    await show_where_you_are(flow, notice=flow.t(notice))


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
    router.message.register(on_unexpected_message)
    router.errors.register(on_error)
    return router
