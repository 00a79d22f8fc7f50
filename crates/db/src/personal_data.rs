//! What every column holds of a donor's, in one list: whether it is personal, what erasing a
//! donor does to it, and where their download shows it. Erasure (`Database::erase_donor`) is
//! built from this list, the export is tested against it, and a test holds it to the schema on
//! both databases: every text column of every table must be here, so a migration that adds one
//! cannot go round erasure (issue 23, finding 4).
//!
//! The order of `PERSONAL_DATA` is the order erasure works in: rows that are the donor's alone
//! go first, then what names their gifts, and `donations` last, since every other table finds
//! the donor's rows through the gifts' email key that erasure then replaces.

use sqlx::AnyConnection;

use super::{Backend, Database, DbError, UnreadableRow};
use sharecare_domain::time::Timestamp;

/// What stands where personal text was taken out (a statement line's description).
pub const REMOVED: &str = "[removed]";

/// SQL for "one of the donor's gifts" ($1 is the donor's email key). Macros, so the conditions
/// below are one literal each.
macro_rules! donors_gifts {
    () => {
        "donation_id IN (SELECT id FROM donations WHERE email_key = $1)"
    };
}

/// Statement lines that are the donor's: applied to their gift, or one of its payments.
macro_rules! donors_lines {
    () => {
        concat!(
            donors_gifts!(),
            " OR payment_id IN (SELECT p.id FROM payments p JOIN donations d \
             ON d.id = p.donation_id WHERE d.email_key = $1)"
        )
    };
}

/// What erasing a donor does to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// The donor's rows are deleted: they are theirs alone.
    DeleteRow,
    /// Set to NULL on the donor's rows.
    Null,
    /// Replaced on the donor's rows by this SQL expression, a value that names no one (the
    /// column cannot be empty, or something must stay there). `$2` is the time of erasure.
    Replace(&'static str),
    /// Free text that anyone may have copied the donor's details into (staff's notes, a mail
    /// server's error): in every row, each occurrence of them is replaced by [`REMOVED`].
    Redact,
    /// Kept, for the reason given.
    Keep(&'static str),
}

/// Where the donor's download ("My gifts" → "Download my data", JSON) shows a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// At this path of the JSON: `gifts[].honoree_name` is the field of each gift.
    At(&'static str),
    /// Not shown, for the reason given.
    Not(&'static str),
}

/// What kind of value a personal column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// Names, addresses, numbers or words that point at the donor: erasure looks for them in
    /// free text elsewhere (`Erasure::Redact` columns), and the export shows them verbatim.
    Identifying,
    /// About the donor but pointing at no one by itself (a campaign tag, a requested date):
    /// shown verbatim.
    Detail,
    /// A code from a closed set, or a number: the export may word it (`true`, `300.00`).
    Code,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Personal {
        value: Value,
        erasure: Erasure,
        export: Export,
    },
    /// Not a donor's personal data, for the reason given.
    NotPersonal(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub data: Data,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    /// Which rows are one donor's: an SQL condition on `$1`, their email key. `None` where no
    /// row is a donor's (staff's records, the site's own state): only `Redact` applies there.
    pub rows: Option<&'static str>,
    pub columns: &'static [Column],
}

const fn not(name: &'static str, why: &'static str) -> Column {
    Column {
        name,
        data: Data::NotPersonal(why),
    }
}

const fn personal(name: &'static str, value: Value, erasure: Erasure, export: Export) -> Column {
    Column {
        name,
        data: Data::Personal {
            value,
            erasure,
            export,
        },
    }
}

use Erasure::{DeleteRow, Keep, Null, Redact, Replace};
use Export::{At, Not};
use Value::{Code, Detail, Identifying};

const ID: &str = "an id the site made";
const STAFF: &str = "a member of staff's address: who did it (staff's own data, not a donor's)";
const PROVIDER_ID: &str = "an id at the payment provider, naming no one";
const CODE: &str = "a code or amount of the books, naming no one";
const WHERE_FROM: &str = "where the gift came from, not who gave it: the campaign's figures";
const STAFF_TEXT: &str = "staff's own record of their work";

/// The donor's placeholder address: one per gift, at a domain no one can own (`.invalid`).
const PLACEHOLDER_EMAIL: &str = "'erased-' || id || '@erased.invalid'";

/// Every table, every text column (and the personal columns of other types), in the order
/// erasure works in.
pub const PERSONAL_DATA: &[Table] = &[
    Table {
        name: "donor_messages",
        rows: Some("email_key = $1"),
        columns: &[
            not("id", ID),
            not("donation_id", ID),
            personal("email_key", Identifying, DeleteRow, At("email")),
            personal("message", Identifying, DeleteRow, At("messages[].message")),
        ],
    },
    Table {
        name: "consent_events",
        rows: Some("email_key = $1"),
        columns: &[
            not("id", ID),
            personal("email_key", Identifying, DeleteRow, At("email")),
            personal("consent", Code, DeleteRow, At("consent_history[].consent")),
            personal("source", Code, DeleteRow, At("consent_history[].source")),
        ],
    },
    Table {
        name: "donor_sign_ins",
        rows: Some("email_key = $1"),
        columns: &[
            not("id", ID),
            not("code_hash", "a keyed hash of a one-time code"),
            not("link_hash", "a keyed hash of a one-time link"),
            personal("email_key", Identifying, DeleteRow, At("email")),
        ],
    },
    Table {
        name: "donor_sessions",
        // The session's JSON holds the email key as a string (see the web layer's donor
        // session): a row holding that string is the donor's.
        rows: Some("replace(data, '\"' || $1 || '\"', '') <> data"),
        columns: &[
            not("id", "the session's id, a secret of the cookie"),
            personal(
                "data",
                Detail,
                DeleteRow,
                Not("the signed-in session itself: the email and a form token"),
            ),
        ],
    },
    Table {
        name: "outbox",
        // A yearly summary names the donor by email; mail about their gifts that has not gone
        // out is never sent to an erased donor (it would fail for ever), and a pledge's
        // payment details, sent or not, go with the pledge.
        rows: Some(concat!(
            "email_key = $1 OR ((sent_at IS NULL OR kind = 'payment_details') AND ",
            donors_gifts!(),
            ")"
        )),
        columns: &[
            not("id", ID),
            not("kind", CODE),
            not("payment_id", ID),
            not("tax_receipt_id", ID),
            not("donation_id", ID),
            not("holder_receipt_id", ID),
            not("claim", "a worker's claim on the row"),
            not("payload", "what a message says in codes: a year, a change confirmed"),
            personal(
                "email_key",
                Identifying,
                DeleteRow,
                Not("mail waiting to go: what it is about is shown with the gift"),
            ),
            personal(
                "dedupe_key",
                Detail,
                DeleteRow,
                Not("the queue's own key (a yearly summary's holds the email)"),
            ),
            personal(
                "last_error",
                Detail,
                Redact,
                Not("why sending failed, as the mail server said"),
            ),
        ],
    },
    Table {
        name: "gift_changes",
        rows: Some(donors_gifts!()),
        columns: &[
            not("id", ID),
            not("donation_id", ID),
            not("kind", CODE),
            personal(
                "detail",
                Detail,
                Null,
                At("gifts[].requested_changes[].detail"),
            ),
            personal(
                "error",
                Detail,
                Redact,
                Not("the payment provider's refusal of a request"),
            ),
        ],
    },
    Table {
        name: "payments",
        rows: Some(donors_gifts!()),
        columns: &[
            not("id", ID),
            not("donation_id", ID),
            not("source_id", PROVIDER_ID),
            not("payment_intent_id", PROVIDER_ID),
            not("currency", CODE),
            not("dispute_id", PROVIDER_ID),
            not("dispute_status", CODE),
            not("method", CODE),
            not("flag", CODE),
            personal(
                "cheque_number",
                Detail,
                Keep("the books: which cheque paid, or bounced"),
                At("gifts[].payments[].cheque_number"),
            ),
            personal(
                "void_reason",
                Detail,
                Redact,
                Not("staff's reason for voiding a payment"),
            ),
        ],
    },
    Table {
        name: "tax_receipts",
        rows: Some(donors_gifts!()),
        columns: &[
            not("id", ID),
            not("series", CODE),
            not("payment_id", ID),
            not("donation_id", ID),
            not("currency", CODE),
            not("replaces_id", ID),
            not("holder_kind", CODE),
            personal(
                "issued_to",
                Identifying,
                Keep(
                    "Hong Kong tax law: the name on a receipt is kept for \
                     `tax_records_kept_years` after its tax year; the retention job clears it",
                ),
                At("gifts[].receipts[].issued_to"),
            ),
            personal(
                "void_reason",
                Detail,
                Redact,
                Not("why a receipt was voided (a refund, a dispute)"),
            ),
        ],
    },
    Table {
        name: "refund_requests",
        rows: None,
        columns: &[
            not("id", ID),
            not("donation_id", ID),
            not("payment_id", ID),
            not("provider_refund_id", PROVIDER_ID),
            not("requested_by", STAFF),
            personal(
                "error",
                Detail,
                Redact,
                Not("the payment provider's refusal of a refund"),
            ),
        ],
    },
    Table {
        name: "payment_exceptions",
        rows: None,
        columns: &[
            not("id", ID),
            not("event_id", PROVIDER_ID),
            not("donation_id", ID),
            not("kind", CODE),
            not("expected_currency", CODE),
            not("received_currency", CODE),
            not("source_id", PROVIDER_ID),
            not("payment_intent_id", PROVIDER_ID),
            not("subscription_id", PROVIDER_ID),
            not("payment_id", ID),
            personal("note", Detail, Redact, Not(STAFF_TEXT)),
        ],
    },
    Table {
        name: "statement_lines",
        rows: Some(donors_lines!()),
        columns: &[
            not("id", ID),
            not("import_id", ID),
            not("fingerprint", "a hash of the line, so it is stored once"),
            not("booked_on", "the bank's date"),
            not("currency", CODE),
            not("payment_id", ID),
            not("donation_id", ID),
            not("handled_by", STAFF),
            // The bank's text for the donor's own payment: the payer's name as their bank
            // has it, which need not be the name they gave.
            personal(
                "description",
                Identifying,
                Replace(concat!("'", "[removed]", "'")),
                At("gifts[].statement_lines[].description"),
            ),
        ],
    },
    Table {
        name: "statement_imports",
        rows: Some(concat!(
            "id IN (SELECT import_id FROM statement_lines WHERE ",
            donors_lines!(),
            ")"
        )),
        columns: &[
            not("id", ID),
            not("signature", "the statement's header row"),
            not("account", "the charity's own bank account"),
            not("uploaded_by", STAFF),
            // A file holding one of the donor's lines is emptied whole: once read, its lines
            // are what the site uses.
            personal(
                "raw",
                Detail,
                Replace("''"),
                Not("the bank's whole file, other people's payments too; the donor's own lines are shown"),
            ),
            personal(
                "file_name",
                Detail,
                Redact,
                Not("the name staff gave the file"),
            ),
        ],
    },
    Table {
        name: "backups",
        rows: None,
        columns: &[
            not("id", ID),
            not(
                "file",
                "a backup file's name, made by the site from the time it was taken",
            ),
        ],
    },
    Table {
        name: "audit_log",
        rows: None,
        columns: &[
            not("id", ID),
            not("actor_id", ID),
            not("actor_email", STAFF),
            not("action", CODE),
            not("donation_id", ID),
            personal("subject", Detail, Redact, Not(STAFF_TEXT)),
            personal("before_value", Detail, Redact, Not(STAFF_TEXT)),
            personal("after_value", Detail, Redact, Not(STAFF_TEXT)),
        ],
    },
    Table {
        name: "staff_resolutions",
        rows: None,
        columns: &[
            not("kind", CODE),
            not("item_id", ID),
            not("resolved_by", STAFF),
            personal("note", Detail, Redact, Not(STAFF_TEXT)),
        ],
    },
    Table {
        name: "staff_users",
        rows: None,
        columns: &[
            not("id", ID),
            not("email", STAFF),
            not("role", CODE),
            not("password_hash", "a member of staff's password hash"),
            not("totp_secret", "a member of staff's second factor"),
        ],
    },
    Table {
        name: "staff_sessions",
        rows: None,
        columns: &[
            not("id", "the session's id, a secret of the cookie"),
            not("data", "a member of staff's session: their account id and a form token"),
        ],
    },
    Table {
        name: "staff_recovery_codes",
        rows: None,
        columns: &[
            not("code_hash", "a hash of a member of staff's recovery code"),
            not("staff_id", ID),
        ],
    },
    Table {
        name: "staff_role_policies",
        rows: None,
        columns: &[not("role", CODE), not("totp_required", CODE)],
    },
    Table {
        name: "server_secrets",
        rows: None,
        columns: &[not("name", CODE), not("value", "a key the server made")],
    },
    Table {
        name: "rate_limit_hits",
        rows: None,
        columns: &[not(
            "key",
            "a hash of a rule and its subject, forgotten within a day",
        )],
    },
    Table {
        name: "receipt_counters",
        rows: None,
        columns: &[not("series", CODE)],
    },
    Table {
        name: "referral_codes",
        rows: None,
        columns: &[
            not("code", "a share link's code, made for a story, naming no one"),
            not("story_slug", CODE),
        ],
    },
    Table {
        name: "provider_events",
        rows: None,
        columns: &[
            not("event_id", PROVIDER_ID),
            not("provider", CODE),
            not("event_type", CODE),
            not("donation_id", ID),
        ],
    },
    Table {
        name: "unmatched_events",
        rows: None,
        columns: &[
            not("event_id", PROVIDER_ID),
            not("provider", CODE),
            not("event_type", CODE),
            not("change", "what a provider event changes: ids and amounts"),
        ],
    },
    Table {
        name: "failed_refunds",
        rows: None,
        columns: &[not("refund_id", PROVIDER_ID), not("payment_id", ID)],
    },
    Table {
        name: "statement_mappings",
        rows: None,
        columns: &[
            not("signature", "a bank's header row"),
            not("date_format", CODE),
        ],
    },
    Table {
        name: "_sqlx_migrations",
        rows: None,
        columns: &[not("description", "the migrations applied")],
    },
    Table {
        name: "donations",
        rows: Some("email_key = $1"),
        columns: &[
            not("id", ID),
            not("reference", "the gift's number, printed on its kept receipt"),
            not("idempotency_key", "the donation form's token"),
            not("access_key", "the secret of the gift's own page"),
            not("status", CODE),
            not("currency", CODE),
            not("frequency", CODE),
            not("payment_method", CODE),
            not("checkout_session_id", PROVIDER_ID),
            not("checkout_url", "the payment provider's page for the gift"),
            not("subscription_id", PROVIDER_ID),
            not(
                "flag",
                "why staff must look at the gift, in amounts (kept: the mismatch is still theirs to resolve)",
            ),
            personal("email", Identifying, Replace(PLACEHOLDER_EMAIL), At("gifts[].email")),
            personal("email_key", Identifying, Replace(PLACEHOLDER_EMAIL), At("email")),
            personal("donor_name", Identifying, Null, At("gifts[].name")),
            personal(
                "receipt",
                Code,
                Replace("CASE WHEN receipt = 'none' THEN 'none' ELSE 'own_name' END"),
                At("gifts[].receipt"),
            ),
            personal("receipt_name", Identifying, Null, At("gifts[].receipt_name")),
            personal(
                "marketing_consent",
                Code,
                Replace("'declined'"),
                At("gifts[].marketing_consent"),
            ),
            personal(
                "consent_recorded_at",
                Code,
                Replace("$2"),
                At("gifts[].consent_recorded_at"),
            ),
            personal(
                "locale",
                Code,
                Keep("the language of the receipt the tax law keeps"),
                At("gifts[].language"),
            ),
            personal("referral_code", Detail, Null, At("gifts[].referral_code")),
            personal("ended_reason", Identifying, Null, At("gifts[].ended_reason")),
            personal("tribute_kind", Code, Null, At("gifts[].tribute_kind")),
            personal("honoree_name", Identifying, Null, At("gifts[].honoree_name")),
            personal(
                "tribute_message",
                Identifying,
                Null,
                At("gifts[].tribute_message"),
            ),
            personal("notify_name", Identifying, Null, At("gifts[].notify_name")),
            personal("notify_email", Identifying, Null, At("gifts[].notify_email")),
            personal("notify_amount", Code, Null, At("gifts[].notify_amount")),
            personal("receipt_holder", Code, Null, At("gifts[].receipt_holder")),
            personal(
                "company_registration",
                Identifying,
                Null,
                At("gifts[].company_registration"),
            ),
            personal(
                "amount_minor",
                Code,
                Keep("the books"),
                At("gifts[].amount"),
            ),
            personal("fee_minor", Code, Keep("the books"), At("gifts[].fee_covered")),
            personal(
                "created_at",
                Code,
                Keep("the books"),
                At("gifts[].created_at"),
            ),
            personal("utm_source", Detail, Keep(WHERE_FROM), At("gifts[].utm_source")),
            personal("utm_medium", Detail, Keep(WHERE_FROM), At("gifts[].utm_medium")),
            personal(
                "utm_campaign",
                Detail,
                Keep(WHERE_FROM),
                At("gifts[].utm_campaign"),
            ),
            personal("partner_code", Detail, Keep(WHERE_FROM), At("gifts[].partner")),
            personal("story_slug", Detail, Keep(WHERE_FROM), At("gifts[].story")),
        ],
    },
];

/// The list's entry for a table's column.
pub fn column(table: &str, column: &str) -> Option<(&'static Table, &'static Column)> {
    PERSONAL_DATA
        .iter()
        .find(|t| t.name == table)
        .and_then(|t| t.columns.iter().find(|c| c.name == column).map(|c| (t, c)))
}

/// A column of the schema, as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaColumn {
    pub table: String,
    pub column: String,
    /// Holds text (TEXT, VARCHAR, CHAR, CLOB, JSON...; on SQLite, also no declared type).
    pub text: bool,
}

/// Whether a declared column type holds text, by each database's own rules (SQLite: the
/// type's name contains CHAR, CLOB or TEXT, or there is none; PostgreSQL: its data type).
fn is_text(backend: Backend, declared: &str) -> bool {
    let declared = declared.to_ascii_lowercase();
    match backend {
        Backend::Sqlite => {
            declared.is_empty()
                || ["char", "clob", "text"]
                    .iter()
                    .any(|word| declared.contains(word))
        }
        Backend::Postgres => ["char", "text", "json", "xml"]
            .iter()
            .any(|word| declared.contains(word)),
    }
}

/// What erasing one donor did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    /// Pledges never paid, deleted.
    pub deleted: u64,
    /// Paid gifts, anonymised (their receipts' records kept, as the tax law requires).
    pub anonymised: u64,
    /// Rows that were the donor's alone (messages, consents, sign-ins, sessions, mail), deleted.
    pub removed: u64,
    /// Free-text values (staff's notes, the audit log) the donor's details were taken out of.
    pub redacted: u64,
}

/// The strings erasure looks for in free text: each identifying value of the donor's, and the
/// form it takes in an address's query (`+` for a space, `%40` for `@`), longest first. Values
/// too short to stand for anyone (a letter or two of Latin script) are left out, or they would
/// be cut out of every note.
pub fn needles(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut needles: Vec<String> = Vec::new();
    for value in values {
        let value = value.trim();
        let long_enough =
            value.chars().count() >= 3 || (value.chars().count() == 2 && !value.is_ascii());
        if !long_enough {
            continue;
        }
        for form in [value.to_string(), form_urlencoded(value)] {
            if !needles.contains(&form) {
                needles.push(form);
            }
        }
    }
    needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    needles
}

/// `value` as an HTML form or a query string carries it (`application/x-www-form-urlencoded`).
fn form_urlencoded(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `text` with every occurrence of a needle replaced by [`REMOVED`] (Latin letters in any case;
/// other scripts as written), or `None` if none occurs.
pub fn redact(text: &str, needles: &[String]) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut found = false;
    let mut at = 0;
    while at < text.len() {
        let hit = needles.iter().find(|needle| {
            !needle.is_empty()
                && bytes.len() - at >= needle.len()
                && bytes[at..at + needle.len()].eq_ignore_ascii_case(needle.as_bytes())
        });
        match hit {
            Some(needle) => {
                out.push_str(REMOVED);
                at += needle.len();
                found = true;
            }
            None => {
                let next = text[at..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[at..at + next]);
                at += next;
            }
        }
    }
    found.then_some(out)
}

/// A table or column name fit to be written into SQL: it comes from the schema or the list,
/// never from input, and is checked all the same.
pub(crate) fn identifier(name: &str) -> Result<&str, DbError> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(name)
    } else {
        Err(UnreadableRow::new(
            "schema",
            "name",
            format!("not a plain identifier: {name:?}"),
        )
        .into())
    }
}

/// The values of the donor's rows (the list's condition) in one column, as text.
async fn donors_values(
    connection: &mut AnyConnection,
    table: &Table,
    column: &str,
    email_key: &str,
) -> Result<Vec<String>, DbError> {
    let Some(rows) = table.rows else {
        return Ok(Vec::new());
    };
    let column = identifier(column)?;
    let sql = format!(
        "SELECT DISTINCT CAST({column} AS TEXT) FROM {} WHERE ({rows}) AND {column} IS NOT NULL",
        identifier(table.name)?
    );
    let values: Vec<(String,)> = sqlx::query_as(&sql)
        .bind(email_key)
        .fetch_all(&mut *connection)
        .await?;
    Ok(values.into_iter().map(|(value,)| value).collect())
}

impl Database {
    /// Every column of every table, as the schema has them, in table order.
    pub async fn schema_columns(&self) -> Result<Vec<SchemaColumn>, DbError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' \
                 ORDER BY m.name, p.cid"
            }
            Backend::Postgres => {
                "SELECT CAST(c.table_name AS TEXT), CAST(c.column_name AS TEXT), \
                 CAST(c.data_type AS TEXT) FROM information_schema.columns c \
                 JOIN information_schema.tables t ON t.table_schema = c.table_schema \
                 AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                 ORDER BY 1, c.ordinal_position"
            }
        };
        let rows: Vec<(String, String, String)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(table, column, declared)| SchemaColumn {
                text: is_text(self.backend, &declared),
                table,
                column,
            })
            .collect())
    }

    /// Every value a text column holds (tests scan the whole database with it after an
    /// erasure). The names must be a text column of the schema's.
    pub async fn text_values(&self, table: &str, column: &str) -> Result<Vec<String>, DbError> {
        let known = self
            .schema_columns()
            .await?
            .into_iter()
            .any(|c| c.text && c.table == table && c.column == column);
        if !known {
            return Err(UnreadableRow::new(
                "schema",
                "column",
                format!("no text column {table}.{column}"),
            )
            .into());
        }
        let sql = format!(
            "SELECT CAST({column} AS TEXT) FROM {table} WHERE {column} IS NOT NULL",
            column = identifier(column)?,
            table = identifier(table)?
        );
        let values: Vec<(String,)> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        Ok(values.into_iter().map(|(value,)| value).collect())
    }

    /// What the list finds of a donor's in one column (its condition for the table's rows): what
    /// their download must show.
    pub async fn personal_values(
        &self,
        email_key: &str,
        table: &str,
        column: &str,
    ) -> Result<Vec<String>, DbError> {
        let Some((table, column)) = self::column(table, column) else {
            return Ok(Vec::new());
        };
        let mut connection = self.pool.acquire().await?;
        donors_values(&mut connection, table, column.name, email_key).await
    }

    /// Erases a donor, column by column as `PERSONAL_DATA` says, in one transaction: rows that
    /// are theirs alone are deleted, personal columns of their other rows set to NULL or
    /// replaced, their details cut out of free text wherever it is (staff's notes, the audit
    /// log), pledges never paid deleted, and their paid gifts anonymised last. What the tax law
    /// keeps (the name on a receipt) stays for its period.
    pub async fn erase_donor(&self, email_key: &str, now: Timestamp) -> Result<Erased, DbError> {
        let mut erased = Erased::default();
        let mut tx = self.pool.begin().await?;
        // A write first: SQLite's lock is taken now, not half way through; on PostgreSQL the
        // donor's gifts are locked against a change while they are erased.
        sqlx::query("UPDATE donations SET email_key = email_key WHERE email_key = $1")
            .bind(email_key)
            .execute(&mut *tx)
            .await?;

        // What identifies the donor, read before anything changes.
        let mut values = vec![email_key.to_string()];
        for table in PERSONAL_DATA {
            for column in table.columns {
                if let Data::Personal {
                    value: Value::Identifying,
                    ..
                } = column.data
                {
                    values.extend(donors_values(&mut tx, table, column.name, email_key).await?);
                }
            }
        }
        let needles = needles(values);

        for table in PERSONAL_DATA.iter().filter(|t| t.name != "donations") {
            erased.removed += erase_rows(&mut tx, table, email_key, now).await?;
        }
        for table in PERSONAL_DATA {
            for column in table.columns {
                if let Data::Personal {
                    erasure: Redact, ..
                } = column.data
                {
                    erased.redacted +=
                        redact_column(&mut tx, table.name, column.name, &needles).await?;
                }
            }
        }

        // Pledges never paid with nothing recorded against them go; the rest are anonymised.
        erased.deleted = sqlx::query(
            "DELETE FROM donations WHERE email_key = $1 AND status <> 'paid' \
             AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.donation_id = donations.id) \
             AND NOT EXISTS (SELECT 1 FROM payment_exceptions e WHERE e.donation_id = donations.id) \
             AND NOT EXISTS (SELECT 1 FROM gift_changes c WHERE c.donation_id = donations.id) \
             AND NOT EXISTS (SELECT 1 FROM statement_lines l WHERE l.donation_id = donations.id) \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.donation_id = donations.id)",
        )
        .bind(email_key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let donations = PERSONAL_DATA
            .iter()
            .find(|t| t.name == "donations")
            .expect("the list has donations");
        erased.anonymised = erase_rows(&mut tx, donations, email_key, now).await?;
        tx.commit().await?;
        Ok(erased)
    }
}

/// Applies a table's `DeleteRow`, `Null` and `Replace` to the donor's rows; how many rows.
async fn erase_rows(
    connection: &mut AnyConnection,
    table: &Table,
    email_key: &str,
    now: Timestamp,
) -> Result<u64, DbError> {
    let Some(rows) = table.rows else {
        return Ok(0);
    };
    let name = identifier(table.name)?;
    let erasures = table.columns.iter().filter_map(|column| match column.data {
        Data::Personal { erasure, .. } => Some((column.name, erasure)),
        Data::NotPersonal(_) => None,
    });
    let mut delete = false;
    let mut assignments = Vec::new();
    for (column, erasure) in erasures {
        match erasure {
            DeleteRow => delete = true,
            Null => assignments.push(format!("{} = NULL", identifier(column)?)),
            Replace(expression) => {
                assignments.push(format!("{} = {expression}", identifier(column)?))
            }
            Redact | Keep(_) => {}
        }
    }
    let sql = if delete {
        format!("DELETE FROM {name} WHERE {rows}")
    } else if assignments.is_empty() {
        return Ok(0);
    } else {
        format!("UPDATE {name} SET {} WHERE {rows}", assignments.join(", "))
    };
    let mut query = sqlx::query(&sql).bind(email_key);
    if sql.contains("$2") {
        query = query.bind(now);
    }
    Ok(query.execute(&mut *connection).await?.rows_affected())
}

/// Cuts the needles out of every value of a free-text column; how many values changed. Every
/// distinct value is read and matched here rather than in SQL, where the two databases fold
/// case differently.
async fn redact_column(
    connection: &mut AnyConnection,
    table: &str,
    column: &str,
    needles: &[String],
) -> Result<u64, DbError> {
    let (table, column) = (identifier(table)?, identifier(column)?);
    let values: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"
    ))
    .fetch_all(&mut *connection)
    .await?;
    let mut changed = 0;
    for (value,) in values {
        let Some(redacted) = redact(&value, needles) else {
            continue;
        };
        changed += sqlx::query(&format!(
            "UPDATE {table} SET {column} = $1 WHERE {column} = $2"
        ))
        .bind(redacted)
        .bind(&value)
        .execute(&mut *connection)
        .await?
        .rows_affected();
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_columns() -> impl Iterator<Item = (&'static Table, &'static Column)> {
        PERSONAL_DATA
            .iter()
            .flat_map(|table| table.columns.iter().map(move |column| (table, column)))
    }

    #[test]
    fn each_column_is_listed_once_and_names_are_plain() {
        let mut seen = std::collections::HashSet::new();
        for (table, column) in all_columns() {
            assert!(
                seen.insert((table.name, column.name)),
                "{}.{} twice",
                table.name,
                column.name
            );
            identifier(table.name).unwrap();
            identifier(column.name).unwrap();
        }
    }

    #[test]
    fn what_erasure_does_can_be_done_to_each_table() {
        for table in PERSONAL_DATA {
            let erasures: Vec<Erasure> = table
                .columns
                .iter()
                .filter_map(|column| match column.data {
                    Data::Personal { erasure, .. } => Some(erasure),
                    Data::NotPersonal(_) => None,
                })
                .collect();
            let deletes = erasures.contains(&DeleteRow);
            for erasure in &erasures {
                match erasure {
                    // Without a way to find the donor's rows, only free text can be redacted.
                    DeleteRow | Null | Replace(_) => {
                        assert!(table.rows.is_some(), "{}", table.name)
                    }
                    Redact | Keep(_) => {}
                }
                if deletes {
                    assert!(
                        !matches!(erasure, Null | Replace(_)),
                        "{}: rows deleted or updated, not both",
                        table.name
                    );
                }
                if let Replace(expression) = erasure {
                    assert!(!expression.contains("$1"), "{expression}");
                }
            }
        }
        assert_eq!(
            PERSONAL_DATA.last().map(|t| t.name),
            Some("donations"),
            "the other tables find the donor through the gifts' email key: donations go last"
        );
    }

    #[test]
    fn a_removed_line_reads_as_the_marker() {
        let (_, description) = column("statement_lines", "description").unwrap();
        assert!(matches!(
            description.data,
            Data::Personal { erasure: Replace(expression), .. } if expression == format!("'{REMOVED}'")
        ));
    }

    #[test]
    fn the_donors_details_are_cut_out_of_free_text_in_any_case_and_as_a_query_has_them() {
        let needles = needles([
            "mei.chan@example.org".to_string(),
            "Chan Mei".to_string(),
            "陳美".to_string(),
            "Li".to_string(),
            " ".to_string(),
        ]);
        assert!(
            !needles.contains(&"Li".to_string()),
            "too short: {needles:?}"
        );
        assert_eq!(
            redact("q=MEI.CHAN%40example.org&status=paid", &needles).as_deref(),
            Some("q=[removed]&status=paid")
        );
        assert_eq!(
            redact("Called chan mei (陳美) back; Lily at the desk", &needles).as_deref(),
            Some("Called [removed] ([removed]) back; Lily at the desk")
        );
        assert_eq!(
            redact("q=Chan+Mei", &needles).as_deref(),
            Some("q=[removed]")
        );
        assert_eq!(redact("nothing of hers", &needles), None);
        assert_eq!(redact("", &needles), None);
    }

    #[test]
    fn text_types_are_told_by_each_databases_rules() {
        for declared in ["TEXT", "VARCHAR(200)", "clob", ""] {
            assert!(is_text(Backend::Sqlite, declared), "{declared:?}");
        }
        assert!(is_text(Backend::Sqlite, "NATIVE CHARACTER(70)"));
        assert!(!is_text(Backend::Sqlite, "BIGINT"));
        assert!(!is_text(Backend::Sqlite, "BLOB"));
        assert!(is_text(Backend::Postgres, "character varying"));
        assert!(is_text(Backend::Postgres, "jsonb"));
        assert!(!is_text(Backend::Postgres, "bigint"));
        assert!(!is_text(Backend::Postgres, "bytea"));
    }
}
