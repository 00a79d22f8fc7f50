//! What staff read and do in the admin: donations filtered, sorted and paged (and streamed for
//! export, `listing`), one donation's whole history, the exceptions queue and its resolutions
//! (`queue`), payments staff confirm, refunds staff request, and the figures on the dashboard
//! (`figures`).

mod figures;
mod listing;
mod queue;

pub use figures::{Breakdown, Bucket, DonorLoyalty};
pub use listing::{AdminDonation, DonationFilter, FilteredTotals};
pub use queue::QueueItem;

use sharecare_domain::time::Timestamp;

use super::audit::{write_audit, AuditEntry};
use super::{to_column, Database, DbError};

/// A provider event in a donation's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRecord {
    pub event_id: String,
    pub provider: String,
    pub event_type: String,
    pub received_at: Timestamp,
}

/// A receipt in a donation's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRecord {
    pub id: String,
    pub created_at: Timestamp,
    pub attempts: i64,
    pub sent_at: Option<Timestamp>,
    pub logged_at: Option<Timestamp>,
    pub failed_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// A refund staff asked the provider for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRequestRecord {
    pub id: String,
    pub payment_id: String,
    pub amount_minor: i64,
    pub requested_by: String,
    pub requested_at: Timestamp,
    pub provider_refund_id: Option<String>,
    pub error: Option<String>,
}

/// A refund about to be asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefundRequest {
    pub id: String,
    pub donation_id: String,
    pub payment_id: String,
    pub amount_minor: u64,
    pub requested_by: String,
    pub requested_at: Timestamp,
}

impl Database {
    /// The provider events about a donation, oldest first.
    pub async fn events_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<EventRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT event_id, provider, event_type, received_at FROM provider_events \
             WHERE donation_id = $1 ORDER BY received_at, event_id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A donation's receipts, oldest first.
    pub async fn receipts_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<ReceiptRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, created_at, attempts, sent_at, logged_at, failed_at, last_error \
             FROM outbox WHERE donation_id = $1 ORDER BY created_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The refunds staff asked for on a donation, oldest first.
    pub async fn refund_requests_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<RefundRequestRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, payment_id, amount_minor, requested_by, requested_at, \
             provider_refund_id, error FROM refund_requests WHERE donation_id = $1 \
             ORDER BY requested_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a refund request once per id (a double submit of the form finds it); `false`
    /// when the id was already stored.
    pub async fn insert_refund_request(
        &self,
        request: &NewRefundRequest,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO refund_requests (id, donation_id, payment_id, amount_minor, \
             requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&request.id)
        .bind(&request.donation_id)
        .bind(&request.payment_id)
        .bind(to_column(request.amount_minor))
        .bind(&request.requested_by)
        .bind(request.requested_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// What the provider answered a refund request.
    pub async fn set_refund_result(
        &self,
        id: &str,
        provider_refund_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE refund_requests SET provider_refund_id = $1, error = $2 WHERE id = $3")
            .bind(provider_refund_id)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The refund request with this id, if stored.
    pub async fn refund_request(&self, id: &str) -> Result<Option<RefundRequestRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, payment_id, amount_minor, requested_by, requested_at, \
             provider_refund_id, error FROM refund_requests WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
