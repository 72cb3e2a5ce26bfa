"""Sign-up and questionnaire: one question per screen, back on every step, a summary with
an edit button per answer. Answers live in the FSM (stored in the database) until the
client confirms, so a restart resumes at the same step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message
from aiogram.types import User as TelegramUser
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import local_name
from bot.i18n import Texts
from bot.rules.policy import Rules
from bot.rules.timezones import Clock, utc_offset_label
from bot.text import visible_name
from db import bookings, erasure, users
from db.fsm import DatabaseStorage
from db.models import Questionnaire, User
from handlers import screens
from handlers.catalog import Catalog
from keyboards.menu import main_menu
from keyboards.questionnaire import (
    BACK,
    DONE,
    Answer,
    ConfirmAnswers,
    EditAnswer,
    back_button,
    choice_keyboard,
    summary_keyboard,
    topics_keyboard,
)

MAX_TEXT = 64
MIN_AGE, MAX_AGE = 18, 120
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
BUDGET_TIERS = (2500, 4000, 6000)


class Signup(StatesGroup):
    name = State()
    email = State()
    age = State()
    therapy_before = State()
    format = State()
    topics = State()
    gender = State()
    days = State()
    time = State()
    budget = State()
    summary = State()


QUESTIONS: tuple[str, ...] = (
    *("age", "therapy_before", "format", "topics"),
    *("gender", "days", "time", "budget"),
)
STEPS: tuple[str, ...] = ("name", "email", *QUESTIONS, "summary")
# The way through a first sign-up. The name is asked only when Telegram's is not usable, the
# e-mail only from the summary (a provider's invoice asks for it when a receipt needs one).
ONBOARDING: tuple[str, ...] = ("name", *QUESTIONS, "summary")
# What the questionnaire keeps in the conversation data; other features keep their own keys.
QUESTIONNAIRE_KEYS = frozenset({"answers", "editing", "screen"})
CHOICES: dict[str, tuple[str, ...]] = {
    "therapy_before": ("yes", "no"),
    "format": ("individual", "couple"),
    "gender": ("female", "male", "any"),
    "days": ("weekdays", "weekends", "any"),
    "time": ("morning", "afternoon", "evening", "any"),
    "budget": (*(str(tier) for tier in BUDGET_TIERS), "any"),
}
SUMMARY_FIELDS = (
    ("name", "summary-name"),
    ("email", "summary-email"),
    ("age", "summary-age"),
    ("therapy_before", "summary-therapy-before"),
    ("format", "summary-format"),
    ("topics", "summary-topics"),
    ("gender", "summary-gender"),
    ("days", "summary-days"),
    ("time", "summary-time"),
    ("budget", "summary-budget"),
)


def step_of(state_name: str | None) -> str | None:
    if state_name and state_name.startswith(f"{Signup.__name__}:"):
        return state_name.split(":", 1)[1]
    return None


def choice_label(t: Texts, step: str, value: str) -> str:
    if step == "therapy_before":
        return t("answer-yes" if value == "yes" else "answer-no")
    if step == "budget":
        return (
            t("budget-any")
            if value == "any"
            else t("budget-tier", amount=f"{int(value):,}".replace(",", " "))
        )
    return t(f"{step.replace('_', '-')}-{value}")


async def topic_names(session: AsyncSession, t: Texts) -> list[tuple[str, str]]:
    topics = await users.visible_topics(session)
    return [(topic.code, local_name(topic, t.language)) for topic in topics]


async def render(
    step: str,
    *,
    t: Texts,
    data: dict[str, Any],
    session: AsyncSession,
    user: User | None,
    timezone: str,
    telegram_name: str | None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    answers: dict[str, Any] = data.get("answers", {})
    if step == "name":
        markup = None
        if telegram_name:
            builder = InlineKeyboardBuilder()
            builder.button(
                text=t.plain("ask-name-use", name=telegram_name[:MAX_TEXT]),
                callback_data=Answer(step="name", value="telegram"),
            )
            markup = builder.as_markup()
        return t("ask-name"), markup
    if step == "email":
        builder = InlineKeyboardBuilder()
        builder.button(text=t("email-skip"), callback_data=Answer(step="email", value="skip"))
        builder.row(back_button(t, "email"))
        return t("ask-email"), builder.as_markup()
    if step == "summary":
        return await render_summary(t, answers, session, user, timezone)

    header = t("q-progress", step=QUESTIONS.index(step) + 1, total=len(QUESTIONS))
    if step == "age":
        builder = InlineKeyboardBuilder()
        builder.row(back_button(t, "age"))
        return f"{header}\n\n{t('q-age')}", builder.as_markup()
    if step == "topics":
        chosen = set(answers.get("topics", []))
        markup = topics_keyboard(t, await topic_names(session, t), chosen)
        return f"{header}\n\n{t('q-topics')}", markup
    options = [(value, choice_label(t, step, value)) for value in CHOICES[step]]
    question = {"time": "q-time"}.get(step, f"q-{step.replace('_', '-')}")
    columns = 1 if step in {"time", "budget"} else 2
    return f"{header}\n\n{t(question)}", choice_keyboard(t, step, options, columns=columns)


async def render_summary(
    t: Texts, answers: dict[str, Any], session: AsyncSession, user: User | None, timezone: str
) -> tuple[str, InlineKeyboardMarkup]:
    names = dict(await topic_names(session, t))
    values: dict[str, str] = {
        "name": (user.first_name if user else None) or "—",
        "email": (user.email if user else None) or t("summary-email-none"),
        "age": str(answers.get("age", "—")),
        "topics": ", ".join(names.get(code, code) for code in answers.get("topics", [])) or "—",
    }
    for step in CHOICES:
        if step in answers:
            values[step] = choice_label(t, step, str(answers[step]))
    lines = [t("summary-title"), ""]
    for step, label_key in SUMMARY_FIELDS:
        lines.append(t("summary-line", label=t(label_key), value=values.get(step, "—")))
    zone = f"{timezone} ({utc_offset_label(timezone)})"
    lines.append(t("summary-line", label=t("summary-timezone"), value=zone))
    fields = [(step, t(label_key)) for step, label_key in SUMMARY_FIELDS]
    return "\n".join(lines), summary_keyboard(t, fields)


@dataclass
class Flow:
    """Shows steps and moves between them for one update."""

    bot: Bot
    state: FSMContext
    t: Texts
    session: AsyncSession
    user: User | None
    timezone: str
    chat_id: int
    telegram_name: str | None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Flow:
        """The flow of the current update, from what the middlewares put into `data`."""
        person: TelegramUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        return cls(
            bot=data["bot"],
            state=data["state"],
            t=data["t"],
            session=data["session"],
            user=data["user"],
            timezone=data["timezone"],
            chat_id=chat.id if chat else (person.id if person else 0),
            telegram_name=visible_name(person.first_name) if person else None,
        )

    async def forget(self) -> None:
        """Keep nothing of this person's conversations: on the bot's own storage every chat
        and destiny of theirs (answers typed in a group too), elsewhere this one."""
        if isinstance(self.state.storage, DatabaseStorage):
            await erasure.forget_person(self.session, self.state.key.user_id)
        else:
            await self.state.clear()

    async def end_questionnaire(self) -> None:
        """The answers are saved: the questionnaire's own state goes, and only that (a change
        of therapist in progress keeps the therapist it excludes, for instance)."""
        data = await self.state.get_data()
        await self.state.set_state(None)
        await self.state.set_data(
            {key: value for key, value in data.items() if key not in QUESTIONNAIRE_KEYS}
        )

    async def display(
        self,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        edit: Message | None = None,
    ) -> Message:
        """Any screen of this chat: `edit` replaced when it can be, else a new message."""
        return await screens.show(self.bot, self.chat_id, text, markup, edit=edit)

    async def show(
        self, step: str, *, edit: Message | None = None, notice: str | None = None
    ) -> None:
        """Show a step: edit the screen the button was on, or send a new screen."""
        data = await self.state.get_data()
        text, markup = await render(
            step,
            t=self.t,
            data=data,
            session=self.session,
            user=self.user,
            timezone=self.timezone,
            telegram_name=self.telegram_name,
        )
        if notice:
            text = f"{notice}\n\n{text}"
        # A step is a text screen: one shown from under a photo comes as a new message.
        sent = await self.display(text, markup, screens.text_screen(edit))
        await self.state.set_state(getattr(Signup, step))
        await self.state.update_data(screen=sent.message_id)

    async def current(self) -> str | None:
        return step_of(await self.state.get_state())

    async def advance(self, step: str, *, edit: Message | None = None) -> None:
        """After a valid answer: back to the summary when editing, else the next step."""
        data = await self.state.get_data()
        if data.get("editing") or step not in ONBOARDING:
            following = "summary"
        else:
            following = ONBOARDING[ONBOARDING.index(step) + 1]
        await self.show(following, edit=edit)

    async def back(self, step: str, *, edit: Message | None = None) -> None:
        data = await self.state.get_data()
        if data.get("editing") or step not in ONBOARDING:
            previous = "summary"
        else:
            previous = ONBOARDING[max(ONBOARDING.index(step) - 1, 0)]
        await self.show(previous, edit=edit)

    async def remind(self, notice_key: str, step: str | None = None) -> None:
        """Bad input: say what is expected and show the current step again, below it."""
        current = step or await self.current()
        if current is None:
            return
        await self.show(current, notice=self.t(notice_key))


async def start_questionnaire(flow: Flow) -> None:
    """The first question. Telegram's name, when it reads as a name, is taken as it is
    (the summary lets the person change it), so it costs no step."""
    await flow.state.update_data(answers={}, editing=False)
    if flow.user is None or not flow.telegram_name:
        await flow.show("name")
        return
    name = flow.telegram_name[:MAX_TEXT]
    await users.update_profile(flow.session, flow.user, first_name=name)
    await flow.show("age", notice=flow.t("name-taken", name=name))


def saved_answers(saved: Questionnaire) -> dict[str, Any]:
    """Stored answers in the form the questionnaire screens keep them."""
    return {
        "age": saved.age,
        "therapy_before": "yes" if saved.therapy_before else "no",
        "format": saved.format,
        "topics": list(saved.topics),
        "gender": saved.gender_preference,
        "days": saved.days,
        "time": saved.time_of_day,
        "budget": "any" if saved.budget is None else str(saved.budget),
    }


async def edit_saved_answers(flow: Flow, edit: Message | None = None) -> None:
    """Settings → change answers: the summary of the saved questionnaire, editable."""
    assert flow.user is not None
    saved = await users.get_questionnaire(flow.session, flow.user)
    answers = saved_answers(saved) if saved is not None else {}
    await flow.state.update_data(answers=answers, editing=saved is not None)
    await flow.show("summary" if saved is not None else "name", edit=edit)


# -- buttons -----------------------------------------------------------------------------


async def _stale(callback: CallbackQuery, flow: Flow, step: str | None) -> bool:
    """True (and answered) when a button does not belong to the current screen and step."""
    current = await flow.current()
    data = await flow.state.get_data()
    on_screen = callback.message is not None and callback.message.message_id == data.get("screen")
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


async def on_answer(callback: CallbackQuery, callback_data: Answer, flow: Flow) -> None:
    step, value = callback_data.step, callback_data.value
    if flow.user is None or step not in STEPS or await _stale(callback, flow, step):
        if flow.user is None or step not in STEPS:
            await callback.answer(flow.t("stale-button-short"))
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
    data = await state.get_data()
    answers = dict(data.get("answers", {}))
    answers[step] = value
    await state.update_data(answers=answers)


async def _toggle_topic(
    callback: CallbackQuery, flow: Flow, value: str, screen: Message | None
) -> None:
    data = await flow.state.get_data()
    chosen: list[str] = list(data.get("answers", {}).get("topics", []))
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


async def on_edit(callback: CallbackQuery, callback_data: EditAnswer, flow: Flow) -> None:
    if flow.user is None or callback_data.step not in STEPS[:-1]:
        await callback.answer(flow.t("stale-button-short"))
        return
    if await _stale(callback, flow, "summary"):
        return
    await flow.state.update_data(editing=True)
    await callback.answer()
    await flow.show(callback_data.step, edit=screens.screen_of(callback))


async def on_confirm(
    callback: CallbackQuery, flow: Flow, cards: Catalog | None, clock: Clock
) -> None:
    if flow.user is None:
        await callback.answer(flow.t("stale-button-short"))
        return
    if await _stale(callback, flow, "summary"):
        return
    answers = (await flow.state.get_data()).get("answers", {})
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


async def on_name(message: Message, flow: Flow) -> None:
    name = visible_name(message.text or "")
    if flow.user is None or not name or len(name) > MAX_TEXT or name.startswith("/"):
        await flow.remind("name-invalid", "name")
        return
    await users.update_profile(flow.session, flow.user, first_name=name)
    await flow.advance("name")


async def on_email(message: Message, flow: Flow) -> None:
    email = (message.text or "").strip()
    if flow.user is None or len(email) > 254 or not EMAIL.match(email):
        await flow.remind("email-invalid", "email")
        return
    await users.update_profile(flow.session, flow.user, email=email)
    await flow.advance("email")


async def on_age(
    message: Message, flow: Flow, clock: Clock, settings: Settings, rules: Rules
) -> None:
    text = (message.text or "").strip()
    if not re.fullmatch(r"[+-]?\d{1,6}", text):
        await flow.remind("q-age-invalid", "age")
        return
    age = int(text)
    if 0 < age < MIN_AGE and flow.user is not None:
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


async def on_not_text(message: Message, flow: Flow) -> None:
    await flow.remind("text-expected")


async def on_text_instead_of_button(message: Message, flow: Flow) -> None:
    await flow.remind("q-buttons-expected")


def create_router() -> Router:
    router = Router(name="questionnaire")
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
