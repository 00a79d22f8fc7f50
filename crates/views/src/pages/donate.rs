//! `/{locale}/donate`: the donation widget on a page of its own, for links and for the form's
//! answers (the POST handler re-renders this page with the donor's values and messages).

use leptos::prelude::*;

use crate::components::donation_form::{DonationWidget, FormState};
use crate::components::layout::Layout;
use crate::components::progress::CampaignProgress;
use sharecare_content::i18n::t;
use sharecare_content::paths::Page;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

#[component]
pub fn DonatePage(locale: Locale, form: FormState) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let m = t(locale);
    let appeal = content
        .campaign
        .appeal
        .paragraphs
        .get(locale)
        .first()
        .cloned();
    view! {
        <Layout locale page=Page::Donate title=m.donate_title description=m.donate_description>
            <section class="give give-page" aria-labelledby="give-heading">
                <div class="wrap">
                    <h1 id="give-heading">{m.donate_title}</h1>
                    <p class="lead">{appeal}</p>
                    <CampaignProgress locale/>
                    <DonationWidget locale state=form/>
                </div>
            </section>
        </Layout>
    }
}
