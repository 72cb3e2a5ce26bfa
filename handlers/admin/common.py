"""What every admin screen shares: who counts as an admin, the admin's own dialog state,
and showing a screen.

An admin's dialogs (adding a therapist, typing a price, composing a broadcast) keep their
state under a separate FSM key (destiny "admin"), so an admin who is also a client keeps
their own questionnaire or booking state untouched while running the service."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.filters import BaseFilter, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Texts, Translator
from bot.middlewares import Role
from bot.notify import Outgoing
from bot.rules.timezones import Clock, zone
from db import admin_catalog
from db.models import Therapist
from handlers.shared import screens
from handlers.shared.screens import screen_of, text_screen

ADMIN_DESTINY = "admin"
TEXT_LIMIT = 4096

# The admin commands, in menu order, with the key of their menu description.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("therapists", "adm-cmd-therapists"),
    ("add_therapist", "adm-cmd-add-therapist"),
    ("invite", "adm-cmd-invite"),
    ("topics", "adm-cmd-topics"),
    ("slots", "adm-cmd-slots"),
    ("bookings", "adm-cmd-bookings"),
    ("refunds", "adm-cmd-refunds"),
    ("packages", "adm-cmd-packages"),
    ("groups", "adm-cmd-groups"),
    ("stats", "adm-cmd-stats"),
    ("export", "adm-cmd-export"),
    ("broadcast", "adm-cmd-broadcast"),
    ("audit", "adm-cmd-audit"),
)
COMMAND_NAMES = tuple(name for name, _ in COMMANDS)


class IsAdmin(BaseFilter):
    """An admin, in a private chat with the bot (admin screens never go to a group).
    Only filters: whoever does not pass is answered by the routers after this one."""

    async def __call__(
        self, event: TelegramObject, role: Role, event_chat: Chat | None = None
    ) -> bool:
        return role.is_admin and (event_chat is None or event_chat.type == ChatType.PRIVATE)


class NotAdmin(BaseFilter):
    async def __call__(self, event: TelegramObject, role: Role) -> bool:
        return not role.is_admin


class Step(BaseFilter):
    """The admin's dialog is at a step starting with one of `prefixes` (any step without)."""

    def __init__(self, *prefixes: str) -> None:
        self.prefixes = prefixes

    async def __call__(self, event: TelegramObject, dialog_step: str | None = None) -> bool:
        if dialog_step is None:
            return False
        return not self.prefixes or dialog_step.startswith(self.prefixes)


class TypedText(BaseFilter):
    """Text that is not a command: commands go to their own handlers."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and not message.text.startswith("/")


class NotCommand(BaseFilter):
    """Anything but a command: a photo, a sticker, or text that does not start with "/"."""

    async def __call__(self, message: Message) -> bool:
        return message.text is None or not message.text.startswith("/")


def dialog_of(state: FSMContext) -> FSMContext:
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=ADMIN_DESTINY))


@dataclass
class Admin:
    """One admin update: where to answer, in which language and zone, and the dialog."""

    bot: Bot
    t: Texts
    session: AsyncSession
    dialog: FSMContext
    role: Role
    actor: int
    chat_id: int
    timezone: str
    clock: Clock
    settings: Settings
    translator: Translator
    outgoing: Outgoing

    def now(self) -> datetime:
        return self.clock.now()

    async def send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def show(
        self, text: str, markup: InlineKeyboardMarkup | None, edit: Message | None = None
    ) -> Message:
        """Replace the text of the screen a button was on, or send a new screen."""
        return await screens.show(self.bot, self.chat_id, text, markup, edit=text_screen(edit))

    async def step(self) -> str | None:
        return await self.dialog.get_state()

    async def data(self) -> dict[str, Any]:
        return await self.dialog.get_data()

    async def ask(
        self,
        step: str,
        text: str,
        markup: InlineKeyboardMarkup | None,
        *,
        edit: Message | None = None,
        **data: Any,
    ) -> None:
        """Show a dialog step and remember its screen: buttons of other screens are stale."""
        sent = await self.show(text, markup, edit)
        await self.dialog.set_state(step)
        await self.dialog.update_data(screen=sent.message_id, **data)

    async def begin(self) -> None:
        """A new command: an unfinished dialog is left."""
        await self.dialog.clear()

    async def finish(self) -> None:
        await self.dialog.clear()


class AdminMiddleware(BaseMiddleware):
    """Hands admin handlers `admin` and `dialog_step` (after the admin filter passed)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        chat: Chat | None = data.get("event_chat")
        person = data.get("event_from_user")
        if state is not None and chat is not None and person is not None:
            dialog = dialog_of(state)
            data["dialog_step"] = await dialog.get_state()
            data["admin"] = Admin(
                bot=data["bot"],
                t=data["t"],
                session=data["session"],
                dialog=dialog,
                role=data["role"],
                actor=person.id,
                chat_id=chat.id,
                timezone=data["timezone"],
                clock=data["clock"],
                settings=data["settings"],
                translator=data["translator"],
                outgoing=data["outgoing"],
            )
        return await handler(event, data)


async def refused(callback: CallbackQuery, admin: Admin) -> bool:
    """True, and answered, when the presser is not an admin. The router lets only admins
    through; every button checks again because callback data is untrusted."""
    if admin.role.is_admin and callback.from_user.id in admin.settings.admin_ids:
        return False
    await callback.answer(admin.t("stale-button-short"))
    return True


async def pressed_therapist(
    callback: CallbackQuery, admin: Admin, therapist_id: int
) -> Therapist | None:
    """The therapist a button names, or None with an alert when there is no such profile
    (a forged or outdated button)."""
    therapist = await admin_catalog.get_therapist(admin.session, therapist_id)
    if therapist is None:
        await callback.answer(admin.t("adm-therapist-unknown", id=therapist_id), show_alert=True)
    return therapist


async def dialog_screen(
    callback: CallbackQuery, admin: Admin, prefixes: Sequence[str]
) -> tuple[str, dict[str, Any]] | None:
    """The dialog step and data when the button is on the dialog's current screen at a step
    starting with one of `prefixes`; otherwise the button is answered as out of date."""
    step = await admin.step()
    data = await admin.data()
    screen = screen_of(callback)
    current = screen is not None and screen.message_id == data.get("screen")
    if step is None or not step.startswith(tuple(prefixes)) or not current:
        await callback.answer(admin.t("adm-stale"), show_alert=True)
        return None
    return step, data


def therapist_id_arg(command: CommandObject) -> int | None:
    """The therapist number after a command (``/slots 5``); None when there is none."""
    args = (command.args or "").strip()
    return int(args) if re.fullmatch(r"\d{1,9}", args) else None


def fit(lines: Sequence[str], more: str, limit: int = TEXT_LIMIT - 200) -> str:
    """Join lines, leaving out the tail (and saying so) when they would not fit a message."""
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            kept.append(more)
            break
        kept.append(line)
    return "\n".join(kept)


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone(timezone))


def parse_day(text: str) -> date | None:
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = (int(part) for part in value.split("-"))
            return date(year, month, day)
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value):
            day, month, year = (int(part) for part in value.split("."))
            return date(year, month, day)
    except ValueError:
        return None
    return None
