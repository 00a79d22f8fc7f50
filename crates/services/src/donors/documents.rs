//! Receipts' PDFs (the donor's own only), yearly summaries, and checking a receipt by its
//! number and code.

use super::{Donors, ReceiptView};
use crate::receipts::documents::{self, ReceiptFacts, SummaryFacts};
use sharecare_content::paths;
use sharecare_db::{DbError, TaxReceipt};
use sharecare_domain::time::{tax_year_bounds, tax_year_of};
use sharecare_domain::Locale;

/// A receipt checked by its number and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub receipt: TaxReceipt,
    pub valid: bool,
}

impl Donors {
    /// The tax years (their starting years) a donor has valid receipts in, newest first.
    pub fn tax_years(receipts: &[ReceiptView]) -> Vec<i64> {
        let mut years: Vec<i64> = receipts
            .iter()
            .filter(|receipt| receipt.valid)
            .filter_map(|receipt| tax_year_of(receipt.paid_at)[..4].parse().ok())
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
    }

    /// A receipt's PDF, if it is one of this donor's: (file name, bytes).
    pub async fn receipt_pdf(
        &self,
        email_key: &str,
        receipt_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, DbError> {
        let Some(receipt) = self.db.tax_receipt(receipt_id).await? else {
            return Ok(None);
        };
        let Some(donation) = self.db.donation_by_id(&receipt.donation_id).await? else {
            return Ok(None);
        };
        if donation.email.normalized() != email_key {
            return Ok(None);
        }
        let code = self.seal.code(&receipt);
        let verify_url = paths::absolute(&self.public_base_url, paths::verify_receipt());
        let content = self.content.clone();
        let name = format!("receipt-{}.pdf", receipt.number_text().replace('/', "-"));
        let pdf = tokio::task::spawn_blocking(move || {
            documents::receipt_pdf(
                &content,
                &ReceiptFacts {
                    receipt: &receipt,
                    reference: &donation.reference,
                    frequency: donation.frequency,
                    locale: donation.locale,
                    verify_url,
                    code,
                    fee: donation.fee,
                },
            )
        })
        .await
        .ok()
        .and_then(Result::ok);
        Ok(pdf.map(|pdf| (name, pdf)))
    }

    /// A donor's yearly summary for the tax year starting in April of `year_start`.
    pub async fn summary_pdf(
        &self,
        email_key: &str,
        year_start: i64,
        locale: Locale,
    ) -> Result<Option<(String, Vec<u8>)>, DbError> {
        let (from, to) = tax_year_bounds(year_start);
        let receipts: Vec<TaxReceipt> = self
            .db
            .receipts_of_donor(email_key)
            .await?
            .into_iter()
            .filter(|r| r.is_valid() && r.paid_at >= from && r.paid_at < to)
            .collect();
        if receipts.is_empty() {
            return Ok(None);
        }
        let name = receipts
            .iter()
            .find_map(|r| r.issued_to.clone())
            .unwrap_or_else(|| email_key.to_string());
        let content = self.content.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            documents::summary_pdf(
                &content,
                &SummaryFacts {
                    receipts: &receipts,
                    name,
                    year_start,
                    locale,
                },
            )
        })
        .await
        .ok()
        .and_then(Result::ok);
        Ok(pdf.map(|pdf| {
            (
                format!("donations-{year_start}-{:02}.pdf", (year_start + 1) % 100),
                pdf,
            )
        }))
    }

    /// Checks a receipt by its number ("2026-27/000123") and the code printed on it.
    pub async fn verify(&self, number: &str, code: &str) -> Result<Option<Verified>, DbError> {
        let Some((series, sequence)) = number.trim().split_once('/') else {
            return Ok(None);
        };
        let Ok(sequence) = sequence.trim().parse::<u64>() else {
            return Ok(None);
        };
        let Some(receipt) = self
            .db
            .tax_receipt_by_number(series.trim(), sequence)
            .await?
        else {
            return Ok(None);
        };
        if !self.seal.checks(&receipt, code) {
            return Ok(None);
        }
        Ok(Some(Verified {
            valid: receipt.is_valid(),
            receipt,
        }))
    }
}
