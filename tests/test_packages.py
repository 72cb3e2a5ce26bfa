"""Prepaid packages' ledger (`db.packages`, `bot.rules.packages`), on SQLite and
PostgreSQL: the balance at each step, always the sum of the moves; a credit held twice at
once is held once; the database refuses a balance below zero; unused credits refunded pro
rata, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.packages import expires_at, package_price, refund_for, refunded_by_telegram
from db import packages
from db.demo import load_demo
from db.models import CreditKind, CreditMove, PackagePurchase
from db.transactions import use_case
from tests.conftest import ManualClock
from tests.test_outcomes import client, session_at

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)
PAID = 1_100_000  # 11 000 ₽ for four sessions, in kopecks


def test_what_a_package_costs_and_gives_back() -> None:
    assert package_price(4, 3000, price=11_000) == 11_000
    assert package_price(8, 3000, discount_percent=15) == 20_400
    assert package_price(3, 2999, discount_percent=10) == 8097  # rounded down
    for wrong in (
        {"price": 11_000, "discount_percent": 10},
        {},
        {"price": 0},
        {"discount_percent": 95},
    ):
        with pytest.raises(ValueError):
            package_price(4, 3000, **wrong)  # type: ignore[arg-type]
    assert refund_for(PAID, 4, 2) == 550_000
    assert refund_for(1000, 3, 1) == 333  # never more than was paid
    assert refund_for(1000, 3, 3) == 1000
    with pytest.raises(ValueError):
        refund_for(PAID, 4, 5)
    # Telegram returns Stars only whole; a part of them, or a provider's money, an admin.
    assert refunded_by_telegram("XTR", 500, 500)
    assert not refunded_by_telegram("XTR", 250, 500)
    assert not refunded_by_telegram("RUB", PAID, PAID)
    with pytest.raises(ValueError):
        expires_at(datetime(2026, 12, 5, tzinfo=UTC), 0)


async def _setup(sessions: Sessions, clock: ManualClock) -> tuple[int, list[int], int]:
    """The demo catalogue, a client, four future sessions with therapist 1, and a
    four-session package with them."""
    now = clock.now()
    async with sessions() as session:
        await load_demo(session, now=now)
        who = await client(session, now, 1)
        rows = [session_at(1, who, now + (2 + day) * DAY, "confirmed") for day in range(4)]
        session.add_all(rows)
        await session.commit()
        booking_ids = [row.id for row in rows]
        purchase = await packages.record_purchase(
            session,
            client_id=who,
            therapist_id=1,
            package_id=None,
            sessions=4,
            amount=PAID,
            currency="RUB",
            telegram_charge_id="charge-1",
            provider_charge_id=None,
            expires_at=expires_at(now, 8),
            now=now,
        )
    return who, booking_ids, purchase.id


async def _hold(
    session: AsyncSession, who: int, therapist_id: int, booking_id: int, starts_at: datetime
) -> int | None:
    """A credit taken for a session at `starts_at` and recorded as the booking's."""
    purchase_id = await packages.take(session, who, therapist_id, starts_at)
    if purchase_id is not None:
        packages.held(session, purchase_id, booking_id, starts_at)
    return purchase_id


async def _state(sessions: Sessions, purchase_id: int) -> tuple[int, int]:
    """The balance, and the sum of the moves (always equal)."""
    async with sessions() as session:
        purchase = await session.get_one(PackagePurchase, purchase_id)
        moved = await session.scalar(
            select(func.sum(CreditMove.delta)).where(CreditMove.purchase_id == purchase_id)
        )
        return purchase.balance, int(moved or 0)


async def test_credits_are_held_spent_and_given_back(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    who, (first, second, third, fourth), purchase_id = await _setup(db_sessionmaker, clock)
    assert await _state(db_sessionmaker, purchase_id) == (4, 4)

    async def step(action: object) -> object:
        async with db_sessionmaker() as session, use_case(session):
            return await action(session)  # type: ignore[operator]

    # Three sessions booked with the package.
    for booking_id in (first, second, third):
        held = await step(lambda s, b=booking_id: _hold(s, who, 1, b, now))
        assert held == purchase_id
    assert await _state(db_sessionmaker, purchase_id) == (1, 1)
    async with db_sessionmaker() as session:
        assert await packages.balance(session, who, 1, now) == 1
        assert await packages.balance(session, who, 2, now) == 0  # another therapist
        assert await packages.held_for(session, first) == purchase_id
    # Cancelled free: the credit comes back.
    back = await step(lambda s: packages.give_back(s, first, now))
    assert back == packages.GivenBack(purchase_id, None)
    assert await _state(db_sessionmaker, purchase_id) == (2, 2)
    # Cancelled late, and a no-show: both spent; the balance does not move.
    assert await step(lambda s: packages.spend(s, second, now)) is True
    assert await step(lambda s: packages.spend(s, third, now)) is True
    assert await _state(db_sessionmaker, purchase_id) == (2, 2)
    # Nothing is held by them any more: neither spent nor given back twice.
    assert await step(lambda s: packages.spend(s, second, now)) is False
    assert await step(lambda s: packages.give_back(s, first, now)) is None
    # The fourth session holds one; then the client changes therapist: the one free
    # credit is refunded pro rata (a quarter of what was paid), once.
    assert await step(lambda s: _hold(s, who, 1, fourth, now)) == purchase_id
    closed = await step(lambda s: packages.close(s, purchase_id, CreditKind.refunded, now))
    assert closed == packages.Closed(purchase_id, 1, PAID // 4, "RUB")
    assert await step(lambda s: packages.close(s, purchase_id, CreditKind.refunded, now)) is None
    assert await _state(db_sessionmaker, purchase_id) == (0, 0)
    # No credit to hold now: the next booking is paid as usual.
    assert await step(lambda s: _hold(s, who, 1, first, now)) is None
    # The fourth session cancelled free after that: its credit comes back as money.
    back = await step(lambda s: packages.give_back(s, fourth, now))
    assert back == packages.GivenBack(
        purchase_id, packages.Closed(purchase_id, 1, PAID // 4, "RUB")
    )
    assert await _state(db_sessionmaker, purchase_id) == (0, 0)
    async with db_sessionmaker() as session:
        kinds = list(await session.scalars(select(CreditMove.kind).order_by(CreditMove.id)))
    assert kinds == [
        "bought",
        "held",
        "held",
        "held",
        "returned",
        "spent",
        "spent",
        "held",
        "refunded",
        "refunded",
    ]


async def test_an_expired_package_holds_nothing_and_closes_once(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    who, (first, *_), purchase_id = await _setup(db_sessionmaker, clock)
    later = clock.now() + 9 * 7 * DAY
    async with db_sessionmaker() as session, use_case(session):
        assert await _hold(session, who, 1, first, later) is None
        closed = await packages.close(session, purchase_id, CreditKind.expired, later)
    assert closed == packages.Closed(purchase_id, 4, PAID, "RUB")
    assert await _state(db_sessionmaker, purchase_id) == (0, 0)
    with pytest.raises(ValueError):
        async with db_sessionmaker() as session:
            await packages.close(session, purchase_id, CreditKind.spent, later)


async def test_one_credit_tapped_twice_at_once_is_held_once(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    who, (first, second, third, _), purchase_id = await _setup(db_sessionmaker, clock)
    for booking_id in (first, second, third):
        async with db_sessionmaker() as session, use_case(session):
            await _hold(session, who, 1, booking_id, now)
    assert await _state(db_sessionmaker, purchase_id) == (1, 1)

    async def tap(booking_id: int) -> int | None:
        async with db_sessionmaker() as session, use_case(session):
            return await _hold(session, who, 1, booking_id, now)

    results = await asyncio.gather(tap(first), tap(second), return_exceptions=True)
    held = [result for result in results if result == purchase_id]
    assert len(held) == 1, results
    assert await _state(db_sessionmaker, purchase_id) == (0, 0)


async def test_the_database_refuses_a_balance_below_zero(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    _, _, purchase_id = await _setup(db_sessionmaker, clock)
    async with db_sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await session.execute(
                update(PackagePurchase).where(PackagePurchase.id == purchase_id).values(balance=-1)
            )
            await session.commit()
