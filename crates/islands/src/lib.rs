//! The interactive parts of the site: the only code compiled to WASM. Islands take
//! already-translated text from the server (as props or server-rendered children), so no
//! translation tables or content parsing ever reach the browser.

mod copy_buttons;
mod donation_enhancer;
mod language_memory;
mod live_progress;
mod payment_watcher;
mod share_enhancer;

pub use copy_buttons::CopyButtons;
pub use donation_enhancer::DonationEnhancer;
pub use language_memory::LanguageMemory;
pub use live_progress::LiveProgress;
pub use payment_watcher::PaymentWatcher;
pub use share_enhancer::ShareEnhancer;

/// The element an island wraps its server-rendered children in. Once the island is live it
/// runs `start` on that element (listeners, streams) and flips `data-hydrated` to `"true"`,
/// which tests wait for.
fn live_root(
    class: &'static str,
    children: leptos::prelude::Children,
    start: fn(&leptos::web_sys::HtmlDivElement),
) -> impl leptos::prelude::IntoView {
    use leptos::prelude::*;
    let root = NodeRef::<leptos::html::Div>::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            start(&root);
        }
        hydrated.set(true);
    });
    view! {
        <div
            class=class
            node_ref=root
            data-hydrated=move || if hydrated.get() { "true" } else { "false" }
        >
            {children()}
        </div>
    }
}

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
