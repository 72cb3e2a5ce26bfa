menu-title = <b>Main menu</b>. How can I help?
menu-find = 🔎 Find a therapist
menu-help = ❓ Help
menu-settings = ⚙️ Settings
menu-sos = 🆘 Urgent help

help =
    <b>What I can do</b>
    I match you with a psychotherapist using your questionnaire, show free times and book a session.

    /start — start or return to the menu
    /checkin — a short check-in on how you are
    /progress — the results of your check-ins
    /settings — change your answers, language, time zone, check-ins
    /language — language
    /timezone — time zone
    /my_data — what data about you is stored
    /delete_me — erase all your data
    /sos — where to get urgent help
    /help — this help

sos =
    <b>If things are very hard right now or a life is in danger</b>

    • <b>112</b> — emergency services in Russia, free, 24/7.
    • <b>051</b> — free 24/7 psychological help line in Moscow (from a mobile: <b>+7 495 051</b>).
    • <b>8-800-2000-122</b> — free all-Russia helpline for children, teens and parents (from a mobile: <b>124</b>).

    Abroad, call your local emergency number.
    You are not alone. Calling is normal and right.

settings-title = <b>Settings</b>
settings-edit-answers = 📝 Change my answers
settings-language = 🌐 Language
settings-timezone = 🕒 Time zone: { $zone }
settings-checkins = 📊 Check-ins between sessions
settings-my-data = 🗂 My data
settings-delete = 🗑 Erase my data
btn-menu = ◀ Menu

language-choose = Choose a language:
language-set = Done, the language is English.
timezone-choose =
    Your time zone now: <b>{ $zone }</b> ({ $offset }).
    Choose from the list or type an offset from UTC, for example <code>+5</code> or <code>UTC-04:30</code>.
timezone-set = Time zone: <b>{ $zone }</b> ({ $offset }). I will show session times in it.
timezone-invalid = I could not read that time zone. Choose from the list, type the full zone name (for example <code>Europe/Moscow</code> or <code>Asia/Yekaterinburg</code>) or an offset, for example <code>+3</code>.
timezone-offset-hint = Or type an offset from UTC as a message.

my-data-title = <b>What is stored about you</b>
my-data-none = Nothing is stored about you.
my-data-consent = Consent given: { $date }
my-data-language = Language: { $language }
my-data-no-questionnaire = The questionnaire is not filled in yet.
my-data-waiting = Waiting for a time with { $name }: { $days }, { $time }
my-data-request = Request to { $name } for { $when }, your note: { $note }
my-data-checkins-on = Check-ins between sessions: on since { $date }
my-data-checkins-off = Check-ins between sessions: off
my-data-checkins-shared = Earlier answers are shown to a new therapist
my-data-checkin = { $scale }, { $date }: answers { $answers } (0 “not at all” … 3 “nearly every day”); { $state }
my-data-checkin-score = total { $total }, { $band }
my-data-checkin-open = not finished
my-data-checkin-skipped = skipped
my-data-footer = Erase everything: /delete_me

delete-confirm =
    Erase all your data: profile, answers and conversation history?
    This cannot be undone.
delete-yes = Yes, erase
delete-no = No, keep it
delete-done = Your data has been erased. Thank you for being with us. If you want to come back, send /start.
delete-kept = All right, nothing is erased.
delete-nothing = Nothing is stored about you — there is nothing to erase.

need-start = To begin, send /start.
unknown-input = I did not understand that message. Here is the menu — choose what you need.
unsupported-content = I cannot read this kind of message yet. Please type text or choose a button.
stale-button = This button is out of date. Here is the current step.
stale-button-short = This button no longer works.
already-done = Already done ✓
error-generic = Something went wrong on our side. Your answers are saved — please try again in a minute.
slow-down = Too many messages in a row — I will answer them all in turn.

cmd-start = Start / main menu
cmd-help = Help
cmd-checkin = A check-in on how you are
cmd-progress = My check-in results
cmd-settings = Settings
cmd-language = Language
cmd-timezone = Time zone
cmd-my-data = My data
cmd-delete-me = Erase my data
cmd-sos = Urgent help
language-button-ru = 🇷🇺 Русский
language-button-en = 🇬🇧 English
private-only = I answer only in a private chat, so that nobody else sees your data. Write to me: { $bot }
private-only-short = This button works only in a private chat with the bot.
