//! The 404 page, in the reader's language: the one in the URL if it names one, else the one
//! their browser asks for.

use leptos::prelude::*;

use crate::components::layout::Layout;
use crate::domain::Locale;
use crate::i18n::t;
use crate::paths::{self, Page};

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
