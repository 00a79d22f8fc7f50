//! Every address the site serves, in one place: the route table the router is built from, and
//! typed builders for the links, redirects, the sitemap and the payment provider's return URLs.
//! No other module spells a page's address by hand.
//!
//! - `endpoints.rs`: the table, one line per address (pattern, access, methods, under the part
//!   of the site that serves it), which the `endpoints!` macro (`spec.rs`) turns into
//!   [`Endpoint`], [`Endpoint::ALL`], [`Endpoint::spec`] and one enum per part whose router
//!   matches it exhaustively to pick handlers;
//! - `builders.rs` and [`admin`]: the builders, each filling its endpoint's pattern.
//!
//! Values placed in paths are typed (a [`Locale`](sharecare_domain::Locale), a
//! [`Reference`](sharecare_domain::identifiers::Reference), a referral code, a slug checked when
//! content loads, a hex access key), so none of them needs escaping.

pub mod admin;
mod builders;
mod endpoints;
mod spec;

pub use builders::*;
pub use endpoints::{AdminEndpoint, Area, DonorEndpoint, Endpoint, SiteEndpoint};
pub use spec::{Access, Methods, Spec};

#[cfg(test)]
mod tests {
    use super::*;
    use sharecare_domain::identifiers::{Reference, ReferralCode};
    use sharecare_domain::Locale;

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
        let with_query = gift_page_with_key(locale, &reference, "k3y");
        assert_eq!(
            with_query,
            format!("{}?key=k3y", Endpoint::GiftPage.example())
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
            gift_page_with_key_after_checkout(locale, &reference, "k3y", CheckoutReturn::Cancelled),
            "/en/donations/LBC-7K3Q9X?key=k3y&checkout=cancelled"
        );
        assert_eq!(new_gift(Locale::ZhHk), "/zh-hk/donate?new_gift=1");
        assert_eq!(
            shared_story(Locale::ZhCn, "lele", &code),
            "/zh-cn/stories/lele?ref=ABCDEFGHJK"
        );
    }

    /// Every builder, against its endpoint's example (the same sample values), so a builder
    /// that gives its pattern the wrong values fails here rather than in a link.
    #[test]
    fn every_builder_fills_its_own_pattern() {
        let reference = Reference::parse("LBC-7K3Q9X").unwrap();
        let hex = "0123456789abcdef0123456789abcdef";
        let locale = Locale::DEFAULT;
        let cases = [
            (Endpoint::GiftPage, gift_page(locale, &reference)),
            (Endpoint::FpsQr, fps_qr(locale, &reference)),
            (Endpoint::EmbedDonate, embed_donate(locale)),
            (Endpoint::EmbedScript, EMBED_SCRIPT.to_string()),
            (Endpoint::VerifyReceipt, verify_receipt().to_string()),
            (Endpoint::MyGifts, my_gifts(locale)),
            (Endpoint::MyGiftsCode, my_gifts_code(locale)),
            (Endpoint::MyGiftsSignOut, my_gifts_sign_out(locale)),
            (Endpoint::MyGift, my_gift(locale, &reference)),
            (Endpoint::MyConsent, my_consent(locale)),
            (Endpoint::MyData, my_data(locale, "yiyi-0.png")),
            (Endpoint::MyErase, my_erase(locale)),
            (Endpoint::MyReceipt, my_receipt(locale, hex)),
            (Endpoint::MySummary, my_summary(locale, 2026)),
            (Endpoint::AdminSignIn, admin::sign_in().to_string()),
            (Endpoint::AdminSignOut, admin::sign_out().to_string()),
            (Endpoint::AdminLanguage, admin::language().to_string()),
            (Endpoint::AdminDashboard, admin::dashboard().to_string()),
            (Endpoint::AdminDonations, admin::donations().to_string()),
            (Endpoint::AdminExport, admin::export().to_string()),
            (Endpoint::AdminDonation, admin::donation(&reference)),
            (Endpoint::AdminConfirm, admin::confirm(&reference)),
            (
                Endpoint::AdminConfirmReview,
                admin::confirm_review(&reference),
            ),
            (Endpoint::AdminPayment, admin::payment(&reference, hex)),
            (Endpoint::AdminNewGift, admin::new_gift().to_string()),
            (Endpoint::AdminRefund, admin::refund(&reference)),
            (Endpoint::AdminStatements, admin::statements().to_string()),
            (Endpoint::AdminStatement, admin::statement(hex)),
            (
                Endpoint::AdminStatementColumns,
                admin::statement_columns(hex),
            ),
            (
                Endpoint::AdminStatementConfirm,
                admin::statement_confirm(hex),
            ),
            (Endpoint::AdminStatementLine, admin::statement_line(hex)),
            (Endpoint::AdminExceptions, admin::exceptions().to_string()),
            (Endpoint::AdminResolve, admin::resolve("exception", hex)),
            (Endpoint::AdminAudit, admin::audit().to_string()),
            (Endpoint::AdminAccount, admin::account().to_string()),
            (Endpoint::AdminUsers, admin::users().to_string()),
        ];
        for (endpoint, built) in cases {
            assert_eq!(built, endpoint.example(), "{endpoint:?}");
        }
        assert_eq!(
            my_gifts_link(locale, "t0k"),
            format!("{}?token=t0k", Endpoint::MyGiftsLink.example())
        );
        assert_eq!(
            gift_cookie_paths(&reference),
            [
                "/en/donations/LBC-7K3Q9X",
                "/zh-hk/donations/LBC-7K3Q9X",
                "/zh-cn/donations/LBC-7K3Q9X",
                "/api/donations/LBC-7K3Q9X",
            ]
        );
    }

    #[test]
    fn the_cached_pages_are_every_language_of_the_campaigns_pages() {
        assert_eq!(
            cached_pages_regex(),
            "^(?:/(?:en|zh-hk|zh-cn)|/(?:en|zh-hk|zh-cn)/donate|/(?:en|zh-hk|zh-cn)/privacy\
             |/(?:en|zh-hk|zh-cn)/stories/[a-z0-9-]+)$"
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

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://give.example.org"),
            "https://give.example.org"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3100/en?x=1"),
            "http://127.0.0.1:3100"
        );
    }
}
