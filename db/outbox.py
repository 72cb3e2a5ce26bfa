"""The outbox: what a change of a booking owes other people (notices) and money (refunds),
written as rows in the change's own transaction and delivered afterwards by one job
(`scheduler.outbox`), so a crash or a Telegram error between "done" and "told" loses
nothing.

Rows are claimed before they are worked on, as reminders are: on PostgreSQL `SELECT … FOR
UPDATE SKIP LOCKED` then an update, on SQLite a conditional update per row, so of several
processes (or the job and a handler asking for its own rows at once) exactly one gets each
row. A failed try hands the row back with a later `due_at` (the wait doubles each time);
a claim older than `CLAIM_TIMEOUT` belonged to a process that died and is handed back.

An update's own notices skip the claim: its session is marked `deliver_at_once`, so they
are written claimed already (one multi-row INSERT at the use case's commit), rendered from
the rows that session holds, and finished with the update (`finish_with_update`), in the
inbox's own closing transaction. If the process dies between, the claim goes stale and the
job sends them."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.util import identity_key

from db.dialects import is_postgres
from db.events import AnyEvent, RefundNeeded, To, stored
from db.models import Booking, Notice, Payment, PaymentStatus, Refund, Therapist

__all__ = ["To"]  # who a notice is for: kept here too for the use cases that import it

CLAIM_TIMEOUT = timedelta(minutes=10)
PENDING_NOTICES = "outbox:notices"
PENDING_REFUNDS = "outbox:refunds"
AT_ONCE = "outbox:at-once"  # this session's holder delivers its notices itself
CLAIMED = "outbox:claimed"  # notices written claimed, not committed yet
INSERTED = "outbox:inserted"  # … inserted by the commit under way
COMMITTED = "outbox:committed"  # … and committed: for the holder to deliver
KEPT = "outbox:kept"  # the bookings they tell of, held for rendering

Row = type[Notice] | type[Refund]


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
    # A package's unused credits (`db.packages`): the client changed therapist, the
    # package expired, the client erased their data, or a held credit came back to a
    # package closed meanwhile.
    package_changed = "package_changed"
    package_expired = "package_expired"
    package_erased = "package_erased"
    package_returned = "package_returned"


def _remember(session: AsyncSession, key: str, row_id: int) -> None:
    session.info.setdefault(key, []).append(row_id)


def deliver_at_once(session: AsyncSession) -> None:
    """Whoever holds `session` delivers the notices it writes as soon as they are committed
    (`committed`): they are written claimed, so no other process takes them meanwhile."""
    session.info[AT_ONCE] = True


# Notices written claimed: (the transaction they were written in, their row), inserted
# all in one statement when the session commits.
Claimed = list[tuple[SessionTransaction | None, dict[str, Any]]]


@event.listens_for(Session, "before_commit")
def _insert_claimed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its rows go in with the whole transaction
    claimed: Claimed = session.info.pop(CLAIMED, [])
    if claimed:
        rows = [row for _, row in claimed]
        inserted = list(session.scalars(insert(Notice).values(rows).returning(Notice)))
        session.info[INSERTED] = inserted


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    inserted = session.info.pop(INSERTED, None)
    if inserted:
        session.info.setdefault(COMMITTED, []).extend(inserted)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """What a rolled-back savepoint (or the whole transaction) wrote is not written."""
    session.info.pop(INSERTED, None)

    def within(transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction is previous:
                return True
            transaction = transaction.parent
        return False

    claimed: Claimed = session.info.get(CLAIMED, [])
    if claimed:
        session.info[CLAIMED] = [
            (transaction, row)
            for transaction, row in claimed
            if not within(transaction) and not (transaction is None and previous.parent is None)
        ]


def committed(session: AsyncSession) -> list[Notice]:
    """The notices `session` wrote claimed and committed since last asked."""
    notices: list[Notice] = session.info.pop(COMMITTED, [])
    if not notices:
        session.info.pop(KEPT, None)
    return notices


def let_go(session: AsyncSession) -> None:
    """The rows kept for rendering notices are no longer needed."""
    session.info.pop(KEPT, None)


# The outcomes of notices delivered while handling an update taken from the inbox: the
# inbox records them when it finishes the update, in the same transaction.
_with_update: contextvars.ContextVar[list[tuple[int, str]] | None] = contextvars.ContextVar(
    "outbox_with_update", default=None
)


def collect_with_update() -> list[tuple[int, str]]:
    """From now on in this task, finished notices wait for the update's own finish."""
    collected: list[tuple[int, str]] = []
    _with_update.set(collected)
    return collected


def finish_with_update(outcomes: Iterable[tuple[int, str]]) -> bool:
    """Hand finished notices to the update's own finish; False when no update collects
    them (the caller finishes them itself)."""
    collected = _with_update.get()
    if collected is None:
        return False
    collected.extend(outcomes)
    return True


def written(session: AsyncSession) -> tuple[list[int], list[int]]:
    """The notices and refunds this session wrote since last asked (committed or not: a
    row that was rolled back is simply not found when it is claimed)."""
    return session.info.pop(PENDING_NOTICES, []), session.info.pop(PENDING_REFUNDS, [])


async def notify(session: AsyncSession, event: AnyEvent, now: datetime) -> None:
    """Owe `event`'s recipient a word about it (`db.events`): a row, sent afterwards."""
    row = stored(event)
    if session.info.get(AT_ONCE):
        # Inserted at the commit, with the other notices of the change, in one statement.
        values = {
            "recipient": row.recipient,
            "event": row.event,
            "booking_id": row.booking_id,
            "refund_id": row.refund_id,
            "details": row.details,
            "created_at": now,
            "due_at": now,
            "claimed_at": now,
            "attempts": 1,
        }
        sync = session.sync_session
        transaction = sync.get_nested_transaction() or sync.get_transaction()
        session.info.setdefault(CLAIMED, []).append((transaction, values))
        if row.booking_id is not None:
            # The session holds its rows weakly: the booking (and its therapist) stay at
            # hand for rendering the notice, however the use case's caller drops them.
            booking = session.identity_map.get(identity_key(Booking, row.booking_id))
            if booking is not None:
                therapist = session.identity_map.get(identity_key(Therapist, booking.therapist_id))
                session.info.setdefault(KEPT, []).extend((booking, therapist))
        return
    notice_id = await session.scalar(
        insert(Notice)
        .values(
            recipient=row.recipient,
            event=row.event,
            booking_id=row.booking_id,
            refund_id=row.refund_id,
            details=row.details,
            created_at=now,
            due_at=now,
            attempts=0,
        )
        .returning(Notice.id)
    )
    assert notice_id is not None
    _remember(session, PENDING_NOTICES, int(notice_id))


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
    purchase_id: int | None = None,
) -> int:
    """Money to give back. Stars with a known payer go back automatically; anything else
    is the admins' to return, and they are told in the same transaction. `purchase_id`:
    a package's credits, refunded in parts (a charge id may then have several)."""
    automatic = stars and payer_telegram_id is not None
    refund_id = await session.scalar(
        insert(Refund)
        .values(
            payment_id=payment_id,
            booking_id=booking_id,
            purchase_id=purchase_id,
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
        await notify(session, RefundNeeded(refund_id=refund_id), now)
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
    if is_postgres(session):
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


async def finish_notices(
    session: AsyncSession, outcomes: Iterable[tuple[int, str]], now: datetime
) -> None:
    """Close notices, each with its outcome, in one statement. Does not commit."""
    outcome_of = dict(outcomes)
    if not outcome_of:
        return
    await session.execute(
        update(Notice)
        .where(Notice.id.in_(outcome_of))
        .values(finished_at=now, outcome=case(outcome_of, value=Notice.id))
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
