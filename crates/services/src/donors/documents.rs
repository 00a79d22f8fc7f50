//! Receipts' PDFs (the donor's own only), yearly summaries, and checking a receipt by its
//! number and code.

use super::Donors;
use crate::receipts::documents::{self, ReceiptFacts};
use crate::receipts::tax_rules::TaxRules;
use sharecare_content::paths;
use sharecare_db::{DbError, TaxReceipt};
use sharecare_domain::Locale;

/// A receipt checked by its number and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub receipt: TaxReceipt,
    pub valid: bool,
}

/// A yearly summary a donor can download: one per tax year and receipt holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryView {
    /// The tax year's starting year.
    pub year_start: i64,
    /// Whom its receipts are made out to.
    pub issued_to: String,
    /// The receipt that names the holder in the summary's address.
    pub holder_receipt_id: String,
}

impl Donors {
    /// A donor's yearly summaries, newest year first: one per holder whose year qualifies
    /// (`TaxRules::summaries`).
    pub async fn summaries(&self, email_key: &str) -> Result<Vec<SummaryView>, DbError> {
        let receipts = self.db.receipts_of_donor(email_key).await?;
        let rules = TaxRules::of(&self.content);
        Ok(rules
            .years(&receipts)
            .into_iter()
            .flat_map(|year_start| {
                rules
                    .summaries(&receipts, year_start)
                    .into_iter()
                    .map(move |year| SummaryView {
                        year_start,
                        issued_to: year.holder.name.to_string(),
                        holder_receipt_id: year.first.id.clone(),
                    })
            })
            .collect())
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
        let receipts = self.db.receipts_of_donor(email_key).await?;
        let tax_note = TaxRules::of(&self.content).tax_note(&receipt, &receipts);
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
                    tax_note,
                },
            )
        })
        .await
        .ok()
        .and_then(Result::ok);
        Ok(pdf.map(|pdf| (name, pdf)))
    }

    /// A donor's yearly summary for the tax year starting in April of `year_start`, for the
    /// holder of their receipt `holder_receipt_id` (without one: their first summary of the
    /// year).
    pub async fn summary_pdf(
        &self,
        email_key: &str,
        year_start: i64,
        holder_receipt_id: Option<&str>,
        locale: Locale,
    ) -> Result<Option<(String, Vec<u8>)>, DbError> {
        let receipts = self.db.receipts_of_donor(email_key).await?;
        let Some(year) =
            TaxRules::of(&self.content).summary_of(&receipts, year_start, holder_receipt_id)
        else {
            return Ok(None);
        };
        let pdf = documents::draw_summary(self.content.clone(), &year, year_start, locale)
            .await
            .ok();
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
