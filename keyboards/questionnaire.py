"""Sign-up and questionnaire buttons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts


class ConsentChoice(CallbackData, prefix="consent"):
    agree: bool


# The questionnaire's steps (`handlers.shared.flow.STEPS`), and those the summary edits.
Editable = Literal[
    "name", "email", "age", "therapy_before", "format", "topics", "gender", "days", "time", "budget"
]
Step = Literal[Editable, "summary"]


class Answer(CallbackData, prefix="qa"):
    """An answer to one step; `value` is checked against the step's options (it is untrusted)."""

    step: Step
    value: str


class EditAnswer(CallbackData, prefix="qe"):
    step: Editable


class ConfirmAnswers(CallbackData, prefix="qc"):
    pass


BACK = "back"
DONE = "done"


def consent_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("consent-agree"), callback_data=ConsentChoice(agree=True))
    builder.button(text=t("consent-decline"), callback_data=ConsentChoice(agree=False))
    builder.adjust(1)
    return builder.as_markup()


def back_button(t: Texts, step: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("btn-back"), callback_data=Answer(step=step, value=BACK).pack()
    )


def choice_keyboard(
    t: Texts,
    step: str,
    options: Sequence[tuple[str, str]],
    *,
    columns: int = 2,
    back: bool = True,
) -> InlineKeyboardMarkup:
    """`options` are (value, label) pairs."""
    builder = InlineKeyboardBuilder()
    for value, label in options:
        builder.button(text=label, callback_data=Answer(step=step, value=value))
    builder.adjust(columns)
    if back:
        builder.row(back_button(t, step))
    return builder.as_markup()


def topics_keyboard(
    t: Texts, topics: Iterable[tuple[str, str]], chosen: set[str]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in topics:
        mark = "✅ " if code in chosen else ""
        builder.button(text=f"{mark}{name}", callback_data=Answer(step="topics", value=code))
    builder.adjust(2)
    builder.row(
        back_button(t, "topics"),
        InlineKeyboardButton(
            text=t("topics-done", count=len(chosen)),
            callback_data=Answer(step="topics", value=DONE).pack(),
        ),
    )
    return builder.as_markup()


def summary_keyboard(t: Texts, fields: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """`fields` are (step, label) pairs that can be edited."""
    builder = InlineKeyboardBuilder()
    for step, label in fields:
        builder.button(text=t("btn-edit", field=label), callback_data=EditAnswer(step=step))
    builder.adjust(2)
    builder.row(InlineKeyboardButton(text=t("btn-confirm"), callback_data=ConfirmAnswers().pack()))
    return builder.as_markup()
