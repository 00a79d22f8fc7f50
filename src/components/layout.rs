//! The frame of every page: language, head tags, skip link, header, footer.

use leptos::prelude::*;
use leptos_meta::{Html, Link, Meta, Title};

use crate::domain::Locale;
use crate::i18n::{fill, t};
use crate::islands::LanguageMemory;
use crate::server::state::AppState;

/// Wraps a page's content. `path` is the page's address after the language segment (`""` for
/// the home page, `"/donate"`), so the same page can be linked in every language.
#[component]
pub fn Layout(
    locale: Locale,
    #[prop(into)] path: String,
    /// The page's own title; the organisation's name is appended.
    #[prop(into)]
    title: String,
    #[prop(into)] description: String,
    /// For error pages: tell search engines not to index, and claim no canonical address.
    #[prop(optional)]
    noindex: bool,
    children: Children,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let m = t(locale);
    let org = state.content.organisation.name.get(locale).clone();
    let base = state.site.public_base_url.clone();
    let languages = language_links(&path);
    let url_in = move |l: Locale| format!("{base}/{}{path}", l.code());
    let canonical = url_in(locale);
    let full_title = fill(m.page_title, &[("title", &title), ("org", &org)]);
    let root = format!("{}/", state.site.public_base_url);
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

    view! {
        <Html {..} lang=locale.html_lang() dir="ltr"/>
        <Title text=full_title.clone()/>
        <Meta name="description" content=description.clone()/>
        {addresses}
        {noindex.then(|| view! { <Meta name="robots" content="noindex"/> })}
        <Meta property="og:type" content="website"/>
        <Meta property="og:site_name" content=org.clone()/>
        <Meta property="og:title" content=title/>
        <Meta property="og:description" content=description/>
        // Pages that are not indexed (404s, a donor's own thank-you page with its secret key)
        // claim no public address.
        {(!noindex).then(|| view! { <Meta property="og:url" content=canonical/> })}
        <Meta property="og:locale" content=locale.og_locale()/>

        <a class="skip-link" href="#main">{m.skip_link}</a>
        <header class="site-header">
            <div class="wrap site-header-inner">
                <a class="brand" href=format!("/{}", locale.code()) aria-label=fill(m.home_link_label, &[("org", &org)])>
                    {org.clone()}
                </a>
                <LanguageSwitcher locale links=languages.clone()/>
            </div>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <Footer locale org links=languages/>
    }
}

/// One language link: (locale, href).
type LanguageLinks = Vec<(Locale, String)>;

/// Links to this same page in every language, as site-relative paths.
fn language_links(path: &str) -> LanguageLinks {
    Locale::ALL
        .into_iter()
        .map(|l| (l, format!("/{}{path}", l.code())))
        .collect()
}

/// Plain links (they work without JavaScript), wrapped in an island that remembers the choice.
#[component]
fn LanguageSwitcher(locale: Locale, links: LanguageLinks) -> impl IntoView {
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
        <nav class="language-switcher" aria-label=t(locale).languages_label>
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
                <LanguageSwitcher locale links/>
            </div>
            <p class="wrap copyright">{fill(m.footer_copyright, &[("year", &year), ("org", &org)])}</p>
        </footer>
    }
}
