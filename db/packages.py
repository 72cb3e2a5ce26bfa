"""Prepaid packages of sessions: the ledger of a package's credits (`bot.rules.packages`).

A purchase's `balance` is the credits free to book with. Every movement is a row in
`credit_moves` (bought, held, spent, returned, refunded, expired) and changes the balance
with a guarded UPDATE in the same statement order, so the balance is always the sum of
the moves and two taps at once cannot spend one credit twice: the second UPDATE finds
no credit and changes nothing (the database also refuses a balance below zero).

`record_purchase` is a use case of its own (a payment arrives); `hold`, `spend`,
`give_back` and `close` move credits inside the use case of the booking change they
belong to (they never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.packages import refund_for
from db.models import CreditKind, CreditMove, PackagePurchase
from db.transactions import use_case


@dataclass(frozen=True)
class Closed:
    """Unused credits taken off a purchase, and what they are worth back."""

    purchase_id: int
    credits: int
    refund: int  # in the purchase's currency's smallest unit
    currency: str


async def record_purchase(
    session: AsyncSession,
    *,
    client_id: int,
    therapist_id: int,
    package_id: int | None,
    sessions: int,
    amount: int,
    currency: str,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    expires_at: datetime,
    now: datetime,
) -> PackagePurchase:
    """A paid package: its credits, all free."""
    async with use_case(session):
        purchase = PackagePurchase(
            client_id=client_id,
            therapist_id=therapist_id,
            package_id=package_id,
            sessions=sessions,
            amount=amount,
            currency=currency,
            telegram_charge_id=telegram_charge_id,
            provider_charge_id=provider_charge_id,
            bought_at=now,
            expires_at=expires_at,
            balance=sessions,
        )
        session.add(purchase)
        await session.flush()
        _move(session, purchase.id, None, CreditKind.bought, sessions, now)
    return purchase


def _move(
    session: AsyncSession,
    purchase_id: int,
    booking_id: int | None,
    kind: CreditKind,
    delta: int,
    now: datetime,
) -> None:
    session.add(
        CreditMove(
            purchase_id=purchase_id, booking_id=booking_id, kind=kind, delta=delta, created_at=now
        )
    )


async def balance(session: AsyncSession, client_id: int, therapist_id: int, now: datetime) -> int:
    """Credits free to book with this therapist now."""
    total = await session.scalar(
        select(func.sum(PackagePurchase.balance)).where(
            PackagePurchase.client_id == client_id,
            PackagePurchase.therapist_id == therapist_id,
            PackagePurchase.closed_at.is_(None),
            PackagePurchase.expires_at > now,
        )
    )
    return int(total or 0)


async def hold(
    session: AsyncSession, client_id: int, therapist_id: int, booking_id: int, now: datetime
) -> int | None:
    """Hold one credit for a booking, from the package that expires first; the purchase
    it came from, or None when there is no free credit (then the booking is paid as
    usual)."""
    candidates = await session.scalars(
        select(PackagePurchase.id)
        .where(
            PackagePurchase.client_id == client_id,
            PackagePurchase.therapist_id == therapist_id,
            PackagePurchase.closed_at.is_(None),
            PackagePurchase.expires_at > now,
            PackagePurchase.balance > 0,
        )
        .order_by(PackagePurchase.expires_at, PackagePurchase.id)
    )
    for purchase_id in list(candidates):
        taken = await session.execute(
            update(PackagePurchase)
            .where(
                PackagePurchase.id == purchase_id,
                PackagePurchase.balance > 0,
                PackagePurchase.closed_at.is_(None),
            )
            .values(balance=PackagePurchase.balance - 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            _move(session, purchase_id, booking_id, CreditKind.held, -1, now)
            return purchase_id
    return None


async def held_for(session: AsyncSession, booking_id: int) -> int | None:
    """The purchase whose credit the booking holds now (held, not yet spent or back)."""
    rows = await session.execute(
        select(CreditMove.purchase_id, CreditMove.kind).where(CreditMove.booking_id == booking_id)
    )
    open_by: dict[int, int] = {}
    for purchase_id, kind in rows.all():
        # A credit a booking held is settled by spending it, or by its coming back
        # (to the balance, or as money when the package was closed meanwhile).
        step = {
            CreditKind.held: 1,
            CreditKind.spent: -1,
            CreditKind.returned: -1,
            CreditKind.refunded: -1,
        }.get(CreditKind(kind), 0)
        open_by[purchase_id] = open_by.get(purchase_id, 0) + step
    return next((purchase for purchase, count in open_by.items() if count > 0), None)


async def spend(session: AsyncSession, booking_id: int, now: datetime) -> bool:
    """The held credit paid for its session (held, completed, a no-show, a late
    cancellation); False when the booking holds none."""
    purchase_id = await held_for(session, booking_id)
    if purchase_id is None:
        return False
    _move(session, purchase_id, booking_id, CreditKind.spent, 0, now)
    return True


@dataclass(frozen=True)
class GivenBack:
    """A held credit that came back: to the package's balance, or, the package being
    closed meanwhile, as money (`refund`: one credit's worth)."""

    purchase_id: int
    refund: Closed | None


async def give_back(session: AsyncSession, booking_id: int, now: datetime) -> GivenBack | None:
    """The held credit comes back (a free cancellation, a move, the practice cancelling,
    a lapsed request); None when the booking holds none. A package closed meanwhile
    (refunded, expired) cannot take it: the credit is refunded instead."""
    purchase_id = await held_for(session, booking_id)
    if purchase_id is None:
        return None
    returned = await session.execute(
        update(PackagePurchase)
        .where(PackagePurchase.id == purchase_id, PackagePurchase.closed_at.is_(None))
        .values(balance=PackagePurchase.balance + 1)
        .execution_options(synchronize_session=False)
    )
    if returned.rowcount == 1:  # type: ignore[attr-defined]
        _move(session, purchase_id, booking_id, CreditKind.returned, 1, now)
        return GivenBack(purchase_id, None)
    purchase = await session.get_one(PackagePurchase, purchase_id)
    _move(session, purchase_id, booking_id, CreditKind.refunded, 0, now)
    worth = refund_for(purchase.amount, purchase.sessions, 1)
    return GivenBack(purchase_id, Closed(purchase_id, 1, worth, purchase.currency))


async def close(
    session: AsyncSession, purchase_id: int, kind: CreditKind, now: datetime
) -> Closed | None:
    """Take every free credit off a purchase (it expired, or is refunded: a change of
    therapist, an erasure) and say what they are worth back; None when it was closed
    already. Credits held by bookings stay with them."""
    if kind not in (CreditKind.refunded, CreditKind.expired):
        raise ValueError("a purchase closes as refunded or expired")
    purchase = await session.get(PackagePurchase, purchase_id, populate_existing=True)
    if purchase is None or purchase.closed_at is not None:
        return None
    unused = purchase.balance
    closed = await session.execute(
        update(PackagePurchase)
        .where(
            PackagePurchase.id == purchase_id,
            PackagePurchase.closed_at.is_(None),
            PackagePurchase.balance == unused,
        )
        .values(balance=0, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # moved meanwhile: the caller's transaction is retried or refused
    _move(session, purchase_id, None, kind, -unused, now)
    return Closed(
        purchase_id,
        unused,
        refund_for(purchase.amount, purchase.sessions, unused),
        purchase.currency,
    )
