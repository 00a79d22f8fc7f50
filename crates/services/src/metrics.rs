//! Prometheus metrics: counters and histograms recorded where things happen (requests, payments,
//! refunds, exceptions, receipts, rate-limit refusals, restarts), and gauges read from the
//! database when scraped (donations by status and method, the outbox's backlog, open
//! exceptions). Served on `METRICS_ADDR`, away from the public address.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use sharecare_db::{Database, DbError};

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once; several servers in one process share it).
pub fn install() -> Option<PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("duration_seconds".into()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    ],
                )
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::warn!(%error, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .clone()
}

/// Sets the gauges that are read from the database, then renders every metric.
pub async fn render(
    handle: &PrometheusHandle,
    db: &Database,
    open_streams: usize,
) -> Result<String, DbError> {
    for (status, method, count) in db.count_donations_by_status().await? {
        metrics::gauge!("sharecare_donations", "status" => status, "method" => method)
            .set(count as f64);
    }
    metrics::gauge!("sharecare_outbox_backlog").set(db.count_unsent_messages().await? as f64);
    metrics::gauge!("sharecare_outbox_parked").set(db.count_parked_messages().await? as f64);
    metrics::gauge!("sharecare_payment_exceptions_open")
        .set(db.count_open_exceptions().await? as f64);
    metrics::gauge!("sharecare_payment_events_waiting")
        .set(db.count_waiting_changes().await? as f64);
    metrics::gauge!("sharecare_open_streams").set(open_streams as f64);
    // Infinitely old when there has never been one: an alert on "older than two days" fires.
    let backup_age = db
        .newest_backup_at()
        .await?
        .map_or(f64::INFINITY, |newest| {
            sharecare_domain::time::Timestamp::now()
                .since(newest)
                .as_secs_f64()
        });
    metrics::gauge!("sharecare_last_backup_age_seconds").set(backup_age);
    Ok(handle.render())
}
