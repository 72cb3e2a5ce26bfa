"""Therapists who confirm bookings first, as clients and therapists live it: a request
(with a note) holds the time, and the therapist accepts, declines or proposes another time;
the client withdraws, takes or refuses a proposal; an unanswered request lapses. With and
without payments, and the races that matter, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import bookings, requests
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    RequestStatus,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from keyboards.catalog import SlotPick
from keyboards.requests import RequestAnswer, RequestPropose, RequestWithdraw
from scheduler.holds import release_expired_holds
from tests.conftest import ManualClock, make_settings, outbox_job
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import sign_up
from tests.test_series import THERAPIST_CHAT, book_by_bot, first_slot_after, linked_practice

Sessions = async_sessionmaker[AsyncSession]
CARD = "Запрос на запись"


async def confirming(sessions: Sessions, mode: str = "first") -> None:
    async with sessions() as session:
        await session.execute(update(Therapist).where(Therapist.id == 1).values(approval=mode))
        await session.commit()


@pytest.fixture
async def practice(db_sessionmaker: Sessions, database_url: str, clock, translator) -> Harness:
    """The demo catalogue; its first therapist linked and confirming new clients."""
    harness = await linked_practice(db_sessionmaker, make_settings(database_url), clock, translator)
    await confirming(db_sessionmaker)
    return harness


def therapist_of(practice: Harness) -> TgUser:
    return practice.user(THERAPIST_CHAT, "Анна")


def cards_of(practice: Harness) -> list[Shown]:
    return [s for s in practice.telegram.chats[THERAPIST_CHAT] if CARD in s.text]


async def the_request(sessions: Sessions) -> BookingRequest:
    async with sessions() as session:
        found = await session.scalar(
            select(BookingRequest).order_by(BookingRequest.id.desc()).limit(1)
        )
    assert found is not None
    return found


async def slot_status(sessions: Sessions, slot_id: int) -> str:
    async with sessions() as session:
        slot = await session.get(Slot, slot_id)
    assert slot is not None
    return slot.status


async def ask_for(client: TgUser, slot_id: int, note: str | None = None) -> Shown:
    """The client picks a time of the confirming therapist and sends the request."""
    await client.tap(SlotPick(slot_id=slot_id).pack())
    screen = client.last
    assert "Запрос на запись" in screen.text and "придержу" in screen.text, screen.text
    if note is not None:
        await client.press("Добавить записку", message=screen)
        await client.send(note)
        screen = client.last
        assert note in screen.text, screen.text
    await client.press("Отправить запрос", message=screen)
    assert "Запрос отправлен" in screen.text, screen.text
    return screen


async def test_a_request_with_a_note_is_accepted_and_a_second_booking_needs_none(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, translator
) -> None:
    client = practice.user(801, "Майя")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    await ask_for(client, slot.id, note="Хочу поговорить о тревоге перед экзаменами.")
    # The time is held: another client cannot book it.
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.requested
    other = practice.user(802, "Олег")
    await sign_up(other)
    answer = await other.tap(SlotPick(slot_id=slot.id).pack())
    assert answer.show_alert and "заняли" in (answer.text or ""), answer
    # The therapist's card: first name, format, topics, the note, and the answer buttons.
    [card] = cards_of(practice)
    assert "Майя" in card.text and "экзаменами" in card.text and "Тревога" in card.text
    assert {"✅ Принять", "Отклонить", "🕑 Предложить другое время"} <= set(card.buttons)
    # /schedule lists the requests that wait for an answer.
    therapist = therapist_of(practice)
    await therapist.send("/schedule")
    assert "Запросы ждут вашего ответа (1)" in therapist.last.text, therapist.last.text
    assert "Майя, ответить до" in therapist.last.text
    # Accepted: the usual confirmation with the calendar file; the card says so.
    mark = client.mark()
    await therapist.press("Принять", message=card)
    assert "Запрос принят" in card.text, card.text
    texts = client.texts_since(mark)
    assert any("подтвердил(а) вашу запись" in text for text in texts), texts
    assert any(s.document_bytes for s in client.shown[mark:])
    # Check-ins are offered as after any booking, the client never having answered.
    assert "Короткие опросы между сессиями" in client.last.text
    await client.press("Нет, спасибо")
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.status == BookingStatus.confirmed and booking.slot_id == slot.id
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.booked
    assert (await the_request(db_sessionmaker)).status == RequestStatus.accepted
    # A double tap on «Принять» books nothing more.
    answer = await therapist.tap(
        RequestAnswer(request_id=(await the_request(db_sessionmaker)).id, action="accept").pack(),
        message=card,
    )
    assert answer.show_alert and "уже закрыт" in (answer.text or "")
    # Her next booking with the same therapist is final at once (only the first one waits).
    later = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=5))
    await book_by_bot(client, later.id)


async def test_a_declined_request_offers_other_therapists(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    client = practice.user(811, "Нина")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    await ask_for(client, slot.id)
    [card] = cards_of(practice)
    therapist = therapist_of(practice)
    await therapist.press("Отклонить", message=card)
    assert "Выберите причину" in card.text
    mark = client.mark()
    await therapist.press("Нет мест для новых клиентов", message=card)
    assert "Запрос отклонён" in card.text
    [told] = [s for s in client.shown[mark:] if "не сможет взять" in s.text]
    assert "нет мест для новых клиентов" in told.text and "Это не про вас" in told.text
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.free
    # «Подобрать других»: the matches without her.
    await client.press("Подобрать других", message=told)
    async with db_sessionmaker() as session:
        declined_by = await session.get(Therapist, 1)
    assert declined_by is not None
    assert declined_by.name_ru not in client.last_with_buttons.text


async def test_another_time_proposed_is_taken_in_one_tap_or_refused(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    therapist = therapist_of(practice)
    for client_id, name, takes in ((821, "Ольга", True), (822, "Пётр", False)):
        client = practice.user(client_id, name)
        await sign_up(client)
        asked = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2))
        await ask_for(client, asked.id)
        card = cards_of(practice)[-1]
        await therapist.press("Предложить другое время", message=card)
        assert "Какое время предложить" in card.text, card.text
        await therapist.press(card.buttons[1], message=card)  # a day
        await therapist.press(card.buttons[0], message=card)  # its first time
        assert "Предложили клиенту другое время" in card.text, card.text
        request = await the_request(db_sessionmaker)
        assert request.status == RequestStatus.proposed and request.proposed_slot_id is not None
        assert await slot_status(db_sessionmaker, asked.id) == SlotStatus.free
        assert await slot_status(db_sessionmaker, request.proposed_slot_id) == "requested"
        [proposal] = [s for s in client.shown if "предлагает другое" in s.text]
        if takes:
            await client.press("Подходит", message=proposal)
            assert "Вы записаны" in proposal.text, proposal.text
            async with db_sessionmaker() as session:
                booking = await session.scalar(
                    select(Booking).where(Booking.slot_id == request.proposed_slot_id)
                )
            assert booking is not None and booking.status == BookingStatus.confirmed
        else:
            seen = len(practice.telegram.chats[THERAPIST_CHAT])
            await client.press("Не подходит", message=proposal)
            assert "запрос закрыт" in proposal.text, proposal.text
            assert await slot_status(db_sessionmaker, request.proposed_slot_id) == "free"
            told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][seen:]]
            assert any("не подошло предложенное время" in text for text in told), told


async def test_a_withdrawn_request_frees_the_time_and_its_card_is_closed(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    client = practice.user(831, "Рита")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    sent = await ask_for(client, slot.id)
    # The cabinet lists the request with a way to withdraw it.
    await client.send("/my")
    assert "ждёт ответа специалиста" in client.last.text, client.last.text
    # A stranger's tap on her withdraw button changes nothing.
    stranger = practice.user(832, "Семён")
    await sign_up(stranger)
    request = await the_request(db_sessionmaker)
    answer = await stranger.tap(RequestWithdraw(request_id=request.id).pack())
    assert answer.show_alert and "уже закрыт" in (answer.text or "")
    assert (await the_request(db_sessionmaker)).status == RequestStatus.pending
    seen = len(practice.telegram.chats[THERAPIST_CHAT])
    await client.press("Отозвать запрос", message=sent)
    assert "Запрос отозван" in sent.text
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.free
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][seen:]]
    assert any("отозвал запрос" in text for text in told), told
    # The therapist's card, tapped afterwards, is told that the request is closed.
    therapist = therapist_of(practice)
    answer = await therapist.press("Принять", message=cards_of(practice)[0])
    assert answer.show_alert and "уже закрыт" in (answer.text or "")
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0


async def test_an_unanswered_request_lapses_by_the_hours_or_the_notice(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, database_url, translator
) -> None:
    settings = make_settings(database_url)
    client = practice.user(841, "Таня")
    await sign_up(client)
    # A time two days on: the answer is due in APPROVAL_HOURS (24).
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2))
    await ask_for(client, slot.id)
    request = await the_request(db_sessionmaker)
    assert request.answer_due_at == clock.now() + timedelta(hours=settings.approval_hours)
    clock.advance(hours=23)
    await run_holds(practice, settings, db_sessionmaker, clock, translator)
    assert (await the_request(db_sessionmaker)).status == RequestStatus.pending
    seen = len(practice.telegram.chats[THERAPIST_CHAT])
    clock.advance(hours=1, seconds=1)
    mark = client.mark()
    await run_holds(practice, settings, db_sessionmaker, clock, translator)
    assert (await the_request(db_sessionmaker)).status == RequestStatus.lapsed
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.free
    assert any("не успел(а) ответить" in text for text in client.texts_since(mark))
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][seen:]]
    assert any("истёк без ответа" in text for text in told), told
    # A time sooner: due by the minimum notice before it (12 h), not in 24 h.
    soon = await first_slot_after(db_sessionmaker, clock.now() + timedelta(hours=20))
    await ask_for(client, soon.id)
    request = await the_request(db_sessionmaker)
    assert request.answer_due_at == soon.starts_at - timedelta(
        hours=settings.min_booking_notice_hours
    )


async def run_holds(practice: Harness, settings, sessions: Sessions, clock, translator) -> None:
    await release_expired_holds(
        sessionmaker=sessions,
        rules=settings.rules(),
        clock=clock,
        outbox=outbox_job(practice, settings, sessions, clock, translator),
    )


async def test_with_payments_the_invoice_comes_only_after_acceptance(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    settings = make_settings(database_url, payment_currency="XTR", stars_per_rub=0.5)
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    await confirming(db_sessionmaker, "every")
    client = practice.user(851, "Ульяна")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    await ask_for(client, slot.id)
    assert not [s for s in client.shown if s.invoice is not None]
    mark = client.mark()
    [card] = cards_of(practice)
    await therapist_of(practice).press("Принять", message=card)
    assert "счёт" in card.text, card.text
    [invoice] = [s for s in client.shown[mark:] if s.invoice is not None]
    assert invoice.invoice is not None and invoice.invoice.currency == "XTR"
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.status == BookingStatus.pending_payment
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.held
    # A proposal taken with payments on: held, and its invoice at once.
    await client.send("/start")
    later = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=4))
    await ask_for(client, later.id)
    card = cards_of(practice)[-1]
    therapist = therapist_of(practice)
    await therapist.press("Предложить другое время", message=card)
    await therapist.press(card.buttons[2], message=card)
    await therapist.press(card.buttons[0], message=card)
    [proposal] = [s for s in client.shown if "предлагает другое" in s.text]
    mark = client.mark()
    await client.press("Подходит", message=proposal)
    assert [s for s in client.shown[mark:] if s.invoice is not None]


async def test_forged_and_strangers_request_buttons_are_refused(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, translator
) -> None:
    not_yours = translator.for_language("ru")("tbooking-not-yours")
    client = practice.user(861, "Фаина")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    await ask_for(client, slot.id)
    request = await the_request(db_sessionmaker)
    # A client (not a therapist) taps the therapist's «Принять».
    answer = await client.tap(RequestAnswer(request_id=request.id, action="accept").pack())
    assert answer.show_alert and answer.text == not_yours, answer
    # Another linked therapist taps it: not their request.
    async with db_sessionmaker() as session:
        await session.execute(update(Therapist).where(Therapist.id == 2).values(telegram_id=778))
        await session.commit()
    other = practice.user(778, "Дмитрий")
    [card] = cards_of(practice)
    answer = await other.tap(
        RequestAnswer(request_id=request.id, action="accept").pack(), message=card
    )
    assert answer.show_alert and "уже закрыт" in (answer.text or "")
    # Forged values fail parsing and end at the stale-button answer.
    for data in ("qt:1:approve", "qd:1:rude", "ap:sometimes"):
        answer = await other.tap(data, message=card)
        assert answer.text, data
    assert (await the_request(db_sessionmaker)).status == RequestStatus.pending
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0


async def test_an_erased_client_s_request_is_withdrawn_and_its_note_gone(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    client = practice.user(871, "Элла")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    await ask_for(client, slot.id, note="Очень личное.")
    # /my_data shows the request and the note.
    await client.send("/my_data")
    assert "Очень личное." in client.last.text, client.last.text
    seen = len(practice.telegram.chats[THERAPIST_CHAT])
    await client.send("/delete_me")
    await client.press("Да, удалить")
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(BookingRequest)) == 0
    assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.free
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][seen:]]
    assert any("клиент удалил свои данные" in text for text in told), told
    assert not any("Очень личное" in text for text in told)


async def test_the_therapist_s_own_confirmation_mode(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    therapist = therapist_of(practice)
    await therapist.send("/confirmations")
    screen = therapist.last
    assert "Подтверждаю первые записи новых клиентов" in screen.text
    await therapist.press("Подтверждаю каждую запись", message=screen)
    assert "✓ Подтверждаю каждую запись" in screen.buttons
    async with db_sessionmaker() as session:
        assert (await session.get(Therapist, 1)).approval == "every"


async def test_the_therapist_accepting_while_the_request_lapses_gives_one_outcome(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, database_url
) -> None:
    settings = make_settings(database_url)
    client = practice.user(881, "Юля")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2))
    await ask_for(client, slot.id)
    request = await the_request(db_sessionmaker)
    moment = request.answer_due_at

    async def accept() -> str:
        async with db_sessionmaker() as session:
            try:
                await requests.accept(
                    session,
                    therapist_id=1,
                    request_id=request.id,
                    rules=settings.rules(),
                    now=moment - timedelta(microseconds=1),
                )
            except requests.RequestGone:
                return "gone"
            return "accepted"

    async def lapse() -> list[int]:
        async with db_sessionmaker() as session:
            return await requests.lapse_due(session, moment)

    accepted, lapsed = await asyncio.gather(accept(), lapse())
    final = await the_request(db_sessionmaker)
    async with db_sessionmaker() as session:
        active = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.status.in_((BookingStatus.confirmed, BookingStatus.pending_payment)))
        )
    if accepted == "accepted":
        assert final.status == RequestStatus.accepted and lapsed == [] and active == 1
        assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.booked
    else:
        assert final.status == RequestStatus.lapsed and lapsed == [request.id] and active == 0
        assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.free


async def test_two_clients_on_the_last_time_one_of_them_asking_first(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, database_url
) -> None:
    """Confirming new clients' first bookings: a new client's request and a returning
    client's booking race for one time, and exactly one of them gets it."""
    settings = make_settings(database_url)
    rules = settings.rules()
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2))
    async with db_sessionmaker() as session:
        new, returning = (
            User(
                telegram_id=telegram_id,
                first_name=name,
                language="ru",
                timezone="Europe/Moscow",
                consent_at=clock.now(),
                created_at=clock.now(),
            )
            for telegram_id, name in ((891, "Яна"), (892, "Ян"))
        )
        session.add_all([new, returning])
        await session.commit()
        earlier = await first_slot_after(db_sessionmaker, clock.now() + timedelta(hours=13))
        await bookings.book(
            session,
            client=returning,
            slot_id=earlier.id,
            format="individual",
            rules=rules,
            now=clock.now(),
            hold=None,
        )
        therapist = await session.get(Therapist, 1)
        assert therapist is not None
        assert await requests.needs_approval(session, therapist, new)
        assert not await requests.needs_approval(session, therapist, returning)
        new_id, returning_id = new.id, returning.id

    async def ask() -> str:
        async with db_sessionmaker() as session:
            client = await session.get(User, new_id)
            try:
                await requests.ask(
                    session,
                    client=client,
                    slot_id=slot.id,
                    format="individual",
                    note=None,
                    rules=rules,
                    now=clock.now(),
                )
            except bookings.BookingError:
                return "refused"
            return "asked"

    async def book() -> str:
        async with db_sessionmaker() as session:
            client = await session.get(User, returning_id)
            try:
                await bookings.book(
                    session,
                    client=client,
                    slot_id=slot.id,
                    format="individual",
                    rules=rules,
                    now=clock.now(),
                    hold=None,
                )
            except bookings.BookingError:
                return "refused"
            return "booked"

    outcomes = sorted(await asyncio.gather(ask(), book()))
    assert outcomes in (["asked", "refused"], ["booked", "refused"]), outcomes
    status = await slot_status(db_sessionmaker, slot.id)
    assert status == (SlotStatus.requested if "asked" in outcomes else SlotStatus.booked)


async def test_with_payments_a_request_that_is_not_accepted_asks_for_no_money(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    """Declined, withdrawn or lapsed: no invoice was ever sent and nothing is owed."""
    settings = make_settings(database_url, payment_currency="XTR", stars_per_rub=0.5)
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    await confirming(db_sessionmaker, "every")
    therapist = therapist_of(practice)
    client = practice.user(901, "Ася")
    await sign_up(client)
    times: list[Slot] = []

    async def ask_next() -> Shown:
        # The first time still free (the ones asked for are held), two days on.
        times.append(await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2)))
        return await ask_for(client, times[-1].id)

    # Declined.
    await ask_next()
    card = cards_of(practice)[-1]
    await therapist.press("Отклонить", message=card)
    await therapist.press("Без причины", message=card)
    # Withdrawn.
    sent = await ask_next()
    await client.press("Отозвать запрос", message=sent)
    # Lapsed.
    await ask_next()
    clock.advance(hours=settings.approval_hours, seconds=1)
    await run_holds(practice, settings, db_sessionmaker, clock, translator)
    async with db_sessionmaker() as session:
        statuses = list(
            await session.scalars(select(BookingRequest.status).order_by(BookingRequest.id))
        )
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0
    assert statuses == [RequestStatus.declined, RequestStatus.withdrawn, RequestStatus.lapsed]
    assert not [s for s in client.shown if s.invoice is not None]
    assert not [c for c in practice.telegram.calls if type(c).__name__ == "SendInvoice"]
    for slot in times:
        assert await slot_status(db_sessionmaker, slot.id) == SlotStatus.free


async def test_a_note_reaches_only_the_therapist_it_was_written_for(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    """Two confirming therapists' request screens: a note written on A's never travels to
    B's request, and sending leaves the note prompt (the next text is no note)."""
    async with db_sessionmaker() as session:
        await session.execute(
            update(Therapist).where(Therapist.id.in_((1, 2))).values(approval="every")
        )
        await session.commit()
        after = clock.now() + timedelta(days=1)
        slot_b = await session.scalar(
            select(Slot)
            .where(Slot.therapist_id == 2, Slot.status == SlotStatus.free, Slot.starts_at > after)
            .order_by(Slot.starts_at)
            .limit(1)
        )
    assert slot_b is not None
    slot_a = await first_slot_after(db_sessionmaker, after)
    client = practice.user(805, "Майя")
    await sign_up(client)
    await client.tap(SlotPick(slot_id=slot_b.id).pack())
    screen_b = client.last
    await client.tap(SlotPick(slot_id=slot_a.id).pack())
    await client.press("Добавить записку", message=client.last)
    await client.send("Только для Анны: о тревоге перед экзаменами.")
    assert "только для анны" in client.last.text.lower()
    # Back on B's screen: a note prompt there, then sent without typing one.
    await client.press("Добавить записку", message=screen_b)
    await client.press("Отправить запрос", message=screen_b)
    assert "Запрос отправлен" in screen_b.text, screen_b.text
    async with db_sessionmaker() as session:
        sent = await session.scalar(
            select(BookingRequest).where(BookingRequest.slot_id == slot_b.id)
        )
    assert sent is not None and sent.note is None
    # The prompt ended with the request: the next text is not taken as a note.
    mark = client.mark()
    await client.send("Спасибо")
    texts = client.texts_since(mark)
    assert not any("больше недоступно" in text for text in texts), texts
    async with db_sessionmaker() as session:
        sent = await session.scalar(
            select(BookingRequest).where(BookingRequest.slot_id == slot_b.id)
        )
    assert sent is not None and sent.note is None


@pytest.mark.parametrize("ending", ["withdraw", "lapse", "erasure"])
async def test_a_time_given_up_for_a_proposal_and_requested_by_another_stays_held(
    practice: Harness,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    database_url: str,
    translator,
    ending: str,
) -> None:
    """The therapist proposes client A another time, so A's first time is free again;
    client B asks for it. However A's request ends afterwards (withdrawn, lapsed, erased),
    B's held time stays B's."""
    therapist = therapist_of(practice)
    first = practice.user(851, "Ася")
    await sign_up(first)
    asked = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2))
    await ask_for(first, asked.id)
    card = cards_of(practice)[-1]
    await therapist.press("Предложить другое время", message=card)
    await therapist.press(card.buttons[1], message=card)  # a day
    await therapist.press(card.buttons[0], message=card)  # its first time
    assert await slot_status(db_sessionmaker, asked.id) == SlotStatus.free
    clock.advance(hours=2)  # B asks later, so B's answer is due after A's proposal's
    second = practice.user(852, "Борис")
    await sign_up(second)
    await ask_for(second, asked.id)
    assert await slot_status(db_sessionmaker, asked.id) == SlotStatus.requested
    async with db_sessionmaker() as session:
        mine = await session.scalar(
            select(BookingRequest)
            .join(User, User.id == BookingRequest.client_id)
            .where(User.telegram_id == 851)
        )
    assert mine is not None and mine.status == RequestStatus.proposed
    if ending == "withdraw":
        async with db_sessionmaker() as session:
            client = await session.scalar(select(User).where(User.telegram_id == 851))
            assert client is not None
            await requests.withdraw(session, client=client, request_id=mine.id, now=clock.now())
    elif ending == "lapse":
        clock.advance(hours=23)  # past A's proposal's due time, before B's
        settings = make_settings(database_url)
        await run_holds(practice, settings, db_sessionmaker, clock, translator)
    else:
        await first.send("/delete_me")
        await first.press("Да, удалить")
    async with db_sessionmaker() as session:
        ended = await session.get(BookingRequest, mine.id)
        assert ended is None or ended.status != RequestStatus.proposed
    # Still held for B: nobody else can book it.
    assert await slot_status(db_sessionmaker, asked.id) == SlotStatus.requested
    third = practice.user(853, "Вера")
    await sign_up(third)
    answer = await third.tap(SlotPick(slot_id=asked.id).pack())
    assert answer.show_alert and "заняли" in (answer.text or ""), answer


async def overlapping_times(sessions: Sessions, after: datetime) -> tuple[int, int]:
    """The first free time of therapist 1 after `after` that overlaps a free time of
    therapist 2: both slots' ids."""
    other = Slot.__table__.alias("other")
    async with sessions() as session:
        pair = (
            await session.execute(
                select(Slot.id, other.c.id)
                .join(other, other.c.therapist_id == 2)
                .where(
                    Slot.therapist_id == 1,
                    Slot.status == SlotStatus.free,
                    other.c.status == SlotStatus.free,
                    Slot.starts_at > after,
                    other.c.starts_at < Slot.ends_at,
                    other.c.ends_at > Slot.starts_at,
                )
                .order_by(Slot.starts_at)
                .limit(1)
            )
        ).first()
    assert pair is not None, "the demo has no overlapping times of therapists 1 and 2"
    return pair[0], pair[1]


async def test_a_time_with_a_request_waiting_is_not_booked_elsewhere(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    """One time, one thing: while a request waits for its answer, the same time with
    another therapist is refused, from a card or from a waitlist offer (both book through
    the one booking path)."""
    asked, elsewhere = await overlapping_times(db_sessionmaker, clock.now() + timedelta(days=1))
    client = practice.user(861, "Лена")
    await sign_up(client)
    await ask_for(client, asked)
    await client.tap(SlotPick(slot_id=elsewhere).pack())
    answer = await client.press("Записаться", message=client.last)
    assert answer.show_alert and "сессия или запрос" in (answer.text or ""), answer
    assert await slot_status(db_sessionmaker, elsewhere) == SlotStatus.free
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0
        user = await session.scalar(select(User).where(User.telegram_id == 861))
        assert user is not None
        with pytest.raises(bookings.ClientBusy):
            await bookings.book_within(
                session,
                client=user,
                slot_id=elsewhere,
                format="individual",
                rules=make_settings("sqlite://").rules(),
                now=clock.now(),
                hold=None,
            )


async def test_the_therapist_cannot_propose_a_time_the_client_has_something_at(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    clash, booked_elsewhere = await overlapping_times(
        db_sessionmaker, clock.now() + timedelta(days=2)
    )
    client = practice.user(871, "Ира")
    await sign_up(client)
    await book_by_bot(client, booked_elsewhere)
    asked = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    assert asked.id != clash
    await ask_for(client, asked.id)
    request = await the_request(db_sessionmaker)
    therapist = therapist_of(practice)
    answer = await therapist.tap(
        RequestPropose(request_id=request.id, slot_id=clash).pack(), message=cards_of(practice)[-1]
    )
    assert answer.show_alert and "уже есть сессия или запрос" in (answer.text or ""), answer
    assert await slot_status(db_sessionmaker, clash) == SlotStatus.free
    assert (await the_request(db_sessionmaker)).status == RequestStatus.pending
    assert await slot_status(db_sessionmaker, asked.id) == SlotStatus.requested


async def test_my_data_with_many_long_notes_comes_in_several_messages(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    await confirming(db_sessionmaker, "every")
    async with db_sessionmaker() as session:
        times = list(
            await session.scalars(
                select(Slot.id)
                .where(
                    Slot.therapist_id == 1,
                    Slot.status == SlotStatus.free,
                    Slot.starts_at > clock.now() + timedelta(days=1),
                )
                .order_by(Slot.starts_at)
                .limit(9)
            )
        )
    assert len(times) == 9
    client = practice.user(881, "Ника")
    await sign_up(client)
    notes = [f"Записка {number}: " + "о чём важно знать " * 26 for number in range(9)]
    assert all(len(note) <= requests.NOTE_LIMIT for note in notes)
    for slot_id, note in zip(times, notes, strict=True):
        await ask_for(client, slot_id, note=note.strip())
    mark = client.mark()
    await client.send("/my_data")
    texts = client.texts_since(mark)
    assert not any("Что-то пошло не так" in text for text in texts), texts
    assert len(texts) >= 2 and all(len(text) <= 4096 for text in texts)
    shown = "\n".join(texts)
    assert all(note.strip() in shown for note in notes)
