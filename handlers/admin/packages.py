"""/packages: the packages of sessions clients may buy (`db.packages`). A package is
offered with one therapist or with all, at its own price or at a discount on each
therapist's price, valid for some weeks; withdrawing one stops its sale (what was bought
stays valid).

    /packages                                  the list, and how to add one
    /packages add <therapist id|all> <sessions> <price|discount%> <weeks>
    /packages off <id>
"""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.formatting import money
from db import packages
from db.models import Package, Therapist
from handlers.admin.common import Admin

ADD = re.compile(r"add\s+(all|\d{1,9})\s+(\d{1,3})\s+(\d{1,7})(%?)\s+(\d{1,3})", re.IGNORECASE)
OFF = re.compile(r"off\s+(\d{1,9})", re.IGNORECASE)


def package_line(admin: Admin, package: Package, therapist: str | None) -> str:
    t = admin.t
    price = (
        t("adm-package-price", price=money(package.price))
        if package.price is not None
        else t("adm-package-discount", percent=package.discount_percent)
    )
    return t(
        "adm-package-line",
        id=package.id,
        sessions=package.sessions,
        price=price,
        weeks=package.weeks,
        who=therapist or t("adm-package-all"),
        active="yes" if package.active else "no",
    )


async def show_packages(admin: Admin, notice: str | None = None) -> None:
    t = admin.t
    listed = await packages.listed(admin.session)
    lines = [notice, ""] if notice else []
    lines.append(t("adm-packages-title", count=len(listed)))
    lines += [package_line(admin, package, name) for package, name in listed]
    if admin.settings.payments_mode == "off":
        lines += ["", t("adm-packages-payments-off")]
    lines += ["", t("adm-packages-usage")]
    await admin.send("\n".join(lines))


async def on_packages(message: Message, command: CommandObject, admin: Admin) -> None:
    args = (command.args or "").strip()
    if not args:
        await show_packages(admin)
        return
    if added := ADD.fullmatch(args):
        await _add(admin, *added.groups())
        return
    if off := OFF.fullmatch(args):
        done = await packages.withdraw(
            admin.session, int(off.group(1)), admin=admin.actor, now=admin.now()
        )
        key = "adm-package-withdrawn" if done else "adm-package-unknown"
        await show_packages(admin, admin.t(key, id=off.group(1)))
        return
    await admin.send(admin.t("adm-packages-usage"))


async def _add(admin: Admin, who: str, sessions: str, value: str, percent: str, weeks: str) -> None:
    t = admin.t
    therapist_id = None if who.lower() == "all" else int(who)
    if therapist_id is not None and await admin.session.get(Therapist, therapist_id) is None:
        await admin.send(t("adm-package-no-therapist", id=therapist_id))
        return
    try:
        package = await packages.add(
            admin.session,
            therapist_id=therapist_id,
            sessions=int(sessions),
            price=None if percent else int(value),
            discount_percent=int(value) if percent else None,
            weeks=int(weeks),
            admin=admin.actor,
            now=admin.now(),
        )
    except ValueError:
        await admin.send(t("adm-package-invalid"))
        return
    await show_packages(admin, t("adm-package-added", id=package.id))


def create_router() -> Router:
    router = Router(name="admin-packages")
    router.message.register(on_packages, Command("packages"))
    return router
