"""Prometheus metrics: what the process counts as it works, and what the database holds
(read when /metrics is scraped, see `bot.web`).

Counted by the process:

- `bot_updates_total{type, outcome}`: updates by type (`message`, `callback_query`, …) and
  outcome: `handled`, `unhandled` (no handler took it), `error` (the handler raised) or
  `repeated` (delivered again when the inbox had it already, here or at another instance:
  skipped);
- `bot_handler_duration_seconds{type}`: how long routing and the handler took;
- `bot_outgoing_messages_total{result}`: sends through `bot.notify.Outgoing`: `sent`, `429`
  (each flood-control answer; the message is retried), `403` (blocked) or `failed`;
- `bot_api_requests_total{method, result}`: every Bot API request (replies too): `ok`,
  `429`, `403` or `error`.

Read from the database at scrape time (the same for every process on one database: take
`max`, not `sum`, across instances): `bot_inbox_updates{state}` (`waiting`: stored and
not yet handled; `parked`: given up after `INBOX_MAX_ATTEMPTS`, for a day),
`bot_reminders_due`, `bot_outbox_pending{kind}`, `bot_refunds_manual`,
`bot_bookings{status}`, `bot_payments{status}`, and `bot_database_up` (0 when they could
not be read; they are left out then).

Every `Metrics` has a registry of its own (never prometheus-client's global one). The
process uses one, `current()`; tests start from a fresh one with `reset()`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import UpdateContext, current_update
from db.models import (
    Booking,
    BookingStatus,
    InboxUpdate,
    Notice,
    Payment,
    PaymentStatus,
    Refund,
    Reminder,
)
from db.reminders import MAX_ATTEMPTS

logger = logging.getLogger("bot.updates")

OutgoingResult = Literal["sent", "429", "403", "failed"]
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Observers of the dispatcher whose handlers are the bot's own (not aiogram's routing).
NOT_HANDLERS = frozenset({"update", "error"})


@dataclass(frozen=True, slots=True)
class DatabaseSnapshot:
    """What the gauges show, read in one short session."""

    reminders_due: int
    notices_pending: int
    refunds_pending: int
    refunds_manual: int
    bookings: Mapping[str, int]
    payments: Mapping[str, int]
    inbox_waiting: int = 0
    inbox_parked: int = 0


class _DatabaseGauges(Collector):
    """Yields the latest snapshot's gauges; nothing before the first scrape."""

    def __init__(self) -> None:
        self.read = False
        self.up = False
        self.snapshot: DatabaseSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        if not self.read:
            return
        up = GaugeMetricFamily("bot_database_up", "1 when the database gauges could be read")
        up.add_metric([], 1.0 if self.up else 0.0)
        yield up
        snapshot = self.snapshot
        if snapshot is None:
            return
        yield GaugeMetricFamily(
            "bot_reminders_due",
            "Reminders whose time has come and that are not sent yet",
            value=snapshot.reminders_due,
        )
        pending = GaugeMetricFamily(
            "bot_outbox_pending", "Outbox rows the outbox job has still to deliver", labels=["kind"]
        )
        pending.add_metric(["notice"], snapshot.notices_pending)
        pending.add_metric(["refund"], snapshot.refunds_pending)
        yield pending
        yield GaugeMetricFamily(
            "bot_refunds_manual",
            "Refunds waiting for an admin to return the money by hand",
            value=snapshot.refunds_manual,
        )
        inbox = GaugeMetricFamily(
            "bot_inbox_updates",
            "Updates in the inbox: waiting to be handled, or parked after failing (last day)",
            labels=["state"],
        )
        inbox.add_metric(["waiting"], snapshot.inbox_waiting)
        inbox.add_metric(["parked"], snapshot.inbox_parked)
        yield inbox
        yield _by_status("bot_bookings", "Bookings by status", snapshot.bookings)
        yield _by_status("bot_payments", "Payments by status", snapshot.payments)


def _by_status(name: str, documentation: str, counts: Mapping[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    for status, count in sorted(counts.items()):
        family.add_metric([status], count)
    return family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "bot_updates",
            "Updates by type and outcome",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "bot_handler_duration_seconds",
            "Time from routing an update to its handler's return",
            ["type"],
            buckets=HANDLER_BUCKETS,
            registry=self.registry,
        )
        self.outgoing = Counter(
            "bot_outgoing_messages",
            "Sends through the outgoing path by result",
            ["result"],
            registry=self.registry,
        )
        self.api_requests = Counter(
            "bot_api_requests",
            "Bot API requests by method and result",
            ["method", "result"],
            registry=self.registry,
        )
        self._database = _DatabaseGauges()
        self.registry.register(self._database)

    def show_database(self, snapshot: DatabaseSnapshot | None) -> None:
        """The database gauges for the next scrape; None: they could not be read."""
        self._database.read = True
        self._database.up = snapshot is not None
        self._database.snapshot = snapshot


_current = Metrics()


def current() -> Metrics:
    """The process's metrics."""
    return _current


def reset() -> Metrics:
    """Start the process's metrics afresh (tests); returns the new ones."""
    global _current
    _current = Metrics()
    return _current


def count_outgoing(result: OutgoingResult) -> None:
    _current.outgoing.labels(result).inc()


def count_repeated(update: Update) -> None:
    """An update delivered again while the inbox has it already, skipped (`bot.inbox`)."""
    _current.updates.labels(kind_of(update), "repeated").inc()


async def read_database(session: AsyncSession, now: datetime) -> DatabaseSnapshot:
    reminders_due = await session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.sent_at.is_(None),
            Reminder.attempts < MAX_ATTEMPTS,
            Reminder.due_at <= now,
        )
    )
    notices_pending = await session.scalar(
        select(func.count()).select_from(Notice).where(Notice.finished_at.is_(None))
    )
    refunds_pending = await session.scalar(
        select(func.count()).select_from(Refund).where(Refund.finished_at.is_(None))
    )
    refunds_manual = await session.scalar(
        select(func.count()).select_from(Refund).where(Refund.status == "manual")
    )
    bookings = {status.value: 0 for status in BookingStatus}
    for status, count in await session.execute(
        select(Booking.status, func.count()).group_by(Booking.status)
    ):
        bookings[status] = count
    payments = {status.value: 0 for status in PaymentStatus}
    for status, count in await session.execute(
        select(Payment.status, func.count()).group_by(Payment.status)
    ):
        payments[status] = count
    inbox: dict[str | None, int] = {None: 0, "parked": 0}
    for outcome, count in await session.execute(
        select(InboxUpdate.outcome, func.count())
        .where(or_(InboxUpdate.finished_at.is_(None), InboxUpdate.outcome == "parked"))
        .group_by(InboxUpdate.outcome)
    ):
        inbox[outcome] = count
    return DatabaseSnapshot(
        inbox_waiting=inbox[None],
        inbox_parked=inbox["parked"],
        reminders_due=reminders_due or 0,
        notices_pending=notices_pending or 0,
        refunds_pending=refunds_pending or 0,
        refunds_manual=refunds_manual or 0,
        bookings=bookings,
        payments=payments,
    )


# -- the dispatcher ----------------------------------------------------------------------


def kind_of(update: Update) -> str:
    """The update's type (`message`, `callback_query`, …), or `unknown`."""
    try:
        return update.event_type
    except Exception:  # a kind of update this aiogram does not know
        return "unknown"


def handler_name(handler: HandlerObject) -> str:
    callback = handler.callback
    module = getattr(callback, "__module__", None) or "?"
    name = getattr(callback, "__qualname__", None) or type(callback).__qualname__
    return f"{module}.{name}"


class UpdateMetrics(BaseMiddleware):
    """Counts each update by type and outcome, times it, and keeps `current_update` (its
    id and handler, for the log) while it runs. Registered after the dispatcher's other
    outer middlewares, so it times the handler, not throttling or the outbox delivery; a
    handler's exception passes through it (counted) to aiogram's error handling."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        kind = kind_of(event)
        context = UpdateContext(update_id=event.update_id)
        token = current_update.set(context)
        outcome = "error"
        started = time.perf_counter()
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            elapsed = time.perf_counter() - started
            metrics = self._metrics or _current
            metrics.updates.labels(kind, outcome).inc()
            metrics.handler_seconds.labels(kind).observe(elapsed)
            logger.info(
                "%s %s",
                kind,
                outcome,
                extra={
                    "update_id": context.update_id,
                    "handler": context.handler,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            current_update.reset(token)


class HandlerName(BaseMiddleware):
    """An inner middleware on the dispatcher's observers (so on every router below it):
    notes which handler took the update."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = current_update.get()
        found = data.get("handler")
        if context is not None and isinstance(found, HandlerObject):
            context.handler = handler_name(found)
        return await handler(event, data)


class ApiRequestMetrics(BaseRequestMiddleware):
    """Counts the bot's Bot API requests by method and result."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        result = "error"
        try:
            response = await make_request(bot, method)
            result = "ok"
            return response
        except TelegramRetryAfter:
            result = "429"
            raise
        except TelegramForbiddenError:
            result = "403"
            raise
        finally:
            metrics = self._metrics or _current
            metrics.api_requests.labels(method.__api_method__, result).inc()


def install_metrics(
    dispatcher: Dispatcher, bot: Bot | None = None, metrics: Metrics | None = None
) -> None:
    """Count the dispatcher's updates (call after `bot.app.create_dispatcher`, so the
    middleware comes after the app's own) and, given a bot, its Bot API requests.
    `metrics`: the process's `current()` when not given."""
    dispatcher.update.outer_middleware(UpdateMetrics(metrics))
    names = HandlerName()
    for name, observer in dispatcher.observers.items():
        if name not in NOT_HANDLERS:
            observer.middleware(names)
    if bot is not None:
        bot.session.middleware(ApiRequestMetrics(metrics))
