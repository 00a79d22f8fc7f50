//! `/{locale}/referrals/{code}`: a personal share link and what it has raised. Public to anyone
//! with the code, so it shows totals only, never a donor. The handler
//! (`server::referrals::referral_page`) finds the code; unknown codes are the 404 page.

use leptos::prelude::*;

use crate::components::layout::Layout;
use crate::components::share::ShareBar;
use crate::domain::Locale;
use crate::i18n::{fill, t};
use crate::pages::{not_found::NotFound, route_locale};
use crate::server::referrals::ReferralPageData;
use crate::server::state::AppState;

#[component]
pub fn ReferralPage() -> impl IntoView {
    match (route_locale(), use_context::<ReferralPageData>()) {
        (Some(locale), Some(data)) => view! { <Referral locale data/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

#[component]
fn Referral(locale: Locale, data: ReferralPageData) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let m = t(locale);
    let Some(story) = content.story(&data.story_slug).cloned() else {
        return view! { <NotFound/> }.into_any();
    };
    let name = story.name.get(locale).clone();
    let title = fill(m.referral_title, &[("name", &name)]);
    let story_path = format!("/{}/stories/{}", locale.code(), story.slug);
    let link = format!(
        "{}{story_path}?ref={}",
        state.site.public_base_url, data.code
    );
    let raised = fill(
        m.referral_raised,
        &[("amount", &content.money(data.raised_minor).to_string())],
    );
    let gifts = fill(m.referral_gifts, &[("count", &data.gifts.to_string())]);
    let share_text = fill(
        m.share_story_text,
        &[("name", &name), ("headline", story.headline.get(locale))],
    );
    let body = view! {
        <section class="referral" aria-labelledby="referral-heading">
            <div class="wrap">
                <h1 id="referral-heading">{title.clone()}</h1>
                <p class="lead" data-referral-raised>{raised}</p>
                <p data-referral-gifts>{gifts}</p>
                <p class="hint">{m.referral_private}</p>
                <p>{m.referral_your_link}</p>
                <p><a href=story_path>{m.referral_story_link}</a></p>
            </div>
        </section>
        <ShareBar locale url=link text=share_text/>
    };
    let path = format!("/referrals/{}", data.code);
    view! {
        <Layout locale path title=title.clone() description=title noindex=true>
            {body}
        </Layout>
    }
    .into_any()
}
