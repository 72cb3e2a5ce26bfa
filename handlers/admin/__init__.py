"""Admins run the service from bot commands (ADMIN_IDS).

Two routers: one for admins (a router-level filter, and each button checks the role again
since callback data is untrusted) and one for everyone else, which notes an admin command
or button in the audit log and then lets the update go on, so it gets exactly the answer
any unknown command or stale button gets: nothing tells that admin commands exist.

The features live in admin_therapists, admin_slots, admin_topics, admin_bookings,
admin_reports and admin_broadcast; this module puts them together and handles what all
admin dialogs share (cancel, leaving a dialog with another command)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import BotCommand, BotCommandScopeChat, CallbackQuery, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.rules.timezones import Clock
from db import audit
from handlers.admin import bookings as admin_bookings
from handlers.admin import broadcast as admin_broadcast
from handlers.admin import groups as admin_groups
from handlers.admin import packages as admin_packages
from handlers.admin import reports as admin_reports
from handlers.admin import slots as admin_slots
from handlers.admin import therapists as admin_therapists
from handlers.admin import topics as admin_topics
from handlers.admin.common import (
    COMMAND_NAMES,
    COMMANDS,
    Admin,
    AdminMiddleware,
    IsAdmin,
    NotAdmin,
    NotCommand,
    Step,
    refused,
)
from handlers.shared.screens import screen_of
from keyboards.admin import ADMIN_PREFIXES, DialogCancel

__all__ = ["COMMANDS", "create_router", "set_admin_commands"]

log = logging.getLogger(__name__)


class AdminButton(BaseFilter):
    """Callback data with an admin prefix, whatever follows it."""

    async def __call__(self, event: TelegramObject) -> bool:
        data = event.data if isinstance(event, CallbackQuery) else None
        return data is not None and data.split(":", 1)[0] in ADMIN_PREFIXES


async def set_admin_commands(
    bot: Bot,
    translator: Translator,
    settings: Settings,
    client_commands: Sequence[tuple[str, str]],
) -> None:
    """Each admin's own menu, in each language: the admin commands, then the client ones
    (an admin is a client too). Telegram refuses a chat menu for someone who has never
    opened the bot ("chat not found"): that admin is skipped, and gets it on a restart."""
    for admin_id in sorted(settings.admin_ids):
        for language in (None, *translator.languages):
            t = translator.for_language(language or settings.default_language)
            commands = [
                BotCommand(command=name, description=t(key))
                for name, key in (*COMMANDS, *client_commands)
            ]
            try:
                await bot.set_my_commands(
                    commands, scope=BotCommandScopeChat(chat_id=admin_id), language_code=language
                )
            except TelegramAPIError as error:
                log.warning("admin %s: no command menu: %s", admin_id, type(error).__name__)
                break


# -- what every admin dialog shares ------------------------------------------------------


async def on_cancel_command(message: Message, admin: Admin) -> None:
    await admin.finish()
    await admin.send(admin.t("adm-cancelled"))


async def on_cancel_button(callback: CallbackQuery, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    await callback.answer()
    if await admin.step() is None:
        await admin.show(admin.t("adm-nothing-to-cancel"), None, screen_of(callback))
        return
    await admin.finish()
    await admin.show(admin.t("adm-cancelled"), None, screen_of(callback))


async def on_other_command(message: Message, admin: Admin) -> None:
    """A command that is not an admin one (/start, /my...): the dialog is left, and the
    command goes on to the client's handlers as if no dialog had been open."""
    await admin.finish()
    await admin.send(admin.t("adm-dialog-left"))
    raise SkipHandler


async def on_unexpected(message: Message, admin: Admin) -> None:
    """Input the current dialog step does not take (a sticker, or text where buttons are)."""
    key = "adm-use-buttons" if message.text is not None else "adm-expect-text"
    await admin.send(admin.t(key))


async def on_stale_button(callback: CallbackQuery, admin: Admin) -> None:
    """An admin button whose screen is over (a dialog that was finished or cancelled)."""
    if await refused(callback, admin):
        return
    await callback.answer(admin.t("adm-stale"), show_alert=True)


def _dialogs() -> Router:
    router = Router(name="admin-dialogs")
    router.message.register(on_cancel_command, Command("cancel"), Step())
    router.message.register(on_other_command, Step(), F.text.startswith("/"))
    router.message.register(on_unexpected, Step(), NotCommand())
    router.callback_query.register(on_cancel_button, DialogCancel.filter())
    router.callback_query.register(on_stale_button, AdminButton())
    return router


# -- everyone else -----------------------------------------------------------------------


async def on_refused_command(
    message: Message, command: CommandObject, session: AsyncSession, clock: Clock
) -> None:
    assert message.from_user is not None
    log.info("admin command refused for %s", message.from_user.id)
    await audit.denied(
        session, actor=message.from_user.id, attempt=f"/{command.command}", now=clock.now()
    )
    raise SkipHandler


async def on_refused_button(callback: CallbackQuery, session: AsyncSession, clock: Clock) -> None:
    prefix = (callback.data or "").split(":", 1)[0]
    log.info("admin button refused for %s", callback.from_user.id)
    await audit.denied(
        session, actor=callback.from_user.id, attempt=f"button:{prefix}", now=clock.now()
    )
    raise SkipHandler


def create_router() -> Router:
    features = Router(name="admin-features")
    for observer in (features.message, features.callback_query):
        observer.outer_middleware(AdminMiddleware())
    features.include_routers(
        admin_therapists.create_router(),
        admin_slots.create_router(),
        admin_topics.create_router(),
        admin_bookings.create_router(),
        admin_reports.create_router(),
        admin_broadcast.create_router(),
        admin_packages.create_router(),
        admin_groups.create_router(),
        _dialogs(),
    )
    admins = Router(name="admins")
    admins.message.filter(IsAdmin())
    admins.callback_query.filter(IsAdmin())
    admins.include_router(features)

    others = Router(name="admin-refusals")
    others.message.filter(NotAdmin())
    others.callback_query.filter(NotAdmin())
    others.message.register(on_refused_command, Command(*COMMAND_NAMES))
    others.callback_query.register(on_refused_button, AdminButton())

    router = Router(name="admin")
    router.include_routers(admins, others)
    return router
