//! Story pages, link previews as served (what a crawler reads, no JavaScript), and what
//! crawlers and browsers look for at fixed addresses.

mod common;

use common::{spawn_app, TestApp, PUBLIC_BASE_URL};
use reqwest::StatusCode;
use serde_json::Value;

const LOCALES: [(&str, &str, &str); 3] = [
    ("en", "en", "en_GB"),
    ("zh-hk", "zh-Hant-HK", "zh_HK"),
    ("zh-cn", "zh-Hans", "zh_CN"),
];

/// The attributes of every `<tag ...>` in a page, decoded: a small stand-in for the parsers
/// link previews use (they read the served HTML only).
fn tags(html: &str, tag: &str) -> Vec<Vec<(String, String)>> {
    let opening = format!("<{tag} ");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&opening) {
        let after = &rest[start + opening.len()..];
        let end = after.find('>').expect("the tag closes");
        found.push(attributes(&after[..end]));
        rest = &after[end..];
    }
    found
}

fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim().to_string();
        let after = &rest[eq + 2..];
        let close = after.find('"').expect("attribute values are quoted");
        let value = after[..close]
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push((name, value));
        rest = after[close + 1..].trim_start();
    }
    out
}

fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `<meta property|name=key content=...>` values, in page order.
fn meta(html: &str, key: &str) -> Vec<String> {
    tags(html, "meta")
        .iter()
        .filter(|attrs| {
            attribute(attrs, "property") == Some(key) || attribute(attrs, "name") == Some(key)
        })
        .filter_map(|attrs| attribute(attrs, "content").map(str::to_string))
        .collect()
}

fn one_meta(html: &str, key: &str) -> String {
    let values = meta(html, key);
    assert_eq!(values.len(), 1, "exactly one {key}: {values:?}");
    values[0].clone()
}

fn links(html: &str, rel: &str) -> Vec<Vec<(String, String)>> {
    tags(html, "link")
        .into_iter()
        .filter(|attrs| attribute(attrs, "rel") == Some(rel))
        .collect()
}

fn title(html: &str) -> String {
    let start = html.find("<title>").expect("a title") + 7;
    let end = html[start..].find("</title>").unwrap() + start;
    html[start..end]
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
}

fn json_ld(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("structured data")
        + "<script type=\"application/ld+json\">".len();
    let end = html[start..].find("</script>").unwrap() + start;
    serde_json::from_str(&html[start..end]).expect("the structured data is JSON")
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn every_story_has_a_page_in_every_language_with_a_full_link_preview() {
    let app = spawn_app().await;
    let content = app.state.content.clone();
    assert!(content.stories.len() >= 3, "at least three stories");
    for story in &content.stories {
        for (code, html_lang, og_locale) in LOCALES {
            let locale = sharecare::domain::Locale::from_code(code).unwrap();
            let path = format!("/{code}/stories/{}", story.slug);
            let html = page(&app, &path).await;
            let url = format!("{PUBLIC_BASE_URL}{path}");
            let what = format!("{path}:");

            // The whole story, the figures, the live total and the widget.
            assert!(
                html.contains(&format!("<html lang=\"{html_lang}\"")),
                "{what} lang"
            );
            assert!(
                html.contains(story.headline.get(locale).as_str()),
                "{what} headline"
            );
            assert!(
                html.contains(&format!("src=\"{}\"", story.image.src)),
                "{what} illustration"
            );
            for section in &story.sections {
                assert!(
                    html.contains(section.heading.get(locale).as_str()),
                    "{what} sections"
                );
            }
            assert!(html.contains("class=\"stats\""), "{what} statistics");
            assert!(
                html.contains("data-progress-raised"),
                "{what} live progress"
            );
            assert!(
                html.contains("class=\"donation-form\""),
                "{what} donation widget"
            );

            // The preview, in the page's language, with absolute URLs.
            let name = story.name.get(locale);
            let summary = story.summary.get(locale);
            assert!(title(&html).contains(name.as_str()), "{what} title");
            assert_eq!(
                one_meta(&html, "description"),
                *summary,
                "{what} description"
            );
            assert_eq!(one_meta(&html, "og:description"), *summary);
            assert!(one_meta(&html, "og:title").contains(story.headline.get(locale).as_str()));
            assert_eq!(one_meta(&html, "og:type"), "article", "{what} og:type");
            assert_eq!(one_meta(&html, "og:url"), url, "{what} og:url");
            assert_eq!(
                one_meta(&html, "og:site_name"),
                *content.organisation.name.get(locale)
            );
            assert_eq!(one_meta(&html, "og:locale"), og_locale);
            let mut alternates = meta(&html, "og:locale:alternate");
            alternates.sort();
            let mut expected: Vec<String> = LOCALES
                .iter()
                .filter(|(other, _, _)| *other != code)
                .map(|(_, _, og)| og.to_string())
                .collect();
            expected.sort();
            assert_eq!(alternates, expected, "{what} og:locale:alternate");
            let image = one_meta(&html, "og:image");
            assert!(
                image.starts_with(PUBLIC_BASE_URL),
                "{what} og:image is absolute: {image}"
            );
            assert!(one_meta(&html, "og:image:width").parse::<u32>().unwrap() > 0);
            assert!(one_meta(&html, "og:image:height").parse::<u32>().unwrap() > 0);
            assert_eq!(
                one_meta(&html, "og:image:alt"),
                *story.image.alt.get(locale)
            );
            assert_eq!(one_meta(&html, "twitter:card"), "summary_large_image");

            let canonical = links(&html, "canonical");
            assert_eq!(canonical.len(), 1);
            assert_eq!(attribute(&canonical[0], "href"), Some(url.as_str()));
            let alternates = links(&html, "alternate");
            for (other, other_lang, _) in LOCALES {
                let href = format!("{PUBLIC_BASE_URL}/{other}/stories/{}", story.slug);
                assert!(
                    alternates
                        .iter()
                        .any(|attrs| attribute(attrs, "hreflang") == Some(other_lang)
                            && attribute(attrs, "href") == Some(href.as_str())),
                    "{what} hreflang {other_lang}"
                );
            }
            assert!(alternates
                .iter()
                .any(|attrs| attribute(attrs, "hreflang") == Some("x-default")));

            let data = json_ld(&html);
            assert_eq!(data["@type"], "Article", "{what}");
            assert_eq!(data["url"], url.as_str());
            assert_eq!(data["inLanguage"], html_lang);
            assert_eq!(data["headline"], story.headline.get(locale).as_str());
            assert!(data["image"].as_str().unwrap().starts_with(PUBLIC_BASE_URL));
            assert_eq!(data["potentialAction"]["@type"], "DonateAction");
            assert_eq!(
                data["potentialAction"]["target"],
                format!("{PUBLIC_BASE_URL}/{code}/donate").as_str()
            );
        }
    }
}

#[tokio::test]
async fn the_home_page_links_to_every_story_and_describes_the_organisation() {
    let app = spawn_app().await;
    for (code, _, _) in LOCALES {
        let html = page(&app, &format!("/{code}")).await;
        for story in &app.state.content.stories {
            assert!(
                html.contains(&format!("href=\"/{code}/stories/{}\"", story.slug)),
                "/{code} links to {}",
                story.slug
            );
        }
        assert_eq!(one_meta(&html, "og:type"), "website");
        let data = json_ld(&html);
        assert_eq!(data["@type"], "NGO");
        assert_eq!(data["potentialAction"]["@type"], "DonateAction");
    }
}

#[tokio::test]
async fn an_unknown_story_is_a_404_page() {
    let app = spawn_app().await;
    let response = app.get("/en/stories/nobody").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(
        !html.contains("application/ld+json"),
        "no structured data on a 404"
    );
}

#[tokio::test]
async fn the_sitemap_lists_every_page_in_every_language_with_alternates() {
    let app = spawn_app().await;
    let response = app.get("/sitemap.xml").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = response.text().await.unwrap();
    let mut paths = vec!["".to_string(), "/donate".into(), "/privacy".into()];
    paths.extend(
        app.state
            .content
            .stories
            .iter()
            .map(|story| format!("/stories/{}", story.slug)),
    );
    for path in &paths {
        for (code, html_lang, _) in LOCALES {
            let url = format!("{PUBLIC_BASE_URL}/{code}{path}");
            assert!(xml.contains(&format!("<loc>{url}</loc>")), "{url}");
            assert!(
                xml.contains(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{html_lang}\" href=\"{url}\"/>"
                )),
                "alternate {url}"
            );
        }
    }
    assert_eq!(xml.matches("<url>").count(), paths.len() * LOCALES.len());
    assert!(
        !xml.contains("/donations/"),
        "donors' own pages are never listed"
    );
    // Every listed page answers.
    for path in &paths {
        page(&app, &format!("/zh-hk{path}")).await;
    }
}

#[tokio::test]
async fn robots_manifest_and_icons_are_where_browsers_and_crawlers_look() {
    let app = spawn_app().await;
    let robots = page(&app, "/robots.txt").await;
    assert!(robots.contains(&format!("Sitemap: {PUBLIC_BASE_URL}/sitemap.xml")));
    assert!(robots.contains("Disallow: /en/donations/"));

    let response = app.get("/manifest.webmanifest").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/manifest+json"
    );
    let manifest: Value = response.json().await.unwrap();
    assert_eq!(manifest["name"], "ShareCare Children's Fund");
    let icons = manifest["icons"].as_array().unwrap();
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let response = app.get(src).await;
        assert_eq!(response.status(), StatusCode::OK, "{src}");
        if icon["type"] == "image/png" {
            let bytes = response.bytes().await.unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{src} is a PNG");
            let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            let size = icon["sizes"].as_str().unwrap();
            assert_eq!(format!("{width}x{width}"), size, "{src} is {size}");
        }
    }
    let favicon = app.get("/favicon.ico").await;
    assert_eq!(favicon.status(), StatusCode::OK);
    let bytes = favicon.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");

    let html = page(&app, "/en").await;
    assert!(html.contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));
}
