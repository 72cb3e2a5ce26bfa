"""Admin access: the menu, refusals for everyone else (logged, nothing changed, answered
like any unknown command or stale button), the audit log, and an admin who is a client."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Literal, get_args, get_origin

import pytest
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommandScopeChat, BotCommandScopeDefault, Chat, Message
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import CLIENT_COMMANDS
from db.demo import load_demo
from db.models import AuditEntry, Therapist
from handlers.admin.common import COMMAND_NAMES
from keyboards.admin import (
    ADMIN_CALLBACKS,
    ADMIN_PREFIXES,
    DialogChoice,
    TherapistEdit,
    TherapistOpen,
)
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, TgUser
from tests.flows import sign_up, to_questions

Sessions = async_sessionmaker[AsyncSession]

# Everything an admin command could change; the audit log is checked on its own.
TABLES = (
    "therapists",
    "therapist_topics",
    "topics",
    "slots",
    "bookings",
    "therapist_invites",
    "payments",
    "users",
    "questionnaires",
    "availability_rules",
)


async def snapshot(sessions: Sessions) -> dict[str, list[str]]:
    async with sessions() as session:
        result = {}
        for table in TABLES:
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            result[table] = sorted(repr(tuple(row)) for row in rows)
        return result


async def audit_entries(sessions: Sessions) -> list[AuditEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def forged(cls: Any) -> str:
    """Well-formed data for an admin button, with made-up values."""
    samples: dict[Any, Any] = {int: 1, bool: True, str: "x"}

    def sample(annotation: Any) -> Any:
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return next(iter(annotation))  # a value the button may really carry
        if get_origin(annotation) is Literal:
            return get_args(annotation)[0]
        return samples[annotation]

    values = {name: sample(field.annotation) for name, field in cls.model_fields.items()}
    return str(cls(**values).pack())


@pytest.fixture
async def demo(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def admin_of(harness: Harness) -> TgUser:
    return harness.user(ADMIN_ID, "Админ")


# -- the menu ----------------------------------------------------------------------------


async def test_admins_get_admin_and_client_commands_in_their_chats(
    database_url: str,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    never_started = 900002
    settings = make_settings(database_url, admin_ids=f"{ADMIN_ID},{never_started}")
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    telegram = harness.telegram
    plain = telegram._do_SetMyCommands

    def set_my_commands(bot: Any, method: SetMyCommands) -> bool:
        # Telegram refuses a chat menu for someone who never opened the bot.
        if isinstance(method.scope, BotCommandScopeChat) and method.scope.chat_id == never_started:
            telegram._fail(bot, method, 400, "Bad Request: chat not found")
        return plain(bot, method)

    monkeypatch.setattr(telegram, "_do_SetMyCommands", set_my_commands)
    await harness.dispatcher.emit_startup(bot=harness.bot, **harness.dispatcher.workflow_data)

    everyone = [c for c in telegram.commands if isinstance(c.scope, BotCommandScopeDefault)]
    admins = [c for c in telegram.commands if isinstance(c.scope, BotCommandScopeChat)]
    client_names = [name for name, _ in CLIENT_COMMANDS]
    assert {c.language_code for c in everyone} == {None, "ru", "en"}
    for call in everyone:
        assert [command.command for command in call.commands] == client_names
    assert {c.scope.chat_id for c in admins} == {ADMIN_ID}  # type: ignore[union-attr]
    by_language = {c.language_code: c for c in admins}
    assert set(by_language) == {None, "ru", "en"}
    for call in admins:
        assert [command.command for command in call.commands] == [*COMMAND_NAMES, *client_names]
    assert by_language["en"].commands[0].description == "Admin: therapists"
    assert by_language["ru"].commands[0].description == "Админ: терапевты"
    assert by_language[None].commands == by_language["ru"].commands


# -- everyone else -----------------------------------------------------------------------


@pytest.mark.parametrize("registered", [True, False], ids=["client", "stranger"])
async def test_non_admin_commands_read_as_unknown_and_are_logged(
    harness: Harness, db_sessionmaker: Sessions, demo: None, registered: bool
) -> None:
    person = harness.user(501, "Вера")
    if registered:
        await sign_up(person)
    mark = person.mark()
    await person.send("/nosuchcommand")
    unknown = person.texts_since(mark)
    assert unknown, "an unknown command gets an answer"
    before = await snapshot(db_sessionmaker)

    for name in COMMAND_NAMES:
        for typed in (f"/{name}", f"/{name} 1"):
            mark = person.mark()
            await person.send(typed)
            assert person.texts_since(mark) == unknown, typed

    assert await snapshot(db_sessionmaker) == before
    entries = await audit_entries(db_sessionmaker)
    assert len(entries) == 2 * len(COMMAND_NAMES)
    assert {entry.action for entry in entries} == {"denied"}
    assert {entry.actor_telegram_id for entry in entries} == {501}
    assert {entry.details["attempt"] for entry in entries} == {f"/{n}" for n in COMMAND_NAMES}
    # Admin command names appear nowhere in what the person saw.
    seen = " ".join(m.text for m in person.shown)
    assert "/therapists" not in seen and "/broadcast" not in seen


async def test_non_admin_forged_admin_buttons_are_refused_and_logged(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    client = harness.user(502, "Олег")
    await sign_up(client)
    screen = client.last
    stale = await client.tap("zz:1", screen)  # what any unknown button gets
    before = await snapshot(db_sessionmaker)
    assert {cls.__prefix__ for cls in ADMIN_CALLBACKS} == ADMIN_PREFIXES

    for cls in ADMIN_CALLBACKS:
        answer = await client.tap(forged(cls), screen)
        assert (answer.text, answer.show_alert) == (stale.text, stale.show_alert), cls
    # Data that does not even parse is refused the same way.
    for prefix in ADMIN_PREFIXES:
        answer = await client.tap(f"{prefix}:garbage:::", screen)
        assert answer.text == stale.text

    assert await snapshot(db_sessionmaker) == before
    entries = await audit_entries(db_sessionmaker)
    assert len(entries) == 2 * len(ADMIN_CALLBACKS)
    assert {entry.action for entry in entries} == {"denied"}
    assert {entry.details["attempt"] for entry in entries} == {
        f"button:{prefix}" for prefix in ADMIN_PREFIXES
    }
    assert all("Админ" not in m.text for m in client.shown)


async def test_admin_commands_in_a_group_are_not_answered_as_admin(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    """Admin screens go to the admin's private chat only, never to a group."""
    group = Chat(id=-100777, type="supergroup", title="Практика")
    admin = admin_of(harness)
    for command in ("/stats", "/export users"):
        message = Message(
            message_id=harness.next_id(),
            date=datetime.now(UTC),
            chat=group,
            from_user=admin.user,
            text=command,
        )
        await harness.feed(message=message)
    shown = harness.telegram.chats.get(group.id, [])
    assert not any("Статистика" in m.text or m.document for m in shown)
    assert await audit_entries(db_sessionmaker) == []


# -- admins ------------------------------------------------------------------------------


async def test_forged_or_stale_admin_buttons_change_nothing(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    admin = admin_of(harness)
    await admin.send("/therapists")
    screen = admin.last
    before = await snapshot(db_sessionmaker)

    answer = await admin.tap(TherapistEdit(therapist_id=1, field="slug").pack(), screen)
    assert answer.show_alert and "устарела" in (answer.text or "")
    answer = await admin.tap(TherapistOpen(therapist_id=999).pack(), screen)
    assert "#999" in (answer.text or "")
    answer = await admin.tap(DialogChoice(value="female").pack(), screen)
    assert "устарела" in (answer.text or "")
    answer = await admin.tap("adte:oops", screen)
    assert "устарела" in (answer.text or "")

    # A button from a dialog that was cancelled is out of date.
    await admin.send("/add_therapist")
    await admin.send("Ирина Котова")
    await admin.send("Irina Kotova")
    gender_screen = admin.last
    await admin.send("/cancel")
    assert "Отменено" in admin.last.text
    answer = await admin.press("Женщина", message=gender_screen)
    assert "устарела" in (answer.text or "")
    assert await snapshot(db_sessionmaker) == before


async def test_audit_lists_the_latest_actions(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    stranger = harness.user(503, "Гость")
    await stranger.send("/stats")
    admin = admin_of(harness)
    await admin.send("/therapists")
    await admin.press("#2 ")
    await admin.press("Скрыть")
    await admin.send("/audit")
    log = admin.last.text
    assert "Журнал действий" in log
    lines = [line for line in log.splitlines() if " · " in line]
    assert "therapist.deactivate" in lines[0] and "therapist:2" in lines[0]
    assert str(ADMIN_ID) in lines[0]
    assert "denied" in lines[1] and "503" in lines[1] and "attempt=/stats" in lines[1]


# -- an admin is a client too ------------------------------------------------------------


async def test_an_admin_uses_client_flows_alongside_admin_dialogs(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    admin = admin_of(harness)
    await to_questions(admin)
    assert "Вопрос 1 из 8" in admin.last.text

    # An admin command in the middle of the questionnaire, then back to the question.
    await admin.send("/stats")
    assert any("Статистика" in m.text for m in admin.shown[-4:])
    await admin.send("34")
    assert "Вопрос 2 из 8" in admin.last.text
    question = admin.last

    # An admin dialog keeps its own state: the questionnaire's buttons still work.
    await admin.send("/add_therapist")
    assert "шаг 1 из 14" in admin.last.text
    await admin.press("Да", message=question)
    assert "Вопрос 3 из 8" in question.text  # the question's screen moved on
    await admin.send("Ирина Котова")  # typed text goes to the open admin dialog
    assert "шаг 2 из 14" in admin.last.text

    # Another command leaves the admin dialog and is answered as usual.
    mark = admin.mark()
    await admin.send("/my")
    texts = admin.texts_since(mark)
    assert len(texts) == 2
    assert "админ-диалог закрыт" in texts[0]
    # ...as it is for any client in the middle of the questionnaire: back to the question.
    assert "Вопрос 3 из 8" in texts[1]
    await admin.send("/cancel")  # no dialog now: an ordinary unknown command
    assert "Отменено" not in admin.last.text
    async with db_sessionmaker() as session:
        names = set(await session.scalars(select(Therapist.name_ru)))
    assert "Ирина Котова" not in names and len(names) == 12


async def test_admin_screens_in_english(harness: Harness, demo: None) -> None:
    admin = harness.user(ADMIN_ID, "Admin", language_code="en")
    await admin.send("/therapists")
    assert "Therapists: 12 · page 1 of 2" in admin.last.text
    await admin.press("#1 ")
    assert "Name (English): Anna Smirnova" in admin.last.text
    assert "Telegram not linked" in admin.last.text
    await admin.press("✏️ Price")
    await admin.send("abc")
    assert "whole number of roubles" in admin.last.text
    await admin.send("/cancel")
    assert "Cancelled" in admin.last.text
    for command, expected in (
        ("/slots 1", "Slots of #1 Anna Smirnova for 14 days"),
        ("/bookings", "Bookings: today and 7 days ahead"),
        ("/topics", "Topics: 16"),
        ("/audit", "Audit log"),
        ("/broadcast", "Send the broadcast text"),
        ("/add_therapist", "New therapist · step 1 of 14"),
        ("/invite 2", "Invite link for the therapist #2"),
    ):
        await admin.send(command)
        assert expected in admin.last.text, command
    await admin.send("/stats")
    assert "Statistics" in admin.shown[-4].text and admin.shown[-3].photo is not None
    assert "Numbers over 30 days" in admin.shown[-2].text and admin.last.photo is not None
    await admin.send("/export users")
    assert "Export of users" in admin.last.text and admin.last.document == "users_start_now.csv"
