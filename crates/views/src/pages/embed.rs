//! `/embed/{locale}/donate`: the donation widget alone, for a partner's `<iframe>` (inserted by
//! `/embed.js`). It needs no cookie (browsers block them in another site's frame): the form
//! carries its token, its "shown at" note and the partner's code itself, and it submits to the
//! top window, so the checkout and the donor's gift page open as the site itself.
//!
//! A small script tells the partner's page how tall the widget is, only if that page's origin
//! is one the content lists (the same origins the page may be framed by).

use leptos::prelude::*;
use leptos_meta::{Html, Meta, Title};

use crate::components::donation_form::{DonationWidget, FormState};
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

/// Posts the page's height to its parent, if the parent is a listed partner origin (read from
/// `data-embed-origins`), whenever it changes.
const FRAME_HEIGHT_SCRIPT: &str = r#"(()=>{const m=document.querySelector("[data-embed-origins]");if(!m||parent===window)return;const ok=m.dataset.embedOrigins.split(" ");const a=location.ancestorOrigins;let p=a&&a.length?a[0]:"";if(!p&&document.referrer){try{p=new URL(document.referrer).origin}catch(e){}}if(!ok.includes(p))return;let last=0;const send=()=>{const h=Math.ceil(m.getBoundingClientRect().height);if(h!==last){last=h;parent.postMessage({sharecare:"height",height:h},p)}};new ResizeObserver(send).observe(m);send()})();"#;

#[component]
pub fn EmbedPage(locale: Locale, form: FormState) -> impl IntoView {
    let state = expect_context::<AppState>();
    let m = t(locale);
    let org = state.content.organisation.name.get(locale).clone();
    let origins = state.content.embed_origins();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <Html {..} lang=locale.html_lang() dir="ltr"/>
        <Title text=fill(m.page_title, &[("title", m.donate_title), ("org", &org)])/>
        <Meta name="robots" content="noindex"/>
        <main class="embed give" data-embed-origins=origins>
            <h1 class="embed-title">{m.donate_title}</h1>
            <DonationWidget locale state=form embedded=true/>
            <p class="embed-more">
                <a href=paths::home(locale) target="_blank" rel="noopener">{m.embed_more}</a>
            </p>
        </main>
        <script nonce=nonce inner_html=FRAME_HEIGHT_SCRIPT></script>
    }
}
