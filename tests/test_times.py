"""Times in the chat are `date_time` entities: each reader's app shows the moment in its
own zone, and the text inside (the reader's profile zone) is what an app without the
entity shows. Every conversation test also checks every text the bot sent for a clock time
outside an entity (`tests.conftest.times_as_entities`); here are the moments themselves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.exceptions import TelegramBadRequest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.formatting import day_html, time_html, when_html, when_text
from bot.i18n import Translator
from db.demo import load_demo
from db.models import Booking, Therapist
from tests.conftest import ManualClock, make_harness, make_settings
from tests.fake_telegram import DateTime, FakeTelegram, Harness, Shown, parse_html, untimed
from tests.flows import book_session

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 777
GROUP_CHAT = -100500
# Novosibirsk is four hours ahead of Moscow: the same moment reads differently.
THERAPIST_ZONE = "Asia/Novosibirsk"


def test_a_time_is_an_entity_with_the_profile_zone_as_its_text(translator: Translator) -> None:
    t = translator.for_language("ru")
    moment = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    moscow = parse_html(when_html(t, moment, "Europe/Moscow"))
    novosibirsk = parse_html(when_html(t, moment, THERAPIST_ZONE))
    assert "".join(moscow.text) == "Пн 7 дек, 21:00" == when_text(t, moment, "Europe/Moscow")
    assert "".join(novosibirsk.text) == "Вт 8 дек, 01:00"
    assert moscow.times == [DateTime(0, 15, int(moment.timestamp()), "wdt")]
    assert novosibirsk.times[0].moment == moscow.times[0].moment == moment
    assert parse_html(time_html(moment, "Europe/Moscow")).times[0].format == "t"
    day = parse_html(day_html(translator.for_language("en"), moment, "Europe/Moscow"))
    assert ("".join(day.text), day.times[0].format) == ("Mon 7 Dec", "wd")


def test_the_check_finds_a_time_outside_an_entity() -> None:
    entity = '<tg-time unix="1796666400" format="wdt">Пн 7 дек, 21:00</tg-time>'
    assert untimed(f"Сессия: {entity}.") == []
    assert untimed("Сессия: Пн 7 дек, 21:00.") == ["Сессия: Пн 7 дек, 21:00."]
    assert untimed("Формат: <code>2026-12-08 15:00</code>") == []
    assert untimed("Пн 10:00–18:00, UTC+03:00") == []  # hours and an offset: no moment
    escaped = f"Сессия: {entity.replace('<', '&lt;')}"
    assert "an escaped <tg-time> shown as text" in untimed(escaped)


@pytest.mark.parametrize(
    "html",
    [
        '<tg-time unix="soon">завтра</tg-time>',
        '<tg-time unix="1796666400" format="x">завтра</tg-time>',
        '<tg-time unix="1796666400" format="tw">завтра</tg-time>',
    ],
)
async def test_telegram_refuses_a_broken_entity(html: str, database_url: str) -> None:
    bot = create_bot(make_settings(database_url), session=FakeTelegram())
    with pytest.raises(TelegramBadRequest, match="date_time"):
        await bot.send_message(1, html)


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Translator
) -> Harness:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        await session.execute(
            update(Therapist)
            .where(Therapist.id == 1)
            .values(telegram_id=THERAPIST_CHAT, timezone=THERAPIST_ZONE)
        )
        await session.commit()
    settings = make_settings(database_url, therapist_chat_id=GROUP_CHAT)
    return make_harness(settings, db_sessionmaker, clock, translator)


def moments(shown: list[Shown]) -> list[datetime]:
    return [each.moment for message in shown for each in message.times]


async def test_booking_moving_and_cancelling_write_the_moment_for_every_reader(
    practice: Harness, db_sessionmaker: Sessions, translator: Translator
) -> None:
    t = translator.for_language("ru")
    telegram = practice.telegram
    client = practice.user(421, "Анна")
    await book_session(client)
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        therapist = await session.get_one(Therapist, booking.therapist_id)
    first = booking.starts_at
    confirmation = next(m for m in reversed(telegram.chats[client.id]) if "Вы записаны" in m.text)
    assert moments([confirmation]) == [first]
    assert when_text(t, first, "Europe/Moscow") in confirmation.text
    if therapist.id == 1:
        told = telegram.chats[THERAPIST_CHAT][-1]
        assert moments([told]) == [first]
        assert when_text(t, first, THERAPIST_ZONE) in told.text  # the therapist's zone
    assert first in moments(telegram.chats[GROUP_CHAT])

    await client.send("/my")
    cabinet = client.last
    assert first in moments([cabinet])
    assert all("tg-time" not in label for label in cabinet.buttons)  # labels stay plain
    await client.press(cabinet.buttons[0], message=cabinet)
    assert moments([cabinet]) == [first]
    await client.press("Перенести", message=cabinet)
    await client.press(cabinet.buttons[-2], message=cabinet)
    await client.press(cabinet.buttons[0], message=cabinet)
    assert "Перенести сессию?" in cabinet.text
    async with db_sessionmaker() as session:
        chosen = await session.get_one(Booking, booking.id)
    await client.press("✅ Перенести", message=cabinet)
    async with db_sessionmaker() as session:
        moved = (await session.get_one(Booking, chosen.id)).starts_at
    assert moved != first
    assert moments([cabinet]) == [moved]
    if therapist.id == 1:
        # «Перенос сессии»: from when to when, both as moments.
        assert moments([telegram.chats[THERAPIST_CHAT][-1]]) == [first, moved]

    await client.send("/my")
    cabinet = client.last
    await client.press(cabinet.buttons[0], message=cabinet)
    await client.press("Отменить", message=cabinet)
    assert moments([cabinet]) == [moved]
    await client.press("Да, отменить", message=cabinet)
    assert moments([cabinet]) == [moved]
    assert "отменена" in cabinet.text
    assert moved in moments([telegram.chats[GROUP_CHAT][-1]])
