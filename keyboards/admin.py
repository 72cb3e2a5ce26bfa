"""Admin buttons. Every prefix starts with "ad" and is listed in ADMIN_PREFIXES, so a
button pressed by someone who is not an admin is recognised (and logged) as an attempt."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import day_label, local_name
from bot.i18n import Texts
from db.models import SlotStatus, Therapist, Topic
from keyboards.ids import Id, Number


class TherapistsPage(CallbackData, prefix="adtp"):
    page: Number


class TherapistOpen(CallbackData, prefix="adto"):
    therapist_id: Id


# A therapist's fields an admin edits (`handlers.admin.fields.FIELDS`).
TherapistField = Literal[
    "name_ru",
    "name_en",
    "gender",
    "formats",
    "topics",
    "price",
    "session_minutes",
    "timezone",
    "about_ru",
    "about_en",
    "education_ru",
    "education_en",
    "photo",
    "meeting_link",
]
# Who a broadcast goes to (`db.admin_reports.AUDIENCES`).
Audience = Literal["clients", "upcoming", "therapists"]


class TherapistEdit(CallbackData, prefix="adte"):
    therapist_id: Id
    field: str  # checked against `TherapistField` by the handler


class TherapistActive(CallbackData, prefix="adta"):
    """Carries the wanted state, not "toggle": a double tap does not flip it back."""

    therapist_id: Id
    active: bool


class TherapistInvite(CallbackData, prefix="adti"):
    therapist_id: Id


class TherapistBookings(CallbackData, prefix="adtb"):
    therapist_id: Id


class AddTherapist(CallbackData, prefix="adad"):
    pass


class SlotsView(CallbackData, prefix="adsv"):
    therapist_id: Id
    day: str  # ISO date in the therapist's zone; "" for the overview; checked by the handler


class SlotAdd(CallbackData, prefix="adsa"):
    therapist_id: Id


class SlotBlock(CallbackData, prefix="adsb"):
    slot_id: Id
    block: bool


class BookingCancel(CallbackData, prefix="adbc"):
    booking_id: Id


class BookingCancelYes(CallbackData, prefix="adby"):
    booking_id: Id


class TopicItem(enum.StrEnum):
    list_all = "list"
    add = "add"
    open = "open"
    rename_ru = "ru"
    rename_en = "en"
    hide = "hide"
    show = "show"


class TopicAction(CallbackData, prefix="adtx"):
    """A topic button; an action that is not a `TopicItem` fails parsing."""

    action: TopicItem
    topic_id: Id


class DialogChoice(CallbackData, prefix="adch"):
    """A button of the current dialog step; checked against what the step offers."""

    value: str


class DialogCancel(CallbackData, prefix="adcx"):
    pass


class BroadcastAudience(CallbackData, prefix="adba"):
    audience: Audience


class BroadcastSend(CallbackData, prefix="adbs"):
    audience: Audience


class RefundsView(CallbackData, prefix="adrv"):
    pass


class TherapistApproval(CallbackData, prefix="adap"):
    """Carries the wanted confirmation mode (`db.models.Approval`), not "next"."""

    therapist_id: Id
    mode: Literal["auto", "first", "every"]


class RefundDone(CallbackData, prefix="adrd"):
    refund_id: Id
    sure: bool = False


ADMIN_CALLBACKS: tuple[type[CallbackData], ...] = (
    TherapistsPage,
    TherapistOpen,
    TherapistEdit,
    TherapistActive,
    TherapistApproval,
    TherapistInvite,
    TherapistBookings,
    AddTherapist,
    SlotsView,
    SlotAdd,
    SlotBlock,
    BookingCancel,
    BookingCancelYes,
    TopicAction,
    DialogChoice,
    DialogCancel,
    BroadcastAudience,
    BroadcastSend,
    RefundsView,
    RefundDone,
)
ADMIN_PREFIXES = frozenset(str(cls.__prefix__) for cls in ADMIN_CALLBACKS)

SKIP = "skip"
DONE = "done"
SAVE = "save"

SLOT_MARKS: dict[str, str] = {
    SlotStatus.free: "🟢",
    SlotStatus.blocked: "🔒",
    SlotStatus.booked: "📌",
    SlotStatus.held: "⏳",
}


def cancel_button(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=t("adm-btn-cancel"), callback_data=DialogCancel().pack())


def cancel_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[cancel_button(t)]])


def choices_keyboard(
    t: Texts, options: Sequence[tuple[str, str]], *, columns: int = 2
) -> InlineKeyboardMarkup:
    """`options`: (value, label) of the current dialog step, then Cancel."""
    builder = InlineKeyboardBuilder()
    for value, label in options:
        builder.button(text=label, callback_data=DialogChoice(value=value))
    builder.adjust(columns)
    builder.row(cancel_button(t))
    return builder.as_markup()


def topics_choice_keyboard(
    t: Texts, topics: Sequence[tuple[int, str]], chosen: set[int]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic_id, name in topics:
        mark = "✅ " if topic_id in chosen else ""
        builder.button(text=f"{mark}{name}", callback_data=DialogChoice(value=str(topic_id)))
    builder.adjust(2)
    builder.row(
        cancel_button(t),
        InlineKeyboardButton(
            text=t("adm-btn-done", count=len(chosen)),
            callback_data=DialogChoice(value=DONE).pack(),
        ),
    )
    return builder.as_markup()


def therapists_keyboard(
    t: Texts, therapists: Sequence[Therapist], page: int, pages: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for therapist in therapists:
        mark = "✅" if therapist.active else "⏸"
        name = local_name(therapist, t.language)
        builder.button(
            text=f"{mark} #{therapist.id} {name}",
            callback_data=TherapistOpen(therapist_id=therapist.id),
        )
    builder.adjust(1)
    if pages > 1:
        row = []
        if page > 0:
            row.append(
                InlineKeyboardButton(text="◀", callback_data=TherapistsPage(page=page - 1).pack())
            )
        row.append(
            InlineKeyboardButton(
                text=f"{page + 1}/{pages}", callback_data=TherapistsPage(page=page).pack()
            )
        )
        if page + 1 < pages:
            row.append(
                InlineKeyboardButton(text="▶", callback_data=TherapistsPage(page=page + 1).pack())
            )
        builder.row(*row)
    builder.row(
        InlineKeyboardButton(text=t("adm-btn-add-therapist"), callback_data=AddTherapist().pack())
    )
    return builder.as_markup()


def therapist_keyboard(
    t: Texts, therapist: Therapist, fields: Sequence[str]
) -> InlineKeyboardMarkup:
    """An edit button per field, then the actions on the whole profile."""
    builder = InlineKeyboardBuilder()
    for name in fields:
        builder.button(
            text=t("adm-btn-edit", field=t(f"adm-field-{name}")),
            callback_data=TherapistEdit(therapist_id=therapist.id, field=name),
        )
    builder.adjust(2)
    toggle = t("adm-btn-deactivate") if therapist.active else t("adm-btn-activate")
    builder.row(
        InlineKeyboardButton(
            text=toggle,
            callback_data=TherapistActive(
                therapist_id=therapist.id, active=not therapist.active
            ).pack(),
        ),
        InlineKeyboardButton(
            text=t("adm-btn-invite"),
            callback_data=TherapistInvite(therapist_id=therapist.id).pack(),
        ),
    )
    modes = ("auto", "first", "every")
    following = (
        modes[(modes.index(therapist.approval) + 1) % 3] if therapist.approval in modes else "auto"
    )
    builder.row(
        InlineKeyboardButton(
            text=t("adm-btn-approval", mode=t(f"approval-{therapist.approval}")),
            callback_data=TherapistApproval(therapist_id=therapist.id, mode=following).pack(),
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=t("adm-btn-slots"),
            callback_data=SlotsView(therapist_id=therapist.id, day="").pack(),
        ),
        InlineKeyboardButton(
            text=t("adm-btn-bookings"),
            callback_data=TherapistBookings(therapist_id=therapist.id).pack(),
        ),
    )
    builder.row(back_to_list(t))
    return builder.as_markup()


def back_to_list(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("adm-btn-to-list"), callback_data=TherapistsPage(page=0).pack()
    )


def back_to_card(t: Texts, therapist_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("adm-btn-to-card"), callback_data=TherapistOpen(therapist_id=therapist_id).pack()
    )


def card_only_keyboard(t: Texts, therapist_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_to_card(t, therapist_id)]])


def slots_keyboard(t: Texts, therapist_id: int, days: Sequence[date]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for day in days:
        builder.button(
            text=day_label(t, day),
            callback_data=SlotsView(therapist_id=therapist_id, day=day.isoformat()),
        )
    builder.adjust(4)
    builder.row(
        InlineKeyboardButton(
            text=t("adm-btn-slot-add"), callback_data=SlotAdd(therapist_id=therapist_id).pack()
        )
    )
    builder.row(back_to_card(t, therapist_id))
    return builder.as_markup()


def slot_day_keyboard(
    t: Texts, therapist_id: int, slots: Sequence[tuple[int, str, datetime]]
) -> InlineKeyboardMarkup:
    """`slots`: (id, status, local start) of one day; free ones block, blocked ones free."""
    builder = InlineKeyboardBuilder()
    for slot_id, status, local in slots:
        mark = SLOT_MARKS.get(status, "•")
        builder.button(
            text=f"{mark} {local:%H:%M}",
            callback_data=SlotBlock(slot_id=slot_id, block=status != SlotStatus.blocked),
        )
    builder.adjust(4)
    builder.row(
        InlineKeyboardButton(
            text=t("adm-btn-slot-days"),
            callback_data=SlotsView(therapist_id=therapist_id, day="").pack(),
        ),
        InlineKeyboardButton(
            text=t("adm-btn-slot-add"), callback_data=SlotAdd(therapist_id=therapist_id).pack()
        ),
    )
    return builder.as_markup()


def bookings_keyboard(t: Texts, cancellable: Sequence[int]) -> InlineKeyboardMarkup | None:
    if not cancellable:
        return None
    builder = InlineKeyboardBuilder()
    for booking_id in cancellable:
        builder.button(
            text=t("adm-btn-cancel-booking", id=booking_id),
            callback_data=BookingCancel(booking_id=booking_id),
        )
    builder.adjust(3)
    return builder.as_markup()


def booking_cancel_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("adm-btn-cancel-booking-yes"), callback_data=BookingCancelYes(booking_id=booking_id)
    )
    builder.row(cancel_button(t))
    return builder.as_markup()


def refunds_keyboard(t: Texts, refund_ids: Sequence[int]) -> InlineKeyboardMarkup | None:
    if not refund_ids:
        return None
    builder = InlineKeyboardBuilder()
    for refund_id in refund_ids:
        builder.button(
            text=t("adm-btn-refund-done", id=refund_id),
            callback_data=RefundDone(refund_id=refund_id),
        )
    builder.adjust(2)
    return builder.as_markup()


def refund_done_keyboard(t: Texts, refund_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("adm-btn-refund-done-yes"), callback_data=RefundDone(refund_id=refund_id, sure=True)
    )
    builder.button(text=t("btn-back"), callback_data=RefundsView())
    builder.adjust(1)
    return builder.as_markup()


def topics_keyboard(t: Texts, topics: Sequence[Topic]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic in topics:
        mark = "🙈 " if topic.hidden else ""
        name = local_name(topic, t.language)
        builder.button(
            text=f"{mark}{name}",
            callback_data=TopicAction(action=TopicItem.open, topic_id=topic.id),
        )
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text=t("adm-btn-topic-add"),
            callback_data=TopicAction(action=TopicItem.add, topic_id=0).pack(),
        )
    )
    return builder.as_markup()


def topic_keyboard(t: Texts, topic: Topic) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("adm-btn-topic-rename-ru"),
        callback_data=TopicAction(action=TopicItem.rename_ru, topic_id=topic.id),
    )
    builder.button(
        text=t("adm-btn-topic-rename-en"),
        callback_data=TopicAction(action=TopicItem.rename_en, topic_id=topic.id),
    )
    if topic.hidden:
        builder.button(
            text=t("adm-btn-topic-show"),
            callback_data=TopicAction(action=TopicItem.show, topic_id=topic.id),
        )
    else:
        builder.button(
            text=t("adm-btn-topic-hide"),
            callback_data=TopicAction(action=TopicItem.hide, topic_id=topic.id),
        )
    builder.button(
        text=t("adm-btn-topics"), callback_data=TopicAction(action=TopicItem.list_all, topic_id=0)
    )
    builder.adjust(2)
    return builder.as_markup()


def audience_keyboard(t: Texts, counts: Sequence[tuple[str, int]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for audience, count in counts:
        builder.button(
            text=t(f"adm-audience-{audience}", count=count),
            callback_data=BroadcastAudience(audience=audience),
        )
    builder.adjust(1)
    builder.row(cancel_button(t))
    return builder.as_markup()


def broadcast_confirm_keyboard(t: Texts, audience: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("adm-btn-broadcast-send"), callback_data=BroadcastSend(audience=audience))
    builder.row(cancel_button(t))
    return builder.as_markup()
