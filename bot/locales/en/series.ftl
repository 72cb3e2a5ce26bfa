# A regular time (weekly or fortnightly).
series-make = 📌 Make this my regular time
series-open = 📌 Regular time
series-button = 📌 { $pattern }
series-mark = 📌 { $when }
series-rhythm-1 = every week
series-rhythm-2 = every two weeks
series-rhythm-button-1 = Every week
series-rhythm-button-2 = Every two weeks
series-pattern = { $rhythm }, { $weekday }, { $time }
cabinet-series = Regular time: <b>{ $pattern }</b>
booking-series = Part of a regular time: { $pattern }.

series-ask-rhythm =
    <b>Make this your regular time?</b>
    { $name }, { $when } ({ $zone }).
    How often would you like to meet at this time?
series-preview-title =
    <b>Regular time: { $pattern }</b>
    Specialist: { $name }. Times in { $zone }.
series-preview-first = • { $when } — this session
series-preview-booked = ✅ { $when } — booked right away
series-preview-kept = 🗓 { $when } — kept for you, booked { $days } days ahead
series-preview-gap = ⚠️ { $when } — not possible: { $reason }
series-preview-alternatives = { "   " }↳ free that week: { $times }
series-preview-no-alternatives = { "   " }↳ no other free time that week
series-preview-footer = Each session is an ordinary booking: its own reminders, calendar file, and the same rules for moving and cancelling. Dates that cannot be booked are skipped; we tell you ahead and offer other times.
series-preview-pay = You pay for each session separately, before it. Nothing is charged without your tap.
series-preview-nothing = This time is not free in any of the coming weeks. Choose another time for the session and try again — or book single sessions.
series-confirm = ✅ Yes, make it regular
series-refused = This session cannot start a regular time: it already belongs to one or is over.
series-gone = This regular time no longer exists.

series-gap-client_busy = you have another session then
series-gap-day_off = the specialist's day off or vacation
series-gap-taken = that time is already taken
series-gap-outside_hours = the specialist does not work then
series-gap-clock_gap = the clocks change that day and this time does not exist

series-made =
    <b>Done, this time is yours: { $pattern }</b>, { $name }.
    We will book the next sessions ourselves, { $days } days ahead of each.
series-made-booked = ✅ Booked: { $when }
series-made-missed = ⚠️ { $when } — not possible: { $reason }

series-title =
    <b>📌 Regular time: { $pattern }</b>
    Specialist: { $name }. Times in { $zone }.
series-booked-title = Booked sessions:
series-occurrence = • { $when } — { $status }
series-later-title = Later (booked { $days } days ahead):
series-later = • { $when }
series-paused = Paused until { $day }.

# Notices.
notify-series-created =
    📌 <b>Regular time</b>: { $client }, { $pattern } ({ $zone }), { $format }.
    Sessions are booked automatically { $days } days ahead; each is an ordinary booking in /schedule.
notify-series-created-group = 📌 Regular time with { $therapist }: { $client }, { $pattern } ({ $zone }).
notify-series-missed = 📌 { $client }'s regular time: { $day } is not booked — { $reason }. The client was offered other times that week.
notice-series-missed =
    📌 The regular session on <b>{ $day }</b> could not be booked: { $reason }.
    Your regular time goes on. { $alternatives ->
        [none] The specialist has no other free time that week.
       *[some] Free that week ({ $zone }) — pick a time and that week's session will be then:
    }
notify-series-ended = 📌 { $client }'s regular time ({ $pattern }, { $zone }) has ended: { $why }. No new sessions are booked; what was booked already is in /schedule.
series-end-by-client = the client decided so
series-end-by-therapist = you ended it
series-end-by-change = the client chose another specialist
series-end-by-erasure = the client erased their data

series-move-same-day = Your regular time already has a session on that day. Please choose another day.
series-pause = ⏸ Pause
series-resume = ▶ Resume
series-end = ⏹ End
series-pause-ask = How long should the regular time pause? For a holiday, say. It goes on by itself afterwards.
series-pause-weeks = { $count ->
        [one] { $count } week
       *[other] { $count } weeks
    }
series-pause-confirm = Paused until <b>{ $day }</b>: no sessions are booked before then; afterwards the regular time goes on by itself.
series-pause-cancels = These sessions will be cancelled:
series-pause-yes = ⏸ Pause
series-paused-done = The regular time is paused.
series-resumed = The regular time goes on.
series-end-ask = <b>End the regular time?</b> No new sessions will be booked.
series-end-sessions = The sessions already booked can stay or be cancelled:
series-end-cancel = ⏹ End and cancel these sessions
series-end-keep = ⏹ End, keep the sessions
series-end-yes = ⏹ End
series-ended = The regular time has ended. You can book again at any time.
series-cancel-scope = This is a session of your regular time. What should be cancelled?
series-cancel-one = Only this one
series-cancel-following = This and all following
series-cancel-following-ask = <b>Cancel { $count ->
        [one] this session
       *[other] these { $count } sessions
    } and end the regular time?</b>
series-cancel-following-yes = ✖ Yes, cancel and end
series-change-ends = 📌 The regular time ({ $pattern }) with this specialist will end.
notice-series-ended = 📌 { $name } has ended your regular time ({ $pattern }). No new sessions are booked; each cancelled session comes in its own message, and paid ones are refunded in full. We will help you find another time or specialist.

# The therapist's side.
tseries-line = 📌 Regular time: { $pattern }
tseries-end = ⏹ End the regular time
tseries-end-ask = <b>End { $client }'s regular time</b> ({ $pattern })? No new sessions will be booked. { $count ->
        [0] There are no booked sessions ahead.
        [one] This session ahead will be cancelled (the client is told and refunded in full):
       *[other] These sessions ahead will be cancelled (the client is told and refunded in full):
    }
tseries-end-item = • { $when }
tseries-end-yes = ⏹ Yes, end it
tseries-ended = The regular time has ended.
tseries-ended-text = { $client }'s regular time has ended. Sessions cancelled: { $count }. The client was told.
tseries-gone = This regular time no longer exists.
tseries-touched = 📌 Clients' regular times that can no longer be booked (no sessions yet). Tell the clients now with the button below — or each one is told when the date comes, with other times that week:
tseries-touched-line = • { $day } — { $client }: { $reason }

# Paying for each session of a regular time.
series-invoice = 📌 The invoice for your regular session: { $name }, <b>{ $when }</b> ({ $zone }). Please pay by { $until } — otherwise the time is released (the regular time goes on).
series-invoice-again = 📌 A reminder: the session on { $when } ({ $zone }) with { $name } is not paid yet. You can pay until { $until }; then the time is released.
notice-series-released = 📌 The session on { $when } ({ $zone }) with { $name } was not paid in time, so we released it. Your regular time goes on; the next sessions as usual.
notify-series-released = 📌 { $client }'s regular session on { $when } ({ $zone }) was not paid by the free-cancellation deadline — the time is free again. The regular time goes on.

## The regular time's calendar event
series-calendar = 📅 The whole regular time to my calendar
series-ics-caption = Your regular time as one calendar event: open the file and the sessions repeat on their own. A newer file updates this event (a move, a cancellation, a pause).
series-ics-cancel-caption = Open this file to take the regular time out of your calendar

## Moving "this and following"
series-gap-kept = that week keeps its old time
series-gap-cancelled = you cancelled that week
series-move-scope = This is a session of your regular time ({ $pattern }). Move only this one, or this one and all the following ones?
series-move-scope-far = This is a session of your regular time. The new time is more than { $days } days away from it, so only this session can move there; to move the whole regular time, pick a time closer to it.
series-move-one = 🔁 Only this one
series-move-following = 🔁 This and all following
series-move-following-ask = <b>Move your regular time to { $pattern }?</b> Here is what happens to each session (times in { $zone }):
series-move-line = { $was } → <b>{ $when }</b>
series-move-stays = { $was } — stays as it is: { $why }
series-move-why-beyond = the new time that week is not open for booking yet
series-move-why-rules-too_late = it is too late to move it (less than { $hours } h before)
series-move-why-rules-too_many = this session has no moves left
series-move-why-rules-started = it has started
series-move-later = After that: { $pattern }, booked on its own as weeks pass.
series-move-following-yes = ✅ Yes, move them
series-move-following-done = Done: your regular time is now <b>{ $pattern }</b>.
series-move-far = To move the following sessions too, pick a time no more than { $days } days from this one.
series-move-same = That is your regular time already. Please pick another.

## Telling the clients of the dates ahead a change of hours no longer allows
tseries-tell = ✉️ Tell the clients now
tseries-told = { $count ->
    [0] Nobody to tell: those dates are no longer affected.
   *[other] Clients told: { $count }.
}
tseries-told-title = 📌 { $count ->
    [0] Nobody to tell: those dates are no longer affected.
   *[other] The clients were told (these dates of their regular times will not be booked):
}
notice-series-ahead =
    📌 There will be no session of your regular time with { $name } on <b>{ $day }</b>: { $reason }. The regular time goes on.
    You can pick another time that week once booking opens ({ $days } days ahead).

# Another time of a missed date's week.
series-take-ask = Book you for <b>{ $when }</b> ({ $zone }) instead of the session on { $day }? It will be your regular time's session for that week; after it, everything goes on at the usual time.
series-take-yes = ✅ Yes, book it
series-take-done = ✅ Booked: <b>{ $when }</b> ({ $zone }), with { $name } — your regular session instead of { $day }.
series-take-done-pay = Its invoice will come ahead of the session; nothing is charged without your tap.
series-take-had = You already have a regular session that week — it is in your cabinet.
series-take-taken = That time has just been taken. Free that week now ({ $zone }):
series-take-none = That time has just been taken, and there is no other free time that week. Your regular time goes on: the next session is at the usual time.

# A therapist who confirms every booking agrees to a regular time once.
series-asked =
    <b>The regular time ({ $pattern }) is waiting for { $name }'s yes.</b>
    Once the specialist agrees, we book the next sessions and send them here. This session stays as it is.
series-awaiting = ⏳ Waiting for { $name } to agree; until then no further sessions are booked.
notify-series-asked =
    📌 <b>A regular time?</b> { $client } asks to make their time regular: { $pattern } ({ $zone }), { $format }.
    If you agree, sessions are booked automatically { $days } days ahead; each is an ordinary booking in /schedule.
tseries-agree = ✅ Agree
tseries-refuse = ✖ Not now
tseries-agreed = ✅ { $client }'s regular time ({ $pattern }) is agreed. Booked:
tseries-refused = { $client }'s regular time ({ $pattern }) is not agreed. The client was told; the session already booked stays.
notice-series-approved =
    📌 <b>{ $name } agreed to your regular time: { $pattern }.</b>
    We book the next sessions ourselves, { $days } days before each; they are in /my.
notice-series-declined = 📌 { $name } cannot take the regular time { $pattern }. The session already booked stays; you can book further ones one at a time.
series-end-by-declined = you did not agree to it

# A date lost while the regular time was paused, told on resume.
notice-series-missed-paused =
    📌 While your regular time was paused, <b>{ $day }</b> became unavailable: { $reason }. That session could not be booked.
    Your regular time goes on. { $alternatives ->
        [none] The specialist has no other free time that week.
       *[some] Free that week ({ $zone }) — pick a time and that week's session will be then:
    }
