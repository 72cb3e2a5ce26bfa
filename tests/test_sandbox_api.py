"""The local Bot API (`bot.sandbox.botapi`) answering aiogram's own client the way Telegram
does for what the sandbox page shows: command menus by scope and language, reply
keyboards, replies, edits, deletions, callback answers and payments."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LabeledPrice,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from bot.config import Settings
from bot.sandbox import exposed, own_host, takes_the_bots_database
from bot.sandbox.botapi import BotApiError, LocalBotApi

PERSON = 1001


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi() as local:
        local.add_person(PERSON, "Аня", "en")
        yield local


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.url))
    client = Bot("5000000001:sandbox-local-token", session=session)
    yield client
    await session.close()


def record(api: LocalBotApi) -> list[tuple[str, dict[str, Any]]]:
    told: list[tuple[str, dict[str, Any]]] = []
    api.listeners.append(lambda kind, details: told.append((kind, details)))
    return told


async def test_the_command_menu_follows_scope_and_language(api: LocalBotApi, bot: Bot) -> None:
    def commands(*names: str) -> list[BotCommand]:
        return [BotCommand(command=name, description=f"about {name}") for name in names]

    await bot.set_my_commands(commands("start"), scope=BotCommandScopeDefault())
    await bot.set_my_commands(commands("start", "help"), language_code="en")
    await bot.set_my_commands(
        commands("stats"), scope=BotCommandScopeChat(chat_id=3001), language_code="en"
    )

    def names(chat_id: int, language: str) -> list[str]:
        return [command["command"] for command in api.commands_for(chat_id, language)]

    assert names(PERSON, "ru") == ["start"]
    assert names(PERSON, "en") == ["start", "help"]
    assert names(3001, "en") == ["stats"]
    assert names(3001, "ru") == ["start"]  # that chat's menu is in English only
    assert names(-100, "ru") == ["start"]  # a group falls back to the default too
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=3001), language_code="en")
    assert names(3001, "en") == ["start", "help"]


async def test_keyboards_replies_edits_and_deletions(api: LocalBotApi, bot: Bot) -> None:
    told = record(api)
    keys = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Да"), KeyboardButton(text="Нет")]])
    asked = await bot.send_message(PERSON, "<b>Вопрос</b>", parse_mode="HTML", reply_markup=keys)
    assert api.keyboards[PERSON]["keyboard"][0][1]["text"] == "Нет"
    assert ("keyboard", {"chat_id": PERSON}) in told
    assert api.html[(PERSON, asked.message_id)] == "<b>Вопрос</b>"
    assert asked.text == "Вопрос"

    answer = api.push_message(PERSON, "Да", reply_to=asked.message_id)
    assert api.messages[(PERSON, answer)]["reply_to_message"]["text"] == "Вопрос"
    reply = await bot.send_message(
        PERSON,
        "Спасибо",
        reply_parameters=ReplyParameters(message_id=answer),
        reply_markup=ReplyKeyboardRemove(),
    )
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "Да"
    assert PERSON not in api.keyboards

    button = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ок", url="https://example.org")]]
    )
    edited = await bot.edit_message_text(
        "<i>Вопрос снят</i>",
        chat_id=PERSON,
        message_id=asked.message_id,
        parse_mode="HTML",
        reply_markup=button,
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    assert api.html[(PERSON, asked.message_id)] == "<i>Вопрос снят</i>"
    assert api.messages[(PERSON, asked.message_id)]["reply_markup"] == button.model_dump(
        exclude_none=True
    )
    await bot.delete_message(PERSON, asked.message_id)
    assert (PERSON, asked.message_id) not in api.messages
    assert ("delete", {"chat_id": PERSON, "message_id": asked.message_id}) in told
    assert [message["message_id"] for message in api.chat_messages(PERSON)] == [
        answer,
        reply.message_id,
    ]


async def test_a_callback_answer_is_a_toast_or_an_alert(api: LocalBotApi, bot: Bot) -> None:
    told = record(api)
    sent = await bot.send_message(PERSON, "?")
    first = api.push_callback(PERSON, sent.message_id, "a")
    second = api.push_callback(PERSON, sent.message_id, "b")
    quiet = api.push_callback(PERSON, sent.message_id, "c")
    await bot.answer_callback_query(first, text="Готово")
    await bot.answer_callback_query(second, text="Нельзя", show_alert=True)
    await bot.answer_callback_query(quiet)
    toasts = [details for kind, details in told if kind == "toast"]
    assert toasts == [
        {"chat_id": PERSON, "text": "Готово", "alert": False},
        {"chat_id": PERSON, "text": "Нельзя", "alert": True},
    ]


async def test_an_invoice_is_paid_only_when_the_bot_says_ok(api: LocalBotApi, bot: Bot) -> None:
    told = record(api)
    invoice = await bot.send_invoice(
        PERSON,
        title="Сессия",
        description="50 мин",
        payload="booking:7",
        currency="XTR",
        prices=[LabeledPrice(label="Сессия", amount=1750)],
    )
    refused = api.push_checkout(PERSON, PERSON, invoice.message_id)
    update = api._updates[-1]["pre_checkout_query"]
    assert update["invoice_payload"] == "booking:7" and update["total_amount"] == 1750
    await bot.answer_pre_checkout_query(refused, ok=False, error_message="Время занято")
    assert (PERSON, invoice.message_id) not in api.paid
    assert ("toast", {"chat_id": PERSON, "text": "Время занято", "alert": True}) in told

    accepted = api.push_checkout(PERSON, PERSON, invoice.message_id)
    await bot.answer_pre_checkout_query(accepted, ok=True)
    assert (PERSON, invoice.message_id) in api.paid
    payment = api._updates[-1]["message"]["successful_payment"]
    assert payment["invoice_payload"] == "booking:7" and payment["currency"] == "XTR"
    assert payment["total_amount"] == 1750 and payment["telegram_payment_charge_id"]

    with pytest.raises(Exception, match="query ID is invalid"):
        await bot.answer_pre_checkout_query(accepted, ok=True)  # answered already
    with pytest.raises(BotApiError):
        api.push_checkout(PERSON, PERSON, 10**6)  # no invoice there


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
        ("127.0.0.2", False),
        ("0.0.0.0", True),
        ("", True),
        ("::", True),
        ("192.168.1.5", True),
        ("sandbox.example.org", True),
    ],
)
def test_the_sandbox_warns_when_others_can_reach_it(host: str, warned: bool) -> None:
    assert exposed(host) is warned


@pytest.mark.parametrize(
    ("host", "port", "asked", "answered"),
    [
        ("127.0.0.1", 8080, "127.0.0.1:8080", True),
        ("127.0.0.1", 8080, "localhost:8080", True),
        ("127.0.0.1", 8080, "LocalHost:8080", True),
        ("127.0.0.1", 8080, "[::1]:8080", True),
        ("127.0.0.1", 8080, "127.0.0.1:8081", False),
        ("127.0.0.1", 8080, "127.0.0.1", False),  # port 80
        ("127.0.0.1", 80, "localhost", True),
        ("127.0.0.1", 8080, "evil.example:8080", False),
        ("127.0.0.1", 8080, "localhost.evil.example:8080", False),
        ("127.0.0.1", 8080, "127.0.0.1.evil.example:8080", False),
        ("127.0.0.1", 8080, "someone@127.0.0.1:8080", False),
        ("127.0.0.1", 8080, "", False),
        ("127.0.0.1", 8080, "192.168.1.5:8080", False),
        ("localhost", 8080, "127.0.0.1:8080", True),
        ("::1", 8080, "[::1]:8080", True),
        ("::1", 8080, "[0:0:0:0:0:0:0:1]:8080", True),
        ("::1", 8080, "localhost:8080", True),
        # Every address: any IP address of this computer, localhost and its host name.
        ("0.0.0.0", 8080, "192.168.1.5:8080", True),
        ("0.0.0.0", 8080, "[fe80::1]:8080", True),
        ("0.0.0.0", 8080, "127.0.0.1:8080", True),
        ("::", 8080, "localhost:8080", True),
        ("", 8080, f"{socket.gethostname()}:8080", True),
        ("0.0.0.0", 8080, "evil.example:8080", False),
        ("0.0.0.0", 8080, "192.168.1.5:9090", False),
        # One address or name: that one only.
        ("192.168.1.5", 8080, "192.168.1.5:8080", True),
        ("192.168.1.5", 8080, "127.0.0.1:8080", False),
        ("192.168.1.5", 8080, "10.0.0.1:8080", False),
        ("sandbox.example.org", 8080, "Sandbox.Example.org:8080", True),
        ("sandbox.example.org", 8080, "localhost:8080", False),
    ],
)
def test_the_sandbox_answers_only_at_the_names_it_is_served_as(
    host: str, port: int, asked: str, answered: bool
) -> None:
    assert own_host(asked, host=host, port=port) is answered


@pytest.mark.parametrize(
    ("database_url", "sandbox_file", "taken"),
    [
        ("sqlite+aiosqlite:///{tmp}/bot.sqlite3", "{tmp}/bot.sqlite3", True),
        ("sqlite+aiosqlite:///./bot.sqlite3", "{tmp}/bot.sqlite3", True),
        ("sqlite+aiosqlite:///bot.sqlite3", "./bot.sqlite3", True),
        ("sqlite:///data/../bot.sqlite3", "bot.sqlite3", True),
        ("sqlite+aiosqlite:///{tmp}/bot.sqlite3", "link.sqlite3", True),  # a symlink to it
        ("sqlite+aiosqlite:///{tmp}/bot.sqlite3", "alias/bot.sqlite3", True),  # its folder's
        ("sqlite+aiosqlite:///./bot.sqlite3", "hard.sqlite3", True),  # a hard link
        ("sqlite+aiosqlite:///new.sqlite3", "{tmp}/new.sqlite3", True),  # not made yet
        ("sqlite+aiosqlite:///./bot.sqlite3", "bot.sqlite3-wal", True),  # its journal
        ("sqlite+aiosqlite:///file:bot.sqlite3?uri=true", "bot.sqlite3", True),
        ("sqlite+aiosqlite:///./bot.sqlite3", "sandbox.sqlite3", False),
        ("sqlite+aiosqlite:///./bot.sqlite3", "data/bot.sqlite3", False),
        ("sqlite+aiosqlite://", "bot.sqlite3", False),
        ("sqlite+aiosqlite:///:memory:", ":memory:", False),
        ("postgresql+asyncpg://bot:secret@db:5432/bot", "bot", False),
        ("not a database address", "bot.sqlite3", False),
    ],
)
def test_the_sandbox_knows_the_bots_own_database_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    sandbox_file: str,
    taken: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bot.sqlite3").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "link.sqlite3").symlink_to(tmp_path / "bot.sqlite3")
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    os.link(tmp_path / "bot.sqlite3", tmp_path / "hard.sqlite3")
    settings = Settings(
        database_url=database_url.format(tmp=tmp_path),
        sandbox_database_file=Path(sandbox_file.format(tmp=tmp_path)),
    )
    assert takes_the_bots_database(settings) is taken
