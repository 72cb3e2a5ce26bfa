"""/start and consent. Nothing is stored before the person agrees."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.rules.timezones import Clock
from db import users
from handlers.shared.flow import ClientFlow, Flow, show_where_you_are, start_questionnaire
from handlers.shared.screens import screen_of, set_buttons
from keyboards.questionnaire import ConsentChoice


async def on_start(message: Message, command: CommandObject, flow: Flow, clock: Clock) -> None:
    """Plain `/start` and `/start <payload>` from a referral or ad link (invite codes are
    taken by `handlers.therapist` first): the payload only tells the funnel where the
    person came from, the screens are the same."""
    if flow.user is None:
        await users.count_start(flow.session, clock.now(), command.args)
        await message.answer(flow.t("welcome"))
    await show_where_you_are(flow)


async def on_consent(
    callback: CallbackQuery,
    callback_data: ConsentChoice,
    flow: Flow,
    settings: Settings,
    clock: Clock,
) -> None:
    screen = screen_of(callback)
    if flow.user is not None:
        await callback.answer(flow.t("already-done"))
        return
    await callback.answer()
    await set_buttons(screen, None)
    if not callback_data.agree:
        # Nothing is kept, not even a language chosen before or the conversation's row.
        await flow.forget()
        await flow.bot.send_message(flow.chat_id, flow.t("consent-declined"))
        return
    user = await users.register(
        flow.session,
        telegram_id=callback.from_user.id,
        language=flow.t.language,
        timezone=settings.default_timezone,
        now=clock.now(),
    )
    await start_questionnaire(ClientFlow.of(flow, user))


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.callback_query.register(on_consent, ConsentChoice.filter())
    return router
