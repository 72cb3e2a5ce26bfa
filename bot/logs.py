"""Logging setup. Database drivers log statement parameters (names, answers, messages)
at debug level, so they are held at WARNING whatever LOG_LEVEL says.

LOG_FORMAT=text gives one readable line per record; LOG_FORMAT=json one JSON object per
line: `time`, `level`, `logger`, `message` and, while an update is being handled, its
`update_id` and `handler`, plus `duration_ms` on the line that closes an update
(`bot.metrics.UpdateMetrics` keeps `current_update` up to date). Records carry what the
code puts in them and nothing else: no message texts, no answers."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

QUIET = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

LogFormat = Literal["text", "json"]


@dataclass(slots=True)
class UpdateContext:
    """The update the current task is handling."""

    update_id: int
    handler: str | None = None  # module.function of the handler that took it


current_update: ContextVar[UpdateContext | None] = ContextVar("current_update", default=None)


class UpdateContextFilter(logging.Filter):
    """Puts the current update's id and handler on every record logged while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_update.get()
        if context is not None:
            if not hasattr(record, "update_id"):
                record.update_id = context.update_id
            if context.handler is not None and not hasattr(record, "handler"):
                record.handler = context.handler
        return True


OPTIONAL = ("update_id", "handler", "duration_ms")


class TextFormatter(logging.Formatter):
    """The readable line, with the update's id, handler and duration after it when known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        known = [(key, getattr(record, key, None)) for key in OPTIONAL]
        details = " ".join(f"{key}={value}" for key, value in known if value is not None)
        if not details:
            return line
        head, newline, rest = line.partition("\n")  # a traceback stays below the line
        return f"{head} [{details}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in OPTIONAL:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def make_handler(log_format: LogFormat = "text") -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(UpdateContextFilter())
    return handler


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    logging.basicConfig(level=level.upper(), handlers=[make_handler(log_format)])
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    # `bot.updates` says the same with the handler's name; aiogram's own errors still show.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
