"""A booking's life at its edges: refunds wherever a paid session is cancelled, notices and
refunds that survive Telegram errors and a process that dies, late and wrong payments, and
changes that race each other."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import RefundStarPayment
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import bookings, outbox
from db.demo import load_demo
from db.models import (
    Booking,
    BookingStatus,
    Notice,
    Payment,
    Refund,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from keyboards.catalog import BookSlot
from keyboards.messaging import WriteTherapist
from scheduler.outbox import OutboxJob
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import Profile, sign_up
from tests.test_payments import hold_a_time

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 777
GROUP_CHAT = -100500


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def stars_harness(
    sessions: Sessions, database_url: str, clock: ManualClock, translator: Any, **overrides: Any
) -> Harness:
    settings = make_settings(
        database_url,
        payment_currency="XTR",
        stars_per_rub=0.5,
        therapist_chat_id=GROUP_CHAT,
        send_max_retries=0,
        **overrides,
    )
    return make_harness(settings, sessions, clock, translator)


def job_of(harness: Harness, sessions: Sessions, clock: ManualClock, translator: Any) -> OutboxJob:
    return outbox_job(harness, harness.dispatcher["settings"], sessions, clock, translator)


async def paid_session(harness: Harness, sessions: Sessions, client: TgUser) -> Booking:
    """A client holds the first free time, pays it in Stars, and its therapist is linked."""
    invoice = await hold_a_time(client)
    async with sessions() as session:
        booking = (await session.scalars(select(Booking).order_by(Booking.id.desc()))).first()
        assert booking is not None
        await session.execute(
            update(Therapist)
            .where(Therapist.id == booking.therapist_id)
            .values(telegram_id=THERAPIST_CHAT)
        )
        await session.commit()
    await client.pay(invoice.payload, "XTR", invoice.prices[0].amount, f"charge-{client.id}")
    async with sessions() as session:
        stored = await session.get(Booking, booking.id)
    assert stored is not None and stored.status == BookingStatus.confirmed
    return stored


async def cancel_undelivered(
    harness: Harness,
    sessions: Sessions,
    clock: ManualClock,
    booking: Booking,
    by: bookings.CancelledBy,
) -> None:
    """A free cancellation commits, and no handler is around to deliver what it caused."""
    clock.current = booking.starts_at - timedelta(hours=30)
    rules = harness.dispatcher["settings"].rules()
    async with sessions() as session:
        stored = await session.get(Booking, booking.id)
        assert stored is not None
        await bookings.cancel(session, booking=stored, by=by, rules=rules, now=clock.now())


async def payment_of(sessions: Sessions, booking_id: int) -> Payment:
    async with sessions() as session:
        payment = await session.scalar(select(Payment).where(Payment.booking_id == booking_id))
    assert payment is not None
    return payment


async def refunds_of(sessions: Sessions) -> list[Refund]:
    async with sessions() as session:
        return list(await session.scalars(select(Refund).order_by(Refund.id)))


def star_refunds(harness: Harness) -> list[RefundStarPayment]:
    return [call for call in harness.telegram.calls if isinstance(call, RefundStarPayment)]


def texts_to(harness: Harness, chat_id: int) -> list[str]:
    return [shown.text for shown in harness.telegram.chats.get(chat_id, [])]


# -- refunds wherever a paid session is cancelled ----------------------------------------


async def asked_to_change(
    harness: Harness, sessions: Sessions, clock: ManualClock, client: TgUser, *, hours: float
) -> tuple[Booking, Shown]:
    """A paid session `hours` ahead; the client asks to change therapist and is asked
    whether to cancel it."""
    booking = await paid_session(harness, sessions, client)
    clock.current = booking.starts_at - timedelta(hours=hours)
    await client.send("/my")
    cabinet = client.last
    await client.press("Сменить терапевта", message=cabinet)
    await client.press("Неудобное расписание", message=cabinet)
    return booking, cabinet


async def test_changing_therapist_refunds_paid_sessions_in_the_free_window(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(701, "Анна")
    booking, cabinet = await asked_to_change(harness, db_sessionmaker, clock, client, hours=30)
    # Before confirming, the client reads what happens to the money.
    assert "звёзды вернутся на баланс" in cabinet.text
    assert not star_refunds(harness)
    mark = len(texts_to(harness, THERAPIST_CHAT))
    await client.press("Да, отменить", message=cabinet)
    assert "Отменено сессий: 1" in cabinet.text

    [refund_call] = star_refunds(harness)
    assert refund_call.user_id == client.id
    assert refund_call.telegram_payment_charge_id == f"charge-{client.id}"
    assert (await payment_of(db_sessionmaker, booking.id)).status == "refunded"
    assert any("деньги вернулись" in text for text in client.texts_since(0))
    told = texts_to(harness, THERAPIST_CHAT)[mark:]
    assert len(told) == 1 and "Отмена сессии" in told[0]


async def test_changing_therapist_late_keeps_the_payment_and_says_so_first(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(702, "Анна")
    booking, cabinet = await asked_to_change(harness, db_sessionmaker, clock, client, hours=2)
    assert "оплата не возвращается" in cabinet.text
    await client.press("Да, отменить", message=cabinet)
    assert not star_refunds(harness) and not await refunds_of(db_sessionmaker)
    assert (await payment_of(db_sessionmaker, booking.id)).status == "paid"


async def test_erasure_refunds_paid_sessions_and_keeps_no_payer_id(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(703, "Анна")
    booking = await paid_session(harness, db_sessionmaker, client)
    clock.current = booking.starts_at - timedelta(hours=30)
    await client.send("/delete_me")
    assert "Предстоящие сессии (1)" in client.last.text
    assert "звёзды вернутся на баланс" in client.last.text
    await client.press("Да, удалить")

    [refund_call] = star_refunds(harness)
    assert refund_call.user_id == client.id
    assert (await payment_of(db_sessionmaker, booking.id)).status == "refunded"
    [refund] = await refunds_of(db_sessionmaker)
    assert refund.status == "done" and refund.payer_telegram_id is None
    told = texts_to(harness, THERAPIST_CHAT)[-1]
    assert "Отмена сессии" in told and "клиент удалил свои данные" in told
    async with db_sessionmaker() as session:
        user = await session.get(User, booking.client_id)
    assert user is not None and user.telegram_id is None and user.deleted_at is not None


# -- failures between "done" and "told" ---------------------------------------------------


async def test_a_failing_refund_is_retried_then_handed_to_the_admins(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator, outbox_max_attempts=3)
    job = job_of(harness, db_sessionmaker, clock, translator)
    client = harness.user(704, "Анна")
    booking = await paid_session(harness, db_sessionmaker, client)
    clock.current = booking.starts_at - timedelta(hours=30)
    harness.telegram.refund_errors = [(502, "Bad Gateway")] * 3
    await client.send("/my")
    await client.press(client.last.buttons[0])
    screen = client.last
    await client.press("Отменить", message=screen)
    mark = len(texts_to(harness, THERAPIST_CHAT))
    await client.press("Да, отменить", message=screen)

    # The cancellation stands and the therapist and the group are told at once.
    assert "отменена" in screen.text
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
    assert stored is not None and stored.status == BookingStatus.cancelled
    assert any("Отмена сессии" in text for text in texts_to(harness, THERAPIST_CHAT)[mark:])
    assert any("Отмена сессии" in text for text in texts_to(harness, GROUP_CHAT))
    [refund] = await refunds_of(db_sessionmaker)
    assert (refund.status, refund.attempts) == ("pending", 1)
    assert (await payment_of(db_sessionmaker, booking.id)).status == "refund_pending"

    # Not due yet: nothing is tried before the wait is over.
    assert await job.run() == 0
    clock.advance(seconds=30)
    assert await job.run() == 1
    [refund] = await refunds_of(db_sessionmaker)
    assert (refund.status, refund.attempts) == ("pending", 2)
    clock.advance(seconds=60)
    admin_mark = len(texts_to(harness, ADMIN_ID))
    await job.run()
    [refund] = await refunds_of(db_sessionmaker)
    assert refund.status == "manual" and refund.last_error == "TelegramServerError"
    assert len(star_refunds(harness)) == 3
    admins = texts_to(harness, ADMIN_ID)[admin_mark:]
    assert any(
        "не прошёл автоматически" in text and f"charge-{client.id}" in text for text in admins
    )
    assert any("не прошёл автоматически" in text for text in client.texts_since(0))
    # It waits in /refunds; nothing more is tried by the job.
    clock.advance(hours=1)
    await job.run()
    assert len(star_refunds(harness)) == 3
    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/refunds")
    assert f"charge-{client.id}" in admin.last.text


async def test_a_late_payment_whose_refund_fails_is_reported(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator, outbox_max_attempts=1)
    client = harness.user(705, "Анна")
    invoice = await hold_a_time(client)
    clock.advance(minutes=16)
    rules = harness.dispatcher["settings"].rules()
    async with db_sessionmaker() as session:
        [booking_id] = await bookings.release_lapsed_holds(session, rules, clock.now())
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        # Someone else takes the time meanwhile.
        await session.execute(
            update(Slot)
            .where(Slot.therapist_id == booking.therapist_id, Slot.starts_at == booking.starts_at)
            .values(status=SlotStatus.booked)
        )
        await session.commit()
    harness.telegram.refund_errors = [(400, "Bad Request: CHARGE_NOT_FOUND")]
    await client.pay(invoice.payload, "XTR", invoice.prices[0].amount, "late-1")
    [refund] = await refunds_of(db_sessionmaker)
    assert (refund.reason, refund.status) == ("lost", "manual")
    assert any("late-1" in text for text in texts_to(harness, ADMIN_ID))
    assert (await payment_of(db_sessionmaker, booking_id)).status == "refund_pending"


async def test_a_notice_that_cannot_be_sent_is_retried_then_reported(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator, outbox_max_attempts=2)
    job = job_of(harness, db_sessionmaker, clock, translator)
    client = harness.user(706, "Анна")
    harness.telegram.unwell.add(THERAPIST_CHAT)
    booking = await paid_session(harness, db_sessionmaker, client)
    assert not texts_to(harness, THERAPIST_CHAT)
    assert any("Новая запись" in text for text in texts_to(harness, GROUP_CHAT))
    clock.advance(seconds=30)
    await job.run()
    assert not any("не доставлено" in text for text in texts_to(harness, ADMIN_ID))
    clock.advance(seconds=60)
    await job.run()  # the last try fails: the admins are told
    clock.advance(seconds=1)
    await job.run()  # ... by a notice of its own
    reports = [text for text in texts_to(harness, ADMIN_ID) if "не доставлено" in text]
    assert len(reports) == 1 and f"№{booking.id}" in reports[0] and "терапевту" in reports[0]
    async with db_sessionmaker() as session:
        outcomes = dict((await session.execute(select(Notice.recipient, Notice.outcome))).all())
    assert outcomes["therapist"] == "failed" and outcomes["group"] == "sent"


async def test_the_job_run_twice_at_once_sends_each_notice_and_refund_once(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(707, "Анна")
    booking = await paid_session(harness, db_sessionmaker, client)
    await cancel_undelivered(harness, db_sessionmaker, clock, booking, bookings.CancelledBy.admin)
    mark = len(texts_to(harness, THERAPIST_CHAT))
    first, second = (
        job_of(harness, db_sessionmaker, clock, translator),
        job_of(harness, db_sessionmaker, clock, translator),
    )
    await asyncio.gather(first.run(), second.run(), first.run())
    await first.run()  # the refund's own notice to the client
    assert len(star_refunds(harness)) == 1
    told = texts_to(harness, THERAPIST_CHAT)[mark:]
    assert len(told) == 1 and "Отмена сессии" in told[0]
    cancelled = [text for text in client.texts_since(0) if "отменена администратором" in text]
    assert len(cancelled) == 1
    assert len([text for text in client.texts_since(0) if "деньги вернулись" in text]) == 1


async def test_what_a_killed_process_left_is_delivered_after_restart(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(708, "Анна")
    booking = await paid_session(harness, db_sessionmaker, client)
    await cancel_undelivered(harness, db_sessionmaker, clock, booking, bookings.CancelledBy.client)
    async with db_sessionmaker() as session:
        # The process had claimed the therapist's notice when it was killed.
        therapist_notice = await session.scalar(
            select(Notice.id).where(Notice.recipient == "therapist", Notice.event == "cancelled")
        )
        assert therapist_notice is not None
        assert await outbox.claim_due(
            session, Notice, clock.now(), limit=1, only=[therapist_notice]
        ) == [therapist_notice]

    # A new process: a new bot, a new dispatcher, the same database.
    restarted = stars_harness(db_sessionmaker, database_url, clock, translator)
    job = job_of(restarted, db_sessionmaker, clock, translator)
    await job.run()
    assert len(star_refunds(restarted)) == 1
    assert any("Отмена сессии" in text for text in texts_to(restarted, GROUP_CHAT))
    assert not texts_to(restarted, THERAPIST_CHAT)  # still claimed by the dead process
    clock.advance(minutes=11)
    await job.run()
    assert [text for text in texts_to(restarted, THERAPIST_CHAT) if "Отмена сессии" in text]
    await job.run()
    assert len(texts_to(restarted, THERAPIST_CHAT)) == 1
    assert len(star_refunds(restarted)) == 1


# -- payments that do not fit --------------------------------------------------------------


async def test_a_payment_of_the_wrong_amount_does_not_confirm(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(709, "Анна")
    invoice = await hold_a_time(client)
    amount = invoice.prices[0].amount
    await client.pay(invoice.payload, "XTR", amount // 2, "half-price")
    assert "не совпала" in client.texts_since(0)[-2] or any(
        "не совпала" in text for text in client.texts_since(0)
    )
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.status == BookingStatus.pending_payment
    [refund] = await refunds_of(db_sessionmaker)
    assert (refund.reason, refund.amount, refund.status) == ("mismatch", amount // 2, "done")
    assert [call.telegram_payment_charge_id for call in star_refunds(harness)] == ["half-price"]
    # The right amount still confirms the held time.
    await client.pay(invoice.payload, "XTR", amount, "full-price")
    async with db_sessionmaker() as session:
        assert (await session.get(Booking, booking.id)).status == BookingStatus.confirmed


async def test_a_second_payment_for_a_paid_session_goes_back(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(713, "Анна")
    invoice = await hold_a_time(client)
    amount = invoice.prices[0].amount
    await client.pay(invoice.payload, "XTR", amount, "first")
    await client.pay(invoice.payload, "XTR", amount, "second")
    assert any("уже оплачена" in text for text in client.texts_since(0))
    assert [call.telegram_payment_charge_id for call in star_refunds(harness)] == ["second"]
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        statuses = dict(
            (await session.execute(select(Payment.telegram_charge_id, Payment.status))).all()
        )
    assert booking.status == BookingStatus.confirmed
    assert statuses == {"first": "paid", "second": "refunded"}
    # The cabinet still shows the session as paid, and a free cancel returns the first.
    await client.send("/my")
    await client.press(client.last.buttons[0])
    assert "Оплачено онлайн" in client.last.text
    clock.current = booking.starts_at - timedelta(hours=30)
    screen = client.last
    await client.press("Отменить", message=screen)
    assert "звёздами будет возвращена" in screen.text
    await client.press("Да, отменить", message=screen)
    assert [call.telegram_payment_charge_id for call in star_refunds(harness)] == [
        "second",
        "first",
    ]


async def test_a_late_payment_overlapping_another_booking_is_refunded(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    """The hold lapsed, the client booked another therapist at an overlapping time, then the
    first payment arrived: the database refuses taking the time back (on PostgreSQL inside a
    savepoint, so the payment is still recorded) and the money goes back."""
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(710, "Анна")
    invoice = await hold_a_time(client)
    clock.advance(minutes=16)
    settings = harness.dispatcher["settings"]
    rules = settings.rules()
    async with db_sessionmaker() as session:
        [booking_id] = await bookings.release_lapsed_holds(session, rules, clock.now())
        first = await session.get(Booking, booking_id)
        assert first is not None
        other = await session.scalar(
            select(Slot)
            .join(Therapist, Therapist.id == Slot.therapist_id)
            .where(
                Slot.therapist_id != first.therapist_id,
                Slot.status == SlotStatus.free,
                Slot.starts_at >= first.starts_at,
                Slot.starts_at < first.ends_at,
                Therapist.offers_individual.is_(True),
            )
        )
        assert other is not None
        user = await session.get(User, first.client_id)
        assert user is not None
        await bookings.book(
            session,
            client=user,
            slot_id=other.id,
            format="individual",
            rules=replace(rules, min_notice=timedelta(0)),
            now=clock.now(),
            hold=None,
        )
    await client.pay(invoice.payload, "XTR", invoice.prices[0].amount, "late-overlap")
    payment = await payment_of(db_sessionmaker, booking_id)
    assert payment.status == "refunded"
    assert [call.telegram_payment_charge_id for call in star_refunds(harness)] == ["late-overlap"]
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking_id)
        assert stored is not None and stored.status == BookingStatus.cancelled
        slot = await session.scalar(
            select(Slot).where(
                Slot.therapist_id == stored.therapist_id, Slot.starts_at == stored.starts_at
            )
        )
        assert slot is not None and slot.status == SlotStatus.free  # not left taken by nobody


# -- forged buttons and lapsed holds -------------------------------------------------------


async def test_a_forged_slot_button_cannot_book_a_format_the_therapist_does_not_offer(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client = harness.user(711, "Анна")
    await sign_up(client, Profile(format="Парная"))
    async with db_sessionmaker() as session:
        slot_id = await session.scalar(
            select(Slot.id)
            .join(Therapist, Therapist.id == Slot.therapist_id)
            .where(Therapist.offers_couple.is_(False), Slot.status == SlotStatus.free)
            .order_by(Slot.starts_at.desc())
        )
    answer = await client.tap(BookSlot(slot_id=slot_id).pack())
    assert answer.show_alert and "недоступно" in (answer.text or "").lower()
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Booking.id))) == 0


async def test_a_lapsed_hold_opens_no_channel_and_cannot_be_moved(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = stars_harness(db_sessionmaker, database_url, clock, translator)
    client = harness.user(712, "Анна")
    await hold_a_time(client)
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        other_slot = await session.scalar(
            select(Slot.id).where(
                Slot.therapist_id == booking.therapist_id,
                Slot.status == SlotStatus.free,
                Slot.starts_at > booking.starts_at,
            )
        )
        user = await session.get(User, booking.client_id)
    assert other_slot is not None and user is not None
    # While the hold lasts the client may write to the therapist.
    answer = await client.tap(WriteTherapist(therapist_id=booking.therapist_id).pack())
    assert not answer.show_alert
    clock.advance(minutes=16)
    rules = harness.dispatcher["settings"].rules()
    async with db_sessionmaker() as session:
        user = await session.get(User, booking.client_id)
        assert user is not None
        with pytest.raises(bookings.BookingGone):
            await bookings.reschedule(
                session,
                client=user,
                booking_id=booking.id,
                slot_id=other_slot,
                rules=rules,
                now=clock.now(),
                expected_moves=0,
            )
        await bookings.release_lapsed_holds(session, rules, clock.now())
    answer = await client.tap(WriteTherapist(therapist_id=booking.therapist_id).pack())
    assert answer.show_alert and "записаны" in (answer.text or "")


def test_handlers_leave_transactions_and_refunds_to_the_use_cases() -> None:
    handlers = Path(__file__).resolve().parent.parent / "handlers"
    for path in sorted(handlers.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert ".commit(" not in source, f"{path.name} commits"
        assert ".rollback(" not in source, f"{path.name} rolls back"
        assert "refund_star_payment" not in source and "RefundStarPayment" not in source, (
            f"{path.name} calls Telegram's payment methods"
        )
