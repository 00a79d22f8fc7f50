//! The checks content must pass before the server starts: translations present and not empty,
//! amounts possible, slugs and addresses well formed.

use std::collections::HashSet;
use std::path::Path;

use super::schema::{
    Campaign, Giving, Localized, Organisation, Paragraphs, Partner, PrivacyNotice, Section,
    Statistic, StatisticUnit, Story, StoryKind,
};
use super::ContentError;
use crate::paths::IMAGES_DIR;
use sharecare_domain::money::Currency;
use sharecare_domain::Locale;

/// A failed check on one field, before it is tied to its file.
pub(super) struct FieldError {
    field: String,
    message: String,
}

impl FieldError {
    pub(super) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(super) fn in_file(self, file: &Path) -> ContentError {
        ContentError {
            file: file.to_path_buf(),
            field: self.field,
            message: self.message,
        }
    }
}

pub(super) type Check = Result<(), FieldError>;

fn text(field: &str, value: &Localized<String>) -> Check {
    for (locale, text) in value.each() {
        if text.trim().is_empty() {
            return Err(FieldError::new(
                format!("{field}.{}", locale.code()),
                "must not be empty",
            ));
        }
        chinese_style(&format!("{field}.{}", locale.code()), locale, text)?;
    }
    Ok(())
}

/// Chinese as its readers expect it, the interface and the content alike: readers are 你 in
/// both scripts (a story or appeal written with 您 reads as a different voice), and Chinese
/// sentences take full-width punctuation (：not :). The same rules as the build's for
/// `locales/`.
fn chinese_style(field: &str, locale: Locale, text: &str) -> Check {
    use crate::chinese_style::{chinese_style_problem, Script};
    let script = match locale {
        Locale::En => return Ok(()),
        Locale::ZhHk => Script::Traditional,
        Locale::ZhCn => Script::Simplified,
    };
    match chinese_style_problem(text, script) {
        Some(problem) => Err(FieldError::new(field, problem)),
        None => Ok(()),
    }
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
        for (i, paragraph) in list.iter().enumerate() {
            chinese_style(&format!("{field}[{i}]"), locale, paragraph)?;
        }
    }
    Ok(())
}

fn section(field: &str, value: &Section) -> Check {
    text(&format!("{field}.heading"), &value.heading)?;
    paragraphs(&format!("{field}.paragraphs"), &value.paragraphs)
}

pub(super) fn check_organisation(org: &Organisation) -> Check {
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
    text("address", &org.address)?;
    let file_ok = !org.section_88_file_number.trim().is_empty()
        && org.section_88_file_number.len() <= 30
        && org
            .section_88_file_number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-. ".contains(c));
    if !file_ok {
        return Err(FieldError::new(
            "section_88_file_number",
            "must be the Inland Revenue Department's file number, e.g. 91/12345",
        ));
    }
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

/// Partners' codes have the shape gifts record, and their origins are exact origins (scheme,
/// host, optional port; no path), as `frame-ancestors` needs them.
pub(super) fn check_partners(partners: &[Partner]) -> Check {
    let mut codes = HashSet::new();
    for (i, partner) in partners.iter().enumerate() {
        let code_ok = sharecare_domain::attribution::PartnerCode::parse(&partner.code)
            .is_some_and(|code| code.as_str() == partner.code);
        if !code_ok || !codes.insert(partner.code.as_str()) {
            return Err(FieldError::new(
                format!("partners[{i}].code"),
                "must be unique, 2 to 40 lower-case letters, digits or hyphens",
            ));
        }
        for (j, origin) in partner.origins.iter().enumerate() {
            if !is_origin(origin) {
                return Err(FieldError::new(
                    format!("partners[{i}].origins[{j}]"),
                    "must be an origin such as https://www.example.org (no path, no wildcard)",
                ));
            }
        }
    }
    Ok(())
}

/// `https://host[:port]` or `http://host[:port]` and nothing else.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && port.is_none_or(|port| {
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
        })
}

pub(super) fn check_giving(giving: &Giving) -> Check {
    // Amounts are stored as signed 64-bit integers in the database.
    let largest = u64::try_from(i64::MAX).unwrap_or(u64::MAX);
    if giving.card_fee.basis_points > sharecare_domain::fees::FeeRate::MAX_BASIS_POINTS
        || giving.card_fee.fixed_minor_units > giving.min_minor_units
    {
        return Err(FieldError::new(
            "card_fee",
            "basis_points must be at most 2000 (20%) and fixed_minor_units at most the smallest gift",
        ));
    }
    for (i, app) in giving.fps_apps.iter().enumerate() {
        if !app.url.contains("://") || app.url.contains(char::is_whitespace) {
            return Err(FieldError::new(
                format!("fps_apps[{i}].url"),
                "must be an app or https link without spaces",
            ));
        }
    }
    if giving.min_minor_units == 0 {
        return Err(FieldError::new(
            "min_minor_units",
            "must be greater than zero",
        ));
    }
    if giving.max_minor_units < giving.min_minor_units
        || giving.max_minor_units > largest
        || giving.max_minor_units > sharecare_domain::fees::FeeRate::EXACT_UP_TO
    {
        return Err(FieldError::new(
            "max_minor_units",
            "must be at least min_minor_units and at most 10^15 (the card fee is exact up to there)",
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

pub(super) fn check_privacy(privacy: &PrivacyNotice) -> Check {
    text("title", &privacy.title)?;
    text("summary", &privacy.summary)?;
    if privacy.sections.is_empty() {
        return Err(FieldError::new("sections", "needs at least one section"));
    }
    for (i, value) in privacy.sections.iter().enumerate() {
        section(&format!("sections[{i}]"), value)?;
    }
    if !(1..=3650).contains(&privacy.unpaid_pledges_kept_days) {
        return Err(FieldError::new(
            "unpaid_pledges_kept_days",
            "must be between 1 and 3650 days",
        ));
    }
    if !(1..=3650).contains(&privacy.statements_kept_days) {
        return Err(FieldError::new(
            "statements_kept_days",
            "must be between 1 and 3650 days",
        ));
    }
    if !(1..=30).contains(&privacy.tax_records_kept_years) {
        return Err(FieldError::new(
            "tax_records_kept_years",
            "must be between 1 and 30 years",
        ));
    }
    Ok(())
}

pub(super) fn check_campaign(campaign: &Campaign) -> Check {
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

pub(super) fn check_statistics(statistics: &[Statistic]) -> Check {
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

pub(super) fn check_story(story: &Story) -> Check {
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
    text("give_heading", &story.give_heading)?;
    for (locale, heading) in story.give_heading.each() {
        let name = story.name.get(locale);
        if !heading.contains(name.as_str()) {
            return Err(FieldError::new(
                format!("give_heading.{}", locale.code()),
                format!("\"{heading}\" must name the story's {name}"),
            ));
        }
    }
    let image = &story.image;
    let allowed = [".svg", ".png", ".jpg", ".jpeg", ".webp", ".avif"];
    if !image.src.starts_with(&format!("{IMAGES_DIR}/"))
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
