q-progress = Вопрос { $step } из { $total }
q-age = Сколько вам лет? Напишите число.
q-age-invalid = Пожалуйста, напишите возраст числом, например 29.
q-age-unreal = Кажется, здесь опечатка: напишите возраст числом от 18 до 120.
q-under-age =
    Спасибо, что написали. Этот сервис работает только со взрослыми, поэтому я не сохранил ваши ответы.

    Вы можете бесплатно и анонимно поговорить с психологом:
    • Детский телефон доверия: 8-800-2000-122 (с мобильного — 124), круглосуточно;
    • в экстренной ситуации — 112.

    Расскажите о своих переживаниях взрослому, которому доверяете. Вы не одни.
q-therapy-before = Вы уже бывали у психолога или психотерапевта?
q-format = Какой формат вам нужен?
q-topics =
    С чем хотелось бы поработать? Выберите одну или несколько тем и нажмите «Готово».
q-topics-none = Выберите хотя бы одну тему — так я найду тех, кто с ней работает.
q-gender = Терапевт какого пола вам комфортнее?
q-days = В какие дни вам удобно?
q-time = В какое время суток?
q-budget = Сколько вы готовы платить за одну сессию?
q-buttons-expected = Пожалуйста, выберите ответ кнопкой.

answer-yes = Да
answer-no = Нет
format-individual = Индивидуальная
format-couple = Парная
gender-female = Женщина
gender-male = Мужчина
gender-any = Не важно
days-weekdays = Будни
days-weekends = Выходные
days-any = Любые дни
time-morning = Утро (8–12)
time-afternoon = День (12–17)
time-evening = Вечер (17–22)
time-any = Любое время
budget-tier = до { $amount } ₽
budget-any = Не важно
topics-done = Готово ({ $count })

btn-back = ◀ Назад
btn-edit = ✏️ { $field }
btn-confirm = ✅ Всё верно

summary-title = <b>Проверьте ответы</b>
summary-name = Имя
summary-email = E-mail
summary-email-none = не указан
summary-age = Возраст
summary-therapy-before = Был опыт терапии
summary-format = Формат
summary-topics = Темы
summary-gender = Пол терапевта
summary-days = Дни
summary-time = Время
summary-budget = Бюджет
summary-timezone = Часовой пояс
summary-line = { $label }: <b>{ $value }</b>
questionnaire-saved = Готово, анкета сохранена. Изменить ответы можно в любой момент в «Настройках».
name-taken = Буду обращаться к вам «{ $name }» — поменять имя можно в конце анкеты.
questionnaire-saved-matching = Готово, анкета сохранена. Вот специалисты, которые вам подходят — выберите день и время. Изменить ответы можно в «Настройках».
