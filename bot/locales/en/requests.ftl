## Booking requests to therapists who confirm bookings first.

request-confirm =
    <b>Booking request</b>

    Therapist: { $name }
    When: <b>{ $when }</b> ({ $zone })
    Length: { $minutes } min
    Price: { $price } ₽

    { $name } confirms bookings first. I will send the request and hold this time for you until they answer, usually within { $hours } h.
request-note-none = You can add a short note for the therapist (optional): only they will see it.
request-note-shown = Your note for the therapist: “{ $note }”
request-send = 📨 Send the request
request-note-add = ✍️ Add a note
request-note-change = ✍️ Change the note
request-note-ask = Write your note for the therapist in one message, up to { $limit } characters: what is good to know before the first meeting. Only this therapist will see it; it is erased with your data.
request-note-long = The note has { $length } characters, and { $limit } fit. Please shorten it and send it again — your text is still in the chat above.
request-note-text-only = Please send the note as text, up to { $limit } characters.
request-busy = You already have a session or another request at that time.
request-sent =
    📨 Request sent: { $name }, <b>{ $when }</b> ({ $zone }).
    The time is held for you. I will write as soon as the therapist answers, usually within { $hours } h.
request-withdraw = Withdraw the request
request-withdrawn = Request withdrawn, the time is free again.
request-gone = This request is closed: it was answered, it lapsed or it was withdrawn.
proposal-take = ✅ Suits me, book it
proposal-refuse = Does not suit me
proposal-refused = All right, the request is closed. Let us find another time or another therapist.
find-others = 🔎 Find other therapists

request-accept = ✅ Accept
request-decline = Decline
request-propose = 🕑 Propose another time
request-reason-full = No room for new clients
request-reason-fit = Not my field
request-reason-time = This time does not work
request-reason-none = No reason
request-card-short = { $client }, { $when }
request-gone-therapist = This request is closed: the client withdrew it, it lapsed or it was answered already.
request-decline-why = Decline the request ({ $card })? Choose a reason — the client sees it in kind words.
request-client-busy = The client has another session at that time now. Decline the request or propose another time.
request-cannot = This time can no longer be booked. Propose another one to the client.
request-accepted = ✅ Request accepted: { $card }. The client got the confirmation.
request-accepted-pay = ✅ Request accepted: { $card }. The client got the invoice; the booking is confirmed once paid.
request-propose-pick = Which time to propose ({ $card })? Choose a day, then a time (time { $zone }).
request-propose-none = No free time to propose ({ $card }). Add hours in /availability or decline the request.
request-propose-taken = This time is taken already. Choose another one.
request-propose-busy = The client already has a session or a request at this time. Please choose another time.
request-proposed = 🕑 Another time proposed to the client ({ $card }). I will write when they answer.
request-declined-therapist = Request declined ({ $card }). The client is offered other therapists.
approval-title =
    <b>Confirming bookings</b>
    Now: { $current }.

    In confirmation mode a client sends a request, the time is held, and you accept, decline or propose another time. Unanswered, a request lapses.
approval-auto = Bookings are confirmed at once
approval-first = I confirm new clients' first bookings
approval-every = I confirm every booking
approval-chosen = ✓ { $label }
approval-saved = Saved.

notify-request-new =
    📨 <b>Booking request</b>
    Client: { $client }
    When: <b>{ $when }</b> ({ $zone })
    Format: { $format }
    Topics: { $topics }
    Client's note: { $note }

    Please answer by { $due }, or the request lapses and the time is free again.
notify-request-withdrawn = { $client } withdrew the request for { $when } ({ $zone }). The time is free again.
notify-request-refused = The time you proposed, { $when } ({ $zone }), does not suit { $client }. The request is closed, the time is free.
notify-request-lapsed = { $client }'s request for { $when } ({ $zone }) lapsed unanswered. The time is free again; the client was told.
notify-request-erased = The request for { $when } ({ $zone }) was withdrawn: the client erased their data. The time is free again.
notice-request-accepted = ✅ { $name } confirmed your booking: <b>{ $when }</b> ({ $zone }). See you then!
notice-request-accepted-pay = ✅ { $name } confirmed your booking: <b>{ $when }</b> ({ $zone }). Please pay by { $until } — the invoice is below.
notice-request-proposed = { $name } cannot make the time you chose and proposes another: <b>{ $when }</b> ({ $zone }). It is held for you until { $due }. Does it suit you?
notice-request-declined = Unfortunately { $name } cannot take this booking{ $reason }. It is not about you — let us find therapists who suit you.
request-why-full = : no room for new clients now
request-why-fit = : another therapist will suit your request better
request-why-time = : this time does not work
notice-request-lapsed = { $name } could not answer your request for { $when } ({ $zone }) in time, and the time is free again. Sorry for the wait — let us find another time or therapist.
cabinet-request-pending = ⏳ Request: { $name }, { $when } — waits for the therapist's answer
cabinet-request-proposed = 🕑 { $name } proposes { $when } — waits for your answer
cabinet-request-withdraw = Withdraw the request: { $when }
adm-btn-approval = Confirming bookings: { $mode }
