//! Email receipts: what a receipt says, in the donor's language, and (in `sender`) the worker
//! that sends the outbox's receipts over SMTP with retries, so a receipt queued with a payment
//! always goes out, even across crashes.

pub mod documents;
pub mod notices;
pub mod pdf;
mod sender;
pub mod tax_rules;
pub mod words;

pub use documents::ReceiptSeal;
pub use notices::{ChangeNotice, Mail};
pub use sender::{MailContext, OutboxSettings, ReceiptSender};

use crate::markup::escape;
use sharecare_content::i18n::{fill, t};
use sharecare_content::Content;
use sharecare_db::ReceiptJob;
use sharecare_domain::donation::Frequency;
use sharecare_domain::donor::HolderKind;
use tax_rules::TaxRules;

/// A receipt, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptText {
    pub subject: String,
    pub plain: String,
    pub html: String,
}

/// Writes the receipt for one payment in the donor's language. `manage_url` is the donor's way
/// to "My gifts"; `attached` says the PDF is attached; `tax_note` is the note its numbered
/// receipt carries (`TaxRules::tax_note`), if any.
pub fn compose(
    content: &Content,
    job: &ReceiptJob,
    manage_url: Option<&str>,
    attached: bool,
    tax_note: Option<HolderKind>,
) -> ReceiptText {
    let locale = job.locale;
    let m = t(locale);
    let org = &content.organisation;
    let org_name = org.name.get(locale).as_str();
    let amount = job.amount.to_string();
    let monthly = job.frequency == Frequency::Monthly;
    let issued_to = job.receipt.issued_to_line(job.donor_name.as_ref());
    let greeting = match &job.donor_name {
        Some(name) => fill(m.receipt_greeting, &[("name", name.as_str())]),
        None => m.receipt_greeting_anonymous.to_string(),
    };
    let intro = if monthly {
        m.receipt_intro_monthly
    } else {
        m.receipt_intro_one_off
    };
    let date = documents::local_date(job.paid_at, locale);
    let mut rows = Vec::new();
    if let Some(receipt) = &job.tax_receipt {
        rows.push((m.receipt_number, receipt.number_text()));
    }
    rows.extend([
        (m.receipt_reference, job.reference.as_str().to_string()),
        (m.receipt_date, date),
        (m.receipt_amount, amount),
    ]);
    rows.push((
        m.receipt_frequency,
        if monthly {
            m.receipt_monthly
        } else {
            m.receipt_one_off
        }
        .to_string(),
    ));
    if let Some(name) = issued_to {
        rows.push((m.receipt_issued_to, name));
    }
    // What the donor added towards card costs is part of the donation: said so, after it.
    let card_costs = documents::added_for_card_costs(job.amount, job.fee)
        .map(|added| documents::card_costs_sentence(locale, job.amount, added));
    let tax_note = tax_note.map(|kind| TaxRules::of(content).note_text(content, locale, kind));
    let issuer = fill(
        m.receipt_issuer,
        &[
            ("org", org_name),
            ("phone", &org.phone),
            ("email", &org.email),
        ],
    );
    let signoff = fill(m.receipt_signoff, &[("org", org_name)]);
    let subject = fill(
        m.receipt_subject,
        &[("org", org_name), ("reference", job.reference.as_str())],
    );

    let mut plain = format!("{greeting}\n\n{intro}\n\n{}\n\n", m.receipt_heading);
    for (label, value) in &rows {
        plain.push_str(&format!("{label}: {value}\n"));
    }
    for note in card_costs.iter().chain(&tax_note) {
        plain.push_str(&format!("\n{note}\n"));
    }
    if attached {
        plain.push_str(&format!("\n{}\n", m.receipt_attached));
    }
    let manage = manage_url.map(|url| fill(m.receipt_manage, &[("url", url)]));
    if let Some(manage) = &manage {
        plain.push_str(&format!("\n{manage}\n"));
    }
    plain.push_str(&format!("\n{issuer}\n\n{signoff}\n"));

    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5;color:#1f2933\">\
         <p>{}</p><p>{}</p><h1 style=\"font-size:1.25em\">{}</h1><table>",
        locale.code(),
        escape(&subject),
        escape(&greeting),
        escape(intro),
        escape(m.receipt_heading)
    );
    for (label, value) in &rows {
        html.push_str(&format!(
            "<tr><th scope=\"row\" style=\"text-align:left;padding-right:1em\">{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        ));
    }
    html.push_str("</table>");
    if let Some(sentence) = &card_costs {
        html.push_str(&format!("<p>{}</p>", escape(sentence)));
    }
    if let Some(note) = &tax_note {
        html.push_str(&format!("<p><strong>{}</strong></p>", escape(note)));
    }
    if attached {
        html.push_str(&format!("<p>{}</p>", escape(m.receipt_attached)));
    }
    if let (Some(url), Some(manage)) = (manage_url, &manage) {
        // The whole sentence is the link's text; the address is the site's own.
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            escape(url),
            escape(manage)
        ));
    }
    html.push_str(&format!(
        "<p>{}</p><p>{}</p></body></html>",
        escape(&issuer),
        escape(&signoff)
    ));
    ReceiptText {
        subject,
        plain,
        html,
    }
}
