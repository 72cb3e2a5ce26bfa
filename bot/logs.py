"""Logging setup. Database drivers log statement parameters (names, answers, messages)
at debug level, so they are held at WARNING whatever LOG_LEVEL says."""

from __future__ import annotations

import logging

QUIET = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
