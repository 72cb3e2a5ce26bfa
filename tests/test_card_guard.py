"""The card-number guard: card numbers however they are separated, confirmed by Luhn, and
the numbers people often write (phones, dates, times, order numbers) left alone; a card
number typed to the therapist is deleted before the relay sees it."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import DeleteMessage
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.payments import looks_like_card_number, luhn_valid
from db.demo import load_demo
from db.models import Base
from tests.conftest import ManualClock
from tests.fake_telegram import Harness
from tests.test_messaging import THERAPIST_TG, booked_and_linked, relays, start_writing

Sessions = async_sessionmaker[AsyncSession]

VISA = "4111111111111111"
WARNING = "номер банковской карты"


def grouped(digits: str, separator: str, sizes: tuple[int, ...] = (4, 4, 4, 4)) -> str:
    groups, start = [], 0
    for size in sizes:
        groups.append(digits[start : start + size])
        start += size
    return separator.join(groups)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        (VISA, True),
        ("5500000000000004", True),
        ("378282246310005", True),
        ("2202202012345678", True),
        ("4111111111111112", False),
        ("1234567890123456", False),
        ("79123456789", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    "separator",
    [
        " ",
        "  ",
        ".",
        "-",
        " - ",
        "/",
        "\\",
        "_",
        "\n",
        "\r\n",
        "\n\n",
        "\t",
        "\u00a0",  # no-break space
        "\u2009",  # thin space
        "\u202f",  # narrow no-break space
        "\u2007",  # figure space
        "\u3000",  # ideographic space
        "\u2028",  # line separator
        "\u2010",  # hyphen
        "\u2011",  # non-breaking hyphen
        "\u2013",  # en dash
        "\u2014",  # em dash
        "\u2212",  # minus sign
        "\u00b7",  # middle dot
        "\u2022",  # bullet
        "\uff0e",  # full-width full stop
        "\u2215",  # division slash
        ". ",
        " .\u2009",
        ",",
        ", ",
        ";",
        "; ",
        ":",
        ": ",
        "*",
        " * ",
        "|",
        " | ",
        "+",
        " + ",
        "/ ",
        "\\ ",
        "__",
        "\uff0c",  # full-width comma
        "\u3001",  # ideographic comma
        "\uff1b",  # full-width semicolon
        "\uff1a",  # full-width colon
        "\u2217",  # asterisk operator
        "\uff0a",  # full-width asterisk
        "\uff5c",  # full-width vertical line
        "\u00a6",  # broken bar
        "\uff0b",  # full-width plus
    ],
)
def test_any_separator_between_groups(separator: str) -> None:
    assert looks_like_card_number(grouped(VISA, separator))
    assert looks_like_card_number(f"вот карта: {grouped(VISA, separator)}, спасибо")
    assert looks_like_card_number(grouped("378282246310005", separator, (4, 6, 5)))


@pytest.mark.parametrize(
    "typed",
    [
        "4111\n1111\n1111\n1111",
        "4111.1111.1111.1111",
        "Номер:\n4111 1111\n1111 1111",
        "4\u200b111 1111 1111 1111",  # a zero-width space inside a group
        "4111\u00ad1111\u00ad1111\u00ad1111",  # soft hyphens
        "４１１１ １１１１ １１１１ １１１１",  # full-width digits
        "2202 2020 1234 5678 90",  # a 16-digit card and stray digits after it
        "тел. 8 912 345 6789, карта 4111 1111 1111 1111",
        "5500-0000-0000-0004 до 12/28",
        "4222222222222",  # 13 digits
        "6011 0009 9013 9424",
    ],
)
def test_cards(typed: str) -> None:
    assert looks_like_card_number(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "4111 1111 1111 1112",  # fails Luhn
        "4111.1111.1111.1112",
        "1234 5678 9012 3456",
        "1234567890123456",
        "Заказ № 2026120700001234",  # an order number (16 digits) that fails Luhn
        "заказ 1000000000001",
        "+7 912 345-67-89",
        "+7 (912) 345-67-89",
        "8 912 345 67 89",
        "89123456789",
        "+7 912 345-67-89, +7 912 345-67-80",
        "+44 20 7946 0958",
        "01.12.2026",
        "01.12.2026 - 05.12.2026",
        "2026-12-01 10:30",
        "с 01.12.2026 по 14.12.2026, 10.00–18.00",
        "10:00-18:00",
        "10.00 - 11.30 - 13.00 - 14.30",
        "12/2026",
        "192.168.100.200",
        "10:00, 11:30; 13:00 | 14:30",
        "01.12.2026, 08.12.2026; 15.12.2026",
        "2026-12-01 10:30, 2026-12-08 10:30",
        "+7 912 345-67-89; +7 912 345-67-80",
        "8 912 345 67 89, 8 912 345 67 80",
        "+7 495 051+112",
        "1 500 ₽, 2 500 ₽; 3 500 ₽",
        "3500 ₽, 4500 ₽, 5000 ₽, 6000 ₽",
        "1,000,000",
        "12,345,678,901,234",
        "1234,56 + 789,10",
        "4111 **** **** 1111",  # a card as Telegram's receipts mask it
        "**** **** **** 1111",
        "5 * 3 = 15",
        "",
        None,
    ],
)
def test_not_cards(typed: str | None) -> None:
    assert not looks_like_card_number(typed)


SEPARATORS = st.sampled_from(
    [" ", ", ", ",", ";", "; ", ":", "*", "|", " | ", "+", "/", "\\", "_", ".", "-", "\n"]
)


def with_check_digit(digits: str) -> str:
    return digits + next(str(d) for d in range(10) if luhn_valid(f"{digits}{d}"))


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[2-6][0-9]{14}", fullmatch=True), SEPARATORS, SEPARATORS)
def test_a_card_is_caught_whatever_stands_between_its_groups(
    start: str, separator: str, around: str
) -> None:
    card = with_check_digit(start)
    assert looks_like_card_number(f"карта{around}{grouped(card, separator)}{around}спасибо")


TIME = st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59))
DATE = st.builds(
    "{:02d}.{:02d}.{}".format, st.integers(1, 28), st.integers(1, 12), st.integers(2020, 2030)
) | st.builds(
    "{}-{:02d}-{:02d}".format, st.integers(2020, 2030), st.integers(1, 12), st.integers(1, 28)
)
PHONE = st.builds(
    "+7 {} {}-{}-{}".format,
    st.integers(900, 999),
    st.integers(100, 999),
    st.integers(10, 99),
    st.integers(10, 99),
)
PRICE = st.builds("{} ₽".format, st.integers(1, 999_999))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TIME | DATE | PHONE | PRICE, SEPARATORS), min_size=1, max_size=8))
def test_times_dates_phones_and_prices_are_no_card_whatever_joins_them(
    pieces: list[tuple[str, str]],
) -> None:
    assert not looks_like_card_number("".join(piece + joint for piece, joint in pieces))


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def calls_to(harness: Harness, chat_id: int) -> list[Any]:
    return [call for call in harness.telegram.calls if getattr(call, "chat_id", None) == chat_id]


@pytest.mark.parametrize(
    "typed",
    ["4111.1111.1111.1111", "4111\n1111\n1111\n1111", "4111\u20091111\u202f1111\u00a01111"],
)
async def test_a_card_number_never_reaches_the_therapist(
    harness: Harness, db_sessionmaker: Sessions, catalogue: None, typed: str
) -> None:
    client, therapist_chat, _ = await booked_and_linked(harness, db_sessionmaker)
    await start_writing(client)
    to_therapist = len(calls_to(harness, THERAPIST_TG))
    calls = len(harness.telegram.calls)

    await client.send(typed)
    deleted = [call for call in harness.telegram.calls[calls:] if isinstance(call, DeleteMessage)]
    assert len(deleted) == 1 and deleted[0].chat_id == client.id
    assert WARNING in client.last.text
    assert len(calls_to(harness, THERAPIST_TG)) == to_therapist
    assert await relays(db_sessionmaker) == []
    async with db_sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            dump = repr((await session.execute(text(f"SELECT * FROM {table.name}"))).all())
            assert repr(typed)[1:-1] not in dump and VISA not in dump, table.name

    # Still writing to the therapist: the next message goes through.
    await client.send("Тогда оплачу через форму")
    assert "Тогда оплачу через форму" in therapist_chat.last.text
    assert len(await relays(db_sessionmaker)) == 1
