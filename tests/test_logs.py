"""Logs never carry a refused row: PostgreSQL's DETAIL (`Failing row contains (…)`, `Key
(…)=(…)`) and SQLAlchemy's statement parameters are hidden from every record and
traceback, in both formats, while the exception's type, the constraint's name and the
traceback's frames stay.

The errors are built as SQLAlchemy and asyncpg build them: an asyncpg error with its
`detail`, the dialect's DBAPI error raised from it, and `sqlalchemy.exc.IntegrityError`
raised from that (SQLAlchemy 2.0's DBAPI error also repeats the DETAIL in its own text)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import asyncpg
import pytest
from sqlalchemy import exc, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import LogFormat, make_handler

NAME, EMAIL = "Ксения", "ksenia.orlova@example.org"
STATEMENT = "INSERT INTO users (first_name, email) VALUES ($1::VARCHAR, $2::VARCHAR)"


def check_violation() -> asyncpg.PostgresError:
    return asyncpg.exceptions.CheckViolationError.new(
        {
            "C": "23514",
            "M": 'new row for relation "users" violates check constraint "ck_users_email"',
            "D": f"Failing row contains (7, 4242, {NAME}, {EMAIL}, ru, 2026-12-07 06:00:00+00).",
            "n": "ck_users_email",
            "t": "users",
        }
    )


def unique_violation() -> asyncpg.PostgresError:
    return asyncpg.exceptions.UniqueViolationError.new(
        {
            "C": "23505",
            "M": 'duplicate key value violates unique constraint "uq_users_email"',
            "D": f"Key (email)=({EMAIL}) already exists.",
            "n": "uq_users_email",
            "t": "users",
        }
    )


class DriverError(Exception):
    """A DBAPI error whose text repeats the driver's, DETAIL included (SQLAlchemy 2.0)."""


def through_sqlalchemy(driver: asyncpg.PostgresError, *, repeat_detail: bool) -> None:
    """Raises what a failing flush raises: the driver's error, the dialect's, SQLAlchemy's."""
    try:
        raise driver
    except asyncpg.PostgresError as error:
        orig: Exception
        if repeat_detail:
            orig = DriverError(f"{type(error)}: {error}")
        else:
            orig = AsyncAdapt_asyncpg_dbapi.IntegrityError(error.args[0], error)
        try:
            raise orig from error
        except Exception as dbapi_error:
            raise exc.IntegrityError(STATEMENT, (NAME, EMAIL), dbapi_error) from dbapi_error


@pytest.fixture
def logged() -> Iterator[Callable[[LogFormat], tuple[logging.Logger, io.StringIO]]]:
    """A logger whose records go through the handler `configure_logging` installs."""
    attached: list[tuple[logging.Logger, logging.Handler]] = []

    def attach(log_format: LogFormat) -> tuple[logging.Logger, io.StringIO]:
        stream = io.StringIO()
        handler = make_handler(log_format)
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        log = logging.getLogger(f"tests.logs.{log_format}")
        log.propagate = False
        log.setLevel(logging.INFO)
        log.addHandler(handler)
        attached.append((log, handler))
        return log, stream

    yield attach
    for log, handler in attached:
        log.removeHandler(handler)


def assert_no_row(output: str) -> None:
    for secret in (NAME, EMAIL, "ksenia", "4242", "Failing row contains (", "=(ksenia"):
        assert secret not in output, (secret, output)


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("repeat_detail", [False, True], ids=["sqlalchemy-2.1", "sqlalchemy-2.0"])
@pytest.mark.parametrize(
    ("driver", "constraint", "driver_type"),
    [
        (check_violation, "ck_users_email", "CheckViolationError"),
        (unique_violation, "uq_users_email", "UniqueViolationError"),
    ],
    ids=["check", "unique"],
)
def test_a_refused_row_never_reaches_the_log(
    logged: Callable[[LogFormat], tuple[logging.Logger, io.StringIO]],
    log_format: LogFormat,
    repeat_detail: bool,
    driver: Callable[[], asyncpg.PostgresError],
    constraint: str,
    driver_type: str,
) -> None:
    log, stream = logged(log_format)
    records: list[logging.LogRecord] = []
    keep = logging.Handler()
    keep.emit = records.append  # type: ignore[method-assign]
    log.addHandler(keep)
    try:
        try:
            through_sqlalchemy(driver(), repeat_detail=repeat_detail)
        except exc.IntegrityError as error:
            assert EMAIL in str(error) or EMAIL in str(error.orig.__cause__)  # what is at stake
            log.exception("could not save the profile")
            log.warning("flush failed: %s", error)
    finally:
        log.removeHandler(keep)
    output = stream.getvalue()
    if log_format == "json":
        entries = [json.loads(line) for line in output.splitlines()]
        assert entries[0]["message"] == "could not save the profile"
        traceback, second = entries[0]["exception"], entries[1]["message"]
    else:
        assert output.count("could not save the profile") == 1
        traceback, second = output, output[output.index("WARNING") :]
    assert_no_row(output)
    # What the operator needs stays: types, the constraint, the statement, the frames.
    assert "Traceback (most recent call last)" in traceback
    assert "sqlalchemy.exc.IntegrityError" in traceback and driver_type in traceback
    assert f'"{constraint}"' in traceback and "INSERT INTO users" in traceback
    assert "through_sqlalchemy" in traceback and "test_logs.py" in traceback
    assert "DETAIL:  [hidden]" in traceback and "[parameters: hidden]" in traceback
    assert "flush failed: (" in second and f'"{constraint}"' in second
    # The records themselves carry nothing of the row either (any other handler sees them).
    for record in records:
        assert_no_row(record.getMessage() + (record.exc_text or ""))


def test_a_detail_spanning_lines_is_hidden_whole(
    logged: Callable[[LogFormat], tuple[logging.Logger, io.StringIO]],
) -> None:
    """A refused row may hold a text with line breaks (a note): all of it is hidden."""
    note = f"Меня зовут {NAME}\nмоя почта {EMAIL}"
    driver = asyncpg.exceptions.NotNullViolationError.new(
        {
            "C": "23502",
            "M": 'null value in column "starts_at" of relation "booking_requests" violates '
            "not-null constraint",
            "D": f"Failing row contains (3, 7, null, {note}).",
        }
    )
    for log_format in ("text", "json"):
        log, stream = logged(log_format)  # type: ignore[arg-type]
        try:
            through_sqlalchemy(driver, repeat_detail=True)
        except exc.IntegrityError:
            log.exception("could not save the request")
        assert_no_row(stream.getvalue())
        assert "моя почта" not in stream.getvalue()
        assert "NotNullViolationError" in stream.getvalue()


async def test_a_real_check_violation_on_postgresql(
    db_engine: AsyncEngine,
    logged: Callable[[LogFormat], tuple[logging.Logger, io.StringIO]],
) -> None:
    """On PostgreSQL (TEST_DATABASE_URL): a row the database refuses, logged as it happens."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    log, stream = logged("json")
    async with db_engine.connect() as connection:
        await connection.execute(
            text("CREATE TEMPORARY TABLE people (name text, email text CHECK (email LIKE '%@%'))")
        )
        try:
            await connection.execute(
                text("INSERT INTO people VALUES (:name, :email)"),
                {"name": NAME, "email": EMAIL.replace("@", " at ")},
            )
        except exc.IntegrityError as error:
            assert "Failing row contains" in str(error) or "Failing row contains" in str(
                error.orig.__cause__ if error.orig else ""
            )
            log.exception("could not save")
    [entry] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert_no_row(json.dumps(entry, ensure_ascii=False))
    assert "people_email_check" in entry["exception"]
    assert "CheckViolationError" in entry["exception"]
