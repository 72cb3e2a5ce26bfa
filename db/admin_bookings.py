"""The bookings admins see: lists by period and therapist, one booking with its client
and payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, Payment, User


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    client: User
    payment: str | None  # the latest payment's status; None when not paid online


async def payment_states(session: AsyncSession, booking_ids: list[int]) -> dict[int, str]:
    if not booking_ids:
        return {}
    rows = await session.execute(
        select(Payment.booking_id, Payment.status)
        .where(Payment.booking_id.in_(booking_ids))
        .order_by(Payment.created_at, Payment.id)
    )
    latest: dict[int, str] = {}
    for booking_id, status in rows.all():
        latest[booking_id] = status  # ordered by time: the latest wins
    return latest


async def _rows(session: AsyncSession, query: Select[Booking, User]) -> list[BookingRow]:
    pairs = (await session.execute(query)).all()
    payments = await payment_states(session, [booking.id for booking, _ in pairs])
    return [BookingRow(booking, client, payments.get(booking.id)) for booking, client in pairs]


def _bookings_query() -> Select[Booking, User]:
    return select(Booking, User).join(User, User.id == Booking.client_id)


async def bookings_between(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    therapist_id: int | None = None,
    limit: int,
) -> tuple[list[BookingRow], int]:
    """Bookings that start in [start, end), by start; and how many there are in all."""
    condition = (Booking.starts_at >= start) & (Booking.starts_at < end)
    if therapist_id is not None:
        condition &= Booking.therapist_id == therapist_id
    total = await session.scalar(select(func.count(Booking.id)).where(condition)) or 0
    rows = await _rows(
        session, _bookings_query().where(condition).order_by(Booking.starts_at).limit(limit)
    )
    return rows, int(total)


async def booking_row(session: AsyncSession, booking_id: int) -> BookingRow | None:
    rows = await _rows(session, _bookings_query().where(Booking.id == booking_id))
    return rows[0] if rows else None
