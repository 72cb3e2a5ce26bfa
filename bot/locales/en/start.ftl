welcome =
    Hello! I will help you find a psychotherapist who suits you and book a session — no calls, no waiting.
    Answer a few questions and I will show you matching specialists, their free times, and help you book.

consent =
    <b>Before we start — about your data</b>

    To match you with a specialist and keep your bookings, I will store:
    • your profile: name, e-mail for receipts, language and time zone;
    • your questionnaire answers — this is health-related information, used only for matching;
    • your bookings, payments and messages to your therapist.

    Only you and, as far as their role needs, your therapist and the service's administrators see them. You can erase everything at any time with /delete_me and see it with /my_data.

    Do you agree to the processing of this data?
consent-agree = I agree
consent-decline = I do not agree
consent-declined =
    All right, I have stored nothing. If you change your mind, just send /start.
    If things are hard right now, /sos shows where to get urgent help.
consent-press-button = Please choose an answer with the buttons under the message.

ask-name = What should I call you? Type a name or tap the button.
ask-name-use = Yes, { $name }
name-invalid = A name should be 1 to 64 characters with at least one letter. Please try again.
ask-email =
    Your e-mail for payment receipts (optional).
    Type it or tap "Skip".
email-skip = Skip
email-invalid = That address looks wrong — it should look like name@example.com. Please try again or tap "Skip".
text-expected = Here I am waiting for a text answer — I cannot read stickers, photos, voice messages or files.
too-long = That message is too long ({ $length } characters). Please make it shorter.
