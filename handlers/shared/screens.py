"""One way to show a screen, for every feature: edit the message a button was on (its text,
or its caption under a photo), or send a new message when that one cannot be edited. An
edit that changes nothing ("message is not modified") is success. Telegram's error texts
are read here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
)

# What Telegram answers when an edit cannot be made: the message is gone, too old, not the
# bot's, or of another kind (no text to edit under a photo, no caption on a text).
_CANNOT_EDIT = (
    "message to edit not found",
    "message can't be edited",
    "there is no text in the message to edit",
    "there is no caption in the message to edit",
)
_CANNOT_DELETE = ("message to delete not found", "message can't be deleted")
# The most Telegram takes in one message's text.
TEXT_LIMIT = 4096


def pieces(lines: Sequence[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines joined into as few texts as fit `limit`, broken only between lines (so no
    formatting tag is cut in two); a single line longer than that is cut at the limit."""
    texts: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            if current:
                texts.append(current)
                current = ""
            texts.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if current and len(joined) > limit:
            texts.append(current)
            joined = line
        current = joined
    if current or not texts:
        texts.append(current)
    return texts


async def send_lines(
    bot: Bot,
    chat_id: int,
    lines: Sequence[str],
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send the lines as one message, or as several when they are longer than Telegram
    takes; the buttons go under the last."""
    texts = pieces(lines)
    for number, text in enumerate(texts, 1):
        await bot.send_message(
            chat_id, text, reply_markup=reply_markup if number == len(texts) else None
        )


def screen_of(callback: CallbackQuery) -> Message | None:
    """The message a button was on, when the bot can still see it."""
    return callback.message if isinstance(callback.message, Message) else None


def text_screen(message: Message | None) -> Message | None:
    """`message` when it is a text screen, which a text may replace; None under a photo,
    where a text comes as a new message instead."""
    return None if message is None or message.photo else message


def not_modified(error: TelegramBadRequest) -> bool:
    return "message is not modified" in error.message


def _cannot_edit(error: TelegramBadRequest) -> bool:
    return any(reason in error.message for reason in _CANNOT_EDIT)


async def show(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: Message | None = None,
) -> Message:
    """Put `text` on the screen `edit` (its caption when it is a photo), or send it."""
    if edit is not None:
        try:
            if edit.photo:
                result = await edit.edit_caption(caption=text, reply_markup=markup)
            else:
                result = await edit.edit_text(text, reply_markup=markup)
            return result if isinstance(result, Message) else edit
        except TelegramBadRequest as error:
            if not_modified(error):
                return edit
            if not _cannot_edit(error):
                raise
    return await bot.send_message(chat_id, text, reply_markup=markup)


async def show_photo(
    message: Message, photo: InputFile | str, caption: str, markup: InlineKeyboardMarkup
) -> Message | None:
    """Put another photo with `caption` on the photo screen `message`; None when that
    message cannot take it (it is a text, or gone)."""
    try:
        result = await message.edit_media(
            media=InputMediaPhoto(media=photo, caption=caption), reply_markup=markup
        )
    except TelegramBadRequest as error:
        if not_modified(error):
            return message
        if _cannot_edit(error):
            return None
        raise
    return result if isinstance(result, Message) else message


async def set_buttons(message: Message | None, markup: InlineKeyboardMarkup | None) -> None:
    """Change (or remove) the buttons under `message`, if it can still be changed."""
    if message is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest as error:
        if not (not_modified(error) or _cannot_edit(error)):
            raise


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take the buttons off a screen known by its id; one already without them, or gone,
    is left as it is."""
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except TelegramBadRequest as error:
        if not (not_modified(error) or _cannot_edit(error)):
            raise


async def remove(message: Message) -> None:
    """Delete a screen; one already gone, or too old for a bot to delete, is left."""
    try:
        await message.delete()
    except TelegramBadRequest as error:
        if not any(reason in error.message for reason in _CANNOT_DELETE):
            raise
