"""The screens of one conversation (`Flow`): the questionnaire's steps and summary, which
sign-up, settings and the cabinet all show, and "where you are" for whatever arrived out of
turn. Answers live in the conversation data until the client confirms, so a restart
resumes at the same step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Chat, InlineKeyboardMarkup, Message
from aiogram.types import User as TelegramUser
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import instances
from bot.config import Settings
from bot.formatting import local_name
from bot.i18n import Texts
from bot.rules.timezones import utc_offset_label
from bot.text import visible_name
from db import couples, erasure, users
from db.fsm import DatabaseStorage
from db.models import Questionnaire, User
from handlers.shared import screens
from handlers.shared.memory import QUESTIONNAIRE, QuestionnaireData
from keyboards.menu import main_menu
from keyboards.questionnaire import (
    Answer,
    back_button,
    choice_keyboard,
    consent_keyboard,
    summary_keyboard,
    topics_keyboard,
)

MAX_TEXT = 64


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
    answers: dict[str, Any],
    session: AsyncSession,
    user: User | None,
    timezone: str,
    telegram_name: str | None,
) -> tuple[str, InlineKeyboardMarkup | None]:
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
    settings: Settings | None = None

    @staticmethod
    def from_data(data: dict[str, Any]) -> Flow:
        """The flow of the current update, from what the middlewares put into `data`: a
        `ClientFlow` for a person with a profile."""
        person: TelegramUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        kind = Flow if data["user"] is None else ClientFlow
        return kind(
            bot=data["bot"],
            state=data["state"],
            t=data["t"],
            session=data["session"],
            user=data["user"],
            timezone=data["timezone"],
            chat_id=chat.id if chat else (person.id if person else 0),
            telegram_name=visible_name(person.first_name) if person else None,
            settings=data.get("settings"),
        )

    async def forget(self) -> None:
        """Keep nothing of this person's conversations: on the bot's own storage and on
        Redis every chat and destiny of theirs (answers typed in a group too), elsewhere
        this one."""
        storage = self.state.storage
        if isinstance(storage, DatabaseStorage):
            await erasure.forget_person(self.session, self.state.key.user_id)
            storage.changed_elsewhere()
            return
        # Only a process with REDIS_URL loads the Redis client (`bot.instances`).
        from aiogram.fsm.storage.redis import RedisStorage

        if isinstance(storage, RedisStorage):
            await instances.forget_person(storage, self.state.key.bot_id, self.state.key.user_id)
        else:
            await self.state.clear()

    async def end_questionnaire(self) -> None:
        """The answers are saved: the questionnaire's own state goes, and only that (a change
        of therapist in progress keeps the therapist it excludes, for instance)."""
        await self.state.set_state(None)
        await QUESTIONNAIRE.clear(self.state)

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
        kept = await QUESTIONNAIRE.load(self.state)
        text, markup = await render(
            step,
            t=self.t,
            answers=kept.answers,
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
        kept.screen = sent.message_id
        await QUESTIONNAIRE.save(self.state, kept)

    async def current(self) -> str | None:
        return step_of(await self.state.get_state())

    async def advance(self, step: str, *, edit: Message | None = None) -> None:
        """After a valid answer: back to the summary when editing, else the next step."""
        if (await QUESTIONNAIRE.load(self.state)).editing or step not in ONBOARDING:
            following = "summary"
        else:
            following = ONBOARDING[ONBOARDING.index(step) + 1]
        await self.show(following, edit=edit)

    async def back(self, step: str, *, edit: Message | None = None) -> None:
        if (await QUESTIONNAIRE.load(self.state)).editing or step not in ONBOARDING:
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


async def start_questionnaire(flow: ClientFlow) -> None:
    """The first question. Telegram's name, when it reads as a name, is taken as it is
    (the summary lets the person change it), so it costs no step."""
    await QUESTIONNAIRE.save(flow.state, QuestionnaireData())
    if not flow.telegram_name:
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


async def edit_saved_answers(flow: ClientFlow, edit: Message | None = None) -> None:
    """Settings → change answers: the summary of the saved questionnaire, editable."""
    saved = await users.get_questionnaire(flow.session, flow.user)
    answers = saved_answers(saved) if saved is not None else {}
    await QUESTIONNAIRE.save(
        flow.state, QuestionnaireData(answers=answers, editing=saved is not None)
    )
    await flow.show("summary" if saved is not None else "name", edit=edit)


async def show_where_you_are(flow: Flow, *, notice: str | None = None) -> None:
    """Whatever brought the person here, show the screen they should be on now."""
    t = flow.t
    if not isinstance(flow, ClientFlow):
        text = t("consent") if notice is None else f"{notice}\n\n{t('consent')}"
        await flow.bot.send_message(flow.chat_id, text, reply_markup=consent_keyboard(t))
        return
    step = await flow.current()
    if step is not None:
        await flow.show(step, notice=notice)
        return
    # A partner who joined a couple needs no questionnaire (until they look for a
    # therapist of their own).
    if (
        await users.get_questionnaire(flow.session, flow.user) is None
        and await couples.booker_of(flow.session, flow.user) is None
    ):
        await start_questionnaire(flow)
        return
    text = t("menu-title") if notice is None else f"{notice}\n\n{t('menu-title')}"
    await flow.bot.send_message(flow.chat_id, text, reply_markup=main_menu(t))


@dataclass
class ClientFlow(Flow):
    """The flow of a person with a profile (consent given): what the client routers
    (`handlers.shared.guards.for_clients`) hand their handlers."""

    user: User

    @classmethod
    def of(cls, flow: Flow, user: User) -> ClientFlow:
        """`flow` once `user` has a profile (right after consent)."""
        return cls(**{**vars(flow), "user": user, "timezone": user.timezone})
