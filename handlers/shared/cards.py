"""The catalogue's screens (`Catalog`: matched therapist cards with free times), portraits,
the calendar file of a session, and the lines that say a booking's payment and what a
cancellation means for its money. Shown by the catalogue, the cabinet, payments and
settings alike."""

from __future__ import annotations

import asyncio
import html
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import SeriesEvent, SessionEvent, series_ics, session_ics
from bot.config import PROJECT_ROOT, Settings
from bot.formatting import local_name, money, time_html, when_html
from bot.i18n import Texts
from bot.rules.calendar import series_uid
from bot.rules.matching import Preferences, diagnose_by, diagnosis_questions, relax, slot_fits
from bot.rules.outcomes import Ranking, ReturnRate
from bot.rules.policy import Rules
from bot.rules.timezones import Clock, utc_offset_label, zone
from bot.text import without_tags
from db import bookings, catalog, packages, series_calendar, users
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    Payment,
    Series,
    Therapist,
    User,
)
from db.outcomes import CardViews
from handlers.shared import checkins as checkin_offers
from handlers.shared.flow import Flow
from handlers.shared.invoices import hold_text, send_invoice
from handlers.shared.memory import SEARCH, SearchData
from handlers.shared.screens import TEXT_LIMIT, remove, show, show_photo
from keyboards.catalog import (
    card_keyboard,
    relax_keyboard,
)
from keyboards.menu import MenuAction, MenuItem, main_menu
from keyboards.requests import request_confirm_keyboard, withdraw_button
from keyboards.series import after_booking_keyboard

CAPTION_LIMIT = 1024


CARD_DAYS = 7


@dataclass(frozen=True)
class Listing:
    """The matches ranked for one client so far, in order; `v` tells a stale button from a
    current one. `next` is where the search goes on (None: nobody after the last)."""

    v: int
    ids: list[int]
    why: dict[int, tuple[int, int]]  # therapist id -> (topics matched, topics total)
    total: int
    next: catalog.Cursor | None = None

    @property
    def complete(self) -> bool:
        return self.next is None

    def grown(self, page: catalog.Page, topics: int) -> Listing:
        """The listing with the search's next page after it (`topics`: the client's)."""
        ids = self.ids + [ranked.therapist_id for ranked in page.ranked]
        complete = page.complete or not page.ranked
        return Listing(
            v=self.v,
            ids=ids,
            why={**self.why, **{each.therapist_id: (each.matched, topics) for each in page.ranked}},
            total=len(ids) if complete else max(page.total, len(ids)),
            next=None if complete else catalog.Cursor.after(page.ranked[-1]),
        )


def format_key(therapist: Therapist) -> str:
    if therapist.offers_individual and therapist.offers_couple:
        return "card-format-both"
    return "card-format-couple" if therapist.offers_couple else "card-format-individual"


def caption(
    t: Texts,
    therapist: Therapist,
    why: tuple[int, int],
    limit: int,
    tail: str = "",
    ranking: Ranking | None = None,
) -> tuple[str, bool]:
    """The card's text with `tail` (the line under it) within `limit` characters as the
    reader sees them: the long texts are shortened, the facts kept; True when shortened.
    With the `ranking` the card was ranked by, it also says what lifted the therapist."""
    english = t.language == "en"
    about = therapist.about_en if english else therapist.about_ru
    education = therapist.education_en if english else therapist.education_ru
    head = [
        t("card-name", name=local_name(therapist, t.language)),
        t(
            "card-facts",
            format=t(format_key(therapist)),
            minutes=therapist.session_minutes,
            price=money(therapist.price),
        ),
        t("card-why", matched=why[0], total=why[1]),
    ]
    if ranking is not None and ranking.helped(therapist.rate_standing):
        head.append(t("card-why-return"))
    if ranking is not None and ranking.quick_shift and therapist.answers_quickly:
        head.append(t("card-why-quick"))
    came_back = ReturnRate(therapist.rate_clients, therapist.rate_returned).badge()
    if came_back is not None:
        head.insert(2, t("card-came-back", count=came_back))

    def build(about_text: str, education_text: str) -> str:
        parts = [*head, "", html.escape(about_text)]
        if education_text:
            parts += ["", t("card-education", text=education_text)]
        if tail:
            parts += ["", tail]
        return "\n".join(parts)

    full = build(about, education)
    if _visible_length(full) <= limit:
        return full, False
    # Everything but the two long texts, counted as it will be shown.
    fixed = _visible_length(build("", "x") if education else build("", "")) - (
        1 if education else 0
    )
    budget = max(limit - fixed, 0)
    while True:
        short_about = _shorten(about, budget * 2 // 3 if education else budget)
        short_education = _shorten(education, budget - len(short_about))
        text = build(short_about, short_education)
        excess = _visible_length(text) - limit
        if excess <= 0 or budget == 0:
            return text, True
        budget = max(budget - excess, 0)


def _visible_length(text: str) -> int:
    return len(without_tags(text))


def _shorten(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    cut = text[: max(size - 1, 0)].rsplit(" ", 1)[0]
    return f"{cut}…"


class SlotTime(Protocol):
    """A free slot as a card shows it: a `Slot`, or just its id and start
    (`db.catalog.FreeTime`)."""

    @property
    def id(self) -> int: ...

    @property
    def starts_at(self) -> datetime: ...


def slots_by_day(
    slots: Sequence[SlotTime], timezone: str, days: int = CARD_DAYS
) -> dict[date, list[tuple[int, datetime]]]:
    """Slot ids and local start times of the first `days` days that have any, by day."""
    tz = zone(timezone)
    by_day: dict[date, list[tuple[int, datetime]]] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(tz)
        if local.date() in by_day or len(by_day) < days:
            by_day.setdefault(local.date(), []).append((slot.id, local))
    return by_day


def has_portrait(therapist: Therapist) -> bool:
    return bool(therapist.photo_file_id or therapist.photo_path)


def portrait(therapist: Therapist) -> str | FSInputFile:
    """Telegram's file id once the portrait was uploaded, else the file to upload."""
    if therapist.photo_file_id:
        return therapist.photo_file_id
    assert therapist.photo_path is not None
    return FSInputFile(PROJECT_ROOT / therapist.photo_path)


async def remember_portrait(
    session: AsyncSession, therapist: Therapist, sent: Message | bool
) -> None:
    if therapist.photo_file_id or not isinstance(sent, Message) or not sent.photo:
        return
    await catalog.remember_photo(session, therapist.id, sent.photo[-1].file_id)


def calendar_file(
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    timezone: str,
    now: datetime,
    place: series_calendar.CalendarPlace,
) -> BufferedInputFile:
    """The session as an .ics file in the reader's zone: the same UID for every file of one
    booking (or, in a regular time, its series' UID and the instance it stands for, in the
    therapist's zone), `place.sequence` its version; a cancelled booking's file cancels the
    event."""
    cancelled = booking.status == BookingStatus.cancelled
    name = local_name(therapist, t.language)
    if place.group is None:
        title = t.plain("book-ics-title", name=name)
        about = t.plain("book-ics-description", minutes=therapist.session_minutes)
    else:  # a seat at a group's meeting
        minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
        title = t.plain("book-ics-title-group", title=place.group)
        about = t.plain("book-ics-description-group", name=name, minutes=minutes)
    event = SessionEvent(
        uid=place.uid,
        sequence=place.sequence,
        title=title,
        description=about,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status="CANCELLED" if cancelled else "CONFIRMED",
        recurrence_id=place.recurrence_id,
    )
    ics = session_ics(event, timezone=place.timezone or timezone, stamp=now)
    return BufferedInputFile(ics, filename="cancelled.ics" if cancelled else "session.ics")


async def send_calendar_file(
    bot: Bot,
    session: AsyncSession,
    chat_id: int,
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    timezone: str,
    now: datetime,
) -> None:
    """The session's current .ics (a cancelled one's cancels the event in the calendar)."""
    place = await series_calendar.calendar_place(session, booking)
    document = calendar_file(t, booking, therapist, timezone, now, place)
    caption = "book-ics-cancel-caption" if booking.status == BookingStatus.cancelled else None
    await bot.send_document(chat_id, document, caption=t(caption or "book-ics-caption"))


def series_calendar_file(
    t: Texts, calendar: series_calendar.SeriesCalendar, now: datetime
) -> BufferedInputFile:
    """A regular time as one event (RRULE with its exceptions), in the therapist's zone;
    the whole event cancelled when nothing of it is left."""
    therapist = calendar.therapist
    title = t.plain("book-ics-title", name=local_name(therapist, t.language))
    description = t.plain("book-ics-description", minutes=therapist.session_minutes)
    length = timedelta(minutes=therapist.session_minutes)
    uid = series_uid(calendar.series.id)
    if calendar.gone:
        event = SessionEvent(
            uid=uid,
            sequence=calendar.sequence,
            title=title,
            description=description,
            starts_at=calendar.first,
            ends_at=calendar.first + length,
            status="CANCELLED",
        )
        ics = session_ics(event, timezone=therapist.timezone, stamp=now)
        return BufferedInputFile(ics, filename="cancelled.ics")
    moved = tuple(
        SessionEvent(
            uid=uid,
            sequence=calendar.sequence,
            title=title,
            description=description,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            recurrence_id=moment,
        )
        for moment, booking in calendar.moved
    )
    whole = SeriesEvent(
        uid=uid,
        sequence=calendar.sequence,
        title=title,
        description=description,
        starts_at=calendar.first,
        ends_at=calendar.first + length,
        weeks=calendar.series.rhythm,
        until=calendar.last,
        excluded=tuple(calendar.excluded),
        moved=moved,
    )
    ics = series_ics(whole, timezone=therapist.timezone, stamp=now)
    return BufferedInputFile(ics, filename="regular.ics")


async def send_series_file(
    bot: Bot, session: AsyncSession, chat_id: int, t: Texts, item: Series, now: datetime
) -> None:
    """The regular time's current event, to import once; later files update it."""
    calendar = await series_calendar.series_calendar(session, item, now)
    document = series_calendar_file(t, calendar, now)
    caption = "series-ics-cancel-caption" if calendar.gone else "series-ics-caption"
    await bot.send_document(chat_id, document, caption=t(caption))


async def settle(pending: asyncio.Future[Any]) -> None:
    """Let `pending` finish when what ran beside it failed; its own failure is dropped (the
    other one is the error that is raised)."""
    await asyncio.wait([pending])
    if not pending.cancelled():
        pending.exception()


def week_url(settings: Settings | None, therapist_id: int | None = None) -> str | None:
    """The Mini App's week (of one therapist, when given); None when it has no address."""
    if settings is None or not settings.miniapp_base:
        return None
    base = settings.miniapp_base
    return f"{base}?therapist={therapist_id}" if therapist_id is not None else base


async def booked_screen(
    bot: Bot,
    session: AsyncSession,
    chat_id: int,
    t: Texts,
    user: User,
    settings: Settings,
    booking: Booking,
    now: datetime,
    *,
    edit: Message | None = None,
) -> None:
    """The screen after booking, wherever the time was tapped (a card, the Mini App):
    "booked" and the calendar file, or, when payments are on, the hold and its invoice
    (the booking is confirmed and announced once paid)."""
    therapist = await session.get(Therapist, booking.therapist_id)
    assert therapist is not None
    paid_online = booking.status == BookingStatus.pending_payment
    if paid_online:
        done = hold_text(t, booking, user, settings)
    else:
        done = t(
            "book-done-package" if booking.purchase_id else "book-done",
            name=local_name(therapist, t.language),
            when=when_html(t, booking.starts_at, user.timezone),
            zone=user.timezone,
            minutes=therapist.session_minutes,
        )
    if booking.purchase_id is not None:
        left = await packages.balance(session, user.id, therapist.id, now)
        done += "\n" + t("package-left", count=left)
    # Once confirmed, the time can become a regular one (a hold first needs paying).
    markup = None if paid_online else after_booking_keyboard(t, booking.id)
    await show(bot, chat_id, done, markup, edit=edit)
    if paid_online:
        await send_invoice(bot, chat_id, t, booking, therapist, user, settings)
        return
    await send_calendar_file(bot, session, chat_id, t, booking, therapist, user.timezone, now)
    await checkin_offers.after_booking(bot, session, chat_id, t, user, now)


class Catalog:
    """Cards for one update."""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Catalog | None:
        """The cards of the current update; None before consent."""
        user: User | None = data.get("user")
        if user is None:
            return None
        return cls(
            bot=data["bot"],
            state=data["state"],
            t=data["t"],
            session=data["session"],
            user=user,
            settings=data["settings"],
            rules=data["rules"],
            clock=data["clock"],
            views=data.get("views"),
        )

    def __init__(
        self,
        *,
        bot: Bot,
        state: FSMContext,
        t: Texts,
        session: AsyncSession,
        user: User,
        settings: Settings,
        rules: Rules,
        clock: Clock,
        views: CardViews | None = None,
    ) -> None:
        self.bot = bot
        self.views = views
        self.state = state
        self.t = t
        self.session = session
        self.user = user
        self.settings = settings
        self.clock = clock
        self.rules = rules
        self.chat_id = user.telegram_id or 0
        self._search: SearchData | None = None

    async def _search_data(self) -> SearchData:
        """The catalogue's part of the conversation, read once per update (a paging tap
        needs both the listing and the relaxed preferences)."""
        if self._search is None:
            self._search = await SEARCH.load(self.state)
        return self._search

    async def _save_search(self, search: SearchData) -> None:
        await SEARCH.save(self.state, search)
        self._search = search

    async def preferences(self) -> Preferences | None:
        questionnaire = await users.get_questionnaire(self.session, self.user)
        if questionnaire is None:
            return None
        prefs = catalog.preferences_of(questionnaire, self.user)
        for kind in (await self._search_data()).relaxed:
            prefs = relax(prefs, kind)
        return prefs

    async def relax(self, kind: str) -> None:
        """Let go of one preference for the next search (the client tapped its button)."""
        search = await self._search_data()
        search.relaxed.append(kind)
        await self._save_search(search)

    async def forget_relaxed(self) -> None:
        """A new search from the menu starts from the client's answers as they are."""
        search = await self._search_data()
        search.relaxed = []
        await self._save_search(search)

    async def exclude(self, therapist_id: int) -> None:
        """Leave a therapist out of later searches (the client is moving away from them)."""
        search = await self._search_data()
        search.exclude.append(therapist_id)
        await self._save_search(search)

    async def open(self, *, notice: str | None = None, focus: int | None = None) -> None:
        """Match again and show the first card (or the card of `focus`)."""
        prefs = await self.preferences()
        if prefs is None:
            await self.bot.send_message(self.chat_id, self.t("need-start"))
            return
        earliest, latest = self.rules.booking_window(self.clock.now())
        search = await self._search_data()
        page = await catalog.search(
            self.session,
            prefs,
            earliest,
            latest,
            exclude=set(search.exclude),
            ranking=self.rules.ranking,
        )
        if not page.ranked:
            await self._dead_end(prefs, set(search.exclude), earliest, latest, notice)
            return
        ids = [ranked.therapist_id for ranked in page.ranked]
        # The same preferences and the same first page: the same list, whatever its age.
        v = zlib.crc32(repr((prefs, sorted(search.exclude), ids)).encode()) & 0x7FFFFFFF
        listing = Listing(v=v, ids=[], why={}, total=0).grown(page, len(prefs.topics))
        await self._keep(listing)
        if notice:
            await self.bot.send_message(self.chat_id, notice)
        index = listing.ids.index(focus) if focus in listing.ids else 0
        await self.show(listing, index, prefs)

    async def _keep(self, listing: Listing) -> None:
        search = await self._search_data()
        search.listing_v = listing.v
        search.listing = listing.ids
        search.listing_why = {str(key): list(value) for key, value in listing.why.items()}
        search.listing_total = listing.total
        cursor = listing.next
        search.listing_next = (
            None
            if cursor is None
            else [cursor.matched, cursor.key.isoformat(), cursor.therapist_id]
        )
        await self._save_search(search)

    async def reach(self, listing: Listing, index: int, prefs: Preferences) -> tuple[Listing, int]:
        """The listing with card `index` ranked, when the search can go that far: the next
        page is ranked when the client pages past the last ranked card. Past the end, the
        first card."""
        if index < len(listing.ids) or listing.next is None:
            return listing, index if index < len(listing.ids) else 0
        earliest, latest = self.rules.booking_window(self.clock.now())
        search = await self._search_data()
        page = await catalog.search(
            self.session,
            prefs,
            earliest,
            latest,
            exclude=set(search.exclude),
            after=listing.next,
            shown=listing.ids,
            ranking=self.rules.ranking,
        )
        grown = listing.grown(page, len(prefs.topics))
        await self._keep(grown)
        return grown, index if index < len(grown.ids) else 0

    async def _dead_end(
        self,
        prefs: Preferences,
        excluded: set[int],
        earliest: datetime,
        latest: datetime,
        notice: str | None,
    ) -> None:
        t = self.t
        answers = {
            question: await catalog.anyone(self.session, question, earliest, latest, excluded)
            for question in diagnosis_questions(prefs)
        }
        diagnosis = diagnose_by(prefs, answers.__getitem__)
        lines = [notice] if notice else []
        if diagnosis.blocking in (None, "none_available"):
            lines.append(t("catalog-empty"))
            markup = main_menu(t)
        else:
            lines.append(t(f"catalog-nobody-{diagnosis.blocking}"))
            markup = relax_keyboard(t, diagnosis.relaxations)
            if diagnosis.relaxations:
                lines.append(t("catalog-try"))
            markup.inline_keyboard.append(
                [
                    InlineKeyboardButton(
                        text=t("relax-answers"),
                        callback_data=MenuAction(action=MenuItem.answers).pack(),
                    )
                ]
            )
        await self.bot.send_message(self.chat_id, "\n\n".join(lines), reply_markup=markup)

    async def listing(self) -> Listing:
        search = await self._search_data()
        why = {int(key): (value[0], value[1]) for key, value in search.listing_why.items()}
        cursor = None
        if search.listing_next is not None:
            try:
                matched, key, therapist_id = search.listing_next
                cursor = catalog.Cursor(
                    int(matched), datetime.fromisoformat(key), int(therapist_id)
                )
            except (TypeError, ValueError):
                cursor = None  # not a cursor: the listing is what was ranked
        total = max(search.listing_total, len(search.listing))
        return Listing(v=search.listing_v, ids=search.listing, why=why, total=total, next=cursor)

    async def card(
        self, listing: Listing, index: int, prefs: Preferences, day: date | None = None
    ) -> tuple[Therapist | None, str, InlineKeyboardMarkup, bool]:
        therapist_id = listing.ids[index]
        found = await catalog.card_therapist(self.session, therapist_id)
        if found is None:
            return None, "", InlineKeyboardMarkup(inline_keyboard=[]), False
        therapist, offers_packages = found
        if self.views is not None:
            self.views.seen(therapist_id, self.clock.now())
        photo = has_portrait(therapist)
        slots = await self.fitting_slots(therapist_id, prefs)
        by_day = slots_by_day(slots, self.user.timezone)
        zone_label = f"{self.user.timezone}, {utc_offset_label(self.user.timezone)}"
        text, shortened = caption(
            self.t,
            therapist,
            listing.why.get(therapist_id, (0, 0)),
            CAPTION_LIMIT if photo else TEXT_LIMIT,
            self.t("card-pick-day", zone=zone_label) if by_day else self.t("card-no-days"),
            self.rules.ranking,
        )
        chosen = day if day in by_day else None
        markup = card_keyboard(
            self.t,
            v=listing.v,
            index=index,
            total=listing.total,
            complete=listing.complete,
            days=list(by_day),
            chosen_day=chosen,
            times=by_day.get(chosen, []) if chosen else [],
            more_of=therapist_id if shortened else None,
            wait_for=therapist_id,
            packages_of=therapist_id if offers_packages and self.rules.paid else None,
            week_url=week_url(self.settings, therapist_id),
        )
        return therapist, text, markup, photo

    def request_screen(
        self, view: bookings.SlotView, note: str | None
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The confirmation of a time whose therapist confirms bookings first: a request,
        with the client's optional note for the therapist."""
        t, user, therapist = self.t, self.user, view.therapist
        lines = [
            t(
                "request-confirm",
                name=local_name(therapist, t.language),
                when=when_html(t, view.slot.starts_at, user.timezone),
                zone=user.timezone,
                minutes=therapist.session_minutes,
                price=money(therapist.price),
                hours=self.settings.approval_hours,
            )
        ]
        lines.append(t("request-note-shown", note=note) if note else t("request-note-none"))
        markup = request_confirm_keyboard(t, view.slot.id, has_note=bool(note))
        return "\n\n".join(lines), markup

    async def booked(self, booking: Booking, *, edit: Message | None) -> None:
        """The screen after booking (`booked_screen`)."""
        await booked_screen(
            self.bot,
            self.session,
            self.chat_id,
            self.t,
            self.user,
            self.settings,
            booking,
            self.clock.now(),
            edit=edit,
        )

    async def request_sent(self, request: BookingRequest, *, edit: Message | None) -> None:
        """The screen after a request went to a therapist who confirms bookings first."""
        t, user = self.t, self.user
        therapist = await self.session.get(Therapist, request.therapist_id)
        assert therapist is not None
        text = t(
            "request-sent",
            name=local_name(therapist, t.language),
            when=when_html(t, request.starts_at, user.timezone),
            zone=user.timezone,
            hours=self.settings.approval_hours,
        )
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[withdraw_button(t, request.id, t("request-withdraw"))]]
        )
        await show(self.bot, self.chat_id, text, markup, edit=edit)

    async def fitting_slots(self, therapist_id: int, prefs: Preferences) -> list[catalog.FreeTime]:
        earliest, latest = self.rules.booking_window(self.clock.now())
        slots = await catalog.free_times(self.session, therapist_id, earliest, latest)
        return [slot for slot in slots if slot_fits(slot.starts_at, prefs)]

    async def show(
        self,
        listing: Listing,
        index: int,
        prefs: Preferences,
        *,
        day: date | None = None,
        edit: Message | None = None,
        answering: asyncio.Future[Any] | None = None,
    ) -> None:
        """The card `index` on screen (in place of `edit` when it can be). `answering`: the
        button's answer, sent while the card is read and built; the card is shown once
        the answer has gone (and not when it failed)."""
        try:
            therapist, text, markup, photo = await self.card(listing, index, prefs, day)
        except BaseException:
            if answering is not None:
                await settle(answering)
            raise
        if answering is not None:
            await answering
        if therapist is None:
            await self.open(notice=self.t("catalog-refreshed"))
            return
        if edit is not None and await self._edit(edit, therapist, text, markup, photo):
            return
        if edit is not None:
            # A text card cannot become a photo card (and back): replace the message.
            await remove(edit)
        if not photo:
            await self.bot.send_message(self.chat_id, text, reply_markup=markup)
            return
        sent = await self.bot.send_photo(
            self.chat_id, portrait(therapist), caption=text, reply_markup=markup
        )
        await self._remember_photo(therapist, sent)

    async def _remember_photo(self, therapist: Therapist, sent: Message | bool) -> None:
        await remember_portrait(self.session, therapist, sent)

    async def _edit(
        self,
        message: Message,
        therapist: Therapist,
        text: str,
        markup: InlineKeyboardMarkup,
        photo: bool,
    ) -> bool:
        """Edit the card in place; False when the message is of the other kind."""
        if photo and message.photo:
            if message.photo[-1].file_id == therapist.photo_file_id:
                await show(self.bot, self.chat_id, text, markup, edit=message)
                return True
            sent = await show_photo(message, portrait(therapist), text, markup)
            if sent is not None:
                await self._remember_photo(therapist, sent)
            return sent is not None
        if not photo and message.text is not None:
            await show(self.bot, self.chat_id, text, markup, edit=message)
            return True
        return False


def payment_state(t: Texts, booking: Booking, payment: Payment | None, timezone: str) -> str:
    if booking.purchase_id is not None:
        return t("payment-state-package")
    if payment is not None:
        return t(f"payment-state-{payment.status}")
    if booking.status == BookingStatus.pending_payment and booking.hold_expires_at:
        return t("payment-state-pending", time=time_html(booking.hold_expires_at, timezone))
    return t("payment-state-direct")


def money_text(t: Texts, view: bookings.CancelTermsView, settings: Settings) -> str:
    """What cancelling one session now means, in a few words (for lists of sessions)."""
    if view.money is bookings.MoneyBack.nothing:
        return t(f"cancel-money-{view.terms}", hours=settings.free_cancel_hours)
    return t(f"cancel-money-{view.money}")


async def cancel_list(
    flow: Flow,
    upcoming: list[Booking],
    by: bookings.CancelledBy,
    settings: Settings,
    now: datetime,
    rules: Rules,
) -> str:
    """Each session a cancellation would call off, and what happens to its money."""
    lines = []
    for booking in upcoming:
        view = await bookings.cancel_terms(flow.session, booking, by, rules, now)
        lines.append(
            flow.t(
                "cancel-item",
                when=when_html(flow.t, booking.starts_at, flow.timezone),
                money=money_text(flow.t, view, settings),
            )
        )
    return "\n".join(lines)
