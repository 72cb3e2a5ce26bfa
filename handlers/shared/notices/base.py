"""What every family of notices shares: the letter, the writer's texts and a few lines."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.methods import SendInvoice
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.config import Settings
from bot.formatting import local_name
from bot.i18n import Texts, Translator
from db import users
from db.events import To
from db.models import Booking, Therapist, User
from keyboards.menu import MenuAction, MenuItem


@dataclass(frozen=True)
class Letter:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    # Sent after the text: the calendar file that takes a cancelled session out, or that
    # moves a moved one.
    document: BufferedInputFile | None = None
    caption: str | None = None
    # Sent after the text: the invoice of a time held for its payment.
    invoice: SendInvoice | None = None


@dataclass(frozen=True)
class Writer:
    translator: Translator
    settings: Settings

    def practice_texts(self, therapist: Therapist, recipient: To) -> Texts:
        """The practice's group reads the default language, a therapist their own."""
        language: str = self.settings.default_language
        if recipient != To.group:
            language = therapist.language or language
        return self.translator.for_language(language)

    def therapist_texts(self, therapist: Therapist) -> Texts:
        return self.translator.for_language(therapist.language or self.settings.default_language)

    def admin_letters(self, text: str) -> list[Letter]:
        return [Letter(admin, text) for admin in sorted(self.settings.admin_ids)]


async def booking_of(session: AsyncSession, booking_id: int) -> Booking | None:
    """The booking a notice tells of, with its therapist: taken from the rows the session
    holds when the update that wrote the notice still holds them (a booking its use case
    inserted knows its therapist's id only until it is read back)."""
    booking = await session.get(Booking, booking_id)
    if booking is not None and "therapist" in inspect(booking).unloaded:
        therapist = await session.get_one(Therapist, booking.therapist_id)
        set_committed_value(booking, "therapist", therapist)
    return booking


def reachable(client: User) -> int | None:
    """The client's chat, unless they erased their data (or never had one)."""
    return client.telegram_id if client.deleted_at is None else None


def client_name(t: Texts, client: User) -> str:
    """A client's first name for the practice, or a placeholder once they are erased."""
    return (client.first_name if client.deleted_at is None else None) or t("notice-client-erased")


async def client_topics(session: AsyncSession, client: User, language: str) -> str:
    """The topics a client chose, for their therapist ("—" when none)."""
    questionnaire = await users.get_questionnaire(session, client)
    codes = set(questionnaire.topics if questionnaire else [])
    names = [
        local_name(topic, language)
        for topic in await users.visible_topics(session)
        if topic.code in codes
    ]
    return ", ".join(names) or "—"


def money_line(t: Texts, money: str) -> str | None:
    """What a cancellation does with the money, in one line; None when nothing was paid."""
    key = {
        "kept": "cancel-no-refund",
        "stars": "cancel-refund-stars",
        "manual": "cancel-refund-provider",
        "credit": "cancel-credit-back",
        "spent": "cancel-credit-spent",
    }.get(money)
    return t(key) if key else None


def find_again(t: Texts) -> InlineKeyboardMarkup:
    again = InlineKeyboardBuilder()
    again.button(
        text=t("hold-expired-button"), callback_data=MenuAction(action=MenuItem.find_therapist)
    )
    return again.as_markup()
