//! The HTML document around every page. Which page goes in it is decided by the router
//! (`crate::http::router`), which renders each page with its typed input.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};

use crate::paths::{self, Endpoint};

/// The document around `page`. `<html lang>`, the title and the meta tags are set by each page
/// (see `components::layout`) and injected here by `<MetaTags/>`.
/// `islands: false` leaves out the hydration scripts and the WASM (the staff admin has no
/// interactive parts: it is forms and tables).
pub fn shell<V: IntoView + 'static>(
    options: LeptosOptions,
    css_href: String,
    islands: bool,
    page: impl FnOnce() -> V,
) -> impl IntoView {
    provide_meta_context();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#9c2f1f"/>
                <link rel="stylesheet" href=css_href/>
                <link rel="icon" type="image/svg+xml" href=paths::image("favicon.svg")/>
                <link rel="icon" href=Endpoint::Favicon.pattern() sizes="32x32"/>
                <link rel="apple-touch-icon" href=paths::image("icon-192.png")/>
                <link rel="manifest" href=Endpoint::Manifest.pattern()/>
                {islands.then(|| view! { <HydrationScripts options islands=true/> })}
                {islands.then(navigation_script)}
                <MetaTags/>
            </head>
            <body>
                {page()}
            </body>
        </html>
    }
}

/// The script that moves between the campaign's pages without a reload (`src/navigation.js`),
/// told which paths it may take over: the pages served from the page cache, in every language.
fn navigation_script() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let nonce = leptos::nonce::use_nonce();
    #[cfg(not(feature = "ssr"))]
    let nonce = None::<String>;
    view! { <script type="module" nonce=nonce inner_html=navigation_source()></script> }
}

/// The script's text, made once: its comments are for readers of the source, not for every
/// page's bytes (~0.6 KB brotli).
fn navigation_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let pages = paths::cached_pages_regex();
        let source = include_str!("navigation.js")
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        format!("{}({pages:?});", source.trim_end())
    })
}
