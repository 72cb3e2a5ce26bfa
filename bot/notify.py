"""The one outgoing path for messages the bot sends on its own initiative.

Reminders, notifications to therapists and admin broadcasts all go through `Outgoing`. It
keeps under Telegram's limits (about 30 messages a second in all, about one a second per
chat), waits out flood control, retries failures that are likely to pass, and reports people
who blocked the bot. Message texts never reach the log: only chat ids and error class names.
"""

from __future__ import annotations

import asyncio
import logging
import math
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, Protocol, TypeVar

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Message, ReplyMarkupUnion
from aiolimiter import AsyncLimiter

from bot.config import Settings
from bot.metrics import count_outgoing

logger = logging.getLogger(__name__)

T = TypeVar("T")

DeliveryStatus = Literal["sent", "blocked", "failed"]
OnBlocked = Callable[[int], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
BuildMethod = Callable[[int], "TelegramMethod[Any] | Awaitable[TelegramMethod[Any]]"]
Progress = Callable[["BroadcastReport"], Awaitable[None]]


class Pace(Protocol):
    """Limits kept outside the process (`bot.pace.SharedPace`): waits for a send's turn."""

    async def wait_turn(self, chat_id: int) -> None: ...


MAX_FLOOD_WAITS = 5
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0
PROGRESS_EVERY = 25

# Worth another try: the request may not have reached Telegram, or Telegram was unwell.
# A decode error is usually a proxy answering with an HTML error page.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TelegramNetworkError,
    TelegramServerError,
    TimeoutError,
    aiohttp.ClientError,
    ClientDecodeError,
)


@dataclass(frozen=True, slots=True)
class Delivery(Generic[T]):
    """How one send ended."""

    chat_id: int
    status: DeliveryStatus
    result: T | None = None  # what Telegram returned when sent: the Message for sends
    error: str | None = None  # class name of the error that ended it, unless sent
    attempts: int = 0

    @property
    def sent(self) -> bool:
        return self.status == "sent"


@dataclass(slots=True)
class BroadcastReport:
    total: int
    delivered: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.delivered + self.blocked + self.failed

    @property
    def finished(self) -> bool:
        return self.done == self.total


@dataclass(slots=True, eq=False)
class _ChatSlot:
    limiter: AsyncLimiter
    waiting: int = 0
    released_at: float = -math.inf


def _global_limiter(per_second: float) -> AsyncLimiter:
    # One send at a time, evenly spaced. A bucket as deep as the rate would let a second's
    # worth out at once after a pause, so one second could see twice the rate (and 429s).
    return AsyncLimiter(1, 1.0 / per_second)


def _backoff(failures: int) -> float:
    return float(min(BACKOFF_FIRST_SECONDS * 2 ** (failures - 1), BACKOFF_MAX_SECONDS))


def _chat_of(method: TelegramMethod[Any]) -> int:
    chat_id = getattr(method, "chat_id", None)
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise TypeError(f"{type(method).__name__} needs an integer chat_id to be sent here")
    return chat_id


def _origin(error: BaseException) -> str:
    """Where an unexpected error was raised; its text may quote the message, so not that."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown place"
    return f"{frames[-1].filename}:{frames[-1].lineno}"


class Outgoing:
    """Paced, retried sending. Build one per process and share it."""

    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        on_blocked: OnBlocked,
        *,
        sleep: Sleep = asyncio.sleep,
        max_flood_waits: int = MAX_FLOOD_WAITS,
        pace: Pace | None = None,
    ) -> None:
        """`pace`: limits shared with other instances; without it the process paces itself."""
        self._bot = bot
        self._pace = pace
        self._on_blocked = on_blocked
        self._sleep = sleep
        self._max_retries = settings.send_max_retries
        self._max_flood_waits = max_flood_waits
        self._chat_period = settings.send_rate_per_chat_seconds
        self._global = _global_limiter(settings.send_rate_per_second)
        # Ordered by when each chat last got its turn, oldest first, so idle ones are pruned
        # from the front.
        self._chats: OrderedDict[int, _ChatSlot] = OrderedDict()
        # About a second's worth of sends queued on the global limiter: enough to keep it
        # busy, short enough that a reminder sent during a broadcast is not held up long.
        self._broadcast_workers = max(1, math.ceil(settings.send_rate_per_second))

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: ReplyMarkupUnion | None = None,
        **kwargs: Any,
    ) -> Delivery[Message]:
        method = SendMessage(chat_id=chat_id, text=text, reply_markup=reply_markup, **kwargs)
        return await self.call(method)

    async def call(self, method: TelegramMethod[T]) -> Delivery[T]:
        """Send any method addressed to one chat (photos, documents, copies, edits)."""
        chat_id = _chat_of(method)
        name = type(method).__name__
        attempts = failures = flood_waits = 0
        while True:
            attempts += 1
            await self._wait_turn(chat_id)
            try:
                result = await self._bot(method)
            except TelegramRetryAfter as error:
                count_outgoing("429")
                flood_waits += 1
                if flood_waits > self._max_flood_waits:
                    logger.warning(
                        "%s to chat %s: still flood-limited after %d waits, giving up",
                        name,
                        chat_id,
                        self._max_flood_waits,
                    )
                    count_outgoing("failed")
                    return Delivery(
                        chat_id, "failed", error=type(error).__name__, attempts=attempts
                    )
                logger.warning(
                    "%s to chat %s: flood control, waiting %s s", name, chat_id, error.retry_after
                )
                await self._sleep(error.retry_after)
            except TelegramForbiddenError as error:
                logger.info("%s to chat %s: the bot is blocked or the user is gone", name, chat_id)
                count_outgoing("403")
                await self._report_blocked(chat_id)
                return Delivery(chat_id, "blocked", error=type(error).__name__, attempts=attempts)
            except TelegramEntityTooLarge as error:
                # A network error by class, but the same file will be too large next time too.
                logger.warning("%s to chat %s: %s", name, chat_id, type(error).__name__)
                count_outgoing("failed")
                return Delivery(chat_id, "failed", error=type(error).__name__, attempts=attempts)
            except TRANSIENT_ERRORS as error:
                failures += 1
                if failures > self._max_retries:
                    logger.warning(
                        "%s to chat %s: %s, giving up after %d attempts",
                        name,
                        chat_id,
                        type(error).__name__,
                        attempts,
                    )
                    count_outgoing("failed")
                    return Delivery(
                        chat_id, "failed", error=type(error).__name__, attempts=attempts
                    )
                delay = _backoff(failures)
                # No jitter needed: the global limiter spreads retries out anyway.
                logger.info(
                    "%s to chat %s: %s, retrying in %.1f s",
                    name,
                    chat_id,
                    type(error).__name__,
                    delay,
                )
                await self._sleep(delay)
            except TelegramMigrateToChat as error:
                # A group became a supergroup; a configured chat id needs updating by hand.
                logger.warning(
                    "%s to chat %s: the group moved to chat %s",
                    name,
                    chat_id,
                    error.migrate_to_chat_id,
                )
                count_outgoing("failed")
                return Delivery(chat_id, "failed", error=type(error).__name__, attempts=attempts)
            except TelegramAPIError as error:
                # Bad request, chat not found, revoked token: the same request fails again.
                # The description is left out as it may quote the message.
                logger.warning("%s to chat %s: %s", name, chat_id, type(error).__name__)
                count_outgoing("failed")
                return Delivery(chat_id, "failed", error=type(error).__name__, attempts=attempts)
            except Exception as error:
                logger.error(
                    "%s to chat %s: unexpected %s at %s",
                    name,
                    chat_id,
                    type(error).__name__,
                    _origin(error),
                )
                count_outgoing("failed")
                return Delivery(chat_id, "failed", error=type(error).__name__, attempts=attempts)
            else:
                count_outgoing("sent")
                return Delivery(chat_id, "sent", result=result, attempts=attempts)

    async def broadcast(
        self,
        chat_ids: Iterable[int],
        build: BuildMethod,
        progress: Progress | None = None,
        *,
        progress_every: int = PROGRESS_EVERY,
        workers: int | None = None,
    ) -> BroadcastReport:
        """Send `build(chat_id)` to every chat (each once), whatever happens to the others.

        `progress` gets a snapshot after every `progress_every` chats and once at the end,
        one call at a time and in order, so it can edit an admin's status message.
        """
        if progress_every < 1 or (workers is not None and workers < 1):
            raise ValueError("progress_every and workers must be at least 1")
        queue = list(dict.fromkeys(chat_ids))
        report = BroadcastReport(total=len(queue))
        pending = iter(queue)  # shared by the workers: each chat is taken exactly once
        progress_lock = asyncio.Lock()
        reported = -1

        async def report_progress() -> None:
            nonlocal reported
            if progress is None:
                return
            snapshot = replace(report)
            async with progress_lock:  # FIFO, so snapshots arrive in order
                reported = snapshot.done
                try:
                    await progress(snapshot)
                except Exception as error:
                    logger.warning("broadcast progress callback failed: %s", type(error).__name__)

        async def work() -> None:
            for chat_id in pending:
                status = await self._deliver(chat_id, build)
                if status == "sent":
                    report.delivered += 1
                elif status == "blocked":
                    report.blocked += 1
                else:
                    report.failed += 1
                if report.done % progress_every == 0 or report.finished:
                    await report_progress()

        async with asyncio.TaskGroup() as group:
            for _ in range(min(workers or self._broadcast_workers, len(queue))):
                group.create_task(work())
        if reported != report.done:  # nothing was sent at all
            await report_progress()
        logger.info(
            "broadcast finished: %d delivered, %d blocked, %d failed of %d",
            report.delivered,
            report.blocked,
            report.failed,
            report.total,
        )
        return report

    async def _deliver(self, chat_id: int, build: BuildMethod) -> DeliveryStatus:
        try:
            built = build(chat_id)
            method = built if isinstance(built, TelegramMethod) else await built
            delivery = await self.call(method)
        except Exception as error:
            logger.error(
                "broadcast to chat %s: %s at %s", chat_id, type(error).__name__, _origin(error)
            )
            return "failed"
        return delivery.status

    async def _wait_turn(self, chat_id: int) -> None:
        if self._pace is not None:
            await self._pace.wait_turn(chat_id)
            return
        # The chat's own limit is the last gate before the request, so the spacing a chat
        # sees is exact. The global limit then counts a few sends slightly early (those that
        # waited on their chat), well inside the margin under Telegram's 30 a second.
        await self._global.acquire()
        loop = asyncio.get_running_loop()
        slot = self._slot(chat_id, loop.time())
        slot.waiting += 1
        try:
            await slot.limiter.acquire()
        finally:
            slot.waiting -= 1
            slot.released_at = loop.time()
            self._chats.move_to_end(chat_id)

    def _slot(self, chat_id: int, now: float) -> _ChatSlot:
        # A limiter unused for a whole period is empty again, the same as a new one, so it
        # can go. Slots in use are skipped; the rest are ordered by release time.
        stale = []
        for known, existing in self._chats.items():
            if existing.waiting:
                continue
            if now - existing.released_at < self._chat_period:
                break
            stale.append(known)
        for known in stale:
            del self._chats[known]
        slot = self._chats.get(chat_id)
        if slot is None:
            slot = self._chats[chat_id] = _ChatSlot(AsyncLimiter(1, self._chat_period))
        return slot

    async def _report_blocked(self, chat_id: int) -> None:
        try:
            await self._on_blocked(chat_id)
        except Exception:
            logger.exception("chat %s: could not record that the bot is blocked", chat_id)
