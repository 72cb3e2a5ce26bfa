## Couples: the partner the client invites to their couple sessions.

couple-invite-gone = This invitation no longer works: it was used, withdrawn or is older than 7 days. Please ask your partner for a new one.
couple-invite-own = This is your own invitation — send the link to your partner.
couple-already-paired = You are already paired with someone else. To accept a new invitation, end the current pairing first.
couple-session-gone = This couple session is no longer available: it was cancelled, has started, or you already said you cannot come.
notice-partner-joined = 👥 { $name } accepted your invitation: your couple sessions are now visible to your partner too, and both of you get reminders. Only you can move or cancel sessions.
notice-partner-skipped = 👥 Your partner cannot come to the couple session on { $when }. The session stays booked — you can move or cancel it in "My sessions" if needed.
notice-partner-skipped-therapist = 👥 Couple session on { $when } with { $client }: the client's partner cannot come; the session stays booked.
notice-partner-left-booker = 👥 Your partner ended your shared couple sessions in the bot — their sessions are no longer shown to you.
notice-partner-left-partner = 👥 Your partner left your shared couple sessions in the bot. The sessions stay yours.
notice-partner-left-erasure = 👥 Your partner erased their data from the bot, so your shared couple sessions have ended. Your sessions and data stay as they are.

couple-invite-button = 👥 Invite your partner
couple-invite-link =
    <b>An invitation for your partner</b>
    Forward this link to the person you attend couple sessions with:
    { $link }

    It works once and for { $days } days. Your partner gives their own consent (no questionnaire), sees your couple sessions and gets their own reminders. Only you keep moving, cancelling and paying for sessions.
couple-consent =
    <b>{ $name } invites you to couple sessions</b>

    So that you see these sessions and get reminders, I will keep your Telegram name, language and time zone. No questionnaire is needed. What you write to the therapist is seen only by the therapist. You can erase your data at any time with /delete_me — your partner's sessions stay.

    Do you agree to this processing of your data?
couple-joined = 👥 Done: you and { $name } share couple sessions now. They are in "My sessions"; { $name } moves and cancels them.
couple-shared-line = • { $when } — { $name }
couple-shared-button = 👥 { $when }
couple-shared-screen =
    <b>Couple session</b>: { $when } ({ $zone }), { $name }.
    { $booker } moves and cancels it. If you cannot come, say so — the session stays booked, and { $booker } and the therapist are told.
couple-skip-button = I cannot come
couple-skipped = Passed on: you will not come to the session on { $when }. The session stays booked.
cabinet-shared = 👥 Couple sessions (time { $zone }):
cabinet-shared-line = • { $when }
booking-partner = 👥 Partner: { $name }
reminder-partner =
    ⏰ <b>Couple session reminder</b>
    { $when } ({ $zone }), in { $left }
    Specialist: { $name }
notice-partner-moved = 👥 Your couple session was moved: now { $when } ({ $zone }), { $name }.
notice-partner-cancelled = 👥 Your couple session on { $when } ({ $zone }) with { $name } was cancelled.
messaging-partner-of = { $name } (partner of your client { $booker })
couple-pick = 👤 Pick your partner in Telegram
couple-pick-none = No need
couple-pick-closed = All right. The link above works if you want to forward it.
couple-pick-someone = This person
couple-pick-not-user = { $name } does not use the bot yet, so I cannot write first. Forward them the link above — it works.
couple-pick-sent = Invitation sent: { $name } will see it in their chat with me. The link above is no longer needed and no longer works.
couple-invited =
    👥 <b>{ $name } invites you to couple sessions</b>
    You will see these sessions, get reminders and be able to write to the therapist. { $name } moves, cancels and pays for the sessions.
couple-accept = ✅ Join
couple-decline = Not now
couple-accept-declined = All right, nothing changes.
couple-end-button = 👥 End shared sessions
couple-end-ask = End your shared couple sessions in the bot? The sessions stay with the one who booked them; the other person is told.
couple-end-yes = Yes, end them
couple-ended = Done: your shared couple sessions in the bot have ended.
couple-end-none = There are no shared couple sessions in the bot any more.
my-data-couple-partner = Couple: you see the couple sessions { $name } books
my-data-couple-booker = Couple: { $name } sees your couple sessions
couple-name-now = The therapist and your partner see you as “{ $name }”.
couple-name-change = ✏️ Another name
couple-name-ask = What should we call you? Type a name (up to { $limit } characters) — the therapist and your partner will see it.
couple-name-invalid = A name is 1 to { $limit } characters with at least one letter. Please try again.
couple-name-saved = Done: the therapist and your partner now see you as “{ $name }”.
