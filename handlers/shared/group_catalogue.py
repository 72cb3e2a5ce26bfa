"""/groups for admins (any therapist's groups) and for therapists (their own): the
catalogue of group sessions (`db.groups`). Times are in the group's therapist's zone.

    /groups                                          the list, and how to use it
    /groups add [<therapist id>] <seats> <price> <minutes> <title>
    /groups about <id> <text>                        what the group is about
    /groups topics <id> <code,code,…>                whom it is shown to
    /groups date <id> <YYYY-MM-DD> <HH:MM> [<weeks>] one date, or weekly
    /groups cancel <date id>                         call a date off (members refunded)
    /groups off <id>                                 no new seats

An admin names the therapist in `add`; a therapist does not (the group is theirs), and
every other command checks the group is theirs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name, money, when_html
from bot.i18n import Markup, Texts
from bot.rules.policy import Rules
from bot.rules.refusals import Refused
from bot.rules.timezones import zone
from db import groups
from db.models import Group, Therapist

ID = r"(\d{1,9})"
ADD_ADMIN = re.compile(rf"add\s+{ID}\s+(\d{{1,2}})\s+(\d{{1,7}})\s+(\d{{1,3}})\s+(.+)", re.I | re.S)
ADD_OWN = re.compile(r"add\s+(\d{1,2})\s+(\d{1,7})\s+(\d{1,3})\s+(.+)", re.I | re.S)
ABOUT = re.compile(rf"about\s+{ID}\s+(.+)", re.I | re.S)
TOPICS = re.compile(rf"topics\s+{ID}\s+([a-z0-9_,\s-]+)", re.I)
DATE = re.compile(
    rf"date\s+{ID}\s+(\d{{4}}-\d{{2}}-\d{{2}})\s+(\d{{1,2}}):(\d{{2}})(?:\s+(\d{{1,2}}))?", re.I
)
CANCEL = re.compile(rf"cancel\s+{ID}", re.I)
OFF = re.compile(rf"off\s+{ID}", re.I)
TITLE_LIMIT = 80
ABOUT_LIMIT = 1000


@dataclass
class Desk:
    """Who runs the command: an admin (`therapist_id` None) or a therapist."""

    session: AsyncSession
    t: Texts
    rules: Rules
    now: datetime
    actor: int  # the Telegram id, for the audit log
    therapist_id: int | None = None


async def run(desk: Desk, args: str) -> str:
    """The answer to `/groups <args>`."""
    t, args = desk.t, args.strip()
    if not args:
        return await listing(desk)
    try:
        if desk.therapist_id is None and (found := ADD_ADMIN.fullmatch(args)):
            therapist_id, *rest = found.groups()
            return await _add(desk, int(therapist_id), *rest)
        if desk.therapist_id is not None and (found := ADD_OWN.fullmatch(args)):
            return await _add(desk, desk.therapist_id, *found.groups())
        if found := ABOUT.fullmatch(args):
            return await _about(desk, int(found.group(1)), found.group(2).strip())
        if found := TOPICS.fullmatch(args):
            return await _topics(desk, int(found.group(1)), found.group(2))
        if found := DATE.fullmatch(args):
            return await _dates(desk, *found.groups())
        if found := CANCEL.fullmatch(args):
            return await _cancel(desk, int(found.group(1)))
        if found := OFF.fullmatch(args):
            return await _off(desk, int(found.group(1)))
    except Refused as refusal:
        return t(refusal.key, **refusal.values)
    return t("groups-usage")


async def listing(desk: Desk, notice: str | None = None) -> str:
    t = desk.t
    found = await groups.listed(desk.session, therapist_id=desk.therapist_id)
    upcoming = {
        view.group.id: view
        for view in await groups.views(
            desk.session, rules=desk.rules, now=desk.now, therapist_id=desk.therapist_id
        )
    }
    lines = [notice, ""] if notice else []
    lines.append(t("groups-title", count=len(found)))
    for group in found:
        therapist = await desk.session.get_one(Therapist, group.therapist_id)
        view = upcoming.get(group.id)
        dates = Markup(
            ", ".join(
                t(
                    "groups-date",
                    id=date.id,
                    when=when_html(t, date.starts_at, therapist.timezone),
                    taken=date.taken,
                    capacity=date.capacity,
                )
                for date in view.dates[:6]
            )
            if view
            else t("groups-no-dates")
        )
        lines.append(
            t(
                "groups-line",
                id=group.id,
                title=group.title,
                name=local_name(therapist, t.language),
                capacity=group.capacity,
                price=money(group.price),
                minutes=group.minutes,
                topics=", ".join(group.topics) or "—",
                dates=dates,
            )
        )
    lines += ["", t("groups-usage")]
    return "\n".join(lines)


async def _group(desk: Desk, group_id: int) -> Group:
    group = await groups.get(desk.session, group_id, therapist_id=desk.therapist_id)
    if group is None or group.closed_at is not None:
        raise groups.GroupGone
    return group


async def _add(
    desk: Desk, therapist_id: int, capacity: str, price: str, minutes: str, title: str
) -> str:
    t = desk.t
    therapist = await desk.session.get(Therapist, therapist_id)
    if therapist is None:
        return t("groups-no-therapist", id=therapist_id)
    title = " ".join(title.split())
    if not 2 <= int(capacity) <= 15 or int(price) <= 0 or not 15 <= int(minutes) <= 240:
        return t("groups-invalid")
    if not title or len(title) > TITLE_LIMIT:
        return t("groups-title-length", limit=TITLE_LIMIT)
    group = await groups.create(
        desk.session,
        groups.GroupDraft(
            therapist_id=therapist.id,
            title=title,
            capacity=int(capacity),
            price=int(price),
            minutes=int(minutes),
        ),
        actor=desk.actor,
        now=desk.now,
    )
    return await listing(desk, t("groups-added", id=group.id))


async def _about(desk: Desk, group_id: int, text: str) -> str:
    group = await _group(desk, group_id)
    if len(text) > ABOUT_LIMIT:
        return desk.t("groups-about-length", limit=ABOUT_LIMIT)
    await groups.describe(desk.session, group, about=text, actor=desk.actor, now=desk.now)
    return await listing(desk, desk.t("groups-saved", id=group_id))


async def _topics(desk: Desk, group_id: int, codes: str) -> str:
    group = await _group(desk, group_id)
    wanted = sorted({code.strip().lower() for code in codes.split(",") if code.strip()})
    unknown = await groups.unknown_topics(desk.session, wanted)
    if unknown:
        return desk.t("groups-topics-unknown", codes=", ".join(unknown))
    await groups.describe(desk.session, group, topics=wanted, actor=desk.actor, now=desk.now)
    return await listing(desk, desk.t("groups-saved", id=group_id))


async def _dates(
    desk: Desk, group_id: str, day: str, hour: str, minute: str, weeks: str | None
) -> str:
    group = await _group(desk, int(group_id))
    therapist = await desk.session.get_one(Therapist, group.therapist_id)
    try:
        first = datetime.combine(
            date.fromisoformat(day), time(int(hour), int(minute)), tzinfo=zone(therapist.timezone)
        )
    except ValueError:
        return desk.t("groups-usage")
    count = int(weeks or 1)
    if not 1 <= count <= groups.MAX_DATES:
        return desk.t("groups-weeks", limit=groups.MAX_DATES)
    added = await groups.add_dates(
        desk.session, group, groups.weekly(first, count), actor=desk.actor, now=desk.now
    )
    return await listing(desk, desk.t("groups-dates-added", count=len(added)))


async def _cancel(desk: Desk, date_id: int) -> str:
    found = await groups.date_view(desk.session, date_id)
    if found is None or (
        desk.therapist_id is not None and found.group.therapist_id != desk.therapist_id
    ):
        raise groups.GroupGone
    done = await groups.cancel_date(
        desk.session,
        therapist_id=found.group.therapist_id,
        date_id=date_id,
        rules=desk.rules,
        now=desk.now,
        admin=desk.actor if desk.therapist_id is None else None,
    )
    return await listing(desk, desk.t("groups-date-cancelled", id=date_id, count=len(done)))


async def _off(desk: Desk, group_id: int) -> str:
    group = await _group(desk, group_id)
    await groups.close(desk.session, group, actor=desk.actor, now=desk.now)
    return await listing(desk, desk.t("groups-closed", id=group_id))
