"""The Mini App's server side: the page and its JSON API, on the bot's own HTTP server
(`bot.web.build_app`: the webhook's port, or METRICS_PORT with polling).

Every API request carries the Mini App's launch data (`Authorization: tma <initData>`),
checked with the bot's token (`bot.webapp.checked`): missing, forged, another bot's or
older than a day is 401 and nothing is read or changed. The person is then found as in the
chat (a profile, consent given) and the same use cases run, with the same rules, refusals
and texts in their language; what the chat would say after a booking (the confirmation and
calendar file, or the hold and its invoice) is said in the chat (`booked_screen`).

    GET  /app                 the page (assets/miniapp), no build step, no CDN
    GET  /app/{asset}         its script and styles
    GET  /app/api/me          who is asking, their zone and the page's texts
    GET  /app/api/week        a client's week: the matched therapists' free times that
                              fit the questionnaire, in the client's zone (?start, ?therapist)
    POST /app/api/book        {"slot_id"}: book it, as «Записаться» does
    GET  /app/api/sessions    the client's sessions to come: may each be moved, and what
                              cancelling it would mean (free or late, the money)
    POST /app/api/cancel      {"booking_id"}: cancel it, as the cabinet does
    GET  /app/api/move        ?booking: the week of its therapist's free times
    POST /app/api/move        {"booking_id", "slot_id", "moves"}: move it (only this one)
    GET  /app/api/therapist/week      a therapist's week in their zone: sessions, group
                                      meetings, free times, days off (?start)
    POST /app/api/therapist/outcome   {"booking_id", "status"}: held or missed
    POST /app/api/therapist/dayoff    {"day", "off"}: a day off, or lift a single one
    POST /app/api/therapist/write     {"booking_id", "text"}: to that session's client,
                                      through the relay as from the chat
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import lazyload

from bot.config import PROJECT_ROOT, Settings
from bot.formatting import day_label, local_name, money, when_html, when_text
from bot.i18n import Texts, Translator, guess_language
from bot.middlewares import create_outgoing
from bot.notify import Outgoing
from bot.rules.matching import slot_fits
from bot.rules.policy import CancelTerms, Rules
from bot.rules.timezones import Clock, zone
from bot.text import without_controls, without_tags
from bot.webapp import NotSigned, checked
from db import bookings, catalog, groups, messages, requests, schedule, users
from db.models import ACTIVE_BOOKING_STATUSES, Booking, Therapist, User
from handlers.shared.cards import SlotTime, booked_screen, send_calendar_file
from handlers.shared.hours import after_change
from handlers.shared.notices import money_line
from handlers.shared.refusals import words
from handlers.shared.relay import TEXT_LIMIT, telegram_length, text_to_client

log = logging.getLogger(__name__)

APP_ROUTE = "/app"
ASSETS = PROJECT_ROOT / "assets" / "miniapp"
ASSET_TYPES = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
THERAPISTS_SHOWN = 10  # matched therapists in the week, the best first
DAYS = 7
# The page's own words, in the person's language (`bot/locales/*/miniapp.ftl`).
# A therapist's text from the app: one message under the relay's header.
WRITE_LIMIT = TEXT_LIMIT - 200
PAGE_TEXTS = (
    "app-title",
    "app-week-prev",
    "app-week-next",
    "app-all-therapists",
    "app-no-times",
    "app-book",
    "app-cancel",
    "app-booking",
    "app-minutes",
    "app-price",
    "app-failed",
    "app-zone",
    "app-tab-week",
    "app-tab-sessions",
    "app-no-sessions",
    "app-move",
    "app-cancel-session",
    "app-moving",
    "app-move-to",
    "app-keep",
    "app-tab-therapist",
    "app-completed",
    "app-no-show",
    "app-day-off",
    "app-make-day-off",
    "app-lift-day-off",
    "app-free",
    "app-write",
    "app-write-placeholder",
    "app-write-send",
)


@dataclass
class Person:
    """Who asks: a client (a profile with consent), a linked therapist, or both."""

    telegram_id: int
    t: Texts
    client: User | None = None
    therapist_id: int | None = None

    @property
    def user(self) -> User:
        """The client; a client's endpoint is refused before it asks for one."""
        assert self.client is not None
        return self.client


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; an empty one for anything else (a forged body)."""
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _id(value: Any) -> int | None:
    """An id from the page (untrusted): a whole number in the database's range, else None."""
    return value if isinstance(value, int) and 0 < value < 2**31 else None


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


class MiniApp:
    def __init__(
        self,
        *,
        bot: Bot,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        translator: Translator,
        rules: Rules,
        outgoing: Outgoing | None = None,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.translator = translator
        self.rules = rules
        # What the Mini App sends in a chat goes the way the bot's other messages go: paced
        # (the process's own outgoing path when it has one), and a person who blocked the
        # bot is marked so.
        self.outgoing = outgoing or create_outgoing(bot, settings, sessionmaker, clock)

    def mount(self, app: web.Application) -> None:
        app.router.add_get(APP_ROUTE, self.page)
        app.router.add_get(f"{APP_ROUTE}/api/me", self.me)
        app.router.add_get(f"{APP_ROUTE}/api/week", self.week)
        app.router.add_post(f"{APP_ROUTE}/api/book", self.book)
        app.router.add_get(f"{APP_ROUTE}/api/sessions", self.sessions)
        app.router.add_post(f"{APP_ROUTE}/api/cancel", self.cancel)
        app.router.add_get(f"{APP_ROUTE}/api/move", self.move_times)
        app.router.add_post(f"{APP_ROUTE}/api/move", self.move)
        app.router.add_get(f"{APP_ROUTE}/api/therapist/week", self.therapist_week)
        app.router.add_post(f"{APP_ROUTE}/api/therapist/outcome", self.outcome)
        app.router.add_post(f"{APP_ROUTE}/api/therapist/dayoff", self.day_off)
        app.router.add_post(f"{APP_ROUTE}/api/therapist/write", self.write)
        app.router.add_get(APP_ROUTE + "/{asset:app\\.(js|css)}", self.asset)

    # -- the page ----------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.StreamResponse:
        return self._file(ASSETS / "index.html", "text/html; charset=utf-8")

    async def asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["asset"]
        return self._file(ASSETS / name, ASSET_TYPES[name])

    @staticmethod
    def _file(path: Path, content_type: str) -> web.StreamResponse:
        return web.Response(
            body=path.read_bytes(),
            headers={"Content-Type": content_type, "Cache-Control": "no-cache"},
        )

    # -- who asks ----------------------------------------------------------------------

    async def _person(
        self, request: web.Request, session: AsyncSession, *, role: str = "client"
    ) -> Person:
        """The person the launch data name, for a client's endpoint (`role="client"`: a
        profile with consent, else 403 to /start), a therapist's (a linked therapist,
        else 403) or either (`"any"`). 401 unless the launch data are the bot's and fresh."""
        header = request.headers.get("Authorization", "")
        raw = header[4:] if header.startswith("tma ") else None
        token = self.settings.bot_token.get_secret_value() if self.settings.bot_token else ""
        try:
            data = checked(token, raw, self.clock.now())
        except NotSigned as refused:
            log.info("mini app: launch data refused (%s)", refused)
            t = self.translator.for_language(self.settings.default_language)
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": t.plain("app-unauthorized")}),
                content_type="application/json",
            ) from refused
        assert data.user is not None
        telegram_id = data.user.id
        client = await users.get_by_telegram_id(session, telegram_id)
        if client is not None and (client.deleted_at is not None or client.consent_at is None):
            client = None
        link = await users.therapist_link(session, telegram_id)
        therapist_id, therapist_language = link if link else (None, None)
        language = (
            client.language
            if client is not None and role != "therapist"
            else therapist_language
            or guess_language(data.user.language_code, self.settings.default_language)
        )
        t = self.translator.for_language(language)
        person = Person(telegram_id, t, client, therapist_id)
        missing = (role == "client" and client is None) or (
            role == "therapist" and therapist_id is None
        )
        if missing or (role == "any" and client is None and therapist_id is None):
            key = "app-therapists-only" if role == "therapist" else "app-start-first"
            raise web.HTTPForbidden(
                text=json.dumps({"error": t.plain(key)}), content_type="application/json"
            )
        return person

    # -- the API -----------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        async with self.sessionmaker() as session:
            person = await self._person(request, session, role="any")
            t = person.t
            roles = [
                role
                for role, present in (
                    ("client", person.client is not None),
                    ("therapist", person.therapist_id is not None),
                )
                if present
            ]
            timezone = person.client.timezone if person.client else None
            if timezone is None and person.therapist_id is not None:
                therapist = await session.get_one(Therapist, person.therapist_id)
                timezone = therapist.timezone
            return _json(
                {
                    "language": t.language,
                    "zone": timezone,
                    "roles": roles,
                    "texts": {key: t.plain(key) for key in PAGE_TEXTS},
                }
            )

    def _week_start(self, request: web.Request, timezone: str) -> date:
        today = self.clock.now().astimezone(zone(timezone)).date()
        try:
            start = date.fromisoformat(request.query.get("start", ""))
        except ValueError:
            return today
        # Not before this week, not past the booking horizon.
        horizon = today + self.rules.horizon + timedelta(days=1)
        return min(max(start, today), horizon)

    def _days(self, request: web.Request, timezone: str) -> tuple[list[date], datetime, datetime]:
        """The week asked for (`?start`), in the reader's zone: its days, start and end."""
        tz = zone(timezone)
        first = self._week_start(request, timezone)
        days = [first + timedelta(days=n) for n in range(DAYS)]
        begin = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(first + timedelta(days=DAYS), datetime.min.time(), tzinfo=tz)
        return days, begin, end

    def _week(
        self,
        t: Texts,
        user: User,
        days: list[date],
        therapists: list[dict[str, Any]],
        times: Sequence[tuple[int, SlotTime]],
    ) -> dict[str, Any]:
        tz = zone(user.timezone)
        slots = []
        for therapist_id, slot in times:
            local = slot.starts_at.astimezone(tz)
            slots.append(
                {
                    "id": slot.id,
                    "therapist": therapist_id,
                    "day": local.date().isoformat(),
                    "time": f"{local:%H:%M}",
                    "when": when_text(t, slot.starts_at, user.timezone),
                    "at": slot.starts_at.isoformat(),
                }
            )
        slots.sort(key=lambda item: (item["at"], item["therapist"]))
        first = days[0]
        return {
            "zone": user.timezone,
            "start": first.isoformat(),
            "previous": (first - timedelta(days=DAYS)).isoformat(),
            "next": (first + timedelta(days=DAYS)).isoformat(),
            "days": [{"date": day.isoformat(), "label": day_label(t, day)} for day in days],
            "therapists": therapists,
            "slots": slots,
        }

    @staticmethod
    def _therapist(t: Texts, therapist: Therapist) -> dict[str, Any]:
        return {
            "id": therapist.id,
            "name": local_name(therapist, t.language),
            "price": money(therapist.price),
            "minutes": therapist.session_minutes,
        }

    async def week(self, request: web.Request) -> web.Response:
        async with self.sessionmaker() as session:
            person = await self._person(request, session)
            t, user = person.t, person.user
            questionnaire = await users.get_questionnaire(session, user)
            if questionnaire is None:
                return _json({"error": t.plain("app-questionnaire-first")}, 409)
            prefs = catalog.preferences_of(questionnaire, user)
            days, begin, end = self._days(request, user.timezone)
            earliest, latest = self.rules.booking_window(self.clock.now())
            page = await catalog.search(session, prefs, earliest, latest, size=THERAPISTS_SHOWN)
            wanted = request.query.get("therapist", "")
            low, high = max(earliest, begin), min(latest, end)
            ids = [item.therapist_id for item in page.ranked]
            if wanted and wanted not in map(str, ids) and not page.complete:
                # A card further down the matches («🗓 Неделя целиком» on card 11 or
                # later): that therapist joins the list when the matching has them.
                ids += [
                    item.therapist_id
                    for item in (
                        await catalog.search(
                            session, prefs, earliest, latest, shown=ids, size=page.total
                        )
                    ).ranked
                    if str(item.therapist_id) == wanted
                ]
            found = {
                therapist.id: therapist
                for therapist in await session.scalars(
                    select(Therapist)
                    .where(Therapist.id.in_(ids))
                    .options(lazyload(Therapist.topics))
                )
            }
            shown = [tid for tid in ids if tid in found and (not wanted or str(tid) == wanted)]
            # The times a card of each offers this person (`slot_fits`), in one read.
            free = await catalog.free_slots(session, shown, low, high) if low < high else {}
            times = [
                (therapist_id, slot)
                for therapist_id in shown
                for slot in free.get(therapist_id, [])
                if slot_fits(slot.starts_at, prefs)
            ]
            therapists = [self._therapist(t, found[tid]) for tid in ids if tid in found]
            return _json(self._week(t, user, days, therapists, times))

    # -- the client's sessions: cancel, move --------------------------------------------

    async def _own(self, session: AsyncSession, person: Person, booking_id: Any) -> Booking | None:
        """The person's own active session (the id comes from the page: untrusted)."""
        if (booking_id := _id(booking_id)) is None:
            return None
        booking = await bookings.own_booking(session, person.user, booking_id)
        if booking is None or booking.status not in ACTIVE_BOOKING_STATUSES:
            return None
        return booking

    async def sessions(self, request: web.Request) -> web.Response:
        async with self.sessionmaker() as session:
            person = await self._person(request, session)
            t, user, now = person.t, person.user, self.clock.now()
            upcoming = await bookings.upcoming_of(session, user, now)
            titles = await groups.titles(
                session, [b.group_date_id for b in upcoming if b.group_date_id is not None]
            )
            items = []
            for booking in upcoming:
                when = when_text(t, booking.starts_at, user.timezone)
                cancel = None
                if self.rules.can_cancel(booking.starts_at, now) is None:
                    cancel = await self._cancel_text(session, t, user, booking, when)
                movable = (
                    booking.group_date_id is None
                    and self.rules.can_reschedule(booking.starts_at, booking.reschedule_count, now)
                    is None
                )
                items.append(
                    {
                        "id": booking.id,
                        "when": when,
                        "name": local_name(booking.therapist, t.language),
                        "group": titles.get(booking.group_date_id or 0),
                        "status": t.plain(f"status-{booking.status}"),
                        "moves": booking.reschedule_count,
                        "movable": movable,
                        "cancel": cancel,
                    }
                )
            return _json({"zone": user.timezone, "sessions": items})

    async def _cancel_text(
        self, session: AsyncSession, t: Texts, user: User, booking: Booking, when: str
    ) -> str:
        """What «Отменить» asks in the cabinet: free or late, and what happens to the money."""
        view = await bookings.cancel_terms(
            session, booking, bookings.CancelledBy.client, self.rules, self.clock.now()
        )
        key = "cancel-confirm-free" if view.terms == CancelTerms.free else "cancel-confirm-late"
        text = t.plain(key, when=when, zone=user.timezone, hours=self.settings.free_cancel_hours)
        money_text = money_line(t, view.money)
        return f"{text}\n{without_tags(money_text)}" if money_text else text

    async def cancel(self, request: web.Request) -> web.Response:
        async with self.sessionmaker() as session:
            person = await self._person(request, session)
            t, user = person.t, person.user
            body = await _body(request)
            booking = await self._own(session, person, body.get("booking_id"))
            if booking is None:
                return _json({"status": "refused", "message": t.plain("refusal-gone")}, 409)
            try:
                done = await bookings.cancel(
                    session,
                    booking=booking,
                    by=bookings.CancelledBy.client,
                    rules=self.rules,
                    now=self.clock.now(),
                )
            except bookings.BookingError as refused:
                return _json({"status": "refused", "message": words(t, refused)}, 409)
            when = when_html(t, done.booking.starts_at, user.timezone)
            lines = [t("cancel-done", when=when)]
            if money_text := money_line(t, done.money):
                lines.append(money_text)
            if user.telegram_id is not None:
                # The chat hears it as from the cabinet, with the file that takes the
                # session out of the calendar.
                await self.bot.send_message(user.telegram_id, "\n".join(lines))
                if done.booking.confirmed_at is not None:
                    await send_calendar_file(
                        self.bot,
                        session,
                        user.telegram_id,
                        t,
                        done.booking,
                        done.booking.therapist,
                        user.timezone,
                        self.clock.now(),
                    )
            return _json({"status": "cancelled", "message": without_tags("\n".join(lines))})

    async def move_times(self, request: web.Request) -> web.Response:
        """The week of the session's therapist's free times, to move it to one of them."""
        async with self.sessionmaker() as session:
            person = await self._person(request, session)
            t, user = person.t, person.user
            try:
                booking_id = int(request.query.get("booking", ""))
            except ValueError:
                booking_id = 0
            booking = await self._own(session, person, booking_id)
            if booking is None or booking.group_date_id is not None:
                return _json({"error": t.plain("refusal-gone")}, 409)
            days, begin, end = self._days(request, user.timezone)
            earliest, latest = self.rules.booking_window(self.clock.now())
            low, high = max(earliest, begin), min(latest, end)
            free = (
                await catalog.free_times(session, booking.therapist_id, low, high)
                if low < high
                else []
            )
            week = self._week(
                t,
                user,
                days,
                [self._therapist(t, booking.therapist)],
                [(booking.therapist_id, slot) for slot in free],
            )
            week["moving"] = {
                "id": booking.id,
                "when": when_text(t, booking.starts_at, user.timezone),
                "moves": booking.reschedule_count,
            }
            return _json(week)

    async def move(self, request: web.Request) -> web.Response:
        async with self.sessionmaker() as session:
            person = await self._person(request, session)
            t, user = person.t, person.user
            body = await _body(request)
            slot_id, moves = body.get("slot_id"), body.get("moves")
            booking = await self._own(session, person, body.get("booking_id"))
            if booking is None or not isinstance(slot_id, int) or not isinstance(moves, int):
                return _json({"status": "refused", "message": t.plain("refusal-gone")}, 409)
            if not 0 < slot_id < 2**31:
                return _json({"status": "refused", "message": t.plain("stale-button-short")}, 400)
            try:
                moved = await bookings.reschedule(
                    session,
                    client=user,
                    booking_id=booking.id,
                    slot_id=slot_id,
                    rules=self.rules,
                    now=self.clock.now(),
                    expected_moves=moves,
                )
            except bookings.BookingError as refused:
                return _json({"status": "refused", "message": words(t, refused)}, 409)
            when = when_html(t, moved.starts_at, user.timezone)
            text = t("reschedule-done", when=when, zone=user.timezone)
            if user.telegram_id is not None:
                await self.bot.send_message(user.telegram_id, text)
                await send_calendar_file(
                    self.bot,
                    session,
                    user.telegram_id,
                    t,
                    moved,
                    moved.therapist,
                    user.timezone,
                    self.clock.now(),
                )
            return _json({"status": "moved", "message": without_tags(text)})

    async def book(self, request: web.Request) -> web.Response:
        async with self.sessionmaker() as session:
            person = await self._person(request, session)
            t, user = person.t, person.user
            try:
                body = await request.json()
                slot_id = int(body["slot_id"])
            except (ValueError, KeyError, TypeError):
                return _json({"status": "refused", "message": t.plain("stale-button-short")}, 400)
            if not 0 < slot_id < 2**31:
                return _json({"status": "refused", "message": t.plain("stale-button-short")}, 400)
            questionnaire = await users.get_questionnaire(session, user)
            view = await bookings.slot_for_booking(session, slot_id, client_id=user.id)
            if view is not None and await requests.needs_approval(session, view.therapist, user):
                # A therapist who confirms first: the request and its note are in the chat.
                return _json({"status": "chat", "message": t.plain("app-ask-in-chat")})
            try:
                booking = await bookings.book(
                    session,
                    client=user,
                    slot_id=slot_id,
                    format=questionnaire.format if questionnaire else "individual",
                    rules=self.rules,
                    now=self.clock.now(),
                    hold=self.rules.payment_hold,
                    view=view,
                )
            except bookings.BookingError as refused:
                return _json({"status": "refused", "message": words(t, refused)}, 409)
            held = booking.status == "pending_payment"
            if user.telegram_id is not None:
                await booked_screen(
                    self.bot,
                    session,
                    user.telegram_id,
                    t,
                    user,
                    self.settings,
                    booking,
                    self.clock.now(),
                )
            therapist = await session.get_one(Therapist, booking.therapist_id)
            key = "app-held" if held else "app-booked"
            message = t.plain(
                key,
                when=when_text(t, booking.starts_at, user.timezone),
                name=local_name(therapist, t.language),
            )
            return _json({"status": "held" if held else "booked", "message": message})

    # -- the therapist's week ----------------------------------------------------------

    async def therapist_week(self, request: web.Request) -> web.Response:
        """The therapist's week in their zone: sessions (a group's seats as one meeting),
        free times, and days off."""
        async with self.sessionmaker() as session:
            person = await self._person(request, session, role="therapist")
            assert person.therapist_id is not None
            t, now = person.t, self.clock.now()
            therapist = await session.get_one(Therapist, person.therapist_id)
            tz = zone(therapist.timezone)
            first = self._week_start(request, therapist.timezone)
            days = [first + timedelta(days=n) for n in range(DAYS)]
            begin = datetime.combine(first, datetime.min.time(), tzinfo=tz)
            end = begin + timedelta(days=DAYS)
            sessions = []
            for item in await schedule.agenda(session, therapist.id, begin, end):
                booking = item.booking
                if booking.group_date_id is not None:
                    continue  # a seat: shown as its meeting, below
                local = booking.starts_at.astimezone(tz)
                sessions.append(
                    {
                        "id": booking.id,
                        "day": local.date().isoformat(),
                        "time": f"{local:%H:%M}",
                        "when": when_text(t, booking.starts_at, therapist.timezone),
                        "client": item.client_name or t.plain("messaging-client-unnamed"),
                        "status": booking.status,
                        "status_text": t.plain(f"status-{booking.status}"),
                        "started": booking.starts_at <= now,
                    }
                )
            meetings = []
            for meeting in await groups.dates_of(session, therapist.id, begin, end):
                local = meeting.date.starts_at.astimezone(tz)
                meetings.append(
                    {
                        "id": meeting.date.id,
                        "day": local.date().isoformat(),
                        "time": f"{local:%H:%M}",
                        "title": meeting.group.title,
                        "taken": len(meeting.members),
                        "capacity": meeting.date.capacity,
                    }
                )
            free = []
            for start in await schedule.free_slot_starts(
                session, therapist.id, max(now, begin), end
            ):
                local = start.astimezone(tz)
                free.append({"day": local.date().isoformat(), "time": f"{local:%H:%M}"})
            availability = await schedule.availability_of(session, therapist.id)
            off = {}
            for period in availability.time_off:
                for day in days:
                    if period.starts_on <= day.isoformat() <= period.ends_on:
                        off[day.isoformat()] = period.starts_on == period.ends_on
            return _json(
                {
                    "zone": therapist.timezone,
                    "start": first.isoformat(),
                    "previous": (first - timedelta(days=DAYS)).isoformat(),
                    "next": (first + timedelta(days=DAYS)).isoformat(),
                    "days": [
                        {
                            "date": day.isoformat(),
                            "label": day_label(t, day),
                            "off": day.isoformat() in off,
                            # A single day off is lifted here; a longer period in the chat.
                            "single": off.get(day.isoformat(), False),
                            "past": day < now.astimezone(tz).date(),
                        }
                        for day in days
                    ],
                    "sessions": sessions,
                    "meetings": meetings,
                    "free": free,
                }
            )

    async def outcome(self, request: web.Request) -> web.Response:
        """Mark a session that has started as held or missed (the session card's buttons)."""
        async with self.sessionmaker() as session:
            person = await self._person(request, session, role="therapist")
            assert person.therapist_id is not None
            t = person.t
            body = await _body(request)
            booking_id, status = _id(body.get("booking_id")), body.get("status")
            if booking_id is None:
                return _json({"status": "refused", "message": t.plain("tbooking-not-yours")}, 409)
            try:
                marked = await bookings.mark_outcome(
                    session,
                    therapist_id=person.therapist_id,
                    booking_id=booking_id,
                    status=str(status),
                    now=self.clock.now(),
                )
            except bookings.BookingError as refused:
                return _json({"status": "refused", "message": words(t, refused)}, 409)
            return _json({"status": marked.status, "message": t.plain(f"status-{marked.status}")})

    async def write(self, request: web.Request) -> web.Response:
        """A therapist's text to the client of one of their sessions, through the relay as
        from the chat: the client reads it under the therapist's name and answers with the
        reply button; the therapist's chat keeps what was sent. Nothing is stored but the
        relay's record; refused text is handed back to the page, which keeps it."""
        async with self.sessionmaker() as session:
            person = await self._person(request, session, role="therapist")
            assert person.therapist_id is not None
            t = person.t
            body = await _body(request)
            booking_id, typed = _id(body.get("booking_id")), body.get("text")
            if booking_id is None:
                return _json({"status": "refused", "message": t.plain("tbooking-not-yours")}, 409)
            text = without_controls(typed).strip() if isinstance(typed, str) else ""
            if not text:
                return _json({"status": "refused", "message": t.plain("app-write-empty")}, 400)
            if telegram_length(text) > WRITE_LIMIT:
                message = t.plain("app-write-too-long", limit=WRITE_LIMIT)
                return _json({"status": "refused", "message": message}, 400)
            booking = await session.get(Booking, booking_id)
            if booking is None or booking.therapist_id != person.therapist_id:
                return _json({"status": "refused", "message": t.plain("tbooking-not-yours")}, 409)
            now = self.clock.now()
            pair = await messages.pair(
                session, client_id=booking.client_id, therapist_id=booking.therapist_id, now=now
            )
            if pair is None:
                message = t.plain("messaging-not-your-client")
                return _json({"status": "refused", "message": message}, 409)
            name = pair.client.first_name or t.plain("messaging-client-unnamed")
            if not pair.client_reachable or pair.client.telegram_id is None:
                return _json(
                    {"status": "refused", "message": t.plain("messaging-client-gone")}, 409
                )
            source = 0
            chat = pair.therapist.telegram_id
            if chat is not None:
                # The therapist's chat keeps what was sent, as when written there.
                kept = await self.outgoing.send_message(
                    chat, f"{t('app-wrote', client=name)}\n\n{html.escape(text, quote=False)}"
                )
                source = kept.result.message_id if kept.result is not None else 0
            status = await text_to_client(
                session,
                self.outgoing,
                self.translator,
                self.clock,
                pair,
                text,
                source_chat_id=chat or 0,
                source_message_id=source,
            )
            if status == "sent":
                return _json({"status": "sent", "message": t.plain("messaging-delivered")})
            key = "messaging-client-blocked" if status == "blocked" else "messaging-failed"
            return _json({"status": status, "message": t.plain(key, name=name)}, 502)

    async def day_off(self, request: web.Request) -> web.Response:
        """Make a day a day off, or lift a single day off; the chat hears what it changed
        (`handlers.shared.hours.after_change`), as after /availability."""
        async with self.sessionmaker() as session:
            person = await self._person(request, session, role="therapist")
            assert person.therapist_id is not None
            t = person.t
            therapist = await session.get_one(Therapist, person.therapist_id)
            body = await _body(request)
            try:
                day = date.fromisoformat(str(body.get("day")))
            except ValueError:
                return _json({"status": "refused", "message": t.plain("stale-button-short")}, 400)
            today = self.clock.now().astimezone(zone(therapist.timezone)).date()
            if not today <= day <= today + self.rules.horizon:
                return _json({"status": "refused", "message": t.plain("app-day-outside")}, 409)
            availability = await schedule.availability_of(session, therapist.id)
            covering = [
                period
                for period in availability.time_off
                if period.starts_on <= day.isoformat() <= period.ends_on
            ]
            if body.get("off") is True:
                if covering:
                    return _json({"status": "off", "message": t.plain("app-day-off-already")})
                await schedule.add_time_off(session, therapist.id, day, day)
            else:
                single = [p for p in covering if p.starts_on == p.ends_on == day.isoformat()]
                if not single:
                    return _json(
                        {"status": "refused", "message": t.plain("app-day-off-longer")}, 409
                    )
                await schedule.remove_time_off(session, therapist.id, single[0].id)
            await after_change(
                self.bot,
                person.telegram_id,
                t,
                session,
                therapist,
                self.rules,
                self.clock,
            )
            key = "app-day-off-set" if body.get("off") is True else "app-day-off-lifted"
            return _json({"status": "done", "message": t.plain(key, day=day_label(t, day))})
