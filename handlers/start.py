"""/start and consent. Nothing is stored before the person agrees."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Texts
from bot.timezones import Clock
from db import users
from db.models import User
from handlers.questionnaire import Flow, flow_for, start_questionnaire
from keyboards.menu import main_menu
from keyboards.questionnaire import ConsentChoice, consent_keyboard


async def show_where_you_are(flow: Flow, *, notice: str | None = None) -> None:
    """Whatever brought the person here, show the screen they should be on now."""
    t = flow.t
    if flow.user is None:
        text = t("consent") if notice is None else f"{notice}\n\n{t('consent')}"
        await flow.bot.send_message(flow.chat_id, text, reply_markup=consent_keyboard(t))
        return
    step = await flow.current()
    if step is not None:
        await flow.show(step, notice=notice)
        return
    if await users.get_questionnaire(flow.session, flow.user) is None:
        await start_questionnaire(flow)
        return
    text = t("menu-title") if notice is None else f"{notice}\n\n{t('menu-title')}"
    await flow.bot.send_message(flow.chat_id, text, reply_markup=main_menu(t))


async def on_start(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Texts,
    session: AsyncSession,
    user: User | None,
    timezone: str,
    clock: Clock,
) -> None:
    flow = flow_for(
        message, bot=bot, state=state, t=t, session=session, user=user, timezone=timezone
    )
    if user is None:
        await users.record_event(session, "start", clock.now())
        await session.commit()
        await message.answer(t("welcome"))
    await show_where_you_are(flow)


async def on_consent(
    callback: CallbackQuery,
    callback_data: ConsentChoice,
    bot: Bot,
    state: FSMContext,
    t: Texts,
    session: AsyncSession,
    user: User | None,
    timezone: str,
    settings: Settings,
    clock: Clock,
) -> None:
    screen = callback.message if isinstance(callback.message, Message) else None
    if user is not None:
        await callback.answer(t("already-done"))
        return
    if not callback_data.agree:
        # Nothing is kept, not even a language chosen before.
        await state.clear()
        await callback.answer()
        if screen is not None:
            await screen.edit_reply_markup(reply_markup=None)
        await bot.send_message(callback.from_user.id, t("consent-declined"))
        return
    user = await users.register(
        session,
        telegram_id=callback.from_user.id,
        language=t.language,
        timezone=settings.default_timezone,
        now=clock.now(),
    )
    await callback.answer()
    if screen is not None:
        await screen.edit_reply_markup(reply_markup=None)
    flow = flow_for(
        callback, bot=bot, state=state, t=t, session=session, user=user, timezone=user.timezone
    )
    await start_questionnaire(flow)


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.callback_query.register(on_consent, ConsentChoice.filter())
    return router
