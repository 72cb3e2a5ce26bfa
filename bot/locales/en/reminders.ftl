reminder-client =
    ⏰ <b>Session reminder</b>
    { $when } ({ $zone }), in { $left }
    Therapist: { $name }
reminder-client-link = Meeting link: { $link }
reminder-client-ask = Still on? If your plans have changed, you can move or cancel the session.
reminder-therapist =
    ⏰ <b>Session coming up</b>
    { $when } ({ $zone }), in { $left }
    Client: { $client }
    Format: { $format }
reminder-left = { $hours ->
        [0] { $minutes } min
       *[other] { $minutes ->
            [0] { $hours } h
           *[other] { $hours } h { $minutes } min
        }
    }

reminder-attend = ✅ I'll be there
reminder-move = 🔁 Move
reminder-cancel = ✖ Cancel
reminder-attend-thanks = Thank you! See you at the session.
reminder-gone = This session has been cancelled, moved or is over.

rating-ask =
    How was your session with { $name } ({ $when })?
    Rate it from 1 to 5 — your therapist will see the rating.
rating-thanks =
    Thank you! Your rating: { $score } of 5.
    Would you like to add a few words for your therapist? Send a message or tap “Skip”.
rating-skip = Skip
rating-saved = Thank you for the rating!
rating-comment-saved = Thank you, your feedback is saved.
rating-comment-too-long = That is a bit long: please keep it within { $limit } characters.
rating-comment-text-only = Feedback can only be text — or tap “Skip”.
rating-already = This session has already been rated. Thank you!
rating-not-yet = You can rate the session once it is over.
rating-gone = This session cannot be rated.
