"""Conversation data, typed per feature. Each feature keeps one dataclass under its own key
of the conversation's data (`Kept`), reads and writes only that, and clears only that: the
questionnaire cannot wipe the catalogue's exclusions, a rating cannot wipe a half-typed
questionnaire. What is kept is stored as plain JSON (see `db.fsm`); a value that no longer
reads as its dataclass (an older shape, a forged row) reads as the empty default.

Not here: the language a guest picked before consent (`language`, read by
`bot.middlewares.PersonMiddleware` before any feature runs) and the admin dialog's data
(its own conversation, see `handlers.admin.common`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiogram.fsm.context import FSMContext

T = TypeVar("T")


class Kept(Generic[T]):
    """One feature's part of the conversation data: a dataclass under `key`.

    `legacy` names top-level keys this part was stored under before it had its own key
    (field → old key), so a conversation in progress during an upgrade loses nothing."""

    def __init__(self, key: str, kind: type[T], legacy: dict[str, str] | None = None) -> None:
        assert dataclasses.is_dataclass(kind)
        self.key = key
        self.kind = kind
        self._fields = {item.name for item in dataclasses.fields(kind)}
        self._legacy = legacy or {}

    async def load(self, state: FSMContext) -> T:
        data = await state.get_data()
        raw = data.get(self.key)
        if raw is None and self._legacy:
            raw = {name: data[old] for name, old in self._legacy.items() if old in data}
        if not isinstance(raw, dict):
            return self.kind()
        try:
            return self.kind(**{name: raw[name] for name in self._fields if name in raw})
        except (TypeError, ValueError):
            return self.kind()

    async def save(self, state: FSMContext, value: T) -> None:
        data = await state.get_data()
        for old in self._legacy.values():
            data.pop(old, None)
        data[self.key] = dataclasses.asdict(value)  # type: ignore[call-overload]
        await state.set_data(data)

    async def clear(self, state: FSMContext) -> None:
        data = await state.get_data()
        for key in (self.key, *self._legacy.values()):
            data.pop(key, None)
        await state.set_data(data)


@dataclass
class QuestionnaireData:
    """The questionnaire's answers until the client confirms them."""

    answers: dict[str, Any] = field(default_factory=dict)
    editing: bool = False  # from the summary: after an answer, back to the summary
    screen: int | None = None  # the message that shows the current step


@dataclass
class SearchData:
    """The catalogue: the matches shown, what the client let go of, and who is left out."""

    listing_v: int = 0
    listing: list[int] = field(default_factory=list)  # the therapists ranked so far, in order
    listing_why: dict[str, list[int]] = field(default_factory=dict)
    listing_total: int = 0  # how many there are in all (0: as many as ranked)
    listing_next: list[Any] | None = None  # where the next page starts (a search cursor)
    relaxed: list[str] = field(default_factory=list)
    exclude: list[int] = field(default_factory=list)  # therapists the client moved away from


@dataclass
class ChangeData:
    """A change of therapist between its two questions; `words`: why, in the client's
    own words, typed before the reason's chip (erased with the conversation)."""

    therapist_id: int | None = None
    reason: str | None = None
    words: str | None = None


@dataclass
class RatingData:
    """A rating waiting for its optional words."""

    booking_id: int | None = None
    resume: str | None = None  # the step to go back to afterwards
    screen: int | None = None


@dataclass
class ZoneData:
    resume: str | None = None  # the step the zone was asked from


@dataclass
class WritingData:
    """Writing mode: whom the messages go to."""

    therapist_id: int | None = None  # a client writes to this therapist
    client_id: int | None = None  # a therapist writes to this client
    group_date_id: int | None = None  # a therapist writes to every member of this date


@dataclass
class RequestData:
    """A request to a therapist who confirms bookings first, before it is sent: the time
    and the client's note (health-related; erased with the conversation)."""

    slot_id: int = -1
    note: str | None = None


@dataclass
class HoursData:
    weekday: int = -1  # the day a working window is being typed for


QUESTIONNAIRE = Kept(
    "questionnaire",
    QuestionnaireData,
    legacy={"answers": "answers", "editing": "editing", "screen": "screen"},
)
SEARCH = Kept(
    "search",
    SearchData,
    legacy={name: name for name in ("listing_v", "listing", "listing_why", "relaxed", "exclude")},
)
CHANGE = Kept("change", ChangeData)
RATING = Kept(
    "rating",
    RatingData,
    legacy={"booking_id": "rating_booking", "resume": "rating_resume", "screen": "rating_screen"},
)
ZONE = Kept("zone", ZoneData, legacy={"resume": "resume_state"})
WRITING = Kept(
    "writing", WritingData, legacy={"therapist_id": "relay_therapist", "client_id": "relay_client"}
)
HOURS = Kept("hours", HoursData, legacy={"weekday": "weekday"})
REQUEST = Kept("request", RequestData)
