## The Mini App: the week at a glance. Its page asks for these texts (handlers/miniapp.py).

app-title = Неделя
app-week-prev = ◀ Раньше
app-week-next = Дальше ▶
app-all-therapists = Все подходящие терапевты
app-no-times = В этот день нет подходящего свободного времени.
app-book = Записаться
app-cancel = Назад
app-booking = Записываем…
app-minutes = мин
app-price = ₽
app-failed = Не получилось связаться с ботом. Проверьте интернет и попробуйте ещё раз — выбранное время не потеряется.
app-zone = Время — в вашем часовом поясе
app-unauthorized = Откройте эту страницу из Telegram — из чата с ботом.
app-start-first = Сначала начните разговор с ботом: нажмите /start в чате и дайте согласие.
app-questionnaire-first = Сначала заполните короткую анкету в чате с ботом — так мы подберём терапевтов.
app-ask-in-chat = Этот терапевт сначала подтверждает записи. Отправьте запрос в чате: там можно добавить записку.
app-booked = Готово: вы записаны на { $when } к { $name }. Подтверждение и файл для календаря — в чате.
app-held = Время { $when } у { $name } придержано за вами. Счёт на оплату — в чате.
app-open = 🗓 Неделя
