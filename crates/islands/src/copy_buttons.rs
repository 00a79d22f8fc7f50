use leptos::prelude::*;

use crate::live_root;

/// Wraps payment details (see `pages::gift`): once hydrated, each hidden "Copy" button
/// beside a value appears and copies that value exactly (`data-copy`), then says so. Without
/// JavaScript the buttons stay hidden and the values are plain text to select.
#[island]
pub fn CopyButtons(children: Children) -> impl IntoView {
    live_root("copy-buttons", children, |root| {
        #[cfg(feature = "hydrate")]
        browser::enhance(root);
        #[cfg(not(feature = "hydrate"))]
        let _ = root;
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use web_sys::Element;

    use crate::on;

    pub fn enhance(root: &Element) {
        let Ok(buttons) = root.query_selector_all("button[data-copy]") else {
            return;
        };
        for i in 0..buttons.length() {
            let Some(button) = buttons
                .item(i)
                .and_then(|node| node.dyn_into::<Element>().ok())
            else {
                continue;
            };
            let _ = button.remove_attribute("hidden");
            let target = button.clone();
            on(&button, "click", move |_: web_sys::Event| {
                let value = target.get_attribute("data-copy").unwrap_or_default();
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&value);
                }
                if let Some(done) = target.get_attribute("data-copied") {
                    target.set_text_content(Some(&done));
                }
            });
        }
    }
}
