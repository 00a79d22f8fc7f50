use leptos::prelude::*;

use sharecare_content::CallToAction as CallToActionContent;
use sharecare_domain::Locale;

/// "Share your care": the appeal that leads to the gift section. Shown more than once on a
/// page, so its heading id is made unique by `position`.
#[component]
pub fn CallToAction(cta: CallToActionContent, locale: Locale, position: u8) -> impl IntoView {
    let heading_id = format!("cta-{position}");
    view! {
        // Not a landmark: the appeal appears twice with one heading, and landmarks' names must
        // be unique (an aside inside `main` would not be top-level either).
        <div class="cta">
            <div class="wrap">
                <h2 id=heading_id>{cta.heading.get(locale).clone()}</h2>
                <p>{cta.text.get(locale).clone()}</p>
                <a class="button" href="#give">{cta.button.get(locale).clone()}</a>
            </div>
        </div>
    }
}
