//! The Hong Kong tax rules that receipts and yearly summaries follow, in one place.
//!
//! What the law says, paraphrased (no quotation here is the law's own wording):
//!
//! - The Inland Revenue Ordinance (Cap. 112) lets a taxpayer deduct *approved charitable
//!   donations*: donations of money to a charitable institution or trust of a public character
//!   exempt from tax under section 88 (this charity; its file number is on every receipt), or
//!   to the Government for charitable purposes. Section 16D allows them against profits tax
//!   (donations in the basis period for the year of assessment), section 26C against salaries
//!   tax (donations in the year of assessment); personal assessment allows the same deduction.
//! - The donations count **in aggregate**: they are deductible when the taxpayer's approved
//!   donations in the year add up to not less than HK$100, and the deduction is capped at 35%
//!   of the income (assessable income, or assessable profits, after allowable expenses and
//!   depreciation allowances) from 2008/09 on. A donor who gives HK$50 a month gives HK$600 a
//!   year, every dollar of it deductible; no single gift needs to reach HK$100.
//! - The Inland Revenue Department's guidance on approved charitable donations
//!   (<https://www.ird.gov.hk/eng/faq/acd.htm>; Departmental Interpretation and Practice Notes
//!   No. 37) says the money must be donated in the name of the taxpayer or of a spouse not living
//!   apart (gifts in a child's name are not deductible), and that the receipts are kept to
//!   support the claim. A receipt without a name supports no one's claim.
//!
//! What this charity does with that, and nothing else in the code decides it:
//!
//! - The receipts are counted per **holder**: the person (the donor's own name, or another
//!   person the donor named) or the company (its name with its BR number) a receipt is made out
//!   to, among the receipts of one donor (their email). A company claims for profits tax, a
//!   person for salaries tax or personal assessment, so their gifts never share a total or a
//!   summary. A receipt without a name has no holder: no tax note, no summary.
//! - The year is the Hong Kong tax year of the payment (1 April to 31 March, Hong Kong time),
//!   which is the receipt's series. (A company's basis period may end on another date; its
//!   summary still lists its receipts by tax year, each with its date.)
//! - The threshold is content's `giving.tax_deductible_from_minor_units` (HK$100).
//! - A receipt carries the tax note when its holder's receipts of that year, as they stood when
//!   it was issued (issued by then and not voided by then, this one included), add up to the
//!   threshold or more. What a receipt says is settled when it is issued: a later gift, refund
//!   or change never rewrites an issued receipt (a HK$50 monthly donor's first receipt of a
//!   year has no note; the second, which brings the year to HK$100, has it, and so does every
//!   later one; the yearly summary lists them all).
//! - A yearly summary is made for each holder whose valid receipts of the year add up to the
//!   threshold or more, and lists exactly those receipts.

use sharecare_content::i18n::{fill, t};
use sharecare_content::Content;
use sharecare_db::TaxReceipt;
use sharecare_domain::donor::HolderKind;
use sharecare_domain::money::Money;
use sharecare_domain::time::tax_year_bounds;
use sharecare_domain::Locale;

/// Whom a receipt is made out to, as the tax rules count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Holder<'a> {
    pub kind: HolderKind,
    /// The name as printed on the receipt (a company's with its BR number).
    pub name: &'a str,
}

impl<'a> Holder<'a> {
    /// The holder of a receipt; `None` when it carries no name.
    pub fn of(receipt: &'a TaxReceipt) -> Option<Holder<'a>> {
        let name = receipt.issued_to.as_deref()?.trim();
        (!name.is_empty()).then_some(Holder {
            kind: receipt.holder_kind,
            name,
        })
    }
}

/// One holder's receipts in one tax year: what a yearly summary lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderYear<'a> {
    pub holder: Holder<'a>,
    /// The holder's first receipt of the year (by date and number, voided or not): the same
    /// receipt every time it is asked for, so it names the holder in a link or a queued job.
    pub first: &'a TaxReceipt,
    /// The valid receipts, oldest first.
    pub receipts: Vec<&'a TaxReceipt>,
    /// Their sum.
    pub total: Money,
}

/// The rules, with this charity's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxRules {
    /// The year's aggregate from which gifts are deductible, in minor units.
    pub threshold_minor: u64,
}

impl TaxRules {
    pub fn new(threshold_minor: u64) -> TaxRules {
        TaxRules { threshold_minor }
    }

    pub fn of(content: &Content) -> TaxRules {
        TaxRules::new(content.giving.tax_deductible_from_minor_units)
    }

    /// Whether `receipt` carries the tax note, given every receipt of the same donor
    /// (`receipts`, which may or may not include `receipt` itself): the kind of note (a
    /// person's or a company's), or `None`.
    pub fn tax_note(&self, receipt: &TaxReceipt, receipts: &[TaxReceipt]) -> Option<HolderKind> {
        let holder = Holder::of(receipt)?;
        let issued = receipt.issued_at;
        let valid_then = |other: &TaxReceipt| {
            other.issued_at <= issued && other.voided_at.is_none_or(|voided| voided > issued)
        };
        let others: u64 = receipts
            .iter()
            .filter(|other| other.id != receipt.id)
            .filter(|other| other.series == receipt.series)
            .filter(|other| Holder::of(other) == Some(holder))
            .filter(|other| valid_then(other))
            .map(|other| other.amount.minor)
            .sum();
        (others + receipt.amount.minor >= self.threshold_minor).then_some(holder.kind)
    }

    /// Every holder with receipts in the tax year starting in April of `year_start`, in the
    /// order of their first receipt, whether or not their total reaches the threshold.
    pub fn holders_of_year<'a>(
        &self,
        receipts: &'a [TaxReceipt],
        year_start: i64,
    ) -> Vec<HolderYear<'a>> {
        let (from, to) = tax_year_bounds(year_start);
        let mut in_year: Vec<&TaxReceipt> = receipts
            .iter()
            .filter(|receipt| receipt.paid_at >= from && receipt.paid_at < to)
            .collect();
        in_year.sort_by(|a, b| {
            (a.paid_at, &a.series, a.number).cmp(&(b.paid_at, &b.series, b.number))
        });
        let mut years: Vec<HolderYear<'a>> = Vec::new();
        for receipt in in_year {
            let Some(holder) = Holder::of(receipt) else {
                continue;
            };
            let index = match years.iter().position(|year| year.holder == holder) {
                Some(index) => index,
                None => {
                    years.push(HolderYear {
                        holder,
                        first: receipt,
                        receipts: Vec::new(),
                        total: Money::new(0, receipt.amount.currency),
                    });
                    years.len() - 1
                }
            };
            if receipt.is_valid() {
                let year = &mut years[index];
                year.receipts.push(receipt);
                year.total =
                    Money::new(year.total.minor + receipt.amount.minor, year.total.currency);
            }
        }
        years
    }

    /// The yearly summaries of the tax year starting in April of `year_start`: one per holder
    /// whose valid receipts add up to the threshold or more.
    pub fn summaries<'a>(
        &self,
        receipts: &'a [TaxReceipt],
        year_start: i64,
    ) -> Vec<HolderYear<'a>> {
        self.holders_of_year(receipts, year_start)
            .into_iter()
            .filter(|year| year.total.minor >= self.threshold_minor && !year.receipts.is_empty())
            .collect()
    }

    /// One holder's year: the holder of the receipt `holder_receipt_id` (one of `receipts`),
    /// or, without one, the first holder whose year qualifies. `None` when there is no such
    /// holder or they have no valid receipt that year.
    pub fn summary_of<'a>(
        &self,
        receipts: &'a [TaxReceipt],
        year_start: i64,
        holder_receipt_id: Option<&str>,
    ) -> Option<HolderYear<'a>> {
        match holder_receipt_id {
            Some(id) => {
                let holder = Holder::of(receipts.iter().find(|receipt| receipt.id == id)?)?;
                self.holders_of_year(receipts, year_start)
                    .into_iter()
                    .find(|year| year.holder == holder && !year.receipts.is_empty())
            }
            None => self.summaries(receipts, year_start).into_iter().next(),
        }
    }

    /// The tax years (their starting years) the receipts are in, newest first.
    pub fn years(&self, receipts: &[TaxReceipt]) -> Vec<i64> {
        let mut years: Vec<i64> = receipts
            .iter()
            .filter_map(|receipt| receipt.series.get(..4)?.parse().ok())
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
    }

    /// The tax note in `locale`, for a person's receipts or a company's.
    pub fn note_text(&self, content: &Content, locale: Locale, kind: HolderKind) -> String {
        let m = t(locale);
        let text = match kind {
            HolderKind::Person => m.receipt_tax_note,
            HolderKind::Company => m.receipt_tax_note_company,
        };
        fill(
            text,
            &[
                (
                    "threshold",
                    &content.money(self.threshold_minor).to_string(),
                ),
                ("org", content.organisation.name.get(locale)),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sharecare_domain::money::Currency;
    use sharecare_domain::time::{hong_kong_midnight, tax_year_of, Timestamp};
    use std::time::Duration;

    fn rules() -> TaxRules {
        TaxRules::new(10_000)
    }

    /// A receipt of `minor` for a gift on `paid_at`, issued then, made out to `name`.
    fn receipt(n: u64, minor: u64, paid_at: Timestamp, name: Option<&str>) -> TaxReceipt {
        TaxReceipt {
            id: format!("r{n}"),
            series: tax_year_of(paid_at),
            number: n,
            payment_id: format!("p{n}"),
            donation_id: "d".into(),
            amount: Money::new(minor, Currency::Hkd),
            paid_at,
            issued_at: paid_at,
            issued_to: name.map(str::to_string),
            holder_kind: HolderKind::Person,
            voided_at: None,
            replaces_id: None,
            fee: Money::new(0, Currency::Hkd),
        }
    }

    fn company(mut receipt: TaxReceipt) -> TaxReceipt {
        receipt.holder_kind = HolderKind::Company;
        receipt
    }

    fn april(year: i64, day: u32) -> Timestamp {
        hong_kong_midnight(year, 4, day)
            .unwrap()
            .plus(Duration::from_secs(10 * 3_600))
    }

    /// HK$50 on the 10th of each month from April 2026 to March 2027.
    fn fifty_a_month() -> Vec<TaxReceipt> {
        (0u32..12)
            .map(|n| {
                let (year, month) = if n < 9 { (2026, n + 4) } else { (2027, n - 8) };
                let paid = hong_kong_midnight(year, month, 10).unwrap();
                receipt(u64::from(n) + 1, 5_000, paid, Some("Chan Mei"))
            })
            .collect()
    }

    #[test]
    fn the_threshold_is_on_the_years_aggregate_not_each_gift() {
        let receipts = fifty_a_month();
        let notes: Vec<bool> = receipts
            .iter()
            .map(|receipt| rules().tax_note(receipt, &receipts).is_some())
            .collect();
        assert!(!notes[0], "HK$50 so far this year");
        assert!(
            notes[1..].iter().all(|note| *note),
            "HK$100 and more: {notes:?}"
        );
        let summaries = rules().summaries(&receipts, 2026);
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].total.minor, 60_000);
        assert_eq!(summaries[0].receipts.len(), 12);
        assert_eq!(summaries[0].first.id, receipts[0].id);
        assert_eq!(rules().years(&receipts), vec![2026]);
        // One gift of HK$100 qualifies alone; HK$99.99 in a whole year does not.
        let one = [receipt(1, 10_000, april(2026, 2), Some("Chan Mei"))];
        assert_eq!(rules().tax_note(&one[0], &one), Some(HolderKind::Person));
        let short = [
            receipt(1, 4_999, april(2026, 2), Some("Chan Mei")),
            receipt(2, 5_000, april(2026, 3), Some("Chan Mei")),
        ];
        assert!(short.iter().all(|r| rules().tax_note(r, &short).is_none()));
        assert!(rules().summaries(&short, 2026).is_empty());
    }

    #[test]
    fn the_year_runs_from_april_to_march_in_hong_kong() {
        let april_first = hong_kong_midnight(2026, 4, 1).unwrap();
        let receipts = [
            receipt(
                1,
                5_000,
                april_first.minus(Duration::from_secs(60)),
                Some("Chan Mei"),
            ),
            receipt(
                2,
                5_000,
                april_first.plus(Duration::from_secs(60)),
                Some("Chan Mei"),
            ),
        ];
        assert_eq!(receipts[0].series, "2025-26");
        assert!(
            rules().tax_note(&receipts[1], &receipts).is_none(),
            "31 March's gift is last year's"
        );
        assert!(rules().summaries(&receipts, 2025).is_empty());
        assert!(rules().summaries(&receipts, 2026).is_empty());
    }

    #[test]
    fn each_holder_has_a_total_and_a_summary_of_their_own() {
        let receipts = [
            receipt(1, 30_000, april(2026, 2), Some("Chan Mei")),
            company(receipt(
                2,
                50_000,
                april(2026, 3),
                Some("Harbour Lights Ltd (BR 12345678)"),
            )),
            receipt(3, 5_000, april(2026, 4), Some("Chan Siu Ming")),
            receipt(4, 5_000, april(2026, 5), Some("Chan Siu Ming")),
            receipt(
                5,
                5_000,
                april(2026, 6),
                Some("Harbour Lights Ltd (BR 12345678)"),
            ),
        ];
        let summaries = rules().summaries(&receipts, 2026);
        let names: Vec<(&str, HolderKind, u64)> = summaries
            .iter()
            .map(|year| (year.holder.name, year.holder.kind, year.total.minor))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Chan Mei", HolderKind::Person, 30_000),
                (
                    "Harbour Lights Ltd (BR 12345678)",
                    HolderKind::Company,
                    50_000
                ),
                ("Chan Siu Ming", HolderKind::Person, 10_000),
            ],
            "a person named like the company is not the company"
        );
        assert!(summaries.iter().all(|year| year
            .receipts
            .iter()
            .all(|r| Holder::of(r) == Some(year.holder))));
        assert_eq!(
            rules().tax_note(&receipts[1], &receipts),
            Some(HolderKind::Company),
            "a company's receipt carries the profits tax note"
        );
        // The other person's first HK$50 does not borrow from the donor's own HK$300.
        assert!(rules().tax_note(&receipts[2], &receipts).is_none());
        assert!(rules().tax_note(&receipts[3], &receipts).is_some());
        assert!(rules().tax_note(&receipts[4], &receipts).is_none());
    }

    #[test]
    fn every_note_prints_in_the_bundled_font() {
        for locale in Locale::ALL {
            let m = t(locale);
            for text in [
                m.receipt_tax_note,
                m.receipt_tax_note_company,
                m.receipt_includes_card_costs,
                m.summary_body,
            ] {
                let missing = crate::receipts::pdf::missing_glyphs(text);
                assert!(missing.is_empty(), "{locale:?}: {missing:?} in {text}");
            }
        }
    }

    #[test]
    fn a_receipt_without_a_name_has_no_note_and_no_summary() {
        let receipts = [
            receipt(1, 30_000, april(2026, 2), None),
            receipt(2, 30_000, april(2026, 3), Some("  ")),
        ];
        assert!(receipts
            .iter()
            .all(|r| rules().tax_note(r, &receipts).is_none()));
        assert!(rules().holders_of_year(&receipts, 2026).is_empty());
        assert!(rules().summaries(&receipts, 2026).is_empty());
    }

    #[test]
    fn what_a_receipt_says_is_settled_when_it_is_issued() {
        let mut receipts = vec![
            receipt(1, 5_000, april(2026, 2), Some("Chan Mei")),
            receipt(2, 5_000, april(2026, 3), Some("Chan Mei")),
        ];
        let before: Vec<_> = receipts
            .iter()
            .map(|r| rules().tax_note(r, &receipts))
            .collect();
        assert_eq!(before, vec![None, Some(HolderKind::Person)]);
        // A later gift does not give the first receipt a note it was issued without.
        receipts.push(receipt(3, 50_000, april(2026, 20), Some("Chan Mei")));
        // A later refund of the first gift (void, reissued for HK$20) takes nothing from the
        // second receipt's note.
        let refunded_at = april(2026, 25);
        receipts[0].voided_at = Some(refunded_at);
        let mut reissued = receipt(4, 2_000, april(2026, 2), Some("Chan Mei"));
        reissued.issued_at = refunded_at;
        reissued.replaces_id = Some("r1".into());
        receipts.push(reissued);
        let after: Vec<_> = receipts
            .iter()
            .map(|r| rules().tax_note(r, &receipts))
            .collect();
        assert_eq!(after[..2], before[..]);
        assert_eq!(after[2], Some(HolderKind::Person));
        // The reissued receipt counts what stood when it was issued: 20 + 50 + 500.
        assert_eq!(after[3], Some(HolderKind::Person));
        // The summary lists the valid receipts only; the voided one still names the holder.
        let summaries = rules().summaries(&receipts, 2026);
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].total.minor, 57_000);
        assert_eq!(summaries[0].first.id, "r1");
        let ids: Vec<&str> = summaries[0]
            .receipts
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, vec!["r4", "r2", "r3"], "by date of the gift");
        // A replacement issued after a void counts without the receipt it replaced.
        let alone = [
            {
                let mut voided = receipt(1, 10_000, april(2026, 2), Some("Chan Mei"));
                voided.voided_at = Some(april(2026, 9));
                voided
            },
            {
                let mut replacement = receipt(2, 5_000, april(2026, 2), Some("Chan Mei"));
                replacement.issued_at = april(2026, 9);
                replacement
            },
        ];
        assert_eq!(
            rules().tax_note(&alone[0], &alone),
            Some(HolderKind::Person)
        );
        assert_eq!(rules().tax_note(&alone[1], &alone), None);
    }
}
