//! The table of every address the site serves: one line each, which is all there is to declaring
//! one. A line reads `Name: "pattern", access, methods;` under the part of the site that serves
//! it, whose router then fails to compile until the new endpoint has a handler.
//!
//! - the pattern is the router's (`{name}` is a path parameter; each has a sample in
//!   [`SAMPLES`](super::spec::SAMPLES) for [`Endpoint::example`]);
//! - access is `Public`, `Donor` or `Staff(role)` (checked for every request by the part's
//!   router: `http::admin::guard`, the donors' session);
//! - methods are `Get`, `Post` or `GetAndPost` (every other method gets 405).
//!
//! Builders for these addresses are in `builders.rs` and `admin.rs`, each filling its line's
//! pattern.

use super::spec::{endpoints, Access, Methods};

endpoints! {
    /// The public site (`http::router`).
    Site(SiteEndpoint) {
        /// `/`: sends the reader to their language.
        Root: "/", Public, Get;
        Healthz: "/healthz", Public, Get;
        /// Ready for readers: the database answers and is migrated.
        Readyz: "/readyz", Public, Get;
        Home: "/{locale}", Public, Get;
        /// The widget alone (GET) and the form's submit (POST), which answers mistakes on the
        /// same address.
        Donate: "/{locale}/donate", Public, GetAndPost;
        Privacy: "/{locale}/privacy", Public, Get;
        Story: "/{locale}/stories/{slug}", Public, Get;
        /// Issues a personal share link for a story (POST).
        ShareLink: "/{locale}/stories/{slug}/share-link", Public, Post;
        Referral: "/{locale}/referrals/{code}", Public, Get;
        /// A donor's own page for their gift.
        GiftPage: "/{locale}/donations/{reference}", Public, Get;
        /// "Continue to secure payment" from a gift's page (POST).
        ContinueCheckout: "/{locale}/donations/{reference}/checkout", Public, Post;
        /// Server-sent events: one donation's status.
        DonationStatus: "/api/donations/{reference}/status", Public, Get;
        /// Server-sent events: the campaign's progress.
        Progress: "/api/progress", Public, Get;
        StripeWebhook: "/webhooks/stripe", Public, Post;
        Sitemap: "/sitemap.xml", Public, Get;
        Robots: "/robots.txt", Public, Get;
        Manifest: "/manifest.webmanifest", Public, Get;
        Favicon: "/favicon.ico", Public, Get;
        ShareImage: "/share/{locale}/{file}", Public, Get;
        /// Anyone checks a receipt by its number and code.
        VerifyReceipt: "/receipts/verify", Public, Get;
        /// The donation widget alone, for partners' `<iframe>`s (framed only by their origins).
        EmbedDonate: "/embed/{locale}/donate", Public, Get;
        /// The script partners paste, which inserts and sizes that iframe.
        EmbedScript: "/embed.js", Public, Get;
        /// A transfer's FPS QR code as a PNG to save (a phone cannot scan its own screen).
        FpsQr: "/{locale}/donations/{reference}/fps-qr.png", Public, Get;
    }

    /// The staff admin, behind its session and headers (`http::admin`).
    Admin(AdminEndpoint) {
        /// Staff admin: signing in (the form, and its POST).
        AdminSignIn: "/admin/sign-in", Public, GetAndPost;
        AdminSignOut: "/admin/sign-out", Staff(Viewer), Post;
        /// The admin's language (a cookie).
        AdminLanguage: "/admin/language", Public, Post;
        /// The dashboard's figures.
        AdminDashboard: "/admin", Staff(Viewer), Get;
        AdminDonations: "/admin/donations", Staff(Viewer), Get;
        /// The filtered donations as CSV.
        AdminExport: "/admin/donations.csv", Staff(Finance), Get;
        /// One donation's whole history, and what staff may do to it.
        AdminDonation: "/admin/donations/{reference}", Staff(Viewer), Get;
        /// What confirming a transfer will do (amount, time, receipt), before it does (POST).
        AdminConfirmReview: "/admin/donations/{reference}/review", Staff(Finance), Post;
        AdminConfirm: "/admin/donations/{reference}/confirm", Staff(Finance), Post;
        /// An offline payment: refund through the bank, undo, cheque bounced (POST).
        AdminPayment: "/admin/donations/{reference}/payments/{payment}", Staff(Finance), Post;
        /// A cheque or cash gift received (at an event, by post).
        AdminNewGift: "/admin/gifts/new", Staff(Finance), GetAndPost;
        AdminRefund: "/admin/donations/{reference}/refund", Staff(Finance), Post;
        /// Bank statements: the list and the upload (POST).
        AdminStatements: "/admin/statements", Staff(Finance), GetAndPost;
        /// One statement's lines and their matches.
        AdminStatement: "/admin/statements/{import}", Staff(Finance), Get;
        /// A statement's columns, mapped by staff (POST).
        AdminStatementColumns: "/admin/statements/{import}/columns", Staff(Finance), Post;
        /// Confirm every clear match of a statement (POST).
        AdminStatementConfirm: "/admin/statements/{import}/confirm", Staff(Finance), Post;
        /// Confirm one line, or set it aside (POST).
        AdminStatementLine: "/admin/statement-lines/{line}", Staff(Finance), Post;
        AdminExceptions: "/admin/exceptions", Staff(Viewer), Get;
        /// Resolve a queue item with a note, or send a parked receipt again (POST).
        AdminResolve: "/admin/exceptions/{kind}/{item}", Staff(Finance), Post;
        AdminAudit: "/admin/audit", Staff(Finance), Get;
        /// One's own account: the second factor.
        AdminAccount: "/admin/account", Staff(Viewer), GetAndPost;
        /// Staff and their sign-in rules (admins).
        AdminUsers: "/admin/users", Staff(Admin), GetAndPost;
    }

    /// A donor's own gifts ("My gifts"), behind the donors' session (`http::donors`).
    Donor(DonorEndpoint) {
        /// The sign-in form (GET) and asking for a code (POST); signed in, the gifts.
        MyGifts: "/{locale}/my-gifts", Public, GetAndPost;
        /// Signing in with the code (POST).
        MyGiftsCode: "/{locale}/my-gifts/code", Public, Post;
        /// The emailed link's page (GET, a button) and signing in with it (POST).
        MyGiftsLink: "/{locale}/my-gifts/link", Public, GetAndPost;
        MyGiftsSignOut: "/{locale}/my-gifts/sign-out", Donor, Post;
        /// A change to one gift (POST): pause, resume, amount, day, cancel, card, receipt
        /// name, a message to the charity.
        MyGift: "/{locale}/my-gifts/gifts/{reference}", Donor, Post;
        /// News by email, yes or no (POST).
        MyConsent: "/{locale}/my-gifts/consent", Donor, Post;
        /// Everything held about the donor (`my-data.json`, `my-data.csv`).
        MyData: "/{locale}/my-gifts/data/{file}", Donor, Get;
        /// Deleting it (POST).
        MyErase: "/{locale}/my-gifts/erase", Donor, Post;
        /// A receipt's PDF.
        MyReceipt: "/{locale}/my-gifts/receipts/{receipt}", Donor, Get;
        /// A tax year's summary PDF.
        MySummary: "/{locale}/my-gifts/summaries/{year}", Donor, Get;
    }
}

impl Endpoint {
    /// The pages served from the page cache, which the navigation script may swap between.
    pub const CACHED_PAGES: [Endpoint; 4] = [
        Endpoint::Home,
        Endpoint::Donate,
        Endpoint::Privacy,
        Endpoint::Story,
    ];

    /// The route pattern, as the router spells it (`{name}` is a path parameter).
    pub const fn pattern(self) -> &'static str {
        self.spec().pattern
    }

    /// Who may use it.
    pub const fn access(self) -> Access {
        self.spec().access
    }

    pub const fn methods(self) -> Methods {
        self.spec().methods
    }

    /// The pattern with sample values in its parameters, for tests that walk the routes.
    pub fn example(self) -> String {
        self.spec().example()
    }

    /// Part of "My gifts" (the donors' session and headers).
    pub const fn is_donor(self) -> bool {
        match self.area() {
            Area::Donor(_) => true,
            Area::Site(_) | Area::Admin(_) => false,
        }
    }

    /// Part of the staff admin (its session, its headers, its language).
    pub const fn is_admin(self) -> bool {
        match self.area() {
            Area::Admin(_) => true,
            Area::Site(_) | Area::Donor(_) => false,
        }
    }

    /// `self`'s address with `values` in its parameters, in order (see [`super::spec::fill`]).
    pub(super) fn fill(self, values: &[&str]) -> String {
        super::spec::fill(self.pattern(), values)
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::{parameters, SAMPLES};
    use super::*;

    #[test]
    fn every_parameter_has_a_sample_and_every_example_fits_its_pattern() {
        for endpoint in Endpoint::ALL {
            let (pattern, example) = (endpoint.pattern(), endpoint.example());
            for name in parameters(pattern) {
                assert!(
                    SAMPLES.iter().any(|(param, _)| *param == name),
                    "{endpoint:?}: {{{name}}}"
                );
            }
            assert!(!example.contains(['{', '}']), "{endpoint:?}: {example}");
            let segments = pattern.split('/').zip(example.split('/'));
            assert_eq!(pattern.split('/').count(), example.split('/').count());
            for (want, got) in segments {
                assert!(want.starts_with('{') || want == got, "{endpoint:?}: {got}");
            }
        }
    }

    #[test]
    fn addresses_are_declared_once() {
        for (i, a) in Endpoint::ALL.iter().enumerate() {
            for b in &Endpoint::ALL[i + 1..] {
                assert_ne!(a.pattern(), b.pattern(), "{a:?} and {b:?}");
            }
        }
    }

    /// Staff routes are the admin's, donors' routes are My gifts'; the sign-in pages of both
    /// are public, in their own part (its session, its headers).
    #[test]
    fn each_part_holds_the_access_its_session_checks() {
        for endpoint in Endpoint::ALL {
            match (endpoint.area(), endpoint.access()) {
                (Area::Admin(_), Access::Staff(_) | Access::Public)
                | (Area::Donor(_), Access::Donor | Access::Public)
                | (Area::Site(_), Access::Public) => {}
                (area, access) => panic!("{endpoint:?}: {access:?} in {area:?}"),
            }
        }
        for area in AdminEndpoint::ALL {
            assert_eq!(Endpoint::from(area).area(), Area::Admin(area));
        }
        for area in DonorEndpoint::ALL {
            assert_eq!(Endpoint::from(area).area(), Area::Donor(area));
        }
        for area in SiteEndpoint::ALL {
            assert_eq!(Endpoint::from(area).area(), Area::Site(area));
        }
    }
}
