"""Telegram Payments: held time, invoice, pre-checkout, payment, refunds, card numbers."""

from __future__ import annotations

import json
import logging
import math
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import DeleteMessage, RefundStarPayment, SendInvoice
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.logs import configure_logging
from bot.rules.payments import looks_like_card_number
from db import bookings
from db.demo import load_demo
from db.models import Base, Booking, BookingStatus, Payment, Slot, SlotStatus, User
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, TgUser
from tests.flows import book_first_time, consent, sign_up

Sessions = async_sessionmaker[AsyncSession]
CARD = "4111 1111 1111 1111"


def harness_for(mode: str, sessions: Sessions, database_url: str, clock, translator) -> Harness:
    """The production dispatcher with payments in `mode`."""
    overrides: dict[str, Any] = {
        "provider": {
            "payment_provider_token": "provider:TEST",
            "payment_currency": "RUB",
            "receipts": True,
            "receipt_tax_system": 2,
        },
        "stars": {"payment_currency": "XTR", "stars_per_rub": 0.5},
    }[mode]
    return make_harness(make_settings(database_url, **overrides), sessions, clock, translator)


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


async def hold_a_time(client: TgUser, email: str | None = None) -> SendInvoice:
    """Book a time so that it is held for payment; the hold's text speaks of a card only
    when the invoice goes to a card payment provider (never with Stars)."""
    await consent(client)
    from tests.flows import Profile, answer_questionnaire

    await answer_questionnaire(client, Profile())
    if email:  # for receipts: given in the summary (else the invoice asks for it)
        await client.press("E-mail")
        await client.send(email)
    await client.press("Всё верно")
    # The matched cards come right after the summary.
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    assert "закреплено за вами на 15 мин" in confirm.text
    invoice = client.last.invoice
    assert invoice is not None
    card = "Данные карты вводятся только в защищённой форме" in confirm.text
    assert card is bool(invoice.provider_token), confirm.text
    return invoice


async def the_booking(sessions: Sessions) -> Booking:
    async with sessions() as session:
        return (await session.scalars(select(Booking))).one()


async def test_provider_payment_confirms_the_booking(
    db_sessionmaker: Sessions, database_url: str, clock, translator, catalogue: None
) -> None:
    harness = harness_for("provider", db_sessionmaker, database_url, clock, translator)
    client = harness.user(601, "Анна")
    invoice = await hold_a_time(client, email="anna@example.com")
    booking = await the_booking(db_sessionmaker)
    assert booking.status == BookingStatus.pending_payment
    assert invoice.currency == "RUB" and invoice.prices[0].amount == booking.price * 100
    assert invoice.provider_token == "provider:TEST"
    assert invoice.send_email_to_provider and not invoice.need_email
    # The fiscal receipt: one line, a full prepayment of a service, to the stored e-mail.
    receipt = json.loads(invoice.provider_data or "{}")["receipt"]
    assert receipt["customer"] == {"email": "anna@example.com"}
    assert receipt["tax_system_code"] == 2
    [line] = receipt["items"]
    assert line["amount"] == {"value": f"{booking.price}.00", "currency": "RUB"}
    assert (line["quantity"], line["vat_code"]) == ("1.00", 1)
    assert (line["payment_subject"], line["payment_mode"]) == ("service", "full_prepayment")
    assert line["description"].startswith("Психологическая консультация: ")
    async with db_sessionmaker() as session:
        slot = await session.get(Slot, booking.slot_id)
        assert slot.status == SlotStatus.held
    # Nothing is announced or reminded before the payment.
    assert not any("Новая запись" in m.text for m in harness.telegram.chats.get(ADMIN_ID, []))

    answer = await client.pre_checkout(invoice.payload, "RUB", booking.price * 100)
    assert answer.show_alert is True  # ok=True
    await client.pay(invoice.payload, "RUB", booking.price * 100, "tg-charge-1", "yk-1")
    texts = client.texts_since(0)
    assert any("Оплата получена, запись подтверждена" in text for text in texts)
    document, offer = client.shown[-2:]  # the calendar file, then the offer of check-ins
    assert document.document == "session.ics"
    assert "Короткие опросы между сессиями" in offer.text
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        assert stored.status == BookingStatus.confirmed
        assert (await session.get(Slot, booking.slot_id)).status == SlotStatus.booked
        payment = (await session.scalars(select(Payment))).one()
        assert (payment.amount, payment.currency, payment.provider_charge_id) == (
            booking.price * 100,
            "RUB",
            "yk-1",
        )

    # The same successful_payment delivered again records nothing new.
    await client.pay(invoice.payload, "RUB", booking.price * 100, "tg-charge-1", "yk-1")
    assert "уже учтена" in client.last.text
    # Where the client stands, as a payment handled again after a crash needs to say.
    assert "Ваша запись:" in client.last.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Payment.id))) == 1

    # The cabinet shows the payment state.
    await client.send("/my")
    await client.press(client.last.buttons[0])
    assert "Оплачено онлайн" in client.last.text


async def test_stars_price_and_paysupport(
    db_sessionmaker: Sessions, database_url: str, clock, translator, catalogue: None
) -> None:
    harness = harness_for("stars", db_sessionmaker, database_url, clock, translator)
    client = harness.user(602, "Анна")
    invoice = await hold_a_time(client)
    booking = await the_booking(db_sessionmaker)
    assert invoice.currency == "XTR"
    assert invoice.prices[0].amount == math.ceil(booking.price * 0.5)
    assert not invoice.provider_token and not invoice.need_email
    await client.send("/paysupport")
    assert "Вопросы по оплате" in client.last.text
    await client.send("Звёзды списались дважды")
    assert "Передал администратору" in client.last.text
    admin_chat = harness.telegram.chats[ADMIN_ID]
    assert any("Вопрос по оплате" in m.text for m in admin_chat)


async def test_a_command_is_never_a_paysupport_question(
    db_sessionmaker: Sessions, database_url: str, clock, translator, catalogue: None
) -> None:
    """While the bot waits for the question, a command goes to the admins never: an
    unknown one gets a hint and the wait goes on, the bot's own commands work as usual,
    /cancel ends the wait."""
    harness = harness_for("stars", db_sessionmaker, database_url, clock, translator)
    client = harness.user(605, "Анна")
    await sign_up(client)
    admin_chat = harness.telegram.chats[ADMIN_ID]

    def to_admins() -> int:
        return len(admin_chat)

    await client.send("/paysupport")
    before = to_admins()
    await client.send("/done")
    assert to_admins() == before
    assert "обычным сообщением" in client.last.text and "/cancel" in client.last.text
    await client.send("/my")  # the cabinet, as always
    assert "Мои сессии" in client.last.text and to_admins() == before
    await client.send("Звёзды списались дважды")
    assert "Передал администратору" in client.last.text
    assert to_admins() == before + 2  # the header and the question, once
    assert sum("Вопрос по оплате" in m.text for m in admin_chat) == 1
    # The question was taken: what follows is no question.
    await client.send("/done")
    assert "обычным сообщением" not in client.last.text and to_admins() == before + 2

    for leave in ("/cancel", "/stop"):
        await client.send("/paysupport")
        await client.send(leave)
        assert "ничего не передаю" in client.last.text
        await client.send("просто текст")
        assert to_admins() == before + 2 and "Передал" not in client.last.text


async def test_pre_checkout_refusals(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = harness_for("provider", db_sessionmaker, database_url, clock, translator)
    client, stranger = harness.user(603, "Анна"), harness.user(604, "Борис")
    invoice = await hold_a_time(client)
    booking = await the_booking(db_sessionmaker)
    amount = booking.price * 100
    wrong = await client.pre_checkout(invoice.payload, "RUB", amount - 100)
    assert wrong.show_alert is False and "сумма" in (wrong.text or "")
    currency = await client.pre_checkout(invoice.payload, "USD", amount)
    assert currency.show_alert is False
    await sign_up(stranger)
    theirs = await stranger.pre_checkout(invoice.payload, "RUB", amount)
    assert theirs.show_alert is False
    forged = await client.pre_checkout("booking:abc", "RUB", amount)
    assert forged.show_alert is False
    clock.advance(minutes=16)
    late = await client.pre_checkout(invoice.payload, "RUB", amount)
    assert late.show_alert is False and "истекло" in (late.text or "")


@pytest.mark.parametrize("mode", ["stars", "provider"])
async def test_payment_after_the_hold_lapsed(
    db_sessionmaker: Sessions,
    database_url: str,
    clock: ManualClock,
    translator,
    catalogue: None,
    mode: str,
) -> None:
    harness = harness_for(mode, db_sessionmaker, database_url, clock, translator)
    client = harness.user(605, "Анна")
    invoice = await hold_a_time(client)
    booking = await the_booking(db_sessionmaker)
    clock.advance(minutes=16)
    rules = harness.dispatcher["settings"].rules()
    async with db_sessionmaker() as session:
        released = await bookings.release_lapsed_holds(session, rules, clock.now())
        assert released == [booking.id]
        slot = await session.get(Slot, booking.slot_id)
        assert slot.status == SlotStatus.free
        # Someone else takes the time meanwhile.
        slot.status = SlotStatus.booked
        await session.commit()
    currency = invoice.currency
    amount = invoice.prices[0].amount
    await client.pay(invoice.payload, currency, amount, f"late-{mode}", "yk-late")
    async with db_sessionmaker() as session:
        payment = (await session.scalars(select(Payment))).one()
        stored = await session.get(Booking, booking.id)
    assert stored.status == BookingStatus.cancelled
    refunds = [c for c in harness.telegram.calls if isinstance(c, RefundStarPayment)]
    if mode == "stars":
        assert payment.status == "refunded" and len(refunds) == 1
        assert any("Звёзды вернутся" in t for t in client.texts_since(0))
        assert any("деньги вернулись" in t for t in client.texts_since(0))
    else:
        assert payment.status == "refund_pending" and not refunds
        assert any("yk-late" in m.text for m in harness.telegram.chats[ADMIN_ID])
        assert any("Деньги вернём" in t for t in client.texts_since(0))


async def test_payment_after_the_hold_lapsed_takes_a_free_time_back(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = harness_for("stars", db_sessionmaker, database_url, clock, translator)
    client = harness.user(606, "Анна")
    invoice = await hold_a_time(client)
    booking = await the_booking(db_sessionmaker)
    clock.advance(minutes=16)
    rules = harness.dispatcher["settings"].rules()
    async with db_sessionmaker() as session:
        await bookings.release_lapsed_holds(session, rules, clock.now())
    await client.pay(invoice.payload, "XTR", invoice.prices[0].amount, "late-but-free")
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        slot = await session.get(Slot, stored.slot_id)
    assert stored.status == BookingStatus.confirmed and slot.status == SlotStatus.booked


@pytest.mark.parametrize("mode", ["stars", "provider"])
async def test_refunds_when_cancelling(
    db_sessionmaker: Sessions,
    database_url: str,
    clock: ManualClock,
    translator,
    catalogue: None,
    mode: str,
) -> None:
    harness = harness_for(mode, db_sessionmaker, database_url, clock, translator)
    client = harness.user(607, "Анна")
    invoice = await hold_a_time(client)
    booking = await the_booking(db_sessionmaker)
    await client.pay(invoice.payload, invoice.currency, invoice.prices[0].amount, f"c-{mode}")
    clock.current = booking.starts_at - timedelta(hours=30)
    await client.send("/my")
    await client.press(client.last.buttons[0])
    screen = client.last
    await client.press("Отменить", message=screen)
    assert ("звёздами будет возвращена" if mode == "stars" else "администратор") in screen.text
    await client.press("Да, отменить", message=screen)
    async with db_sessionmaker() as session:
        payment = (await session.scalars(select(Payment))).one()
    if mode == "stars":
        assert payment.status == "refunded"
        assert any(isinstance(c, RefundStarPayment) for c in harness.telegram.calls)
    else:
        assert payment.status == "refund_pending"
        assert any(f"c-{mode}" in m.text for m in harness.telegram.chats[ADMIN_ID])


async def test_late_cancellation_is_not_refunded(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = harness_for("stars", db_sessionmaker, database_url, clock, translator)
    client = harness.user(608, "Анна")
    invoice = await hold_a_time(client)
    booking = await the_booking(db_sessionmaker)
    await client.pay(invoice.payload, "XTR", invoice.prices[0].amount, "late-cancel")
    clock.current = booking.starts_at - timedelta(hours=2)
    await client.send("/my")
    await client.press(client.last.buttons[0])
    screen = client.last
    await client.press("Отменить", message=screen)
    assert "не возвращается" in screen.text
    await client.press("Да, отменить", message=screen)
    async with db_sessionmaker() as session:
        assert (await session.scalars(select(Payment))).one().status == "paid"
    assert not any(isinstance(c, RefundStarPayment) for c in harness.telegram.calls)


async def test_pending_booking_can_be_paid_from_the_cabinet(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator, catalogue: None
) -> None:
    harness = harness_for("stars", db_sessionmaker, database_url, clock, translator)
    client = harness.user(609, "Анна")
    await hold_a_time(client)
    await client.send("/my")
    assert "ждёт оплаты" in client.last.text
    await client.press(client.last.buttons[0])
    assert "Ожидает оплаты до" in client.last.text
    await client.press("Оплатить")
    assert client.last.invoice is not None
    clock.advance(minutes=20)
    answer = await client.tap(client.shown[-2].button("Оплатить").callback_data, client.shown[-2])
    assert answer.text and "истекло" in answer.text


@pytest.mark.parametrize(
    ("typed", "card"),
    [
        ("4111 1111 1111 1111", True),
        ("4111111111111111", True),
        ("5500-0000-0000-0004", True),
        ("мой номер 2202 2020 1234 5678 9", True),
        ("+7 495 051", False),
        ("30", False),
        ("8-800-2000-122", False),
        ("2026-12-24 2027-01-05", False),
        ("30 4111 1111 1111 1111", True),
        ("8 800 2000 122 и 10:00-18:00", False),
        ("3782 822463 10005", True),
    ],
)
def test_what_looks_like_a_card(typed: str, card: bool) -> None:
    assert looks_like_card_number(typed) is card


async def test_card_numbers_are_never_stored_or_logged(
    harness: Harness, db_sessionmaker: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    client = harness.user(610, "\u200b")  # asked for a name
    await consent(client)
    await client.send(CARD)  # where the name is expected
    assert "номер банковской карты" in client.last.text
    assert any(isinstance(c, DeleteMessage) for c in harness.telegram.calls)
    assert "Как к вам обращаться" in client.shown[-2].text
    await client.send("Анна")
    await client.send_photo(caption=f"вот карта {CARD.replace(' ', '')}")
    assert "номер банковской карты" in client.last.text
    await sign_up(harness.user(611, "Борис"))
    await client.send("/start")
    digits = CARD.replace(" ", "")
    async with db_sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            dump = repr(rows)
            assert digits not in dump.replace(" ", "") and CARD not in dump, table.name
        user = await session.scalar(select(User).where(User.telegram_id == 610))
        assert user.first_name == "Анна"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert digits not in logged.replace(" ", "") and CARD not in logged


async def test_payments_off_confirms_at_once(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None
) -> None:
    client = harness.user(612, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    assert "напрямую специалисту" in confirm.text
    assert not any(isinstance(c, SendInvoice) for c in harness.telegram.calls)
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        assert booking.status == BookingStatus.confirmed


async def test_paysupport_is_in_the_menu_when_payments_are_on(
    db_sessionmaker: Sessions, database_url: str, clock, translator
) -> None:
    harness = harness_for("stars", db_sessionmaker, database_url, clock, translator)
    await harness.dispatcher.emit_startup(bot=harness.bot, **harness.dispatcher.workflow_data)
    default = next(c for c in harness.telegram.commands if c.language_code == "ru")
    assert "paysupport" in [command.command for command in default.commands]
