//! The donations service: it owns the flow of a gift from the form to the money. Starting a gift
//! (store once per form token, then begin paying), continuing a payment, applying what payment
//! providers report (see `events`), staff confirming a transfer, finding a donor's gift, and the
//! live progress all go through here; handlers stay thin and providers stay adapters.

mod events;
mod exceptions;
mod progress;
mod staff;
mod status_watch;

pub use exceptions::AcceptError;
pub use progress::Progress;
pub use staff::{
    ConfirmError, Imported, MappingError, OfflineError, OfflineGift, OfflineGiftError, RefundError,
    Review, Seen, Transfer, VoidReason, DEFAULT_UNDO_WINDOW,
};

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{watch, Notify};

use crate::changes::{Change, Changes};
use crate::limits::{CardEvent, Limits};
use crate::payment::{CheckoutRequest, NextStep, Payments, ProviderError};
use sharecare_content::i18n::t;
use sharecare_content::paths::{self, CheckoutReturn};
use sharecare_content::Content;
use sharecare_db::{Database, DbError, Inserted, NewDonation, NewPayment};
use sharecare_domain::donation::{Donation, PaymentMethod};
use sharecare_domain::form::{DonationRequest, GivingRules};
use sharecare_domain::identifiers::{FormToken, Reference};
use sharecare_domain::secrets::{constant_time_eq, random_hex};
use sharecare_domain::status::{DonationStatus, Transition};
use sharecare_domain::time::Timestamp;
use sharecare_domain::Locale;
use status_watch::StatusWatchers;

/// Why a donation could not be marked paid.
#[derive(Debug, thiserror::Error)]
pub enum MarkPaidError {
    #[error("no donation has that reference")]
    NotFound,
    #[error("the donation is {}, so it cannot be marked paid", .0.as_str())]
    Closed(DonationStatus),
    #[error("the donation is paid by card, through the payment provider")]
    NotATransfer,
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Why a gift could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartGiftError {
    /// The form's token already made a different gift (another amount, frequency or email):
    /// the donor is shown that gift and offered a new form, never silently the first gift.
    #[error("the form token already made {}", .0.reference.as_str())]
    TokenUsed(Box<Donation>),
    /// Nothing was stored; the donor can submit the same form again.
    #[error("cannot store the donation: {0}")]
    Storage(#[from] DbError),
    /// The gift is stored and nothing was charged: submitting the same form again finds the
    /// same donation (and the same checkout), or the donor can choose a transfer.
    #[error("cannot start the payment for {}: {error}", .donation.reference.as_str())]
    Payment {
        donation: Box<Donation>,
        error: ProviderError,
    },
}

/// A gift that is stored and on its way to being paid.
#[derive(Debug, Clone)]
pub struct StartedGift {
    pub donation: Donation,
    pub next: NextStep,
}

/// What "continue to secure payment" came to.
#[derive(Debug, Clone)]
pub enum Continued {
    /// No gift has that reference and key.
    NotFound,
    /// The gift no longer waits for payment (paid, expired...): its page says so.
    Settled(Donation),
    Started(StartedGift),
    /// The payment service could not be reached; the gift stays pending.
    PaymentUnavailable(Donation),
}

/// Donations and the progress they add up to.
pub struct Donations {
    db: Database,
    content: Arc<Content>,
    payments: Arc<Payments>,
    /// For the payment provider's return URLs; never taken from a request.
    public_base_url: String,
    progress: watch::Sender<Progress>,
    receipts_due: Arc<Notify>,
    limits: Arc<Limits>,
    status_watchers: Arc<StatusWatchers>,
    changes: Arc<Changes>,
    /// How long a confirmation by hand can be undone (see `Settings::undo_confirmation`).
    undo_window: Duration,
}

impl Donations {
    /// Reads the current totals so the first page served already shows them.
    pub async fn new(
        db: Database,
        content: Arc<Content>,
        payments: Arc<Payments>,
        limits: Arc<Limits>,
        changes: Arc<Changes>,
        public_base_url: &str,
    ) -> Result<Donations, DbError> {
        // Payments recorded before receipts were numbered get theirs, once (a no-op after).
        db.issue_missing_receipts(Timestamp::now()).await?;
        let initial = Progress::of(&content, db.paid_totals().await?);
        let (progress, _) = watch::channel(initial);
        Ok(Donations {
            status_watchers: Arc::new(StatusWatchers::new(db.clone())),
            db,
            content,
            payments,
            public_base_url: public_base_url.to_string(),
            progress,
            receipts_due: Arc::new(Notify::new()),
            limits,
            changes,
            undo_window: DEFAULT_UNDO_WINDOW,
        })
    }

    /// What the donation form accepts: the content's currency and limits, and card payments
    /// when a card provider is configured and the card-testing breaker has not paused them.
    pub fn giving_rules(&self) -> GivingRules {
        GivingRules {
            currency: self.content.organisation.currency(),
            limits: self.content.amount_limits(),
            card_payments: self.payments.card_payments() && !self.cards_paused(),
            card_fee: self.content.giving.card_fee.rate(),
        }
    }

    /// How long a confirmation by hand can be undone (`UNDO_CONFIRMATION_SECONDS`).
    pub fn with_undo_window(mut self, window: Duration) -> Donations {
        self.undo_window = window;
        self
    }

    pub fn undo_window(&self) -> Duration {
        self.undo_window
    }

    /// Whether card gifts are paused by the card-testing breaker (the form says so and offers
    /// transfers).
    pub fn cards_paused(&self) -> bool {
        self.payments.card_payments() && self.limits.breaker().is_paused(Timestamp::now())
    }

    /// Stores a checked gift once per form token, then begins paying for it: a hosted
    /// checkout for a card gift, the transfer instructions otherwise.
    #[tracing::instrument(name = "start_gift", skip_all, fields(reference))]
    pub async fn start_gift(
        &self,
        request: &DonationRequest,
        locale: Locale,
    ) -> Result<StartedGift, StartGiftError> {
        let donation = self.record(request, locale).await?;
        tracing::Span::current().record("reference", donation.reference.as_str());
        if !same_gift(&donation, request) {
            return Err(StartGiftError::TokenUsed(Box::new(donation)));
        }
        // A transfer pledge's payment details go out by email at once, so a donor who closes
        // the thank-you page can still pay (once per pledge, however often the form is sent).
        if donation.payment_method == PaymentMethod::Offline && donation.status.awaits_payment() {
            match self
                .db
                .queue_payment_details(&donation.id, Timestamp::now())
                .await
            {
                Ok(true) => self.receipts_due.notify_one(),
                Ok(false) => {}
                // The gift is stored and its page shows how to pay: the email is not worth
                // failing the gift for.
                Err(error) => tracing::error!(%error, "cannot queue a pledge's payment details"),
            }
        }
        // A gift already paid (or closed) is not paid for again: its page says where it stands.
        if !donation.status.awaits_payment() {
            return Ok(StartedGift {
                donation,
                next: NextStep::ShowInstructions,
            });
        }
        match self.begin_payment(&donation, locale).await {
            Ok(next) => Ok(StartedGift { donation, next }),
            Err(error) => Err(StartGiftError::Payment {
                donation: Box::new(donation),
                error,
            }),
        }
    }

    /// "Continue to secure payment" from the gift's own page (after cancelling at the
    /// checkout, or coming back later).
    #[tracing::instrument(name = "continue_checkout", skip_all, fields(reference = reference.as_str()))]
    pub async fn continue_payment(
        &self,
        reference: &Reference,
        access_key: &str,
        locale: Locale,
    ) -> Result<Continued, DbError> {
        let Some(donation) = self.find_for_donor(reference, access_key).await? else {
            return Ok(Continued::NotFound);
        };
        if !donation.status.awaits_payment() {
            return Ok(Continued::Settled(donation));
        }
        Ok(match self.begin_payment(&donation, locale).await {
            Ok(next) => Continued::Started(StartedGift { donation, next }),
            Err(error) => {
                tracing::error!(%error, "cannot start the payment");
                Continued::PaymentUnavailable(donation)
            }
        })
    }

    /// Stores a checked gift once per form token: the same token again returns the donation
    /// it already made. Transient database failures (a locked SQLite file, a dropped
    /// PostgreSQL connection) are retried; that is safe because the insert is idempotent.
    async fn record(&self, request: &DonationRequest, locale: Locale) -> Result<Donation, DbError> {
        const BACKOFF: [Duration; 3] = [
            Duration::from_millis(50),
            Duration::from_millis(200),
            Duration::from_millis(800),
        ];
        let mut attempt = 0;
        loop {
            let new = NewDonation {
                id: random_hex::<16>(),
                reference: Reference::from_random(rand::rng().random()),
                access_key: random_hex::<16>(),
                request,
                locale,
                created_at: Timestamp::now(),
            };
            match self.db.insert_donation(&new).await {
                Ok(Inserted::Created(donation)) => return Ok(donation),
                Ok(Inserted::Existing(donation)) if same_gift(&donation, request) => {
                    return self.follow_latest_method(donation, request).await
                }
                Ok(Inserted::Existing(donation)) => return Ok(donation),
                // The random reference clashed with another gift's: draw another at once.
                Err(error) if error.is_unique_violation() && attempt < BACKOFF.len() => {}
                Err(error) if error.is_transient() && attempt < BACKOFF.len() => {
                    tracing::warn!(%error, attempt, "storing a donation failed; retrying");
                    tokio::time::sleep(BACKOFF[attempt]).await;
                }
                Err(error) => return Err(error),
            }
            attempt += 1;
        }
    }

    /// The same form sent again with the other payment method (say, transfer after the card
    /// service failed): a donation nobody has paid yet follows the donor's latest choice.
    async fn follow_latest_method(
        &self,
        donation: Donation,
        request: &DonationRequest,
    ) -> Result<Donation, DbError> {
        let unchanged =
            donation.payment_method == request.payment_method && donation.fee == request.fee;
        if unchanged || !donation.status.awaits_payment() {
            return Ok(donation);
        }
        self.db
            .set_payment_method(&donation.id, request.payment_method, request.fee)
            .await?;
        // A checkout made before was priced for the old choice (the fee box, the method): it
        // is retired, and expired at Stripe so it cannot be paid at that price; paying by card
        // again makes a new one. Paid all the same (an old tab), it is still recorded at its
        // own price.
        if let Some(old) = &donation.checkout {
            if self
                .db
                .retire_checkout(&donation.id, &old.session_id)
                .await?
            {
                if let Some(stripe) = self.payments.stripe() {
                    if let Err(error) = stripe.expire_session(&old.session_id).await {
                        tracing::warn!(%error, "cannot expire a retired checkout; it lapses on its own");
                    }
                }
            }
        }
        Ok(self
            .db
            .donation_by_id(&donation.id)
            .await?
            .unwrap_or(donation))
    }

    /// Starts paying for a stored donation with its method. A card gift sent to a hosted
    /// checkout before goes back to the same one.
    async fn begin_payment(
        &self,
        donation: &Donation,
        locale: Locale,
    ) -> Result<NextStep, ProviderError> {
        if let Some(checkout) = donation.open_checkout() {
            return Ok(NextStep::Checkout(checkout.clone()));
        }
        let returning = |returned| {
            paths::absolute(
                &self.public_base_url,
                &paths::gift_page_with_key_after_checkout(
                    locale,
                    &donation.reference,
                    &donation.access_key,
                    returned,
                ),
            )
        };
        let request = CheckoutRequest {
            donation,
            locale,
            description: format!(
                "{} · {}",
                self.content.organisation.name.get(locale),
                t(locale).donate_title
            ),
            success_url: returning(CheckoutReturn::Success),
            cancel_url: returning(CheckoutReturn::Cancelled),
        };
        let next = self.payments.begin(&request).await?;
        if let NextStep::Checkout(checkout) = &next {
            self.limits
                .breaker()
                .record(CardEvent::CheckoutCreated, Timestamp::now())
                .await;
            // Without this record a retry would still reach the same session (the provider's
            // idempotency key), only more slowly; so a failure here is logged, not fatal.
            if let Err(error) = self.db.set_checkout(&donation.id, checkout).await {
                tracing::warn!(%error, "cannot remember the checkout session");
            }
        }
        Ok(next)
    }

    /// The donation behind a donor's link, only if the link's secret matches.
    pub async fn find_for_donor(
        &self,
        reference: &Reference,
        access_key: &str,
    ) -> Result<Option<Donation>, DbError> {
        let donation = self.db.donation_by_reference(reference).await?;
        Ok(donation.filter(|donation| {
            constant_time_eq(donation.access_key.as_bytes(), access_key.as_bytes())
        }))
    }

    /// Whether the database answers and is migrated (`/readyz`).
    pub async fn database_ready(&self) -> bool {
        self.db.is_ready().await
    }

    /// The gift a form token already made, if any (a donor coming back to the form).
    pub async fn gift_for_token(&self, token: &FormToken) -> Result<Option<Donation>, DbError> {
        self.db.donation_by_token(token).await
    }

    /// The donation's status as one shared watcher reads it (see `status_watch`); the channel
    /// closes once the status is final.
    pub fn watch_status(&self, donation: &Donation) -> watch::Receiver<Option<DonationStatus>> {
        self.status_watchers.watch(&donation.id)
    }

    /// Database reads made to follow donations' statuses since start.
    pub fn status_queries(&self) -> u64 {
        self.status_watchers.queries()
    }

    /// Deletes pledges never paid that are older than the privacy notice promises to keep
    /// them (content: `unpaid_pledges_kept_days`). Paid gifts are kept.
    pub async fn delete_old_pledges(&self, now: Timestamp) -> Result<u64, DbError> {
        let days = u64::from(self.content.privacy.unpaid_pledges_kept_days);
        self.db
            .delete_unpaid_donations_before(now.minus(Duration::from_secs(days * 86_400)))
            .await
    }

    /// Takes the text out of bank statements uploaded longer ago than the privacy notice keeps
    /// them (content: `statements_kept_days`): (files, lines) changed.
    pub async fn redact_old_statements(&self, now: Timestamp) -> Result<(u64, u64), DbError> {
        let days = u64::from(self.content.privacy.statements_kept_days);
        self.db
            .redact_old_statements(now.minus(Duration::from_secs(days * 86_400)))
            .await
    }

    /// Confirms that an offline gift's money arrived, in full and today (staff, from the
    /// command line): records the payment and queues the receipt. Confirming twice is
    /// harmless; a failed or cancelled gift cannot be confirmed.
    pub async fn mark_paid(&self, reference: &Reference) -> Result<Transition, MarkPaidError> {
        let donation = self
            .db
            .donation_by_reference(reference)
            .await?
            .ok_or(MarkPaidError::NotFound)?;
        let actor = sharecare_db::Actor::command_line();
        let now = Timestamp::now();
        // Once per gift and Hong Kong month: running the command twice records one payment.
        let (year, month, _) = now.hong_kong_date();
        let confirmation = format!("cli-{}-{year:04}-{month:02}", reference.as_str());
        self.confirm_transfer(Transfer {
            reference,
            received: donation.charged(),
            received_at: now,
            seen: Seen::ByHand {
                confirmation_id: &confirmation,
                method: sharecare_db::OfflineMethod::Transfer,
                cheque_number: None,
            },
            accept_difference: false,
            actor: &actor,
        })
        .await
        .map_err(|error| match error {
            ConfirmError::NotFound => MarkPaidError::NotFound,
            ConfirmError::Closed(status) => MarkPaidError::Closed(status),
            ConfirmError::Database(error) => MarkPaidError::Database(error),
            // Card gifts are paid through the provider: nothing for staff to mark.
            ConfirmError::NotATransfer
            | ConfirmError::AmountDiffers { .. }
            | ConfirmError::Currency(_)
            | ConfirmError::PaidInFull(_)
            | ConfirmError::Held
            | ConfirmError::Unchecked => MarkPaidError::NotATransfer,
        })
    }

    /// After a payment is stored: the receipt worker wakes, and totals and the donation's page
    /// move at once, on every instance.
    async fn payment_recorded(&self, donation_id: &str) {
        self.receipts_due.notify_one();
        self.totals_changed().await;
        self.status_changed(donation_id).await;
    }

    /// The totals moved: this instance's at once, every other's through the announcement.
    async fn totals_changed(&self) {
        if let Err(error) = self.refresh_progress().await {
            crate::warn_throttled!("progress", %error, "cannot refresh campaign progress");
        }
        self.changes.announce(Change::Totals).await;
    }

    /// A donation's status changed: pages watching it, on any instance, read it again.
    async fn status_changed(&self, donation_id: &str) {
        self.changes
            .announce(Change::Donation(donation_id.to_string()))
            .await;
    }

    /// Follows announced changes until the announcements end: totals are read again, and the
    /// watchers of changed donations wake (see `status_watch`).
    pub async fn follow_changes(self: Arc<Self>) {
        let watchers = tokio::spawn(self.status_watchers.clone().hear(self.changes.subscribe()));
        let mut changes = self.changes.subscribe();
        loop {
            match changes.recv().await {
                Ok(Change::Totals) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if let Err(error) = self.refresh_progress().await {
                        crate::warn_throttled!("progress", %error, "cannot refresh campaign progress");
                    }
                }
                Ok(Change::Donation(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        watchers.abort();
    }

    /// Woken whenever a receipt is queued on this instance (the receipt worker waits on it).
    pub fn receipts_due(&self) -> Arc<Notify> {
        self.receipts_due.clone()
    }

    /// The latest progress, without touching the database.
    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Progress as it changes (the live-progress stream).
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Re-reads the totals from the database; subscribers hear only of real changes.
    pub async fn refresh_progress(&self) -> Result<(), DbError> {
        let latest = Progress::of(&self.content, self.db.paid_totals().await?);
        self.progress.send_if_modified(|current| {
            let changed = *current != latest;
            *current = latest;
            changed
        });
        Ok(())
    }
}

/// Whether a form sent again with the same token is the same gift: the same amount, frequency
/// and email. (The payment method may change while nothing is paid: see `follow_latest_method`.)
fn same_gift(donation: &Donation, request: &DonationRequest) -> bool {
    donation.amount == request.amount
        && donation.frequency == request.frequency
        && donation.email.normalized() == request.email.normalized()
}

/// A payment of the donation's full amount from `source_id`, made at `paid_at`, with a receipt
/// unless the donor asked for none.
fn payment_for(donation: &Donation, source_id: String, paid_at: Timestamp) -> NewPayment {
    NewPayment {
        id: random_hex::<16>(),
        donation_id: donation.id.clone(),
        source_id,
        payment_intent_id: None,
        amount: donation.charged(),
        paid_at,
        subscription_id: None,
        fee_minor: None,
        receipt_id: donation.receipt.wanted().then(random_hex::<16>),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use sharecare_domain::donor::{Email, Receipt};
    use sharecare_domain::form::DonationRequest;
    use sharecare_domain::money::{Currency, Money};

    #[test]
    fn a_gift_is_the_same_only_with_the_same_amount_frequency_and_email() {
        let request = DonationRequest {
            amount: Money::new(30_000, Currency::Hkd),
            frequency: sharecare_domain::donation::Frequency::OneOff,
            email: Email::parse("Mei@Example.org").unwrap(),
            name: None,
            receipt: Receipt::NoReceipt,
            marketing_opt_in: false,
            token: FormToken::parse(&format!("{}.{}", "a".repeat(32), "b".repeat(32))).unwrap(),
            referral: None,
            payment_method: sharecare_domain::donation::PaymentMethod::Card,
            fee: Money::new(0, Currency::Hkd),
            tribute: None,
            attribution: Default::default(),
        };
        let donation = Donation {
            id: "d".into(),
            reference: Reference::parse("LBC-7K3Q9X").unwrap(),
            access_key: "k".into(),
            status: DonationStatus::Pending,
            amount: request.amount,
            frequency: request.frequency,
            payment_method: sharecare_domain::donation::PaymentMethod::Offline,
            email: Email::parse("mei@example.org").unwrap(),
            donor_name: None,
            receipt: Receipt::NoReceipt,
            marketing_consent: false,
            consent_recorded_at: Timestamp::EPOCH,
            locale: Locale::En,
            referral: None,
            created_at: Timestamp::EPOCH,
            paid_at: None,
            checkout: None,
            checkout_round: 0,
            subscription_id: None,
            ended_at: None,
            flag: None,
            paused_until: None,
            next_charge_at: None,
            fee: Money::new(0, Currency::Hkd),
            tribute: None,
            attribution: Default::default(),
        };
        assert!(
            same_gift(&donation, &request),
            "the method may differ, the email's case too"
        );
        let more = DonationRequest {
            amount: Money::new(50_000, Currency::Hkd),
            ..request.clone()
        };
        assert!(!same_gift(&donation, &more));
        let monthly = DonationRequest {
            frequency: sharecare_domain::donation::Frequency::Monthly,
            ..request.clone()
        };
        assert!(!same_gift(&donation, &monthly));
        let other_email = DonationRequest {
            email: Email::parse("someone@example.org").unwrap(),
            ..request
        };
        assert!(!same_gift(&donation, &other_email));
    }
}
