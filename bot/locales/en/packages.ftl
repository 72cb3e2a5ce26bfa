## Packages of sessions: buying one, booking with it, what is left of it.

package-offers-button = 📦 Session package
package-buy-button = Buy: { $sessions } { $sessions ->
        [one] session
       *[other] sessions
    } — { $price } ₽
package-find-time = 🔎 Choose a time
package-refund-yes = 💸 Refund what is unused
package-refund-keep = Keep the package
package-none = This specialist has no session packages at the moment.
package-payments-off = Payments in the bot are off right now, so a package cannot be bought.
package-gone = This package is no longer on sale. Please open the list of packages again.
package-offers-title = <b>📦 Session packages with { $name }</b>
package-offer = • <b>{ $sessions } { $sessions ->
        [one] session
       *[other] sessions
    } — { $price } ₽</b> (separately { $full } ₽, you save { $saved } ₽), valid for { $weeks } weeks.
package-how =
    A package is paid once. Each booking with this specialist takes one session from it instead of a payment.
    A free cancellation or a move gives the session back to the package; a late cancellation or a no-show uses it.
    If you change specialist, unused sessions are refunded pro rata.
package-invoice-title = Package: { $sessions } { $sessions ->
        [one] session
       *[other] sessions
    }
package-invoice-description = { $name }: { $sessions } × { $minutes } min, valid for { $weeks } weeks from payment.
package-invoice-label = Package of { $sessions } { $sessions ->
        [one] session
       *[other] sessions
    }
receipt-package = Psychological consultations: { $name }, package { $sessions } × { $minutes } min, { $weeks } weeks
package-bought =
    <b>Package paid!</b> { $sessions } { $sessions ->
        [one] session
       *[other] sessions
    } with { $name }, valid until { $until }.
    Choose a time — the session comes from the package, with no separate payment.
package-line = 📦 Package with { $name }: { $free } of { $sessions } free{ $held ->
        [0] {""}
       *[other] , { $held } more booked
    }, until { $until }
package-refund-line = • { $name }: { $credits } unused { $credits ->
        [one] session
       *[other] sessions
    } — { $amount } back { $how ->
        [stars] (the Stars return to your balance automatically)
       *[manual] (an administrator processes the refund, usually within a few days)
    }
package-refund-ask = <b>Session package</b>: the unused sessions can be refunded pro rata, or you can keep the package in case you come back.
package-refunded = The package is closed; the unused sessions are being refunded:
package-refund-none = There is nothing left in the package to refund.
package-kept = The package stays yours — you can use it until it expires.
delete-packages = Session packages will close, and unused sessions will be refunded:
payment-state-package = Paid from your package
book-done-package =
    <b>You're booked!</b>

    { $name }, { $when } ({ $zone }), { $minutes } min. The session is taken from your package — nothing to pay. The calendar file is below.
package-left = Left in the package: { $count }.
slot-confirm-package = 📦 Paid from your package ({ $count } free).
cancel-money-credit = the session returns to your package
cancel-money-spent = late cancellation, the package session is used
cancel-credit-back = The session goes back to your package.
cancel-credit-spent = Late cancellation: the package session is used up.
adm-cancel-money-credit = Paid from a package — the session returns to the client's package.
adm-cancel-money-spent = Paid from a package — the session is used.
refund-reason-package_changed = the client changed specialist: unused package sessions
refund-reason-package_expired = the package expired: unused sessions
refund-reason-package_erased = the client erased their data: unused package sessions
refund-reason-package_returned = a session came back to a package already closed
notice-package-expired = Your package with { $name } has expired. Unused sessions: { $credits } — by the practice's rules they lapse.
notice-package-expired-refund = Your package with { $name } has expired. Unused sessions: { $credits } — { $amount } comes back { $how ->
        [stars] (the Stars return to your balance automatically).
       *[manual] (an administrator processes the refund, usually within a few days).
    }

## Admins: /packages

adm-cmd-packages = Session packages
adm-packages-title = <b>Session packages</b> ({ $count })
adm-package-line = #{ $id } · { $sessions } sess. · { $price } · { $weeks } wk · { $who }{ $active ->
        [yes] {""}
       *[no] {" "}· withdrawn
    }
adm-package-price = { $price } ₽
adm-package-discount = { $percent }% off
adm-package-all = all specialists
adm-packages-payments-off = ⚠️ Payments in the bot are off: clients will not see packages until they are on.
adm-packages-usage =
    Add: <code>/packages add &lt;specialist id|all&gt; &lt;sessions&gt; &lt;price|discount%&gt; &lt;weeks&gt;</code>
    e.g. <code>/packages add all 4 10% 8</code> or <code>/packages add 3 8 20000 12</code>
    Withdraw: <code>/packages off &lt;id&gt;</code> (packages already bought stay valid)
adm-package-added = Package #{ $id } added.
adm-package-withdrawn = Package #{ $id } withdrawn from sale.
adm-package-unknown = There is no package #{ $id } on sale.
adm-package-no-therapist = There is no specialist #{ $id } in the catalogue.
adm-package-invalid = That did not work: 1–100 sessions, 1–104 weeks, a price above zero, a discount of 0–90%.
