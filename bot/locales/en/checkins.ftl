## Check-ins between sessions: PHQ-9 and GAD-7 (the standard English wording, phqscreeners.com).

checkin-scale-phq9 = Mood (PHQ-9)
checkin-scale-gad7 = Anxiety (GAD-7)

checkin-consent =
    <b>Short check-ins between sessions</b>

    Once a week, before a session, I can offer two short questionnaires: about mood (PHQ-9) and about anxiety (GAD-7). About 2 minutes: one question per screen, one tap per answer. You and your therapist will see how you are doing over time.

    • Only you and your current therapist see your answers. Admins and the practice's group chat never do.
    • It is not a diagnosis, just something to talk about in a session.
    • You can skip any check-in. Turn them off and erase the answers in /settings; erase everything with /delete_me.

    Turn check-ins on?
checkin-consent-yes = Yes, turn them on
checkin-consent-no = No, thanks
checkin-consent-given = Thank you! Shall we begin? It takes about 2 minutes. Later is fine too: I will offer it before your session.
checkin-consent-declined = All right, no check-ins. You can turn them on any time in /settings.

checkin-offer = Have 2 minutes before your session? A short check-in helps you and your therapist see how you are.
checkin-offer-resume = You have a check-in in progress: you can go on where you stopped.
checkin-start = ▶ Start the check-in
checkin-resume = ▶ Continue the check-in
checkin-not-now = Not now
checkin-nothing-due = You already answered this week's check-ins. Thank you! I will offer the next ones in a week.

checkin-intro-phq9 = Over the last 2 weeks, how often have you been bothered by the following problem?
checkin-intro-gad7 = Over the last 2 weeks, how often have you been bothered by the following problem?
checkin-question =
    <b>{ $scale }</b> · question { $number } of { $count }
    { $intro }

    <b>{ $item }</b>

checkin-answer-0 = Not at all
checkin-answer-1 = Several days
checkin-answer-2 = More than half the days
checkin-answer-3 = Nearly every day
checkin-back = ◀ Back
checkin-skip = Skip this time

checkin-phq9-1 = Little interest or pleasure in doing things
checkin-phq9-2 = Feeling down, depressed, or hopeless
checkin-phq9-3 = Trouble falling or staying asleep, or sleeping too much
checkin-phq9-4 = Feeling tired or having little energy
checkin-phq9-5 = Poor appetite or overeating
checkin-phq9-6 = Feeling bad about yourself — or that you are a failure or have let yourself or your family down
checkin-phq9-7 = Trouble concentrating on things, such as reading the newspaper or watching television
checkin-phq9-8 = Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual
checkin-phq9-9 = Thoughts that you would be better off dead or of hurting yourself in some way

checkin-gad7-1 = Feeling nervous, anxious or on edge
checkin-gad7-2 = Not being able to stop or control worrying
checkin-gad7-3 = Worrying too much about different things
checkin-gad7-4 = Trouble relaxing
checkin-gad7-5 = Being so restless that it is hard to sit still
checkin-gad7-6 = Becoming easily annoyed or irritable
checkin-gad7-7 = Feeling afraid as if something awful might happen

checkin-band-minimal = minimal
checkin-band-mild = mild
checkin-band-moderate = moderate
checkin-band-moderately-severe = moderately severe
checkin-band-severe = severe

checkin-result =
    <b>Thank you, the “{ $scale }” check-in is done.</b>
    Your score: <b>{ $total }</b> of { $most } — { $band }.

    { $words }

    This is not a diagnosis, just a guide for a talk with your therapist.
checkin-words-minimal = From your answers, there is little of this right now. It is good that you look after yourself.
checkin-words-mild = There are some difficulties. If you like, talk them over in a session.
checkin-words-moderate = The difficulties are noticeable. It is good that you shared them: your therapist will see this and can talk it through with you.
checkin-words-moderately-severe = It seems things are hard for you right now. Your therapist will see this; tell them in your session how you are.
checkin-words-severe = It seems things are very hard for you right now. You are not alone: your therapist will see this. If it gets unbearable, press /sos.
checkin-next = ▶ Next: { $scale }

checkin-risk-help =
    <b>Thank you for answering honestly.</b>
    Thoughts of death or of hurting yourself can come when things are very hard. You do not have to cope with them alone. Your therapist already knows and will reach out; you can write to them right now.
checkin-skipped = All right, we will skip it this time. Thank you! You can come back to it with /checkin.
checkin-stale = That question is already behind us.
checkin-no-consent = Check-ins are off. You can turn them on in /settings.

checkin-settings-on-text =
    <b>Check-ins between sessions are on</b>
    Once a week before a session I will offer the mood and anxiety check-ins. You and your current therapist see the answers.
checkin-settings-off-text =
    <b>Check-ins between sessions are off</b>
    Once a week before a session: two short questionnaires about mood and anxiety (about 2 minutes). Only you and your current therapist see the answers.
checkin-settings-on = Turn check-ins on
checkin-settings-off = Turn off and erase my answers
checkin-settings-off-ask = Turn check-ins off? All your answers will be erased; this cannot be undone.
checkin-settings-off-sure = Yes, turn off and erase
checkin-settings-keep = No, keep them
checkin-settings-share = Show earlier answers to a new therapist
checkin-settings-unshare = ✓ Earlier answers are shown to a new therapist (hide)

checkin-chart-title = Your check-ins
checkin-chart-title-client = Check-ins: { $client }
checkin-progress-title = <b>Your check-ins</b>
checkin-progress-none = No check-ins answered yet. Start one: /checkin
checkin-progress-scale = <b>{ $scale }</b> — { $trend }
checkin-progress-line = { $date }: { $total } of { $most }, { $band }
checkin-trend-first = the first result
checkin-trend-better = better than last time
checkin-trend-same = about the same as last time
checkin-trend-worse = harder than last time

checkin-therapist-view = 📈 Client's check-ins
checkin-therapist-title = <b>Check-ins: { $client }</b>
checkin-therapist-nothing = You cannot see this client's check-ins: they are not your current client, have not answered any, or have not shared them with you.
checkin-therapist-risk = ⚠️ { $date }: the question about thoughts of death or self-harm — “{ $answer }”

checkin-therapist-ask = 📝 Ask for a check-in
checkin-therapist-asked = Done: the client will be invited to a check-in.
checkin-therapist-asks = { $name } asks you to take a short check-in before your session. It takes about 2 minutes.
checkin-not-your-client = This is not your current client.
checkin-client-no-consent = The client has not turned check-ins on.
checkin-asked-this-week = The client already answered the check-ins this week. You can ask again in a week.
checkin-card-line = 📈 { $scales }
checkin-card-scale = { $scale }: { $total }, { $band } ({ $trend })
checkin-card-risk = ⚠️ a risk flag

checkin-scale-short-phq9 = PHQ-9
checkin-scale-short-gad7 = GAD-7
checkin-trend-short-first = •
checkin-trend-short-better = ↓ better
checkin-trend-short-same = ≈
checkin-trend-short-worse = ↑ harder
checkin-schedule-title = <b>Clients' check-ins</b> (the latest result)
checkin-schedule-client = { $client }: { $scores }
checkin-schedule-chart = The latest check-in results (share of the maximum)

notice-checkin-risk =
    ⚠️ <b>{ $client }</b> answered in the “{ $scale }” check-in that they have thoughts of death or of hurting themselves.
    They were shown the emergency numbers at once and offered to write to you. Please reach out to them.
notice-checkin-severe = <b>{ $client }</b> finished the “{ $scale }” check-in: { $total } points — { $band }.
admin-checkin-risk = ⚠️ A risk flag was raised in a check-in of a client of { $therapist }. The therapist has been told. Only the therapist sees the answers.
admin-checkin-risk-no-therapist = ⚠️ A risk flag was raised in a check-in of a client without a therapist. The client was shown the emergency numbers.
