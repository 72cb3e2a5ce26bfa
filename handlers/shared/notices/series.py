"""A regular time: made, a date it cannot have, ended, a session released unpaid. The
client's letters carry the regular time's calendar event as it is now; the therapist's
and the group's are one line each. A notice hangs on the series' first booking and says
nothing once that or the series is gone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day_label, local_name, when_html, when_text
from bot.i18n import Texts
from bot.rules.series import Gap
from db import events, series, series_calendar
from db.events import To
from db.models import Booking, Series, SeriesEnd, Therapist, User
from handlers.shared.cards import calendar_file, series_calendar_file
from handlers.shared.notices.base import (
    Letter,
    Writer,
    booking_of,
    client_name,
    find_again,
    reachable,
)
from handlers.shared.series import series_pattern
from keyboards.series import take_keyboard
from keyboards.therapist import series_answer_keyboard

SeriesEvent = (
    events.SeriesCreated
    | events.SeriesMissed
    | events.SeriesAsked
    | events.SeriesApproved
    | events.SeriesDeclined
    | events.SeriesEnded
    | events.SeriesReleased
)

# The therapist's text and the group's (only a new regular time goes to the group).
KEYS: dict[type[SeriesEvent], str] = {
    events.SeriesCreated: "notify-series-created",
    events.SeriesMissed: "notify-series-missed",
    events.SeriesAsked: "notify-series-asked",
    events.SeriesEnded: "notify-series-ended",
    events.SeriesReleased: "notify-series-released",
}
GROUP_KEY = "notify-series-created-group"


@dataclass(frozen=True)
class Regular:
    """What a series' notice is about: its booking, the series and both people."""

    booking: Booking
    item: Series
    therapist: Therapist
    client: User


class SeriesLetters(Writer):
    async def _regular(self, session: AsyncSession, event: SeriesEvent) -> Regular | None:
        booking = await booking_of(session, event.booking_id) if event.booking_id else None
        if booking is None:
            return None
        client = await session.get(User, booking.client_id)
        assert client is not None
        item = await session.get(Series, event.series_id)
        if item is None:
            return None
        return Regular(booking, item, booking.therapist, client)

    async def created(self, session: AsyncSession, event: events.SeriesCreated) -> list[Letter]:
        regular = await self._regular(session, event)
        return self._to_practice(event, regular) if regular else []

    async def missed(
        self, session: AsyncSession, event: events.SeriesMissed, now: datetime
    ) -> list[Letter]:
        """A date the regular time cannot have: the client gets the other free times of
        its week to take one instead, or, told ahead by a change of hours, just the news."""
        regular = await self._regular(session, event)
        if regular is None:
            return []
        if event.recipient != To.client:
            return self._to_practice(event, regular, day=event.day, reason=event.reason)
        chat = reachable(regular.client)
        if chat is None:
            return []
        t = self.translator.for_language(regular.client.language)
        whole = await self._calendar(session, t, regular.item, now)
        caption = t("series-ics-caption")
        if event.ahead:
            # Told ahead, by the therapist's change of hours: that week is not open yet.
            text = t(
                "notice-series-ahead",
                day=day_label(t, event.day),
                reason=t(f"series-gap-{event.reason}"),
                name=local_name(regular.therapist, t.language),
                days=self.settings.booking_horizon_days,
            )
            return [Letter(chat, text, None, whole, caption)]
        zone = regular.client.timezone
        slots = await series.alternatives(session, regular.item, event.day, now)
        text = t(
            "notice-series-missed-paused" if event.resumed else "notice-series-missed",
            day=day_label(t, event.day),
            reason=t(f"series-gap-{event.reason}"),
            alternatives="some" if slots else "none",
            zone=zone,
        )
        labels = [(slot.id, when_text(t, slot.starts_at, zone)) for slot in slots]
        markup = take_keyboard(regular.item.id, event.day.isoformat(), labels) if slots else None
        return [Letter(chat, text, markup, whole, caption)]

    async def asked(self, session: AsyncSession, event: events.SeriesAsked) -> list[Letter]:
        """The therapist, who confirms every booking, is asked to agree to a regular time;
        nothing once they answered."""
        regular = await self._regular(session, event)
        if regular is None:
            return []
        item = regular.item
        if item.approval_asked_at is None or item.ended_at is not None:
            return []  # answered meanwhile
        return self._to_practice(event, regular)

    async def answered(
        self,
        session: AsyncSession,
        event: events.SeriesApproved | events.SeriesDeclined,
        now: datetime,
    ) -> list[Letter]:
        """The therapist's answer, for the client: agreed (with the regular time's calendar
        event), or not (the session already booked stays)."""
        regular = await self._regular(session, event)
        if regular is None:
            return []
        chat = reachable(regular.client)
        if chat is None:
            return []
        t = self.translator.for_language(regular.client.language)
        values = {
            "name": local_name(regular.therapist, t.language),
            "pattern": series_pattern(t, regular.item, regular.therapist, regular.client.timezone),
        }
        if isinstance(event, events.SeriesDeclined):
            return [Letter(chat, t("notice-series-declined", **values))]
        text = t("notice-series-approved", days=self.settings.booking_horizon_days, **values)
        whole = await self._calendar(session, t, regular.item, now)
        return [Letter(chat, text, None, whole, t("series-ics-caption"))]

    async def ended(
        self, session: AsyncSession, event: events.SeriesEnded, now: datetime
    ) -> list[Letter]:
        regular = await self._regular(session, event)
        if regular is None:
            return []
        if event.recipient != To.client:
            return self._to_practice(event, regular, by=event.by)
        chat = reachable(regular.client)
        if chat is None:
            return []
        t = self.translator.for_language(regular.client.language)
        text = t(
            "notice-series-ended",
            name=local_name(regular.therapist, t.language),
            pattern=series_pattern(t, regular.item, regular.therapist, regular.client.timezone),
        )
        whole = await self._calendar(session, t, regular.item, now)
        return [Letter(chat, text, find_again(t), whole, t("series-ics-caption"))]

    async def released(
        self, session: AsyncSession, event: events.SeriesReleased, now: datetime
    ) -> list[Letter]:
        """A regular session unpaid at the free-cancellation deadline: gone, with the file
        that takes it out of the client's calendar; the regular time goes on."""
        regular = await self._regular(session, event)
        if regular is None:
            return []
        if event.recipient != To.client:
            return self._to_practice(event, regular, day=event.day)
        chat = reachable(regular.client)
        if chat is None:
            return []
        booking, therapist, client = regular.booking, regular.therapist, regular.client
        t = self.translator.for_language(client.language)
        text = t(
            "notice-series-released",
            when=when_html(t, booking.starts_at, client.timezone),
            zone=client.timezone,
            name=local_name(therapist, t.language),
        )
        place = await series_calendar.calendar_place(session, booking)
        document = calendar_file(t, booking, therapist, client.timezone, now, place)
        return [Letter(chat, text, None, document, t("book-ics-cancel-caption"))]

    async def _calendar(
        self, session: AsyncSession, t: Texts, item: Series, now: datetime
    ) -> BufferedInputFile:
        """The regular time's calendar event without what is gone from it."""
        return series_calendar_file(
            t, await series_calendar.series_calendar(session, item, now), now
        )

    def _to_practice(
        self,
        event: SeriesEvent,
        regular: Regular,
        *,
        day: date | None = None,
        reason: Gap | None = None,
        by: SeriesEnd | None = None,
    ) -> list[Letter]:
        therapist, client, item = regular.therapist, regular.client, regular.item
        t = self.practice_texts(therapist, event.recipient)
        values = {
            "client": client_name(t, client),
            "pattern": series_pattern(t, item, therapist, therapist.timezone),
            "zone": therapist.timezone,
            "format": t(f"format-{item.format}"),
            "days": self.settings.booking_horizon_days,
            "day": day_label(t, day) if day else "—",
            "reason": t(f"series-gap-{reason}") if reason else "—",
            "why": t(f"series-end-by-{by or SeriesEnd.client}"),
            "when": when_html(t, regular.booking.starts_at, therapist.timezone),
        }
        if event.recipient == To.group:
            chat = self.settings.therapist_chat_id
            if not chat:
                return []
            name = local_name(therapist, t.language)
            return [Letter(chat, t(GROUP_KEY, therapist=name, **values))]
        if not therapist.telegram_id:
            return []
        markup = (
            series_answer_keyboard(t, item.id) if isinstance(event, events.SeriesAsked) else None
        )
        return [Letter(therapist.telegram_id, t(KEYS[type(event)], **values), markup)]
