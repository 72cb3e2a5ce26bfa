"""Packages of sessions over time: the credits of sessions that have ended are spent, and
packages past their date close (their unused credits refunded when the practice's policy
says so, `PACKAGE_EXPIRY_REFUND`), the clients told through the outbox."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.rules.timezones import Clock
from db import packages
from scheduler.outbox import OutboxJob

log = logging.getLogger(__name__)


async def settle_packages(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    outbox: OutboxJob,
) -> int:
    """Safe with several processes: a credit is spent, and a package closed, once (each
    by a guarded change in its own transaction)."""
    async with sessionmaker() as session:
        spent = await packages.spend_ended(session, clock.now())
        closed = await packages.expire_due(
            session, clock.now(), refund_unused=settings.package_expiry_refund
        )
        await outbox.deliver_written(session)
    if spent or closed:
        log.info("packages: %d credits spent, %d packages closed", spent, len(closed))
    return spent + len(closed)
