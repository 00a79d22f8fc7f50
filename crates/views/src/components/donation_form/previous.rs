//! The note above a form whose token already made a gift: what was given, a link to it, and a
//! way to start another.

use leptos::prelude::*;

use sharecare_content::i18n::{fill, t};
use sharecare_content::paths;
use sharecare_domain::donation::Donation;
use sharecare_domain::status::DonationStatus;
use sharecare_domain::Locale;

#[component]
pub fn PreviousGift(locale: Locale, gift: Donation) -> impl IntoView {
    let m = t(locale);
    let amount = gift.amount.to_string();
    // "You gave" only once the money is there; until then it is a pledge, or a card payment
    // not finished.
    let said = if gift.status == DonationStatus::Paid {
        m.previous_gift
    } else {
        m.previous_pledge
    };
    view! {
        <div class="previous-gift" role="status">
            <p>
                {fill(said, &[("amount", &amount), ("reference", gift.reference.as_str())])}
                " "
                <a href=paths::gift_page_with_key(locale, &gift.reference, &gift.access_key)>{m.previous_gift_view}</a>
            </p>
            <p>
                {m.previous_gift_again}" "
                <a href=paths::new_gift(locale)>{m.previous_gift_new}</a>
            </p>
        </div>
    }
}
