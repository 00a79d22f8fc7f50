//! Money that reaches the bank (transfers, cheques, cash): several payments per pledge, what
//! of a pledge has arrived, and what staff do afterwards — refund through the bank, undo a
//! confirmation or a mis-applied statement line, record a bounced cheque.

use super::audit::{write_audit, AuditEntry};
use super::payments::{record_payment, NewPayment, RECEIVED_OF_DONATION};
use super::tax_receipts::reissue_receipts;
use super::{non_negative, to_column, Database, DbError};
use sharecare_domain::time::Timestamp;

/// How offline money arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineMethod {
    Transfer,
    Cheque,
    Cash,
}

impl OfflineMethod {
    pub const ALL: [OfflineMethod; 3] = [
        OfflineMethod::Transfer,
        OfflineMethod::Cheque,
        OfflineMethod::Cash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OfflineMethod::Transfer => "transfer",
            OfflineMethod::Cheque => "cheque",
            OfflineMethod::Cash => "cash",
        }
    }

    pub fn parse(value: &str) -> Option<OfflineMethod> {
        OfflineMethod::ALL
            .into_iter()
            .find(|method| method.as_str() == value)
    }
}

/// What staff recorded beside the payment itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineDetails {
    pub method: OfflineMethod,
    pub cheque_number: Option<String>,
    /// The statement line it was seen on (applied once, with the payment).
    pub statement_line: Option<String>,
    /// A monthly gift's second payment in one Hong Kong month: recorded and shown to staff.
    pub second_in_month: bool,
}

/// An offline payment no statement line has been matched to yet (confirmed by hand, or a
/// cheque): a line for the same money is "already recorded", not a new payment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnlinkedPayment {
    pub payment_id: String,
    pub donation_id: String,
    pub amount_minor: i64,
    pub paid_at: Timestamp,
}

/// An offline payment as the donation's page offers actions on it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfflinePayment {
    pub id: String,
    pub donation_id: String,
    pub source_id: String,
    pub amount_minor: i64,
    pub refunded_minor: i64,
    pub method: Option<String>,
    pub cheque_number: Option<String>,
    pub confirmed_at: Option<Timestamp>,
    pub voided_at: Option<Timestamp>,
    pub void_reason: Option<String>,
    pub flag: Option<String>,
    pub paid_at: Timestamp,
    /// The statement line it was applied from, if any.
    pub statement_line: Option<String>,
}

const OFFLINE_COLUMNS: &str = "p.id, p.donation_id, p.source_id, p.amount_minor, \
     p.refunded_minor, p.method, p.cheque_number, p.confirmed_at, p.voided_at, p.void_reason, \
     p.flag, p.paid_at, (SELECT l.id FROM statement_lines l WHERE l.payment_id = p.id) \
     AS statement_line";

impl Database {
    /// Records a payment staff confirmed (a transfer from a statement line or by hand, a
    /// cheque, cash) with its audit entry, at once. With a statement line, the line is marked
    /// as applied by this payment in the same transaction, and only if it was open. Returns
    /// whether the payment was recorded.
    pub async fn record_offline_payment(
        &self,
        payment: &NewPayment,
        details: &OfflineDetails,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        if !record_payment(&mut tx, payment).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE payments SET method = $1, cheque_number = $2, confirmed_at = $3, flag = $4 \
             WHERE id = $5",
        )
        .bind(details.method.as_str())
        .bind(&details.cheque_number)
        .bind(now)
        .bind(details.second_in_month.then_some("second_in_month"))
        .bind(&payment.id)
        .execute(&mut *tx)
        .await?;
        if let Some(line) = &details.statement_line {
            let applied = sqlx::query(
                "UPDATE statement_lines SET payment_id = $1, donation_id = $2, handled_by = $3 \
                 WHERE id = $4 AND payment_id IS NULL AND ignored_at IS NULL",
            )
            .bind(&payment.id)
            .bind(&payment.donation_id)
            .bind(&audit.actor.email)
            .bind(line)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !applied {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// What of an offline gift has arrived: its payments less refunds, voided ones excluded.
    pub async fn offline_received(&self, donation_id: &str) -> Result<u64, DbError> {
        let received: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT {RECEIVED_OF_DONATION} FROM donations WHERE id = $1"
        ))
        .bind(donation_id)
        .fetch_optional(&self.pool)
        .await?;
        let received = received.map_or(0, |(received,)| received);
        Ok(non_negative("payments", "amount_minor", received)?)
    }

    /// How many payments (not voided) a gift has between two moments (a Hong Kong month).
    pub async fn payments_between(
        &self,
        donation_id: &str,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<u64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE donation_id = $1 \
             AND voided_at IS NULL AND paid_at >= $2 AND paid_at < $3",
        )
        .bind(donation_id)
        .bind(from)
        .bind(until)
        .fetch_one(&self.pool)
        .await?;
        Ok(non_negative("payments", "count", count)?)
    }

    /// Offline payments since `since` that no statement line was applied to, oldest first.
    pub async fn unlinked_offline_payments(
        &self,
        since: Timestamp,
    ) -> Result<Vec<UnlinkedPayment>, DbError> {
        Ok(sqlx::query_as(
            "SELECT p.id AS payment_id, p.donation_id, p.amount_minor, p.paid_at \
             FROM payments p WHERE p.method IS NOT NULL AND p.voided_at IS NULL \
             AND p.paid_at >= $1 AND NOT EXISTS \
             (SELECT 1 FROM statement_lines l WHERE l.payment_id = p.id) \
             ORDER BY p.paid_at, p.id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A donation's offline payments, oldest first.
    pub async fn offline_payments(
        &self,
        donation_id: &str,
    ) -> Result<Vec<OfflinePayment>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {OFFLINE_COLUMNS} FROM payments p WHERE p.donation_id = $1 \
             AND p.method IS NOT NULL ORDER BY p.paid_at, p.id"
        ))
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn offline_payment(&self, id: &str) -> Result<Option<OfflinePayment>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {OFFLINE_COLUMNS} FROM payments p WHERE p.id = $1 AND p.method IS NOT NULL"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Marks a statement line as the bank's record of a payment already recorded (confirmed
    /// by hand before the statement came); `false` if the line or the payment was matched
    /// already.
    pub async fn link_statement_line(
        &self,
        line_id: &str,
        payment_id: &str,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let linked = sqlx::query(
            "UPDATE statement_lines SET payment_id = $1, \
             donation_id = (SELECT donation_id FROM payments WHERE id = $1), handled_by = $2 \
             WHERE id = $3 AND payment_id IS NULL AND ignored_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM statement_lines o WHERE o.payment_id = $1)",
        )
        .bind(payment_id)
        .bind(&audit.actor.email)
        .bind(line_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !linked {
            tx.rollback().await?;
            return Ok(false);
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Money the charity returned through the bank: the payment's refunded amount grows by
    /// `amount`, its receipt is voided and one for what remains issued, with the audit entry,
    /// at once. `false` if the payment is voided or `amount` is more than remains.
    pub async fn refund_offline_payment(
        &self,
        payment_id: &str,
        amount_minor: u64,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let source: Option<(String,)> = sqlx::query_as(
            "UPDATE payments SET refunded_minor = refunded_minor + $1 WHERE id = $2 \
             AND method IS NOT NULL AND voided_at IS NULL \
             AND amount_minor - refunded_minor - disputed_minor >= $1 RETURNING source_id",
        )
        .bind(to_column(amount_minor))
        .bind(payment_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((source_id,)) = source else {
            tx.rollback().await?;
            return Ok(false);
        };
        reissue_receipts(&mut tx, &source_id, "refunded through the bank", now).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A payment that was not one (applied to the wrong pledge, a cheque that bounced): none
    /// of it counts any more, its receipt is void, the statement line it came from is open
    /// again, and a pledge left with no payment waits again. `false` if it was voided already.
    pub async fn void_offline_payment(
        &self,
        payment_id: &str,
        reason: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let voided: Option<(String, String)> = sqlx::query_as(
            "UPDATE payments SET voided_at = $1, void_reason = $2, refunded_minor = amount_minor \
             WHERE id = $3 AND method IS NOT NULL AND voided_at IS NULL \
             RETURNING source_id, donation_id",
        )
        .bind(now)
        .bind(reason)
        .bind(payment_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((source_id, donation_id)) = voided else {
            tx.rollback().await?;
            return Ok(false);
        };
        reissue_receipts(&mut tx, &source_id, reason, now).await?;
        // The source id is freed, so the same statement line can be applied to the right
        // pledge (a payment's source id is unique).
        sqlx::query("UPDATE payments SET source_id = source_id || ':void:' || id WHERE id = $1")
            .bind(payment_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE statement_lines SET payment_id = NULL, donation_id = NULL, handled_by = NULL \
             WHERE payment_id = $1",
        )
        .bind(payment_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE donations SET status = 'pending', paid_at = NULL WHERE id = $1 \
             AND status = 'paid' AND NOT EXISTS (SELECT 1 FROM payments p \
             WHERE p.donation_id = $1 AND p.voided_at IS NULL)",
        )
        .bind(&donation_id)
        .execute(&mut *tx)
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
