"""Long texts are split between lines into messages Telegram takes (`pieces`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.shared.screens import TEXT_LIMIT, pieces


def test_short_lines_stay_one_message() -> None:
    assert pieces(["a", "", "b"]) == ["a\n\nb"]
    assert pieces([]) == [""]


def test_a_report_of_many_lines_is_split_between_lines() -> None:
    lines = [f"<b>Пн {day} дек, 18:00</b> — клиент {day}" for day in range(300)]
    texts = pieces(lines)
    assert len(texts) > 1 and all(len(text) <= TEXT_LIMIT for text in texts)
    # Nothing lost or cut: the lines come back whole and in order.
    assert "\n".join(texts).split("\n") == lines


@given(st.lists(st.text(alphabet="аб <>\u00a0x", max_size=6000), max_size=30))
def test_every_piece_fits_and_nothing_is_lost(lines: list[str]) -> None:
    texts = pieces(lines, limit=1000)
    assert all(len(text) <= 1000 for text in texts)
    assert "".join("".join(texts).split("\n")) == "".join(lines)
