//! The campaign's progress: raised so far, supporters, the goal and a bar. Rendered complete on
//! the server (right with JavaScript off); the `LiveProgress` island keeps it current.

use leptos::prelude::*;

use sharecare_content::i18n::{fill, t};
use sharecare_content::paths;
use sharecare_domain::money::group_thousands;
use sharecare_domain::Locale;
use sharecare_islands::LiveProgress;
use sharecare_services::state::AppState;

#[component]
pub fn CampaignProgress(locale: Locale) -> impl IntoView {
    let state = expect_context::<AppState>();
    let progress = state.donations.progress();
    let content = &state.content;
    let m = t(locale);
    let percent = progress.percent();
    let raised = content.money(progress.raised_minor).to_string();
    let goal = content.money(progress.goal_minor).to_string();
    let supporters = group_thousands(progress.supporters);
    view! {
        <LiveProgress>
            // A labelled group, not a heading: the total sits under whatever heading the page
            // puts it (the first screen's, the donate page's), so heading levels stay in order.
            <div class="progress" role="group" aria-labelledby="progress-heading" data-stream=paths::progress_stream()>
                <p id="progress-heading" class="progress-heading">{m.progress_heading}</p>
                <p class="progress-figures">
                    <span class="progress-raised" data-progress-raised>{raised}</span>
                    " "
                    <span class="progress-goal">{fill(m.progress_of_goal, &[("goal", &goal)])}</span>
                </p>
                <div
                    class="progress-bar"
                    role="progressbar"
                    aria-labelledby="progress-heading"
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=percent.to_string()
                    data-progress-bar
                >
                    // An SVG's own width attribute, not an inline style: the page's Content
                    // Security Policy allows no inline styles.
                    <svg class="progress-fill" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                        <rect height="1" width=percent.to_string()></rect>
                    </svg>
                </div>
                <p class="progress-supporters">
                    <span data-progress-percent>{format!("{percent}%")}</span>
                    " · "
                    {progress_supporters(m.progress_supporters, &supporters)}
                </p>
            </div>
        </LiveProgress>
    }
}

/// "{count} supporters", with the count in its own element so the island can update it.
fn progress_supporters(template: &str, count: &str) -> impl IntoView {
    let (before, after) = template.split_once("{count}").unwrap_or((template, ""));
    view! {
        {before.to_string()}
        <span data-progress-supporters>{count.to_string()}</span>
        {after.to_string()}
    }
}
