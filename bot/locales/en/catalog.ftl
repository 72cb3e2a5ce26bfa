weekday-0 = Mon
weekday-1 = Tue
weekday-2 = Wed
weekday-3 = Thu
weekday-4 = Fri
weekday-5 = Sat
weekday-6 = Sun
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec
day-short = { $weekday } { $day } { $month }

card-name = <b>{ $name }</b>
card-facts = { $format } · { $minutes } min · { $price } ₽
card-came-back = 🔁 { $count } of 10 clients came back for a second session
card-format-individual = individual
card-format-couple = couples
card-format-both = individual and couples
card-why =
    { $total ->
        [0] Free times fit your schedule
       *[other] ✨ Works with { $matched } of your { $total } topics
    }
card-why-return = 🔁 Higher in the list: clients often come back to this therapist
card-why-quick = ⚡ Higher in the list: answers booking requests quickly
card-education = <i>Education:</i> { $text }
card-pick-day = Choose a day to see free times (times in { $zone }).
card-more = More about this specialist
card-other-days = ◀ { $day } — other days
card-no-days = No free times that fit your schedule in the coming days. Tap «🔔 Tell me when a time frees up» and I will write as soon as one comes up.

catalog-empty = There are no specialists with free times in the catalogue right now. Please look again a little later — or send /help.
catalog-nobody-format = No specialist offers this format with free times right now.
catalog-nobody-gender = Nobody was found because of the therapist gender preference.
catalog-nobody-budget = Nobody was found within your budget.
catalog-nobody-time = Nobody has free times on the chosen days and hours.
catalog-nobody-none_available = No specialist has free times right now.
catalog-try = You can widen the search with one tap:
catalog-relaxed = Showing results with wider conditions.
catalog-refreshed = Your answers have changed — here is a fresh selection.
relax-time = 🕒 Any day and time
relax-budget = 💳 A higher budget
relax-gender = 👤 Any gender
relax-answers = 📝 Change my answers

slot-confirm =
    <b>Please check your booking</b>

    Specialist: { $name }
    When: <b>{ $when }</b> ({ $zone })
    Length: { $minutes } min
    Price: { $price } ₽

    Free cancellation up to { $hours } h before the start.
book-confirm = ✅ Book
book-done =
    <b>You are booked!</b>

    { $name }, { $when } ({ $zone }), { $minutes } min.
    Payment goes directly to the specialist. Add the session to your calendar with the file below.
book-ics-caption = The session for your calendar (opening a newer file updates it)
book-ics-cancel-caption = Open this file to take the cancelled session out of your calendar
book-ics-title = Session with a psychotherapist: { $name }
book-ics-description = Online session, { $minutes } min. Cancel or move it in the bot.
book-taken = This time was just taken. Here are the specialist's free times now.
book-busy = You already have a session or a request at this time. Please choose another time.
book-unavailable = This time is no longer available. Here is the current selection.
book-too_soon = This time can no longer be booked: bookings close { $hours } h before the start.
book-too_far = Bookings are open only { $days } days ahead.
book-past = This time has already passed.
book-already = You are already booked for this time ✓

notify-booked =
    <b>New booking</b>
    Client: { $client }
    When: { $when } ({ $zone })
    Format: { $format }
    Topics: { $topics }
notify-booked-group =
    <b>New booking</b> with { $therapist }
    Client: { $client }
    When: { $when } ({ $zone })
    Format: { $format }
