//! The donations table as staff ask for it in the query string: parsed here into the
//! database's filter, read a page at a time with the filtered set's totals, or streamed whole
//! for export.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::Records;
use crate::staff::actions;
use crate::statements::parse_date;
use sharecare_db::{Actor, AdminDonation, AuditEntry, DbError, DonationFilter, FilteredTotals};
use sharecare_domain::admin::SortBy;
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::status::DonationStatus;
use sharecare_domain::time::{hong_kong_midnight, ONE_DAY};

/// The table's query string: filters, sort and page, as typed (echoed back into the form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ListingQuery {
    pub status: String,
    pub method: String,
    pub frequency: String,
    /// `YYYY-MM-DD`, Hong Kong days, both included.
    pub from: String,
    pub until: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub page: u32,
}

impl ListingQuery {
    /// The filter this query asks for; values that do not parse are ignored.
    fn filter(&self) -> DonationFilter {
        let day =
            |text: &str| parse_date(text, "ymd").and_then(|(y, m, d)| hong_kong_midnight(y, m, d));
        DonationFilter {
            status: DonationStatus::parse(&self.status),
            method: PaymentMethod::parse(&self.method),
            frequency: Frequency::parse(&self.frequency),
            from: day(&self.from),
            // Up to the end of that day.
            until: day(&self.until).map(|midnight| midnight.plus(ONE_DAY)),
            text: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
        }
    }

    pub fn sort(&self) -> SortBy {
        SortBy::parse(&self.sort).unwrap_or_default()
    }

    /// Newest first unless asked otherwise.
    pub fn descending(&self) -> bool {
        self.dir != "asc"
    }

    /// The filters alone, for the export's link.
    pub fn filters_only(&self) -> String {
        self.filters_with(&self.q)
    }

    /// The filters as the audit log keeps them: the search text (often a donor's email or
    /// name) only as `sha256-` and the SHA-256 of it trimmed and lower-cased, so the log names
    /// no one, a donor's erasure leaves nothing in it, and whether someone was searched for can
    /// still be checked by hashing what they are called.
    pub fn audit_subject(&self) -> String {
        let q = self.q.trim().to_lowercase();
        if q.is_empty() {
            return self.filters_with("");
        }
        let digest = Sha256::digest(q.as_bytes());
        let hex = sharecare_domain::secrets::hex(&digest);
        self.filters_with(&format!("sha256-{hex}"))
    }

    fn filters_with(&self, q: &str) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("status", self.status.as_str()),
            ("method", self.method.as_str()),
            ("frequency", self.frequency.as_str()),
            ("from", self.from.as_str()),
            ("until", self.until.as_str()),
            ("q", q),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// A donation as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDonation {
    pub donation: Donation,
    /// The story its referral link was for, if it came through one.
    pub story: Option<String>,
}

impl From<AdminDonation> for ListedDonation {
    fn from(row: AdminDonation) -> ListedDonation {
        ListedDonation {
            donation: row.donation,
            story: row.story,
        }
    }
}

/// The filtered set's size and money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingTotals {
    pub count: u64,
    /// What the donations pledged.
    pub pledged_minor: u64,
    /// What their payments brought in, less refunds and disputes.
    pub received_minor: u64,
}

impl From<FilteredTotals> for ListingTotals {
    fn from(totals: FilteredTotals) -> ListingTotals {
        ListingTotals {
            count: totals.count,
            pledged_minor: totals.pledged_minor,
            received_minor: totals.received_minor,
        }
    }
}

/// One page of the table, with the query that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonationListing {
    pub query: ListingQuery,
    pub rows: Vec<ListedDonation>,
    pub totals: ListingTotals,
    pub per_page: u32,
}

impl DonationListing {
    /// How many pages the filtered set fills (one, when it is empty).
    pub fn pages(&self) -> u64 {
        self.totals
            .count
            .div_ceil(u64::from(self.per_page.max(1)))
            .max(1)
    }
}

impl Records {
    /// The page of the table `query` asks for, `per_page` rows, and the filtered set's totals.
    pub async fn listing(
        &self,
        query: ListingQuery,
        per_page: u32,
    ) -> Result<DonationListing, DbError> {
        let filter = query.filter();
        let rows = self
            .db
            .admin_donations(
                &filter,
                query.sort(),
                query.descending(),
                query.page,
                per_page,
            )
            .await?;
        let totals = self.db.admin_totals(&filter).await?;
        Ok(DonationListing {
            query,
            rows: rows.into_iter().map(ListedDonation::from).collect(),
            totals: totals.into(),
            per_page,
        })
    }

    /// Streams the donations `query` filters into `rows` (see `Database::send_donations`),
    /// after writing the export, with its filters, to the audit log.
    pub async fn export(
        &self,
        query: &ListingQuery,
        actor: &Actor,
        rows: mpsc::Sender<Result<AdminDonation, DbError>>,
    ) -> Result<(), DbError> {
        let audit = AuditEntry::new(actor, actions::EXPORT).subject(query.audit_subject());
        self.db.write_audit(&audit).await?;
        let db = self.db.clone();
        let filter = query.filter();
        tokio::spawn(async move { db.send_donations(&filter, rows).await });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_parsed_into_the_filter_and_what_does_not_parse_is_ignored() {
        let query = ListingQuery {
            status: "paid".into(),
            method: "cheque".into(),
            from: "2026-11-01".into(),
            until: "2026-11-01".into(),
            q: "  ".into(),
            sort: "amount".into(),
            dir: "asc".into(),
            ..ListingQuery::default()
        };
        let filter = query.filter();
        assert_eq!(filter.status, Some(DonationStatus::Paid));
        assert_eq!(filter.method, None);
        let midnight = hong_kong_midnight(2026, 11, 1).unwrap();
        assert_eq!(filter.from, Some(midnight));
        assert_eq!(filter.until, Some(midnight.plus(ONE_DAY)));
        assert_eq!(filter.text, None);
        assert_eq!((query.sort(), query.descending()), (SortBy::Amount, false));
        assert_eq!(
            query.filters_only(),
            "status=paid&method=cheque&from=2026-11-01&until=2026-11-01&q=++"
        );
        assert_eq!(
            query.audit_subject(),
            "status=paid&method=cheque&from=2026-11-01&until=2026-11-01"
        );
    }

    #[test]
    fn the_audit_log_keeps_a_search_only_as_its_hash() {
        let query = ListingQuery {
            status: "paid".into(),
            q: " Mei.Chan@Example.org ".into(),
            ..ListingQuery::default()
        };
        // The export's own link keeps the search as typed.
        assert!(query.filters_only().contains("q=+Mei.Chan%40Example.org+"));
        let subject = query.audit_subject();
        // SHA-256 of "mei.chan@example.org".
        let digest: String = Sha256::digest(b"mei.chan@example.org")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(subject, format!("status=paid&q=sha256-{digest}"));
        assert!(!subject.to_lowercase().contains("mei"), "{subject}");
    }
}
