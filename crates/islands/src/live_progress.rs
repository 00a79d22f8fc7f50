use leptos::prelude::*;

use crate::live_root;

/// Wraps the server-rendered campaign progress (see `components::progress`). Once hydrated it
/// listens to the progress stream the markup names (`data-stream`, server-sent events) and
/// rewrites the figures and the bar when a gift is confirmed, so an open page never shows a
/// stale total. However many pages the reader moves through, there is one stream.
#[island]
pub fn LiveProgress(children: Children) -> impl IntoView {
    live_root("live-progress", children, |root| {
        #[cfg(feature = "hydrate")]
        browser::follow(root);
        #[cfg(not(feature = "hydrate"))]
        let _ = root;
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use web_sys::{Element, EventSource, MessageEvent};

    use crate::on;
    use sharecare_domain::money::{group_thousands, Currency, Money};

    thread_local! {
        /// The page's one progress stream and the progress elements it updates. Pages swapped in
        /// without a reload (`src/navigation.js`) add their own elements to it rather than open
        /// a second stream; elements no longer in the document are let go on the next event.
        static SHARED: RefCell<Option<Shared>> = const { RefCell::new(None) };
    }

    struct Shared {
        stream: String,
        source: EventSource,
        roots: Rc<RefCell<Vec<Element>>>,
    }

    pub fn follow(root: &Element) {
        // The progress element names its stream.
        let Some(stream) = root
            .query_selector("[data-stream]")
            .ok()
            .flatten()
            .and_then(|progress| progress.get_attribute("data-stream"))
        else {
            return;
        };
        let joined = SHARED.with_borrow(|shared| match shared {
            // A stream the browser gave up on (the server refused a reconnect) is not joined:
            // this page opens a new one, as a page load would.
            Some(shared)
                if shared.stream == stream
                    && shared.source.ready_state() != EventSource::CLOSED =>
            {
                shared.roots.borrow_mut().push(root.clone());
                true
            }
            _ => false,
        });
        if joined {
            return;
        }
        let Ok(source) = EventSource::new(&stream) else {
            return;
        };
        let roots = Rc::new(RefCell::new(vec![root.clone()]));
        let listeners = roots.clone();
        on(&source, "progress", move |event: web_sys::Event| {
            let Some(data) = event
                .dyn_ref::<MessageEvent>()
                .and_then(|message| message.data().as_string())
            else {
                return;
            };
            let mut roots = listeners.borrow_mut();
            roots.retain(|root| root.is_connected());
            for root in roots.iter() {
                update(root, &data);
            }
        });
        SHARED.set(Some(Shared {
            stream,
            source,
            roots,
        }));
    }

    /// Applies one event: "raised_minor supporters goal_minor percent currency".
    fn update(root: &Element, data: &str) {
        let mut parts = data.split_whitespace();
        let mut number = || parts.next().and_then(|part| part.parse::<u64>().ok());
        let (Some(raised), Some(supporters), Some(_goal), Some(percent)) =
            (number(), number(), number(), number())
        else {
            return;
        };
        let Some(currency) = parts.next().and_then(Currency::from_code) else {
            return;
        };
        let set = |selector: &str, text: &str| {
            if let Ok(Some(element)) = root.query_selector(selector) {
                element.set_text_content(Some(text));
            }
        };
        set(
            "[data-progress-raised]",
            &Money::new(raised, currency).to_string(),
        );
        set("[data-progress-supporters]", &group_thousands(supporters));
        set("[data-progress-percent]", &format!("{percent}%"));
        if let Ok(Some(bar)) = root.query_selector("[data-progress-bar]") {
            let percent = percent.to_string();
            let _ = bar.set_attribute("aria-valuenow", &percent);
            // The fill is an SVG rectangle: its width attribute, never an inline style (CSP).
            if let Ok(Some(fill)) = bar.query_selector("rect") {
                let _ = fill.set_attribute("width", &percent);
            }
        }
    }
}
