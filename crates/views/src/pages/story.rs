//! `/{locale}/stories/{slug}`: one story on a page of its own, the address people share. It
//! tells the whole story, then the campaign's figures, the live total and the donation widget,
//! so a reader who arrives from a shared link can give without leaving the page.

use leptos::prelude::*;

use crate::components::donation_form::{DonationWidget, FormState};
use crate::components::first_screen::{FirstScreen, StickyGive};
use crate::components::layout::{donate_action, json_ld, ArticleMeta, Layout};
use crate::components::share::ShareBar;
use crate::components::stat_panel::StatPanel;
use crate::components::story::{OtherStories, StoryArticle};
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths::{self, Page};
use sharecare_content::{Story, StoryKind};
use sharecare_domain::Locale;
use sharecare_services::share_images::{self, ShareImages};
use sharecare_services::state::AppState;

#[component]
pub fn StoryPage(locale: Locale, story: Story, mut form: FormState) -> impl IntoView {
    // A gift given here records the story it followed (the same for every reader).
    form.form.story = story.slug.clone();
    let state = expect_context::<AppState>();
    let content = &state.content;
    let m = t(locale);
    let base = &state.site.public_base_url;
    let page = Page::Story(story.slug.clone());
    let url = paths::absolute(base, &page.path(locale));
    let home = paths::absolute(base, &paths::home(locale));
    let title = fill(
        m.story_page_title,
        &[
            ("name", story.name.get(locale)),
            ("headline", story.headline.get(locale)),
        ],
    );
    let description = story.summary.get(locale).clone();
    let image_url = paths::absolute(base, &ShareImages::path(content, &story, locale));
    let org = content.organisation.name.get(locale);
    let structured = json_ld(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": story.headline.get(locale),
        "description": description,
        "inLanguage": locale.html_lang(),
        "url": url,
        "mainEntityOfPage": url,
        "image": image_url,
        "author": { "@type": "NGO", "name": org, "url": home },
        "publisher": { "@type": "NGO", "name": org, "url": home },
        "potentialAction": donate_action(&state, locale),
    }));
    let article = ArticleMeta {
        image_url,
        image_width: share_images::WIDTH,
        image_height: share_images::HEIGHT,
        // The image shows the headline beside the story's drawing.
        image_alt: fill(
            m.share_image_alt,
            &[
                ("headline", story.headline.get(locale)),
                ("drawing", story.image.alt.get(locale)),
            ],
        ),
        json_ld: structured,
    };

    let share_text = fill(
        m.share_story_text,
        &[
            ("name", story.name.get(locale)),
            ("headline", story.headline.get(locale)),
        ],
    );
    let stats = content
        .statistics
        .iter()
        .map(|stat| view! { <StatPanel stat=stat.clone() locale/> })
        .collect_view();
    let give_heading = story.give_heading.get(locale).clone();

    let age = story.age.to_string();
    let meta = format!(
        "{} · {}",
        story.name.get(locale),
        fill(
            m.story_meta,
            &[
                ("age", &age),
                ("grade", story.grade.get(locale)),
                ("place", story.place.get(locale)),
            ],
        )
    );
    let eyebrow = match story.kind {
        StoryKind::Child => m.story_label,
        StoryKind::Teacher => m.story_label_teacher,
    };
    let body = view! {
        <FirstScreen
            locale
            headline=story.headline.get(locale).clone()
            image=story.image.clone()
            eyebrow=eyebrow.to_string()
            meta
        />
        <StoryArticle story=story.clone() locale on_own_page=true/>
        <section class="explainer" aria-labelledby="figures-heading">
            <div class="wrap">
                <h2 id="figures-heading">{m.stats_label}</h2>
                <ul class="stats" aria-label=m.stats_label>{stats}</ul>
            </div>
        </section>
        <section id="give" class="give" aria-labelledby="give-heading" tabindex="-1">
            <div class="wrap">
                <h2 id="give-heading">{give_heading}</h2>
                <DonationWidget locale state=form/>
            </div>
        </section>
        <ShareBar locale url=url.clone() text=share_text personal_link=story.slug.clone()/>
        <OtherStories locale current=story.slug.clone()/>
        <StickyGive locale/>
    };
    view! {
        <Layout locale page title description article>
            {body}
        </Layout>
    }
}
