"""Admins run the service day to day: /bookings (and cancelling one), /stats, /export and
/broadcast, checked against data the tests create."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, MessageEntity
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.formatting import when_text
from db.demo import load_demo
from db.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    FunnelEvent,
    Payment,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from keyboards.admin import RefundDone
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, TgUser
from tests.flows import book_session

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 777
GROUP_CHAT = -100500


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> Harness:
    """The demo catalogue and a practice group chat."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, therapist_chat_id=GROUP_CHAT)
    return make_harness(settings, db_sessionmaker, clock, translator)


def admin_in(harness: Harness) -> TgUser:
    return harness.user(ADMIN_ID, "Админ")


async def audit_of(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def add_user(
    session: AsyncSession,
    telegram_id: int | None,
    now: datetime,
    *,
    name: str = "Клиент",
    email: str | None = None,
    deleted: bool = False,
) -> User:
    user = User(
        telegram_id=telegram_id,
        first_name=None if deleted else name,
        email=email,
        language="ru",
        timezone="Europe/Moscow",
        consent_at=None if deleted else now,
        created_at=now,
        deleted_at=now if deleted else None,
    )
    session.add(user)
    await session.flush()
    return user


def booking_row(
    client: User,
    therapist_id: int,
    starts_at: datetime,
    status: str,
    *,
    created_at: datetime,
    confirmed_at: datetime | None = None,
    cancelled_at: datetime | None = None,
    price: int = 3500,
) -> Booking:
    return Booking(
        client_id=client.id,
        therapist_id=therapist_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        status=status,
        format="individual",
        price=price,
        created_at=created_at,
        confirmed_at=confirmed_at,
        cancelled_at=cancelled_at,
        cancelled_by="client" if cancelled_at else None,
    )


# -- /bookings ---------------------------------------------------------------------------


async def test_bookings_list_and_cancel_with_a_reason(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, translator
) -> None:
    client = practice.user(601, "Анна")
    await book_session(client)
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        await session.execute(
            update(Therapist)
            .where(Therapist.id == booking.therapist_id)
            .values(telegram_id=THERAPIST_CHAT)
        )
        await session.commit()
        therapist = await session.get(Therapist, booking.therapist_id)
    assert therapist is not None

    admin = admin_in(practice)
    await admin.send("/bookings")
    listing = admin.last
    line = next(x for x in listing.text.splitlines() if x.startswith(f"#{booking.id} "))
    assert "Анна → " + therapist.name_ru in line
    assert "подтверждена" in line and "не оплачена онлайн" in line
    assert when_text(translator.for_language("ru"), booking.starts_at, "Europe/Moscow") in line
    assert f"✖ #{booking.id}" in listing.buttons

    async with db_sessionmaker() as session:
        session.add(
            Payment(
                booking_id=booking.id,
                amount=booking.price * 100,
                currency="RUB",
                telegram_charge_id="tg-charge-1",
                status="paid",
                created_at=clock.now(),
            )
        )
        await session.commit()
    await admin.send(f"/bookings {therapist.id}")
    assert f"#{booking.id} " in admin.last.text and "· оплачена" in admin.last.text
    day = booking.starts_at.astimezone(ZoneInfo("Europe/Moscow")).date()
    await admin.send(f"/bookings {day.isoformat()}")
    assert f"#{booking.id} " in admin.last.text
    await admin.send("/bookings 2026-01-05")
    assert "Записей нет" in admin.last.text
    await admin.send("/bookings завтра")
    assert "Формат: /bookings" in admin.last.text
    await admin.send("/bookings 999")
    assert "Терапевта #999 нет" in admin.last.text

    # The client reads English and lives two hours east of Moscow.
    async with db_sessionmaker() as session:
        await session.execute(
            update(User)
            .where(User.telegram_id == 601)
            .values(language="en", timezone="Asia/Yekaterinburg")
        )
        await session.commit()
    await admin.press(f"✖ #{booking.id}", message=listing)
    assert "Причина отмены" in admin.last.text
    await admin.send("Очень длинная причина, которую клиенту не стоит читать целиком: " * 2)
    assert "от 1 до 64" in admin.last.text
    await admin.send("Терапевт заболел")
    confirm = admin.last
    assert "«Терапевт заболел»" in confirm.text
    assert "вернётся клиенту полностью" in confirm.text and "/refunds" in confirm.text
    client_mark, therapist_mark = client.mark(), len(practice.telegram.chats[THERAPIST_CHAT])
    yes = confirm.button("Да, отменить запись").callback_data
    await admin.press("Да, отменить запись", message=confirm)
    assert f"Запись #{booking.id} отменена" in confirm.text
    assert "Оплата: ждёт возврата" in confirm.text  # paid online: the money goes back

    async with db_sessionmaker() as session:
        cancelled = await session.get(Booking, booking.id)
        slot = await session.scalar(
            select(Slot).where(
                Slot.therapist_id == booking.therapist_id, Slot.starts_at == booking.starts_at
            )
        )
    assert cancelled is not None and cancelled.status == BookingStatus.cancelled
    assert (cancelled.cancelled_by, cancelled.cancel_reason) == ("admin", "Терапевт заболел")
    assert slot is not None and slot.status == SlotStatus.free

    told = client.texts_since(client_mark)
    assert len(told) == 2  # the notice, and the file that takes it out of a calendar
    assert told[1] == translator.get("en", "book-ics-cancel-caption")
    assert client.last.document == "cancelled.ics"
    en = translator.for_language("en")
    assert when_text(en, booking.starts_at, "Asia/Yekaterinburg") in told[0]
    assert "cancelled by the administrator" in told[0] and "Терапевт заболел" in told[0]
    assert "(Asia/Yekaterinburg)" in told[0]
    assert translator.get("en", "cancel-refund-provider") in told[0]
    async with db_sessionmaker() as session:
        payment = await session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    assert payment is not None and payment.status == "refund_pending"
    assert any("tg-charge-1" in m.text for m in admin.shown)  # the refund to make by hand

    # The refund waits in /refunds until an admin marks it done; then the client is told.
    await admin.send("/refunds")
    refunds_screen = admin.last
    assert "tg-charge-1" in refunds_screen.text and f"бронь №{booking.id}" in refunds_screen.text
    refund_button = next(label for label in refunds_screen.buttons if "возвращён" in label)
    await admin.press(refund_button, message=refunds_screen)
    assert "Отметить возврат" in refunds_screen.text
    before_refund = client.mark()
    await admin.press("✅ Да, деньги возвращены", message=refunds_screen)
    assert "ничего не ждёт возврата" in refunds_screen.text
    async with db_sessionmaker() as session:
        payment = await session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    assert payment is not None and payment.status == "refunded"
    [back] = client.texts_since(before_refund)
    assert "the money is back" in back
    # A second tap on the same (now stale) confirmation marks nothing twice.
    answer = await admin.tap(RefundDone(refund_id=1, sure=True).pack(), message=refunds_screen)
    assert answer.show_alert and "уже отмечен" in (answer.text or "")
    assert client.texts_since(before_refund) == [back]
    [done_entry] = await audit_of(db_sessionmaker, "refund.done")
    assert done_entry.actor_telegram_id == ADMIN_ID
    therapist_told = [m.text for m in practice.telegram.chats[THERAPIST_CHAT][therapist_mark:]]
    assert len(therapist_told) == 1 and "Отмена сессии" in therapist_told[0]
    assert any("Отмена сессии" in m.text for m in practice.telegram.chats[GROUP_CHAT])

    [entry] = await audit_of(db_sessionmaker, "booking.cancel")
    assert entry.actor_telegram_id == ADMIN_ID and entry.target == f"booking:{booking.id}"
    assert "заболел" not in str(entry.details)
    refunds_told = [m for m in client.texts_since(0) if "the money is back" in m]
    assert len(refunds_told) == 1

    # Stale: the confirmation again, and the list's button.
    answer = await admin.tap(yes, confirm)
    assert "устарела" in (answer.text or "")
    answer = await admin.press(f"✖ #{booking.id}", message=listing)
    assert "уже отменена" in (answer.text or "")
    assert len(client.texts_since(client_mark)) == 3  # the cancellation, its .ics, the refund


# -- /stats ------------------------------------------------------------------------------


async def test_stats_count_what_happened(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()  # Monday 09:00 in Moscow; "today" began at 21:00 UTC on Sunday
    hour, day = timedelta(hours=1), timedelta(days=1)
    events = {
        "start": [now - hour] * 3 + [now - 5 * day] * 2 + [now - 20 * day] + [now - 40 * day] * 4,
        "consent": [now - hour] * 2 + [now - 5 * day],
        "questionnaire": [now - hour, now - 20 * day],
        "booking": [now - 2 * hour],
        "payment": [now - 5 * day],
    }
    async with db_sessionmaker() as session:
        for kind, moments in events.items():
            session.add_all(FunnelEvent(kind=kind, created_at=moment) for moment in moments)
        first = await add_user(session, 1001, now - 30 * day)
        second = await add_user(session, 1002, now - 3 * day)
        await add_user(session, None, now - 3 * day, deleted=True)
        session.add_all(
            [
                booking_row(  # booked today for next week
                    first,
                    1,
                    now + 7 * day,
                    BookingStatus.confirmed,
                    created_at=now - 2 * hour,
                    confirmed_at=now - 2 * hour,
                ),
                booking_row(  # booked five days ago, cancelled today
                    second,
                    2,
                    now + 3 * day,
                    BookingStatus.cancelled,
                    created_at=now - 5 * day,
                    confirmed_at=now - 5 * day,
                    cancelled_at=now - hour,
                ),
                booking_row(  # took place ten days ago, never marked: counts as completed
                    first,
                    1,
                    now - 10 * day,
                    BookingStatus.confirmed,
                    created_at=now - 20 * day,
                    confirmed_at=now - 20 * day,
                ),
                booking_row(
                    second, 3, now - 3 * day, BookingStatus.completed, created_at=now - 25 * day
                ),
                booking_row(
                    first, 4, now - 2 * day, BookingStatus.no_show, created_at=now - 25 * day
                ),
                booking_row(  # long ago: outside every period
                    second,
                    5,
                    now - 38 * day,
                    BookingStatus.cancelled,
                    created_at=now - 40 * day,
                    cancelled_at=now - 39 * day,
                ),
            ]
        )
        await session.commit()

    admin = admin_in(practice)
    await admin.send("/stats")
    report, chart, numbers, rates = admin.shown[-4:]
    lines = report.text.splitlines()
    assert "Пользователей с профилем: 2" in lines

    def period(title: str) -> tuple[str, str]:
        index = lines.index(title)
        return lines[index + 1], lines[index + 2]

    assert period("Сегодня") == (
        "Новых пользователей: 2 · анкет заполнено: 1",
        "Записи: создано 1, подтверждено 1, отменено 1, состоялось 0, неявок 0",
    )
    assert period("7 дней") == (
        "Новых пользователей: 3 · анкет заполнено: 1",
        "Записи: создано 2, подтверждено 2, отменено 1, состоялось 1, неявок 1",
    )
    assert period("30 дней") == (
        "Новых пользователей: 3 · анкет заполнено: 2",
        "Записи: создано 5, подтверждено 3, отменено 1, состоялось 2, неявок 1",
    )
    funnel = lines[lines.index("Воронка за 30 дней (доля от /start)") + 1 :]
    assert funnel == [
        "/start: 6 (100%)",
        "согласие: 3 (50%)",
        "анкета: 2 (33%)",
        "запись: 1 (16%)",
        "оплата: 1 (16%)",
        "",
        "Откуда пришли за 30 дней (метка ссылки /start, доля от /start)",
        "Никто не пришёл по ссылке с меткой.",
        "",
        "Лист ожидания",
        "Ждут свободного времени сейчас: 0",
    ]
    # Then the practice's numbers over 30 days, with the period buttons, and their chart.
    assert "Показатели за 30 дн." in numbers.text
    assert "Сессий состоялось: 2 · неявок: 1 (33% от назначенных)" in numbers.text
    assert "Лист ожидания: предложено времён 0, записались 0 (—)" in numbers.text
    assert rates.photo is not None and "Неявки" in rates.text
    assert chart.photo is not None and "воронка" in chart.text
    sent = [c for c in practice.telegram.calls if isinstance(c, SendPhoto)]
    assert len(sent) == 2
    for each in sent:
        assert isinstance(each.photo, BufferedInputFile)
        assert each.photo.data.startswith(b"\x89PNG\r\n\x1a\n")


# -- /export -----------------------------------------------------------------------------


def read_csv(data: bytes | None) -> list[list[str]]:
    assert data is not None
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


async def test_export_csv_columns_and_rows(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    day = timedelta(days=1)
    async with db_sessionmaker() as session:
        anna = await add_user(session, 1101, now - 2 * day, name="Анна", email="anna@example.com")
        boris = await add_user(session, 1102, now - 40 * day, name="Борис")
        await session.execute(
            update(Therapist).where(Therapist.id == 2).values(name_ru="=HYPERLINK(1)")
        )
        paid = booking_row(
            anna,
            1,
            now + 2 * day,
            BookingStatus.confirmed,
            created_at=now - day,
            confirmed_at=now - day,
            price=3500,
        )
        other = booking_row(boris, 2, now - 30 * day, BookingStatus.completed, created_at=now)
        session.add_all([paid, other])
        await session.flush()
        session.add(
            Payment(
                booking_id=paid.id,
                amount=350000,
                currency="RUB",
                telegram_charge_id="tg-1",
                provider_charge_id="prov-1",
                status="paid",
                created_at=now - day,
            )
        )
        await session.commit()
        paid_id, other_id, anna_id = paid.id, other.id, anna.id

    admin = admin_in(practice)
    await admin.send("/export bookings")
    document = admin.last
    assert document.document == "bookings_start_now.csv"
    assert "2 строк" in document.text and "Europe/Moscow" in document.text
    rows = read_csv(document.document_bytes)
    assert rows[0] == [
        "booking_id",
        "created_at",
        "starts_at",
        "ends_at",
        "status",
        "format",
        "price_rub",
        "therapist_id",
        "therapist",
        "client_id",
        "cancelled_at",
        "cancelled_by",
        "payment",
    ]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {str(paid_id), str(other_id)}
    assert by_id[str(paid_id)][4:10] == [
        "confirmed",
        "individual",
        "3500",
        "1",
        "Анна Смирнова",
        str(anna_id),
    ]
    assert by_id[str(paid_id)][12] == "paid"
    # Times in the admin's zone (Moscow): the session starts at 09:00 local on Wednesday.
    assert by_id[str(paid_id)][2] == "2026-12-09 09:00"
    assert by_id[str(other_id)][8] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    text = document.document_bytes.decode("utf-8-sig")  # type: ignore[union-attr]
    assert "anna@example.com" not in text and "Анна," not in text and "Борис" not in text

    await admin.send("/export users 2026-11-01")
    rows = read_csv(admin.last.document_bytes)
    assert rows[0] == [
        "user_id",
        "registered_at",
        "consent_at",
        "erased_at",
        "blocked_bot_at",
        "bookings",
        "checkins",  # a count: never an answer or a score
    ]
    assert [row[0] for row in rows[1:]] == [str(anna_id)]  # Boris signed up in October
    assert rows[1][5] == "1" and rows[1][6] == "0"
    assert "anna" not in admin.last.document_bytes.decode("utf-8-sig").lower()  # type: ignore[union-attr]

    await admin.send("/export payments 2026-12-01 2026-12-07")
    assert admin.last.document == "payments_2026-12-01_2026-12-07.csv"
    rows = read_csv(admin.last.document_bytes)
    assert rows[0][:7] == [
        "payment_id",
        "created_at",
        "booking_id",
        "therapist_id",
        "client_id",
        "client_email",
        "amount_minor_units",
    ]
    assert len(rows) == 2
    assert rows[1][2:9] == [
        str(paid_id),
        "1",
        str(anna_id),
        "anna@example.com",
        "350000",
        "RUB",
        "paid",
    ]
    await admin.send("/export payments 2026-12-08 2026-12-31")
    assert len(read_csv(admin.last.document_bytes)) == 1  # the header only

    for wrong, expected in (
        ("/export", "Формат: /export"),
        ("/export clients", "Формат: /export"),
        ("/export bookings 2026-13-01", "Формат: /export"),
        ("/export bookings 2026-12-31 2026-12-01", "позже"),
    ):
        await admin.send(wrong)
        assert expected in admin.last.text, wrong
    exports = [e.action for e in await audit_of(db_sessionmaker, "export.bookings")]
    exports += [e.action for e in await audit_of(db_sessionmaker, "export.users")]
    exports += [e.action for e in await audit_of(db_sessionmaker, "export.payments")]
    assert sorted(exports) == [
        "export.bookings",
        "export.payments",
        "export.payments",
        "export.users",
    ]


# -- /broadcast --------------------------------------------------------------------------


async def test_broadcast_counts_delivered_blocked_and_waits_out_flood_control(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    telegram = practice.telegram
    async with db_sessionmaker() as session:
        clients = [await add_user(session, chat_id, now) for chat_id in (701, 702, 703, 704, 705)]
        await add_user(session, None, now, deleted=True)
        session.add(
            booking_row(
                clients[0],
                1,
                now + timedelta(days=2),
                BookingStatus.confirmed,
                created_at=now,
                confirmed_at=now,
            )
        )
        await session.execute(update(Therapist).where(Therapist.id == 1).values(telegram_id=801))
        await session.execute(
            update(Therapist).where(Therapist.id == 2).values(telegram_id=802, active=False)
        )
        await session.commit()
    telegram.blocked.add(703)
    telegram.retry_after[704].append(1)  # one 429 with retry_after=1, then it goes through

    admin = admin_in(practice)
    await admin.send("/broadcast")
    assert "текст рассылки" in admin.last.text
    await admin.send_sticker()
    assert "только текстом" in admin.last.text
    await admin.send(
        "Важно: с понедельника часы работы <10–20>.",
        entities=[MessageEntity(type="bold", offset=0, length=5)],
    )
    html = "<b>Важно</b>: с понедельника часы работы &lt;10–20&gt;."
    preview = admin.shown[-2]
    assert preview.html == html
    choice = admin.last
    assert choice.buttons[:3] == [
        "Всем клиентам (5)",
        "Клиентам с предстоящими сессиями (1)",
        "Терапевтам (1)",
    ]
    await admin.press("Всем клиентам", message=choice)
    assert "Получателей: 5" in choice.text
    await admin.press("Отправить", message=choice)

    status = choice  # the same message shows the progress and the result
    assert status.text.splitlines() == [
        "Рассылка завершена: 5 получателей.",
        "Доставлено: 4",
        "Заблокировали бота: 1",
        "Не удалось отправить: 0",
    ]
    for chat_id in (701, 702, 704, 705):
        assert [m.html for m in telegram.chats[chat_id]] == [html]
    assert 703 not in telegram.chats
    sends_to_704 = [c for c in telegram.calls if isinstance(c, SendMessage) and c.chat_id == 704]
    assert len(sends_to_704) == 2  # refused once with 429, then sent
    async with db_sessionmaker() as session:
        blocked = await session.scalar(select(User).where(User.telegram_id == 703))
    assert blocked is not None and blocked.blocked_bot_at is not None

    [entry] = await audit_of(db_sessionmaker, "broadcast.send")
    assert entry.target == "audience:clients"
    assert entry.details is not None
    assert {k: entry.details[k] for k in ("recipients", "delivered", "blocked", "failed")} == {
        "recipients": 5,
        "delivered": 4,
        "blocked": 1,
        "failed": 0,
    }
    assert "Важно" not in str(entry.details)

    # A second tap on Send sends nothing again.
    answer = await admin.tap("adbs:clients", status)
    assert "устарела" in (answer.text or "")
    assert len(telegram.chats[701]) == 1

    # Therapists: the active ones who linked their Telegram account.
    await admin.send("/broadcast")
    await admin.send("Планёрка в пятницу в полдень.")
    choice = admin.last
    await admin.press("Терапевтам", message=choice)
    await admin.press("Отправить", message=choice)
    assert [m.text for m in telegram.chats[801]] == ["Планёрка в пятницу в полдень."]
    assert 802 not in telegram.chats
    assert "Доставлено: 1" in choice.text
