//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::pages::donate::DonatePage;
use crate::pages::home::HomePage;
use crate::pages::not_found::NotFound;
use crate::pages::privacy::PrivacyPage;
use crate::pages::referral::ReferralPage;
use crate::pages::story::StoryPage;
use crate::pages::thank_you::ThankYouPage;
use crate::server::state::AppState;

/// The document around every page. `<html lang>`, the title and the meta tags are set by each
/// page (see `components::layout`) and injected here by `<MetaTags/>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let css_href = use_context::<AppState>().map(|state| state.site.css_href.clone());
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#9c2f1f"/>
                <link rel="stylesheet" href=css_href/>
                <link rel="icon" type="image/svg+xml" href="/images/favicon.svg"/>
                <link rel="icon" href="/favicon.ico" sizes="32x32"/>
                <link rel="apple-touch-icon" href="/images/icon-192.png"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/:locale") view=HomePage/>
                <Route path=path!("/:locale/donate") view=DonatePage/>
                <Route path=path!("/:locale/privacy") view=PrivacyPage/>
                <Route path=path!("/:locale/stories/:slug") view=StoryPage/>
                // Rendered by `server::referrals::referral_page`, which finds the code first.
                <Route path=path!("/:locale/referrals/:code") view=ReferralPage/>
                // Rendered by `server::giving::thank_you`, which checks the key first.
                <Route path=path!("/:locale/donations/:reference") view=ThankYouPage/>
            </Routes>
        </Router>
    }
}
