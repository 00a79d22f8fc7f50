//! Catching up with what webhooks missed: every few minutes, Stripe is asked about card gifts
//! still pending whose checkout is older than a few minutes, and (each about once a day) about
//! monthly gifts' paid invoices, and what it says is applied by the same code as a webhook (so a
//! webhook arriving later changes nothing). Changes that wait for their payment are tried again
//! too, after asking Stripe which payment intent paid the months not linked to one yet.
//! Whatever was asked is asked again only after the rest: no row holds its place for ever.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::donations::Donations;
use crate::payment::Payments;
use sharecare_db::{Database, DbError, EventOutcome};
use sharecare_domain::time::Timestamp;

/// At most this many gifts are asked about in one sweep.
const PER_SWEEP: i64 = 100;
/// An invoice is paid at most this long after it was made (Stripe's retries of a failed card
/// run for up to a month), so each ask reaches this far back before the last one.
const INVOICE_PAID_WITHIN: Duration = Duration::from_secs(40 * 86_400);

pub struct Reconciler {
    pub db: Database,
    pub donations: Arc<Donations>,
    pub payments: Arc<Payments>,
    /// A checkout younger than this is left to its webhook.
    pub after: Duration,
    /// Each monthly gift's paid invoices are asked about this often.
    pub invoices_every: Duration,
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    pub asked: usize,
    pub applied: usize,
}

impl Reconciler {
    /// Applies waiting changes, then asks Stripe about stale checkouts. Sets the lag gauge:
    /// the age of the oldest checkout the sweep had to ask about (0 when none).
    pub async fn sweep(&self, now: Timestamp) -> Result<Sweep, DbError> {
        let mut sweep = Sweep::default();
        self.donations.apply_waiting_changes().await?;
        if self.db.count_waiting_changes().await? > 0 {
            self.donations.link_monthly_payments(now).await?;
        }
        let Some(stripe) = self.payments.stripe() else {
            metrics::gauge!("sharecare_reconciliation_lag_seconds").set(0.0);
            return Ok(sweep);
        };
        let before = now.minus(self.after);
        let stale = self.db.stale_checkouts(before, PER_SWEEP).await?;
        let lag = stale
            .iter()
            .map(|(_, created_at)| now.since(*created_at))
            .max()
            .unwrap_or_default();
        metrics::gauge!("sharecare_reconciliation_lag_seconds").set(lag.as_secs_f64());
        for (session_id, _) in stale {
            sweep.asked += 1;
            match stripe.session_news(&session_id).await {
                Ok(Some(event)) => {
                    self.donations.apply_provider_event(&event).await?;
                    sweep.applied += 1;
                }
                Ok(None) => {}
                Err(error) => {
                    crate::warn_throttled!("reconcile", %error, "cannot ask Stripe about a checkout; the next sweep will");
                    break;
                }
            }
            self.db.mark_checkout_checked(&session_id, now).await?;
        }
        let subscriptions = self
            .db
            .subscriptions_to_sweep(
                now.minus(self.invoices_every),
                now.minus(INVOICE_PAID_WITHIN),
                PER_SWEEP,
            )
            .await?;
        for (donation_id, subscription_id, asked_through) in subscriptions {
            sweep.asked += 1;
            let since = asked_through.minus(INVOICE_PAID_WITHIN);
            match stripe.paid_invoice_news(&subscription_id, since).await {
                Ok(events) => {
                    for event in events {
                        if let EventOutcome::Applied { changed: true } =
                            self.donations.apply_provider_event(&event).await?
                        {
                            sweep.applied += 1;
                        }
                    }
                }
                Err(error) => {
                    crate::warn_throttled!("reconcile", %error, "cannot ask Stripe about a subscription's invoices; the next sweep will");
                    break;
                }
            }
            self.db.mark_invoices_swept(&donation_id, now).await?;
        }
        if sweep.applied > 0 {
            tracing::info!(
                asked = sweep.asked,
                applied = sweep.applied,
                "reconciliation applied what webhooks missed"
            );
        }
        Ok(sweep)
    }

    pub async fn run(self: Arc<Self>, every: Duration, mut stopping: watch::Receiver<bool>) {
        // The first tick is at once: a start (after downtime, a deploy) catches up first.
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(error) = self.sweep(Timestamp::now()).await {
                        crate::warn_throttled!("reconcile", %error, "the reconciliation sweep failed; it runs again later");
                    }
                }
                _ = stopping.changed() => return,
            }
        }
    }
}
