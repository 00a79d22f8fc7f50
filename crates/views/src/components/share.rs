//! The share bar: plain links to each network's share address (they work without JavaScript),
//! the link itself to copy, and a QR code for WeChat, which has no web share address. The
//! `ShareEnhancer` island adds the phone's own share sheet (Web Share API) and a copy button.

use leptos::prelude::*;

use sharecare_content::i18n::t;
use sharecare_content::paths;
use sharecare_domain::Locale;
use sharecare_islands::ShareEnhancer;
use sharecare_services::state::AppState;

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Each network's share address for `url` with `text`.
pub fn share_targets(url: &str, text: &str) -> [(&'static str, String); 5] {
    let (u, x) = (encode(url), encode(text));
    [
        ("WhatsApp", format!("https://wa.me/?text={x}%20{u}")),
        (
            "Facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        ),
        ("X", format!("https://x.com/intent/tweet?url={u}&text={x}")),
        (
            "Weibo",
            format!("https://service.weibo.com/share/share.php?url={u}&title={x}"),
        ),
        (
            "LINE",
            format!("https://social-plugins.line.me/lineit/share?url={u}"),
        ),
    ]
}

/// `url` is absolute. `personal_link` is a story's slug: the bar then offers a personal link
/// for that story (a form, so it works without JavaScript).
#[component]
pub fn ShareBar(
    locale: Locale,
    url: String,
    text: String,
    #[prop(optional, into)] personal_link: Option<String>,
) -> impl IntoView {
    let m = t(locale);
    let links = share_targets(&url, &text)
        .into_iter()
        .map(|(name, href)| {
            view! {
                <li>
                    <a href=href target="_blank" rel="noopener noreferrer" data-share-target=name>
                        {name}
                    </a>
                </li>
            }
        })
        .collect_view();
    let mail = format!("mailto:?subject={}&body={}", encode(&text), encode(&url));
    let qr = expect_context::<AppState>()
        .share_images
        .link_qr(&url)
        .to_string();
    let personal = personal_link.map(|slug| {
        view! {
            <form class="share-personal" method="post" action=paths::share_link(locale, &slug)>
                <p>{m.share_personal_intro}</p>
                <button type="submit" class="button button-secondary">{m.share_personal_button}</button>
            </form>
        }
    });
    view! {
        <section class="share" aria-labelledby="share-heading">
            <div class="wrap">
                <h2 id="share-heading">{m.share_heading}</h2>
                <ShareEnhancer>
                    <div class="share-bar" data-share-url=url.clone() data-share-text=text.clone()>
                        <button type="button" class="button" data-native-share hidden>{m.share_native}</button>
                        <ul class="share-targets">
                            {links}
                            <li><a href=mail data-share-target="email">{m.share_email}</a></li>
                        </ul>
                        <div class="share-copy">
                            <label for="share-link">{m.share_copy_label}</label>
                            <div class="share-copy-row">
                                <input id="share-link" type="url" readonly value=url.clone()/>
                                <button type="button" class="button button-secondary" data-copy hidden>{m.share_copy}</button>
                            </div>
                            <p class="share-status" role="status" data-copied=m.share_copied></p>
                        </div>
                        <figure class="share-wechat">
                            <div class="qr" role="img" aria-label=m.share_wechat_label inner_html=qr></div>
                            <figcaption>{m.share_wechat_caption}</figcaption>
                        </figure>
                    </div>
                </ShareEnhancer>
                {personal}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_addresses_carry_the_encoded_link_and_text() {
        assert_eq!(encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
        let targets = share_targets(
            "https://give.example.org/en/stories/yiyi?ref=AB23",
            "Yiyi & me",
        );
        let (_, whatsapp) = &targets[0];
        assert_eq!(
            whatsapp,
            "https://wa.me/?text=Yiyi%20%26%20me%20https%3A%2F%2Fgive.example.org%2Fen%2Fstories%2Fyiyi%3Fref%3DAB23"
        );
        assert!(targets
            .iter()
            .all(|(_, href)| href.contains("https%3A%2F%2Fgive.example.org")));
    }
}
