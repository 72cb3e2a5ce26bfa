## Group sessions: seats at a therapist's group dates. Nobody is ever shown who else took a seat.

menu-groups = 👥 Groups
format-group = Group

group-list-title = <b>Therapy groups</b> that match the topics of your questionnaire. You see how many seats are taken, never by whom: members are shown to nobody.
group-list-line = • <b>{ $title }</b> — { $name }, { $price } a meeting. Next: { $next }, seats free: { $free }
group-list-zone = Times are in your time zone ({ $zone }).
group-list-empty = No groups match the topics of your questionnaire yet. New groups will appear here — check back later or look for an individual therapist.
group-card =
    <b>{ $title }</b>
    Led by { $name }
    { $about }

    A meeting is { $minutes } min, { $price } a seat. Up to { $capacity } people; only the therapist sees who else is in.
    Pick a meeting (times in { $zone }):
group-date-free = { $when } · { $taken } of { $capacity } taken
group-date-full = { $when } · full — join the waiting list
group-date-seat = ✅ { $when } · you have a seat
group-date-waiting = ⏳ { $when } · on the waiting list — leave
group-all = ◀ All groups
group-confirm =
    <b>{ $title }</b> — { $name }
    { $when } ({ $zone }), { $minutes } min
    Seat price: { $price }. { $taken } of { $capacity } taken.
    Free cancellation up to { $hours } h before.
group-book = ✅ Take a seat
group-seat-booked =
    ✅ Your seat in “{ $title }”: { $when } ({ $zone }).
    We will remind you. Free cancellation up to { $hours } h before — in “My sessions”.
group-seat-held = 👥 A seat in “{ $title }” is held for you.
group-wait-joined = ⏳ You are on the waiting list for “{ $title }”, { $when }. If a seat frees up we offer it in turn — you will have { $minutes } min to take it.
group-wait-left = You left the waiting list.
group-wait-not = You are no longer on the waiting list for this meeting.
group-offer-text =
    👥 A seat came free in “{ $title }”: { $when } ({ $zone }).
    It is kept for you until { $until }. Take it?
group-offer-take = ✅ Take the seat
group-offer-decline = No, thanks
group-offer-declined = All right, the seat goes to the next person waiting.
group-wait-cancelled = 👥 The “{ $title }” meeting on { $when } ({ $zone }) you were waiting for was cancelled. The group's other meetings are in “👥 Groups”.

group-gone = This group or meeting is no longer available: it was cancelled, closed, or its time has passed.
group-full = Every seat for this meeting is taken. You can join the waiting list — we will offer you a seat if one frees up.
group-already-seated = You already have a seat at this meeting — it is in “My sessions”.
group-seats-left = This meeting still has seats — you can take one right away.
group-time-taken = The therapist already has a session or another group at that time. Choose another time.
group-offer-gone = This offer is no longer valid: the time to answer ran out or the seat was taken.
group-no-move = A group seat cannot be moved — cancel it and pick another meeting of the group.

cabinet-seat = 👥 { $title }, { $when }
booking-seat-title =
    <b>👥 { $title }</b> — { $name }
    { $when } ({ $zone }), { $minutes } min, { $price }
    Status: { $status }. Seats taken: { $taken } of { $capacity }.

schedule-group = • { $time } — 👥 { $title } ({ $taken } of { $capacity })
schedule-group-button = 👥 { $day } { $time } ({ $taken }/{ $capacity })
group-date-card =
    <b>👥 { $title }</b>
    { $when } ({ $zone })
    Seats taken: { $taken } of { $capacity }
    Members: { $members }
group-members-none = nobody yet
group-date-was-cancelled = This meeting was cancelled.
group-date-not-yours = This meeting is not one of your groups'.
group-write-all = ✉️ Write to all members
group-cancel-date = ❌ Cancel the meeting
group-cancel-date-ask = Cancel “{ $title }” on { $when }? Members: { $count }. Each is told and refunded in full.
group-cancel-date-yes = Yes, cancel
group-date-cancelled = “{ $title }” on { $when } is cancelled. Seats cancelled: { $count }; the members are told and refunded.
notify-group-seat = 👥 Group “{ $title }”: { $taken } of { $capacity } taken.

messaging-prompt-members = Write your message to the members of “{ $title }” ({ $count }). Each gets it as a private message from you — members do not see one another. Replies come to you here.
messaging-from-therapist-group = ✉️ { $name } to the members of “{ $title }”:
messaging-members-delivered = Delivered to { $sent } of { $total }.

invoice-title-group = A seat in a group
invoice-description-group = “{ $title }” — { $name }, { $when } ({ $zone }), { $minutes } min.
invoice-label-group = Group seat, { $minutes } min
receipt-group = Group psychological consultation: “{ $title }”, { $name }, { $when }, { $minutes } min

practice-groups = 👥 Groups: { $dates } meetings, { $filled } of { $seats } seats filled ({ $percent }%)

tcmd-groups = My groups
adm-cmd-groups = Groups
groups-title = <b>Groups</b> ({ $count })
groups-line = #{ $id } <b>{ $title }</b> — { $name }; { $capacity } seats, { $price }, { $minutes } min; topics: { $topics }
    { $dates }
groups-date = [{ $id }] { $when } ({ $taken }/{ $capacity })
groups-no-dates = no meetings ahead
groups-usage =
    <b>Running groups</b> (times in the therapist's time zone):
    <code>/groups add [therapist id] seats price minutes title</code> — a new group (2–15 seats; only an admin gives the therapist id)
    <code>/groups about id text</code> — description
    <code>/groups topics id code,code</code> — topics (whom it is shown to)
    <code>/groups date id YYYY-MM-DD HH:MM [weeks]</code> — one meeting, or weekly
    <code>/groups cancel meeting_id</code> — cancel a meeting (every member refunded)
    <code>/groups off id</code> — close sign-ups
groups-added = Group #{ $id } created. Add a description, topics and meetings.
groups-saved = Group #{ $id } saved.
groups-dates-added = Meetings added: { $count }.
groups-date-cancelled = Meeting [{ $id }] cancelled, seats cancelled: { $count }.
groups-closed = Sign-ups for group #{ $id } are closed; seats already taken stay.
groups-no-therapist = There is no therapist with id { $id }.
groups-invalid = Seats from 2 to 15, a price above zero, and a length of 15 to 240 minutes.
groups-title-length = The title is 1 to { $limit } characters.
groups-about-length = The description is at most { $limit } characters.
groups-topics-unknown = No such topics: { $codes }. Topic codes are in /topics.
groups-weeks = Weeks: from 1 to { $limit }.
notice-group-date-cancelled =
    The “{ $title }” meeting on <b>{ $when }</b> ({ $zone }) is cancelled: { $name } cannot lead it.
    We are sorry. The group's other meetings are in “👥 Groups”.
calendar-feed-group = Group: { $title }
calendar-feed-group-about = Group meeting, seats taken: { $taken } of { $capacity }
book-ics-title-group = Group: { $title }
book-ics-description-group = Online group meeting led by { $name }, { $minutes } min. Cancel in the bot.
my-data-group-waiting = Waiting list of the group “{ $title }”: { $when }
reminder-client-group =
    ⏰ <b>Reminder: the “{ $title }” group meets</b>
    { $when } ({ $zone }), in { $left }
    Led by { $name }
reminder-client-ask-group = Still on? If your plans changed, you can cancel your seat — it goes to someone waiting.
