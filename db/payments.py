"""Payments and their refunds: reads, and what happens once money has gone back (or could
not go back automatically). Payments themselves are recorded by `db.bookings.settle`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit, events, outbox
from db.models import Payment, PaymentStatus, Refund
from db.outbox import RefundStatus
from db.transactions import use_case

__all__ = ["PaymentStatus"]


async def payment_of(session: AsyncSession, booking_id: int) -> Payment | None:
    """The payment that stands for the booking: the one kept (a second payment of the same
    session goes back), else the latest."""
    kept_first = case((Payment.status == PaymentStatus.paid, 0), else_=1)
    return await session.scalar(
        select(Payment)
        .where(Payment.booking_id == booking_id)
        .order_by(kept_first, Payment.id.desc())
        .limit(1)
    )


async def _returned(
    session: AsyncSession, refund: Refund, now: datetime, *, admin: int | None
) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund.id)
        .values(
            status=RefundStatus.done,
            finished_at=now,
            done_at=now,
            done_by=admin,
            claimed_at=None,
            payer_telegram_id=None,
        )
        .execution_options(synchronize_session=False)
    )
    if refund.payment_id is not None:
        await session.execute(
            update(Payment)
            .where(Payment.id == refund.payment_id)
            .values(status=PaymentStatus.refunded, refunded_at=now)
            .execution_options(synchronize_session=False)
        )
    if refund.booking_id is not None:
        done = events.RefundDone(booking_id=refund.booking_id, refund_id=refund.id)
        await outbox.notify(session, done, now)


async def refund_returned(session: AsyncSession, refund: Refund, now: datetime) -> None:
    """Telegram returned the Stars: the payment is refunded and the client told."""
    async with use_case(session):
        await _returned(session, refund, now, admin=None)


async def refund_to_admins(
    session: AsyncSession, refund: Refund, error: str, now: datetime
) -> None:
    """The last automatic try failed: the refund waits for an admin, who is told, and the
    client learns that the money comes back a little later."""
    async with use_case(session):
        await session.execute(
            update(Refund)
            .where(Refund.id == refund.id)
            .values(status=RefundStatus.manual, finished_at=now, claimed_at=None, last_error=error)
            .execution_options(synchronize_session=False)
        )
        await outbox.notify(session, events.RefundFailed(refund_id=refund.id), now)
        if refund.booking_id is not None:
            delayed = events.RefundDelayed(booking_id=refund.booking_id, refund_id=refund.id)
            await outbox.notify(session, delayed, now)


async def mark_refund_done(
    session: AsyncSession, refund_id: int, *, admin: int, now: datetime
) -> Refund | None:
    """An admin returned the money by hand; None when the refund is not waiting for that
    (unknown, or marked done already)."""
    async with use_case(session):
        refund = await session.get(Refund, refund_id)
        if refund is None or refund.status != RefundStatus.manual:
            return None
        await _returned(session, refund, now, admin=admin)
        audit.add(
            session,
            actor=admin,
            action="refund.done",
            target=f"refund:{refund_id}",
            details={"booking": refund.booking_id},
            now=now,
        )
    await session.refresh(refund)
    return refund
