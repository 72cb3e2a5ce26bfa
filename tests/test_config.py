"""Settings: every one is documented in .env.example, and the example itself loads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, Settings, parse_durations
from bot.rules.timezones import parse_offset, zone

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_every_setting_is_in_env_example() -> None:
    documented = {
        line.split("=", 1)[0].strip().lower()
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert documented == set(Settings.model_fields)


def test_env_example_loads_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=str(EXAMPLE))  # type: ignore[call-arg]
    assert settings.bot_token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.therapist_chat_id is None
    assert settings.admin_ids == frozenset()
    assert settings.reminders_before == (timedelta(hours=24), timedelta(hours=1))
    assert settings.payments_mode == "off"


def test_lists_and_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2;3")
    monkeypatch.setenv("REMINDERS_BEFORE", "1h,2d,30m")
    monkeypatch.setenv("PAYMENT_CURRENCY", "xtr")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.reminders_before == (
        timedelta(days=2),
        timedelta(hours=1),
        timedelta(minutes=30),
    )
    assert settings.payments_mode == "stars"


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_durations("soon")
    with pytest.raises(ValueError):
        Settings(_env_file=None, default_timezone="Mars/Olympus")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("+3", "UTC+03:00"), ("UTC-4", "UTC-04:00"), ("+05:30", "UTC+05:30"), ("gmt+14", "UTC+14:00")],
)
def test_offsets(typed: str, normal: str) -> None:
    assert parse_offset(typed) == normal
    assert zone(normal).utcoffset(None) is not None


@pytest.mark.parametrize("typed", ["+15", "+3:75", "Moscow", "", "+14:30"])
def test_not_offsets(typed: str) -> None:
    assert parse_offset(typed) is None
