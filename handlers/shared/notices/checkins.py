"""Check-in notices: the client's therapist told at once of a risk answer or a severe
total (the client's first name and the flag; the answers are read in the bot), and the
admins told only that a risk flag exists for a client of that therapist."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name
from db import events
from db.models import Checkin, Therapist, User
from handlers.shared.notices.base import Letter, Writer, client_name
from keyboards.checkins import start_keyboard, therapist_view_button


class CheckinLetters(Writer):
    async def flagged(self, session: AsyncSession, event: events.CheckinFlagged) -> list[Letter]:
        therapist = await session.get(Therapist, event.therapist_id)
        checkin = await session.get(Checkin, event.checkin_id)
        if therapist is None or not therapist.telegram_id or checkin is None:
            return []  # not linked, or the client erased their data meanwhile
        client = await session.get_one(User, checkin.user_id)
        t = self.therapist_texts(therapist)
        scale = t(f"checkin-scale-{checkin.scale}")
        name = client_name(t, client)
        if event.risk:
            text = t("notice-checkin-risk", client=name, scale=scale)
        else:
            band = t(f"checkin-band-{checkin.band}")
            text = t(
                "notice-checkin-severe",
                client=name,
                scale=scale,
                total=checkin.total or 0,
                band=band,
            )
        markup = therapist_view_button(t, checkin.user_id)
        return [Letter(therapist.telegram_id, text, markup)]

    async def asked(self, session: AsyncSession, event: events.CheckinAsked) -> list[Letter]:
        client = await session.get(User, event.client_id)
        therapist = await session.get(Therapist, event.therapist_id)
        if client is None or client.deleted_at is not None or not client.telegram_id:
            return []
        if therapist is None:
            return []
        t = self.translator.for_language(client.language)
        text = t("checkin-therapist-asks", name=local_name(therapist, t.language))
        return [Letter(client.telegram_id, text, start_keyboard(t, "therapist"))]

    async def risk_for_admins(
        self, session: AsyncSession, event: events.CheckinRiskForAdmins
    ) -> list[Letter]:
        t = self.translator.for_language(self.settings.default_language)
        therapist = await session.get(Therapist, event.therapist_id) if event.therapist_id else None
        if therapist is None:
            return self.admin_letters(t("admin-checkin-risk-no-therapist"))
        name = local_name(therapist, t.language)
        return self.admin_letters(t("admin-checkin-risk", therapist=name))
