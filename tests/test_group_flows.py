"""Groups in conversation (SQLite and PostgreSQL, Stars): an admin makes a group of three
seats with `/groups`; ten clients whose questionnaire fits tap «Занять место» at once and
exactly three get a seat (held, then paid), the rest are offered the waiting list; a
member cancels and the first one waiting is offered the seat and takes it; the therapist
sees the date with its members, writes to all of them at once (each gets it from the
therapist alone), and calls the date off: every paid member is refunded once. Every
message the bot sends is checked: no member's name or id reaches another member."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.demo import load_demo
from db.models import Booking, GroupDate, Refund, Therapist, User
from keyboards.cabinet import CancelAsk
from keyboards.groups import GroupDateView, GroupSeat
from scheduler.reminders import send_due_reminders
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, sign_up

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 7300
STARS = {"payment_currency": "XTR", "stars_per_rub": 0.5}
NAMES = [f"Участник{n}" for n in range(10)]


async def _practice(
    sessions: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> Harness:
    async with sessions() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=THERAPIST_CHAT + Therapist.id))
        await session.commit()
    settings = make_settings(database_url, send_max_retries=0, **STARS)
    return make_harness(settings, sessions, clock, translator)


async def _make_group(harness: Harness, clock: ManualClock) -> int:
    """An admin's group of three seats for therapist 1, about anxiety, meeting in 3 days;
    the date's id."""
    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/groups add 1 3 1500 90 Тревога & стресс: группа поддержки")
    assert "Группа #1 создана" in admin.last.text
    await admin.send("/groups topics 1 anxiety,nosuch")
    assert "Таких тем нет: nosuch" in admin.last.text
    await admin.send("/groups topics 1 anxiety")
    await admin.send("/groups about 1 Восемь встреч о тревоге: <b>без</b> домашних заданий.")
    day = (clock.now() + timedelta(days=3)).date().isoformat()
    await admin.send(f"/groups date 1 {day} 19:00")
    listing = admin.last.text
    assert "Добавлено встреч: 1" in listing and "(0/3)" in listing
    found = re.search(r"\[(\d+)\]", listing)
    assert found is not None
    return int(found.group(1))


async def _seats(sessions: Sessions, date_id: int) -> list[Booking]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Booking)
                .where(
                    Booking.group_date_id == date_id,
                    Booking.status.in_(("pending_payment", "confirmed")),
                )
                .order_by(Booking.id)
            )
        )


async def _pay(client: TgUser, charge: str) -> None:
    invoice = next(shown.invoice for shown in reversed(client.shown) if shown.invoice)
    assert invoice is not None and invoice.currency == "XTR"
    assert "Место в группе" in invoice.title
    amount = invoice.prices[0].amount
    answer = await client.pre_checkout(invoice.payload, invoice.currency, amount)
    assert answer.show_alert is True, answer  # ok=True
    await client.pay(invoice.payload, invoice.currency, amount, charge)


def _no_member_leaks(harness: Harness, members: list[TgUser], therapist_chat: int) -> None:
    """Nothing a member got (a message, its buttons, a calendar file, an invoice) names
    another member or carries their id."""
    for person in members:
        others = [other for other in members if other.id != person.id]
        for shown in harness.telegram.chats.get(person.id, []):
            parts = [shown.html, *shown.buttons]
            if shown.markup is not None:
                parts += [
                    str(button.callback_data or button.url)
                    for row in shown.markup.inline_keyboard
                    for button in row
                ]
            if shown.invoice is not None:
                parts += [shown.invoice.title, shown.invoice.description, shown.invoice.payload]
            # A calendar file's stamps are digits: only names are looked for there.
            files = [shown.document_bytes.decode()] if shown.document_bytes else []
            for other in others:
                for part in parts:
                    assert other.first_name not in part, (person.first_name, part)
                    assert str(other.id) not in part, (person.first_name, part)
                for part in files:
                    assert other.first_name not in part, (person.first_name, part)
    assert therapist_chat not in [person.id for person in members]


async def test_three_seats_ten_taps_waitlist_message_all_and_call_off(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    harness = await _practice(db_sessionmaker, database_url, clock, translator)
    date_id = await _make_group(harness, clock)
    therapist_chat = THERAPIST_CHAT + 1

    clients = [harness.user(3100 + n, NAMES[n]) for n in range(10)]
    for client in clients:
        await sign_up(client, Profile(topics=["Тревога"]))
    # A client whose questionnaire does not share the group's topic does not see it.
    other = harness.user(3199, "Другой")
    await sign_up(other, Profile(topics=["Сон"]))
    await other.press("Группы")
    assert "Пока нет групп" in other.last.text

    # Each sees the group from the menu, with its seats; nobody's name.
    for client in clients:
        await client.press("Группы")
        assert "Тревога & стресс: группа поддержки" in client.last.text
        await client.press("Тревога & стресс: группа поддержки")
        card = client.last
        assert "<b>без</b> домашних заданий" in card.text and "&lt;b&gt;без" in card.html
        assert any("занято 0 из 3" in label for label in card.buttons), card.buttons
        await client.press("занято 0 из 3", message=card)
        assert "Цена места" in client.last.text

    # All ten tap «Занять место» at once: three seats, held for payment.
    screens = [client.last for client in clients]
    await asyncio.gather(
        *(
            client.tap(GroupSeat(date_id=date_id, step="book").pack(), screen)
            for client, screen in zip(clients, screens, strict=True)
        )
    )
    seated = await _seats(db_sessionmaker, date_id)
    assert len(seated) == 3 and all(seat.status == "pending_payment" for seat in seated)
    async with db_sessionmaker() as session:
        date = await session.get_one(GroupDate, date_id)
    assert date.taken == 3
    by_id: dict[int, Booking] = {}
    async with db_sessionmaker() as session:
        for seat in seated:
            user = await session.get_one(User, seat.client_id)
            by_id[user.telegram_id] = seat
    members = [client for client in clients if client.id in by_id]
    rest = [client for client in clients if client.id not in by_id]
    assert len(members) == 3 and len(rest) == 7
    for client in rest:
        # Told it is full, and the card offers the waiting list.
        assert any("Все места на эту встречу уже заняты" in text for text in client.texts_since(0))
        assert any("встать в лист ожидания" in label for label in client.last.buttons)
    for n, client in enumerate(members):
        await _pay(client, f"charge-seat-{n}")
        # Paid: confirmed, with the calendar file naming the group.
        ics = next(shown for shown in reversed(client.shown) if shown.document_bytes)
        assert ics.document_bytes is not None
        (event,) = Calendar.from_ical(ics.document_bytes).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Группа: Тревога & стресс: группа поддержки"
    assert all(seat.status == "confirmed" for seat in await _seats(db_sessionmaker, date_id))

    # Two of the rest wait, in order.
    first, second = rest[0], rest[1]
    await first.press("встать в лист ожидания")
    assert "Вы в листе ожидания" in first.last.text
    clock.advance(minutes=1)
    await second.press("встать в лист ожидания")

    # A member cancels (free, three days ahead): the first one waiting is offered the seat.
    leaving = members[0]
    await leaving.tap(CancelAsk(booking_id=by_id[leaving.id].id).pack(), leaving.last)
    await leaving.press("Да, отменить")
    mark_second = second.mark()
    offer = first.last
    assert "Освободилось место в группе" in offer.text, offer.text
    assert not any("Освободилось" in text for text in second.texts_since(mark_second))
    await first.press("Занять место", message=offer)
    await _pay(first, "charge-seat-first")
    members = [*members[1:], first]
    seated = await _seats(db_sessionmaker, date_id)
    assert len(seated) == 3 and all(seat.status == "confirmed" for seat in seated)
    async with db_sessionmaker() as session:
        first_user = (await session.scalars(select(User).where(User.telegram_id == first.id))).one()
    assert first_user.id in {seat.client_id for seat in seated}
    assert by_id[leaving.id].client_id not in {seat.client_id for seat in seated}

    # A day before, each member is reminded of the group's meeting; the therapist gets no
    # reminder per seat.
    therapist_seen = len(harness.telegram.chats.get(therapist_chat, []))
    marks = {member.id: member.mark() for member in members}
    clock.current = date.starts_at - timedelta(hours=24)
    settings = harness.dispatcher["settings"]
    await send_due_reminders(
        sessionmaker=db_sessionmaker,
        outgoing=outbox_job(harness, settings, db_sessionmaker, clock, translator).outgoing,
        translator=translator,
        settings=settings,
        clock=clock,
    )
    for member in members:
        got = member.texts_since(marks[member.id])
        assert any("Напоминание о встрече группы «Тревога" in text for text in got), got
        assert "Перенести" not in " ".join(member.last.buttons)
    assert len(harness.telegram.chats.get(therapist_chat, [])) == therapist_seen

    # The therapist: the date in /schedule with its members; writes to all at once.
    therapist = harness.user(therapist_chat, "Терапевт")
    await therapist.send("/schedule")
    schedule = therapist.last
    assert "👥 Тревога & стресс: группа поддержки (3 из 3)" in schedule.text
    await therapist.tap(GroupDateView(date_id=date_id).pack(), schedule)
    card = therapist.last
    for member in members:
        assert member.first_name in card.text
    assert leaving.first_name not in card.text
    await therapist.press("Написать всем участникам", message=card)
    marks = {member.id: member.mark() for member in members}
    await therapist.send("Встреча начнётся вовремя, возьмите воду.")
    assert "Доставлено 3 из 3" in therapist.last.text
    for member in members:
        got = member.texts_since(marks[member.id])
        assert any("участникам группы" in text and "возьмите воду" in text for text in got), got
    await therapist.send("/done")

    # A member answers: it reaches the therapist alone, named.
    reply_to = members[1].shown[-1]
    therapist_mark = therapist.mark()
    await members[1].send("Спасибо!", reply_to_message=harness.telegram.as_message(reply_to))
    heard = therapist.texts_since(therapist_mark)
    assert any(members[1].first_name in text and "Спасибо!" in text for text in heard), heard

    # The therapist calls the date off: each paid member refunded once, all told.
    called_off = {seat.id for seat in await _seats(db_sessionmaker, date_id)}
    await therapist.send("/schedule")
    await therapist.tap(GroupDateView(date_id=date_id).pack(), therapist.last)
    await therapist.press("Отменить встречу")
    await therapist.press("Да, отменить")
    assert "Отменено мест: 3" in therapist.last.text
    job = outbox_job(harness, harness.dispatcher["settings"], db_sessionmaker, clock, translator)
    await job.run()
    await job.run()
    async with db_sessionmaker() as session:
        refunds = list(await session.scalars(select(Refund).order_by(Refund.id)))
    paid_back = [refund for refund in refunds if refund.booking_id in called_off]
    assert len(paid_back) == 3, [(r.reason, r.booking_id) for r in refunds]
    assert {refund.booking_id for refund in paid_back} == called_off
    # The member who left earlier was refunded once, for their own cancellation.
    assert len(refunds) == 4
    assert all(refund.finished_at is not None for refund in paid_back)
    for member in members:
        told = member.texts_since(0)
        assert any(
            "Встреча группы «Тревога & стресс: группа поддержки»" in text for text in told
        ), told
    assert not await _seats(db_sessionmaker, date_id)
    # Those still waiting are told the date is off.
    assert any("которую вы ждали, отменили" in text for text in second.texts_since(0))

    _no_member_leaks(harness, [*clients, other], therapist_chat)


async def test_taking_a_seat_has_a_statement_budget(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    """«Занять место» with payments off, up to its commit, after the person's two reads:
    the meeting with its group and therapist read once (without the therapist's topics),
    whether the client has a seat there, their open requests, the seat counted by one
    guarded UPDATE, the booking inserted with RETURNING, its reminders written without a
    read, the funnel, a wait of theirs for it ended, the practice's two notices in one
    statement."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    harness = make_harness(make_settings(database_url), db_sessionmaker, clock, translator)
    date_id = await _make_group(harness, clock)
    client = harness.user(3301, "Анна")
    await sign_up(client, Profile(topics=["Тревога"]))
    await client.press("Группы")
    await client.press("Тревога & стресс: группа поддержки")
    await client.press("занято 0 из 3")
    confirm = client.last

    statements: list[str] = []
    committed: list[int] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if not committed:
            statements.append(" ".join(sql.split()))

    def commit(conn: Any) -> None:
        committed.append(len(statements))

    event.listen(db_engine.sync_engine, "before_cursor_execute", statement)
    event.listen(db_engine.sync_engine, "commit", commit)
    try:
        await client.tap(GroupSeat(date_id=date_id, step="book").pack(), confirm)
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", statement)
        event.remove(db_engine.sync_engine, "commit", commit)
    assert "ваше" in confirm.text, confirm.text
    listing = "\n".join(statements)
    assert sum(s.startswith("UPDATE group_dates") for s in statements) == 1, listing
    assert not any("therapist_topics" in s for s in statements), listing
    assert len(statements[2:]) == 9, listing
