pay-hold =
    The time <b>{ $when }</b> ({ $zone }) is held for you for { $minutes } min.
    Please pay the invoice below — the booking is confirmed once paid. Card details are entered only in Telegram's secure form.
invoice-title = Session with a psychotherapist
invoice-description = { $name }, { $when } ({ $zone }), { $minutes } min.
invoice-label = Session { $minutes } min
pay-button = 💳 Pay
pay-expired = The hold has expired — please choose a time again.
pay-gone = This booking has already been cancelled or paid.
pay-mismatch = The invoice is out of date: the amount or currency does not match. Open a fresh invoice in "My sessions".
pay-confirmed = Payment received, the booking is confirmed!
pay-duplicate = This payment is already recorded ✓
pay-lost-stars = The payment arrived after the hold had expired and the time was taken. Your Stars have been refunded. Please choose another time:
pay-lost-provider = The payment arrived after the hold had expired and the time was taken. We will refund it: an administrator processes the refund, which usually takes a few days. Please choose another time:
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
cancel-refunded-stars = Your Stars have been refunded.
cancel-refund-requested = A refund has been requested — an administrator will process it and let you know.

admin-refund-needed =
    <b>Refund needed</b>
    Booking #{ $booking }, { $amount } { $currency }
    Telegram charge id: <code>{ $charge }</code>
    Provider charge id: <code>{ $provider }</code>
    Reason: { $reason }
refund-reason-cancelled = the client cancelled within the free period
refund-reason-lost = the payment arrived after the hold expired and the time was taken

card-number-warning =
    That looks like a bank card number. I have deleted the message and stored nothing.
    Please never send card details in the chat: payment goes only through Telegram's secure form.
paysupport =
    <b>Payment questions</b>
    Payment goes through Telegram's secure form; the bot never sees or stores card details.
    Cancelling at least { $hours } h before the start refunds the payment (Stars at once, card payments through an administrator).
    Describe the problem in your next message — I will pass it to an administrator with a link to your Telegram, so that they can answer you.
paysupport-sent = Passed on to an administrator — they will contact you in Telegram.
paysupport-admin = <b>Payment question</b> from { $client } — answer: { $contact }
cmd-paysupport = Payment questions
paysupport-contact = write to the client
book-done-paid = { $name }, { $when } ({ $zone }), { $minutes } min. The calendar file is below.
