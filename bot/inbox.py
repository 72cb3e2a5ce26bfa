"""Updates are handled from the inbox (`db.inbox`): stored first, acknowledged after, and
handled one at a time per person in `update_id` order, across instances.

`Inbox.store` is what the webhook (`bot.web`) and polling (`poll`) call with what Telegram
sent; it returns once the rows are committed, and only then does the webhook answer 200 or
polling ask for the next offset. What it could take at once is handled here at once; what
it could not (the person had an update in hand, here or at another instance) is taken when
that one finishes (`db.inbox.finish` takes the person's next) or by the loop that looks
every `INBOX_POLL_SECONDS` for rows nobody holds, among them those of a dead instance
whose lease ran out. Leases of updates in hand are renewed while they run.

`Inbox.stop` (SIGTERM): nothing new is taken; the updates in hand get `grace` seconds to
finish; the rest are handed back, and with what was never taken they wait in the inbox
for the next start (or another instance).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from bot.config import Settings
from db import inbox, outbox
from db.engine import UPDATE_CONCURRENCY

logger = logging.getLogger(__name__)

# At most this many updates in hand per process (they queue for `bot.middlewares.Capacity`).
IN_HAND = 2 * UPDATE_CONCURRENCY
# Finished rows older than a day are dropped once every so many stored updates.
CLEANUP_EVERY = 500
# A failed update is tried again after this (doubling with each try).
RETRY_AFTER = timedelta(seconds=2)
POLLING_TIMEOUT = 10
POLLING_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


def wall_clock() -> datetime:
    """Leases are about real time, whatever clock the bot's rules run on (the sandbox
    moves its own)."""
    return datetime.now(UTC)


def incoming(update: Update) -> inbox.Incoming:
    """The row for an update: whose it is (the person, else the chat) and its JSON."""
    context = UserContextMiddleware.resolve_event_context(update)
    person = context.user_id if context.user_id is not None else context.chat_id
    return inbox.Incoming(
        update_id=update.update_id,
        person=person,
        kind=metrics.kind_of(update)[:32],
        payload=update.model_dump_json(exclude_unset=True, by_alias=True),
    )


class Inbox:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        now: Callable[[], datetime] = wall_clock,
        owner: str | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._sessionmaker = sessionmaker
        self._now = now
        self._lease = timedelta(seconds=settings.inbox_lease_seconds)
        self._poll_seconds = settings.inbox_poll_seconds
        self._max_attempts = settings.inbox_max_attempts
        self.owner = owner or uuid.uuid4().hex[:16]
        self._in_hand: dict[int, asyncio.Task[None]] = {}
        self._taking = False
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._stored = 0

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    async def drain(self) -> None:
        """Wait until nothing is in hand (a person's next update, taken as the one before
        finished, counts as in hand)."""
        while self._in_hand:
            await asyncio.wait(set(self._in_hand.values()))

    def start(self) -> None:
        """Take and handle what the inbox holds (left by an earlier run too)."""
        self._taking = True
        self._loop = asyncio.create_task(self._run(), name="inbox")

    async def store(self, updates: Sequence[Update]) -> None:
        """Write the updates to the inbox (committed when this returns) and start those
        that can be handled now. Raises when the database does not take them: the caller
        must not acknowledge them then."""
        if not updates:
            return
        rows = [incoming(update) for update in updates]
        async with self._sessionmaker() as session:
            stored = await inbox.store(
                session, self._bot.id, rows, now=self._now(), lease=self._lease, owner=self.owner
            )
        new = set(stored.new)
        for update in updates:
            if update.update_id not in new:
                logger.info("update %d is in the inbox already: skipped", update.update_id)
                metrics.count_repeated(update)
        taken = {item.update_id for item in stored.taken}
        parsed = {update.update_id: update for update in updates}
        for item in stored.taken:
            self._start(item, parsed[item.update_id])
        if not self._taking:
            # Stopping: what was taken is handed back at once, for the next start.
            await self._release(taken)
        elif len(taken) < len(new):
            # Their person had an update in hand (maybe at another instance, finishing
            # just now): look again soon rather than at the next poll.
            self._wake.set()
        self._stored += len(new)
        if self._stored >= CLEANUP_EVERY:
            self._stored = 0
            try:
                async with self._sessionmaker() as session:
                    await inbox.forget_old(session, self._now())
            except Exception as error:  # stored all the same; the next round drops them
                logger.warning("inbox: old rows not dropped: %s", type(error).__name__)

    def _start(self, taken: inbox.Taken, update: Update | None = None) -> None:
        """Handle a row taken here; `update`: the row's update when it is at hand (just
        stored), else it is read from the row's JSON. Stopping, nothing starts: the
        callers hand such rows back."""
        if not self._taking:
            return
        task = asyncio.create_task(self._handle(taken, update), name=f"update-{taken.update_id}")
        self._in_hand[taken.update_id] = task
        task.add_done_callback(lambda _: self._forget(taken.update_id, task))

    def _forget(self, update_id: int, task: asyncio.Task[None]) -> None:
        if self._in_hand.get(update_id) is task:
            del self._in_hand[update_id]

    async def _handle(self, taken: inbox.Taken, update: Update | None) -> None:
        # The notices this update delivers are closed with it, in one transaction.
        delivered = outbox.collect_with_update()
        try:
            if update is None:
                update = Update.model_validate_json(taken.payload, context={"bot": self._bot})
            await self._dispatcher.feed_update(self._bot, update)
        except Exception as error:
            # aiogram's error handling answered what it could; this got past it.
            logger.error(
                "update %d (%s) failed: %s",
                taken.update_id,
                taken.kind,
                type(error).__name__,
                exc_info=error,
            )
            await self._fail(taken, error, delivered)
            return
        try:
            async with self._sessionmaker() as session:
                await outbox.finish_notices(session, delivered, self._now())
                following = await inbox.finish(
                    session,
                    self._bot.id,
                    taken,
                    now=self._now(),
                    lease=self._lease,
                    owner=self.owner,
                    max_attempts=self._max_attempts,
                    take_next=self._taking,
                )
        except Exception as error:
            # Its lease runs out and it is handled again: rather twice than never.
            logger.error(
                "update %d was handled but not marked done: %s",
                taken.update_id,
                type(error).__name__,
            )
            return
        if following is None:
            return
        if self._taking:
            self._start(following)
        else:
            # Stopping began while this one finished: the person's next goes back at once,
            # not held by this process until its lease runs out.
            await self._release({following.update_id})

    async def _fail(
        self, taken: inbox.Taken, error: Exception, delivered: list[tuple[int, str]]
    ) -> None:
        retry_at = self._now() + RETRY_AFTER * 2 ** max(taken.attempts - 1, 0)
        with contextlib.suppress(Exception):
            async with self._sessionmaker() as session:
                await outbox.finish_notices(session, delivered, self._now())
                await inbox.fail(
                    session, self._bot.id, taken.update_id, type(error).__name__, retry_at=retry_at
                )

    async def _run(self) -> None:
        """Take what nobody holds, every `INBOX_POLL_SECONDS` or when woken; renew the
        leases of long handlers."""
        renewed = self._now()
        while self._taking:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()
            if not self._taking:
                break
            try:
                now = self._now()
                if self._in_hand and now - renewed >= self._lease / 3:
                    renewed = now
                    async with self._sessionmaker() as session:
                        await inbox.renew(
                            session,
                            self._bot.id,
                            list(self._in_hand),
                            self.owner,
                            now + self._lease,
                        )
                room = IN_HAND - len(self._in_hand)
                if room <= 0:
                    continue
                async with self._sessionmaker() as session:
                    taken = await inbox.claim(
                        session,
                        self._bot.id,
                        now=now,
                        lease=self._lease,
                        owner=self.owner,
                        limit=room,
                        max_attempts=self._max_attempts,
                    )
                for item in taken:
                    self._start(item)
                if not self._taking:
                    await self._release({item.update_id for item in taken})
            except Exception as error:
                logger.warning("inbox: could not take updates: %s", type(error).__name__)

    async def stop(self, grace: float) -> None:
        """Take nothing new; give the updates in hand `grace` seconds, then hand back
        what is left for the next start."""
        self._taking = False
        self._wake.set()
        if self._loop is not None:
            await self._loop
            self._loop = None
        deadline = asyncio.get_running_loop().time() + grace
        while self._in_hand:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await asyncio.wait(set(self._in_hand.values()), timeout=left)
        unfinished = dict(self._in_hand)
        for task in unfinished.values():
            task.cancel()
        await asyncio.gather(*unfinished.values(), return_exceptions=True)
        if unfinished:
            logger.warning(
                "%d updates were still in hand after %g s: handed back for the next start",
                len(unfinished),
                grace,
            )
            await self._release(set(unfinished))

    async def _release(self, update_ids: set[int]) -> None:
        if not update_ids:
            return
        try:
            async with self._sessionmaker() as session:
                await inbox.release(session, self._bot.id, update_ids, self.owner)
        except Exception as error:  # their leases run out instead
            logger.warning("inbox: could not hand updates back: %s", type(error).__name__)


async def poll(
    bot: Bot,
    updates_inbox: Inbox,
    stop: asyncio.Event,
    *,
    allowed_updates: list[str] | None = None,
    wait_seconds: int = POLLING_TIMEOUT,
) -> None:
    """Long polling into the inbox: each batch is stored (committed) before the next
    `getUpdates` confirms it with its offset, so a batch Telegram handed over is never
    lost; returns when `stop` is set (a request in flight is dropped: its updates were
    not confirmed, so Telegram sends them again on the next start)."""
    user = await bot.me()
    logger.info("polling for @%s", user.username)
    request = GetUpdates(timeout=wait_seconds, allowed_updates=allowed_updates)
    request_timeout = int(bot.session.timeout + wait_seconds) if bot.session.timeout else None
    backoff = Backoff(POLLING_BACKOFF)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.ensure_future(bot(request, request_timeout=request_timeout))
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                batch = fetch.result()
            except TelegramUnauthorizedError:
                raise
            except Exception as error:
                logger.error("could not fetch updates: %s", type(error).__name__)
                await _pause(backoff.next_delay, stopping)
                next(backoff)
                continue
            backoff.reset()
            if not batch:
                continue
            while True:
                try:
                    await updates_inbox.store(batch)
                    break
                except Exception as error:
                    # Not stored: not confirmed either. The same batch is stored again.
                    logger.error("could not store updates: %s", type(error).__name__)
                    await _pause(backoff.next_delay, stopping)
                    next(backoff)
                    if stop.is_set():
                        return
            request.offset = batch[-1].update_id + 1
    finally:
        stopping.cancel()
        logger.info("polling stopped")


async def _pause(seconds: float, stopping: asyncio.Future[Any]) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(stopping), seconds)
