"""The one place where the bot and the dispatcher are built (run_bot.py and tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import BotCommand, BotCommandScopeDefault, MenuButtonWebApp, WebAppInfo
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.instances import redis_storage
from bot.isolation import ConversationIsolation
from bot.middlewares import (
    Capacity,
    DatabaseMiddleware,
    DeliverCommitted,
    DeliverOutbox,
    OutboxMiddleware,
    OutgoingMiddleware,
    PersonMiddleware,
    PrivateChatsOnly,
    ThrottlingMiddleware,
    TypedInputMiddleware,
)
from bot.notify import Outgoing
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db.engine import UPDATE_CONCURRENCY
from db.fsm import DatabaseStorage
from db.models import Notice
from db.outcomes import CardViews

if TYPE_CHECKING:
    from redis.asyncio import Redis

T = TypeVar("T")

CLIENT_COMMANDS = (
    ("start", "cmd-start"),
    ("my", "cmd-my"),
    ("help", "cmd-help"),
    ("checkin", "cmd-checkin"),
    ("progress", "cmd-progress"),
    ("settings", "cmd-settings"),
    ("language", "cmd-language"),
    ("timezone", "cmd-timezone"),
    ("my_data", "cmd-my-data"),
    ("delete_me", "cmd-delete-me"),
    ("sos", "cmd-sos"),
)


class BotSession(AiohttpSession):
    """aiogram's session, keeping the answer types it reads. aiogram reads each answer as
    `Response[<what the method returns>]`; pydantic keeps such a class only while something
    refers to it, so without this each collection of garbage makes the next call build the
    class again (milliseconds of schema building per call)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answer_types: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[T], status_code: int, content: str
    ) -> Response[T]:
        returning = method.__returning__
        if returning not in self._answer_types:
            self._answer_types[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    if session is None:
        session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    clock: Clock | None = None,
    translator: Translator | None = None,
    storage: BaseStorage | None = None,
    outgoing: Outgoing | None = None,
    rules: Rules | None = None,
    redis: Redis | None = None,
) -> Dispatcher:
    """With `redis` (REDIS_URL), conversation state lives in Redis, shared by every
    instance; else in the database. One person's updates are handled one at a time in this
    process (`ConversationIsolation`); across instances the inbox keeps them in order
    (`bot.inbox`). `storage` replaces the conversation storage (tests)."""
    import handlers

    translator = translator or Translator(default=settings.default_language)
    clock = clock or Clock()
    if storage is None:
        storage = redis_storage(redis) if redis is not None else DatabaseStorage(sessionmaker)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=ConversationIsolation(),
        settings=settings,
        rules=rules or settings.rules(),
        translator=translator,
        clock=clock,
        sessionmaker=sessionmaker,
        # Cards shown, counted in memory and added to the database by a job (`run_bot`).
        views=CardViews(),
    )
    # The bot's own, after aiogram's context and FSM middlewares.
    dispatcher.update.outer_middleware(TypedInputMiddleware())
    dispatcher.update.outer_middleware(PrivateChatsOnly(settings, translator))
    dispatcher.update.outer_middleware(
        ThrottlingMiddleware(settings.throttle_rate, settings.throttle_period_seconds)
    )
    dispatcher.update.outer_middleware(Capacity(UPDATE_CONCURRENCY))
    dispatcher.update.outer_middleware(DatabaseMiddleware(sessionmaker))
    dispatcher.update.outer_middleware(PersonMiddleware(settings, translator))
    dispatcher.update.outer_middleware(OutgoingMiddleware(settings, sessionmaker, clock, outgoing))
    if outgoing is not None:
        dispatcher["outgoing"] = outgoing  # the Mini App sends through it too (bot.web)
    dispatcher.update.outer_middleware(
        OutboxMiddleware(*outbox_delivery(settings, sessionmaker, clock, translator))
    )
    handlers.setup(dispatcher)
    dispatcher.startup.register(set_commands)
    return dispatcher


def outbox_delivery(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    translator: Translator,
) -> tuple[DeliverOutbox, DeliverCommitted]:
    """Delivers what an update's use cases wrote to the outbox, through the bot and the
    outgoing path of that update: rows by their ids, and the notices it wrote claimed."""
    from handlers.shared.notices import Notices
    from scheduler.outbox import OutboxJob

    notices_texts = Notices(translator, settings)

    async def deliver(
        bot: Bot, outgoing: Outgoing, notice_ids: list[int], refund_ids: list[int]
    ) -> None:
        job = OutboxJob(sessionmaker, bot, outgoing, notices_texts, settings, clock)
        await job.deliver(notice_ids, refund_ids)

    async def deliver_committed(
        bot: Bot, outgoing: Outgoing, session: AsyncSession, notices: list[Notice]
    ) -> None:
        job = OutboxJob(sessionmaker, bot, outgoing, notices_texts, settings, clock)
        await job.deliver_committed(session, notices)

    return deliver, deliver_committed


async def set_commands(bot: Bot, translator: Translator, settings: Settings) -> None:
    """The command menu, in each language, and in the default language for everyone else;
    admins get the admin commands too, in their own chats."""
    from handlers.admin import set_admin_commands

    client_commands = client_commands_for(settings)
    for language in (None, *translator.languages):
        t = translator.for_language(language or settings.default_language)
        commands = [BotCommand(command=name, description=t(key)) for name, key in client_commands]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
    await set_admin_commands(bot, translator, settings, client_commands)
    if settings.miniapp_base:
        # The button beside the message field opens the Mini App (the week at a glance).
        t = translator.for_language(settings.default_language)
        await bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(
                text=t.plain("app-open"), web_app=WebAppInfo(url=settings.miniapp_base)
            )
        )


def client_commands_for(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The client menu; with online payments it offers /paysupport, as Telegram asks."""
    if settings.payments_mode == "off":
        return CLIENT_COMMANDS
    return (*CLIENT_COMMANDS[:-1], ("paysupport", "cmd-paysupport"), CLIENT_COMMANDS[-1])
