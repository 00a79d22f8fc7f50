//! The shape of every content file, as serde reads it. Loading and checking are in `load` and
//! `checks`; nothing here does I/O.

use serde::Deserialize;

use sharecare_domain::money::Currency;
use sharecare_domain::Locale;

/// Text given in every published language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized<T> {
    pub en: T,
    #[serde(rename = "zh-hk")]
    pub zh_hk: T,
    #[serde(rename = "zh-cn")]
    pub zh_cn: T,
}

impl<T> Localized<T> {
    pub fn get(&self, locale: Locale) -> &T {
        match locale {
            Locale::En => &self.en,
            Locale::ZhHk => &self.zh_hk,
            Locale::ZhCn => &self.zh_cn,
        }
    }

    pub(super) fn each(&self) -> impl Iterator<Item = (Locale, &T)> {
        Locale::ALL
            .into_iter()
            .map(move |locale| (locale, self.get(locale)))
    }
}

/// Paragraphs of running text in every language.
pub type Paragraphs = Localized<Vec<String>>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: Localized<String>,
    /// As it should be dialled from abroad and read out, e.g. "(852) 3120 5000".
    pub phone: String,
    pub email: String,
    /// ISO 4217 code of the currency gifts are taken in.
    pub currency: String,
    /// The campaign goal in minor units of `currency` (cents), never a float.
    pub goal_minor_units: u64,
    /// The slug of the story the home page tells.
    pub hero_story: String,
    /// The charity's FPS (Faster Payment System) identifier, for offline gifts.
    pub fps_id: String,
    pub bank: BankAccount,
    /// The postal address printed on receipts.
    pub address: Localized<String>,
    /// The Inland Revenue Department's file number of the charity's tax exemption under
    /// section 88 of the Inland Revenue Ordinance, printed on every receipt (e.g. "91/12345").
    pub section_88_file_number: String,
}

/// Where donors send bank transfers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    pub bank_name: Localized<String>,
    pub account_name: String,
    pub account_number: String,
}

impl Organisation {
    /// The phone number as a `tel:` link, dialable from abroad: "(852) 3120 5000" becomes
    /// `tel:+85231205000`.
    /// The currency gifts are taken in; checked against the allow-list at load.
    pub fn currency(&self) -> Currency {
        Currency::from_code(&self.currency).expect("currency is checked when content is loaded")
    }

    pub fn phone_href(&self) -> String {
        let digits: String = self.phone.chars().filter(char::is_ascii_digit).collect();
        format!("tel:+{digits}")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The page's title question, e.g. "What is a left-behind child?".
    pub title: Localized<String>,
    /// One or two sentences for search results and link previews.
    pub description: Localized<String>,
    pub explainer: Section,
    pub mission: Mission,
    pub call_to_action: CallToAction,
    pub appeal: Section,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub heading: Localized<String>,
    pub paragraphs: Paragraphs,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mission {
    pub heading: Localized<String>,
    pub paragraphs: Paragraphs,
    pub points: Vec<MissionPoint>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissionPoint {
    pub title: Localized<String>,
    pub text: Localized<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallToAction {
    pub heading: Localized<String>,
    pub text: Localized<String>,
    pub button: Localized<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatisticUnit {
    /// A number of people or things, written in the reader's large-number words.
    Count,
    /// A whole-number percentage.
    Percent,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statistic {
    pub value: u64,
    pub unit: StatisticUnit,
    /// Shown as "more than" before the figure.
    #[serde(default)]
    pub more_than: bool,
    pub label: Localized<String>,
    pub source: Localized<String>,
    #[serde(default)]
    pub source_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StatisticsFile {
    pub(super) statistics: Vec<Statistic>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    /// The story's URL segment: lowercase letters, digits and hyphens.
    pub slug: String,
    /// Whose story this is: a child's (the default) or a teacher's.
    #[serde(default)]
    pub kind: StoryKind,
    pub name: Localized<String>,
    pub age: u8,
    pub grade: Localized<String>,
    pub place: Localized<String>,
    /// The contrast that opens the story, e.g. a smile on her face, sadness in her eyes.
    pub headline: Localized<String>,
    pub summary: Localized<String>,
    /// The heading over the gift form on the story's page: it names whom this story is about
    /// (each story's is its own).
    pub give_heading: Localized<String>,
    pub image: Image,
    pub sections: Vec<Section>,
    pub quote: Quote,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoryKind {
    #[default]
    Child,
    Teacher,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// A path under the site root, e.g. "/images/yiyi.svg".
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub alt: Localized<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub text: Localized<String>,
    /// Says whose words these are and that they are retold, e.g. "Yiyi, in her own words".
    pub attribution: Localized<String>,
}

/// How people give: the limits, the suggested amounts and what each achieves, and the gifts
/// received before the site went live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Giving {
    pub min_minor_units: u64,
    pub max_minor_units: u64,
    /// The preset chosen when the widget opens.
    pub default_amount_minor_units: u64,
    /// Gifts received offline before (or outside) this site, added to the live total.
    pub offline_raised_minor_units: u64,
    pub offline_supporters: u64,
    /// The year's aggregate, per receipt holder, from which gifts are tax-deductible (Hong
    /// Kong: HK$100); services' `receipts::tax_rules` applies it.
    pub tax_deductible_from_minor_units: u64,
    /// What the card provider charges per payment, for "cover the fee" (transfers cost the
    /// donor nothing, so they have no rate).
    pub card_fee: CardFee,
    /// Banking apps that open an FPS payment from a link on the same phone, if any: `url` may
    /// hold `{fps_id}`, `{amount}` and `{reference}`. Only apps whose link format the bank
    /// documents belong here.
    #[serde(default)]
    pub fps_apps: Vec<FpsApp>,
    pub presets: Vec<Preset>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardFee {
    /// The share of each charge, in hundredths of a percent (340 = 3.4%).
    pub basis_points: u32,
    pub fixed_minor_units: u64,
}

impl CardFee {
    pub fn rate(self) -> sharecare_domain::fees::FeeRate {
        sharecare_domain::fees::FeeRate {
            basis_points: self.basis_points,
            fixed_minor: self.fixed_minor_units,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FpsApp {
    pub name: Localized<String>,
    pub url: String,
}

/// Partners who put the donation widget on their own pages (`content/partners.toml`): their
/// code (recorded on each gift that comes through them) and the origins allowed to frame it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    pub code: String,
    pub name: String,
    /// Exact origins, e.g. `https://www.stmarys.edu.hk`: scheme, host and any port.
    pub origins: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnersFile {
    #[serde(default)]
    pub partners: Vec<Partner>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub amount_minor_units: u64,
    /// What this amount does, e.g. "a term of after-school reading for one child".
    pub impact: Localized<String>,
}

/// The privacy notice (Hong Kong PDPO: what is collected, why, how long, who to contact).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyNotice {
    pub title: Localized<String>,
    pub summary: Localized<String>,
    /// When the notice last changed, as an ISO date (shown as written).
    pub updated: String,
    /// How long a pledge that was never paid is kept, in days; a job deletes it after that.
    /// The notice's own words must say the same.
    pub unpaid_pledges_kept_days: u32,
    /// How long receipts' records (number, amount, date, the name on them) are kept after the
    /// tax year, in years, even when a donor asks for their data to be deleted: the tax law's
    /// period. The notice's own words must say the same.
    pub tax_records_kept_years: u32,
    /// How long bank statements (the files and their lines' text, which name whoever paid)
    /// are kept after upload, in days; the retention job then takes the text out, leaving
    /// dates, amounts and what each line paid. The notice's own words must say the same.
    pub statements_kept_days: u32,
    pub sections: Vec<Section>,
}
