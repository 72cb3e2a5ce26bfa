## Packages of sessions: buying one, booking with it, what is left of it.

package-offers-button = 📦 Пакет сессий
package-buy-button = Купить: { $sessions } { $sessions ->
        [one] сессия
        [few] сессии
       *[other] сессий
    } — { $price } ₽
package-find-time = 🔎 Выбрать время
package-refund-yes = 💸 Вернуть неиспользованное
package-refund-keep = Оставить пакет
package-none = У этого специалиста сейчас нет пакетов сессий.
package-payments-off = Оплата в боте сейчас выключена — пакет купить нельзя.
package-gone = Этот пакет больше не продаётся. Откройте список пакетов заново.
package-offers-title = <b>📦 Пакеты сессий с { $name }</b>
package-offer = • <b>{ $sessions } { $sessions ->
        [one] сессия
        [few] сессии
       *[other] сессий
    } — { $price } ₽</b> (по отдельности { $full } ₽, выгода { $saved } ₽), действует { $weeks } нед.
package-how =
    Пакет оплачивается один раз. Каждая запись к этому специалисту берёт одну сессию из пакета вместо оплаты.
    Бесплатная отмена и перенос возвращают сессию в пакет; поздняя отмена и неявка её списывают.
    Если смените специалиста, неиспользованные сессии вернём деньгами пропорционально.
package-invoice-title = Пакет: { $sessions } { $sessions ->
        [one] сессия
        [few] сессии
       *[other] сессий
    }
package-invoice-description = { $name }: { $sessions } × { $minutes } мин, действует { $weeks } нед. с оплаты.
package-invoice-label = Пакет из { $sessions } { $sessions ->
        [one] сессии
       *[other] сессий
    }
receipt-package = Психологические консультации: { $name }, пакет { $sessions } × { $minutes } мин, { $weeks } нед.
package-bought =
    <b>Пакет оплачен!</b> { $sessions } { $sessions ->
        [one] сессия
        [few] сессии
       *[other] сессий
    } с { $name }, действует до { $until }.
    Выберите время — сессия возьмётся из пакета, без отдельной оплаты.
package-line = 📦 Пакет с { $name }: свободно { $free } из { $sessions }{ $held ->
        [0] {""}
       *[other] , ещё { $held } в записях
    }, до { $until }
package-refund-line = • { $name }: { $credits } { $credits ->
        [one] неиспользованная сессия
        [few] неиспользованные сессии
       *[other] неиспользованных сессий
    } — вернём { $amount } { $how ->
        [stars] (звёзды вернутся на баланс автоматически)
       *[manual] (возврат оформит администратор, обычно за несколько дней)
    }
package-refund-ask = <b>Пакет сессий</b>: сессии можно вернуть деньгами пропорционально или оставить пакет — вдруг захотите вернуться.
package-refunded = Пакет закрыт, деньги за неиспользованные сессии возвращаются:
package-refund-none = В пакете уже нечего возвращать.
package-kept = Пакет остаётся у вас — им можно пользоваться до конца срока.
delete-packages = Пакеты сессий закроются, неиспользованные сессии вернём деньгами:
payment-state-package = Оплачено из пакета
book-done-package =
    <b>Вы записаны!</b>

    { $name }, { $when } ({ $zone }), { $minutes } мин. Сессия взята из пакета — платить не нужно. Файл для календаря — ниже.
package-left = В пакете осталось: { $count }.
slot-confirm-package = 📦 Оплата — из вашего пакета (свободно: { $count }).
cancel-money-credit = сессия вернётся в пакет
cancel-money-spent = поздняя отмена, сессия из пакета спишется
cancel-credit-back = Сессия возвращается в ваш пакет.
cancel-credit-spent = Поздняя отмена: сессия из пакета списывается.
adm-cancel-money-credit = Сессия оплачена пакетом — она вернётся в пакет клиента.
adm-cancel-money-spent = Сессия оплачена пакетом — она спишется.
refund-reason-package_changed = клиент сменил специалиста: неиспользованные сессии пакета
refund-reason-package_expired = срок пакета истёк: неиспользованные сессии
refund-reason-package_erased = клиент удалил данные: неиспользованные сессии пакета
refund-reason-package_returned = сессия вернулась в уже закрытый пакет
notice-package-expired = Срок вашего пакета с { $name } закончился. Неиспользованных сессий: { $credits } — по правилам практики они сгорают.
notice-package-expired-refund = Срок вашего пакета с { $name } закончился. Неиспользованных сессий: { $credits } — вернём { $amount } { $how ->
        [stars] (звёзды вернутся на баланс автоматически).
       *[manual] (возврат оформит администратор, обычно за несколько дней).
    }

## Admins: /packages

adm-cmd-packages = Пакеты сессий
adm-packages-title = <b>Пакеты сессий</b> ({ $count })
adm-package-line = #{ $id } · { $sessions } сес. · { $price } · { $weeks } нед. · { $who }{ $active ->
        [yes] {""}
       *[no] {" "}· снят с продажи
    }
adm-package-price = { $price } ₽
adm-package-discount = скидка { $percent }%
adm-package-all = все специалисты
adm-packages-payments-off = ⚠️ Оплата в боте выключена: клиенты не увидят пакеты, пока её не включить.
adm-packages-usage =
    Добавить: <code>/packages add &lt;id специалиста|all&gt; &lt;сессий&gt; &lt;цена|скидка%&gt; &lt;недель&gt;</code>
    например <code>/packages add all 4 10% 8</code> или <code>/packages add 3 8 20000 12</code>
    Снять с продажи: <code>/packages off &lt;id&gt;</code> (купленные пакеты продолжают действовать)
adm-package-added = Пакет #{ $id } добавлен.
adm-package-withdrawn = Пакет #{ $id } снят с продажи.
adm-package-unknown = Пакета #{ $id } в продаже нет.
adm-package-no-therapist = Специалиста #{ $id } нет в каталоге.
adm-package-invalid = Не получилось: сессий 1–100, недель 1–104, цена больше нуля, скидка 0–90%.
