//! The donations table: filtered, sorted and paged, the filtered set's totals, and the same set
//! streamed for export.
//!
//! The SQL is put together with `sqlx::QueryBuilder` from fixed fragments; every value typed by
//! staff is a bound parameter.

use sqlx::any::AnyArguments;
use sqlx::{Any, Execute, QueryBuilder};
use tokio::sync::mpsc;

use crate::donations::{DonationRow, DONATION_COLUMNS};
use crate::payments::NET;
use crate::{non_negative, Database, DbError, UnreadableRow};
use sharecare_domain::admin::SortBy;
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::status::DonationStatus;
use sharecare_domain::time::Timestamp;

/// Which donations staff are looking at. Every field narrows the set; `None` leaves it open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DonationFilter {
    pub status: Option<DonationStatus>,
    pub method: Option<PaymentMethod>,
    pub frequency: Option<Frequency>,
    /// Made at or after.
    pub from: Option<Timestamp>,
    /// Made before.
    pub until: Option<Timestamp>,
    /// Part of the reference, the email or the donor's name, any case.
    pub text: Option<String>,
}

/// The column a sort orders by.
fn sort_column(sort: SortBy) -> &'static str {
    match sort {
        SortBy::Date => "d.created_at",
        SortBy::Reference => "d.reference",
        SortBy::Amount => "d.amount_minor",
        SortBy::Status => "d.status",
        SortBy::Email => "d.email_key",
    }
}

/// A donation as the admin table reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminDonation {
    pub donation: Donation,
    /// The story its referral link was for, if it came through one.
    pub story: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AdminDonationRow {
    #[sqlx(flatten)]
    donation: DonationRow,
    story_slug: Option<String>,
}

impl TryFrom<AdminDonationRow> for AdminDonation {
    type Error = UnreadableRow;

    fn try_from(row: AdminDonationRow) -> Result<AdminDonation, UnreadableRow> {
        Ok(AdminDonation {
            donation: Donation::try_from(row.donation)?,
            story: row.story_slug,
        })
    }
}

/// The filtered set's size and money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilteredTotals {
    pub count: u64,
    /// What the donations pledged.
    pub pledged_minor: u64,
    /// What their payments brought in, less refunds and disputes.
    pub received_minor: u64,
}

#[derive(sqlx::FromRow)]
struct TotalsRow {
    gifts: i64,
    pledged_minor: i64,
    received_minor: i64,
}

/// `d.`-prefixed donation columns, for queries that join other tables.
fn donation_columns() -> String {
    DONATION_COLUMNS
        .split(',')
        .map(|column| format!("d.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `LIKE` pattern for "contains `text`", with the pattern characters escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Pushes ` WHERE ...` for `filter` (donations as `d`), its values bound.
fn push_where(query: &mut QueryBuilder<'_, Any>, filter: &DonationFilter) {
    query.push(" WHERE 1 = 1");
    if let Some(status) = filter.status {
        query
            .push(" AND d.status = ")
            .push_bind(status.as_str().to_string());
    }
    if let Some(method) = filter.method {
        query
            .push(" AND d.payment_method = ")
            .push_bind(method.as_str().to_string());
    }
    if let Some(frequency) = filter.frequency {
        query
            .push(" AND d.frequency = ")
            .push_bind(frequency.as_str().to_string());
    }
    if let Some(from) = filter.from {
        query.push(" AND d.created_at >= ").push_bind(from);
    }
    if let Some(until) = filter.until {
        query.push(" AND d.created_at < ").push_bind(until);
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .filter(|text| !text.trim().is_empty())
    {
        let pattern = contains_pattern(text);
        query
            .push(" AND (LOWER(d.reference) LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR d.email_key LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR LOWER(COALESCE(d.donor_name, '')) LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
}

/// The builder's SQL with its placeholders numbered, and its bound values.
///
/// `QueryBuilder<Any>::push_bind` writes `?` (the `Any` driver's `format_placeholder` is the
/// default one, launchbadge/sqlx#3000), which SQLite takes and PostgreSQL refuses. Every other
/// statement here is written with `$n`, which both take; so is this one, once numbered.
fn numbered<'q>(
    query: &'q mut QueryBuilder<'_, Any>,
) -> Result<(String, AnyArguments<'q>), DbError> {
    let sql = number_placeholders(query.sql());
    let arguments = query
        .build()
        .take_arguments()
        .map_err(sqlx::Error::Encode)?
        .unwrap_or_default();
    Ok((sql, arguments))
}

/// `?` outside quoted text and identifiers becomes `$1`, `$2`... in order.
fn number_placeholders(sql: &str) -> String {
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 0;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '?') => {
                next += 1;
                numbered.push_str(&format!("${next}"));
                continue;
            }
            _ => {}
        }
        numbered.push(c);
    }
    numbered
}

/// `SELECT` of the table's rows, joined with the referral codes, with `filter`'s condition.
fn listing_query(filter: &DonationFilter) -> QueryBuilder<'static, Any> {
    let mut query = QueryBuilder::new(format!(
        "SELECT {}, r.story_slug FROM donations d \
         LEFT JOIN referral_codes r ON r.code = d.referral_code",
        donation_columns()
    ));
    push_where(&mut query, filter);
    query
}

impl Database {
    /// A page of the filtered donations, sorted; `page` counts from 0.
    pub async fn admin_donations(
        &self,
        filter: &DonationFilter,
        sort: SortBy,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<Vec<AdminDonation>, DbError> {
        let mut query = listing_query(filter);
        query
            .push(format!(
                " ORDER BY {} {}, d.id LIMIT ",
                sort_column(sort),
                if descending { "DESC" } else { "ASC" },
            ))
            .push_bind(i64::from(per_page))
            .push(" OFFSET ")
            .push_bind(i64::from(page) * i64::from(per_page));
        let (sql, arguments) = numbered(&mut query)?;
        let rows: Vec<AdminDonationRow> = sqlx::query_as_with(&sql, arguments)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|row| Ok(AdminDonation::try_from(row)?))
            .collect()
    }

    /// How many donations the filter finds, what they pledged and what was received for them.
    pub async fn admin_totals(&self, filter: &DonationFilter) -> Result<FilteredTotals, DbError> {
        let mut query = QueryBuilder::new(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS gifts, \
             CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS pledged_minor, \
             CAST(COALESCE((SELECT SUM({NET}) FROM payments p WHERE p.donation_id IN \
             (SELECT d.id FROM donations d"
        ));
        push_where(&mut query, filter);
        query.push(")), 0) AS BIGINT) AS received_minor FROM donations d");
        push_where(&mut query, filter);
        let (sql, arguments) = numbered(&mut query)?;
        let totals: TotalsRow = sqlx::query_as_with(&sql, arguments)
            .fetch_one(&self.pool)
            .await?;
        Ok(FilteredTotals {
            count: non_negative("donations", "count", totals.gifts)?,
            pledged_minor: non_negative("donations", "amount_minor", totals.pledged_minor)?,
            received_minor: non_negative("payments", "amount_minor", totals.received_minor.max(0))?,
        })
    }

    /// Sends the filtered donations, newest first, one at a time into `rows`, until all are
    /// sent or the receiver goes away (a cancelled download). Memory stays flat whatever the
    /// number of rows: the database streams them and the channel holds a few.
    pub async fn send_donations(
        &self,
        filter: &DonationFilter,
        rows: mpsc::Sender<Result<AdminDonation, DbError>>,
    ) {
        use futures_util::TryStreamExt;
        let mut query = listing_query(filter);
        query.push(" ORDER BY d.created_at DESC, d.id");
        let (sql, arguments) = match numbered(&mut query) {
            Ok(built) => built,
            Err(error) => {
                let _ = rows.send(Err(error)).await;
                return;
            }
        };
        let mut stream =
            sqlx::query_as_with::<_, AdminDonationRow, _>(&sql, arguments).fetch(&self.pool);
        loop {
            let next = match stream.try_next().await {
                Ok(Some(row)) => AdminDonation::try_from(row).map_err(DbError::from),
                Ok(None) => return,
                Err(error) => Err(DbError::from(error)),
            };
            let failed = next.is_err();
            if rows.send(next).await.is_err() || failed {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            number_placeholders("a = ? AND b LIKE ? ESCAPE '\\' AND c = '?' AND \"?\" = ?"),
            "a = $1 AND b LIKE $2 ESCAPE '\\' AND c = '?' AND \"?\" = $3"
        );
    }

    #[test]
    fn every_filter_value_is_bound_and_numbered() {
        let filter = DonationFilter {
            status: Some(DonationStatus::Paid),
            method: Some(PaymentMethod::Offline),
            frequency: Some(Frequency::Monthly),
            from: Some(Timestamp::from_millis(1)),
            until: Some(Timestamp::from_millis(2)),
            text: Some("50%_off".into()),
        };
        let mut query = listing_query(&filter);
        query.push(" LIMIT ").push_bind(10_i64);
        let (sql, arguments) = numbered(&mut query).unwrap();
        assert!(sql.contains("d.status = $1 AND d.payment_method = $2 AND d.frequency = $3"));
        assert!(sql.contains("d.created_at >= $4 AND d.created_at < $5"));
        assert!(sql.contains("LOWER(d.reference) LIKE $6 ESCAPE '\\' OR d.email_key LIKE $7"));
        assert!(sql.ends_with("LIKE $8 ESCAPE '\\') LIMIT $9"), "{sql}");
        assert!(!sql.contains('?'));
        assert!(!sql.contains("50%"));
        assert_eq!(sqlx::Arguments::len(&arguments), 9);
        assert_eq!(contains_pattern(" 50%_Off "), "%50\\%\\_off%");
    }
}
