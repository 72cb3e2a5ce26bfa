menu-my = 📅 My sessions
cmd-my = My sessions

cabinet-title = <b>My sessions</b>
cabinet-therapist = Your therapist: <b>{ $name }</b>
cabinet-waiting = 🔔 Waiting for a free time: { $names }
cabinet-none = No upcoming sessions.
cabinet-upcoming = Upcoming sessions (times in { $zone }):
cabinet-line = • { $when } — { $status }
cabinet-pick = Choose a session to move or cancel it.
status-pending_payment = awaiting payment
status-confirmed = confirmed
status-cancelled = cancelled
status-completed = completed
status-no_show = missed
cabinet-find = 🔎 Find a therapist
cabinet-change = 🔄 Change therapist
cabinet-history = 🗂 History
cabinet-back = ◀ My sessions

booking-title =
    <b>Session: { $when }</b> ({ $zone })
    Specialist: { $name }
    Length: { $minutes } min · { $price } ₽
    Status: { $status }
booking-moves-left = It can be moved { $count } more { $count ->
        [one] time
       *[other] times
    }.
booking-reschedule = 🔁 Move
booking-cancel = ✖ Cancel

reschedule-pick = Choose a new time with { $name } (times in { $zone }):
reschedule-none = The specialist has no other free time right now. You can cancel the session or choose another specialist.
reschedule-confirm =
    Move the session?
    From: { $was }
    To: <b>{ $when }</b> ({ $zone })
reschedule-yes = ✅ Move
reschedule-done = Done, the session is moved to <b>{ $when }</b> ({ $zone }). The new calendar file is below.
refusal-started = The session has already started — it cannot be changed. If something happened, write to your therapist.
refusal-too_late = A session can be moved up to { $hours } h before the start. You can cancel it or write to your therapist.
refusal-too_many = This session has already been moved { $count } times — no more moves. You can cancel it and book again.
refusal-gone = This session has already been cancelled, moved or has passed. Here are your current bookings.
refusal-conflict = The booking has just changed (perhaps on another device). Here is the current state.

cancel-confirm-free =
    Cancel the session on { $when } ({ $zone })?
    It is more than { $hours } h away — cancelling is free.
cancel-confirm-late =
    Cancel the session on { $when } ({ $zone })?
    It is less than { $hours } h away — this is a late cancellation. The specialist will be told.
cancel-yes = ✖ Yes, cancel
cancel-no = ◀ Keep it
cancel-done = The session on { $when } is cancelled and the time is freed.

history-title = <b>Session history</b> (times in { $zone })
history-empty = No past or cancelled sessions yet.
history-line = • { $when } — { $name }: { $status }
history-page = Page { $page } of { $pages }

change-why =
    Why would you like to change therapist? Pick a reason with a button. If you like, first write it in your own words (up to { $limit } characters).
    It is optional, but it helps us match better. Your therapist will not see it — neither the reason nor your words.
change-reason-fit = The approach did not fit
change-reason-schedule = Inconvenient schedule
change-reason-price = Price
change-reason-other = Other
change-reason-skip = Skip
change-words-kept = Thank you, your words are noted. Now pick the reason closest to them — or "Skip".
change-words-long = That is { $length } characters, and { $limit } fit. Please shorten it and send it again — your text is still in the chat above. Or just pick a reason with a button.
change-words-text-only = Please write the reason in words — or pick it with a button above.
change-cancel-ask =
    You have { $count ->
        [one] { $count } session
       *[other] { $count } sessions
    } booked with { $name }. Cancel { $count ->
        [one] it
       *[other] them
    }?
change-cancel-yes = Yes, cancel
change-cancel-no = No, keep
change-cancelled = Sessions cancelled: { $count }.
change-searching = Looking for specialists other than { $name }.

delete-confirm-bookings =
    Erase all your data: profile, answers and conversation history?
    Your upcoming sessions ({ $count }) will be cancelled and the specialists told. This cannot be undone.

notify-moved =
    <b>Session moved</b>
    Client: { $client }
    From: { $was }
    To: { $when } ({ $zone })
    Format: { $format }
notify-moved-group =
    <b>Session moved</b> with { $therapist }
    Client: { $client }
    From: { $was }
    To: { $when } ({ $zone })
notify-cancelled =
    <b>Session cancelled</b>
    Client: { $client }
    When: { $when } ({ $zone })
    Format: { $format }
notify-cancelled-group =
    <b>Session cancelled</b> with { $therapist }
    Client: { $client }
    When: { $when } ({ $zone })
