invite-linked =
    Hello, { $name }! Your Telegram is linked to your specialist profile.
    Bookings, moves, cancellations and clients' messages will come here.

    /schedule — the week's schedule
    /availability — working hours and days off
    /clients — your clients
    /calendar — your sessions in your phone's calendar
    /confirmations — confirming bookings
    /mystats — your numbers
    /language — language
    /help — help
invite-invalid = This link is not valid: it has expired or has already been used. Please ask an administrator for a new one.
invite-taken = This Telegram account is already linked to another specialist profile, or the profile is linked to another account. Please contact an administrator.

therapist-help =
    <b>You are a specialist</b>
    /schedule — sessions today and the next 7 days
    /availability — the weekly template, session length, breaks, days off and vacations
    /clients — your clients; write to a client
    /calendar — a link to subscribe your calendar (Google, Apple) to your sessions
    /confirmations — confirm bookings yourself: new clients' first ones, all or none
    /mystats — your numbers: no-shows, second sessions, changes of therapist, requests (7, 30, 90 days)
    /language — the language of notices, reminders and these screens
    To answer a client: reply to their message or tap "Reply" under it.
tcmd-schedule = Schedule
tcmd-availability = Working hours
tcmd-clients = Clients
tcmd-calendar = Calendar
tcmd-confirmations = Confirming bookings
tcmd-mystats = My numbers
tcmd-language = Language
tcmd-help = Help

schedule-title = <b>Schedule</b> (times in { $zone })
schedule-day = <b>{ $day }</b>
schedule-session = • { $time } — { $client } ({ $status })
schedule-free = free: { $count }
schedule-nothing = no sessions and no free time
schedule-requests = 📨 Requests waiting for your answer ({ $count }) — the buttons are on the request cards:
schedule-request = • { $when } — { $client }, answer by { $due }
schedule-waiting = 🔔 Waiting for a time of yours to free up: { $count }. New working hours or a cancelled session go to them in turn at once.
schedule-hint = Tap a session to write to the client or mark how it went.

tbooking-card =
    <b>Session { $when }</b> ({ $zone })
    Client: { $client }
    Format: { $format }
    Topics: { $topics }
    Status: { $status }
tbooking-completed = ✅ Took place
tbooking-no-show = 🚫 Client did not come
tbooking-write = ✉️ Write to the client
tbooking-marked = Marked: { $status }.
tbooking-not-started = This can be marked after the session starts.
tbooking-not-yours = This session is not available.

availability-title = <b>Working hours</b> (times in { $zone })
availability-windows = Windows by weekday:
availability-window = • { $weekday } { $from }–{ $to }
availability-no-windows = No windows yet — clients see no free time.
availability-format = Sessions of { $minutes } min, breaks of { $pause } min.
availability-off = Days off and vacations:
availability-off-line = • { $from } — { $to }
availability-add = ➕ Add a window
availability-remove = ✖ { $weekday } { $from }–{ $to }
availability-minutes = ⏱ Length: { $minutes } min
availability-pause = ☕ Break: { $pause } min
availability-add-off = 🌴 Day off or vacation
availability-remove-off = ✖ { $from } — { $to }
availability-pick-weekday = Choose the weekday of the new window:
availability-type-window = Type the window for { $weekday }, for example <code>10:00-18:00</code>.
availability-window-invalid = I could not read the time. Example: <code>10:00-18:00</code> (start before end, within one day).
availability-window-overlaps = This window overlaps one already added on the same day.
availability-pick-minutes = Choose the session length:
availability-pick-pause = Choose the break between sessions:
availability-type-off = Type the date of a day off (<code>2026-12-31</code>) or a vacation (<code>2026-12-24 2027-01-05</code>).
availability-off-invalid = I could not read the dates. Example: <code>2026-12-31</code> or <code>2026-12-24 2027-01-05</code> (not in the past, start not after end, at most a year).
availability-synced = Free time updated: { $added } added, { $removed } removed.
availability-outside = These sessions are now outside your working time — they are not cancelled; please agree a new time with the clients:
availability-outside-line = • { $when } — { $client }
weekday-long-0 = Monday
weekday-long-1 = Tuesday
weekday-long-2 = Wednesday
weekday-long-3 = Thursday
weekday-long-4 = Friday
weekday-long-5 = Saturday
weekday-long-6 = Sunday

clients-title = <b>Your clients</b>
clients-none = No clients yet.
clients-line = • { $client } — last session { $last }{ $next }
clients-next = , next { $when }
clients-write = ✉️ { $client }
tbooking-cancel = ✖ Cancel the session
tbooking-cancel-yes = ✖ Yes, cancel the session
tbooking-cancel-ask =
    Cancel the session on { $when } ({ $zone }) with { $client }?
    The client will get a notice with an apology and can choose another time; a session paid online is refunded in full.
tbooking-cancelled = Session cancelled, the client will be told.
tbooking-cancel-gone = This session can no longer be cancelled: it was cancelled or moved, or it has started.

calendar-feed-off = Calendar subscriptions are not on yet: an admin needs to set the bot's public address (CALENDAR_FEED_URL).
calendar-feed-link =
    <b>Your sessions in your calendar</b>
    Your personal link — do not forward it to anyone:
    <code>{ $url }</code>

    <b>Google Calendar</b> (on a computer): "Other calendars" → "+" → "From URL" → paste the link.
    <b>Apple Calendar</b>: on iPhone — Settings → Calendar → Accounts → Add Account → Other → "Add Subscribed Calendar"; on a Mac — File → "New Calendar Subscription".
    The calendar updates itself (usually hourly or more often); events show the client's first name only.
calendar-feed-exists =
    Your calendar link was given before (it is shown once and never stored readable).
    Lost it, or sent it to the wrong person? Make a new one — the old one stops working at once.
calendar-feed-renew = 🔄 New link
calendar-feed-renewed = The new link is ready; the old one no longer works
calendar-feed-name = Sessions — { $name }
calendar-feed-event = Session: { $client }
calendar-feed-event-about = Online session, { $format }
