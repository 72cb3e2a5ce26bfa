"""Admins run the catalogue: /therapists (card, edits, photo, active, invite),
/add_therapist, /invite, /topics and /slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import Document, Message, PhotoSize
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import users
from db.demo import load_demo
from db.models import AuditEntry, Slot, SlotStatus, Therapist, TherapistInvite, Topic
from handlers.admin.slots import BadTime, parse_local
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness, TgUser

Sessions = async_sessionmaker[AsyncSession]
MB = 1024 * 1024


@pytest.fixture
async def demo(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


@pytest.fixture
def admin(harness: Harness, demo: None) -> TgUser:
    return harness.user(ADMIN_ID, "Админ")


async def send_photo(person: TgUser, file_id: str, size: int) -> None:
    photo = [
        PhotoSize(file_id=f"{file_id}-small", file_unique_id="s", width=90, height=90),
        PhotoSize(file_id=file_id, file_unique_id="l", width=1280, height=1280, file_size=size),
    ]
    message = Message(
        message_id=person.harness.next_id(),
        date=datetime.now(UTC),
        chat=person.chat,
        from_user=person.user,
        photo=photo,
    )
    await person.harness.feed(message=message)


async def send_file(person: TgUser) -> None:
    document = Document(file_id="doc", file_unique_id="d", file_name="photo.jpg")
    message = Message(
        message_id=person.harness.next_id(),
        date=datetime.now(UTC),
        chat=person.chat,
        from_user=person.user,
        document=document,
    )
    await person.harness.feed(message=message)


async def therapist(sessions: Sessions, therapist_id: int) -> Therapist:
    async with sessions() as session:
        found = await session.get(Therapist, therapist_id)
        assert found is not None
        return found


async def actions(sessions: Sessions) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        )
        return [(action, target) for action, target in rows.all()]


# -- /therapists -------------------------------------------------------------------------


async def test_list_pages_and_card_shows_every_field(admin: TgUser) -> None:
    await admin.send("/therapists")
    listing = admin.last
    assert "Терапевты: 12 · страница 1 из 2" in listing.text
    assert listing.buttons[0].startswith("✅ #1 ")
    assert sum(1 for b in listing.buttons if "#" in b) == 8
    await admin.press("▶", message=listing)
    assert "страница 2 из 2" in listing.text
    assert [b for b in listing.buttons if "#" in b][-1].startswith("✅ #12 ")
    await admin.press("◀", message=listing)
    await admin.press("#1 ", message=listing)
    card = listing  # the same message, now the card
    for label in (
        "Имя (рус): Анна Смирнова",
        "Имя (англ): Anna Smirnova",
        "Пол: Женщина",
        "Форматы: Индивидуально",
        "Темы: Тревога",
        "Цена: 3 500 ₽",
        "Длительность: 50 мин",
        "Часовой пояс: Europe/Moscow",
        "О себе (рус):",
        "О себе (англ):",
        "Образование (рус):",
        "Образование (англ):",
        "Фото: есть",
        "Ссылка на встречу: —",
        "Telegram не привязан",
    ):
        assert label in card.text, label
    for button in ("✏️ Цена", "✏️ Фото", "✏️ Темы", "Скрыть от клиентов", "Слоты", "Записи"):
        assert any(button in b for b in card.buttons), button
    await admin.press("К списку", message=card)
    assert "Терапевты: 12" in card.text


async def test_edit_fields_with_validation(
    admin: TgUser, harness: Harness, db_sessionmaker: Sessions
) -> None:
    await admin.send("/therapists")
    await admin.press("#1 ")

    await admin.press("✏️ Цена")
    assert "Цена сейчас: 3 500 ₽" in admin.last.text
    for wrong in ("abc", "0", "-5", "99999999", "35.5"):
        await admin.send(wrong)
        assert "Цена — целое число рублей" in admin.last.text, wrong
    assert (await therapist(db_sessionmaker, 1)).price == 3500
    await admin.send("4 200")
    assert "Сохранено: Цена" in admin.shown[-2].text
    assert "Цена: 4 200 ₽" in admin.last.text
    assert (await therapist(db_sessionmaker, 1)).price == 4200

    await admin.press("✏️ Пол")
    await admin.send("male")
    assert "нужно выбрать кнопку" in admin.last.text
    await admin.press("Мужчина")
    assert (await therapist(db_sessionmaker, 1)).gender == "male"

    await admin.press("✏️ Форматы")
    await admin.press("Индивидуально и пары")
    saved = await therapist(db_sessionmaker, 1)
    assert saved.offers_individual and saved.offers_couple

    await admin.press("✏️ Темы")
    await admin.press("Тревога")  # was chosen: now off
    await admin.press("Выгорание")
    await admin.press("Готово")
    codes = {topic.code for topic in (await therapist(db_sessionmaker, 1)).topics}
    assert "anxiety" not in codes and "burnout" in codes and "sleep" in codes

    await admin.press("✏️ Часовой пояс")
    await admin.send("Mars/Olympus")
    assert "Такого часового пояса нет" in admin.last.text
    await admin.send("+5")
    assert (await therapist(db_sessionmaker, 1)).timezone == "UTC+05:00"

    await admin.press("✏️ О себе (англ)")
    await admin.send("x" * 2001)
    assert "Слишком длинно: 2\xa0001 символ," in admin.last.text
    await admin.send("Calm and practical.")
    assert (await therapist(db_sessionmaker, 1)).about_en == "Calm and practical."

    await admin.press("✏️ Ссылка на встречу")
    await admin.send("zoom.us/j/1")
    assert "https://" in admin.last.text
    await admin.send("https://zoom.example/j/123")
    assert (await therapist(db_sessionmaker, 1)).meeting_link == "https://zoom.example/j/123"
    await admin.press("✏️ Ссылка на встречу")
    await admin.press("Оставить пустым")
    assert (await therapist(db_sessionmaker, 1)).meeting_link is None

    edits = [a for a in await actions(db_sessionmaker) if a[0].startswith("therapist.")]
    assert len(edits) == 8
    assert all(target == "therapist:1" for _, target in edits)


async def test_new_photo_replaces_the_portrait(
    admin: TgUser, harness: Harness, db_sessionmaker: Sessions
) -> None:
    await admin.send("/therapists")
    await admin.press("#1 ")
    await admin.press("✏️ Фото")
    assert any(m.photo and "Текущее фото" in m.text for m in admin.shown)
    await admin.send("вот")
    assert "нужно фото" in admin.last.text
    await send_file(admin)
    assert "Это файл, а нужно фото" in admin.last.text
    await send_photo(admin, "huge", 6 * MB)
    assert "Фото слишком большое: 6.0 МБ" in admin.last.text
    assert (await therapist(db_sessionmaker, 1)).photo_file_id != "huge"
    await send_photo(admin, "portrait-new", 2 * MB)
    saved = await therapist(db_sessionmaker, 1)
    assert saved.photo_file_id == "portrait-new" and saved.photo_path is None
    assert ("therapist.photo", "therapist:1") in await actions(db_sessionmaker)


async def test_hide_and_show_a_therapist(admin: TgUser, db_sessionmaker: Sessions) -> None:
    await admin.send("/therapists")
    await admin.press("#3 ")
    card = admin.last
    hide_button = card
    hide = card.button("Скрыть").callback_data
    answer = await admin.press("Скрыть", message=card)
    assert "скрыт" in (answer.text or "")
    assert not (await therapist(db_sessionmaker, 3)).active
    assert "⏸ скрыт" in card.text
    # A second tap on the old button asks for the same state: nothing flips back.
    await admin.tap(hide, hide_button)
    assert not (await therapist(db_sessionmaker, 3)).active
    await admin.press("Показывать клиентам", message=card)
    assert (await therapist(db_sessionmaker, 3)).active
    assert await actions(db_sessionmaker) == [
        ("therapist.deactivate", "therapist:3"),
        ("therapist.activate", "therapist:3"),
    ]


# -- invites -----------------------------------------------------------------------------


async def test_invite_links(admin: TgUser, db_sessionmaker: Sessions, clock: ManualClock) -> None:
    await admin.send("/therapists")
    await admin.press("#2 ")
    await admin.press("Ссылка-приглашение")
    text = admin.last.text
    assert "https://t.me/terapia_test_bot?start=" in text
    code = text.split("?start=")[1].split()[0]
    await admin.send("/invite 4")
    second = admin.last.text.split("?start=")[1].split()[0]
    async with db_sessionmaker() as session:
        invites = {i.code: i for i in await session.scalars(select(TherapistInvite))}
    assert set(invites) == {code, second}
    assert invites[code].therapist_id == 2 and invites[second].therapist_id == 4
    assert invites[code].expires_at == clock.now() + timedelta(days=7)
    assert invites[code].created_by == ADMIN_ID and invites[code].used_at is None
    assert 16 <= len(code) <= 64  # fits Telegram's start parameter

    await admin.send("/invite 999")
    assert "Терапевта #999 нет" in admin.last.text
    await admin.send("/invite")
    assert "/invite 5" in admin.last.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(TherapistInvite.code))) == 2
        details = [e.details for e in await session.scalars(select(AuditEntry))]
    assert all(code not in str(d) and second not in str(d) for d in details)


# -- /add_therapist ----------------------------------------------------------------------


async def test_add_therapist_dialog_validates_every_step(
    admin: TgUser, db_sessionmaker: Sessions
) -> None:
    await admin.send("/add_therapist")
    assert "шаг 1 из 14" in admin.last.text
    await admin.send("   ")
    assert "Пустой ответ не подходит" in admin.last.text
    await admin.send("Ирина  Котова")
    await admin.send("Irina Kotova")
    assert "шаг 3 из 14" in admin.last.text
    await admin.send("female")
    assert "нужно выбрать кнопку" in admin.last.text
    await admin.press("Женщина")
    await admin.press("Индивидуально и пары")
    answer = await admin.press("Готово")
    assert "хотя бы одну тему" in (answer.text or "")
    await admin.press("Тревога")
    await admin.press("Сон")
    await admin.press("Готово (2)")
    assert "шаг 6 из 14" in admin.last.text
    await admin.send("abc")
    assert "Цена — целое число рублей" in admin.last.text
    await admin.send("4500")
    await admin.send("10")
    assert "от 15 до 240" in admin.last.text
    await admin.send("55")
    await admin.send("Europe/Atlantis")
    assert "Такого часового пояса нет" in admin.last.text
    await admin.press("Yekaterinburg")
    assert "шаг 9 из 14" in admin.last.text
    await admin.send("О себе " * 400)
    assert "Слишком длинно" in admin.last.text
    await admin.send("Работаю с тревогой и сном.")
    await admin.send("I work with anxiety and sleep.")
    await admin.press("Оставить пустым")  # education in Russian
    await admin.send("MSU, psychology.")
    assert "шаг 13 из 14" in admin.last.text
    await send_photo(admin, "too-big", 5 * MB + 1)
    assert "Фото слишком большое" in admin.last.text
    await send_photo(admin, "irina-photo", 300_000)
    assert "шаг 14 из 14" in admin.last.text
    await admin.send("ftp://meet")
    assert "https://" in admin.last.text
    await admin.send("https://meet.example/irina")

    summary = admin.last
    for expected in (
        "Проверьте нового терапевта",
        "Ирина Котова",
        "Irina Kotova",
        "Женщина",
        "Индивидуально и пары",
        "Тревога, Сон",
        "4 500 ₽",
        "55 мин",
        "Asia/Yekaterinburg",
        "Фото: есть",
        "https://meet.example/irina",
    ):
        assert expected in summary.text, expected
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Therapist.id))) == 12
    await admin.press("Сохранить", message=summary)

    async with db_sessionmaker() as session:
        added = await session.scalar(select(Therapist).where(Therapist.name_en == "Irina Kotova"))
    assert added is not None
    assert (added.name_ru, added.gender, added.price, added.session_minutes) == (
        "Ирина Котова",
        "female",
        4500,
        55,
    )
    assert added.offers_individual and added.offers_couple and added.active
    assert added.timezone == "Asia/Yekaterinburg"
    assert {topic.code for topic in added.topics} == {"anxiety", "sleep"}
    assert (added.about_ru, added.about_en) == (
        "Работаю с тревогой и сном.",
        "I work with anxiety and sleep.",
    )
    assert (added.education_ru, added.education_en) == ("", "MSU, psychology.")
    assert added.photo_file_id == "irina-photo"
    assert added.meeting_link == "https://meet.example/irina"
    assert f"Терапевт #{added.id} добавлен" in summary.text
    assert f"#{added.id} Ирина Котова" in admin.last.text  # its card
    assert ("therapist.create", f"therapist:{added.id}") in await actions(db_sessionmaker)
    # A second tap on Save creates nothing more.
    answer = await admin.tap("adch:save", summary)
    assert "устарела" in (answer.text or "")
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Therapist.id))) == 13


async def test_add_therapist_can_be_cancelled_at_any_step(
    admin: TgUser, db_sessionmaker: Sessions
) -> None:
    await admin.send("/add_therapist")
    await admin.send("Пётр Орлов")
    await admin.press("Отмена")
    assert "Отменено" in admin.last.text
    await admin.send("Peter Orlov")  # no dialog now: an ordinary message
    assert "шаг" not in admin.last.text

    await admin.send("/add_therapist")
    await admin.send("Пётр Орлов")
    await admin.send("Peter Orlov")
    await admin.press("Мужчина")
    await admin.send("/cancel")
    assert "Отменено" in admin.last.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Therapist.id))) == 12
    assert await actions(db_sessionmaker) == []


# -- /topics -----------------------------------------------------------------------------


async def test_topics_add_rename_hide(admin: TgUser, db_sessionmaker: Sessions) -> None:
    await admin.send("/topics")
    assert "Темы: 16" in admin.last.text
    await admin.press("Добавить тему")
    await admin.send("ТРЕВОГА")  # the same name in other letter case
    assert "уже есть" in admin.last.text
    await admin.send("Созависимость " * 6)
    assert "от 1 до 64" in admin.last.text
    await admin.send("Созависимость")
    await admin.send("Codependency")
    assert "Тема сохранена" in admin.shown[-2].text
    card = admin.last
    assert "codependency" in card.text
    async with db_sessionmaker() as session:
        topic = await session.scalar(select(Topic).where(Topic.code == "codependency"))
        assert topic is not None and not topic.hidden
        assert topic.position > 15
        assert "codependency" in {t.code for t in await users.visible_topics(session)}

    await admin.press("По-русски", message=card)
    assert "Созависимость" in admin.last.text
    await admin.send("Созависимые отношения")
    await admin.press("Скрыть")
    async with db_sessionmaker() as session:
        topic = await session.scalar(select(Topic).where(Topic.code == "codependency"))
        assert topic is not None and topic.hidden and topic.name_ru == "Созависимые отношения"
        assert "codependency" not in {t.code for t in await users.visible_topics(session)}
    await admin.press("Показать")
    await admin.press("Все темы")
    assert "Темы: 17" in admin.last.text
    assert [action for action, _ in await actions(db_sessionmaker)] == [
        "topic.create",
        "topic.rename",
        "topic.hide",
        "topic.show",
    ]


# -- /slots ------------------------------------------------------------------------------


async def slot_at(sessions: Sessions, therapist_id: int, starts_at: datetime) -> Slot | None:
    async with sessions() as session:
        return await session.scalar(
            select(Slot).where(Slot.therapist_id == therapist_id, Slot.starts_at == starts_at)
        )


async def test_slots_list_add_and_block(
    admin: TgUser, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    await admin.send("/slots")
    assert "/slots 5" in admin.last.text
    await admin.send("/slots 999")
    assert "Терапевта #999 нет" in admin.last.text
    await admin.send("/slots 1")
    overview = admin.last
    assert "Слоты #1 Анна Смирнова на 14 дней, время Europe/Moscow" in overview.text
    assert "Пн 7 дек: 18:00🟢" in overview.text

    await admin.press("Добавить слот", message=overview)
    assert "Europe/Moscow" in admin.last.text and "там сейчас 2026-12-07 09:00" in admin.last.text
    for typed, error in (
        ("завтра в три", "Не получилось прочитать"),
        ("2026-02-30 10:00", "Не получилось прочитать"),
        ("2026-12-07 08:00", "уже прошло"),
        ("2028-12-07 10:00", "не дальше чем на год"),
        ("07.12.2026 18:20", "пересекается"),  # the demo slot 18:00-18:50
    ):
        await admin.send(typed)
        assert error in admin.last.text, typed
    await admin.send("2026-12-07 13:00")
    assert "Слот добавлен: Пн 7 дек, 13:00" in admin.shown[-2].text
    new = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    added = await slot_at(db_sessionmaker, 1, new)
    assert added is not None and added.status == SlotStatus.free
    assert added.ends_at == new + timedelta(minutes=50)

    overview = admin.last
    await admin.press("Пн 7 дек", message=overview)
    day = overview
    assert "13:00" in " ".join(day.buttons)
    old_block = day.button("🟢 13:00").callback_data
    await admin.press("🟢 13:00", message=day)
    assert (await slot_at(db_sessionmaker, 1, new)).status == SlotStatus.blocked  # type: ignore[union-attr]
    answer = await admin.tap(old_block, day)  # blocking again: it is not free any more
    assert "изменился" in (answer.text or "")
    await admin.press("🔒 13:00", message=day)
    assert (await slot_at(db_sessionmaker, 1, new)).status == SlotStatus.free  # type: ignore[union-attr]

    booked = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
    async with db_sessionmaker() as session:
        await session.execute(
            update(Slot)
            .where(Slot.therapist_id == 1, Slot.starts_at == booked)
            .values(status=SlotStatus.booked)
        )
        await session.commit()
    await admin.press("Все дни", message=day)
    await admin.press("Пн 7 дек", message=day)
    answer = await admin.press("📌 18:00", message=day)
    assert "занят записью" in (answer.text or "")
    assert (await slot_at(db_sessionmaker, 1, booked)).status == SlotStatus.booked  # type: ignore[union-attr]
    assert [a for a, _ in await actions(db_sessionmaker)] == [
        "slot.create",
        "slot.block",
        "slot.unblock",
    ]


def test_typed_slot_times_in_a_zone() -> None:
    moscow = parse_local("2026-12-08 15:00", "Europe/Moscow")
    assert moscow.astimezone(UTC) == datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    assert parse_local("08.12.2026 15:00", "UTC+05:00").astimezone(UTC).hour == 10
    # Clocks in Berlin jump from 02:00 to 03:00 on 28 March 2027.
    with pytest.raises(BadTime) as gap:
        parse_local("2027-03-28 02:30", "Europe/Berlin")
    assert gap.value.key == "adm-slot-invalid-time"
    # 02:30 on 31 October 2027 happens twice there: the first one is taken.
    twice = parse_local("2027-10-31 02:30", "Europe/Berlin")
    assert twice.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
