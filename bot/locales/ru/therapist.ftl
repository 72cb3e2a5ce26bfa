invite-linked =
    Здравствуйте, { $name }! Ваш Telegram привязан к профилю специалиста.
    Сюда будут приходить записи, переносы, отмены и сообщения клиентов.

    /schedule — расписание на неделю
    /availability — рабочие часы и выходные
    /clients — ваши клиенты
    /calendar — ваши сессии в календаре телефона
    /confirmations — подтверждение записей
    /mystats — ваши показатели
    /language — язык
    /help — справка
invite-invalid = Эта ссылка недействительна: она устарела или уже использована. Попросите у администратора новую.
invite-taken = Этот Telegram уже привязан к другому профилю специалиста, или профиль привязан к другому аккаунту. Обратитесь к администратору.

therapist-help =
    <b>Вы — специалист</b>
    /schedule — сессии на сегодня и 7 дней вперёд
    /availability — недельный шаблон, длительность сессии, перерывы, выходные и отпуск
    /clients — ваши клиенты; написать клиенту
    /calendar — ссылка для подписки календаря (Google, Apple) на ваши сессии
    /confirmations — подтверждать записи самому: первые записи новых клиентов, все или никакие
    /mystats — ваши показатели: неявки, вторые сессии, смены терапевта, запросы (7, 30, 90 дней)
    /language — язык уведомлений, напоминаний и этих экранов
    Ответить клиенту: ответьте (reply) на его сообщение или нажмите «Ответить» под ним.
tcmd-schedule = Расписание
tcmd-availability = Рабочие часы
tcmd-clients = Клиенты
tcmd-calendar = Календарь
tcmd-confirmations = Подтверждение записей
tcmd-mystats = Мои показатели
tcmd-language = Язык
tcmd-help = Справка

schedule-title = <b>Расписание</b> (время { $zone })
schedule-day = <b>{ $day }</b>
schedule-session = • { $time } — { $client } ({ $status })
schedule-free = свободно: { $count }
schedule-nothing = нет сессий и свободного времени
schedule-requests = 📨 Запросы ждут вашего ответа ({ $count }) — кнопки на карточках запросов:
schedule-request = • { $when } — { $client }, ответить до { $due }
schedule-waiting = 🔔 Ждут, когда у вас освободится время: { $count }. Новые часы работы или отменённая сессия сразу уйдут им по очереди.
schedule-hint = Нажмите на сессию, чтобы написать клиенту или отметить, как она прошла.

tbooking-card =
    <b>Сессия { $when }</b> ({ $zone })
    Клиент: { $client }
    Формат: { $format }
    Темы: { $topics }
    Статус: { $status }
tbooking-completed = ✅ Состоялась
tbooking-no-show = 🚫 Клиент не пришёл
tbooking-write = ✉️ Написать клиенту
tbooking-marked = Отмечено: { $status }.
tbooking-not-started = Отметить можно после начала сессии.
tbooking-not-yours = Эта сессия недоступна.

availability-title = <b>Рабочие часы</b> (время { $zone })
availability-windows = Окна по дням недели:
availability-window = • { $weekday } { $from }–{ $to }
availability-no-windows = Окон пока нет — клиенты не видят свободного времени.
availability-format = Сессия { $minutes } мин, перерыв { $pause } мин.
availability-off = Выходные и отпуск:
availability-off-line = • { $from } — { $to }
availability-add = ➕ Добавить окно
availability-remove = ✖ { $weekday } { $from }–{ $to }
availability-minutes = ⏱ Длительность: { $minutes } мин
availability-pause = ☕ Перерыв: { $pause } мин
availability-add-off = 🌴 Выходной или отпуск
availability-remove-off = ✖ { $from } — { $to }
availability-pick-weekday = Выберите день недели для нового окна:
availability-type-window = Напишите время окна для «{ $weekday }», например <code>10:00-18:00</code>.
availability-window-invalid = Не получилось прочитать время. Пример: <code>10:00-18:00</code> (начало раньше конца, в пределах суток).
availability-window-overlaps = Это окно пересекается с уже добавленным в тот же день.
availability-pick-minutes = Выберите длительность сессии:
availability-pick-pause = Выберите перерыв между сессиями:
availability-type-off = Напишите дату выходного (<code>2026-12-31</code>) или период отпуска (<code>2026-12-24 2027-01-05</code>).
availability-off-invalid = Не получилось прочитать даты. Пример: <code>2026-12-31</code> или <code>2026-12-24 2027-01-05</code> (не в прошлом, начало не позже конца, не длиннее года).
availability-synced = Свободное время обновлено: добавлено { $added }, убрано { $removed }.
availability-outside = Эти сессии теперь вне рабочего времени — они не отменены, договоритесь с клиентами о переносе:
availability-outside-line = • { $when } — { $client }
weekday-long-0 = понедельник
weekday-long-1 = вторник
weekday-long-2 = среда
weekday-long-3 = четверг
weekday-long-4 = пятница
weekday-long-5 = суббота
weekday-long-6 = воскресенье

clients-title = <b>Ваши клиенты</b>
clients-none = Клиентов пока нет.
clients-line = • { $client } — последняя сессия { $last }{ $next }
clients-next = , следующая { $when }
clients-write = ✉️ { $client }
tbooking-cancel = ✖ Отменить сессию
tbooking-cancel-yes = ✖ Да, отменить сессию
tbooking-cancel-ask =
    Отменить сессию { $when } ({ $zone }) с клиентом { $client }?
    Клиент получит уведомление с извинениями и сможет выбрать другое время; если сессия оплачена онлайн, оплата вернётся полностью.
tbooking-cancelled = Сессия отменена, клиент получит уведомление.
tbooking-cancel-gone = Эту сессию уже нельзя отменить: она отменена, перенесена или уже началась.

calendar-feed-off = Подписка календаря пока не включена: администратору нужно указать публичный адрес бота (CALENDAR_FEED_URL).
calendar-feed-link =
    <b>Ваши сессии в календаре</b>
    Личная ссылка — не пересылайте её никому:
    <code>{ $url }</code>

    <b>Google Календарь</b> (на компьютере): «Другие календари» → «+» → «Добавить по URL» → вставьте ссылку.
    <b>Apple Календарь</b>: на iPhone — Настройки → Календарь → Учётные записи → Новая учётная запись → Другое → «Подписной календарь»; на Mac — Файл → «Новая подписка на календарь».
    Календарь обновляется сам (обычно раз в час или чаще); в событиях — только имя клиента.
calendar-feed-exists =
    Ссылка на календарь уже выдана (она показывается один раз и нигде не хранится в открытом виде).
    Потеряли её или переслали не тому? Сделайте новую — старая сразу перестанет работать.
calendar-feed-renew = 🔄 Новая ссылка
calendar-feed-renewed = Новая ссылка готова, старая больше не работает
calendar-feed-name = Сессии — { $name }
calendar-feed-event = Сессия: { $client }
calendar-feed-event-about = Онлайн-сессия, { $format }
