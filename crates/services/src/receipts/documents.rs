//! What a tax receipt and a yearly summary say, in the donor's language, as blocks `pdf` lays
//! out: the charity's name, address and section 88 file number, the receipt's number, the date
//! in Hong Kong, the whole amount received as the donation in figures and words (with what the
//! donor added towards card costs within it), who it is made out to, the tax note when
//! `tax_rules` says the holder's year qualifies, and how anyone can check the receipt is
//! genuine.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::pdf::{self, Block};
use super::tax_rules::{HolderYear, TaxRules};
use super::words::amount_in_words;
use sharecare_content::i18n::{fill, t};
use sharecare_content::Content;
use sharecare_db::TaxReceipt;
use sharecare_domain::donation::Frequency;
use sharecare_domain::donor::HolderKind;
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
    /// The tax note it carries (a person's or a company's), as `TaxRules::tax_note` decides.
    pub tax_note: Option<HolderKind>,
}

/// What the donor added towards card costs within a receipt's amount, when they added
/// anything. It is part of the donation (the whole amount went to the charity), so a receipt
/// says the donation includes it, never that it is a fee.
pub fn added_for_card_costs(amount: Money, fee: Money) -> Option<Money> {
    (fee.minor > 0 && fee.minor < amount.minor).then_some(fee)
}

/// The sentence saying so, in `locale`.
pub fn card_costs_sentence(locale: Locale, amount: Money, added: Money) -> String {
    fill(
        t(locale).receipt_includes_card_costs,
        &[
            ("amount", &amount.to_string()),
            ("added", &added.to_string()),
        ],
    )
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
    if let Some(added) = added_for_card_costs(receipt.amount, receipt.fee) {
        blocks.push(Block::Text(card_costs_sentence(
            locale,
            receipt.amount,
            added,
        )));
    }
    if let Some(kind) = facts.tax_note {
        blocks.push(Block::Text(
            TaxRules::of(content).note_text(content, locale, kind),
        ));
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

/// One holder's receipts for one tax year, as one document.
#[derive(Debug, Clone)]
pub struct SummaryFacts<'a> {
    /// The holder's valid receipts of gifts made in the tax year, oldest first.
    pub receipts: &'a [TaxReceipt],
    /// The name on them (a company's with its BR number).
    pub name: String,
    /// The tax note it carries (the holder's kind), when the year's total qualifies.
    pub tax_note: Option<HolderKind>,
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
    if let Some(kind) = facts.tax_note {
        blocks.push(Block::Text(
            TaxRules::of(content).note_text(content, locale, kind),
        ));
    }
    blocks.push(contacts(content, locale));
    blocks
}

pub fn summary_pdf(content: &Content, facts: &SummaryFacts<'_>) -> Result<Vec<u8>, String> {
    pdf::render(&summary_blocks(content, facts))
}

/// One holder's yearly summary as a PDF, drawn off the async threads.
pub async fn draw_summary(
    content: Arc<Content>,
    year: &HolderYear<'_>,
    year_start: i64,
    locale: Locale,
) -> Result<Vec<u8>, String> {
    let receipts: Vec<TaxReceipt> = year
        .receipts
        .iter()
        .map(|&receipt| receipt.clone())
        .collect();
    let name = year.holder.name.to_string();
    let tax_note =
        (year.total.minor >= TaxRules::of(&content).threshold_minor).then_some(year.holder.kind);
    tokio::task::spawn_blocking(move || {
        summary_pdf(
            &content,
            &SummaryFacts {
                receipts: &receipts,
                name,
                tax_note,
                year_start,
                locale,
            },
        )
    })
    .await
    .map_err(|error| error.to_string())?
}
