//! `/{locale}/privacy`: the privacy notice for donors (Hong Kong PDPO), from content.

use leptos::prelude::*;

use crate::components::layout::Layout;
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths::{self, Page};
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

#[component]
pub fn PrivacyPage(locale: Locale) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = &state.content.privacy;
    let m = t(locale);
    let title = notice.title.get(locale).clone();
    let sections = notice
        .sections
        .iter()
        .map(|section| {
            let paragraphs = section
                .paragraphs
                .get(locale)
                .iter()
                .map(|p| view! { <p>{p.clone()}</p> })
                .collect_view();
            view! {
                <section>
                    <h2>{section.heading.get(locale).clone()}</h2>
                    {paragraphs}
                </section>
            }
        })
        .collect_view();
    let summary = notice.summary.get(locale).clone();
    let body = view! {
        <article class="prose">
            <div class="wrap">
                <h1>{title.clone()}</h1>
                <p class="lead">{summary.clone()}</p>
                {sections}
                <p class="hint">{fill(m.privacy_updated, &[("date", &notice.updated)])}</p>
                <p><a class="button" href=paths::donate(locale)>{m.privacy_back_to_giving}</a></p>
            </div>
        </article>
    };
    view! {
        <Layout locale page=Page::Privacy title description=summary>
            {body}
        </Layout>
    }
}
