"""Who may use a router. Each feature splits its handlers by who may use them and puts the
check on the router, so a handler receives non-optional objects: a client router's
handlers get `flow: ClientFlow` (its `user` set) and `cards: Catalog`, a therapist router's
get `therapist_id: int`. An update nobody may handle falls through to `handlers.errors`.
Personal screens answer only in private chats: `bot.middlewares.PrivateChatsOnly` stops
the rest before any router."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter, MagicData
from aiogram.types import TelegramObject

from bot.middlewares import Role

# A message that is not a command (a command in the middle of typing goes to its handler).
NOT_COMMAND = ~F.text.regexp(r"^/[A-Za-z]")


def for_guests(name: str) -> Router:
    """People without a profile: before consent, or after they erased their data."""
    return _guarded(Router(name=f"{name}.guests"), MagicData(~F.user))


def for_clients(name: str) -> Router:
    """People with a profile (consent given)."""
    return _guarded(Router(name=f"{name}.clients"), MagicData(F.user))


class LinkedTherapist(BaseFilter):
    """A therapist whose Telegram account is linked to a catalogue entry; hands the
    handler `therapist_id`."""

    async def __call__(self, event: TelegramObject, role: Role) -> bool | dict[str, Any]:
        if role.therapist_id is None:
            return False
        return {"therapist_id": role.therapist_id}


def for_therapists(name: str) -> Router:
    return _guarded(Router(name=f"{name}.therapists"), LinkedTherapist())


def _guarded(router: Router, check: BaseFilter | MagicData) -> Router:
    router.message.filter(check)
    router.callback_query.filter(check)
    return router
