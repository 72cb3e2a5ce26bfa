"""The admins' notices, in the default language: refunds to make, notices that could not be
delivered, updates the inbox gave up on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.payments import amount_text
from db import events
from db.models import Booking, Refund
from handlers.shared.notices.base import Letter, Writer

RefundEvent = events.RefundNeeded | events.RefundFailed

REFUND_KEYS: dict[type[RefundEvent], str] = {
    events.RefundNeeded: "admin-refund-needed",
    events.RefundFailed: "admin-refund-failed",
}


class AdminLetters(Writer):
    async def refund(self, session: AsyncSession, event: RefundEvent) -> list[Letter]:
        refund = await session.get(Refund, event.refund_id)
        if refund is None:
            raise LookupError(f"refund {event.refund_id} is gone")
        t = self.translator.for_language(self.settings.default_language)
        text = t(
            REFUND_KEYS[type(event)],
            id=refund.id,
            booking=refund.booking_id or "—",
            amount=amount_text(refund.amount, refund.currency),
            currency=refund.currency,
            charge=refund.telegram_charge_id,
            provider=refund.provider_charge_id or "—",
            reason=t(f"refund-reason-{refund.reason}"),
        )
        return self.admin_letters(text)

    async def undelivered(self, session: AsyncSession, event: events.Undelivered) -> list[Letter]:
        booking = await session.get(Booking, event.booking_id) if event.booking_id else None
        t = self.translator.for_language(self.settings.default_language)
        text = t(
            "admin-undelivered",
            recipient=t(f"notice-recipient-{event.addressee}"),
            booking=booking.id if booking else "—",
        )
        return self.admin_letters(text)

    def update_parked(self, event: events.UpdateParked) -> list[Letter]:
        t = self.translator.for_language(self.settings.default_language)
        text = t(
            "admin-update-parked",
            update=str(event.update_id),
            kind=event.kind or "—",
            attempts=event.attempts,
            failure=event.failure or t("admin-update-parked-no-error"),
        )
        return self.admin_letters(text)
