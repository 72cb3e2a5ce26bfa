"""Logging setup. Database drivers log statement parameters (names, answers, messages)
at debug level, so they are held at WARNING whatever LOG_LEVEL says.

LOG_FORMAT=text gives one readable line per record; LOG_FORMAT=json one JSON object per
line: `time`, `level`, `logger`, `message` and, while an update is being handled, its
`update_id` and `handler`, plus `duration_ms` on the line that closes an update
(`bot.metrics.UpdateMetrics` keeps `current_update` up to date). Records carry what the
code puts in them and nothing else: no message texts, no answers.

A database error's text can carry a person's row: PostgreSQL's DETAIL (`Failing row
contains (…)`, `Key (email)=(…) already exists.`) and, unless hidden, SQLAlchemy's
`[parameters: …]`. `HideRowData`, on the handler, replaces both with a mark in the
record's message and traceback (so in both formats); the exception's type, its message with
the constraint's name, the statement and the frames stay."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal, TypeAlias

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


ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
)
HIDDEN = "[hidden]"
# The second pass, for a text without its exception at hand (a message quoting an error)
# or a DETAIL the exception does not hold: each hides the rest of its line.
ROW_DATA = (
    (re.compile(r"DETAIL:\s.*"), f"DETAIL:  {HIDDEN}"),
    (re.compile(r"Failing row contains .*"), f"Failing row contains {HIDDEN}"),
    (re.compile(r"Key \(.*?\)=\(.*"), f"Key {HIDDEN}"),
    (re.compile(r"\[parameters: .*"), "[parameters: hidden]"),
)


def _details(error: BaseException | None) -> Iterator[str]:
    """The DETAIL texts of an error and of those behind it (asyncpg's `detail`, which
    SQLAlchemy's asyncpg errors copy): exact, even when a row's value spans lines."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        each = pending.pop()
        if each is None or id(each) in seen:
            continue
        seen.add(id(each))
        detail = getattr(each, "detail", None)
        if isinstance(detail, str) and detail:
            yield detail
        orig = getattr(each, "orig", None)  # SQLAlchemy's DBAPI errors: the driver's error
        pending += [each.__cause__, each.__context__]
        pending += [orig] if isinstance(orig, BaseException) else []
        pending += getattr(each, "exceptions", ())  # an exception group's members


def hide_row_data(text: str, error: BaseException | None = None) -> str:
    """`text` without the row or parameters a database error puts in it."""
    for detail in sorted(_details(error), key=len, reverse=True):
        text = text.replace(detail, HIDDEN)
    for pattern, mark in ROW_DATA:
        text = pattern.sub(mark, text)
    return text


class HidingFormatter(logging.Formatter):
    """A formatter whose tracebacks never carry a refused row (`hide_row_data`)."""

    def formatException(self, ei: ExcInfo) -> str:
        return hide_row_data(super().formatException(ei), ei[1])


_TRACEBACKS = HidingFormatter()


class HideRowData(logging.Filter):
    """Hides a database error's row and parameters in the record itself, message and
    traceback, before any formatter (or handler after this one) reads it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: the handler reports it as it would have
            return True
        hidden = hide_row_data(message, record.exc_info[1] if record.exc_info else None)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        elif record.exc_text:
            record.exc_text = hide_row_data(record.exc_text)
        return True


OPTIONAL = ("update_id", "handler", "duration_ms")


class TextFormatter(HidingFormatter):
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


class JsonFormatter(HidingFormatter):
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
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def make_handler(log_format: LogFormat = "text") -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(UpdateContextFilter())
    handler.addFilter(HideRowData())
    return handler


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    logging.basicConfig(level=level.upper(), handlers=[make_handler(log_format)])
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    # `bot.updates` says the same with the handler's name; aiogram's own errors still show.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
