//! The frame of every page: language, head tags, skip link, header, footer.

use leptos::prelude::*;
use leptos_meta::{Html, Link, Meta, Title};

use sharecare_content::i18n::{fill, t};
use sharecare_content::paths::{self, Endpoint, Page};
use sharecare_domain::Locale;
use sharecare_islands::LanguageMemory;
use sharecare_services::state::AppState;

/// Wraps a page's content. `page` says which page this is, so it can be linked in every
/// language.
#[component]
pub fn Layout(
    locale: Locale,
    page: Page,
    /// The page's own title; the organisation's name is appended.
    #[prop(into)]
    title: String,
    #[prop(into)] description: String,
    /// For error pages: tell search engines not to index, and claim no canonical address.
    #[prop(optional)]
    noindex: bool,
    /// A story: shared as an article, with its own structured data.
    #[prop(optional)]
    article: Option<ArticleMeta>,
    children: Children,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let m = t(locale);
    let org = state.content.organisation.name.get(locale).clone();
    let base = state.site.public_base_url.clone();
    let languages = language_links(&page);
    let url_in = move |l: Locale| paths::absolute(&base, &page.path(l));
    let canonical = url_in(locale);
    let full_title = fill(m.page_title, &[("title", &title), ("org", &org)]);
    let root = paths::absolute(&state.site.public_base_url, Endpoint::Root.pattern());
    let addresses = (!noindex).then(|| {
        let alternates = Locale::ALL
            .into_iter()
            .map(|l| view! { <Link rel="alternate" hreflang=l.html_lang() href=url_in(l)/> })
            .collect_view();
        view! {
            <Link rel="canonical" href=canonical.clone()/>
            {alternates}
            <Link rel="alternate" hreflang="x-default" href=root/>
        }
    });

    let og_type = if article.is_some() {
        "article"
    } else {
        "website"
    };
    let other_locales = Locale::ALL
        .into_iter()
        .filter(|l| *l != locale)
        .map(|l| view! { <Meta property="og:locale:alternate" content=l.og_locale()/> })
        .collect_view();
    let image = article.as_ref().map(|article| {
        view! {
            <Meta property="og:image" content=article.image_url.clone()/>
            <Meta property="og:image:width" content=article.image_width.to_string()/>
            <Meta property="og:image:height" content=article.image_height.to_string()/>
            <Meta property="og:image:alt" content=article.image_alt.clone()/>
            <Meta name="twitter:image" content=article.image_url.clone()/>
            <Meta name="twitter:image:alt" content=article.image_alt.clone()/>
        }
    });
    let structured = (!noindex).then(|| {
        let json = match &article {
            Some(article) => article.json_ld.clone(),
            None => organisation_json_ld(&state, locale),
        };
        view! { <script type="application/ld+json" inner_html=json></script> }
    });

    view! {
        <Html {..} lang=locale.html_lang() dir="ltr"/>
        <Title text=full_title.clone()/>
        <Meta name="description" content=description.clone()/>
        {addresses}
        {noindex.then(|| view! { <Meta name="robots" content="noindex"/> })}
        <Meta property="og:type" content=og_type/>
        <Meta property="og:site_name" content=org.clone()/>
        <Meta property="og:title" content=title.clone()/>
        <Meta property="og:description" content=description.clone()/>
        {image}
        <Meta name="twitter:card" content="summary_large_image"/>
        <Meta name="twitter:title" content=title/>
        <Meta name="twitter:description" content=description/>
        // Pages that are not indexed (404s, a donor's own thank-you page with its secret key)
        // claim no public address.
        {(!noindex).then(|| view! { <Meta property="og:url" content=canonical/> })}
        <Meta property="og:locale" content=locale.og_locale()/>
        {other_locales}
        {structured}

        <a class="skip-link" href="#main">{m.skip_link}</a>
        <header class="site-header">
            <div class="wrap site-header-inner">
                <a class="brand" href=paths::home(locale) aria-label=fill(m.home_link_label, &[("org", &org)])>
                    {org.clone()}
                </a>
                <a class="button header-give" href=paths::donate(locale)>{m.give_link}</a>
                <LanguageSwitcher locale links=languages.clone() label=m.languages_label/>
            </div>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <Footer locale org links=languages/>
    }
}

/// What a story page adds to its head: the share image and its structured data.
#[derive(Debug, Clone)]
pub struct ArticleMeta {
    /// Absolute.
    pub image_url: String,
    pub image_width: u32,
    pub image_height: u32,
    pub image_alt: String,
    /// A schema.org `Article`, as JSON (see [`json_ld`]).
    pub json_ld: String,
}

/// JSON for a `<script type="application/ld+json">`: `</` is escaped so no text can end the
/// script element early.
pub fn json_ld(value: &serde_json::Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// The organisation and what readers can do for it, for pages other than stories.
fn organisation_json_ld(state: &AppState, locale: Locale) -> String {
    let base = &state.site.public_base_url;
    json_ld(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NGO",
        "name": state.content.organisation.name.get(locale),
        "url": paths::absolute(base, &paths::home(locale)),
        "email": state.content.organisation.email,
        "telephone": state.content.organisation.phone,
        "potentialAction": donate_action(state, locale),
    }))
}

/// A schema.org `DonateAction` pointing at the donation page in `locale`.
pub fn donate_action(state: &AppState, locale: Locale) -> serde_json::Value {
    serde_json::json!({
        "@type": "DonateAction",
        "target": paths::absolute(&state.site.public_base_url, &paths::donate(locale)),
        "recipient": {
            "@type": "NGO",
            "name": state.content.organisation.name.get(locale),
        },
    })
}

/// One language link: (locale, href).
type LanguageLinks = Vec<(Locale, String)>;

/// Links to this same page in every language, as site-relative paths.
fn language_links(page: &Page) -> LanguageLinks {
    Locale::ALL.into_iter().map(|l| (l, page.path(l))).collect()
}

/// Plain links (they work without JavaScript), wrapped in an island that remembers the choice.
#[component]
fn LanguageSwitcher(locale: Locale, links: LanguageLinks, label: &'static str) -> impl IntoView {
    let items = links
        .into_iter()
        .map(|(l, href)| {
            view! {
                <li>
                    <a
                        href=href
                        hreflang=l.html_lang()
                        lang=l.html_lang()
                        data-locale=l.code()
                        aria-current=(l == locale).then_some("true")
                    >
                        {l.native_name()}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        // Header and footer each have one: their labels differ, so each landmark is named once.
        <nav class="language-switcher" aria-label=label>
            <LanguageMemory>
                <ul>{items}</ul>
            </LanguageMemory>
        </nav>
    }
}

#[component]
fn Footer(locale: Locale, org: String, links: LanguageLinks) -> impl IntoView {
    let state = expect_context::<AppState>();
    let m = t(locale);
    let organisation = &state.content.organisation;
    let phone = organisation.phone.clone();
    let tel = organisation.phone_href();
    let email = organisation.email.clone();
    let year = state.site.copyright_year.to_string();
    view! {
        <footer class="site-footer">
            <div class="wrap footer-grid">
                <section aria-labelledby="footer-contact">
                    <h2 id="footer-contact">{m.footer_contact_heading}</h2>
                    <dl class="contact">
                        <dt>{m.footer_phone}</dt>
                        <dd><a href=tel>{phone}</a></dd>
                        <dt>{m.footer_email}</dt>
                        <dd><a href=format!("mailto:{email}")>{email.clone()}</a></dd>
                    </dl>
                </section>
                // A returning donor's way back to their receipts and monthly gift, on every page.
                <section aria-labelledby="footer-gifts">
                    <h2 id="footer-gifts">{m.footer_gifts_heading}</h2>
                    <p class="footer-my-gifts"><a href=paths::my_gifts(locale)>{m.footer_my_gifts}</a></p>
                </section>
                <LanguageSwitcher locale links label=m.languages_label_footer/>
            </div>
            <p class="wrap copyright">{fill(m.footer_copyright, &[("year", &year), ("org", &org)])}</p>
        </footer>
    }
}
