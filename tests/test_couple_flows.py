"""Couples in conversation (SQLite and PostgreSQL): the booker invites their partner from a
couple session's screen, the partner opens the link, consents and joins (no
questionnaire), sees the session in their cabinet and says they cannot come; the booker
and the therapist are told. Every message the bot sends is checked: the partner's name
reaches only the booker, and nothing of the booker's beyond their name reaches the
partner."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import bookings, couples
from db.demo import load_demo
from db.models import Booking, Partnership, Slot, Therapist, User
from handlers.couples import PICK_REQUEST
from keyboards.cabinet import CancelAsk, CancelConfirm
from keyboards.couples import PartnerAccept
from keyboards.messaging import WriteTherapist
from scheduler.reminders import send_due_reminders
from tests.conftest import ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, book_first_time, sign_up

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 7100


async def couple_booked(
    sessions: Sessions, database_url: str, clock: ManualClock, translator: Any, booker_id: int
) -> tuple[Harness, TgUser, Booking]:
    """The demo catalogue with its therapists linked, and a client («Анна») who has booked
    a couple session."""
    async with sessions() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=THERAPIST_CHAT + Therapist.id))
        await session.commit()
    harness = make_harness(make_settings(database_url), sessions, clock, translator)
    booker = harness.user(booker_id, "Анна")
    await sign_up(booker, Profile(format="Парная"))
    await booker.press("Найти терапевта")
    confirm = await book_first_time(booker)
    await booker.press("Записаться", message=confirm)
    async with sessions() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.format == "couple"
    return harness, booker, booking


async def test_a_partner_joins_sees_the_session_and_skips_it(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    harness, booker, booking = await couple_booked(
        db_sessionmaker, database_url, clock, translator, 2101
    )
    partner = harness.user(2102, "Борис")
    therapist_chat = THERAPIST_CHAT + booking.therapist_id

    # The booker's session screen: a link for the partner.
    await booker.send("/my")
    await booker.press(booker.last.buttons[0])
    await booker.press("Пригласить партнёра")
    link = booker.last.text
    assert "Ссылка сработает один раз" in link
    found = re.search(r"https://t\.me/\w+\?start=(p_[A-Za-z0-9_-]+)", link)
    assert found is not None
    payload = found.group(1)
    async with db_sessionmaker() as session:
        stored = list(await session.scalars(select(Partnership.code_hash)))
    assert payload[2:] not in stored  # only its hash is kept

    # The partner: consent first (naming who invites), then joined, no questionnaire.
    await partner.send(f"/start {payload}")
    assert "Анна приглашает вас на парные сессии" in partner.last.text
    booker_mark = booker.mark()
    await partner.press("Согласен")
    texts = [shown.text for shown in partner.shown]
    assert any("вы вместе с Анна" in text for text in texts), texts
    assert "Главное меню" in partner.last.text
    assert not any("Сколько вам лет" in text for text in texts)
    assert any(
        "Борис принял(а) ваше приглашение" in text for text in booker.texts_since(booker_mark)
    )
    # The link works once.
    late = harness.user(2103, "Вера")
    await late.send(f"/start {payload}")
    assert "приглашение уже не действует" in late.last.text

    # The partner's cabinet lists the session; they cannot come to it.
    await partner.send("/my")
    cabinet = partner.last
    assert "Парные сессии" in cabinet.text
    await partner.press("👥", message=cabinet)
    screen = partner.last
    assert "Переносит и отменяет её Анна" in screen.text
    booker_mark = booker.mark()
    therapist_mark = len(harness.telegram.chats.get(therapist_chat, []))
    await partner.press("Я не смогу прийти", message=screen)
    assert "Сессия остаётся в силе" in screen.text
    assert any("партнёр не сможет прийти" in t.lower() for t in booker.texts_since(booker_mark))
    to_therapist = [s.text for s in harness.telegram.chats[therapist_chat][therapist_mark:]]
    assert any("партнёр клиента не сможет прийти" in text for text in to_therapist)
    # Said once: the button is gone, and the session stays the booker's, confirmed.
    assert not any("не смогу" in label for label in screen.buttons)
    await partner.send("/my")
    cabinet = partner.last
    assert not any(
        label.startswith("👥 ") and "Завершить" not in label for label in cabinet.buttons
    )
    await partner.send("/my_data")
    assert "Пара: вы видите парные сессии, которые записывает Анна" in partner.last.text

    # The partner ends it (asked once more); the booker is told; the session stays theirs.
    booker_mark = booker.mark()
    await partner.press("Завершить совместные сессии", message=cabinet)
    await partner.press("Да, завершить", message=cabinet)
    assert "завершены" in cabinet.text
    assert any("вышел из совместных" in text for text in booker.texts_since(booker_mark))
    async with db_sessionmaker() as session:
        stored_booking = await session.get_one(Booking, booking.id)
    assert stored_booking.status == "confirmed" and stored_booking.client_id != 0

    # No message to anyone but the booker names the partner; the therapist never gets
    # the partner's name or chat.
    for chat, shown in harness.telegram.chats.items():
        for message in shown:
            if chat != booker.id and chat != partner.id:
                assert "Борис" not in message.text, (chat, message.text)
            if chat == partner.id:
                assert str(booker.id) not in message.text


async def test_the_partner_gets_the_calendar_file_reminders_and_the_cancellation(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    harness, booker, booking = await couple_booked(
        db_sessionmaker, database_url, clock, translator, 2201
    )
    settings = harness.dispatcher["settings"]
    partner = harness.user(2202, "Борис", language_code="en")
    async with db_sessionmaker() as session:
        code = await couples.invite(
            session, await session.get_one(User, booking.client_id), clock.now()
        )
    await partner.send(f"/start p_{code}")
    await partner.press("agree")
    # Their own calendar file of the session, with its one UID.
    files = [shown for shown in partner.shown if shown.document_bytes]
    assert len(files) == 1 and b"BEGIN:VEVENT" in (files[0].document_bytes or b"")
    assert b"SEQUENCE:0" in (files[0].document_bytes or b"")

    # The booker moves it: the partner is told, with the newer calendar file (the same
    # event, one version up, at the new time).
    outbox = outbox_job(harness, settings, db_sessionmaker, clock, translator)
    async with db_sessionmaker() as session:
        later = await session.scalar(
            select(Slot)
            .where(
                Slot.therapist_id == booking.therapist_id,
                Slot.status == "free",
                Slot.starts_at > booking.ends_at,
            )
            .order_by(Slot.starts_at)
            .limit(1)
        )
        assert later is not None
        booking = await bookings.reschedule(
            session,
            client=await session.get_one(User, booking.client_id),
            booking_id=booking.id,
            slot_id=later.id,
            rules=settings.rules(),
            now=clock.now(),
            expected_moves=0,
        )
    await outbox.run()
    assert any("moved" in shown.text.lower() for shown in partner.shown[-2:]), partner.shown[-2:]
    files = [shown for shown in partner.shown if shown.document_bytes]
    assert len(files) == 2
    newer = files[-1].document_bytes or b""
    assert b"SEQUENCE:1" in newer
    (event,) = Calendar.from_ical(newer).walk("VEVENT")
    assert event.decoded("dtstart") == booking.starts_at

    # The reminder a day before goes to both, each in their own language.
    clock.current = booking.starts_at - timedelta(hours=24)
    await send_due_reminders(
        sessionmaker=db_sessionmaker,
        outgoing=outbox.outgoing,
        translator=translator,
        settings=settings,
        clock=clock,
    )
    assert "Напоминание о сессии" in booker.last.text
    assert "Couple session reminder" in partner.last.text

    # The booker cancels: the partner is told.
    await booker.tap(CancelAsk(booking_id=booking.id).pack())
    await booker.tap(CancelConfirm(booking_id=booking.id).pack(), booker.last)
    told, cancel_file = partner.shown[-2:]
    assert "was cancelled" in told.text, told.text
    assert b"STATUS:CANCELLED" in (cancel_file.document_bytes or b"")


async def test_the_partner_writes_to_the_therapist_who_sees_which_of_the_two_wrote(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    harness, booker, booking = await couple_booked(
        db_sessionmaker, database_url, clock, translator, 2301
    )
    partner = harness.user(2302, "Борис")
    outsider = harness.user(2303, "Вера")
    async with db_sessionmaker() as session:
        code = await couples.invite(
            session, await session.get_one(User, booking.client_id), clock.now()
        )
    therapist = harness.user(THERAPIST_CHAT + booking.therapist_id, "Терапевт")
    await partner.send(f"/start p_{code}")
    await partner.press("Согласен")
    # Their own name for the therapist and the booker: Telegram's until they type another.
    joined = next(shown for shown in partner.shown if "видят вас как «Борис»" in shown.text)
    await partner.press("Другое имя", message=joined)
    await partner.send_sticker()
    assert "Имя — от 1 до 64 символов" in partner.last.text
    await partner.send("Боря")
    assert "видят вас как «Боря»" in partner.last.text
    # The booker is no partner: a forged rename button is refused, their name kept.
    answer = await booker.tap("pn", booker.last)
    assert answer.show_alert and answer.text == "Эта кнопка уже не действует."
    await booker.send("Новое имя")
    async with db_sessionmaker() as session:
        assert (await session.get_one(User, booking.client_id)).first_name != "Новое имя"
    await partner.send("/my")
    await partner.press("👥", message=partner.last)
    await partner.press("Написать терапевту", message=partner.last)
    await partner.send("Можно начать с темы доверия?")
    relayed = therapist.last
    assert "Боря (партнёр клиента Анна)" in relayed.text, relayed.text
    assert "Можно начать с темы доверия?" in relayed.text
    # The therapist's reply goes to the one who wrote, not to the booker.
    booker_mark = booker.mark()
    await therapist.send("Да, конечно", reply_to_message=harness.telegram.as_message(relayed))
    assert "Да, конечно" in partner.last.text
    assert not any("Да, конечно" in text for text in booker.texts_since(booker_mark))
    # Someone who is nobody's partner cannot write to that therapist.
    await sign_up(outsider)
    answer = await outsider.tap(WriteTherapist(therapist_id=booking.therapist_id).pack())
    assert answer.text and "терапевт" in answer.text.lower()


async def test_a_partner_picked_in_telegram_is_invited_with_a_button(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    harness, booker, _ = await couple_booked(db_sessionmaker, database_url, clock, translator, 2401)
    partner = harness.user(2402, "Борис")
    stranger_id = 2499  # never opened the bot
    await sign_up(partner)  # uses the bot already
    await booker.send("/my")
    await booker.press(booker.last.buttons[0])
    await booker.press("Пригласить партнёра")
    link_message = booker.last
    # Telegram's user picker comes with the link, as a reply keyboard.
    assert link_message.keyboard is not None
    picker = link_message.keyboard.keyboard[0][0].request_users
    assert picker is not None and picker.request_id == PICK_REQUEST and picker.max_quantity == 1

    # Someone who never opened the bot: nothing is kept, the link is to be forwarded.
    await booker.share_user(PICK_REQUEST, stranger_id, "Глеб")
    assert "ещё не пользуется ботом" in booker.last.text and "Глеб" in booker.last.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(User).where(User.telegram_id == stranger_id)) is None

    # The partner, who uses the bot: an invitation with a button; they join with it.
    await booker.share_user(PICK_REQUEST, partner.id, "Борис")
    assert "Отправил приглашение" in booker.last.text
    invitation = partner.last
    assert "Анна приглашает вас на парные сессии" in invitation.text
    # Only the person picked can use it.
    async with db_sessionmaker() as session:
        partnership = (await session.scalars(select(Partnership))).all()[-1]
    outsider = harness.user(2403, "Вера")
    await sign_up(outsider)
    await outsider.tap(
        PartnerAccept(partnership_id=partnership.id, agree=True).pack(), outsider.last
    )
    assert "приглашение уже не действует" in outsider.last.text
    await partner.press("Присоединиться", message=invitation)
    assert any("вы вместе с Анна" in shown.text for shown in partner.shown)
    await partner.send("/my")
    assert "Парные сессии" in partner.last.text
