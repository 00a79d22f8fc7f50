//! The receipt worker: claims due receipts from the outbox, sends them, and records the result.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::compose;
use super::documents::{self, ReceiptFacts, ReceiptSeal};
use super::notices::{
    change_mail, payment_details_mail, summary_mail, tribute_mail, ChangeNotice, Mail,
};
use super::tax_rules::TaxRules;
use crate::mailer::Mailer;
use crate::telemetry::redact_emails;
use sharecare_content::paths;
use sharecare_content::Content;
use sharecare_db::{Database, DbError, Delivered, OutboxJob, OutboxMessage, ReceiptJob};
use sharecare_domain::donation::PaymentMethod;
use sharecare_domain::donor::Email;
use sharecare_domain::donor::HolderKind;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::Timestamp;

/// Sends the outbox's mail (receipts with their PDFs, confirmations of changes, yearly
/// summaries). Several may run (one per instance): each claims a message for a lease before
/// sending, so no two send the same one, and a crashed worker's claim lapses and another
/// sends it.
pub struct ReceiptSender {
    db: Database,
    content: Arc<Content>,
    mailer: Arc<Mailer>,
    outbox: OutboxSettings,
    wake: Arc<Notify>,
    context: MailContext,
}

/// What mail needs besides content: the seal printed on receipts, and the site's public
/// address for the links in them.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub seal: ReceiptSeal,
    pub public_base_url: String,
}

/// A message made ready: to whom, and what.
struct Prepared {
    to: Email,
    mail: Mail,
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
        mailer: Arc<Mailer>,
        outbox: OutboxSettings,
        wake: Arc<Notify>,
        context: MailContext,
    ) -> ReceiptSender {
        ReceiptSender {
            db,
            content,
            mailer,
            outbox,
            wake,
            context,
        }
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

    /// Claims and delivers one due message; `false` when none is due.
    #[tracing::instrument(name = "send_receipt", skip_all, fields(reference))]
    pub async fn send_next(&self) -> Result<bool, DbError> {
        let now = Timestamp::now();
        let claim = random_hex::<16>();
        let lease_until = now.plus(self.outbox.lease);
        let unlogged_only = !self.mailer.sends();
        let Some(message) = self
            .db
            .claim_due_message(&claim, now, lease_until, unlogged_only)
            .await?
        else {
            return Ok(false);
        };
        let prepared = match self.prepare(&message).await {
            Ok(Some(prepared)) => prepared,
            // Nothing to say any more (a pledge paid, or switched to a card, before its
            // payment details went out).
            Ok(None) => {
                self.db.discard_message(&message.id, &claim).await?;
                return Ok(true);
            }
            Err(error) => {
                // A message that cannot be composed (a PDF that fails to draw) is retried
                // and, past the limit, parked for staff like an undeliverable one.
                return self.failed(&message, &claim, &error).await.map(|()| true);
            }
        };
        if !self.mailer.sends() {
            {
                // The reference only: the message's words hold the donor's name and address.
                tracing::info!(
                    "message composed; no SMTP_URL is set, so it stays in the outbox until one is"
                );
                self.db
                    .mark_message_delivered(
                        &message.id,
                        &claim,
                        Delivered::Logged,
                        Timestamp::now(),
                    )
                    .await?;
            }
            return Ok(true);
        }
        match self
            .send_keeping_claim(&message.id, &claim, &prepared)
            .await
        {
            Ok(()) => {
                tracing::info!("message sent");
                self.db
                    .mark_message_delivered(&message.id, &claim, Delivered::Sent, Timestamp::now())
                    .await?;
            }
            Err(error) => self.failed(&message, &claim, &error).await?,
        }
        Ok(true)
    }

    /// Records a failed try: again later with backoff, or parked after the last try.
    async fn failed(
        &self,
        message: &OutboxMessage,
        claim: &str,
        error: &str,
    ) -> Result<(), DbError> {
        // Mail errors quote addresses: neither the log nor the outbox keeps them.
        let error = redact_emails(error);
        let now = Timestamp::now();
        let retry_at = now.plus(self.backoff(message.attempts));
        metrics::counter!("sharecare_outbox_failures_total").increment(1);
        let park = (message.attempts >= self.outbox.max_attempts).then_some(now);
        if park.is_some() {
            tracing::warn!(attempts = message.attempts, %error, "a message could not be delivered; parked for staff");
            metrics::counter!("sharecare_outbox_parked_total").increment(1);
        } else {
            tracing::warn!(attempts = message.attempts, %error, "sending a message failed; will retry");
        }
        self.db
            .mark_message_failed(&message.id, claim, retry_at, &error, park)
            .await
    }

    /// Writes the message (and draws its PDF) in the donor's language; `None` when it no
    /// longer needs sending.
    async fn prepare(&self, message: &OutboxMessage) -> Result<Option<Prepared>, String> {
        let base = self.context.public_base_url.clone();
        match &message.job {
            OutboxJob::Receipt(job) => {
                tracing::Span::current().record("reference", job.reference.as_str());
                let manage = paths::absolute(&base, &paths::my_gifts(job.locale));
                // The note follows the holder's year as it stood when the receipt was issued,
                // so the email, its PDF and the PDF downloaded later say the same.
                let (attachment, tax_note) = match &job.tax_receipt {
                    Some(receipt) => {
                        let tax_note = self.tax_note(job, receipt).await?;
                        (
                            Some(self.receipt_pdf(job, receipt, tax_note).await?),
                            tax_note,
                        )
                    }
                    None => (None, None),
                };
                let text = compose(
                    &self.content,
                    job,
                    Some(&manage),
                    attachment.is_some(),
                    tax_note,
                );
                Ok(Some(Prepared {
                    to: job.email.clone(),
                    mail: Mail {
                        subject: text.subject,
                        plain: text.plain,
                        html: text.html,
                        attachment,
                        inline_image: None,
                    },
                }))
            }
            OutboxJob::GiftChange { donation, notice } => {
                tracing::Span::current().record("reference", donation.reference.as_str());
                let notice = ChangeNotice::from_json(notice)
                    .ok_or_else(|| "an unreadable change notice".to_string())?;
                let manage = paths::absolute(&base, &paths::my_gifts(donation.locale));
                Ok(Some(Prepared {
                    to: donation.email.clone(),
                    mail: change_mail(&self.content, donation, &notice, &manage),
                }))
            }
            OutboxJob::YearlySummary {
                email_key,
                year_start,
                holder_receipt_id,
                donation,
            } => {
                let receipts = self
                    .db
                    .receipts_of_donor(email_key)
                    .await
                    .map_err(|error| error.to_string())?;
                let rules = TaxRules::of(&self.content);
                let year = rules
                    .summary_of(&receipts, *year_start, holder_receipt_id.as_deref())
                    .ok_or_else(|| "no receipts of this holder to summarise".to_string())?;
                let locale = donation.locale;
                let pdf = documents::draw_summary(self.content.clone(), &year, *year_start, locale)
                    .await?;
                let manage = paths::absolute(&base, &paths::my_gifts(locale));
                Ok(Some(Prepared {
                    to: donation.email.clone(),
                    mail: summary_mail(
                        &self.content,
                        donation,
                        *year_start,
                        year.holder.name,
                        &manage,
                        pdf,
                    ),
                }))
            }
            OutboxJob::TributeNotice { donation } => {
                tracing::Span::current().record("reference", donation.reference.as_str());
                let home = paths::absolute(&base, &paths::home(donation.locale));
                let notice = donation
                    .tribute
                    .as_ref()
                    .and_then(|tribute| tribute.notify.as_ref())
                    .ok_or_else(|| "the gift no longer names anyone to tell".to_string())?;
                let mail = tribute_mail(&self.content, donation, &home)
                    .ok_or_else(|| "the gift no longer names anyone to tell".to_string())?;
                Ok(Some(Prepared {
                    to: notice.email.clone(),
                    mail,
                }))
            }
            OutboxJob::PaymentDetails { donation } => {
                tracing::Span::current().record("reference", donation.reference.as_str());
                let still_to_pay = donation.status.awaits_payment()
                    && donation.payment_method == PaymentMethod::Offline
                    && donation.flag.is_none();
                if !still_to_pay {
                    return Ok(None);
                }
                let payload = crate::payment::fps::gift_payload(&self.content, donation);
                let png = crate::qr::qr_png(&payload)
                    .ok_or_else(|| "the FPS QR code cannot be drawn".to_string())?;
                let gift_url = paths::absolute(
                    &base,
                    &paths::gift_page_with_key(
                        donation.locale,
                        &donation.reference,
                        &donation.access_key,
                    ),
                );
                Ok(Some(Prepared {
                    to: donation.email.clone(),
                    mail: payment_details_mail(&self.content, donation, &gift_url, png),
                }))
            }
        }
    }

    /// The tax note a receipt carries, from the donor's receipts.
    async fn tax_note(
        &self,
        job: &ReceiptJob,
        receipt: &sharecare_db::TaxReceipt,
    ) -> Result<Option<HolderKind>, String> {
        let receipts = self
            .db
            .receipts_of_donor(&job.email.normalized())
            .await
            .map_err(|error| error.to_string())?;
        Ok(TaxRules::of(&self.content).tax_note(receipt, &receipts))
    }

    /// A receipt's PDF, drawn off the async threads.
    async fn receipt_pdf(
        &self,
        job: &ReceiptJob,
        receipt: &sharecare_db::TaxReceipt,
        tax_note: Option<HolderKind>,
    ) -> Result<(String, Vec<u8>), String> {
        let content = self.content.clone();
        let receipt = receipt.clone();
        let reference = job.reference.clone();
        let (frequency, locale) = (job.frequency, job.locale);
        let code = self.context.seal.code(&receipt);
        let verify_url = paths::absolute(&self.context.public_base_url, paths::verify_receipt());
        let file_name = format!("receipt-{}.pdf", receipt.number_text().replace('/', "-"));
        let pdf = tokio::task::spawn_blocking(move || {
            documents::receipt_pdf(
                &content,
                &ReceiptFacts {
                    receipt: &receipt,
                    reference: &reference,
                    frequency,
                    locale,
                    verify_url,
                    code,
                    tax_note,
                },
            )
        })
        .await
        .map_err(|error| error.to_string())??;
        Ok((file_name, pdf))
    }

    /// Sends, renewing the claim every third of the lease until the send ends, so a slow mail
    /// server never lets another worker take the message and send it too.
    async fn send_keeping_claim(
        &self,
        id: &str,
        claim: &str,
        prepared: &Prepared,
    ) -> Result<(), String> {
        let renewing = async {
            let mut ticks = tokio::time::interval(self.outbox.lease / 3);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let until = Timestamp::now().plus(self.outbox.lease);
                if let Err(error) = self.db.renew_claim(id, claim, until).await {
                    crate::warn_throttled!("outbox-lease", %error, "cannot renew a message's claim");
                }
            }
        };
        tokio::select! {
            biased;
            sent = self.mailer.send(id, &prepared.to, &prepared.mail) => sent,
            () = renewing => unreachable!("renewing never ends"),
        }
    }

    /// `retry_base`, doubled per failed attempt, at most six hours.
    fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.clamp(1, 16) - 1;
        self.outbox
            .retry_base
            .saturating_mul(1 << doublings)
            .min(Duration::from_secs(6 * 3_600))
    }
}
