"""PHQ-9 and GAD-7 scoring against the published rules, at every band boundary, and the
result as the client reads it in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import Translator
from bot.rules.checkins import (
    GAD7,
    PHQ9,
    Band,
    Scale,
    Trend,
    is_risk,
    may_ask,
    next_item,
    score,
    trend,
)
from handlers.checkins import score_text

# (scale, total, band): the lowest and highest total of every band, as published
# (PHQ-9: Kroenke et al. 2001; GAD-7: Spitzer et al. 2006).
BOUNDARIES = [
    (PHQ9, 0, Band.minimal),
    (PHQ9, 4, Band.minimal),
    (PHQ9, 5, Band.mild),
    (PHQ9, 9, Band.mild),
    (PHQ9, 10, Band.moderate),
    (PHQ9, 14, Band.moderate),
    (PHQ9, 15, Band.moderately_severe),
    (PHQ9, 19, Band.moderately_severe),
    (PHQ9, 20, Band.severe),
    (PHQ9, 27, Band.severe),
    (GAD7, 0, Band.minimal),
    (GAD7, 4, Band.minimal),
    (GAD7, 5, Band.mild),
    (GAD7, 9, Band.mild),
    (GAD7, 10, Band.moderate),
    (GAD7, 14, Band.moderate),
    (GAD7, 15, Band.severe),
    (GAD7, 21, Band.severe),
]

WORDS = {
    "ru": {
        Band.minimal: "минимальный уровень",
        Band.mild: "лёгкий уровень",
        Band.moderate: "умеренный уровень",
        Band.moderately_severe: "выше умеренного",
        Band.severe: "высокий уровень",
    },
    "en": {
        Band.minimal: "minimal",
        Band.mild: "mild",
        Band.moderate: "moderate",
        Band.moderately_severe: "moderately severe",
        Band.severe: "severe",
    },
}


def answers_for(scale: Scale, total: int) -> dict[int, int]:
    """Answers adding up to `total`: the other items first, the risk item only for what
    they cannot hold."""
    answers = dict.fromkeys(range(1, scale.items + 1), 0)
    order = sorted(answers, key=lambda item: item == scale.risk_item)
    left = total
    for item in order:
        answers[item] = min(3, left)
        left -= answers[item]
    assert left == 0
    return answers


@pytest.mark.parametrize(("scale", "total", "band"), BOUNDARIES)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_band_boundary(scale: Scale, total: int, band: Band, language: str) -> None:
    result = score(scale, answers_for(scale, total))
    assert (result.total, result.band) == (total, band)
    assert result.severe is (band is Band.severe)
    t = Translator(default="ru").for_language(language)
    text = score_text(t, scale.code, result)
    assert f"{total}</b> {'из' if language == 'ru' else 'of'} {scale.most}" in text
    assert WORDS[language][band] in text
    assert ("диагноз" if language == "ru" else "diagnosis") in text


def test_the_risk_item_is_phq9_item_nine_whatever_the_total() -> None:
    assert not is_risk(PHQ9, {9: 0})
    for value in (1, 2, 3):
        result = score(PHQ9, {**dict.fromkeys(range(1, 9), 0), 9: value})
        assert result.risk and result.band is Band.minimal
    assert is_risk(PHQ9, {9: 1})  # told as soon as it is answered
    assert not score(GAD7, dict.fromkeys(range(1, 8), 3)).risk


@pytest.mark.parametrize(
    "answers",
    [{}, dict.fromkeys(range(1, 9), 0), {**dict.fromkeys(range(1, 10), 0), 10: 0}],
)
def test_an_incomplete_or_extra_set_of_answers_is_not_scored(answers: dict[int, int]) -> None:
    with pytest.raises(ValueError):
        score(PHQ9, answers)


def test_answers_outside_zero_to_three_are_not_scored() -> None:
    with pytest.raises(ValueError):
        score(GAD7, {**dict.fromkeys(range(1, 7), 0), 7: 4})
    with pytest.raises(ValueError):
        PHQ9.band(28)


def test_next_item_asking_again_and_the_trend() -> None:
    assert next_item(PHQ9, {}) == 1
    assert next_item(PHQ9, {1: 0, 2: 1, 4: 3}) == 3
    assert next_item(GAD7, dict.fromkeys(range(1, 8), 0)) is None
    now = datetime(2026, 12, 5, tzinfo=UTC)
    assert may_ask(None, now)
    assert not may_ask(now - timedelta(days=6, hours=23), now)
    assert may_ask(now - timedelta(days=7), now)
    assert trend([10]) is Trend.first
    assert trend([14, 9]) is Trend.better
    assert trend([9, 12]) is Trend.same
    assert trend([5, 10]) is Trend.worse
