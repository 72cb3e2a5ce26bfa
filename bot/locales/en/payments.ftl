pay-hold =
    The time <b>{ $when }</b> ({ $zone }) is held for you for { $minutes } min.
    Please pay the invoice below — the booking is confirmed once paid.
# Only with a card payment provider (Stars need no card).
pay-hold-card = Card details are entered only in Telegram's secure form.
invoice-title-session = Session with a psychotherapist
invoice-description-session = { $name }, { $when } ({ $zone }), { $minutes } min.
invoice-label-session = Session { $minutes } min
receipt-session = Psychological consultation: { $name }, { $when }, { $minutes } min
pay-button = 💳 Pay
pay-expired = The hold has expired — please choose a time again.
pay-gone = This booking has already been cancelled or paid.
pay-mismatch = The invoice is out of date: the amount or currency does not match. Open a fresh invoice in "My sessions".
pay-confirmed = Payment received, the booking is confirmed!
pay-duplicate = This payment is already recorded ✓
pay-duplicate-booked = This payment is already recorded ✓ Your session: { $name }, { $when } ({ $zone }), { $minutes } min.
pay-lost-stars = The payment arrived after the hold had expired and the time was taken. Your Stars are going back to your balance. Please choose another time:
hold-expired = The hold on { $when } expired without payment, and the time was released. You can choose a time again.
hold-expired-button = 🔎 Choose a time

payment-state-paid = Paid online
payment-state-pending = Awaiting payment until { $time }
payment-state-direct = Paid directly to the specialist
payment-state-refund_pending = Refund in progress
payment-state-refunded = Payment refunded
cancel-refund-stars = The Stars payment is refunded right after cancelling.
cancel-refund-provider = The payment will be refunded: an administrator processes it, which usually takes a few days.
cancel-no-refund = A late cancellation is not refunded.

admin-refund-needed =
    <b>Refund needed</b>
    Booking #{ $booking }, { $amount } { $currency }
    Telegram charge id: <code>{ $charge }</code>
    Provider charge id: <code>{ $provider }</code>
    Reason: { $reason }
    Refund it and mark it in /refunds (refund #{ $id }).
refund-reason-cancelled = the client cancelled within the free period
refund-reason-lost = the payment arrived after the hold expired and the time was taken

card-number-warning =
    That looks like a bank card number. I have deleted the message and stored nothing.
    Please never send card details in the chat: payment goes only through Telegram's secure form.
paysupport =
    <b>Payment questions</b>
    Payment goes through Telegram's secure form; the bot never sees or stores card details.
    Cancelling at least { $hours } h before the start refunds the payment (Stars at once, card payments through an administrator).
    Describe the problem in your next message — I will pass it to an administrator with a link to your Telegram, so that they can answer you. Changed your mind? /cancel.
paysupport-sent = Passed on to an administrator — they will contact you in Telegram.
paysupport-command = I don't pass commands on to an administrator. Write your payment question as an ordinary message and I will pass it on. Changed your mind? /cancel.
paysupport-cancelled = All right, nothing is passed on to an administrator. Need it later? /paysupport.
paysupport-admin = <b>Payment question</b> from { $client } — answer: { $contact }
cmd-paysupport = Payment questions
paysupport-contact = write to the client
book-done-paid = { $name }, { $when } ({ $zone }), { $minutes } min. The calendar file is below.

pay-lost-manual = The payment arrived after the hold had expired and the time was taken. We will refund it: an administrator processes the refund, which usually takes a few days. Please choose another time:
pay-mismatch-stars = The amount paid did not match the session's price, so the booking is not confirmed. Your Stars will go back to your balance. Open a fresh invoice in "My sessions".
pay-mismatch-manual = The amount paid did not match the session's price, so the booking is not confirmed. We will refund it: an administrator processes the refund, which usually takes a few days. Open a fresh invoice in "My sessions".
pay-unmatched-stars = This payment does not belong to any of your bookings — your Stars will go back to your balance.
pay-unmatched-manual = This payment does not belong to any of your bookings — we will refund it: an administrator processes the refund, which usually takes a few days.
refund-reason-mismatch = the amount or currency paid did not match the price
refund-reason-unmatched = the payment belongs to none of the payer's bookings
admin-refund-failed =
    <b>An automatic refund failed</b> (#{ $id })
    Booking #{ $booking }, { $amount } { $currency }
    Telegram charge id: <code>{ $charge }</code>
    Refund reason: { $reason }
    Please refund it by hand and mark it in /refunds.
notice-refund-done = Refund for the session on { $when }: { $amount } { $currency } — the money is back ✓
notice-refund-delayed = The refund for the session on { $when } ({ $amount } { $currency }) did not go through automatically. An administrator already knows and will return the money by hand — you need not do anything.
cancel-item = • { $when } — { $money }
cancel-money-free = free cancellation
cancel-money-late = late cancellation (less than { $hours } h before)
cancel-money-kept = late cancellation, the payment is not refunded
cancel-money-stars = the Stars go back to your balance
cancel-money-manual = an administrator refunds the payment
pay-twice-stars = This session is already paid — the second payment is not needed, your Stars will go back to your balance.
pay-twice-manual = This session is already paid — the second payment is not needed. We will refund it: an administrator processes the refund, which usually takes a few days.
refund-reason-twice = the session was already paid (a second payment)
