## The Mini App: the week at a glance. Its page asks for these texts (handlers/miniapp.py).

app-title = Week
app-week-prev = ◀ Earlier
app-week-next = Later ▶
app-all-therapists = All matching therapists
app-no-times = No free time that fits on this day.
app-book = Book
app-cancel = Back
app-booking = Booking…
app-minutes = min
app-price = ₽
app-failed = Could not reach the bot. Check your connection and try again — your choice is kept.
app-zone = Times are in your time zone
app-unauthorized = Open this page from Telegram, from the chat with the bot.
app-start-first = Start a conversation with the bot first: send /start in the chat and give your consent.
app-questionnaire-first = Fill in the short questionnaire in the chat first — that is how we match therapists.
app-ask-in-chat = This therapist confirms bookings first. Send the request in the chat: you can add a note there.
app-booked = Done: you are booked for { $when } with { $name }. The confirmation and a calendar file are in the chat.
app-held = { $when } with { $name } is held for you. The invoice is in the chat.
app-open = 🗓 Week
