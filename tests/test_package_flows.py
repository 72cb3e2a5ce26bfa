"""Packages of sessions in conversation, through the production dispatcher and the fake Bot
API, on SQLite and PostgreSQL, with Stars and with a provider: an admin offers one, a
client buys it from a card, books with it, cancels free (the credit comes back) and late
(spent), misses one (spent); one credit tapped twice at once books once; expiry, a change
of therapist and /delete_me refund the unused credits pro rata, once; a regular time draws
its sessions from the package and then falls back to invoices."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import RefundStarPayment, SendInvoice
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import bookings, packages
from db import practice as practice_numbers
from db.demo import load_demo
from db.models import (
    Booking,
    BookingStatus,
    CreditMove,
    PackagePurchase,
    Refund,
    Slot,
    SlotStatus,
    User,
)
from keyboards.cabinet import CancelAsk, CancelConfirm
from keyboards.catalog import BookSlot, SlotPick
from keyboards.packages import BuyPackage, PackageOffers
from keyboards.series import SeriesStart
from scheduler.packages import settle_packages
from scheduler.slots import extend_free_slots
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, TgUser
from tests.flows import sign_up

Sessions = async_sessionmaker[AsyncSession]

MODES: dict[str, dict[str, Any]] = {
    "stars": {"payment_currency": "XTR", "stars_per_rub": 0.5},
    "provider": {
        "payment_provider_token": "provider:TEST",
        "payment_currency": "RUB",
        "receipts": True,
    },
}


@pytest.fixture(params=sorted(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


@dataclass
class Practice:
    harness: Harness
    sessions: Sessions
    clock: ManualClock
    mode: str

    async def offer(self, command: str) -> None:
        admin = self.harness.user(ADMIN_ID, "Админ")
        await admin.send(f"/packages add {command}")
        assert "добавлен" in admin.last.text, admin.last.text

    async def buy(
        self, client: TgUser, charge: str, therapist_id: int | None = None
    ) -> tuple[PackagePurchase, SendInvoice]:
        """The first card's packages (or a therapist's, as the cabinet's button opens them),
        the first one bought."""
        if therapist_id is None:
            await client.press("Найти терапевта")
            await client.press("Пакет сессий", message=client.last_with_buttons)
        else:
            await client.tap(PackageOffers(therapist_id=therapist_id).pack())
        offers = client.last
        assert "Пакеты сессий с" in offers.text and "выгода" in offers.text, offers.text
        await client.press("Купить", message=offers)
        invoice = client.last.invoice
        assert invoice is not None and invoice.payload.startswith("package:")
        amount = invoice.prices[0].amount
        answer = await client.pre_checkout(invoice.payload, invoice.currency, amount)
        assert answer.show_alert is True, answer  # ok=True
        await client.pay(invoice.payload, invoice.currency, amount, charge)
        assert "Пакет оплачен" in client.last.text, client.last.text
        async with self.sessions() as session:
            purchase = await session.scalar(
                select(PackagePurchase).where(PackagePurchase.telegram_charge_id == charge)
            )
        assert purchase is not None
        return purchase, invoice

    async def client_with(self, user_id: int, offer: str) -> tuple[TgUser, PackagePurchase]:
        """An admin offers a package; a client signs up and buys it from the first card."""
        client = self.harness.user(user_id, "Анна")
        await self.offer(offer)
        await sign_up(client)
        purchase, _ = await self.buy(client, f"charge-{user_id}")
        return client, purchase

    async def free_slots(self, therapist_id: int, count: int) -> list[Slot]:
        """Free times of one therapist more than a day apart, a few days ahead."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Slot)
                .where(
                    Slot.therapist_id == therapist_id,
                    Slot.status == SlotStatus.free,
                    Slot.starts_at > self.clock.now() + timedelta(days=2),
                )
                .order_by(Slot.starts_at)
            )
            picked: list[Slot] = []
            for slot in rows:
                if all(
                    abs(slot.starts_at - other.starts_at) > timedelta(hours=26) for other in picked
                ):
                    picked.append(slot)
                if len(picked) == count:
                    return picked
        raise AssertionError("not enough free times")

    async def state(self, purchase_id: int) -> tuple[int, int, list[str]]:
        """The balance, the sum of the ledger's moves (always equal), and the moves."""
        async with self.sessions() as session:
            purchase = await session.get_one(PackagePurchase, purchase_id)
            moves = list(
                await session.scalars(
                    select(CreditMove)
                    .where(CreditMove.purchase_id == purchase_id)
                    .order_by(CreditMove.id)
                )
            )
        return purchase.balance, sum(move.delta for move in moves), [move.kind for move in moves]

    async def booking(self, booking_id: int) -> Booking:
        async with self.sessions() as session:
            return await session.get_one(Booking, booking_id)

    async def refunds(self) -> list[Refund]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Refund).order_by(Refund.id)))

    async def job(self) -> int:
        settings = self.harness.dispatcher["settings"]
        translator = self.harness.dispatcher["translator"]
        outbox = outbox_job(self.harness, settings, self.sessions, self.clock, translator)
        return await settle_packages(
            sessionmaker=self.sessions, settings=settings, clock=self.clock, outbox=outbox
        )


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions,
    database_url: str,
    clock: ManualClock,
    translator: Any,
    catalogue: None,
    mode: str,
) -> Practice:
    settings = make_settings(database_url, send_max_retries=0, **MODES[mode])
    return Practice(
        make_harness(settings, db_sessionmaker, clock, translator), db_sessionmaker, clock, mode
    )


async def book(client: TgUser, slot: Slot) -> str:
    """Tap «Записаться» for a time (as its confirmation's button does); what the bot says
    (the screen tapped on becomes the answer, and more may follow)."""
    target = client.last_with_buttons
    mark = client.mark()
    await client.tap(BookSlot(slot_id=slot.id).pack(), target)
    return "\n".join([target.text, *client.texts_since(mark)])


async def booked(practice: Practice, slot: Slot) -> Booking:
    async with practice.sessions() as session:
        found = await session.scalar(select(Booking).where(Booking.slot_id == slot.id))
    assert found is not None
    return found


async def test_buy_book_three_cancel_free_and_late_and_miss_one(practice: Practice) -> None:
    client = practice.harness.user(1801, "Анна")
    await practice.offer("all 4 10% 8")
    await sign_up(client)
    purchase, invoice = await practice.buy(client, "charge-pkg-1")
    assert (purchase.sessions, purchase.balance) == (4, 4)
    if practice.mode == "provider":
        # The package's receipt: one line, the whole price, an advance.
        receipt = json.loads(invoice.provider_data or "")["receipt"]
        [line] = receipt["items"]
        assert line["payment_mode"] == "advance" and line["quantity"] == "1.00"
        assert int(line["amount"]["value"].replace(".", "")) == invoice.prices[0].amount
        assert invoice.need_email and invoice.send_email_to_provider
    else:
        assert invoice.provider_data is None and invoice.currency == "XTR"
    assert await practice.state(purchase.id) == (4, 4, ["bought"])

    # Three sessions, each confirmed at once from the package: no invoice.
    slots = await practice.free_slots(purchase.therapist_id, 3)
    invoices = sum(shown.invoice is not None for shown in client.shown)
    for left, slot in zip((3, 2, 1), slots, strict=True):
        text = await book(client, slot)
        assert "Сессия взята из пакета" in text and f"В пакете осталось: {left}" in text, text
    assert sum(shown.invoice is not None for shown in client.shown) == invoices
    first, second, third = [await booked(practice, slot) for slot in slots]
    assert {b.status for b in (first, second, third)} == {BookingStatus.confirmed}
    assert {b.purchase_id for b in (first, second, third)} == {purchase.id}
    assert await practice.state(purchase.id) == (1, 1, ["bought", "held", "held", "held"])
    await client.send("/my")
    assert "Пакет с" in client.last.text and "свободно 1 из 4, ещё 3 в записях" in client.last.text

    # Cancelled in the free window: the credit comes back.
    await client.tap(CancelAsk(booking_id=first.id).pack())
    prompt = client.last
    assert "Сессия возвращается в ваш пакет" in prompt.text, prompt.text
    await client.tap(CancelConfirm(booking_id=first.id).pack(), prompt)
    assert "отменена" in prompt.text and "Сессия возвращается в ваш пакет" in prompt.text
    assert (await practice.state(purchase.id))[:2] == (2, 2)

    # Cancelled late: spent, and said so before.
    practice.clock.current = second.starts_at - timedelta(hours=3)
    await client.tap(CancelAsk(booking_id=second.id).pack())
    prompt = client.last
    assert "сессия из пакета списывается" in prompt.text, prompt.text
    await client.tap(CancelConfirm(booking_id=second.id).pack(), prompt)
    assert "отменена" in prompt.text and "сессия из пакета списывается" in prompt.text
    assert (await practice.state(purchase.id))[:2] == (2, 2)

    # A no-show: the therapist marks it; spent once, whatever the job does after.
    practice.clock.current = third.ends_at + timedelta(minutes=5)
    async with practice.sessions() as session:
        await bookings.mark_outcome(
            session,
            therapist_id=third.therapist_id,
            booking_id=third.id,
            status=BookingStatus.no_show,
            now=practice.clock.now(),
        )
    assert await practice.job() == 0
    balance, total, kinds = await practice.state(purchase.id)
    assert (balance, total) == (2, 2)
    assert kinds == ["bought", "held", "held", "held", "returned", "spent", "spent"]
    assert await practice.refunds() == []

    # The practice's numbers: one sold, two of its sessions spent, two owed (the free
    # ones), worth half of what was paid; the same in /stats and the CSV export.
    now = practice.clock.now()
    async with practice.sessions() as session:
        found = await packages.numbers(session, now - timedelta(days=30), now)
        mine = await packages.numbers(session, now - timedelta(days=30), now, third.therapist_id)
        other = await packages.numbers(session, now - timedelta(days=30), now, 10_000)
        columns, rows = await practice_numbers.export(session, now - timedelta(days=30), now)
    currency = purchase.currency
    assert (found.sold, found.spent, found.outstanding) == (1, 2, 2)
    assert found.sold_amount == {currency: purchase.amount} and found.refunded == {}
    assert found.outstanding_amount == {currency: purchase.amount // 2}
    assert mine == found and (other.sold, other.outstanding) == (0, 0)
    whole = dict(zip(columns, rows[0], strict=True))
    assert (whole["packages_sold"], whole["package_sessions_spent"]) == (1, 2)
    assert whole["package_sessions_outstanding"] == 2
    assert whole["packages_outstanding_amount"] == f"{currency}:{purchase.amount // 2}"
    admin = practice.harness.user(ADMIN_ID, "Админ")
    await admin.send("/stats")
    stats = "\n".join(shown.text for shown in admin.shown[-3:])
    assert "Пакеты сессий: продано 1" in stats and "списано 2" in stats, stats


async def test_a_held_session_is_spent_by_the_job_once_it_has_ended(practice: Practice) -> None:
    client, purchase = await practice.client_with(1802, "all 2 5000 4")
    [slot] = await practice.free_slots(purchase.therapist_id, 1)
    await book(client, slot)
    session_row = await booked(practice, slot)
    practice.clock.current = session_row.ends_at + timedelta(minutes=1)
    assert await practice.job() == 1
    assert await practice.job() == 0
    assert (await practice.state(purchase.id))[2] == ["bought", "held", "spent"]


async def test_one_credit_tapped_twice_at_once_books_once(practice: Practice) -> None:
    client, purchase = await practice.client_with(1803, "all 1 2500 4")
    one, other = await practice.free_slots(purchase.therapist_id, 2)
    card = client.last
    # The same time twice at once, and two times at once: one credit, one booking with it.
    await asyncio.gather(
        client.tap(BookSlot(slot_id=one.id).pack(), card),
        client.tap(BookSlot(slot_id=one.id).pack(), card),
        client.tap(BookSlot(slot_id=other.id).pack(), card),
    )
    async with practice.sessions() as session:
        rows = list(await session.scalars(select(Booking).order_by(Booking.id)))
    with_credit = [row for row in rows if row.purchase_id is not None]
    assert len(with_credit) == 1 and with_credit[0].status == BookingStatus.confirmed
    assert len({row.slot_id for row in rows}) == len(rows) <= 2
    # Whatever did not get the credit is a hold waiting for its invoice, as without one.
    assert all(
        row.status == BookingStatus.pending_payment for row in rows if row.purchase_id is None
    )
    assert (await practice.state(purchase.id))[:2] == (0, 0)


async def test_expiry_refunds_the_unused_credits_once(practice: Practice) -> None:
    client, purchase = await practice.client_with(1804, "all 4 10% 2")
    [slot] = await practice.free_slots(purchase.therapist_id, 1)
    await book(client, slot)
    practice.clock.current = purchase.expires_at + timedelta(minutes=1)
    admin_mark = len(practice.harness.telegram.chats.get(ADMIN_ID, []))
    mark = client.mark()
    assert await practice.job() == 2  # the session's credit spent, the package closed
    assert await practice.job() == 0
    [refund] = await practice.refunds()
    assert refund.purchase_id == purchase.id and refund.reason == "package_expired"
    assert refund.amount == purchase.amount * 3 // 4
    # A part of a payment: an admin returns it (Telegram returns Stars only whole).
    assert refund.status == "manual"
    assert any("Срок вашего пакета" in text and "3" in text for text in client.texts_since(mark))
    admins = [s.text for s in practice.harness.telegram.chats.get(ADMIN_ID, [])[admin_mark:]]
    assert any(purchase.telegram_charge_id in text for text in admins), admins
    balance, total, kinds = await practice.state(purchase.id)
    assert (balance, total) == (0, 0) and kinds[-1] == "refunded"


async def test_changing_therapist_refunds_a_whole_package_through_the_outbox(
    practice: Practice,
) -> None:
    """No credit used: the whole payment comes back; Stars through refundStarPayment by the
    outbox (a failed attempt tried again), a provider's in /refunds."""
    client, purchase = await practice.client_with(1805, "all 4 10% 8")
    [slot] = await practice.free_slots(purchase.therapist_id, 1)
    await book(client, slot)
    practice.harness.telegram.refund_errors = [(502, "Bad Gateway")]
    await client.send("/my")
    cabinet = client.last
    await client.press("Сменить терапевта", message=cabinet)
    await client.press("Неудобное расписание", message=cabinet)
    await client.press("Да, отменить", message=cabinet)
    # The sessions went back to the package first: all four are offered back.
    assert "4 неиспользованных сессий" in cabinet.text or "4 неиспользованные" in cabinet.text
    again = cabinet.button("Вернуть неиспользованное").callback_data
    await client.press("Вернуть неиспользованное", message=cabinet)
    assert "Пакет закрыт" in cabinet.text, cabinet.text
    [refund] = await practice.refunds()
    assert refund.amount == purchase.amount and refund.reason == "package_changed"
    if practice.mode == "stars":
        assert refund.status == "pending" and refund.attempts == 1  # the first try failed
        practice.clock.advance(seconds=60)
        translator = practice.harness.dispatcher["translator"]
        job = outbox_job(
            practice.harness,
            practice.harness.dispatcher["settings"],
            practice.sessions,
            practice.clock,
            translator,
        )
        await job.run()
        await job.run()
        [refund] = await practice.refunds()
        assert refund.status == "done"
        calls = [c for c in practice.harness.telegram.calls if isinstance(c, RefundStarPayment)]
        assert [c.telegram_payment_charge_id for c in calls] == ["charge-1805"] * 2
    else:
        assert refund.status == "manual"
    async with practice.sessions() as session:
        now = practice.clock.now()
        found = await packages.numbers(session, now - timedelta(days=7), now)
    assert found.refunded == {purchase.currency: purchase.amount} and found.outstanding == 0
    # Once: the button again finds nothing to refund.
    await client.tap(again, cabinet)
    assert "нечего возвращать" in client.last.text or "нечего возвращать" in cabinet.text
    assert len(await practice.refunds()) == 1


async def test_delete_me_mid_package_refunds_what_is_left(practice: Practice) -> None:
    client, purchase = await practice.client_with(1806, "all 4 20000 8")
    first, second = await practice.free_slots(purchase.therapist_id, 2)
    await book(client, first)
    await book(client, second)
    held = await booked(practice, first)
    practice.clock.current = held.ends_at + timedelta(minutes=1)  # the first one took place
    assert await practice.job() == 1
    await client.send("/delete_me")
    prompt = client.last
    assert "Пакеты сессий закроются" in prompt.text and "3 неиспользованные" in prompt.text
    await client.press("Да, удалить", message=prompt)
    [refund] = await practice.refunds()
    assert refund.reason == "package_erased" and refund.amount == purchase.amount * 3 // 4
    assert refund.status == "manual"  # a part of a payment, for either currency
    balance, total, kinds = await practice.state(purchase.id)
    assert (balance, total) == (0, 0)
    assert kinds == ["bought", "held", "held", "spent", "returned", "refunded"]
    async with practice.sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == client.id))
        assert user is None or user.deleted_at is not None
        upcoming = await session.scalar(
            select(func.count(Booking.id)).where(
                Booking.status == BookingStatus.confirmed,
                Booking.starts_at > practice.clock.now(),
            )
        )
    assert upcoming == 0  # the session to come was cancelled; the one held stays in history


async def test_a_regular_time_draws_from_the_package_then_falls_back_to_invoices(
    practice: Practice,
) -> None:
    client = practice.harness.user(1807, "Анна")
    await practice.offer("1 3 9000 8")
    await sign_up(client)
    purchase, _ = await practice.buy(client, "charge-pkg-7", therapist_id=1)
    assert purchase.therapist_id == 1
    [first] = await practice.free_slots(1, 1)
    await client.tap(SlotPick(slot_id=first.id).pack(), client.last_with_buttons)
    confirm = client.last
    assert "Оплата — из вашего пакета (свободно: 3)" in confirm.text, confirm.text
    await client.press("Записаться", message=confirm)
    booking = await booked(practice, first)
    assert booking.purchase_id == purchase.id and booking.status == BookingStatus.confirmed
    screen = client.last_with_buttons
    await client.tap(SeriesStart(booking_id=booking.id).pack(), message=screen)
    await client.press("Каждую неделю", message=screen)
    await client.press("✅ Да, сделать постоянным", message=screen)
    settings = practice.harness.dispatcher["settings"]
    for _ in range(3):  # weeks go by: the regular time books its next dates
        practice.clock.advance(days=7)
        await extend_free_slots(
            sessionmaker=practice.sessions,
            settings=settings,
            clock=practice.clock,
            rules=settings.rules(),
        )
    async with practice.sessions() as session:
        dates = list(
            await session.scalars(
                select(Booking)
                .where(Booking.series_id.is_not(None), Booking.client_id == booking.client_id)
                .order_by(Booking.starts_at)
            )
        )
    assert len(dates) >= 4, dates
    # The package's credits first (the first session's own, then two more dates), then
    # each date waits for its own invoice, as without a package.
    paid_by = [row.purchase_id for row in dates]
    assert paid_by[:3] == [purchase.id] * 3 and set(paid_by[3:]) == {None}
    assert [row.status for row in dates[:3]] == [BookingStatus.confirmed] * 3
    assert {row.status for row in dates[3:]} == {BookingStatus.pending_payment}
    assert (await practice.state(purchase.id))[:2] == (0, 0)


async def test_forged_package_buttons_and_payloads_sell_nothing(practice: Practice) -> None:
    """Button ids are untrusted: another therapist's package, an unknown one, a withdrawn
    one are refused at the button, at pre-checkout and, if paid anyway, refunded."""
    client = practice.harness.user(1808, "Анна")
    await practice.offer("1 3 9000 8")
    await sign_up(client)
    screen = client.last_with_buttons
    for therapist_id, package_id in ((2, 1), (1, 99)):
        answer = await client.tap(
            BuyPackage(package_id=package_id, therapist_id=therapist_id).pack(), screen
        )
        assert answer.text and "больше не продаётся" in answer.text
        refused = await client.pre_checkout(f"package:{package_id}:{therapist_id}", "XTR", 100)
        assert refused.show_alert is False  # ok=False
    await client.tap(PackageOffers(therapist_id=1).pack(), screen)
    offers = client.last
    await client.press("Купить", message=offers)
    invoice = client.last.invoice
    assert invoice is not None
    admin = practice.harness.user(ADMIN_ID, "Админ")
    await admin.send("/packages off 1")
    assert "снят с продажи" in admin.last.text
    amount = invoice.prices[0].amount
    stale = await client.pre_checkout(invoice.payload, invoice.currency, amount)
    assert stale.show_alert is False
    await client.pay(invoice.payload, invoice.currency, amount, "charge-pkg-8")
    async with practice.sessions() as session:
        assert await session.scalar(select(func.count(PackagePurchase.id))) == 0
    [refund] = await practice.refunds()
    assert refund.reason == "unmatched" and refund.amount == amount
    # A non-admin's /packages is not an admin command for them.
    await client.send("/packages add all 1 1 1")
    assert "добавлен" not in client.last.text
