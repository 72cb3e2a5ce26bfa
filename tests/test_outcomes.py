"""Whether clients came back: the return rate counted by hand from built histories (SQLite
and PostgreSQL), the card's "N of 10" from five counted clients on, and the pure rules."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.outcomes import (
    RETURN_WINDOW,
    Ranking,
    ReturnRate,
    answers_quickly,
    came_back,
    prior,
    standing,
    tally,
)
from db import outcomes
from db.demo import load_demo
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    Rematch,
    RequestStatus,
    Slot,
    Therapist,
    User,
)
from tests.conftest import ManualClock
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, book_session, sign_up

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
_minutes = itertools.count()


def at(now: datetime, days_ago: float) -> datetime:
    """A moment `days_ago` before `now`, a few minutes apart from any other (no overlap)."""
    return now - days_ago * DAY + next(_minutes) * timedelta(minutes=1)


async def client(
    session: AsyncSession, now: datetime, number: int, signed_up: timedelta = timedelta(0)
) -> int:
    """A client who signed up `signed_up` before `now`."""
    user = User(
        telegram_id=70_000 + number,
        first_name=f"Клиент {number}",
        language="ru",
        timezone="Europe/Moscow",
        consent_at=now - signed_up,
        created_at=now - signed_up,
    )
    session.add(user)
    await session.flush()
    return user.id


def session_at(
    therapist_id: int, client_id: int, starts_at: datetime, status: str = BookingStatus.completed
) -> Booking:
    return Booking(
        client_id=client_id,
        therapist_id=therapist_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        status=status,
        format="individual",
        price=3000,
        created_at=starts_at - 2 * DAY,
    )


async def history(sessions: Sessions, now: datetime) -> tuple[int, int]:
    """The demo catalogue without its slots, and its therapist 1: 10 counted clients, 7
    came back; therapist 2: 4 counted clients. Around them, what must not count."""
    async with sessions() as session:
        await load_demo(session, now=now)
        await session.execute(delete(Slot))
        await session.commit()
    async with sessions() as session:
        numbers = itertools.count()
        rows: list[Booking] = []
        # Therapist 1: seven came back within 30 days (one of them on day 30 exactly).
        for gap in (7, 7, 14, 14, 21, 28, 30):
            who = await client(session, now, next(numbers))
            first = at(now, 90)
            rows += [session_at(1, who, first), session_at(1, who, first + gap * DAY)]
        # One came back after 35 days: counted, not returned.
        who = await client(session, now, next(numbers))
        first = at(now, 80)
        rows += [session_at(1, who, first), session_at(1, who, first + 35 * DAY)]
        # Two had one session, long ago.
        for _ in range(2):
            rows.append(session_at(1, await client(session, now, next(numbers)), at(now, 60)))
        # Too early to tell: a first session 10 days ago, confirmed and over.
        who = await client(session, now, next(numbers))
        rows.append(session_at(1, who, at(now, 10), BookingStatus.confirmed))
        # Never held: a no-show, a cancellation, a session still ahead.
        who = await client(session, now, next(numbers))
        rows.append(session_at(1, who, at(now, 70), BookingStatus.no_show))
        rows.append(session_at(1, who, at(now, 69), BookingStatus.cancelled))
        rows.append(session_at(1, who, now + 3 * DAY, BookingStatus.confirmed))
        # Therapist 2: four counted clients, all came back.
        for _ in range(4):
            who = await client(session, now, next(numbers))
            first = at(now, 50)
            rows += [session_at(2, who, first), session_at(2, who, first + 7 * DAY)]
        session.add_all(rows)
        await session.commit()
    return 1, 2


async def test_return_rates_match_a_hand_count(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    await history(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        rates = await outcomes.return_rates(session, now)
        assert rates[1] == ReturnRate(clients=10, returned=7)
        assert rates[2] == ReturnRate(clients=4, returned=4)
        assert 3 not in rates
        assert await outcomes.refresh(session, now) == 2
        assert await outcomes.refresh(session, now) == 0  # nothing changed since
        kept = dict((await session.execute(select(Therapist.id, Therapist.rate_returned))).all())
    assert kept[1] == 7 and kept[2] == 4 and kept[3] == 0
    # Forty days on, the client seen ten days ago has not come back: counted now. So is
    # the no-show's client, whose session three days ahead is by then held and 37 days old.
    async with db_sessionmaker() as session:
        later = await outcomes.return_rates(session, now + 40 * DAY)
    assert later[1] == ReturnRate(clients=12, returned=7)


async def test_the_card_says_how_many_of_ten_came_back_from_five_clients_on(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    async with db_sessionmaker() as session:
        await load_demo(session, now=now)
        await session.execute(update(Therapist).values(rate_clients=0, rate_returned=0))
        await session.execute(
            update(Therapist)
            .where(Therapist.id == 1)
            .values(rate_clients=10, rate_returned=7, rate_standing=1)
        )
        await session.execute(
            update(Therapist).where(Therapist.id == 2).values(rate_clients=4, rate_returned=4)
        )
        await session.commit()
    visitor = harness.user(880, "Ира")
    await sign_up(visitor, Profile(topics=["Тревога"]))
    await visitor.press("Найти терапевта")
    seen: dict[str, str] = {}
    for _ in range(8):
        card = visitor.last_with_buttons
        seen[card.text.split("\n")[0]] = card.text
        forward = [label for label in card.buttons if "▶" in label]
        if not forward:
            break
        await visitor.press(forward[0], message=card)
    async with db_sessionmaker() as session:
        names = dict((await session.execute(select(Therapist.id, Therapist.name_ru))).all())
    first = next(text for name, text in seen.items() if names[1] in name)
    assert "🔁 7 из 10 клиентов пришли на вторую сессию" in first
    # Why matched: the return rate lifted them, and only them.
    assert "Выше в списке: клиенты часто возвращаются" in first
    assert sum("клиенты часто возвращаются" in text for text in seen.values()) == 1
    second = next((text for name, text in seen.items() if names[2] in name), None)
    if second is not None:
        assert "пришли на вторую сессию" not in second  # 4 clients: no badge at all


def test_came_back_and_the_tally() -> None:
    now = datetime(2026, 12, 5, 12, 0)
    long_ago = now - 60 * DAY
    assert came_back(long_ago, long_ago + RETURN_WINDOW, now) is True
    assert came_back(long_ago, long_ago + RETURN_WINDOW + HOUR, now) is False
    assert came_back(long_ago, None, now) is False
    assert came_back(now - 10 * DAY, None, now) is None  # too early to tell
    assert came_back(now - 10 * DAY, now - 3 * DAY, now) is True
    assert tally([(long_ago, None), (now - DAY, None), (long_ago, long_ago + DAY)], now) == (
        ReturnRate(clients=2, returned=1)
    )


@pytest.mark.parametrize(
    ("clients", "returned", "badge"),
    [
        (0, 0, None),
        (4, 4, None),
        (5, 0, 0),
        (5, 3, 6),
        (10, 7, 7),
        (3, 1, None),
        (7, 5, 7),
        (20, 13, 7),
        (8, 1, 1),
        (6, 5, 8),
    ],
)
def test_the_badge_rounds_half_up_and_waits_for_five(
    clients: int, returned: int, badge: int | None
) -> None:
    assert ReturnRate(clients, returned).badge() == badge


def test_a_few_clients_sit_near_the_catalogues_rate() -> None:
    prior = Fraction(1, 2)
    assert ReturnRate(0, 0).shrunk(prior, 10) == prior
    assert ReturnRate(2, 2).shrunk(prior, 10) == Fraction(7, 12)
    assert ReturnRate(100, 90).shrunk(prior, 10) == Fraction(95, 110)
    with pytest.raises(ValueError):
        ReturnRate(3, 4)


async def booked_client(
    harness: Harness, sessions: Sessions, clock: ManualClock, telegram_id: int, name: str
) -> tuple[TgUser, Booking]:
    """The demo catalogue with each therapist's chat at 600 000 + their id, and a client
    who booked one session."""
    async with sessions() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=600_000 + Therapist.id))
        await session.commit()
    leaving = harness.user(telegram_id, name)
    await book_session(leaving)
    async with sessions() as session:
        return leaving, (await session.scalars(select(Booking))).one()


async def test_a_change_of_therapist_is_recorded_with_its_reason_the_old_one_never_sees(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    leaving, booking = await booked_client(harness, db_sessionmaker, clock, 881, "Лена")
    await leaving.send("/my")
    cabinet = leaving.last_with_buttons
    await leaving.press("Сменить терапевта", message=cabinet)
    await leaving.press("Неудобное расписание", message=cabinet)
    await leaving.press("Да, отменить", message=cabinet)
    async with db_sessionmaker() as session:
        assert await outcomes.rematches_of(session, booking.therapist_id) == {"schedule": 1}
        client_id = await session.scalar(select(User.id).where(User.telegram_id == 881))
        rows = (await session.execute(select(Rematch.client_id, Rematch.therapist_id))).all()
    assert [tuple(row) for row in rows] == [(client_id, booking.therapist_id)]
    old_chat = harness.telegram.chats[600_000 + booking.therapist_id]
    assert old_chat, "the old therapist hears of the cancellation"
    for shown in old_chat:
        assert "расписание" not in shown.text.lower() and "schedule" not in shown.text


async def test_a_change_of_therapist_in_the_clients_own_words_stays_with_the_record(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    leaving, booking = await booked_client(harness, db_sessionmaker, clock, 882, "Оля")
    async with db_sessionmaker() as session:
        old = await session.get(Therapist, booking.therapist_id)
        assert old is not None
        old_name = old.name_ru
    await leaving.send("/my")
    await leaving.press("Сменить терапевта", message=leaving.last_with_buttons)
    assert "Ваш терапевт этого не увидит" in leaving.last.text
    # Not words: asked kindly for words, nothing recorded yet.
    await leaving.send_sticker()
    assert "словами" in leaving.last.text
    # Too long: nothing is cut, nothing recorded; the client is asked to shorten it.
    await leaving.send("очень " * 300)
    assert "Сократите" in leaving.last.text
    async with db_sessionmaker() as session:
        assert (await session.scalars(select(Rematch))).all() == []
    words = "Мне было тяжело говорить о маме, хочу попробовать другой подход"
    await leaving.send("сначала так")
    await leaving.send(words)  # the latest words count
    assert "записал ваши слова" in leaving.last.text
    async with db_sessionmaker() as session:  # nothing is decided by a text alone
        assert (await session.scalars(select(Rematch))).all() == []
    await leaving.press("Не подошёл подход")
    async with db_sessionmaker() as session:
        rows = (await session.execute(select(Rematch.reason, Rematch.note))).all()
    assert [tuple(row) for row in rows] == [("fit", words)]
    # The sessions with the old therapist are offered to cancel; then the search opens
    # without them.
    mark = leaving.mark()
    await leaving.press("Да, отменить", message=leaving.last_with_buttons)
    after = leaving.texts_since(mark)
    assert any(f"кроме {old_name}" in shown.text for shown in leaving.shown)
    assert after, "the search opened"
    assert not [text for text in after if old_name in text]
    # The next text is not taken for a reason again.
    await leaving.send("спасибо")
    async with db_sessionmaker() as session:
        assert len((await session.scalars(select(Rematch))).all()) == 1
    # The old therapist heard of the cancellation, never of the words or the reason.
    old_chat = harness.telegram.chats[600_000 + booking.therapist_id]
    assert old_chat
    for shown in old_chat:
        assert "маме" not in shown.text and "подход" not in shown.text
    for call in harness.telegram.calls:
        if getattr(call, "chat_id", None) == 600_000 + booking.therapist_id:
            assert words not in repr(call)
    # Erased with the client's data; the reason stays counted, pointing to no one.
    await leaving.send("/delete_me")
    await leaving.press("Да, удалить")
    async with db_sessionmaker() as session:
        rows = (await session.execute(select(Rematch.reason, Rematch.note))).all()
        assert await outcomes.rematches_of(session, booking.therapist_id) == {"fit": 1}
    assert [tuple(row) for row in rows] == [("fit", None)]


def request_of(
    therapist_id: int,
    client_id: int,
    now: datetime,
    status: str,
    waited: timedelta | None,
    days_ago: float = 20,
) -> BookingRequest:
    """A request made `days_ago` and answered after `waited` (None: it lapsed)."""
    created = at(now, days_ago)
    return BookingRequest(
        client_id=client_id,
        therapist_id=therapist_id,
        starts_at=created + 5 * DAY,
        format="individual",
        status=status,
        created_at=created,
        answer_due_at=created + DAY,
        answered_at=created + (waited if waited is not None else DAY),
    )


async def test_standing_and_quick_answers_match_a_hand_count(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    now = clock.now()
    await history(db_sessionmaker, now)
    async with db_sessionmaker() as session:
        who = await client(session, now, 500)
        accepted, declined, refused = (
            RequestStatus.accepted,
            RequestStatus.declined,
            RequestStatus.refused,
        )
        session.add_all(
            [
                # Therapist 3: two of three answered within four hours: quick.
                request_of(3, who, now, accepted, HOUR),
                request_of(3, who, now, declined, 2 * HOUR),
                request_of(3, who, now, refused, 5 * HOUR),  # another time was proposed
                # Therapist 4: one quick answer, two lapsed; a withdrawn one says nothing.
                request_of(4, who, now, accepted, HOUR),
                request_of(4, who, now, RequestStatus.lapsed, None),
                request_of(4, who, now, RequestStatus.lapsed, None),
                request_of(4, who, now, RequestStatus.withdrawn, 10 * MINUTE),
                request_of(4, who, now, RequestStatus.withdrawn, 20 * MINUTE),
                # Therapist 5: quick, but two answers are too few to say.
                request_of(5, who, now, accepted, HOUR),
                request_of(5, who, now, accepted, HOUR),
            ]
        )
        # Long ago: no longer counted.
        old = request_of(1, who, now, accepted, HOUR)
        old.created_at = now - 120 * DAY
        old.answered_at = old.created_at + HOUR
        session.add_all([old, request_of(1, who, now, accepted, HOUR)])
        await session.commit()

    async def kept(ranking: Ranking) -> dict[int, tuple[int, bool]]:
        async with db_sessionmaker() as session:
            await outcomes.refresh(session, now, ranking)
            rows = await session.execute(
                select(Therapist.id, Therapist.rate_standing, Therapist.answers_quickly)
            )
            return {therapist: (standing, quick) for therapist, standing, quick in rows.all()}

    # The catalogue's rate: 11 of 14. Shrunk by 10 clients at it, therapist 1 (7 of 10)
    # is 0.743 and therapist 2 (4 of 4) 0.847: both within ten points of 0.786.
    found = await kept(Ranking(prior_clients=10))
    assert found[1] == (0, False) and found[2] == (0, False)
    assert found[3] == (0, True) and found[4] == (0, False) and found[5] == (0, False)
    # Not shrunk: 4 of 4 is 21 points above, 7 of 10 nine below.
    found = await kept(Ranking(prior_clients=0))
    assert found[1] == (0, False) and found[2] == (1, False)
    assert all(standing == 0 for therapist, (standing, _) in found.items() if therapist > 2)


def test_standing_against_the_catalogue() -> None:
    catalogue = Fraction(1, 2)
    assert standing(ReturnRate(0, 0), catalogue, 10) == 0  # no history: about the average
    assert standing(ReturnRate(10, 9), catalogue, 10) == 1  # (9 + 5) / 20 = 0.7
    assert standing(ReturnRate(10, 1), catalogue, 10) == -1  # (1 + 5) / 20 = 0.3
    assert standing(ReturnRate(2, 2), catalogue, 10) == 0  # (2 + 5) / 12 = 0.58: too few
    assert prior([ReturnRate(10, 9), ReturnRate(4, 1), ReturnRate(0, 0)]) == Fraction(10, 14)
    assert prior([]) == 0
    assert not answers_quickly([timedelta(minutes=5)] * 2)
    assert answers_quickly([HOUR, HOUR, None, None])
    assert not answers_quickly([HOUR, None, None, 5 * HOUR])
    ranking = Ranking(return_shift=2 * DAY, quick_shift=12 * HOUR)
    assert ranking.shift(1, True) == -(2 * DAY + 12 * HOUR) and ranking.lift == 2 * DAY + 12 * HOUR
    assert ranking.shift(-1, False) == 2 * DAY and ranking.shift(0, False) == timedelta(0)
    assert ranking.helped(1) and not ranking.helped(0)
    assert not Ranking(return_shift=timedelta(0)).helped(1)
