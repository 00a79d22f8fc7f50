//! Where a gift came from: the campaign tags of the link that brought the reader
//! (`utm_source`, `utm_medium`, `utm_campaign`), the partner whose page the widget was on, and
//! the story read before giving. First-party and about the gift, never about the reader.
//!
//! Values come from addresses anyone can write, so nothing here refuses: what is unusable is
//! dropped, what is long is cut, and escaping is left to whatever shows them (pages, CSV).

/// Longest campaign tag kept, in characters.
pub const TAG_MAX_CHARS: usize = 64;

/// One campaign tag: trimmed, control characters removed, at most [`TAG_MAX_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignTag(String);

impl CampaignTag {
    /// `None` for an empty value (after cleaning); never an error.
    pub fn clean(input: &str) -> Option<CampaignTag> {
        let text: String = input
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .chars()
            .take(TAG_MAX_CHARS)
            .collect();
        let text = text.trim_end().to_string();
        (!text.is_empty()).then_some(CampaignTag(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A partner's code, as their embed snippet carries it: lower-case letters, digits and
/// hyphens, 2 to 40 of them (anything else is not recorded).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerCode(String);

impl PartnerCode {
    pub fn parse(input: &str) -> Option<PartnerCode> {
        let code = input.trim().to_ascii_lowercase();
        ((2..=40).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        .then_some(PartnerCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A story's slug as a form or address carries it (whether the story exists is the server's
/// question: it keeps only slugs of its stories).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorySlug(String);

impl StorySlug {
    pub fn parse(input: &str) -> Option<StorySlug> {
        let slug = input.trim();
        ((1..=64).contains(&slug.len())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        .then(|| StorySlug(slug.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything known about where a gift came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attribution {
    pub source: Option<CampaignTag>,
    pub medium: Option<CampaignTag>,
    pub campaign: Option<CampaignTag>,
    pub partner: Option<PartnerCode>,
    pub story: Option<StorySlug>,
}

/// The attribution dimensions staff can break totals down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Source,
    Medium,
    Campaign,
    Partner,
    Story,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::Source,
        Dimension::Medium,
        Dimension::Campaign,
        Dimension::Partner,
        Dimension::Story,
    ];

    /// The donations column it is stored in (a closed list: never a name from input).
    pub fn column(self) -> &'static str {
        match self {
            Dimension::Source => "utm_source",
            Dimension::Medium => "utm_medium",
            Dimension::Campaign => "utm_campaign",
            Dimension::Partner => "partner_code",
            Dimension::Story => "story_slug",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tags_are_cleaned_not_refused() {
        assert_eq!(
            CampaignTag::clean("  spring\u{0}-appeal\n ")
                .unwrap()
                .as_str(),
            "spring-appeal"
        );
        assert_eq!(CampaignTag::clean(" \u{7} "), None);
        let long = CampaignTag::clean(&"x".repeat(500)).unwrap();
        assert_eq!(long.as_str().chars().count(), TAG_MAX_CHARS);
        assert_eq!(
            CampaignTag::clean("<script>").unwrap().as_str(),
            "<script>",
            "kept as text; pages escape it"
        );
    }

    #[test]
    fn partner_codes_and_slugs_have_one_shape() {
        assert_eq!(
            PartnerCode::parse(" St-Marys ").unwrap().as_str(),
            "st-marys"
        );
        for bad in ["", "x", "a b", "<b>", &"a".repeat(41), "ü-school"] {
            assert_eq!(PartnerCode::parse(bad), None, "{bad}");
        }
        assert!(StorySlug::parse("yiyi").is_some());
        assert_eq!(StorySlug::parse("../etc"), None);
    }

    proptest! {
        #[test]
        fn any_tag_is_short_and_printable(text in "\\PC{0,300}|.{0,300}") {
            if let Some(tag) = CampaignTag::clean(&text) {
                prop_assert!(tag.as_str().chars().count() <= TAG_MAX_CHARS);
                prop_assert!(!tag.as_str().chars().any(char::is_control));
            }
        }
    }
}
