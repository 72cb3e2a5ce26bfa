"""Couples (`db.couples`), on SQLite and PostgreSQL: the invitation works once, for 7 days,
never for its own sender; two people joining at once make one couple; the partner shares
the booker's couple sessions only, and may skip one (the booker and the therapist are
told, with nothing else of either person); ending and erasure take only their own part."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.rules.refusals import Refused
from db import bookings, couples, events
from db.demo import load_demo
from db.models import (
    Booking,
    BookingStatus,
    Notice,
    PartnerAbsence,
    Partnership,
    Therapist,
    User,
)
from handlers.shared.notices import Notices
from tests.conftest import ManualClock, make_settings
from tests.test_outcomes import client, session_at

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)
THERAPIST_CHAT = 7777


async def _people(sessions: Sessions, now: datetime) -> tuple[User, User, User, list[int]]:
    """The demo catalogue (therapist 1 linked), a booker with two couple sessions and an
    individual one ahead, their partner-to-be and a third person."""
    async with sessions() as session:
        await load_demo(session, now=now)
        await session.execute(
            update(Therapist).where(Therapist.id == 1).values(telegram_id=THERAPIST_CHAT)
        )
        ids = [await client(session, now, number) for number in (1, 2, 3)]
        rows = [session_at(1, ids[0], now + (2 + day) * DAY, "confirmed") for day in range(3)]
        rows[0].format = rows[1].format = "couple"
        session.add_all(rows)
        await session.commit()
        people = [await session.get_one(User, user_id) for user_id in ids]
        return people[0], people[1], people[2], [row.id for row in rows]


async def _refused(action: Any, key: str) -> None:
    with pytest.raises(Refused) as caught:
        await action
    assert caught.value.key == key


async def _notices(sessions: Sessions, settings: Settings, translator: Any) -> list[str]:
    """Every notice written so far, rendered as it would be sent: chat and text."""
    renderer = Notices(translator, settings)
    async with sessions() as session:
        rows = list(await session.scalars(select(Notice).order_by(Notice.id)))
        letters = []
        for row in rows:
            event = events.parse(
                row.event,
                recipient=row.recipient,
                booking_id=row.booking_id,
                refund_id=row.refund_id,
                details=row.details,
            )
            letters += await renderer.letters(session, event, row.created_at)
    return [f"{letter.chat_id}: {letter.text}" for letter in letters]


async def test_an_invitation_works_once_for_a_week_and_never_for_its_sender(
    db_sessionmaker: Sessions, clock: ManualClock, database_url: str, translator: Any
) -> None:
    now = clock.now()
    booker, partner, other, _ = await _people(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        code = await couples.invite(session, booker, now)
        await _refused(couples.join(session, code, booker, now), "couple-invite-own")
        await _refused(couples.join(session, "nonsense", partner, now), "couple-invite-gone")
        # A newer invitation withdraws the one not used yet.
        old, code = code, await couples.invite(session, booker, now)
        await _refused(couples.join(session, old, partner, now), "couple-invite-gone")
        await _refused(
            couples.join(session, code, partner, now + 7 * DAY + timedelta(seconds=1)),
            "couple-invite-gone",
        )
        joined = await couples.join(session, code, partner, now + DAY)
        assert (joined.booker_id, joined.partner_id, joined.code_hash) == (
            booker.id,
            partner.id,
            None,
        )
        await _refused(couples.join(session, code, other, now + DAY), "couple-invite-gone")
        # Paired: neither invites nor joins anyone else until it ends.
        await _refused(couples.invite(session, booker, now), "couple-already-paired")
        await _refused(couples.invite(session, partner, now), "couple-already-paired")
        third = await couples.invite(session, other, now)
        await _refused(couples.join(session, third, partner, now), "couple-already-paired")
        stored = list(await session.scalars(select(Partnership.code_hash)))
    # Only hashes are kept, never a code.
    assert code not in stored and old not in stored and couples.code_hash(third) in stored
    settings = make_settings(database_url)
    letters = await _notices(db_sessionmaker, settings, translator)
    assert letters == [
        f"{booker.telegram_id}: 👥 Клиент 2 принял(а) ваше приглашение: теперь парные "
        "сессии видны и вашему партнёру, а напоминания приходят вам обоим. Переносить и "
        "отменять сессии по-прежнему можете только вы."
    ]


async def test_two_people_joining_at_once_make_one_couple(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    booker, partner, other, _ = await _people(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        code = await couples.invite(session, booker, now)

    async def join(person: User) -> Partnership | Refused:
        async with db_sessionmaker() as session:
            try:
                return await couples.join(session, code, person, now)
            except Refused as refused:
                return refused

    results = await asyncio.gather(join(partner), join(other))
    assert sum(isinstance(result, Partnership) for result in results) == 1, results
    async with db_sessionmaker() as session:
        [row] = list(await session.scalars(select(Partnership)))
    assert row.partner_id in (partner.id, other.id) and row.ended_at is None


async def test_the_partner_shares_couple_sessions_and_may_skip_one(
    db_sessionmaker: Sessions, clock: ManualClock, database_url: str, translator: Any
) -> None:
    now = clock.now()
    booker, partner, other, (first, second, individual) = await _people(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        code = await couples.invite(session, booker, now)
        await couples.join(session, code, partner, now)
        shared = [b.id for b in await couples.shared_sessions(session, partner, now)]
        assert shared == [first, second]  # the individual session is the booker's alone
        assert await couples.shared_sessions(session, other, now) == []
        assert (await couples.booker_of(session, partner)).id == booker.id  # type: ignore[union-attr]
        assert (await couples.partner_of(session, booker.id)).id == partner.id  # type: ignore[union-attr]
        # Someone else's session, or one not shared, cannot be skipped.
        await _refused(couples.skip(session, other, first, now), "couple-session-gone")
        await _refused(couples.skip(session, partner, individual, now), "couple-session-gone")
        await couples.skip(session, partner, first, now)
        await _refused(couples.skip(session, partner, first, now), "couple-session-gone")
        assert [b.id for b in await couples.shared_sessions(session, partner, now)] == [second]
        # The session stays the booker's, confirmed.
        assert (await session.get_one(Booking, first)).status == BookingStatus.confirmed
    letters = await _notices(db_sessionmaker, make_settings(database_url), translator)
    skipped = [letter for letter in letters if "не сможет прийти" in letter]
    assert len(skipped) == 2
    assert skipped[0].startswith(f"{booker.telegram_id}: 👥 Ваш партнёр не сможет прийти")
    assert skipped[1].startswith(f"{THERAPIST_CHAT}: 👥 Парная сессия")
    assert "Клиент 1" in skipped[1]
    # The partner's name never reaches the therapist or anyone but the booker.
    assert not any("Клиент 2" in letter for letter in letters[1:])


async def test_ending_and_erasure_take_only_their_own_part(
    db_sessionmaker: Sessions, clock: ManualClock, database_url: str, translator: Any
) -> None:
    now = clock.now()
    booker, partner, other, (first, second, _) = await _people(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        code = await couples.invite(session, booker, now)
        await couples.join(session, code, partner, now)
        await couples.skip(session, partner, first, now)
        # The partner erases their data: the couple ends, their skip goes, the booker's
        # sessions stay and the booker is told.
        await bookings.erase_client(
            session, partner, rules=make_settings(database_url).rules(), now=now
        )
        assert await couples.current(session, booker.id) is None
        assert await session.scalar(select(PartnerAbsence.booking_id)) is None
        statuses = await session.scalars(
            select(Booking.status).where(Booking.id.in_([first, second]))
        )
        assert set(statuses) == {BookingStatus.confirmed}
        # A new couple, ended by the booker: the partner is told; a second end is nothing.
        code = await couples.invite(session, booker, now)
        await couples.join(session, code, other, now)
        assert await couples.end(session, booker, now) is True
        assert await couples.end(session, booker, now) is False
        assert await couples.shared_sessions(session, other, now) == []
    letters = await _notices(db_sessionmaker, make_settings(database_url), translator)
    assert any(
        letter.startswith(f"{booker.telegram_id}: 👥 Ваш партнёр удалил свои данные")
        for letter in letters
    )
    assert any(
        letter.startswith(f"{other.telegram_id}: 👥 Ваш партнёр завершил") for letter in letters
    )
