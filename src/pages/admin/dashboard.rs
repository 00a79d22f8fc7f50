//! The dashboard: figures a person would rather look at than read, drawn on the server as SVG
//! (no script, no inline styles), each with its numbers in a table beside it.

use leptos::prelude::*;

use super::{money, AdminLayout, StaffView};
use crate::domain::money::Currency;
use crate::i18n::{admin_t, fill, AdminLocale};
use crate::paths::Endpoint;
use crate::server::donations::Progress;
use crate::server::records::{FigureBucket, Figures};

#[component]
pub fn DashboardPage(
    staff: StaffView,
    figures: Figures,
    progress: Progress,
    currency: Currency,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let days: Vec<(String, u64)> = figures
        .by_day
        .iter()
        .map(|bucket| (bucket.key.clone(), bucket.amount_minor))
        .collect();
    let method_name = |key: &str| match key {
        "card" => m.method_card.to_string(),
        "offline" => m.method_offline.to_string(),
        other => other.to_string(),
    };
    let frequency_name = |key: &str| match key {
        "one_off" => m.frequency_one_off.to_string(),
        "monthly" => m.frequency_monthly.to_string(),
        other => other.to_string(),
    };
    let named = |buckets: &[FigureBucket], name: &dyn Fn(&str) -> String| -> Vec<(String, u64)> {
        buckets
            .iter()
            .map(|bucket| (name(&bucket.key), bucket.amount_minor))
            .collect()
    };
    let by_method = named(&figures.by_method, &method_name);
    let by_frequency = named(&figures.by_frequency, &frequency_name);
    let stories = named(&figures.top_stories, &|key: &str| key.to_string());
    let links = named(&figures.top_links, &|key: &str| key.to_string());
    let as_is = |key: &str| key.to_string();
    let sources = named(&figures.by_source, &as_is);
    let media = named(&figures.by_medium, &as_is);
    let campaigns = named(&figures.by_campaign, &as_is);
    let partners = named(&figures.by_partner, &as_is);
    let loyalty = vec![
        (m.donors_once.to_string(), figures.loyalty.once),
        (m.donors_repeat.to_string(), figures.loyalty.repeat),
    ];
    let goal = vec![
        (m.progress_raised.to_string(), progress.raised_minor),
        (m.progress_goal.to_string(), progress.goal_minor),
    ];
    let summary = fill(
        m.progress_summary,
        &[
            ("raised", &money(progress.raised_minor as i64, currency)),
            ("goal", &money(progress.goal_minor as i64, currency)),
            ("percent", &progress.percent().to_string()),
            ("supporters", &progress.supporters.to_string()),
        ],
    );
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.dashboard_title current=Endpoint::AdminDashboard>
            <p class="lead">{summary}</p>
            <div class="figures">
                <Figure id="by-day" title=m.figure_by_day.to_string() rows=days.clone() currency locale columns=true/>
                <Figure id="goal" title=m.figure_goal.to_string() rows=goal currency locale/>
                <Figure id="by-method" title=m.figure_by_method.to_string() rows=by_method currency locale/>
                <Figure id="by-frequency" title=m.figure_by_frequency.to_string() rows=by_frequency currency locale/>
                <Figure id="loyalty" title=m.figure_loyalty.to_string() rows=loyalty currency locale counts=true/>
                <Figure id="stories" title=m.figure_stories.to_string() rows=stories currency locale/>
                <Figure id="links" title=m.figure_links.to_string() rows=links currency locale/>
                <Figure id="partners" title=m.figure_partners.to_string() rows=partners currency locale/>
                <Figure id="sources" title=m.figure_sources.to_string() rows=sources currency locale/>
                <Figure id="media" title=m.figure_media.to_string() rows=media currency locale/>
                <Figure id="campaigns" title=m.figure_campaigns.to_string() rows=campaigns currency locale/>
            </div>
        </AdminLayout>
    }
}

/// A chart (bars, or columns for a time series) with its numbers in a table.
#[component]
fn Figure(
    id: &'static str,
    title: String,
    rows: Vec<(String, u64)>,
    currency: Currency,
    locale: AdminLocale,
    /// Columns over time (days) instead of bars.
    #[prop(optional)]
    columns: bool,
    /// The values are counts of people, not money.
    #[prop(optional)]
    counts: bool,
) -> impl IntoView {
    let m = admin_t(locale);
    let shown = move |value: u64| {
        if counts {
            value.to_string()
        } else {
            money(value as i64, currency)
        }
    };
    let largest = rows
        .iter()
        .map(|(_, value)| *value)
        .max()
        .unwrap_or(0)
        .max(1);
    let title_id = format!("{id}-title");
    let chart = if rows.is_empty() {
        view! { <p class="hint">{m.figure_empty}</p> }.into_any()
    } else if columns {
        let (width, height) = (600u64, 160u64);
        let slot = width / rows.len().max(1) as u64;
        let bars = rows
            .iter()
            .enumerate()
            .map(|(index, (label, value))| {
                let bar = value * (height - 20) / largest;
                view! {
                    <rect class="chart-bar" x=(index as u64 * slot + 1).to_string() y=(height - 20 - bar).to_string()
                        width=slot.saturating_sub(2).max(1).to_string() height=bar.to_string()>
                        <title>{format!("{label}: {}", shown(*value))}</title>
                    </rect>
                }
            })
            .collect_view();
        let first = rows
            .first()
            .map(|(label, _)| label.clone())
            .unwrap_or_default();
        let last = rows
            .last()
            .map(|(label, _)| label.clone())
            .unwrap_or_default();
        view! {
            <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-labelledby=title_id.clone()>
                {bars}
                <text x="0" y=(height - 4).to_string() class="chart-label">{first}</text>
                <text x=width.to_string() y=(height - 4).to_string() text-anchor="end" class="chart-label">{last}</text>
            </svg>
        }
        .into_any()
    } else {
        let row_height = 28u64;
        let height = row_height * rows.len() as u64;
        let bars = rows
            .iter()
            .enumerate()
            .map(|(index, (label, value))| {
                let y = index as u64 * row_height;
                let width = value * 380 / largest;
                view! {
                    <text x="0" y=(y + 18).to_string() class="chart-label">{label.clone()}</text>
                    <rect class="chart-bar" x="160" y=(y + 4).to_string() width=width.max(1).to_string() height="18">
                        <title>{format!("{label}: {}", shown(*value))}</title>
                    </rect>
                    <text x=(164 + width).to_string() y=(y + 18).to_string() class="chart-value">{shown(*value)}</text>
                }
            })
            .collect_view();
        view! {
            <svg class="chart" viewBox=format!("0 0 640 {height}") role="img" aria-labelledby=title_id.clone()>
                {bars}
            </svg>
        }
        .into_any()
    };
    let table_rows = rows
        .iter()
        .map(|(label, value)| view! { <tr><th scope="row">{label.clone()}</th><td>{shown(*value)}</td></tr> })
        .collect_view();
    view! {
        <section class="figure" id=id>
            <h2 id=title_id>{title}</h2>
            {chart}
            <details>
                <summary>{m.figure_numbers}</summary>
                <table class="admin-table">
                    <tbody>{table_rows}</tbody>
                </table>
            </details>
        </section>
    }
}
