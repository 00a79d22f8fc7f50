//! What crawlers and browsers look for at fixed addresses: `sitemap.xml`, `robots.txt` and the
//! web app manifest. All addresses are absolute, from `PUBLIC_BASE_URL`, and every page is
//! listed in every language with its alternates.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::site::CACHE_ONE_DAY;
use sharecare_content::paths::{self, Endpoint, Page};
use sharecare_domain::Locale;
use sharecare_services::markup::escape;
use sharecare_services::state::AppState;

/// `GET /sitemap.xml`: each page in each language, each with its alternates (hreflang).
pub async fn sitemap(State(state): State<AppState>) -> impl IntoResponse {
    let base = &state.site.public_base_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let slugs = state
        .content
        .stories
        .iter()
        .map(|story| story.slug.as_str());
    for page in Page::public(slugs) {
        for locale in Locale::ALL {
            xml.push_str(&format!(
                "  <url>\n    <loc>{}</loc>\n",
                escape(&paths::absolute(base, &page.path(locale)))
            ));
            for alternate in Locale::ALL {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>\n",
                    alternate.html_lang(),
                    escape(&paths::absolute(base, &page.path(alternate)))
                ));
            }
            xml.push_str("  </url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_ONE_DAY),
        ],
        xml,
    )
}

/// `GET /robots.txt`: everything may be crawled except the donors' own pages and the APIs;
/// the sitemap is named with its absolute address.
pub async fn robots(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = String::from("User-agent: *\nAllow: /\n");
    for prefix in paths::not_for_crawlers() {
        text.push_str(&format!("Disallow: {prefix}\n"));
    }
    text.push_str(&format!(
        "\nSitemap: {}\n",
        paths::absolute(&state.site.public_base_url, paths::sitemap())
    ));
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_ONE_DAY),
        ],
        text,
    )
}

/// `GET /manifest.webmanifest`: the name (content) and icons for "add to home screen".
pub async fn manifest(State(state): State<AppState>) -> impl IntoResponse {
    let name = state.content.organisation.name.get(Locale::DEFAULT);
    let manifest = serde_json::json!({
        "name": name,
        "short_name": name,
        "start_url": Endpoint::Root.pattern(),
        "scope": Endpoint::Root.pattern(),
        "display": "browser",
        "background_color": "#fffaf5",
        "theme_color": "#9c2f1f",
        "icons": [
            { "src": paths::image("icon-192.png"), "sizes": "192x192", "type": "image/png" },
            { "src": paths::image("icon-512.png"), "sizes": "512x512", "type": "image/png" },
            { "src": paths::image("favicon.svg"), "sizes": "any", "type": "image/svg+xml" },
        ],
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, CACHE_ONE_DAY),
        ],
        manifest.to_string(),
    )
}
