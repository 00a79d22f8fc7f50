//! Staff accounts and signing in: accounts made on the command line, Argon2id passwords,
//! sign-in throttled per account and per address with one answer for every failure, and an
//! optional TOTP second factor that an admin can require for a role. The second factor locks
//! after five wrong codes (and the account holder is told by email); recovery codes stand in
//! for a lost phone. Every change to what lets someone in moves the account's credential epoch
//! on, which ends the sessions begun before it.

pub mod notices;
pub mod password;
pub mod recovery;
pub mod totp;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::limits::{Limits, Refusal, Rule};
use crate::mailer::Mailer;
use sharecare_db::{Actor, AuditEntry, Database, DbError, StaffUser};
use sharecare_domain::donor::Email;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::staff::Role;
use sharecare_domain::time::Timestamp;

pub use password::{Busy, PasswordError, PasswordGate};

/// Wrong second-factor codes (after a right password) that lock the second factor...
pub const SECOND_FACTOR_MISSES: i64 = 5;
/// ... when they fall within this long of the first, and for this long.
pub const SECOND_FACTOR_LOCK: Duration = Duration::from_secs(15 * 60);

/// A staff account as the users page shows it: never its password hash or TOTP secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub email: String,
    pub role: Role,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl From<StaffUser> for StaffAccount {
    fn from(user: StaffUser) -> StaffAccount {
        StaffAccount {
            email: user.email,
            role: user.role,
            totp_enabled: user.totp_enabled,
            disabled: user.disabled,
            created_at: user.created_at,
        }
    }
}

/// What staff did, as the audit log names it.
pub mod actions {
    pub const SIGN_IN: &str = "sign_in";
    pub const SIGN_IN_FAILED: &str = "sign_in_failed";
    pub const SIGN_OUT: &str = "sign_out";
    pub const USER_ADDED: &str = "user_added";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const USER_DISABLED: &str = "user_disabled";
    pub const USER_ENABLED: &str = "user_enabled";
    pub const ROLE_CHANGED: &str = "role_changed";
    pub const TOTP_ENABLED: &str = "totp_enabled";
    pub const SECOND_FACTOR_LOCKED: &str = "second_factor_locked";
    pub const RECOVERY_CODES_RENEWED: &str = "recovery_codes_renewed";
    pub const TOTP_POLICY: &str = "totp_policy";
    pub const CONFIRM_TRANSFER: &str = "confirm_transfer";
    pub const STATEMENT_IMPORTED: &str = "statement_imported";
    pub const STATEMENT_LINE_SET_ASIDE: &str = "statement_line_set_aside";
    pub const REFUND_REQUESTED: &str = "refund_requested";
    pub const EXPORT: &str = "export";
    pub const RESOLVED: &str = "resolved";
    pub const RECEIPT_RETRY: &str = "receipt_retry";
    pub const EXCEPTION_ACCEPTED: &str = "exception_accepted";
    pub const STATEMENT_LINE_LINKED: &str = "statement_line_linked";
    pub const BANK_REFUND: &str = "bank_refund";
    pub const PAYMENT_UNDONE: &str = "payment_undone";
    pub const CHEQUE_BOUNCED: &str = "cheque_bounced";
}

/// Why an account could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("\"{0}\" is not an email address")]
    Email(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("{0} already has an account")]
    Exists(String),
    #[error("{0} has no account")]
    NoSuchAccount(String),
    #[error("too many passwords are being checked; try again in a moment")]
    Busy(#[from] Busy),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Why signing in failed. Staff see one message for `Refused`, whatever the reason (no such
/// account, wrong password, wrong or missing code, account disabled).
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the email, password or code is not right")]
    Refused,
    #[error("too many attempts")]
    TooMany(crate::limits::TooMany),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("the sign-in limits cannot be counted")]
    Unavailable,
    /// Too many passwords were being checked: this one waited its turn and gave up (503).
    #[error("too many sign-ins at once")]
    Busy { retry_after_seconds: u64 },
}

/// A member of staff who signed in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: StaffUser,
    /// Their role requires a second factor they have not set up: until they do, they may
    /// only set it up (checked again on every request, see [`Staff::must_enrol`]).
    pub must_enrol: bool,
}

/// A second factor just turned on: the recovery codes to show, this once.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub recovery_codes: Vec<String>,
    /// The account as it is now (its new credential epoch, for the session that did it).
    pub user: StaffUser,
}

/// An enrolment in progress: the secret (for typing in) and its `otpauth://` address (for
/// the QR code).
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub url: String,
}

impl Enrolment {
    /// The secret as typed into an app: in groups of four.
    pub fn key_for_typing(&self) -> String {
        recovery::in_groups(&self.secret, recovery::GROUP, " ")
    }
}

pub struct Staff {
    db: Database,
    limits: Arc<Limits>,
    /// Every password hash and check goes through it.
    passwords: Arc<PasswordGate>,
    /// Tells an account holder their second factor was locked.
    mailer: Arc<Mailer>,
    /// The organisation's name: shown by authenticator apps beside the account, and in mail.
    issuer: String,
}

impl Staff {
    pub fn new(
        db: Database,
        limits: Arc<Limits>,
        passwords: Arc<PasswordGate>,
        mailer: Arc<Mailer>,
        issuer: &str,
    ) -> Staff {
        Staff {
            db,
            limits,
            passwords,
            mailer,
            issuer: issuer.to_string(),
        }
    }

    /// The bound on password hashing (tests read its high-water mark).
    pub fn password_gate(&self) -> &PasswordGate {
        &self.passwords
    }

    fn email(input: &str) -> Result<String, AccountError> {
        Email::parse(input)
            .map(|email| email.normalized())
            .map_err(|_| AccountError::Email(input.trim().to_string()))
    }

    /// Adds a member of staff (the command line).
    pub async fn add_user(
        &self,
        email: &str,
        role: Role,
        new_password: String,
        actor: &Actor,
    ) -> Result<StaffUser, AccountError> {
        let email = Staff::email(email)?;
        password::check_new(&new_password)?;
        let now = Timestamp::now();
        let user = StaffUser {
            id: random_hex::<16>(),
            email: email.clone(),
            role,
            password_hash: self.passwords.hash(new_password).await?,
            totp_secret: None,
            totp_enabled: false,
            disabled: false,
            created_at: now,
            credential_epoch: 0,
            second_factor_locked_until: None,
        };
        let audit = AuditEntry::new(actor, actions::USER_ADDED)
            .subject(email.clone())
            .change(None, Some(role.as_str().to_string()));
        if self.db.insert_staff_user(&user, &audit).await? {
            Ok(user)
        } else {
            Err(AccountError::Exists(email))
        }
    }

    /// A new password for an account (which is enabled again). Its open sessions end.
    pub async fn reset_password(
        &self,
        email: &str,
        new_password: String,
        actor: &Actor,
    ) -> Result<(), AccountError> {
        let email = Staff::email(email)?;
        password::check_new(&new_password)?;
        let hash = self.passwords.hash(new_password).await?;
        let audit = AuditEntry::new(actor, actions::PASSWORD_RESET).subject(email.clone());
        if self
            .db
            .set_staff_password(&email, &hash, Timestamp::now(), &audit)
            .await?
        {
            Ok(())
        } else {
            Err(AccountError::NoSuchAccount(email))
        }
    }

    /// Enables a disabled account (the sessions it had stay ended). Enabling one that is
    /// not disabled changes nothing.
    pub async fn enable(&self, email: &str, actor: &Actor) -> Result<(), AccountError> {
        let email = Staff::email(email)?;
        let audit = AuditEntry::new(actor, actions::USER_ENABLED).subject(email.clone());
        if self.db.enable_staff_user(&email, &audit).await?
            || self.db.staff_user_by_email(&email).await?.is_some()
        {
            Ok(())
        } else {
            Err(AccountError::NoSuchAccount(email))
        }
    }

    /// A new role for an account. Its open sessions end: the next one is under the new role.
    pub async fn set_role(
        &self,
        email: &str,
        role: Role,
        actor: &Actor,
    ) -> Result<(), AccountError> {
        let email = Staff::email(email)?;
        let before = self
            .db
            .staff_user_by_email(&email)
            .await?
            .ok_or_else(|| AccountError::NoSuchAccount(email.clone()))?;
        let audit = AuditEntry::new(actor, actions::ROLE_CHANGED)
            .subject(email.clone())
            .change(
                Some(before.role.as_str().to_string()),
                Some(role.as_str().to_string()),
            );
        if self.db.set_staff_role(&email, role, &audit).await? {
            Ok(())
        } else {
            Err(AccountError::NoSuchAccount(email))
        }
    }

    /// Disables an account. Its open sessions end, and stay ended when it is enabled again.
    pub async fn disable(&self, email: &str, actor: &Actor) -> Result<(), AccountError> {
        let email = Staff::email(email)?;
        let audit = AuditEntry::new(actor, actions::USER_DISABLED).subject(email.clone());
        if self
            .db
            .disable_staff_user(&email, Timestamp::now(), &audit)
            .await?
        {
            Ok(())
        } else {
            Err(AccountError::NoSuchAccount(email))
        }
    }

    /// Checks a sign-in. Attempts count against the account and the address before anything
    /// is checked, so guessing is slow whether or not the account exists.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        code: &str,
        address: IpAddr,
    ) -> Result<SignedIn, SignInError> {
        let key = email.trim().to_lowercase();
        for (rule, subject) in [
            (Rule::SignInPerAccount, key.as_str()),
            (Rule::SignInPerAddress, &address.to_string()),
        ] {
            match self.limits.check(rule, subject).await {
                Ok(()) => {}
                Err(Refusal::TooMany(too_many)) => return Err(SignInError::TooMany(too_many)),
                Err(Refusal::Unavailable) => return Err(SignInError::Unavailable),
            }
        }
        let user = match Email::parse(email) {
            Ok(email) => self.db.staff_user_by_email(&email.normalized()).await?,
            Err(_) => None,
        };
        let stored = user.as_ref().map(|user| user.password_hash.clone());
        let password_ok = self
            .passwords
            .verify(password.to_string(), stored)
            .await
            .map_err(|Busy| {
                tracing::warn!("a staff sign-in waited too long for a password check");
                SignInError::Busy {
                    retry_after_seconds: self.passwords.queue_wait().as_secs().max(1),
                }
            })?;
        let Some(user) = user.filter(|_| password_ok) else {
            return Err(self.refuse(&key, "password").await);
        };
        if user.disabled {
            return Err(self.refuse(&key, "disabled").await);
        }
        if user.totp_enabled {
            self.second_factor(&user, code).await?;
        }
        let must_enrol = !user.totp_enabled && self.db.totp_required(user.role).await?;
        let audit = AuditEntry::new(&actor_of(&user), actions::SIGN_IN);
        self.db.write_audit(&audit).await?;
        Ok(SignedIn { user, must_enrol })
    }

    /// Checks the second factor of an account whose password was right: a code from the app,
    /// or one of the recovery codes. While it is locked every code is refused; each wrong code
    /// counts towards the lock, and the one that locks it mails the account holder.
    async fn second_factor(&self, user: &StaffUser, code: &str) -> Result<(), SignInError> {
        let key = user.email.as_str();
        let now = Timestamp::now();
        if user
            .second_factor_locked_until
            .is_some_and(|until| now < until)
        {
            return Err(self.refuse(key, "second factor locked").await);
        }
        let right = if let Some(recovery_code) = recovery::typed(code) {
            self.db
                .use_recovery_code(&user.id, &recovery::hash(&user.id, &recovery_code), now)
                .await?
        } else {
            let secret = user.totp_secret.clone().unwrap_or_default();
            match totp::check(&secret, code, u64::try_from(now.seconds()).unwrap_or(0)) {
                // A code already used is refused, but is not a guess: it does not count.
                Some(step) => {
                    if !self.db.use_totp_step(&user.id, step).await? {
                        return Err(self.refuse(key, "code used").await);
                    }
                    true
                }
                None => false,
            }
        };
        if right {
            return Ok(());
        }
        let locked = self
            .db
            .record_second_factor_miss(&user.id, now, SECOND_FACTOR_LOCK, SECOND_FACTOR_MISSES)
            .await?;
        if locked {
            self.tell_of_lock(user, now).await;
        }
        Err(self.refuse(key, "code").await)
    }

    /// Audits a lock and mails the account holder (in the background: the sign-in answers as
    /// quickly as any other refusal).
    async fn tell_of_lock(&self, user: &StaffUser, now: Timestamp) {
        let audit = AuditEntry::new(&actor_of(user), actions::SECOND_FACTOR_LOCKED);
        if let Err(error) = self.db.write_audit(&audit).await {
            tracing::warn!(%error, "cannot write a second-factor lock to the audit log");
        }
        tracing::warn!("a staff member's second factor was locked after too many wrong codes");
        let Ok(to) = Email::parse(&user.email) else {
            return;
        };
        if !self.mailer.sends() {
            tracing::warn!("no SMTP_URL is set to tell a staff member their second factor locked");
            return;
        }
        let mail = notices::second_factor_locked(&self.issuer, now, now.plus(SECOND_FACTOR_LOCK));
        let mailer = self.mailer.clone();
        let id = format!("lock-{}-{}", user.id, now.as_millis());
        tokio::spawn(async move {
            if let Err(error) = mailer.send(&id, &to, &mail).await {
                let error = crate::telemetry::redact_emails(&error);
                tracing::warn!(%error, "cannot tell a staff member their second factor locked");
            }
        });
    }

    /// A refused sign-in, written to the audit log (with what was wrong: staff never see
    /// that, the log's readers do).
    async fn refuse(&self, email: &str, reason: &'static str) -> SignInError {
        let actor = Actor {
            id: None,
            email: email.to_string(),
        };
        let audit =
            AuditEntry::new(&actor, actions::SIGN_IN_FAILED).change(None, Some(reason.to_string()));
        if let Err(error) = self.db.write_audit(&audit).await {
            tracing::warn!(%error, "cannot write a refused sign-in to the audit log");
        }
        tracing::warn!(reason, "a staff sign-in was refused");
        SignInError::Refused
    }

    /// The account behind a session, if it may still be used (it exists and is not disabled;
    /// the caller compares the session's credential epoch).
    pub async fn active_user(&self, id: &str) -> Result<Option<StaffUser>, DbError> {
        Ok(self
            .db
            .staff_user_by_id(id)
            .await?
            .filter(|user| !user.disabled))
    }

    /// Whether this member of staff must set up a second factor before anything else.
    pub async fn must_enrol(&self, user: &StaffUser) -> Result<bool, DbError> {
        Ok(!user.totp_enabled && self.db.totp_required(user.role).await?)
    }

    /// Starts setting up a second factor: a new secret, not used until confirmed.
    pub async fn begin_enrolment(&self, user: &StaffUser) -> Result<Enrolment, DbError> {
        let secret = totp::new_secret();
        self.db.begin_totp(&user.id, &secret).await?;
        Ok(Enrolment {
            url: totp::enrolment_url(&secret, &self.issuer, &user.email).unwrap_or_default(),
            secret,
        })
    }

    /// The enrolment in progress, to show again (the page reloaded).
    pub fn enrolment_for(&self, user: &StaffUser) -> Option<Enrolment> {
        let secret = user.totp_secret.clone().filter(|_| !user.totp_enabled)?;
        Some(Enrolment {
            url: totp::enrolment_url(&secret, &self.issuer, &user.email)?,
            secret,
        })
    }

    /// Confirms enrolment with a code from the app: the second factor is on, with a new set
    /// of recovery codes to show this once. `None` if the code is not right.
    pub async fn confirm_enrolment(
        &self,
        user: &StaffUser,
        code: &str,
    ) -> Result<Option<Enrolled>, DbError> {
        let Some(secret) = user.totp_secret.as_deref() else {
            return Ok(None);
        };
        let now = Timestamp::now();
        let Some(step) = totp::check(secret, code, u64::try_from(now.seconds()).unwrap_or(0))
        else {
            return Ok(None);
        };
        let codes = recovery::new_codes();
        let hashes = recovery::hashes(&user.id, &codes);
        let audit = AuditEntry::new(&actor_of(user), actions::TOTP_ENABLED);
        if !self
            .db
            .enable_totp(&user.id, step, &hashes, now, &audit)
            .await?
        {
            return Ok(None);
        }
        let Some(user) = self.db.staff_user_by_id(&user.id).await? else {
            return Ok(None);
        };
        Ok(Some(Enrolled {
            recovery_codes: codes,
            user,
        }))
    }

    /// A new set of recovery codes in place of the old (to show this once).
    pub async fn renew_recovery_codes(&self, user: &StaffUser) -> Result<Vec<String>, DbError> {
        let codes = recovery::new_codes();
        let hashes = recovery::hashes(&user.id, &codes);
        let audit = AuditEntry::new(&actor_of(user), actions::RECOVERY_CODES_RENEWED);
        self.db
            .renew_recovery_codes(&user.id, &hashes, Timestamp::now(), &audit)
            .await?;
        Ok(codes)
    }

    /// How many of their recovery codes are left.
    pub async fn unused_recovery_codes(&self, user: &StaffUser) -> Result<i64, DbError> {
        self.db.unused_recovery_codes(&user.id).await
    }

    /// Every account, as the users page lists them.
    pub async fn users(&self) -> Result<Vec<StaffAccount>, DbError> {
        Ok(self
            .db
            .staff_users()
            .await?
            .into_iter()
            .map(StaffAccount::from)
            .collect())
    }

    pub async fn totp_required(&self, role: Role) -> Result<bool, DbError> {
        self.db.totp_required(role).await
    }

    pub async fn set_totp_required(
        &self,
        role: Role,
        required: bool,
        actor: &Actor,
    ) -> Result<(), DbError> {
        let before = self.db.totp_required(role).await?;
        let audit = AuditEntry::new(actor, actions::TOTP_POLICY)
            .subject(role.as_str())
            .change(Some(before.to_string()), Some(required.to_string()));
        self.db.set_totp_required(role, required, &audit).await
    }

    /// Where staff sessions are kept (the session layer's store).
    pub fn session_store(&self) -> crate::sessions::DatabaseSessionStore {
        crate::sessions::DatabaseSessionStore::new(
            self.db.clone(),
            sharecare_db::SessionTable::Staff,
        )
    }

    pub async fn write_audit(&self, entry: &AuditEntry) -> Result<(), DbError> {
        self.db.write_audit(entry).await
    }
}

/// The audit log's name for a member of staff.
pub fn actor_of(user: &StaffUser) -> Actor {
    Actor {
        id: Some(user.id.clone()),
        email: user.email.clone(),
    }
}
