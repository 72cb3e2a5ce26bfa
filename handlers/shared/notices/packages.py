"""Package notices: a client's package closed with credits unused (it expired), with what
goes back and how."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name
from bot.rules.payments import amount_label
from db import events
from db.models import PackagePurchase, Therapist, User
from handlers.shared.notices.base import Letter, Writer, reachable
from handlers.shared.packages import refund_how


class PackageLetters(Writer):
    async def closed(self, session: AsyncSession, event: events.PackageClosed) -> list[Letter]:
        purchase = await session.get(PackagePurchase, event.purchase_id)
        if purchase is None:
            return []
        client = await session.get_one(User, purchase.client_id)
        chat = reachable(client)
        therapist = await session.get(Therapist, purchase.therapist_id)
        if chat is None or therapist is None:
            return []
        t = self.translator.for_language(client.language)
        name = local_name(therapist, t.language)
        if not event.refund:
            return [Letter(chat, t("notice-package-expired", name=name, credits=event.credits))]
        how = refund_how(purchase.currency, event.refund, purchase.amount)
        text = t(
            "notice-package-expired-refund",
            name=name,
            credits=event.credits,
            amount=amount_label(event.refund, purchase.currency),
            how=how,
        )
        return [Letter(chat, text)]
