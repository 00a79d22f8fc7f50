//! Every page, as served: server-rendered HTML with no JavaScript involved.

use crate::helpers::{spawn_app, PUBLIC_BASE_URL};
use reqwest::header;

struct Expected {
    code: &'static str,
    lang: &'static str,
    title: &'static str,
    figures: [&'static str; 2],
    story: [&'static str; 3],
    cta: &'static str,
    skip: &'static str,
}

const LOCALES: [Expected; 3] = [
    Expected {
        code: "en",
        lang: "en",
        title: "What is a left-behind child?",
        figures: ["6.97 million", "200 million"],
        story: [
            "Yiyi",
            "A smile on her face, sadness in her eyes",
            "Age 10 · Primary 3 · a remote village in Gansu",
        ],
        cta: "Give today",
        skip: "Skip to main content",
    },
    Expected {
        code: "zh-hk",
        lang: "zh-Hant-HK",
        title: "甚麼是留守兒童？",
        figures: ["697萬", "2億"],
        story: [
            "依依",
            "臉上掛着笑容，眼裏藏着憂傷",
            "10歲 · 小學三年級 · 甘肅偏遠山村",
        ],
        cta: "立即捐款",
        skip: "跳至主要內容",
    },
    Expected {
        code: "zh-cn",
        lang: "zh-Hans",
        title: "什么是留守儿童？",
        figures: ["697万", "2亿"],
        story: [
            "依依",
            "脸上挂着笑容，眼里藏着忧伤",
            "10岁 · 小学三年级 · 甘肃偏远山村",
        ],
        cta: "立即捐款",
        skip: "跳到主要内容",
    },
];

#[tokio::test]
async fn home_page_in_every_language_carries_its_content_in_the_served_html() {
    let app = spawn_app().await;
    for expected in &LOCALES {
        let response = app.get(&format!("/{}", expected.code)).await;
        assert_eq!(response.status(), 200, "/{}", expected.code);
        assert!(response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = response.text().await.unwrap();
        let code = expected.code;

        assert!(
            html.contains(&format!("<html lang=\"{}\"", expected.lang)),
            "{code}: html lang"
        );
        assert!(
            html.contains(&format!("<h1 id=\"page-heading\">{}</h1>", expected.title)),
            "{code}: title question"
        );
        for figure in expected.figures {
            assert!(
                html.contains(&format!("<strong>{figure}</strong>")),
                "{code}: figure {figure}"
            );
        }
        assert_eq!(
            html.matches("class=\"stat-source\"").count(),
            2,
            "{code}: each panel cites its source"
        );
        for text in expected.story {
            assert!(html.contains(text), "{code}: story text {text}");
        }
        assert!(
            html.contains("src=\"/images/yiyi.svg\""),
            "{code}: illustration"
        );
        assert!(
            html.contains("width=\"640\" height=\"480\""),
            "{code}: reserved image size"
        );
        assert_eq!(
            html.matches(&format!(">{}</a>", expected.cta)).count(),
            3,
            "{code}: the first screen's button and two calls to action"
        );
        assert_eq!(
            html.matches("href=\"#give\"").count(),
            4,
            "{code}: they and the phone's sticky button lead to the gift section"
        );
        assert!(
            html.contains(&format!("href=\"/{code}/donate\"")),
            "{code}: the header links to the donate page"
        );
        assert!(
            html.contains("fetchpriority=\"high\""),
            "{code}: the first screen's illustration is fetched first"
        );
        assert!(html.contains("id=\"give\""), "{code}: gift section");
        assert!(
            html.contains("(852) 3120 5000") && html.contains("mailto:care@sharecare.org.hk"),
            "{code}: contact"
        );
        assert!(
            html.contains("href=\"tel:+85231205000\""),
            "{code}: dialable phone link"
        );

        // Head: canonical and alternates point at the configured public address.
        assert!(
            html.contains(&format!(
                "<link href=\"{PUBLIC_BASE_URL}/{code}\" rel=\"canonical\">"
            )),
            "{code}: canonical"
        );
        for (alt_code, alt_lang) in [("en", "en"), ("zh-hk", "zh-Hant-HK"), ("zh-cn", "zh-Hans")] {
            let alternate = format!("<link href=\"{PUBLIC_BASE_URL}/{alt_code}\" hreflang=\"{alt_lang}\" rel=\"alternate\">");
            assert!(html.contains(&alternate), "{code}: hreflang {alt_lang}");
        }
        assert!(html.contains("hreflang=\"x-default\""), "{code}: x-default");

        // The skip link is the first focusable element of the body.
        let body = &html[html.find("<body").unwrap()..];
        let first_focusable = ["<a ", "<button", "<input", "<select", "<textarea"]
            .iter()
            .filter_map(|tag| body.find(tag))
            .min()
            .unwrap();
        assert!(
            body[first_focusable..].starts_with("<a href=\"#main\""),
            "{code}: skip link first"
        );
        assert!(
            html.contains(&format!(">{}</a>", expected.skip)),
            "{code}: skip link text"
        );
        assert!(
            html.contains("<main id=\"main\" tabindex=\"-1\">"),
            "{code}: skip target"
        );
    }
}

#[tokio::test]
async fn the_language_switcher_links_the_same_page_in_every_language() {
    let app = spawn_app().await;
    let html = app.get("/zh-cn").await.text().await.unwrap();
    for (code, name) in [
        ("en", "English"),
        ("zh-hk", "繁體中文"),
        ("zh-cn", "简体中文"),
    ] {
        assert!(
            html.contains(&format!("href=\"/{code}\"")),
            "link to {code}"
        );
        assert!(html.contains(&format!(">{name}</a>")), "name {name}");
    }
    assert!(
        html.contains("data-locale=\"zh-cn\" aria-current=\"true\""),
        "current language marked"
    );
}

#[tokio::test]
async fn unknown_paths_answer_404_in_the_readers_language() {
    let app = spawn_app().await;
    for (path, accept_language, title, lang) in [
        ("/en/no-such-page", "zh-CN", "Page not found", "en"),
        ("/zh-hk/no-such-page", "en", "找不到網頁", "zh-Hant-HK"),
        ("/no-such-page", "zh-CN,zh;q=0.9", "找不到网页", "zh-Hans"),
        ("/no-such-page", "de", "Page not found", "en"),
        ("/fr", "en", "Page not found", "en"),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header(header::ACCEPT_LANGUAGE, accept_language)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("<h1>{title}</h1>")),
            "{path} ({accept_language})"
        );
        assert!(
            html.contains(&format!("<html lang=\"{lang}\"")),
            "{path}: lang"
        );
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{path}: noindex"
        );
        assert!(
            !html.contains("rel=\"canonical\""),
            "{path}: a 404 claims no address"
        );
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn root_redirects_to_the_readers_language() {
    let app = spawn_app().await;
    for (accept_language, cookie, target) in [
        (None, None, "/en"),
        (Some("zh-HK,zh;q=0.9,en;q=0.8"), None, "/zh-hk"),
        (Some("zh-CN"), None, "/zh-cn"),
        (Some("fr-FR"), None, "/en"),
        (Some("en"), Some("sharecare_locale=zh-hk"), "/zh-hk"),
    ] {
        let mut request = app.client.get(app.url("/"));
        if let Some(value) = accept_language {
            request = request.header(header::ACCEPT_LANGUAGE, value);
        }
        if let Some(value) = cookie {
            request = request.header(header::COOKIE, value);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_redirection(), "{accept_language:?}");
        assert_eq!(
            response.headers()[header::LOCATION],
            target,
            "{accept_language:?} {cookie:?}"
        );
        assert!(response.headers()[header::VARY]
            .to_str()
            .unwrap()
            .contains("Accept-Language"));
    }
}

#[tokio::test]
async fn trailing_slashes_redirect_to_the_one_address_of_a_page() {
    let app = spawn_app().await;
    let response = app.get("/zh-hk/?ref=abc").await;
    assert_eq!(response.status(), 308);
    assert_eq!(response.headers()[header::LOCATION], "/zh-hk?ref=abc");
    // Never an open redirect to another host.
    let response = app.get("//evil.test/").await;
    assert_eq!(response.headers()[header::LOCATION], "/evil.test");
}

#[tokio::test]
async fn bundle_files_are_served_precompressed_and_cached_for_a_year() {
    let app = spawn_app().await;
    let css = app.site_root.join("pkg/sharecare.0123456789abcdef.css");
    std::fs::write(&css, "body{color:red}").unwrap();
    std::fs::write(css.with_extension("css.br"), b"brotli bytes").unwrap();
    let response = app
        .client
        .get(app.url("/pkg/sharecare.0123456789abcdef.css"))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"brotli bytes");

    std::fs::write(app.site_root.join("images/pic.svg"), "<svg/>").unwrap();
    let response = app.get("/images/pic.svg").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=86400"
    );
    assert_eq!(app.get("/pkg/missing.js").await.status(), 404);
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/en"))
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        response.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
}

#[tokio::test]
async fn content_is_data_edits_show_without_code_changes() {
    let edited = tempfile::tempdir().unwrap();
    crate::helpers::copy_dir(&crate::helpers::content_dir(), edited.path());
    let organisation = edited.path().join("organisation.toml");
    let text = std::fs::read_to_string(&organisation)
        .unwrap()
        .replace("(852) 3120 5000", "(852) 2000 1234")
        .replace("ShareCare Children's Fund", "Little Lanterns Trust");
    std::fs::write(&organisation, text).unwrap();

    let app = crate::helpers::spawn_app_with_content(edited.path()).await;
    let html = app.get("/en").await.text().await.unwrap();
    assert!(html.contains("(852) 2000 1234") && html.contains("tel:+85220001234"));
    assert!(html.contains("Little Lanterns Trust"));
    assert!(!html.contains("3120 5000"));
}

/// A returning donor finds their gifts from any public page, in its own language: home, the
/// donation page, the privacy notice, every story and a page that does not exist.
#[tokio::test]
async fn every_public_page_links_to_my_gifts_in_its_language() {
    let app = spawn_app().await;
    for code in ["en", "zh-hk", "zh-cn"] {
        let mut paths = vec![
            format!("/{code}"),
            format!("/{code}/donate"),
            format!("/{code}/privacy"),
            format!("/{code}/no-such-page"),
        ];
        for story in &app.state.content.stories {
            paths.push(format!("/{code}/stories/{}", story.slug));
        }
        for path in paths {
            let html = app.get(&path).await.text().await.unwrap();
            assert!(
                html.contains(&format!("href=\"/{code}/my-gifts\"")),
                "{path} links to My gifts"
            );
        }
    }
}
