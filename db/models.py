"""The data model. Every moment is stored in UTC (see `db.types.UTCDateTime`)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class SlotStatus(enum.StrEnum):
    free = "free"
    held = "held"
    booked = "booked"
    blocked = "blocked"
    offered = "offered"  # held for a waiting client for a while (`WaitlistOffer`)
    requested = "requested"  # held while the therapist answers a request (`BookingRequest`)
    group = "group"  # a group's date (`GroupDate`): the therapist's time, seats on it


class BookingStatus(enum.StrEnum):
    pending_payment = "pending_payment"
    confirmed = "confirmed"
    cancelled = "cancelled"
    completed = "completed"
    no_show = "no_show"


class PaymentStatus(enum.StrEnum):
    paid = "paid"
    refund_pending = "refund_pending"  # a refund is on its way (see `refunds`)
    refunded = "refunded"


ACTIVE_BOOKING_STATUSES = (BookingStatus.pending_payment, BookingStatus.confirmed)
ACTIVE_BOOKING_SQL = "status IN ('pending_payment', 'confirmed')"


class User(Base):
    """A person who consented. Erasure keeps the row (for accounting) with nothing personal."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    blocked_bot_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    questionnaire: Mapped[Questionnaire | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    # Read with the person on each update (`db.users.person`), as the questionnaire is.
    checkin_answer: Mapped[CheckinConsent | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Questionnaire(Base):
    """The client's answers: health-related data, stored only after consent."""

    __tablename__ = "questionnaires"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    age: Mapped[int]
    therapy_before: Mapped[bool] = mapped_column(Boolean)
    format: Mapped[str] = mapped_column(String(16))
    topics: Mapped[list[Any]] = mapped_column(JSON)  # topic codes
    gender_preference: Mapped[str] = mapped_column(String(8))
    days: Mapped[str] = mapped_column(String(16))
    time_of_day: Mapped[str] = mapped_column(String(16))
    budget: Mapped[int | None]  # roubles per session; None: any
    completed_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="questionnaire")


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ru: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class TherapistTopic(Base):
    __tablename__ = "therapist_topics"
    __table_args__ = (Index("ix_therapist_topics_topic", "topic_id", "therapist_id"),)

    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )


class Therapist(Base):
    __tablename__ = "therapists"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("session_minutes BETWEEN 15 AND 240", name="session_minutes_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(64), unique=True)  # demo catalogue key
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name_ru: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    gender: Mapped[str] = mapped_column(String(8))
    offers_individual: Mapped[bool] = mapped_column(Boolean, default=True)
    offers_couple: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[int]  # roubles per session
    session_minutes: Mapped[int]
    timezone: Mapped[str] = mapped_column(String(64))
    about_ru: Mapped[str] = mapped_column(Text, default="")
    about_en: Mapped[str] = mapped_column(Text, default="")
    education_ru: Mapped[str] = mapped_column(Text, default="")
    education_en: Mapped[str] = mapped_column(Text, default="")
    photo_path: Mapped[str | None] = mapped_column(String(255))
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    meeting_link: Mapped[str | None] = mapped_column(String(512))
    # What the linked therapist reads the bot's messages in (None: the default language).
    language: Mapped[str | None] = mapped_column(String(8))
    # SHA-256 of the secret in the therapist's calendar feed URL (`db.calendar_feed`).
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Bit n-1 for topic id n (1–63), kept by triggers on therapist_topics (migration 0007);
    # read by the catalogue's search only.
    topic_bits: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Whether the therapist confirms bookings first (`Approval`): auto, first, every.
    approval: Mapped[str] = mapped_column(String(8), default="auto", server_default="auto")
    # Clients counted for the return rate, and of them those who came back for a second
    # session (`bot.rules.outcomes`), kept by the outcomes job (`db.outcomes`).
    rate_clients: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rate_returned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where the ranking puts them within a topic tier (`bot.rules.outcomes.Ranking`): the
    # shrunk return rate above (+1), about (0) or below (-1) the catalogue's, and whether
    # they answer requests quickly; kept by the outcomes job with the rate.
    rate_standing: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    answers_quickly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    topics: Mapped[list[Topic]] = relationship(secondary="therapist_topics", lazy="selectin")


class TherapistInvite(Base):
    """A one-time code that links a Telegram account to a therapist profile."""

    __tablename__ = "therapist_invites"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AvailabilityRule(Base):
    """A weekly working window of a therapist, in the therapist's own time zone."""

    __tablename__ = "availability_rules"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    weekday: Mapped[int]  # Monday is 0
    start_minute: Mapped[int]  # minutes after local midnight
    end_minute: Mapped[int]
    break_minutes: Mapped[int] = mapped_column(Integer, default=10)


class TimeOff(Base):
    """Days off and vacations, inclusive local dates in the therapist's zone."""

    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    starts_on: Mapped[str] = mapped_column(String(10))  # ISO date
    ends_on: Mapped[str] = mapped_column(String(10))


class Slot(Base):
    """A bookable time of one therapist. Slots of one therapist never overlap (the
    database refuses it: a trigger on SQLite, an exclusion constraint on PostgreSQL)."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("therapist_id", "starts_at", name="uq_slots_therapist_start"),
        CheckConstraint("ends_at > starts_at", name="slot_positive_length"),
        Index("ix_slots_status_start_therapist", "status", "starts_at", "therapist_id"),
        Index("ix_slots_therapist_status_start", "therapist_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=SlotStatus.free)


class TherapistFreeHours(Base):
    """The hours of the week (UTC, from Sunday 00:00) in which a therapist has a free slot,
    as bits of three words (`bot.rules.matching.week_hour_mask`). Kept by triggers on
    `slots` (migration 0007): a bit is set whenever a slot becomes free and cleared only by
    `db.catalog.refresh_free_hours`; a set bit may be stale, a missing one never is."""

    __tablename__ = "therapist_free_hours"

    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    w0: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    w1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    w2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Booking(Base):
    """A session. At most one active booking per slot, and neither a therapist nor a client
    ever has two active bookings that overlap in time: the database guards all three. A
    group's seats are bookings too; they share their date's time, so the therapist's guard
    skips them (the date's slot keeps the therapist's time, `GroupDate`)."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text(ACTIVE_BOOKING_SQL),
            postgresql_where=text(ACTIVE_BOOKING_SQL),
        ),
        Index("ix_bookings_client", "client_id", "starts_at"),
        Index("ix_bookings_therapist", "therapist_id", "starts_at"),
        Index(
            "ix_bookings_group_date",
            "group_date_id",
            sqlite_where=text("group_date_id IS NOT NULL"),
            postgresql_where=text("group_date_id IS NOT NULL"),
        ),
        Index("uq_bookings_series_day", "series_id", "series_day", unique=True),
        CheckConstraint("ends_at > starts_at", name="booking_positive_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    price: Mapped[int]  # roubles
    created_at: Mapped[datetime]
    hold_expires_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(String(64))
    reschedule_count: Mapped[int] = mapped_column(Integer, default=0)
    attendance_confirmed_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # An occurrence of a regular time (`Series`): the series, and the date of the pattern
    # it stands for (ISO, the therapist's zone). The date stays when the occurrence is
    # moved or cancelled, so the series never books that week again.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    series_day: Mapped[str | None] = mapped_column(String(10))
    # Paid with a credit of this package (`db.packages`), not by an invoice.
    purchase_id: Mapped[int | None] = mapped_column(
        ForeignKey("package_purchases.id", name="fk_bookings_purchase")
    )
    # A seat at a group's date (`db.groups`): no slot of its own, the date holds the time.
    group_date_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_dates.id", name="fk_bookings_group_date")
    )

    therapist: Mapped[Therapist] = relationship(lazy="joined")


class SeriesEnd(enum.StrEnum):
    client = "client"
    therapist = "therapist"
    change = "change"  # the client changed therapist
    erasure = "erasure"
    moved = "moved"  # "this and following" moved: a new series goes on from that date
    declined = "declined"  # the therapist, who confirms every booking, said no to it


class Series(Base):
    """A regular time: the same therapist, weekday and wall-clock time (the therapist's
    zone) every `rhythm` weeks from `first_day`. Its occurrences are ordinary bookings
    (`Booking.series_id`), booked as the booking horizon reaches them (`db.series.fill`).
    Occurrences before `paused_until` are not booked; an ended series books nothing, nor
    does one waiting for its therapist's yes (`approval_asked_at`)."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("rhythm IN (1, 2)", name="series_rhythm"),
        CheckConstraint("wall_minute BETWEEN 0 AND 1439", name="series_wall_minute"),
        Index("ix_series_therapist", "therapist_id", "ended_at"),
        Index("ix_series_client", "client_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    rhythm: Mapped[int]  # weeks between occurrences
    first_day: Mapped[str] = mapped_column(String(10))  # ISO date of the pattern's start
    wall_minute: Mapped[int]  # minutes after local midnight in the therapist's zone
    format: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    paused_until: Mapped[str | None] = mapped_column(String(10))  # ISO date
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(16))
    # Its calendar event (`db.series.series_calendar`): the first date in it (ISO; None:
    # the date after `first_day`, whose session has its own event) and the part of its
    # SEQUENCE that the series' own changes raise (pauses, resumes, misses, the end).
    calendar_from: Mapped[str | None] = mapped_column(String(10))
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A therapist who confirms every booking agrees to a regular time once: until then
    # (set: when they were asked) none of its dates is booked (migration 0015).
    approval_asked_at: Mapped[datetime | None]


class SeriesSkip(Base):
    """A date of a series' pattern that could not be booked when its turn came (and why):
    the client and the therapist were told once, and the series does not try it again."""

    __tablename__ = "series_skips"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Approval(enum.StrEnum):
    auto = "auto"  # every booking is final at once
    first = "first"  # a new client's first booking waits for the therapist's answer
    every = "every"  # every booking waits for the therapist's answer


class RequestStatus(enum.StrEnum):
    pending = "pending"  # waits for the therapist's answer
    proposed = "proposed"  # the therapist proposed another time; waits for the client
    accepted = "accepted"  # became a booking
    declined = "declined"  # by the therapist
    refused = "refused"  # the client said no to the proposed time
    withdrawn = "withdrawn"  # by the client
    lapsed = "lapsed"  # no answer in time


OPEN_REQUEST_STATUSES = (RequestStatus.pending, RequestStatus.proposed)


class BookingRequest(Base):
    """A booking that waits for the therapist's answer: its time (`slot_id`, then the
    proposed one) is held as `requested`, and it becomes an ordinary booking when accepted.
    `note` is the client's optional words to the therapist: health-related, shown only to
    that therapist, erased with the client's data, never logged."""

    __tablename__ = "booking_requests"
    __table_args__ = (
        Index("ix_requests_due", "status", "answer_due_at"),
        Index("ix_requests_client", "client_id", "status"),
        Index("ix_requests_therapist", "therapist_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    format: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.pending)
    created_at: Mapped[datetime]
    answer_due_at: Mapped[datetime]
    # When it was first moved on: the therapist's answer (a client's answer to a proposed
    # time keeps it), or its end without one (withdrawn, lapsed).
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(16))
    # The time the therapist proposed instead (held the same way), and when.
    proposed_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slots.id", ondelete="SET NULL")
    )
    proposed_starts_at: Mapped[datetime | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))


class WaitStatus(enum.StrEnum):
    waiting = "waiting"
    left = "left"  # the client left the waitlist
    booked = "booked"  # the client booked with the therapist
    ended = "ended"  # the time the client chose to wait ran out


class OfferStatus(enum.StrEnum):
    open = "open"  # the time is held for the client until `expires_at`
    taken = "taken"  # booked
    declined = "declined"
    expired = "expired"
    void = "void"  # the wait ended, or the time went away, while it was open


WAITING_SQL = "status = 'waiting'"
OPEN_OFFER_SQL = "status = 'open'"


class WaitlistEntry(Base):
    """A client waiting for a time of one therapist that fits their days and time of day
    (`bot.rules.matching` codes), until `until`. One waiting entry per client and
    therapist. Erased with the client's data."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index(
            "uq_waitlist_waiting",
            "client_id",
            "therapist_id",
            unique=True,
            sqlite_where=text(WAITING_SQL),
            postgresql_where=text(WAITING_SQL),
        ),
        Index("ix_waitlist_therapist", "therapist_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    days: Mapped[str] = mapped_column(String(16))
    time_of_day: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    until: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=WaitStatus.waiting)
    ended_at: Mapped[datetime | None]


class WaitlistOffer(Base):
    """A freed time offered to one waiting client, held for them until `expires_at`. The
    database keeps one open offer per slot, and never offers one slot twice to one wait."""

    __tablename__ = "waitlist_offers"
    __table_args__ = (
        Index(
            "uq_waitlist_offers_open_slot",
            "slot_id",
            unique=True,
            sqlite_where=text(OPEN_OFFER_SQL),
            postgresql_where=text(OPEN_OFFER_SQL),
        ),
        UniqueConstraint("entry_id", "slot_id", name="uq_waitlist_offers_entry_slot"),
        Index("ix_waitlist_offers_due", "status", "expires_at"),
        Index("ix_waitlist_offers_client", "client_id", "offered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entries.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    offered_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.open)
    answered_at: Mapped[datetime | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))


class BookingChange(Base):
    """Reschedule history of a booking."""

    __tablename__ = "booking_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    old_starts_at: Mapped[datetime]
    new_starts_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(16))


class Payment(Base):
    """A Telegram payment. Card data never reaches the bot: only the charge ids are kept."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    amount: Mapped[int]  # in the currency's smallest unit, as Telegram counts it
    currency: Mapped[str] = mapped_column(String(8))
    telegram_charge_id: Mapped[str] = mapped_column(String(255), unique=True)
    provider_charge_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(24))  # paid, refund_pending, refunded
    created_at: Mapped[datetime]
    refunded_at: Mapped[datetime | None]


class RelayedMessage(Base):
    """The relay log between a client and a therapist: who, to whom, when, and the message
    ids that map replies back. Texts are relayed at once and never stored; an undelivered
    message is reported to its sender as not delivered."""

    __tablename__ = "relayed_messages"
    __table_args__ = (Index("ix_relayed_target", "target_chat_id", "target_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    direction: Mapped[str] = mapped_column(String(16))  # to_therapist, to_client
    # The client's chat id is emptied when they erase their data.
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    target_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    target_message_id: Mapped[int | None] = mapped_column(BigInteger)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class Reminder(Base):
    """A message due at a moment. Sent at most once: a sender claims it with a conditional
    update before sending."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind", name="uq_reminders_booking_kind"),
        Index("ix_reminders_due", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Who did what to which record; never a message text or an answer."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class FunnelEvent(Base):
    """Anonymous counts for the funnel (/start, consent, questionnaire, booking, payment)."""

    __tablename__ = "funnel_events"
    __table_args__ = (Index("ix_funnel_kind_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class FsmRecord(Base):
    """aiogram FSM state and data, so a conversation survives a restart."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class InboxUpdate(Base):
    """An update from Telegram, stored before it is acknowledged (`db.inbox`): the webhook
    answers 200 and polling asks for the next offset only once this row is committed.
    `update_id` is the key, so a redelivery or a second instance adds nothing. A row is
    taken with a lease (`taken_until`), finished when handled (`outcome` done) or parked
    after too many tries; one person's rows are handled one at a time in `update_id`
    order. The payload (the update's JSON) is emptied when the row is finished, and
    finished rows are dropped after a day."""

    __tablename__ = "inbox"
    __table_args__ = (
        # The rows still to handle, by person: the order check and the claim's scan.
        Index(
            "ix_inbox_open",
            "bot_id",
            "person",
            "update_id",
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index("ix_inbox_finished", "finished_at"),
    )

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Whose update it is (their Telegram id, else the chat's): the unit of ordering.
    person: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # message, callback_query, …
    payload: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    taken_until: Mapped[datetime | None]  # the lease; None while nobody holds it
    taken_by: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failure: Mapped[str | None] = mapped_column(String(64))  # the last error's type name
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(8))  # done, parked


class Refund(Base):
    """Money to give back: written in the transaction that decided it (a cancellation in
    the free window, a payment that came too late or for the wrong amount). Stars go back
    through Telegram by the outbox job (`status` pending, retried); anything else, and
    Stars that could not be returned after the last attempt, waits for an admin
    (`status` manual) until one of them marks it done in /refunds."""

    __tablename__ = "refunds"
    __table_args__ = (
        Index("ix_refunds_due", "finished_at", "due_at"),
        # A session's payment goes back once; a package's may in parts (`purchase_id`).
        Index(
            "uq_refunds_charge",
            "telegram_charge_id",
            unique=True,
            sqlite_where=text("purchase_id IS NULL"),
            postgresql_where=text("purchase_id IS NULL"),
        ),
        Index("ix_refunds_purchase", "purchase_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    amount: Mapped[int]  # in the currency's smallest unit
    currency: Mapped[str] = mapped_column(String(8))
    telegram_charge_id: Mapped[str] = mapped_column(String(255))
    provider_charge_id: Mapped[str | None] = mapped_column(String(255))
    # Unused credits of a package (`db.packages`), not a session's payment.
    purchase_id: Mapped[int | None] = mapped_column(
        ForeignKey("package_purchases.id", name="fk_refunds_purchase")
    )
    # Who paid, for refundStarPayment; emptied once the refund is settled.
    payer_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(16))  # cancelled, lost, mismatch, unmatched
    status: Mapped[str] = mapped_column(String(16))  # pending, manual, done
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None]  # done, or handed to the admins
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(BigInteger)  # the admin, for manual ones
    last_error: Mapped[str | None] = mapped_column(String(64))  # an error class name


class Notice(Base):
    """A message a use case owes someone other than the person acting (the therapist, the
    practice's group, the admins, or the client when someone else acted), written in the
    same transaction as the change it tells of. It holds no text: the outbox job renders it
    from the booking when it sends it, in the reader's language and zone."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "finished_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(16))  # client, therapist, group, admins
    event: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # times, codes; no texts
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # sent, skipped, blocked, failed


class CheckinConsent(Base):
    """A client's answer to check-ins between sessions (PHQ-9, GAD-7): none is asked
    without `given_at`; a row without it is a "no" (not offered again after a booking).
    Erased with the client."""

    __tablename__ = "checkin_consents"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    answered_at: Mapped[datetime]
    given_at: Mapped[datetime | None]
    # The client lets a therapist they moved to see the check-ins answered before.
    earlier_shared_at: Mapped[datetime | None]


OPEN_CHECKIN_SQL = "finished_at IS NULL AND skipped_at IS NULL"


class Checkin(Base):
    """One questionnaire a client was asked (`bot.rules.checkins`), answered item by item
    (`CheckinAnswer`): health data, seen only by the client and the therapist it was
    answered for. One open at a time per client."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_user_scale", "user_id", "scale", "started_at"),
        Index(
            "uq_checkins_open",
            "user_id",
            unique=True,
            sqlite_where=text(OPEN_CHECKIN_SQL),
            postgresql_where=text(OPEN_CHECKIN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scale: Mapped[str] = mapped_column(String(8))  # phq9, gad7
    version: Mapped[int] = mapped_column(Integer)
    # The client's therapist when it began: the one therapist who may see it.
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapists.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(16))  # booked, reminder, therapist, client
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    skipped_at: Mapped[datetime | None]  # "skip this time"
    total: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(24))
    risk: Mapped[bool] = mapped_column(Boolean, default=False)  # told once, kept


class CheckinAnswer(Base):
    __tablename__ = "checkin_answers"
    __table_args__ = (CheckConstraint("value BETWEEN 0 AND 3", name="ck_checkin_answer_value"),)

    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime]


class Rematch(Base):
    """A client left a therapist for another one (the cabinet's change of therapist):
    why, from the chips, and in the client's own words if they wrote any (erased with
    their data, never logged). Part of what happened after a match (`db.outcomes`); the
    old therapist never sees it."""

    __tablename__ = "rematches"
    __table_args__ = (Index("ix_rematches_therapist", "therapist_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    reason: Mapped[str] = mapped_column(String(16))  # fit, schedule, price, other, skip
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class CardView(Base):
    """How many times a therapist's card was shown in a day (UTC): counted in memory and
    added here every minute (`db.outcomes.CardViews`), so showing a card writes nothing.
    Anonymous: who saw it is not kept."""

    __tablename__ = "card_views"

    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shown: Mapped[int] = mapped_column(Integer, default=0)


class Package(Base):
    """A package of sessions an admin offers: with one therapist or, without
    `therapist_id`, with any; its price, or a discount on the therapist's price
    (`bot.rules.packages.package_price`), and how many weeks it is valid."""

    __tablename__ = "packages"
    __table_args__ = (
        CheckConstraint("sessions BETWEEN 1 AND 100", name="package_sessions_range"),
        CheckConstraint("weeks BETWEEN 1 AND 104", name="package_weeks_range"),
        CheckConstraint(
            "(price IS NULL) <> (discount_percent IS NULL)", name="package_price_or_discount"
        ),
        CheckConstraint("price IS NULL OR price > 0", name="package_price_positive"),
        CheckConstraint(
            "discount_percent IS NULL OR discount_percent BETWEEN 0 AND 90",
            name="package_discount_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapists.id", ondelete="CASCADE")
    )
    sessions: Mapped[int]
    price: Mapped[int | None]  # roubles, for the whole package
    discount_percent: Mapped[int | None]
    weeks: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class CreditKind(enum.StrEnum):
    bought = "bought"  # +sessions: the package was paid
    held = "held"  # -1: a booking holds a credit
    spent = "spent"  # 0: the held credit paid for its session
    returned = "returned"  # +1: the held credit came back (free cancellation, a move, …)
    refunded = "refunded"  # -unused: the unused credits were refunded
    expired = "expired"  # -unused: the package ran out (refunded by policy, see below)


class PackagePurchase(Base):
    """A package a client bought with one therapist, with what it cost. `balance` is the
    credits free to book with, always the sum of its `credit_moves`; the database refuses
    it below zero or above the package's sessions, and every movement changes it with a
    guarded UPDATE, so two taps at once cannot spend one credit twice."""

    __tablename__ = "package_purchases"
    __table_args__ = (
        CheckConstraint("balance >= 0 AND balance <= sessions", name="purchase_balance_range"),
        Index("ix_purchases_client", "client_id", "therapist_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id", ondelete="SET NULL"))
    sessions: Mapped[int]
    amount: Mapped[int]  # paid, in the currency's smallest unit
    currency: Mapped[str] = mapped_column(String(8))
    telegram_charge_id: Mapped[str] = mapped_column(String(255), unique=True)
    provider_charge_id: Mapped[str | None] = mapped_column(String(255))
    bought_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    balance: Mapped[int]
    closed_at: Mapped[datetime | None]  # expired or refunded: no credit left to use


class CreditMove(Base):
    """One movement of a package's credits, with the booking it belongs to."""

    __tablename__ = "credit_moves"
    __table_args__ = (
        Index("ix_credit_moves_purchase", "purchase_id"),
        Index("ix_credit_moves_booking", "booking_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("package_purchases.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int]
    created_at: Mapped[datetime]


class PartnerEnd(enum.StrEnum):
    booker = "booker"  # the one who books ended it (or invited someone else)
    partner = "partner"
    erasure = "erasure"  # either erased their data


class Partnership(Base):
    """A couple: the client who books and pays couple sessions (`booker_id`) and the
    partner they invited with a one-time link. Until the partner joins, only the code's
    SHA-256 is kept (valid 7 days); once joined, the partner shares the booker's couple
    sessions (`db.couples`). One open partnership per person, either side: partial
    unique indexes."""

    __tablename__ = "partnerships"
    __table_args__ = (
        Index(
            "uq_partnerships_booker_open",
            "booker_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "uq_partnerships_partner_open",
            "partner_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("uq_partnerships_code", "code_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    code_hash: Mapped[str | None] = mapped_column(String(64))  # emptied once used or ended
    # Picked in Telegram's user picker (a person who uses the bot already): they may join
    # with the button the bot sent them, without the link.
    invited_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    joined_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(16))  # `PartnerEnd`


class PartnerAbsence(Base):
    """The partner will not come to one couple session (the session stays the booker's)."""

    __tablename__ = "partner_absences"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime]


class Group(Base):
    """A therapy group a therapist runs: seats at its dates (`GroupDate`), each a booking.
    Shown to clients whose questionnaire shares one of its topics (`db.groups`)."""

    __tablename__ = "therapy_groups"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 2 AND 15", name="group_capacity_range"),
        CheckConstraint("price > 0", name="group_price_positive"),
        CheckConstraint("minutes BETWEEN 15 AND 240", name="group_minutes_range"),
        Index("ix_groups_therapist", "therapist_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]] = mapped_column(JSON)  # topic codes
    capacity: Mapped[int]
    price: Mapped[int]  # roubles per seat, per date
    minutes: Mapped[int]
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # no longer offered; its booked seats stay


class GroupDate(Base):
    """One meeting of a group: the therapist's time (its slot, status `group`) and its
    seats. `taken` counts the seats booked or held, and one offered to a waiting client;
    the database refuses more than `capacity` (a CHECK), so a seat is taken by one guarded
    UPDATE whatever the number of taps at once."""

    __tablename__ = "group_dates"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="group_date_seats"),
        CheckConstraint("ends_at > starts_at", name="group_date_positive_length"),
        Index("ix_group_dates_group", "group_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("therapy_groups.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled_at: Mapped[datetime | None]


class GroupWaitStatus(enum.StrEnum):
    waiting = "waiting"
    offered = "offered"  # a freed seat is kept for them until `offer_expires_at`
    booked = "booked"
    declined = "declined"
    expired = "expired"
    left = "left"  # they stopped waiting, or the date was cancelled


class GroupWait(Base):
    """A client waiting for a seat at a full group date; a freed seat is offered to the
    first one waiting, one at a time (`db.groups`)."""

    __tablename__ = "group_waits"
    __table_args__ = (
        Index(
            "uq_group_waits_open",
            "group_date_id",
            "client_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        Index("ix_group_waits_date", "group_date_id", "status", "created_at"),
        Index("ix_group_waits_due", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_date_id: Mapped[int] = mapped_column(ForeignKey("group_dates.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
