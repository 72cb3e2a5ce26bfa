"""The waitlist job: offers that ran out and waits that ended are closed, then freed
times (a cancellation, a move, a lapsed hold, new working hours, a released unpaid
session) are offered to the waiting clients, first joined first (`db.offers`). A group's
seat kept for someone waiting that ran out passes to the next one (`db.groups`)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import groups, offers
from scheduler.outbox import OutboxJob

log = logging.getLogger(__name__)


async def offer_freed_times(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    rules: Rules,
    clock: Clock,
    outbox: OutboxJob,
) -> int:
    """One pass; the offers go out through the outbox at once. Safe with several
    processes: a time is offered by a conditional update, and the database keeps one open
    offer per time."""
    async with sessionmaker() as session:
        made = await offers.run(
            session,
            rules=rules,
            now=clock.now(),
        )
        lapsed = await groups.expire_offers(session, rules=rules, now=clock.now())
        await outbox.deliver_written(session)
    if made:
        log.info("offered %d freed times to the waitlist", len(made))
    if lapsed:
        log.info("%d group seat offers lapsed and passed on", len(lapsed))
    return len(made)
