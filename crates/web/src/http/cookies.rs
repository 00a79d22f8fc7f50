//! The site's cookies, read and written in one place. All are first-party, HttpOnly where the
//! browser needs no access, and `Secure` when the site is served over HTTPS.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

/// The language a reader last picked (set by the `LanguageMemory` island, read on `/`).
pub const LANGUAGE: &str = "sharecare_locale";
/// One form token per donor for a while (see `gift_session`). On HTTPS the name carries the
/// `__Host-` prefix, so no subdomain or plain-HTTP page can plant or overwrite it.
pub fn gift(https: bool) -> &'static str {
    if https {
        "__Host-sharecare_gift"
    } else {
        "sharecare_gift"
    }
}
/// A donor's key to their own gift's page, scoped to that page's addresses, so the key leaves
/// the URL after the first visit (see `giving::gift_page`).
pub const GIFT_KEY: &str = "sharecare_key";
/// The share links a visitor already has, per story (see `referrals`).
pub const SHARE_LINKS: &str = "sharecare_links";
/// When a shared (cached) page's donation form was shown, signed: the note the form itself
/// carries when it is rendered for one reader (see `pages::shared`, `form_guard`).
pub const SHOWN: &str = "sharecare_shown";
/// The share code a visit came with (see `referrals`).
pub const REFERRAL: &str = "sharecare_ref";
/// The campaign tags and partner code a visit came with (see `attribution`).
pub const CAMPAIGN: &str = "sharecare_from";

/// The staff admin's language (see `admin::guard`).
pub const ADMIN_LANGUAGE: &str = "sharecare_admin_lang";
/// The staff session (tower-sessions sets it). `__Host-` when `Secure`, which the browser then
/// holds to this exact host and path `/`.
pub fn staff_session(secure: bool) -> &'static str {
    if secure {
        "__Host-sharecare_staff"
    } else {
        "sharecare_staff"
    }
}

/// The value of the first cookie called `name`, trimmed.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.trim())
        })
}

/// Adds `Set-Cookie` for a site-wide, HttpOnly, SameSite=Lax cookie. `value` is one of the
/// site's own tokens or codes, or text from a request cleaned and URL-encoded (`attribution`).
pub fn set(response: &mut Response, name: &str, value: &str, max_age_seconds: u32, secure: bool) {
    set_on_path(response, name, value, "/", max_age_seconds, secure);
}

/// The same, for the addresses under `path` only.
pub fn set_on_path(
    response: &mut Response,
    name: &str,
    value: &str,
    path: &str,
    max_age_seconds: u32,
    secure: bool,
) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path={path}; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; sharecare_ref=AB23CD"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("sharecare_locale= zh-hk "),
        );
        assert_eq!(read(&headers, REFERRAL), Some("AB23CD"));
        assert_eq!(read(&headers, LANGUAGE), Some("zh-hk"));
        assert_eq!(read(&headers, gift(false)), None);
    }
}
