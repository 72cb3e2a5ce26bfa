"""Per-update context: throttling, a database session, the person, their role and texts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Markup, Translator, guess_language
from bot.notify import Outgoing, Pace
from bot.rules.timezones import Clock
from bot.text import has_controls, without_controls
from db import outbox, users
from db.models import Notice

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Role:
    is_admin: bool = False
    therapist_id: int | None = None


# How many people's limiters to keep before forgetting the idle ones.
SWEEP_AT = 1_000


class ThrottlingMiddleware(BaseMiddleware):
    """Slows one person down instead of dropping what they sent (nothing typed is lost).
    A throttled update waits before it takes one of the shared places (`Capacity`, next),
    so one person's flood does not hold up anybody else."""

    def __init__(self, rate: float, period: float, *, sweep_at: int = SWEEP_AT) -> None:
        self._rate = rate
        self._period = period
        self._limiters: dict[int, AsyncLimiter] = {}
        self._least = self._sweep_at = sweep_at

    def _sweep(self) -> None:
        """Forget the limiters of people whose allowance is whole again: a new one would be
        the same. Bounds the memory by the people writing now, not all who ever wrote."""
        self._limiters = {
            person: limiter
            for person, limiter in self._limiters.items()
            if not limiter.has_capacity(limiter.max_rate)
        }
        self._sweep_at = max(self._least, 2 * len(self._limiters))

    @property
    def remembered(self) -> int:
        return len(self._limiters)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        person: TelegramUser | None = data.get("event_from_user")
        if person is None:
            return await handler(event, data)
        limiter = self._limiters.get(person.id)
        if limiter is None:
            if len(self._limiters) >= self._sweep_at:
                self._sweep()
            limiter = self._limiters[person.id] = AsyncLimiter(self._rate, self._period)
        async with limiter:
            return await handler(event, data)


class TypedInputMiddleware(BaseMiddleware):
    """Control characters never reach a handler, a database row or another person's chat:
    a message whose text or caption has them is handed on without them (and without its
    formatting entities, whose offsets would no longer fit)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is not None:
            changes: dict[str, Any] = {}
            if message.text is not None and has_controls(message.text):
                changes = {"text": without_controls(message.text), "entities": None}
            if message.caption is not None and has_controls(message.caption):
                changes |= {"caption": without_controls(message.caption), "caption_entities": None}
            if changes:
                event = event.model_copy(update={"message": message.model_copy(update=changes)})
        return await handler(event, data)


class PrivateChatsOnly(BaseMiddleware):
    """Personal screens answer only in a private chat. In a group a command gets one line
    asking to write to the bot privately (with a link), a button a short alert, anything
    else no answer; nothing is read from or written to the database for it. The practice's
    group still gets its notices: those are sent, not answered."""

    def __init__(self, settings: Settings, translator: Translator) -> None:
        self._settings = settings
        self._translator = translator

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE or not isinstance(event, Update):
            return await handler(event, data)
        person: TelegramUser | None = data.get("event_from_user")
        code = person.language_code if person is not None else None
        t = self._translator.for_language(guess_language(code, self._settings.default_language))
        bot: Bot = data["bot"]
        if event.callback_query is not None:
            await event.callback_query.answer(t("private-only-short"), show_alert=True)
        elif event.message is not None and (event.message.text or "").startswith("/"):
            me = await bot.me()
            link = Markup(f'<a href="https://t.me/{me.username}">@{me.username}</a>')
            await bot.send_message(chat.id, t("private-only", bot=link))
        return None


class Capacity(BaseMiddleware):
    """At most `limit` updates at once past this point (each holds a database connection):
    the bound that polling used to put on whole updates, taken only after throttling."""

    def __init__(self, limit: int) -> None:
        self._places = asyncio.Semaphore(limit)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._places:
            return await handler(event, data)


class DatabaseMiddleware(BaseMiddleware):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._sessionmaker() as session:
            data["session"] = session
            return await handler(event, data)


class PersonMiddleware(BaseMiddleware):
    """Loads the person (None before consent), their role, language, zone and texts."""

    def __init__(self, settings: Settings, translator: Translator) -> None:
        self._settings = settings
        self._translator = translator

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        person: TelegramUser | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        user = None
        role = Role()
        therapist_language: str | None = None
        if person is not None:
            user, link = await users.person(session, person.id)
            therapist_id, therapist_language = link if link is not None else (None, None)
            role = Role(is_admin=person.id in self._settings.admin_ids, therapist_id=therapist_id)
        if user is not None and user.blocked_bot_at is not None:
            # Writing again means the bot is no longer blocked: reminders resume.
            await users.mark_unblocked(session, user)
        if user is not None:
            language = user.language
            timezone = user.timezone
        elif therapist_language is not None:
            # A therapist without a client profile: the language they chose as a therapist.
            language = therapist_language
            timezone = self._settings.default_timezone
        else:
            state: FSMContext | None = data.get("state")
            chosen = (await state.get_value("language")) if state is not None else None
            code = person.language_code if person is not None else None
            language = chosen or guess_language(code, self._settings.default_language)
            timezone = self._settings.default_timezone
        data["user"] = user
        data["role"] = role
        data["t"] = self._translator.for_language(language)
        data["timezone"] = timezone
        return await handler(event, data)


DeliverOutbox = Callable[[Bot, Outgoing, list[int], list[int]], Awaitable[None]]
DeliverCommitted = Callable[[Bot, Outgoing, AsyncSession, list[Notice]], Awaitable[None]]


class OutboxMiddleware(BaseMiddleware):
    """After the handler: the notices and refunds its use cases wrote (and committed) are
    delivered at once, so the usual case feels instant. Its notices are written claimed
    and rendered from the rows the update's session holds; if this process dies first,
    the outbox job delivers them later."""

    def __init__(self, deliver: DeliverOutbox, deliver_committed: DeliverCommitted) -> None:
        self._deliver = deliver
        self._deliver_committed = deliver_committed

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session: AsyncSession = data["session"]
        outbox.deliver_at_once(session)
        try:
            return await handler(event, data)
        finally:
            notices = outbox.committed(session)
            if notices:
                await self._deliver_committed(data["bot"], data["outgoing"], session, notices)
                outbox.let_go(session)
            notice_ids, refund_ids = outbox.written(session)
            if notice_ids or refund_ids:
                # The update is done with its connection: give it back before delivering.
                await session.close()
                await self._deliver(data["bot"], data["outgoing"], notice_ids, refund_ids)


def create_outgoing(
    bot: Bot,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    pace: Pace | None = None,
) -> Outgoing:
    """The outgoing path of a bot, recording people who blocked it; `pace`: limits shared
    with the other instances (REDIS_URL)."""

    async def blocked(chat_id: int) -> None:
        async with sessionmaker() as session:
            await users.mark_blocked(session, chat_id, clock.now())

    return Outgoing(bot, settings, blocked, pace=pace)


class OutgoingMiddleware(BaseMiddleware):
    """Hands handlers the one outgoing path: the process's own when given (shared with the
    scheduler, so both stay under one rate limit), else one built per bot on first use."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        outgoing: Outgoing | None = None,
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._shared = outgoing
        self._per_bot: dict[int, Outgoing] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        outgoing = self._shared
        if outgoing is None:
            bot: Bot = data["bot"]
            outgoing = self._per_bot.get(bot.id)
            if outgoing is None:
                outgoing = create_outgoing(bot, self._settings, self._sessionmaker, self._clock)
                self._per_bot[bot.id] = outgoing
        data["outgoing"] = outgoing
        return await handler(event, data)
