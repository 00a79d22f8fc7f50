use leptos::prelude::*;

/// The cookie the server reads on `/` (see `http::cookies::LANGUAGE`; islands import only `domain`).
const COOKIE: &str = "sharecare_locale";

/// Wraps server-rendered language links. The links work on their own, with or without
/// JavaScript; once hydrated, this remembers the reader's pick in a cookie so a later visit to
/// `/` (or a shared root link) opens in that language rather than the browser's default.
///
/// `data-hydrated` flips to `"true"` when the island is live, which tests wait for.
#[island]
pub fn LanguageMemory(children: Children) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <div
            class="language-memory"
            data-hydrated=move || if hydrated.get() { "true" } else { "false" }
            on:click=remember_language
        >
            {children()}
        </div>
    }
}

/// Handles clicks anywhere inside the island (event delegation), acting on language links.
fn remember_language(event: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[data-locale]").ok().flatten());
        let Some(code) = link.and_then(|link| link.get_attribute("data-locale")) else {
            return;
        };
        // Only the site's own codes are written: the attribute is ours, but a cookie value
        // must never carry `;` or other surprises.
        if sharecare_domain::Locale::from_code(&code).is_none() {
            return;
        }
        if let Ok(document) = document().dyn_into::<web_sys::HtmlDocument>() {
            let cookie = format!("{COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax");
            let _ = document.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, COOKIE);
}
