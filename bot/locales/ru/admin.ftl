## Admin commands: menu

adm-cmd-therapists = Админ: терапевты
adm-cmd-add-therapist = Админ: добавить терапевта
adm-cmd-invite = Админ: ссылка-приглашение терапевту
adm-cmd-topics = Админ: темы
adm-cmd-slots = Админ: слоты терапевта
adm-cmd-bookings = Админ: записи
adm-cmd-stats = Админ: статистика
adm-cmd-export = Админ: выгрузка CSV
adm-cmd-broadcast = Админ: рассылка
adm-cmd-audit = Админ: журнал действий

## Shared

adm-stale = Эта кнопка устарела: её экран уже закрыт. Начните заново командой.
adm-cancelled = Отменено. Ничего не изменено.
adm-nothing-to-cancel = Отменять нечего.
adm-dialog-left = Незаконченный админ-диалог закрыт, ничего не сохранено.
adm-use-buttons = Здесь нужно выбрать кнопку (или отменить: /cancel).
adm-expect-text = Здесь нужен ответ текстом (или отменить: /cancel).
adm-list-cut = … список не поместился в одно сообщение.
adm-btn-cancel = ✖ Отмена
adm-btn-skip = Оставить пустым
adm-btn-save = ✅ Сохранить
adm-btn-done = Готово ({ $count })

## Therapists: list and card

adm-therapists-title = <b>Терапевты</b>: { $count } · страница { $page } из { $pages }
    ✅ — виден клиентам, ⏸ — скрыт.
adm-therapists-empty = Пока нет ни одного терапевта. Добавьте: /add_therapist
adm-therapist-unknown = Терапевта #{ $id } нет. Список: /therapists
adm-btn-add-therapist = ➕ Добавить терапевта
adm-btn-to-list = ◀ К списку
adm-btn-to-card = ◀ К карточке
adm-btn-edit = ✏️ { $field }
adm-btn-activate = ▶ Показывать клиентам
adm-btn-deactivate = ⏸ Скрыть от клиентов
adm-btn-invite = 🔗 Ссылка-приглашение
adm-btn-slots = 🗓 Слоты
adm-btn-bookings = 📋 Записи
adm-activated = Терапевт снова виден клиентам.
adm-deactivated = Терапевт скрыт от клиентов. Уже назначенные сессии остаются.
adm-status-active = ✅ виден клиентам
adm-status-inactive = ⏸ скрыт
adm-card-title = <b>#{ $id } { $name }</b> — { $status }
adm-card-line = <b>{ $label }:</b> { $value }
adm-card-linked = Telegram привязан (id { $id }).
adm-card-not-linked = Telegram не привязан: отправьте терапевту ссылку-приглашение.
adm-price = { $price } ₽
adm-minutes = { $minutes } мин
adm-photo-yes = есть
adm-photo-current = Текущее фото.

adm-field-name_ru = Имя (рус)
adm-field-name_en = Имя (англ)
adm-field-gender = Пол
adm-field-formats = Форматы
adm-field-topics = Темы
adm-field-price = Цена
adm-field-session_minutes = Длительность
adm-field-timezone = Часовой пояс
adm-field-about_ru = О себе (рус)
adm-field-about_en = О себе (англ)
adm-field-education_ru = Образование (рус)
adm-field-education_en = Образование (англ)
adm-field-photo = Фото
adm-field-meeting_link = Ссылка на встречу

adm-gender-female = Женщина
adm-gender-male = Мужчина
adm-formats-individual = Индивидуально
adm-formats-couple = Пары
adm-formats-both = Индивидуально и пары

## Therapists: adding and editing

adm-add-progress = <b>Новый терапевт</b> · шаг { $step } из { $total }
adm-edit-current = <b>{ $field }</b> сейчас: { $value }
adm-ask-name_ru = Имя и фамилия по-русски, как их увидят клиенты:
adm-ask-name_en = Имя и фамилия латиницей (для английской версии):
adm-ask-gender = Пол терапевта:
adm-ask-formats = С кем работает:
adm-ask-topics = Темы, с которыми работает (можно несколько), затем «Готово»:
adm-ask-price = Цена сессии в рублях, числом (например, <code>3500</code>):
adm-ask-session_minutes = Длительность сессии в минутах (от 15 до 240):
adm-ask-timezone = Часовой пояс терапевта: выберите или напишите название (<code>Europe/Moscow</code>) или смещение (<code>+5</code>).
adm-ask-about_ru = Текст «О себе» по-русски:
adm-ask-about_en = Текст «О себе» по-английски:
adm-ask-education_ru = Образование по-русски (или оставьте пустым):
adm-ask-education_en = Образование по-английски (или оставьте пустым):
adm-ask-photo = Фото терапевта: отправьте его как фото (не файлом), до 5 МБ. Или оставьте без фото.
adm-ask-meeting_link = Ссылка на видеовстречу (https://…), или оставьте пустой:
adm-ask-limit = Не длиннее { $limit } символов.
adm-add-summary = <b>Проверьте нового терапевта</b>
adm-add-later = Любое поле можно будет изменить в карточке.
adm-add-done = Терапевт #{ $id } добавлен. Слоты: /slots { $id }
adm-saved = Сохранено: { $field }.

adm-invalid-empty = Пустой ответ не подходит.
adm-invalid-long = Слишком длинно: { $length } { $length ->
        [one] символ
        [few] символа
       *[many] символов
    }, можно не больше { $limit }.
adm-invalid-price = Цена — целое число рублей больше нуля и не больше { $max }, например <code>3500</code>.
adm-invalid-minutes = Длительность — целое число минут от { $min } до { $max }.
adm-invalid-zone = Такого часового пояса нет. Напишите, например, <code>Europe/Moscow</code>, <code>Asia/Yekaterinburg</code> или смещение <code>+5</code>.
adm-invalid-link = Нужна ссылка, которая начинается с https:// (без пробелов, до 512 символов).
adm-invalid-photo-size = Фото слишком большое: { $size } МБ, можно до { $max } МБ.
adm-expect-photo = Здесь нужно фото: отправьте его как фото (не файлом) или нажмите «Оставить пустым».
adm-photo-as-file = Это файл, а нужно фото: отправьте картинку как фото (со сжатием).
adm-topics-none = Выберите хотя бы одну тему.

## Invites

adm-invite =
    Ссылка-приглашение для терапевта <b>#{ $id } { $name }</b>:
    { $link }

    Одноразовая, действует до { $until } ({ $zone }). Перешлите её терапевту: открыв её, он привяжет свой Telegram к профилю.
adm-invite-usage = Напишите номер терапевта: <code>/invite 5</code>. Номера — в /therapists.

## Topics

adm-topics-title = <b>Темы</b>: { $count }. 🙈 — скрыта из анкеты.
adm-topic-line = • { $ru } / { $en }
adm-topic-line-hidden = • 🙈 { $ru } / { $en }
adm-topic-card =
    <b>Тема #{ $id }</b> (код <code>{ $code }</code>)
    По-русски: { $ru }
    По-английски: { $en }
    { $status }
adm-topic-visible = Видна в анкете.
adm-topic-hidden = Скрыта из анкеты (у терапевтов остаётся).
adm-topic-unknown = Такой темы нет. Список: /topics
adm-topic-ask-ru = Название новой темы по-русски:
adm-topic-ask-en = Тема «{ $ru }». Теперь название по-английски:
adm-topic-ask-rename-ru = Сейчас по-русски: «{ $current }». Напишите новое название:
adm-topic-ask-rename-en = Сейчас по-английски: «{ $current }». Напишите новое название:
adm-topic-invalid = Название — от 1 до { $limit } символов. Напишите ещё раз.
adm-topic-exists = Тема с таким названием уже есть. Напишите другое.
adm-topic-saved = Тема сохранена.
adm-btn-topic-add = ➕ Добавить тему
adm-btn-topic-rename-ru = ✏️ По-русски
adm-btn-topic-rename-en = ✏️ По-английски
adm-btn-topic-hide = 🙈 Скрыть
adm-btn-topic-show = 👁 Показать
adm-btn-topics = ◀ Все темы

## Slots

adm-slots-usage = Напишите номер терапевта: <code>/slots 5</code>. Номера — в /therapists.
adm-slots-title = <b>Слоты #{ $id } { $name }</b> на { $days } дней, время { $zone }
adm-slots-legend = 🟢 свободен · 🔒 заблокирован · 📌 занят · ⏳ ждёт оплаты
adm-slots-none = Слотов нет.
adm-slots-day = <b>{ $day }</b>: { $times }
adm-slots-day-title =
    <b>Слоты #{ $id } { $name }</b>, { $day } (время { $zone })
    Нажмите свободное время, чтобы заблокировать его, заблокированное — чтобы освободить.
adm-btn-slot-add = ➕ Добавить слот
adm-btn-slot-days = ◀ Все дни
adm-slot-ask =
    Новый слот для <b>#{ $id } { $name }</b>, { $minutes } мин.
    Напишите дату и время по часовому поясу терапевта ({ $zone }, там сейчас <code>{ $now }</code>), например <code>{ $example }</code>.
adm-slot-invalid-format = Не получилось прочитать дату и время. Формат: <code>2026-12-08 15:00</code> или <code>08.12.2026 15:00</code>.
adm-slot-invalid-time = Такого времени в этом часовом поясе нет (переход на летнее время). Выберите другое.
adm-slot-past = Это время уже прошло. Нужно время в будущем.
adm-slot-too-far = Слишком далеко: слот можно добавить не дальше чем на год вперёд.
adm-slot-overlap = Этот слот пересекается с другим слотом терапевта. Выберите другое время.
adm-slot-added = Слот добавлен: <b>{ $when }</b> ({ $zone }).
adm-slot-unknown = Такого слота уже нет.
adm-slot-taken = Этот слот занят записью. Чтобы освободить его, отмените запись в /bookings.
adm-slot-blocked = Слот заблокирован.
adm-slot-freed = Слот снова свободен.
adm-slot-changed = Слот изменился, пока вы смотрели. Вот актуальное состояние.

## Bookings

adm-bookings-usage = Формат: <code>/bookings</code> (ближайшая неделя), <code>/bookings 2026-12-08</code> (день) или <code>/bookings 5</code> (терапевт №5).
adm-bookings-upcoming = <b>Записи</b>: сегодня и { $days } дней вперёд
adm-bookings-day = <b>Записи на { $day }</b>
adm-bookings-therapist = <b>Записи #{ $id } { $name }</b>: { $past } дней назад и { $next } вперёд
adm-bookings-zone = Время { $zone }.
adm-bookings-none = Записей нет.
adm-bookings-more = Показаны первые { $shown } из { $total }. Уточните день: /bookings ГГГГ-ММ-ДД
adm-bookings-cancel-hint = Кнопки ниже отменяют запись (спрошу причину).
adm-booking-line = #{ $id } · { $when } · { $client } → { $therapist } · { $status } · { $payment }
adm-booking-unknown = Записи #{ $id } нет.
adm-booking-not-active = Запись #{ $id } уже отменена или прошла.
adm-booking-about =
    <b>Запись #{ $id }</b>: { $when } ({ $zone })
    Клиент: { $client } · терапевт: { $therapist }
    { $price } ₽ · { $payment }
adm-client-erased = (данные удалены)
adm-pay-none = не оплачена онлайн
adm-pay-paid = оплачена
adm-pay-refund_pending = ждёт возврата
adm-pay-refunded = деньги возвращены
adm-btn-cancel-booking = ✖ #{ $id }
adm-btn-cancel-booking-yes = ✅ Да, отменить запись
adm-cancel-ask = Причина отмены — её увидит клиент (до { $limit } символов):
adm-cancel-reason-invalid = Причина — от 1 до { $limit } символов. Напишите ещё раз.
adm-cancel-confirm = Отменить запись с причиной «{ $reason }»? Клиенту и терапевту придёт уведомление.
adm-cancel-done = Запись #{ $id } отменена, слот снова свободен. Клиент и терапевт уведомлены. Оплата: { $payment }.

## Stats

adm-stats-title = <b>Статистика</b> (время { $zone })
adm-stats-users = Пользователей с профилем: { $count }
adm-period-today-title = <b>Сегодня</b>
adm-period-7d-title = <b>7 дней</b>
adm-period-30d-title = <b>30 дней</b>
adm-period-today = сегодня
adm-period-7d = 7 дней
adm-period-30d = 30 дней
adm-stats-people = Новых пользователей: { $users } · анкет заполнено: { $questionnaires }
adm-stats-bookings = Записи: создано { $created }, подтверждено { $confirmed }, отменено { $cancelled }, состоялось { $completed }, неявок { $no_show }
adm-stats-checkins = Опросов между сессиями пройдено: { $finished } · отмечено рисков: { $risks }
adm-funnel-title = <b>Воронка за 30 дней</b> (доля от /start)
adm-funnel-line = { $stage }: { $count } ({ $share })
adm-funnel-start = /start
adm-funnel-consent = согласие
adm-funnel-questionnaire = анкета
adm-funnel-booking = запись
adm-funnel-payment = оплата
adm-sources-title = <b>Откуда пришли за 30 дней</b> (метка ссылки /start, доля от /start)
adm-sources-none = Никто не пришёл по ссылке с меткой.
adm-source-line = <code>{ $source }</code>: { $count } ({ $share })
adm-measure-created = создано
adm-measure-confirmed = подтверждено
adm-measure-cancelled = отменено
adm-measure-completed = состоялось
adm-measure-no_show = неявка
adm-chart-bookings = Записи
adm-funnel-chart = Воронка за 30 дней
adm-stats-chart-caption = Записи по периодам и воронка за 30 дней.

adm-waitlist-title = <b>Лист ожидания</b>
adm-waitlist-size = Ждут свободного времени сейчас: { $count }
adm-waitlist-line = • { $name }: { $count }

## Export

adm-export-usage =
    Формат: <code>/export bookings|users|payments|practice [с] [по]</code>
    Даты — <code>ГГГГ-ММ-ДД</code>, включительно, по вашему часовому поясу; без дат — всё.
    Например: <code>/export payments 2026-12-01 2026-12-31</code>
adm-export-order = Дата «с» позже даты «по». Поменяйте их местами.
adm-export-caption = Выгрузка { $kind }: { $rows } строк, с { $first } по { $last }. Время { $zone }. CSV: UTF-8, разделитель «;».

## Broadcast

adm-broadcast-ask = Пришлите текст рассылки одним сообщением (до 4096 символов). Форматирование сохранится. Дальше будет предпросмотр и выбор получателей.
adm-broadcast-text-only = Рассылка — только текстом. Пришлите текст сообщения.
adm-broadcast-too-long = Слишком длинно: можно до { $limit } символов.
adm-broadcast-preview = Так сообщение увидят получатели:
adm-broadcast-audience = Кому отправить?
adm-audience-clients = Всем клиентам ({ $count })
adm-audience-upcoming = Клиентам с предстоящими сессиями ({ $count })
adm-audience-therapists = Терапевтам ({ $count })
adm-broadcast-nobody = В этой группе никого нет.
adm-broadcast-confirm = Отправить сообщение: { $audience }? Получателей: { $count }.
adm-btn-broadcast-send = 📨 Отправить
adm-broadcast-progress = Отправляю… { $done } из { $total }
adm-broadcast-done =
    <b>Рассылка завершена</b>: { $total } получателей.
    Доставлено: { $delivered }
    Заблокировали бота: { $blocked }
    Не удалось отправить: { $failed }

## Audit

adm-audit-title = <b>Журнал действий</b> админов: последние { $count }, время { $zone }
adm-audit-empty = Записей пока нет.
adm-audit-line = { $when } · { $actor } · <b>{ $action }</b> · { $target } · { $details }
adm-audit-refusals-title = <b>Отказано в доступе за { $days } дней</b>: попыток { $attempts }, людей { $people }
adm-audit-refusals-empty = Отказов не было.
adm-audit-refusal = { $actor } · <b>{ $action }</b> · { $details } · ×{ $count }, последняя { $when }
adm-audit-refusals-more = … и ещё строк: { $count }

adm-cmd-refunds = Админ: возвраты вручную
adm-refunds-title = <b>Возвраты, которые нужно сделать вручную</b>
adm-refunds-none = Сейчас ничего не ждёт возврата ✓
adm-refund-line = №{ $id } · бронь №{ $booking } · { $amount } { $currency } · { $reason } · с { $since }
    Telegram: <code>{ $charge }</code> · провайдер: <code>{ $provider }</code>
adm-refunds-hint = Верните деньги в кабинете провайдера (или звёзды — через поддержку), затем отметьте возврат кнопкой ниже: клиенту придёт сообщение.
adm-btn-refund-done = ✅ №{ $id } возвращён
adm-btn-refund-done-yes = ✅ Да, деньги возвращены
adm-refund-done-ask = Отметить возврат №{ $id } как сделанный? Клиент получит сообщение, что деньги вернулись. Отмечайте только после возврата.
adm-refund-marked = Возврат №{ $id } отмечен ✓
adm-refund-gone = Возврат №{ $id } уже отмечен или не найден.
admin-undelivered = <b>Уведомление не доставлено</b>: { $recipient }, бронь №{ $booking }. Свяжитесь с ним другим способом.
admin-update-parked = <b>Обновление отложено</b>: №{ $update } ({ $kind }) не удалось обработать (попыток: { $attempts }; { $failure }). Больше его не повторяем; человек, возможно, ждёт ответа. Подробности в журнале по номеру обновления.
admin-update-parked-no-error = процесс останавливался, не закончив
notice-recipient-client = клиенту
notice-recipient-therapist = терапевту
notice-recipient-group = в группу практики
notice-client-erased = клиент удалил свои данные
notice-cancelled-by-admin =
    Ваша сессия <b>{ $when }</b> ({ $zone }) со специалистом { $name } отменена администратором.
    Причина: { $reason }
    Приносим извинения. Можно выбрать другое время:
notice-cancelled-by-therapist =
    Ваша сессия <b>{ $when }</b> ({ $zone }) отменена: специалист { $name } не сможет её провести.
    Приносим извинения. Можно выбрать другое время:
adm-cancel-money-stars = Оплата звёздами вернётся клиенту полностью, автоматически.
adm-cancel-money-manual = Оплата вернётся клиенту полностью: возврат появится в /refunds, его нужно сделать в кабинете провайдера.
