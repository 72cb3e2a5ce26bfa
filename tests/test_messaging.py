"""Client–therapist messaging: relaying both ways, replies, media, access control, failed
deliveries, urgent words, and that nobody's Telegram username or id ever shows."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram.methods import CopyMessage, SendMessage
from aiogram.types import InlineKeyboardMarkup, Location, Message
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from db.demo import load_demo
from db.models import Booking, BookingStatus, RelayedMessage, Therapist, User
from handlers.messaging import is_urgent
from keyboards.messaging import ReplyClient, WriteClient, WriteTherapist
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import book_session, sign_up

Sessions = async_sessionmaker[AsyncSession]

# Recognisable digits: none of them may ever appear in what the bot sends.
CLIENT_TG = 47_110_815
CLIENT_USERNAME = "vera_secret_4711"
THERAPIST_TG = 58_123_497
THERAPIST_USERNAME = "maria_private_5812"
OTHER_CLIENT_TG = 36_990_271
OTHER_THERAPIST_TG = 69_404_533


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def client_of(harness: Harness, telegram_id: int = CLIENT_TG, name: str = "Вера") -> TgUser:
    return harness.user(telegram_id, name, username=f"{CLIENT_USERNAME}_{telegram_id}")


def therapist_of(harness: Harness, telegram_id: int = THERAPIST_TG) -> TgUser:
    return harness.user(telegram_id, "Марго", username=THERAPIST_USERNAME)


async def latest_booking(sessions: Sessions, client_tg: int = CLIENT_TG) -> Booking:
    async with sessions() as session:
        booking = await session.scalar(
            select(Booking)
            .join(User, User.id == Booking.client_id)
            .where(User.telegram_id == client_tg)
            .order_by(Booking.id.desc())
        )
    assert booking is not None
    return booking


async def link(sessions: Sessions, therapist_id: int, telegram_id: int) -> Therapist:
    async with sessions() as session:
        await session.execute(
            update(Therapist).where(Therapist.id == therapist_id).values(telegram_id=telegram_id)
        )
        await session.commit()
        therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    return therapist


async def relays(sessions: Sessions) -> list[RelayedMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(RelayedMessage).order_by(RelayedMessage.id)))


async def booked_and_linked(
    harness: Harness, sessions: Sessions, client_tg: int = CLIENT_TG, name: str = "Вера"
) -> tuple[TgUser, TgUser, Therapist]:
    """A client with a session, and that session's therapist linked to their own chat."""
    client = client_of(harness, client_tg, name)
    await book_session(client)
    booking = await latest_booking(sessions, client_tg)
    therapist = await link(sessions, booking.therapist_id, THERAPIST_TG)
    return client, therapist_of(harness), therapist


async def start_writing(client: TgUser) -> Shown:
    await client.send("/my")
    cabinet = client.last
    await client.press("Написать терапевту", message=cabinet)
    return client.last


def replying_to(harness: Harness, shown: Shown) -> Message:
    return harness.telegram.as_message(shown)


def sent_texts(harness: Harness) -> list[str]:
    """Every text and caption the bot sent or put on screen, and every callback answer."""
    texts: list[str] = []
    for call in harness.telegram.calls:
        for field in ("text", "caption"):
            value = getattr(call, field, None)
            if isinstance(value, str):
                texts.append(value)
        markup = getattr(call, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            texts += [button.text for row in markup.inline_keyboard for button in row]
    return texts


def assert_nothing_leaks(harness: Harness, *people: TgUser) -> None:
    texts = sent_texts(harness)
    assert texts
    for person in people:
        for text in texts:
            assert str(person.id) not in text
            if person.username:
                assert person.username not in text


def copies_to(harness: Harness, chat_id: int) -> list[CopyMessage]:
    return [
        call
        for call in harness.telegram.calls
        if isinstance(call, CopyMessage) and call.chat_id == chat_id
    ]


async def test_client_and_therapist_talk_both_ways(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, therapist = await booked_and_linked(harness, db_sessionmaker)
    prompt = await start_writing(client)
    assert "Сообщение терапевту" in prompt.text and therapist.name_ru in prompt.text
    assert "/done" in prompt.text and prompt.buttons == ["✅ Готово"]

    await client.send("Здравствуйте! Можно перенести <b>тему</b> на следующий раз?")
    relayed = therapist_chat.last
    assert "Вера" in relayed.text and "ближайшая сессия" in relayed.text
    assert "Можно перенести <b>тему</b>" in relayed.text  # escaped, shown as typed
    assert relayed.buttons == ["↩️ Ответить"]
    assert client.last.text == "✓ Доставлено."

    # The reply button: the therapist's next messages go to this client until "Done".
    await therapist_chat.press("Ответить", message=relayed)
    assert "Сообщение клиенту: Вера" in therapist_chat.last.text
    await therapist_chat.send("Да, конечно.")
    answer = client.last
    assert f"Ваш терапевт {therapist.name_ru}" in answer.text and "Да, конечно." in answer.text
    assert answer.buttons == ["↩️ Ответить"]
    assert therapist_chat.last.text == "✓ Доставлено."
    await therapist_chat.send("И ещё одно.")
    assert "И ещё одно." in client.last.text
    await therapist_chat.press("Готово")
    assert "больше ничего не передаю" in therapist_chat.last.text
    await therapist_chat.send("Это уже не клиенту")
    assert "Это уже не клиенту" not in client.last.text

    # The client leaves the mode, then answers with a Telegram reply.
    await client.press("Готово", message=prompt)
    assert "больше ничего не передаю" in client.last.text
    await client.send("Спасибо!", reply_to_message=replying_to(harness, answer))
    thanks = therapist_chat.last
    assert "Вера" in thanks.text and "Спасибо!" in thanks.text
    assert client.last.text == "✓ Доставлено."

    # The therapist answers that with a Telegram reply, outside any mode.
    await therapist_chat.send("Пожалуйста!", reply_to_message=replying_to(harness, thanks))
    assert "Пожалуйста!" in client.last.text

    rows = await relays(db_sessionmaker)
    assert [row.direction for row in rows] == [
        "to_therapist",
        "to_client",
        "to_client",
        "to_therapist",
        "to_client",
    ]
    booking = await latest_booking(db_sessionmaker)
    for row in rows:
        assert row.booking_id == booking.id and row.therapist_id == therapist.id
        assert row.delivered_at is not None and not row.urgent
    assert (
        rows[0].target_chat_id == THERAPIST_TG and rows[0].target_message_id == relayed.message_id
    )
    assert rows[1].target_message_id == answer.message_id and rows[1].source_chat_id == THERAPIST_TG
    # A reply shows up in the other chat as a reply to the message it answers.
    assert thanks.reply_to == rows[1].source_message_id
    assert client.last.reply_to == rows[3].source_message_id
    assert_nothing_leaks(harness, client, therapist_chat)


async def test_photos_documents_voice_and_stickers(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)

    await client.send_photo(caption="Мой <рисунок>")
    photo = copies_to(harness, THERAPIST_TG)[-1]
    assert photo.from_chat_id == CLIENT_TG and photo.caption is not None
    assert "Вера" in photo.caption and "Мой &lt;рисунок&gt;" in photo.caption
    assert isinstance(photo.reply_markup, InlineKeyboardMarkup)
    data = photo.reply_markup.inline_keyboard[0][0].callback_data
    assert data is not None and data.startswith("rc:")
    assert client.last.text == "✓ Доставлено."

    await client.send_document()
    document = copies_to(harness, THERAPIST_TG)[-1]
    assert document.caption is not None and "Вера" in document.caption
    await client.send_voice()
    assert "Вера" in (copies_to(harness, THERAPIST_TG)[-1].caption or "")

    # A caption that cannot take the header too: the header first, then the copy as it was.
    shown_before = len(therapist_chat.shown)
    await client.send_photo(caption="ж" * 1000)
    header, copy = therapist_chat.shown[shown_before:]
    assert "Вера" in header.text and header.markup is None
    call = copies_to(harness, THERAPIST_TG)[-1]
    assert call.caption is None and call.reply_parameters is not None
    assert call.reply_parameters.message_id == header.message_id
    assert isinstance(call.reply_markup, InlineKeyboardMarkup)

    # Media without captions get the header as a message before them.
    shown_before = len(therapist_chat.shown)
    await client.send_sticker()
    assert "Вера" in therapist_chat.shown[shown_before].text
    assert copies_to(harness, THERAPIST_TG)[-1].caption is None

    # The therapist answers the copied photo with a Telegram reply.
    await therapist_chat.send("Отвечаю на фото", reply_to_message=replying_to(harness, copy))
    assert "Отвечаю на фото" in client.last.text
    rows = await relays(db_sessionmaker)
    assert len(rows) == 6 and all(row.delivered_at is not None for row in rows)
    assert rows[3].target_message_id == copy.message_id

    # Something that cannot be relayed: said so, nothing sent.
    calls = len(harness.telegram.calls)
    location = Location(latitude=55.75, longitude=37.61)
    await harness.feed(
        message=Message(
            message_id=harness.next_id(),
            date=datetime.now(UTC),
            chat=client.chat,
            from_user=client.user,
            location=location,
        )
    )
    assert "не могу" in client.last.text
    assert not [
        c for c in harness.telegram.calls[calls:] if getattr(c, "chat_id", 0) == THERAPIST_TG
    ]
    assert_nothing_leaks(harness, client, therapist_chat)


async def test_unlinked_therapist_is_reported(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client = client_of(harness)
    await book_session(client)
    prompt = await start_writing(client)
    assert "пока не подключил" in prompt.text
    await client.send("Вы получите это?")
    assert "Не доставлено" in client.last.text and "не подключил" in client.last.text
    assert "не сохранено" in client.last.text
    (row,) = await relays(db_sessionmaker)
    assert row.target_chat_id is None and row.delivered_at is None


async def test_therapist_who_blocked_the_bot(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, _, therapist = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    harness.telegram.blocked.add(THERAPIST_TG)
    await client.send("Алло?")
    text = client.last.text
    assert "Не доставлено" in text and therapist.name_ru in text and "не получает" in text
    (row,) = await relays(db_sessionmaker)
    assert row.target_chat_id == THERAPIST_TG
    assert row.target_message_id is None and row.delivered_at is None
    # Once unblocked, the next message goes through.
    harness.telegram.blocked.discard(THERAPIST_TG)
    await client.send("А теперь?")
    assert client.last.text == "✓ Доставлено."


async def test_client_who_blocked_the_bot(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    await client.send("Вопрос")
    relayed = therapist_chat.last
    harness.telegram.blocked.add(CLIENT_TG)
    await therapist_chat.send("Ответ", reply_to_message=replying_to(harness, relayed))
    assert "Не доставлено" in therapist_chat.last.text and "Вера" in therapist_chat.last.text


async def test_client_can_write_only_to_their_own_therapist(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, therapist = await booked_and_linked(harness, db_sessionmaker)
    cabinet_message = client.last
    stranger_id = therapist.id + 1
    answer = await client.tap(WriteTherapist(therapist_id=stranger_id).pack(), cabinet_message)
    assert answer.show_alert and "записаны" in (answer.text or "")
    await client.send("Это не должно уйти")
    assert not therapist_chat.shown
    assert not await relays(db_sessionmaker)

    # Someone with no bookings at all cannot use the button either.
    newcomer = client_of(harness, OTHER_CLIENT_TG, "Борис")
    await sign_up(newcomer)
    answer = await newcomer.tap(WriteTherapist(therapist_id=therapist.id).pack())
    assert answer.show_alert and "записаны" in (answer.text or "")

    # A cancelled booking still counts: they had a session together.
    booking = await latest_booking(db_sessionmaker)
    async with db_sessionmaker() as session:
        await session.execute(
            update(Booking).where(Booking.id == booking.id).values(status=BookingStatus.cancelled)
        )
        await session.commit()
    answer = await client.tap(WriteTherapist(therapist_id=therapist.id).pack(), cabinet_message)
    assert not answer.show_alert
    await client.send("После отмены")
    assert "После отмены" in therapist_chat.last.text
    assert "последняя сессия" in therapist_chat.last.text


async def test_writing_mode_is_checked_on_every_message(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    # The booking disappears (an admin removed it): the next message is refused.
    booking = await latest_booking(db_sessionmaker)
    async with db_sessionmaker() as session:
        await session.delete(await session.get(Booking, booking.id))
        await session.commit()
    await client.send("Ещё вопрос")
    assert "записаны" in client.last.text
    assert not therapist_chat.shown


async def test_therapist_can_write_only_to_their_own_clients(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, therapist = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    await client.send("Привет")
    relayed = therapist_chat.last
    (relay,) = await relays(db_sessionmaker)
    client_id = relay.client_id

    other = await link(db_sessionmaker, therapist.id + 1, OTHER_THERAPIST_TG)
    assert other.id != therapist.id
    stranger = harness.user(OTHER_THERAPIST_TG, "Олег", username="oleg_hidden_6940")
    await stranger.send("/start")
    screen = stranger.last
    answer = await stranger.tap(WriteClient(client_id=client_id).pack(), screen)
    assert answer.show_alert and "своему клиенту" in (answer.text or "")
    answer = await stranger.tap(ReplyClient(relay_id=relay.id).pack(), screen)
    assert answer.show_alert and "своему клиенту" in (answer.text or "")
    answer = await stranger.tap(ReplyClient(relay_id=relay.id + 100).pack(), screen)
    assert answer.show_alert
    await stranger.send("Тайное сообщение")
    assert "Тайное сообщение" not in client.last.text

    # A client (not a therapist) pressing a therapist's button.
    answer = await client.tap(WriteClient(client_id=client_id).pack(), relayed)
    assert answer.show_alert and "для терапевтов" in (answer.text or "")
    answer = await client.tap(ReplyClient(relay_id=relay.id).pack(), relayed)
    assert answer.show_alert and "для терапевтов" in (answer.text or "")

    # The own therapist may start from a booking card's button (WriteClient).
    answer = await therapist_chat.tap(WriteClient(client_id=client_id).pack(), relayed)
    assert not answer.show_alert
    await therapist_chat.send("Добрый вечер")
    assert "Добрый вечер" in client.last.text
    assert len(await relays(db_sessionmaker)) == 2


async def test_a_client_who_erased_their_data_cannot_be_reached(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    await client.send("Привет")
    relayed = therapist_chat.last
    await therapist_chat.press("Ответить", message=relayed)
    await client.send("/delete_me")
    await client.press("Да, удалить")
    # In the mode already, by Telegram reply, and by the button: all refused.
    await therapist_chat.send("Вы тут?")
    assert "удалил свои данные" in therapist_chat.last.text
    await therapist_chat.send("Ответ", reply_to_message=replying_to(harness, relayed))
    assert "удалил свои данные" in therapist_chat.last.text
    answer = await therapist_chat.press("Ответить", message=relayed)
    assert answer.show_alert and "удалил свои данные" in (answer.text or "")
    assert not [
        c for c in harness.telegram.calls if isinstance(c, SendMessage) and "Вы тут?" in c.text
    ]


async def test_reply_to_a_message_that_was_not_relayed(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    _, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await therapist_chat.send("/help")
    help_message = therapist_chat.last
    mark = len(harness.telegram.chats[CLIENT_TG])
    await therapist_chat.send("Ответ не туда", reply_to_message=replying_to(harness, help_message))
    assert "не из переписки" in therapist_chat.last.text and "/clients" in therapist_chat.last.text
    assert len(harness.telegram.chats[CLIENT_TG]) == mark
    assert not await relays(db_sessionmaker)


async def test_a_message_of_4096_characters_arrives_intact(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)

    long_text = "я" * 4000
    await client.send(long_text)
    assert therapist_chat.last.text.endswith("\n\n" + long_text)
    assert "Вера" in therapist_chat.last.text

    longest = "ю" * 4095 + "!"
    before = len(therapist_chat.shown)
    await client.send(longest)
    header, copy = therapist_chat.shown[before:]
    assert "Вера" in header.text and "ю" not in header.text
    call = copies_to(harness, THERAPIST_TG)[-1]
    assert call.caption is None and call.from_chat_id == CLIENT_TG  # the original, untouched
    assert client.last.text == "✓ Доставлено."

    # And back: the therapist's 4 096 characters reach the client whole.
    await therapist_chat.send("ё" * 4096, reply_to_message=replying_to(harness, copy))
    assert copies_to(harness, CLIENT_TG)[-1].from_chat_id == THERAPIST_TG
    assert therapist_chat.last.text == "✓ Доставлено."
    rows = await relays(db_sessionmaker)
    assert rows[-1].direction == "to_client" and rows[-1].delivered_at is not None


@pytest.mark.parametrize(
    "text",
    [
        "Мне очень плохо, не хочу жить",
        "Иногда думаю, что хочу УМЕРЕТЬ",
        "Были суицидальные мысли",
        "I want to die",
        "sometimes I think about self-harm",
    ],
)
async def test_urgent_words(
    harness: Harness,
    db_sessionmaker: Sessions,
    catalogue: None,
    text: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    mark = client.mark()
    await client.send(text)
    said = client.texts_since(mark)
    assert "112" in said[0] and "8-800-2000-122" in said[0]  # the /sos text, first
    assert said[-1] == "✓ Доставлено."
    relayed = therapist_chat.last.text
    assert relayed.startswith("🚨 СРОЧНО") and text in relayed
    (row,) = await relays(db_sessionmaker)
    assert row.urgent
    assert text not in caplog.text


async def test_ordinary_words_are_not_urgent(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None, translator: Translator
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    mark = client.mark()
    await client.send("Чуть не умерла от смеха, жить хочу!")
    assert client.texts_since(mark) == ["✓ Доставлено."]
    assert "СРОЧНО" not in therapist_chat.last.text
    (row,) = await relays(db_sessionmaker)
    assert not row.urgent
    # The caption of a photo counts too.
    await client.send_photo(caption="хочу покончить с собой")
    assert "112" in client.texts_since(mark)[-2]
    assert "СРОЧНО" in (copies_to(harness, THERAPIST_TG)[-1].caption or "")


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("Думаю о самоубийстве", True),
        ("свести счёты с жизнью", True),
        ("Не хочу-жить", True),
        ("I don’t want to live anymore", True),
        ("killing myself slowly with work", True),
        ("Я хочу умереть со смеху", True),  # a false alarm is the cheaper mistake
        ("Суицидология — интересная наука", True),
        ("Хочу уметь рисовать", False),
        ("self-harmony", True),
        ("selfish harm", False),
        ("I want to dine", False),
        ("", False),
    ],
)
def test_urgent_matching(translator: Translator, text: str, urgent: bool) -> None:
    assert is_urgent(translator, text) is urgent


async def test_commands_while_writing_are_not_relayed(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    prompt = await start_writing(client)
    await client.send("/help")
    assert "Что я умею" in client.last.text
    await client.send("/whatever")
    assert not therapist_chat.shown
    await client.send("/done")
    assert "больше ничего не передаю" in client.last.text
    answer = await client.press("Готово", message=prompt)
    assert answer.text == "Уже принято ✓"
    await client.send("Просто текст")
    assert not therapist_chat.shown


async def test_an_admin_who_is_a_client_can_write(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    admin, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker, ADMIN_ID, "Ира")
    await start_writing(admin)
    await admin.send("Я и администратор, и клиент")
    assert "Ира" in therapist_chat.last.text
    assert admin.last.text == "✓ Доставлено."
    await therapist_chat.send("Понял", reply_to_message=replying_to(harness, therapist_chat.last))
    assert "Понял" in admin.last.text


async def test_two_clients_of_one_therapist_stay_apart(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    vera, therapist_chat, therapist = await booked_and_linked(harness, db_sessionmaker)
    boris = client_of(harness, OTHER_CLIENT_TG, "Борис")
    await book_session(boris)
    assert (await latest_booking(db_sessionmaker, OTHER_CLIENT_TG)).therapist_id == therapist.id

    prompt = await start_writing(vera)
    await start_writing(boris)
    await vera.send("От Веры")
    from_vera = therapist_chat.last
    await boris.send("От Бориса")
    from_boris = therapist_chat.last
    assert "Борис" in from_boris.text and "Вера" not in from_boris.text

    await therapist_chat.send("Борису", reply_to_message=replying_to(harness, from_boris))
    await therapist_chat.send("Вере", reply_to_message=replying_to(harness, from_vera))
    assert "Борису" in boris.last.text and "Вере" not in boris.last.text
    assert "Вере" in vera.last.text and "Борису" not in vera.last.text
    # Anna cannot answer through Boris's message: replies are looked up in one's own chat.
    await vera.press("Готово", message=prompt)
    await vera.send("Чужое", reply_to_message=replying_to(harness, boris.last))
    assert "Чужое" not in therapist_chat.last.text
    assert_nothing_leaks(harness, vera, boris, therapist_chat)
