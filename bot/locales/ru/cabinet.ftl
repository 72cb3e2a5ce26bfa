menu-my = 📅 Мои сессии
cmd-my = Мои сессии

cabinet-title = <b>Мои сессии</b>
cabinet-therapist = Ваш терапевт: <b>{ $name }</b>
cabinet-waiting = 🔔 Ждёте свободного времени: { $names }
cabinet-none = Предстоящих сессий нет.
cabinet-upcoming = Ближайшие сессии (время { $zone }):
cabinet-line = • { $when } — { $status }
cabinet-pick = Выберите сессию, чтобы перенести или отменить её.
status-pending_payment = ждёт оплаты
status-confirmed = подтверждена
status-cancelled = отменена
status-completed = состоялась
status-no_show = пропущена
cabinet-find = 🔎 Найти терапевта
cabinet-change = 🔄 Сменить терапевта
cabinet-history = 🗂 История
cabinet-back = ◀ Мои сессии

booking-title =
    <b>Сессия: { $when }</b> ({ $zone })
    Специалист: { $name }
    Длительность: { $minutes } мин · { $price } ₽
    Статус: { $status }
booking-moves-left = Осталось переносов: { $count }.
booking-reschedule = 🔁 Перенести
booking-cancel = ✖ Отменить

reschedule-pick = Выберите новое время у специалиста { $name } (время { $zone }):
reschedule-none = У специалиста сейчас нет другого свободного времени. Можно отменить сессию или выбрать другого специалиста.
reschedule-confirm =
    Перенести сессию?
    Было: { $was }
    Станет: <b>{ $when }</b> ({ $zone })
reschedule-yes = ✅ Перенести
reschedule-done = Готово, сессия перенесена на <b>{ $when }</b> ({ $zone }). Новый файл для календаря — ниже.
refusal-started = Сессия уже началась — изменить её нельзя. Если что-то случилось, напишите своему терапевту.
refusal-too_late = Перенести можно не позднее чем за { $hours } ч до начала. Можно отменить сессию или написать терапевту.
refusal-too_many = Лимит переносов этой сессии исчерпан ({ $count }). Можно отменить её и записаться заново.
refusal-gone = Эта сессия уже отменена, перенесена или прошла. Вот актуальные записи.
refusal-conflict = Запись только что изменилась (возможно, на другом устройстве). Вот актуальные данные.

cancel-confirm-free =
    Отменить сессию { $when } ({ $zone })?
    До начала больше { $hours } ч — отмена бесплатная.
cancel-confirm-late =
    Отменить сессию { $when } ({ $zone })?
    До начала меньше { $hours } ч — это поздняя отмена. Специалист получит уведомление.
cancel-yes = ✖ Да, отменить
cancel-no = ◀ Не отменять
cancel-done = Сессия { $when } отменена, время освобождено.

history-title = <b>История сессий</b> (время { $zone })
history-empty = Прошедших и отменённых сессий пока нет.
history-line = • { $when } — { $name }: { $status }
history-page = Стр. { $page } из { $pages }

change-why =
    Почему хотите сменить терапевта? Выберите причину кнопкой. Если хотите, сначала напишите своими словами (до { $limit } символов).
    Это необязательно, но поможет нам подбирать точнее. Ваш терапевт этого не увидит — ни причину, ни ваши слова.
change-reason-fit = Не подошёл подход
change-reason-schedule = Неудобное расписание
change-reason-price = Цена
change-reason-other = Другое
change-reason-skip = Пропустить
change-words-kept = Спасибо, записал ваши слова. Теперь выберите причину, которая ближе всего, — или «Пропустить».
change-words-long = Получилось { $length } символов, а поместится { $limit }. Сократите, пожалуйста, и отправьте ещё раз — ваш текст остался в чате выше. Или просто выберите причину кнопкой.
change-words-text-only = Напишите причину словами — или выберите её кнопкой выше.
change-cancel-ask =
    У вас { $count ->
        [one] запланирована { $count } сессия
        [few] запланировано { $count } сессии
       *[other] запланировано { $count } сессий
    } с { $name }. Отменить { $count ->
        [one] её
       *[other] их
    }?
change-cancel-yes = Да, отменить
change-cancel-no = Нет, оставить
change-cancelled = Отменено сессий: { $count }.
change-searching = Подбираю специалистов, кроме { $name }.

delete-confirm-bookings =
    Удалить все ваши данные: профиль, анкету и историю диалога?
    Предстоящие сессии ({ $count }) будут отменены, специалисты получат уведомление. Это нельзя отменить.

notify-moved =
    <b>Перенос сессии</b>
    Клиент: { $client }
    Было: { $was }
    Стало: { $when } ({ $zone })
    Формат: { $format }
notify-moved-group =
    <b>Перенос сессии</b> у { $therapist }
    Клиент: { $client }
    Было: { $was }
    Стало: { $when } ({ $zone })
notify-cancelled =
    <b>Отмена сессии</b>
    Клиент: { $client }
    Когда: { $when } ({ $zone })
    Формат: { $format }
notify-cancelled-group =
    <b>Отмена сессии</b> у { $therapist }
    Клиент: { $client }
    Когда: { $when } ({ $zone })
