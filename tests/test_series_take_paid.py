"""With payments on, a missed date of a regular time taken at another time 12–24 hours
ahead (past its free-cancellation deadline already): the session is held for a payment
hold from now, its invoice comes at once, and it is not released the moment it is made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import Booking, BookingStatus, Slot
from scheduler.holds import release_expired_holds
from scheduler.reminders import send_due_reminders
from tests.conftest import ManualClock, make_settings, outbox_job
from tests.test_series import (
    MOSCOW,
    Sessions,
    linked_practice,
    occurrences,
    paid_weekly,
)
from tests.test_series_take import miss_the_third_date, takes


async def test_a_missed_date_taken_late_is_held_for_its_payment(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    settings = make_settings(database_url, payment_currency="XTR")
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    client = practice.user(544, "Рита")
    series = await paid_weekly(client, db_sessionmaker, clock)
    first = (await occurrences(db_sessionmaker, series.id))[0]
    missed_day = (first.starts_at + timedelta(weeks=2)).astimezone(MOSCOW).date()
    notice = await miss_the_third_date(
        practice, db_sessionmaker, settings, clock, translator, client, first
    )
    picks = takes(notice)
    assert picks
    # Time passes; the client takes one of that week's other times 18 hours before it,
    # past its free-cancellation deadline (24 hours before).
    async with db_sessionmaker() as session:
        slots = {p.slot_id: await session.get(Slot, p.slot_id) for p in picks}
    pick = next(p for p in picks if slots[p.slot_id].starts_at > clock.now() + timedelta(days=1))
    later = slots[pick.slot_id]
    clock.current = later.starts_at - timedelta(hours=18)
    index = [p.slot_id for p in picks].index(pick.slot_id)
    label = notice.buttons[index]
    await client.press(label, message=notice)
    ask = client.last
    await client.press("✅ Да, записать", message=ask)
    assert "Записали" in ask.text, ask.text
    async with db_sessionmaker() as session:
        booking = await session.scalar(
            select(Booking).where(
                Booking.series_id == series.id, Booking.series_day == missed_day.isoformat()
            )
        )
    assert booking is not None and booking.starts_at == later.starts_at
    assert booking.status == BookingStatus.pending_payment
    # A sane deadline: a payment hold from now, not the free-cancellation one long gone.
    assert booking.hold_expires_at == clock.now() + timedelta(minutes=15)

    outbox = outbox_job(practice, settings, db_sessionmaker, clock, translator)
    # The holds job right away leaves it alone; the invoice comes at once.
    await release_expired_holds(
        sessionmaker=db_sessionmaker, rules=settings.rules(), clock=clock, outbox=outbox
    )
    invoices = sum(1 for s in practice.telegram.chats[544] if s.invoice)
    await send_due_reminders(
        sessionmaker=db_sessionmaker,
        outgoing=outbox.outgoing,
        translator=translator,
        settings=settings,
        clock=clock,
    )
    assert sum(1 for s in practice.telegram.chats[544] if s.invoice) == invoices + 1
    async with db_sessionmaker() as session:
        held = await session.get(Booking, booking.id)
        assert held is not None and held.status == BookingStatus.pending_payment
    # Unpaid past its hold: released as any hold.
    clock.advance(minutes=16)
    await release_expired_holds(
        sessionmaker=db_sessionmaker, rules=settings.rules(), clock=clock, outbox=outbox
    )
    async with db_sessionmaker() as session:
        gone = await session.get(Booking, booking.id)
        assert gone is not None and gone.cancelled_by == "hold_expired"
