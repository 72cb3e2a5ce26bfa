"""Bounded numbers and dates for callback data, which is untrusted: a forged button may carry any
digits. A number out of range fails parsing, so `CallbackData.filter()` does not match
(pydantic's ValidationError is a ValueError, which the filter treats as "not this
button"), no handler and no database driver ever sees it, and the update ends at the
stale-button fallback.

No button carries a Telegram id (a "client" in a button is a users.id), so every number
here fits PostgreSQL's integer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

DB_ID_MAX = 2**31 - 1  # PostgreSQL integer, the type of every primary key

# A row's id (booking, slot, therapist, user, rule, topic, refund, relayed message).
Id = Annotated[int, Field(ge=0, le=DB_ID_MAX)]
# A page, an index into a list, a count, a score, a list version (31 bits by design).
Number = Annotated[int, Field(ge=0, le=DB_ID_MAX)]
# A number or id where -1 stands for "none chosen yet".
NumberOrNone = Annotated[int, Field(ge=-1, le=DB_ID_MAX)]


def _day(value: Any) -> Any:
    if value == "":
        return None
    return date.fromisoformat(value) if isinstance(value, str) else value


# A calendar day, as an ISO date in the data; empty for "no day chosen" (the list of
# days). Anything else is refused by parsing.
Day = Annotated[
    date | None,
    BeforeValidator(_day),
    PlainSerializer(lambda day: day.isoformat() if day else None, return_type=str | None),
]
