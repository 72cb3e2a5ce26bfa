# A regular time (weekly or fortnightly).
series-make = 📌 Сделать это время постоянным
series-open = 📌 Постоянное время
series-button = 📌 { $pattern }
series-mark = 📌 { $when }
series-rhythm-1 = каждую неделю
series-rhythm-2 = раз в две недели
series-rhythm-button-1 = Каждую неделю
series-rhythm-button-2 = Раз в две недели
series-pattern = { $rhythm }, { $weekday }, { $time }
cabinet-series = Постоянное время: <b>{ $pattern }</b>
booking-series = Часть постоянного времени: { $pattern }.

series-ask-rhythm =
    <b>Сделать это время постоянным?</b>
    { $name }, { $when } ({ $zone }).
    Как часто вы хотите встречаться в это же время?
series-preview-title =
    <b>Постоянное время: { $pattern }</b>
    Специалист: { $name }. Время — { $zone }.
series-preview-first = • { $when } — эта сессия
series-preview-booked = ✅ { $when } — забронируем сразу
series-preview-kept = 🗓 { $when } — оставим за вами, запишем за { $days } дн.
series-preview-gap = ⚠️ { $when } — не получится: { $reason }
series-preview-alternatives = { "   " }↳ свободно на этой неделе: { $times }
series-preview-no-alternatives = { "   " }↳ на этой неделе других свободных времён нет
series-preview-footer = Каждая сессия — обычная запись: свои напоминания, файл для календаря, те же правила переноса и отмены. Даты, которые не получится забронировать, мы пропустим, заранее скажем об этом и предложим другое время.
series-preview-pay = Каждую сессию вы оплачиваете отдельно, перед ней. Без вашего нажатия ничего не списывается.
series-preview-nothing = В ближайшие недели это время ни разу не свободно. Выберите другое время сессии и попробуйте снова — или запишитесь на отдельные сессии.
series-confirm = ✅ Да, сделать постоянным
series-refused = Эту сессию нельзя сделать началом постоянного времени: она уже в нём или уже прошла.
series-gone = Этого постоянного времени больше нет.

series-gap-client_busy = у вас в это время другая сессия
series-gap-day_off = у специалиста выходной или отпуск
series-gap-taken = это время уже занято
series-gap-outside_hours = специалист в это время не работает
series-gap-clock_gap = в этот день переводят часы, такого времени нет

series-made =
    <b>Готово, это время теперь ваше: { $pattern }</b>, { $name }.
    Следующие сессии мы будем бронировать сами, за { $days } дн. до каждой.
series-made-booked = ✅ Забронировано: { $when }
series-made-missed = ⚠️ { $when } — не получится: { $reason }

series-title =
    <b>📌 Постоянное время: { $pattern }</b>
    Специалист: { $name }. Время — { $zone }.
series-booked-title = Забронированные сессии:
series-occurrence = • { $when } — { $status }
series-later-title = Дальше (бронируем за { $days } дн.):
series-later = • { $when }
series-paused = На паузе до { $day }.

# Notices.
notify-series-created =
    📌 <b>Постоянное время</b>: { $client }, { $pattern } ({ $zone }), { $format }.
    Сессии бронируются сами за { $days } дн.; каждая — обычная запись в /schedule.
notify-series-created-group = 📌 Постоянное время у { $therapist }: { $client }, { $pattern } ({ $zone }).
notify-series-missed = 📌 Постоянное время { $client }: { $day } не забронировано — { $reason }. Клиенту предложены другие времена этой недели.
notice-series-missed =
    📌 Сессию постоянного времени <b>{ $day }</b> не получилось забронировать: { $reason }.
    Постоянное время продолжается. { $alternatives ->
        [none] На этой неделе у специалиста других свободных времён нет.
       *[some] Свободно на этой неделе ({ $zone }) — выберите время, и сессия этой недели пройдёт в него:
    }
notify-series-ended = 📌 Постоянное время { $client } ({ $pattern }, { $zone }) закончилось: { $why }. Новые сессии больше не бронируются; что уже было забронировано — в /schedule.
series-end-by-client = так решил клиент
series-end-by-therapist = его закончили вы
series-end-by-change = клиент выбрал другого специалиста
series-end-by-erasure = клиент удалил свои данные

series-move-same-day = В этот день уже есть сессия вашего постоянного времени. Выберите другой день.
series-pause = ⏸ Пауза
series-resume = ▶ Продолжить
series-end = ⏹ Закончить
series-pause-ask = На сколько поставить постоянное время на паузу? Например, на время отпуска. Потом оно продолжится само.
series-pause-weeks = { $count ->
        [one] { $count } неделя
        [few] { $count } недели
       *[many] { $count } недель
    }
series-pause-confirm = Пауза до <b>{ $day }</b>: до этого дня сессии не бронируются, потом постоянное время продолжится само.
series-pause-cancels = Эти сессии будут отменены:
series-pause-yes = ⏸ Поставить на паузу
series-paused-done = Постоянное время на паузе.
series-resumed = Постоянное время продолжается.
series-end-ask = <b>Закончить постоянное время?</b> Новые сессии больше не будут бронироваться.
series-end-sessions = Уже забронированные сессии можно оставить или отменить:
series-end-cancel = ⏹ Закончить и отменить эти сессии
series-end-keep = ⏹ Закончить, сессии оставить
series-end-yes = ⏹ Закончить
series-ended = Постоянное время закончено. Записаться снова можно в любой момент.
series-cancel-scope = Это сессия вашего постоянного времени. Что отменить?
series-cancel-one = Только эту
series-cancel-following = Эту и все следующие
series-cancel-following-ask = <b>Отменить { $count ->
        [one] эту сессию
       *[other] эти сессии ({ $count })
    } и закончить постоянное время?</b>
series-cancel-following-yes = ✖ Да, отменить и закончить
series-change-ends = 📌 Постоянное время ({ $pattern }) с этим специалистом закончится.
notice-series-ended = 📌 { $name } закончил(а) ваше постоянное время ({ $pattern }). Новые сессии не бронируются; о каждой отменённой сессии — отдельное сообщение, оплаченные вернутся полностью. Мы поможем найти другое время или специалиста.

# The therapist's side.
tseries-line = 📌 Постоянное время: { $pattern }
tseries-end = ⏹ Закончить постоянное время
tseries-end-ask = <b>Закончить постоянное время { $client }</b> ({ $pattern })? Новые сессии больше не будут бронироваться. { $count ->
        [0] Забронированных сессий впереди нет.
        [one] Эта сессия впереди будет отменена (клиенту сообщим, оплату вернём полностью):
       *[other] Эти сессии впереди будут отменены (клиенту сообщим, оплату вернём полностью):
    }
tseries-end-item = • { $when }
tseries-end-yes = ⏹ Да, закончить
tseries-ended = Постоянное время закончено.
tseries-ended-text = Постоянное время { $client } закончено. Отменено сессий: { $count }. Клиенту сообщили.
tseries-gone = Этого постоянного времени уже нет.
tseries-touched = 📌 Постоянное время клиентов, которое теперь не получится забронировать (сессии ещё не созданы). Сообщите клиентам сейчас кнопкой ниже — или мы сообщим каждому, когда дата подойдёт, и предложим другое время той недели:
tseries-touched-line = • { $day } — { $client }: { $reason }

# Paying for each session of a regular time.
series-invoice = 📌 Счёт за сессию постоянного времени: { $name }, <b>{ $when }</b> ({ $zone }). Оплатите до { $until } — иначе время освободится (постоянное время при этом продолжится).
series-invoice-again = 📌 Напоминаем: сессия { $when } ({ $zone }) с { $name } ещё не оплачена. Оплатить можно до { $until }, потом время освободится.
notice-series-released = 📌 Сессия { $when } ({ $zone }) с { $name } не была оплачена вовремя, и мы освободили это время. Постоянное время продолжается; следующие сессии — как обычно.
notify-series-released = 📌 Сессия { $when } ({ $zone }) постоянного времени { $client } не оплачена к сроку бесплатной отмены — время снова свободно. Постоянное время продолжается.

## The regular time's calendar event
series-calendar = 📅 Всё постоянное время — в календарь
series-ics-caption = Постоянное время одним событием календаря: откройте файл — и встречи повторятся сами. Более новый файл обновляет это событие (перенос, отмена, пауза).
series-ics-cancel-caption = Откройте этот файл, чтобы убрать постоянное время из календаря

## Moving "this and following"
series-gap-kept = в эту неделю остаётся прежнее время
series-gap-cancelled = эту неделю вы отменили
series-move-scope = Это сессия вашего постоянного времени ({ $pattern }). Перенести только её — или её и все следующие?
series-move-scope-far = Это сессия вашего постоянного времени. Новое время дальше чем в { $days } днях от неё, поэтому перенести можно только эту сессию; чтобы сдвинуть всё постоянное время, выберите время ближе к ней.
series-move-one = 🔁 Только эту
series-move-following = 🔁 Эту и все следующие
series-move-following-ask = <b>Перенести постоянное время: теперь { $pattern }?</b> Вот что будет с каждой сессией (время { $zone }):
series-move-line = { $was } → <b>{ $when }</b>
series-move-stays = { $was } — остаётся как есть: { $why }
series-move-why-beyond = новое время в эту неделю ещё не открыто для записи
series-move-why-rules-too_late = переносить уже поздно (меньше чем за { $hours } ч)
series-move-why-rules-too_many = лимит переносов этой сессии исчерпан
series-move-why-rules-started = сессия уже началась
series-move-later = Дальше — { $pattern }, сессии будут бронироваться сами.
series-move-following-yes = ✅ Да, перенести
series-move-following-done = Готово: постоянное время теперь — <b>{ $pattern }</b>.
series-move-far = Чтобы перенести и следующие сессии, выберите время не дальше { $days } дней от этой сессии.
series-move-same = Это и есть время вашего постоянного расписания. Выберите другое.

## Telling the clients of the dates ahead a change of hours no longer allows
tseries-tell = ✉️ Сообщить клиентам сейчас
tseries-told = { $count ->
    [0] Сообщать некому: эти даты уже не затронуты.
   *[other] Сообщили клиентам: { $count }.
}
tseries-told-title = 📌 { $count ->
    [0] Сообщать некому: эти даты уже не затронуты.
   *[other] Клиентам сообщили (эти даты постоянного времени не будут бронироваться):
}
notice-series-ahead =
    📌 Сессии постоянного времени у специалиста { $name } <b>{ $day }</b> не будет: { $reason }. Постоянное время продолжается.
    Другое время той недели можно будет выбрать, когда откроется запись (за { $days } дн.).

# Another time of a missed date's week.
series-take-ask = Записать вас на <b>{ $when }</b> ({ $zone }) вместо сессии { $day }? Это будет сессия вашего постоянного времени на этой неделе; дальше всё пойдёт в обычное время.
series-take-yes = ✅ Да, записать
series-take-done = ✅ Записали: <b>{ $when }</b> ({ $zone }), с { $name } — сессия постоянного времени вместо { $day }.
series-take-done-pay = Счёт за неё придёт заранее, до сессии; без вашего нажатия ничего не списывается.
series-take-had = На эту неделю у вас уже есть сессия постоянного времени — она в кабинете.
series-take-taken = Это время уже заняли. Свободно на этой неделе сейчас ({ $zone }):
series-take-none = Это время уже заняли, а других свободных времён на этой неделе нет. Постоянное время продолжается: следующая сессия — в обычное время.

# A therapist who confirms every booking agrees to a regular time once.
series-asked =
    <b>Постоянное время ({ $pattern }) отправлено на согласование: { $name }.</b>
    Когда специалист согласится, мы забронируем следующие сессии и пришлём их сюда. Эта сессия остаётся в силе.
series-awaiting = ⏳ Ждём согласия специалиста ({ $name }); до него следующие сессии не бронируются.
notify-series-asked =
    📌 <b>Постоянное время?</b> { $client } просит сделать время постоянным: { $pattern } ({ $zone }), { $format }.
    Если согласитесь, сессии будут бронироваться сами за { $days } дн.; каждая — обычная запись в /schedule.
tseries-agree = ✅ Согласиться
tseries-refuse = ✖ Не сейчас
tseries-agreed = ✅ Постоянное время { $client } ({ $pattern }) согласовано. Забронировано:
tseries-refused = Постоянное время { $client } ({ $pattern }) не согласовано. Клиенту сообщили; уже забронированная сессия остаётся.
notice-series-approved =
    📌 <b>{ $name } согласен(на) на постоянное время: { $pattern }.</b>
    Следующие сессии мы бронируем сами, за { $days } дн. до каждой; они в /my.
notice-series-declined = 📌 { $name } не может взять постоянное время { $pattern }. Уже забронированная сессия остаётся; следующие можно записывать по одной.
series-end-by-declined = вы не согласовали его

# A date lost while the regular time was paused, told on resume.
notice-series-missed-paused =
    📌 Пока постоянное время было на паузе, <b>{ $day }</b> стало недоступно: { $reason }. Эту сессию забронировать не получилось.
    Постоянное время продолжается. { $alternatives ->
        [none] На этой неделе у специалиста других свободных времён нет.
       *[some] Свободно на этой неделе ({ $zone }) — выберите время, и сессия этой недели пройдёт в него:
    }
