//! The receipt worker: claims due receipts from the outbox, sends them, and records the result.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::{watch, Notify};

use super::{compose, ReceiptText};
use crate::content::Content;
use crate::domain::Locale;
use crate::server::clock::now_millis;
use crate::server::db::{Database, DbError, Delivered, ReceiptJob};
use crate::server::secrets::random_hex;
use crate::server::telemetry::redact_emails;

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
    outbox: OutboxSettings,
    wake: Arc<Notify>,
}

/// How the outbox is worked (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxSettings {
    /// The first wait before a failed receipt is tried again, doubled each time (at most six
    /// hours).
    pub retry_base: Duration,
    /// How long a claim lasts; renewed while a send is in progress, so only a crashed worker's
    /// claim lapses.
    pub lease: Duration,
    /// After this many failed tries a receipt is parked for staff instead of tried again.
    pub max_attempts: u32,
}

impl ReceiptSender {
    pub fn new(
        db: Database,
        content: Arc<Content>,
        smtp_url: Option<&str>,
        from: Option<&str>,
        outbox: OutboxSettings,
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
            outbox,
            wake,
        })
    }

    /// Sends due receipts until `stopping` turns true: at once when woken (a payment on this
    /// instance), otherwise every few seconds (other instances' payments, retries, lapsed
    /// claims).
    pub async fn run(self: Arc<Self>, mut stopping: watch::Receiver<bool>) {
        let poll = self.outbox.retry_base.min(Duration::from_secs(5));
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
    #[tracing::instrument(name = "send_receipt", skip_all, fields(reference))]
    pub async fn send_next(&self) -> Result<bool, DbError> {
        let now = now_millis();
        let claim = random_hex::<16>();
        let lease_until = now + self.lease_millis();
        let unlogged_only = matches!(self.delivery, Delivery::Log);
        let Some(job) = self
            .db
            .claim_due_message(&claim, now, lease_until, unlogged_only)
            .await?
        else {
            return Ok(false);
        };
        tracing::Span::current().record("reference", job.reference.as_str());
        let receipt = compose(&self.content, &job);
        match &self.delivery {
            Delivery::Log => {
                // The reference only: the receipt's words hold the donor's name and address.
                tracing::info!(
                    "receipt composed; no SMTP_URL is set, so it stays in the outbox until one is"
                );
                self.db
                    .mark_message_delivered(&job.id, &claim, Delivered::Logged, now_millis())
                    .await?;
            }
            Delivery::Smtp(transport) => match self
                .send_keeping_claim(transport, &job, &claim, receipt)
                .await
            {
                Ok(()) => {
                    tracing::info!("receipt sent");
                    self.db
                        .mark_message_delivered(&job.id, &claim, Delivered::Sent, now_millis())
                        .await?;
                }
                Err(error) => {
                    // Mail errors quote addresses: neither the log nor the outbox keeps them.
                    let error = redact_emails(&error);
                    let now = now_millis();
                    let retry_at = now + self.backoff_millis(job.attempts);
                    metrics::counter!("sharecare_outbox_failures_total").increment(1);
                    let park = (job.attempts >= self.outbox.max_attempts).then_some(now);
                    if park.is_some() {
                        tracing::warn!(attempts = job.attempts, %error, "a receipt could not be delivered; parked for staff");
                        metrics::counter!("sharecare_outbox_parked_total").increment(1);
                    } else {
                        tracing::warn!(attempts = job.attempts, %error, "sending a receipt failed; will retry");
                    }
                    self.db
                        .mark_message_failed(&job.id, &claim, retry_at, &error, park)
                        .await?;
                }
            },
        }
        Ok(true)
    }

    fn lease_millis(&self) -> i64 {
        i64::try_from(self.outbox.lease.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// Sends, renewing the claim every third of the lease until the send ends, so a slow mail
    /// server never lets another worker take the receipt and send it too.
    async fn send_keeping_claim(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        job: &ReceiptJob,
        claim: &str,
        receipt: ReceiptText,
    ) -> Result<(), String> {
        let renewing = async {
            let mut ticks = tokio::time::interval(self.outbox.lease / 3);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let until = now_millis() + self.lease_millis();
                if let Err(error) = self.db.renew_claim(&job.id, claim, until).await {
                    crate::warn_throttled!("outbox-lease", %error, "cannot renew a receipt's claim");
                }
            }
        };
        tokio::select! {
            biased;
            sent = self.send(transport, job, receipt) => sent,
            () = renewing => unreachable!("renewing never ends"),
        }
    }

    async fn send(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        job: &ReceiptJob,
        receipt: ReceiptText,
    ) -> Result<(), String> {
        let to: Mailbox = job
            .email
            .as_str()
            .parse()
            .map_err(|error| format!("bad recipient: {error}"))?;
        let domain = self.from.email.domain().to_string();
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(receipt.subject)
            // One id per receipt: a copy sent twice (a crash right after the server accepted
            // it) is recognisable as the same message.
            .message_id(Some(format!("<receipt-{}@{domain}>", job.id)))
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
    fn backoff_millis(&self, attempts: u32) -> i64 {
        let base = i64::try_from(self.outbox.retry_base.as_millis()).unwrap_or(30_000);
        let doublings = attempts.clamp(1, 16) - 1;
        base.saturating_mul(1 << doublings).min(6 * 3_600_000)
    }
}
