//! The 404 page, in the reader's language: the one in the URL if it names one, else the one
//! their browser asks for.

use leptos::prelude::*;

use crate::components::layout::Layout;
use crate::domain::Locale;
use crate::i18n::t;
use crate::server::routes::reader_locale;

#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let parts = use_context::<http::request::Parts>();
    let locale = parts
        .as_ref()
        .and_then(|parts| {
            parts
                .uri
                .path()
                .split('/')
                .nth(1)
                .and_then(Locale::from_code)
        })
        .or_else(|| parts.as_ref().map(|parts| reader_locale(&parts.headers)))
        .unwrap_or(Locale::DEFAULT);
    let m = t(locale);
    view! {
        <Layout locale path="" title=m.not_found_title description=m.not_found_body noindex=true>
            <section class="not-found">
                <div class="wrap">
                    <h1>{m.not_found_title}</h1>
                    <p>{m.not_found_body}</p>
                    <p><a class="button" href=format!("/{}", locale.code())>{m.not_found_home}</a></p>
                </div>
            </section>
        </Layout>
    }
}
