q-progress = Question { $step } of { $total }
q-age = How old are you? Please type a number.
q-age-invalid = Please type your age as a number, for example 29.
q-age-unreal = That looks like a typo: please type an age from 18 to 120.
q-under-age =
    Thank you for writing. This service works with adults only, so I have not stored your answers.

    You can talk to a psychologist for free and anonymously:
    • in Russia, the helpline for children and teens: 8-800-2000-122 (124 from a mobile), 24/7;
    • in an emergency, 112; abroad, your local emergency number.

    Tell an adult you trust how you feel. You are not alone.
q-therapy-before = Have you been to a psychologist or psychotherapist before?
q-format = Which format do you need?
q-topics =
    What would you like to work on? Choose one or more topics and tap "Done".
q-topics-none = Choose at least one topic so I can find those who work with it.
q-gender = A therapist of which gender would you be more comfortable with?
q-days = Which days suit you?
q-time = Which time of day?
q-budget = How much are you ready to pay for one session?
q-buttons-expected = Please choose an answer with the buttons.

answer-yes = Yes
answer-no = No
format-individual = Individual
format-couple = Couple
gender-female = Female
gender-male = Male
gender-any = No matter
days-weekdays = Weekdays
days-weekends = Weekends
days-any = Any day
time-morning = Morning (8–12)
time-afternoon = Afternoon (12–17)
time-evening = Evening (17–22)
time-any = Any time
budget-tier = up to { $amount } ₽
budget-any = No matter
topics-done = Done ({ $count })

btn-back = ◀ Back
btn-edit = ✏️ { $field }
btn-confirm = ✅ All correct

summary-title = <b>Please check your answers</b>
summary-name = Name
summary-email = E-mail
summary-email-none = not given
summary-age = Age
summary-therapy-before = Been to therapy before
summary-format = Format
summary-topics = Topics
summary-gender = Therapist's gender
summary-days = Days
summary-time = Time
summary-budget = Budget
summary-timezone = Time zone
summary-line = { $label }: <b>{ $value }</b>
questionnaire-saved = Done, your questionnaire is saved. You can change your answers at any time in "Settings".
name-taken = I will call you "{ $name }" — you can change the name at the end of the questionnaire.
questionnaire-saved-matching = Done, your answers are saved. Here are the specialists who fit you — choose a day and a time. You can change your answers in "Settings".
