//! Every address the site serves, in one place: the route table the router is built from, and
//! typed builders for the links, redirects, the sitemap and the payment provider's return URLs.
//! No other module spells a page's address by hand.
//!
//! Values placed in paths are typed (a [`Locale`], a [`Reference`], a [`ReferralCode`], a slug
//! checked when content loads, a hex access key), so none of them needs escaping.

use sharecare_domain::identifiers::{Reference, ReferralCode};
use sharecare_domain::staff::Role;
use sharecare_domain::Locale;

/// One endpoint of the HTTP surface. `http::router` registers every one of [`Endpoint::ALL`]
/// with its handler, and tests walk the same list (methods, security checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/`: sends the reader to their language.
    Root,
    Healthz,
    /// Ready for readers: the database answers and is migrated.
    Readyz,
    Home,
    /// The widget alone (GET) and the form's submit (POST), which answers mistakes on the same
    /// address.
    Donate,
    Privacy,
    Story,
    /// Issues a personal share link for a story (POST).
    ShareLink,
    Referral,
    /// A donor's own page for their gift.
    ThankYou,
    /// "Continue to secure payment" from a gift's page (POST).
    ContinueCheckout,
    /// Server-sent events: one donation's status.
    DonationStatus,
    /// Server-sent events: the campaign's progress.
    Progress,
    StripeWebhook,
    Sitemap,
    Robots,
    Manifest,
    Favicon,
    ShareImage,
    /// Staff admin: signing in (the form, and its POST).
    AdminSignIn,
    AdminSignOut,
    /// The admin's language (a cookie).
    AdminLanguage,
    /// The dashboard's figures.
    AdminDashboard,
    AdminDonations,
    /// The filtered donations as CSV.
    AdminExport,
    /// One donation's whole history, and what staff may do to it.
    AdminDonation,
    AdminConfirm,
    AdminRefund,
    /// Bank statements: the list and the upload (POST).
    AdminStatements,
    /// One statement's lines and their matches.
    AdminStatement,
    /// A statement's columns, mapped by staff (POST).
    AdminStatementColumns,
    /// Confirm every clear match of a statement (POST).
    AdminStatementConfirm,
    /// Confirm one line, or set it aside (POST).
    AdminStatementLine,
    AdminExceptions,
    /// Resolve a queue item with a note, or send a parked receipt again (POST).
    AdminResolve,
    AdminAudit,
    /// One's own account: the second factor.
    AdminAccount,
    /// Staff and their sign-in rules (admins).
    AdminUsers,
    /// A donor's own gifts: the sign-in form (GET) and asking for a code (POST); signed in,
    /// the gifts.
    MyGifts,
    /// Signing in with the code (POST).
    MyGiftsCode,
    /// The emailed link's page (GET, a button) and signing in with it (POST).
    MyGiftsLink,
    MyGiftsSignOut,
    /// A change to one gift (POST): pause, resume, amount, day, cancel, card, receipt name,
    /// a message to the charity.
    MyGift,
    /// News by email, yes or no (POST).
    MyConsent,
    /// Everything held about the donor (`my-data.json`, `my-data.csv`).
    MyData,
    /// Deleting it (POST).
    MyErase,
    /// A receipt's PDF.
    MyReceipt,
    /// A tax year's summary PDF.
    MySummary,
    /// Anyone checks a receipt by its number and code.
    VerifyReceipt,
    /// The donation widget alone, for partners' `<iframe>`s (framed only by their origins).
    EmbedDonate,
    /// The script partners paste, which inserts and sizes that iframe.
    EmbedScript,
    /// A transfer's FPS QR code as a PNG to save (a phone cannot scan its own screen).
    FpsQr,
}

/// Who may use an endpoint. Checked on the server for every request (`http::admin::guard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the public site, and the staff sign-in page).
    Public,
    /// A signed-in member of staff with at least this role.
    Staff(Role),
    /// A donor signed in to their own gifts.
    Donor,
}

/// Which methods an endpoint answers; every other method gets 405.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    Get,
    Post,
    GetAndPost,
}

impl Methods {
    pub fn get(self) -> bool {
        matches!(self, Methods::Get | Methods::GetAndPost)
    }

    pub fn post(self) -> bool {
        matches!(self, Methods::Post | Methods::GetAndPost)
    }
}

impl Endpoint {
    pub const ALL: [Endpoint; 52] = [
        Endpoint::Root,
        Endpoint::Healthz,
        Endpoint::Readyz,
        Endpoint::Home,
        Endpoint::Donate,
        Endpoint::Privacy,
        Endpoint::Story,
        Endpoint::ShareLink,
        Endpoint::Referral,
        Endpoint::ThankYou,
        Endpoint::ContinueCheckout,
        Endpoint::DonationStatus,
        Endpoint::Progress,
        Endpoint::StripeWebhook,
        Endpoint::Sitemap,
        Endpoint::Robots,
        Endpoint::Manifest,
        Endpoint::Favicon,
        Endpoint::ShareImage,
        Endpoint::AdminSignIn,
        Endpoint::AdminSignOut,
        Endpoint::AdminLanguage,
        Endpoint::AdminDashboard,
        Endpoint::AdminDonations,
        Endpoint::AdminExport,
        Endpoint::AdminDonation,
        Endpoint::AdminConfirm,
        Endpoint::AdminRefund,
        Endpoint::AdminStatements,
        Endpoint::AdminStatement,
        Endpoint::AdminStatementColumns,
        Endpoint::AdminStatementConfirm,
        Endpoint::AdminStatementLine,
        Endpoint::AdminExceptions,
        Endpoint::AdminResolve,
        Endpoint::AdminAudit,
        Endpoint::AdminAccount,
        Endpoint::AdminUsers,
        Endpoint::MyGifts,
        Endpoint::MyGiftsCode,
        Endpoint::MyGiftsLink,
        Endpoint::MyGiftsSignOut,
        Endpoint::MyGift,
        Endpoint::MyConsent,
        Endpoint::MyData,
        Endpoint::MyErase,
        Endpoint::MyReceipt,
        Endpoint::MySummary,
        Endpoint::VerifyReceipt,
        Endpoint::EmbedDonate,
        Endpoint::EmbedScript,
        Endpoint::FpsQr,
    ];

    /// The route pattern, as the router spells it (`{name}` is a path parameter).
    pub const fn pattern(self) -> &'static str {
        match self {
            Endpoint::Root => "/",
            Endpoint::Healthz => "/healthz",
            Endpoint::Readyz => "/readyz",
            Endpoint::Home => "/{locale}",
            Endpoint::Donate => "/{locale}/donate",
            Endpoint::Privacy => "/{locale}/privacy",
            Endpoint::Story => "/{locale}/stories/{slug}",
            Endpoint::ShareLink => "/{locale}/stories/{slug}/share-link",
            Endpoint::Referral => "/{locale}/referrals/{code}",
            Endpoint::ThankYou => "/{locale}/donations/{reference}",
            Endpoint::ContinueCheckout => "/{locale}/donations/{reference}/checkout",
            Endpoint::DonationStatus => "/api/donations/{reference}/status",
            Endpoint::Progress => "/api/progress",
            Endpoint::StripeWebhook => "/webhooks/stripe",
            Endpoint::Sitemap => "/sitemap.xml",
            Endpoint::Robots => "/robots.txt",
            Endpoint::Manifest => "/manifest.webmanifest",
            Endpoint::Favicon => "/favicon.ico",
            Endpoint::ShareImage => "/share/{locale}/{file}",
            Endpoint::AdminSignIn => "/admin/sign-in",
            Endpoint::AdminSignOut => "/admin/sign-out",
            Endpoint::AdminLanguage => "/admin/language",
            Endpoint::AdminDashboard => "/admin",
            Endpoint::AdminDonations => "/admin/donations",
            Endpoint::AdminExport => "/admin/donations.csv",
            Endpoint::AdminDonation => "/admin/donations/{reference}",
            Endpoint::AdminConfirm => "/admin/donations/{reference}/confirm",
            Endpoint::AdminRefund => "/admin/donations/{reference}/refund",
            Endpoint::AdminStatements => "/admin/statements",
            Endpoint::AdminStatement => "/admin/statements/{import}",
            Endpoint::AdminStatementColumns => "/admin/statements/{import}/columns",
            Endpoint::AdminStatementConfirm => "/admin/statements/{import}/confirm",
            Endpoint::AdminStatementLine => "/admin/statement-lines/{line}",
            Endpoint::AdminExceptions => "/admin/exceptions",
            Endpoint::AdminResolve => "/admin/exceptions/{kind}/{item}",
            Endpoint::AdminAudit => "/admin/audit",
            Endpoint::AdminAccount => "/admin/account",
            Endpoint::AdminUsers => "/admin/users",
            Endpoint::MyGifts => "/{locale}/my-gifts",
            Endpoint::MyGiftsCode => "/{locale}/my-gifts/code",
            Endpoint::MyGiftsLink => "/{locale}/my-gifts/link",
            Endpoint::MyGiftsSignOut => "/{locale}/my-gifts/sign-out",
            Endpoint::MyGift => "/{locale}/my-gifts/gifts/{reference}",
            Endpoint::MyConsent => "/{locale}/my-gifts/consent",
            Endpoint::MyData => "/{locale}/my-gifts/data/{file}",
            Endpoint::MyErase => "/{locale}/my-gifts/erase",
            Endpoint::MyReceipt => "/{locale}/my-gifts/receipts/{receipt}",
            Endpoint::MySummary => "/{locale}/my-gifts/summaries/{year}",
            Endpoint::VerifyReceipt => "/receipts/verify",
            Endpoint::EmbedDonate => "/embed/{locale}/donate",
            Endpoint::EmbedScript => "/embed.js",
            Endpoint::FpsQr => "/{locale}/donations/{reference}/fps-qr.png",
        }
    }

    /// Who may use it.
    pub const fn access(self) -> Access {
        match self {
            Endpoint::AdminSignOut
            | Endpoint::AdminDashboard
            | Endpoint::AdminDonations
            | Endpoint::AdminDonation
            | Endpoint::AdminExceptions
            | Endpoint::AdminAccount => Access::Staff(Role::Viewer),
            Endpoint::AdminExport
            | Endpoint::AdminConfirm
            | Endpoint::AdminRefund
            | Endpoint::AdminStatements
            | Endpoint::AdminStatement
            | Endpoint::AdminStatementColumns
            | Endpoint::AdminStatementConfirm
            | Endpoint::AdminStatementLine
            | Endpoint::AdminResolve
            | Endpoint::AdminAudit => Access::Staff(Role::Finance),
            Endpoint::AdminUsers => Access::Staff(Role::Admin),
            Endpoint::MyGiftsSignOut
            | Endpoint::MyGift
            | Endpoint::MyConsent
            | Endpoint::MyData
            | Endpoint::MyErase
            | Endpoint::MyReceipt
            | Endpoint::MySummary => Access::Donor,
            _ => Access::Public,
        }
    }

    /// Part of "My gifts" (the donors' session and headers).
    pub const fn is_donor(self) -> bool {
        matches!(
            self,
            Endpoint::MyGifts | Endpoint::MyGiftsCode | Endpoint::MyGiftsLink
        ) || matches!(self.access(), Access::Donor)
    }

    /// Part of the staff admin (its session, its headers, its language).
    pub const fn is_admin(self) -> bool {
        matches!(self, Endpoint::AdminSignIn | Endpoint::AdminLanguage)
            || matches!(self.access(), Access::Staff(_))
    }

    pub const fn methods(self) -> Methods {
        match self {
            Endpoint::Donate
            | Endpoint::AdminSignIn
            | Endpoint::AdminStatements
            | Endpoint::AdminAccount
            | Endpoint::AdminUsers
            | Endpoint::MyGifts
            | Endpoint::MyGiftsLink => Methods::GetAndPost,
            Endpoint::ShareLink
            | Endpoint::ContinueCheckout
            | Endpoint::StripeWebhook
            | Endpoint::AdminSignOut
            | Endpoint::AdminLanguage
            | Endpoint::AdminConfirm
            | Endpoint::AdminRefund
            | Endpoint::AdminStatementColumns
            | Endpoint::AdminStatementConfirm
            | Endpoint::AdminStatementLine
            | Endpoint::AdminResolve
            | Endpoint::MyGiftsCode
            | Endpoint::MyGiftsSignOut
            | Endpoint::MyGift
            | Endpoint::MyConsent
            | Endpoint::MyErase => Methods::Post,
            _ => Methods::Get,
        }
    }

    /// The pattern with sample values in its parameters, for tests that walk the routes.
    pub fn example(self) -> String {
        self.pattern()
            .replace("{locale}", Locale::DEFAULT.code())
            .replace("{slug}", "yiyi")
            .replace("{code}", "ABCDEFGHJK")
            .replace("{reference}", "LBC-7K3Q9X")
            .replace("{file}", "yiyi-0.png")
            .replace("{import}", "0123456789abcdef0123456789abcdef")
            .replace("{line}", "0123456789abcdef0123456789abcdef")
            .replace("{kind}", "exception")
            .replace("{item}", "0123456789abcdef0123456789abcdef")
            .replace("{receipt}", "0123456789abcdef0123456789abcdef")
            .replace("{year}", "2026")
    }
}

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
    format!("/{}", locale.code())
}

pub fn donate(locale: Locale) -> String {
    format!("/{}/donate", locale.code())
}

/// The donation page with a new form token (after a gift, "make another gift").
pub fn new_gift(locale: Locale) -> String {
    format!("{}?{NEW_GIFT_QUERY}", donate(locale))
}

/// The query that asks for a new form token.
pub const NEW_GIFT_QUERY: &str = "new_gift=1";

pub fn privacy(locale: Locale) -> String {
    format!("/{}/privacy", locale.code())
}

pub fn story(locale: Locale, slug: &str) -> String {
    format!("/{}/stories/{slug}", locale.code())
}

/// A story's address with a personal share code, as its supporter shares it.
pub fn shared_story(locale: Locale, slug: &str, code: &ReferralCode) -> String {
    format!("{}?ref={}", story(locale, slug), code.as_str())
}

/// Where "Get my share link" posts.
pub fn share_link(locale: Locale, slug: &str) -> String {
    format!("{}/share-link", story(locale, slug))
}

pub fn referral(locale: Locale, code: &ReferralCode) -> String {
    format!("/{}/referrals/{}", locale.code(), code.as_str())
}

/// A donor's own page for their gift: the reference in the path, the secret in the query.
pub fn thank_you(locale: Locale, reference: &Reference, key: &str) -> String {
    format!(
        "/{}/donations/{}?key={key}",
        locale.code(),
        reference.as_str()
    )
}

/// A donor's own page for their gift without its secret in the address: the secret travels in
/// a cookie scoped to [`gift_cookie_paths`] after the first visit.
pub fn gift_page(locale: Locale, reference: &Reference) -> String {
    format!("/{}/donations/{}", locale.code(), reference.as_str())
}

/// The gift's page, without its secret, as the hosted checkout returned the donor to it.
pub fn gift_page_returning(
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
/// posted from it) and its status stream.
pub fn gift_cookie_paths(reference: &Reference) -> Vec<String> {
    let mut paths: Vec<String> = Locale::ALL
        .into_iter()
        .map(|locale| gift_page(locale, reference))
        .collect();
    paths.push(format!("/api/donations/{}", reference.as_str()));
    paths
}

/// The gift's page as the hosted checkout returns the donor to it.
pub fn thank_you_after_checkout(
    locale: Locale,
    reference: &Reference,
    key: &str,
    returned: CheckoutReturn,
) -> String {
    format!(
        "{}&checkout={}",
        thank_you(locale, reference, key),
        returned.as_str()
    )
}

/// The gift's FPS QR code as a PNG to save (its key cookie is sent here too: the path lies
/// under the gift's page).
pub fn fps_qr(locale: Locale, reference: &Reference) -> String {
    format!("{}/fps-qr.png", gift_page(locale, reference))
}

/// The donation widget alone, as a partner's iframe shows it.
pub fn embed_donate(locale: Locale) -> String {
    format!("/embed/{}/donate", locale.code())
}

/// The script partners paste.
pub const EMBED_SCRIPT: &str = "/embed.js";

/// Where "Continue to secure payment" posts.
pub fn continue_checkout(locale: Locale, reference: &Reference) -> String {
    format!(
        "/{}/donations/{}/checkout",
        locale.code(),
        reference.as_str()
    )
}

/// The donation's status stream (server-sent events), for its own page; the key travels in
/// the gift's cookie.
pub fn donation_status(reference: &Reference) -> String {
    format!("/api/donations/{}/status", reference.as_str())
}

/// The campaign's progress stream (server-sent events).
pub fn progress_stream() -> &'static str {
    Endpoint::Progress.pattern()
}

/// A story's share image; `version` changes with what the image shows.
pub fn share_image(locale: Locale, slug: &str, version: &str) -> String {
    format!("/share/{}/{slug}-{version}.png", locale.code())
}

/// Address prefixes crawlers are asked to keep out of: the APIs and the donors' own pages.
pub fn not_for_crawlers() -> Vec<String> {
    let mut prefixes = vec![
        "/api/".to_string(),
        "/webhooks/".to_string(),
        "/admin".to_string(),
        "/receipts/".to_string(),
    ];
    prefixes.extend(Locale::ALL.into_iter().flat_map(|locale| {
        [
            format!("/{}/donations/", locale.code()),
            format!("/{}/my-gifts", locale.code()),
        ]
    }));
    prefixes
}

pub fn sitemap() -> &'static str {
    Endpoint::Sitemap.pattern()
}

/// A donor's "My gifts" page.
pub fn my_gifts(locale: Locale) -> String {
    format!("/{}/my-gifts", locale.code())
}

/// The emailed sign-in link (its token is a secret: never logged, never sent on as a referrer).
pub fn my_gifts_link(locale: Locale, token: &str) -> String {
    format!("{}/link?token={token}", my_gifts(locale))
}

pub fn my_gifts_code(locale: Locale) -> String {
    format!("{}/code", my_gifts(locale))
}

pub fn my_gifts_sign_out(locale: Locale) -> String {
    format!("{}/sign-out", my_gifts(locale))
}

/// Where changes to one of the donor's gifts are posted.
pub fn my_gift(locale: Locale, reference: &Reference) -> String {
    format!("{}/gifts/{}", my_gifts(locale), reference.as_str())
}

pub fn my_consent(locale: Locale) -> String {
    format!("{}/consent", my_gifts(locale))
}

/// `file`: `my-data.json` or `my-data.csv`.
pub fn my_data(locale: Locale, file: &str) -> String {
    format!("{}/data/{file}", my_gifts(locale))
}

pub fn my_erase(locale: Locale) -> String {
    format!("{}/erase", my_gifts(locale))
}

/// A receipt's PDF (its id is hex the server made).
pub fn my_receipt(locale: Locale, receipt_id: &str) -> String {
    format!("{}/receipts/{receipt_id}", my_gifts(locale))
}

pub fn my_summary(locale: Locale, year_start: i64) -> String {
    format!("{}/summaries/{year_start}", my_gifts(locale))
}

pub fn verify_receipt() -> &'static str {
    Endpoint::VerifyReceipt.pattern()
}

/// The staff admin's addresses.
pub mod admin {
    use super::Endpoint;
    use sharecare_domain::identifiers::Reference;

    pub fn sign_in() -> &'static str {
        Endpoint::AdminSignIn.pattern()
    }

    pub fn dashboard() -> &'static str {
        Endpoint::AdminDashboard.pattern()
    }

    pub fn donations() -> &'static str {
        Endpoint::AdminDonations.pattern()
    }

    pub fn export() -> &'static str {
        Endpoint::AdminExport.pattern()
    }

    pub fn donation(reference: &Reference) -> String {
        format!("/admin/donations/{}", reference.as_str())
    }

    pub fn confirm(reference: &Reference) -> String {
        format!("{}/confirm", donation(reference))
    }

    pub fn refund(reference: &Reference) -> String {
        format!("{}/refund", donation(reference))
    }

    pub fn statements() -> &'static str {
        Endpoint::AdminStatements.pattern()
    }

    /// Ids here are hex the server made (checked where they are read).
    pub fn statement(import: &str) -> String {
        format!("/admin/statements/{import}")
    }

    pub fn statement_columns(import: &str) -> String {
        format!("{}/columns", statement(import))
    }

    pub fn statement_confirm(import: &str) -> String {
        format!("{}/confirm", statement(import))
    }

    pub fn statement_line(line: &str) -> String {
        format!("/admin/statement-lines/{line}")
    }

    pub fn exceptions() -> &'static str {
        Endpoint::AdminExceptions.pattern()
    }

    pub fn resolve(kind: &str, item: &str) -> String {
        format!("/admin/exceptions/{kind}/{item}")
    }

    pub fn audit() -> &'static str {
        Endpoint::AdminAudit.pattern()
    }

    pub fn account() -> &'static str {
        Endpoint::AdminAccount.pattern()
    }

    pub fn users() -> &'static str {
        Endpoint::AdminUsers.pattern()
    }

    pub fn sign_out() -> &'static str {
        Endpoint::AdminSignOut.pattern()
    }

    pub fn language() -> &'static str {
        Endpoint::AdminLanguage.pattern()
    }
}

/// `path` on the public address (`PUBLIC_BASE_URL`, no trailing slash): canonical links,
/// share links and return URLs are absolute.
pub fn absolute(public_base_url: &str, path: &str) -> String {
    format!("{public_base_url}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_match_the_route_patterns() {
        let reference = Reference::parse("LBC-7K3Q9X").unwrap();
        let code = ReferralCode::parse("ABCDEFGHJK").unwrap();
        let locale = Locale::DEFAULT;
        let cases = [
            (Endpoint::Home, home(locale)),
            (Endpoint::Donate, donate(locale)),
            (Endpoint::Privacy, privacy(locale)),
            (Endpoint::Story, story(locale, "yiyi")),
            (Endpoint::ShareLink, share_link(locale, "yiyi")),
            (Endpoint::Referral, referral(locale, &code)),
            (
                Endpoint::ContinueCheckout,
                continue_checkout(locale, &reference),
            ),
            (Endpoint::Progress, progress_stream().to_string()),
            (Endpoint::Sitemap, sitemap().to_string()),
            (Endpoint::ShareImage, share_image(locale, "yiyi", "0")),
        ];
        for (endpoint, built) in cases {
            assert_eq!(built, endpoint.example(), "{endpoint:?}");
        }
        let with_query = thank_you(locale, &reference, "k3y");
        assert_eq!(
            with_query,
            format!("{}?key=k3y", Endpoint::ThankYou.example())
        );
        assert_eq!(
            donation_status(&reference),
            Endpoint::DonationStatus.example()
        );
        assert!(gift_cookie_paths(&reference)
            .iter()
            .any(|path| donation_status(&reference).starts_with(path.as_str())));
        assert!(continue_checkout(locale, &reference).starts_with(&gift_page(locale, &reference)));
        assert_eq!(
            thank_you_after_checkout(locale, &reference, "k3y", CheckoutReturn::Cancelled),
            "/en/donations/LBC-7K3Q9X?key=k3y&checkout=cancelled"
        );
        assert_eq!(new_gift(Locale::ZhHk), "/zh-hk/donate?new_gift=1");
        assert_eq!(
            shared_story(Locale::ZhCn, "lele", &code),
            "/zh-cn/stories/lele?ref=ABCDEFGHJK"
        );
    }

    #[test]
    fn every_page_has_an_address_in_every_language() {
        for page in Page::public(["yiyi", "lele"]) {
            for locale in Locale::ALL {
                assert!(page
                    .path(locale)
                    .starts_with(&format!("/{}", locale.code())));
            }
        }
        assert_eq!(Page::public(["yiyi"]).len(), 4);
    }

    #[test]
    fn checkout_returns_round_trip() {
        for kind in [
            CheckoutReturn::Success,
            CheckoutReturn::Cancelled,
            CheckoutReturn::Unavailable,
        ] {
            assert_eq!(CheckoutReturn::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(CheckoutReturn::parse("paid"), None);
    }
}
