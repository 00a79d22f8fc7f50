use leptos::prelude::*;

use sharecare_content::i18n::{fill, t};
use sharecare_content::paths;
use sharecare_content::{Story, StoryKind};
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

/// A child's story: the contrast that opens it, the illustration, her situation and her words.
/// On the story's own page (`on_own_page`) the first screen above already shows the headline
/// and the illustration, so the article carries the text alone, its sections one level up.
#[component]
pub fn StoryArticle(
    story: Story,
    locale: Locale,
    #[prop(optional)] on_own_page: bool,
) -> impl IntoView {
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
            let heading = section.heading.get(locale).clone();
            let heading = if on_own_page {
                view! { <h2>{heading}</h2> }.into_any()
            } else {
                view! { <h3>{heading}</h3> }.into_any()
            };
            view! {
                {heading}
                {section.paragraphs.get(locale).iter().map(|p| view! { <p>{p.clone()}</p> }).collect_view()}
            }
        })
        .collect_view();
    // The text itself, the same on the story's page and in the teaser.
    let body = view! {
        <p class="lead">{story.summary.get(locale).clone()}</p>
        {sections}
        <blockquote class="quote">
            <p>{story.quote.text.get(locale).clone()}</p>
            <footer>{story.quote.attribution.get(locale).clone()}</footer>
        </blockquote>
        <p class="note">{m.story_names_changed}</p>
    };
    if on_own_page {
        return view! {
            <article class="story story-text" aria-labelledby=crate::components::first_screen::HEADING_ID>
                <div class="wrap story-body">{body}</div>
            </article>
        }
        .into_any();
    }
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
                <div class="story-body">{body}</div>
            </div>
        </article>
    }
    .into_any()
}

/// Links to every story but `current` (all of them when `current` is empty): how readers
/// move from one story to the next, and how the home page reaches each story's own address.
#[component]
pub fn OtherStories(locale: Locale, #[prop(into)] current: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let m = t(locale);
    let items = state
        .content
        .stories
        .iter()
        .filter(|story| story.slug != current)
        .map(|story| {
            view! {
                <li class="story-card">
                    <h3>
                        <a href=paths::story(locale, &story.slug)>
                            {fill(
                                m.story_page_title,
                                &[
                                    ("name", story.name.get(locale)),
                                    ("headline", story.headline.get(locale)),
                                ],
                            )}
                        </a>
                    </h3>
                    <p>{story.summary.get(locale).clone()}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="more-stories" aria-labelledby="more-stories-heading">
            <div class="wrap">
                <h2 id="more-stories-heading">{m.stories_heading}</h2>
                <ul class="story-cards">{items}</ul>
            </div>
        </section>
    }
}
