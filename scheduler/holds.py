"""Releasing times held for clients who did not pay in time, and for booking requests a
therapist did not answer in time."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import bookings, requests
from scheduler.outbox import OutboxJob

log = logging.getLogger(__name__)


async def release_expired_holds(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    rules: Rules,
    clock: Clock,
    outbox: OutboxJob,
) -> int:
    """Cancel unpaid bookings whose hold ran out; each client is told (a notice with a
    button to choose a time again). Safe with several processes: a booking is cancelled
    only once, and a hold paid meanwhile is left alone."""
    async with sessionmaker() as session:
        released = await bookings.release_lapsed_holds(session, rules, clock.now())
        lapsed = await requests.lapse_due(session, clock.now())
        await outbox.deliver_written(session)
    if released:
        log.info("released %d expired holds", len(released))
    if lapsed:
        log.info("%d booking requests lapsed unanswered", len(lapsed))
    return len(released) + len(lapsed)
