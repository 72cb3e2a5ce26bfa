"""Keeping every therapist's free slots filled up to the booking horizon as days pass, the
regular times (`db.series_booking.fill`) booked first in the same transaction, so a series has its
time before the catalogue can offer it to anyone, and the catalogue's summary of free
hours (`db.catalog.refresh_free_hours`) free of hours whose slots were taken or have
passed."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import series_booking
from db.catalog import refresh_free_hours
from db.schedule import ensure_future_slots

log = logging.getLogger(__name__)


async def extend_free_slots(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    rules: Rules,
) -> int:
    async with sessionmaker() as session:
        try:
            now = clock.now()
            added = await ensure_future_slots(session, now=now, horizon_days=rules.horizon.days)
            booked, missed = await series_booking.fill(
                session, rules=rules, now=now, pay_each=rules.paid
            )
            await session.commit()
        except IntegrityError:
            # Another process added the same slots a moment earlier: nothing is missing.
            await session.rollback()
            added = booked = missed = 0
    async with sessionmaker() as session:
        await refresh_free_hours(session, clock.now())
    log.info("free slots added up to the horizon: %d", added)
    if booked or missed:
        log.info("regular times: %d sessions booked, %d dates missed", booked, missed)
    return added
