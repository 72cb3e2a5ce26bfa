"""Conversation steps shared by tests: a client going through sign-up and questionnaire."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fake_telegram import Shown, TgUser


@dataclass
class Profile:
    """Answers as the buttons read in Russian."""

    age: str = "30"
    therapy_before: str = "Да"
    format: str = "Индивидуальная"
    topics: list[str] = field(default_factory=lambda: ["Тревога", "Сон"])
    gender: str = "Не важно"
    days: str = "Любые дни"
    time: str = "Любое время"
    budget: str = "Не важно"


async def consent(client: TgUser) -> None:
    await client.send("/start")
    await client.press("Согласен")


async def to_questions(client: TgUser) -> None:
    """Consent: Telegram's name is taken and the first question is on screen."""
    await consent(client)
    assert "Сколько вам лет" in client.last.text, client.last.text


async def answer_questionnaire(client: TgUser, profile: Profile) -> None:
    await client.send(profile.age)
    await client.press(profile.therapy_before)
    await client.press(profile.format)
    for topic in profile.topics:
        await client.press(topic)
    await client.press("Готово")
    await client.press(profile.gender)
    await client.press(profile.days)
    await client.press(profile.time)
    await client.press(profile.budget)


async def sign_up(client: TgUser, profile: Profile | None = None) -> None:
    """From /start through the questionnaire (which ends on the matched cards) to the main
    menu."""
    await to_questions(client)
    await answer_questionnaire(client, profile or Profile())
    mark = client.mark()
    await client.press("Всё верно")
    assert any("анкета сохранена" in text for text in client.texts_since(mark))
    await client.send("/start")
    assert "Главное меню" in client.last.text


async def book_first_time(client: TgUser) -> Shown:
    """On a card: the first day, its first time; returns the confirmation screen."""
    card = client.last_with_buttons
    await client.press(card.buttons[0], message=card)
    await client.press(card.buttons[0], message=card)
    return client.last


async def book_session(client: TgUser, profile: Profile | None = None) -> None:
    """Sign up and book the first free time of the first card."""
    await sign_up(client, profile)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    assert "Вы записаны" in confirm.text
