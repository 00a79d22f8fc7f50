//! Donors looking after their own gifts: sign-in codes and links (kept as keyed hashes), the
//! changes they ask for on monthly gifts, the receipt name and news consent they set, what they
//! tell the charity, and everything held about them (to download). Deleting it is
//! `personal_data`'s, built from the list of personal columns.

use super::donations::{DonationRow, DONATION_COLUMNS};
use super::{Database, DbError};
use sharecare_domain::donation::Donation;
use sharecare_domain::donor::Receipt;
use sharecare_domain::time::Timestamp;

/// Wrong codes a sign-in survives: the fifth burns it (a guesser gets 5 tries per code sent,
/// and a new code voids the last).
pub const SIGN_IN_WRONG_TRIES: i64 = 5;

/// A sign-in about to be stored: the hashes of its code and link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignIn {
    pub id: String,
    pub email_key: String,
    pub code_hash: String,
    pub link_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A change a donor asked for on a monthly gift.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GiftChange {
    pub id: String,
    pub donation_id: String,
    /// `pause`, `resume`, `amount`, `day`, `cancel`, `card`.
    pub kind: String,
    /// What it asked for (ms for a date, minor units for an amount, a reason for a cancel).
    pub detail: Option<String>,
    pub requested_at: Timestamp,
    pub error: Option<String>,
    pub confirmed_at: Option<Timestamp>,
}

/// What a donor's download shows of a gift beyond the gift itself: why it ended, how each
/// payment came, and the bank's lines for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GiftParticulars {
    /// The reason the donor gave when they stopped a monthly gift.
    pub ended_reason: Option<String>,
    /// Per payment (by id): how the money came (`transfer`, `cheque`, `cash`; none for a card)
    /// and the cheque's number.
    pub payments: Vec<(String, Option<String>, Option<String>)>,
    /// The bank statement's lines for the gift: booked on, amount in minor units, the bank's
    /// text.
    pub statement_lines: Vec<(String, i64, String)>,
}

/// A consent given or withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ConsentEvent {
    pub consent: String,
    pub at: Timestamp,
    pub source: String,
}

impl Database {
    /// Stores a new sign-in and voids the email's earlier ones, in one transaction: only the
    /// newest code (and link) works, so guesses are against one code, not several.
    pub async fn insert_sign_in(&self, sign_in: &NewSignIn) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE donor_sign_ins SET used_at = $1 WHERE email_key = $2 AND used_at IS NULL",
        )
        .bind(sign_in.created_at)
        .bind(&sign_in.email_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO donor_sign_ins (id, email_key, code_hash, link_hash, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&sign_in.id)
        .bind(&sign_in.email_key)
        .bind(&sign_in.code_hash)
        .bind(&sign_in.link_hash)
        .bind(sign_in.created_at)
        .bind(sign_in.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a sign-in by its code: the newest unused, unexpired one of this email whose code
    /// hash matches. Its use is recorded in the same statement, so a code works once. A wrong
    /// code counts against the email's live sign-in, which dies at the
    /// `SIGN_IN_WRONG_TRIES`th.
    pub async fn use_sign_in_code(
        &self,
        email_key: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let used = sqlx::query(
            "UPDATE donor_sign_ins SET used_at = $1 WHERE id = (SELECT id FROM donor_sign_ins \
             WHERE email_key = $2 AND code_hash = $3 AND used_at IS NULL AND expires_at > $1 \
             ORDER BY created_at DESC LIMIT 1) AND used_at IS NULL",
        )
        .bind(now)
        .bind(email_key)
        .bind(code_hash)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if !used {
            sqlx::query(
                "UPDATE donor_sign_ins SET wrong_tries = wrong_tries + 1, \
                 used_at = CASE WHEN wrong_tries + 1 >= $1 THEN $2 ELSE used_at END \
                 WHERE email_key = $3 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(SIGN_IN_WRONG_TRIES)
            .bind(now)
            .bind(email_key)
            .execute(&self.pool)
            .await?;
        }
        Ok(used)
    }

    /// Uses a sign-in by its link; the email it was for.
    pub async fn use_sign_in_link(
        &self,
        link_hash: &str,
        now: Timestamp,
    ) -> Result<Option<String>, DbError> {
        let row: Option<(String,)> = sqlx::query_as(
            "UPDATE donor_sign_ins SET used_at = $1 WHERE link_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING email_key",
        )
        .bind(now)
        .bind(link_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(email_key,)| email_key))
    }

    /// Forgets sign-ins that expired before `before`.
    pub async fn delete_old_sign_ins(&self, before: Timestamp) -> Result<u64, DbError> {
        Ok(
            sqlx::query("DELETE FROM donor_sign_ins WHERE expires_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// Whether anyone gave with this email.
    pub async fn has_gifts(&self, email_key: &str) -> Result<bool, DbError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT id FROM donations WHERE email_key = $1 LIMIT 1")
                .bind(email_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Stores a donor's request once per id; `false` if the same request came before.
    pub async fn insert_gift_change(&self, change: &GiftChange) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "INSERT INTO gift_changes (id, donation_id, kind, detail, requested_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&change.id)
        .bind(&change.donation_id)
        .bind(&change.kind)
        .bind(&change.detail)
        .bind(change.requested_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn set_gift_change_error(&self, id: &str, error: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE gift_changes SET error = $1 WHERE id = $2")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A donation's requested changes, newest first.
    pub async fn gift_changes(&self, donation_id: &str) -> Result<Vec<GiftChange>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, donation_id, kind, detail, requested_at, error, confirmed_at \
             FROM gift_changes WHERE donation_id = $1 ORDER BY requested_at DESC, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The receipt choice for every future receipt of a donor's gift, all four of its columns
    /// at once: a company's mark and number go when the donor chooses a person's name.
    pub async fn set_receipt(&self, donation_id: &str, receipt: &Receipt) -> Result<(), DbError> {
        let (code, name, holder, registration) = super::donations::receipt_columns(receipt);
        sqlx::query(
            "UPDATE donations SET receipt = $1, receipt_name = $2, receipt_holder = $3, \
             company_registration = $4 WHERE id = $5",
        )
        .bind(code)
        .bind(name)
        .bind(holder)
        .bind(registration)
        .bind(donation_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A donor's answer about news by email, on all their gifts, with its history.
    pub async fn set_consent(
        &self,
        email_key: &str,
        given: bool,
        now: Timestamp,
        source: &str,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let value = if given { "given" } else { "declined" };
        sqlx::query(
            "UPDATE donations SET marketing_consent = $1, consent_recorded_at = $2 \
             WHERE email_key = $3",
        )
        .bind(value)
        .bind(now)
        .bind(email_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO consent_events (id, email_key, consent, at, source) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sharecare_domain::secrets::random_hex::<16>())
        .bind(email_key)
        .bind(if given { "given" } else { "withdrawn" })
        .bind(now)
        .bind(source)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn consent_history(&self, email_key: &str) -> Result<Vec<ConsentEvent>, DbError> {
        Ok(sqlx::query_as(
            "SELECT consent, at, source FROM consent_events WHERE email_key = $1 ORDER BY at, id",
        )
        .bind(email_key)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn insert_donor_message(
        &self,
        donation_id: &str,
        email_key: &str,
        message: &str,
        now: Timestamp,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO donor_messages (id, donation_id, email_key, message, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sharecare_domain::secrets::random_hex::<16>())
        .bind(donation_id)
        .bind(email_key)
        .bind(message)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A donor's messages to the charity (gift reference, text, when), oldest first.
    pub async fn donor_messages(
        &self,
        email_key: &str,
    ) -> Result<Vec<(Option<String>, String, Timestamp)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT d.reference, m.message, m.created_at FROM donor_messages m \
             LEFT JOIN donations d ON d.id = m.donation_id WHERE m.email_key = $1 \
             ORDER BY m.created_at, m.id",
        )
        .bind(email_key)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A gift's particulars for its donor's download.
    pub async fn gift_particulars(&self, donation_id: &str) -> Result<GiftParticulars, DbError> {
        let ended: Option<(Option<String>,)> =
            sqlx::query_as("SELECT ended_reason FROM donations WHERE id = $1")
                .bind(donation_id)
                .fetch_optional(&self.pool)
                .await?;
        let payments = sqlx::query_as(
            "SELECT id, method, cheque_number FROM payments WHERE donation_id = $1 \
             ORDER BY paid_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?;
        // A line is the gift's when it was applied to it, or to one of its payments.
        let statement_lines = sqlx::query_as(
            "SELECT booked_on, amount_minor, description FROM statement_lines \
             WHERE donation_id = $1 OR payment_id IN \
             (SELECT id FROM payments WHERE donation_id = $1) ORDER BY booked_on, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(GiftParticulars {
            ended_reason: ended.and_then(|(reason,)| reason),
            payments,
            statement_lines,
        })
    }

    /// Receipts' names kept past the tax law's period are cleared (the retention job).
    pub async fn clear_old_receipt_names(&self, paid_before: Timestamp) -> Result<u64, DbError> {
        Ok(sqlx::query(
            "UPDATE tax_receipts SET issued_to = NULL WHERE paid_at < $1 AND issued_to IS NOT NULL",
        )
        .bind(paid_before)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Donors (by email) who asked for receipts and have valid receipts made out to a name for
    /// gifts in `[from, to)`: who may get yearly summaries (whether they do, and how many, is
    /// the tax rules' business, on all their receipts).
    pub async fn donors_for_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT d.email_key FROM tax_receipts r JOIN donations d ON d.id = r.donation_id \
             WHERE r.voided_at IS NULL AND r.paid_at >= $1 AND r.paid_at < $2 \
             AND r.issued_to IS NOT NULL AND d.receipt <> 'none' ORDER BY d.email_key",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(email_key,)| email_key).collect())
    }

    /// A donor's gift by its reference, only if it is theirs.
    pub async fn donors_gift(
        &self,
        email_key: &str,
        reference: &str,
    ) -> Result<Option<Donation>, DbError> {
        let row: Option<DonationRow> = sqlx::query_as(&format!(
            "SELECT {DONATION_COLUMNS} FROM donations WHERE email_key = $1 AND reference = $2"
        ))
        .bind(email_key)
        .bind(reference)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Donation::try_from).transpose()?)
    }
}
