"""Bounded numbers for callback data, which is untrusted: a forged button may carry any
digits. A number out of range fails parsing, so `CallbackData.filter()` does not match
(pydantic's ValidationError is a ValueError, which the filter treats as "not this
button"), no handler and no database driver ever sees it, and the update ends at the
stale-button fallback.

No button carries a Telegram id (a "client" in a button is a users.id), so every number
here fits PostgreSQL's integer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

DB_ID_MAX = 2**31 - 1  # PostgreSQL integer, the type of every primary key

# A row's id (booking, slot, therapist, user, rule, topic, refund, relayed message).
Id = Annotated[int, Field(ge=0, le=DB_ID_MAX)]
# A page, an index into a list, a count, a score, a list version (31 bits by design).
Number = Annotated[int, Field(ge=0, le=DB_ID_MAX)]
# A number or id where -1 stands for "none chosen yet".
NumberOrNone = Annotated[int, Field(ge=-1, le=DB_ID_MAX)]
