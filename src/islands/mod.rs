//! The interactive parts of the site: the only code compiled to WASM. Islands take
//! already-translated text from the server (as props or server-rendered children), so no
//! translation tables or content parsing ever reach the browser.

mod donation_enhancer;
mod language_memory;
mod live_progress;

pub use donation_enhancer::DonationEnhancer;
pub use language_memory::LanguageMemory;
pub use live_progress::LiveProgress;

/// Adds an event listener that lives as long as the page.
#[cfg(feature = "hydrate")]
fn on<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    name: &str,
    handler: impl FnMut(E) + 'static,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let closure = Closure::<dyn FnMut(E)>::new(handler);
    let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    // The listener is wanted until the page goes away; the page's teardown frees it.
    closure.forget();
}
