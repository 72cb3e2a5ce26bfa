"""Help, urgent help, language, time zone, my data, erasure and the command menu."""

from __future__ import annotations

import re
from pathlib import Path

from fluent.syntax import FluentParser
from fluent.syntax.ast import Message
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import LOCALES
from db.models import FsmRecord, Questionnaire, User
from tests.fake_telegram import Harness
from tests.flows import sign_up, to_questions

Sessions = async_sessionmaker[AsyncSession]
ROOT = Path(__file__).resolve().parent.parent


async def test_sos_lists_checked_contacts_in_both_languages(harness: Harness) -> None:
    ru = harness.user(201, "Аня", language_code="ru")
    await ru.send("/sos")
    for contact in ("112", "051", "+7 495 051", "8-800-2000-122", "124"):
        assert contact in ru.last.text
    en = harness.user(202, "Ann", language_code="en")
    await en.send("/sos")
    assert "112" in en.last.text and "8-800-2000-122" in en.last.text
    assert "Abroad, call your local emergency number" in en.last.text


async def test_help_lists_commands(harness: Harness) -> None:
    client = harness.user(203, "Аня")
    await client.send("/help")
    for command in ("/start", "/language", "/timezone", "/delete_me", "/sos", "/my_data"):
        assert command in client.last.text


async def test_language_guess_and_switch(harness: Harness, db_sessionmaker: Sessions) -> None:
    john = harness.user(204, "John", language_code="en-GB")
    await john.send("/start")
    assert "Do you agree" in john.last.text
    await john.send("/language")
    await john.press("Русский")
    assert "язык: русский" in john.shown[-2].text
    assert "Вы согласны" in john.last.text
    await john.press("Согласен")
    async with db_sessionmaker() as session:
        user = await session.scalar(select(User).where(User.telegram_id == 204))
        assert user is not None and user.language == "ru"
    await john.send("/language")
    await john.press("English")
    assert "How old are you" in john.last.text
    await john.send("/help")
    assert "What I can do" in john.last.text


async def test_unknown_language_code_falls_back(harness: Harness) -> None:
    kazakh = harness.user(205, "Айгерим", language_code="kk")
    await kazakh.send("/start")
    assert "Вы согласны" in kazakh.last.text
    spanish = harness.user(206, "Lucía", language_code="es")
    await spanish.send("/start")
    assert "Do you agree" in spanish.last.text
    nobody = harness.user(207, "X", language_code=None)
    await nobody.send("/start")
    assert "Вы согласны" in nobody.last.text


async def test_timezone_by_button_and_by_offset(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    lena = harness.user(208, "Лена")
    await sign_up(lena)
    await lena.send("/timezone")
    assert "Europe/Moscow" in lena.last.text and "UTC+03:00" in lena.last.text
    await lena.press("Yekaterinburg")
    assert "Asia/Yekaterinburg" in lena.last.text and "UTC+05:00" in lena.last.text
    await lena.send("/timezone")
    await lena.send("где-то в Сибири")
    assert "Не получилось" in lena.last.text
    await lena.send_sticker()
    assert "Не получилось" in lena.last.text
    await lena.send("+5:30")
    assert "UTC+05:30" in lena.last.text
    async with db_sessionmaker() as session:
        user = await session.scalar(select(User).where(User.telegram_id == 208))
        assert user is not None and user.timezone == "UTC+05:30"
    # Typing text afterwards is not taken as a zone any more.
    await lena.send("Asia/Tokyo")
    assert "не понял" in lena.last.text


async def test_timezone_during_questionnaire_returns_to_the_step(harness: Harness) -> None:
    maks = harness.user(209, "Макс")
    await to_questions(maks)
    await maks.send("/timezone")
    await maks.send("Asia/Novosibirsk")
    assert "Вопрос 1 из 8" in maks.last.text
    await maks.send("40")
    assert "Вопрос 2 из 8" in maks.last.text


async def test_my_data_shows_everything_stored(harness: Harness) -> None:
    nata = harness.user(210, "Ната")
    await nata.send("/my_data")
    assert "ничего не хранится" in nata.last.text
    await sign_up(nata)
    await nata.send("/my_data")
    text = nata.last.text
    for expected in ("Ната", "Согласие дано", "30", "Тревога, Сон", "/delete_me"):
        assert expected in text


async def test_delete_me_erases_profile_answers_and_conversation(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    olga = harness.user(211, "Ольга")
    await olga.send("/delete_me")
    assert "нечего" in olga.last.text
    await sign_up(olga)
    await olga.send("/delete_me")
    await olga.press("Нет, оставить")
    assert "ничего не удаляю" in olga.last.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Questionnaire.user_id))) == 1
    await olga.send("/delete_me")
    await olga.press("Да, удалить")
    assert "удалены" in olga.last.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Questionnaire.user_id))) == 0
        user = (await session.scalars(select(User))).one()
        assert (user.telegram_id, user.first_name, user.email, user.consent_at) == (
            None,
            None,
            None,
            None,
        )
        assert user.deleted_at is not None
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0
    await olga.send("/start")
    assert "Вы согласны" in olga.last.text


async def test_delete_me_in_the_middle_of_the_questionnaire(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    petr = harness.user(212, "Пётр")
    await to_questions(petr)
    await petr.send("31")
    await petr.send("/delete_me")
    await petr.press("Да, удалить")
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0
        assert await session.scalar(select(User).where(User.telegram_id == 212)) is None


async def test_menu_buttons(harness: Harness) -> None:
    roma = harness.user(213, "Рома")
    await sign_up(roma)
    await roma.press("Помощь")
    assert "Что я умею" in roma.last.text
    await roma.press("В меню")
    assert "Главное меню" in roma.last.text
    await roma.press("Срочная помощь")
    assert "112" in roma.last.text
    menu = roma.shown[-2]
    await roma.press("Настройки", message=menu)
    assert "Настройки" in menu.text and "Мои данные" in menu.buttons[3]
    await roma.press("Мои данные", message=menu)
    assert "Что о вас хранится" in roma.last.text


async def test_menu_button_from_before_erasure(harness: Harness) -> None:
    sveta = harness.user(214, "Света")
    await sign_up(sveta)
    menu = sveta.last
    await sveta.send("/delete_me")
    await sveta.press("Да, удалить")
    answer = await sveta.press("Настройки", message=menu)
    assert answer.text
    assert "/start" in sveta.last.text


async def test_command_menu_in_both_languages(harness: Harness) -> None:
    await harness.dispatcher.emit_startup(bot=harness.bot, **harness.dispatcher.workflow_data)
    by_language = {call.language_code: call for call in harness.telegram.commands}
    assert set(by_language) == {None, "ru", "en"}
    names = [command.command for command in by_language["ru"].commands]
    for name in ("start", "help", "language", "timezone", "delete_me", "sos"):
        assert name in names
    assert by_language["en"].commands[-1].description == "Urgent help"
    assert by_language["ru"].commands[-1].description == "Срочная помощь"
    assert by_language[None].commands == by_language["ru"].commands


def message_ids(language: str) -> set[str]:
    """The message ids in a language's `.ftl` files (all of them are loaded)."""
    ids: set[str] = set()
    for file in (LOCALES / language).glob("*.ftl"):
        resource = FluentParser().parse(file.read_text(encoding="utf-8"))
        ids |= {entry.id.name for entry in resource.body if isinstance(entry, Message)}
    return ids


def test_locales_have_the_same_messages() -> None:
    ru, en = message_ids("ru"), message_ids("en")
    assert ru == en, f"only ru: {sorted(ru - en)}, only en: {sorted(en - ru)}"


def test_every_text_key_used_in_code_exists() -> None:
    known = message_ids("ru")
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9-]+)["']""")
    used: set[str] = set()
    for folder in ("bot", "handlers", "keyboards", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "no text keys found: the pattern is out of date"
    assert used <= known, sorted(used - known)
