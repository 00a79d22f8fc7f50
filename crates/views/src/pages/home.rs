//! `/{locale}`: the campaign page.

use leptos::prelude::*;

use crate::components::call_to_action::CallToAction;
use crate::components::donation_form::{DonationWidget, FormState};
use crate::components::first_screen::{FirstScreen, StickyGive};
use crate::components::layout::Layout;
use crate::components::stat_panel::StatPanel;
use crate::components::story::{OtherStories, StoryArticle};
use crate::pages::contact_sentence;
use sharecare_content::i18n::t;
use sharecare_content::paths::Page;
use sharecare_content::Localized;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

/// The campaign told in order: the first screen (headline, Yiyi's drawing, the live total, a
/// way to give), the question, the figures, the work, an appeal, Yiyi's story,
/// the appeal again, and the gift section.
#[component]
pub fn HomePage(locale: Locale, form: FormState) -> impl IntoView {
    let state = expect_context::<AppState>();
    let content = &state.content;
    let campaign = &content.campaign;
    let org = &content.organisation;
    let m = t(locale);
    let text = |value: &Localized<String>| value.get(locale).clone();
    let paragraphs = |value: &Localized<Vec<String>>| {
        value
            .get(locale)
            .iter()
            .map(|p| view! { <p>{p.clone()}</p> })
            .collect_view()
    };

    let stats = content
        .statistics
        .iter()
        .map(|stat| view! { <StatPanel stat=stat.clone() locale/> })
        .collect_view();
    let points = campaign
        .mission
        .points
        .iter()
        .map(|point| view! { <li><h3>{text(&point.title)}</h3><p>{text(&point.text)}</p></li> })
        .collect_view();
    let cta = campaign.call_to_action.clone();

    let body = view! {
        <FirstScreen
            locale
            headline=text(&campaign.title)
            image=content.hero_story().image.clone()
            lead=text(&campaign.description)
        />

        <section class="explainer" aria-labelledby="explainer-heading">
            <div class="wrap">
                <h2 id="explainer-heading">{text(&campaign.explainer.heading)}</h2>
                {paragraphs(&campaign.explainer.paragraphs)}
                <ul class="stats" aria-label=m.stats_label>{stats}</ul>
            </div>
        </section>

        <section class="mission" aria-labelledby="mission-heading">
            <div class="wrap">
                <h2 id="mission-heading">{text(&campaign.mission.heading)}</h2>
                {paragraphs(&campaign.mission.paragraphs)}
                <ul class="points">{points}</ul>
            </div>
        </section>

        <CallToAction cta=cta.clone() locale position=1/>
        <StoryArticle story=content.hero_story().clone() locale/>
        <CallToAction cta locale position=2/>
        <OtherStories locale current=""/>

        <section id="give" class="give" aria-labelledby="give-heading" tabindex="-1">
            <div class="wrap">
                <h2 id="give-heading">{text(&campaign.appeal.heading)}</h2>
                {paragraphs(&campaign.appeal.paragraphs)}
                <DonationWidget locale state=form/>
                <p class="give-contact">{contact_sentence(m.give_contact, org)}</p>
            </div>
        </section>
        <StickyGive locale/>
    };

    view! {
        <Layout locale page=Page::Home title=text(&campaign.title) description=text(&campaign.description)>
            {body}
        </Layout>
    }
}
