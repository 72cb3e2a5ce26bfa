"""Sign-up and questionnaire: one question per screen, back on every step, a summary with
an edit button per answer. Answers live in the FSM (stored in the database) until the
client confirms, so a restart resumes at the same step."""

from __future__ import annotations

import re
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from bot.text import visible_name
from db import bookings, users
from handlers.shared import screens
from handlers.shared.cards import Catalog
from handlers.shared.flow import (
    CHOICES,
    MAX_TEXT,
    QUESTIONS,
    ClientFlow,
    Signup,
    topic_names,
)
from handlers.shared.guards import for_clients
from handlers.shared.memory import QUESTIONNAIRE
from keyboards.menu import main_menu
from keyboards.questionnaire import (
    BACK,
    DONE,
    Answer,
    ConfirmAnswers,
    EditAnswer,
)

MIN_AGE, MAX_AGE = 18, 120
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


# -- buttons -----------------------------------------------------------------------------


async def _stale(callback: CallbackQuery, flow: ClientFlow, step: str | None) -> bool:
    """True (and answered) when a button does not belong to the current screen and step."""
    current = await flow.current()
    screen = (await QUESTIONNAIRE.load(flow.state)).screen
    on_screen = callback.message is not None and callback.message.message_id == screen
    if current == step and on_screen:
        return False
    if on_screen:
        # The same screen, already answered: a double tap.
        await callback.answer(flow.t("already-done"))
        return True
    await callback.answer(flow.t("stale-button"))
    if current is not None:
        await flow.show(current)
    return True


async def on_answer(callback: CallbackQuery, callback_data: Answer, flow: ClientFlow) -> None:
    step, value = callback_data.step, callback_data.value
    if await _stale(callback, flow, step):
        return
    screen = screens.screen_of(callback)
    if value == BACK and step != "name":
        await callback.answer()
        await flow.back(step, edit=screen)
        return
    telegram_name = visible_name(callback.from_user.first_name)
    if step == "name" and value == "telegram" and telegram_name:
        await users.update_profile(flow.session, flow.user, first_name=telegram_name[:MAX_TEXT])
    elif step == "email" and value == "skip":
        await users.update_profile(flow.session, flow.user, email=None)
    elif step == "topics":
        await _toggle_topic(callback, flow, value, screen)
        return
    elif step in CHOICES and value in CHOICES[step]:
        await _remember(flow.state, step, value)
    else:
        # Forged or outdated data: nothing is changed.
        await callback.answer(flow.t("stale-button-short"))
        return
    await callback.answer()
    await flow.advance(step, edit=screen)


async def _remember(state: FSMContext, step: str, value: Any) -> None:
    kept = await QUESTIONNAIRE.load(state)
    kept.answers[step] = value
    await QUESTIONNAIRE.save(state, kept)


async def _toggle_topic(
    callback: CallbackQuery, flow: ClientFlow, value: str, screen: Message | None
) -> None:
    chosen: list[str] = list((await QUESTIONNAIRE.load(flow.state)).answers.get("topics", []))
    known = {code for code, _ in await topic_names(flow.session, flow.t)}
    if value == DONE:
        if not chosen:
            await callback.answer(flow.t("q-topics-none"), show_alert=True)
            return
        await callback.answer()
        await flow.advance("topics", edit=screen)
        return
    if value not in known:
        await callback.answer(flow.t("stale-button-short"))
        return
    chosen = [code for code in chosen if code != value] if value in chosen else [*chosen, value]
    await _remember(flow.state, "topics", chosen)
    await callback.answer()
    await flow.show("topics", edit=screen)


async def on_edit(callback: CallbackQuery, callback_data: EditAnswer, flow: ClientFlow) -> None:
    if await _stale(callback, flow, "summary"):
        return
    kept = await QUESTIONNAIRE.load(flow.state)
    kept.editing = True
    await QUESTIONNAIRE.save(flow.state, kept)
    await callback.answer()
    await flow.show(callback_data.step, edit=screens.screen_of(callback))


async def on_confirm(
    callback: CallbackQuery, flow: ClientFlow, cards: Catalog, clock: Clock
) -> None:
    if await _stale(callback, flow, "summary"):
        return
    answers = (await QUESTIONNAIRE.load(flow.state)).answers
    missing = [step for step in QUESTIONS if step not in answers or answers[step] in (None, [])]
    if missing:
        await callback.answer()
        await flow.show(missing[0], notice=flow.t("q-buttons-expected"))
        return
    first_time = await users.get_questionnaire(flow.session, flow.user) is None
    await users.save_questionnaire(
        flow.session,
        flow.user,
        users.Answers(
            age=int(answers["age"]),
            therapy_before=answers["therapy_before"] == "yes",
            format=answers["format"],
            topics=tuple(answers["topics"]),
            gender_preference=answers["gender"],
            days=answers["days"],
            time_of_day=answers["time"],
            budget=None if answers["budget"] == "any" else int(answers["budget"]),
        ),
        clock.now(),
    )
    await flow.end_questionnaire()
    await callback.answer()
    screen = screens.screen_of(callback)
    if screen is not None:
        await screen.edit_reply_markup(reply_markup=None)
    if first_time and cards is not None:
        # What the answers were for, at once: the therapists who fit.
        await cards.open(notice=flow.t("questionnaire-saved-matching"))
        return
    await flow.bot.send_message(flow.chat_id, flow.t("questionnaire-saved"))
    await flow.bot.send_message(flow.chat_id, flow.t("menu-title"), reply_markup=main_menu(flow.t))


# -- typed answers -----------------------------------------------------------------------


async def on_name(message: Message, flow: ClientFlow) -> None:
    name = visible_name(message.text or "")
    if not name or len(name) > MAX_TEXT or name.startswith("/"):
        await flow.remind("name-invalid", "name")
        return
    await users.update_profile(flow.session, flow.user, first_name=name)
    await flow.advance("name")


async def on_email(message: Message, flow: ClientFlow) -> None:
    email = (message.text or "").strip()
    if len(email) > 254 or not EMAIL.match(email):
        await flow.remind("email-invalid", "email")
        return
    await users.update_profile(flow.session, flow.user, email=email)
    await flow.advance("email")


async def on_age(
    message: Message, flow: ClientFlow, clock: Clock, settings: Settings, rules: Rules
) -> None:
    text = (message.text or "").strip()
    if not re.fullmatch(r"[+-]?\d{1,6}", text):
        await flow.remind("q-age-invalid", "age")
        return
    age = int(text)
    if 0 < age < MIN_AGE:
        # The service is for adults: keep nothing of this person.
        await bookings.erase_client(flow.session, flow.user, rules=rules, now=clock.now())
        await flow.forget()
        await message.answer(flow.t("q-under-age"))
        return
    if not MIN_AGE <= age <= MAX_AGE:
        await flow.remind("q-age-unreal", "age")
        return
    await _remember(flow.state, "age", age)
    await flow.advance("age")


async def on_not_text(message: Message, flow: ClientFlow) -> None:
    await flow.remind("text-expected")


async def on_text_instead_of_button(message: Message, flow: ClientFlow) -> None:
    await flow.remind("q-buttons-expected")


def create_router() -> Router:
    router = for_clients("questionnaire")
    router.callback_query.register(on_answer, Answer.filter())
    router.callback_query.register(on_edit, EditAnswer.filter())
    router.callback_query.register(on_confirm, ConfirmAnswers.filter())
    router.message.register(on_name, Signup.name, F.text)
    router.message.register(on_email, Signup.email, F.text)
    router.message.register(on_age, Signup.age, F.text)
    router.message.register(on_not_text, StateFilter(Signup.name, Signup.email, Signup.age))
    router.message.register(
        on_text_instead_of_button,
        StateFilter(
            Signup.therapy_before,
            Signup.format,
            Signup.topics,
            Signup.gender,
            Signup.days,
            Signup.time,
            Signup.budget,
            Signup.summary,
        ),
    )
    return router
