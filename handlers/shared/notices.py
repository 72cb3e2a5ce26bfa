"""What a notice of the outbox says, to whom: rendered when it is sent (`scheduler.outbox`),
in the reader's language and zone, from the booking as it is then. A notice row holds no
text.

The therapist (when linked) gets a card: the client's first name, the time in the
therapist's zone, the format and the topics (never the questionnaire's other answers), with
a button to write to the client. THERAPIST_CHAT_ID gets the same without the topics. The
client hears of what someone else did to their session (the practice cancelled it, the
hold lapsed, the money came back); the admins of refunds to make and of notices that could
not be delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aiogram.methods import SendInvoice
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import day_label, local_name, when_text
from bot.i18n import Texts, Translator
from bot.rules.payments import amount_text
from bot.rules.timezones import zone
from db import series, series_calendar, users
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    Notice,
    OfferStatus,
    Refund,
    RequestStatus,
    Series,
    Therapist,
    User,
    WaitlistEntry,
    WaitlistOffer,
)
from db.outbox import To
from handlers.shared.cards import calendar_file, series_calendar_file
from handlers.shared.invoices import invoice_method
from handlers.shared.series import series_pattern
from keyboards.catalog import find_others_keyboard
from keyboards.menu import MenuAction, MenuItem
from keyboards.requests import proposal_keyboard, request_card_keyboard
from keyboards.series import take_keyboard
from keyboards.therapist import series_answer_keyboard, session_card_keyboard
from keyboards.waitlist import offer_keyboard, wait_button

CANCELLED_NOTICES = ("cancelled-by-admin", "cancelled-by-therapist")


@dataclass(frozen=True)
class Letter:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    # Sent after the text: the calendar file that takes a cancelled session out.
    document: BufferedInputFile | None = None
    caption: str | None = None
    # Sent after the text: the invoice of a time held for its payment.
    invoice: SendInvoice | None = None


async def client_topics(session: AsyncSession, client: User, language: str) -> str:
    """The topics a client chose, for their therapist ("—" when none)."""
    questionnaire = await users.get_questionnaire(session, client)
    codes = set(questionnaire.topics if questionnaire else [])
    names = [
        local_name(topic, language)
        for topic in await users.visible_topics(session)
        if topic.code in codes
    ]
    return ", ".join(names) or "—"


@dataclass
class Notices:
    translator: Translator
    settings: Settings

    async def letters(self, session: AsyncSession, notice: Notice) -> list[Letter]:
        """The messages a notice stands for; none when there is nobody to tell (a therapist
        not linked yet, no practice group, a client who erased their data)."""
        booking = await session.get(Booking, notice.booking_id) if notice.booking_id else None
        refund = await session.get(Refund, notice.refund_id) if notice.refund_id else None
        details = notice.details or {}
        if notice.recipient == To.admins:
            return self._to_admins(notice, booking, refund)
        if notice.event.startswith("waitlist-"):
            return await self._waitlist(session, notice.event, details)
        if notice.event.startswith("request-"):
            return await self._request(session, notice, booking, details)
        if booking is None:
            return []
        therapist = booking.therapist
        client = await session.get(User, booking.client_id)
        assert client is not None
        if notice.event.startswith("series-"):
            return await self._series(session, notice, booking, therapist, client, details)
        if notice.recipient == To.client:
            # A cancellation carries the file that takes the event out of a calendar.
            place = (
                await series_calendar.calendar_place(session, booking)
                if notice.event in CANCELLED_NOTICES
                else None
            )
            return self._to_client(notice.event, booking, therapist, client, refund, details, place)
        return await self._to_practice(session, notice, booking, therapist, client, details)

    # -- the therapist and the practice's group ---------------------------------------

    async def _to_practice(
        self,
        session: AsyncSession,
        notice: Notice,
        booking: Booking,
        therapist: Therapist,
        client: User,
        details: dict[str, Any],
    ) -> list[Letter]:
        kind = notice.event
        # The practice's group reads the default language, a therapist their own.
        language: str = self.settings.default_language
        if notice.recipient != To.group:
            language = therapist.language or language
        t = self.translator.for_language(language)
        was = details.get("old_starts_at")
        values = {
            "client": (client.first_name if client.deleted_at is None else None)
            or t("notice-client-erased"),
            "when": when_text(t, booking.starts_at, therapist.timezone),
            "was": when_text(t, datetime.fromisoformat(was), therapist.timezone) if was else "—",
            "zone": therapist.timezone,
            "format": t(f"format-{booking.format}"),
        }
        if notice.recipient == To.group:
            chat = self.settings.therapist_chat_id
            if not chat:
                return []
            name = local_name(therapist, language)
            return [Letter(chat, t(f"notify-{kind}-group", therapist=name, **values))]
        if not therapist.telegram_id:
            return []
        topics = await client_topics(session, client, language)
        markup = (
            None
            if kind == "cancelled"
            else session_card_keyboard(t, booking.id, client.id, started=False)
        )
        text = t(f"notify-{kind}", topics=topics, **values)
        return [Letter(therapist.telegram_id, text, markup)]

    # -- a regular time ---------------------------------------------------------------

    async def _series(
        self,
        session: AsyncSession,
        notice: Notice,
        booking: Booking,
        therapist: Therapist,
        client: User,
        details: dict[str, Any],
    ) -> list[Letter]:
        item = await session.get(Series, details.get("series"))
        if item is None:
            return []
        day = date.fromisoformat(details["day"]) if details.get("day") else None
        reason = details.get("reason")
        if notice.recipient == To.client:
            if client.telegram_id is None or client.deleted_at is not None:
                return []
            t = self.translator.for_language(client.language)
            now = notice.created_at
            # The regular time's calendar event without what is gone from it.
            whole = series_calendar_file(
                t, await series_calendar.series_calendar(session, item, now), now
            )
            if notice.event == "series-approved":
                text = t(
                    "notice-series-approved",
                    name=local_name(therapist, t.language),
                    pattern=series_pattern(t, item, therapist, client.timezone),
                    days=self.settings.booking_horizon_days,
                )
                return [Letter(client.telegram_id, text, None, whole, t("series-ics-caption"))]
            if notice.event == "series-declined":
                text = t(
                    "notice-series-declined",
                    name=local_name(therapist, t.language),
                    pattern=series_pattern(t, item, therapist, client.timezone),
                )
                return [Letter(client.telegram_id, text)]
            if notice.event == "series-ended":
                text = t(
                    "notice-series-ended",
                    name=local_name(therapist, t.language),
                    pattern=series_pattern(t, item, therapist, client.timezone),
                )
                caption = t("series-ics-caption")
                return [Letter(client.telegram_id, text, find_again(t), whole, caption)]
            if notice.event == "series-released":
                text = t(
                    "notice-series-released",
                    when=when_text(t, booking.starts_at, client.timezone),
                    zone=client.timezone,
                    name=local_name(therapist, t.language),
                )
                place = await series_calendar.calendar_place(session, booking)
                document = calendar_file(t, booking, therapist, client.timezone, now, place)
                caption = t("book-ics-cancel-caption")
                return [Letter(client.telegram_id, text, None, document, caption)]
            if notice.event != "series-missed" or day is None:
                raise ValueError(f"no client notice {notice.event!r}")
            if details.get("ahead"):
                # Told ahead, by the therapist's change of hours: that week is not open yet.
                text = t(
                    "notice-series-ahead",
                    day=day_label(t, day),
                    reason=t(f"series-gap-{reason}"),
                    name=local_name(therapist, t.language),
                    days=self.settings.booking_horizon_days,
                )
                return [Letter(client.telegram_id, text, None, whole, t("series-ics-caption"))]
            slots = await series.alternatives(session, item, day, now)
            text = t(
                "notice-series-missed-paused" if details.get("resumed") else "notice-series-missed",
                day=day_label(t, day),
                reason=t(f"series-gap-{reason}"),
                alternatives="some" if slots else "none",
                zone=client.timezone,
            )
            labels = [(slot.id, when_text(t, slot.starts_at, client.timezone)) for slot in slots]
            markup = take_keyboard(item.id, day.isoformat(), labels) if slots else None
            return [Letter(client.telegram_id, text, markup, whole, t("series-ics-caption"))]
        language: str = self.settings.default_language
        if notice.recipient != To.group:
            language = therapist.language or language
        t = self.translator.for_language(language)
        values = {
            "client": (client.first_name if client.deleted_at is None else None)
            or t("notice-client-erased"),
            "pattern": series_pattern(t, item, therapist, therapist.timezone),
            "zone": therapist.timezone,
            "format": t(f"format-{item.format}"),
            "days": self.settings.booking_horizon_days,
            "day": day_label(t, day) if day else "—",
            "reason": t(f"series-gap-{reason}") if reason else "—",
            "why": t(f"series-end-by-{details.get('by', 'client')}"),
            "when": when_text(t, booking.starts_at, therapist.timezone),
        }
        kind = notice.event
        if notice.recipient == To.group:
            chat = self.settings.therapist_chat_id
            if not chat:
                return []
            name = local_name(therapist, language)
            return [Letter(chat, t(f"notify-{kind}-group", therapist=name, **values))]
        if not therapist.telegram_id:
            return []
        markup = None
        if kind == "series-asked":
            if item.approval_asked_at is None or item.ended_at is not None:
                return []  # answered meanwhile
            markup = series_answer_keyboard(t, item.id)
        return [Letter(therapist.telegram_id, t(f"notify-{kind}", **values), markup)]

    # -- booking requests -------------------------------------------------------------

    async def _request(
        self,
        session: AsyncSession,
        notice: Notice,
        booking: Booking | None,
        details: dict[str, Any],
    ) -> list[Letter]:
        """A request to a therapist who confirms bookings first, and its answers."""
        request_id = details.get("request")
        request = await session.get(BookingRequest, request_id) if request_id else None
        if request is None:
            return await self._erased_request(session, notice, details)
        therapist = await session.get(Therapist, request.therapist_id)
        client = await session.get(User, request.client_id)
        assert therapist is not None and client is not None
        start = request.proposed_starts_at or request.starts_at
        if notice.recipient == To.therapist:
            if not therapist.telegram_id:
                return []
            t = self.translator.for_language(therapist.language or self.settings.default_language)
            name = (client.first_name if client.deleted_at is None else None) or t(
                "notice-client-erased"
            )
            values = {
                "client": name,
                "when": when_text(t, start, therapist.timezone),
                "zone": therapist.timezone,
            }
            if notice.event != "request-new":
                return [Letter(therapist.telegram_id, t(f"notify-{notice.event}", **values))]
            if request.status != RequestStatus.pending:
                return []  # answered or withdrawn before the card went out
            text = t(
                "notify-request-new",
                format=t(f"format-{request.format}"),
                topics=await client_topics(session, client, t.language),
                note=request.note or "—",
                due=when_text(t, request.answer_due_at, therapist.timezone),
                **values,
            )
            return [Letter(therapist.telegram_id, text, request_card_keyboard(t, request.id))]
        if client.telegram_id is None or client.deleted_at is not None:
            return []
        t = self.translator.for_language(client.language)
        values = {
            "name": local_name(therapist, t.language),
            "when": when_text(t, start, client.timezone),
            "zone": client.timezone,
        }
        event = notice.event
        if event == "request-accepted" and booking is not None:
            if booking.status == BookingStatus.pending_payment:
                assert booking.hold_expires_at is not None
                text = t(
                    "notice-request-accepted-pay",
                    until=when_text(t, booking.hold_expires_at, client.timezone),
                    **values,
                )
                invoice = invoice_method(
                    client.telegram_id, t, booking, therapist, client, self.settings
                )
                return [Letter(client.telegram_id, text, invoice=invoice)]
            now = notice.created_at
            place = await series_calendar.calendar_place(session, booking)
            document = calendar_file(t, booking, therapist, client.timezone, now, place)
            text = t("notice-request-accepted", **values)
            return [Letter(client.telegram_id, text, None, document, t("book-ics-caption"))]
        if event == "request-proposed":
            if request.status != RequestStatus.proposed:
                return []
            due = when_text(t, request.answer_due_at, client.timezone)
            text = t("notice-request-proposed", due=due, **values)
            return [Letter(client.telegram_id, text, proposal_keyboard(t, request.id))]
        if event == "request-declined":
            reason = request.decline_reason
            text = t(
                "notice-request-declined",
                reason=t(f"request-why-{reason}") if reason else "",
                **values,
            )
            markup = find_others_keyboard(t, therapist.id)
            return [Letter(client.telegram_id, text, markup)]
        if event == "request-lapsed":
            text = t("notice-request-lapsed", **values)
            return [Letter(client.telegram_id, text, find_others_keyboard(t, therapist.id))]
        raise ValueError(f"no client notice {event!r}")

    async def _erased_request(
        self, session: AsyncSession, notice: Notice, details: dict[str, Any]
    ) -> list[Letter]:
        """A request withdrawn by an erasure: the therapist hears of the time only."""
        if notice.event != "request-withdrawn" or "starts_at" not in details:
            return []
        therapist = await session.get(Therapist, details.get("therapist"))
        if therapist is None or not therapist.telegram_id:
            return []
        t = self.translator.for_language(therapist.language or self.settings.default_language)
        when = when_text(t, datetime.fromisoformat(details["starts_at"]), therapist.timezone)
        text = t("notify-request-erased", when=when, zone=therapist.timezone)
        return [Letter(therapist.telegram_id, text)]

    # -- the waitlist -----------------------------------------------------------------

    async def _waitlist(
        self, session: AsyncSession, event: str, details: dict[str, Any]
    ) -> list[Letter]:
        """A freed time offered to a waiting client (nothing once the offer is closed), or
        the end of a wait."""
        offer = None
        if event == "waitlist-offer":
            offer = await session.get(WaitlistOffer, details.get("offer"))
            if offer is None or offer.status != OfferStatus.open:
                return []
            client_id, therapist_id = offer.client_id, offer.therapist_id
        elif event == "waitlist-ended":
            entry = await session.get(WaitlistEntry, details.get("entry"))
            if entry is None:
                return []
            client_id, therapist_id = entry.client_id, entry.therapist_id
        else:
            raise ValueError(f"no waitlist notice {event!r}")
        client = await session.get(User, client_id)
        therapist = await session.get(Therapist, therapist_id)
        if client is None or client.telegram_id is None or client.deleted_at is not None:
            return []
        assert therapist is not None
        t = self.translator.for_language(client.language)
        name = local_name(therapist, t.language)
        if event == "waitlist-ended":
            markup = InlineKeyboardMarkup(inline_keyboard=[[wait_button(t, therapist.id)]])
            return [Letter(client.telegram_id, t("wait-ended", name=name), markup)]
        assert offer is not None
        until = offer.expires_at.astimezone(zone(client.timezone))
        text = t(
            "offer-text",
            name=name,
            when=when_text(t, offer.starts_at, client.timezone),
            zone=client.timezone,
            until=f"{until:%H:%M}",
            minutes=therapist.session_minutes,
        )
        return [Letter(client.telegram_id, text, offer_keyboard(t, offer.id, offer.entry_id))]

    # -- the client -------------------------------------------------------------------

    def _to_client(
        self,
        event: str,
        booking: Booking,
        therapist: Therapist,
        client: User,
        refund: Refund | None,
        details: dict[str, Any],
        place: series_calendar.CalendarPlace | None,
    ) -> list[Letter]:
        if client.telegram_id is None or client.deleted_at is not None:
            return []
        t = self.translator.for_language(client.language)
        when = when_text(t, booking.starts_at, client.timezone)
        name = local_name(therapist, t.language)
        markup = None
        if event == "hold-expired":
            text = t("hold-expired", when=when)
            markup = find_again(t)
        elif event in CANCELLED_NOTICES:
            text = t(
                f"notice-{event}",
                when=when,
                zone=client.timezone,
                name=name,
                reason=booking.cancel_reason or "—",
            )
            money = money_line(t, str(details.get("money", "nothing")))
            if money:
                text = f"{text}\n{money}"
            markup = find_again(t)
            if booking.confirmed_at is not None and place is not None:
                # The client had the session's calendar file: this one takes it out.
                now = booking.cancelled_at or booking.starts_at
                document = calendar_file(t, booking, therapist, client.timezone, now, place)
                caption = t("book-ics-cancel-caption")
                return [Letter(client.telegram_id, text, markup, document, caption)]
        elif refund is not None and event in ("refund-done", "refund-delayed"):
            text = t(
                f"notice-{event}",
                amount=amount_text(refund.amount, refund.currency),
                currency=refund.currency,
                when=when,
            )
        else:
            raise ValueError(f"no client notice {event!r}")
        return [Letter(client.telegram_id, text, markup)]

    # -- the admins -------------------------------------------------------------------

    def _to_admins(
        self, notice: Notice, booking: Booking | None, refund: Refund | None
    ) -> list[Letter]:
        t = self.translator.for_language(self.settings.default_language)
        if refund is not None and notice.event in ("refund-needed", "refund-failed"):
            text = t(
                f"admin-{notice.event}",
                id=refund.id,
                booking=refund.booking_id or "—",
                amount=amount_text(refund.amount, refund.currency),
                currency=refund.currency,
                charge=refund.telegram_charge_id,
                provider=refund.provider_charge_id or "—",
                reason=t(f"refund-reason-{refund.reason}"),
            )
        elif notice.event == "undelivered":
            details = notice.details or {}
            text = t(
                "admin-undelivered",
                recipient=t(f"notice-recipient-{details.get('recipient', 'client')}"),
                booking=booking.id if booking else "—",
            )
        elif notice.event == "update-parked":
            details = notice.details or {}
            text = t(
                "admin-update-parked",
                update=str(details.get("update", "—")),
                kind=details.get("kind") or "—",
                attempts=details.get("attempts", 0),
                failure=details.get("failure") or t("admin-update-parked-no-error"),
            )
        else:
            raise ValueError(f"no admin notice {notice.event!r}")
        return [Letter(admin, text) for admin in sorted(self.settings.admin_ids)]


def money_line(t: Texts, money: str) -> str | None:
    """What a cancellation does with the money, in one line; None when nothing was paid."""
    key = {
        "kept": "cancel-no-refund",
        "stars": "cancel-refund-stars",
        "manual": "cancel-refund-provider",
    }.get(money)
    return t(key) if key else None


def find_again(t: Texts) -> InlineKeyboardMarkup:
    again = InlineKeyboardBuilder()
    again.button(
        text=t("hold-expired-button"), callback_data=MenuAction(action=MenuItem.find_therapist)
    )
    return again.as_markup()
