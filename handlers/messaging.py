"""Client–therapist messaging through the bot.

A client writes to their therapist from the cabinet (a writing mode that lasts until
"Done" or /done); a therapist answers with a Telegram reply to a relayed message, with the
reply button under it, or from a client's booking card. The client answers back with a
Telegram reply. Each side sees only the client's chosen first name and the therapist's
name, never a Telegram username or id: texts are re-sent under a header, media are copied.

Every message checks again that a booking links the two (callback data and the writing
mode's remembered ids are untrusted). Texts are not stored: `relayed_messages` keeps who,
to whom, when, whether it arrived, and the message ids that map a reply back. A client's
message with urgent words (lists in the locale files, both languages) brings the client
the /sos text at once and reaches the therapist marked urgent.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.enums import ContentType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import CopyMessage
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    TelegramObject,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import local_name, when_html
from bot.i18n import Texts, Translator
from bot.middlewares import Role
from bot.notify import DeliveryStatus, Outgoing
from bot.rules.timezones import Clock
from bot.text import without_tags
from db import groups, messages
from db.messages import TO_CLIENT, TO_THERAPIST, Direction, Pair
from db.models import RelayedMessage, User
from handlers.shared.guards import NOT_COMMAND, for_clients, for_therapists
from handlers.shared.memory import WRITING, WritingData
from handlers.shared.relay import TEXT_LIMIT, client_header, telegram_length
from keyboards.groups import GroupWriteAll
from keyboards.messaging import (
    RelayDone,
    ReplyClient,
    WriteClient,
    WriteTherapist,
    done_keyboard,
    reply_client_keyboard,
    reply_therapist_keyboard,
)

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
# Media that keep a caption when copied; the others get the header as a message before.
CAPTIONED = frozenset(
    {
        ContentType.PHOTO,
        ContentType.DOCUMENT,
        ContentType.VOICE,
        ContentType.VIDEO,
        ContentType.AUDIO,
        ContentType.ANIMATION,
    }
)
UNCAPTIONED = frozenset({ContentType.STICKER, ContentType.VIDEO_NOTE})
URGENT_WORDS = "messaging-urgent-words"
# A command is never relayed (`NOT_COMMAND`): it belongs to the bot (a later router, or the
# fallbacks).


class Writing(StatesGroup):
    to_therapist = State()  # a client; the FSM data holds the therapist's id
    to_client = State()  # a therapist; the FSM data holds the client's id
    to_members = State()  # a therapist; the FSM data holds the group date's id


# -- urgent words ------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return text.casefold().replace("ё", "е").replace("’", "'")


@lru_cache(maxsize=8)
def _urgent_pattern(lists: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for comma-separated phrases. A phrase starts at a word boundary; it ends
    at one too unless it ends with `*` (a stem: «суицид*» also finds «суицидальные»).
    Spaces and hyphens inside a phrase match any run of spaces and hyphens."""
    alternatives = []
    for words in lists:
        for raw in words.split(","):
            phrase = _normalise(raw.strip())
            stem = phrase.endswith("*")
            pieces = [piece for piece in re.split(r"[\s-]+", phrase.rstrip("*")) if piece]
            if not pieces:
                continue
            body = r"[\s-]*".join(re.escape(piece) for piece in pieces)
            alternatives.append(rf"(?<!\w){body}" + ("" if stem else r"(?!\w)"))
    return re.compile("|".join(alternatives)) if alternatives else None


def is_urgent(translator: Translator, text: str) -> bool:
    """Whether the text has a phrase from the urgent-word list of any language."""
    if not text:
        return False
    lists = tuple(translator.get(language, URGENT_WORDS) for language in translator.languages)
    pattern = _urgent_pattern(lists)
    return pattern is not None and pattern.search(_normalise(text)) is not None


# -- sending -----------------------------------------------------------------------------


def relayable(message: Message) -> bool:
    kind = message.content_type
    return message.text is not None or kind in CAPTIONED or kind in UNCAPTIONED


@dataclass
class Courier:
    """Carries one message to the other side and tells the sender how it went."""

    session: AsyncSession
    translator: Translator
    settings: Settings
    outgoing: Outgoing
    clock: Clock

    async def pair(self, client_id: int, therapist_id: int) -> Pair | None:
        return await messages.pair(
            self.session, client_id=client_id, therapist_id=therapist_id, now=self.clock.now()
        )

    async def to_therapist(
        self,
        message: Message,
        pair: Pair,
        t: Texts,
        *,
        quote: int | None = None,
        report_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        urgent = is_urgent(self.translator, message.text or message.caption or "")
        if urgent:
            await message.answer(t("sos"))
        therapist = pair.therapist
        name = local_name(therapist, t.language)
        relay = await self._log(message, pair, TO_THERAPIST, therapist.telegram_id, urgent)
        if urgent:
            log.warning(
                "relay %s: urgent message from client %s to therapist %s",
                relay.id,
                pair.client.id,
                therapist.id,
            )
        if therapist.telegram_id is None:
            log.info("relay %s: therapist %s is not linked", relay.id, therapist.id)
            await message.reply(t("messaging-not-linked", name=name), reply_markup=report_markup)
            return
        theirs = self.translator.for_language(therapist.language or self.settings.default_language)
        lines = [theirs("messaging-urgent-marker")] if urgent else []
        writer = pair.client.first_name or theirs("messaging-client-unnamed")
        if pair.booker is not None:  # which of the two wrote
            booker = pair.booker.first_name or theirs("messaging-client-unnamed")
            writer = theirs("messaging-partner-of", name=writer, booker=booker)
        lines.append(
            theirs(
                "messaging-header-next" if pair.upcoming else "messaging-header-last",
                client=writer,
                when=when_html(theirs, pair.booking.starts_at, therapist.timezone),
            )
        )
        status, target_id = await self._deliver(
            therapist.telegram_id,
            message,
            "\n".join(lines),
            reply_client_keyboard(theirs, relay.id),
            quote,
        )
        await self._report(
            message,
            t,
            relay,
            status,
            target_id,
            t("messaging-therapist-blocked", name=name),
            report_markup,
        )

    async def to_client(
        self,
        message: Message,
        pair: Pair,
        t: Texts,
        *,
        quote: int | None = None,
        report_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        client = pair.client
        if not pair.client_reachable or client.telegram_id is None:
            await message.reply(t("messaging-client-gone"))
            return
        relay, status, target_id = await self._carry_to_client(message, pair, quote=quote)
        name = client.first_name or t("messaging-client-unnamed")
        await self._report(
            message,
            t,
            relay,
            status,
            target_id,
            t("messaging-client-blocked", name=name),
            report_markup,
        )

    async def to_members(
        self,
        message: Message,
        pairs: list[Pair],
        t: Texts,
        *,
        group: str,
        total: int,
        report_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """One message of the therapist's to every member of a group's date, each as a
        message from the therapist alone (the members never see one another); the
        therapist reads one report: how many it reached."""
        sent = 0
        for pair in pairs:
            if not pair.client_reachable or pair.client.telegram_id is None:
                continue
            relay, status, target_id = await self._carry_to_client(message, pair, group=group)
            log.info("relay %s (%s): %s", relay.id, relay.direction, status)
            if status == "sent" and target_id is not None:
                await messages.delivered(
                    self.session, relay.id, target_message_id=target_id, now=self.clock.now()
                )
                sent += 1
        await message.reply(
            t("messaging-members-delivered", sent=sent, total=total),
            reply_markup=report_markup,
        )

    async def _carry_to_client(
        self, message: Message, pair: Pair, *, quote: int | None = None, group: str | None = None
    ) -> tuple[RelayedMessage, DeliveryStatus, int | None]:
        client = pair.client
        assert client.telegram_id is not None
        relay = await self._log(message, pair, TO_CLIENT, client.telegram_id, urgent=False)
        theirs = self.translator.for_language(client.language)
        status, target_id = await self._deliver(
            client.telegram_id,
            message,
            client_header(theirs, pair, group),
            reply_therapist_keyboard(theirs, pair.therapist.id),
            quote,
        )
        return relay, status, target_id

    async def _log(
        self,
        message: Message,
        pair: Pair,
        direction: Direction,
        target_chat_id: int | None,
        urgent: bool,
    ) -> RelayedMessage:
        return await messages.start(
            self.session,
            pair,
            direction=direction,
            source_chat_id=message.chat.id,
            source_message_id=message.message_id,
            target_chat_id=target_chat_id,
            urgent=urgent,
            now=self.clock.now(),
        )

    async def _deliver(
        self,
        chat_id: int,
        message: Message,
        header: str,
        markup: InlineKeyboardMarkup,
        quote: int | None,
    ) -> tuple[DeliveryStatus, int | None]:
        """Header and content as one message when they fit, else the header and a copy."""
        reply = (
            ReplyParameters(message_id=quote, allow_sending_without_reply=True) if quote else None
        )
        if message.text is not None:
            if (
                telegram_length(without_tags(header)) + 2 + telegram_length(message.text)
                <= TEXT_LIMIT
            ):
                body = html.escape(message.text, quote=False)
                sent = await self.outgoing.send_message(
                    chat_id, f"{header}\n\n{body}", reply_markup=markup, reply_parameters=reply
                )
                return sent.status, sent.result.message_id if sent.result else None
        elif message.content_type in CAPTIONED:
            caption = header
            if message.caption:
                caption = f"{header}\n\n{html.escape(message.caption, quote=False)}"
            if telegram_length(without_tags(caption)) <= CAPTION_LIMIT:
                return await self._copy(chat_id, message, markup, reply, caption=caption)
        head = await self.outgoing.send_message(chat_id, header, reply_parameters=reply)
        if head.result is None:
            return head.status, None
        # The copy keeps the original text or caption as it was (with its formatting).
        return await self._copy(
            chat_id, message, markup, ReplyParameters(message_id=head.result.message_id)
        )

    async def _copy(
        self,
        chat_id: int,
        message: Message,
        markup: InlineKeyboardMarkup,
        reply: ReplyParameters | None,
        *,
        caption: str | None = None,
    ) -> tuple[DeliveryStatus, int | None]:
        copied = await self.outgoing.call(
            CopyMessage(
                chat_id=chat_id,
                from_chat_id=message.chat.id,
                message_id=message.message_id,
                caption=caption,
                reply_markup=markup,
                reply_parameters=reply,
            )
        )
        return copied.status, copied.result.message_id if copied.result else None

    async def _report(
        self,
        message: Message,
        t: Texts,
        relay: RelayedMessage,
        status: DeliveryStatus,
        target_id: int | None,
        blocked_text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        log.info("relay %s (%s): %s", relay.id, relay.direction, status)
        if status == "sent" and target_id is not None:
            await messages.delivered(
                self.session, relay.id, target_message_id=target_id, now=self.clock.now()
            )
            await message.reply(t("messaging-delivered"), reply_markup=markup)
        elif status == "blocked":
            await message.reply(blocked_text, reply_markup=markup)
        else:
            await message.reply(t("messaging-failed"), reply_markup=markup)


class CourierMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["courier"] = Courier(
            data["session"], data["translator"], data["settings"], data["outgoing"], data["clock"]
        )
        return await handler(event, data)


# -- the writing mode --------------------------------------------------------------------


async def _enter(state: FSMContext, writing: State, to: WritingData) -> None:
    await WRITING.save(state, to)
    await state.set_state(writing)


async def _leave(state: FSMContext) -> None:
    await WRITING.clear(state)
    await state.set_state(None)


async def on_write_therapist(
    callback: CallbackQuery,
    callback_data: WriteTherapist,
    state: FSMContext,
    bot: Bot,
    user: User,
    t: Texts,
    courier: Courier,
) -> None:
    pair = await courier.pair(user.id, callback_data.therapist_id)
    if pair is None:
        await callback.answer(t("messaging-not-your-therapist"), show_alert=True)
        return
    await callback.answer()
    await _enter(state, Writing.to_therapist, WritingData(therapist_id=pair.therapist.id))
    name = local_name(pair.therapist, t.language)
    text = t("messaging-prompt-client", name=name)
    if pair.therapist.telegram_id is None:
        text = f"{text}\n\n{t('messaging-prompt-not-linked', name=name)}"
    await bot.send_message(callback.from_user.id, text, reply_markup=done_keyboard(t))


async def _start_answering(
    callback: CallbackQuery,
    client_id: int,
    state: FSMContext,
    bot: Bot,
    therapist_id: int,
    t: Texts,
    courier: Courier,
) -> None:
    pair = await courier.pair(client_id, therapist_id)
    if pair is None:
        await callback.answer(t("messaging-not-your-client"), show_alert=True)
        return
    if not pair.client_reachable:
        await callback.answer(t("messaging-client-gone"), show_alert=True)
        return
    await callback.answer()
    await _enter(state, Writing.to_client, WritingData(client_id=pair.client.id))
    name = pair.client.first_name or t("messaging-client-unnamed")
    await bot.send_message(
        callback.from_user.id,
        t("messaging-prompt-therapist", name=name),
        reply_markup=done_keyboard(t),
    )


async def on_write_client(
    callback: CallbackQuery,
    callback_data: WriteClient,
    state: FSMContext,
    bot: Bot,
    therapist_id: int,
    t: Texts,
    courier: Courier,
) -> None:
    await _start_answering(callback, callback_data.client_id, state, bot, therapist_id, t, courier)


async def on_reply_client(
    callback: CallbackQuery,
    callback_data: ReplyClient,
    state: FSMContext,
    bot: Bot,
    therapist_id: int,
    t: Texts,
    courier: Courier,
) -> None:
    relay = await messages.get(courier.session, callback_data.relay_id)
    if relay is None or relay.direction != TO_THERAPIST or relay.therapist_id != therapist_id:
        await callback.answer(t("messaging-not-your-client"), show_alert=True)
        return
    await _start_answering(callback, relay.client_id, state, bot, therapist_id, t, courier)


async def on_therapists_only(callback: CallbackQuery, t: Texts) -> None:
    """A therapist's "write to the client" button from someone who is not one."""
    await callback.answer(t("messaging-therapists-only"), show_alert=True)


def _closed_text(t: Texts, writing: str | None) -> str:
    return t(
        "messaging-closed-therapist" if writing == Writing.to_client.state else "messaging-closed"
    )


async def on_done_button(
    callback: CallbackQuery, callback_data: RelayDone, state: FSMContext, bot: Bot, t: Texts
) -> None:
    writing = await state.get_state()
    if writing not in (Writing.to_therapist.state, Writing.to_client.state):
        await callback.answer(t("already-done"))
        return
    await _leave(state)
    await callback.answer()
    await bot.send_message(callback.from_user.id, _closed_text(t, writing))


async def on_done_command(message: Message, state: FSMContext, t: Texts) -> None:
    writing = await state.get_state()
    await _leave(state)
    await message.answer(_closed_text(t, writing))


async def on_client_writes(
    message: Message, state: FSMContext, user: User, t: Texts, courier: Courier
) -> None:
    therapist_id = (await WRITING.load(state)).therapist_id
    if therapist_id is None:
        await _leave(state)
        await message.answer(t("messaging-closed"))
        return
    pair = await courier.pair(user.id, therapist_id)
    if pair is None:
        await _leave(state)
        await message.reply(t("messaging-not-your-therapist"))
        return
    if not relayable(message):
        await message.reply(t("messaging-unsupported"), reply_markup=done_keyboard(t))
        return
    await courier.to_therapist(message, pair, t, report_markup=done_keyboard(t))


async def on_therapist_writes(
    message: Message, state: FSMContext, therapist_id: int, t: Texts, courier: Courier
) -> None:
    client_id = (await WRITING.load(state)).client_id
    if client_id is None:
        await _leave(state)
        await message.reply(t("messaging-closed-therapist"))
        return
    pair = await courier.pair(client_id, therapist_id)
    if pair is None or not pair.client_reachable:
        await _leave(state)
        await message.reply(
            t("messaging-not-your-client" if pair is None else "messaging-client-gone")
        )
        return
    if not relayable(message):
        await message.reply(t("messaging-unsupported"), reply_markup=done_keyboard(t))
        return
    await courier.to_client(message, pair, t, report_markup=done_keyboard(t))


async def on_write_members(
    callback: CallbackQuery,
    callback_data: GroupWriteAll,
    state: FSMContext,
    bot: Bot,
    session: AsyncSession,
    therapist_id: int,
    t: Texts,
) -> None:
    """Write to every member of one of the therapist's group dates."""
    found = await groups.own_date(session, therapist_id, callback_data.date_id)
    if found is None:
        await callback.answer(t("group-date-not-yours"), show_alert=True)
        return
    if not found.members:
        await callback.answer(t("group-members-none"), show_alert=True)
        return
    await callback.answer()
    await _enter(state, Writing.to_members, WritingData(group_date_id=found.date.id))
    await bot.send_message(
        callback.from_user.id,
        t("messaging-prompt-members", title=found.group.title, count=len(found.members)),
        reply_markup=done_keyboard(t),
    )


async def on_therapist_writes_members(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    therapist_id: int,
    t: Texts,
    courier: Courier,
) -> None:
    date_id = (await WRITING.load(state)).group_date_id
    found = await groups.own_date(session, therapist_id, date_id) if date_id else None
    if found is None or not found.members:
        await _leave(state)
        await message.reply(t("messaging-closed-therapist"))
        return
    if not relayable(message):
        await message.reply(t("messaging-unsupported"), reply_markup=done_keyboard(t))
        return
    pairs = [
        pair
        for member in found.members
        if (pair := await courier.pair(member.id, therapist_id)) is not None
    ]
    await courier.to_members(
        message,
        pairs,
        t,
        group=found.group.title,
        total=len(found.members),  # a member no longer reachable counts as not reached
        report_markup=done_keyboard(t),
    )


# -- Telegram replies --------------------------------------------------------------------


async def relayed_reply(message: Message, session: AsyncSession) -> dict[str, Any] | bool:
    """A Telegram reply to a message the bot relayed into this chat: hands over its row."""
    replied = message.reply_to_message
    if replied is None:
        return False
    relay = await messages.by_target(session, message.chat.id, replied.message_id)
    return {"relay": relay} if relay is not None else False


async def on_relayed_reply(
    message: Message,
    relay: RelayedMessage,
    state: FSMContext,
    user: User | None,
    role: Role,
    t: Texts,
    courier: Courier,
) -> None:
    writing = await state.get_state() in (Writing.to_therapist.state, Writing.to_client.state)
    markup = done_keyboard(t) if writing else None
    if not relayable(message):
        await message.reply(t("messaging-unsupported"), reply_markup=markup)
        return
    if relay.direction == TO_THERAPIST:
        # The therapist answers a client's message.
        pair = None
        if role.therapist_id == relay.therapist_id:
            pair = await courier.pair(relay.client_id, relay.therapist_id)
        if pair is None:
            await message.reply(t("messaging-not-your-client"))
            return
        await courier.to_client(
            message, pair, t, quote=relay.source_message_id, report_markup=markup
        )
        return
    # The client answers their therapist's message.
    pair = None
    if user is not None and user.id == relay.client_id:
        pair = await courier.pair(relay.client_id, relay.therapist_id)
    if pair is None:
        await message.reply(t("messaging-not-your-therapist"))
        return
    await courier.to_therapist(
        message, pair, t, quote=relay.source_message_id, report_markup=markup
    )


async def on_reply_hint(message: Message, t: Texts) -> None:
    await message.reply(t("messaging-reply-hint"))


async def on_writing_without_a_role(message: Message, state: FSMContext, t: Texts) -> None:
    """Writing mode outlived who the person was (a profile erased, a therapist unlinked)."""
    key = "need-start" if await state.get_state() == Writing.to_therapist.state else None
    await _leave(state)
    await message.answer(t(key or "messaging-therapists-only"))


def create_router() -> Router:
    router = Router(name="messaging")
    router.message.middleware(CourierMiddleware())
    router.callback_query.middleware(CourierMiddleware())
    router.callback_query.register(on_done_button, RelayDone.filter())
    writing = StateFilter(Writing.to_therapist, Writing.to_client, Writing.to_members)
    router.message.register(on_done_command, writing, Command("done", "stop", "cancel"))
    # A reply names its conversation, so it wins over the mode's remembered one.
    router.message.register(on_relayed_reply, F.reply_to_message, NOT_COMMAND, relayed_reply)

    clients = for_clients("messaging")
    clients.callback_query.register(on_write_therapist, WriteTherapist.filter())
    clients.message.register(on_client_writes, Writing.to_therapist, NOT_COMMAND)

    therapists = for_therapists("messaging")
    therapists.callback_query.register(on_write_client, WriteClient.filter())
    therapists.callback_query.register(on_reply_client, ReplyClient.filter())
    therapists.message.register(on_reply_hint, F.reply_to_message, NOT_COMMAND, StateFilter(None))
    therapists.message.register(on_therapist_writes, Writing.to_client, NOT_COMMAND)
    therapists.callback_query.register(on_write_members, GroupWriteAll.filter())
    therapists.message.register(on_therapist_writes_members, Writing.to_members, NOT_COMMAND)

    others = Router(name="messaging.others")
    others.callback_query.register(on_therapists_only, WriteClient.filter())
    others.callback_query.register(on_therapists_only, ReplyClient.filter())
    others.message.register(on_writing_without_a_role, writing, NOT_COMMAND)
    router.include_routers(clients, therapists, others)
    return router
