"""Background jobs (APScheduler): reminders, the outbox, expiring holds, free slots, the
waitlist.

The jobs live in APScheduler's in-memory job store: their due work is in the database
(`reminders` rows and the like), claimed row by row, so several processes can run the same
jobs on one database and a restart loses nothing. APScheduler's persistent job store is
not used: it cannot be shared by two processes and pickles jobs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.middlewares import create_outgoing
from bot.notify import Outgoing
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import outcomes
from db.outcomes import CardViews
from handlers.shared.notices import Notices
from scheduler.holds import release_expired_holds
from scheduler.outbox import OutboxJob
from scheduler.packages import settle_packages
from scheduler.reminders import ReminderJob
from scheduler.slots import extend_free_slots
from scheduler.waitlist import offer_freed_times

REMINDER_JOB_ID = "reminders"
OUTBOX_JOB_ID = "outbox"
HOLDS_JOB_ID = "expired-holds"
SLOTS_JOB_ID = "free-slots"
WAITLIST_JOB_ID = "waitlist"
OUTCOMES_JOB_ID = "outcomes"
# Return rates change as sessions end; an hour late is soon enough for a card.
OUTCOMES_EVERY_HOURS = 1
PACKAGES_JOB_ID = "packages"
# A session's credit is spent once it has ended; a few minutes later is soon enough.
PACKAGES_EVERY_MINUTES = 10
VIEWS_JOB_ID = "card-views"
VIEWS_EVERY_SECONDS = 60
HOLD_POLL_SECONDS = 30
WAITLIST_POLL_SECONDS = 30  # freed times reach the waitlist within this
SLOTS_EVERY_HOURS = 6  # the horizon moves a day at a time; a few runs a day keep it full
STOP_GRACE_SECONDS = 30  # how long a stop waits for the jobs in flight

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Background:
    """The process's scheduler and its jobs: `start()` next to polling, `await stop()` on
    the way out.

    Every job runs through `track()`: stopping lets the runs in flight finish (a job
    cancelled in the middle of a transaction could leave its connection holding locks, and
    a reminder cancelled mid-send could not record that it went) and starts no new ones."""

    def __init__(self, scheduler: AsyncIOScheduler, reminders: ReminderJob) -> None:
        self.scheduler = scheduler
        self.reminders = reminders
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = False

    def track(self, job: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T | None]]:
        @functools.wraps(job)
        async def run(*args: object, **kwargs: object) -> T | None:
            if self._stopping:
                return None
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                return await job(*args, **kwargs)
            finally:
                self._running.discard(task)

        return run

    def start(self) -> None:
        self.scheduler.start()

    def wake(self) -> None:
        """Run every job now (the sandbox's clock moved ahead): each reads the clock."""
        now = datetime.now(UTC)
        for job in self.scheduler.get_jobs():
            job.modify(next_run_time=now)

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.pause()
        await self.reminders.stop()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=grace_seconds)
            for task in late:
                logger.warning("a background job did not finish in time and was stopped")
                task.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


async def refresh_outcomes(
    *, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, rules: Rules
) -> int:
    """Every therapist's return rate and ranking standing, recomputed (`db.outcomes`)."""
    async with sessionmaker() as session:
        return await outcomes.refresh(session, clock.now(), rules.ranking)


def create_scheduler(
    *,
    bot: Bot,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    translator: Translator,
    rules: Rules,
    outgoing: Outgoing | None = None,
    views: CardViews | None = None,
) -> Background:
    """The background jobs; with `views` (the dispatcher's), the cards shown are added to
    the database every minute."""
    outgoing = outgoing or create_outgoing(bot, settings, sessionmaker, clock)
    reminders = ReminderJob(
        sessionmaker=sessionmaker,
        outgoing=outgoing,
        translator=translator,
        settings=settings,
        clock=clock,
    )
    outbox = OutboxJob(sessionmaker, bot, outgoing, Notices(translator, settings), settings, clock)
    scheduler = AsyncIOScheduler(timezone=UTC)
    background = Background(scheduler, reminders)
    scheduler.add_job(
        background.track(outbox.run),
        "interval",
        seconds=settings.outbox_poll_seconds,
        id=OUTBOX_JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),  # what a stopped process left is sent at once
    )
    scheduler.add_job(
        background.track(reminders.run),
        "interval",
        seconds=settings.reminder_poll_seconds,
        id=REMINDER_JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,  # a late run is still wanted
        next_run_time=datetime.now(UTC),  # catch up at once after a restart
    )
    scheduler.add_job(
        background.track(release_expired_holds),
        "interval",
        seconds=HOLD_POLL_SECONDS,
        id=HOLDS_JOB_ID,
        kwargs={
            "sessionmaker": sessionmaker,
            "rules": rules,
            "clock": clock,
            "outbox": outbox,
        },
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        background.track(offer_freed_times),
        "interval",
        seconds=WAITLIST_POLL_SECONDS,
        id=WAITLIST_JOB_ID,
        kwargs={
            "sessionmaker": sessionmaker,
            "settings": settings,
            "rules": rules,
            "clock": clock,
            "outbox": outbox,
        },
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        background.track(extend_free_slots),
        "interval",
        hours=SLOTS_EVERY_HOURS,
        id=SLOTS_JOB_ID,
        kwargs={
            "sessionmaker": sessionmaker,
            "settings": settings,
            "clock": clock,
            "rules": rules,
        },
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        background.track(refresh_outcomes),
        "interval",
        hours=OUTCOMES_EVERY_HOURS,
        id=OUTCOMES_JOB_ID,
        kwargs={"sessionmaker": sessionmaker, "clock": clock, "rules": rules},
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        background.track(settle_packages),
        "interval",
        minutes=PACKAGES_EVERY_MINUTES,
        id=PACKAGES_JOB_ID,
        kwargs={
            "sessionmaker": sessionmaker,
            "settings": settings,
            "clock": clock,
            "outbox": outbox,
        },
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    if views is not None:
        scheduler.add_job(
            background.track(views.flush),
            "interval",
            seconds=VIEWS_EVERY_SECONDS,
            id=VIEWS_JOB_ID,
            args=[sessionmaker],
            max_instances=1,
            coalesce=True,
        )
    # "Running job ..." every poll says nothing; failures are still logged.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    return background
