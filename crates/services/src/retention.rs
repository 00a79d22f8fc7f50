//! Keeping only what the privacy notice says is kept: a job deletes pledges never paid once
//! they are older than the notice's period (content), with what names them; forgets rate-limit
//! counts whose window has passed, expired sessions and donors' sign-ins long expired; takes
//! the text (payers' names) out of bank statements older than the notice's period (content);
//! and clears receipts' names once the tax law's period (content) is over. The same hourly job queues April's yearly summaries (idempotent).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::donations::Donations;
use crate::donors::Donors;
use crate::limits::Limits;
use sharecare_db::{Database, DbError, SessionTable};
use sharecare_domain::time::Timestamp;

/// Counters older than this are of no use to any limit (the longest window is far shorter).
const KEEP_COUNTS_FOR: Duration = Duration::from_secs(24 * 3_600);

pub struct Retention {
    pub db: Database,
    pub donations: Arc<Donations>,
    pub limits: Arc<Limits>,
    pub donors: Arc<Donors>,
}

/// What one sweep did: what it deleted, and the steps that failed (each runs on its own, so
/// one failing step never stops the others).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Unpaid pledges past the privacy notice's period, deleted with what hung on them.
    pub pledges: u64,
    /// Rate-limit counts past any window.
    pub counts: u64,
    /// Bank statement files past the notice's period, emptied.
    pub statement_files: u64,
    /// Their lines, whose text (the payer's name) was taken out.
    pub statement_lines: u64,
    /// The steps that failed this time (logged and counted); they run again next time.
    pub failed: Vec<&'static str>,
}

impl Retention {
    /// One sweep. Every step runs whatever became of the others: a step that fails is logged,
    /// counted (`sharecare_retention_failures_total{step}`) and named in the report.
    pub async fn sweep(&self, now: Timestamp) -> SweepReport {
        let mut report = SweepReport::default();
        match self.donations.delete_old_pledges(now).await {
            Ok(pledges) => report.pledges = pledges,
            Err(error) => failed(&mut report, "pledges", &error),
        }
        match self.db.delete_old_hits(now.minus(KEEP_COUNTS_FOR)).await {
            Ok(counts) => report.counts = counts,
            Err(error) => failed(&mut report, "rate_limit_counts", &error),
        }
        self.limits.forget_old();
        // Sessions past their expiry, staff's and donors' (nothing reads them, and a donor's
        // holds their email).
        for table in [SessionTable::Staff, SessionTable::Donor] {
            if let Err(error) = self.db.delete_expired_sessions(table, now.seconds()).await {
                failed(&mut report, "expired_sessions", &error);
            }
        }
        match self.donations.redact_old_statements(now).await {
            Ok((files, lines)) => (report.statement_files, report.statement_lines) = (files, lines),
            Err(error) => failed(&mut report, "statements", &error),
        }
        if let Err(error) = self.donors.forget_old(now).await {
            failed(&mut report, "sign_ins_and_receipt_names", &error);
        }
        // Only from April to June does this queue anything, once per donor and year.
        if let Err(error) = self.donors.queue_yearly_summaries(now).await {
            failed(&mut report, "yearly_summaries", &error);
        }
        if report.statement_files + report.statement_lines > 0 {
            tracing::info!(
                files = report.statement_files,
                lines = report.statement_lines,
                "took the text out of bank statements past the privacy notice's period"
            );
        }
        if report.pledges > 0 {
            tracing::info!(
                pledges = report.pledges,
                "deleted unpaid pledges past the privacy notice's period"
            );
        }
        report
    }

    /// Sweeps at start and then every `every`, until `stopping` turns true.
    pub async fn run(self: Arc<Self>, every: Duration, mut stopping: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    // Each step reports its own failure (see `sweep`).
                    self.sweep(Timestamp::now()).await;
                }
                _ = stopping.changed() => return,
            }
        }
    }
}

/// A step that failed: logged (once a minute per step at most) and counted.
fn failed(report: &mut SweepReport, step: &'static str, error: &DbError) {
    metrics::counter!("sharecare_retention_failures_total", "step" => step).increment(1);
    crate::warn_throttled!(step, %error, step, "a retention step failed; it runs again later");
    report.failed.push(step);
}
