"""The outbox's events: what a change owes someone a word about, one frozen dataclass per
kind, written by the use cases (`db.outbox.notify`) and rendered when sent
(`handlers.shared.notices`).

An event holds its recipient, the booking or refund it is about when it has one, and the
codes and times its letter needs; never a text (the letter is rendered in the reader's
language from the rows as they are when it is sent). It is stored as a `notices` row: its
kind's `name` in `event`, the recipient, booking and refund in their columns and every
other field in the JSON `details`, under the key it has always had there (a field's
metadata `key`, when that is not its name), so rows written before these classes read
back the same. On delivery `parse` reads a row back into its event; a row no kind takes
(an unknown name, a missing or mistyped field, a recipient the kind is never for) is
`UnknownEvent`, which the outbox reports as a notice it could not deliver.

Every kind is in `AnyEvent`: the renderer matches on it, so mypy holds both the writers
(each field given, of its type) and the reader (every kind rendered)."""

from __future__ import annotations

import enum
import typing
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, ClassVar

from bot.rules.series import Gap
from db.models import PartnerEnd, SeriesEnd

if TYPE_CHECKING:
    # Defined by db.bookings, which writes these events: imported when first parsed.
    from db.bookings import CancelledBy, MoneyBack


class To(enum.StrEnum):
    client = "client"
    therapist = "therapist"
    group = "group"  # the practice's group (THERAPIST_CHAT_ID)
    admins = "admins"


PRACTICE = (To.therapist, To.group)
CLIENT_AND_THERAPIST = (To.client, To.therapist)
COLUMNS = ("recipient", "booking_id", "refund_id")


@dataclass(frozen=True, kw_only=True)
class Event:
    # The `event` column's value; two kinds share one only when their keys tell them apart.
    name: ClassVar[str]
    to: ClassVar[tuple[To, ...]]  # whom this kind may be for
    recipient: To

    def __post_init__(self) -> None:
        if self.recipient not in self.to:
            raise ValueError(f"{self.name} is never for {self.recipient}")


# -- a session, for the therapist and the practice's group -----------------------------


@dataclass(frozen=True, kw_only=True)
class Booked(Event):
    """A session booked (or its hold paid)."""

    name = "booked"
    to = PRACTICE
    recipient: To = To.therapist  # and the group: db.bookings.tell_practice
    booking_id: int


@dataclass(frozen=True, kw_only=True)
class Moved(Event):
    name = "moved"
    to = PRACTICE
    recipient: To = To.therapist  # and the group: db.bookings.tell_practice
    booking_id: int
    old_starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class Cancelled(Event):
    """A confirmed session called off, by anyone."""

    name = "cancelled"
    to = PRACTICE
    recipient: To = To.therapist  # and the group: db.bookings.tell_practice
    booking_id: int
    by: CancelledBy


# -- a session, for its client ---------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CancelledByAdmin(Event):
    name = "cancelled-by-admin"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int
    money: MoneyBack


@dataclass(frozen=True, kw_only=True)
class CancelledByTherapist(Event):
    name = "cancelled-by-therapist"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int
    money: MoneyBack


@dataclass(frozen=True, kw_only=True)
class HoldExpired(Event):
    name = "hold-expired"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int


@dataclass(frozen=True, kw_only=True)
class RefundDone(Event):
    name = "refund-done"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int
    refund_id: int


@dataclass(frozen=True, kw_only=True)
class RefundDelayed(Event):
    """The Stars did not go back automatically: an admin returns them."""

    name = "refund-delayed"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int
    refund_id: int


# -- the admins ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RefundNeeded(Event):
    name = "refund-needed"
    to = (To.admins,)
    recipient: To = To.admins
    refund_id: int


@dataclass(frozen=True, kw_only=True)
class RefundFailed(Event):
    name = "refund-failed"
    to = (To.admins,)
    recipient: To = To.admins
    refund_id: int


@dataclass(frozen=True, kw_only=True)
class Undelivered(Event):
    """A notice that could not reach `addressee`."""

    name = "undelivered"
    to = (To.admins,)
    recipient: To = To.admins
    booking_id: int | None
    addressee: To = field(metadata={"key": "recipient"})


@dataclass(frozen=True, kw_only=True)
class UpdateParked(Event):
    """An update the inbox gave up on."""

    name = "update-parked"
    to = (To.admins,)
    recipient: To = To.admins
    update_id: int = field(metadata={"key": "update"})
    kind: str
    failure: str  # the last failure's type name; "" when the process died each time
    attempts: int


# -- a regular time (hung on its first booking, when it has one) -----------------------


@dataclass(frozen=True, kw_only=True)
class SeriesCreated(Event):
    name = "series-created"
    to = PRACTICE
    recipient: To = To.therapist  # and a copy for the group
    booking_id: int
    series_id: int = field(metadata={"key": "series"})


@dataclass(frozen=True, kw_only=True)
class SeriesMissed(Event):
    """A date of the regular time it cannot have; `ahead`: told early, by a change of
    hours, of a week not open for booking yet."""

    name = "series-missed"
    to = CLIENT_AND_THERAPIST
    booking_id: int | None
    series_id: int = field(metadata={"key": "series"})
    day: date
    reason: Gap
    ahead: bool = False
    resumed: bool = False  # lost while the regular time was paused, told on resume


@dataclass(frozen=True, kw_only=True)
class SeriesAsked(Event):
    """A regular time with a therapist who confirms bookings, waiting for their yes."""

    name = "series-asked"
    to = (To.therapist,)
    recipient: To = To.therapist
    booking_id: int
    series_id: int = field(metadata={"key": "series"})


@dataclass(frozen=True, kw_only=True)
class SeriesApproved(Event):
    """The therapist agreed to the regular time: its dates are booked."""

    name = "series-approved"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int | None
    series_id: int = field(metadata={"key": "series"})


@dataclass(frozen=True, kw_only=True)
class SeriesDeclined(Event):
    """The therapist said no to the regular time: it ends, its first session stays."""

    name = "series-declined"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int | None
    series_id: int = field(metadata={"key": "series"})
    by: SeriesEnd = SeriesEnd.declined


@dataclass(frozen=True, kw_only=True)
class SeriesEnded(Event):
    name = "series-ended"
    to = CLIENT_AND_THERAPIST
    booking_id: int | None
    series_id: int = field(metadata={"key": "series"})
    by: SeriesEnd


@dataclass(frozen=True, kw_only=True)
class SeriesReleased(Event):
    """A regular session unpaid at the free-cancellation deadline."""

    name = "series-released"
    to = CLIENT_AND_THERAPIST
    booking_id: int
    series_id: int = field(metadata={"key": "series"})
    day: date | None


# -- booking requests ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequestNew(Event):
    name = "request-new"
    to = (To.therapist,)
    recipient: To = To.therapist
    request_id: int = field(metadata={"key": "request"})


@dataclass(frozen=True, kw_only=True)
class RequestAccepted(Event):
    name = "request-accepted"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int
    request_id: int = field(metadata={"key": "request"})


@dataclass(frozen=True, kw_only=True)
class RequestDeclined(Event):
    name = "request-declined"
    to = (To.client,)
    recipient: To = To.client
    request_id: int = field(metadata={"key": "request"})


@dataclass(frozen=True, kw_only=True)
class RequestProposed(Event):
    name = "request-proposed"
    to = (To.client,)
    recipient: To = To.client
    request_id: int = field(metadata={"key": "request"})


@dataclass(frozen=True, kw_only=True)
class RequestRefused(Event):
    """The client refused the time the therapist proposed."""

    name = "request-refused"
    to = (To.therapist,)
    recipient: To = To.therapist
    request_id: int = field(metadata={"key": "request"})


@dataclass(frozen=True, kw_only=True)
class RequestWithdrawn(Event):
    name = "request-withdrawn"
    to = (To.therapist,)
    recipient: To = To.therapist
    request_id: int = field(metadata={"key": "request"})


@dataclass(frozen=True, kw_only=True)
class RequestErased(Event):
    """A request withdrawn by the client's erasure, which deletes it: the therapist hears
    of the time only. Stored under the same name as `RequestWithdrawn`; its keys tell."""

    name = "request-withdrawn"
    to = (To.therapist,)
    recipient: To = To.therapist
    therapist_id: int = field(metadata={"key": "therapist"})
    starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class RequestLapsed(Event):
    name = "request-lapsed"
    to = CLIENT_AND_THERAPIST
    request_id: int = field(metadata={"key": "request"})


# -- the waitlist ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WaitlistOffered(Event):
    """A freed time offered to a waiting client."""

    name = "waitlist-offer"
    to = (To.client,)
    recipient: To = To.client
    offer_id: int = field(metadata={"key": "offer"})


@dataclass(frozen=True, kw_only=True)
class WaitlistEnded(Event):
    name = "waitlist-ended"
    to = (To.client,)
    recipient: To = To.client
    entry_id: int = field(metadata={"key": "entry"})


# -- check-ins between sessions (`db.checkins`) ---------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheckinFlagged(Event):
    """A check-in the client's therapist must hear of at once: its risk item answered
    above 0 (`risk`), or a finished one in the severe band. The letter names the client
    and the flag, never an answer (the therapist reads those in the bot)."""

    name = "checkin-flagged"
    to = (To.therapist,)
    recipient: To = To.therapist
    checkin_id: int = field(metadata={"key": "checkin"})
    therapist_id: int = field(metadata={"key": "therapist"})
    risk: bool


@dataclass(frozen=True, kw_only=True)
class CheckinAsked(Event):
    """The client's therapist asks for a check-in now: the client gets its start button."""

    name = "checkin-asked"
    to = (To.client,)
    recipient: To = To.client
    client_id: int = field(metadata={"key": "client"})
    therapist_id: int = field(metadata={"key": "therapist"})


@dataclass(frozen=True, kw_only=True)
class CheckinRiskForAdmins(Event):
    """The admins hear only that a risk flag exists for a client of that therapist: no
    client, no answers."""

    name = "checkin-risk-admins"
    to = (To.admins,)
    recipient: To = To.admins
    therapist_id: int | None = field(default=None, metadata={"key": "therapist"})


@dataclass(frozen=True, kw_only=True)
class PackageClosed(Event):
    """A client's package closed with credits unused (it expired, or the client changed
    therapist): how many, and what goes back (`db.packages`)."""

    name = "package-closed"
    to = (To.client,)
    recipient: To = To.client
    purchase_id: int = field(metadata={"key": "purchase"})
    credits: int
    refund: int  # in the purchase's currency's smallest unit; 0 when nothing goes back


# -- couples ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PartnerJoined(Event):
    """The partner the booker invited has joined (`db.couples`)."""

    name = "partner-joined"
    to = (To.client,)
    recipient: To = To.client
    partnership_id: int = field(metadata={"key": "partnership"})


@dataclass(frozen=True, kw_only=True)
class PartnerInvited(Event):
    """The booker picked their partner, who uses the bot: the invitation, with its button."""

    name = "partner-invited"
    to = (To.client,)
    recipient: To = To.client
    partnership_id: int = field(metadata={"key": "partnership"})


@dataclass(frozen=True, kw_only=True)
class PartnerSkipped(Event):
    """The partner will not come to one couple session: the booker and the therapist."""

    name = "partner-skipped"
    to = CLIENT_AND_THERAPIST
    booking_id: int


@dataclass(frozen=True, kw_only=True)
class PartnerChanged(Event):
    """A couple session the partner shares was moved or cancelled (by its booker, the
    therapist or an admin): the partner is told."""

    name = "partner-changed"
    to = (To.client,)
    recipient: To = To.client
    booking_id: int
    change: str  # moved, cancelled


@dataclass(frozen=True, kw_only=True)
class PartnerLeft(Event):
    """A partnership ended: told to the one who did not end it (`told_id`, a users.id)."""

    name = "partner-left"
    to = (To.client,)
    recipient: To = To.client
    partnership_id: int = field(metadata={"key": "partnership"})
    told_id: int = field(metadata={"key": "told"})
    by: PartnerEnd


# -- groups -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GroupSeatOffered(Event):
    """A seat came free at a group date a client waits for: kept for them a while."""

    name = "group-seat-offer"
    to = (To.client,)
    recipient: To = To.client
    wait_id: int = field(metadata={"key": "wait"})


@dataclass(frozen=True, kw_only=True)
class GroupWaitEnded(Event):
    """The group date a client waited for was cancelled."""

    name = "group-wait-ended"
    to = (To.client,)
    recipient: To = To.client
    wait_id: int = field(metadata={"key": "wait"})


AnyEvent = (
    Booked
    | Moved
    | Cancelled
    | CancelledByAdmin
    | CancelledByTherapist
    | HoldExpired
    | RefundDone
    | RefundDelayed
    | RefundNeeded
    | RefundFailed
    | Undelivered
    | UpdateParked
    | SeriesCreated
    | SeriesMissed
    | SeriesAsked
    | SeriesApproved
    | SeriesDeclined
    | SeriesEnded
    | SeriesReleased
    | RequestNew
    | RequestAccepted
    | RequestDeclined
    | RequestProposed
    | RequestRefused
    | RequestWithdrawn
    | RequestErased
    | RequestLapsed
    | WaitlistOffered
    | WaitlistEnded
    | CheckinFlagged
    | CheckinAsked
    | CheckinRiskForAdmins
    | PackageClosed
    | PartnerJoined
    | PartnerInvited
    | PartnerSkipped
    | PartnerLeft
    | PartnerChanged
    | GroupSeatOffered
    | GroupWaitEnded
)

KINDS: tuple[type[AnyEvent], ...] = typing.get_args(AnyEvent)
# A name's kinds, in the order they are tried when a row is read back.
BY_NAME: dict[str, tuple[type[AnyEvent], ...]] = {}
for _kind in KINDS:
    BY_NAME[_kind.name] = (*BY_NAME.get(_kind.name, ()), _kind)


# -- stored and read back --------------------------------------------------------------


class UnknownEvent(ValueError):
    """A stored notice no kind of event takes."""


@dataclass(frozen=True)
class Stored:
    """An event as a `notices` row holds it."""

    event: str
    recipient: To
    booking_id: int | None
    refund_id: int | None
    details: dict[str, Any] | None


def _key(item: Any) -> str:
    return str(item.metadata.get("key", item.name))


def _dump(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value


def stored(event: Event) -> Stored:
    details = {
        _key(item): _dump(getattr(event, item.name))
        for item in fields(event)
        if item.name not in COLUMNS
    }
    return Stored(
        event=event.name,
        recipient=event.recipient,
        booking_id=getattr(event, "booking_id", None),
        refund_id=getattr(event, "refund_id", None),
        details=details or None,
    )


_hints: dict[type[Event], dict[str, Any]] = {}


def _types(kind: type[Event]) -> dict[str, Any]:
    """The kind's field types, resolved when first needed (some name db.bookings' enums,
    which cannot be imported while db.bookings itself imports this module)."""
    if kind not in _hints:
        from db.bookings import CancelledBy, MoneyBack

        late = {"CancelledBy": CancelledBy, "MoneyBack": MoneyBack}
        _hints[kind] = typing.get_type_hints(kind, localns=late)
    return _hints[kind]


def _load(kind: Any, value: Any) -> Any:
    """`value` as stored (JSON) back as `kind`; ValueError or TypeError when it is not one."""
    if isinstance(kind, UnionType):
        if value is None and NoneType in kind.__args__:
            return None
        (inner,) = (each for each in kind.__args__ if each is not NoneType)
        return _load(inner, value)
    if kind in (datetime, date):
        if not isinstance(value, str):
            raise TypeError
        return kind.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError
    return value


def _parse_as(kind: type[AnyEvent], columns: dict[str, Any], details: dict[str, Any]) -> AnyEvent:
    types = _types(kind)
    values: dict[str, Any] = {}
    for item in fields(kind):
        if item.name in COLUMNS:
            value = columns[item.name]
        elif _key(item) in details:
            value = details[_key(item)]
        elif item.default is not MISSING:  # a key older rows may not have
            continue
        else:
            raise UnknownEvent(f"{kind.name}: no {_key(item)!r}")
        try:
            values[item.name] = _load(types[item.name], value)
        except (TypeError, ValueError):
            raise UnknownEvent(f"{kind.name}: {_key(item)!r} unreadable") from None
    try:
        return kind(**values)
    except ValueError as error:  # a recipient the kind is never for
        raise UnknownEvent(str(error)) from None


def parse(
    event: str,
    *,
    recipient: str,
    booking_id: int | None,
    refund_id: int | None,
    details: dict[str, Any] | None,
) -> AnyEvent:
    """A stored notice's event; UnknownEvent when no kind takes it."""
    kinds = BY_NAME.get(event)
    if not kinds:
        raise UnknownEvent(f"no event {event!r}")
    if recipient not in set(To):
        raise UnknownEvent(f"{event}: no recipient {recipient!r}")
    columns = {"recipient": To(recipient), "booking_id": booking_id, "refund_id": refund_id}
    if details is not None and not isinstance(details, dict):
        raise UnknownEvent(f"{event}: details are not an object")
    failure = UnknownEvent(event)
    for kind in kinds:
        try:
            return _parse_as(kind, columns, details or {})
        except UnknownEvent as error:
            failure = error
    raise failure
