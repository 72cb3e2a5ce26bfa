"""Prepaid packages of sessions: the ledger of a package's credits (`bot.rules.packages`).

A purchase's `balance` is the credits free to book with. Every movement is a row in
`credit_moves` (bought, held, spent, returned, refunded, expired) and changes the balance
with a guarded UPDATE in the same statement order, so the balance is always the sum of
the moves and two taps at once cannot spend one credit twice: the second UPDATE finds
no credit and changes nothing (the database also refuses a balance below zero).

`record_purchase` is a use case of its own (a payment arrives); `take` and `held`,
`spend`, `give_back` and `close` move credits inside the use case of the booking change
they belong to (they never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.packages import expires_at as valid_until
from bot.rules.packages import package_price, refund_for, refunded_by_telegram
from db import audit, events, outbox
from db.dialects import insert_for
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CreditKind,
    CreditMove,
    Package,
    PackagePurchase,
    Refund,
    Therapist,
    User,
)
from db.outbox import RefundReason
from db.transactions import use_case
from db.users import record_event


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
) -> PackagePurchase | None:
    """A paid package: its credits, all free. None when this charge was recorded already
    (a payment delivered twice, or twice at once: the charge id is unique)."""
    async with use_case(session):
        purchase = await session.scalar(
            insert_for(session, PackagePurchase)
            .values(
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
            .on_conflict_do_nothing(index_elements=[PackagePurchase.telegram_charge_id])
            .returning(PackagePurchase)
        )
        if not isinstance(purchase, PackagePurchase):
            return None
        _move(session, purchase.id, None, CreditKind.bought, sessions, now)
        await record_event(session, "package", now)
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


def credits_for(client_id: int, therapist_id: Any, starts_at: Any) -> ScalarSelect[int]:
    """The credits a client has with a therapist for a session starting at `starts_at`,
    as a subquery (read with the slot a booking is about: no statement of its own). A
    credit pays for a session that starts before its package expires."""
    return (
        select(func.coalesce(func.sum(PackagePurchase.balance), 0))
        .where(
            PackagePurchase.client_id == client_id,
            PackagePurchase.therapist_id == therapist_id,
            PackagePurchase.closed_at.is_(None),
            PackagePurchase.expires_at > starts_at,
        )
        .scalar_subquery()
    )


async def take(
    session: AsyncSession,
    client_id: int,
    therapist_id: int,
    starts_at: datetime,
    *,
    seen: bool = False,
) -> int | None:
    """Take one credit for a session at `starts_at`, from the package that expires first;
    the purchase it came from, or None when there is none (the session is then paid by an
    invoice). One guarded UPDATE: two taps at once cannot take one credit twice (the
    second finds the balance gone and takes nothing). `seen`: the caller has just read
    that there are credits; if another tap emptied the first package meanwhile, the next
    one is tried. `held` records the move once the booking exists."""
    first = (
        select(PackagePurchase.id)
        .where(
            PackagePurchase.client_id == client_id,
            PackagePurchase.therapist_id == therapist_id,
            PackagePurchase.closed_at.is_(None),
            PackagePurchase.expires_at > starts_at,
            PackagePurchase.balance > 0,
        )
        .order_by(PackagePurchase.expires_at, PackagePurchase.id)
        .limit(1)
        .scalar_subquery()
    )
    for _ in range(2 if seen else 1):
        taken = await session.scalar(
            update(PackagePurchase)
            .where(
                PackagePurchase.id == first,
                PackagePurchase.balance > 0,
                PackagePurchase.closed_at.is_(None),
            )
            .values(balance=PackagePurchase.balance - 1)
            .returning(PackagePurchase.id)
            .execution_options(synchronize_session=False)
        )
        if taken is not None:
            return int(taken)
    return None


def held(session: AsyncSession, purchase_id: int, booking_id: int, now: datetime) -> None:
    """The credit `take` took now belongs to the booking."""
    _move(session, purchase_id, booking_id, CreditKind.held, -1, now)


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
    """The held credit comes back (a free cancellation, the practice cancelling); None
    when the booking holds none (a move keeps it with its booking, a request holds none
    until it is accepted). A package closed meanwhile
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


async def refund(
    session: AsyncSession,
    closed: Closed,
    reason: RefundReason,
    now: datetime,
    *,
    booking_id: int | None = None,
) -> bool | None:
    """The money for credits taken off a purchase goes back through the outbox, in the
    same transaction: whether Telegram returns it by itself (`refunded_by_telegram`; else
    it is listed in /refunds for the admins), None when the credits are worth nothing."""
    if closed.refund <= 0:
        return None
    purchase = await session.get_one(PackagePurchase, closed.purchase_id)
    stars = refunded_by_telegram(purchase.currency, closed.refund, purchase.amount)
    payer = None
    if stars:
        payer = await session.scalar(select(User.telegram_id).where(User.id == purchase.client_id))
    await outbox.refund(
        session,
        reason,
        now,
        payment_id=None,
        booking_id=booking_id,
        amount=closed.refund,
        currency=closed.currency,
        telegram_charge_id=purchase.telegram_charge_id,
        provider_charge_id=purchase.provider_charge_id,
        payer_telegram_id=payer,
        stars=stars,
        purchase_id=purchase.id,
    )
    return stars


async def spend_ended(session: AsyncSession, now: datetime, *, limit: int = 200) -> int:
    """Credits held by sessions that have ended are spent (held, completed or a no-show:
    the time was the client's), each booking in its own transaction; how many."""
    settled = (
        select(CreditMove.id)
        .where(
            CreditMove.booking_id == Booking.id,
            CreditMove.kind.in_((CreditKind.spent, CreditKind.returned, CreditKind.refunded)),
        )
        .exists()
    )
    ended = list(
        await session.scalars(
            select(Booking.id)
            .where(
                Booking.purchase_id.is_not(None),
                Booking.ends_at <= now,
                Booking.status.in_(
                    (BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)
                ),
                ~settled,
            )
            .order_by(Booking.ends_at)
            .limit(limit)
        )
    )
    await session.commit()
    spent = 0
    for booking_id in ended:
        async with use_case(session):
            spent += await spend(session, booking_id, now)
    return spent


async def expire_due(
    session: AsyncSession, now: datetime, *, refund_unused: bool, limit: int = 100
) -> list[Closed]:
    """Packages past their date close, each in its own transaction, once no session they
    pay for is still to come or under way (its credit is settled first); the unused
    credits are refunded pro rata when the practice's policy says so
    (`PACKAGE_EXPIRY_REFUND`), else they expire."""
    still_paying = (
        select(Booking.id)
        .where(
            Booking.purchase_id == PackagePurchase.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > now,
        )
        .exists()
    )
    due = list(
        await session.scalars(
            select(PackagePurchase.id)
            .where(
                PackagePurchase.closed_at.is_(None),
                PackagePurchase.expires_at <= now,
                ~still_paying,
            )
            .order_by(PackagePurchase.expires_at)
            .limit(limit)
        )
    )
    await session.commit()
    closed: list[Closed] = []
    for purchase_id in due:
        async with use_case(session):
            kind = CreditKind.refunded if refund_unused else CreditKind.expired
            done = await close(session, purchase_id, kind, now)
            if done is not None and refund_unused:
                await refund(session, done, RefundReason.package_expired, now)
            if done is not None and done.credits:
                worth = done.refund if refund_unused else 0
                told = events.PackageClosed(
                    purchase_id=purchase_id, credits=done.credits, refund=worth
                )
                await outbox.notify(session, told, now)
        if done is not None:
            closed.append(done)
    return closed


# -- what the practice offers ----------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A package as a client may buy it with one therapist: its price in roubles now."""

    package_id: int
    therapist_id: int
    sessions: int
    price: int  # roubles, for the whole package
    weeks: int
    full: int  # the same sessions one by one, at the therapist's price


def _offer(package: Package, therapist: Therapist) -> Offer:
    price = package_price(
        package.sessions,
        therapist.price,
        price=package.price,
        discount_percent=package.discount_percent,
    )
    return Offer(
        package.id,
        therapist.id,
        package.sessions,
        price,
        package.weeks,
        package.sessions * therapist.price,
    )


def applies_to(therapist_id: Any) -> Any:
    """Active packages offered with this therapist (their own, or the practice's for all)."""
    return Package.active.is_(True) & (
        (Package.therapist_id == therapist_id) | Package.therapist_id.is_(None)
    )


async def offers_for(session: AsyncSession, therapist: Therapist) -> list[Offer]:
    """What a client may buy with this therapist now, fewest sessions first; none when the
    therapist takes no clients."""
    if not therapist.active:
        return []
    rows = await session.scalars(
        select(Package).where(applies_to(therapist.id)).order_by(Package.sessions, Package.id)
    )
    return [_offer(package, therapist) for package in rows]


async def offer(session: AsyncSession, package_id: int, therapist_id: int) -> Offer | None:
    """The package as offered with this therapist now; None when it is not (withdrawn,
    another therapist's, the therapist gone): ids from buttons and payloads are
    untrusted."""
    row = (
        await session.execute(
            select(Package, Therapist)
            .join(Therapist, Therapist.id == therapist_id)
            .where(Package.id == package_id, applies_to(Therapist.id), Therapist.active)
        )
    ).first()
    return _offer(row[0], row[1]) if row else None


async def add(
    session: AsyncSession,
    *,
    therapist_id: int | None,
    sessions: int,
    price: int | None,
    discount_percent: int | None,
    weeks: int,
    admin: int,
    now: datetime,
) -> Package:
    """An admin offers a package (checked by `bot.rules.packages` first), audited."""
    package_price(sessions, 1, price=price, discount_percent=discount_percent)
    valid_until(now, weeks)
    async with use_case(session):
        package = Package(
            therapist_id=therapist_id,
            sessions=sessions,
            price=price,
            discount_percent=discount_percent,
            weeks=weeks,
            active=True,
            created_at=now,
        )
        session.add(package)
        await session.flush()
        audit.add(
            session,
            actor=admin,
            action="package.create",
            target=f"package:{package.id}",
            details={"therapist": therapist_id, "sessions": sessions},
            now=now,
        )
    return package


async def withdraw(session: AsyncSession, package_id: int, *, admin: int, now: datetime) -> bool:
    """No longer offered (what was bought stays valid); False when there is no such
    package on offer."""
    async with use_case(session):
        done = await session.execute(
            update(Package)
            .where(Package.id == package_id, Package.active.is_(True))
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        audit.add(
            session,
            actor=admin,
            action="package.withdraw",
            target=f"package:{package_id}",
            now=now,
        )
    return True


async def listed(session: AsyncSession) -> list[tuple[Package, str | None]]:
    """Every package with its therapist's name (None: for all), newest first."""
    rows = await session.execute(
        select(Package, Therapist.name_ru)
        .outerjoin(Therapist, Therapist.id == Package.therapist_id)
        .order_by(Package.active.desc(), Package.id.desc())
    )
    return [(package, name) for package, name in rows.all()]


# -- what a client holds ----------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """A client's open package with one therapist: credits free, held by sessions to come,
    and until when."""

    purchase: PackagePurchase
    therapist: Therapist
    held: int


async def holdings(session: AsyncSession, client_id: int, now: datetime) -> list[Holding]:
    """The client's packages not closed, soonest to expire first."""
    held = (
        select(func.count(Booking.id))
        .where(
            Booking.purchase_id == PackagePurchase.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(PackagePurchase, Therapist, held)
        .join(Therapist, Therapist.id == PackagePurchase.therapist_id)
        .where(PackagePurchase.client_id == client_id, PackagePurchase.closed_at.is_(None))
        .order_by(PackagePurchase.expires_at)
    )
    return [Holding(purchase, therapist, int(count or 0)) for purchase, therapist, count in rows]


async def closing_for(
    session: AsyncSession,
    client_id: int,
    free_from: datetime | None,
    *,
    therapist_id: int | None = None,
) -> list[Closed]:
    """What closing the client's open packages (with one therapist, when given) would give
    back: shown before the client confirms a change of therapist or an erasure. The
    sessions that step cancels give their credits back first when cancelled free (those
    starting at `free_from` or later), so those count too; a late one's is spent.
    `free_from` None: the step cancels nothing, the free credits are what closes."""
    query = select(PackagePurchase).where(
        PackagePurchase.client_id == client_id, PackagePurchase.closed_at.is_(None)
    )
    if therapist_id is not None:
        query = query.where(PackagePurchase.therapist_id == therapist_id)
    back: dict[int, int] = {}
    if free_from is not None:
        coming_back = (
            select(Booking.purchase_id, func.count(Booking.id))
            .where(
                Booking.client_id == client_id,
                Booking.purchase_id.is_not(None),
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at >= free_from,
            )
            .group_by(Booking.purchase_id)
        )
        rows = (await session.execute(coming_back)).all()
        back = {int(purchase or 0): int(count) for purchase, count in rows}
    closing = []
    for purchase in await session.scalars(query):
        unused = min(purchase.balance + back.get(purchase.id, 0), purchase.sessions)
        worth = refund_for(purchase.amount, purchase.sessions, unused)
        closing.append(Closed(purchase.id, unused, worth, purchase.currency))
    return closing


async def close_all(
    session: AsyncSession,
    client_id: int,
    reason: RefundReason,
    now: datetime,
    *,
    therapist_id: int | None = None,
) -> list[Closed]:
    """Inside the caller's transaction (a change of therapist, an erasure), after the
    sessions it cancels gave their credits back: the client's open packages (with one
    therapist, when given) close and their unused credits are refunded pro rata."""
    query = select(PackagePurchase.id).where(
        PackagePurchase.client_id == client_id, PackagePurchase.closed_at.is_(None)
    )
    if therapist_id is not None:
        query = query.where(PackagePurchase.therapist_id == therapist_id)
    done = []
    for purchase_id in list(await session.scalars(query)):
        closed = await close(session, purchase_id, CreditKind.refunded, now)
        if closed is not None:
            await refund(session, closed, reason, now)
            done.append(closed)
    return done


async def refund_unused(
    session: AsyncSession, client_id: int, therapist_id: int, now: datetime
) -> list[Closed]:
    """The client changed therapist and asked for what is left of their packages with the
    old one: they close and the unused credits are refunded pro rata. Sessions still
    booked with that therapist keep their credits."""
    async with use_case(session):
        return await close_all(
            session, client_id, RefundReason.package_changed, now, therapist_id=therapist_id
        )


# -- the practice's numbers -------------------------------------------------------------


@dataclass(frozen=True)
class PackageNumbers:
    """Packages in a period, for the whole practice or one therapist (`db.practice`):
    sold, their credits spent, money refunded; and what is outstanding at its end (the
    credits paid for and not yet used, free or held by sessions to come: the practice
    owes them), with their worth pro rata. Amounts by currency, in its smallest unit."""

    sold: int
    sold_amount: dict[str, int]
    spent: int
    refunded: dict[str, int]
    outstanding: int
    outstanding_amount: dict[str, int]


async def numbers(
    session: AsyncSession, start: datetime, end: datetime, therapist_id: int | None = None
) -> PackageNumbers:
    def mine(column: Any) -> list[Any]:
        return [] if therapist_id is None else [column == therapist_id]

    sold_rows = (
        await session.execute(
            select(PackagePurchase.currency, func.count(), func.sum(PackagePurchase.amount))
            .where(
                PackagePurchase.bought_at >= start,
                PackagePurchase.bought_at <= end,
                *mine(PackagePurchase.therapist_id),
            )
            .group_by(PackagePurchase.currency)
        )
    ).all()
    spent = await session.scalar(
        select(func.count(CreditMove.id))
        .join(PackagePurchase, PackagePurchase.id == CreditMove.purchase_id)
        .where(
            CreditMove.kind == CreditKind.spent,
            CreditMove.created_at >= start,
            CreditMove.created_at <= end,
            *mine(PackagePurchase.therapist_id),
        )
    )
    refunded_rows = (
        await session.execute(
            select(Refund.currency, func.sum(Refund.amount))
            .join(PackagePurchase, PackagePurchase.id == Refund.purchase_id)
            .where(Refund.created_at >= start, Refund.created_at <= end)
            .where(*mine(PackagePurchase.therapist_id))
            .group_by(Refund.currency)
        )
    ).all()
    # Outstanding: every purchase's credits bought, less those spent and those taken off
    # (refunded or expired), as of the end.
    used = (
        select(func.count(CreditMove.id))
        .where(
            CreditMove.purchase_id == PackagePurchase.id,
            CreditMove.created_at <= end,
            CreditMove.kind.in_((CreditKind.spent, CreditKind.refunded)),
            CreditMove.delta == 0,
        )
        .scalar_subquery()
    )
    taken_off = (
        select(func.coalesce(func.sum(-CreditMove.delta), 0))
        .where(
            CreditMove.purchase_id == PackagePurchase.id,
            CreditMove.created_at <= end,
            CreditMove.kind.in_((CreditKind.refunded, CreditKind.expired)),
            CreditMove.delta < 0,
        )
        .scalar_subquery()
    )
    open_rows = (
        await session.execute(
            select(
                PackagePurchase.currency,
                PackagePurchase.amount,
                PackagePurchase.sessions,
                used,
                taken_off,
            ).where(PackagePurchase.bought_at <= end, *mine(PackagePurchase.therapist_id))
        )
    ).all()
    outstanding = 0
    worth: dict[str, int] = {}
    for currency, amount, sessions, used_count, off in open_rows:
        left = max(sessions - int(used_count or 0) - int(off or 0), 0)
        if left:
            outstanding += left
            worth[currency] = worth.get(currency, 0) + refund_for(amount, sessions, left)
    return PackageNumbers(
        sold=sum(int(count) for _, count, _ in sold_rows),
        sold_amount={currency: int(total) for currency, _, total in sold_rows if total},
        spent=int(spent or 0),
        refunded={currency: int(total) for currency, total in refunded_rows if total},
        outstanding=outstanding,
        outstanding_amount=worth,
    )
