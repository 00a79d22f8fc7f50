//! Taking and confirming gifts: the rules that sit between the donation form, the database and
//! the live campaign progress.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use tokio::sync::watch;

use crate::content::Content;
use crate::domain::donation::{
    DonationRequest, DonationStatus, FormToken, Receipt, Reference, StatusError, Transition,
};
use crate::domain::Locale;
use crate::server::db::NewPayment;
use crate::server::db::{consent, Database, DbError, DonationRow, Inserted, NewDonation};

/// The campaign's progress as the home page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paid gifts on this site plus gifts received offline (content), in minor units.
    pub raised_minor: u64,
    pub supporters: u64,
    pub goal_minor: u64,
}

impl Progress {
    /// Whole percent of the goal reached, capped at 100 for the bar.
    pub fn percent(self) -> u64 {
        if self.goal_minor == 0 {
            return 100;
        }
        (u128::from(self.raised_minor) * 100 / u128::from(self.goal_minor)).min(100) as u64
    }
}

/// Why a donation could not be marked paid.
#[derive(Debug, thiserror::Error)]
pub enum MarkPaidError {
    #[error("no donation has that reference")]
    NotFound,
    #[error("the donation is {}, so it cannot be marked paid", .0.as_str())]
    Closed(DonationStatus),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Donations and the progress they add up to.
pub struct Donations {
    db: Database,
    content: Arc<Content>,
    progress: watch::Sender<Progress>,
    receipts_due: Arc<tokio::sync::Notify>,
}

impl Donations {
    /// Reads the current totals so the first page served already shows them.
    pub async fn new(db: Database, content: Arc<Content>) -> Result<Donations, DbError> {
        let initial = progress_from(&content, db.paid_totals().await?);
        let (progress, _) = watch::channel(initial);
        Ok(Donations {
            db,
            content,
            progress,
            receipts_due: Arc::new(tokio::sync::Notify::new()),
        })
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// A fresh idempotency token for a donation form.
    pub fn new_form_token() -> FormToken {
        FormToken::parse(&random_hex::<16>()).expect("32 hex digits make a token")
    }

    /// Stores a checked gift once per form token: the same token again returns the donation
    /// it already made. Transient database failures (a locked SQLite file, a dropped
    /// PostgreSQL connection) are retried; that is safe because the insert is idempotent.
    pub async fn record(
        &self,
        request: &DonationRequest,
        locale: Locale,
    ) -> Result<DonationRow, DbError> {
        const BACKOFF: [Duration; 3] = [
            Duration::from_millis(50),
            Duration::from_millis(200),
            Duration::from_millis(800),
        ];
        let mut attempt = 0;
        loop {
            let new = self.new_donation(request, locale);
            match self.db.insert_donation(&new).await {
                Ok(Inserted::Created(row)) => return Ok(row),
                Ok(Inserted::Existing(row)) => return self.switch_method(row, &new).await,
                // The random reference clashed with another gift's: draw another at once.
                Err(error) if error.is_unique_violation() && attempt < BACKOFF.len() => {}
                Err(error) if error.is_transient() && attempt < BACKOFF.len() => {
                    tracing::warn!(%error, attempt, "storing a donation failed; retrying");
                    tokio::time::sleep(BACKOFF[attempt]).await;
                }
                Err(error) => return Err(error),
            }
            attempt += 1;
        }
    }

    /// The same form sent again with the other payment method (say, transfer after the card
    /// service failed): a donation nobody has paid yet follows the donor's latest choice.
    async fn switch_method(
        &self,
        row: DonationRow,
        new: &NewDonation,
    ) -> Result<DonationRow, DbError> {
        if row.payment_method == new.payment_method || row.status != "pending" {
            return Ok(row);
        }
        self.db
            .set_payment_method(&row.id, &new.payment_method)
            .await?;
        Ok(self.db.donation_by_id(&row.id).await?.unwrap_or(row))
    }

    fn new_donation(&self, request: &DonationRequest, locale: Locale) -> NewDonation {
        let now = now_millis();
        let (donor_name, receipt_name) = match &request.receipt {
            Receipt::InOtherName(name) => (request.name.clone(), Some(name.clone())),
            Receipt::InDonorName | Receipt::NoReceipt => (request.name.clone(), None),
        };
        NewDonation {
            id: random_hex::<16>(),
            reference: Reference::from_random(rand::rng().random())
                .as_str()
                .to_string(),
            idempotency_key: request.token.as_str().to_string(),
            access_key: random_hex::<16>(),
            amount_minor: i64::try_from(request.amount.minor)
                .expect("amounts are capped by content far below i64::MAX"),
            currency: request.amount.currency.code().to_string(),
            frequency: request.frequency.as_str().to_string(),
            payment_method: request.payment_method.as_str().to_string(),
            email: request.email.as_str().to_string(),
            email_key: request.email.normalized(),
            donor_name: donor_name.map(|n| n.as_str().to_string()),
            receipt: request.receipt.code().to_string(),
            receipt_name: receipt_name.map(|n| n.as_str().to_string()),
            marketing_consent: consent(request.marketing_opt_in),
            consent_recorded_at: now,
            locale: locale.code().to_string(),
            referral_code: request.referral.as_ref().map(|r| r.as_str().to_string()),
            created_at: now,
        }
    }

    /// The donation behind a thank-you link, only if the link's secret matches.
    pub async fn find_for_donor(
        &self,
        reference: &Reference,
        access_key: &str,
    ) -> Result<Option<DonationRow>, DbError> {
        let row = self.db.donation_by_reference(reference.as_str()).await?;
        Ok(row.filter(|row| constant_time_eq(row.access_key.as_bytes(), access_key.as_bytes())))
    }

    /// Confirms that an offline gift's money arrived (staff, from the admin pages to come):
    /// records the payment and queues the receipt. Confirming twice is harmless; a failed or
    /// cancelled gift cannot be confirmed.
    pub async fn mark_paid(&self, reference: &Reference) -> Result<Transition, MarkPaidError> {
        let row = self
            .db
            .donation_by_reference(reference.as_str())
            .await?
            .ok_or(MarkPaidError::NotFound)?;
        let status = DonationStatus::parse(&row.status).ok_or(MarkPaidError::NotFound)?;
        match status.mark_paid() {
            Err(StatusError::Closed(status)) => Err(MarkPaidError::Closed(status)),
            Ok(Transition::Unchanged) => Ok(Transition::Unchanged),
            Ok(Transition::Changed) => {
                // One offline payment per donation: the source id makes a second
                // confirmation (even a concurrent one) record nothing.
                let payment = self.payment_for(&row, format!("offline:{}", row.reference));
                if self.db.record_confirmed_payment(&payment).await? {
                    tracing::info!(reference = reference.as_str(), "donation marked paid");
                    self.payment_recorded().await;
                    Ok(Transition::Changed)
                } else {
                    Ok(Transition::Unchanged)
                }
            }
        }
    }

    /// A payment of the donation's full amount from `source_id`, with a receipt unless the
    /// donor asked for none.
    pub fn payment_for(&self, donation: &DonationRow, source_id: String) -> NewPayment {
        NewPayment {
            id: random_hex::<16>(),
            donation_id: donation.id.clone(),
            source_id,
            payment_intent_id: None,
            amount_minor: donation.amount_minor,
            currency: donation.currency.clone(),
            paid_at: now_millis(),
            subscription_id: None,
            receipt_id: (donation.receipt != Receipt::NoReceipt.code()).then(random_hex::<16>),
        }
    }

    /// After a payment is stored: totals move at once and the receipt worker wakes.
    pub async fn payment_recorded(&self) {
        self.receipts_due.notify_one();
        if let Err(error) = self.refresh_progress().await {
            tracing::warn!(%error, "cannot refresh campaign progress");
        }
    }

    /// Woken whenever a receipt is queued on this instance (the receipt worker waits on it).
    pub fn receipts_due(&self) -> Arc<tokio::sync::Notify> {
        self.receipts_due.clone()
    }

    /// The latest progress, without touching the database.
    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Progress as it changes (the live-progress stream).
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Re-reads the totals from the database; subscribers hear only of real changes.
    pub async fn refresh_progress(&self) -> Result<(), DbError> {
        let latest = progress_from(&self.content, self.db.paid_totals().await?);
        self.progress.send_if_modified(|current| {
            let changed = *current != latest;
            *current = latest;
            changed
        });
        Ok(())
    }
}

fn progress_from(content: &Content, totals: crate::server::db::PaidTotals) -> Progress {
    let giving = &content.giving;
    Progress {
        raised_minor: giving.offline_raised_minor_units
            + u64::try_from(totals.raised_minor).unwrap_or(0),
        supporters: giving.offline_supporters + u64::try_from(totals.supporters).unwrap_or(0),
        goal_minor: content.organisation.goal_minor_units,
    }
}

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// `N` random bytes as lowercase hex, from the operating system's CSPRNG (via `rand`).
pub fn random_hex<const N: usize>() -> String {
    let bytes: [u8; N] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets without an early exit, so timing does not reveal how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_capped_whole_percent() {
        let progress = |raised_minor| Progress {
            raised_minor,
            supporters: 0,
            goal_minor: 1_000,
        };
        assert_eq!(progress(0).percent(), 0);
        assert_eq!(progress(999).percent(), 99);
        assert_eq!(progress(1_000).percent(), 100);
        assert_eq!(progress(5_000).percent(), 100);
        assert_eq!(progress(u64::MAX).percent(), 100);
    }

    #[test]
    fn tokens_and_keys_are_random_hex() {
        let a = Donations::new_form_token();
        let b = Donations::new_form_token();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
