"""The one place a use case's refusal (`bot.rules.refusals.Refused`) reaches the person:
its own text, in their language, as an alert under the button they pressed or as a
message in answer to theirs.

`RefusalsMiddleware` (set on every button and message handler by `handlers.setup`) tells a
refusal that leaves a handler, so a handler that has nothing more to do after a refusal
does not catch it. A handler that does something more (shows fresh times, goes back to
the cabinet, asks again) catches it, calls `tell`, then does that."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.i18n import Texts
from bot.rules.refusals import Refused


def words(t: Texts, refusal: Refused) -> str:
    return t(refusal.key, **refusal.values)


async def tell(event: CallbackQuery | Message, t: Texts, refusal: Refused) -> str:
    """Tell the person why; returns the text (a screen may repeat it)."""
    text = words(t, refusal)
    if isinstance(event, Message):
        await event.answer(text)
        return text
    try:
        await event.answer(text, show_alert=True)
    except TelegramBadRequest:
        # The button was answered already: say it in the chat instead.
        message = event.message
        if message is not None and event.bot is not None:
            await event.bot.send_message(message.chat.id, text)
    return text


class RefusalsMiddleware(BaseMiddleware):
    """Tells a refusal a button's or a message's handler let through."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except Refused as refusal:
            t: Texts | None = data.get("t")
            if t is None or not isinstance(event, CallbackQuery | Message):
                raise
            await tell(event, t, refusal)
            return None
