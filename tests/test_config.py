"""Settings: every one is documented in .env.example, and the example itself loads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import DEFAULT_DATABASE_URL, Settings
from bot.rules.timezones import parse_durations, parse_offset, zone

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
    settings = Settings(_env_file=str(EXAMPLE))
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
    settings = Settings(_env_file=None)
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
        Settings(_env_file=None, default_timezone="Mars/Olympus")


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


@pytest.mark.parametrize(
    "secret",
    ["a", "x" * 256, "ABCxyz019_-", "-", "_" * 10],
    ids=["1", "256", "all", "dash", "under"],
)
def test_webhook_secrets_telegram_accepts(secret: str) -> None:
    settings = Settings(_env_file=None, webhook_secret=secret)
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret


@pytest.mark.parametrize(
    "secret",
    ["", "x" * 257, "with space", "semi;colon", "ключ", "tab\there", "a+b", "a/b", "a=b"],
    ids=["empty", "257", "space", "semicolon", "cyrillic", "tab", "plus", "slash", "equals"],
)
def test_webhook_secrets_telegram_refuses(secret: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, webhook_secret=secret)
    (error,) = refused.value.errors()
    assert error["loc"] == ("webhook_secret",)
    assert "1-256 characters" in error["msg"]


def test_an_empty_webhook_secret_in_the_environment_is_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", "")
    monkeypatch.setenv("METRICS_PORT", "")
    settings = Settings(_env_file=None)
    assert settings.webhook_secret is None
    assert settings.metrics_port == 0  # off


def test_log_format_and_metrics_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    monkeypatch.setenv("METRICS_PORT", "9100")
    settings = Settings(_env_file=None)
    assert settings.log_format == "json"
    assert settings.metrics_port == 9100
    assert Settings(_env_file=None, log_format="text").log_format == "text"
    for name, bad in (("LOG_FORMAT", "xml"), ("METRICS_PORT", "70000"), ("METRICS_PORT", "-1")):
        with monkeypatch.context() as patch, pytest.raises(ValidationError):
            patch.setenv(name, bad)
            Settings(_env_file=None)


def test_a_regular_times_invoice_must_come_before_the_free_cancellation_deadline() -> None:
    for hours in (24, 12):
        with pytest.raises(ValueError, match="SERIES_INVOICE_HOURS_BEFORE must be more"):
            Settings(
                _env_file=None,
                payment_currency="XTR",
                free_cancel_hours=24,
                series_invoice_hours_before=hours,
            )
    # Later than the deadline is fine, and without payments nothing is invoiced at all.
    assert Settings(_env_file=None, payment_currency="XTR", series_invoice_hours_before=25)
    assert Settings(_env_file=None, series_invoice_hours_before=1).payments_mode == "off"


def test_the_process_names_the_two_settings_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import run_bot

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("PAYMENT_CURRENCY", "XTR")
    monkeypatch.setenv("SERIES_INVOICE_HOURS_BEFORE", "12")
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    assert run_bot.main(["migrate"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "SERIES_INVOICE_HOURS_BEFORE" in error[0], error
