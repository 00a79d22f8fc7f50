use leptos::prelude::*;

use crate::live_root;

/// Wraps the server-rendered share bar (see `components::share`). Once hydrated it shows the
/// phone's own share sheet button where the browser has the Web Share API, and a copy button
/// that copies the link and says so. Without JavaScript every link still works and the link
/// is there to copy by hand.
#[island]
pub fn ShareEnhancer(children: Children) -> impl IntoView {
    live_root("share-enhancer", children, |root| {
        #[cfg(feature = "hydrate")]
        browser::enhance(root);
        #[cfg(not(feature = "hydrate"))]
        let _ = root;
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use web_sys::js_sys::{Object, Reflect};
    use web_sys::{Element, HtmlDocument, HtmlElement, HtmlInputElement};

    use crate::on;

    pub fn enhance(root: &Element) {
        let Ok(Some(bar)) = root.query_selector(".share-bar") else {
            return;
        };
        let url = bar.get_attribute("data-share-url").unwrap_or_default();
        let text = bar.get_attribute("data-share-text").unwrap_or_default();
        let Some(window) = web_sys::window() else {
            return;
        };
        let navigator = window.navigator();
        let can_share = Reflect::has(&navigator, &"share".into()).unwrap_or(false);
        if let (true, Ok(Some(button))) = (can_share, bar.query_selector("[data-native-share]")) {
            let _ = button.remove_attribute("hidden");
            let (url, text) = (url.clone(), text.clone());
            on(&button, "click", move |_: web_sys::Event| {
                let data = Object::new();
                let _ = Reflect::set(&data, &"text".into(), &text.as_str().into());
                let _ = Reflect::set(&data, &"url".into(), &url.as_str().into());
                if let Ok(share) = Reflect::get(&navigator, &"share".into()) {
                    if let Ok(share) = share.dyn_into::<web_sys::js_sys::Function>() {
                        // The promise is the share sheet's; a dismissed sheet is not an error.
                        let _ = share.call1(&navigator, &data);
                    }
                }
            });
        }
        let (Ok(Some(copy)), Ok(Some(input)), Ok(Some(status))) = (
            bar.query_selector("[data-copy]"),
            bar.query_selector("#share-link"),
            bar.query_selector(".share-status"),
        ) else {
            return;
        };
        let _ = copy.remove_attribute("hidden");
        on(&copy, "click", move |_: web_sys::Event| {
            let Some(input) = input.dyn_ref::<HtmlInputElement>() else {
                return;
            };
            input.select();
            let copied = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.dyn_into::<HtmlDocument>().ok())
                .and_then(|d| d.exec_command("copy").ok())
                .unwrap_or(false);
            if !copied {
                // Newer browsers: the asynchronous clipboard.
                if let Some(window) = web_sys::window() {
                    let clipboard = window.navigator().clipboard();
                    let _ = clipboard.write_text(&input.value());
                }
            }
            status.set_text_content(status.get_attribute("data-copied").as_deref());
            if let Some(element) = status.dyn_ref::<HtmlElement>() {
                let _ = element.set_attribute("data-shown", "true");
            }
        });
    }
}
