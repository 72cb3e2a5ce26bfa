"""A use case's refusal carries its own words (`bot.rules.refusals`) and reaches the person
through one place (`handlers.shared.refusals`): an alert under a button, a message in
answer to a message, in the person's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.rules.pattern import SHIFT_DAYS
from bot.rules.policy import Refusal, Rules
from bot.rules.refusals import Refused, told
from bot.rules.reminders import ReminderPlan
from db import bookings, requests, series_move
from tests.fake_telegram import Harness
from tests.flows import sign_up

RULES = Rules(
    min_notice=timedelta(hours=6),
    horizon=timedelta(days=21),
    reschedule_until=timedelta(hours=10),
    free_cancel=timedelta(hours=24),
    max_reschedules=3,
    reminders=ReminderPlan((), ()),
)


def test_a_refusal_knows_its_words() -> None:
    assert bookings.BookingGone().key == "refusal-gone"
    assert bookings.BookingGone("series-gone").key == "series-gone"
    assert requests.RequestGone().key == "request-gone"
    assert isinstance(requests.RequestGone(), bookings.BookingError)
    shift = series_move.ShiftRefused()
    assert (shift.key, shift.values) == ("series-move-far", {"days": SHIFT_DAYS})
    soon = bookings.OutsideRules(Refusal.too_soon, RULES)
    assert (soon.key, soon.values["hours"], soon.values["days"]) == ("book-too_soon", 6, 21)
    late = bookings.OutsideRules(Refusal.too_late, RULES)
    assert (late.key, late.values["hours"]) == ("refusal-too_late", 10)
    many = bookings.OutsideRules(Refusal.too_many, RULES)
    assert (many.key, many.values["count"], many.refusal) == (
        "refusal-too_many",
        3,
        Refusal.too_many,
    )


async def test_a_use_case_words_a_refusal_for_its_reader() -> None:
    words = told(
        (requests.RequestGone, "request-gone-therapist"),
        (bookings.ClientBusy, None),
        (bookings.BookingError, "request-cannot"),
    )

    @words
    async def use_case(error: Refused) -> None:
        raise error

    for error, key in [
        (requests.RequestGone(), "request-gone-therapist"),
        (bookings.ClientBusy(), "book-busy"),  # its own words
        (bookings.SlotTaken(), "request-cannot"),
        (Refused("adm-stale"), "adm-stale"),  # not listed: its own words
    ]:
        with pytest.raises(Refused) as raised:
            await use_case(error)
        assert raised.value is error and raised.value.key == key
    with pytest.raises(ValueError), words:
        raise ValueError("not a refusal")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Этот запрос уже закрыт: на него ответили, он истёк или был отозван."),
        ("en", "This request is closed: it was answered, it lapsed or it was withdrawn."),
    ],
    ids=["ru", "en"],
)
async def test_a_use_case_s_refusal_reaches_the_person_as_an_alert_in_their_language(
    harness: Harness, language: str, expected: str
) -> None:
    """`requests.withdraw` refuses a request that is not the person's; no handler maps
    that: the refusal's own text is the alert."""
    client = harness.user(7401, "Анна")
    await sign_up(client)
    if language == "en":
        await client.send("/language")
        await client.press("English")
    shown = len(client.shown)
    answer = await client.tap("qw:424242")
    assert answer.text == expected
    assert answer.show_alert is True
    assert len(client.shown) == shown  # an alert, nothing else


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [
        ("ru", "Эта ссылка недействительна: она устарела или уже использована."),
        ("en", "This link is not valid: it has expired or has already been used."),
    ],
    ids=["ru", "en"],
)
async def test_a_refusal_to_a_message_is_answered_with_a_message(
    harness: Harness, language_code: str, expected: str
) -> None:
    person = harness.user(7402, "Ира", language_code=language_code)
    await person.send("/start " + "x" * 22)  # an invite's shape, but no invite
    assert person.last.text.startswith(expected)
