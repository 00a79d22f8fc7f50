//! Typed builders for the site's addresses (the staff admin's are in `admin.rs`): each fills
//! its endpoint's pattern from the table, and adds the query it needs.

use super::endpoints::Endpoint;
use sharecare_domain::identifiers::{Reference, ReferralCode};
use sharecare_domain::Locale;

/// The folder the browser bundle (CSS, JS, WASM) is served from; its file names carry hashes.
pub const BUNDLE_DIR: &str = "/pkg";
/// The folder public images (illustrations, icons) are served from.
pub const IMAGES_DIR: &str = "/images";

/// A public image's address (illustrations, icons).
pub fn image(file: &str) -> String {
    format!("{IMAGES_DIR}/{file}")
}

/// A page that exists in every language, for links to it in another language (the language
/// switcher, `hreflang` alternates) and for the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Home,
    Donate,
    Privacy,
    /// A story, by its slug.
    Story(String),
    Referral(ReferralCode),
    /// A donor's own gift page (its secret travels in a cookie).
    Gift(Reference),
    /// A donor's "My gifts".
    MyGifts,
    /// Checking a receipt (one address, the language as `?lang=`).
    VerifyReceipt,
}

impl Page {
    /// The page's address in `locale`.
    pub fn path(&self, locale: Locale) -> String {
        match self {
            Page::Home => home(locale),
            Page::Donate => donate(locale),
            Page::Privacy => privacy(locale),
            Page::Story(slug) => story(locale, slug),
            Page::Referral(code) => referral(locale, code),
            Page::Gift(reference) => gift_page(locale, reference),
            Page::MyGifts => my_gifts(locale),
            Page::VerifyReceipt => format!("{}?lang={}", verify_receipt(), locale.code()),
        }
    }

    /// The pages everyone may find: listed in the sitemap, each in every language.
    pub fn public<'a>(story_slugs: impl IntoIterator<Item = &'a str>) -> Vec<Page> {
        let mut pages = vec![Page::Home, Page::Donate, Page::Privacy];
        pages.extend(story_slugs.into_iter().map(|slug| Page::Story(slug.into())));
        pages
    }
}

/// How a donor comes back from the hosted checkout (`checkout=` on their gift's page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutReturn {
    /// The donor paid; the webhook confirming it may not have arrived yet.
    Success,
    /// The donor left the checkout without paying.
    Cancelled,
    /// The checkout could not be reached when the donor asked to continue.
    Unavailable,
}

impl CheckoutReturn {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutReturn::Success => "success",
            CheckoutReturn::Cancelled => "cancelled",
            CheckoutReturn::Unavailable => "unavailable",
        }
    }

    pub fn parse(value: &str) -> Option<CheckoutReturn> {
        [
            CheckoutReturn::Success,
            CheckoutReturn::Cancelled,
            CheckoutReturn::Unavailable,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
    }
}

pub fn home(locale: Locale) -> String {
    Endpoint::Home.fill(&[locale.code()])
}

pub fn donate(locale: Locale) -> String {
    Endpoint::Donate.fill(&[locale.code()])
}

/// The donation page with a new form token (after a gift, "make another gift").
pub fn new_gift(locale: Locale) -> String {
    format!("{}?{NEW_GIFT_QUERY}", donate(locale))
}

/// The query that asks for a new form token.
pub const NEW_GIFT_QUERY: &str = "new_gift=1";

pub fn privacy(locale: Locale) -> String {
    Endpoint::Privacy.fill(&[locale.code()])
}

pub fn story(locale: Locale, slug: &str) -> String {
    Endpoint::Story.fill(&[locale.code(), slug])
}

/// A story's address with a personal share code, as its supporter shares it.
pub fn shared_story(locale: Locale, slug: &str, code: &ReferralCode) -> String {
    format!("{}?ref={}", story(locale, slug), code.as_str())
}

/// Where "Get my share link" posts.
pub fn share_link(locale: Locale, slug: &str) -> String {
    Endpoint::ShareLink.fill(&[locale.code(), slug])
}

pub fn referral(locale: Locale, code: &ReferralCode) -> String {
    Endpoint::Referral.fill(&[locale.code(), code.as_str()])
}

/// A donor's own page for their gift: the reference in the path, the secret in the query.
pub fn gift_page_with_key(locale: Locale, reference: &Reference, key: &str) -> String {
    format!("{}?key={key}", gift_page(locale, reference))
}

/// A donor's own page for their gift without its secret in the address: the secret travels in
/// a cookie scoped to [`gift_cookie_paths`] after the first visit.
pub fn gift_page(locale: Locale, reference: &Reference) -> String {
    Endpoint::GiftPage.fill(&[locale.code(), reference.as_str()])
}

/// The gift's page, without its secret, as the hosted checkout returned the donor to it.
pub fn gift_page_after_checkout(
    locale: Locale,
    reference: &Reference,
    returned: CheckoutReturn,
) -> String {
    format!(
        "{}?checkout={}",
        gift_page(locale, reference),
        returned.as_str()
    )
}

/// The addresses a gift's key cookie is sent to: its page in every language (and what is
/// posted from it) and the folder of its status stream.
pub fn gift_cookie_paths(reference: &Reference) -> Vec<String> {
    let mut paths: Vec<String> = Locale::ALL
        .into_iter()
        .map(|locale| gift_page(locale, reference))
        .collect();
    let status = donation_status(reference);
    let folder = status
        .rsplit_once('/')
        .map_or(status.as_str(), |(folder, _)| folder);
    paths.push(folder.to_string());
    paths
}

/// The gift's page as the hosted checkout returns the donor to it.
pub fn gift_page_with_key_after_checkout(
    locale: Locale,
    reference: &Reference,
    key: &str,
    returned: CheckoutReturn,
) -> String {
    format!(
        "{}&checkout={}",
        gift_page_with_key(locale, reference, key),
        returned.as_str()
    )
}

/// The gift's FPS QR code as a PNG to save (its key cookie is sent here too: the path lies
/// under the gift's page).
pub fn fps_qr(locale: Locale, reference: &Reference) -> String {
    Endpoint::FpsQr.fill(&[locale.code(), reference.as_str()])
}

/// The donation widget alone, as a partner's iframe shows it.
pub fn embed_donate(locale: Locale) -> String {
    Endpoint::EmbedDonate.fill(&[locale.code()])
}

/// The script partners paste.
pub const EMBED_SCRIPT: &str = Endpoint::EmbedScript.pattern();

/// Where "Continue to secure payment" posts.
pub fn continue_checkout(locale: Locale, reference: &Reference) -> String {
    Endpoint::ContinueCheckout.fill(&[locale.code(), reference.as_str()])
}

/// The donation's status stream (server-sent events), for its own page; the key travels in
/// the gift's cookie.
pub fn donation_status(reference: &Reference) -> String {
    Endpoint::DonationStatus.fill(&[reference.as_str()])
}

/// The campaign's progress stream (server-sent events).
pub fn progress_stream() -> &'static str {
    Endpoint::Progress.pattern()
}

/// A story's share image; `version` changes with what the image shows.
pub fn share_image(locale: Locale, slug: &str, version: &str) -> String {
    Endpoint::ShareImage.fill(&[locale.code(), &format!("{slug}-{version}.png")])
}

/// Address prefixes crawlers are asked to keep out of: the APIs and the donors' own pages.
pub fn not_for_crawlers() -> Vec<String> {
    let mut prefixes = vec![
        "/api/".to_string(),
        "/webhooks/".to_string(),
        "/admin".to_string(),
        "/receipts/".to_string(),
    ];
    prefixes.extend(
        Locale::ALL
            .into_iter()
            .flat_map(|locale| [format!("/{}/donations/", locale.code()), my_gifts(locale)]),
    );
    prefixes
}

/// The pages the navigation script may take over ([`Endpoint::CACHED_PAGES`] in every language),
/// as a regular expression for the browser's `RegExp`: a language is one of the site's, a slug
/// what content allows (lowercase letters, digits, hyphens).
pub fn cached_pages_regex() -> String {
    let locales = Locale::ALL
        .iter()
        .map(|locale| locale.code())
        .collect::<Vec<_>>()
        .join("|");
    let pages = Endpoint::CACHED_PAGES
        .iter()
        .map(|page| {
            let parameters: Vec<String> = super::spec::parameters(page.pattern())
                .map(|name| match name {
                    "locale" => format!("(?:{locales})"),
                    "slug" => "[a-z0-9-]+".to_string(),
                    other => panic!("{page:?}: no expression for {{{other}}}"),
                })
                .collect();
            let parameters: Vec<&str> = parameters.iter().map(String::as_str).collect();
            page.fill(&parameters)
        })
        .collect::<Vec<_>>()
        .join("|");
    format!("^(?:{pages})$")
}

pub fn sitemap() -> &'static str {
    Endpoint::Sitemap.pattern()
}

/// A donor's "My gifts" page.
pub fn my_gifts(locale: Locale) -> String {
    Endpoint::MyGifts.fill(&[locale.code()])
}

/// The emailed sign-in link (its token is a secret: never logged, never sent on as a referrer).
pub fn my_gifts_link(locale: Locale, token: &str) -> String {
    format!(
        "{}?token={token}",
        Endpoint::MyGiftsLink.fill(&[locale.code()])
    )
}

pub fn my_gifts_code(locale: Locale) -> String {
    Endpoint::MyGiftsCode.fill(&[locale.code()])
}

pub fn my_gifts_sign_out(locale: Locale) -> String {
    Endpoint::MyGiftsSignOut.fill(&[locale.code()])
}

/// Where changes to one of the donor's gifts are posted.
pub fn my_gift(locale: Locale, reference: &Reference) -> String {
    Endpoint::MyGift.fill(&[locale.code(), reference.as_str()])
}

pub fn my_consent(locale: Locale) -> String {
    Endpoint::MyConsent.fill(&[locale.code()])
}

/// `file`: `my-data.json` or `my-data.csv`.
pub fn my_data(locale: Locale, file: &str) -> String {
    Endpoint::MyData.fill(&[locale.code(), file])
}

pub fn my_erase(locale: Locale) -> String {
    Endpoint::MyErase.fill(&[locale.code()])
}

/// A receipt's PDF (its id is hex the server made).
pub fn my_receipt(locale: Locale, receipt_id: &str) -> String {
    Endpoint::MyReceipt.fill(&[locale.code(), receipt_id])
}

pub fn my_summary(locale: Locale, year_start: i64) -> String {
    Endpoint::MySummary.fill(&[locale.code(), &year_start.to_string()])
}

/// One holder's summary of a tax year: the holder named by one of their receipts (hex).
pub fn my_summary_of(locale: Locale, year_start: i64, holder_receipt_id: &str) -> String {
    format!(
        "{}?holder={holder_receipt_id}",
        my_summary(locale, year_start)
    )
}

pub fn verify_receipt() -> &'static str {
    Endpoint::VerifyReceipt.pattern()
}

/// `scheme://host[:port]` of an absolute URL.
pub fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            format!("{scheme}://{host}")
        }
        None => url.to_string(),
    }
}

/// `path` on the public address (`PUBLIC_BASE_URL`, no trailing slash): canonical links,
/// share links and return URLs are absolute.
pub fn absolute(public_base_url: &str, path: &str) -> String {
    format!("{public_base_url}{path}")
}
