"""The reminder job: claims due reminders (`db.reminders`) and sends them through the one
outgoing path, each in its reader's language and time zone.

Rules at send time, whatever happened while the bot was down: a reminder before a session
that has not started goes out late; one whose session has started is dropped; the rating
request belongs after the session and always goes. Nothing goes for a booking that is no
longer confirmed, to a person who blocked the bot or erased their data, or for a time the
booking no longer has.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aiogram.methods import SendInvoice
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.formatting import local_name, when_html
from bot.i18n import Texts, Translator
from bot.notify import Outgoing
from bot.rules.reminders import CLIENT, INVOICE, INVOICE_AGAIN, RATING, THERAPIST, Kind
from bot.rules.timezones import Clock
from db import checkins, reminders
from db.models import BookingStatus, User
from db.reminders import DueReminder
from handlers.shared.invoices import invoice_method
from keyboards.payments import PayBooking
from keyboards.reminders import rating_keyboard, session_keyboard

logger = logging.getLogger(__name__)

Outcome = Literal["sent", "dropped", "failed"]
BATCH = 50


def claim_size(rate_per_second: float) -> int:
    """About a second's worth of sends: what one instance claims at a time, so that several
    instances share a burst of due reminders and one that dies strands no more than that."""
    return max(1, min(BATCH, math.ceil(rate_per_second)))


@dataclass(slots=True)
class ReminderReport:
    sent: int = 0
    dropped: int = 0
    failed: int = 0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass(frozen=True, slots=True)
class _Message:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    invoice: SendInvoice | None = None  # sent right after the text


async def send_due_reminders(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    outgoing: Outgoing,
    translator: Translator,
    settings: Settings,
    clock: Clock,
    stop: asyncio.Event | None = None,
    batch: int = BATCH,
) -> ReminderReport:
    """Send every reminder due now, each at most once across processes: up to `batch` at
    once, paced by the outgoing path, each reader's in their order. Once `stop` is set no
    reminder is started; claims not yet used are handed back."""
    report = ReminderReport()
    async with sessionmaker() as session:
        stale = await reminders.release_stale_claims(session, clock.now())
    if stale:
        logger.warning("reminders: %d claims of a sender that stopped were released", stale)
    tried: set[int] = set()  # one attempt per run: a failed send waits for the next poll
    # Up to `batch` reminders wait for their turns on the outgoing path at once, so a send
    # is ready whenever the limit allows one; one reader's reminders go in their order.
    in_flight = asyncio.Semaphore(batch)
    readers: dict[tuple[str, int], asyncio.Lock] = {}

    async def send(reminder_id: int, reader: asyncio.Lock) -> None:
        try:
            async with reader:
                if stop is not None and stop.is_set():
                    async with sessionmaker() as session:
                        await reminders.release(session, reminder_id, attempted=False)
                    return
                outcome = await _process(
                    reminder_id, sessionmaker, outgoing, translator, settings, clock
                )
        except Exception:
            # Most likely the database; the claim is handed back after CLAIM_TIMEOUT.
            logger.exception("reminder %s: failed", reminder_id)
            outcome = "failed"
        finally:
            in_flight.release()
        report.count(outcome)

    async with asyncio.TaskGroup() as group:
        while stop is None or not stop.is_set():
            async with sessionmaker() as session:
                claimed = await reminders.claim_due(session, clock.now(), limit=batch, skip=tried)
            if not claimed:
                break
            tried.update(claimed)
            for reminder_id in claimed:
                await in_flight.acquire()
                if stop is not None and stop.is_set():
                    in_flight.release()
                    async with sessionmaker() as session:
                        await reminders.release(session, reminder_id, attempted=False)
                    continue
                try:
                    async with sessionmaker() as session:
                        due = await reminders.load_due(session, reminder_id)
                except Exception:
                    in_flight.release()
                    logger.exception("reminder %s: failed", reminder_id)
                    report.count("failed")
                    continue
                key = _reader(due) if due is not None else ("gone", reminder_id)
                # Created in claim order, each first takes its reader's lock (FIFO).
                group.create_task(send(reminder_id, readers.setdefault(key, asyncio.Lock())))
    if report.sent or report.dropped or report.failed:
        logger.info(
            "reminders: %d sent, %d dropped, %d failed",
            report.sent,
            report.dropped,
            report.failed,
        )
    return report


async def _process(
    reminder_id: int,
    sessionmaker: async_sessionmaker[AsyncSession],
    outgoing: Outgoing,
    translator: Translator,
    settings: Settings,
    clock: Clock,
) -> Outcome:
    async with sessionmaker() as session:
        due = await reminders.load_due(session, reminder_id)
        # The first reminder before a session offers a check-in when one may be asked.
        checkin = (
            await checkins.offer_kind(session, due.client, clock.now())
            if due is not None and due.kind.startswith(f"{CLIENT}:") and due.is_first
            else None
        )
    if due is None:  # removed with its booking's change after it was claimed
        return "dropped"
    now = clock.now()
    reason = _why_not(due, now)
    message = None
    if reason is None:
        try:
            message = _render(due, translator, settings, now, checkin=checkin)
        except Exception:
            logger.exception("reminder %s (%s): could not be composed", due.id, due.kind)
            async with sessionmaker() as session:
                await reminders.release(session, due.id)
            return "failed"
        if message is None:
            reason = "the reader has no chat with the bot"
    if message is None:
        async with sessionmaker() as session:
            await reminders.close_unsent(session, due.id)
        logger.info(
            "reminder %s (%s, booking %s) dropped: %s", due.id, due.kind, due.booking.id, reason
        )
        return "dropped"
    delivery = await outgoing.send_message(
        message.chat_id, message.text, reply_markup=message.markup
    )
    if delivery.sent and message.invoice is not None:
        invoiced = await outgoing.call(message.invoice)
        if not invoiced.sent:
            logger.warning("reminder %s: the invoice after it was not delivered", due.id)
    if delivery.sent and due.partner is not None:
        # A couple session: the partner gets their own copy, in their language and zone
        # (once: a copy that fails is logged, the booker's reminder stands).
        copy = _render_partner(due, due.partner, translator, now)
        if copy is not None:
            copied = await outgoing.send_message(copy.chat_id, copy.text)
            if not copied.sent:
                logger.warning("reminder %s: the partner's copy was not delivered", due.id)
    async with sessionmaker() as session:
        if delivery.sent:
            await reminders.mark_sent(session, due.id, clock.now())
            return "sent"
        if delivery.status == "blocked":
            await reminders.close_unsent(session, due.id)
            return "dropped"
        await reminders.release(session, due.id)
    if due.attempts >= reminders.MAX_ATTEMPTS:
        logger.warning(
            "reminder %s (%s): given up after %d attempts (%s)",
            due.id,
            due.kind,
            due.attempts,
            delivery.error,
        )
    return "failed"


def _reader(due: DueReminder) -> tuple[str, int]:
    """Whom a reminder goes to (its reminders are sent in their order)."""
    if due.kind.startswith(f"{THERAPIST}:"):
        return (THERAPIST, due.therapist.id)
    return (CLIENT, due.client.id)


def _why_not(due: DueReminder, now: datetime) -> str | None:
    """Why this reminder must not be sent now; None when it should go."""
    booking = due.booking
    kind = Kind.parse(due.kind)
    if kind is None:
        return "unknown kind"
    planned = kind.due_at(booking.starts_at, booking.ends_at)
    if kind.audience in (INVOICE, INVOICE_AGAIN):
        # Booked after its time, an invoice is due at once: later than planned is fine.
        if due.due_at < planned:
            return "the booking's time changed"
    elif due.due_at != planned:
        return "the booking's time changed"
    if kind.audience == RATING:
        if booking.status not in reminders.RATEABLE_STATUSES:
            return f"the booking is {booking.status}"
        if booking.rating is not None:
            return "already rated"
    elif kind.audience in (INVOICE, INVOICE_AGAIN):
        if booking.status != BookingStatus.pending_payment:
            return f"the booking is {booking.status}"
        if booking.hold_expires_at is None or booking.hold_expires_at <= now:
            return "its time to pay is over"
    else:
        if booking.status != BookingStatus.confirmed:
            return f"the booking is {booking.status}"
        if now >= booking.starts_at:
            return "the session has started"
    if kind.audience in (CLIENT, RATING, INVOICE, INVOICE_AGAIN):
        if due.client.deleted_at is not None:
            return "the client erased their data"
        if due.client.blocked_bot_at is not None:
            return "the client blocked the bot"
    return None


def _left(t: Texts, start: datetime, now: datetime) -> str:
    minutes = max(math.ceil((start - now).total_seconds() / 60), 1)
    return t("reminder-left", hours=minutes // 60, minutes=minutes % 60)


def _render(
    due: DueReminder,
    translator: Translator,
    settings: Settings,
    now: datetime,
    *,
    checkin: Literal["resume", "start"] | None = None,
) -> _Message | None:
    booking, therapist, client = due.booking, due.therapist, due.client
    if due.kind.startswith(f"{THERAPIST}:"):
        if therapist.telegram_id is None:
            return None
        t = translator.for_language(therapist.language or settings.default_language)
        text = t(
            "reminder-therapist",
            when=when_html(t, booking.starts_at, therapist.timezone),
            zone=therapist.timezone,
            left=_left(t, booking.starts_at, now),
            client=client.first_name or "—",
            format=t(f"format-{booking.format}"),
        )
        return _Message(therapist.telegram_id, text, None)
    if client.telegram_id is None:
        return None
    t = translator.for_language(client.language)
    name = local_name(therapist, t.language)
    when = when_html(t, booking.starts_at, client.timezone)
    if due.kind == RATING:
        return _Message(
            client.telegram_id,
            t("rating-ask", name=name, when=when),
            rating_keyboard(booking.id),
        )
    if due.kind.startswith((f"{INVOICE}:", f"{INVOICE_AGAIN}:")):
        first = due.kind.startswith(f"{INVOICE}:")
        assert booking.hold_expires_at is not None
        text = t(
            "series-invoice" if first else "series-invoice-again",
            name=name,
            when=when,
            zone=client.timezone,
            until=when_html(t, booking.hold_expires_at, client.timezone),
        )
        pay = InlineKeyboardBuilder()
        pay.button(text=t("pay-button"), callback_data=PayBooking(booking_id=booking.id))
        invoice = (
            invoice_method(client.telegram_id, t, booking, therapist, client, settings)
            if first
            else None
        )
        return _Message(client.telegram_id, text, None if first else pay.as_markup(), invoice)
    lines = [
        t(
            "reminder-client" if due.group is None else "reminder-client-group",
            when=when,
            zone=client.timezone,
            left=_left(t, booking.starts_at, now),
            name=name,
            title=due.group or "",
        )
    ]
    if due.is_last and therapist.meeting_link:
        lines.append(t("reminder-client-link", link=therapist.meeting_link))
    markup = None
    if due.is_first:
        lines += [
            "",
            t("reminder-client-ask" if due.group is None else "reminder-client-ask-group"),
        ]
        if checkin is not None:
            lines += ["", t("checkin-offer-resume" if checkin == "resume" else "checkin-offer")]
        markup = session_keyboard(
            t,
            booking.id,
            attend=booking.attendance_confirmed_at is None,
            checkin=checkin,
            movable=due.group is None,
        )
    return _Message(client.telegram_id, "\n".join(lines), markup)


def _render_partner(
    due: DueReminder, partner: User, translator: Translator, now: datetime
) -> _Message | None:
    if partner.telegram_id is None or partner.blocked_bot_at is not None:
        return None
    t = translator.for_language(partner.language)
    booking, therapist = due.booking, due.therapist
    lines = [
        t(
            "reminder-partner",
            when=when_html(t, booking.starts_at, partner.timezone),
            zone=partner.timezone,
            left=_left(t, booking.starts_at, now),
            name=local_name(therapist, t.language),
        )
    ]
    if due.is_last and therapist.meeting_link:
        lines.append(t("reminder-client-link", link=therapist.meeting_link))
    return _Message(partner.telegram_id, "\n".join(lines), None)


class ReminderJob:
    """The scheduler's reminder job: one run at a time, and a way to stop between two
    reminders on shutdown instead of being cancelled in the middle of a send."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        outgoing: Outgoing,
        translator: Translator,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outgoing = outgoing
        self._translator = translator
        self._settings = settings
        self._clock = clock
        self._stop = asyncio.Event()
        self._running = asyncio.Lock()

    async def run(self) -> ReminderReport:
        if self._stop.is_set():
            return ReminderReport()
        async with self._running:
            return await send_due_reminders(
                sessionmaker=self._sessionmaker,
                outgoing=self._outgoing,
                translator=self._translator,
                settings=self._settings,
                clock=self._clock,
                stop=self._stop,
                batch=claim_size(self._settings.send_rate_per_second),
            )

    async def stop(self) -> None:
        """Let the reminder being sent finish, then start no other."""
        self._stop.set()
        async with self._running:
            pass
