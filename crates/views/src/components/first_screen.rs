//! The first screen of a campaign page (home, a story): the headline, the child's illustration,
//! the live total with its bar and a way to give, all visible on a phone without scrolling. The
//! illustration is the largest thing painted first, so it is sized (no layout shift) and
//! fetched first. Below the fold, a compact "Give" button follows phone readers.

use leptos::prelude::*;

use crate::components::progress::CampaignProgress;
use sharecare_content::i18n::t;
use sharecare_content::Image;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

/// The id of the page's one `<h1>`.
pub const HEADING_ID: &str = "page-heading";

#[component]
pub fn FirstScreen(
    locale: Locale,
    headline: String,
    image: Image,
    /// A short line above the headline ("A child's story").
    #[prop(optional)]
    eyebrow: Option<String>,
    /// A line under the headline (name, age, place).
    #[prop(optional)]
    meta: Option<String>,
    /// The opening paragraph, after the way to give.
    #[prop(optional)]
    lead: Option<String>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let give = state
        .content
        .campaign
        .call_to_action
        .button
        .get(locale)
        .clone();
    view! {
        <section class="first-screen" aria-labelledby=HEADING_ID>
            <div class="wrap first-screen-grid">
                <div class="first-screen-title">
                    {eyebrow.map(|eyebrow| view! { <p class="eyebrow">{eyebrow}</p> })}
                    <h1 id=HEADING_ID>{headline}</h1>
                    {meta.map(|meta| view! { <p class="story-meta">{meta}</p> })}
                </div>
                <figure class="first-screen-figure">
                    <img
                        src=image.src.clone()
                        width=image.width
                        height=image.height
                        alt=image.alt.get(locale).clone()
                        fetchpriority="high"
                    />
                </figure>
                <div class="first-screen-give">
                    <CampaignProgress locale/>
                    <a class="button give-button" href="#give">{give}</a>
                </div>
                {lead.map(|lead| view! { <p class="lead first-screen-lead">{lead}</p> })}
            </div>
        </section>
    }
}

/// A "Give" button fixed at the bottom of a phone's screen once the reader has scrolled past
/// the first screen (CSS scroll timeline: no script), hidden while a form field has focus.
#[component]
pub fn StickyGive(locale: Locale) -> impl IntoView {
    view! { <a class="button sticky-give" href="#give">{t(locale).give_link}</a> }
}
