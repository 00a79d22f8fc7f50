//! Campaign content: the organisation, the campaign copy, the statistics and the stories, read
//! from TOML files under the content folder that charity staff edit.
//!
//! Everything is loaded and checked once, at start. A missing field, a wrong type, a missing
//! translation or an impossible value stops the server with one message that names the file and
//! the field (`statistics.toml: statistics[1].label: missing translation "zh-cn"`), so a bad
//! edit can never half-render a page.

mod checks;
mod chinese_style;
pub mod i18n;
mod load;
pub mod paths;
mod schema;

use std::fmt;
use std::path::PathBuf;

use sharecare_domain::money::{AmountLimits, Money};

pub use load::load;
pub use schema::*;

/// All content, checked.
#[derive(Debug, Clone)]
pub struct Content {
    pub organisation: Organisation,
    pub campaign: Campaign,
    pub statistics: Vec<Statistic>,
    pub stories: Vec<Story>,
    pub giving: Giving,
    pub privacy: PrivacyNotice,
    pub partners: Vec<Partner>,
}

impl Content {
    /// The story the home page tells; its existence is checked at load.
    pub fn hero_story(&self) -> &Story {
        self.story(&self.organisation.hero_story)
            .expect("hero_story is checked to exist when content is loaded")
    }

    /// The smallest and largest gift. The whole set of giving rules (with whether cards are
    /// on, which is configuration) is the donations service's: `Donations::giving_rules`.
    pub fn amount_limits(&self) -> AmountLimits {
        AmountLimits {
            min_minor: self.giving.min_minor_units,
            max_minor: self.giving.max_minor_units,
        }
    }

    /// An amount in the campaign's currency.
    pub fn money(&self, minor: u64) -> Money {
        Money::new(minor, self.organisation.currency())
    }

    /// Every origin a partner may frame the embeddable widget from, space-separated (as
    /// `frame-ancestors` and the widget's page list them); empty without partners.
    pub fn embed_origins(&self) -> String {
        self.partners
            .iter()
            .flat_map(|partner| partner.origins.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A partner as staff know it, "Name (code)"; a code content does not list, as it is.
    pub fn partner_label(&self, code: &str) -> String {
        match self.partners.iter().find(|partner| partner.code == code) {
            Some(partner) => format!("{} ({})", partner.name, partner.code),
            None => code.to_string(),
        }
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
