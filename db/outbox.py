"""The outbox: what a change of a booking owes other people (notices) and money (refunds),
written as rows in the change's own transaction and delivered afterwards by one job
(`scheduler.outbox`), so a crash or a Telegram error between "done" and "told" loses
nothing.

Rows are claimed before they are worked on, as reminders are: on PostgreSQL `SELECT … FOR
UPDATE SKIP LOCKED` then an update, on SQLite a conditional update per row, so of several
processes (or the job and a handler asking for its own rows at once) exactly one gets each
row. A failed try hands the row back with a later `due_at` (the wait doubles each time);
a claim older than `CLAIM_TIMEOUT` belonged to a process that died and is handed back."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Notice, Payment, PaymentStatus, Refund

CLAIM_TIMEOUT = timedelta(minutes=10)
PENDING_NOTICES = "outbox:notices"
PENDING_REFUNDS = "outbox:refunds"

Row = type[Notice] | type[Refund]


class To(enum.StrEnum):
    client = "client"
    therapist = "therapist"
    group = "group"  # the practice's group (THERAPIST_CHAT_ID)
    admins = "admins"


class RefundStatus(enum.StrEnum):
    pending = "pending"  # Stars: the job returns them
    manual = "manual"  # an admin returns the money by hand and marks it done
    done = "done"


class RefundReason(enum.StrEnum):
    cancelled = "cancelled"  # called off in the free window, or by the practice
    lost = "lost"  # paid after the hold lapsed and the time went to someone else
    mismatch = "mismatch"  # the amount or currency is not the booking's price
    twice = "twice"  # the session was paid already
    unmatched = "unmatched"  # the payment names no booking of its payer


def _remember(session: AsyncSession, key: str, row_id: int) -> None:
    session.info.setdefault(key, []).append(row_id)


def written(session: AsyncSession) -> tuple[list[int], list[int]]:
    """The notices and refunds this session wrote since last asked (committed or not: a
    row that was rolled back is simply not found when it is claimed)."""
    return session.info.pop(PENDING_NOTICES, []), session.info.pop(PENDING_REFUNDS, [])


async def notify(
    session: AsyncSession,
    recipient: To,
    event: str,
    now: datetime,
    *,
    booking_id: int | None = None,
    refund_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    notice_id = await session.scalar(
        insert(Notice)
        .values(
            recipient=recipient,
            event=event,
            booking_id=booking_id,
            refund_id=refund_id,
            details=details,
            created_at=now,
            due_at=now,
            attempts=0,
        )
        .returning(Notice.id)
    )
    assert notice_id is not None
    _remember(session, PENDING_NOTICES, notice_id)
    return int(notice_id)


async def notify_all(
    session: AsyncSession,
    recipients: Sequence[To],
    event: str,
    now: datetime,
    *,
    booking_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> list[int]:
    """`notify` for several recipients of one event, in one statement."""
    rows = [
        {
            "recipient": recipient,
            "event": event,
            "booking_id": booking_id,
            "refund_id": None,
            "details": details,
            "created_at": now,
            "due_at": now,
            "attempts": 0,
        }
        for recipient in recipients
    ]
    ids = [
        int(notice_id)
        for notice_id in await session.scalars(insert(Notice).returning(Notice.id), rows)
    ]
    for notice_id in ids:
        _remember(session, PENDING_NOTICES, notice_id)
    return ids


async def refund_payment(
    session: AsyncSession,
    payment: Payment,
    reason: RefundReason,
    now: datetime,
    *,
    payer_telegram_id: int | None,
    stars: bool,
) -> int:
    """A refund for a recorded payment; the payment is marked as waiting for it."""
    await session.execute(
        update(Payment)
        .where(Payment.id == payment.id)
        .values(status=PaymentStatus.refund_pending)
        .execution_options(synchronize_session=False)
    )
    return await refund(
        session,
        reason,
        now,
        payment_id=payment.id,
        booking_id=payment.booking_id,
        amount=payment.amount,
        currency=payment.currency,
        telegram_charge_id=payment.telegram_charge_id,
        provider_charge_id=payment.provider_charge_id,
        payer_telegram_id=payer_telegram_id,
        stars=stars,
    )


async def refund(
    session: AsyncSession,
    reason: RefundReason,
    now: datetime,
    *,
    payment_id: int | None,
    booking_id: int | None,
    amount: int,
    currency: str,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    payer_telegram_id: int | None,
    stars: bool,
) -> int:
    """Money to give back. Stars with a known payer go back automatically; anything else
    is the admins' to return, and they are told in the same transaction."""
    automatic = stars and payer_telegram_id is not None
    refund_id = await session.scalar(
        insert(Refund)
        .values(
            payment_id=payment_id,
            booking_id=booking_id,
            amount=amount,
            currency=currency,
            telegram_charge_id=telegram_charge_id,
            provider_charge_id=provider_charge_id,
            payer_telegram_id=payer_telegram_id if automatic else None,
            reason=reason,
            status=RefundStatus.pending if automatic else RefundStatus.manual,
            created_at=now,
            due_at=now,
            attempts=0,
            finished_at=None if automatic else now,
        )
        .returning(Refund.id)
    )
    assert refund_id is not None
    if automatic:
        _remember(session, PENDING_REFUNDS, refund_id)
    else:
        await notify(session, To.admins, "refund-needed", now, refund_id=refund_id)
    return int(refund_id)


# -- claiming ----------------------------------------------------------------------------


def _waiting(model: Row, now: datetime) -> Any:
    return model.finished_at.is_(None) & model.claimed_at.is_(None) & (model.due_at <= now)


async def claim_due(
    session: AsyncSession,
    model: Row,
    now: datetime,
    *,
    limit: int,
    only: Collection[int] | None = None,
) -> list[int]:
    """Claim up to `limit` due rows (of `only`, when given), oldest first; each id is
    handed to one caller only, however many processes ask at once. Commits."""
    due = select(model.id).where(_waiting(model, now)).order_by(model.due_at, model.id)
    if only is not None:
        if not only:
            return []
        due = due.where(model.id.in_(only))
    due = due.limit(limit)
    claim = (
        update(model)
        .where(_waiting(model, now))
        .values(claimed_at=now, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = list(await session.scalars(due.with_for_update(skip_locked=True)))
        claimed = (
            list(await session.scalars(claim.where(model.id.in_(ids)).returning(model.id)))
            if ids
            else []
        )
    else:
        claimed = []
        for row_id in list(await session.scalars(due)):
            result = await session.execute(claim.where(model.id == row_id))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(row_id)
    await session.commit()
    return claimed


async def release_stale_claims(session: AsyncSession, model: Row, now: datetime) -> int:
    """Hand back claims whose worker died (the process was killed mid-send)."""
    result = await session.execute(
        update(model)
        .where(model.finished_at.is_(None), model.claimed_at < now - CLAIM_TIMEOUT)
        .values(claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def retry_delay(attempts: int, first_seconds: int) -> timedelta:
    return timedelta(seconds=first_seconds * 2 ** max(attempts - 1, 0))


async def try_later(session: AsyncSession, model: Row, row_id: int, due_at: datetime) -> None:
    """Hand a claimed row back for another try at `due_at`. Does not commit."""
    await session.execute(
        update(model)
        .where(model.id == row_id)
        .values(claimed_at=None, due_at=due_at)
        .execution_options(synchronize_session=False)
    )


async def finish_notice(session: AsyncSession, notice_id: int, outcome: str, now: datetime) -> None:
    """Close a notice (sent, skipped, blocked or failed). Does not commit."""
    await session.execute(
        update(Notice)
        .where(Notice.id == notice_id)
        .values(finished_at=now, outcome=outcome)
        .execution_options(synchronize_session=False)
    )


async def open_refunds(session: AsyncSession, *, limit: int) -> list[Refund]:
    """Refunds waiting for an admin, oldest first."""
    rows = await session.scalars(
        select(Refund)
        .where(Refund.status == RefundStatus.manual)
        .order_by(Refund.created_at, Refund.id)
        .limit(limit)
    )
    return list(rows)
