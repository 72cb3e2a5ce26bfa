"""Sign-up with consent and the questionnaire, as a client sees it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from bot.logs import configure_logging
from db.models import FsmRecord, FunnelEvent, Questionnaire, User
from tests.fake_telegram import Harness
from tests.flows import Profile, answer_questionnaire, consent, sign_up, to_questions

Sessions = async_sessionmaker[AsyncSession]


async def count(sessions: Sessions, model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def the_user(sessions: Sessions, telegram_id: int) -> User | None:
    async with sessions() as session:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def test_full_signup_saves_answers(harness: Harness, db_sessionmaker: Sessions) -> None:
    anna = harness.user(101, "Анна")
    await anna.send("/start")
    assert "психотерапевта" in anna.shown[0].text
    assert "/delete_me" in anna.last.text and "сведения о здоровье" in anna.last.text
    assert anna.last.buttons == ["Согласен(на)", "Не согласен(на)"]

    await anna.press("Согласен")
    # Telegram's name is taken (no step for it), the e-mail is not asked for.
    assert "Буду обращаться к вам «Анна»" in anna.last.text
    assert "Вопрос 1 из 8" in anna.last.text
    await answer_questionnaire(
        anna,
        Profile(
            age="34",
            therapy_before="Нет",
            format="Парная",
            topics=["Отношения", "Семья"],
            gender="Женщина",
            days="Выходные",
            time="Вечер",
            budget="до 4 000 ₽",
        ),
    )
    assert "Анна" in anna.last.text and "не указан" in anna.last.text
    # Both can be changed from the summary.
    await anna.press("Имя")
    assert "Как к вам обращаться" in anna.last.text
    await anna.send("Аня")
    await anna.press("E-mail")
    assert "e-mail" in anna.last.text
    await anna.send("anya@example.com")
    summary = anna.last.text
    for expected in ("Аня", "anya@example.com", "34", "Нет", "Парная", "Отношения", "Семья"):
        assert expected in summary
    assert "Женщина" in summary and "Выходные" in summary and "до 4 000 ₽" in summary
    assert "Europe/Moscow" in summary

    mark = anna.mark()
    await anna.press("Всё верно")
    # Straight to what the answers were for: the matches (none in an empty catalogue).
    assert any("анкета сохранена" in text for text in anna.texts_since(mark))
    await anna.send("/start")
    assert "Найти терапевта" in anna.last.buttons[0]

    async with db_sessionmaker() as session:
        user = await session.scalar(select(User).where(User.telegram_id == 101))
        assert user is not None and user.first_name == "Аня" and user.email == "anya@example.com"
        assert user.consent_at is not None and user.language == "ru"
        answers = await session.get(Questionnaire, user.id)
        assert answers is not None
        assert (answers.age, answers.therapy_before, answers.format) == (34, False, "couple")
        assert answers.topics == ["relationships", "family"]
        assert (answers.gender_preference, answers.days, answers.time_of_day) == (
            "female",
            "weekends",
            "evening",
        )
        assert answers.budget == 4000
        kinds = sorted((await session.scalars(select(FunnelEvent.kind))).all())
        assert kinds == ["consent", "questionnaire", "start"]


async def test_decline_stores_nothing(harness: Harness, db_sessionmaker: Sessions) -> None:
    boris = harness.user(102, "Борис")
    await boris.send("/start")
    await boris.press("Не согласен")
    assert "ничего не сохранил" in boris.last.text and "/start" in boris.last.text
    assert await count(db_sessionmaker, User) == 0
    assert await count(db_sessionmaker, Questionnaire) == 0
    async with db_sessionmaker() as session:
        records = (await session.scalars(select(FsmRecord))).all()
        assert all(record.state is None and not record.data for record in records)
    # Coming back later starts over with consent.
    await boris.send("/start")
    assert "Вы согласны" in boris.last.text


async def test_returning_client_gets_menu(harness: Harness) -> None:
    vera = harness.user(103, "Вера")
    await sign_up(vera)
    await vera.send("/start")
    assert "Главное меню" in vera.last.text
    assert "Вы согласны" not in vera.last.text


async def test_name_validation(harness: Harness, db_sessionmaker: Sessions) -> None:
    gleb = harness.user(104, "\u200b")  # nothing visible in Telegram's name: it is asked
    await consent(gleb)
    assert "Как к вам обращаться" in gleb.last.text and not gleb.last.buttons
    await gleb.send("x" * 65)
    assert "от 1 до 64" in gleb.last.text and "Как к вам обращаться" in gleb.last.text
    await gleb.send("я" * 5000)
    assert "от 1 до 64" in gleb.last.text
    await gleb.send("   ")
    assert "от 1 до 64" in gleb.last.text
    await gleb.send("<b>Глеб</b> & Co")
    assert "Вопрос 1 из 8" in gleb.last.text
    user = await the_user(db_sessionmaker, 104)
    assert user is not None and user.first_name == "<b>Глеб</b> & Co"
    # Back from the first question returns to the name.
    await gleb.press("Назад")
    assert "Как к вам обращаться" in gleb.last.text


async def test_telegram_name_offered_when_going_back(harness: Harness) -> None:
    glafira = harness.user(122, "Tom & Jerry")
    await consent(glafira)
    await glafira.press("Назад")
    assert "Как к вам обращаться" in glafira.last.text
    # Labels are plain text: the name reads as typed, not HTML-escaped.
    assert "Да, Tom & Jerry" in glafira.last.buttons
    await glafira.press("Да, Tom & Jerry")
    assert "Вопрос 1 из 8" in glafira.last.text


async def test_email_validation_and_skip(harness: Harness, db_sessionmaker: Sessions) -> None:
    dina = harness.user(105, "Дина")
    await to_questions(dina)
    await answer_questionnaire(dina, Profile())
    await dina.press("E-mail")
    await dina.send("dina.example.com")
    assert "name@example.com" in dina.last.text and "Пропустить" in dina.last.buttons
    await dina.send("dina@localhost")
    assert "name@example.com" in dina.last.text
    await dina.press("Пропустить")
    assert "Проверьте ответы" in dina.last.text and "не указан" in dina.last.text
    user = await the_user(db_sessionmaker, 105)
    assert user is not None and user.email is None and user.first_name == "Дина"


@pytest.mark.parametrize("typed", ["abc", "-5", "300", "0", "25.5"])
async def test_age_rejects_nonsense(harness: Harness, typed: str) -> None:
    egor = harness.user(106, "Егор")
    await to_questions(egor)
    before = egor.mark()
    await egor.send(typed)
    reply = egor.last.text
    assert "Вопрос 1 из 8" in reply and "Сколько вам лет" in reply
    assert "числом" in reply
    assert egor.mark() == before + 1
    await egor.send("41")
    assert "Вопрос 2 из 8" in egor.last.text


async def test_under_age_is_told_kindly_and_nothing_is_kept(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    zhenya = harness.user(107, "Женя")
    await consent(zhenya)
    await zhenya.send("15")
    text = zhenya.last.text
    assert "только со взрослыми" in text and "8-800-2000-122" in text and "124" in text
    assert await the_user(db_sessionmaker, 107) is None
    async with db_sessionmaker() as session:
        leftovers = await session.scalars(
            select(User).where((User.email == "zhenya@example.com") | (User.first_name == "Женя"))
        )
        assert leftovers.all() == []
    assert await count(db_sessionmaker, Questionnaire) == 0


async def test_back_on_every_question(harness: Harness) -> None:
    zoya = harness.user(108, "Зоя")
    await to_questions(zoya)
    await zoya.send("29")
    questions = ["Вопрос 2", "Вопрос 3", "Вопрос 4", "Вопрос 5", "Вопрос 6", "Вопрос 7"]
    answers = ["Да", "Индивидуальная", None, "Мужчина", "Будни", "Утро"]
    for question, answer in zip(questions, answers, strict=True):
        assert question in zoya.last.text
        if answer is None:
            await zoya.press("Стресс")
            await zoya.press("Готово")
        else:
            await zoya.press(answer)
    assert "Вопрос 8" in zoya.last.text
    for number in range(8, 1, -1):
        assert f"Вопрос {number} из 8" in zoya.last.text
        await zoya.press("Назад")
    assert "Вопрос 1 из 8" in zoya.last.text
    await zoya.press("Назад")
    assert "Как к вам обращаться" in zoya.last.text
    # Earlier answers survive going back: the topics keep their check mark.
    await zoya.press("Да, Зоя")
    await zoya.send("29")
    await zoya.press("Да")
    await zoya.press("Индивидуальная")
    assert "✅ Стресс" in zoya.last.buttons


async def test_topics_need_at_least_one_and_toggle(harness: Harness) -> None:
    ira = harness.user(109, "Ира")
    await to_questions(ira)
    await ira.send("33")
    await ira.press("Да")
    await ira.press("Индивидуальная")
    answer = await ira.press("Готово")
    assert answer.text and "хотя бы одну" in answer.text and answer.show_alert
    assert "Вопрос 4" in ira.last.text
    await ira.press("Тревога")
    assert "✅ Тревога" in ira.last.buttons
    await ira.press("Тревога")
    assert "✅ Тревога" not in ira.last.buttons and "Тревога" in ira.last.buttons
    await ira.press("Сон")
    await ira.press("Готово (1)")
    assert "Вопрос 5" in ira.last.text


async def test_text_where_a_button_is_expected_reshows_buttons(harness: Harness) -> None:
    kira = harness.user(110, "Кира")
    await to_questions(kira)
    await kira.send("30")
    await kira.send("да, бывал")
    assert "кнопкой" in kira.last.text and "Вопрос 2" in kira.last.text
    assert kira.last.buttons[:2] == ["Да", "Нет"]
    await kira.press("Да")
    assert "Вопрос 3" in kira.last.text


async def test_consent_buttons_reshown_for_text(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    lev = harness.user(111, "Лев")
    await lev.send("/start")
    await lev.send("привет")
    assert "кнопкой" in lev.last.text and "Согласен(на)" in lev.last.buttons
    await lev.send_sticker()
    assert "Согласен(на)" in lev.last.buttons
    assert await count(db_sessionmaker, User) == 0


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document"])
async def test_non_text_messages_anywhere(harness: Harness, kind: str) -> None:
    mila = harness.user(112, "\u200b")  # asked for a name first
    await consent(mila)
    send = getattr(mila, f"send_{kind}")
    await send()
    assert "текстовый ответ" in mila.last.text and "Как к вам обращаться" in mila.last.text
    await mila.send("Мила")
    await send()
    assert "текстовый ответ" in mila.last.text and "Вопрос 1" in mila.last.text
    await mila.send("30")
    await send()
    assert "кнопкой" in mila.last.text and "Вопрос 2" in mila.last.text


async def test_huge_text_is_answered_politely(harness: Harness) -> None:
    nina = harness.user(113, "Нина")
    await sign_up(nina)
    await nina.send("а" * 5000)
    assert "не понял" in nina.last.text and "Главное меню" in nina.last.text


async def test_old_button_after_moving_on(harness: Harness, db_sessionmaker: Sessions) -> None:
    oleg = harness.user(114, "Олег")
    await consent(oleg)
    await oleg.press("Назад")
    name_screen = oleg.last
    await oleg.send("Олежек")
    await oleg.send("45")
    # The name screen still shows Telegram's name; it belongs to a step already answered.
    answer = await oleg.press("Да, Олег", message=name_screen)
    assert answer.text and "устарела" in answer.text
    assert "Вопрос 2" in oleg.last.text
    user = await the_user(db_sessionmaker, 114)
    assert user is not None and user.first_name == "Олежек"


async def test_forged_callback_data(harness: Harness, db_sessionmaker: Sessions) -> None:
    pavel = harness.user(115, "Павел")
    await to_questions(pavel)
    await pavel.send("30")
    for forged in [
        "qa:therapy_before:maybe",
        "qa:nonsense:1",
        "qa",
        "zzz:1:2",
        "qe:summary",
        "x" * 64,
    ]:
        answer = await pavel.tap(forged)
        assert answer.text, forged
    assert "Вопрос 2" in pavel.last.text
    await pavel.press("Да")
    assert "Вопрос 3" in pavel.last.text
    async with db_sessionmaker() as session:
        record = (await session.scalars(select(FsmRecord))).one()
        assert record.data["questionnaire"]["answers"] == {"age": 30, "therapy_before": "yes"}


async def test_double_tap_counts_once(harness: Harness) -> None:
    rita = harness.user(116, "Рита")
    await to_questions(rita)
    await rita.send("30")
    screen = rita.last
    data = screen.button("Да").callback_data
    first = await rita.tap(data, screen)
    second = await rita.tap(data, screen)
    assert first.text is None
    assert second.text and "Уже принято" in second.text
    assert "Вопрос 3" in rita.last.text


async def test_concurrent_double_tap(harness: Harness) -> None:
    import asyncio

    sasha = harness.user(117, "Саша")
    await to_questions(sasha)
    await sasha.send("30")
    screen = sasha.last
    data = screen.button("Да").callback_data
    answers = await asyncio.gather(sasha.tap(data, screen), sasha.tap(data, screen))
    assert sorted(bool(answer.text) for answer in answers) == [False, True]
    assert "Вопрос 3" in sasha.last.text
    assert sum("Вопрос 3" in text for text in sasha.texts_since(0)) == 1


async def test_restart_resumes_at_the_same_step(
    harness: Harness, db_sessionmaker: Sessions, settings, clock, translator
) -> None:
    tanya = harness.user(118, "Таня")
    await to_questions(tanya)
    await tanya.send("27")
    await tanya.press("Нет")
    await tanya.press("Индивидуальная")
    await tanya.press("Выгорание")
    topics_screen = tanya.last

    # A new dispatcher on the same database: as after a restart.
    harness.dispatcher = create_dispatcher(
        settings, db_sessionmaker, clock=clock, translator=translator
    )
    await tanya.press("Стресс", message=topics_screen)
    assert "✅ Выгорание" in tanya.last.buttons and "✅ Стресс" in tanya.last.buttons
    await tanya.press("Готово")
    assert "Вопрос 5" in tanya.last.text
    harness.dispatcher = create_dispatcher(
        settings, db_sessionmaker, clock=clock, translator=translator
    )
    await tanya.send("/start")
    assert "Вопрос 5" in tanya.last.text
    await tanya.press("Не важно")
    await tanya.press("Будни")
    await tanya.press("Утро")
    await tanya.press("до 2 500 ₽")
    assert "Выгорание, Стресс" in tanya.last.text
    await tanya.press("Всё верно")
    async with db_sessionmaker() as session:
        answers = (await session.scalars(select(Questionnaire))).one()
        assert answers.topics == ["burnout", "stress"] and answers.budget == 2500


async def test_summary_edit_returns_to_summary(harness: Harness, db_sessionmaker: Sessions) -> None:
    uma = harness.user(119, "Ума")
    await to_questions(uma)
    await answer_questionnaire(uma, Profile())
    await uma.press("Возраст")
    assert "Сколько вам лет" in uma.last.text
    await uma.send("52")
    assert "Проверьте ответы" in uma.last.text and "52" in uma.last.text
    await uma.press("Пол терапевта")
    await uma.press("Мужчина")
    assert "Проверьте ответы" in uma.last.text and "Мужчина" in uma.last.text
    await uma.press("E-mail")
    await uma.send("uma@example.com")
    assert "uma@example.com" in uma.last.text
    await uma.press("Всё верно")
    async with db_sessionmaker() as session:
        answers = (await session.scalars(select(Questionnaire))).one()
        assert answers.age == 52 and answers.gender_preference == "male"


async def test_answers_editable_later_from_settings(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    fedor = harness.user(120, "Фёдор")
    await sign_up(fedor)
    await fedor.press("Настройки")
    await fedor.press("Изменить анкету")
    assert "Проверьте ответы" in fedor.last.text and "Тревога, Сон" in fedor.last.text
    await fedor.press("Бюджет")
    await fedor.press("до 6 000 ₽")
    await fedor.press("Всё верно")
    async with db_sessionmaker() as session:
        answers = (await session.scalars(select(Questionnaire))).one()
        assert answers.budget == 6000 and answers.topics == ["anxiety", "sleep"]


async def test_no_answers_in_logs(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    hana = harness.user(121, "\u200b")
    await consent(hana)
    await hana.send("Секретное Имя")
    await hana.send("77")
    await hana.press("Да")
    await hana.press("Индивидуальная")
    await hana.press("Тревога")
    await hana.press("Готово")
    for answer in ("Не важно", "Любые дни", "Любое время", "Не важно"):
        await hana.press(answer)
    await hana.press("E-mail")
    await hana.send("secret.mail@example.com")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("Секретное Имя", "secret.mail@example.com", "77"):
        assert secret not in logged


async def test_from_start_to_a_booked_session_in_fifteen_actions(
    harness: Harness, db_sessionmaker: Sessions, clock
) -> None:
    """A new client who accepts the suggestions: consent, eight answers (one topic), the
    summary, then a day, a time and the confirmation on the card shown right after it."""
    from db.demo import load_demo

    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    vika = harness.user(123, "Вика")
    await vika.send("/start")
    await vika.press("Согласен")
    await answer_questionnaire(vika, Profile(topics=["Тревога"]))
    await vika.press("Всё верно")
    card = vika.last_with_buttons
    assert card.photo is not None
    await vika.press(card.buttons[0], message=card)
    await vika.press(card.buttons[0], message=card)
    confirm = vika.last_with_buttons
    await vika.press("Записаться", message=confirm)
    assert "Вы записаны" in confirm.text
    assert vika.actions <= 15, vika.actions
