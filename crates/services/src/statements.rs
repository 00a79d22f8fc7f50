//! Bank statements: reading a CSV export from any bank (its columns mapped once per layout),
//! and proposing which pending pledge each incoming transfer pays, by the `LBC-` reference in
//! its text, then by amount and date.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sha2::{Digest, Sha256};

use sharecare_db::{
    NewStatementLine, StatementImport, StatementLine, StatementMapping, UnlinkedPayment,
};
use sharecare_domain::donation::{Donation, Frequency};
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::Currency;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::{hong_kong_midnight, iso_date, Timestamp, ONE_DAY};

/// The largest statement accepted: a year of a busy account is far smaller.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The largest upload the site takes (a statement and its form's other fields): the body
/// limit of the upload route, and what `deploy/nginx.conf` must let through.
pub const UPLOAD_LIMIT: usize = MAX_BYTES + 64 * 1024;

/// How dates are written in a statement's date column.
pub const DATE_FORMATS: [&str; 3] = ["dmy", "ymd", "mdy"];

/// Why a file could not be read as a statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("the file is not UTF-8 text (export the statement as CSV)")]
    NotText,
    #[error("the file has no header row and lines (export the statement as CSV)")]
    Empty,
    #[error("line {line} cannot be read as CSV: {problem}")]
    Csv { line: usize, problem: String },
    #[error("the file is larger than a statement ({MAX_BYTES} bytes at most)")]
    TooLarge,
}

/// A statement's rows, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The header row, normalised: the same bank's exports share it, so its mapping is
    /// remembered under it.
    pub fn signature(&self) -> String {
        self.headers
            .iter()
            .map(|header| header.trim().to_lowercase())
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// An uploaded statement as the admin shows it (its text stays in the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub id: String,
    pub file_name: String,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
    pub lines_read: i64,
    /// Of the lines read, those an earlier import had already stored.
    pub lines_known: i64,
    /// When its lines were read (its columns known); `None` until then.
    pub read_at: Option<Timestamp>,
    /// The bank account it is from.
    pub account: String,
    /// Money in on its lines that no one has applied or set aside yet.
    pub lines_open: i64,
}

impl From<StatementImport> for ImportSummary {
    fn from(import: StatementImport) -> ImportSummary {
        ImportSummary {
            id: import.id,
            file_name: import.file_name,
            uploaded_by: import.uploaded_by,
            uploaded_at: import.uploaded_at,
            lines_read: import.lines_read,
            lines_known: import.lines_known,
            read_at: import.read_at,
            account: import.account,
            lines_open: import.lines_open,
        }
    }
}

/// Which of a bank's columns hold the date, the amount and the text, and how its dates are
/// written (one of `DATE_FORMATS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub date_column: usize,
    pub amount_column: usize,
    pub text_column: usize,
    pub date_format: String,
}

impl Columns {
    /// These columns, remembered for the layout with this header `signature`.
    pub fn for_layout(self, signature: String) -> StatementMapping {
        StatementMapping {
            signature,
            date_column: self.date_column,
            amount_column: self.amount_column,
            text_column: self.text_column,
            date_format: self.date_format,
        }
    }
}

impl From<StatementMapping> for Columns {
    fn from(mapping: StatementMapping) -> Columns {
        Columns {
            date_column: mapping.date_column,
            amount_column: mapping.amount_column,
            text_column: mapping.text_column,
            date_format: mapping.date_format,
        }
    }
}

/// A statement not read yet: its columns, to map.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub import: ImportSummary,
    pub headers: Vec<String>,
    /// The first rows, as a sample.
    pub sample: Vec<Vec<String>>,
    pub proposed: Columns,
    /// Rows the last columns tried could not read.
    pub problems: Vec<RowProblem>,
}

/// A statement line as its review shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub booked_on: String,
    /// Money in (positive) or out (negative), in minor units.
    pub amount_minor: i64,
    pub description: String,
    /// The reference of the donation it was applied to, if it was.
    pub reference: Option<String>,
    /// The payment it was applied as, if it was.
    pub payment_id: Option<String>,
    /// Staff set it aside as not a gift.
    pub set_aside: bool,
}

impl From<&StatementLine> for ReviewLine {
    fn from(line: &StatementLine) -> ReviewLine {
        ReviewLine {
            id: line.id.clone(),
            booked_on: line.booked_on.clone(),
            amount_minor: line.amount_minor,
            description: line.description.clone(),
            reference: line.reference.clone(),
            payment_id: line.payment_id.clone(),
            set_aside: line.ignored_at.is_some(),
        }
    }
}

/// Reads CSV text (a byte-order mark, `,` `;` or tab separators, quoted fields).
pub fn read(bytes: &[u8]) -> Result<Table, StatementError> {
    if bytes.len() > MAX_BYTES {
        return Err(StatementError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| StatementError::NotText)?;
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|error| StatementError::Csv {
            line: index + 1,
            problem: error.to_string(),
        })?;
        let fields: Vec<String> = record
            .iter()
            .map(|field| field.trim().to_string())
            .collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        records.push(fields);
    }
    let mut records = records.into_iter();
    let headers = records.next().ok_or(StatementError::Empty)?;
    let rows: Vec<Vec<String>> = records.collect();
    if rows.is_empty() {
        return Err(StatementError::Empty);
    }
    Ok(Table { headers, rows })
}

/// A first guess at a layout from its header names, for staff to confirm.
pub fn guess_mapping(table: &Table) -> StatementMapping {
    let find = |words: &[&str]| {
        table.headers.iter().position(|header| {
            let header = header.to_lowercase();
            words.iter().any(|word| header.contains(word))
        })
    };
    let date_column = find(&["date", "日期"]).unwrap_or(0);
    let amount_column = find(&["credit", "deposit", "amount", "存入", "金額", "金额"]).unwrap_or(1);
    let text_column = find(&[
        "description",
        "details",
        "particulars",
        "reference",
        "narrative",
        "摘要",
        "說明",
        "说明",
    ])
    .unwrap_or(2);
    let date_format = table
        .rows
        .iter()
        .filter_map(|row| row.get(date_column))
        .find_map(|date| {
            let starts_with_year = date
                .split(['-', '/', '.'])
                .next()
                .is_some_and(|part| part.len() == 4);
            starts_with_year.then_some("ymd")
        })
        .unwrap_or("dmy");
    StatementMapping {
        signature: table.signature(),
        date_column,
        amount_column,
        text_column,
        date_format: date_format.to_string(),
    }
}

/// A row that could not be read with the mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The row's number in the file (the header is row 1).
    pub row: usize,
    pub problem: &'static str,
}

/// The statement's lines under a mapping, each with its fingerprint: the account, its date,
/// amount and text, and how many identical lines came before it in the file. The same line in
/// a later import of the same account (the same file again, or an overlapping period) has the
/// same fingerprint; the same line on another account's statement is another line.
pub fn lines(
    table: &Table,
    mapping: &StatementMapping,
    currency: Currency,
    account: &str,
) -> Result<Vec<NewStatementLine>, Vec<RowProblem>> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, row) in table.rows.iter().enumerate() {
        let cell = |column: usize| row.get(column).map(String::as_str).unwrap_or("");
        let Some(date) = parse_date(cell(mapping.date_column), &mapping.date_format) else {
            problems.push(RowProblem {
                row: index + 2,
                problem: "date",
            });
            continue;
        };
        let Some(amount) = parse_amount(cell(mapping.amount_column), currency) else {
            problems.push(RowProblem {
                row: index + 2,
                problem: "amount",
            });
            continue;
        };
        let description = cell(mapping.text_column)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let booked_on = iso_date(date);
        // Statements imported before accounts were asked for have none: their lines keep
        // the fingerprint they were stored with.
        let identity = if account.is_empty() {
            format!("{booked_on}|{amount}|{}|{description}", currency.code())
        } else {
            format!(
                "{}|{booked_on}|{amount}|{}|{description}",
                normalise_account(account),
                currency.code()
            )
        };
        let occurrence = seen.entry(identity.clone()).or_insert(0);
        *occurrence += 1;
        let digest = Sha256::digest(format!("{identity}|{occurrence}").as_bytes());
        lines.push(NewStatementLine {
            id: random_hex::<16>(),
            position: index,
            fingerprint: sharecare_domain::secrets::hex(&digest),
            booked_on,
            amount_minor: amount,
            currency: currency.code().to_string(),
            description,
        });
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// An account as staff type it, compared without spaces, dashes or case ("004-123 456" and
/// "004123456" are one account).
pub fn normalise_account(account: &str) -> String {
    account
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A date as a bank writes it, in the given order (`dmy`, `ymd`, `mdy`), with `-`, `/` or
/// `.` between the parts; a two-digit year is this century's.
pub fn parse_date(text: &str, format: &str) -> Option<(i64, u32, u32)> {
    // Some banks add a time: keep the date.
    let text = text.split_whitespace().next()?;
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |part: &str| part.parse::<i64>().ok();
    let (year, month, day) = match format {
        "ymd" => (number(a)?, number(b)?, number(c)?),
        "mdy" => (number(c)?, number(a)?, number(b)?),
        _ => (number(c)?, number(b)?, number(a)?),
    };
    let year = if year < 100 { 2000 + year } else { year };
    let (month, day) = (u32::try_from(month).ok()?, u32::try_from(day).ok()?);
    hong_kong_midnight(year, month, day)?;
    Some((year, month, day))
}

/// An amount as a bank writes it, in minor units: "1,234.50", "HK$300", "300.00 CR" (money
/// in), "-300.00", "(300.00)" or "300.00 DR" (money out, negative).
pub fn parse_amount(text: &str, currency: Currency) -> Option<i64> {
    let mut text = text.trim().to_uppercase();
    let mut negative = false;
    if let Some(inner) = text
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
    {
        negative = true;
        text = inner.to_string();
    }
    for (suffix, out) in [("CR", false), ("DR", true)] {
        if let Some(rest) = text.strip_suffix(suffix) {
            negative |= out;
            text = rest.trim().to_string();
        }
    }
    if let Some(rest) = text.strip_prefix('-') {
        negative = true;
        text = rest.to_string();
    }
    let text = text
        .trim_start_matches(currency.code())
        .trim_start_matches(&currency.symbol().to_uppercase())
        .trim_start_matches('$')
        .trim();
    let limits = sharecare_domain::money::AmountLimits {
        min_minor: 0,
        max_minor: u64::MAX / 4,
    };
    let money = sharecare_domain::money::parse_amount(text, currency, limits).ok()?;
    let minor = i64::try_from(money.minor).ok()?;
    Some(if negative { -minor } else { minor })
}

/// What a statement line seems to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// Its reference names a pledge awaiting exactly this amount (what remains of it): confirm
    /// with the others.
    Clear(Donation),
    /// A likely pledge that a person should look at first.
    Check(Donation, Doubt),
    /// Its reference names a gift whose money is recorded already: the payment confirmed by
    /// hand that this line is the bank's record of (link them), or none (paid in full).
    AlreadyRecorded(Donation, Option<UnlinkedPayment>),
    /// Dated after today: nothing is receipted ahead of its date.
    Held,
    /// No pledge found (or several equally likely).
    Unmatched,
    /// Money going out: not a gift.
    NotAGift,
    /// Applied as a payment already, or set aside.
    Done,
}

impl Proposal {
    /// A proposal staff must look at and tick before confirming: the line does not carry
    /// the pledge's reference.
    pub fn is_weak(&self) -> bool {
        matches!(
            self,
            Proposal::Check(_, Doubt::AmountAndDate | Doubt::ResemblesReference)
        )
    }
}

/// Why a proposed pledge needs a person's look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    /// The reference matches, the amount does not (a part payment, or a mistake).
    AmountDiffers,
    /// The text holds a code like the reference, with a confusable character.
    ResemblesReference,
    /// No reference; the only pledge of this amount made shortly before the transfer. Weak:
    /// anyone can make a pledge of an amount they saw on a statement.
    AmountAndDate,
}

/// An offline gift a line may pay, with what of it has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub donation: Donation,
    pub received_minor: u64,
}

impl Candidate {
    /// What a line should bring: the rest of a one-off pledge, a monthly gift's month.
    pub fn expected_minor(&self) -> u64 {
        let charged = self.donation.charged().minor;
        match self.donation.frequency {
            Frequency::OneOff => charged.saturating_sub(self.received_minor),
            Frequency::Monthly => charged,
        }
    }
}

/// What proposals are made from: the gifts lines may pay, payments recorded without a line,
/// the gifts (in any state) the lines' references name, and today (Hong Kong, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub candidates: Vec<Candidate>,
    pub unlinked: Vec<UnlinkedPayment>,
    pub named: Vec<Donation>,
    pub today: String,
}

/// Pledges are looked for this long before a transfer without a reference.
const AMOUNT_MATCH_WINDOW: Duration = Duration::from_secs(30 * 86_400);

/// Proposes a pledge for each line. A one-off pledge is proposed for lines until they add up
/// to what it awaits; a monthly gift may be paid by several lines; a payment recorded by hand
/// is offered to one line.
pub fn propose(lines: &[StatementLine], known: &Known) -> Vec<Proposal> {
    let mut awaiting: HashMap<String, u64> = known
        .candidates
        .iter()
        .map(|candidate| (candidate.donation.id.clone(), candidate.expected_minor()))
        .collect();
    let mut offered: HashSet<String> = HashSet::new();
    lines
        .iter()
        .map(|line| {
            let proposal = propose_one(line, known, &awaiting, &offered);
            match &proposal {
                Proposal::Clear(donation) | Proposal::Check(donation, _)
                    if donation.frequency == Frequency::OneOff =>
                {
                    let amount = u64::try_from(line.amount_minor).unwrap_or(0);
                    if let Some(rest) = awaiting.get_mut(&donation.id) {
                        *rest = rest.saturating_sub(amount);
                    }
                }
                Proposal::AlreadyRecorded(_, Some(payment)) => {
                    offered.insert(payment.payment_id.clone());
                }
                _ => {}
            }
            proposal
        })
        .collect()
}

fn propose_one(
    line: &StatementLine,
    known: &Known,
    awaiting: &HashMap<String, u64>,
    offered: &HashSet<String>,
) -> Proposal {
    if line.payment_id.is_some() || line.ignored_at.is_some() {
        return Proposal::Done;
    }
    if line.amount_minor <= 0 {
        return Proposal::NotAGift;
    }
    if line.booked_on > known.today {
        return Proposal::Held;
    }
    let amount = u64::try_from(line.amount_minor).unwrap_or(0);
    let open: Vec<&Candidate> = known
        .candidates
        .iter()
        .filter(|candidate| {
            candidate.donation.amount.currency.code() == line.currency
                && awaiting
                    .get(&candidate.donation.id)
                    .is_some_and(|rest| *rest > 0)
        })
        .collect();
    let references = Reference::find_in(&line.description);
    let booked = parse_date(&line.booked_on, "ymd")
        .and_then(|(year, month, day)| hong_kong_midnight(year, month, day));
    // A payment confirmed by hand for a gift the line names, of its amount (a monthly gift's
    // in the line's month): the line is the bank's record of it.
    for donation in known
        .named
        .iter()
        .filter(|donation| references.contains(&donation.reference))
    {
        let recorded = known.unlinked.iter().find(|payment| {
            payment.donation_id == donation.id
                && payment.amount_minor == line.amount_minor
                && !offered.contains(&payment.payment_id)
                && (donation.frequency == Frequency::OneOff
                    || booked.is_some_and(|booked| same_month(booked, payment.paid_at)))
        });
        if let Some(payment) = recorded {
            return Proposal::AlreadyRecorded(donation.clone(), Some(payment.clone()));
        }
    }
    if let Some(candidate) = open
        .iter()
        .find(|candidate| references.contains(&candidate.donation.reference))
    {
        let expected = awaiting
            .get(&candidate.donation.id)
            .copied()
            .unwrap_or_else(|| candidate.expected_minor());
        return if expected == amount {
            Proposal::Clear(candidate.donation.clone())
        } else {
            Proposal::Check(candidate.donation.clone(), Doubt::AmountDiffers)
        };
    }
    if let Some(donation) = known
        .named
        .iter()
        .find(|donation| references.contains(&donation.reference) && donation.paid_at.is_some())
    {
        // Named, paid, and nothing left to pay: recorded already (by card, by hand, or by an
        // earlier line).
        return Proposal::AlreadyRecorded(donation.clone(), None);
    }
    if !references.is_empty() {
        // A reference, but to nothing awaiting payment (not ours, or closed).
        return Proposal::Unmatched;
    }
    let codes = Reference::codes_in(&line.description);
    let resembling: Vec<&&Candidate> = open
        .iter()
        .filter(|candidate| {
            codes
                .iter()
                .any(|code| candidate.donation.reference.resembles(code))
        })
        .collect();
    if let [candidate] = resembling.as_slice() {
        return Proposal::Check(candidate.donation.clone(), Doubt::ResemblesReference);
    }
    let Some(booked) = booked else {
        return Proposal::Unmatched;
    };
    let same_amount: Vec<&&Candidate> = open
        .iter()
        .filter(|candidate| {
            let donation = &candidate.donation;
            donation.amount.minor == amount
                && donation.paid_at.is_none()
                && donation.created_at <= booked.plus(ONE_DAY)
                && donation.created_at >= booked.minus(AMOUNT_MATCH_WINDOW)
        })
        .collect();
    match same_amount.as_slice() {
        [candidate] => Proposal::Check(candidate.donation.clone(), Doubt::AmountAndDate),
        _ => Proposal::Unmatched,
    }
}

/// Whether two moments fall in the same Hong Kong calendar month.
pub fn same_month(a: Timestamp, b: Timestamp) -> bool {
    let ((year_a, month_a, _), (year_b, month_b, _)) = (a.hong_kong_date(), b.hong_kong_date());
    (year_a, month_a) == (year_b, month_b)
}

/// The first moment of the Hong Kong month a moment falls in, and of the next.
pub fn month_bounds(at: Timestamp) -> (Timestamp, Timestamp) {
    let (year, month, _) = at.hong_kong_date();
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    (
        hong_kong_midnight(year, month, 1).unwrap_or(at),
        hong_kong_midnight(next_year, next_month, 1).unwrap_or(at),
    )
}

/// A payment's source id for a statement line: the line is paid once, whichever pledge.
pub fn line_source_id(line_id: &str) -> String {
    format!("offline:line:{line_id}")
}

/// A payment's source id for a confirmation staff made by hand (the form's own id, so a
/// double submit records it once).
pub fn confirmation_source_id(confirmation_id: &str) -> String {
    format!("offline:confirm:{confirmation_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_read_whatever_the_separator() {
        let table = read(
            "\u{feff}Date;Description;Amount\n01/11/2026;FPS LBC-7K3Q9X;300.00\n\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(table.headers, vec!["Date", "Description", "Amount"]);
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.signature(), "date|description|amount");
        let mapping = guess_mapping(&table);
        assert_eq!(
            (
                mapping.date_column,
                mapping.text_column,
                mapping.amount_column
            ),
            (0, 1, 2)
        );
        assert_eq!(mapping.date_format, "dmy");
        assert_eq!(read(b"only a header\n"), Err(StatementError::Empty));
        assert_eq!(read(&[0xff, 0xfe, 0x00]), Err(StatementError::NotText));
    }

    #[test]
    fn bank_amounts_and_dates() {
        let hkd = Currency::Hkd;
        assert_eq!(parse_amount("1,234.50", hkd), Some(123_450));
        assert_eq!(parse_amount("HK$300", hkd), Some(30_000));
        assert_eq!(parse_amount("HKD 300", hkd), Some(30_000));
        assert_eq!(parse_amount("300.00 CR", hkd), Some(30_000));
        assert_eq!(parse_amount("300.00 DR", hkd), Some(-30_000));
        assert_eq!(parse_amount("(12.00)", hkd), Some(-1_200));
        assert_eq!(parse_amount("-5", hkd), Some(-500));
        assert_eq!(parse_amount("abc", hkd), None);
        assert_eq!(parse_date("01/11/2026", "dmy"), Some((2026, 11, 1)));
        assert_eq!(parse_date("2026-11-01", "ymd"), Some((2026, 11, 1)));
        assert_eq!(parse_date("11/01/26", "mdy"), Some((2026, 11, 1)));
        assert_eq!(parse_date("31/02/2026", "dmy"), None);
        assert_eq!(parse_date("2026-11-01 09:30", "ymd"), Some((2026, 11, 1)));
    }

    #[test]
    fn identical_lines_in_one_file_are_two_lines_and_the_same_two_next_time() {
        let table = read(
            "date,text,amount\n2026-11-01,FPS,300\n2026-11-01,FPS,300\n2026-11-02,FPS,300\n"
                .as_bytes(),
        )
        .unwrap();
        let mapping = StatementMapping {
            signature: table.signature(),
            date_column: 0,
            amount_column: 2,
            text_column: 1,
            date_format: "ymd".into(),
        };
        let first = lines(&table, &mapping, Currency::Hkd, "004-1").unwrap();
        let again = lines(&table, &mapping, Currency::Hkd, "0041").unwrap();
        let other_account = lines(&table, &mapping, Currency::Hkd, "004-2").unwrap();
        let prints = |lines: &[NewStatementLine]| {
            lines
                .iter()
                .map(|l| l.fingerprint.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(prints(&first), prints(&again));
        let unique: HashSet<_> = prints(&first).into_iter().collect();
        assert_eq!(unique.len(), 3);
        let elsewhere: HashSet<_> = prints(&other_account).into_iter().collect();
        assert!(
            unique.is_disjoint(&elsewhere),
            "another account's lines are other lines"
        );
    }
}
