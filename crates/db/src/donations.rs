//! Donations: storing a gift once per form token, finding it again, and the few changes a
//! still-unpaid gift may take.

use super::{non_negative, to_column, Database, DbError, UnreadableRow};
use sharecare_domain::attribution::{Attribution, CampaignTag, PartnerCode, StorySlug};
use sharecare_domain::donation::{Checkout, Donation, Frequency, PaymentMethod};
use sharecare_domain::donor::{BusinessRegistration, Email, PersonName, Receipt};
use sharecare_domain::form::DonationRequest;
use sharecare_domain::identifiers::{FormToken, Reference, ReferralCode};
use sharecare_domain::money::{Currency, Money};
use sharecare_domain::status::DonationStatus;
use sharecare_domain::time::Timestamp;
use sharecare_domain::tribute::{Tribute, TributeKind, TributeMessage, TributeNotice};
use sharecare_domain::Locale;

/// A checked gift about to be stored, with what the server adds to it.
#[derive(Debug, Clone)]
pub struct NewDonation<'a> {
    pub id: String,
    pub reference: Reference,
    /// The secret in the donor's link to their gift.
    pub access_key: String,
    pub request: &'a DonationRequest,
    pub locale: Locale,
    pub created_at: Timestamp,
}

/// The tables whose rows name a donation and can exist for a pledge never paid: deleted with
/// it by the retention job. Every other table that references `donations` holds payments or
/// what follows from them (a test reads the schema and holds this list to it).
pub const PLEDGE_DEPENDENTS: [&str; 3] = ["outbox", "gift_changes", "donor_messages"];

/// Tables that reference `donations` and keep a pledge: they exist only once money arrived or
/// an exception was raised, and are the books'.
pub const PAYMENT_RECORDS: [&str; 5] = [
    "payments",
    "payment_exceptions",
    "tax_receipts",
    "refund_requests",
    "statement_lines",
];

/// What storing a donation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// A new row.
    Created(Donation),
    /// The form token was already used: this is the donation it made.
    Existing(Donation),
}

/// A donation row exactly as stored; it never leaves this module (see [`Donation`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(super) struct DonationRow {
    id: String,
    reference: String,
    access_key: String,
    status: String,
    amount_minor: i64,
    currency: String,
    frequency: String,
    payment_method: String,
    email: String,
    donor_name: Option<String>,
    receipt: String,
    receipt_name: Option<String>,
    marketing_consent: String,
    consent_recorded_at: Timestamp,
    locale: String,
    referral_code: Option<String>,
    created_at: Timestamp,
    paid_at: Option<Timestamp>,
    checkout_session_id: Option<String>,
    checkout_url: Option<String>,
    subscription_id: Option<String>,
    ended_at: Option<Timestamp>,
    flag: Option<String>,
    paused_until: Option<Timestamp>,
    next_charge_at: Option<Timestamp>,
    fee_minor: i64,
    tribute_kind: Option<String>,
    honoree_name: Option<String>,
    tribute_message: Option<String>,
    notify_name: Option<String>,
    notify_email: Option<String>,
    notify_amount: Option<String>,
    receipt_holder: Option<String>,
    company_registration: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    partner_code: Option<String>,
    story_slug: Option<String>,
    checkout_round: i64,
}

pub(super) const DONATION_COLUMNS: &str =
    "id, reference, access_key, status, amount_minor, currency, \
     frequency, payment_method, email, donor_name, receipt, receipt_name, marketing_consent, \
     consent_recorded_at, locale, referral_code, created_at, paid_at, checkout_session_id, \
     checkout_url, subscription_id, ended_at, flag, paused_until, next_charge_at, fee_minor, \
     tribute_kind, honoree_name, tribute_message, notify_name, notify_email, notify_amount, \
     receipt_holder, company_registration, utm_source, utm_medium, utm_campaign, partner_code, \
     story_slug, checkout_round";

/// The stored form of "the tribute email may say the amount".
const AMOUNT_SHOWN: &str = "shown";
const AMOUNT_HIDDEN: &str = "hidden";
/// The stored mark of a receipt issued to a company.
const COMPANY_HOLDER: &str = "company";

/// The stored form of the donor's answer to the marketing question.
const CONSENT_GIVEN: &str = "given";
const CONSENT_DECLINED: &str = "declined";

impl TryFrom<DonationRow> for Donation {
    type Error = UnreadableRow;

    fn try_from(row: DonationRow) -> Result<Donation, UnreadableRow> {
        let bad = |column: &'static str, value: &str| {
            UnreadableRow::new("donations", column, format!("unknown value {value:?}"))
        };
        let currency =
            Currency::from_code(&row.currency).ok_or_else(|| bad("currency", &row.currency))?;
        let donor_name = row
            .donor_name
            .as_deref()
            .map(|name| PersonName::parse(name).map_err(|_| bad("donor_name", name)))
            .transpose()?;
        let receipt_name = row
            .receipt_name
            .as_deref()
            .map(|name| PersonName::parse(name).map_err(|_| bad("receipt_name", name)))
            .transpose()?;
        let checkout = match (row.checkout_session_id, row.checkout_url) {
            (Some(session_id), Some(url)) => Some(Checkout { session_id, url }),
            _ => None,
        };
        let receipt = Receipt::from_code(&row.receipt, receipt_name)
            .and_then(|receipt| {
                company_receipt(
                    receipt,
                    row.receipt_holder.as_deref(),
                    row.company_registration.as_deref(),
                )
            })
            .ok_or_else(|| bad("receipt", &row.receipt))?;
        let tribute = match row.tribute_kind.as_deref() {
            None => None,
            Some(kind) => {
                let notify = match (row.notify_name, row.notify_email) {
                    (Some(name), Some(email)) => Some(TributeNotice {
                        name: PersonName::parse(&name).map_err(|_| bad("notify_name", &name))?,
                        email: Email::parse(&email).map_err(|_| bad("notify_email", &email))?,
                        show_amount: row.notify_amount.as_deref() == Some(AMOUNT_SHOWN),
                    }),
                    _ => None,
                };
                let honoree = row.honoree_name.unwrap_or_default();
                let message = row.tribute_message.unwrap_or_default();
                Some(Tribute {
                    kind: TributeKind::parse(kind).ok_or_else(|| bad("tribute_kind", kind))?,
                    honoree: PersonName::parse(&honoree)
                        .map_err(|_| bad("honoree_name", &honoree))?,
                    message: TributeMessage::parse_optional(&message)
                        .map_err(|_| bad("tribute_message", &message))?,
                    notify,
                })
            }
        };
        // Attribution is cleaned on the way in; read back the same way, it never fails a row.
        let attribution = Attribution {
            source: row.utm_source.as_deref().and_then(CampaignTag::clean),
            medium: row.utm_medium.as_deref().and_then(CampaignTag::clean),
            campaign: row.utm_campaign.as_deref().and_then(CampaignTag::clean),
            partner: row.partner_code.as_deref().and_then(PartnerCode::parse),
            story: row.story_slug.as_deref().and_then(StorySlug::parse),
        };
        Ok(Donation {
            reference: Reference::parse(&row.reference)
                .ok_or_else(|| bad("reference", &row.reference))?,
            status: DonationStatus::parse(&row.status).ok_or_else(|| bad("status", &row.status))?,
            amount: Money::new(
                non_negative("donations", "amount_minor", row.amount_minor)?,
                currency,
            ),
            frequency: Frequency::parse(&row.frequency)
                .ok_or_else(|| bad("frequency", &row.frequency))?,
            payment_method: PaymentMethod::parse(&row.payment_method)
                .ok_or_else(|| bad("payment_method", &row.payment_method))?,
            email: Email::parse(&row.email).map_err(|_| bad("email", &row.email))?,
            receipt,
            fee: Money::new(
                non_negative("donations", "fee_minor", row.fee_minor)?,
                currency,
            ),
            tribute,
            attribution,
            marketing_consent: match row.marketing_consent.as_str() {
                CONSENT_GIVEN => true,
                CONSENT_DECLINED => false,
                other => return Err(bad("marketing_consent", other)),
            },
            locale: Locale::from_code(&row.locale).ok_or_else(|| bad("locale", &row.locale))?,
            referral: row
                .referral_code
                .as_deref()
                .map(|code| ReferralCode::parse(code).ok_or_else(|| bad("referral_code", code)))
                .transpose()?,
            donor_name,
            checkout,
            id: row.id,
            access_key: row.access_key,
            consent_recorded_at: row.consent_recorded_at,
            created_at: row.created_at,
            paid_at: row.paid_at,
            subscription_id: row.subscription_id,
            ended_at: row.ended_at,
            flag: row.flag,
            paused_until: row.paused_until,
            next_charge_at: row.next_charge_at,
            checkout_round: u32::try_from(row.checkout_round)
                .map_err(|_| bad("checkout_round", &row.checkout_round.to_string()))?,
        })
    }
}

/// A receipt stored as "in another name" and marked as a company's (see the migration): how every reader of a donation row gets it back..
/// A receipt choice as its four columns: `receipt`, `receipt_name`, `receipt_holder` and
/// `company_registration`. A company's receipt is stored as one in another name, marked (see
/// the migration), so every earlier reader of receipts names the company.
pub(super) fn receipt_columns(
    receipt: &Receipt,
) -> (
    &'static str,
    Option<&str>,
    Option<&'static str>,
    Option<&str>,
) {
    match receipt {
        Receipt::InOtherName(name) => (Receipt::OTHER_NAME, Some(name.as_str()), None, None),
        Receipt::InCompanyName {
            company,
            registration,
        } => (
            Receipt::OTHER_NAME,
            Some(company.as_str()),
            Some(COMPANY_HOLDER),
            registration.as_ref().map(BusinessRegistration::as_str),
        ),
        other => (other.code(), None, None, None),
    }
}

pub(super) fn company_receipt(
    receipt: Receipt,
    holder: Option<&str>,
    registration: Option<&str>,
) -> Option<Receipt> {
    match (receipt, holder) {
        (Receipt::InOtherName(company), Some(COMPANY_HOLDER)) => Some(Receipt::InCompanyName {
            company,
            registration: BusinessRegistration::parse_optional(registration.unwrap_or_default())
                .ok()?,
        }),
        (_, Some(_)) => None,
        (receipt, None) => Some(receipt),
    }
}

/// The columns a donation is looked up by (a closed list: never a column name from input).
#[derive(Debug, Clone, Copy)]
enum DonationKey {
    Id,
    Reference,
    IdempotencyKey,
    SubscriptionId,
}

impl Database {
    /// Stores a donation once per form token. A clash on the reference (rare: one in hundreds
    /// of millions) is an error the caller answers with a fresh reference.
    pub async fn insert_donation(&self, new: &NewDonation<'_>) -> Result<Inserted, DbError> {
        const INSERT: &str =
            "INSERT INTO donations (id, reference, idempotency_key, access_key, status, \
             amount_minor, currency, frequency, payment_method, email, email_key, donor_name, \
             receipt, receipt_name, marketing_consent, consent_recorded_at, locale, \
             referral_code, created_at, fee_minor, tribute_kind, honoree_name, tribute_message, \
             notify_name, notify_email, notify_amount, receipt_holder, company_registration, \
             utm_source, utm_medium, utm_campaign, partner_code, story_slug) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, \
             $31, $32) \
             ON CONFLICT (idempotency_key) DO NOTHING";
        let request = new.request;
        let (receipt_code, receipt_name, holder, registration) = receipt_columns(&request.receipt);
        let tribute = request.tribute.as_ref();
        let notice = tribute.and_then(|tribute| tribute.notify.as_ref());
        let attribution = &request.attribution;
        let tag = |tag: &Option<CampaignTag>| tag.as_ref().map(|tag| tag.as_str().to_string());
        let consent = if request.marketing_opt_in {
            CONSENT_GIVEN
        } else {
            CONSENT_DECLINED
        };
        let result = sqlx::query(INSERT)
            .bind(&new.id)
            .bind(new.reference.as_str())
            .bind(request.token.as_str())
            .bind(&new.access_key)
            .bind(to_column(request.amount.minor))
            .bind(request.amount.currency.code())
            .bind(request.frequency.as_str())
            .bind(request.payment_method.as_str())
            .bind(request.email.as_str())
            .bind(request.email.normalized())
            .bind(request.name.as_ref().map(PersonName::as_str))
            .bind(receipt_code)
            .bind(receipt_name)
            .bind(consent)
            .bind(new.created_at)
            .bind(new.locale.code())
            .bind(request.referral.as_ref().map(ReferralCode::as_str))
            .bind(new.created_at)
            .bind(to_column(request.fee.minor))
            .bind(tribute.map(|tribute| tribute.kind.as_str()))
            .bind(tribute.map(|tribute| tribute.honoree.as_str()))
            .bind(tribute.and_then(|tribute| tribute.message.as_ref().map(TributeMessage::as_str)))
            .bind(notice.map(|notice| notice.name.as_str()))
            .bind(notice.map(|notice| notice.email.as_str()))
            .bind(notice.map(|notice| {
                if notice.show_amount {
                    AMOUNT_SHOWN
                } else {
                    AMOUNT_HIDDEN
                }
            }))
            .bind(holder)
            .bind(registration)
            .bind(tag(&attribution.source))
            .bind(tag(&attribution.medium))
            .bind(tag(&attribution.campaign))
            .bind(attribution.partner.as_ref().map(PartnerCode::as_str))
            .bind(attribution.story.as_ref().map(StorySlug::as_str))
            .execute(&self.pool)
            .await?;
        let donation = self
            .donation_where(DonationKey::IdempotencyKey, request.token.as_str())
            .await?
            .ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))?;
        Ok(if result.rows_affected() == 1 {
            Inserted::Created(donation)
        } else {
            Inserted::Existing(donation)
        })
    }

    /// The donation a form token made, if it made one.
    pub async fn donation_by_token(&self, token: &FormToken) -> Result<Option<Donation>, DbError> {
        self.donation_where(DonationKey::IdempotencyKey, token.as_str())
            .await
    }

    pub async fn donation_by_reference(
        &self,
        reference: &Reference,
    ) -> Result<Option<Donation>, DbError> {
        self.donation_where(DonationKey::Reference, reference.as_str())
            .await
    }

    pub async fn donation_by_id(&self, id: &str) -> Result<Option<Donation>, DbError> {
        self.donation_where(DonationKey::Id, id).await
    }

    pub async fn donation_by_subscription_id(
        &self,
        subscription_id: &str,
    ) -> Result<Option<Donation>, DbError> {
        self.donation_where(DonationKey::SubscriptionId, subscription_id)
            .await
    }

    /// The donation whose `key` column holds `value` (each is unique or indexed).
    async fn donation_where(
        &self,
        key: DonationKey,
        value: &str,
    ) -> Result<Option<Donation>, DbError> {
        let column = match key {
            DonationKey::Id => "id",
            DonationKey::Reference => "reference",
            DonationKey::IdempotencyKey => "idempotency_key",
            DonationKey::SubscriptionId => "subscription_id",
        };
        let sql = format!("SELECT {DONATION_COLUMNS} FROM donations WHERE {column} = $1");
        let row: Option<DonationRow> = sqlx::query_as(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Donation::try_from).transpose()?)
    }

    /// Switches a still-pending donation to another payment method (the donor submitted the
    /// same form again with the other choice, e.g. after the card service failed).
    /// A still-unpaid gift follows the donor's latest method, with that method's covered fee
    /// (none for a transfer).
    pub async fn set_payment_method(
        &self,
        id: &str,
        method: PaymentMethod,
        fee: Money,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE donations SET payment_method = $1, fee_minor = $2 \
             WHERE id = $3 AND status = 'pending'",
        )
        .bind(method.as_str())
        .bind(to_column(fee.minor))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The donation's checkout no longer holds (its price or method changed): forgotten, so
    /// the next card payment makes a new one (the next round's idempotency key). Returns
    /// whether it was still the donation's checkout.
    pub async fn retire_checkout(&self, id: &str, session_id: &str) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "UPDATE donations SET checkout_session_id = NULL, checkout_url = NULL, \
             checkout_round = checkout_round + 1 WHERE id = $1 AND checkout_session_id = $2",
        )
        .bind(id)
        .bind(session_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Remembers the hosted checkout made for a donation, so the donor returns to the same one.
    pub async fn set_checkout(&self, id: &str, checkout: &Checkout) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE donations SET checkout_session_id = $1, checkout_url = $2 WHERE id = $3",
        )
        .bind(&checkout.session_id)
        .bind(&checkout.url)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes donations created before `before` that never received a
    /// payment: pledges the privacy notice promises not to keep. Returns how many went.
    pub async fn delete_unpaid_donations_before(&self, before: Timestamp) -> Result<u64, DbError> {
        // A pledge with money or an exception is the books'; any other row that names a
        // pledge (its instructions email, a donor's message, a change the donor asked for)
        // goes with it, in one transaction, so no such row can keep a pledge for ever.
        const PAST: &str = "SELECT d.id FROM donations d WHERE d.created_at < $1 \
             AND d.status <> 'paid' \
             AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.donation_id = d.id) \
             AND NOT EXISTS (SELECT 1 FROM payment_exceptions e WHERE e.donation_id = d.id)";
        let mut tx = self.pool.begin().await?;
        for table in PLEDGE_DEPENDENTS {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE donation_id IN ({PAST})"
            ))
            .bind(before)
            .execute(&mut *tx)
            .await?;
        }
        let deleted = sqlx::query(&format!("DELETE FROM donations WHERE id IN ({PAST})"))
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    /// The tables with a foreign key to `donations`, as the schema has them (for the test that
    /// keeps `PLEDGE_DEPENDENTS` and `PAYMENT_RECORDS` whole).
    pub async fn tables_referencing_donations(&self) -> Result<Vec<String>, DbError> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' AND f.\"table\" = 'donations' ORDER BY m.name"
            }
            crate::Backend::Postgres => {
                "SELECT DISTINCT CAST(tc.table_name AS TEXT) FROM \
                 information_schema.table_constraints tc \
                 JOIN information_schema.constraint_column_usage ccu \
                 ON ccu.constraint_name = tc.constraint_name \
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND ccu.table_name = 'donations' \
                 AND tc.table_name <> 'donations' ORDER BY 1"
            }
        };
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(name,)| name).collect())
    }

    /// Every gift given with this email (lower-cased), newest first.
    pub async fn donations_of_donor(&self, email_key: &str) -> Result<Vec<Donation>, DbError> {
        let rows: Vec<DonationRow> = sqlx::query_as(&format!(
            "SELECT {DONATION_COLUMNS} FROM donations WHERE email_key = $1 \
             ORDER BY created_at DESC, id"
        ))
        .bind(email_key)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok(Donation::try_from(row)?))
            .collect()
    }

    /// The latest gift given with this email.
    pub async fn latest_donation_of(&self, email_key: &str) -> Result<Option<Donation>, DbError> {
        Ok(self.donations_of_donor(email_key).await?.into_iter().next())
    }

    /// Card gifts still pending whose checkout began before `before`: (session id, created at),
    /// oldest first. The reconciliation sweep asks Stripe about them.
    pub async fn stale_checkouts(
        &self,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<(String, Timestamp)>, DbError> {
        // Those asked least recently first, so a checkout Stripe keeps answering "not yet"
        // about cannot hold its place; one whose payment is an exception for staff has nothing
        // more to tell.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT checkout_session_id, created_at FROM donations d WHERE status = 'pending' \
             AND payment_method = 'card' AND checkout_session_id IS NOT NULL AND created_at < $1 \
             AND COALESCE(checkout_checked_at, 0) < $1 \
             AND NOT EXISTS (SELECT 1 FROM payment_exceptions e \
                 WHERE e.donation_id = d.id AND e.resolved_at IS NULL) \
             ORDER BY COALESCE(checkout_checked_at, 0), created_at LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(session_id, created_at)| (session_id, Timestamp::from_millis(created_at)))
            .collect())
    }

    /// The sweep asked Stripe about this checkout `at`.
    pub async fn mark_checkout_checked(
        &self,
        session_id: &str,
        at: Timestamp,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE donations SET checkout_checked_at = $1 WHERE checkout_session_id = $2")
            .bind(at)
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Monthly gifts whose subscription's invoices were last asked about before `before` (or
    /// never), least recently first: (donation id, subscription id, asked through). A gift
    /// that ended before `ended_after` has no invoice left to be paid.
    pub async fn subscriptions_to_sweep(
        &self,
        before: Timestamp,
        ended_after: Timestamp,
        limit: i64,
    ) -> Result<Vec<(String, String, Timestamp)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, subscription_id, COALESCE(invoices_swept_at, paid_at, created_at) \
             FROM donations WHERE frequency = 'monthly' AND subscription_id IS NOT NULL \
             AND (ended_at IS NULL OR ended_at > $2) AND COALESCE(invoices_swept_at, 0) < $1 \
             ORDER BY COALESCE(invoices_swept_at, 0), id LIMIT $3",
        )
        .bind(before)
        .bind(ended_after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The sweep asked Stripe for this gift's paid invoices `at`.
    pub async fn mark_invoices_swept(
        &self,
        donation_id: &str,
        at: Timestamp,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE donations SET invoices_swept_at = $1 WHERE id = $2")
            .bind(at)
            .bind(donation_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Donations by status and payment method (metrics).
    pub async fn count_donations_by_status(&self) -> Result<Vec<(String, String, i64)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT status, payment_method, CAST(COUNT(*) AS BIGINT) FROM donations \
             GROUP BY status, payment_method",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many donations are stored, whatever their status (tests and the benchmark).
    pub async fn count_donations(&self) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM donations")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> DonationRow {
        DonationRow {
            id: "0123456789abcdef0123456789abcdef".into(),
            reference: "LBC-7K3Q9X".into(),
            access_key: "fedcba9876543210fedcba9876543210".into(),
            status: "paid".into(),
            amount_minor: 30_000,
            currency: "HKD".into(),
            frequency: "monthly".into(),
            payment_method: "card".into(),
            email: "mei.chan@example.org".into(),
            donor_name: Some("Chan Mei".into()),
            receipt: "other_name".into(),
            receipt_name: Some("Lee Family Trust".into()),
            marketing_consent: "given".into(),
            consent_recorded_at: Timestamp::from_millis(1_700_000_000_000),
            locale: "zh-hk".into(),
            referral_code: Some("ABCDEFGHJK".into()),
            created_at: Timestamp::from_millis(1_700_000_000_000),
            paid_at: Some(Timestamp::from_millis(1_700_000_100_000)),
            checkout_session_id: Some("cs_test_1".into()),
            checkout_url: Some("https://checkout.example/cs_test_1".into()),
            subscription_id: Some("sub_1".into()),
            ended_at: None,
            flag: None,
            paused_until: None,
            next_charge_at: None,
            fee_minor: 0,
            tribute_kind: None,
            honoree_name: None,
            tribute_message: None,
            notify_name: None,
            notify_email: None,
            notify_amount: None,
            receipt_holder: None,
            company_registration: None,
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            partner_code: None,
            story_slug: None,
            checkout_round: 0,
        }
    }

    #[test]
    fn a_company_receipt_tribute_fee_and_attribution_read_back() {
        let donation = Donation::try_from(DonationRow {
            receipt_holder: Some("company".into()),
            company_registration: Some("12345678".into()),
            fee_minor: 1_300,
            tribute_kind: Some("memory".into()),
            honoree_name: Some("Grandma Wong".into()),
            notify_name: Some("Wong Siu Ming".into()),
            notify_email: Some("ming@example.org".into()),
            notify_amount: Some("hidden".into()),
            utm_source: Some("newsletter".into()),
            partner_code: Some("harbour-school".into()),
            ..row()
        })
        .unwrap();
        assert_eq!(
            donation.receipt_name().unwrap().as_str(),
            "Lee Family Trust"
        );
        assert_eq!(
            donation.receipt.registration().unwrap().as_str(),
            "12345678"
        );
        assert_eq!(donation.charged(), Money::new(31_300, Currency::Hkd));
        let tribute = donation.tribute.unwrap();
        assert_eq!(tribute.kind, TributeKind::Memory);
        assert!(!tribute.notify.unwrap().show_amount);
        assert_eq!(donation.attribution.source.unwrap().as_str(), "newsletter");
        assert_eq!(
            donation.attribution.partner.unwrap().as_str(),
            "harbour-school"
        );
    }

    #[test]
    fn a_stored_row_becomes_a_typed_donation() {
        let donation = Donation::try_from(row()).unwrap();
        assert_eq!(donation.reference.as_str(), "LBC-7K3Q9X");
        assert_eq!(donation.status, DonationStatus::Paid);
        assert_eq!(donation.amount, Money::new(30_000, Currency::Hkd));
        assert_eq!(donation.frequency, Frequency::Monthly);
        assert_eq!(donation.payment_method, PaymentMethod::Card);
        assert_eq!(donation.email.as_str(), "mei.chan@example.org");
        assert_eq!(
            donation.receipt,
            Receipt::InOtherName(PersonName::parse("Lee Family Trust").unwrap())
        );
        assert_eq!(
            donation.receipt_name().unwrap().as_str(),
            "Lee Family Trust"
        );
        assert!(donation.marketing_consent);
        assert_eq!(donation.locale, Locale::ZhHk);
        assert_eq!(donation.referral.unwrap().as_str(), "ABCDEFGHJK");
        assert_eq!(donation.checkout.unwrap().session_id, "cs_test_1");
    }

    #[test]
    fn an_unknown_status_is_an_error_naming_the_column_not_a_default() {
        let error = Donation::try_from(DonationRow {
            status: "refunded".into(),
            ..row()
        })
        .unwrap_err();
        assert_eq!((error.table, error.column), ("donations", "status"));
        assert!(error.to_string().contains("refunded"), "{error}");
    }

    #[test]
    fn every_unreadable_column_is_named() {
        let cases: [(&str, DonationRow); 9] = [
            (
                "reference",
                DonationRow {
                    reference: "LBC-0000".into(),
                    ..row()
                },
            ),
            (
                "amount_minor",
                DonationRow {
                    amount_minor: -1,
                    ..row()
                },
            ),
            (
                "currency",
                DonationRow {
                    currency: "USD".into(),
                    ..row()
                },
            ),
            (
                "frequency",
                DonationRow {
                    frequency: "weekly".into(),
                    ..row()
                },
            ),
            (
                "payment_method",
                DonationRow {
                    payment_method: "cash".into(),
                    ..row()
                },
            ),
            (
                "email",
                DonationRow {
                    email: "not an email".into(),
                    ..row()
                },
            ),
            (
                "receipt",
                DonationRow {
                    receipt_name: None,
                    ..row()
                },
            ),
            (
                "marketing_consent",
                DonationRow {
                    marketing_consent: "maybe".into(),
                    ..row()
                },
            ),
            (
                "locale",
                DonationRow {
                    locale: "fr".into(),
                    ..row()
                },
            ),
        ];
        for (column, row) in cases {
            assert_eq!(Donation::try_from(row).unwrap_err().column, column);
        }
    }
}
