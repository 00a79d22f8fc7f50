//! Where a visit came from, for the gift it may lead to: a page fetched with campaign tags
//! (`?utm_source=…&utm_medium=…&utm_campaign=…`) or a partner's code (`?partner=…`) remembers
//! them, cleaned, in a first-party cookie for 30 days; a gift made later in the visit, from
//! any page, carries them. Nothing about the reader is kept: only the tags of the link.
//!
//! The embedded widget cannot rely on the cookie (browsers block third-party cookies): its
//! form carries the partner's code itself (see `pages::embed`).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;

use super::cookies;
use sharecare_domain::attribution::{CampaignTag, PartnerCode};
use sharecare_domain::form::DonationForm;
use sharecare_services::state::AppState;

const COOKIE_MAX_AGE_SECONDS: u32 = 30 * 24 * 3600;

/// The tags a visit came with, cleaned: `(name, value)` for `utm_source`, `utm_medium`,
/// `utm_campaign` and `partner`, in that order, only those present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitTags(Vec<(&'static str, String)>);

const NAMES: [&str; 4] = ["utm_source", "utm_medium", "utm_campaign", "partner"];

impl VisitTags {
    /// From a query string or a cookie's value (both URL-encoded pairs). Unknown names are
    /// ignored, values cleaned, nothing refused.
    pub fn parse(encoded: &str) -> VisitTags {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(encoded).unwrap_or_default();
        VisitTags(
            NAMES
                .into_iter()
                .filter_map(|name| {
                    let (_, value) = pairs.iter().find(|(key, _)| key == name)?;
                    let cleaned = if name == "partner" {
                        PartnerCode::parse(value)?.as_str().to_string()
                    } else {
                        CampaignTag::clean(value)?.as_str().to_string()
                    };
                    Some((name, cleaned))
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn encode(&self) -> String {
        serde_urlencoded::to_string(&self.0).unwrap_or_default()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Fills the form's attribution fields the form itself left empty.
    pub fn fill(&self, form: &mut DonationForm) {
        for (field, name) in [
            (&mut form.utm_source, "utm_source"),
            (&mut form.utm_medium, "utm_medium"),
            (&mut form.utm_campaign, "utm_campaign"),
            (&mut form.partner, "partner"),
        ] {
            if field.trim().is_empty() {
                if let Some(value) = self.get(name) {
                    *field = value.to_string();
                }
            }
        }
    }
}

/// Middleware: a page fetched with campaign tags or a partner's code remembers them.
pub async fn remember_campaign(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let tags = (request.method() == Method::GET)
        .then(|| request.uri().query().map(VisitTags::parse))
        .flatten()
        .filter(|tags| !tags.is_empty());
    let mut response = next.run(request).await;
    if let Some(tags) = tags {
        cookies::set(
            &mut response,
            cookies::CAMPAIGN,
            &tags.encode(),
            COOKIE_MAX_AGE_SECONDS,
            state.site.is_https(),
        );
    }
    response
}

/// The tags this visit came with, from its cookie.
pub fn remembered(headers: &HeaderMap) -> VisitTags {
    cookies::read(headers, cookies::CAMPAIGN)
        .map(VisitTags::parse)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_cleaned_and_survive_the_cookie() {
        let tags = VisitTags::parse(
            "utm_source=news%3Bletter&utm_medium=email&x=1&partner=Harbour-School&utm_campaign=%20",
        );
        assert_eq!(
            tags,
            VisitTags(vec![
                ("utm_source", "news;letter".into()),
                ("utm_medium", "email".into()),
                ("partner", "harbour-school".into()),
            ])
        );
        let cookie = tags.encode();
        assert!(!cookie.contains(';') && !cookie.contains(' '), "{cookie}");
        assert_eq!(VisitTags::parse(&cookie), tags);
        let mut form = DonationForm {
            utm_medium: "print".into(),
            ..DonationForm::default()
        };
        tags.fill(&mut form);
        assert_eq!(form.utm_source, "news;letter");
        assert_eq!(form.utm_medium, "print", "the form's own value wins");
        assert_eq!(form.partner, "harbour-school");
        assert!(VisitTags::parse("%ZZ&&=&utm_source").is_empty());
    }
}
