## Group sessions: seats at a therapist's group dates. Nobody is ever shown who else took a seat.

menu-groups = 👥 Группы
format-group = Групповая

group-list-title = <b>Терапевтические группы</b>, подходящие по темам вашей анкеты. Видно, сколько мест занято, но не кем: участников не показываем никому.
group-list-line = • <b>{ $title }</b> — { $name }, { $price } за встречу. Ближайшая: { $next }, свободно мест: { $free }
group-list-zone = Время указано в вашем часовом поясе ({ $zone }).
group-list-empty = Пока нет групп по темам вашей анкеты. Новые группы появятся здесь — загляните позже или поищите индивидуального терапевта.
group-card =
    <b>{ $title }</b>
    Ведёт: { $name }
    { $about }

    Встреча — { $minutes } мин, { $price } за место. В группе до { $capacity } человек; кто ещё записан, видит только ведущий.
    Выберите встречу (время { $zone }):
group-date-free = { $when } · занято { $taken } из { $capacity }
group-date-full = { $when } · мест нет — встать в лист ожидания
group-date-seat = ✅ { $when } · вы записаны
group-date-waiting = ⏳ { $when } · вы в листе ожидания — выйти
group-all = ◀ Все группы
group-confirm =
    <b>{ $title }</b> — { $name }
    { $when } ({ $zone }), { $minutes } мин
    Цена места: { $price }. Занято { $taken } из { $capacity }.
    Отменить бесплатно можно не позднее чем за { $hours } ч.
group-book = ✅ Занять место
group-seat-booked =
    ✅ Место в группе «{ $title }» ваше: { $when } ({ $zone }).
    Напомним заранее. Отменить бесплатно можно не позднее чем за { $hours } ч — в «Мои сессии».
group-seat-held = 👥 Место в группе «{ $title }» придержано за вами.
group-wait-joined = ⏳ Вы в листе ожидания на «{ $title }», { $when }. Если место освободится, предложим его по очереди — у вас будет { $minutes } мин, чтобы его занять.
group-wait-left = Вы вышли из листа ожидания.
group-wait-not = Вы уже не в листе ожидания на эту встречу.
group-offer-text =
    👥 Освободилось место в группе «{ $title }»: { $when } ({ $zone }).
    Оно ждёт вас до { $until }. Занять?
group-offer-take = ✅ Занять место
group-offer-decline = Не нужно
group-offer-declined = Хорошо, место уйдёт следующему в очереди.
group-wait-cancelled = 👥 Встречу группы «{ $title }» { $when } ({ $zone }), которую вы ждали, отменили. Другие встречи группы — в «👥 Группы».

group-gone = Эта группа или встреча уже недоступна: её отменили, закрыли запись или время прошло.
group-full = Все места на эту встречу уже заняты. Можно встать в лист ожидания — мы предложим место, если оно освободится.
group-already-seated = У вас уже есть место на этой встрече — она в «Мои сессии».
group-seats-left = На этой встрече ещё есть места — можно сразу записаться.
group-time-taken = В это время у терапевта уже есть сессия или другая группа. Выберите другое время.
group-offer-gone = Это предложение уже не действует: время на ответ вышло или место занято.
group-no-move = Место в группе не переносится — его можно отменить и выбрать другую встречу группы.

cabinet-seat = 👥 { $title }, { $when }
booking-seat-title =
    <b>👥 { $title }</b> — { $name }
    { $when } ({ $zone }), { $minutes } мин, { $price }
    Статус: { $status }. Занято мест: { $taken } из { $capacity }.

schedule-group = • { $time } — 👥 { $title } ({ $taken } из { $capacity })
schedule-group-button = 👥 { $day } { $time } ({ $taken }/{ $capacity })
group-date-card =
    <b>👥 { $title }</b>
    { $when } ({ $zone })
    Мест занято: { $taken } из { $capacity }
    Участники: { $members }
group-members-none = пока никого
group-date-was-cancelled = Встреча отменена.
group-date-not-yours = Эта встреча не из ваших групп.
group-write-all = ✉️ Написать всем участникам
group-cancel-date = ❌ Отменить встречу
group-cancel-date-ask = Отменить встречу «{ $title }» { $when }? Участников: { $count }. Каждому придёт уведомление, оплата вернётся полностью.
group-cancel-date-yes = Да, отменить
group-date-cancelled = Встреча «{ $title }» { $when } отменена. Отменено мест: { $count }, участники получат уведомления и возврат оплаты.
notify-group-seat = 👥 Группа «{ $title }»: занято { $taken } из { $capacity }.

messaging-prompt-members = Напишите сообщение участникам группы «{ $title }» ({ $count }). Каждый получит его как личное сообщение от вас — участники не видят друг друга. Ответы придут вам сюда.
messaging-from-therapist-group = ✉️ { $name } — участникам группы «{ $title }»:
messaging-members-delivered = Доставлено { $sent } из { $total }.

invoice-title-group = Место в группе
invoice-description-group = «{ $title }» — { $name }, { $when } ({ $zone }), { $minutes } мин.
invoice-label-group = Место в группе, { $minutes } мин
receipt-group = Групповая психологическая консультация: «{ $title }», { $name }, { $when }, { $minutes } мин

practice-groups = 👥 Группы: встреч { $dates }, занято мест { $filled } из { $seats } ({ $percent }%)

tcmd-groups = Мои группы
adm-cmd-groups = Группы
groups-title = <b>Группы</b> ({ $count })
groups-line = #{ $id } <b>{ $title }</b> — { $name }; мест { $capacity }, { $price }, { $minutes } мин; темы: { $topics }
    { $dates }
groups-date = [{ $id }] { $when } ({ $taken }/{ $capacity })
groups-no-dates = встреч впереди нет
groups-usage =
    <b>Как вести группы</b> (время — в часовом поясе терапевта):
    <code>/groups add [id терапевта] места цена минуты название</code> — новая группа (2–15 мест; id терапевта указывает только админ)
    <code>/groups about id текст</code> — описание
    <code>/groups topics id код,код</code> — темы (кому показывать)
    <code>/groups date id ГГГГ-ММ-ДД ЧЧ:ММ [недель]</code> — встреча или еженедельно
    <code>/groups cancel id_встречи</code> — отменить встречу (возврат всем участникам)
    <code>/groups off id</code> — закрыть запись
groups-added = Группа #{ $id } создана. Добавьте описание, темы и встречи.
groups-saved = Группа #{ $id } сохранена.
groups-dates-added = Добавлено встреч: { $count }.
groups-date-cancelled = Встреча [{ $id }] отменена, отменено мест: { $count }.
groups-closed = Запись в группу #{ $id } закрыта; уже занятые места остаются.
groups-no-therapist = Терапевта с id { $id } нет.
groups-invalid = Места — от 2 до 15, цена — больше нуля, длительность — от 15 до 240 минут.
groups-title-length = Название — от 1 до { $limit } символов.
groups-about-length = Описание — не длиннее { $limit } символов.
groups-topics-unknown = Таких тем нет: { $codes }. Коды тем — в /topics.
groups-weeks = Недель — от 1 до { $limit }.
notice-group-date-cancelled =
    Встреча группы «{ $title }» <b>{ $when }</b> ({ $zone }) отменена: { $name } не сможет её провести.
    Приносим извинения. Другие встречи группы — в «👥 Группы».
calendar-feed-group = Группа: { $title }
calendar-feed-group-about = Групповая встреча, мест занято: { $taken } из { $capacity }
book-ics-title-group = Группа: { $title }
book-ics-description-group = Групповая онлайн-встреча, ведёт { $name }, { $minutes } мин. Отмена — в боте.
my-data-group-waiting = Лист ожидания группы «{ $title }»: { $when }
reminder-client-group =
    ⏰ <b>Напоминание о встрече группы «{ $title }»</b>
    { $when } ({ $zone }), через { $left }
    Ведёт: { $name }
reminder-client-ask-group = Всё в силе? Если планы изменились, место можно отменить — оно уйдёт тому, кто ждёт.
