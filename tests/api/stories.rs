//! Story pages, link previews as served (what a crawler reads, no JavaScript), and what
//! crawlers and browsers look for at fixed addresses.

use crate::helpers::{spawn_app, TestApp, PUBLIC_BASE_URL};
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

/// Fetches an absolute site URL through the test server: (status, content type, width,
/// height, bytes), the size read from the PNG header.
async fn fetch_png(app: &TestApp, url: &str) -> (StatusCode, String, u32, u32, usize) {
    let path = url.strip_prefix(PUBLIC_BASE_URL).expect("a site URL");
    let response = app.get(path).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    assert!(
        cache.contains("immutable"),
        "share images are cached long: {cache}"
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (status, content_type, width, height, bytes.len())
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
            let locale = sharecare_domain::Locale::from_code(code).unwrap();
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
            assert_eq!(one_meta(&html, "og:image:width"), "1200");
            assert_eq!(one_meta(&html, "og:image:height"), "630");
            let alt = one_meta(&html, "og:image:alt");
            assert!(
                alt.starts_with(story.headline.get(locale).as_str()),
                "{what} {alt}"
            );
            assert!(
                alt.ends_with(story.image.alt.get(locale).as_str()),
                "{what} {alt}"
            );
            assert_eq!(one_meta(&html, "twitter:image"), image);
            let (status, content_type, width, height, bytes) = fetch_png(&app, &image).await;
            assert_eq!(status, StatusCode::OK, "{what} {image}");
            assert_eq!(content_type, "image/png");
            assert_eq!((width, height), (1200, 630), "{what} 1200×630");
            assert!(bytes < 300_000, "{what} {bytes} bytes, over 300 KB");
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

/// Asks for a personal share link for a story; returns the code.
async fn new_share_code(app: &TestApp, slug: &str) -> String {
    let response = app
        .post_form(&format!("/en/stories/{slug}/share-link"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let code = location
        .strip_prefix("/en/referrals/")
        .unwrap_or_else(|| panic!("{location}"))
        .to_string();
    assert_eq!(code.len(), 10, "{code}");
    code
}

#[tokio::test]
async fn a_gift_through_a_share_link_is_counted_on_its_page_without_naming_anyone() {
    let app = spawn_app().await;
    let code = new_share_code(&app, "lele").await;
    let other = new_share_code(&app, "lele").await;
    assert_ne!(code, other, "every request gets its own code");

    let page_of = |code: &str| format!("/en/referrals/{code}");
    let html = page(&app, &page_of(&code)).await;
    assert!(html.contains("Gifts made through this link have raised HK$0."));
    assert!(html.contains("Number of gifts: 0"));
    assert!(
        html.contains(&format!("{PUBLIC_BASE_URL}/en/stories/lele?ref={code}")),
        "the link to share"
    );

    // Landing on the shared link: the form carries the code, and a cookie keeps it for later.
    let landing = app.get(&format!("/en/stories/lele?ref={code}")).await;
    let cookie = landing
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .find(|value| value.starts_with("sharecare_ref="))
        .expect("the code is remembered");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let html = landing.text().await.unwrap();
    assert!(html.contains(&format!("name=\"referral\" value=\"{code}\"")));
    // Later in the visit, on another page, the cookie still supplies it.
    let donate = app
        .client
        .get(app.url("/en/donate"))
        .header("cookie", format!("sharecare_ref={code}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(donate.contains(&format!("name=\"referral\" value=\"{code}\"")));

    // A gift through the link, confirmed.
    let token = crate::helpers::signed_token();
    let response = app
        .post_form(
            "/en/donate",
            &[
                ("frequency", "one_off"),
                ("amount", "other"),
                ("custom_amount", "420"),
                ("email", "secret.donor@example.org"),
                ("name", "Very Private Person"),
                ("receipt", "own_name"),
                ("referral", code.as_str()),
                ("token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let reference = location
        .trim_start_matches("/en/donations/")
        .split('?')
        .next()
        .unwrap();
    let reference = sharecare_domain::identifiers::Reference::parse(reference).unwrap();
    let html = page(&app, &page_of(&code)).await;
    assert!(
        html.contains("Number of gifts: 0"),
        "a pledge is not yet a gift"
    );
    app.state.donations.mark_paid(&reference).await.unwrap();

    let html = page(&app, &page_of(&code)).await;
    assert!(
        html.contains("Gifts made through this link have raised HK$420."),
        "counted"
    );
    assert!(html.contains("Number of gifts: 1"));
    for private in ["Very Private Person", "secret.donor", reference.as_str()] {
        assert!(!html.contains(private), "the page never shows {private}");
    }
    // The other code raised nothing.
    assert!(page(&app, &page_of(&other))
        .await
        .contains("Number of gifts: 0"));

    let response = app.get(&page_of(&code)).await;
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    assert_eq!(response.headers()["x-robots-tag"], "noindex");
}

#[tokio::test]
async fn unknown_share_codes_and_stories_are_404s() {
    let app = spawn_app().await;
    for path in [
        "/en/referrals/ABCDEFGHJK",
        "/en/referrals/not*a*code",
        "/zh-hk/referrals/X",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let response = app.post_form("/en/stories/nobody/share-link", &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stories_and_the_thank_you_page_carry_a_share_bar() {
    let app = spawn_app().await;
    let html = page(&app, "/zh-hk/stories/yiyi").await;
    let url = format!("{PUBLIC_BASE_URL}/zh-hk/stories/yiyi");
    let encoded = url.replace(':', "%3A").replace('/', "%2F");
    for target in [
        "https://wa.me/?text=".to_string(),
        format!("https://www.facebook.com/sharer/sharer.php?u={encoded}"),
        format!("https://x.com/intent/tweet?url={encoded}&amp;text="),
        format!("https://service.weibo.com/share/share.php?url={encoded}&amp;title="),
        format!("https://social-plugins.line.me/lineit/share?url={encoded}"),
        "mailto:?subject=".to_string(),
    ] {
        assert!(html.contains(&target), "{target}");
    }
    assert!(
        html.contains(&format!("%20{encoded}\"")),
        "WhatsApp's text ends with the link"
    );
    assert!(
        html.contains(&format!("readonly value=\"{url}\"")),
        "the link to copy by hand"
    );
    assert!(html.contains("class=\"share-wechat\""));
    assert!(html.contains("aria-label=\"此頁連結的二維碼，供微信使用\""));
    assert!(html.contains("action=\"/zh-hk/stories/yiyi/share-link\""));

    // After giving: share the campaign, never the gift's own secret address.
    let token = crate::helpers::signed_token();
    let response = app
        .post_form(
            "/en/donate",
            &[
                ("frequency", "one_off"),
                ("amount", "300"),
                ("email", "sharer@example.org"),
                ("receipt", "none"),
                ("token", token.as_str()),
            ],
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let gift_page = app.open_gift_page(&location).await;
    assert_eq!(gift_page.status(), StatusCode::OK);
    let html = gift_page.text().await.unwrap();
    assert!(html.contains(&format!("readonly value=\"{PUBLIC_BASE_URL}/en\"")));
    assert!(html.contains("https://wa.me/?text=I%20just%20gave"));
    let key = location.split("key=").nth(1).unwrap();
    let start = html
        .find("aria-labelledby=\"share-heading\"")
        .unwrap_or_else(|| panic!("a share bar in {html}"));
    let share = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(!share.contains(key), "the secret key is never shared");

    // A gift given from a story's page shares that story.
    let token = crate::helpers::signed_token();
    let response = app
        .post_form(
            "/en/donate",
            &[
                ("frequency", "one_off"),
                ("amount", "300"),
                ("email", "story.sharer@example.org"),
                ("receipt", "none"),
                ("story", "lele"),
                ("token", token.as_str()),
            ],
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let html = app.open_gift_page(&location).await.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "readonly value=\"{PUBLIC_BASE_URL}/en/stories/lele\""
        )),
        "the story the gift came from"
    );
}

#[tokio::test]
async fn share_images_are_drawn_once_and_old_addresses_move_on() {
    let app = spawn_app().await;
    let content = app.state.content.clone();
    let story = content.story("yiyi").unwrap();
    let locale = sharecare_domain::Locale::ZhHk;
    let path = sharecare_services::share_images::ShareImages::path(&content, story, locale);
    let first = app.get(&path).await.bytes().await.unwrap();
    let second = app.get(&path).await.bytes().await.unwrap();
    assert_eq!(first, second, "the kept copy is served again");
    // An image of another language is another image.
    let english = sharecare_services::share_images::ShareImages::path(
        &content,
        story,
        sharecare_domain::Locale::En,
    );
    assert_ne!(app.get(&english).await.bytes().await.unwrap(), first);

    let old = app.get("/share/zh-hk/yiyi-00000000.png").await;
    assert_eq!(old.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.headers()["location"], path.as_str());
    for unknown in [
        "/share/zh-hk/nobody-00000000.png",
        "/share/fr/yiyi-1.png",
        "/share/en/yiyi.gif",
    ] {
        assert_eq!(
            app.get(unknown).await.status(),
            StatusCode::NOT_FOUND,
            "{unknown}"
        );
    }
}

#[test]
fn the_bundled_font_draws_every_name_and_headline() {
    // Fails when a story brings characters the bundled font lacks: run scripts/subset-font.
    let content = sharecare_content::load(&crate::helpers::content_dir()).unwrap();
    for story in &content.stories {
        for locale in sharecare_domain::Locale::ALL {
            for text in [
                story.name.get(locale),
                story.headline.get(locale),
                content.organisation.name.get(locale),
            ] {
                assert!(
                    sharecare_services::share_images::ShareImages::bundled_font_covers(text),
                    "{text:?} needs glyphs the bundled font lacks: run scripts/subset-font"
                );
            }
        }
    }
}

/// Each story's gift form is headed with its own words, naming whom the story is about, in
/// every language (no story borrows another's child).
#[tokio::test]
async fn every_story_pages_gift_form_names_its_own_story() {
    let app = spawn_app().await;
    for (code, _, _) in LOCALES {
        let locale = sharecare_domain::Locale::from_code(code).unwrap();
        let mut headings = std::collections::HashSet::new();
        for story in &app.state.content.stories {
            let html = page(&app, &format!("/{code}/stories/{}", story.slug)).await;
            let start = html.find("id=\"give-heading\">").expect("a gift heading") + 18;
            let heading = &html[start..start + html[start..].find("</h2>").unwrap()];
            assert!(
                heading.contains(story.name.get(locale).as_str()),
                "/{code}/stories/{}: {heading}",
                story.slug
            );
            assert!(
                headings.insert(heading.to_string()),
                "{heading} is used twice"
            );
        }
    }
}

/// The choices a donation form offers: the names of its fields, with each radio's values.
fn form_choices(html: &str) -> std::collections::BTreeSet<String> {
    let class = html
        .find("class=\"donation-form\"")
        .expect("a donation form");
    let start = html[..class].rfind("<form").expect("its form tag");
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    form.split("<input")
        .skip(1)
        .filter_map(|input| {
            let tag = &input[..input.find('>')?];
            let attribute = |name: &str| {
                let marker = format!("{name}=\"");
                let at = tag.find(&marker)? + marker.len();
                Some(tag[at..at + tag[at..].find('"')?].to_string())
            };
            let name = attribute("name")?;
            // Tokens, stamps and where the gift came from differ by page, not by choice.
            use sharecare_domain::form::inputs::{hidden, TOKEN};
            if [
                TOKEN.name,
                hidden::SHOWN,
                hidden::REFERRAL,
                hidden::STORY,
                hidden::PARTNER,
                hidden::UTM_SOURCE,
                hidden::UTM_MEDIUM,
                hidden::UTM_CAMPAIGN,
            ]
            .contains(&name.as_str())
            {
                return None;
            }
            Some(match attribute("type").as_deref() {
                Some("radio") => format!("{name}={}", attribute("value").unwrap_or_default()),
                _ => name,
            })
        })
        .collect()
}

/// One form everywhere: home, the donate page, every story and a partner's embed offer the
/// same choices (a receipt for a company and a gift in someone's honour included).
#[tokio::test]
async fn every_page_with_a_donation_form_offers_the_same_choices() {
    let app = spawn_app().await;
    for (code, _, _) in LOCALES {
        let donate = form_choices(&page(&app, &format!("/{code}/donate")).await);
        assert!(donate.contains("receipt=company"), "{donate:?}");
        assert!(
            donate.iter().any(|name| name.starts_with("tribute")),
            "{donate:?}"
        );
        let mut paths = vec![format!("/{code}"), format!("/embed/{code}/donate")];
        for story in &app.state.content.stories {
            paths.push(format!("/{code}/stories/{}", story.slug));
        }
        for path in paths {
            assert_eq!(form_choices(&page(&app, &path).await), donate, "{path}");
        }
    }
}
