"""Conversation data typed per feature: each part under its own key, cleared alone, read
from the keys it had before an upgrade, and a value of the wrong shape reads as empty."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from handlers.shared.memory import (
    QUESTIONNAIRE,
    RATING,
    SEARCH,
    QuestionnaireData,
    RatingData,
)


def context() -> FSMContext:
    return FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=7, user_id=7))


async def test_each_part_keeps_its_own_key_and_clears_only_itself() -> None:
    state = context()
    await QUESTIONNAIRE.save(state, QuestionnaireData(answers={"age": 30}, editing=True))
    search = await SEARCH.load(state)
    search.exclude.append(12)
    await SEARCH.save(state, search)

    await QUESTIONNAIRE.clear(state)

    assert await state.get_data() == {
        "search": {
            "listing_v": 0,
            "listing": [],
            "listing_why": {},
            "listing_total": 0,
            "listing_next": None,
            "relaxed": [],
            "exclude": [12],
        }
    }
    assert await QUESTIONNAIRE.load(state) == QuestionnaireData()
    assert (await SEARCH.load(state)).exclude == [12]


async def test_a_conversation_stored_before_the_parts_had_keys_is_read_and_moved() -> None:
    state = context()
    await state.set_data(
        {"answers": {"age": 41}, "editing": False, "screen": 5, "rating_booking": 9, "x": 1}
    )
    assert await QUESTIONNAIRE.load(state) == QuestionnaireData({"age": 41}, False, 5)
    assert await RATING.load(state) == RatingData(booking_id=9)

    kept = await QUESTIONNAIRE.load(state)
    kept.answers["format"] = "couple"
    await QUESTIONNAIRE.save(state, kept)
    data = await state.get_data()
    assert "answers" not in data and "screen" not in data
    assert data["questionnaire"]["answers"] == {"age": 41, "format": "couple"}
    assert data["rating_booking"] == 9 and data["x"] == 1  # other parts untouched


async def test_a_value_of_the_wrong_shape_reads_as_the_empty_default() -> None:
    state = context()
    await state.set_data({"questionnaire": ["not", "a", "mapping"], "rating": {"nope": 1}})
    assert await QUESTIONNAIRE.load(state) == QuestionnaireData()
    assert await RATING.load(state) == RatingData()
