## Admin commands: menu

adm-cmd-therapists = Admin: therapists
adm-cmd-add-therapist = Admin: add a therapist
adm-cmd-invite = Admin: invite link for a therapist
adm-cmd-topics = Admin: topics
adm-cmd-slots = Admin: a therapist's slots
adm-cmd-bookings = Admin: bookings
adm-cmd-stats = Admin: statistics
adm-cmd-export = Admin: CSV export
adm-cmd-broadcast = Admin: broadcast
adm-cmd-audit = Admin: audit log

## Shared

adm-stale = This button is out of date: its screen is closed. Start again with a command.
adm-cancelled = Cancelled. Nothing was changed.
adm-nothing-to-cancel = Nothing to cancel.
adm-dialog-left = The unfinished admin dialog was closed; nothing was saved.
adm-use-buttons = Please choose a button here (or cancel: /cancel).
adm-expect-text = Please answer with text here (or cancel: /cancel).
adm-list-cut = … the list did not fit into one message.
adm-btn-cancel = ✖ Cancel
adm-btn-skip = Leave empty
adm-btn-save = ✅ Save
adm-btn-done = Done ({ $count })

## Therapists: list and card

adm-therapists-title = <b>Therapists</b>: { $count } · page { $page } of { $pages }
    ✅ — visible to clients, ⏸ — hidden.
adm-therapists-empty = No therapists yet. Add one: /add_therapist
adm-therapist-unknown = There is no therapist #{ $id }. The list: /therapists
adm-btn-add-therapist = ➕ Add a therapist
adm-btn-to-list = ◀ Back to the list
adm-btn-to-card = ◀ Back to the card
adm-btn-edit = ✏️ { $field }
adm-btn-activate = ▶ Show to clients
adm-btn-deactivate = ⏸ Hide from clients
adm-btn-invite = 🔗 Invite link
adm-btn-slots = 🗓 Slots
adm-btn-bookings = 📋 Bookings
adm-activated = The therapist is visible to clients again.
adm-deactivated = The therapist is hidden from clients. Sessions already booked stay.
adm-status-active = ✅ visible to clients
adm-status-inactive = ⏸ hidden
adm-card-title = <b>#{ $id } { $name }</b> — { $status }
adm-card-line = <b>{ $label }:</b> { $value }
adm-card-linked = Telegram linked (id { $id }).
adm-card-not-linked = Telegram not linked: send the therapist an invite link.
adm-price = { $price } ₽
adm-minutes = { $minutes } min
adm-photo-yes = yes
adm-photo-current = The current photo.

adm-field-name_ru = Name (Russian)
adm-field-name_en = Name (English)
adm-field-gender = Gender
adm-field-formats = Formats
adm-field-topics = Topics
adm-field-price = Price
adm-field-session_minutes = Session length
adm-field-timezone = Time zone
adm-field-about_ru = About (Russian)
adm-field-about_en = About (English)
adm-field-education_ru = Education (Russian)
adm-field-education_en = Education (English)
adm-field-photo = Photo
adm-field-meeting_link = Meeting link

adm-gender-female = Woman
adm-gender-male = Man
adm-formats-individual = Individual
adm-formats-couple = Couples
adm-formats-both = Individual and couples

## Therapists: adding and editing

adm-add-progress = <b>New therapist</b> · step { $step } of { $total }
adm-edit-current = <b>{ $field }</b> now: { $value }
adm-ask-name_ru = First and last name in Russian, as clients will see it:
adm-ask-name_en = First and last name in Latin letters (for the English version):
adm-ask-gender = The therapist's gender:
adm-ask-formats = Works with:
adm-ask-topics = Topics they work with (several allowed), then "Done":
adm-ask-price = Price of a session in roubles, as a number (such as <code>3500</code>):
adm-ask-session_minutes = Session length in minutes (15 to 240):
adm-ask-timezone = The therapist's time zone: choose one, or type a name (<code>Europe/Moscow</code>) or an offset (<code>+5</code>).
adm-ask-about_ru = The "About" text in Russian:
adm-ask-about_en = The "About" text in English:
adm-ask-education_ru = Education in Russian (or leave it empty):
adm-ask-education_en = Education in English (or leave it empty):
adm-ask-photo = The therapist's photo: send it as a photo (not as a file), up to 5 MB. Or go without a photo.
adm-ask-meeting_link = Video meeting link (https://…), or leave it empty:
adm-ask-limit = At most { $limit } characters.
adm-add-summary = <b>Check the new therapist</b>
adm-add-later = Every field can be changed later on the card.
adm-add-done = Therapist #{ $id } added. Slots: /slots { $id }
adm-saved = Saved: { $field }.

adm-invalid-empty = An empty answer will not do.
adm-invalid-long = Too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, at most { $limit }.
adm-invalid-price = The price is a whole number of roubles above zero and at most { $max }, such as <code>3500</code>.
adm-invalid-minutes = The length is a whole number of minutes from { $min } to { $max }.
adm-invalid-zone = There is no such time zone. Type, for example, <code>Europe/Moscow</code>, <code>Asia/Yekaterinburg</code> or an offset such as <code>+5</code>.
adm-invalid-link = A link starting with https:// is needed (no spaces, up to 512 characters).
adm-invalid-photo-size = The photo is too large: { $size } MB, at most { $max } MB.
adm-expect-photo = A photo is needed here: send it as a photo (not as a file) or press "Leave empty".
adm-photo-as-file = That is a file; a photo is needed: send the picture as a photo (compressed).
adm-topics-none = Choose at least one topic.

## Invites

adm-invite =
    Invite link for the therapist <b>#{ $id } { $name }</b>:
    { $link }

    One-time, valid until { $until } ({ $zone }). Forward it to the therapist: opening it links their Telegram account to the profile.
adm-invite-usage = Type the therapist's number: <code>/invite 5</code>. The numbers are in /therapists.

## Topics

adm-topics-title = <b>Topics</b>: { $count }. 🙈 — hidden from the questionnaire.
adm-topic-line = • { $ru } / { $en }
adm-topic-line-hidden = • 🙈 { $ru } / { $en }
adm-topic-card =
    <b>Topic #{ $id }</b> (code <code>{ $code }</code>)
    Russian: { $ru }
    English: { $en }
    { $status }
adm-topic-visible = Shown in the questionnaire.
adm-topic-hidden = Hidden from the questionnaire (therapists keep it).
adm-topic-unknown = There is no such topic. The list: /topics
adm-topic-ask-ru = The new topic's name in Russian:
adm-topic-ask-en = Topic "{ $ru }". Now the name in English:
adm-topic-ask-rename-ru = Now in Russian: "{ $current }". Type the new name:
adm-topic-ask-rename-en = Now in English: "{ $current }". Type the new name:
adm-topic-invalid = A name is 1 to { $limit } characters. Please type it again.
adm-topic-exists = A topic with this name already exists. Type another one.
adm-topic-saved = Topic saved.
adm-btn-topic-add = ➕ Add a topic
adm-btn-topic-rename-ru = ✏️ Russian
adm-btn-topic-rename-en = ✏️ English
adm-btn-topic-hide = 🙈 Hide
adm-btn-topic-show = 👁 Show
adm-btn-topics = ◀ All topics

## Slots

adm-slots-usage = Type the therapist's number: <code>/slots 5</code>. The numbers are in /therapists.
adm-slots-title = <b>Slots of #{ $id } { $name }</b> for { $days } days, times in { $zone }
adm-slots-legend = 🟢 free · 🔒 blocked · 📌 booked · ⏳ awaiting payment
adm-slots-none = No slots.
adm-slots-day = <b>{ $day }</b>: { $times }
adm-slots-day-title =
    <b>Slots of #{ $id } { $name }</b>, { $day } (times in { $zone })
    Tap a free time to block it, a blocked one to free it.
adm-btn-slot-add = ➕ Add a slot
adm-btn-slot-days = ◀ All days
adm-slot-ask =
    A new slot for <b>#{ $id } { $name }</b>, { $minutes } min.
    Type the date and time in the therapist's time zone ({ $zone }, where it is <code>{ $now }</code> now), such as <code>{ $example }</code>.
adm-slot-invalid-format = Could not read the date and time. Format: <code>2026-12-08 15:00</code> or <code>08.12.2026 15:00</code>.
adm-slot-invalid-time = This time does not exist in that time zone (clocks go forward). Choose another.
adm-slot-past = This time has passed. A time in the future is needed.
adm-slot-too-far = Too far ahead: a slot can be added up to a year ahead.
adm-slot-overlap = This slot overlaps another slot of the therapist. Choose another time.
adm-slot-added = Slot added: <b>{ $when }</b> ({ $zone }).
adm-slot-unknown = This slot is gone.
adm-slot-taken = This slot is booked. To free it, cancel the booking in /bookings.
adm-slot-blocked = Slot blocked.
adm-slot-freed = Slot free again.
adm-slot-changed = The slot changed while you were looking. Here is how it is now.

## Bookings

adm-bookings-usage = Format: <code>/bookings</code> (the coming week), <code>/bookings 2026-12-08</code> (a day) or <code>/bookings 5</code> (therapist #5).
adm-bookings-upcoming = <b>Bookings</b>: today and { $days } days ahead
adm-bookings-day = <b>Bookings on { $day }</b>
adm-bookings-therapist = <b>Bookings of #{ $id } { $name }</b>: { $past } days back and { $next } ahead
adm-bookings-zone = Times in { $zone }.
adm-bookings-none = No bookings.
adm-bookings-more = The first { $shown } of { $total } are shown. Pick a day: /bookings YYYY-MM-DD
adm-bookings-cancel-hint = The buttons below cancel a booking (I will ask for the reason).
adm-booking-line = #{ $id } · { $when } · { $client } → { $therapist } · { $status } · { $payment }
adm-booking-unknown = There is no booking #{ $id }.
adm-booking-not-active = Booking #{ $id } is already cancelled or over.
adm-booking-about =
    <b>Booking #{ $id }</b>: { $when } ({ $zone })
    Client: { $client } · therapist: { $therapist }
    { $price } ₽ · { $payment }
adm-client-erased = (data erased)
adm-pay-none = not paid online
adm-pay-paid = paid
adm-pay-refund_pending = refund pending
adm-pay-refunded = refunded
adm-btn-cancel-booking = ✖ #{ $id }
adm-btn-cancel-booking-yes = ✅ Yes, cancel the booking
adm-cancel-ask = The reason for cancelling — the client will see it (up to { $limit } characters):
adm-cancel-reason-invalid = The reason is 1 to { $limit } characters. Please type it again.
adm-cancel-confirm = Cancel the booking with the reason "{ $reason }"? The client and the therapist will be told.
adm-cancel-done = Booking #{ $id } cancelled, the slot is free again. The client and the therapist were told. Payment: { $payment }.

## Stats

adm-stats-title = <b>Statistics</b> (times in { $zone })
adm-stats-users = People with a profile: { $count }
adm-period-today-title = <b>Today</b>
adm-period-7d-title = <b>7 days</b>
adm-period-30d-title = <b>30 days</b>
adm-period-today = today
adm-period-7d = 7 days
adm-period-30d = 30 days
adm-stats-people = New users: { $users } · questionnaires completed: { $questionnaires }
adm-stats-bookings = Bookings: created { $created }, confirmed { $confirmed }, cancelled { $cancelled }, completed { $completed }, no-shows { $no_show }
adm-stats-checkins = Check-ins finished: { $finished } · risk flags: { $risks }
adm-funnel-title = <b>Funnel over 30 days</b> (share of /start)
adm-funnel-line = { $stage }: { $count } ({ $share })
adm-funnel-start = /start
adm-funnel-consent = consent
adm-funnel-questionnaire = questionnaire
adm-funnel-booking = booking
adm-funnel-payment = payment
adm-sources-title = <b>Where people came from over 30 days</b> (the /start link's tag, share of /start)
adm-sources-none = Nobody came by a tagged link.
adm-source-line = <code>{ $source }</code>: { $count } ({ $share })
adm-measure-created = created
adm-measure-confirmed = confirmed
adm-measure-cancelled = cancelled
adm-measure-completed = completed
adm-measure-no_show = no-show
adm-chart-bookings = Bookings
adm-funnel-chart = Funnel over 30 days
adm-stats-chart-caption = Bookings by period and the funnel over 30 days.

adm-waitlist-title = <b>Waitlist</b>
adm-waitlist-size = Waiting for a free time now: { $count }
adm-waitlist-line = • { $name }: { $count }

## Export

adm-export-usage =
    Format: <code>/export bookings|users|payments|practice [from] [to]</code>
    Dates are <code>YYYY-MM-DD</code>, inclusive, in your time zone; without dates, everything.
    For example: <code>/export payments 2026-12-01 2026-12-31</code>
adm-export-order = The "from" date is after the "to" date. Swap them.
adm-export-caption = Export of { $kind }: { $rows } rows, from { $first } to { $last }. Times in { $zone }. CSV: UTF-8, separator ";".

## Broadcast

adm-broadcast-ask = Send the broadcast text as one message (up to 4096 characters). Formatting is kept. A preview and the choice of recipients come next.
adm-broadcast-text-only = A broadcast is text only. Send the text of the message.
adm-broadcast-too-long = Too long: at most { $limit } characters.
adm-broadcast-preview = This is how recipients will see the message:
adm-broadcast-audience = Who should get it?
adm-audience-clients = All clients ({ $count })
adm-audience-upcoming = Clients with upcoming sessions ({ $count })
adm-audience-therapists = Therapists ({ $count })
adm-broadcast-nobody = Nobody is in this group.
adm-broadcast-confirm = Send the message to: { $audience }? Recipients: { $count }.
adm-btn-broadcast-send = 📨 Send
adm-broadcast-progress = Sending… { $done } of { $total }
adm-broadcast-done =
    <b>Broadcast finished</b>: { $total } recipients.
    Delivered: { $delivered }
    Blocked the bot: { $blocked }
    Could not be sent: { $failed }

## Audit

adm-audit-title = <b>Audit log</b> of admin actions: the latest { $count }, times in { $zone }
adm-audit-empty = No entries yet.
adm-audit-line = { $when } · { $actor } · <b>{ $action }</b> · { $target } · { $details }
adm-audit-refusals-title = <b>Access refused over { $days } days</b>: { $attempts } attempts by { $people } people
adm-audit-refusals-empty = No refusals.
adm-audit-refusal = { $actor } · <b>{ $action }</b> · { $details } · ×{ $count }, last { $when }
adm-audit-refusals-more = … and { $count } more lines

adm-cmd-refunds = Admin: refunds by hand
adm-refunds-title = <b>Refunds to make by hand</b>
adm-refunds-none = Nothing is waiting for a refund ✓
adm-refund-line = #{ $id } · booking #{ $booking } · { $amount } { $currency } · { $reason } · since { $since }
    Telegram: <code>{ $charge }</code> · provider: <code>{ $provider }</code>
adm-refunds-hint = Return the money in the provider's dashboard (or Stars through support), then mark the refund with a button below: the client will be told.
adm-btn-refund-done = ✅ #{ $id } refunded
adm-btn-refund-done-yes = ✅ Yes, the money is back
adm-refund-done-ask = Mark refund #{ $id } as made? The client will be told the money is back. Mark it only once it is returned.
adm-refund-marked = Refund #{ $id } marked ✓
adm-refund-gone = Refund #{ $id } is already marked or unknown.
admin-undelivered = <b>A notice was not delivered</b>: { $recipient }, booking #{ $booking }. Please reach them another way.
admin-update-parked = <b>Update set aside</b>: no. { $update } ({ $kind }) could not be handled in { $attempts } tries ({ $failure }). It will not be tried again; the person may be waiting for an answer. The log has the details under the update's number.
admin-update-parked-no-error = the process stopped before finishing it
notice-recipient-client = to the client
notice-recipient-therapist = to the therapist
notice-recipient-group = to the practice's group
notice-client-erased = a client who erased their data
notice-cancelled-by-admin =
    Your session on <b>{ $when }</b> ({ $zone }) with { $name } was cancelled by the administrator.
    Reason: { $reason }
    We are sorry. You can choose another time:
notice-cancelled-by-therapist =
    Your session on <b>{ $when }</b> ({ $zone }) was cancelled: { $name } cannot hold it.
    We are sorry. You can choose another time:
adm-cancel-money-stars = The Stars payment goes back to the client in full, automatically.
adm-cancel-money-manual = The payment goes back to the client in full: the refund appears in /refunds and is made in the provider's dashboard.
