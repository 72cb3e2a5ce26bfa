"""The practice's numbers (`db.practice`) against a hand count of a built history, on
SQLite and PostgreSQL; and the screens that show them: /stats for the whole practice and
for one therapist, /mystats for a therapist, the period buttons, the export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.outcomes import ReturnRate
from db import outcomes, practice
from db.demo import load_demo
from db.models import (
    Booking,
    BookingStatus,
    CardView,
    FunnelEvent,
    Payment,
    Rematch,
    Slot,
    Therapist,
    WaitlistEntry,
    WaitlistOffer,
)
from db.offers import OFFERED_EVENT, TAKEN_EVENT
from db.outcomes import CardViews
from keyboards.practice import MyPeriod, PracticePeriod
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness
from tests.flows import Profile, sign_up
from tests.test_outcomes import client, request_of

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
T1_CHAT, T2_CHAT = 610_001, 610_002


def booking(
    now: datetime,
    therapist_id: int,
    client_id: int,
    days_ago: float,
    status: str = BookingStatus.completed,
    *,
    confirmed_days_ago: float | None = None,
    cancelled_days_ago: float | None = None,
    cancelled_by: str | None = None,
) -> Booking:
    starts = now - days_ago * DAY
    return Booking(
        client_id=client_id,
        therapist_id=therapist_id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=50),
        status=status,
        format="individual",
        price=3000,
        created_at=starts - 2 * DAY,
        confirmed_at=None if confirmed_days_ago is None else now - confirmed_days_ago * DAY,
        cancelled_at=None if cancelled_days_ago is None else now - cancelled_days_ago * DAY,
        cancelled_by=cancelled_by,
    )


def paid(booking_id: int, amount: int, now: datetime, days_ago: float, status: str) -> Payment:
    return Payment(
        booking_id=booking_id,
        amount=amount,
        currency="RUB",
        telegram_charge_id=f"charge-{booking_id}-{days_ago}",
        status=status,
        created_at=now - days_ago * DAY,
    )


async def history(sessions: Sessions, now: datetime) -> None:
    """Two therapists (1 and 2) and their clients over the last hundred days; the 30-day
    numbers are counted by hand in `test_the_numbers_match_a_hand_count`."""
    async with sessions() as session:
        await load_demo(session, now=now)
        await session.execute(delete(Slot))
        await session.execute(
            update(Therapist).where(Therapist.id == 1).values(telegram_id=T1_CHAT)
        )
        await session.execute(
            update(Therapist).where(Therapist.id == 2).values(telegram_id=T2_CHAT)
        )
        a = await client(session, now, 800, 50 * DAY)
        b = await client(session, now, 801, 27 * DAY)
        c = await client(session, now, 802, 60 * DAY)
        d = await client(session, now, 803, 20 * DAY)
        e = await client(session, now, 804, 15 * DAY)
        f = await client(session, now, 805, 12 * DAY)
        g = await client(session, now, 806, 5 * DAY)
        h = await client(session, now, 807, 100 * DAY)
        rows = [
            # A: came back 35 days ago (decided before the period).
            booking(now, 1, a, 40),
            booking(now, 1, a, 35),
            # B: first 25 days ago, back 18 days ago; both held in the period.
            booking(now, 1, b, 25, confirmed_days_ago=26),
            booking(now, 1, b, 18, BookingStatus.confirmed, confirmed_days_ago=19),
            # C: one session 45 days ago; its 30 days ran out 15 days ago: not back.
            booking(now, 1, c, 45),
            # D: first 10 days ago: too early to tell.
            booking(now, 1, d, 10, confirmed_days_ago=11),
            # E: a no-show 12 days ago.
            booking(now, 1, e, 12, BookingStatus.no_show, confirmed_days_ago=13),
            # F: one cancelled by the client, one by the therapist.
            booking(
                now,
                1,
                f,
                -3,
                BookingStatus.cancelled,
                confirmed_days_ago=8,
                cancelled_days_ago=5,
                cancelled_by="client",
            ),
            booking(
                now,
                1,
                f,
                -4,
                BookingStatus.cancelled,
                cancelled_days_ago=6,
                cancelled_by="therapist",
            ),
            # G: confirmed two days ago, ahead.
            booking(now, 1, g, -2, BookingStatus.confirmed, confirmed_days_ago=2),
            # H with therapist 2: first 20 days ago, back 12 days ago.
            booking(now, 2, h, 20),
            booking(now, 2, h, 12),
        ]
        session.add_all(rows)
        await session.flush()
        b_first, b_second, d_first = rows[2].id, rows[3].id, rows[5].id
        h_first = rows[10].id
        session.add_all(
            [
                paid(b_first, 300_000, now, 26, "paid"),
                paid(b_second, 300_000, now, 19, "paid"),
                paid(d_first, 300_000, now, 11, "refunded"),
                paid(h_first, 250_000, now, 21, "paid"),
                paid(rows[0].id, 300_000, now, 41, "paid"),  # before the period
            ]
        )
        session.add_all(
            [
                Rematch(
                    client_id=b, therapist_id=1, reason="fit", note="x", created_at=now - 3 * DAY
                ),
                Rematch(client_id=c, therapist_id=1, reason="schedule", created_at=now - 14 * DAY),
                Rematch(client_id=a, therapist_id=1, reason="price", created_at=now - 34 * DAY),
            ]
        )
        session.add_all(
            [
                request_of(1, g, now, "accepted", HOUR, 4),
                request_of(1, g, now, "accepted", HOUR, 9),
                request_of(1, e, now, "declined", HOUR, 14),
                request_of(1, f, now, "lapsed", HOUR, 8),
                request_of(1, f, now, "accepted", HOUR, 40),  # before the period
            ]
        )
        entry = WaitlistEntry(
            client_id=g,
            therapist_id=1,
            days="any",
            time_of_day="any",
            status="waiting",
            created_at=now - 20 * DAY,
            until=now + 10 * DAY,
        )
        session.add(entry)
        await session.flush()
        for days_ago, status in ((9, "taken"), (8, "expired"), (7, "declined")):
            session.add(
                WaitlistOffer(
                    entry_id=entry.id,
                    client_id=g,
                    therapist_id=1,
                    starts_at=now + DAY + days_ago * HOUR,
                    offered_at=now - days_ago * DAY,
                    expires_at=now - days_ago * DAY + HOUR,
                    status=status,
                )
            )
        for kind, days_ago in (
            (OFFERED_EVENT, 9),
            (OFFERED_EVENT, 8),
            (OFFERED_EVENT, 7),
            (TAKEN_EVENT, 9),
            (OFFERED_EVENT, 40),
        ):
            session.add(FunnelEvent(kind=kind, created_at=now - days_ago * DAY))
        await session.commit()


async def test_the_numbers_match_a_hand_count(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    await history(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        whole = await practice.numbers(session, now - 30 * DAY, now)
        mine = await practice.numbers(session, now - 30 * DAY, now, therapist_id=1)
        week = await practice.numbers(session, now - 7 * DAY, now, therapist_id=1)
    # Held in the period: B twice, D, H twice; E did not come.
    assert (whole.held, whole.no_shows, whole.no_show_rate) == (5, 1, Fraction(1, 6))
    # Confirmed in the period: B's two, D, E, F's first, G.
    assert whole.confirmed == 6
    assert whole.cancelled == {"client": 1, "therapist": 1}
    # First sessions in the period: B and D with 1, H with 2.
    assert whole.firsts == 3
    # Decided in the period: B (back), C (30 days ran out), H (back); A before, D too early.
    assert whole.returning == ReturnRate(clients=3, returned=2)
    # From signing up to the first session held, for B (2 days), D (10), H (80).
    assert whole.to_first == 10 * DAY
    # Seen: B, D, H held; B and C left. A left before the period.
    assert (whole.seen, whole.rematches) == (4, 2)
    assert whole.rematch_rate == Fraction(1, 2)
    assert whole.reasons == [("fit", 1), ("schedule", 1)]
    assert (whole.offered, whole.offers_taken) == (3, 1)
    assert whole.requests == {"accepted": 2, "declined": 1, "lapsed": 1}
    # Paid and not returned: B's two, H's; D's was refunded, A's before the period.
    assert whole.revenue == {"RUB": 850_000}
    assert whole.per_client() == {"RUB": 212_500}

    assert (mine.held, mine.no_shows, mine.no_show_rate) == (3, 1, Fraction(1, 4))
    assert mine.firsts == 2
    assert mine.returning == ReturnRate(clients=2, returned=1)
    assert mine.to_first == 6 * DAY  # B 2 days, D 10
    assert (mine.seen, mine.rematches) == (3, 2)  # B, D held; B, C left
    assert (mine.offered, mine.offers_taken) == (3, 1)
    assert mine.revenue == {"RUB": 600_000} and mine.per_client() == {"RUB": 200_000}

    # The last seven days: no session held, F's two cancellations, G confirmed, B left.
    assert (week.held, week.no_shows, week.no_show_rate) == (0, 0, None)
    assert week.cancelled == {"client": 1, "therapist": 1}
    assert week.confirmed == 1
    assert week.returning == ReturnRate(0, 0) and week.return_rate is None
    assert week.to_first is None
    assert (week.seen, week.rematches, week.rematch_rate) == (1, 1, Fraction(1))
    assert (week.offered, week.offers_taken) == (1, 0)
    assert week.requests == {"accepted": 1}
    assert week.revenue == {} and week.per_client() == {}


async def test_admins_and_therapists_read_the_numbers_in_their_chats(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    await history(db_sessionmaker, now)
    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/stats")
    numbers = next(m for m in reversed(admin.shown) if "Показатели за 30 дн." in m.text)
    assert "вся практика" in numbers.text
    assert "Сессий состоялось: 5 · неявок: 1 (17% от назначенных)" in numbers.text
    assert "Пришли на вторую сессию в течение 30 дней: 2 из 3 (67%)" in numbers.text
    assert "Сменили терапевта: 2 из 4 клиентов (50%)" in numbers.text
    assert "Причины: Не подошёл подход — 1, Неудобное расписание — 1" in numbers.text
    assert "От регистрации до первой сессии (медиана): 10 дн. 0 ч" in numbers.text
    assert "предложено времён 3, записались 1 (33%)" in numbers.text
    assert "приняты 2, отклонены 1, истекли без ответа 1" in numbers.text
    assert "Оплачено в боте: 8500.00 RUB · на клиента: 2125.00 RUB" in numbers.text
    assert admin.last.photo, "the chart of the rates follows"
    # Another period: the same screen, edited.
    await admin.press("90 дн.", message=numbers)
    assert "Показатели за 90 дн." in numbers.text and "✓ 90 дн." in numbers.buttons

    await admin.send("/stats 1")
    mine = next(m for m in reversed(admin.shown) if "Показатели за 30 дн." in m.text)
    async with db_sessionmaker() as session:
        first = await session.get(Therapist, 1)
        assert first is not None
        name = first.name_ru
    assert name in mine.text and "Сессий состоялось: 3 · неявок: 1 (25%" in mine.text
    await admin.send("/stats 999")
    assert "Терапевта «999» нет" in admin.last.text

    # A therapist reads their own, never anyone else's, whatever the button says.
    therapist = harness.user(T1_CHAT, "Терапевт")
    await therapist.send("/mystats")
    own = next(m for m in reversed(therapist.shown) if "Показатели за 30 дн." in m.text)
    assert name in own.text and "Сессий состоялось: 3" in own.text
    assert "Сменили терапевта: 2 из 3 клиентов (67%)" in own.text
    assert therapist.last.photo
    await therapist.press("7 дн.", message=own)
    assert "Показатели за 7 дн." in own.text and "Сессий состоялось: 0" in own.text
    # The admin's button, forged by the therapist for the whole practice: refused.
    mark = therapist.mark()
    answer = await therapist.tap(PracticePeriod(days=30, therapist_id=0).pack(), message=own)
    assert answer.text
    assert "Показатели за 7 дн." in own.text and therapist.texts_since(mark) == []
    # Text a therapist sends with nothing to answer: their own commands, not a client's
    # sign-up.
    await therapist.send("привет")
    assert "Вы — специалист" in therapist.last.text and "/mystats" in therapist.last.text
    # A period that is not one of the buttons (forged) changes nothing either.
    answer = await therapist.tap(MyPeriod(days=3650).pack(), message=own)
    assert answer.text and "Показатели за 7 дн." in own.text


async def test_the_export_has_a_row_for_the_practice_and_each_therapist(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    await history(db_sessionmaker, now)
    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/export practice")
    data = admin.last.document_bytes
    assert data is not None and data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, rows = table[0], {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert header[:4] == ["therapist_id", "therapist", "cards_shown", "sessions_held"]
    everyone, first, second = rows["all"], rows["1"], rows["2"]
    # Since the beginning: A twice, B twice, C, D, H twice.
    assert (everyone["sessions_held"], everyone["no_shows"], everyone["no_show_percent"]) == (
        "8",
        "1",
        "11",
    )
    assert (everyone["rematches"], everyone["rematch_reasons"]) == (
        "3",
        "fit:1 price:1 schedule:1",
    )
    assert everyone["paid"] == "RUB:1150000"
    # Therapist 1: A and B came back, C did not, D too early; therapist 2: H came back.
    assert (first["return_decided"], first["returned"], first["return_percent"]) == ("3", "2", "67")
    assert (second["sessions_held"], second["return_decided"], second["returned"]) == (
        "2",
        "1",
        "1",
    )
    assert (first["requests"], first["requests_lapsed"]) == ("5", "1")
    assert first["median_days_to_first_session"] == "10.0"  # A 10 days, B 2, C 15, D 10
    # A therapist without any session: a row of zeros, no rate.
    assert rows["3"]["sessions_held"] == "0" and rows["3"]["return_percent"] == ""


async def test_cards_shown_are_counted_per_therapist_and_day(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    async with db_sessionmaker() as session:
        await load_demo(session, now=now)
    visitor = harness.user(884, "Вера")
    await sign_up(visitor, Profile(topics=["Тревога"]))
    views: CardViews = harness.dispatcher["views"]
    await views.flush(db_sessionmaker)  # the cards the sign-up ended with
    async with db_sessionmaker() as session:
        before = await outcomes.shown(session, now, now)
    await visitor.press("Найти терапевта")
    first = visitor.last_with_buttons
    await visitor.press("▶", message=first)
    await visitor.press("◀", message=first)
    assert views.pending == 3
    async with db_sessionmaker() as session:
        assert await outcomes.shown(session, now, now) == before  # a card page writes nothing
    assert await views.flush(db_sessionmaker) == 3
    assert views.pending == 0 and await views.flush(db_sessionmaker) == 0
    # Counts are added to the day's row, not written over.
    async with db_sessionmaker() as session:
        rows = (await session.execute(select(CardView.therapist_id, CardView.shown))).all()
        [therapist_id] = [therapist for therapist, shown in rows if shown >= 2]
        again = await outcomes.shown(session, now, now, therapist_id)
    views.seen(therapist_id, now)
    await views.flush(db_sessionmaker)
    async with db_sessionmaker() as session:
        assert await outcomes.shown(session, now, now, therapist_id) == again + 1
        assert await outcomes.shown(session, now, now) == before + 4
        assert (
            await practice.numbers(session, now - 7 * DAY, now, therapist_id)
        ).shown == again + 1
        assert await outcomes.shown(session, now - 7 * DAY, now - DAY) == 0


async def test_counts_that_could_not_be_written_are_kept_for_the_next_flush(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    async with db_sessionmaker() as session:
        await load_demo(session, now=now)
    views = CardViews()
    views.seen(1, now)
    views.seen(999_999, now)  # no such therapist: the write fails
    with pytest.raises(IntegrityError):
        await views.flush(db_sessionmaker)
    assert views.pending == 2
    views = CardViews()
    views.seen(1, now)
    views.seen(1, now + DAY)
    assert await views.flush(db_sessionmaker) == 2
    async with db_sessionmaker() as session:
        assert await outcomes.shown(session, now, now + DAY, 1) == 2
