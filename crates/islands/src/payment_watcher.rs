use leptos::prelude::*;

use crate::live_root;

/// Wraps the "payment being confirmed" note a donor sees on returning from the hosted checkout.
/// Once hydrated it follows the donation's status stream and, when the payment is confirmed,
/// replaces the note with the server-rendered "received" text (from `data-paid-text`). Without
/// JavaScript the note tells the donor to reload.
#[island]
pub fn PaymentWatcher(children: Children) -> impl IntoView {
    live_root("payment-watcher", children, |root| {
        #[cfg(feature = "hydrate")]
        browser::follow(root);
        #[cfg(not(feature = "hydrate"))]
        let _ = root;
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use web_sys::{Element, EventSource, MessageEvent};

    use crate::on;
    use sharecare_domain::status::DonationStatus;

    pub fn follow(root: &Element) {
        let Ok(Some(status)) = root.query_selector("[data-payment-status]") else {
            return;
        };
        let Some(stream) = status.get_attribute("data-stream") else {
            return;
        };
        let Ok(source) = EventSource::new(&stream) else {
            return;
        };
        let root = root.clone();
        let open = source.clone();
        on(&source, "status", move |event: web_sys::Event| {
            let paid = event
                .dyn_ref::<MessageEvent>()
                .and_then(|message| message.data().as_string())
                .is_some_and(|data| data == DonationStatus::Paid.as_str());
            if !paid {
                return;
            }
            open.close();
            if let Some(text) = status.get_attribute("data-paid-text") {
                status.set_text_content(Some(&text));
            }
            let _ = status.set_attribute("data-payment-status", DonationStatus::Paid.as_str());
            if let Ok(Some(hint)) = root.query_selector("[data-payment-hint]") {
                hint.remove();
            }
        });
    }
}
