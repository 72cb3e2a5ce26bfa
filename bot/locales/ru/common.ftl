menu-title = <b>Главное меню</b>. Чем помочь?
menu-find = 🔎 Найти терапевта
menu-help = ❓ Помощь
menu-settings = ⚙️ Настройки
menu-sos = 🆘 Срочная помощь

help =
    <b>Что я умею</b>
    Подбираю психотерапевта по вашей анкете, показываю свободное время и записываю на сессию.

    /start — начать или вернуться в меню
    /checkin — короткий опрос о самочувствии
    /progress — результаты ваших опросов
    /settings — изменить анкету, язык, часовой пояс, опросы
    /language — язык
    /timezone — часовой пояс
    /my_data — какие данные о вас хранятся
    /delete_me — удалить все ваши данные
    /sos — куда обратиться за срочной помощью
    /help — эта справка

sos =
    <b>Если вам сейчас очень тяжело или есть угроза жизни</b>

    • <b>112</b> — единый номер экстренных служб, бесплатно и круглосуточно.
    • <b>051</b> — бесплатная круглосуточная психологическая помощь в Москве (с мобильного: <b>+7 495 051</b>).
    • <b>8-800-2000-122</b> — бесплатный телефон доверия для детей, подростков и родителей по всей России (с мобильного: <b>124</b>).

    Вы не одни. Позвонить — это нормально и правильно.

settings-title = <b>Настройки</b>
settings-edit-answers = 📝 Изменить анкету
settings-language = 🌐 Язык
settings-timezone = 🕒 Часовой пояс: { $zone }
settings-checkins = 📊 Опросы между сессиями
settings-my-data = 🗂 Мои данные
settings-delete = 🗑 Удалить мои данные
btn-menu = ◀ В меню

language-choose = Выберите язык:
language-set = Готово, язык: русский.
timezone-choose =
    Сейчас ваш часовой пояс: <b>{ $zone }</b> ({ $offset }).
    Выберите из списка или напишите смещение от UTC, например <code>+5</code> или <code>UTC-04:30</code>.
timezone-set = Часовой пояс: <b>{ $zone }</b> ({ $offset }). Время сессий буду показывать в нём.
timezone-invalid = Не получилось распознать часовой пояс. Выберите из списка, напишите пояс полностью (например, <code>Europe/Moscow</code> или <code>Asia/Yekaterinburg</code>) или смещение, например <code>+3</code>.
timezone-offset-hint = Или напишите смещение от UTC сообщением.

my-data-title = <b>Что о вас хранится</b>
my-data-none = О вас ничего не хранится.
my-data-consent = Согласие дано: { $date }
my-data-language = Язык: { $language }
my-data-no-questionnaire = Анкета ещё не заполнена.
my-data-waiting = Ожидание времени у { $name }: { $days }, { $time }
my-data-request = Запрос к { $name } на { $when }, ваша записка: { $note }
my-data-checkins-on = Опросы между сессиями: включены { $date }
my-data-checkins-off = Опросы между сессиями: выключены
my-data-checkins-shared = Прежние ответы видны новому терапевту
my-data-checkin = { $scale }, { $date }: ответы { $answers } (0 — «ни разу» … 3 — «почти каждый день»); { $state }
my-data-checkin-score = сумма { $total }, { $band }
my-data-checkin-open = не закончен
my-data-checkin-skipped = пропущен
my-data-footer = Удалить всё: /delete_me

delete-confirm =
    Удалить все ваши данные: профиль, анкету и историю диалога?
    Это нельзя отменить.
delete-yes = Да, удалить
delete-no = Нет, оставить
delete-done = Ваши данные удалены. Спасибо, что были с нами. Если захотите вернуться — отправьте /start.
delete-kept = Хорошо, ничего не удаляю.
delete-nothing = О вас ничего не хранится — удалять нечего.

need-start = Чтобы начать, отправьте /start.
unknown-input = Я не понял это сообщение. Вот меню — выберите, что нужно.
unsupported-content = Такие сообщения я пока не читаю. Напишите текстом или выберите кнопку.
stale-button = Эта кнопка устарела. Вот актуальный шаг.
stale-button-short = Эта кнопка уже не действует.
already-done = Уже принято ✓
error-generic = Что-то пошло не так на нашей стороне. Ваши ответы сохранены — попробуйте ещё раз через минуту.
slow-down = Слишком много сообщений подряд — я отвечу на всё по очереди.

cmd-start = Начать / главное меню
cmd-help = Помощь
cmd-checkin = Опрос о самочувствии
cmd-progress = Мои результаты опросов
cmd-settings = Настройки
cmd-language = Язык
cmd-timezone = Часовой пояс
cmd-my-data = Мои данные
cmd-delete-me = Удалить мои данные
cmd-sos = Срочная помощь
language-button-ru = 🇷🇺 Русский
language-button-en = 🇬🇧 English
private-only = Я отвечаю только в личном чате, чтобы ваши данные не видели другие. Напишите мне: { $bot }
private-only-short = Эта кнопка работает только в личном чате с ботом.
