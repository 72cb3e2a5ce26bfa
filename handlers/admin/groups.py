"""/groups for admins: every therapist's group sessions (`handlers.shared.group_catalogue`
says the commands)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.rules.policy import Rules
from handlers.admin.common import Admin
from handlers.shared import group_catalogue


async def on_groups(message: Message, command: CommandObject, admin: Admin, rules: Rules) -> None:
    desk = group_catalogue.Desk(admin.session, admin.t, rules, admin.now(), admin.actor)
    await admin.send(await group_catalogue.run(desk, command.args or ""))


def create_router() -> Router:
    router = Router(name="admin-groups")
    router.message.register(on_groups, Command("groups"))
    return router
