"""The waitlist, as several clients live it at once: waiting for a therapist whose times
are all taken, freed times offered first joined first and held for one client at a time,
an offer running out and passing on, one tap to book, and the ends of a wait (booking,
leaving, erasure), with the clock moved by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notify import Outgoing
from db import bookings, offers, users
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    OfferStatus,
    Slot,
    SlotStatus,
    Therapist,
    User,
    WaitlistEntry,
    WaitlistOffer,
    WaitStatus,
)
from keyboards.catalog import SlotPick
from keyboards.waitlist import OfferTake, WaitFor, WaitJoin
from scheduler.waitlist import offer_freed_times
from tests.conftest import ADMIN_ID, ManualClock, make_settings, outbox_job
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import Profile, sign_up
from tests.test_series import THERAPIST_CHAT, book_by_bot, linked_practice

Sessions = async_sessionmaker[AsyncSession]
OFFER = "Освободилось время"


@pytest.fixture
def practice_settings(database_url: str):
    return make_settings(database_url, waitlist_offer_minutes=30, waitlist_max_offers_per_day=3)


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, practice_settings, clock: ManualClock, translator
) -> Harness:
    """The demo catalogue, its first therapist linked and every time of theirs taken."""
    harness = await linked_practice(db_sessionmaker, practice_settings, clock, translator)
    await take_all_times(db_sessionmaker, 1)
    return harness


async def take_all_times(sessions: Sessions, therapist_id: int) -> None:
    async with sessions() as session:
        await session.execute(
            update(Slot)
            .where(Slot.therapist_id == therapist_id, Slot.status == SlotStatus.free)
            .values(status=SlotStatus.blocked)
        )
        await session.commit()


async def free_a_time(
    sessions: Sessions, therapist_id: int, nth: int = 0, *, after: datetime | None = None
) -> Slot:
    """A time comes free (as new working hours would make it): the nth taken one ahead
    (after a moment, when given)."""
    async with sessions() as session:
        slot = (
            await session.scalars(
                select(Slot)
                .where(
                    Slot.therapist_id == therapist_id,
                    Slot.status == SlotStatus.blocked,
                    Slot.starts_at > (after or datetime.min.replace(tzinfo=UTC)),
                )
                .order_by(Slot.starts_at)
                .offset(nth if after else 10 + nth)
                .limit(1)
            )
        ).one()
        slot.status = SlotStatus.free
        await session.commit()
        return slot


async def run_job(practice: Harness, settings, sessions: Sessions, clock, translator) -> int:
    return await offer_freed_times(
        sessionmaker=sessions,
        settings=settings,
        rules=settings.rules(),
        clock=clock,
        outbox=outbox_job(practice, settings, sessions, clock, translator),
    )


async def wait_for(client: TgUser, therapist_id: int, wait: str = "Ждать 2 недели") -> Shown:
    """From the therapist's card button: the waitlist screen, then how long to wait."""
    await client.tap(WaitFor(therapist_id=therapist_id).pack())
    screen = client.last
    assert "освободится подходящее вам время" in screen.text, screen.text
    await client.press(wait, message=screen)
    assert "Готово" in screen.text, screen.text
    return screen


def offers_in(client: TgUser, mark: int = 0) -> list[Shown]:
    return [shown for shown in client.shown[mark:] if OFFER in shown.text]


async def open_offers(sessions: Sessions) -> list[WaitlistOffer]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(WaitlistOffer)
                .where(WaitlistOffer.status == OfferStatus.open)
                .order_by(WaitlistOffer.id)
            )
        )


async def user_id(sessions: Sessions, telegram_id: int) -> int:
    async with sessions() as session:
        found = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
    assert found is not None
    return int(found)


async def waits(sessions: Sessions, client_id: int) -> list[WaitlistEntry]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(WaitlistEntry)
                .where(WaitlistEntry.client_id == client_id)
                .order_by(WaitlistEntry.id)
            )
        )


async def test_freed_times_go_first_joined_first_and_an_expired_offer_passes_on(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    anna, boris, vera = (
        practice.user(701, "Анна"),
        practice.user(702, "Борис"),
        practice.user(703, "Вера"),
    )
    for client in (anna, boris, vera):
        await sign_up(client)
    # The card of a therapist with no time: the button is there.
    await anna.send("/start")
    for client in (anna, boris, vera):
        await wait_for(client, 1)
        clock.advance(seconds=1)
    # Nothing is free: nobody hears anything.
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 0
    assert not any(offers_in(client) for client in (anna, boris, vera))

    # A time comes free: offered to the first who joined, and only to her.
    first = await free_a_time(db_sessionmaker, 1)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 1
    [offer] = offers_in(anna)
    assert "до 09:30" in offer.text and "Записаться" in offer.buttons, offer.text
    assert not offers_in(boris) and not offers_in(vera)
    async with db_sessionmaker() as session:
        assert (await session.get(Slot, first.id)).status == SlotStatus.offered
    # While it is offered, nobody else can take it, by any button.
    answer = await vera.tap(SlotPick(slot_id=first.id).pack())
    assert answer.show_alert and "заняли" in (answer.text or ""), answer
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0
    with pytest.raises(bookings.SlotTaken):
        async with db_sessionmaker() as session:
            vera_user = await session.get(User, await user_id(db_sessionmaker, 703))
            await bookings.book(
                session,
                client=vera_user,
                slot_id=first.id,
                format="individual",
                rules=settings.rules(),
                now=clock.now(),
                hold=None,
            )

    # A second time: to the next in line (Anna has an offer open); never two offers of one
    # time at once.
    clock.advance(minutes=10)
    second = await free_a_time(db_sessionmaker, 1, nth=1)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 1
    [boris_offer] = offers_in(boris)
    opened = await open_offers(db_sessionmaker)
    assert [(o.slot_id, o.client_id) for o in opened] == [
        (first.id, await user_id(db_sessionmaker, 701)),
        (second.id, await user_id(db_sessionmaker, 702)),
    ]

    # Anna does not answer: after 30 minutes the time goes to the next one waiting (Vera).
    clock.advance(minutes=21)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 1
    [vera_offer] = offers_in(vera)
    assert [(o.slot_id, o.client_id) for o in await open_offers(db_sessionmaker)] == [
        (second.id, await user_id(db_sessionmaker, 702)),
        (first.id, await user_id(db_sessionmaker, 703)),
    ]
    # Anna's late tap is told kindly, and books nothing.
    answer = await anna.press("Записаться", message=offer)
    assert answer.show_alert and "больше не держится" in (answer.text or "")
    # Vera does not want it: it is free again, and it never comes back to Anna.
    mark = anna.mark()
    await vera.press("Не подходит", message=vera_offer)
    assert "отдам другим" in vera_offer.text, vera_offer.text
    async with db_sessionmaker() as session:
        assert (await session.get(Slot, first.id)).status == SlotStatus.free
    assert not offers_in(anna, mark)

    # Boris books his time in one tap: confirmed, the therapist told, his wait over.
    boris_offer_id = opened[1].id
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])
    await boris.press("Записаться", message=boris_offer)
    assert "Вы записаны" in boris_offer.text, boris_offer.text
    assert any(s.document == "session.ics" or s.document_bytes for s in boris.shown)
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        assert booking.status == BookingStatus.confirmed and booking.slot_id == second.id
        assert (await session.get(Slot, second.id)).status == SlotStatus.booked
    [entry] = await waits(db_sessionmaker, await user_id(db_sessionmaker, 702))
    assert entry.status == WaitStatus.booked
    await outbox_job(practice, settings, db_sessionmaker, clock, translator).run()
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][therapist_seen:]]
    assert any("Борис" in text for text in told), told
    # The admins' /stats: who waits now, and how many offers were booked.
    admin = practice.user(ADMIN_ID, "Админ")
    await admin.send("/stats")
    report = next(s.text for s in reversed(admin.shown) if "Ждут свободного" in s.text)
    assert "Ждут свободного времени сейчас: 2" in report, report
    numbers = next(s.text for s in reversed(admin.shown) if "Показатели" in s.text)
    assert "предложено времён 3, записались 1 (33%)" in numbers, numbers
    # A second tap on the same offer books nothing more.
    answer = await boris.tap(OfferTake(offer_id=boris_offer_id).pack())
    assert answer.show_alert and "больше не держится" in (answer.text or "")
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_a_cancelled_session_goes_to_the_waitlist_and_the_therapist_sees_the_line(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    # Gleb has the last free time; Dina waits.
    gleb, dina = practice.user(711, "Глеб"), practice.user(712, "Дина")
    await sign_up(gleb)
    slot = await free_a_time(db_sessionmaker, 1)
    await book_by_bot(gleb, slot.id)
    await sign_up(dina, Profile(days="Любые дни", time="Любое время"))
    await wait_for(dina, 1, "Ждать месяц")
    therapist = practice.user(THERAPIST_CHAT, "Терапевт")
    await therapist.send("/schedule")
    assert "Ждут, когда у вас освободится время: 1" in therapist.last.text

    # Gleb cancels in the cabinet: the job offers the time to Dina.
    await gleb.send("/my")
    await gleb.press(gleb.last_with_buttons.buttons[0])
    await gleb.press("Отменить")
    await gleb.press("Да, отменить")
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 1
    [offer] = offers_in(dina)
    await dina.press("Записаться", message=offer)
    assert "Вы записаны" in offer.text
    async with db_sessionmaker() as session:
        booking = await session.scalar(
            select(Booking).where(Booking.status == BookingStatus.confirmed)
        )
        assert booking is not None and booking.slot_id == slot.id
    await therapist.send("/schedule")
    assert "Ждут, когда" not in therapist.last.text


async def test_a_wait_ends_on_booking_and_on_erasure_and_the_cabinet_lists_waits(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    await take_all_times(db_sessionmaker, 2)
    elena = practice.user(721, "Елена")
    await sign_up(elena)
    await wait_for(elena, 1)
    await wait_for(elena, 2)
    # The cabinet says whom she waits for, and lets her leave a wait.
    await elena.send("/my")
    cabinet = elena.last_with_buttons
    assert "Ждёте свободного времени" in cabinet.text, cabinet.text
    await elena.press("Ожидание времени (2)", message=cabinet)
    listing = elena.last
    assert listing.text.count("до ") >= 2, listing.text

    # A time of therapist 1 is offered; then she books therapist 2 directly.
    await free_a_time(db_sessionmaker, 1)
    slot_two = await free_a_time(db_sessionmaker, 2)
    clock.advance(seconds=1)
    # Both times free: two waits, two offers (one each).
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 2
    elena_id = await user_id(db_sessionmaker, 721)
    [offer_two] = [o for o in await open_offers(db_sessionmaker) if o.therapist_id == 2]
    async with db_sessionmaker() as session:
        # Therapist 2 frees another time she books herself from the card (not the offer).
        other = await session.scalar(
            select(Slot)
            .where(Slot.therapist_id == 2, Slot.status == SlotStatus.blocked)
            .order_by(Slot.starts_at.desc())
            .limit(1)
        )
        assert other is not None
        other.status = SlotStatus.free
        await session.commit()
        other_id = other.id
    await book_by_bot(elena, other_id)
    # Booking with therapist 2 ends that wait; its open offer is void and its time free.
    entries = {e.therapist_id: e for e in await waits(db_sessionmaker, elena_id)}
    assert entries[2].status == WaitStatus.booked and entries[1].status == WaitStatus.waiting
    async with db_sessionmaker() as session:
        assert (await session.get(WaitlistOffer, offer_two.id)).status == OfferStatus.void
        assert (await session.get(Slot, slot_two.id)).status == SlotStatus.free

    # Erasure: every wait and offer goes, and the time held for her is free again.
    [offer_one] = await open_offers(db_sessionmaker)
    await elena.send("/delete_me")
    await elena.press("Да, удалить")
    assert await waits(db_sessionmaker, elena_id) == []
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(WaitlistOffer)) == 0
        assert (await session.get(Slot, offer_one.slot_id)).status == SlotStatus.free


async def test_no_more_offers_a_day_than_the_cap(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    settings = make_settings(database_url, waitlist_max_offers_per_day=2)
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    # Three therapists who see clients one to one.
    for therapist_id in (1, 2, 4):
        await take_all_times(db_sessionmaker, therapist_id)
    zhanna = practice.user(731, "Жанна")
    await sign_up(zhanna)
    for therapist_id in (1, 2, 4):
        await wait_for(zhanna, therapist_id)
    for therapist_id in (1, 2, 4):
        # The third a few days ahead, still bookable tomorrow.
        later = clock.now() + timedelta(days=3) if therapist_id == 4 else None
        await free_a_time(db_sessionmaker, therapist_id, after=later)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 2
    assert len(offers_in(zhanna)) == 2
    # The offers run out; later the same day: still no third one.
    clock.advance(hours=2)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 0
    # The next day (her calendar day): the next offer comes.
    clock.advance(days=1)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 1
    assert len(offers_in(zhanna)) == 3
    [last] = await open_offers(db_sessionmaker)
    assert last.therapist_id == 4


async def test_an_offered_time_with_payments_is_held_and_invoiced_in_one_tap(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    settings = make_settings(database_url, payment_currency="XTR", stars_per_rub=0.5)
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    await take_all_times(db_sessionmaker, 1)
    ilya = practice.user(741, "Илья")
    await sign_up(ilya)
    await wait_for(ilya, 1)
    await free_a_time(db_sessionmaker, 1)
    assert await run_job(practice, settings, db_sessionmaker, clock, translator) == 1
    [offer] = offers_in(ilya)
    await ilya.press("Записаться", message=offer)
    [invoice] = [s for s in ilya.shown if s.invoice is not None]
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        assert booking.status == BookingStatus.pending_payment
        assert (await session.get(Slot, booking.slot_id)).status == SlotStatus.held
    assert invoice.invoice is not None and invoice.invoice.currency == "XTR"


async def test_forged_and_strangers_waitlist_buttons_are_refused(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    kira, lev = practice.user(751, "Кира"), practice.user(752, "Лев")
    await sign_up(kira)
    await sign_up(lev)
    await wait_for(kira, 1)
    await free_a_time(db_sessionmaker, 1)
    await run_job(practice, settings, db_sessionmaker, clock, translator)
    [offer] = await open_offers(db_sessionmaker)
    # Lev taps Kira's offer: refused, her time stays hers.
    answer = await lev.tap(OfferTake(offer_id=offer.id).pack())
    assert answer.show_alert and "больше не держится" in (answer.text or "")
    [still] = await open_offers(db_sessionmaker)
    assert still.id == offer.id
    # A forged wait length, unknown days, a therapist who does not exist.
    stale = translator.for_language("ru")("stale-button-short")
    answer = await lev.tap("wj:1:weekdays:any:99")
    assert answer.text == stale, answer
    answer = await lev.tap("we:1:sometimes:any")
    assert answer.text and "устар" in answer.text, answer
    answer = await lev.tap(WaitJoin(therapist_id=99_999, days="any", time="any", wait=14).pack())
    assert answer.show_alert and "не принимает" in (answer.text or "")
    assert await waits(db_sessionmaker, await user_id(db_sessionmaker, 752)) == []


async def test_two_jobs_at_once_never_offer_one_time_twice(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    clients = [practice.user(760 + n, f"Клиент{n}") for n in range(4)]
    for client in clients:
        await sign_up(client)
        await wait_for(client, 1)
        clock.advance(seconds=1)
    for nth in range(2):
        await free_a_time(db_sessionmaker, 1, nth=nth)

    async def one_pass() -> list[int]:
        async with db_sessionmaker() as session:
            try:
                return await offers.run(session, rules=settings.rules(), now=clock.now())
            except DBAPIError as error:  # a lost race between writers is a refusal
                if bookings.refused_by_database(error):
                    return []
                raise

    made = await asyncio.gather(one_pass(), one_pass())
    opened = await open_offers(db_sessionmaker)
    assert len(opened) == 2 == sum(len(m) for m in made)
    assert len({o.slot_id for o in opened}) == 2 and len({o.client_id for o in opened}) == 2
    # First joined, first offered: the first two in line.
    first_two = {await user_id(db_sessionmaker, 760), await user_id(db_sessionmaker, 761)}
    assert {o.client_id for o in opened} == first_two


async def test_taking_an_offer_while_it_lapses_gives_the_time_to_exactly_one(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    mila, nik = practice.user(771, "Мила"), practice.user(772, "Ник")
    await sign_up(mila)
    await sign_up(nik)
    await wait_for(mila, 1)
    clock.advance(seconds=1)
    await wait_for(nik, 1)
    await free_a_time(db_sessionmaker, 1)
    await run_job(practice, settings, db_sessionmaker, clock, translator)
    [offer] = await open_offers(db_sessionmaker)
    # The last second of the hold: Mila's tap and the job's expiry race.
    clock.current = offer.expires_at - timedelta(microseconds=1)
    mila_id = await user_id(db_sessionmaker, 771)

    async def take() -> str:
        async with db_sessionmaker() as session:
            client = await session.get(User, mila_id)
            try:
                await offers.take(
                    session,
                    client=client,
                    offer_id=offer.id,
                    format="individual",
                    rules=settings.rules(),
                    now=offer.expires_at - timedelta(microseconds=1),
                )
            except offers.OfferGone:
                return "gone"
            return "booked"

    async def expire() -> list[int]:
        async with db_sessionmaker() as session:
            return await offers.run(session, rules=settings.rules(), now=offer.expires_at)

    taken, _ = await asyncio.gather(take(), expire())
    async with db_sessionmaker() as session:
        slot = await session.get(Slot, offer.slot_id)
        active = list(
            await session.scalars(
                select(Booking).where(
                    Booking.slot_id == offer.slot_id,
                    Booking.status.in_((BookingStatus.confirmed, BookingStatus.pending_payment)),
                )
            )
        )
        open_now = list(
            await session.scalars(
                select(WaitlistOffer).where(
                    WaitlistOffer.slot_id == offer.slot_id,
                    WaitlistOffer.status == OfferStatus.open,
                )
            )
        )
    if taken == "booked":
        # Mila won: the time is hers, and nobody else is offered it.
        assert len(active) == 1 and slot.status == SlotStatus.booked and open_now == []
    else:
        # The expiry won: the time went on to Nik, and Mila has nothing.
        assert active == [] and slot.status == SlotStatus.offered
        assert [o.client_id for o in open_now] == [await user_id(db_sessionmaker, 772)]


async def test_an_offered_time_of_a_confirming_therapist_becomes_a_request(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    async with db_sessionmaker() as session:
        await session.execute(update(Therapist).where(Therapist.id == 1).values(approval="first"))
        await session.commit()
    pavel = practice.user(791, "Павел")
    await sign_up(pavel)
    await wait_for(pavel, 1)
    slot = await free_a_time(db_sessionmaker, 1)
    await run_job(practice, practice_settings, db_sessionmaker, clock, translator)
    [offer] = offers_in(pavel)
    await pavel.press("Записаться", message=offer)
    assert "Запрос отправлен" in offer.text, offer.text
    async with db_sessionmaker() as session:
        request = (await session.scalars(select(BookingRequest))).one()
        assert request.status == "pending" and request.slot_id == slot.id
        assert (await session.get(Slot, slot.id)).status == SlotStatus.requested
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0
    cards = [s for s in practice.telegram.chats[THERAPIST_CHAT] if "Запрос на запись" in s.text]
    assert len(cards) == 1 and "Павел" in cards[0].text


async def test_inactive_therapist_cannot_be_waited_for(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    olga = practice.user(781, "Ольга")
    await sign_up(olga)
    # Nor one who does not see clients in her format (couples only), by a forged button.
    answer = await olga.tap(WaitJoin(therapist_id=3, days="any", time="any", wait=14).pack())
    assert answer.show_alert and "не принимает" in (answer.text or "")
    assert await waits(db_sessionmaker, await user_id(db_sessionmaker, 781)) == []
    async with db_sessionmaker() as session:
        await session.execute(update(Therapist).where(Therapist.id == 1).values(active=False))
        await session.commit()
    answer = await olga.tap(WaitFor(therapist_id=1).pack())
    assert answer.show_alert and "не принимает" in (answer.text or "")


async def test_a_client_who_blocked_the_bot_holds_no_offered_time(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    """Anna waits first but has blocked the bot: the offer to her cannot be delivered, so
    its time goes to the next in line at once, and she gets no more offers."""
    settings = practice_settings
    anna, boris = practice.user(711, "Анна"), practice.user(712, "Борис")
    for client in (anna, boris):
        await sign_up(client)
        await wait_for(client, 1)
        clock.advance(seconds=1)
    practice.telegram.blocked.add(711)

    async def blocked(chat_id: int) -> None:
        async with db_sessionmaker() as session:
            await users.mark_blocked(session, chat_id, clock.now())

    outgoing = Outgoing(practice.bot, settings, blocked)
    job = outbox_job(practice, settings, db_sessionmaker, clock, translator, outgoing)

    async def run() -> int:
        return await offer_freed_times(
            sessionmaker=db_sessionmaker,
            settings=settings,
            rules=settings.rules(),
            clock=clock,
            outbox=job,
        )

    freed = await free_a_time(db_sessionmaker, 1)
    assert await run() == 1  # to Anna, who cannot hear of it
    async with db_sessionmaker() as session:
        anna_user = await session.get(User, await user_id(db_sessionmaker, 711))
        assert anna_user is not None and anna_user.blocked_bot_at is not None
        # Her offer is void and the time free again at once, not held for half an hour.
        assert (await session.get(Slot, freed.id)).status == SlotStatus.free
    assert await open_offers(db_sessionmaker) == []
    assert await run() == 1
    [offer] = offers_in(boris)
    assert "Записаться" in offer.buttons, offer.text
    opened = await open_offers(db_sessionmaker)
    assert [(o.slot_id, o.client_id) for o in opened] == [
        (freed.id, await user_id(db_sessionmaker, 712))
    ]
    # Another time while Boris's offer is open: not offered to Anna, who has the bot
    # blocked.
    clock.advance(minutes=5)
    await free_a_time(db_sessionmaker, 1, nth=1)
    assert await run() == 0
