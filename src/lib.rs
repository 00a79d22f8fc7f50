//! sharecare: the campaign site for left-behind children.
//!
//! Islands architecture: the server renders every page to HTML; the browser downloads WASM only
//! for the small interactive parts in [`islands`]. Everything else, including all translation and
//! content, is compiled into the server alone (`ssr`), so none of it reaches the WASM bundle.
//!
//! Layers, each importing only those below it (see `docs/architecture.md`; a test checks it):
//! `startup` → `http` → views (`app`, `pages`, `components`) → services and infrastructure
//! (`server`) → `content`, `i18n`, `paths` → `domain`. The `islands` import only `domain`.

#![recursion_limit = "256"]

pub mod domain;
pub mod islands;

#[cfg(feature = "ssr")]
pub mod app;
#[cfg(feature = "ssr")]
pub mod components;
#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod paths;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod startup;

/// Entry point of the WASM bundle: wakes up the islands on the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
