"""Matched therapist cards with free times, and booking a time in two taps."""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import session_ics
from bot.config import PROJECT_ROOT, Settings
from bot.formatting import local_name, money, when_text
from bot.i18n import Markup, Texts
from bot.rules.matching import RELAXATIONS, Preferences, diagnose, find_matches, relax, slot_fits
from bot.rules.policy import Rules
from bot.rules.timezones import Clock, utc_offset_label, zone
from db import bookings, catalog, users
from db.models import Booking, Slot, Therapist, User
from handlers.invoices import hold_text, send_invoice
from handlers.screens import remove, screen_of, show, show_photo, text_screen
from keyboards.catalog import (
    BookSlot,
    CardDay,
    CardMore,
    CardPage,
    Relax,
    SlotPick,
    card_keyboard,
    confirm_keyboard,
    relax_keyboard,
)
from keyboards.menu import MenuAction, MenuItem, main_menu

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
CARD_DAYS = 7


@dataclass(frozen=True)
class Listing:
    """The matches shown to one client, in order; `v` tells a stale button from a current one."""

    v: int
    ids: list[int]
    why: dict[int, tuple[int, int]]  # therapist id -> (topics matched, topics total)


def format_key(therapist: Therapist) -> str:
    if therapist.offers_individual and therapist.offers_couple:
        return "card-format-both"
    return "card-format-couple" if therapist.offers_couple else "card-format-individual"


def caption(
    t: Texts, therapist: Therapist, why: tuple[int, int], limit: int, tail: str = ""
) -> tuple[str, bool]:
    """The card's text with `tail` (the line under it) within `limit` characters as the
    reader sees them: the long texts are shortened, the facts kept; True when shortened."""
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
    return len(html.unescape(re.sub(r"<[^>]+>", "", text)))


def _shorten(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    cut = text[: max(size - 1, 0)].rsplit(" ", 1)[0]
    return f"{cut}…"


def slots_by_day(
    slots: list[Slot], timezone: str, days: int = CARD_DAYS
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


async def send_calendar_file(
    bot: Bot,
    chat_id: int,
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    timezone: str,
    now: datetime,
) -> None:
    """The session as an .ics file, in the reader's zone."""
    ics = session_ics(
        uid=f"booking-{booking.id}@therapy-booking-bot",
        title=t("book-ics-title", name=Markup(local_name(therapist, t.language))),
        description=t("book-ics-description", minutes=therapist.session_minutes),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=timezone,
        stamp=now,
    )
    await bot.send_document(
        chat_id, BufferedInputFile(ics, filename="session.ics"), caption=t("book-ics-caption")
    )


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
    ) -> None:
        self.bot = bot
        self.state = state
        self.t = t
        self.session = session
        self.user = user
        self.settings = settings
        self.clock = clock
        self.rules = rules
        self.chat_id = user.telegram_id or 0

    async def preferences(self) -> Preferences | None:
        questionnaire = await users.get_questionnaire(self.session, self.user)
        if questionnaire is None:
            return None
        prefs = catalog.preferences_of(questionnaire, self.user)
        for kind in (await self.state.get_data()).get("relaxed", []):
            prefs = relax(prefs, kind)
        return prefs

    async def open(self, *, notice: str | None = None, focus: int | None = None) -> None:
        """Match again and show the first card (or the card of `focus`)."""
        prefs = await self.preferences()
        if prefs is None:
            await self.bot.send_message(self.chat_id, self.t("need-start"))
            return
        earliest, latest = self.rules.booking_window(self.clock.now())
        excluded = set((await self.state.get_data()).get("exclude", []))
        candidates = [
            candidate
            for candidate in await catalog.candidates(self.session, earliest, latest)
            if candidate.therapist_id not in excluded
        ]
        matches = find_matches(prefs, candidates, earliest=earliest, latest=latest)
        if not matches:
            await self._dead_end(prefs, candidates, earliest, latest, notice)
            return
        ids = [match.therapist_id for match in matches]
        listing = Listing(
            # Same preferences and the same therapists: the same list, whatever its age.
            v=zlib.crc32(repr((prefs, ids)).encode()) & 0x7FFFFFFF,
            ids=ids,
            why={m.therapist_id: (m.topics_matched, m.topics_total) for m in matches},
        )
        await self.state.update_data(
            listing_v=listing.v,
            listing=listing.ids,
            listing_why={str(key): list(value) for key, value in listing.why.items()},
        )
        if notice:
            await self.bot.send_message(self.chat_id, notice)
        index = listing.ids.index(focus) if focus in listing.ids else 0
        await self.show(listing, index, prefs)

    async def _dead_end(
        self,
        prefs: Preferences,
        candidates: list[Any],
        earliest: datetime,
        latest: datetime,
        notice: str | None,
    ) -> None:
        t = self.t
        diagnosis = diagnose(prefs, candidates, earliest=earliest, latest=latest)
        lines = [notice] if notice else []
        if not candidates or diagnosis.blocking in (None, "none_available"):
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
        data = await self.state.get_data()
        why = {int(key): (value[0], value[1]) for key, value in data.get("listing_why", {}).items()}
        return Listing(v=int(data.get("listing_v", 0)), ids=list(data.get("listing", [])), why=why)

    async def card(
        self, listing: Listing, index: int, prefs: Preferences, day: date | None = None
    ) -> tuple[Therapist | None, str, InlineKeyboardMarkup, bool]:
        therapist_id = listing.ids[index]
        therapist = await self.session.get(Therapist, therapist_id)
        if therapist is None:
            return None, "", InlineKeyboardMarkup(inline_keyboard=[]), False
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
        )
        chosen = day if day in by_day else None
        markup = card_keyboard(
            self.t,
            v=listing.v,
            index=index,
            total=len(listing.ids),
            days=list(by_day),
            chosen_day=chosen,
            times=by_day.get(chosen, []) if chosen else [],
            more_of=therapist_id if shortened else None,
        )
        return therapist, text, markup, photo

    async def fitting_slots(self, therapist_id: int, prefs: Preferences) -> list[Slot]:
        earliest, latest = self.rules.booking_window(self.clock.now())
        slots = await catalog.free_slots(self.session, [therapist_id], earliest, latest)
        return [slot for slot in slots.get(therapist_id, []) if slot_fits(slot.starts_at, prefs)]

    async def show(
        self,
        listing: Listing,
        index: int,
        prefs: Preferences,
        *,
        day: date | None = None,
        edit: Message | None = None,
    ) -> None:
        therapist, text, markup, photo = await self.card(listing, index, prefs, day)
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


# -- buttons -----------------------------------------------------------------------------
# Every handler here takes `cards`, which is None before consent (the middleware in
# `handlers` builds it only for a person with a profile).


async def on_page(
    callback: CallbackQuery, callback_data: CardPage | CardDay, cards: Catalog | None, t: Texts
) -> None:
    if cards is None:
        await callback.answer(t("stale-button-short"))
        return
    listing = await cards.listing()
    prefs = await cards.preferences()
    if (
        prefs is None
        or callback_data.v != listing.v
        or not 0 <= callback_data.index < len(listing.ids)
    ):
        await callback.answer(t("catalog-refreshed"))
        await cards.open()
        return
    await callback.answer()
    day = None
    if isinstance(callback_data, CardDay) and callback_data.day:
        try:
            day = date.fromisoformat(callback_data.day)
        except ValueError:
            day = None
    await cards.show(listing, callback_data.index, prefs, day=day, edit=screen_of(callback))


async def on_more(
    callback: CallbackQuery, callback_data: CardMore, cards: Catalog | None, t: Texts
) -> None:
    therapist = await cards.session.get(Therapist, callback_data.therapist_id) if cards else None
    if cards is None or therapist is None or not therapist.active:
        await callback.answer(t("stale-button-short"))
        return
    await callback.answer()
    text, _ = caption(t, therapist, (0, 0), TEXT_LIMIT)
    await cards.bot.send_message(cards.chat_id, text)


async def on_relax(
    callback: CallbackQuery, callback_data: Relax, cards: Catalog | None, t: Texts
) -> None:
    if cards is None or callback_data.kind not in RELAXATIONS:
        await callback.answer(t("stale-button-short"))
        return
    await callback.answer()
    relaxed = list((await cards.state.get_data()).get("relaxed", []))
    await cards.state.update_data(relaxed=[*relaxed, callback_data.kind])
    await cards.open(notice=t("catalog-relaxed"))


def _refusal_text(t: Texts, error: bookings.BookingError, settings: Settings) -> str:
    if isinstance(error, bookings.OutsideRules):
        return t(
            f"book-{error.refusal.value}",
            hours=settings.min_booking_notice_hours,
            days=settings.booking_horizon_days,
        )
    if isinstance(error, bookings.ClientBusy):
        return t("book-busy")
    if isinstance(error, bookings.SlotTaken):
        return t("book-taken")
    return t("book-unavailable")


async def _refused(
    callback: CallbackQuery,
    cards: Catalog,
    error: bookings.BookingError,
    therapist_id: int | None = None,
) -> None:
    """Say why, and when the time is gone, show fresh times (of the same therapist)."""
    text = _refusal_text(cards.t, error, cards.settings)
    await callback.answer(text, show_alert=True)
    if isinstance(error, bookings.ClientBusy | bookings.OutsideRules):
        return
    await cards.open(notice=text, focus=therapist_id)


async def on_slot(
    callback: CallbackQuery, callback_data: SlotPick, cards: Catalog | None, t: Texts
) -> None:
    if cards is None:
        await callback.answer(t("stale-button-short"))
        return
    user, settings = cards.user, cards.settings
    questionnaire = await users.get_questionnaire(cards.session, user)
    try:
        view = await bookings.check_bookable(
            cards.session,
            callback_data.slot_id,
            user,
            cards.rules,
            cards.clock.now(),
            format=questionnaire.format if questionnaire else None,
        )
    except bookings.BookingError as error:
        await _refused(callback, cards, error)
        return
    await callback.answer()
    therapist = view.therapist
    text = t(
        "slot-confirm",
        name=local_name(therapist, t.language),
        when=when_text(t, view.slot.starts_at, user.timezone),
        zone=user.timezone,
        minutes=therapist.session_minutes,
        price=money(therapist.price),
        hours=settings.free_cancel_hours,
    )
    await cards.bot.send_message(
        cards.chat_id, text, reply_markup=confirm_keyboard(t, view.slot.id)
    )


async def on_book(
    callback: CallbackQuery,
    callback_data: BookSlot,
    cards: Catalog | None,
    t: Texts,
) -> None:
    if cards is None:
        await callback.answer(t("stale-button-short"))
        return
    session, user, settings = cards.session, cards.user, cards.settings
    paid_online = settings.payments_mode != "off"
    hold = timedelta(minutes=settings.payment_hold_minutes) if paid_online else None
    questionnaire = await users.get_questionnaire(session, user)
    view = await bookings.slot_for_booking(session, callback_data.slot_id)
    therapist_id = view.therapist.id if view else None
    try:
        booking = await bookings.book(
            session,
            client=user,
            slot_id=callback_data.slot_id,
            format=questionnaire.format if questionnaire else "individual",
            rules=cards.rules,
            now=cards.clock.now(),
            hold=hold,
        )
    except bookings.ClientBusy:
        mine = await bookings.active_bookings_of(session, user)
        if any(booking.slot_id == callback_data.slot_id for booking in mine):
            await callback.answer(t("book-already"))
            return
        await _refused(callback, cards, bookings.ClientBusy())
        return
    except bookings.BookingError as error:
        await _refused(callback, cards, error, therapist_id)
        return
    await callback.answer()
    therapist = await session.get(Therapist, booking.therapist_id)
    assert therapist is not None
    name = local_name(therapist, t.language)
    when = when_text(t, booking.starts_at, user.timezone)
    if paid_online:
        # The time is held; the booking is confirmed (and announced) once paid.
        done = hold_text(t, booking, user, settings)
    else:
        done = t(
            "book-done", name=name, when=when, zone=user.timezone, minutes=therapist.session_minutes
        )
    await show(cards.bot, cards.chat_id, done, edit=text_screen(screen_of(callback)))
    if paid_online:
        await send_invoice(cards.bot, cards.chat_id, t, booking, therapist, user, settings)
        return
    await send_calendar_file(
        cards.bot, cards.chat_id, t, booking, therapist, user.timezone, cards.clock.now()
    )


def create_router() -> Router:
    router = Router(name="catalog")
    router.callback_query.register(on_page, CardPage.filter())
    router.callback_query.register(on_page, CardDay.filter())
    router.callback_query.register(on_more, CardMore.filter())
    router.callback_query.register(on_relax, Relax.filter())
    router.callback_query.register(on_slot, SlotPick.filter())
    router.callback_query.register(on_book, BookSlot.filter())
    return router
