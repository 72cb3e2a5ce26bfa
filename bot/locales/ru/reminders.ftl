reminder-client =
    ⏰ <b>Напоминание о сессии</b>
    { $when } ({ $zone }), через { $left }
    Специалист: { $name }
reminder-client-link = Ссылка на встречу: { $link }
reminder-client-ask = Всё в силе? Если планы изменились, сессию можно перенести или отменить.
reminder-therapist =
    ⏰ <b>Скоро сессия</b>
    { $when } ({ $zone }), через { $left }
    Клиент: { $client }
    Формат: { $format }
reminder-left = { $hours ->
        [0] { $minutes } мин
       *[other] { $minutes ->
            [0] { $hours } ч
           *[other] { $hours } ч { $minutes } мин
        }
    }

reminder-attend = ✅ Буду
reminder-move = 🔁 Перенести
reminder-cancel = ✖ Отменить
reminder-attend-thanks = Спасибо! Ждём вас на сессии.
reminder-gone = Эта сессия уже отменена, перенесена или прошла.

rating-ask =
    Как прошла сессия с { $name } ({ $when })?
    Оцените от 1 до 5 — оценку увидит ваш специалист.
rating-thanks =
    Спасибо! Ваша оценка: { $score } из 5.
    Хотите добавить пару слов для специалиста? Напишите сообщение или нажмите «Пропустить».
rating-skip = Пропустить
rating-saved = Спасибо за оценку!
rating-comment-saved = Спасибо, ваш отзыв сохранён.
rating-comment-too-long = Получилось длинновато: уложитесь, пожалуйста, в { $limit } символов.
rating-comment-text-only = Отзыв можно написать только текстом — или нажмите «Пропустить».
rating-already = Эта сессия уже оценена. Спасибо!
rating-not-yet = Оценить сессию можно, когда она пройдёт.
rating-gone = Эту сессию оценить нельзя.
