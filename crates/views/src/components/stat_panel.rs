use leptos::prelude::*;

use sharecare_content::i18n::{fill, t};
use sharecare_content::{Statistic, StatisticUnit};
use sharecare_domain::{number::format_count, Locale};

/// One key figure: the number as the reader's language says it, what it counts, and its source.
#[component]
pub fn StatPanel(stat: Statistic, locale: Locale) -> impl IntoView {
    let m = t(locale);
    let figure = match stat.unit {
        StatisticUnit::Count => format_count(stat.value, locale),
        StatisticUnit::Percent => format!("{}%", stat.value),
    };
    let source = fill(m.stat_source, &[("source", stat.source.get(locale))]);
    let source = match stat.source_url {
        Some(url) => view! { <a href=url rel="noopener">{source}</a> }.into_any(),
        None => source.into_any(),
    };
    view! {
        <li class="stat">
            <p class="stat-figure">
                {stat.more_than.then(|| view! { <span class="stat-qualifier">{m.stat_more_than}</span>" " })}
                <strong>{figure}</strong>
            </p>
            <p class="stat-label">{stat.label.get(locale).clone()}</p>
            <p class="stat-source">{source}</p>
        </li>
    }
}
