//! Path parameters read into domain types. A value the site does not know (a language it does
//! not publish, a malformed reference) means there is no such page: 404.

use super::AppError;
use sharecare_domain::identifiers::{Reference, ReferralCode};
use sharecare_domain::Locale;

/// The language a path's first segment names, if it is one the site publishes.
pub fn locale(code: &str) -> Result<Locale, AppError> {
    Locale::from_code(code).ok_or(AppError::NotFound)
}

pub fn reference(text: &str) -> Result<Reference, AppError> {
    Reference::parse(text).ok_or(AppError::NotFound)
}

pub fn referral_code(text: &str) -> Result<ReferralCode, AppError> {
    ReferralCode::parse(text).ok_or(AppError::NotFound)
}
