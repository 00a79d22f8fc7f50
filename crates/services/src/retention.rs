//! Keeping only what the privacy notice says is kept: a job deletes pledges never paid once
//! they are older than the notice's period (content), forgets rate-limit counts whose window
//! has passed and donors' sign-ins long expired, and clears receipts' names once the tax law's
//! period (content) is over. The same hourly job queues April's yearly summaries (idempotent).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::donations::Donations;
use crate::donors::Donors;
use crate::limits::Limits;
use sharecare_db::{Database, DbError};
use sharecare_domain::time::Timestamp;

/// Counters older than this are of no use to any limit (the longest window is far shorter).
const KEEP_COUNTS_FOR: Duration = Duration::from_secs(24 * 3_600);

pub struct Retention {
    pub db: Database,
    pub donations: Arc<Donations>,
    pub limits: Arc<Limits>,
    pub donors: Arc<Donors>,
}

impl Retention {
    /// One sweep: what it deleted.
    pub async fn sweep(&self, now: Timestamp) -> Result<(u64, u64), DbError> {
        let pledges = self.donations.delete_old_pledges(now).await?;
        let counts = self.db.delete_old_hits(now.minus(KEEP_COUNTS_FOR)).await?;
        self.limits.forget_old();
        self.donors.forget_old(now).await?;
        // Only from April to June does this queue anything, once per donor and year.
        self.donors.queue_yearly_summaries(now).await?;
        if pledges > 0 {
            tracing::info!(
                pledges,
                "deleted unpaid pledges past the privacy notice's period"
            );
        }
        Ok((pledges, counts))
    }

    /// Sweeps at start and then every `every`, until `stopping` turns true.
    pub async fn run(self: Arc<Self>, every: Duration, mut stopping: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(error) = self.sweep(Timestamp::now()).await {
                        crate::warn_throttled!("retention", %error, "the retention sweep failed; it runs again later");
                    }
                }
                _ = stopping.changed() => return,
            }
        }
    }
}
