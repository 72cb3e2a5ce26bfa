"""Every setting of the bot, read from the environment and `.env`."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.rules.outcomes import Ranking
from bot.rules.payments import Price, invoice_price
from bot.rules.policy import Rules
from bot.rules.reminders import ReminderPlan
from bot.rules.timezones import parse_durations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'bot.sqlite3'}"
SUPPORTED_LANGUAGES = ("ru", "en")
# What Telegram accepts as a webhook's secret token.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DATABASE_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    therapist_chat_id: int | None = None
    default_language: Literal["ru", "en"] = "ru"
    default_timezone: str = "Europe/Moscow"
    log_level: str = "INFO"
    # text: one readable line per record; json: one JSON object per line.
    log_format: Literal["text", "json"] = "text"

    # Incoming updates: how many one person may send before the bot slows them down.
    throttle_rate: float = Field(default=5.0, gt=0)
    throttle_period_seconds: float = Field(default=3.0, gt=0)

    # Booking rules.
    min_booking_notice_hours: int = Field(default=12, ge=0)
    booking_horizon_days: int = Field(default=14, ge=1, le=90)
    reschedule_until_hours: int = Field(default=12, ge=0)
    free_cancel_hours: int = Field(default=24, ge=0)
    max_reschedules: int = Field(default=2, ge=0)
    # A regular time: how many weeks its preview and screens look ahead.
    series_ahead_weeks: int = Field(default=6, ge=1, le=26)

    # Matching: within a topic tier, a therapist's first fitting time counts this many
    # hours sooner when clients come back to them more than the catalogue's average (as
    # much later when less), and MATCH_QUICK_HOURS sooner when they answer requests
    # quickly; the rate is shrunk toward the average as if MATCH_PRIOR_CLIENTS more
    # clients had returned at it. 0 turns a term off.
    match_return_hours: float = Field(default=48, ge=0, le=24 * 14)
    match_quick_hours: float = Field(default=12, ge=0, le=24 * 14)
    match_prior_clients: int = Field(default=10, ge=0, le=1000)

    # Payments.
    payment_provider_token: SecretStr | None = None
    payment_currency: str = "RUB"
    stars_per_rub: float = Field(default=0.5, gt=0)
    payment_hold_minutes: int = Field(default=15, ge=1)
    # Fiscal receipts (54-FZ) with a provider token: every invoice carries one for the
    # provider (ЮKassa's format) and asks for the client's e-mail when none is stored.
    receipts: bool = False
    receipt_vat_code: int = Field(default=1, ge=1, le=12)
    receipt_tax_system: int | None = Field(default=None, ge=1, le=6)
    # Packages of sessions: when one expires, its unused credits are refunded pro rata
    # (off: they expire, and the client is told).
    package_expiry_refund: bool = True
    # A regular time's sessions are paid one by one: the invoice comes this long before.
    series_invoice_hours_before: int = Field(default=72, ge=1)

    # The waitlist: a freed time is held for one waiting client this long, and a client
    # gets at most this many offers a day.
    waitlist_offer_minutes: int = Field(default=30, ge=1, le=24 * 60)
    waitlist_max_offers_per_day: int = Field(default=3, ge=1)
    # A therapist who confirms bookings answers a request within this many hours (or by
    # the minimum notice before the session, whichever is sooner); then it lapses.
    approval_hours: int = Field(default=24, ge=1, le=24 * 7)

    # Reminders and the outgoing path.
    reminders_before: Annotated[tuple[timedelta, ...], NoDecode] = parse_durations("24h,1h")
    therapist_reminders_before: Annotated[tuple[timedelta, ...], NoDecode] = parse_durations("1h")
    reminder_poll_seconds: int = Field(default=30, ge=1)
    send_rate_per_second: float = Field(default=25.0, gt=0)
    send_rate_per_chat_seconds: float = Field(default=1.0, gt=0)
    send_max_retries: int = Field(default=3, ge=0)

    # The outbox: notices and refunds that bookings' changes leave behind.
    outbox_poll_seconds: int = Field(default=15, ge=1)
    outbox_max_attempts: int = Field(default=6, ge=1)
    outbox_retry_seconds: int = Field(default=30, ge=1)

    # Webhook mode (polling when WEBHOOK_URL is empty).
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)

    # /healthz, /readyz and /metrics in polling mode (0: off). A webhook serves them on
    # WEBHOOK_PORT instead.
    metrics_host: str = "0.0.0.0"
    metrics_port: int = Field(default=0, ge=0, le=65535)

    # Therapists' calendar feeds (`/calendar`): the public address of the bot's HTTP
    # server (the webhook's, or METRICS_PORT's with polling), e.g. https://bot.example.org.
    # Empty: WEBHOOK_URL's; with neither, /calendar says feeds are off.
    calendar_feed_url: str = ""
    # Where Telegram opens the Mini App (the week at a glance): the bot's HTTP server as
    # reached over https, e.g. https://bot.example.org (the page is at /app). Empty:
    # WEBHOOK_URL; with neither, no menu button opens it.
    miniapp_url: str = ""

    # The local sandbox (`python run_bot.py sandbox`, or `make run` without BOT_TOKEN): a
    # chat page at http://SANDBOX_HOST:SANDBOX_PORT with the bot on its own SQLite file,
    # made anew at each start. It has no login: keep it on 127.0.0.1. It answers only at
    # the name it is served as (and localhost, 127.0.0.1, [::1] on loopback); on every
    # address (0.0.0.0) at any IP address of the computer, localhost and its host name.
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8080, ge=0, le=65535)
    # Never DATABASE_URL's file: the sandbox refuses to start on it.
    sandbox_database_file: Path = PROJECT_ROOT / "data" / "sandbox.sqlite3"

    # The inbox: every update is stored before it is acknowledged, then handled from there.
    # A taken update is held this long (renewed while it runs); after that another
    # instance, or this one restarted, takes it over.
    inbox_lease_seconds: float = Field(default=60.0, ge=1)
    # How often each instance looks for updates nobody holds (a dead instance's, or a
    # person's next one stored elsewhere).
    inbox_poll_seconds: float = Field(default=1.0, gt=0)
    # An update tried this many times without being handled is parked and the admins told.
    inbox_max_attempts: int = Field(default=3, ge=1)
    # On SIGTERM: how long the updates in hand may take to finish before the process
    # hands them back to the inbox and exits.
    shutdown_grace_seconds: float = Field(default=8.0, ge=0)

    # Several instances: conversation state and the outgoing limit in Redis (empty:
    # conversation state in the database, the outgoing limit per process).
    redis_url: str = ""

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(
                int(part) for part in value.replace(";", ",").split(",") if part.strip()
            )
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("reminders_before", "therapist_reminders_before", mode="before")
    @classmethod
    def _durations(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_durations(value)
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from bot.rules.timezones import zone

        zone(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            # The value itself is left out: it is a secret.
            raise ValueError("must be 1-256 characters, each a letter A-Z or a-z, a digit, _ or -")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("payment_currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()

    @model_validator(mode="after")
    def _invoice_before_the_deadline(self) -> Settings:
        # A regular time's session is paid by the free-cancellation deadline; its invoice
        # must come before that, or it would never be sent.
        if (
            self.payments_mode != "off"
            and self.series_invoice_hours_before <= self.free_cancel_hours
        ):
            raise ValueError(
                "SERIES_INVOICE_HOURS_BEFORE must be more than FREE_CANCEL_HOURS: a regular "
                "time's session is paid by the free-cancellation deadline, so its invoice "
                "has to come before it"
            )
        return self

    @property
    def calendar_feed_base(self) -> str:
        """Where feed URLs start ("" when feeds are off)."""
        return (self.calendar_feed_url or self.webhook_url).rstrip("/")

    @property
    def miniapp_base(self) -> str:
        """The Mini App's page URL ("" when off)."""
        base = (self.miniapp_url or self.webhook_url).rstrip("/")
        return f"{base}/app" if base else ""

    @cached_property
    def payments_mode(self) -> Literal["provider", "stars", "off"]:
        if (
            self.payment_provider_token is not None
            and self.payment_provider_token.get_secret_value()
        ):
            return "provider"
        if self.payment_currency == "XTR":
            return "stars"
        return "off"

    def rules(self) -> Rules:
        """Every rule of the practice (bookings, reminders, payment holds, requests, the
        waitlist, regular times), as these settings give them."""
        return Rules(
            min_notice=timedelta(hours=self.min_booking_notice_hours),
            horizon=timedelta(days=self.booking_horizon_days),
            reschedule_until=timedelta(hours=self.reschedule_until_hours),
            free_cancel=timedelta(hours=self.free_cancel_hours),
            max_reschedules=self.max_reschedules,
            reminders=ReminderPlan(
                self.reminders_before,
                self.therapist_reminders_before,
                invoice=(
                    timedelta(hours=self.series_invoice_hours_before)
                    if self.payments_mode != "off"
                    else None
                ),
                pay_by=timedelta(hours=self.free_cancel_hours),
            ),
            payment_hold=self.payment_hold(),
            approval=timedelta(hours=self.approval_hours),
            offer_hold=timedelta(minutes=self.waitlist_offer_minutes),
            offers_per_day=self.waitlist_max_offers_per_day,
            series_ahead_weeks=self.series_ahead_weeks,
            ranking=Ranking(
                return_shift=timedelta(hours=self.match_return_hours),
                quick_shift=timedelta(hours=self.match_quick_hours),
                prior_clients=self.match_prior_clients,
            ),
        )

    def payment_hold(self) -> timedelta | None:
        """How long a booked time is held for its payment; None when sessions are not
        paid in the bot."""
        if self.payments_mode == "off":
            return None
        return timedelta(minutes=self.payment_hold_minutes)

    def invoice_price(self, roubles: int) -> Price:
        """What an invoice for a session at this price asks, in the configured currency."""
        return invoice_price(
            roubles, currency=self.payment_currency, stars_per_rub=self.stars_per_rub
        )
