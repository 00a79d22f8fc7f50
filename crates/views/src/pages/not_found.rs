//! Pages for requests that could not be answered as asked, in the reader's language (the one
//! in the URL if it names one, else the one their browser asks for): not found (404), and too
//! many requests (429), and briefly unavailable (503).

use leptos::prelude::*;

use crate::components::layout::Layout;
use sharecare_content::i18n::t;
use sharecare_content::paths::{self, Page};
use sharecare_domain::Locale;

/// `locale` is the one the address names, else the reader's (see `http::not_found`).
#[component]
pub fn NotFound(locale: Locale) -> impl IntoView {
    let m = t(locale);
    view! {
        <Layout locale page=Page::Home title=m.not_found_title description=m.not_found_body noindex=true>
            <section class="not-found">
                <div class="wrap">
                    <h1>{m.not_found_title}</h1>
                    <p>{m.not_found_body}</p>
                    <p><a class="button" href=paths::home(locale)>{m.not_found_home}</a></p>
                </div>
            </section>
        </Layout>
    }
}

/// Over a rate limit (a share link asked for too often): when to try again.
#[component]
pub fn TooManyRequests(locale: Locale, minutes: u64) -> impl IntoView {
    let m = t(locale);
    let body = sharecare_content::i18n::fill(m.too_many_body, &[("minutes", &minutes.to_string())]);
    view! {
        <Layout locale page=Page::Home title=m.too_many_title description=body.clone() noindex=true>
            <section class="not-found">
                <div class="wrap">
                    <h1>{m.too_many_title}</h1>
                    <p>{body}</p>
                    <p><a class="button" href=paths::home(locale)>{m.not_found_home}</a></p>
                </div>
            </section>
        </Layout>
    }
}

/// Something the site depends on failed for a moment: reload soon.
#[component]
pub fn Unavailable(locale: Locale) -> impl IntoView {
    let m = t(locale);
    view! {
        <Layout locale page=Page::Home title=m.unavailable_title description=m.unavailable_body noindex=true>
            <section class="not-found">
                <div class="wrap">
                    <h1>{m.unavailable_title}</h1>
                    <p>{m.unavailable_body}</p>
                    <p><a class="button" href=paths::home(locale)>{m.not_found_home}</a></p>
                </div>
            </section>
        </Layout>
    }
}
