"""Delivering the outbox: refunds to make and notices to send (`db.outbox`).

One job, run every OUTBOX_POLL_SECONDS by the scheduler and, for the rows an update or a
job has just written, at once by whoever wrote them (so the usual case feels instant). Rows
are claimed before they are worked on, so each refund is made and each notice sent once,
however many processes run the job. A failure hands the row back for a later try (the wait
doubles each time); after OUTBOX_MAX_ATTEMPTS the admins are told: a Stars refund then
waits for them in /refunds, and a notice that could not reach a therapist or the practice's
group is reported with its booking number."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.methods import RefundStarPayment, SendDocument
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.notify import TRANSIENT_ERRORS, Outgoing
from bot.rules.timezones import Clock
from db import events, outbox, payments
from db.events import PRACTICE, To
from db.models import Notice, Refund
from handlers.shared.notices import Letter, Notices

logger = logging.getLogger(__name__)

BATCH = 50
# Telegram's answer when the Stars went back already (an earlier try that timed out).
ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"


@dataclass
class OutboxJob:
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    outgoing: Outgoing
    notices: Notices
    settings: Settings
    clock: Clock

    async def run(self) -> int:
        """Every due row; stale claims of a process that died are handed back first."""
        async with self.sessionmaker() as session:
            now = self.clock.now()
            await outbox.release_stale_claims(session, Refund, now)
            await outbox.release_stale_claims(session, Notice, now)
        return await self.deliver(None, None)

    async def deliver(
        self, notice_ids: Collection[int] | None, refund_ids: Collection[int] | None
    ) -> int:
        """Refunds first (a refund made leaves a notice for the client), then notices; only
        the given ids when asked for rows just written, else whatever is due."""
        done = 0
        async with self.sessionmaker() as session:
            claimed = await outbox.claim_due(
                session, Refund, self.clock.now(), limit=BATCH, only=refund_ids
            )
        written: list[int] = []
        for refund_id in claimed:
            written += await self._refund(refund_id)
            done += 1
        only = None if notice_ids is None else [*notice_ids, *written]
        async with self.sessionmaker() as session:
            claimed = await outbox.claim_due(
                session, Notice, self.clock.now(), limit=BATCH, only=only
            )
        for notice_id in claimed:
            await self._notice(notice_id)
            done += 1
        return done

    async def deliver_written(self, session: AsyncSession) -> None:
        """Deliver at once what `session` wrote to the outbox (its use cases committed)."""
        notice_ids, refund_ids = outbox.written(session)
        if notice_ids or refund_ids:
            await self.deliver(notice_ids, refund_ids)

    # -- refunds ----------------------------------------------------------------------

    async def _refund(self, refund_id: int) -> list[int]:
        """Return Stars through Telegram; the ids of the notices that this wrote."""
        async with self.sessionmaker() as session:
            refund = await session.get(Refund, refund_id)
            if refund is None or refund.payer_telegram_id is None:
                return []
            error = await self._return_stars(refund)
            now = self.clock.now()
            if error is None:
                await payments.refund_returned(session, refund, now)
            elif refund.attempts >= self.settings.outbox_max_attempts:
                logger.error("refund %s: %s, handed to the admins", refund.id, error)
                await payments.refund_to_admins(session, refund, error, now)
            else:
                logger.warning("refund %s: %s, trying again later", refund.id, error)
                delay = outbox.retry_delay(refund.attempts, self.settings.outbox_retry_seconds)
                await outbox.try_later(session, Refund, refund.id, now + delay)
                await session.commit()
            return outbox.written(session)[0]

    async def _return_stars(self, refund: Refund) -> str | None:
        """None when the Stars are back; otherwise the error's class name."""
        assert refund.payer_telegram_id is not None
        method = RefundStarPayment(
            user_id=refund.payer_telegram_id, telegram_payment_charge_id=refund.telegram_charge_id
        )
        try:
            await self.bot(method)
        except TelegramBadRequest as error:
            if ALREADY_REFUNDED in error.message:
                return None
            return type(error).__name__
        except (TelegramAPIError, *TRANSIENT_ERRORS) as error:  # type: ignore[misc]
            return type(error).__name__
        return None

    # -- notices ----------------------------------------------------------------------

    async def _notice(self, notice_id: int) -> None:
        async with self.sessionmaker() as session:
            notice = await session.get(Notice, notice_id)
            if notice is None:
                return
            outcome = await self._send(session, notice)
            if outcome is not None:
                await self._finish(session, [(notice, outcome)])

    async def deliver_committed(self, session: AsyncSession, notices: list[Notice]) -> None:
        """Send the notices an update's use cases wrote claimed and committed in `session`,
        rendered from the rows it holds already. Their outcomes are recorded with the
        update's own finish when it came through the inbox, else here."""
        session.info.pop(outbox.AT_ONCE, None)  # what this writes (a report) goes the usual way
        finished: list[tuple[Notice, str]] = []
        for notice in notices:
            outcome = await self._send(session, notice)
            if outcome is not None:
                finished.append((notice, outcome))
        if not finished:
            return
        if any(self._to_report(notice, outcome) for notice, outcome in finished):
            await self._finish(session, finished)  # with the report, at once
        elif not outbox.finish_with_update([(notice.id, outcome) for notice, outcome in finished]):
            await self._finish(session, finished)

    async def _send(self, session: AsyncSession, notice: Notice) -> str | None:
        """Render and send a claimed notice: its outcome, or None when it is handed back
        for a later try (committed here)."""
        letters = await self._letters(session, notice)
        if letters is None:
            return "failed"  # what cannot be read or rendered now will not be later either
        statuses = []
        for letter in letters:
            delivery = await self.outgoing.send_message(
                letter.chat_id, letter.text, reply_markup=letter.markup
            )
            statuses.append(delivery.status)
            if letter.invoice is not None and delivery.status == "sent":
                await self.outgoing.call(letter.invoice)
            if letter.document is not None and delivery.status == "sent":
                # Told already: a file that fails is not worth telling them twice.
                await self.outgoing.call(
                    SendDocument(
                        chat_id=letter.chat_id,
                        document=letter.document,
                        caption=letter.caption,
                    )
                )
        if not letters:
            return "skipped"
        if "sent" in statuses:
            return "sent"  # to the admins: one of them has it
        if "failed" in statuses and notice.attempts < self.settings.outbox_max_attempts:
            delay = outbox.retry_delay(notice.attempts, self.settings.outbox_retry_seconds)
            await outbox.try_later(session, Notice, notice.id, self.clock.now() + delay)
            await session.commit()
            return None
        return "failed" if "failed" in statuses else "blocked"

    @staticmethod
    def _to_report(notice: Notice, outcome: str) -> bool:
        """The practice must know that someone was not told (a client who blocked the bot
        chose not to hear from it)."""
        practice = notice.recipient in PRACTICE
        return (outcome == "failed" and notice.recipient in (To.client, *PRACTICE)) or (
            outcome == "blocked" and practice
        )

    async def _finish(self, session: AsyncSession, finished: list[tuple[Notice, str]]) -> None:
        now = self.clock.now()
        await outbox.finish_notices(
            session, [(notice.id, outcome) for notice, outcome in finished], now
        )
        for notice, outcome in finished:
            if self._to_report(notice, outcome):
                undelivered = events.Undelivered(
                    booking_id=notice.booking_id, addressee=To(notice.recipient)
                )
                await outbox.notify(session, undelivered, now)
        await session.commit()

    async def _letters(self, session: AsyncSession, notice: Notice) -> list[Letter] | None:
        """What the notice says; None when it cannot say it, now or later: a row no kind of
        event takes (written by a newer version, or damaged), or one that fails to render."""
        try:
            event = events.parse(
                notice.event,
                recipient=notice.recipient,
                booking_id=notice.booking_id,
                refund_id=notice.refund_id,
                details=notice.details,
            )
        except events.UnknownEvent as error:
            logger.error("notice %s could not be read: %s", notice.id, error)
            return None
        try:
            return await self.notices.letters(session, event, notice.created_at)
        except Exception:
            logger.exception("notice %s (%s) could not be rendered", notice.id, notice.event)
            return None
