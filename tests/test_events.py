"""The outbox's typed events (`db.events`): every kind stored and read back unchanged, rows
written before the kinds were classes read back the same, a row no kind takes refused and
reported to the admins instead of crashing the job, and nobody writing or reading notices
by their names."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.series import Gap
from db import events
from db.bookings import CancelledBy, MoneyBack
from db.events import To
from db.models import Notice, PartnerEnd, SeriesEnd
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings, outbox_job

Sessions = async_sessionmaker[AsyncSession]
ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)

# One of each kind, as a use case writes it.
EXAMPLES: list[events.AnyEvent] = [
    events.Booked(booking_id=1),
    events.Moved(booking_id=1, old_starts_at=AT),
    events.Cancelled(booking_id=1, by=CancelledBy.client),
    events.CancelledByAdmin(booking_id=2, money=MoneyBack.stars),
    events.CancelledByTherapist(booking_id=2, money=MoneyBack.nothing),
    events.HoldExpired(booking_id=3),
    events.RefundDone(booking_id=3, refund_id=4),
    events.RefundDelayed(booking_id=3, refund_id=4),
    events.RefundNeeded(refund_id=4),
    events.RefundFailed(refund_id=4),
    events.Undelivered(booking_id=None, addressee=To.group),
    events.Undelivered(booking_id=5, addressee=To.client),
    events.UpdateParked(update_id=7_000_001, kind="message", failure="", attempts=3),
    events.SeriesCreated(booking_id=6, series_id=7),
    events.SeriesMissed(
        recipient=To.therapist,
        booking_id=None,
        series_id=7,
        day=date(2026, 12, 15),
        reason=Gap.taken,
    ),
    events.SeriesMissed(
        recipient=To.client,
        booking_id=6,
        series_id=7,
        day=date(2027, 1, 5),
        reason=Gap.day_off,
        ahead=True,
    ),
    events.SeriesMissed(
        recipient=To.client,
        booking_id=6,
        series_id=7,
        day=date(2027, 1, 12),
        reason=Gap.taken,
        resumed=True,
    ),
    events.SeriesAsked(booking_id=6, series_id=7),
    events.SeriesApproved(booking_id=6, series_id=7),
    events.SeriesDeclined(booking_id=None, series_id=7),
    events.SeriesEnded(recipient=To.client, booking_id=6, series_id=7, by=SeriesEnd.therapist),
    events.SeriesReleased(recipient=To.client, booking_id=6, series_id=7, day=date(2026, 12, 15)),
    events.SeriesReleased(recipient=To.therapist, booking_id=6, series_id=7, day=None),
    events.RequestNew(request_id=8),
    events.RequestAccepted(booking_id=9, request_id=8),
    events.RequestDeclined(request_id=8),
    events.RequestProposed(request_id=8),
    events.RequestRefused(request_id=8),
    events.RequestWithdrawn(request_id=8),
    events.RequestErased(therapist_id=10, starts_at=AT),
    events.RequestLapsed(recipient=To.client, request_id=8),
    events.WaitlistOffered(offer_id=11),
    events.WaitlistEnded(entry_id=12),
    events.CheckinFlagged(checkin_id=13, therapist_id=2, risk=True),
    events.CheckinAsked(client_id=5, therapist_id=2),
    events.CheckinRiskForAdmins(therapist_id=2),
    events.PackageClosed(purchase_id=4, credits=2, refund=550_000),
    events.PartnerJoined(partnership_id=3),
    events.PartnerInvited(partnership_id=3),
    events.PartnerSkipped(recipient=To.client, booking_id=6),
    events.PartnerSkipped(recipient=To.therapist, booking_id=6),
    events.PartnerLeft(partnership_id=3, told_id=8, by=PartnerEnd.erasure),
    events.PartnerChanged(booking_id=6, change="moved"),
    events.GroupSeatOffered(wait_id=9),
    events.GroupWaitEnded(wait_id=9),
]


def read_back(row: events.Stored) -> events.AnyEvent:
    return events.parse(
        row.event,
        recipient=row.recipient,
        booking_id=row.booking_id,
        refund_id=row.refund_id,
        details=row.details,
    )


def every_recipient(event: events.AnyEvent) -> list[events.AnyEvent]:
    """The example for each recipient its kind may have."""
    return [replace(event, recipient=to) for to in event.to]


def test_every_kind_has_an_example_and_a_name_of_its_own_or_a_shape_of_its_own() -> None:
    assert {type(event) for event in EXAMPLES} == set(events.KINDS)
    assert set(events.Event.__subclasses__()) == set(events.KINDS)  # none left out of AnyEvent
    assert len(events.KINDS) == len(set(events.KINDS)) >= 25
    assert all(len(kind.name) <= 32 for kind in events.KINDS)  # notices.event is String(32)
    shared = {name: kinds for name, kinds in events.BY_NAME.items() if len(kinds) > 1}
    assert shared == {"request-withdrawn": (events.RequestWithdrawn, events.RequestErased)}


@pytest.mark.parametrize(
    "event",
    [each for example in EXAMPLES for each in every_recipient(example)],
    ids=lambda event: f"{type(event).__name__}-{event.recipient}",
)
def test_an_event_stored_and_read_back_is_the_same_event(event: events.AnyEvent) -> None:
    row = events.stored(event)
    assert row.event == event.name and row.recipient == event.recipient
    # What the row holds is plain JSON: it goes through the database and back.
    assert row.details is None or json.loads(json.dumps(row.details)) == row.details
    again = read_back(row)
    assert again == event and type(again) is type(event)


# Rows as the use cases wrote them before the events were classes (and as a deploy finds
# them still waiting in the table): (event, recipient, booking, refund, details), read as.
OLD_ROWS: list[tuple[tuple[str, str, int | None, int | None, Any], events.AnyEvent]] = [
    (("booked", "group", 1, None, None), events.Booked(recipient=To.group, booking_id=1)),
    (
        ("moved", "therapist", 1, None, {"old_starts_at": "2026-12-08T15:00:00+00:00"}),
        events.Moved(booking_id=1, old_starts_at=AT),
    ),
    (
        ("cancelled", "therapist", 1, None, {"by": "hold_expired"}),
        events.Cancelled(booking_id=1, by=CancelledBy.hold_expired),
    ),
    (
        ("cancelled-by-admin", "client", 2, None, {"money": "manual"}),
        events.CancelledByAdmin(booking_id=2, money=MoneyBack.manual),
    ),
    (("refund-needed", "admins", None, 4, None), events.RefundNeeded(refund_id=4)),
    (("refund-done", "client", 3, 4, None), events.RefundDone(booking_id=3, refund_id=4)),
    (
        ("undelivered", "admins", None, None, {"recipient": "therapist"}),
        events.Undelivered(booking_id=None, addressee=To.therapist),
    ),
    (
        (
            "update-parked",
            "admins",
            None,
            None,
            {"update": 5, "kind": "callback_query", "failure": "KeyError", "attempts": 4},
        ),
        events.UpdateParked(update_id=5, kind="callback_query", failure="KeyError", attempts=4),
    ),
    (
        ("series-missed", "client", 6, None, {"series": 7, "day": "2026-12-15", "reason": "taken"}),
        events.SeriesMissed(
            recipient=To.client, booking_id=6, series_id=7, day=date(2026, 12, 15), reason=Gap.taken
        ),
    ),
    (
        (
            "series-missed",
            "client",
            None,
            None,
            {"series": 7, "day": "2027-01-05", "reason": "clock_gap", "ahead": True},
        ),
        events.SeriesMissed(
            recipient=To.client,
            booking_id=None,
            series_id=7,
            day=date(2027, 1, 5),
            reason=Gap.clock_gap,
            ahead=True,
        ),
    ),
    (
        ("series-ended", "therapist", 6, None, {"series": 7, "by": "change"}),
        events.SeriesEnded(recipient=To.therapist, booking_id=6, series_id=7, by=SeriesEnd.change),
    ),
    (
        ("series-released", "therapist", 6, None, {"series": 7, "day": None}),
        events.SeriesReleased(recipient=To.therapist, booking_id=6, series_id=7, day=None),
    ),
    (("series-created", "group", 6, None, {"series": 7}), None),
    (
        ("request-accepted", "client", 9, None, {"request": 8}),
        events.RequestAccepted(booking_id=9, request_id=8),
    ),
    (
        ("request-withdrawn", "therapist", None, None, {"request": 8}),
        events.RequestWithdrawn(request_id=8),
    ),
    (
        (
            "request-withdrawn",
            "therapist",
            None,
            None,
            {"therapist": 10, "starts_at": "2026-12-08T15:00:00+00:00"},
        ),
        events.RequestErased(therapist_id=10, starts_at=AT),
    ),
    (
        ("request-lapsed", "therapist", None, None, {"request": 8}),
        events.RequestLapsed(recipient=To.therapist, request_id=8),
    ),
    (("waitlist-offer", "client", None, None, {"offer": 11}), events.WaitlistOffered(offer_id=11)),
    (("waitlist-ended", "client", None, None, {"entry": 12}), events.WaitlistEnded(entry_id=12)),
]


@pytest.mark.parametrize(("row", "expected"), OLD_ROWS, ids=lambda value: str(value)[:40])
def test_rows_written_before_read_back_as_their_event(
    row: tuple[str, str, int | None, int | None, Any], expected: events.AnyEvent | None
) -> None:
    name, recipient, booking_id, refund_id, details = row
    read = events.parse(
        name, recipient=recipient, booking_id=booking_id, refund_id=refund_id, details=details
    )
    if expected is None:
        expected = events.SeriesCreated(recipient=To.group, booking_id=6, series_id=7)
    assert read == expected
    # ... and are written the same way now (a missing `ahead` is now written as false).
    again = events.stored(read)
    assert (again.event, again.recipient, again.booking_id, again.refund_id) == row[:4]
    assert (again.details or {}) | (details or {}) == (again.details or {})


@pytest.mark.parametrize(
    ("name", "recipient", "details", "why"),
    [
        ("no-such-event", "client", None, "no event 'no-such-event'"),
        ("", "client", None, "no event"),
        ("booked", "nobody", None, "no recipient"),
        ("hold-expired", "admins", None, "never for admins"),
        ("series-missed", "client", {"series": 7, "reason": "taken"}, "no 'day'"),
        ("series-missed", "client", {"series": 7, "day": "soon", "reason": "taken"}, "'day'"),
        ("series-missed", "client", {"series": 7, "day": "2026-12-15", "reason": "?"}, "reason"),
        ("series-created", "therapist", {"series": "7"}, "'series'"),
        ("series-created", "therapist", {"series": True}, "'series'"),
        ("update-parked", "admins", {"update": 5}, "no 'kind'"),
        ("request-withdrawn", "therapist", {"therapist": 10}, "no 'starts_at'"),
        ("waitlist-offer", "client", ["offer", 11], "not an object"),
    ],
)
def test_a_row_no_kind_takes_is_refused_with_the_reason(
    name: str, recipient: str, details: Any, why: str
) -> None:
    with pytest.raises(events.UnknownEvent, match=why):
        events.parse(name, recipient=recipient, booking_id=1, refund_id=None, details=details)


def test_an_event_is_never_made_for_a_recipient_its_kind_does_not_have() -> None:
    with pytest.raises(ValueError, match="never for client"):
        events.Booked(recipient=To.client, booking_id=1)
    with pytest.raises(ValueError, match="never for group"):
        events.RequestLapsed(recipient=To.group, request_id=8)


async def test_a_stored_notice_no_kind_takes_is_reported_and_the_rest_delivered(
    db_sessionmaker: Sessions,
    database_url: str,
    clock: ManualClock,
    translator: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A row written by a newer version (or damaged) fails once, without a traceback, and
    the admins hear that a notice was not delivered; the rows after it go out as usual."""
    settings = make_settings(database_url)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    job = outbox_job(harness, settings, db_sessionmaker, clock, translator)
    now = clock.now()
    parked = events.stored(events.UpdateParked(update_id=9, kind="message", failure="", attempts=3))
    rows = [
        Notice(recipient="client", event="tea-time", details={"cups": 2}),
        Notice(recipient="therapist", event="series-missed", details={"series": 1}),
        Notice(recipient="admins", event="admin-tea-time"),
        Notice(recipient=parked.recipient, event=parked.event, details=parked.details),
    ]
    async with db_sessionmaker() as session:
        for row in rows:
            row.created_at = row.due_at = now
            row.attempts = 0
        session.add_all(rows)
        await session.commit()
    with caplog.at_level(logging.ERROR, logger="scheduler.outbox"):
        await job.run()
        await job.run()  # the reports, notices of their own
    read = [record.getMessage() for record in caplog.records]
    assert any("no event 'tea-time'" in message for message in read)
    assert any("series-missed: no 'day'" in message for message in read)
    assert not any(record.exc_info for record in caplog.records)
    told = [shown.text for shown in harness.telegram.chats.get(ADMIN_ID, [])]
    reports = [text for text in told if "Уведомление не доставлено" in text]
    assert len(reports) == 2
    assert any("клиенту" in text for text in reports)
    assert any("терапевту" in text for text in reports)
    assert any("№9" in text for text in told)  # the parked update, delivered as usual
    async with db_sessionmaker() as session:
        outcomes = dict((await session.execute(select(Notice.event, Notice.outcome))).all())
    assert outcomes == {
        "tea-time": "failed",
        "series-missed": "failed",
        "admin-tea-time": "failed",  # to the admins: logged, nobody to report it to
        "update-parked": "sent",
        "undelivered": "sent",
    }


# -- nobody writes or reads notices by their names -------------------------------------

NOTIFIERS = ("notify", "tell_practice")


def python_files(*places: str) -> list[Path]:
    return [path for place in places for path in sorted((ROOT / place).rglob("*.py"))]


def called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def strings(node: ast.AST, skip: Collection[int] = ()) -> list[ast.AST]:
    """String constants and f-strings under `node`, but for the ones in `skip`."""
    return [
        each
        for each in ast.walk(node)
        if id(each) not in skip
        and (
            isinstance(each, ast.JoinedStr)
            or (isinstance(each, ast.Constant) and isinstance(each.value, str))
        )
    ]


def test_producers_hand_the_outbox_events_not_names() -> None:
    """Whatever writes a notice passes an event's class, never a name or a dict of details
    (mypy holds the types; this holds the habit)."""
    calls = 0
    for path in python_files("db", "scheduler", "handlers", "bot"):
        if path == ROOT / "db" / "events.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and called(node) in NOTIFIERS:
                calls += 1
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                assert not strings(node), where
                assert "details" not in {keyword.arg for keyword in node.keywords}, where
    assert calls >= 20


def test_the_renderer_matches_on_types_not_names() -> None:
    """The notices' renderer and the outbox job name no event: a string equal to one is
    only ever a text's key (`t("hold-expired", ...)`), and only the job reads the stored
    name, to parse it."""
    names = set(events.BY_NAME)
    for path in python_files("handlers/shared/notices", "scheduler"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        keys = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and called(node) in ("t", "plain") and node.args
        }
        for node in strings(tree, keys):
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            assert not (isinstance(node, ast.Constant) and node.value in names), where
        reads = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "event"
        ]
        assert not reads or path == ROOT / "scheduler" / "outbox.py", path
