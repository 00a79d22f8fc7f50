//! What crawlers and browsers look for at fixed addresses: `sitemap.xml`, `robots.txt` and the
//! web app manifest. All addresses are absolute, from `PUBLIC_BASE_URL`, and every page is
//! listed in every language with its alternates.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::domain::Locale;
use crate::server::markup::escape;
use crate::server::routes::CACHE_ONE_DAY;
use crate::server::state::AppState;

/// Every public page, as the path after the language segment.
pub fn public_paths(state: &AppState) -> Vec<String> {
    let mut paths = vec![String::new(), "/donate".to_string(), "/privacy".to_string()];
    paths.extend(
        state
            .content
            .stories
            .iter()
            .map(|story| format!("/stories/{}", story.slug)),
    );
    paths
}

/// `GET /sitemap.xml`: each page in each language, each with its alternates (hreflang).
pub async fn sitemap(State(state): State<AppState>) -> impl IntoResponse {
    let base = &state.site.public_base_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for path in public_paths(&state) {
        for locale in Locale::ALL {
            xml.push_str(&format!(
                "  <url>\n    <loc>{}</loc>\n",
                escape(&format!("{base}/{}{path}", locale.code()))
            ));
            for alternate in Locale::ALL {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>\n",
                    alternate.html_lang(),
                    escape(&format!("{base}/{}{path}", alternate.code()))
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
    let mut text = String::from("User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /webhooks/\n");
    for locale in Locale::ALL {
        text.push_str(&format!("Disallow: /{}/donations/\n", locale.code()));
    }
    text.push_str(&format!(
        "\nSitemap: {}/sitemap.xml\n",
        state.site.public_base_url
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
        "start_url": "/",
        "scope": "/",
        "display": "browser",
        "background_color": "#fffaf5",
        "theme_color": "#9c2f1f",
        "icons": [
            { "src": "/images/icon-192.png", "sizes": "192x192", "type": "image/png" },
            { "src": "/images/icon-512.png", "sizes": "512x512", "type": "image/png" },
            { "src": "/images/favicon.svg", "sizes": "any", "type": "image/svg+xml" },
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
