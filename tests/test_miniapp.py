"""The Mini App's server (SQLite and PostgreSQL): launch data missing, forged, signed for
another bot or older than a day are refused with 401 and nothing changes; the week's
times are the chat card's times for the same person (two zones, across a change of
clock); a time booked in the Mini App is the same booking, with the same confirmation and
calendar file in the chat, as one booked with «Записаться»; the Mini App and the chat
tapping one time at once make one booking."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import SetChatMenuButton
from aiogram.types import MenuButtonWebApp
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.web import build_app
from bot.webapp import sign
from db import catalog, users
from db.demo import load_demo
from db.models import Booking, Notice, Refund, RelayedMessage, Therapist, User
from keyboards.catalog import BookSlot
from tests.conftest import ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, sign_up

Sessions = async_sessionmaker[AsyncSession]
TOKEN = "123456:TEST-TOKEN"
NEW_YORK = ZoneInfo("America/New_York")
MOSCOW = ZoneInfo("Europe/Moscow")


@dataclass
class App:
    client: TestClient[Any, Any]
    harness: Harness
    clock: ManualClock

    def launch(self, person: TgUser, *, token: str = TOKEN, age: timedelta = timedelta(0)) -> str:
        user = {"id": person.id, "first_name": person.first_name, "language_code": "ru"}
        return sign(token, user, self.clock.now() - age)

    async def call(
        self, method: str, path: str, init_data: str | None, body: Any = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {} if init_data is None else {"Authorization": f"tma {init_data}"}
        async with self.client.request(method, path, headers=headers, json=body) as response:
            return response.status, await response.json(content_type=None)


@asynccontextmanager
async def served(
    sessions: Sessions, engine: AsyncEngine, database_url: str, clock: ManualClock, translator: Any
) -> AsyncIterator[App]:
    settings = make_settings(database_url)
    harness = make_harness(settings, sessions, clock, translator)
    app = build_app(harness.dispatcher, harness.bot, settings, engine, sessions, clock=clock)
    async with TestClient(TestServer(app)) as client:
        yield App(client, harness, clock)


async def booked_in_app(app: App, sessions: Sessions, person: TgUser) -> catalog.FreeTime:
    """`person` signs up and books, in the app, the first free time of therapist 1 from
    tomorrow (the therapist books at once)."""
    await sign_up(person)
    later = app.clock.now() + timedelta(days=1)
    async with sessions() as session:
        soon = (await catalog.free_times(session, 1, later, later + timedelta(days=3)))[0]
    status, booked = await app.call(
        "POST", "/app/api/book", app.launch(person), {"slot_id": soon.id}
    )
    assert status == 200 and booked["status"] == "booked", booked
    return soon


async def _bookings(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Booking)) or 0)


async def test_launch_data_missing_forged_foreign_or_old_are_refused(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        client = app.harness.user(4101, "Анна")
        await sign_up(client)
        async with db_sessionmaker() as session:
            slot_id = (
                await catalog.free_times(session, 1, clock.now(), clock.now() + timedelta(days=14))
            )[0].id
        good = app.launch(client)
        forged = good.replace("%22first_name%22%3A%22", "%22first_name%22%3A%22X")
        assert forged != good
        refused = {
            "missing": None,
            "empty": "",
            "forged": forged,
            "another bot": app.launch(client, token="654321:OTHER-BOT"),
            "two days old": app.launch(client, age=timedelta(days=2)),
            "not launch data": "hello",
        }
        for why, init_data in refused.items():
            for method, path, body in (
                ("GET", "/app/api/me", None),
                ("GET", "/app/api/week", None),
                ("POST", "/app/api/book", {"slot_id": slot_id}),
            ):
                status, answer = await app.call(method, path, init_data, body)
                assert status == 401, (why, path, status, answer)
                assert "Telegram" in answer["error"]
        assert await _bookings(db_sessionmaker) == 0
        # The page itself is public; only the API needs the launch data.
        async with app.client.get("/app") as page:
            assert page.status == 200 and "app.js" in await page.text()
        status, me = await app.call("GET", "/app/api/me", good)
        assert status == 200 and me["zone"] == "Europe/Moscow" and me["texts"]["app-book"]
        # Someone who never gave consent is sent to the chat, not shown anything.
        stranger = app.harness.user(4102, "Пётр")
        status, answer = await app.call("GET", "/app/api/week", app.launch(stranger))
        assert status == 403 and "/start" in answer["error"]


async def _chat_times(app: App, person: TgUser, therapist_id: int) -> set[int]:
    """The slot ids the chat's card of this therapist offers the person (every day)."""
    from handlers.shared.cards import Catalog

    dispatcher = app.harness.dispatcher
    sessions = dispatcher["sessionmaker"]
    async with sessions() as session:
        user = await users.get_by_telegram_id(session, person.id)
        assert user is not None
        cards = Catalog(
            bot=app.harness.bot,
            state=None,  # type: ignore[arg-type]
            t=dispatcher["translator"].for_language("ru"),
            session=session,
            user=user,
            settings=dispatcher["settings"],
            rules=dispatcher["rules"],
            clock=app.clock,
        )
        questionnaire = await users.get_questionnaire(session, user)
        assert questionnaire is not None
        prefs = catalog.preferences_of(questionnaire, user)
        return {slot.id for slot in await cards.fitting_slots(therapist_id, prefs)}


async def test_the_week_shows_the_chats_times_in_the_readers_zone(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    translator: Any,
) -> None:
    # A week in which New York moves its clocks (14 March 2027) and Moscow does not.
    clock = ManualClock(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        person = app.harness.user(4201, "Анна")
        await sign_up(person, Profile(time="Любое время"))
        async with db_sessionmaker() as session:
            user = await users.get_by_telegram_id(session, person.id)
            assert user is not None
            await users.update_profile(session, user, timezone="America/New_York")
            await session.commit()
        init_data = app.launch(person)
        seen: dict[int, set[int]] = {}
        shown: list[dict[str, Any]] = []
        start = ""
        for _ in range(3):  # three weeks: every day the booking window reaches
            status, week = await app.call("GET", f"/app/api/week?start={start}", init_data)
            assert status == 200, week
            assert week["zone"] == "America/New_York" and len(week["days"]) == 7
            for slot in week["slots"]:
                seen.setdefault(slot["therapist"], set()).add(slot["id"])
                shown.append(slot)
                local = datetime.fromisoformat(slot["at"]).astimezone(NEW_YORK)
                assert slot["time"] == f"{local:%H:%M}" and slot["day"] == local.date().isoformat()
                assert slot["day"] in {day["date"] for day in week["days"]}
            start = week["next"]
        assert seen, "the demo therapists have free times"
        for therapist_id, ids in seen.items():
            assert ids == await _chat_times(app, person, therapist_id), therapist_id
        # Across the change of clock the same Moscow hour moves by one in New York.
        by_moscow: dict[tuple[int, str], dict[str, str]] = {}
        for slot in shown:
            at = datetime.fromisoformat(slot["at"])
            moscow = f"{at.astimezone(MOSCOW):%H:%M}"
            by_moscow.setdefault((slot["therapist"], moscow), {})[slot["day"]] = slot["time"]
        moved = [
            (days["2027-03-12"], days["2027-03-15"])
            for days in by_moscow.values()
            if "2027-03-12" in days and "2027-03-15" in days
        ]
        assert moved, "a Moscow hour offered on both sides of the change"
        for before, after in moved:
            assert int(after[:2]) - int(before[:2]) == 1, (before, after)
        # The filter by therapist shows that therapist's times only.
        first = next(iter(seen))
        status, week = await app.call("GET", f"/app/api/week?therapist={first}", init_data)
        assert status == 200 and {slot["therapist"] for slot in week["slots"]} <= {first}


async def test_booking_in_the_app_is_booking_in_the_chat_and_one_time_goes_once(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        anna = app.harness.user(4301, "Анна")
        boris = app.harness.user(4302, "Борис")
        for person in (anna, boris):
            await sign_up(person)
        status, week = await app.call("GET", "/app/api/week", app.launch(anna))
        first, second = week["slots"][0], week["slots"][1]

        # Anna books in the app: a confirmed booking, the chat gets the confirmation and
        # the calendar file, as after «Записаться».
        mark = anna.mark()
        status, answer = await app.call(
            "POST", "/app/api/book", app.launch(anna), {"slot_id": first["id"]}
        )
        assert status == 200 and answer["status"] == "booked", answer
        told = anna.texts_since(mark)
        assert any("Вы записаны" in text for text in told), told
        assert any(shown.document_bytes for shown in anna.shown[mark:])
        async with db_sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
            user = await session.get_one(User, booking.client_id)
        assert booking.slot_id == first["id"] and booking.status == "confirmed"
        assert user.telegram_id == anna.id
        # The same time again: refused with the chat's words, nothing new.
        status, answer = await app.call(
            "POST", "/app/api/book", app.launch(boris), {"slot_id": first["id"]}
        )
        assert status == 409 and answer["status"] == "refused" and answer["message"]
        # Forged bodies: a clear answer, nothing booked.
        for body in ({}, {"slot_id": "x"}, {"slot_id": -1}, {"slot_id": 2**40}, [1]):
            status, answer = await app.call("POST", "/app/api/book", app.launch(boris), body)
            assert status == 400 and answer["message"], body
        assert await _bookings(db_sessionmaker) == 1

        # Boris in the chat and in the app at once on another time: one booking.
        await boris.press("Найти терапевта")
        card = boris.last_with_buttons
        results = await asyncio.gather(
            boris.tap(BookSlot(slot_id=second["id"]).pack(), card),
            app.call("POST", "/app/api/book", app.launch(boris), {"slot_id": second["id"]}),
            return_exceptions=True,
        )
        assert not any(isinstance(result, BaseException) for result in results), results
        async with db_sessionmaker() as session:
            on_second = list(
                await session.scalars(select(Booking).where(Booking.slot_id == second["id"]))
            )
        assert len(on_second) == 1 and on_second[0].status == "confirmed"


async def test_the_menu_button_opens_the_app_when_it_has_an_address(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    for address, expected in (
        ("https://bot.example.org/", "https://bot.example.org/app"),
        ("", None),
    ):
        settings = make_settings(database_url, miniapp_url=address)
        harness = make_harness(settings, db_sessionmaker, clock, translator)
        dispatcher = harness.dispatcher
        await dispatcher.emit_startup(bot=harness.bot, **dispatcher.workflow_data)
        buttons = [
            call.menu_button
            for call in harness.telegram.calls
            if isinstance(call, SetChatMenuButton)
        ]
        if expected is None:
            assert buttons == []
            continue
        (button,) = buttons
        assert isinstance(button, MenuButtonWebApp)
        assert button.web_app.url == expected and button.text == "🗓 Неделя"


async def test_the_clients_sessions_move_and_cancel_as_in_the_cabinet(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        anna = app.harness.user(4401, "Анна")
        vera = app.harness.user(4402, "Вера")
        for person in (anna, vera):
            await sign_up(person)
        mine = app.launch(anna)
        status, week = await app.call("GET", "/app/api/week", mine)
        later = clock.now() + timedelta(days=2)
        slot = next(each for each in week["slots"] if datetime.fromisoformat(each["at"]) > later)
        await app.call("POST", "/app/api/book", mine, {"slot_id": slot["id"]})
        status, listed = await app.call("GET", "/app/api/sessions", mine)
        assert status == 200
        (item,) = listed["sessions"]
        assert item["movable"] and item["moves"] == 0 and "бесплатная" in item["cancel"]
        assert item["when"] == slot["when"]

        # Someone else's session is not theirs to see, move or cancel.
        theirs = app.launch(vera)
        status, answer = await app.call("GET", f"/app/api/move?booking={item['id']}", theirs)
        assert status == 409
        for path, body in (
            ("/app/api/cancel", {"booking_id": item["id"]}),
            ("/app/api/move", {"booking_id": item["id"], "slot_id": slot["id"], "moves": 0}),
            ("/app/api/cancel", {"booking_id": "1"}),
            ("/app/api/cancel", {}),
        ):
            status, answer = await app.call("POST", path, theirs, body)
            assert status == 409 and answer["status"] == "refused", (path, body)

        # Move: the therapist's week, then one of its times; the chat gets the new file.
        status, times = await app.call("GET", f"/app/api/move?booking={item['id']}", mine)
        assert status == 200 and times["moving"]["id"] == item["id"]
        assert {each["therapist"] for each in times["slots"]} == {slot["therapist"]}
        target = next(each for each in times["slots"] if each["id"] != slot["id"])
        mark = anna.mark()
        move = {"booking_id": item["id"], "slot_id": target["id"], "moves": 0}
        status, answer = await app.call("POST", "/app/api/move", mine, move)
        assert status == 200 and answer["status"] == "moved", answer
        assert any("перенесена" in text for text in anna.texts_since(mark))
        assert b"SEQUENCE:1" in next(
            shown.document_bytes for shown in anna.shown[mark:] if shown.document_bytes
        )
        # The same move again (shown before it was moved): a conflict, nothing changes.
        status, answer = await app.call("POST", "/app/api/move", mine, move)
        assert status == 409 and answer["message"]

        # Cancel: as the cabinet does, with the file that takes it out.
        mark = anna.mark()
        status, answer = await app.call("POST", "/app/api/cancel", mine, {"booking_id": item["id"]})
        assert status == 200 and answer["status"] == "cancelled" and "<" not in answer["message"]
        assert any("отменена" in text for text in anna.texts_since(mark))
        assert any(
            b"STATUS:CANCELLED" in (shown.document_bytes or b"") for shown in anna.shown[mark:]
        )
        status, listed = await app.call("GET", "/app/api/sessions", mine)
        assert listed["sessions"] == []
        # The therapist and the practice were told of each change, as from the chat.
        async with db_sessionmaker() as session:
            told = list(await session.scalars(select(Notice.event).order_by(Notice.id)))
            booking = await session.get_one(Booking, item["id"])
        assert told == ["booked", "booked", "moved", "moved", "cancelled", "cancelled"], told
        assert booking.status == "cancelled" and booking.cancelled_by == "client"
        assert booking.slot_id is None and booking.reschedule_count == 1


async def test_the_therapists_week_outcomes_and_days_off(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        therapist = await session.get_one(Therapist, 1)
        therapist.telegram_id = 4601
        therapist.approval = "auto"  # books at once (the demo's first confirms first)
        await session.commit()
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        anna = app.harness.user(4602, "Анна")
        doctor = app.harness.user(4601, "Терапевт")
        soon = await booked_in_app(app, db_sessionmaker, anna)
        theirs = app.launch(doctor)
        # A therapist without a client profile: their own side only.
        status, me = await app.call("GET", "/app/api/me", theirs)
        assert status == 200 and me["roles"] == ["therapist"] and me["zone"]
        status, answer = await app.call("GET", "/app/api/week", theirs)
        assert status == 403
        status, answer = await app.call("GET", "/app/api/therapist/week", app.launch(anna))
        assert status == 403 and answer["error"]

        status, week = await app.call("GET", "/app/api/therapist/week", theirs)
        assert status == 200
        (mine,) = week["sessions"]
        assert mine["client"] == "Анна" and not mine["started"]
        assert week["free"] and all(not day["off"] for day in week["days"])
        # Not started: no outcome yet; someone else's session: never.
        outcome = {"booking_id": mine["id"], "status": "completed"}
        status, answer = await app.call("POST", "/app/api/therapist/outcome", theirs, outcome)
        assert status == 409 and answer["message"]
        clock.current = soon.starts_at + timedelta(minutes=5)
        # Launch data from more than a day ago are refused: the app is opened again.
        status, answer = await app.call("POST", "/app/api/therapist/outcome", theirs, outcome)
        assert status == 401
        theirs = app.launch(doctor)
        status, answer = await app.call("POST", "/app/api/therapist/outcome", theirs, outcome)
        assert status == 200 and answer["status"] == "completed"
        async with db_sessionmaker() as session:
            assert (await session.get_one(Booking, mine["id"])).status == "completed"

        # A day off: its free times go, the chat says what changed; lifted, they return.
        status, week = await app.call("GET", "/app/api/therapist/week", theirs)
        day = next(
            d
            for d in week["days"]
            if not d["past"] and any(each["day"] == d["date"] for each in week["free"])
        )
        free_then = sum(1 for each in week["free"] if each["day"] == day["date"])
        mark = doctor.mark()
        change = {"day": day["date"], "off": True}
        status, answer = await app.call("POST", "/app/api/therapist/dayoff", theirs, change)
        assert status == 200, answer
        told = doctor.texts_since(mark)
        assert any("Свободное время обновлено" in text for text in told), told
        status, week = await app.call("GET", "/app/api/therapist/week", theirs)
        marked = next(d for d in week["days"] if d["date"] == day["date"])
        assert marked["off"] and marked["single"]
        assert not [each for each in week["free"] if each["day"] == day["date"]]
        status, answer = await app.call(
            "POST", "/app/api/therapist/dayoff", theirs, {"day": day["date"], "off": False}
        )
        assert status == 200
        status, week = await app.call("GET", "/app/api/therapist/week", theirs)
        assert sum(1 for each in week["free"] if each["day"] == day["date"]) == free_then
        for wrong in ({"day": "2020-01-01", "off": True}, {"day": "x"}, {}):
            status, answer = await app.call("POST", "/app/api/therapist/dayoff", theirs, wrong)
            assert status in (400, 409) and answer["message"], wrong


async def test_cards_and_the_cabinet_open_the_app_and_buttons_have_colours(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator: Any
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, miniapp_url="https://bot.example.org")
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    anna = harness.user(4801, "Анна")
    await sign_up(anna)
    await anna.press("Найти терапевта")
    card = anna.last_with_buttons
    assert card.markup is not None
    opening = [
        button.web_app.url
        for row in card.markup.inline_keyboard
        for button in row
        if button.web_app is not None
    ]
    assert len(opening) == 1 and opening[0].startswith("https://bot.example.org/app?therapist=")
    await anna.press(card.buttons[0], message=card)
    await anna.press(card.buttons[0], message=card)
    confirm = anna.last
    assert confirm.markup is not None
    assert confirm.markup.inline_keyboard[0][0].style == "success"
    await anna.press("Записаться", message=confirm)
    await anna.send("/my")
    cabinet = anna.last_with_buttons
    assert cabinet.markup is not None
    assert any(
        button.web_app is not None and button.web_app.url == "https://bot.example.org/app"
        for row in cabinet.markup.inline_keyboard
        for button in row
    )
    await anna.press(cabinet.buttons[0], message=cabinet)
    await anna.press("Отменить", message=anna.last_with_buttons)
    asked = anna.last_with_buttons
    assert asked.markup is not None
    yes = asked.button("Да, отменить")
    assert yes.style == "danger"


async def test_with_stars_the_app_holds_sends_the_invoice_and_refunds_as_the_chat(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, payment_currency="XTR", stars_per_rub=0.5)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    app_server = build_app(
        harness.dispatcher, harness.bot, settings, db_engine, db_sessionmaker, clock=clock
    )
    async with TestClient(TestServer(app_server)) as client:
        app = App(client, harness, clock)
        anna = harness.user(4901, "Анна")
        await sign_up(anna)
        mine = app.launch(anna)
        status, week = await app.call("GET", "/app/api/week", mine)
        later = clock.now() + timedelta(days=2)
        slot = next(each for each in week["slots"] if datetime.fromisoformat(each["at"]) > later)
        status, answer = await app.call("POST", "/app/api/book", mine, {"slot_id": slot["id"]})
        assert status == 200 and answer["status"] == "held", answer
        invoice = next(shown.invoice for shown in reversed(anna.shown) if shown.invoice)
        assert invoice is not None and invoice.currency == "XTR"
        amount = invoice.prices[0].amount
        paid = await anna.pre_checkout(invoice.payload, "XTR", amount)
        assert paid.show_alert is True
        await anna.pay(invoice.payload, "XTR", amount, "charge-app-1")
        # Cancelled from the app three days ahead: free, and the Stars go back at once,
        # as from the cabinet.
        status, listed = await app.call("GET", "/app/api/sessions", mine)
        (item,) = listed["sessions"]
        assert "бесплатная" in item["cancel"] and "звёзд" in item["cancel"].lower(), item
        status, answer = await app.call("POST", "/app/api/cancel", mine, {"booking_id": item["id"]})
        assert status == 200 and answer["status"] == "cancelled"
        job = outbox_job(harness, settings, db_sessionmaker, clock, translator)
        await job.run()
        assert harness.telegram.refunded == ["charge-app-1"]
        async with db_sessionmaker() as session:
            refunds = list(await session.scalars(select(Refund)))
        assert len(refunds) == 1 and refunds[0].reason == "cancelled"


async def test_a_therapist_writes_to_a_client_from_the_app_through_the_relay(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    """The session's card in the therapist's week sends a text as the chat's relay does:
    the client reads it under the therapist's name with the reply button, and a reply
    comes back to the therapist's chat, quoting the copy of what was sent. Nobody else's
    client, no empty or too long text; the text is never stored."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        therapist = await session.get_one(Therapist, 1)
        therapist.telegram_id = 4801
        therapist.approval = "auto"
        other = await session.get_one(Therapist, 2)
        other.telegram_id = 4809
        await session.commit()
        name = therapist.name_ru
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        anna = app.harness.user(4802, "Анна")
        doctor = app.harness.user(4801, "Терапевт")
        stranger = app.harness.user(4809, "Другой терапевт")
        await booked_in_app(app, db_sessionmaker, anna)
        theirs = app.launch(doctor)
        status, week = await app.call("GET", "/app/api/therapist/week", theirs)
        (session_item,) = week["sessions"]
        to_anna = {"booking_id": session_item["id"], "text": "Добрый день! <b>До встречи</b>"}

        for wrong, code in (
            ({"booking_id": session_item["id"], "text": "  "}, 400),
            ({"booking_id": session_item["id"], "text": "я" * 5000}, 400),
            # Telegram counts UTF-16 units: 2 000 emoji are 4 000 of them.
            ({"booking_id": session_item["id"], "text": "😀" * 2000}, 400),
            ({"booking_id": session_item["id"]}, 400),
            ({"booking_id": "1", "text": "привет"}, 409),
            ({"booking_id": 10**9, "text": "привет"}, 409),
        ):
            status, answer = await app.call("POST", "/app/api/therapist/write", theirs, wrong)
            assert status == code and answer["message"], (wrong, answer)
        status, answer = await app.call("POST", "/app/api/therapist/write", None, to_anna)
        assert status == 401
        # Another therapist cannot write to this client through this session.
        status, answer = await app.call(
            "POST", "/app/api/therapist/write", app.launch(stranger), to_anna
        )
        assert status == 409 and answer["message"] == "Эта сессия недоступна."
        # A client is no therapist.
        status, _ = await app.call("POST", "/app/api/therapist/write", app.launch(anna), to_anna)
        assert status == 403
        assert not [m for m in app.harness.telegram.chats[anna.id] if "Добрый день" in m.text]

        mark_anna, mark_doctor = anna.mark(), doctor.mark()
        status, answer = await app.call("POST", "/app/api/therapist/write", theirs, to_anna)
        assert status == 200 and answer == {"status": "sent", "message": "✓ Доставлено."}
        (received,) = app.harness.telegram.chats[anna.id][mark_anna:]
        assert received.text.startswith(f"💬 Ваш терапевт {name}:")
        assert "Добрый день! <b>До встречи</b>" in received.text  # typed, shown as typed
        assert received.buttons == ["↩️ Ответить"]
        (kept,) = app.harness.telegram.chats[doctor.id][mark_doctor:]
        assert "Вы написали клиенту Анна" in kept.text and "Добрый день!" in kept.text
        async with db_sessionmaker() as session:
            (relay,) = (await session.scalars(select(RelayedMessage))).all()
        assert relay.direction == "to_client" and relay.booking_id == session_item["id"]
        assert relay.target_message_id == received.message_id and relay.delivered_at is not None
        assert (relay.source_chat_id, relay.source_message_id) == (4801, kept.message_id)

        # The client's Telegram reply reaches the therapist, quoting what they sent.
        await anna.send("Спасибо!", reply_to_message=app.harness.telegram.as_message(received))
        thanks = doctor.last
        assert "Анна" in thanks.text and "Спасибо!" in thanks.text
        assert thanks.reply_to == kept.message_id


async def test_a_card_further_down_the_matches_opens_its_therapists_week(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
    monkeypatch: Any,
) -> None:
    """«🗓 Неделя целиком» on a card past the week's own list (here: past the first) shows
    that therapist's times, the ones their card offers; a therapist the matching does not
    offer shows nothing."""
    from handlers import miniapp

    monkeypatch.setattr(miniapp, "THERAPISTS_SHOWN", 1)
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    async with served(db_sessionmaker, db_engine, database_url, clock, translator) as app:
        person = app.harness.user(4301, "Анна")
        await sign_up(person, Profile(time="Любое время"))
        launch = app.launch(person)
        status, week = await app.call("GET", "/app/api/week", launch)
        (best,) = week["therapists"]
        async with db_sessionmaker() as session:
            user = await users.get_by_telegram_id(session, person.id)
            assert user is not None
            questionnaire = await users.get_questionnaire(session, user)
            assert questionnaire is not None
            rules = app.harness.dispatcher["rules"]
            earliest, latest = rules.booking_window(clock.now())
            page = await catalog.search(
                session, catalog.preferences_of(questionnaire, user), earliest, latest, size=50
            )
        later = next(item.therapist_id for item in page.ranked if item.therapist_id != best["id"])
        seen: set[int] = set()
        start = ""
        for _ in range(3):
            status, week = await app.call(
                "GET", f"/app/api/week?therapist={later}&start={start}", launch
            )
            assert status == 200
            assert [each["id"] for each in week["therapists"]] == [best["id"], later]
            seen |= {slot["id"] for slot in week["slots"] if slot["therapist"] == later}
            assert {slot["therapist"] for slot in week["slots"]} <= {later}
            start = week["next"]
        assert seen and seen == await _chat_times(app, person, later)
        status, week = await app.call("GET", "/app/api/week?therapist=999999", launch)
        assert status == 200 and not week["slots"]
