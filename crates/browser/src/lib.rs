//! The browser's WASM bundle: the islands (`sharecare_islands`) and the entry point that wakes
//! them on the server-rendered page. Built for `wasm32-unknown-unknown` only (see
//! `build_site` in `scripts/setup.sh`).

// The islands register themselves (each `#[island]` exports its hydration function); naming
// the crate links it into the bundle.
use sharecare_islands as _;

/// Entry point of the WASM bundle: wakes up the islands on the server-rendered page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
