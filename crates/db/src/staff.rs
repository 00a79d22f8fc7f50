//! Staff accounts, their roles' sign-in rules, and their sessions (the records the session
//! layer keeps; see `server::sessions`).

use super::audit::{write_audit, AuditEntry};
use super::{Database, DbError, UnreadableRow};
use sharecare_domain::staff::Role;
use sharecare_domain::time::Timestamp;

/// A member of staff as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Argon2id, as a PHC string.
    pub password_hash: String,
    /// The TOTP secret (base32), once enrolment began.
    pub totp_secret: Option<String>,
    /// Whether a second factor is checked at sign-in (enrolment was confirmed with a code).
    pub totp_enabled: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
    /// Moves on with every change to what lets them in (password, enabled, role, second
    /// factor): a session that began under another value is over.
    pub credential_epoch: i64,
    /// Five wrong second-factor codes lock it until then.
    pub second_factor_locked_until: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: String,
    email: String,
    role: String,
    password_hash: String,
    totp_secret: Option<String>,
    totp_enabled_at: Option<Timestamp>,
    disabled_at: Option<Timestamp>,
    created_at: Timestamp,
    credential_epoch: i64,
    second_factor_locked_until: Option<Timestamp>,
}

impl TryFrom<StaffRow> for StaffUser {
    type Error = UnreadableRow;

    fn try_from(row: StaffRow) -> Result<StaffUser, UnreadableRow> {
        Ok(StaffUser {
            role: Role::parse(&row.role).ok_or_else(|| {
                UnreadableRow::new(
                    "staff_users",
                    "role",
                    format!("unknown role {:?}", row.role),
                )
            })?,
            id: row.id,
            email: row.email,
            password_hash: row.password_hash,
            totp_secret: row.totp_secret,
            totp_enabled: row.totp_enabled_at.is_some(),
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at,
            credential_epoch: row.credential_epoch,
            second_factor_locked_until: row.second_factor_locked_until,
        })
    }
}

const STAFF_COLUMNS: &str = "id, email, role, password_hash, totp_secret, totp_enabled_at, \
     disabled_at, created_at, credential_epoch, second_factor_locked_until";

/// Every change to what lets a member of staff in moves this on (see `StaffUser`). A macro, so
/// the statements below stay one literal each.
macro_rules! next_epoch {
    () => {
        "credential_epoch = credential_epoch + 1"
    };
}

/// Which sessions: staff's or donors' (kept apart, with their own cookies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTable {
    Staff,
    Donor,
}

impl SessionTable {
    fn name(self) -> &'static str {
        match self {
            SessionTable::Staff => "staff_sessions",
            SessionTable::Donor => "donor_sessions",
        }
    }
}

/// A stored session: its data (JSON) and when it expires (seconds since 1970).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub data: String,
    pub expires_at: i64,
}

impl Database {
    /// Adds a member of staff; `false` if the email already has an account.
    pub async fn insert_staff_user(
        &self,
        user: &StaffUser,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO staff_users (id, email, role, password_hash, created_at, \
             password_changed_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (email) DO NOTHING",
        )
        .bind(&user.id)
        .bind(&user.email)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub async fn staff_user_by_email(&self, email: &str) -> Result<Option<StaffUser>, DbError> {
        self.staff_user_where("email", email).await
    }

    pub async fn staff_user_by_id(&self, id: &str) -> Result<Option<StaffUser>, DbError> {
        self.staff_user_where("id", id).await
    }

    async fn staff_user_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<StaffUser>, DbError> {
        let row: Option<StaffRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users WHERE {column} = $1"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(StaffUser::try_from).transpose()?)
    }

    /// Every member of staff, by email.
    pub async fn staff_users(&self) -> Result<Vec<StaffUser>, DbError> {
        let rows: Vec<StaffRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users ORDER BY email"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok(StaffUser::try_from(row)?))
            .collect()
    }

    /// A new password (and the account enabled again; every open session ends); `false` if no
    /// such account.
    pub async fn set_staff_password(
        &self,
        email: &str,
        password_hash: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let query = sqlx::query(concat!(
            "UPDATE staff_users SET password_hash = $1, password_changed_at = $2, \
             disabled_at = NULL, ",
            next_epoch!(),
            " WHERE email = $3"
        ))
        .bind(password_hash.to_string())
        .bind(now)
        .bind(email.to_string());
        self.change_with_audit(query, audit).await
    }

    /// Disables an account: it can no longer sign in, and its open sessions are refused from
    /// their next request (the session check reads the account each time, and they stay
    /// refused once it is enabled again). `false` if no such account.
    pub async fn disable_staff_user(
        &self,
        email: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let query = sqlx::query(concat!(
            "UPDATE staff_users SET disabled_at = $1, ",
            next_epoch!(),
            " WHERE email = $2"
        ))
        .bind(now)
        .bind(email.to_string());
        self.change_with_audit(query, audit).await
    }

    /// Enables a disabled account again: it may sign in. The sessions it had when it was
    /// disabled stay over (disabling moved its epoch on). `false` if no such account.
    pub async fn enable_staff_user(
        &self,
        email: &str,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let query = sqlx::query(
            "UPDATE staff_users SET disabled_at = NULL WHERE email = $1 AND disabled_at IS NOT NULL",
        )
        .bind(email.to_string());
        self.change_with_audit(query, audit).await
    }

    /// A new role; open sessions end (the next one is under the new role's rules). `false` if
    /// no such account.
    pub async fn set_staff_role(
        &self,
        email: &str,
        role: Role,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let query = sqlx::query(concat!(
            "UPDATE staff_users SET role = $1, ",
            next_epoch!(),
            " WHERE email = $2"
        ))
        .bind(role.as_str())
        .bind(email.to_string());
        self.change_with_audit(query, audit).await
    }

    /// Runs `query` and, if it changed a row, writes `audit` in the same transaction.
    async fn change_with_audit<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let changed = query.execute(&mut *tx).await?.rows_affected() == 1;
        if changed {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Starts (or restarts) TOTP enrolment with a new secret; not checked until confirmed.
    pub async fn begin_totp(&self, user_id: &str, secret: &str) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE staff_users SET totp_secret = $1, totp_enabled_at = NULL, \
             totp_last_step = NULL WHERE id = $2",
        )
        .bind(secret)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Turns TOTP on once a code from the new secret was right (and uses that code's step),
    /// with a new set of recovery codes (their hashes) in place of any before. Open sessions
    /// end; the caller carries its own over to the new epoch.
    pub async fn enable_totp(
        &self,
        user_id: &str,
        step: i64,
        recovery_hashes: &[String],
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(concat!(
            "UPDATE staff_users SET totp_enabled_at = $1, totp_last_step = $2, ",
            next_epoch!(),
            " WHERE id = $3 AND totp_secret IS NOT NULL AND totp_enabled_at IS NULL"
        ))
        .bind(now)
        .bind(step)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            replace_recovery_codes(&mut tx, user_id, recovery_hashes, now).await?;
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// A new set of recovery codes (their hashes); the ones before stop working.
    pub async fn renew_recovery_codes(
        &self,
        user_id: &str,
        recovery_hashes: &[String],
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        replace_recovery_codes(&mut tx, user_id, recovery_hashes, now).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a recovery code (by its hash), once: `false` if it is not one of this account's
    /// or was used before. Like a right code from the app, it clears the count of misses.
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let used = sqlx::query(
            "UPDATE staff_recovery_codes SET used_at = $1 \
             WHERE staff_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(code_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if used {
            clear_second_factor_misses(&mut tx, user_id).await?;
        }
        tx.commit().await?;
        Ok(used)
    }

    /// How many of an account's recovery codes are still unused.
    pub async fn unused_recovery_codes(&self, user_id: &str) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM staff_recovery_codes WHERE staff_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// Counts a wrong second-factor code (the password was right). The count starts again
    /// when its first miss is older than `window`; the miss that makes it `lock_after` locks
    /// the second factor until `now + window` and clears the count. `true` only for the
    /// request whose miss locked it, so the account holder is told once.
    pub async fn record_second_factor_miss(
        &self,
        user_id: &str,
        now: Timestamp,
        window: std::time::Duration,
        lock_after: i64,
    ) -> Result<bool, DbError> {
        let window_start = now.minus(window);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE staff_users SET \
             second_factor_misses = CASE WHEN second_factor_missed_since IS NULL \
                 OR second_factor_missed_since <= $1 THEN 1 ELSE second_factor_misses + 1 END, \
             second_factor_missed_since = CASE WHEN second_factor_missed_since IS NULL \
                 OR second_factor_missed_since <= $1 THEN $2 ELSE second_factor_missed_since END \
             WHERE id = $3",
        )
        .bind(window_start)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let locked = sqlx::query(
            "UPDATE staff_users SET second_factor_locked_until = $1, second_factor_misses = 0, \
             second_factor_missed_since = NULL WHERE id = $2 AND second_factor_misses >= $3",
        )
        .bind(now.plus(window))
        .bind(user_id)
        .bind(lock_after)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(locked)
    }

    /// Takes a TOTP code's time step for this account, once: a code already used (or an
    /// older one) is refused, so a code seen over a shoulder cannot be replayed. A right code
    /// clears the count of misses.
    pub async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "UPDATE staff_users SET totp_last_step = $1, second_factor_misses = 0, \
             second_factor_missed_since = NULL \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Whether members of `role` must use a second factor.
    pub async fn totp_required(&self, role: Role) -> Result<bool, DbError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT totp_required FROM staff_role_policies WHERE role = $1")
                .bind(role.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some_and(|(required,)| required == "yes"))
    }

    pub async fn set_totp_required(
        &self,
        role: Role,
        required: bool,
        audit: &AuditEntry,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO staff_role_policies (role, totp_required) VALUES ($1, $2) \
             ON CONFLICT (role) DO UPDATE SET totp_required = excluded.totp_required",
        )
        .bind(role.as_str())
        .bind(if required { "yes" } else { "no" })
        .execute(&mut *tx)
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new session; `false` if the id is taken (the caller makes another).
    pub async fn create_session(
        &self,
        table: SessionTable,
        id: &str,
        record: &SessionRecord,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(&format!(
            "INSERT INTO {} (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
            table.name()
        ))
        .bind(id)
        .bind(&record.data)
        .bind(record.expires_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Saves an existing session. It only updates: a session deleted meanwhile (signed out
    /// while another request was in flight) stays deleted, and `false` says so. New sessions
    /// come from [`Database::create_session`].
    pub async fn save_session(
        &self,
        table: SessionTable,
        id: &str,
        record: &SessionRecord,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(&format!(
            "UPDATE {} SET data = $1, expires_at = $2 WHERE id = $3",
            table.name()
        ))
        .bind(&record.data)
        .bind(record.expires_at)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// A session that has not expired by `now` (seconds).
    pub async fn load_session(
        &self,
        table: SessionTable,
        id: &str,
        now: i64,
    ) -> Result<Option<SessionRecord>, DbError> {
        let row: Option<(String, i64)> = sqlx::query_as(&format!(
            "SELECT data, expires_at FROM {} WHERE id = $1 AND expires_at > $2",
            table.name()
        ))
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(data, expires_at)| SessionRecord { data, expires_at }))
    }

    pub async fn delete_session(&self, table: SessionTable, id: &str) -> Result<(), DbError> {
        sqlx::query(&format!("DELETE FROM {} WHERE id = $1", table.name()))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets sessions that expired before `now` (seconds).
    pub async fn delete_expired_sessions(
        &self,
        table: SessionTable,
        now: i64,
    ) -> Result<u64, DbError> {
        Ok(sqlx::query(&format!(
            "DELETE FROM {} WHERE expires_at <= $1",
            table.name()
        ))
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

/// Puts `hashes` in place of an account's recovery codes.
async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    hashes: &[String],
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM staff_recovery_codes WHERE staff_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO staff_recovery_codes (code_hash, staff_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(hash)
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn clear_second_factor_misses(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE staff_users SET second_factor_misses = 0, second_factor_missed_since = NULL \
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
