"""`python run_bot.py sandbox` as its own process, for the sandbox's tests (HTTP and browser).

with running_sandbox(tmp_path) as sandbox:     # sandbox.url -> http://127.0.0.1:<port>
    ...
# stopped with SIGINT, as Ctrl+C does; a clean exit is checked
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
RUN_BOT = ROOT / "run_bot.py"
STARTUP_SECONDS = 90
STOP_SECONDS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sandbox_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment without any of the bot's settings (the process runs in tmp_path,
    so no `.env` is read either), with the sandbox on a free port and its file in tmp."""
    env = {
        key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields
    }
    env.update(
        SANDBOX_PORT=str(free_port()),
        SANDBOX_DATABASE_FILE=str(tmp_path / "sandbox.sqlite3"),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        LOG_LEVEL="INFO",
    )
    env.update(values)
    return env


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def post_json(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Sandbox:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def state(self) -> dict[str, Any]:
        return dict(get_json(f"{self.url}/sandbox/state"))

    def wait_until(
        self, found: Callable[[dict[str, Any]], Any], *, seconds: float = 30, what: str = "it"
    ) -> Any:
        """What `found` returns for the page's state once it is truthy."""
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the sandbox stopped while waiting for {what}\n{self.log}")
            result = found(self.state())
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {seconds:g} s\n{self.log[-4000:]}")
            time.sleep(0.1)


def ready(state: dict[str, Any]) -> bool:
    """The bot is polling (its command menu is set) and the outbox has delivered the demo
    client's booking to the therapist."""
    chats = state["chats"]
    return bool(chats and all(chat["commands"] for chat in chats.values())) and any(
        chat["messages"] for chat in chats.values()
    )


def stop(process: subprocess.Popen[bytes], log: Callable[[], str]) -> None:
    """Ctrl+C: SIGINT to the process group; it must end cleanly and soon."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise AssertionError(f"no exit within {STOP_SECONDS} s of SIGINT\n{log()}") from None


def start(
    command: list[str], cwd: Path, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """The command in a process group of its own (as a terminal would run it), its output
    in `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.contextmanager
def running_sandbox(tmp_path: Path, **values: str) -> Iterator[Sandbox]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = sandbox_env(tmp_path, **values)
    log_path = tmp_path / "sandbox.log"
    process = start([sys.executable, str(RUN_BOT), "sandbox"], tmp_path, env, log_path)
    sandbox = Sandbox(process, f"http://127.0.0.1:{env['SANDBOX_PORT']}", log_path)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            with contextlib.suppress(OSError):
                if ready(sandbox.state()):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the sandbox did not start\n{sandbox.log}")
            time.sleep(0.2)
        yield sandbox
    finally:
        stop(process, lambda: sandbox.log)
    assert process.returncode == 0, f"no clean exit on SIGINT\n{sandbox.log}"
    assert "Traceback" not in sandbox.log, sandbox.log
