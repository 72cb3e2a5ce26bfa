weekday-0 = Пн
weekday-1 = Вт
weekday-2 = Ср
weekday-3 = Чт
weekday-4 = Пт
weekday-5 = Сб
weekday-6 = Вс
month-1 = янв
month-2 = фев
month-3 = мар
month-4 = апр
month-5 = мая
month-6 = июн
month-7 = июл
month-8 = авг
month-9 = сен
month-10 = окт
month-11 = ноя
month-12 = дек
day-short = { $weekday } { $day } { $month }

card-name = <b>{ $name }</b>
card-facts = { $format } · { $minutes } мин · { $price } ₽
card-came-back = 🔁 { $count } из 10 клиентов пришли на вторую сессию
card-format-individual = индивидуально
card-format-couple = пары
card-format-both = индивидуально и пары
card-why =
    { $total ->
        [0] Свободное время подходит под ваш график
       *[other] ✨ Работает с { $matched } из { $total } ваших тем
    }
card-why-return = 🔁 Выше в списке: клиенты часто возвращаются к этому специалисту
card-why-quick = ⚡ Выше в списке: быстро отвечает на запросы о записи
card-education = <i>Образование:</i> { $text }
card-pick-day = Выберите день — покажу свободное время (время { $zone }).
card-more = Подробнее о специалисте
card-other-days = ◀ { $day } — другие дни
card-no-days = В ближайшие дни у специалиста нет времени под ваш график. Нажмите «🔔 Сообщить, когда освободится время» — я напишу, как только оно появится.

catalog-empty = Сейчас в каталоге нет специалистов со свободным временем. Загляните чуть позже — или напишите /help.
catalog-nobody-format = Сейчас никто из специалистов не ведёт этот формат со свободным временем.
catalog-nobody-gender = Никого не нашлось из-за пожелания к полу терапевта.
catalog-nobody-budget = Никого не нашлось в пределах вашего бюджета.
catalog-nobody-time = Никого не нашлось со свободным временем в выбранные дни и часы.
catalog-nobody-none_available = Сейчас ни у кого из специалистов нет свободного времени.
catalog-try = Можно расширить поиск одним нажатием:
catalog-relaxed = Показываю с расширенными условиями.
catalog-refreshed = Ваши ответы изменились — вот свежая подборка.
relax-time = 🕒 Любые дни и время
relax-budget = 💳 Бюджет повыше
relax-gender = 👤 Пол не важен
relax-answers = 📝 Изменить анкету

slot-confirm =
    <b>Проверьте запись</b>

    Специалист: { $name }
    Когда: <b>{ $when }</b> ({ $zone })
    Длительность: { $minutes } мин
    Стоимость: { $price } ₽

    Бесплатная отмена — не позднее чем за { $hours } ч до начала.
book-confirm = ✅ Записаться
book-done =
    <b>Вы записаны!</b>

    { $name }, { $when } ({ $zone }), { $minutes } мин.
    Оплата — напрямую специалисту. Добавьте сессию в календарь: файл ниже.
book-ics-caption = Сессия в календарь (откройте более новый файл — и встреча обновится)
book-ics-cancel-caption = Откройте этот файл, чтобы убрать отменённую сессию из календаря
book-ics-title = Сессия с психотерапевтом: { $name }
book-ics-description = Онлайн-сессия, { $minutes } мин. Отмена и перенос — в боте.
book-taken = Это время только что заняли. Вот свободное время специалиста сейчас.
book-busy = У вас уже есть сессия или запрос на это время. Выберите другое время.
book-unavailable = Это время больше недоступно. Вот актуальная подборка.
book-too_soon = На это время уже нельзя записаться: запись — не позднее чем за { $hours } ч.
book-too_far = Запись открыта только на { $days } дн. вперёд.
book-past = Это время уже прошло.
book-already = Вы уже записаны на это время ✓

notify-booked =
    <b>Новая запись</b>
    Клиент: { $client }
    Когда: { $when } ({ $zone })
    Формат: { $format }
    Темы: { $topics }
notify-booked-group =
    <b>Новая запись</b> к { $therapist }
    Клиент: { $client }
    Когда: { $when } ({ $zone })
    Формат: { $format }
