//! Email receipts: what a receipt says (in the donor's language) and the worker that sends the
//! outbox's receipts over SMTP, with retries, so a receipt queued with a payment always goes
//! out, even across crashes.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::{watch, Notify};

use crate::content::Content;
use crate::domain::donation::Frequency;
use crate::domain::Locale;
use crate::i18n::{fill, t};
use crate::server::calendar::hong_kong_date;
use crate::server::db::{Database, DbError, Delivered, OutboxMessage};
use crate::server::donations::{now_millis, random_hex};
use crate::server::markup::escape;

/// A receipt, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptText {
    pub subject: String,
    pub plain: String,
    pub html: String,
}

/// Writes the receipt for one payment in the donor's language.
pub fn compose(content: &Content, message: &OutboxMessage) -> ReceiptText {
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::DEFAULT);
    let m = t(locale);
    let org = &content.organisation;
    let org_name = org.name.get(locale).as_str();
    let amount_minor = u64::try_from(message.amount_minor).unwrap_or(0);
    let amount = content.money(amount_minor).to_string();
    let monthly = Frequency::parse(&message.frequency) == Some(Frequency::Monthly);
    let issued_to = match message.receipt.as_str() {
        "other_name" => message.receipt_name.clone(),
        _ => message.donor_name.clone(),
    };
    let greeting = match &message.donor_name {
        Some(name) => fill(m.receipt_greeting, &[("name", name)]),
        None => m.receipt_greeting_anonymous.to_string(),
    };
    let intro = if monthly {
        m.receipt_intro_monthly
    } else {
        m.receipt_intro_one_off
    };
    let (year, month, day) = hong_kong_date(message.paid_at);
    let date = fill(
        m.receipt_date_format,
        &[
            ("year", &year.to_string()),
            ("month", &month.to_string()),
            ("day", &day.to_string()),
        ],
    );
    let mut rows = vec![
        (m.receipt_reference, message.reference.clone()),
        (m.receipt_date, date),
        (m.receipt_amount, amount),
        (
            m.receipt_frequency,
            if monthly {
                m.receipt_monthly
            } else {
                m.receipt_one_off
            }
            .to_string(),
        ),
    ];
    if let Some(name) = issued_to {
        rows.push((m.receipt_issued_to, name));
    }
    let threshold = content.giving.tax_deductible_from_minor_units;
    let tax_note = (amount_minor >= threshold).then(|| {
        fill(
            m.receipt_tax_note,
            &[
                ("threshold", &content.money(threshold).to_string()),
                ("org", org_name),
            ],
        )
    });
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
        &[("org", org_name), ("reference", &message.reference)],
    );

    let mut plain = format!("{greeting}\n\n{intro}\n\n{}\n\n", m.receipt_heading);
    for (label, value) in &rows {
        plain.push_str(&format!("{label}: {value}\n"));
    }
    if let Some(note) = &tax_note {
        plain.push_str(&format!("\n{note}\n"));
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
    if let Some(note) = &tax_note {
        html.push_str(&format!("<p><strong>{}</strong></p>", escape(note)));
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

/// How the worker delivers.
enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP configured: receipts are written to the log once and stay in the outbox.
    Log,
}

/// Why receipts cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptSetupError {
    #[error("SMTP_URL is not usable: {0}")]
    SmtpUrl(String),
    #[error("the receipt sender {0:?} is not an email address")]
    From(String),
}

/// Sends the outbox's receipts. Several may run (one per instance): each claims a receipt
/// for a lease before sending, so no two send the same one, and a crashed worker's claim
/// lapses and another sends it.
pub struct ReceiptSender {
    db: Database,
    content: Arc<Content>,
    delivery: Delivery,
    from: Mailbox,
    retry_base: Duration,
    lease: Duration,
    wake: Arc<Notify>,
}

impl ReceiptSender {
    pub fn new(
        db: Database,
        content: Arc<Content>,
        smtp_url: Option<&str>,
        from: Option<&str>,
        retry_base: Duration,
        lease: Duration,
        wake: Arc<Notify>,
    ) -> Result<ReceiptSender, ReceiptSetupError> {
        let delivery = match smtp_url {
            Some(url) => Delivery::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|error| ReceiptSetupError::SmtpUrl(error.to_string()))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            None => Delivery::Log,
        };
        let address = from.unwrap_or(&content.organisation.email).to_string();
        let from = Mailbox::new(
            Some(content.organisation.name.get(Locale::DEFAULT).clone()),
            address
                .parse()
                .map_err(|_| ReceiptSetupError::From(address.clone()))?,
        );
        Ok(ReceiptSender {
            db,
            content,
            delivery,
            from,
            retry_base,
            lease,
            wake,
        })
    }

    /// Sends due receipts until `stopping` turns true: at once when woken (a payment on this
    /// instance), otherwise every few seconds (other instances' payments, retries, lapsed
    /// claims).
    pub async fn run(self, mut stopping: watch::Receiver<bool>) {
        let poll = self.retry_base.min(Duration::from_secs(5));
        loop {
            loop {
                match self.send_next().await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => {
                        tracing::warn!(%error, "cannot read the receipt outbox");
                        break;
                    }
                }
                if *stopping.borrow() {
                    return;
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                _ = stopping.changed() => return,
            }
        }
    }

    /// Claims and delivers one due receipt; `false` when none is due.
    pub async fn send_next(&self) -> Result<bool, DbError> {
        let now = now_millis();
        let claim = random_hex::<16>();
        let lease_until = now + i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX / 2);
        let unlogged_only = matches!(self.delivery, Delivery::Log);
        let Some(message) = self
            .db
            .claim_due_message(&claim, now, lease_until, unlogged_only)
            .await?
        else {
            return Ok(false);
        };
        let receipt = compose(&self.content, &message);
        match &self.delivery {
            Delivery::Log => {
                tracing::info!(
                    reference = %message.reference,
                    to = %message.email,
                    subject = %receipt.subject,
                    body = %receipt.plain,
                    "receipt (no SMTP_URL set: written here and kept in the outbox)"
                );
                self.db
                    .mark_message_delivered(&message.id, &claim, Delivered::Logged, now_millis())
                    .await?;
            }
            Delivery::Smtp(transport) => match self.send(transport, &message, receipt).await {
                Ok(()) => {
                    tracing::info!(reference = %message.reference, "receipt sent");
                    self.db
                        .mark_message_delivered(&message.id, &claim, Delivered::Sent, now_millis())
                        .await?;
                }
                Err(error) => {
                    let retry_at = now_millis() + self.backoff_millis(message.attempts);
                    tracing::warn!(reference = %message.reference, attempts = message.attempts, %error, "sending a receipt failed; will retry");
                    self.db
                        .mark_message_failed(&message.id, &claim, retry_at, &error)
                        .await?;
                }
            },
        }
        Ok(true)
    }

    async fn send(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        message: &OutboxMessage,
        receipt: ReceiptText,
    ) -> Result<(), String> {
        let to: Mailbox = message
            .email
            .parse()
            .map_err(|error| format!("bad recipient: {error}"))?;
        let domain = self.from.email.domain().to_string();
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(receipt.subject)
            // One id per receipt: a copy sent twice (a crash right after the server accepted
            // it) is recognisable as the same message.
            .message_id(Some(format!("<receipt-{}@{domain}>", message.id)))
            .multipart(MultiPart::alternative_plain_html(
                receipt.plain,
                receipt.html,
            ))
            .map_err(|error| error.to_string())?;
        transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    /// `retry_base`, doubled per failed attempt, at most six hours.
    fn backoff_millis(&self, attempts: i64) -> i64 {
        let base = i64::try_from(self.retry_base.as_millis()).unwrap_or(30_000);
        let doublings = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
        base.saturating_mul(1 << doublings).min(6 * 3_600_000)
    }
}
