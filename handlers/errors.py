"""What nothing else handled: stale or forged buttons, unexpected messages, and errors.

This router is included last."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot.i18n import Texts
from bot.middlewares import Role
from handlers.shared.flow import Flow, show_where_you_are
from handlers.shared.screens import not_modified, screen_of

log = logging.getLogger(__name__)


async def on_unknown_button(callback: CallbackQuery, flow: Flow, role: Role) -> None:
    await callback.answer(flow.t("stale-button"))
    if flow.user is None and role.therapist_id is not None:
        return  # a therapist without a client profile is not asked to sign up as one
    await show_where_you_are(flow)


async def on_unexpected_message(message: Message, flow: Flow, role: Role) -> None:
    if flow.user is None and role.therapist_id is not None:
        # A therapist without a client profile: their own commands, not the consent.
        await message.answer(flow.t("therapist-help"))
        return
    if message.text is None:
        notice = "unsupported-content"
    else:
        notice = "consent-press-button" if flow.user is None else "unknown-input"
    await show_where_you_are(flow, notice=flow.t(notice))


async def on_error(event: ErrorEvent, bot: Bot, t: Texts | None = None) -> None:
    """Log with the traceback (never the message text), tell the person once, stop the
    spinner. An edit that changed nothing ("message is not modified": a second tap on a
    screen that already shows the result) is no error."""
    update, error = event.update, event.exception
    query = update.callback_query
    if isinstance(error, TelegramBadRequest) and not_modified(error):
        if query is not None:
            await _answer(query, None)
        return
    log.error(
        "update %s (%s) failed: %s",
        update.update_id,
        update.event_type,
        type(error).__name__,
        exc_info=error,
    )
    if t is None:
        return
    if query is not None:
        screen = screen_of(query)
        if not await _answer(query, t("error-generic")) and screen is not None:
            # The handler had answered the button already: say it in the chat instead.
            await bot.send_message(screen.chat.id, t("error-generic"))
    elif update.message is not None:
        await bot.send_message(update.message.chat.id, t("error-generic"))


async def _answer(query: CallbackQuery, text: str | None) -> bool:
    """Answer a button unless its handler did; False when it had (Telegram refuses a
    second answer)."""
    try:
        await query.answer(text, show_alert=text is not None)
    except TelegramBadRequest:
        return False
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.callback_query.register(on_unknown_button)
    router.message.register(on_unexpected_message)
    router.errors.register(on_error)
    return router
