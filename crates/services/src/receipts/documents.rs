//! What a tax receipt and a yearly summary say, in the donor's language, as blocks `pdf` lays
//! out: the charity's name, address and section 88 file number, the receipt's number, the date
//! in Hong Kong, the amount in figures and words, who it is made out to, the tax note when the
//! amount qualifies, and how anyone can check the receipt is genuine.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::pdf::{self, Block};
use super::words::amount_in_words;
use sharecare_content::i18n::{fill, t};
use sharecare_content::Content;
use sharecare_db::TaxReceipt;
use sharecare_domain::donation::Frequency;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::Money;
use sharecare_domain::time::{tax_year_bounds, Timestamp};
use sharecare_domain::Locale;

/// Seals receipts: a short code printed on each, which only this charity's server can make, so
/// anyone holding a receipt (a donor, the tax office) can check it at `/receipts/verify`.
#[derive(Clone)]
pub struct ReceiptSeal {
    key: Vec<u8>,
}

impl std::fmt::Debug for ReceiptSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptSeal(***)")
    }
}

impl ReceiptSeal {
    pub fn new(key: &[u8]) -> ReceiptSeal {
        ReceiptSeal { key: key.to_vec() }
    }

    /// Eight characters from the reference alphabet (no 0/O, 1/I/L to misread).
    pub fn code(&self, receipt: &TaxReceipt) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(
            format!(
                "{}|{}|{}|{}",
                receipt.number_text(),
                receipt.amount.minor,
                receipt.paid_at.as_millis(),
                receipt.id
            )
            .as_bytes(),
        );
        let digest = mac.finalize().into_bytes();
        let alphabet = Reference::ALPHABET;
        digest[..8]
            .iter()
            .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
            .collect()
    }

    /// Whether `code` is this receipt's (any case, spaces ignored), in constant time.
    pub fn checks(&self, receipt: &TaxReceipt, code: &str) -> bool {
        let typed: String = code
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        sharecare_domain::secrets::constant_time_eq(typed.as_bytes(), self.code(receipt).as_bytes())
    }
}

/// A date in Hong Kong as the locale writes it.
pub fn local_date(at: Timestamp, locale: Locale) -> String {
    at.hong_kong_date_in(t(locale).receipt_date_format)
}

fn issuer(content: &Content, locale: Locale) -> Block {
    let org = &content.organisation;
    let m = t(locale);
    Block::Issuer(vec![
        org.address.get(locale).clone(),
        fill(
            m.receipt_charity,
            &[
                ("org", org.name.get(locale)),
                ("file", &org.section_88_file_number),
            ],
        ),
    ])
}

fn contacts(content: &Content, locale: Locale) -> Block {
    let org = &content.organisation;
    Block::Small(fill(
        t(locale).receipt_issuer,
        &[
            ("org", org.name.get(locale)),
            ("phone", &org.phone),
            ("email", &org.email),
        ],
    ))
}

/// Whether the amount is one the tax rules allow to be deducted.
fn qualifies(content: &Content, amount: Money) -> bool {
    amount.minor >= content.giving.tax_deductible_from_minor_units
}

fn tax_note(content: &Content, locale: Locale) -> String {
    fill(
        t(locale).receipt_tax_note,
        &[
            (
                "threshold",
                &content
                    .money(content.giving.tax_deductible_from_minor_units)
                    .to_string(),
            ),
            ("org", content.organisation.name.get(locale)),
        ],
    )
}

/// What one receipt is about.
#[derive(Debug, Clone)]
pub struct ReceiptFacts<'a> {
    pub receipt: &'a TaxReceipt,
    pub reference: &'a Reference,
    pub frequency: Frequency,
    pub locale: Locale,
    /// Where the receipt can be checked (absolute), and its code.
    pub verify_url: String,
    pub code: String,
    /// The processing fee the donor covered within each payment (zero if none).
    pub fee: Money,
}

/// The gift and the covered fee within a receipt's amount, when the donor covered one (and the
/// receipt is for the whole charge, not what a refund left).
pub fn gift_and_fee(amount: Money, fee: Money) -> Option<(Money, Money)> {
    (fee.minor > 0 && fee.minor < amount.minor)
        .then(|| (Money::new(amount.minor - fee.minor, amount.currency), fee))
}

/// The receipt's blocks.
pub fn receipt_blocks(content: &Content, facts: &ReceiptFacts<'_>) -> Vec<Block> {
    let locale = facts.locale;
    let m = t(locale);
    let org = &content.organisation;
    let receipt = facts.receipt;
    let mut blocks = vec![
        Block::Title(format!("{} · {}", org.name.get(locale), m.receipt_heading)),
        issuer(content, locale),
        Block::Rule,
        Block::Row(m.receipt_number.into(), receipt.number_text()),
        Block::Row(m.receipt_date.into(), local_date(receipt.paid_at, locale)),
        Block::Row(
            m.receipt_issued_to.into(),
            receipt
                .issued_to
                .clone()
                .unwrap_or_else(|| m.receipt_anonymous.to_string()),
        ),
        Block::Row(
            m.receipt_amount.into(),
            format!(
                "{} {}",
                receipt.amount.currency.code(),
                receipt.amount.plain_decimal()
            ),
        ),
        Block::Row(
            m.receipt_in_words.into(),
            amount_in_words(receipt.amount, locale),
        ),
    ];
    if let Some((gift, fee)) = gift_and_fee(receipt.amount, facts.fee) {
        blocks.push(Block::Row(m.receipt_gift.into(), gift.to_string()));
        blocks.push(Block::Row(m.receipt_fee_covered.into(), fee.to_string()));
    }
    blocks.extend([
        Block::Row(
            m.receipt_reference.into(),
            facts.reference.as_str().to_string(),
        ),
        Block::Row(
            m.receipt_frequency.into(),
            match facts.frequency {
                Frequency::Monthly => m.receipt_monthly,
                Frequency::OneOff => m.receipt_one_off,
            }
            .to_string(),
        ),
        Block::Rule,
    ]);
    if qualifies(content, receipt.amount) {
        blocks.push(Block::Text(tax_note(content, locale)));
    }
    if let Some(voided) = receipt.voided_at {
        blocks.push(Block::Text(fill(
            m.receipt_void_note,
            &[("date", &local_date(voided, locale))],
        )));
        blocks.push(Block::Void(m.receipt_void.to_string()));
    }
    blocks.push(Block::Small(fill(
        m.receipt_verify,
        &[("url", &facts.verify_url), ("code", &facts.code)],
    )));
    blocks.push(contacts(content, locale));
    blocks
}

/// The receipt as a PDF.
pub fn receipt_pdf(content: &Content, facts: &ReceiptFacts<'_>) -> Result<Vec<u8>, String> {
    pdf::render(&receipt_blocks(content, facts))
}

/// A donor's receipts for one tax year, as one document.
#[derive(Debug, Clone)]
pub struct SummaryFacts<'a> {
    /// Valid receipts of gifts made in the tax year, oldest first.
    pub receipts: &'a [TaxReceipt],
    /// The name on them (or the donor's email when they gave none).
    pub name: String,
    pub year_start: i64,
    pub locale: Locale,
}

pub fn summary_blocks(content: &Content, facts: &SummaryFacts<'_>) -> Vec<Block> {
    let locale = facts.locale;
    let m = t(locale);
    let org = &content.organisation;
    let year = format!("{}-{:02}", facts.year_start, (facts.year_start + 1) % 100);
    let total: u64 = facts.receipts.iter().map(|r| r.amount.minor).sum();
    let currency = content.organisation.currency();
    let mut rows: Vec<Vec<String>> = facts
        .receipts
        .iter()
        .map(|receipt| {
            vec![
                receipt.number_text(),
                local_date(receipt.paid_at, locale),
                format!(
                    "{} {}",
                    receipt.amount.currency.code(),
                    receipt.amount.plain_decimal()
                ),
            ]
        })
        .collect();
    rows.push(vec![
        m.summary_total.to_string(),
        String::new(),
        format!(
            "{} {}",
            currency.code(),
            Money::new(total, currency).plain_decimal()
        ),
    ]);
    let (from, to) = tax_year_bounds(facts.year_start);
    let mut blocks = vec![
        Block::Title(format!(
            "{} · {}",
            org.name.get(locale),
            fill(m.summary_title, &[("year", &year)])
        )),
        issuer(content, locale),
        Block::Rule,
        Block::Text(fill(
            m.summary_intro,
            &[
                ("name", &facts.name),
                ("from", &local_date(from, locale)),
                (
                    "to",
                    &local_date(to.minus(Duration::from_millis(1)), locale),
                ),
            ],
        )),
        Block::Table {
            headers: vec![
                m.summary_number.into(),
                m.summary_date.into(),
                m.summary_amount.into(),
            ],
            rows,
        },
        Block::Row(
            m.receipt_in_words.into(),
            amount_in_words(Money::new(total, currency), locale),
        ),
    ];
    if facts
        .receipts
        .iter()
        .any(|receipt| qualifies(content, receipt.amount))
    {
        blocks.push(Block::Text(tax_note(content, locale)));
    }
    blocks.push(contacts(content, locale));
    blocks
}

pub fn summary_pdf(content: &Content, facts: &SummaryFacts<'_>) -> Result<Vec<u8>, String> {
    pdf::render(&summary_blocks(content, facts))
}
