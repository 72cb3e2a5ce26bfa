"""Main menu and settings buttons."""

from __future__ import annotations

import enum
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from bot.rules.timezones import COMMON_ZONES, utc_offset_label
from keyboards.checkins import CheckinSettings
from keyboards.ids import Number


class MenuItem(enum.StrEnum):
    sos = "sos"
    help = "help"
    menu = "menu"
    find_therapist = "find"  # not `find`: str has a method of that name
    groups = "groups"
    my = "my"
    settings = "settings"
    answers = "answers"
    language = "language"
    timezone = "timezone"
    my_data = "my_data"
    delete = "delete"


class MenuAction(CallbackData, prefix="menu"):
    """A menu button; a value that is not a `MenuItem` fails parsing (a forged button)."""

    action: MenuItem


class LanguageChoice(CallbackData, prefix="lang"):
    code: Literal["ru", "en"]  # the locales in bot/locales


class ZoneChoice(CallbackData, prefix="tz"):
    index: Number


class DeleteChoice(CallbackData, prefix="del"):
    erase: bool


def main_menu(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("menu-find"), callback_data=MenuAction(action=MenuItem.find_therapist))
    builder.button(text=t("menu-my"), callback_data=MenuAction(action=MenuItem.my))
    builder.button(text=t("menu-groups"), callback_data=MenuAction(action=MenuItem.groups))
    builder.button(text=t("menu-settings"), callback_data=MenuAction(action=MenuItem.settings))
    builder.button(text=t("menu-help"), callback_data=MenuAction(action=MenuItem.help))
    builder.button(text=t("menu-sos"), callback_data=MenuAction(action=MenuItem.sos))
    builder.adjust(1, 1, 1, 1, 2)
    return builder.as_markup()


def to_menu(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn-menu"), callback_data=MenuAction(action=MenuItem.menu))
    return builder.as_markup()


def settings_menu(t: Texts, zone_label: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("settings-edit-answers"), callback_data=MenuAction(action=MenuItem.answers)
    )
    builder.button(text=t("settings-language"), callback_data=MenuAction(action=MenuItem.language))
    builder.button(
        text=t("settings-timezone", zone=zone_label),
        callback_data=MenuAction(action=MenuItem.timezone),
    )
    builder.button(text=t("settings-my-data"), callback_data=MenuAction(action=MenuItem.my_data))
    builder.button(text=t("settings-checkins"), callback_data=CheckinSettings(action="open"))
    builder.button(text=t("settings-delete"), callback_data=MenuAction(action=MenuItem.delete))
    builder.button(text=t("btn-menu"), callback_data=MenuAction(action=MenuItem.menu))
    builder.adjust(1)
    return builder.as_markup()


def language_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    # Each language is named in itself (the same in every locale), so it is found whatever
    # the current language is.
    builder.button(text=t("language-button-ru"), callback_data=LanguageChoice(code="ru"))
    builder.button(text=t("language-button-en"), callback_data=LanguageChoice(code="en"))
    builder.adjust(2)
    return builder.as_markup()


def timezone_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, name in enumerate(COMMON_ZONES):
        city = name.split("/")[-1].replace("_", " ")
        builder.button(
            text=f"{city} ({utc_offset_label(name)})", callback_data=ZoneChoice(index=index)
        )
    builder.adjust(2)
    return builder.as_markup()


def delete_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("delete-yes"), callback_data=DeleteChoice(erase=True))
    builder.button(text=t("delete-no"), callback_data=DeleteChoice(erase=False))
    builder.adjust(2)
    return builder.as_markup()
