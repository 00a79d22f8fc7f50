//! Campaign content: the organisation, the campaign copy, the statistics and the stories, read
//! from TOML files under the content folder that charity staff edit.
//!
//! Everything is loaded and checked once, at start. A missing field, a wrong type, a missing
//! translation or an impossible value stops the server with one message that names the file and
//! the field (`statistics.toml: statistics[1].label: missing translation "zh-cn"`), so a bad
//! edit can never half-render a page.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::domain::donation::GivingRules;
use crate::domain::money::{AmountLimits, Currency, Money};
use crate::domain::Locale;

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

    fn each(&self) -> impl Iterator<Item = (Locale, &T)> {
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
struct StatisticsFile {
    statistics: Vec<Statistic>,
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
    /// Receipts for gifts of at least this much carry the tax-deduction note (Hong Kong: HK$100).
    pub tax_deductible_from_minor_units: u64,
    pub presets: Vec<Preset>,
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
    pub sections: Vec<Section>,
}

/// All content, checked.
#[derive(Debug, Clone)]
pub struct Content {
    pub organisation: Organisation,
    pub campaign: Campaign,
    pub statistics: Vec<Statistic>,
    pub stories: Vec<Story>,
    pub giving: Giving,
    pub privacy: PrivacyNotice,
}

impl Content {
    /// The story the home page tells; its existence is checked at load.
    pub fn hero_story(&self) -> &Story {
        self.story(&self.organisation.hero_story)
            .expect("hero_story is checked to exist when content is loaded")
    }

    /// What the donation form accepts.
    pub fn giving_rules(&self) -> GivingRules {
        GivingRules {
            currency: self.organisation.currency(),
            limits: AmountLimits {
                min_minor: self.giving.min_minor_units,
                max_minor: self.giving.max_minor_units,
            },
            // Whether cards are on is configuration, not content: see `server::payment`.
            card_payments: false,
        }
    }

    /// An amount in the campaign's currency.
    pub fn money(&self, minor: u64) -> Money {
        Money::new(minor, self.organisation.currency())
    }

    pub fn story(&self, slug: &str) -> Option<&Story> {
        self.stories.iter().find(|story| story.slug == slug)
    }
}

/// Why content could not be loaded: which file, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub file: PathBuf,
    /// The field's path inside the file, e.g. `statistics[1].label`; empty for the whole file.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ContentError {}

/// Reads and checks every content file under `dir`.
pub fn load(dir: &Path) -> Result<Content, ContentError> {
    let organisation: Organisation = read_toml(&dir.join("organisation.toml"))?;
    let campaign: Campaign = read_toml(&dir.join("campaign.toml"))?;
    let StatisticsFile { statistics } = read_toml(&dir.join("statistics.toml"))?;
    let giving: Giving = read_toml(&dir.join("giving.toml"))?;
    let privacy: PrivacyNotice = read_toml(&dir.join("privacy.toml"))?;
    let stories_dir = dir.join("stories");
    let mut story_files: Vec<PathBuf> = std::fs::read_dir(&stories_dir)
        .map_err(|e| ContentError {
            file: stories_dir.clone(),
            field: String::new(),
            message: format!("cannot read the stories folder: {e}"),
        })?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    story_files.sort();
    let mut stories = Vec::with_capacity(story_files.len());
    for file in &story_files {
        let story: Story = read_toml(file)?;
        check_story(&story).map_err(|e| e.in_file(file))?;
        stories.push(story);
    }

    check_organisation(&organisation).map_err(|e| e.in_file(&dir.join("organisation.toml")))?;
    check_campaign(&campaign).map_err(|e| e.in_file(&dir.join("campaign.toml")))?;
    check_statistics(&statistics).map_err(|e| e.in_file(&dir.join("statistics.toml")))?;
    check_giving(&giving).map_err(|e| e.in_file(&dir.join("giving.toml")))?;
    check_privacy(&privacy).map_err(|e| e.in_file(&dir.join("privacy.toml")))?;

    let mut slugs = HashSet::new();
    for (story, file) in stories.iter().zip(&story_files) {
        if !slugs.insert(story.slug.as_str()) {
            return Err(FieldError::new(
                "slug",
                format!("\"{}\" is used by another story", story.slug),
            )
            .in_file(file));
        }
    }
    if !slugs.contains(organisation.hero_story.as_str()) {
        return Err(FieldError::new(
            "hero_story",
            format!(
                "no story has the slug \"{}\" (stories: {})",
                organisation.hero_story,
                stories
                    .iter()
                    .map(|s| s.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .in_file(&dir.join("organisation.toml")));
    }

    Ok(Content {
        organisation,
        campaign,
        statistics,
        stories,
        giving,
        privacy,
    })
}

fn read_toml<T: DeserializeOwned>(file: &Path) -> Result<T, ContentError> {
    let error = |field: String, message: String| ContentError {
        file: file.to_path_buf(),
        field,
        message,
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| error(String::new(), format!("cannot read the file: {e}")))?;
    let deserializer = toml::Deserializer::parse(&text)
        .map_err(|e| error(String::new(), describe_toml_error(&text, &e)))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        error(field, describe_toml_error(&text, e.inner()))
    })
}

/// Turns a TOML error into one line for a person: what is wrong, and on which line.
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let mut message = error.message().trim().to_string();
    if let Some(code) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
        .filter(|code| Locale::from_code(code).is_some())
    {
        message = format!("missing translation \"{code}\"");
    }
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].lines().count().max(1);
            format!("{message} (line {line})")
        }
        None => message,
    }
}

/// A failed check on one field, before it is tied to its file.
struct FieldError {
    field: String,
    message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    fn in_file(self, file: &Path) -> ContentError {
        ContentError {
            file: file.to_path_buf(),
            field: self.field,
            message: self.message,
        }
    }
}

type Check = Result<(), FieldError>;

fn text(field: &str, value: &Localized<String>) -> Check {
    for (locale, text) in value.each() {
        if text.trim().is_empty() {
            return Err(FieldError::new(
                format!("{field}.{}", locale.code()),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

fn paragraphs(field: &str, value: &Paragraphs) -> Check {
    for (locale, list) in value.each() {
        let field = format!("{field}.{}", locale.code());
        if list.is_empty() {
            return Err(FieldError::new(field, "needs at least one paragraph"));
        }
        if let Some(i) = list.iter().position(|p| p.trim().is_empty()) {
            return Err(FieldError::new(
                format!("{field}[{i}]"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

fn section(field: &str, value: &Section) -> Check {
    text(&format!("{field}.heading"), &value.heading)?;
    paragraphs(&format!("{field}.paragraphs"), &value.paragraphs)
}

fn check_organisation(org: &Organisation) -> Check {
    text("name", &org.name)?;
    let phone_ok = org.phone.chars().any(|c| c.is_ascii_digit())
        && org
            .phone
            .chars()
            .all(|c| c.is_ascii_digit() || " ()+-".contains(c));
    if !phone_ok {
        return Err(FieldError::new(
            "phone",
            format!(
                "\"{}\" is not a phone number (digits, spaces, + ( ) - only)",
                org.phone
            ),
        ));
    }
    if !looks_like_email(&org.email) {
        return Err(FieldError::new(
            "email",
            format!("\"{}\" is not an email address", org.email),
        ));
    }
    if Currency::from_code(&org.currency).is_none() {
        let allowed: Vec<_> = Currency::ALL.iter().map(|c| c.code()).collect();
        return Err(FieldError::new(
            "currency",
            format!(
                "\"{}\" is not a currency the site takes (allowed: {})",
                org.currency,
                allowed.join(", ")
            ),
        ));
    }
    let fps_ok = !org.fps_id.is_empty()
        && org.fps_id.len() <= 20
        && org.fps_id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !fps_ok {
        return Err(FieldError::new(
            "fps_id",
            "must be the FPS identifier: up to 20 letters or digits",
        ));
    }
    text("bank.bank_name", &org.bank.bank_name)?;
    for (field, value) in [
        ("bank.account_name", &org.bank.account_name),
        ("bank.account_number", &org.bank.account_number),
    ] {
        if value.trim().is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
    }
    if org.goal_minor_units == 0 {
        return Err(FieldError::new(
            "goal_minor_units",
            "must be greater than zero",
        ));
    }
    Ok(())
}

fn check_giving(giving: &Giving) -> Check {
    // Amounts are stored as signed 64-bit integers in the database.
    let largest = u64::try_from(i64::MAX).unwrap_or(u64::MAX);
    if giving.min_minor_units == 0 {
        return Err(FieldError::new(
            "min_minor_units",
            "must be greater than zero",
        ));
    }
    if giving.max_minor_units < giving.min_minor_units || giving.max_minor_units > largest {
        return Err(FieldError::new(
            "max_minor_units",
            "must be at least min_minor_units and fit a 64-bit signed integer",
        ));
    }
    if giving.offline_raised_minor_units > largest {
        return Err(FieldError::new(
            "offline_raised_minor_units",
            "is too large",
        ));
    }
    if giving.presets.is_empty() {
        return Err(FieldError::new(
            "presets",
            "needs at least one suggested amount",
        ));
    }
    let mut seen = HashSet::new();
    for (i, preset) in giving.presets.iter().enumerate() {
        let field = format!("presets[{i}]");
        let amount = preset.amount_minor_units;
        if amount < giving.min_minor_units || amount > giving.max_minor_units {
            return Err(FieldError::new(
                format!("{field}.amount_minor_units"),
                "must lie between min_minor_units and max_minor_units",
            ));
        }
        if amount % 100 != 0 {
            return Err(FieldError::new(
                format!("{field}.amount_minor_units"),
                "suggested amounts are whole dollars (a multiple of 100)",
            ));
        }
        if !seen.insert(amount) {
            return Err(FieldError::new(
                format!("{field}.amount_minor_units"),
                "is suggested twice",
            ));
        }
        text(&format!("{field}.impact"), &preset.impact)?;
    }
    if !seen.contains(&giving.default_amount_minor_units) {
        return Err(FieldError::new(
            "default_amount_minor_units",
            "must be one of the presets' amounts",
        ));
    }
    Ok(())
}

fn check_privacy(privacy: &PrivacyNotice) -> Check {
    text("title", &privacy.title)?;
    text("summary", &privacy.summary)?;
    if privacy.sections.is_empty() {
        return Err(FieldError::new("sections", "needs at least one section"));
    }
    for (i, value) in privacy.sections.iter().enumerate() {
        section(&format!("sections[{i}]"), value)?;
    }
    Ok(())
}

fn check_campaign(campaign: &Campaign) -> Check {
    text("title", &campaign.title)?;
    text("description", &campaign.description)?;
    section("explainer", &campaign.explainer)?;
    text("mission.heading", &campaign.mission.heading)?;
    paragraphs("mission.paragraphs", &campaign.mission.paragraphs)?;
    if campaign.mission.points.is_empty() {
        return Err(FieldError::new(
            "mission.points",
            "needs at least one point",
        ));
    }
    for (i, point) in campaign.mission.points.iter().enumerate() {
        text(&format!("mission.points[{i}].title"), &point.title)?;
        text(&format!("mission.points[{i}].text"), &point.text)?;
    }
    text("call_to_action.heading", &campaign.call_to_action.heading)?;
    text("call_to_action.text", &campaign.call_to_action.text)?;
    text("call_to_action.button", &campaign.call_to_action.button)?;
    section("appeal", &campaign.appeal)
}

fn check_statistics(statistics: &[Statistic]) -> Check {
    if statistics.is_empty() {
        return Err(FieldError::new(
            "statistics",
            "needs at least one statistic",
        ));
    }
    for (i, stat) in statistics.iter().enumerate() {
        let field = format!("statistics[{i}]");
        if stat.value == 0 {
            return Err(FieldError::new(
                format!("{field}.value"),
                "must be greater than zero",
            ));
        }
        if stat.unit == StatisticUnit::Percent && stat.value > 100 {
            return Err(FieldError::new(
                format!("{field}.value"),
                "a percentage cannot exceed 100",
            ));
        }
        text(&format!("{field}.label"), &stat.label)?;
        text(&format!("{field}.source"), &stat.source)?;
        if let Some(url) = &stat.source_url {
            if !url.starts_with("https://") {
                return Err(FieldError::new(
                    format!("{field}.source_url"),
                    "must start with https://",
                ));
            }
        }
    }
    Ok(())
}

fn check_story(story: &Story) -> Check {
    let slug_ok = !story.slug.is_empty()
        && story.slug.len() <= 64
        && story
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !story.slug.starts_with('-')
        && !story.slug.ends_with('-');
    if !slug_ok {
        return Err(FieldError::new(
            "slug",
            format!(
                "\"{}\" must be lowercase letters, digits and single hyphens",
                story.slug
            ),
        ));
    }
    text("name", &story.name)?;
    let (ages, whose) = match story.kind {
        StoryKind::Child => (1..=17, "a child's age (1 to 17)"),
        StoryKind::Teacher => (18..=99, "an adult's age (18 to 99)"),
    };
    if !ages.contains(&story.age) {
        return Err(FieldError::new(
            "age",
            format!("{} is not {whose}", story.age),
        ));
    }
    text("grade", &story.grade)?;
    text("place", &story.place)?;
    text("headline", &story.headline)?;
    text("summary", &story.summary)?;
    let image = &story.image;
    let allowed = [".svg", ".png", ".jpg", ".jpeg", ".webp", ".avif"];
    if !image.src.starts_with("/images/")
        || image.src.contains("..")
        || !allowed
            .iter()
            .any(|ext| image.src.to_ascii_lowercase().ends_with(ext))
    {
        return Err(FieldError::new(
            "image.src",
            format!(
                "\"{}\" must be an image under /images/ ({})",
                image.src,
                allowed.join(", ")
            ),
        ));
    }
    if image.width == 0 || image.height == 0 {
        return Err(FieldError::new("image.width", "width and height must be greater than zero (they reserve space so the page does not jump)"));
    }
    text("image.alt", &image.alt)?;
    if story.sections.is_empty() {
        return Err(FieldError::new("sections", "needs at least one section"));
    }
    for (i, s) in story.sections.iter().enumerate() {
        section(&format!("sections[{i}]"), s)?;
    }
    text("quote.text", &story.quote.text)?;
    text("quote.attribution", &story.quote.attribution)
}

/// A plausibility check for a published contact address, not an RFC 5322 parser.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the real content folder, broken by `edit`, then loaded.
    fn load_edited(edit: impl FnOnce(&Path)) -> Result<Content, ContentError> {
        let dir = tempfile::tempdir().unwrap();
        copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("content")
                .as_path(),
            dir.path(),
        );
        edit(dir.path());
        load(dir.path())
    }

    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    fn replace(path: PathBuf, from: &str, to: &str) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{} lacks {from:?}", path.display());
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn assert_error(result: Result<Content, ContentError>, file: &str, field: &str, message: &str) {
        let error = result.expect_err("broken content must be refused");
        assert!(error.file.ends_with(file), "file: {error}");
        assert_eq!(error.field, field, "field: {error}");
        assert!(error.message.contains(message), "message: {error}");
    }

    #[test]
    fn the_shipped_content_is_valid() {
        let content = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).unwrap();
        assert_eq!(content.hero_story().slug, "yiyi");
        assert_eq!(content.statistics.len(), 2);
        assert_eq!(content.organisation.currency(), Currency::Hkd);
        assert!(content.giving.presets.len() >= 3);
    }

    #[test]
    fn giving_rules_are_checked() {
        let result = load_edited(|dir| {
            replace(
                dir.join("giving.toml"),
                "amount_minor_units = 15_000",
                "amount_minor_units = 1_000",
            )
        });
        assert_error(
            result,
            "giving.toml",
            "presets[0].amount_minor_units",
            "between min_minor_units and max_minor_units",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("giving.toml"),
                "default_amount_minor_units = 30_000",
                "default_amount_minor_units = 31_000",
            )
        });
        assert_error(
            result,
            "giving.toml",
            "default_amount_minor_units",
            "one of the presets",
        );
        let result = load_edited(|dir| {
            replace(dir.join("privacy.toml"), "zh-cn = \"捐款人隐私声明\"\n", "")
        });
        assert_error(
            result,
            "privacy.toml",
            "title",
            "missing translation \"zh-cn\"",
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "email = \"care@sharecare.org.hk\"\n",
                "",
            )
        });
        assert_error(result, "organisation.toml", "", "missing field `email`");
    }

    #[test]
    fn a_wrong_type_is_named() {
        let result =
            load_edited(|dir| replace(dir.join("stories/yiyi.toml"), "age = 10", "age = \"ten\""));
        assert_error(
            result,
            "stories/yiyi.toml",
            "age",
            "invalid type: string \"ten\"",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("statistics.toml"),
                "value = 6_970_000",
                "value = -5",
            )
        });
        assert_error(
            result,
            "statistics.toml",
            "statistics[0].value",
            "invalid value",
        );
    }

    #[test]
    fn a_missing_translation_is_named() {
        let result = load_edited(|dir| {
            replace(
                dir.join("statistics.toml"),
                "zh-cn = \"内地农村留守儿童，在没有父母一方或双方陪伴下成长\"\n",
                "",
            )
        });
        assert_error(
            result,
            "statistics.toml",
            "statistics[0].label",
            "missing translation \"zh-cn\"",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "zh-hk = \"電話裏的聲音\"\n",
                "",
            );
        });
        assert_error(
            result,
            "stories/yiyi.toml",
            "sections[1].heading",
            "missing translation \"zh-hk\"",
        );
    }

    #[test]
    fn an_empty_translation_is_refused() {
        let result = load_edited(|dir| {
            replace(
                dir.join("campaign.toml"),
                "zh-hk = \"甚麼是留守兒童？\"",
                "zh-hk = \"  \"",
            )
        });
        assert_error(result, "campaign.toml", "title.zh-hk", "must not be empty");
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "currency = ",
                "colour = \"red\"\ncurrency = ",
            )
        });
        assert_error(
            result,
            "organisation.toml",
            "colour",
            "unknown field `colour`",
        );
    }

    #[test]
    fn impossible_values_are_refused() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "hero_story = \"yiyi\"",
                "hero_story = \"nobody\"",
            )
        });
        assert_error(
            result,
            "organisation.toml",
            "hero_story",
            "no story has the slug \"nobody\"",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "care@sharecare.org.hk",
                "not-an-email",
            )
        });
        assert_error(
            result,
            "organisation.toml",
            "email",
            "is not an email address",
        );
        let result =
            load_edited(|dir| replace(dir.join("organisation.toml"), "\"HKD\"", "\"USD\""));
        assert_error(
            result,
            "organisation.toml",
            "currency",
            "not a currency the site takes (allowed: HKD)",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "slug = \"yiyi\"",
                "slug = \"Yi Yi\"",
            )
        });
        assert_error(result, "stories/yiyi.toml", "slug", "lowercase");
        let result = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "src = \"/images/yiyi.svg\"",
                "src = \"https://stock.example/x.jpg\"",
            )
        });
        assert_error(result, "stories/yiyi.toml", "image.src", "under /images/");
    }

    #[test]
    fn duplicate_story_slugs_are_refused() {
        let result = load_edited(|dir| {
            std::fs::copy(
                dir.join("stories/yiyi.toml"),
                dir.join("stories/yiyi-again.toml"),
            )
            .unwrap();
        });
        assert_error(result, "stories/yiyi.toml", "slug", "used by another story");
    }

    #[test]
    fn a_missing_file_is_named() {
        let result = load_edited(|dir| std::fs::remove_file(dir.join("campaign.toml")).unwrap());
        assert_error(result, "campaign.toml", "", "cannot read the file");
    }

    #[test]
    fn invalid_toml_gives_the_line() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "currency = \"HKD\"",
                "currency = \"HKD",
            )
        });
        let error = result.unwrap_err();
        assert!(error.file.ends_with("organisation.toml"));
        assert!(error.message.contains("(line "), "{error}");
    }
}
