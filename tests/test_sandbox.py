"""The local sandbox over its HTTP API: `python run_bot.py sandbox` runs the production bot
against the local Bot API, and what a persona does in the page becomes a real update.

The browser drives the same API in `test_sandbox_browser.py`; these tests need no browser.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from bot.sandbox.personas import BOT_ID, TOKEN
from bot.webapp import checked
from tests.sandbox_process import (
    ROOT,
    RUN_BOT,
    STARTUP_SECONDS,
    Sandbox,
    post_json,
    ready,
    running_sandbox,
    sandbox_env,
    start,
    stop,
)

NEW_CLIENT = 1001
DEMO_CLIENT = 1002
THERAPIST = 2001
ADMIN = 3001
GROUP = -1001000000001

Message = dict[str, Any]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


def messages(state: dict[str, Any], chat_id: int) -> list[Message]:
    return list(state["chats"][str(chat_id)]["messages"])


def buttons(message: Message) -> list[dict[str, Any]]:
    return [button for row in message["buttons"] for button in row]


def text_of(message: Message) -> str:
    return re.sub(r"<[^>]+>", "", message["html"] or "")


class Person:
    """One persona in the page: writes, presses buttons, waits for the bot."""

    def __init__(self, sandbox: Sandbox, chat_id: int) -> None:
        self.sandbox = sandbox
        self.chat_id = chat_id

    def chat(self) -> list[Message]:
        return messages(self.sandbox.state(), self.chat_id)

    def wait_for(
        self, fits: Callable[[Message], bool], *, after: int = 0, seconds: float = 30
    ) -> Message:
        """The first message (of id above `after`) that fits, as it is now."""

        def found(state: dict[str, Any]) -> Message | None:
            return next(
                (
                    message
                    for message in messages(state, self.chat_id)
                    if message["message_id"] > after and fits(message)
                ),
                None,
            )

        return dict(
            self.sandbox.wait_until(
                found, seconds=seconds, what=f"a message in chat {self.chat_id}"
            )
        )

    def last_id(self) -> int:
        chat = self.chat()
        return chat[-1]["message_id"] if chat else 0

    def send(self, text: str) -> int:
        status, body = post_json(
            f"{self.sandbox.url}/sandbox/send", {"chat_id": self.chat_id, "text": text}
        )
        assert status == 200 and body["ok"], body
        return int(body["message_id"])

    def press(self, fits: Callable[[str], bool]) -> Message:
        """Press the first fitting button of the newest message that has one; returns
        that message."""

        def found(state: dict[str, Any]) -> tuple[Message, str] | None:
            for message in reversed(messages(state, self.chat_id)):
                for button in buttons(message):
                    if button["data"] and fits(button["text"]):
                        return message, button["data"]
            return None

        message, data = self.sandbox.wait_until(found, what="the button")
        status, body = post_json(
            f"{self.sandbox.url}/sandbox/press",
            {"chat_id": self.chat_id, "message_id": message["message_id"], "data": data},
        )
        assert status == 200 and body["ok"], body

        def answered(state: dict[str, Any]) -> bool:
            # The bot's answer: the message changed in place, or a newer one came.
            chat = messages(state, self.chat_id)
            now = next((m for m in chat if m["message_id"] == message["message_id"]), None)
            return now != message or chat[-1]["message_id"] > message["message_id"]

        self.sandbox.wait_until(answered, what="the answer to the button")
        return dict(message)


def label(text: str) -> Callable[[str], bool]:
    return lambda shown: text in shown


def test_the_page_and_each_persona_with_its_own_menu(sandbox: Sandbox) -> None:
    with urllib.request.urlopen(f"{sandbox.url}/", timeout=10) as response:
        page = response.read().decode()
    assert '<textarea id="input"' in page and "/sandbox/events" in page
    with urllib.request.urlopen(f"{sandbox.url}/favicon.ico", timeout=10) as response:
        assert response.status == 204

    state = sandbox.state()
    assert [persona["key"] for persona in state["personas"]] == [
        "new_client",
        "demo_client",
        "therapist",
        "admin",
        "group",
    ]
    assert state["labels"]["sandbox-plus-hour"] == "+1 час"

    def menu(chat_id: int) -> set[str]:
        return {command["command"] for command in state["chats"][str(chat_id)]["commands"]}

    assert "start" in menu(NEW_CLIENT) and "stats" not in menu(NEW_CLIENT)
    assert {"stats", "export", "broadcast"} <= menu(ADMIN)
    assert "schedule" in menu(THERAPIST) and "stats" not in menu(THERAPIST)
    # The demo client's session reached the linked therapist and the practice's group.
    therapist = state["personas"][2]["hint"]
    card = Person(sandbox, THERAPIST).wait_for(lambda message: "Мария" in text_of(message))
    assert "Новая запись" in text_of(card), card
    assert therapist.endswith("Анна Смирнова")
    Person(sandbox, GROUP).wait_for(lambda message: "Мария" in text_of(message))


def test_the_mini_app_opens_with_launch_data_the_sandbox_signs(sandbox: Sandbox) -> None:
    """The bot set the menu button to the Mini App beside the page; the page gets each
    persona's launch data signed with the sandbox bot's token, which the Mini App's own
    check accepts; a group has none, and forged data are refused as in Telegram."""
    state = sandbox.state()
    menu = state["chats"][str(DEMO_CLIENT)]["menu_app"]
    assert menu["text"] == "🗓 Неделя" and menu["url"] == f"{sandbox.url}/app"
    assert state["chats"][str(GROUP)]["menu_app"] is None
    status, answer = post_json(f"{sandbox.url}/sandbox/webapp", {"chat_id": DEMO_CLIENT})
    assert status == 200
    launch = answer["init_data"]
    assert checked(TOKEN, launch, datetime.now(UTC)).user.id == DEMO_CLIENT  # type: ignore[union-attr]
    status, refused = post_json(f"{sandbox.url}/sandbox/webapp", {"chat_id": GROUP})
    assert status == 400 and "обновите страницу" in refused["error"]

    def me(init_data: str) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{sandbox.url}/app/api/me", headers={"Authorization": f"tma {init_data}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, None

    status, who = me(launch)
    assert status == 200 and who["roles"] == ["client"], who
    forged = launch.replace("Мария", "Ольга").replace("%D0%9C", "%D0%9E")
    assert me(forged)[0] == 401
    with urllib.request.urlopen(f"{sandbox.url}/app", timeout=10) as response:
        assert b"app.js" in response.read()


def test_a_new_client_signs_up_books_and_pays_in_stars(sandbox: Sandbox) -> None:
    client = Person(sandbox, NEW_CLIENT)
    client.send("/start")
    client.wait_for(lambda message: "Вы согласны" in text_of(message))
    client.press(label("Согласен"))
    client.wait_for(lambda message: "лет" in text_of(message) or "возраст" in text_of(message))
    client.send("30")
    answers = ("Да", "Индивидуальная", "Тревога", "Готово", "Не важно", "Любые дни")
    for answer in (*answers, "Любое время", "Не важно"):
        client.press(lambda shown, answer=answer: shown.startswith(answer))
    client.press(label("Всё верно"))

    card = client.wait_for(lambda message: message["photo"] is not None)
    with urllib.request.urlopen(f"{sandbox.url}{card['photo']}", timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.read()[:8] == b"\x89PNG\r\n\x1a\n"
    client.press(lambda shown: re.fullmatch(r"\w+ \d{1,2} \w+", shown) is not None)
    # The card is edited in place: the same message now offers times.
    edited = client.wait_for(
        lambda message: (
            message["message_id"] == card["message_id"]
            and any(re.fullmatch(r"\d\d:\d\d", button["text"]) for button in buttons(message))
        )
    )
    assert edited["edited"] and edited["photo"] == card["photo"]
    mark = client.last_id()
    client.press(lambda shown: re.fullmatch(r"\d\d:\d\d", shown) is not None)
    client.wait_for(lambda message: "Проверьте запись" in text_of(message), after=mark)
    client.press(label("Записаться"))

    invoice = client.wait_for(lambda message: message["invoice"] is not None, after=mark)
    assert invoice["invoice"]["pay_label"].startswith("Оплатить (песочница) ⭐ ")
    assert not invoice["invoice"]["paid"]
    status, body = post_json(
        f"{sandbox.url}/sandbox/pay",
        {"chat_id": NEW_CLIENT, "message_id": invoice["message_id"]},
    )
    assert status == 200, body
    paid = client.wait_for(lambda message: message["service"] is not None, after=mark)
    assert paid["service"].startswith("Вы оплатили ⭐ "), paid
    client.wait_for(lambda message: "запись подтверждена" in text_of(message), after=mark)
    ics = client.wait_for(lambda message: message["document"] is not None, after=mark)
    assert ics["document"]["name"] == "session.ics"
    with urllib.request.urlopen(f"{sandbox.url}{ics['document']['url']}", timeout=10) as response:
        assert "attachment" in response.headers["Content-Disposition"]
        calendar = icalendar.Calendar.from_ical(response.read())
    assert len(calendar.walk("VEVENT")) == 1
    assert client.wait_for(lambda message: message["message_id"] == invoice["message_id"])[
        "invoice"
    ]["paid"]

    # Paying twice is refused by the page, kindly; the practice's group got the booking.
    status, body = post_json(
        f"{sandbox.url}/sandbox/pay",
        {"chat_id": NEW_CLIENT, "message_id": invoice["message_id"]},
    )
    assert status == 400 and body["error"] == "Этот счёт уже оплачен.", body
    Person(sandbox, GROUP).wait_for(lambda message: "Аня" in text_of(message))


def test_a_message_to_the_therapist_and_the_answer_by_reply(sandbox: Sandbox) -> None:
    """The demo client writes from the cabinet; the therapist persona gets it live and
    answers by replying to it in the page (a Telegram reply); the client gets the answer."""
    client = Person(sandbox, DEMO_CLIENT)
    therapist = Person(sandbox, THERAPIST)
    client.send("/my")
    client.press(label("Написать терапевту"))
    mark = therapist.last_id()
    client.send("Можно ли прийти на 10 минут позже?")
    client.wait_for(lambda message: "Доставлено" in text_of(message))
    relayed = therapist.wait_for(
        lambda message: "на 10 минут позже" in text_of(message), after=mark
    )
    assert "Мария" in text_of(relayed), relayed
    mark = client.last_id()
    status, body = post_json(
        f"{sandbox.url}/sandbox/send",
        {"chat_id": THERAPIST, "text": "Да, конечно.", "reply_to": relayed["message_id"]},
    )
    assert status == 200, body
    sent = therapist.wait_for(lambda message: message["message_id"] == body["message_id"])
    assert sent["outgoing"] and sent["reply_to"]["message_id"] == relayed["message_id"]
    answer = client.wait_for(lambda message: "Да, конечно." in text_of(message), after=mark)
    assert "Ваш терапевт" in text_of(answer), answer


def read_events(url: str, into: list[dict[str, Any]], stop: threading.Event) -> None:
    with urllib.request.urlopen(f"{url}/sandbox/events", timeout=30) as stream:
        for line in stream:
            if stop.is_set():
                return
            if line.startswith(b"data: "):
                into.append(json.loads(line[6:]))


def test_live_events_toasts_and_the_clock(sandbox: Sandbox) -> None:
    events: list[dict[str, Any]] = []
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(sandbox.url, events, stop), daemon=True)
    reader.start()
    try:
        admin = Person(sandbox, ADMIN)
        time.sleep(0.5)  # the stream is open
        sent = admin.send("/stats")
        sandbox.wait_until(
            lambda _: any(
                event["type"] == "message" and event["message"]["message_id"] == sent
                for event in events
            ),
            what="the admin's own message as an event",
        )
        chart = admin.wait_for(lambda message: message["photo"] is not None, after=sent)
        assert chart["chat_id"] == ADMIN

        # A button the bot no longer knows: Telegram's toast with the bot's answer.
        status, body = post_json(
            f"{sandbox.url}/sandbox/press",
            {"chat_id": ADMIN, "message_id": chart["message_id"], "data": "no-such-button"},
        )
        assert status == 200, body
        toast = sandbox.wait_until(
            lambda _: next(
                (e for e in events if e["type"] == "toast" and e["chat_id"] == ADMIN), None
            ),
            what="a toast",
        )
        assert toast["text"]

        # The clock: a day ahead at a time until the demo client's reminder comes.
        client = Person(sandbox, DEMO_CLIENT)
        before = sandbox.state()["now"]
        # Its session is 30 h or more ahead; a 24 h jump never passes it without its
        # reminder being due.
        for _ in range(4):
            status, body = post_json(f"{sandbox.url}/sandbox/clock", {"hours": 24})
            assert status == 200, body
            try:
                reminder = client.wait_for(
                    lambda message: "Напоминание" in text_of(message), seconds=8
                )
                break
            except AssertionError:
                continue
        else:
            pytest.fail("no reminder within four days of the sandbox clock")
        assert "Напоминание" in text_of(reminder)
        assert sandbox.state()["now"] > before
        assert any(event["type"] == "clock" for event in events)
    finally:
        stop.set()


def test_bad_requests_get_a_clear_answer(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/sandbox"
    for path, body, error in (
        ("send", {"chat_id": NEW_CLIENT, "text": ""}, "Напишите сообщение"),
        ("send", {"chat_id": NEW_CLIENT, "text": "я" * 4097}, "Напишите сообщение"),
        ("send", {"chat_id": 77, "text": "hi"}, "обновите страницу"),
        ("press", {"chat_id": NEW_CLIENT, "message_id": 10**9, "data": "x"}, "уже нет"),
        ("pay", {"chat_id": NEW_CLIENT, "message_id": 10**9}, "уже нет"),
        ("clock", {"hours": 0}, "обновите страницу"),
        ("clock", {"hours": "1"}, "обновите страницу"),
        ("language", {"language": "de"}, "обновите страницу"),
    ):
        status, answer = post_json(f"{url}/{path}", body)
        assert status == 400 and error in answer["error"], (path, body, answer)
    request = urllib.request.Request(
        f"{url}/send", data=b"not json", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{url}/file/no-such-file", timeout=10)
    assert missing.value.code == 404


def test_the_language_switch(sandbox: Sandbox) -> None:
    try:
        status, body = post_json(f"{sandbox.url}/sandbox/language", {"language": "en"})
        assert status == 200, body
        state = sandbox.state()
        assert state["language"] == "en"
        assert state["labels"]["sandbox-plus-day"] == "+1 day"
        assert state["personas"][0]["title"] == "New client"
        assert state["personas"][2]["hint"] == "Demo profile: Anna Smirnova"
        descriptions = {
            command["command"]: command["description"]
            for command in state["chats"][str(NEW_CLIENT)]["commands"]
        }
        assert descriptions["help"] != "", descriptions
        assert re.search(r"[а-я]", descriptions["help"], re.IGNORECASE) is None, descriptions
    finally:
        post_json(f"{sandbox.url}/sandbox/language", {"language": "ru"})


def ask(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One request with exactly these headers; the status and the JSON answer (None for a
    page or a stream)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.headers.get_content_type() != "application/json":
                return response.status, None
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


REFUSED_ORIGIN = "Это может сделать только страница самой песочницы: откройте её и повторите."
REFUSED_HOST = "Песочница отвечает только по своему адресу: откройте "
REFUSED_BODY = "Песочница принимает только запросы в JSON: обновите страницу."


def test_other_sites_cannot_drive_the_sandbox(sandbox: Sandbox) -> None:
    """A page on another site may post to the sandbox without asking first (a text/plain
    POST needs no CORS preflight): it is refused, and nothing happens."""
    own = sandbox.url
    before = sandbox.state()
    marker = "/start from another site"
    send = json.dumps({"chat_id": NEW_CLIENT, "text": marker}).encode()
    clock = json.dumps({"hours": 1}).encode()
    as_json = {"Content-Type": "application/json"}
    for path, data, headers, status, error in (
        ("send", send, {"Content-Type": "text/plain"}, 415, REFUSED_BODY),
        ("clock", clock, {"Content-Type": "text/plain;charset=UTF-8"}, 415, REFUSED_BODY),
        ("send", send, {}, 415, REFUSED_BODY),
        ("send", send, {**as_json, "Origin": "http://evil.example"}, 403, REFUSED_ORIGIN),
        ("clock", clock, {**as_json, "Origin": "null"}, 403, REFUSED_ORIGIN),
        ("send", send, {**as_json, "Origin": own.replace("127.0.0.1", "localhost")}, 403, None),
        ("send", send, {**as_json, "Sec-Fetch-Site": "cross-site"}, 403, REFUSED_ORIGIN),
        (
            "clock",
            clock,
            {"Content-Type": "text/plain", "Origin": "https://evil.example"},
            403,
            REFUSED_ORIGIN,
        ),
    ):
        answer = ask(f"{own}/sandbox/{path}", data=data, headers=headers)
        assert answer[0] == status, (path, headers, answer)
        assert answer[1]["ok"] is False and answer[1]["error"], answer
        assert error is None or answer[1]["error"] == error, (headers, answer)

    # The local Bot API's token is no secret: a form posted by another site is refused too.
    form = urllib.parse.urlencode({"chat_id": NEW_CLIENT, "text": marker}).encode()
    status, answer = ask(
        f"{own}/bot{BOT_ID}:sandbox-local-token/sendMessage",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "http://evil.example",
        },
    )
    assert status == 403 and answer["error"] == REFUSED_ORIGIN, answer

    # The page's own requests still work: the same origin, as the browser says it.
    for host in ("127.0.0.1", "localhost"):
        origin = own.replace("127.0.0.1", host)
        status, answer = ask(
            f"{origin}/sandbox/language",
            data=json.dumps({"language": "ru"}).encode(),
            headers={**as_json, "Origin": origin, "Sec-Fetch-Site": "same-origin"},
        )
        assert (status, answer) == (200, {"ok": True}), (host, answer)
    time.sleep(1)
    after = sandbox.state()
    assert not any(text_of(message) == marker for message in messages(after, NEW_CLIENT))
    assert len(messages(after, NEW_CLIENT)) == len(messages(before, NEW_CLIENT))
    moved = datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])
    assert moved < timedelta(minutes=30), moved


def test_the_sandbox_answers_only_at_its_own_address(sandbox: Sandbox) -> None:
    """DNS rebinding: a site's own name made to point at 127.0.0.1 reaches the sandbox with
    that name as the Host; the page, its API and the Bot API refuse it."""
    port = sandbox.url.rsplit(":", 1)[1]
    token = f"{BOT_ID}:sandbox-local-token"
    language = json.dumps({"language": "ru"}).encode()
    for path, data in (
        ("/", None),
        ("/sandbox/state", None),
        ("/sandbox/events", None),
        ("/sandbox/file/no-such-file", None),
        ("/sandbox/language", language),
        (f"/bot{token}/getMe", b""),
    ):
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}"):
            headers = {"Host": host, "Content-Type": "application/json"}
            status, answer = ask(f"{sandbox.url}{path}", data=data, headers=headers)
            assert status == 403, (path, host, status, answer)
            assert answer["error"] == f"{REFUSED_HOST}{sandbox.url}", answer
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}", f"[::1]:{port}"):
        status, answer = ask(f"{sandbox.url}/", headers={"Host": host})
        assert status == 200, (host, answer)
        status, answer = ask(f"{sandbox.url}/sandbox/state", headers={"Host": host})
        assert status == 200 and answer["personas"], host
    # The bot itself talks to the Bot API at http://127.0.0.1:<port> (it has set the
    # menus the page shows, which `running_sandbox` waits for).
    status, answer = ask(f"{sandbox.url}/bot{token}/getMe", data=b"")
    assert status == 200 and answer["result"]["id"] == BOT_ID, answer


def test_run_bot_sandbox_stops_on_sigint(tmp_path: Path) -> None:
    """Ctrl+C ends the sandbox cleanly (`running_sandbox` checks the exit), and the port
    taken by another gets one line instead of a traceback."""
    with running_sandbox(tmp_path / "first") as first:
        port = first.url.rsplit(":", 1)[1]
        (tmp_path / "second").mkdir()
        taken = subprocess.run(
            [sys.executable, str(RUN_BOT), "sandbox"],
            cwd=tmp_path / "second",
            env=sandbox_env(tmp_path / "second", SANDBOX_PORT=port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert taken.returncode == 2, taken
    lines = taken.stderr.strip().splitlines()
    assert lines[-1].startswith("The sandbox cannot listen on 127.0.0.1:"), taken.stderr
    assert "SANDBOX_PORT" in lines[-1] and "Traceback" not in taken.stderr


SHARED_DATABASE = (
    "SANDBOX_DATABASE_FILE names the bot's own database (DATABASE_URL's SQLite file), which "
    "the sandbox would delete: it makes its file anew at each start. Set "
    "SANDBOX_DATABASE_FILE to another file (empty: data/sandbox.sqlite3)."
)


def test_the_sandbox_never_takes_the_bots_own_database(tmp_path: Path) -> None:
    """SANDBOX_DATABASE_FILE naming DATABASE_URL's file (here through a symlinked folder,
    the URL relative): one line and exit 2 before any file is touched."""
    real = tmp_path / "bot.sqlite3"
    with sqlite3.connect(real) as connection:
        connection.execute("CREATE TABLE bookings (id INTEGER PRIMARY KEY, who TEXT)")
        connection.execute("INSERT INTO bookings (who) VALUES ('a real client')")
    connection.close()
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    before = real.read_bytes()
    env = sandbox_env(
        tmp_path,
        DATABASE_URL="sqlite+aiosqlite:///./bot.sqlite3",
        SANDBOX_DATABASE_FILE=str(tmp_path / "alias" / "bot.sqlite3"),
    )
    try:
        done: subprocess.CompletedProcess[str] | None = subprocess.run(
            [sys.executable, str(RUN_BOT), "sandbox"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        done = None  # it started the sandbox
    assert real.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["alias", "bot.sqlite3"]
    assert done is not None, "the sandbox started on the bot's own database"
    assert done.returncode == 2, done
    assert done.stderr.strip().splitlines() == [SHARED_DATABASE], done.stderr
    assert str(tmp_path) not in done.stderr + done.stdout


def test_make_run_without_a_token_starts_the_sandbox(tmp_path: Path) -> None:
    """`make run` on a machine with no BOT_TOKEN: one line says the sandbox starts and
    where, the page answers, and Ctrl+C (SIGINT to the terminal's process group) ends it
    cleanly. (`python run_bot.py` alone still exits 2: `test_process`.)"""
    env = {
        key: value
        for key, value in sandbox_env(tmp_path, BOT_TOKEN=" ").items()
        if key not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }
    log_path = tmp_path / "make.log"
    process = start(["make", "-s", "run"], ROOT, env, log_path)
    address = f"http://127.0.0.1:{env['SANDBOX_PORT']}"
    running = Sandbox(process, address, log_path)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not running.log or not _answers(address):
            assert process.poll() is None, running.log
            assert time.monotonic() < deadline, f"no sandbox at {address}\n{running.log}"
            time.sleep(0.2)
        running.wait_until(ready, what="the bot behind the page")
    finally:
        stop(process, lambda: running.log)
    lines = running.log.splitlines()
    said = [line for line in lines if line.startswith("BOT_TOKEN is not set")]
    assert said == [
        f"BOT_TOKEN is not set: starting the local sandbox at {address} (Ctrl+C stops it). "
        "To run in Telegram, put BOT_TOKEN=<token from @BotFather> into .env."
    ], running.log
    assert "Traceback" not in running.log, running.log
    # The bot stopped its polling and its jobs by itself instead of being killed, then
    # make ended by the same Ctrl+C, as it does for any recipe.
    assert "polling stopped" in running.log, running.log
    assert "Scheduler has been shut down" in running.log, running.log
    assert process.returncode == -signal.SIGINT, (process.returncode, running.log)


def _answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"{address}/sandbox/state", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
