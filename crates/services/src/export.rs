//! Donations as CSV for finance: RFC 4180 (quoted where needed, CRLF line ends), UTF-8 with a
//! byte-order mark so Excel reads Chinese names right, and every cell a spreadsheet would take
//! for a formula made plain text. Rows are written one at a time (see `http::admin::export`).

use sharecare_db::AdminDonation;
use sharecare_domain::donation::Donation;
use sharecare_domain::time::Timestamp;

/// The byte-order mark that starts the file.
pub const BOM: &str = "\u{feff}";

pub const HEADER: [&str; 23] = [
    "date",
    "reference",
    "amount",
    "currency",
    "frequency",
    "method",
    "status",
    "email",
    "name",
    "receipt",
    "receipt_name",
    "referral_code",
    "story",
    "marketing_consent",
    "paid_date",
    "fee_covered",
    "company_registration",
    "tribute",
    "honoree",
    "partner",
    "utm_source",
    "utm_medium",
    "utm_campaign",
];

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return
/// first) gets a leading apostrophe, which spreadsheets show as text. OWASP's advice for CSV
/// injection.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn date(at: Timestamp) -> String {
    at.hong_kong_iso_date()
}

fn tag(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

/// One donation's cells, in `HEADER`'s order.
pub fn cells(row: &AdminDonation) -> Vec<String> {
    let donation: &Donation = &row.donation;
    vec![
        date(donation.created_at),
        donation.reference.as_str().to_string(),
        donation.amount.plain_decimal(),
        donation.amount.currency.code().to_string(),
        donation.frequency.as_str().to_string(),
        donation.payment_method.as_str().to_string(),
        donation.status.as_str().to_string(),
        donation.email.as_str().to_string(),
        donation
            .donor_name
            .as_ref()
            .map(|name| name.as_str().to_string())
            .unwrap_or_default(),
        donation.receipt.code().to_string(),
        donation
            .receipt_name()
            .map(|name| name.as_str().to_string())
            .unwrap_or_default(),
        donation
            .referral
            .as_ref()
            .map(|code| code.as_str().to_string())
            .unwrap_or_default(),
        row.story.clone().unwrap_or_default(),
        if donation.marketing_consent {
            "yes"
        } else {
            "no"
        }
        .to_string(),
        donation.paid_at.map(date).unwrap_or_default(),
        if donation.fee.minor > 0 {
            donation.fee.plain_decimal()
        } else {
            String::new()
        },
        donation
            .receipt
            .registration()
            .map(|number| number.as_str().to_string())
            .unwrap_or_default(),
        donation
            .tribute
            .as_ref()
            .map(|tribute| tribute.kind.as_str().to_string())
            .unwrap_or_default(),
        donation
            .tribute
            .as_ref()
            .map(|tribute| tribute.honoree.as_str().to_string())
            .unwrap_or_default(),
        tag(donation
            .attribution
            .partner
            .as_ref()
            .map(|code| code.as_str())),
        tag(donation.attribution.source.as_ref().map(|t| t.as_str())),
        tag(donation.attribution.medium.as_ref().map(|t| t.as_str())),
        tag(donation.attribution.campaign.as_ref().map(|t| t.as_str())),
    ]
}

/// One CSV record (with its CRLF), every cell neutralised.
pub fn record<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(256));
    writer
        .write_record(cells.iter().map(|cell| neutralise(cell.as_ref())))
        .expect("writing to memory succeeds");
    writer.into_inner().expect("flushing to memory succeeds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_quotes_follow_rfc_4180() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for dangerous in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(dangerous).starts_with('\''), "{dangerous:?}");
        }
        assert_eq!(neutralise("陳大文"), "陳大文");
        assert_eq!(
            String::from_utf8(record(&["a,b", "say \"hi\"", "=1+1", "陳大文"])).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",'=1+1,陳大文\r\n"
        );
    }
}
