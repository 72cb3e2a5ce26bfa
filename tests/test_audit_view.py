"""/audit: admin actions and refused attempts are shown apart, so refusals (which anyone
can cause) never push the admins' own actions out of view."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import load_demo
from db.models import AuditEntry
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness, TgUser
from tests.flows import sign_up

Sessions = async_sessionmaker[AsyncSession]
REFUSALS_TITLE = "Отказано в доступе за 30 дней"


@pytest.fixture
async def demo(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def admin_of(harness: Harness) -> TgUser:
    return harness.user(ADMIN_ID, "Админ")


def sections(log: str) -> tuple[list[str], list[str]]:
    """The admin actions' lines and the refusal summary's lines of an /audit screen."""
    lines = log.splitlines()
    split = next((i for i, line in enumerate(lines) if line.startswith(REFUSALS_TITLE)), None)
    assert split is not None, "no summary of refusals"
    return [line for line in lines[:split] if " · " in line], lines[split:]


async def denied_count(sessions: Sessions) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "denied")
        return int(await session.scalar(query) or 0)


async def test_refusals_cannot_flush_admin_actions(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock: ManualClock
) -> None:
    admin = admin_of(harness)
    await admin.send("/therapists")
    await admin.press("#2 ")
    await admin.press("Скрыть")

    client = harness.user(501, "Вера")
    await sign_up(client)
    for _ in range(39):
        clock.advance(seconds=1)
        await client.send("/stats")
    # Whatever follows the command is never written down or shown.
    await client.send("/stats my secret words")
    assert await denied_count(db_sessionmaker) == 40

    await admin.send("/audit")
    log = admin.last.text
    assert "therapist.deactivate" in log, "forty refusals pushed the change out of view"
    actions, refusals = sections(log)
    assert len(actions) == 1
    assert "therapist.deactivate" in actions[0] and "therapist:2" in actions[0]
    assert str(ADMIN_ID) in actions[0]
    assert refusals[0] == f"{REFUSALS_TITLE}: попыток 40, людей 1"
    [line] = [line for line in refusals if " · " in line]
    assert "501" in line and "denied" in line and "attempt=/stats" in line
    assert "×40" in line and "Пн 7 дек, 09:00" in line  # the last attempt, Moscow time
    assert "secret" not in log


async def test_refusal_summary_is_short_and_covers_30_days(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock: ManualClock
) -> None:
    old = harness.user(600, "Давний")
    await old.send("/export users")
    clock.advance(days=31)
    for person_id in range(601, 613):  # twelve people, two attempts each
        person = harness.user(person_id, "Гость")
        for command in ("/stats", "/stats", "/audit"):
            clock.advance(minutes=1)
            await person.send(command)

    admin = admin_of(harness)
    await admin.send("/audit")
    actions, refusals = sections(admin.last.text)
    assert actions == [] and "Записей пока нет." in admin.last.text
    assert refusals[0] == f"{REFUSALS_TITLE}: попыток 36, людей 12"
    lines = [line for line in refusals if " · " in line]
    assert len(lines) == 10
    assert refusals[-1] == "… и ещё строк: 14"
    # The latest first; the one from 31 days ago is left out.
    assert "612" in lines[0] and "attempt=/audit" in lines[0]
    assert "612" in lines[1] and "attempt=/stats" in lines[1]
    assert all("600" not in line for line in lines)
    counts = {line.split(" · ")[2]: line for line in lines}
    assert "×2" in counts["attempt=/stats"] and "×1" in counts["attempt=/audit"]


async def test_audit_in_english(harness: Harness, demo: None) -> None:
    stranger = harness.user(700, "Guest", language_code="en")
    await stranger.send("/stats")
    admin = harness.user(ADMIN_ID, "Admin", language_code="en")
    await admin.send("/audit")
    log = admin.last.text
    assert "Audit log of admin actions: the latest 0" in log
    assert "Access refused over 30 days: 1 attempts by 1 people" in log
    assert "×1, last" in log
