"""What a notice of the outbox says, to whom: rendered when it is sent (`scheduler.outbox`),
in the reader's language and zone, from the rows as they are then. A notice row holds no
text: it is an event (`db.events`), read back before it comes here.

One render method per kind of event, in a module per family: `practice` (a session's
changes, for the therapist and the practice's group), `client` (what the practice did to
a client's session, refunds), `series`, `requests`, `waitlist`, `checkins`, `packages`,
`couples`, `groups` and `admins`. `Notices` matches an event to its method; mypy holds
the match to every kind (`assert_never`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from db import events
from handlers.shared.notices.admins import AdminLetters
from handlers.shared.notices.base import Letter, client_topics, find_again, money_line
from handlers.shared.notices.checkins import CheckinLetters
from handlers.shared.notices.client import ClientLetters
from handlers.shared.notices.couples import CoupleLetters
from handlers.shared.notices.groups import GroupLetters
from handlers.shared.notices.packages import PackageLetters
from handlers.shared.notices.practice import PracticeLetters
from handlers.shared.notices.requests import RequestLetters
from handlers.shared.notices.series import SeriesLetters
from handlers.shared.notices.waitlist import WaitlistLetters

__all__ = ["Letter", "Notices", "client_topics", "find_again", "money_line"]


@dataclass
class Notices:
    translator: Translator
    settings: Settings
    practice: PracticeLetters = field(init=False)
    client: ClientLetters = field(init=False)
    series: SeriesLetters = field(init=False)
    requests: RequestLetters = field(init=False)
    waitlist: WaitlistLetters = field(init=False)
    admins: AdminLetters = field(init=False)
    checkins: CheckinLetters = field(init=False)
    packages: PackageLetters = field(init=False)
    couples: CoupleLetters = field(init=False)
    groups: GroupLetters = field(init=False)

    def __post_init__(self) -> None:
        both = (self.translator, self.settings)
        self.practice = PracticeLetters(*both)
        self.client = ClientLetters(*both)
        self.series = SeriesLetters(*both)
        self.requests = RequestLetters(*both)
        self.waitlist = WaitlistLetters(*both)
        self.admins = AdminLetters(*both)
        self.checkins = CheckinLetters(*both)
        self.packages = PackageLetters(*both)
        self.couples = CoupleLetters(*both)
        self.groups = GroupLetters(*both)

    async def letters(
        self, session: AsyncSession, event: events.AnyEvent, written_at: datetime
    ) -> list[Letter]:
        """The messages an event written at `written_at` stands for; none when there is
        nobody to tell (a therapist not linked yet, no practice group, a client who erased
        their data, an offer closed meanwhile)."""
        match event:
            case events.Booked() | events.Moved() | events.Cancelled():
                return await self.practice.session(session, event)
            case events.CancelledByAdmin() | events.CancelledByTherapist():
                return await self.client.cancelled(session, event)
            case events.HoldExpired():
                return await self.client.hold_expired(session, event)
            case events.RefundDone() | events.RefundDelayed():
                return await self.client.refund(session, event)
            case events.RefundNeeded() | events.RefundFailed():
                return await self.admins.refund(session, event)
            case events.Undelivered():
                return await self.admins.undelivered(session, event)
            case events.UpdateParked():
                return self.admins.update_parked(event)
            case events.SeriesCreated():
                return await self.series.created(session, event)
            case events.SeriesMissed():
                return await self.series.missed(session, event, written_at)
            case events.SeriesAsked():
                return await self.series.asked(session, event)
            case events.SeriesApproved() | events.SeriesDeclined():
                return await self.series.answered(session, event, written_at)
            case events.SeriesEnded():
                return await self.series.ended(session, event, written_at)
            case events.SeriesReleased():
                return await self.series.released(session, event, written_at)
            case events.RequestNew():
                return await self.requests.new(session, event)
            case events.RequestAccepted():
                return await self.requests.accepted(session, event, written_at)
            case events.RequestProposed():
                return await self.requests.proposed(session, event)
            case events.RequestDeclined():
                return await self.requests.declined(session, event)
            case events.RequestRefused() | events.RequestWithdrawn() | events.RequestLapsed():
                return await self.requests.ended(session, event)
            case events.RequestErased():
                return await self.requests.erased(session, event)
            case events.WaitlistOffered():
                return await self.waitlist.offered(session, event)
            case events.WaitlistEnded():
                return await self.waitlist.ended(session, event)
            case events.CheckinFlagged():
                return await self.checkins.flagged(session, event)
            case events.CheckinAsked():
                return await self.checkins.asked(session, event)
            case events.CheckinRiskForAdmins():
                return await self.checkins.risk_for_admins(session, event)
            case events.PackageClosed():
                return await self.packages.closed(session, event)
            case events.PartnerJoined():
                return await self.couples.joined(session, event)
            case events.PartnerInvited():
                return await self.couples.invited(session, event)
            case events.PartnerSkipped():
                return await self.couples.skipped(session, event)
            case events.PartnerLeft():
                return await self.couples.left(session, event)
            case events.PartnerChanged():
                return await self.couples.changed(session, event, written_at)
            case events.GroupSeatOffered():
                return await self.groups.offered(session, event)
            case events.GroupWaitEnded():
                return await self.groups.wait_ended(session, event)
            case _:
                assert_never(event)
