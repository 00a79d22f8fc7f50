//! The donors' background work: queueing yearly summaries, and forgetting what is kept no
//! longer (run by the retention job).

use super::Donors;
use crate::receipts::tax_rules::TaxRules;
use sharecare_db::DbError;
use std::time::Duration;

use sharecare_domain::time::{tax_year_bounds, Timestamp};

impl Donors {
    /// In April to June, queues the yearly summaries of the tax year that just ended for each
    /// donor who asked for receipts: one per holder of their receipts (the person, the company,
    /// another person named) whose year qualifies under the tax rules. Run daily: a second run
    /// (and a second instance) queues nothing new. Returns how many were queued.
    pub async fn queue_yearly_summaries(&self, now: Timestamp) -> Result<u64, DbError> {
        let (year, month, _) = now.hong_kong_date();
        if !(4..=6).contains(&month) {
            return Ok(0);
        }
        let year_start = year - 1;
        let (from, to) = tax_year_bounds(year_start);
        let rules = TaxRules::of(&self.content);
        let mut queued = 0;
        for email_key in self.db.donors_for_summary(from, to).await? {
            let receipts = self.db.receipts_of_donor(&email_key).await?;
            for summary in rules.summaries(&receipts, year_start) {
                if self
                    .db
                    .queue_yearly_summary(&email_key, year_start, &summary.first.id, now)
                    .await?
                {
                    queued += 1;
                }
            }
        }
        if queued > 0 {
            tracing::info!(queued, year_start, "yearly summaries queued");
        }
        Ok(queued)
    }

    /// Forgets sign-ins long expired, and receipts' names past the tax law's period (the
    /// retention job).
    pub async fn forget_old(&self, now: Timestamp) -> Result<(), DbError> {
        self.db
            .delete_old_sign_ins(now.minus(Duration::from_secs(86_400)))
            .await?;
        let years = i64::from(self.content.privacy.tax_records_kept_years);
        let (this_year, _, _) = now.hong_kong_date();
        // Kept for `years` after the end of the tax year a gift belongs to.
        let (cutoff, _) = tax_year_bounds(this_year - years - 1);
        self.db.clear_old_receipt_names(cutoff).await?;
        Ok(())
    }
}
