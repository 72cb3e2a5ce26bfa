"""A regular time with payments: cancelling "this and following" applies the usual rules to
each paid session it touches (a free cancellation refunded, a late one not), and says so
before the tap."""

from __future__ import annotations

from datetime import timedelta

from aiogram.methods import RefundStarPayment
from sqlalchemy import select

from bot.config import Settings
from db.models import Booking, BookingStatus, Payment, Series
from keyboards.catalog import SlotPick
from keyboards.series import SeriesStart
from keyboards.therapist import SessionCard
from tests.conftest import ManualClock, make_settings, outbox_job
from tests.fake_telegram import Harness, TgUser
from tests.flows import sign_up
from tests.test_series import (
    THERAPIST_CHAT,
    Sessions,
    first_slot_after,
    linked_practice,
    occurrences,
    open_session,
    the_series,
)


async def pay_last_invoice(client: TgUser, charge_id: str) -> None:
    invoice = client.last.invoice
    assert invoice is not None, client.last.text
    await client.pay(invoice.payload, invoice.currency, invoice.prices[0].amount, charge_id)


def stars(database_url: str) -> Settings:
    return make_settings(database_url, payment_currency="XTR", stars_per_rub=0.5)


async def paid_weekly(
    sessions: Sessions, database_url: str, clock: ManualClock, translator, telegram_id: int
) -> tuple[Harness, TgUser, Series, Booking, Booking]:
    """A weekly regular time with payments in Stars, its first two sessions paid."""
    practice = await linked_practice(sessions, stars(database_url), clock, translator)
    client = practice.user(telegram_id, "Ира")
    await sign_up(client)
    first_slot = await first_slot_after(sessions, clock.now() + timedelta(days=2))
    await client.tap(SlotPick(slot_id=first_slot.id).pack())
    await client.press("Записаться", message=client.last)
    await pay_last_invoice(client, "charge-first")
    async with sessions() as session:
        first = await session.scalar(select(Booking).where(Booking.slot_id == first_slot.id))
    assert first is not None and first.status == BookingStatus.confirmed
    await client.send("/my")
    await client.tap(SeriesStart(booking_id=first.id).pack(), message=client.last)
    await client.press("Каждую неделю", message=client.last)
    await client.press("✅ Да, сделать постоянным", message=client.last)
    series = await the_series(sessions)
    _, second = await occurrences(sessions, series.id)
    assert second.status == BookingStatus.pending_payment
    # The client pays the next session early, from the cabinet.
    screen = await open_session(client, second)
    await client.press("Оплатить", message=screen)
    await pay_last_invoice(client, "charge-second")
    async with sessions() as session:
        assert (await session.get(Booking, second.id)).status == BookingStatus.confirmed
    return practice, client, series, first, second


async def payments_of(sessions: Sessions) -> dict[int, str]:
    async with sessions() as session:
        return {p.booking_id: p.status for p in await session.scalars(select(Payment))}


def refunded(practice: Harness) -> list[str]:
    calls = practice.telegram.calls
    return [c.telegram_payment_charge_id for c in calls if isinstance(c, RefundStarPayment)]


async def test_cancel_this_and_following_refunds_by_the_rules(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    practice, client, series, first, second = await paid_weekly(
        db_sessionmaker, database_url, clock, translator, 541
    )
    # Two hours before the first: cancelling it is late (kept), the second is free (refunded).
    clock.current = first.starts_at - timedelta(hours=2)
    screen = await open_session(client, first)
    await client.press("✖ Отменить", message=screen)
    await client.press("Эту и все следующие", message=screen)
    listed = screen.text
    [late] = [line for line in listed.splitlines() if "поздняя отмена" in line]
    [free] = [line for line in listed.splitlines() if "звёзды вернутся" in line]
    assert "не возвращается" in late and listed.index(late) < listed.index(free), listed
    await client.press("✖ Да, отменить и закончить", message=screen)
    async with db_sessionmaker() as session:
        assert (await session.get(Series, series.id)).ended_by == "client"
        for booking in (first, second):
            assert (await session.get(Booking, booking.id)).status == BookingStatus.cancelled
    assert await payments_of(db_sessionmaker) == {first.id: "paid", second.id: "refunded"}
    assert refunded(practice) == ["charge-second"]


async def test_the_therapist_ending_it_refunds_every_paid_session(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    practice, _client, series, first, second = await paid_weekly(
        db_sessionmaker, database_url, clock, translator, 542
    )
    # Two hours before the first, the therapist ends the regular time: the practice
    # cancels, so even the late one is refunded in full.
    clock.current = first.starts_at - timedelta(hours=2)
    therapist = practice.user(THERAPIST_CHAT, "Анна")
    await therapist.tap(SessionCard(booking_id=first.id).pack())
    card = therapist.last
    await therapist.press("⏹ Закончить постоянное время", message=card)
    await therapist.press("⏹ Да, закончить", message=card)
    async with db_sessionmaker() as session:
        assert (await session.get(Series, series.id)).ended_by == "therapist"
    settings = stars(database_url)
    await outbox_job(practice, settings, db_sessionmaker, clock, translator).run()
    assert await payments_of(db_sessionmaker) == {first.id: "refunded", second.id: "refunded"}
    assert sorted(refunded(practice)) == ["charge-first", "charge-second"]
