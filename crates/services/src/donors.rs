//! Donors looking after their own gifts, without a password: a 6-digit code and a link by email
//! (kept as keyed hashes, single use, 15 minutes, limited per email and per address); their
//! gifts, payments and receipts; changes to monthly card gifts through the provider (confirmed
//! by its webhook and by email); the receipt name and news consent; what they hold (to
//! download) and deleting it; receipts' PDFs, yearly summaries, and checking a receipt.

use std::net::IpAddr;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use rand::Rng;
use serde::Serialize;
use sha2::Sha256;

use crate::limits::{Limits, Refusal, Rule, TooMany};
use crate::mailer::Mailer;
use crate::payment::stripe::SubscriptionChange;
use crate::payment::{Payments, ProviderError};
use crate::receipts::documents::{self, ReceiptFacts, ReceiptSeal, SummaryFacts};
use crate::receipts::Mail;
use sharecare_content::i18n::{fill, t};
use sharecare_content::paths;
use sharecare_content::Content;
use sharecare_db::{
    ConsentEvent, Database, DbError, Erased, GiftChange, NewSignIn, PaymentRecord, TaxReceipt,
};
use sharecare_domain::calendar::{
    hong_kong_date, hong_kong_midnight, tax_year_bounds, tax_year_of,
};
use sharecare_domain::changes::ChangeKind;
use sharecare_domain::clock::now_millis;
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::donor::{Email, PersonName};
use sharecare_domain::money::Money;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::Locale;

/// How long a code and its link work.
pub const SIGN_IN_VALID_MS: i64 = 15 * 60_000;

/// Why a sign-in was refused (staff of the site see why in the log; the donor sees one
/// message for all of these but `TooMany`).
#[derive(Debug, thiserror::Error)]
pub enum SignInRefusal {
    #[error("the code or link is wrong, used or expired")]
    Wrong,
    #[error("too many tries")]
    TooMany(TooMany),
    #[error("the database is unavailable")]
    Unavailable,
}

impl From<Refusal> for SignInRefusal {
    fn from(refusal: Refusal) -> SignInRefusal {
        match refusal {
            Refusal::TooMany(too_many) => SignInRefusal::TooMany(too_many),
            Refusal::Unavailable => SignInRefusal::Unavailable,
        }
    }
}

impl From<DbError> for SignInRefusal {
    fn from(error: DbError) -> SignInRefusal {
        tracing::error!(%error, "cannot check a donor's sign-in");
        SignInRefusal::Unavailable
    }
}

/// One gift as its donor sees it.
#[derive(Debug, Clone)]
pub struct GiftView {
    pub donation: Donation,
    pub payments: Vec<PaymentRecord>,
    pub receipts: Vec<TaxReceipt>,
    pub changes: Vec<GiftChange>,
}

impl GiftView {
    /// A monthly card gift still running: it can be paused, changed or stopped here.
    pub fn manageable(&self) -> bool {
        let d = &self.donation;
        d.frequency == Frequency::Monthly
            && d.payment_method == PaymentMethod::Card
            && d.subscription_id.is_some()
            && d.ended_at.is_none()
    }

    /// Requests the provider has not confirmed yet (shown as "on its way").
    pub fn pending(&self) -> Vec<&GiftChange> {
        self.changes
            .iter()
            .filter(|change| {
                change.confirmed_at.is_none()
                    && change.error.is_none()
                    && change.kind != ChangeKind::Card.as_str()
            })
            .collect()
    }
}

/// What a donor asks of a monthly card gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRequest {
    /// Skip 1 to 3 months.
    Pause {
        months: u32,
    },
    Resume,
    Amount(Money),
    /// Be charged on this day of the month (1–28) from now on.
    Day(u32),
    Cancel {
        reason: String,
    },
    /// Update the card (at the provider's own page).
    Card,
}

impl ChangeRequest {
    fn kind(&self) -> ChangeKind {
        match self {
            ChangeRequest::Pause { .. } => ChangeKind::Pause,
            ChangeRequest::Resume => ChangeKind::Resume,
            ChangeRequest::Amount(_) => ChangeKind::Amount,
            ChangeRequest::Day(_) => ChangeKind::Day,
            ChangeRequest::Cancel { .. } => ChangeKind::Cancel,
            ChangeRequest::Card => ChangeKind::Card,
        }
    }
}

/// What a change request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Asked of the provider; it takes effect when its webhook confirms it.
    Requested,
    /// Go here (the provider's page for the card) and come back.
    Redirect(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such gift of this donor's that can be changed here")]
    NotFound,
    #[error("the request is not one that can be made")]
    Invalid,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Database(#[from] DbError),
}

#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    /// Monthly gifts still running must be stopped first (nothing more may be taken from
    /// someone whose details are gone).
    #[error("a monthly gift is still running")]
    MonthlyRunning,
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Everything held about a donor, as they download it.
#[derive(Debug, Clone, Serialize)]
pub struct DonorData {
    pub email: String,
    pub gifts: Vec<GiftData>,
    pub consent_history: Vec<ConsentEvent>,
    pub messages: Vec<MessageData>,
}

/// A message the donor sent the charity from My gifts.
#[derive(Debug, Clone, Serialize)]
pub struct MessageData {
    pub reference: Option<String>,
    pub sent_at: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GiftData {
    pub reference: String,
    pub created_at: String,
    pub status: String,
    pub amount: String,
    pub currency: String,
    pub frequency: String,
    pub payment_method: String,
    pub email: String,
    pub name: Option<String>,
    pub receipt: String,
    pub receipt_name: Option<String>,
    pub marketing_consent: bool,
    pub language: String,
    pub referral_code: Option<String>,
    pub payments: Vec<PaymentData>,
    pub receipts: Vec<ReceiptData>,
    pub requested_changes: Vec<ChangeData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentData {
    pub paid_at: String,
    pub amount: String,
    pub refunded: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptData {
    pub number: String,
    pub amount: String,
    pub issued_to: Option<String>,
    pub void: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeData {
    pub kind: String,
    pub requested_at: String,
    pub confirmed: bool,
}

/// A receipt checked by its number and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub receipt: TaxReceipt,
    pub valid: bool,
}

pub struct Donors {
    db: Database,
    content: Arc<Content>,
    payments: Arc<Payments>,
    limits: Arc<Limits>,
    mailer: Arc<Mailer>,
    /// Keys the hashes of codes and links (a leaked table reveals none of them).
    key: Vec<u8>,
    seal: ReceiptSeal,
    public_base_url: String,
}

fn iso_time(unix_millis: i64) -> String {
    let (year, month, day) = hong_kong_date(unix_millis);
    let minutes = (unix_millis + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}+08:00",
        minutes / 60,
        minutes % 60
    )
}

impl Donors {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Database,
        content: Arc<Content>,
        payments: Arc<Payments>,
        limits: Arc<Limits>,
        mailer: Arc<Mailer>,
        key: &[u8],
        seal: ReceiptSeal,
        public_base_url: &str,
    ) -> Donors {
        Donors {
            db,
            content,
            payments,
            limits,
            mailer,
            key: key.to_vec(),
            seal,
            public_base_url: public_base_url.to_string(),
        }
    }

    /// The database, for the donors' session store.
    pub fn database(&self) -> Database {
        self.db.clone()
    }

    fn hash(&self, purpose: &str, secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{purpose}\n{secret}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Sends a code and a link if this email has gifts. The answer is the same either way (and
    /// the mail leaves in the background), so it tells no one whether an email gave.
    pub async fn send_sign_in(
        &self,
        email: &str,
        locale: Locale,
        address: IpAddr,
    ) -> Result<(), SignInRefusal> {
        let email_key = email.trim().to_lowercase();
        self.limits
            .check(Rule::DonorSignInPerAddress, &address.to_string())
            .await?;
        self.limits
            .check(Rule::DonorSignInPerEmail, &email_key)
            .await?;
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        if !self.db.has_gifts(&email.normalized()).await? {
            return Ok(());
        }
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let token = random_hex::<16>();
        let now = now_millis();
        let sign_in = NewSignIn {
            id: random_hex::<16>(),
            email_key: email.normalized(),
            code_hash: self.hash(&email.normalized(), &code),
            link_hash: self.hash("link", &token),
            created_at: now,
            expires_at: now + SIGN_IN_VALID_MS,
        };
        self.db.insert_sign_in(&sign_in).await?;
        let link = paths::absolute(&self.public_base_url, &paths::my_gifts_link(locale, &token));
        let mail = sign_in_mail(&self.content, locale, &code, &link);
        let mailer = self.mailer.clone();
        let id = sign_in.id.clone();
        if !mailer.sends() {
            // The code is a secret: only that one was made is logged.
            tracing::warn!("a donor asked for a sign-in code, but no SMTP_URL is set to send it");
            return Ok(());
        }
        tokio::spawn(async move {
            if let Err(error) = mailer.send(&id, &email, &mail).await {
                let error = crate::telemetry::redact_emails(&error);
                tracing::warn!(%error, "cannot send a donor's sign-in code");
            }
        });
        Ok(())
    }

    /// Checks a code typed with its email; the donor's email (lower-cased) when right.
    pub async fn check_code(
        &self,
        email: &str,
        code: &str,
        address: IpAddr,
    ) -> Result<String, SignInRefusal> {
        let email_key = email.trim().to_lowercase();
        self.limits
            .check(Rule::DonorCodePerAddress, &address.to_string())
            .await?;
        self.limits
            .check(Rule::DonorCodePerEmail, &email_key)
            .await?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SignInRefusal::Wrong);
        }
        let hash = self.hash(&email_key, &code);
        if self
            .db
            .use_sign_in_code(&email_key, &hash, now_millis())
            .await?
        {
            Ok(email_key)
        } else {
            tracing::info!("a donor's sign-in code was refused");
            Err(SignInRefusal::Wrong)
        }
    }

    /// Uses a link's token (after the donor pressed the button on its page).
    pub async fn check_link(&self, token: &str, address: IpAddr) -> Result<String, SignInRefusal> {
        self.limits
            .check(Rule::DonorCodePerAddress, &address.to_string())
            .await?;
        match self
            .db
            .use_sign_in_link(&self.hash("link", token.trim()), now_millis())
            .await?
        {
            Some(email_key) => Ok(email_key),
            None => Err(SignInRefusal::Wrong),
        }
    }

    /// A donor's gifts, newest first, each with its payments, receipts and requests.
    pub async fn gifts(&self, email_key: &str) -> Result<Vec<GiftView>, DbError> {
        let mut gifts = Vec::new();
        for donation in self.db.donations_of_donor(email_key).await? {
            gifts.push(GiftView {
                payments: self.db.payments_for_donation(&donation.id).await?,
                receipts: self.db.receipts_of_donation(&donation.id).await?,
                changes: self.db.gift_changes(&donation.id).await?,
                donation,
            });
        }
        Ok(gifts)
    }

    /// One of the donor's own gifts (never another's: the email must match).
    pub async fn gift(
        &self,
        email_key: &str,
        reference: &str,
    ) -> Result<Option<Donation>, DbError> {
        self.db.donors_gift(email_key, reference).await
    }

    /// Asks the provider for a change to a monthly card gift. `request_id` is the form's own
    /// (a double submit is one request, one idempotency key).
    pub async fn change(
        &self,
        email_key: &str,
        reference: &str,
        request: ChangeRequest,
        request_id: &str,
        locale: Locale,
    ) -> Result<ChangeOutcome, ChangeError> {
        let donation = self
            .gift(email_key, reference)
            .await?
            .ok_or(ChangeError::NotFound)?;
        let subscription = match (&donation.subscription_id, donation.ended_at) {
            (Some(subscription), None)
                if donation.frequency == Frequency::Monthly
                    && donation.payment_method == PaymentMethod::Card =>
            {
                subscription.clone()
            }
            _ => return Err(ChangeError::NotFound),
        };
        let stripe = self.payments.stripe().ok_or(ChangeError::NotFound)?;
        // A repeated request (a double submit, a retry) is timed as the first, so that it
        // sends Stripe the same parameters under the same idempotency key.
        let now = self
            .db
            .gift_changes(&donation.id)
            .await?
            .into_iter()
            .find(|change| change.id == request_id)
            .map_or_else(now_millis, |change| change.requested_at);
        let limits = self.content.amount_limits();
        let (change, detail) = match &request {
            ChangeRequest::Pause { months } if (1..=3).contains(months) => {
                let until = (now + i64::from(*months) * 30 * 86_400_000) / 1000;
                (
                    Some(SubscriptionChange::Pause { resumes_at: until }),
                    Some((until * 1000).to_string()),
                )
            }
            ChangeRequest::Resume => (Some(SubscriptionChange::Resume), None),
            ChangeRequest::Amount(money)
                if money.currency == donation.amount.currency
                    && (limits.min_minor..=limits.max_minor).contains(&money.minor) =>
            {
                (
                    Some(SubscriptionChange::Amount { minor: money.minor }),
                    Some(money.minor.to_string()),
                )
            }
            ChangeRequest::Day(day) if (1..=28).contains(day) => {
                let at = next_day_of_month(now, *day) / 1000;
                (
                    Some(SubscriptionChange::NextCharge { at }),
                    Some((at * 1000).to_string()),
                )
            }
            ChangeRequest::Cancel { reason } => (None, Some(reason.chars().take(500).collect())),
            ChangeRequest::Card => (None, None),
            _ => return Err(ChangeError::Invalid),
        };
        let record = GiftChange {
            id: request_id.to_string(),
            donation_id: donation.id.clone(),
            kind: request.kind().as_str().to_string(),
            detail: detail.clone(),
            requested_at: now,
            error: None,
            confirmed_at: None,
        };
        self.db.insert_gift_change(&record).await?;
        let outcome = match (&request, change) {
            (ChangeRequest::Card, _) => {
                let back = paths::absolute(&self.public_base_url, &paths::my_gifts(locale));
                stripe
                    .card_update_url(&subscription, &back, request_id)
                    .await
                    .map(ChangeOutcome::Redirect)
            }
            (ChangeRequest::Cancel { reason }, _) => stripe
                .cancel_subscription(&subscription, reason, request_id)
                .await
                .map(|()| ChangeOutcome::Requested),
            (_, Some(change)) => stripe
                .change_subscription(&subscription, &change, request_id)
                .await
                .map(|()| ChangeOutcome::Requested),
            (_, None) => Err(ProviderError::Rejected("nothing to change".into())),
        };
        match outcome {
            Ok(outcome) => {
                tracing::info!(
                    kind = request.kind().as_str(),
                    "a donor changed a monthly gift"
                );
                Ok(outcome)
            }
            Err(error) => {
                self.db
                    .set_gift_change_error(request_id, &error.to_string())
                    .await?;
                Err(error.into())
            }
        }
    }

    /// The name future receipts of a gift are made out to (`None`: the donor's own name, or
    /// no receipt at all with `wanted: false`).
    pub async fn set_receipt(
        &self,
        email_key: &str,
        reference: &str,
        wanted: bool,
        other_name: Option<PersonName>,
    ) -> Result<bool, DbError> {
        let Some(donation) = self.gift(email_key, reference).await? else {
            return Ok(false);
        };
        let (code, name) = match (wanted, &other_name) {
            (false, _) => ("none", None),
            (true, Some(name)) => ("other_name", Some(name.as_str())),
            (true, None) => ("own_name", None),
        };
        self.db.set_receipt_name(&donation.id, code, name).await?;
        Ok(true)
    }

    pub async fn set_consent(&self, email_key: &str, given: bool) -> Result<(), DbError> {
        self.db
            .set_consent(email_key, given, now_millis(), "my gifts")
            .await
    }

    pub async fn consent_history(&self, email_key: &str) -> Result<Vec<ConsentEvent>, DbError> {
        self.db.consent_history(email_key).await
    }

    /// A message to the charity about a gift (a standing order stopped or changed).
    pub async fn tell_charity(
        &self,
        email_key: &str,
        reference: &str,
        message: &str,
    ) -> Result<bool, DbError> {
        let Some(donation) = self.gift(email_key, reference).await? else {
            return Ok(false);
        };
        let message: String = message.trim().chars().take(2000).collect();
        if message.is_empty() {
            return Ok(false);
        }
        self.db
            .insert_donor_message(&donation.id, email_key, &message, now_millis())
            .await?;
        Ok(true)
    }

    /// Everything held about a donor.
    pub async fn data(&self, email_key: &str) -> Result<DonorData, DbError> {
        let gifts = self.gifts(email_key).await?;
        Ok(DonorData {
            email: email_key.to_string(),
            consent_history: self.db.consent_history(email_key).await?,
            messages: self
                .db
                .donor_messages(email_key)
                .await?
                .into_iter()
                .map(|(reference, message, at)| MessageData {
                    reference,
                    sent_at: iso_time(at),
                    message,
                })
                .collect(),
            gifts: gifts
                .into_iter()
                .map(|gift| {
                    let d = gift.donation;
                    let currency = d.amount.currency;
                    GiftData {
                        reference: d.reference.as_str().to_string(),
                        created_at: iso_time(d.created_at),
                        status: d.status.as_str().to_string(),
                        amount: d.amount.plain_decimal(),
                        currency: currency.code().to_string(),
                        frequency: d.frequency.as_str().to_string(),
                        payment_method: d.payment_method.as_str().to_string(),
                        email: d.email.as_str().to_string(),
                        name: d.donor_name.as_ref().map(|n| n.as_str().to_string()),
                        receipt: d.receipt.code().to_string(),
                        receipt_name: d.receipt_name().map(|n| n.as_str().to_string()),
                        marketing_consent: d.marketing_consent,
                        language: d.locale.code().to_string(),
                        referral_code: d.referral.as_ref().map(|c| c.as_str().to_string()),
                        payments: gift
                            .payments
                            .iter()
                            .map(|p| PaymentData {
                                paid_at: iso_time(p.paid_at),
                                amount: Money::new(p.amount_minor, currency).plain_decimal(),
                                refunded: Money::new(p.refunded_minor, currency).plain_decimal(),
                            })
                            .collect(),
                        receipts: gift
                            .receipts
                            .iter()
                            .map(|r| ReceiptData {
                                number: r.number_text(),
                                amount: r.amount.plain_decimal(),
                                issued_to: r.issued_to.clone(),
                                void: !r.is_valid(),
                            })
                            .collect(),
                        requested_changes: gift
                            .changes
                            .iter()
                            .map(|c| ChangeData {
                                kind: c.kind.clone(),
                                requested_at: iso_time(c.requested_at),
                                confirmed: c.confirmed_at.is_some(),
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
    }

    /// Deletes what is held about a donor (see `Database::erase_donor`).
    pub async fn erase(&self, email_key: &str) -> Result<Erased, EraseError> {
        let running = self
            .gifts(email_key)
            .await?
            .iter()
            .any(|gift| gift.manageable());
        if running {
            return Err(EraseError::MonthlyRunning);
        }
        let erased = self.db.erase_donor(email_key, now_millis()).await?;
        tracing::info!(
            deleted = erased.deleted,
            anonymised = erased.anonymised,
            "a donor's data was deleted at their request"
        );
        Ok(erased)
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

    /// The tax years (their starting years) a donor has valid receipts in, newest first.
    pub fn tax_years(receipts: &[TaxReceipt]) -> Vec<i64> {
        let mut years: Vec<i64> = receipts
            .iter()
            .filter(|receipt| receipt.is_valid())
            .filter_map(|receipt| tax_year_of(receipt.paid_at)[..4].parse().ok())
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
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

    /// In April to June, queues the yearly summary of the tax year that just ended for each
    /// donor with qualifying receipts who asked for receipts. Run daily: a second run (and a
    /// second instance) queues nothing new. Returns how many were queued.
    pub async fn queue_yearly_summaries(&self, now: i64) -> Result<u64, DbError> {
        let (year, month, _) = hong_kong_date(now);
        if !(4..=6).contains(&month) {
            return Ok(0);
        }
        let year_start = year - 1;
        let (from, to) = tax_year_bounds(year_start);
        let threshold =
            i64::try_from(self.content.giving.tax_deductible_from_minor_units).unwrap_or(i64::MAX);
        let mut queued = 0;
        for email_key in self.db.donors_for_summary(from, to, threshold).await? {
            if self
                .db
                .queue_yearly_summary(&email_key, year_start, now)
                .await?
            {
                queued += 1;
            }
        }
        if queued > 0 {
            tracing::info!(queued, year_start, "yearly summaries queued");
        }
        Ok(queued)
    }

    /// Forgets sign-ins long expired, and receipts' names past the tax law's period (the
    /// retention job).
    pub async fn forget_old(&self, now: i64) -> Result<(), DbError> {
        self.db.delete_old_sign_ins(now - 86_400_000).await?;
        let years = i64::from(self.content.privacy.tax_records_kept_years);
        let (this_year, _, _) = hong_kong_date(now);
        // Kept for `years` after the end of the tax year a gift belongs to.
        let (cutoff, _) = tax_year_bounds(this_year - years - 1);
        self.db.clear_old_receipt_names(cutoff).await?;
        Ok(())
    }
}

/// The next time (Unix ms, 09:00 Hong Kong) the month's day `day` comes round, after `now`.
fn next_day_of_month(now: i64, day: u32) -> i64 {
    let (mut year, mut month, today) = hong_kong_date(now);
    if today >= day {
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
    }
    hong_kong_midnight(year, month, day).unwrap_or(now + 86_400_000) + 9 * 3_600_000
}

/// The sign-in mail: the code, and the link.
fn sign_in_mail(content: &Content, locale: Locale, code: &str, link: &str) -> Mail {
    let m = t(locale);
    let org = content.organisation.name.get(locale);
    let subject = fill(m.sign_in_subject, &[("org", org)]);
    let paragraphs = [
        fill(m.sign_in_code_line, &[("code", code)]),
        fill(m.sign_in_link_line, &[("url", link)]),
        m.sign_in_ignore.to_string(),
        fill(m.receipt_signoff, &[("org", org)]),
    ];
    let plain = paragraphs.join("\n\n") + "\n";
    let escape = crate::markup::escape;
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5\"><p style=\"font-size:1.5em;\
         letter-spacing:0.2em\"><strong>{}</strong></p><p>{}</p><p><a href=\"{}\">{}</a></p>\
         <p>{}</p><p>{}</p></body></html>",
        locale.code(),
        escape(&subject),
        escape(code),
        escape(&paragraphs[0]),
        escape(link),
        escape(&paragraphs[1]),
        escape(&paragraphs[2]),
        escape(&paragraphs[3]),
    );
    Mail {
        subject,
        plain,
        html,
        attachment: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_billing_day_is_after_today() {
        let day = |y, m, d| hong_kong_midnight(y, m, d).unwrap();
        let nine = 9 * 3_600_000;
        assert_eq!(
            next_day_of_month(day(2026, 11, 30), 5),
            day(2026, 12, 5) + nine
        );
        assert_eq!(
            next_day_of_month(day(2026, 12, 3), 5),
            day(2026, 12, 5) + nine
        );
        assert_eq!(
            next_day_of_month(day(2026, 12, 5), 5),
            day(2027, 1, 5) + nine
        );
    }
}
