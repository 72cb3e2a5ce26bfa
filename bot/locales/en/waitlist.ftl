## The waitlist: waiting for a therapist's freed time, and an offered time.

wait-button = 🔔 Tell me when a time frees up
wait-wish = { $days }, { $time }
wait-chosen = ✓ { $label }
wait-title =
    🔔 I will write as soon as { $name } has a time that suits you, and hold it for you for { $minutes } min.

    When it suits you: <b>{ $wish }</b> (your time, { $zone }).
    Change the days and time with the buttons if needed, then choose how long to wait.
wait-for-14 = Wait 2 weeks
wait-for-30 = Wait a month
wait-unavailable = This therapist is not taking new bookings now.
wait-joined-short = Done, I am waiting for a time for you.
wait-joined =
    Done. As soon as { $name } has a time ({ $wish }), I will write to you.
    Waiting until { $until }. You can stop waiting at any moment.
wait-ended =
    The wait for a time with { $name } has ended: no fitting time came up, sorry.
    If you still want this therapist, you can wait again.
waits-button = 🔔 Waiting for a time ({ $count })
waits-title = You are waiting for a free time:
waits-line = • { $name }: { $wish } — until { $until }
waits-none = You are not waiting for anyone's time now. The «🔔 Tell me when a time frees up» button is on a therapist's card.
waits-leave = Stop waiting: { $name }
waits-left = All right, I no longer wait for this therapist's time.
waits-gone = This wait has already ended.
offer-text =
    🔔 A time came free with { $name }: <b>{ $when }</b> (your time, { $zone }), { $minutes } min.
    I am holding it for you until { $until }. Book it?
offer-take = Book
offer-decline = Does not suit me
offer-stop = Stop waiting
offer-gone = This time is no longer held for you: the hold ran out or it was taken. I keep waiting and will write about the next one.
offer-declined = All right, this time goes to others. I keep waiting and will write about the next fitting one.
