use leptos::prelude::*;

use crate::content::{Story, StoryKind};
use crate::domain::Locale;
use crate::i18n::{fill, t};

/// A child's story: the contrast that opens it, the illustration, her situation and her words.
#[component]
pub fn StoryArticle(story: Story, locale: Locale) -> impl IntoView {
    let m = t(locale);
    let age = story.age.to_string();
    let meta = fill(
        m.story_meta,
        &[
            ("age", &age),
            ("grade", story.grade.get(locale)),
            ("place", story.place.get(locale)),
        ],
    );
    let label = match story.kind {
        StoryKind::Child => m.story_label,
        StoryKind::Teacher => m.story_label_teacher,
    };
    let heading_id = format!("story-{}", story.slug);
    let labelled_by = heading_id.clone();
    let sections = story
        .sections
        .iter()
        .map(|section| {
            view! {
                <h3>{section.heading.get(locale).clone()}</h3>
                {section.paragraphs.get(locale).iter().map(|p| view! { <p>{p.clone()}</p> }).collect_view()}
            }
        })
        .collect_view();
    view! {
        <article class="story" aria-labelledby=labelled_by>
            <div class="wrap story-grid">
                <header class="story-header">
                    <p class="eyebrow">{label}</p>
                    <h2 id=heading_id>{story.headline.get(locale).clone()}</h2>
                    <p class="story-meta">
                        <strong>{story.name.get(locale).clone()}</strong>
                        " · "
                        {meta}
                    </p>
                </header>
                <figure class="story-figure">
                    <img
                        src=story.image.src.clone()
                        width=story.image.width
                        height=story.image.height
                        alt=story.image.alt.get(locale).clone()
                        decoding="async"
                    />
                </figure>
                <div class="story-body">
                    <p class="lead">{story.summary.get(locale).clone()}</p>
                    {sections}
                    <blockquote class="quote">
                        <p>{story.quote.text.get(locale).clone()}</p>
                        <footer>{story.quote.attribution.get(locale).clone()}</footer>
                    </blockquote>
                    <p class="note">{m.story_names_changed}</p>
                </div>
            </div>
        </article>
    }
}
