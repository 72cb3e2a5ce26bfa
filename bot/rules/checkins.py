"""Check-ins between sessions: the PHQ-9 (depression) and GAD-7 (anxiety) questionnaires,
their scoring and bands as published, and when a client may be asked again.

Both scales: "Over the last 2 weeks, how often have you been bothered by…", each item
answered 0 (not at all) … 3 (nearly every day); the total is the sum of the items.
Bands: PHQ-9 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27
severe (Kroenke, Spitzer, Williams 2001); GAD-7 0–4 minimal, 5–9 mild, 10–14 moderate,
15–21 severe (Spitzer, Kroenke, Williams, Löwe 2006). PHQ-9's item 9 asks about thoughts
of being better off dead or of self-harm: any answer above 0 is a risk flag, whatever the
total. The texts of the items live in the locale files (`checkin-phq9-1` …)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

ANSWERS = (0, 1, 2, 3)
# At most one check-in per scale in this time, whoever asks.
ASK_AGAIN_AFTER = timedelta(days=7)


class Band(enum.StrEnum):
    minimal = "minimal"
    mild = "mild"
    moderate = "moderate"
    moderately_severe = "moderately-severe"
    severe = "severe"


class ScaleCode(enum.StrEnum):
    phq9 = "phq9"
    gad7 = "gad7"


@dataclass(frozen=True)
class Scale:
    code: ScaleCode
    version: int  # of the wording and scoring stored with each answer
    items: int
    # The lowest total of each band, in order.
    bands: tuple[tuple[int, Band], ...]
    risk_item: int | None = None  # the item whose answer above 0 is a risk flag

    @property
    def most(self) -> int:
        return self.items * ANSWERS[-1]

    def band(self, total: int) -> Band:
        if not 0 <= total <= self.most:
            raise ValueError(f"{self.code} total {total} is out of 0…{self.most}")
        found = self.bands[0][1]
        for lowest, band in self.bands:
            if total >= lowest:
                found = band
        return found


PHQ9 = Scale(
    code=ScaleCode.phq9,
    version=1,
    items=9,
    bands=(
        (0, Band.minimal),
        (5, Band.mild),
        (10, Band.moderate),
        (15, Band.moderately_severe),
        (20, Band.severe),
    ),
    risk_item=9,
)
GAD7 = Scale(
    code=ScaleCode.gad7,
    version=1,
    items=7,
    bands=((0, Band.minimal), (5, Band.mild), (10, Band.moderate), (15, Band.severe)),
)
SCALES: Mapping[ScaleCode, Scale] = {PHQ9.code: PHQ9, GAD7.code: GAD7}


@dataclass(frozen=True)
class Score:
    total: int
    band: Band
    risk: bool  # the risk item answered above 0

    @property
    def severe(self) -> bool:
        return self.band is Band.severe


def score(scale: Scale, answers: Mapping[int, int]) -> Score:
    """The score of a whole questionnaire: `answers` by item number (1…items)."""
    if sorted(answers) != list(range(1, scale.items + 1)):
        raise ValueError(f"{scale.code} needs items 1…{scale.items}, got {sorted(answers)}")
    if any(value not in ANSWERS for value in answers.values()):
        raise ValueError(f"{scale.code} answers are 0…3")
    total = sum(answers.values())
    return Score(total=total, band=scale.band(total), risk=is_risk(scale, answers))


def is_risk(scale: Scale, answers: Mapping[int, int]) -> bool:
    """Whether the answers so far raise the risk flag (told as soon as it is answered)."""
    return scale.risk_item is not None and answers.get(scale.risk_item, 0) > 0


def next_item(scale: Scale, answers: Mapping[int, int]) -> int | None:
    """The first item not answered yet; None when all are."""
    return next((item for item in range(1, scale.items + 1) if item not in answers), None)


def may_ask(last_asked: datetime | None, now: datetime) -> bool:
    """A scale is asked at most once in `ASK_AGAIN_AFTER`."""
    return last_asked is None or now - last_asked >= ASK_AGAIN_AFTER


class Trend(enum.StrEnum):
    first = "first"
    better = "better"  # lower scores are better on both scales
    same = "same"
    worse = "worse"


# A change smaller than this is "about the same" (the scales' reliable change is ~5).
NOTABLE_CHANGE = 5


def trend(totals: list[int]) -> Trend:
    """The latest total against the one before it."""
    if len(totals) < 2:
        return Trend.first
    change = totals[-1] - totals[-2]
    if change <= -NOTABLE_CHANGE:
        return Trend.better
    if change >= NOTABLE_CHANGE:
        return Trend.worse
    return Trend.same
