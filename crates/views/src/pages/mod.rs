//! One page per file. Each page takes its input as typed props (its locale, the story, the
//! donation...), found and checked by its handler in `sharecare_web::http` before it renders.

pub mod admin;
pub mod donate;
pub mod embed;
pub mod gift;
pub mod home;
pub mod my_gifts;
pub mod not_found;
pub mod privacy;
pub mod referral;
pub mod story;

use leptos::prelude::*;

use sharecare_content::i18n::fill;
use sharecare_content::Organisation;

/// Renders a translated sentence with `{phone}` and `{email}` as links, keeping the
/// translation's own word order.
pub fn contact_sentence(template: &str, org: &Organisation) -> impl IntoView {
    const PHONE: &str = "\u{0}";
    const EMAIL: &str = "\u{1}";
    let sentence = fill(template, &[("phone", PHONE), ("email", EMAIL)]);
    let (before_phone, rest) = sentence.split_once(PHONE).unwrap_or((&sentence, ""));
    let (between, after_email) = rest.split_once(EMAIL).unwrap_or((rest, ""));
    view! {
        {before_phone.to_string()}
        <a href=org.phone_href()>{org.phone.clone()}</a>
        {between.to_string()}
        <a href=format!("mailto:{}", org.email)>{org.email.clone()}</a>
        {after_email.to_string()}
    }
}
