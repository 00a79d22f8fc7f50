//! Tax receipts: numbered per Hong Kong tax year without gaps, issued in the same transaction as
//! the payment they are for, and never edited. When what a payment is worth changes (a refund,
//! a dispute lost or won), its receipt is voided and a new one, with a new number, is issued for
//! what remains.

use super::{non_negative, to_column, Database, DbError, UnreadableRow};
use sharecare_domain::donor::{HolderKind, PersonName, Receipt};
use sharecare_domain::money::{Currency, Money};
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::{tax_year_of, Timestamp};

/// A tax receipt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxReceipt {
    pub id: String,
    /// The tax year, "2026-27".
    pub series: String,
    pub number: u64,
    pub payment_id: String,
    pub donation_id: String,
    pub amount: Money,
    /// When the gift was made.
    pub paid_at: Timestamp,
    pub issued_at: Timestamp,
    /// The name it is made out to (none: the donor gave no name).
    pub issued_to: Option<String>,
    /// Whether that name is a person's or a company's.
    pub holder_kind: HolderKind,
    pub voided_at: Option<Timestamp>,
    pub replaces_id: Option<String>,
    /// What the donor added towards card costs within the payment, as recorded with it (zero
    /// if nothing).
    pub fee: Money,
}

impl TaxReceipt {
    /// "2026-27/000123": what the receipt says and staff search for.
    pub fn number_text(&self) -> String {
        format!("{}/{:06}", self.series, self.number)
    }

    pub fn is_valid(&self) -> bool {
        self.voided_at.is_none()
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TaxReceiptRow {
    id: String,
    series: String,
    number: i64,
    payment_id: String,
    donation_id: String,
    amount_minor: i64,
    currency: String,
    paid_at: Timestamp,
    issued_at: Timestamp,
    issued_to: Option<String>,
    holder_kind: String,
    voided_at: Option<Timestamp>,
    replaces_id: Option<String>,
    fee_minor: i64,
}

/// A receipt's columns (as `r`), with its payment's fee.
pub(super) const RECEIPT_COLUMNS: &str = "r.id, r.series, r.number, r.payment_id, r.donation_id, \
     r.amount_minor, r.currency, r.paid_at, r.issued_at, r.issued_to, r.holder_kind, \
     r.voided_at, r.replaces_id, \
     COALESCE((SELECT p.fee_minor FROM payments p WHERE p.id = r.payment_id), 0) AS fee_minor";

impl TryFrom<TaxReceiptRow> for TaxReceipt {
    type Error = UnreadableRow;

    fn try_from(row: TaxReceiptRow) -> Result<TaxReceipt, UnreadableRow> {
        let currency = Currency::from_code(&row.currency).ok_or_else(|| {
            UnreadableRow::new(
                "tax_receipts",
                "currency",
                format!("unknown {:?}", row.currency),
            )
        })?;
        Ok(TaxReceipt {
            holder_kind: HolderKind::parse(&row.holder_kind).ok_or_else(|| {
                UnreadableRow::new(
                    "tax_receipts",
                    "holder_kind",
                    format!("unknown {:?}", row.holder_kind),
                )
            })?,
            fee: Money::new(
                non_negative("payments", "fee_minor", row.fee_minor)?,
                currency,
            ),
            number: non_negative("tax_receipts", "number", row.number)?,
            amount: Money::new(
                non_negative("tax_receipts", "amount_minor", row.amount_minor)?,
                currency,
            ),
            id: row.id,
            series: row.series,
            payment_id: row.payment_id,
            donation_id: row.donation_id,
            paid_at: row.paid_at,
            issued_at: row.issued_at,
            issued_to: row.issued_to,
            voided_at: row.voided_at,
            replaces_id: row.replaces_id,
        })
    }
}

/// Inside a transaction: issues the next receipt of the payment's tax year. The counter row is
/// updated in this transaction, so a concurrent payment (on any instance) waits for it to
/// commit or roll back: numbers have no gaps and no repeats.
pub(super) async fn issue_receipt(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    payment_id: &str,
    donation_id: &str,
    amount: Money,
    paid_at: Timestamp,
    issued_at: Timestamp,
    replaces: Option<&str>,
) -> Result<String, DbError> {
    let series = tax_year_of(paid_at);
    sqlx::query(
        "INSERT INTO receipt_counters (series, last_number) VALUES ($1, 0) \
         ON CONFLICT (series) DO NOTHING",
    )
    .bind(&series)
    .execute(&mut **tx)
    .await?;
    let (number,): (i64,) = sqlx::query_as(
        "UPDATE receipt_counters SET last_number = last_number + 1 WHERE series = $1 \
         RETURNING last_number",
    )
    .bind(&series)
    .fetch_one(&mut **tx)
    .await?;
    // Made out to the name the donor asked for, as it is now (a later change does not edit
    // an issued receipt).
    // A company's receipt names the company and its business registration number.
    let (receipt, receipt_name, donor_name, holder, registration): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT receipt, receipt_name, donor_name, receipt_holder, company_registration \
         FROM donations WHERE id = $1",
    )
    .bind(donation_id)
    .fetch_one(&mut **tx)
    .await?;
    let name = |name: Option<String>| name.and_then(|name| PersonName::parse(&name).ok());
    let receipt = Receipt::from_code(&receipt, name(receipt_name)).and_then(|receipt| {
        super::donations::company_receipt(receipt, holder.as_deref(), registration.as_deref())
    });
    let issued_to = receipt
        .as_ref()
        .and_then(|receipt| receipt.issued_to_line(name(donor_name).as_ref()));
    let holder_kind = receipt.map_or(HolderKind::Person, |receipt| receipt.holder_kind());
    let id = random_hex::<16>();
    sqlx::query(
        "INSERT INTO tax_receipts (id, series, number, payment_id, donation_id, amount_minor, \
         currency, paid_at, issued_at, issued_to, replaces_id, holder_kind) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(&series)
    .bind(number)
    .bind(payment_id)
    .bind(donation_id)
    .bind(to_column(amount.minor))
    .bind(amount.currency.code())
    .bind(paid_at)
    .bind(issued_at)
    .bind(issued_to)
    .bind(replaces)
    .bind(holder_kind.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Inside a transaction, after what a payment is worth changed: its valid receipt is voided and
/// (if anything remains) a new one issued, and queued for the donor if they want receipts.
pub(super) async fn reissue_receipts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    payment_key: &str,
    reason: &str,
    now: Timestamp,
) -> Result<(), DbError> {
    let payments: Vec<(String, String, i64, String, i64, String)> = sqlx::query_as(
        "SELECT p.id, p.donation_id, p.amount_minor - p.refunded_minor - p.disputed_minor, \
         p.currency, p.paid_at, d.receipt FROM payments p JOIN donations d ON d.id = p.donation_id \
         WHERE p.payment_intent_id = $1 OR p.source_id = $1",
    )
    .bind(payment_key)
    .fetch_all(&mut **tx)
    .await?;
    for (payment_id, donation_id, remaining, currency, paid_at, receipt_choice) in payments {
        let voided: Vec<(String, i64)> = sqlx::query_as(
            "UPDATE tax_receipts SET voided_at = $1, void_reason = $2 \
             WHERE payment_id = $3 AND voided_at IS NULL RETURNING id, amount_minor",
        )
        .bind(now)
        .bind(reason)
        .bind(&payment_id)
        .fetch_all(&mut **tx)
        .await?;
        let remaining = u64::try_from(remaining).unwrap_or(0);
        if voided.iter().any(|(_, amount)| *amount as u64 == remaining) {
            // Worth what its receipt says (a second event about the same refund): keep it.
            sqlx::query(
                "UPDATE tax_receipts SET voided_at = NULL, void_reason = NULL \
                 WHERE payment_id = $1 AND voided_at = $2 AND amount_minor = $3",
            )
            .bind(&payment_id)
            .bind(now)
            .bind(to_column(remaining))
            .execute(&mut **tx)
            .await?;
            continue;
        }
        if remaining == 0 {
            continue;
        }
        let currency = Currency::from_code(&currency).ok_or_else(|| {
            UnreadableRow::new("payments", "currency", format!("unknown {currency:?}"))
        })?;
        let replaces = voided.first().map(|(id, _)| id.as_str());
        let receipt_id = issue_receipt(
            tx,
            &payment_id,
            &donation_id,
            Money::new(remaining, currency),
            Timestamp::from_millis(paid_at),
            now,
            replaces,
        )
        .await?;
        if receipt_choice != "none" {
            queue_receipt_mail(tx, &receipt_id, &payment_id, &donation_id, now).await?;
        }
    }
    Ok(())
}

/// Inside a transaction: the receipt's email, in the outbox.
pub(super) async fn queue_receipt_mail(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    receipt_id: &str,
    payment_id: &str,
    donation_id: &str,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO outbox (id, kind, payment_id, tax_receipt_id, donation_id, created_at, \
         next_attempt_at) VALUES ($1, 'receipt', $2, $3, $4, $5, $5)",
    )
    .bind(random_hex::<16>())
    .bind(payment_id)
    .bind(receipt_id)
    .bind(donation_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Database {
    /// A donation's receipts, valid and voided, oldest first.
    pub async fn receipts_of_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<TaxReceipt>, DbError> {
        self.receipts_where("r.donation_id = $1", donation_id).await
    }

    pub async fn tax_receipt(&self, id: &str) -> Result<Option<TaxReceipt>, DbError> {
        Ok(self
            .receipts_where("r.id = $1", id)
            .await?
            .into_iter()
            .next())
    }

    /// The receipt with this number ("2026-27/000123"), valid or not.
    pub async fn tax_receipt_by_number(
        &self,
        series: &str,
        number: u64,
    ) -> Result<Option<TaxReceipt>, DbError> {
        let rows: Vec<TaxReceiptRow> = sqlx::query_as(&format!(
            "SELECT {RECEIPT_COLUMNS} FROM tax_receipts r WHERE r.series = $1 AND r.number = $2"
        ))
        .bind(series)
        .bind(to_column(number))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .map(TaxReceipt::try_from)
            .transpose()?)
    }

    /// Every receipt (valid and voided) of the gifts given with this email, oldest first.
    pub async fn receipts_of_donor(&self, email_key: &str) -> Result<Vec<TaxReceipt>, DbError> {
        let rows: Vec<TaxReceiptRow> = sqlx::query_as(&format!(
            "SELECT {RECEIPT_COLUMNS} FROM tax_receipts r JOIN donations d ON d.id = r.donation_id \
             WHERE d.email_key = $1 ORDER BY r.paid_at, r.series, r.number"
        ))
        .bind(email_key)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok(TaxReceipt::try_from(row)?))
            .collect()
    }

    /// Every receipt of a series (tax year), in number order: for audits and tests.
    pub async fn receipts_of_series(&self, series: &str) -> Result<Vec<TaxReceipt>, DbError> {
        let rows: Vec<TaxReceiptRow> = sqlx::query_as(&format!(
            "SELECT {RECEIPT_COLUMNS} FROM tax_receipts r WHERE r.series = $1 ORDER BY r.number"
        ))
        .bind(series)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok(TaxReceipt::try_from(row)?))
            .collect()
    }

    async fn receipts_where(
        &self,
        condition: &'static str,
        value: &str,
    ) -> Result<Vec<TaxReceipt>, DbError> {
        let rows: Vec<TaxReceiptRow> = sqlx::query_as(&format!(
            "SELECT {RECEIPT_COLUMNS} FROM tax_receipts r WHERE {condition} \
             ORDER BY r.paid_at, r.issued_at, r.number"
        ))
        .bind(value)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok(TaxReceipt::try_from(row)?))
            .collect()
    }

    /// Payments without a receipt (recorded before receipts were numbered): each gets one,
    /// numbered in its tax year. Run at start; a second run finds none.
    pub async fn issue_missing_receipts(&self, now: Timestamp) -> Result<u64, DbError> {
        let missing: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT p.id, p.donation_id, p.amount_minor - p.refunded_minor - p.disputed_minor, \
             p.currency, p.paid_at FROM payments p WHERE NOT EXISTS \
             (SELECT 1 FROM tax_receipts r WHERE r.payment_id = p.id) \
             AND p.amount_minor - p.refunded_minor - p.disputed_minor > 0 ORDER BY p.paid_at, p.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut issued = 0;
        for (payment_id, donation_id, amount, currency, paid_at) in missing {
            let currency = Currency::from_code(&currency).ok_or_else(|| {
                UnreadableRow::new("payments", "currency", format!("unknown {currency:?}"))
            })?;
            let mut tx = self.pool.begin().await?;
            // The write first, as always on SQLite; the receipt's existence is checked again
            // inside, so two instances starting together issue one.
            sqlx::query(
                "INSERT INTO receipt_counters (series, last_number) VALUES ($1, 0) \
                 ON CONFLICT (series) DO NOTHING",
            )
            .bind(tax_year_of(Timestamp::from_millis(paid_at)))
            .execute(&mut *tx)
            .await?;
            let exists: Option<(String,)> =
                sqlx::query_as("SELECT id FROM tax_receipts WHERE payment_id = $1")
                    .bind(&payment_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                let receipt_id = issue_receipt(
                    &mut tx,
                    &payment_id,
                    &donation_id,
                    Money::new(amount as u64, currency),
                    Timestamp::from_millis(paid_at),
                    now,
                    None,
                )
                .await?;
                // A receipt email still waiting for it now names it.
                sqlx::query(
                    "UPDATE outbox SET tax_receipt_id = $1 WHERE payment_id = $2 \
                     AND kind = 'receipt' AND tax_receipt_id IS NULL",
                )
                .bind(&receipt_id)
                .bind(&payment_id)
                .execute(&mut *tx)
                .await?;
                issued += 1;
            }
            tx.commit().await?;
        }
        Ok(issued)
    }
}
