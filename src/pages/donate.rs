//! `/{locale}/donate`: the donation widget on a page of its own, for links and for the form's
//! answers (the POST handler re-renders this page with the donor's values and messages).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::donation_form::{DonationWidget, FormState};
use crate::components::layout::Layout;
use crate::components::progress::CampaignProgress;
use crate::domain::Locale;
use crate::i18n::t;
use crate::pages::{gift_session, not_found::NotFound, private_page, referral_code, route_locale};
use crate::server::state::AppState;

#[component]
pub fn DonatePage() -> impl IntoView {
    match route_locale() {
        Some(locale) => view! { <Donate locale/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    }
}

#[component]
fn Donate(locale: Locale) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let m = t(locale);
    let form_state = use_context::<FormState>().unwrap_or_else(|| {
        let query = use_query_map().get_untracked();
        let mut fresh = FormState::prefilled(
            content,
            gift_session(),
            query.get_str("amount"),
            query.get_str("frequency"),
        );
        if let Some(code) = referral_code() {
            fresh.form.referral = code.as_str().to_string();
        }
        fresh
    });
    private_page();
    let appeal = content
        .campaign
        .appeal
        .paragraphs
        .get(locale)
        .first()
        .cloned();
    view! {
        <Layout locale path="/donate" title=m.donate_title description=m.donate_description>
            <section class="give give-page" aria-labelledby="give-heading">
                <div class="wrap">
                    <h1 id="give-heading">{m.donate_title}</h1>
                    <p class="lead">{appeal}</p>
                    <CampaignProgress locale/>
                    <DonationWidget locale state=form_state/>
                </div>
            </section>
        </Layout>
    }
}
