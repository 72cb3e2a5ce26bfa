"""Check-ins between sessions, through the dispatcher (SQLite and PostgreSQL): the consent
after a booking, PHQ-9 answered through to its score and GAD-7 after it, back and a
double tap, a check-in resumed after a restart, a risk answer (help at once, exactly one
notice to the therapist even when the first send fails, the admins told only that a flag
exists), who may read the answers, no question without consent, and the erasure."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from db import checkins
from db.demo import load_demo
from db.models import Booking, Checkin, CheckinAnswer, CheckinConsent, Slot, Therapist, User
from keyboards.checkins import Answer, CheckinAsk, CheckinReply, ClientCheckins
from keyboards.therapist import SessionCard
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, book_first_time, sign_up

Sessions = async_sessionmaker[AsyncSession]

THERAPIST_CHAT = 777
OTHER_THERAPIST_CHAT = 778
GROUP = -100500
NOT_AT_ALL, SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY = (
    "Ни разу",
    "Несколько дней",
    "Более недели",
    "Почти каждый день",
)


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Translator
) -> AsyncIterator[Harness]:
    """Therapist 1 (the only one with free times) linked to chat 777, therapist 2 to 778,
    a practice group and an admin."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=None))
        await session.execute(
            update(Therapist).where(Therapist.id == 1).values(telegram_id=THERAPIST_CHAT)
        )
        await session.execute(
            update(Therapist).where(Therapist.id == 2).values(telegram_id=OTHER_THERAPIST_CHAT)
        )
        await session.execute(delete(Slot).where(Slot.therapist_id != 1))
        await session.commit()
    settings = make_settings(database_url, therapist_chat_id=GROUP)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    yield harness
    await harness.bot.session.close()


async def booked_client(harness: Harness, user_id: int = 501, name: str = "Вика") -> TgUser:
    client = harness.user(user_id, name)
    await sign_up(client, Profile(topics=["Тревога"]))
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    assert "Вы записаны" in confirm.text
    return client


async def checking_in(harness: Harness) -> TgUser:
    """A booked client who said yes to check-ins and has the first question on screen."""
    client = await booked_client(harness)
    await client.press("Да, включить")
    await client.press("Начать опрос")
    return client


async def answer_all(client: TgUser, *labels: str) -> None:
    for label in labels:
        await client.press(label)


async def stored_answers(sessions: Sessions, user_id: int) -> dict[str, dict[int, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Checkin.scale, CheckinAnswer.item, CheckinAnswer.value)
            .join(CheckinAnswer, CheckinAnswer.checkin_id == Checkin.id)
            .join(User, User.id == Checkin.user_id)
            .where(User.telegram_id == user_id)
        )
        found: dict[str, dict[int, int]] = {}
        for scale, item, value in rows.all():
            found.setdefault(scale, {})[item] = value
        return found


async def test_consent_then_phq9_to_its_score_and_gad7_after_it(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    client = await booked_client(practice)
    consent = client.last_with_buttons
    assert "Короткие опросы между сессиями" in consent.text
    assert "Администраторы и общий чат практики их не видят" in consent.text
    await client.press("Да, включить")
    await client.press("Начать опрос")
    question = client.last
    assert "Настроение (PHQ-9) · вопрос 1 из 9" in question.text
    assert "Вам не хотелось ничего делать" in question.text
    await client.press(SEVERAL_DAYS)
    await client.press(MORE_THAN_HALF)
    assert "вопрос 3 из 9" in client.last.text
    # Back: the second answer is taken off and asked again.
    await client.press("Назад")
    assert "вопрос 2 из 9" in client.last.text
    assert await stored_answers(db_sessionmaker, client.id) == {"phq9": {1: 1}}
    await client.press(SEVERAL_DAYS)
    # A double tap on an answered question changes nothing.
    stale = CheckinReply(
        checkin_id=await only_checkin(db_sessionmaker, client.id), item=2, value=Answer(3)
    )
    answer = await client.tap(stale.pack())
    assert answer.text == "Этот вопрос уже позади."
    assert "вопрос 3 из 9" in client.last.text
    await answer_all(client, *[SEVERAL_DAYS] * 6, NOT_AT_ALL)
    result = client.last
    assert "Сумма баллов: 8 из 27 — лёгкий уровень" in result.text
    assert "не диагноз" in result.text
    assert await stored_answers(db_sessionmaker, client.id) == {
        "phq9": {**dict.fromkeys(range(1, 9), 1), 9: 0}
    }
    await client.press("Дальше: Тревога (GAD-7)")
    assert "Тревога (GAD-7) · вопрос 1 из 7" in client.last.text
    await answer_all(client, *[NEARLY_EVERY_DAY] * 5, MORE_THAN_HALF, MORE_THAN_HALF)
    assert "Сумма баллов: 19 из 21 — высокий уровень" in client.last.text
    async with db_sessionmaker() as session:
        finished = (await session.scalars(select(Checkin).order_by(Checkin.id))).all()
    assert [(c.scale, c.version, c.total, c.band, c.therapist_id) for c in finished] == [
        ("phq9", 1, 8, "mild", 1),
        ("gad7", 1, 19, "severe", 1),
    ]
    # The severe total is marked for the therapist (and for nobody else).
    assert "19 баллов — высокий уровень" in practice.telegram.chats[THERAPIST_CHAT][-1].text
    # Both were asked this week: a new one is not offered, and /progress shows them.
    await client.send("/progress")
    assert client.last.photo is not None  # the chart, the numbers under it
    progress = client.last.text
    assert "Настроение (PHQ-9) — первый результат" in progress
    assert "8 из 27, лёгкий уровень" in progress and "19 из 21, высокий уровень" in progress


async def only_checkin(sessions: Sessions, telegram_id: int) -> int:
    async with sessions() as session:
        return (
            await session.scalar(
                select(Checkin.id).join(User).where(User.telegram_id == telegram_id)
            )
            or 0
        )


async def test_a_checkin_resumes_where_it_stopped_after_a_restart(
    practice: Harness,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    database_url: str,
) -> None:
    client = await checking_in(practice)
    await answer_all(client, NOT_AT_ALL, SEVERAL_DAYS, NOT_AT_ALL, SEVERAL_DAYS)
    assert "вопрос 5 из 9" in client.last.text
    # A new process: its own dispatcher, bot and (empty) memory; the rows are all it has.
    settings = make_settings(database_url, therapist_chat_id=GROUP)
    restarted = make_harness(settings, db_sessionmaker, clock, translator)
    again = restarted.user(client.id, client.first_name)
    await again.send("/checkin")
    assert "вопрос 5 из 9" in again.last.text
    assert "У вас был плохой аппетит" in again.last.text
    await answer_all(again, *[NOT_AT_ALL] * 5)
    assert "Сумма баллов: 2 из 27 — минимальный уровень" in again.last.text
    await restarted.bot.session.close()


def sent_to(harness: Harness, chat_id: int) -> list[str]:
    """What reached a chat (a send that failed is not there)."""
    return [shown.text for shown in harness.telegram.chats.get(chat_id, [])]


async def test_a_risk_answer_brings_help_at_once_and_exactly_one_notice(
    practice: Harness,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    database_url: str,
) -> None:
    client = await checking_in(practice)
    calls_before = len(practice.telegram.calls)
    practice.telegram.unwell.add(THERAPIST_CHAT)  # the first try to tell them fails
    await answer_all(client, *[NOT_AT_ALL] * 8, SEVERAL_DAYS)
    texts = client.texts_since(0)
    help_text = next(text for text in texts if "Спасибо, что ответили честно" in text)
    assert "112" in help_text and "написать ему прямо сейчас" in help_text
    help_message = next(shown for shown in client.shown if shown.text == help_text)
    assert any("Написать" in label for label in help_message.buttons)
    assert "Сумма баллов: 1 из 27" in client.last.text  # and the score below the help
    practice.telegram.unwell.clear()
    settings = make_settings(database_url, therapist_chat_id=GROUP)
    job = outbox_job(practice, settings, db_sessionmaker, clock, translator)
    for _ in range(3):
        clock.advance(minutes=5)
        await job.run()
    told = [text for text in sent_to(practice, THERAPIST_CHAT) if "мысли о смерти" in text]
    assert len(told) == 1, told
    assert "Вика" in told[0]
    admins = sent_to(practice, ADMIN_ID)
    assert len([text for text in admins if "отмечен риск" in text]) == 1
    # Nobody but the client and their therapist reads a name with an answer, or an answer.
    answers = (NOT_AT_ALL, SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY)
    for call in practice.telegram.calls[calls_before:]:
        chat_id = getattr(call, "chat_id", None)
        text = getattr(call, "text", None) or getattr(call, "caption", None) or ""
        if chat_id in (client.id, THERAPIST_CHAT):
            continue
        assert "Вика" not in text and not any(answer in text for answer in answers), (chat_id, text)
    assert not [text for text in sent_to(practice, GROUP) if "риск" in text or "опрос" in text]
    # /stats counts check-ins and flags, and says nothing else of them.
    admin = practice.user(ADMIN_ID, "Админ")
    await admin.send("/stats")
    assert "Опросов между сессиями пройдено: 1 · отмечено рисков: 1" in admin.shown[-4].text
    assert not sent_to(practice, OTHER_THERAPIST_CHAT)

    # The therapist reads the answer in the bot; the other therapist and the admin cannot.
    therapist = practice.user(THERAPIST_CHAT, "Терапевт")
    notice = practice.telegram.chats[THERAPIST_CHAT][-1]
    await therapist.press("Опросы клиента", message=notice)
    assert therapist.last.photo is not None
    view = therapist.last.text
    assert "Опросы: Вика" in view and "«Несколько дней»" in view
    client_id = ClientCheckins.unpack(str(notice.button("Опросы клиента").callback_data)).client_id
    other = practice.user(OTHER_THERAPIST_CHAT, "Другой")
    answer = await other.tap(ClientCheckins(client_id=client_id).pack(), notice)
    assert answer.text is not None and "не видно" in answer.text
    before = len(practice.telegram.calls)
    await admin.tap(ClientCheckins(client_id=client_id).pack(), notice)
    for call in practice.telegram.calls[before:]:
        text = getattr(call, "text", None) or ""
        assert "Несколько дней" not in text and "Вика" not in text


async def test_without_consent_nothing_is_asked(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    client = await booked_client(practice)
    await client.press("Нет, спасибо")
    assert "опросов не будет" in client.last.text
    # /checkin asks for the consent first, never a question.
    await client.send("/checkin")
    assert "Включить опросы?" in client.last.text
    assert "вопрос 1 из" not in client.last.text
    # A forged answer button is refused and stores nothing.
    answer = await client.tap(CheckinReply(checkin_id=1, item=1, value=Answer(3)).pack())
    assert answer.text == "Этот вопрос уже позади."
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Checkin)) == 0
        assert await session.scalar(select(func.count()).select_from(CheckinAnswer)) == 0


async def test_turning_off_and_delete_me_leave_no_answer(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    client = await checking_in(practice)
    await answer_all(client, SEVERAL_DAYS, SEVERAL_DAYS)
    await client.send("/settings")
    await client.press("Опросы между сессиями")
    await client.press("Выключить и стереть ответы")
    await client.press("Да, выключить и стереть")
    assert "выключены" in client.last.text
    assert await stored_answers(db_sessionmaker, client.id) == {}
    await client.press("Включить опросы")
    await client.press("Начать опрос")
    await answer_all(client, SEVERAL_DAYS)
    assert await stored_answers(db_sessionmaker, client.id) == {"phq9": {1: 1}}
    await client.send("/my_data")
    shown = client.last.text
    assert "Опросы между сессиями: включены" in shown
    assert "Настроение (PHQ-9)" in shown and "ответы 1 (" in shown and "не закончен" in shown
    await client.send("/delete_me")
    await client.press("Да, удалить")
    async with db_sessionmaker() as session:
        for table in (Checkin, CheckinAnswer, CheckinConsent):
            assert await session.scalar(select(func.count()).select_from(table)) == 0, table


async def booking_of(sessions: Sessions, telegram_id: int) -> int:
    async with sessions() as session:
        found = await session.scalar(
            select(Booking.id)
            .join(User, User.id == Booking.client_id)
            .where(User.telegram_id == telegram_id)
        )
    assert found is not None
    return found


async def test_the_therapist_sees_scores_on_the_session_card_and_asks_for_one(
    practice: Harness,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    database_url: str,
) -> None:
    client = await booked_client(practice)
    therapist = practice.user(THERAPIST_CHAT, "Терапевт")
    card_data = SessionCard(booking_id=await booking_of(db_sessionmaker, client.id)).pack()
    # Before the client's consent: no scores, no buttons for them.
    await therapist.tap(card_data, practice.telegram.chats[THERAPIST_CHAT][-1])
    card = therapist.last
    assert "📈" not in card.text and not any("опрос" in label for label in card.buttons)
    await client.press("Да, включить")
    await client.press("Начать опрос")
    await answer_all(client, *[MORE_THAN_HALF] * 6, NOT_AT_ALL, NOT_AT_ALL, NOT_AT_ALL)
    await therapist.tap(card_data, card)
    card = therapist.last
    assert "Настроение (PHQ-9): 12, умеренный уровень (первый результат)" in card.text
    # Asking now: GAD-7 is still due this week, so the client is invited.
    await therapist.press("Попросить пройти опрос", message=card)
    settings = make_settings(database_url, therapist_chat_id=GROUP)
    await outbox_job(practice, settings, db_sessionmaker, clock, translator).run()
    invitation = client.last_with_buttons
    assert "просит вас пройти короткий опрос" in invitation.text
    await client.press("Начать опрос", message=invitation)
    assert "Тревога (GAD-7) · вопрос 1 из 7" in client.last.text
    await answer_all(client, *[NOT_AT_ALL] * 7)
    # /schedule: each client's latest scores with their trend, and a chart of them.
    await therapist.send("/schedule")
    schedule_text = "\n".join(shown.text for shown in therapist.shown[-3:])
    assert "Вика: PHQ-9 12 •, GAD-7 0 •" in schedule_text
    assert therapist.last.photo is not None
    # Both answered this week: asking again is refused, with why.
    answer = await therapist.press("Попросить пройти опрос", message=card)
    assert answer.text is not None and "уже отвечал" in answer.text
    # Another therapist's forged buttons get nothing.
    other = practice.user(OTHER_THERAPIST_CHAT, "Другой")
    client_id = ClientCheckins.unpack(str(card.button("Опросы клиента").callback_data)).client_id
    refused = await other.tap(CheckinAsk(client_id=client_id).pack(), card)
    assert refused.text is not None and "не ваш текущий клиент" in refused.text
    refused = await other.tap(SessionCard(booking_id=1).pack(), card)
    assert refused.text is not None and "Тревога" not in refused.text


async def test_a_new_therapist_sees_earlier_answers_only_when_the_client_allows(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    client = await checking_in(practice)
    await answer_all(client, *[SEVERAL_DAYS] * 8, NOT_AT_ALL)
    # The client moves to therapist 2: their next session is with them.
    async with db_sessionmaker() as session:
        await session.execute(
            update(Booking)
            .where(
                Booking.client_id
                == select(User.id).where(User.telegram_id == client.id).scalar_subquery()
            )
            .values(therapist_id=2)
        )
        await session.commit()
        client_id = await session.scalar(select(User.id).where(User.telegram_id == client.id))
        assert client_id is not None
        earlier = await checkins.therapist_view(session, 1, client_id, clock.now())
        assert earlier.checkins == [] and not earlier.may_ask  # no longer their client
        new = await checkins.therapist_view(session, 2, client_id, clock.now())
        assert new.checkins == [] and new.may_ask
    await client.send("/settings")
    await client.press("Опросы между сессиями")
    await client.press("Показывать прежние ответы новому терапевту")
    assert "✓ Прежние ответы видны" in client.last.buttons[1]
    async with db_sessionmaker() as session:
        new = await checkins.therapist_view(session, 2, client_id, clock.now())
        assert [checkin.total for checkin in new.checkins] == [8]
