//! `/{locale}/referrals/{code}`: a personal share link and what it has raised. Public to anyone
//! with the code, so it shows totals only, never a donor. The handler
//! (`http::referrals::referral_page`) finds the code; unknown codes are the 404 page.

use leptos::prelude::*;

use crate::components::layout::Layout;
use crate::components::share::ShareBar;
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths::{self, Page};
use sharecare_content::Story;
use sharecare_domain::identifiers::ReferralCode;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

/// A share code's page, as its handler finds it.
#[derive(Debug, Clone)]
pub struct ReferralPageData {
    pub code: ReferralCode,
    pub story: Story,
    pub raised_minor: u64,
    pub gifts: u64,
}

#[component]
pub fn ReferralPage(locale: Locale, data: ReferralPageData) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let m = t(locale);
    let story = &data.story;
    let name = story.name.get(locale).clone();
    let title = fill(m.referral_title, &[("name", &name)]);
    let story_path = paths::story(locale, &story.slug);
    let link = paths::absolute(
        &state.site.public_base_url,
        &paths::shared_story(locale, &story.slug, &data.code),
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
    view! {
        <Layout locale page=Page::Referral(data.code.clone()) title=title.clone() description=title noindex=true>
            {body}
        </Layout>
    }
}
