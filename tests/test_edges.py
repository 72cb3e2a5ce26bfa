"""Privacy and robustness at the edges: group chats, what an erasure leaves, odd characters,
floods, long cards, the time-zone step."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import load_demo
from db.engine import create_engine
from db.models import (
    AuditEntry,
    Base,
    Booking,
    FsmRecord,
    Questionnaire,
    Therapist,
    User,
)
from tests.conftest import ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, answer_questionnaire, book_session, consent, sign_up
from tests.test_messaging import booked_and_linked, start_writing

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def in_group(harness: Harness, person: TgUser, **content: Any) -> Any:
    from aiogram.types import Chat, Message

    group = Chat(id=-100200300, type="supergroup", title="Чат")
    return Message(
        message_id=harness.next_id(),
        date=datetime.now(UTC),
        chat=group,
        from_user=person.user,
        **content,
    )


async def rows(sessions: Sessions, model: type[Base]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- group chats -------------------------------------------------------------------------


async def test_personal_screens_answer_only_in_a_private_chat(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client = harness.user(901, "Вера")
    await sign_up(client)
    fsm_before = await rows(db_sessionmaker, FsmRecord)
    for command in ("/my_data", "/start", "/my", "/schedule", "/clients", "/delete_me"):
        await harness.feed(message=in_group(harness, client, text=command))
    newcomer = harness.user(902, "Борис")
    await harness.feed(message=in_group(harness, newcomer, text="/start"))
    await harness.feed(message=in_group(harness, newcomer, text="30"))
    group = harness.telegram.chats[-100200300]
    assert len(group) == 7  # one line per command, nothing for the plain text
    for shown in group:
        assert "только в личном чате" in shown.text and "t.me/terapia_test_bot" in shown.html
        assert "@" + "terapia_test_bot" in shown.text
        assert "Тревога" not in shown.text and "30" not in shown.text
    # Nothing was stored for the group: no conversation state, no new person.
    assert await rows(db_sessionmaker, FsmRecord) == fsm_before
    assert await rows(db_sessionmaker, User) == 1
    # A button pressed in a group gets a short alert, not a screen.
    from aiogram.types import CallbackQuery

    message = in_group(harness, client, text="x")
    query = CallbackQuery(
        id="group-cb",
        from_user=client.user,
        chat_instance="group",
        message=message,
        data="menu:my_data",
    )
    await harness.feed(callback_query=query)
    answer = harness.telegram.callback_answers["group-cb"]
    assert answer.show_alert and "личном чате" in (answer.text or "")
    assert len(harness.telegram.chats[-100200300]) == 7


# -- erasure -----------------------------------------------------------------------------


async def test_erasure_leaves_no_value_of_the_person_anywhere(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    name, email, username = "Вероника", "veronika.private@example.com", "veronika_secret_77"
    comment = "Очень помогло, спасибо за разговор про Зурбаган"
    client = harness.user(47_110_915, name, username=username)
    await consent(client)
    await answer_questionnaire(client, Profile(age="37"))
    await client.press("E-mail")
    await client.send(email)
    await client.press("Всё верно")
    card = client.last_with_buttons
    await client.press(card.buttons[0], message=card)
    await client.press(card.buttons[0], message=card)
    await client.press("Записаться")
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        await session.execute(
            update(Therapist)
            .where(Therapist.id == booking.therapist_id)
            .values(telegram_id=58_123_599)
        )
        await session.execute(
            update(Booking).where(Booking.id == booking.id).values(rating=5, rating_comment=comment)
        )
        # Answers once typed in another chat, kept under that chat's key.
        await session.execute(
            insert(FsmRecord).values(
                key=f"fsm:-100555:{client.id}:default",
                state="Signup:age",
                data={"answers": {"age": 37}},
                updated_at=datetime.now(UTC),
            )
        )
        await session.commit()
    await start_writing(client)
    await client.send("Здравствуйте, это Вероника")
    await client.send("/stats")  # a refused admin command, audited
    await client.send("/cancel")
    assert await rows(db_sessionmaker, AuditEntry) >= 1

    await client.send("/delete_me")
    await client.press("Да, удалить")
    assert "удалены" in client.last.text

    needles = [name, email, username, str(client.id), comment, "Зурбаган"]
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Questionnaire.user_id))) == 0
        for table in Base.metadata.sorted_tables:
            if table.name == "inbox":
                continue  # ids and kinds only (payloads are emptied): a needle's digits may match
            for row in (await session.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    if value is None:
                        continue
                    shown = str(value)
                    for needle in needles:
                        assert needle not in shown, f"{table.name}.{column.name} keeps {needle!r}"


async def test_declining_consent_and_the_under_age_answer_keep_no_state(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    declining = harness.user(903, "Ира")
    await declining.send("/start")
    await declining.press("Не согласен")
    assert await rows(db_sessionmaker, FsmRecord) == 0
    young = harness.user(904, "Петя")
    await consent(young)
    await young.send("15")
    assert await rows(db_sessionmaker, FsmRecord) == 0
    assert await rows(db_sessionmaker, Questionnaire) == 0
    async with db_sessionmaker() as session:
        assert await session.scalar(select(User.telegram_id).where(User.telegram_id == 904)) is None


# -- what reaches the log and the database -----------------------------------------------


async def test_a_failing_statement_does_not_log_its_values(database_url: str) -> None:
    engine = create_engine(database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def person(email: str) -> Any:
        return insert(User).values(
            telegram_id=5, email=email, language="ru", timezone="UTC", created_at=now
        )

    try:
        async with engine.begin() as connection:
            await connection.execute(person("first@example.com"))
        with pytest.raises(DBAPIError) as raised:
            async with engine.begin() as connection:
                await connection.execute(person("secret.person@example.com"))
        assert "secret.person@example.com" not in str(raised.value)
        assert "parameters hidden" in str(raised.value)
    finally:
        await engine.dispose()


async def test_control_and_invisible_characters_are_removed(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client = harness.user(905, "\u200b\u200f")  # a Telegram name with nothing visible
    await consent(client)
    assert not any(label.startswith("Да,") for label in client.last.buttons)
    await client.send("\u200b\u200f")
    assert "Имя должно" in client.last.text
    await client.send("\u202eВе\x00ра")
    async with db_sessionmaker() as session:
        assert (await session.scalars(select(User.first_name))).one() == "Вера"

    amp = harness.user(906, "Tom & Jerry")
    await consent(amp)
    assert "«Tom & Jerry»" in amp.last.text


async def test_a_relayed_text_loses_its_control_characters(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    await client.send("Добрый\x00 день\x07")
    assert "Добрый день" in therapist_chat.last.text
    assert "\x00" not in therapist_chat.last.text and "\x07" not in therapist_chat.last.text


# -- long cards --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_the_longest_card_fits_a_photo_caption(
    db_sessionmaker: Sessions,
    database_url: str,
    clock: ManualClock,
    translator,
    catalogue: None,
    language: str,
) -> None:
    word = "психотерапия&<b> " if language == "ru" else "psychotherapy&<b> "
    async with db_sessionmaker() as session:
        await session.execute(
            update(Therapist).values(
                name_ru="Я" * 128,
                name_en="N" * 128,
                about_ru=(word * 200)[:2000],
                about_en=(word * 200)[:2000],
                education_ru=(word * 100)[:1000],
                education_en=(word * 100)[:1000],
            )
        )
        await session.commit()
    harness = make_harness(
        make_settings(database_url, default_language=language), db_sessionmaker, clock, translator
    )
    client = harness.user(909, "Вера")
    await sign_up(client)
    if language == "en":
        await client.send("/language")
        await client.press("English")
    await client.send("/start")
    await client.press("Найти терапевта" if language == "ru" else "Find a therapist")
    card = client.last_with_buttons
    assert card.photo is not None
    assert len(card.text) <= 1024
    assert "…" in card.text
    more = "Подробнее" if language == "ru" else "More"
    assert any(more in label for label in card.buttons)


# -- the time-zone step ------------------------------------------------------------------


async def test_commands_go_through_while_a_zone_is_asked_for(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client = harness.user(910, "Вера")
    await book_session(client)
    await client.send("/timezone")
    await client.send("/my_data")
    assert "Что о вас хранится" in client.last.text
    await client.send("/my")
    assert "Мои сессии" in client.last.text
    await client.send("Europe")
    assert "Europe/Moscow" in client.last.text and "Не получилось" in client.last.text
    await client.send("Asia/Yekaterinburg")
    async with db_sessionmaker() as session:
        assert (await session.scalars(select(User.timezone))).one() == "Asia/Yekaterinburg"


async def test_a_region_alone_is_an_unknown_zone_for_admins_too(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None, caplog: pytest.LogCaptureFixture
) -> None:
    from handlers.admin.fields import Invalid, parse_zone

    for region in ("Europe", "Asia", "America"):
        with pytest.raises(Invalid):
            parse_zone(region)
    caplog.set_level(logging.ERROR)
    client = harness.user(911, "Вера")
    await sign_up(client)
    await client.send("/timezone")
    await client.send("America")
    assert "Не получилось" in client.last.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


# -- the error handler -------------------------------------------------------------------


async def test_a_double_tap_on_erase_is_answered_once_and_logs_nothing(
    harness: Harness, db_sessionmaker: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    client = harness.user(912, "Вера")
    await sign_up(client)
    await client.send("/delete_me")
    screen = client.last
    caplog.set_level(logging.ERROR)
    erase = screen.button("Да, удалить").callback_data
    await client.tap(erase, screen)
    await client.tap(erase, screen)  # the second tap finds the screen already showing it
    assert "удалены" in screen.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_failure_after_the_button_was_answered_is_told_in_the_chat(
    harness: Harness,
    db_sessionmaker: Sessions,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from handlers import cabinet

    client = harness.user(913, "Вера")
    await sign_up(client)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the cabinet is broken")

    monkeypatch.setattr(cabinet, "home", broken)
    caplog.set_level(logging.ERROR)
    mark = client.mark()
    answer = await client.press("Мои сессии")
    assert answer.text is None  # the handler's own answer, given before it failed
    assert any("Что-то пошло не так" in text for text in client.texts_since(mark))
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and "RuntimeError" in errors[0].getMessage()
